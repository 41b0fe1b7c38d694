"""`trad web …`: sign-in links for the staff web pages (demos, and admins helping someone in)."""

from __future__ import annotations

import sys

import click

from bot.org_option import ORG_OPTION


@click.group(help="Nettsidene for ansatte uten chat.")
def web() -> None:
    pass


@web.command("link", help="Skriv ut en engangslenke for innlogging (gjelder i 15 minutter).")
@click.option("--as", "email", required=True, help="E-postadressen til personen som skal logge inn.")
@ORG_OPTION
def link_cmd(email: str, org_slug: str | None) -> None:
    from bot.main import load_settings
    from bot.org_option import tenant_or_exit
    from forms.tenancy import tenant_base_url
    from models.db import get_engine
    from models.errors import DomainError
    from models.services import web_auth
    from models.services.org_ref import person_by_email
    from models.uow import UnitOfWork

    settings = load_settings()
    try:
        # This command only builds the engine; the use cases do the rest.
        with UnitOfWork(get_engine(settings.database_url)).write() as tx:
            tenant = tenant_or_exit(tx, org_slug, settings)
            person = person_by_email(tx, email=email, org_id=tenant.id)
            url = web_auth.issue_link(session=tx, person_id=person.id,
                                      public_base_url=tenant_base_url(settings, tenant))
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"Innloggingslenke for {person.name} (gjelder i 15 minutter, kan brukes én gang):")
    click.echo(url)
