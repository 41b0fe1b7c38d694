"""`trad summary`: a period's figures as text, JSON, HTML or CSV, or posted to the leadership channel."""

from __future__ import annotations

import sys
from pathlib import Path

import click


def register(group: click.Group) -> None:
    group.add_command(summary)


@click.command(help="Sammendrag for en periode: avvik, internkontroll, oppdrag og varsling (bare antall).")
@click.option("--period", "period_key", required=True, help="2026-11 (måned), 2026-T3 (tertial) eller 2026 (år).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html", "csv"]), default="text", show_default=True)
@click.option("--post", is_flag=True, help="Legg sammendraget i utboksen til ledelseskanalen (én gang per periode).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Skriv til fil i stedet for skjermen.")
@click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")
def summary(period_key: str, fmt: str, post: bool, output: Path | None, org_slug: str | None) -> None:
    from bot.main import load_settings
    from bot.org_option import org_id_or_exit
    from models.db import get_engine, read_scope, session_scope
    from models.errors import DomainError
    from models.periods import parse_period

    settings = load_settings()
    try:
        period = parse_period(period_key)
    except DomainError as exc:
        click.echo(getattr(exc, "errors", {}).get("period") or exc.message, err=True)
        sys.exit(2)
    try:
        if post:
            from models.services.tenants import settings_for
            from reports.posting import enqueue_summary, summary_targets

            with session_scope(get_engine(settings.database_url)) as s:
                oid = org_id_or_exit(s, org_slug, settings)
                targets = settings_for(s, oid, settings).leadership_targets() or summary_targets(settings)
                added = enqueue_summary(session=s, org_id=oid, period_key=period.key,
                                        targets=targets, tz_name=settings.tz_name)
            where = ", ".join(f"{p}:{t}" for p, t in targets) or "ingen kanal"
            click.echo(f"Sammendraget for {period.label} er lagt i utboksen ({where})." if added else
                       f"Sammendraget for {period.label} var allerede lagt i utboksen ({where}); ingenting nytt.")
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
        click.echo(f"Skrev {output}.")
    else:
        click.echo(out, nl=not out.endswith("\n"))
