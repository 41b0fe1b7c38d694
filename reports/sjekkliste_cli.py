"""`trad sjekkliste import FILE` and `trad sjekkliste export --out FILE`: internkontroll checklists as a sheet.

Registered on the `trad` group by `register(group)`, like `trad oppdrag` beside it. Help texts are
click's (read when `trad` starts, before any language is chosen), so they stay in bokmål.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from reports.oppdrag_cli import _org_id, write_export


def register(group: click.Group) -> None:
    group.add_command(sjekkliste)


@click.group(help="Sjekklister for internkontroll: import og eksport (CSV eller .xlsx).")
def sjekkliste() -> None:
    pass


@sjekkliste.command("import", help="Importer sjekklister fra CSV (, eller ;, UTF-8 eller Windows-1252) eller .xlsx. "
                                   "Kolonnene står i docs/admin.md. Alt eller ingenting.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")
def import_cmd(file: Path, org_slug: str | None) -> None:
    from bot.main import build_engine, load_settings
    from models.db import session_scope
    from models.errors import DomainError
    from models.i18n import _
    from models.services.checklist_io import import_checklists

    if not file.exists():
        click.echo(_("Fant ikke fila {file}.").format(file=file), err=True)
        sys.exit(2)
    settings = load_settings()
    try:
        with session_scope(build_engine(settings)) as s:
            report = import_checklists(session=s, org_id=_org_id(s, org_slug, settings.org_slug),
                                       data=file.read_bytes())
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(str(report))


@sjekkliste.command("export", help="Eksporter alle aktive sjekklister til CSV (UTF-8, komma) eller .xlsx "
                                   "(etter filendelsen).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Fila å skrive.")
@click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")
def export_cmd(out: Path, org_slug: str | None) -> None:
    from models.services.checklist_io import export_bytes

    write_export(out, org_slug, export_bytes)
