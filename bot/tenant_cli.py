"""`trad org create | list | show | set`: kommuner as tenants of one installation (issue 13, docs/tenants.md)."""

from __future__ import annotations

import sys

import click

from bot.org_option import tenant_or_exit


def register(org: click.Group) -> None:
    for command in (create, list_cmd, show, set_cmd):
        org.add_command(command)


def _uow():  # type: ignore[no-untyped-def]
    from bot.main import build_engine, load_settings
    from models.uow import UnitOfWork

    settings = load_settings()
    return settings, UnitOfWork(build_engine(settings))


def _fail(exc: Exception) -> None:
    from models.errors import ValidationFailed

    message = "; ".join(exc.errors.values()) if isinstance(exc, ValidationFailed) else str(getattr(exc, "message", exc))
    click.echo(message, err=True)
    sys.exit(2)


@click.command(help="Opprett en kommune (tom; importer de ansatte etterpå med «trad org import --org SLUG»).")
@click.option("--slug", required=True, help="Kortnavnet i adresser og kommandoer, f.eks. alver.")
@click.option("--name", required=True, help="Navnet, f.eks. «Alver kommune».")
@click.option("--locale", type=click.Choice(["nb", "nn", "en"]), default=None, help="Kommunens språk (standard: DEFAULT_LOCALE).")
def create(slug: str, name: str, locale: str | None) -> None:
    from models.errors import DomainError
    from models.services import tenants

    settings, uow = _uow()
    try:
        with uow.write() as tx:
            t = tenants.create_org(session=tx, slug=slug, name=name, locale=locale)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Kommunen {t.name} ({t.slug}, {t.locale}) er opprettet. Adresse: /k/{t.slug}/")


@click.command("list", help="List kommunene i denne installasjonen.")
def list_cmd() -> None:
    from models.services import tenants

    settings, uow = _uow()
    with uow.read() as tx:
        rows = tenants.list_tenants(tx, settings)
        default = tenants.resolve(tx, None, settings).slug if rows else None
    if not rows:
        click.echo("Ingen kommuner ennå. Opprett en med «trad org create --slug … --name …».")
        return
    width = max(len(t.slug) for t in rows)
    for t in rows:
        mark = "  (standard)" if t.slug == default else ""
        click.echo(f"{t.slug:<{width}}  {t.locale}  {t.name}{mark}")


@click.command(help="Vis kommunens innstillinger (egne valg og det som kommer fra miljøet).")
@click.option("--org", "org_slug", default=None, metavar="SLUG", help="Kommunens kortnavn (standard: TRAD_ORG).")
def show(org_slug: str | None) -> None:
    from models.services import tenants

    settings, uow = _uow()
    with uow.read() as tx:
        t = tenant_or_exit(tx, org_slug, settings)
        effective = tenants.settings_for(tx, t.id, settings)
        own = tenants.own_settings(tx, t.id)
    click.echo(f"{t.name} ({t.slug})")
    for name in tenants.SETTING_NAMES:
        source = "egen" if name in own else "miljø"
        click.echo(f"  {name} = {getattr(effective, name) or '–'}  [{source}]")


@click.command("set", help="Sett kommunens egne innstillinger; en tom verdi («») går tilbake til miljøets.")
@click.option("--org", "org_slug", default=None, metavar="SLUG", help="Kommunens kortnavn (standard: TRAD_ORG).")
@click.option("--locale", default=None, help="nb, nn eller en.")
@click.option("--slack-leadership-channel", default=None, help="Slack-kanalen for sammendrag (id, f.eks. C0123).")
@click.option("--teams-leadership-conversation", default=None, help="Teams-samtalen for sammendrag.")
@click.option("--nudge-schedule", default=None, help="Når månedens påminnelse går, f.eks. «first-weekday 10:00».")
@click.option("--summary-schedule", default=None, help="Når sammendragene postes, f.eks. «first-weekday 08:00».")
@click.option("--deadline-reminder-schedule", default=None,
              help="Når påminnelser om passerte frister (tiltak, varsling) går, crontab, f.eks. «0 8 * * mon».")
@click.option("--governance-reminder-schedule", default=None,
              help="Når påminnelser om ROS-gjennomgang, tilsynsfrister og årshjul går, f.eks. «15 7 * * *».")
@click.option("--indicator-reminder-schedule", default=None,
              help="Når påminnelsen om indikatorer går, f.eks. «0 8 * * *».")
@click.option("--varsling-alternative-contact", default=None, help="Alternativ varslingskanal (tekst på skjemaet).")
@click.option("--varsling-backup-email", default=None, help="Reservemottaker for varsler (e-post).")
def set_cmd(org_slug: str | None, **values: str | None) -> None:
    from models.errors import DomainError
    from models.services import tenants
    from notifications.scheduler import parse_schedule

    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        click.echo("Ingenting å endre: gi minst én innstilling.", err=True)
        sys.exit(2)
    settings, uow = _uow()
    for key in tenants.SCHEDULE_NAMES:
        if given.get(key):
            try:
                parse_schedule(str(given[key]), settings.tz_name)
            except ValueError as exc:
                click.echo(f"{key}: {exc}", err=True)
                sys.exit(2)
    try:
        with uow.write() as tx:
            t = tenant_or_exit(tx, org_slug, settings)
            tenants.set_settings(session=tx, org_id=t.id, values=given)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Lagret for {t.name}: " + ", ".join(sorted(given)) + ". Nye tidspunkt gjelder fra neste omstart "
               "av planleggeren.")
