"""`trad web …`: sign-in links for the staff web pages (demos, and admins helping someone in)."""

from __future__ import annotations

import sys

import click


@click.group(help="Nettsidene for ansatte uten chat.")
def web() -> None:
    pass


@web.command("link", help="Skriv ut en engangslenke for innlogging (gjelder i 15 minutter).")
@click.option("--as", "email", required=True, help="E-postadressen til personen som skal logge inn.")
def link_cmd(email: str) -> None:
    from bot.main import load_settings
    from models.db import get_engine
    from models.errors import DomainError
    from models.services import web_auth
    from models.services.org_ref import org_id, person_by_email
    from models.uow import UnitOfWork

    settings = load_settings()
    try:
        # This command only builds the engine; the use cases do the rest.
        with UnitOfWork(get_engine(settings.database_url)).write() as tx:
            person = person_by_email(tx, email=email, org_id=org_id(tx, slug=settings.org_slug))
            url = web_auth.issue_link(session=tx, person_id=person.id, public_base_url=settings.public_base_url)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"Innloggingslenke for {person.name} (gjelder i 15 minutter, kan brukes én gang):")
    click.echo(url)
