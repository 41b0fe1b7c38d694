"""`trad teams …`: commands for the Teams edge (registered by bot/cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def register(group: click.Group) -> None:
    @group.group(help="Microsoft Teams: app-pakke og oppsett.")
    def teams() -> None:
        pass

    @teams.command(help="Lag Teams-app-pakken (manifest.json og ikoner) som en zip-fil klar for opplasting.")
    @click.option("--out", "out", default="var/trad-teams.zip", show_default=True,
                  type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--version", "version", default="1.0.0", show_default=True, help="Versjonen i manifestet.")
    def package(out: Path, version: str) -> None:
        from bot.main import load_settings
        from bot.teams import package as pkg

        settings = load_settings()
        if not settings.teams_app_id:
            click.echo("TEAMS_APP_ID mangler: sett app-ID-en fra Entra ID-registreringen først.", err=True)
            sys.exit(2)
        if not settings.public_base_url.startswith("https://"):
            click.echo(f"Advarsel: PUBLIC_BASE_URL ({settings.public_base_url}) er ikke https; "
                       "Teams godtar bare https-adresser i manifestet.", err=True)
        data = pkg.build_package(settings, version=version)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        click.echo(f"Teams-app-pakken er skrevet til {out} ({len(data)} byte). "
                   "Last den opp i Teams-administrasjonssenteret under «Administrer apper» → «Last opp».")

    @teams.command("install", help="Installer Tråd i Teams for dem som mangler appen (Microsoft Graph).")
    @click.option("--all", "everyone", is_flag=True, help="Alle aktive ansatte uten appen.")
    @click.option("--leaders", is_flag=True, help="Bare ledere (leder, kommunalsjef, kommunedirektør).")
    @click.option("--email", default=None, help="Bare personen med denne e-postadressen.")
    def install(everyone: bool, leaders: bool, email: str | None) -> None:
        _install(everyone=everyone, leaders=leaders, email=email)

    @teams.command("install-all", help="Det samme som «trad teams install --all».")
    def install_all() -> None:
        _install(everyone=True, leaders=False, email=None)


def _install(*, everyone: bool, leaders: bool, email: str | None) -> None:
    import asyncio

    from bot.main import load_settings
    from bot.teams.graph import TeamsInstaller
    from bot.teams.install import install_for
    from models.db import get_engine
    from models.uow import UnitOfWork

    if sum((everyone, leaders, email is not None)) != 1:
        click.echo("Velg én av --all, --leaders eller --email.", err=True)
        sys.exit(2)
    settings = load_settings()
    installer = TeamsInstaller(settings)
    if not installer.enabled:
        click.echo("Teams er ikke satt opp, eller TEAMS_CATALOG_APP_ID mangler (app-ID-en i Teams-katalogen).",
                   err=True)
        sys.exit(2)
    uow = UnitOfWork(get_engine(settings.database_url))
    report = asyncio.run(install_for(settings, uow, installer, leaders_only=leaders, email=email))
    click.echo(f"Installert for {report.installed}, hadde appen fra før: {report.already}, "
               f"meldinger som prøves på nytt: {report.requeued}.")
    for mail, why in sorted(report.failed.items()):
        click.echo(f"  {mail}: {why}", err=True)
    if report.stopped:
        click.echo(report.stopped, err=True)
        sys.exit(1)
