"""`trad org sync entra`: the organisation from Microsoft Entra ID (registered under `trad org` by bot/cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def register(group: click.Group) -> None:
    org = group.commands["org"]
    assert isinstance(org, click.Group)

    @org.group(help="Synkroniser organisasjonen fra en katalog.")
    def sync() -> None:
        pass

    @sync.command(help="Hent ansatte, avdelinger og ledere fra Microsoft Entra ID (Graph) og oppdater organisasjonen.")
    @click.option("--dry-run", is_flag=True, help="Vis hva som ville blitt endret, uten å lagre noe.")
    @click.option("--map", "map_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="CSV med kolonnene department,unit (avdeling i Entra ID → enhetssti i Tråd); "
                       "standard: ENTRA_SYNC_MAP.")
    @click.option("--prune-roles", is_flag=True, help="Fjern også lederroller satt for hånd som katalogen ikke støtter.")
    @click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")
    @click.option("--full", is_flag=True, help="Les hele katalogen, ikke bare endringene siden sist (etter ny --map).")
    def entra(dry_run: bool, map_file: Path | None, prune_roles: bool, org_slug: str | None, full: bool) -> None:
        from bot.entra.graph import GraphError
        from bot.entra.sync import run_sync
        from bot.main import build_engine, load_settings
        from models.errors import DomainError
        from models.services.org_sync import parse_mapping
        from models.uow import UnitOfWork

        settings = load_settings()
        if not (settings.entra_tenant_id and settings.entra_client_id and settings.entra_client_secret):
            click.echo("Entra ID er ikke satt opp: sett ENTRA_TENANT_ID, ENTRA_CLIENT_ID og ENTRA_CLIENT_SECRET "
                       "(se docs/admin.md).", err=True)
            sys.exit(2)
        for path in (map_file, settings.entra_sync_map):
            if path is not None and not path.exists():
                click.echo(f"Fant ikke fila {path}.", err=True)
                sys.exit(2)
        try:
            mapping = parse_mapping(map_file.read_bytes()) if map_file is not None else None
            report = run_sync(settings, UnitOfWork(build_engine(settings)), org_slug=org_slug, dry_run=dry_run,
                              mapping=mapping, prune_roles=prune_roles, full=full)
        except GraphError as exc:
            click.echo(exc.message, err=True)
            sys.exit(1)
        except DomainError as exc:
            click.echo(exc.message, err=True)
            sys.exit(1)
        click.echo(report)
