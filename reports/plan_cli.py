"""`trad plan import`, `trad indikator import` and `trad styringskort` (text, JSON or a printable
HTML file): the plan from the terminal.

Registered on the `trad` group by `register(group)`, like the other command modules.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from models.i18n import _
from reports.cli_lang import LANG_OPTION, command_locale

if TYPE_CHECKING:  # the domain loads when a command runs, not when `trad` starts
    from sqlmodel import Session

    from models.periods import Period
    from models.services.styringskort import Card, Scope

TREND_ARROWS = {"opp": "↑", "ned": "↓", "uendret": "→", None: " "}


def register(group: click.Group) -> None:
    group.add_command(plan)
    group.add_command(indikator)
    group.add_command(styringskort)


def _read(path: Path) -> bytes:
    if not path.exists():
        click.echo(_("Fant ikke fila {path}.").format(path=path), err=True)
        sys.exit(2)
    return path.read_bytes()


def _org_id(session: Session, org_slug: str | None, default_slug: str) -> int:
    """The kommune `--org` names, else the default; a wrong `--org` ends the command with exit code 2."""
    from bot.main import load_settings
    from bot.org_option import org_id_or_exit

    del default_slug  # the settings carry TRAD_ORG
    return org_id_or_exit(session, org_slug, load_settings())


@click.group(help="Planen: perspektiver, mål og styringsindikatorer.")
def plan() -> None:
    pass


@plan.command("import", help="Importer planen fra CSV eller .xlsx med kolonnene "
                             "perspective,goal,indicator,measure,direction,frequency,units,target,red_limit.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")
@click.option("--year", type=click.IntRange(2000, 2100), default=None, help="Året målverdiene gjelder (standard: i år).")
def plan_import_cmd(file: Path, org_slug: str | None, year: int | None) -> None:
    from bot.main import build_engine, load_settings
    from models.db import session_scope
    from models.errors import DomainError
    from models.services.plan_import import import_plan

    settings = load_settings()
    raw = _read(file)
    try:
        with session_scope(build_engine(settings)) as s:
            report = import_plan(session=s, org_id=_org_id(s, org_slug, settings.org_slug), data=raw, year=year)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(report)


@click.group(help="Styringsindikatorer: verdier per enhet og periode.")
def indikator() -> None:
    pass


@indikator.command("import", help="Importer verdier fra CSV eller .xlsx med kolonnene indicator,unit,period,value,comment.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")
def indikator_import_cmd(file: Path, org_slug: str | None) -> None:
    from bot.main import build_engine, load_settings
    from models.db import session_scope
    from models.errors import DomainError
    from models.services.plan_import import import_values

    settings = load_settings()
    raw = _read(file)
    try:
        with session_scope(build_engine(settings)) as s:
            report = import_values(session=s, org_id=_org_id(s, org_slug, settings.org_slug), data=raw)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    click.echo(report)


def render_text(card: Card) -> str:
    """A plain-text card: trafikklys as symbol and word, value against target, trend arrow."""
    from models.indicator_rules import LIGHT_SYMBOLS, format_value
    from reports.labels import light_word, period_label

    kind = {"unit": _("enhet"), "sector": _("sektor"), "kommune": _("kommune")}[card.scope.kind]
    lines = [_("Styringskort – {kind} {name}, {period}").format(kind=kind, name=card.scope.name,
                                                                period=period_label(card.period))]
    if not card.rows:
        lines.append(_("Ingen styringsindikatorer er knyttet til dette styringskortet ennå."))
    perspective = None
    for r in card.rows:
        if r.perspective != perspective:
            perspective = r.perspective
            lines.append(f"\n{perspective}")
        lines.append(f"  {LIGHT_SYMBOLS[r.light]} {light_word(r.light):<6} {r.name}: {format_value(r.value, r.measure)} "
                     + _("(mål {target})").format(target=format_value(r.target, r.measure))
                     + f" {TREND_ARROWS[r.trend]} "
                     + _("forrige {value}").format(value=format_value(r.previous, r.measure)))
    return "\n".join(lines)


@click.command(help="Vis styringskortet for en enhet, en sektor eller hele kommunen.")
@click.option("--unit", "unit_path", default=None, help="Enhetens sti, f.eks. «Oppvekst/Aurvoll skole».")
@click.option("--sector", default=None, help="Sektorens navn, f.eks. «Oppvekst».")
@click.option("--kommune", is_flag=True, help="Hele kommunen.")
@click.option("--period", "period_key", required=True, help="2026-11 (måned), 2026-T3 (tertial) eller 2026 (år).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")
@LANG_OPTION
def styringskort(unit_path: str | None, sector: str | None, kommune: bool, period_key: str, fmt: str,
                 org_slug: str | None, lang: str | None) -> None:
    from bot.main import load_settings
    from models.i18n import use_locale

    settings = load_settings()
    with use_locale(command_locale(lang, settings)):
        _styringskort(settings, unit_path, sector, kommune, period_key, fmt, org_slug)


def _styringskort(settings: Any, unit_path: str | None, sector: str | None, kommune: bool, period_key: str,
                  fmt: str, org_slug: str | None) -> None:
    from bot.main import build_engine
    from models.db import read_scope
    from models.errors import DomainError
    from models.periods import parse_period
    from models.services import styringskort as sk

    if sum(bool(x) for x in (unit_path, sector, kommune)) != 1:
        click.echo(_("Velg nøyaktig én av --unit, --sector og --kommune."), err=True)
        sys.exit(2)
    try:
        period = parse_period(period_key)
        with read_scope(build_engine(settings)) as s:
            oid = _org_id(s, org_slug, settings.org_slug)
            scope = sk.resolve_scope(s, org_id=oid, unit=unit_path, sector=sector, kommune=kommune)
            if fmt == "html":
                click.echo(_html(s, oid, scope, period))
                return
            card = sk.styringskort(session=s, org_id=oid, scope=scope, period=period)
    except DomainError as exc:
        click.echo(getattr(exc, "errors", {}).get("period") or exc.message, err=True)
        sys.exit(1)
    click.echo(json.dumps(sk.card_json(card), ensure_ascii=False, indent=2) if fmt == "json" else render_text(card))


def _html(session: Session, org_id: int, scope: Scope, period: Period) -> str:
    """The printable card: the web page's fragment, with each indicator's history (chart and table)."""
    from models.services import styringskort as sk
    from reports import styringskort_view as skv
    from reports.styringskort_html import render_document

    view = skv.card_view(session, org_id=org_id, scope=scope, period=period)
    org = sk.resolve_scope(session, org_id=org_id, kommune=True).name
    histories = [(r, skv.history(session, org_id=org_id, scope=scope, row=r)) for r in view.card.rows]
    return render_document(view, org=org, histories=histories)
