"""`trad oppdrag import FILE` and `trad oppdrag export --out FILE`: a kommune's oppdragsbrev from a sheet.

Registered on the `trad` group by `register(group)`, like the other command modules.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from models.i18n import _

if TYPE_CHECKING:  # the domain loads when a command runs, not when `trad` starts
    from sqlmodel import Session


def register(group: click.Group) -> None:
    group.add_command(oppdrag)


@click.group(help="Oppdragsbrev og oppdrag: import og eksport (CSV eller .xlsx).")
def oppdrag() -> None:
    pass


def write_export(out: Path, org_slug: str | None, export_bytes: Callable[..., bytes]) -> None:
    """`trad oppdrag|sjekkliste export`: the kommune's rows as CSV or .xlsx (by the file's suffix)."""
    from bot.main import build_engine, load_settings
    from models.db import session_scope
    from models.errors import DomainError

    settings = load_settings()
    try:
        with session_scope(build_engine(settings)) as s:
            data = export_bytes(s, org_id=_org_id(s, org_slug, settings.org_slug), xlsx=out.suffix.lower() == ".xlsx")
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    out.write_bytes(data)
    click.echo(_("Skrev {path}.").format(path=out))


def _org_id(session: Session, org_slug: str | None, default_slug: str) -> int:
    """The kommune `--org` names, else the default; a wrong `--org` ends the command with exit code 2."""
    from bot.main import load_settings
    from bot.org_option import org_id_or_exit

    del default_slug  # the settings carry TRAD_ORG
    return org_id_or_exit(session, org_slug, load_settings())


@oppdrag.command("import", help="Importer oppdrag fra CSV (, eller ;, UTF-8 eller Windows-1252) eller .xlsx. "
                                "Kolonnene står i docs/admin.md. Alt eller ingenting.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")
def import_cmd(file: Path, org_slug: str | None) -> None:
    from bot.main import build_engine, load_settings
    from models.db import session_scope
    from models.errors import DomainError
    from models.services.oppdrag_io import import_oppdrag

    if not file.exists():
        click.echo(_("Fant ikke fila {path}.").format(path=file), err=True)
        sys.exit(2)
    settings = load_settings()
    try:
        with session_scope(build_engine(settings)) as s:
            report = import_oppdrag(session=s, org_id=_org_id(s, org_slug, settings.org_slug), data=file.read_bytes())
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(report)


@oppdrag.command("export", help="Eksporter alle oppdrag til CSV (UTF-8, komma) eller .xlsx (etter filendelsen).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Fila å skrive.")
@click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")
def export_cmd(out: Path, org_slug: str | None) -> None:
    from models.services.oppdrag_io import export_bytes

    write_export(out, org_slug, export_bytes)
