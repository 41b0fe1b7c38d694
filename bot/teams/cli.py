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
    @click.option("--org", "org_slug", default=None, metavar="SLUG",
                  help="Kommunens kortnavn (standard: TRAD_ORG); installerer i kommunens Entra-tenant.")
    def install(everyone: bool, leaders: bool, email: str | None, org_slug: str | None) -> None:
        _install(everyone=everyone, leaders=leaders, email=email, org_slug=org_slug)

    @teams.command("install-all", help="Det samme som «trad teams install --all».")
    def install_all() -> None:
        _install(everyone=True, leaders=False, email=None)

    _register_tenants(teams)


def _register_tenants(teams: click.Group) -> None:
    """`trad teams map` and `trad teams tenants`: which Entra tenants Tråd serves, as which kommune."""
    @teams.command("map", help="Koble en Entra-tenant til en kommune: Tråd svarer Teams-brukere derfra.")
    @click.option("--tenant", required=True, help="Tenant-id-en (en GUID).")
    @click.option("--org", "org_slug", required=True, metavar="SLUG", help="Kommunens kortnavn.")
    def map_cmd(tenant: str, org_slug: str) -> None:
        from bot.main import build_wiring, load_settings
        from models.errors import DomainError
        from models.i18n import _
        from models.services import teams_tenants

        wiring = build_wiring(load_settings())
        try:
            with wiring.uow.write() as tx:
                m = teams_tenants.map_tenant(session=tx, tenant_id=tenant, org_slug=org_slug)
        except DomainError as exc:
            errors = getattr(exc, "errors", None)
            click.echo(next(iter(errors.values())) if errors else exc.message, err=True)
            sys.exit(2)
        click.echo(_("Teams-tenanten {tenant} svarer nå for kommunen {slug}.").format(tenant=m.tenant_id,
                                                                                   slug=m.org_slug))

    @teams.command("tenants", help="List Entra-tenantene som er koblet til en kommune.")
    def tenants_cmd() -> None:
        from bot.main import build_wiring, load_settings
        from models.i18n import _
        from models.services import teams_tenants

        settings = load_settings()
        wiring = build_wiring(settings)
        with wiring.uow.read() as tx:
            rows = teams_tenants.mapped(session=tx)
        if settings.teams_tenant_id:
            click.echo(_("  {tenant}  → standardkommunen (TEAMS_TENANT_ID)").format(tenant=settings.teams_tenant_id))
        for m in rows:
            click.echo(f"  {m.tenant_id}  → {m.org_slug}")


def _install(*, everyone: bool, leaders: bool, email: str | None, org_slug: str | None = None) -> None:
    import asyncio

    from bot.main import load_settings
    from bot.org_option import org_id_or_exit
    from bot.teams.graph import TeamsInstaller
    from bot.teams.install import install_for, tenant_kommuner
    from models.db import get_engine
    from models.i18n import _
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
    with uow.read() as tx:
        kommune = org_id_or_exit(tx, org_slug, settings)
    tenants = tenant_kommuner(settings, uow, only_org=kommune)
    if not tenants:
        click.echo(_("Ingen Entra-tenant er koblet til denne kommunen. Kjør «trad teams map --tenant … --org …» først."),
                   err=True)
        sys.exit(2)
    report = asyncio.run(install_for(settings, uow, TeamsInstaller(settings, tenants[0][0]), leaders_only=leaders,
                                     email=email, kommune_id=kommune))
    click.echo(f"Installert for {report.installed}, hadde appen fra før: {report.already}, "
               f"meldinger som prøves på nytt: {report.requeued}.")
    for mail, why in sorted(report.failed.items()):
        click.echo(f"  {mail}: {why}", err=True)
    if report.stopped:
        click.echo(report.stopped, err=True)
        sys.exit(1)
