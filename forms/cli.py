"""`trad varsling …`: recipient keys, the varslingsrutine, retention and deadline reminders."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.org_option import ORG_OPTION

if TYPE_CHECKING:
    from models.settings import Settings
    from models.uow import UnitOfWork


def _open() -> tuple[Settings, UnitOfWork]:
    """The command's settings and a unit of work on their database (this module only builds the engine)."""
    from bot.main import load_settings
    from models.db import get_engine
    from models.uow import UnitOfWork

    settings = load_settings()
    return settings, UnitOfWork(get_engine(settings.database_url))


def register(group: click.Group) -> None:
    from forms.staff.cli import web

    group.add_command(varsling)
    group.add_command(web)


@click.group(help="Anonym varsling: nøkler, varslingsrutine, oppbevaring og frister.")
def varsling() -> None:
    pass


@varsling.command("keys", help="Lag nøkkelparet til en varslingsmottaker (passordfrasen skrives inn skjult).")
@click.option("--email", required=True, help="E-postadressen til varslingsmottakeren.")
def keys_cmd(email: str) -> None:
    from models.errors import DomainError, ValidationFailed
    from models.services import varsling_keys as keys
    from models.services.org_ref import person_by_email

    _, uow = _open()
    passphrase = click.prompt("Passordfrase (minst 12 tegn)", hide_input=True, confirmation_prompt=True)
    try:
        with uow.write() as tx:
            person = person_by_email(tx, email=email)
            recovery = keys.create_key(session=tx, person_id=person.id, passphrase=passphrase)
    except DomainError as exc:
        errors = exc.errors if isinstance(exc, ValidationFailed) else None
        click.echo(errors and "; ".join(errors.values()) or exc.message, err=True)
        sys.exit(1)
    click.echo("Nøkkelen er laget. Gjenopprettingsnøkkel (vises bare nå – skriv den ned og lås den inne):")
    click.echo(f"  {recovery}")


@varsling.command("login-link", help="Send en engangslenke for innlogging til en varslingsmottaker i chat.")
@click.option("--email", required=True)
@ORG_OPTION
def login_link(email: str, org_slug: str | None) -> None:
    from bot.org_option import tenant_or_exit
    from forms.tenancy import tenant_base_url
    from models.services import varsling_keys as keys

    settings, uow = _open()
    with uow.write() as tx:
        tenant = tenant_or_exit(tx, org_slug, settings)
        sent = keys.send_login_link(session=tx, org_id=tenant.id, email=email,
                                    public_base_url=tenant_base_url(settings, tenant))
    click.echo("Lenken er lagt i utboksen." if sent else "Fant ingen varslingsmottaker med den e-postadressen.")
    sys.exit(0 if sent else 1)


@varsling.command("rutine", help="Publiser en ny versjon av varslingsrutinen fra en tekstfil.")
@click.argument("text_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@ORG_OPTION
def rutine(text_file: Path, org_slug: str | None) -> None:
    from bot.org_option import org_id_or_exit
    from models.services import varsling_cases as cases

    settings, uow = _open()
    with uow.write() as tx:
        version = cases.set_rutine(session=tx, org_id=org_id_or_exit(tx, org_slug, settings),
                                   text=text_file.read_text(encoding="utf-8"), actor_id=None)
    click.echo(f"Varslingsrutinen er publisert som versjon {version}.")


@varsling.command("retention", help="Slett avsluttede saker eldre enn oppbevaringstiden (VARSLING_RETENTION_DAYS).")
@click.option("--dry-run", is_flag=True, help="Bare vis hvilke saker som ville blitt slettet.")
@click.option("--only-exported", is_flag=True, help="Slett bare saker som er eksportert til arkivet.")
def retention_cmd(dry_run: bool, only_exported: bool) -> None:
    from models.services import varsling_cases as cases
    from models.services import varsling_retention as retention

    settings, uow = _open()
    today = cases.local_today(settings.tz_name)
    with uow.write() as tx:
        if dry_run:
            refs = [f"{v.ref}{'' if v.exported_on else ' (ikke eksportert)'}"
                    for v in retention.expired_cases(tx, today=today, retention_days=settings.varsling_retention_days)]
            click.echo("Ville slettet: " + (", ".join(refs) or "ingen"))
            return
        gone = retention.purge_expired(session=tx, today=today, retention_days=settings.varsling_retention_days,
                                       only_exported=only_exported)
    click.echo("Slettet: " + (", ".join(gone) or "ingen"))


@varsling.command("reminders", help="Send påminnelser om passerte frister og eskaler til reserven (idempotent).")
def reminders() -> None:
    from models.services.varsling_casework import send_varsling_deadline_reminders

    settings, uow = _open()
    with uow.write() as tx:
        n = send_varsling_deadline_reminders(session=tx, now=datetime.now(UTC), tz=settings.tz_name,
                                             escalate_after_days=settings.varsling_escalate_after_days)
    click.echo(f"{n} påminnelser lagt i utboksen.")
