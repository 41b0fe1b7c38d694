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
    from models.db import get_engine, session_scope
    from models.errors import DomainError
    from models.services import org as org_svc
    from models.services import web_auth

    settings = load_settings()
    try:
        with session_scope(get_engine(settings.database_url)) as s:
            person = org_svc.find_person_by_email(s, email=email, org_id=org_svc.default_org(s, slug=settings.org_slug).id)
            url = web_auth.issue_link(session=s, person_id=person.id,  # type: ignore[arg-type]
                                      public_base_url=settings.public_base_url)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(f"Innloggingslenke for {person.name} (gjelder i 15 minutter, kan brukes én gang):")
    click.echo(url)
