"""`trad slack …`: map Slack workspaces (installed through /slack/install) to kommuner (issue 13)."""

from __future__ import annotations

import sys

import click

from models.i18n import _


def register(group: click.Group) -> None:
    @group.group(help="Slack: installasjoner i mange arbeidsområder.")
    def slack() -> None:
        pass

    @slack.command("installs", help="List Slack-installasjonene og kommunen hver av dem svarer for.")
    def installs() -> None:
        from bot.main import build_wiring, load_settings
        from models.services import slack_installs

        wiring = build_wiring(load_settings())
        with wiring.uow.read() as tx:
            rows = slack_installs.list_installations(session=tx)
        if not rows:
            click.echo(_("Ingen Slack-installasjoner ennå. Arbeidsområder installerer Tråd via /slack/install."))
        for r in rows:
            where = r.org_slug or _("venter på en administrator")
            kind = _("Grid-organisasjon") if r.enterprise else _("arbeidsområde")
            click.echo(f"  {r.workspace_key:<12} {kind:<18} {(r.team_name or '')[:40]:<40}  → {where}")

    @slack.command("map", help="Koble et Slack-arbeidsområde (T…) eller en Grid-organisasjon (E…) til en kommune.")
    @click.option("--team", required=True, help="Arbeidsområdets id (T…) eller Grid-organisasjonens id (E…).")
    @click.option("--org", "org_slug", required=True, metavar="SLUG", help="Kommunens kortnavn.")
    def map_cmd(team: str, org_slug: str) -> None:
        from bot.main import build_wiring, load_settings
        from models.errors import NotFound
        from models.services import slack_installs

        wiring = build_wiring(load_settings())
        try:
            with wiring.uow.write() as tx:
                info = slack_installs.map_workspace(session=tx, key=team, org_slug=org_slug)
        except NotFound as exc:
            click.echo(exc.message, err=True)
            sys.exit(2)
        click.echo(_("Slack-arbeidsområdet {team} svarer nå for {org} ({slug}). Det gjelder i alle "
                     "prosesser innen et minutt.").format(team=info.workspace_key, org=info.org_name,
                                                          slug=info.org_slug))
