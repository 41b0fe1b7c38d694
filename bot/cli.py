"""The `trad` command: serve, migrate, demo, org import, chat — and each package's subcommands.

Each subcommand group lives beside its package (`notifications/cli.py`, `reports/cli.py`,
`forms/cli.py`, `bot/teams/cli.py`) and is registered here by name: a new group is one
more line in `_register`. Settings and the engine come from the composition root (`bot.main`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

import forms.cli
import notifications.cli
import reports.cli
import reports.oppdrag_cli
import reports.plan_cli
import reports.rapport_cli
import reports.sjekkliste_cli
from bot import tenant_cli
from bot.entra import cli as entra_cli
from bot.main import build_engine, build_wiring, load_settings
from bot.org_option import ORG_OPTION
from bot.slack import cli as slack_cli
from bot.teams import cli as teams_cli
from models.files import private_dir
from models.settings import Settings, get_settings, served_base_url
from notifications.child import BackgroundChild, child_argv

__all__ = ["load_settings", "main"]


@click.group(help="Tråd – avvik, varsling, internkontroll og oppdrag i Slack og Teams.")
def main() -> None:
    pass


@main.command(help="Kjør databasemigreringene.")
def migrate() -> None:
    from models.migrate import upgrade

    settings = load_settings()
    upgrade(settings.database_url)
    click.echo("Databasen er oppdatert.")


@main.command(help="Start Tråd-serveren (FastAPI).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 32))
@click.option("--banner/--no-banner", default=False, help="Skriv ut hvordan man bruker demoen.")
def serve(host: str, port: int, workers: int, banner: bool) -> None:
    import uvicorn

    from models.demo import DEMO_RECIPIENT_PASSPHRASE

    settings = load_settings()
    _refuse_unmigrated(settings.database_url)
    noted = _note_served_url(settings, host, port)
    if banner:
        base = served_base_url(host, port)
        click.echo(
            "\n  Tråd kjører på " + base + "\n"
            f"  • Anonymt varslingsskjema:  {base}/varsling\n"
            f"  • For ansatte uten chat:    {base}/logg-inn  (Mine saker, {base}/avvik/ny, ledervisning {base}/leder)\n"
            "      innloggingslenke i demoen: .venv/bin/trad web link --as leder.aurvoll@oyer.kommune.no\n"
            f"  • Helsesjekk:               {base}/healthz\n"
            f"  • Varsling i demoen: send et varsel på {base}/varsling; mottakeren logger inn på {base}/varsling/mottak\n"
            "      lenke: .venv/bin/trad varsling login-link --email hr.sjef@oyer.kommune.no\n"
            "      (les den med .venv/bin/trad chat --as hr.sjef@oyer.kommune.no), passordfrase: "
            f"{DEMO_RECIPIENT_PASSPHRASE}\n"
            "  • Snakk med boten i terminalen (i et nytt vindu):\n"
            "      .venv/bin/trad chat --as ansatt1@oyer.kommune.no     (ansatt)\n"
            "      .venv/bin/trad chat --as leder.aurvoll@oyer.kommune.no (leder)\n"
            "  Stopp med Ctrl+C.\n"
        )
    child = _background_child(settings)
    try:
        # No access log: the anonymous varsling path must leave no client address anywhere.
        # A worker process gets 30 s (uvicorn's default: 5) to answer the supervisor's health ping,
        # so a loaded machine does not have its workers killed and restarted while they start.
        uvicorn.run("bot.main:serve_requests_app" if child else "bot.main:serve_app", factory=True, host=host,
                    port=port, workers=workers, access_log=False, proxy_headers=False, server_header=False,
                    log_level="info", timeout_worker_healthcheck=30)
    finally:
        if child is not None:
            child.stop()
        if noted is not None:
            noted.unlink(missing_ok=True)


def _background_child(settings: Settings) -> BackgroundChild | None:
    """Start the background process (SERVE_BACKGROUND=child) when anything runs in the background."""
    import os

    from bot.main import show_runtime_log

    if settings.serve_background != "child" or not (settings.scheduler_enabled or settings.outbox_worker_enabled):
        return None
    show_runtime_log()
    child = BackgroundChild(child_argv(os.getpid()), nice=settings.serve_background_nice)
    child.start()
    return child


def _note_served_url(settings: Settings, host: str, port: int) -> Path | None:
    """Without PUBLIC_BASE_URL, note where we serve so links from `trad chat` and `trad web link` follow it."""
    if "public_base_url" in settings.model_fields_set:
        return None
    path = settings.served_url_file
    private_dir(path.parent)
    path.write_text(served_base_url(host, port) + "\n", encoding="utf-8")
    get_settings.cache_clear()  # the app built next in this process reads the noted address too
    return path


def _refuse_unmigrated(url: str) -> None:
    from models.migrate import pending

    try:
        missing = pending(url)
    except Exception as exc:  # noqa: BLE001 - no database at all: the same advice, with the reason
        click.echo(f"Tråd kan ikke starte: databasen svarer ikke ({type(exc).__name__}). Sjekk DATABASE_URL.", err=True)
        sys.exit(2)
    if missing:
        click.echo(f"Tråd kan ikke starte: databasen er ikke oppdatert. Kjør «trad migrate» først "
                   f"(mangler {', '.join(missing)}).", err=True)
        sys.exit(2)


@main.command(help="Fyll databasen med demokommunen (Øyer kommune).")
@click.option("--if-empty", is_flag=True, help="Bare hvis databasen ikke har noen kommune ennå.")
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--org", "org_slug", default=None, metavar="SLUG",
              help="Legg demoen inn som denne kommunen (standard: oyer); finnes den, blir den fylt.")
def demo(if_empty: bool, seed: int, org_slug: str | None) -> None:
    from models.db import session_scope
    from models.demo import seed_demo

    settings = load_settings()
    with session_scope(build_engine(settings)) as s:
        result = seed_demo(session=s, seed=seed, if_empty=if_empty, tz=settings.tz_name, slug=org_slug or "oyer")
    click.echo(result)


@main.group(help="Kommunene (opprett, list, innstillinger) og import av ansatte og enheter.")
def org() -> None:
    pass


@org.command("import", help="Importer ansatte fra CSV med kolonnene email,name,unit,role.")
@click.argument("csv_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--prune", is_flag=True, help="Deaktiver ansatte som ikke står i fila.")
@ORG_OPTION
@click.option("--org-name", default=None, help="Navn på kommunen hvis den opprettes nå (ellers må --org finnes, unntatt ved første import).")
def org_import(csv_file: Path, prune: bool, org_slug: str | None, org_name: str | None) -> None:
    from bot.org_option import tenant_or_exit
    from models.db import session_scope
    from models.errors import DomainError
    from models.services.org_import import import_people
    from models.services.tenants import list_tenants

    settings = load_settings()
    if not csv_file.exists():
        click.echo(f"Fant ikke fila {csv_file}.", err=True)
        sys.exit(2)
    try:
        raw = csv_file.read_bytes()
        with session_scope(build_engine(settings)) as s:
            if not org_name and list_tenants(s, settings):  # a first import or --org-name may create the kommune
                org_slug = tenant_or_exit(s, org_slug, settings).slug
            report = import_people(session=s, data=raw, org_slug=org_slug or settings.org_slug,
                                   org_name=org_name, prune=prune)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(report)


@main.command(help="Snakk med Tråd i terminalen, som en ansatt (samme samtale som i Slack og Teams).")
@click.option("--as", "email", required=True, help="E-postadressen til personen du er.")
@ORG_OPTION
def chat(email: str, org_slug: str | None) -> None:
    from bot.console import run_console
    from bot.console.delivery import ConsoleInbox
    from bot.org_option import tenant_or_exit

    settings = load_settings()
    wiring = build_wiring(settings)
    with wiring.uow.read() as tx:
        tenant = tenant_or_exit(tx, org_slug, settings)
    sys.exit(run_console(email, conversation=wiring.conversation, inbox=ConsoleInbox(settings.console_inbox),
                         org_id=tenant.id))


def _register(group: click.Group) -> None:
    for module in (notifications.cli, reports.cli, reports.plan_cli, reports.rapport_cli, teams_cli, forms.cli,
                   reports.oppdrag_cli, reports.sjekkliste_cli, entra_cli, slack_cli):
        module.register(group)


_register(main)
tenant_cli.register(org)

if __name__ == "__main__":
    main()
