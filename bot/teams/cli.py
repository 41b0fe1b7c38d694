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
