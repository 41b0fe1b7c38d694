"""`trad summary`: a period's figures as text, JSON, HTML or CSV, or posted to the leadership channel."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from reports.cli_lang import LANG_OPTION, command_locale


def register(group: click.Group) -> None:
    group.add_command(summary)


@click.command(help="Sammendrag for en periode: avvik, internkontroll, oppdrag og varsling (bare antall).")
@click.option("--period", "period_key", required=True, help="2026-11 (måned), 2026-T3 (tertial) eller 2026 (år).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html", "csv"]), default="text", show_default=True)
@click.option("--post", is_flag=True, help="Legg sammendraget i utboksen til ledelseskanalen (én gang per periode).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Skriv til fil i stedet for skjermen.")
@click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")
@LANG_OPTION
def summary(period_key: str, fmt: str, post: bool, output: Path | None, org_slug: str | None,
            lang: str | None) -> None:
    from bot.main import load_settings
    from models.i18n import use_locale

    settings = load_settings()
    with use_locale(command_locale(lang, settings)):
        _summary(settings, period_key, fmt, post, output, org_slug)


def _post(settings: Any, period: Any, org_slug: str | None) -> None:
    from bot.org_option import org_id_or_exit
    from models.db import get_engine, session_scope
    from models.i18n import _
    from models.services.tenants import settings_for
    from reports.labels import period_label
    from reports.posting import enqueue_summary, summary_locale, summary_targets

    with session_scope(get_engine(settings.database_url)) as s:
        oid = org_id_or_exit(s, org_slug, settings)
        targets = settings_for(s, oid, settings).leadership_targets() or summary_targets(settings)
        added = enqueue_summary(session=s, org_id=oid, period_key=period.key, targets=targets,
                                tz_name=settings.tz_name, locale=summary_locale(s, settings, oid))
    where = ", ".join(f"{p}:{t}" for p, t in targets) or _("ingen kanal")
    label = period_label(period)
    click.echo(_("Sammendraget for {period} er lagt i utboksen ({where}).").format(period=label, where=where)
               if added else
               _("Sammendraget for {period} var allerede lagt i utboksen ({where}); ingenting nytt.").format(
                   period=label, where=where))


def _summary(settings: Any, period_key: str, fmt: str, post: bool, output: Path | None, org_slug: str | None) -> None:
    from bot.org_option import org_id_or_exit
    from models.db import get_engine, read_scope
    from models.errors import DomainError
    from models.i18n import _
    from models.periods import parse_period

    try:
        period = parse_period(period_key)
    except DomainError as exc:
        click.echo(getattr(exc, "errors", {}).get("period") or exc.message, err=True)
        sys.exit(2)
    try:
        if post:
            _post(settings, period, org_slug)
            return
        from reports.queries import build_summary
        from reports.render import render_csv, render_html, render_json, render_text

        with read_scope(get_engine(settings.database_url)) as s:
            result = build_summary(session=s, org_id=org_id_or_exit(s, org_slug, settings), period=period,
                                  tz_name=settings.tz_name)
        if fmt == "html":
            from reports.chart import render_chart_png

            out = render_html(result, render_chart_png(result))
        else:
            out = {"text": render_text, "json": render_json, "csv": render_csv}[fmt](result)
    except DomainError as exc:
        click.echo(exc.message, err=True)
        sys.exit(1)
    if output:
        output.write_text(out, encoding="utf-8")
        click.echo(_("Skrev {path}.").format(path=output))
    else:
        click.echo(out, nl=not out.endswith("\n"))
