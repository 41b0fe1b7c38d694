"""`trad rapport`: the reports for the politicians — the tertialrapport and the § 25-1 internkontroll report.

HTML and JSON go to standard output or `--out FILE`; DOCX only to a file (it is binary).
Bad input (a period that is not a tertial, a year that is not a year, DOCX without
`--out`) stops before anything is read or written, with exit code 2; an unknown kommune
exits with 1. The figures come from the same read side as `trad summary`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from models.i18n import _
from reports.cli_lang import LANG_OPTION, command_locale

FORMATS = ("html", "docx", "json")


def register(group: click.Group) -> None:
    group.add_command(rapport)


@click.group(help="Rapporter til politikerne: tertialrapport og internkontroll etter kommuneloven § 25-1.")
def rapport() -> None:
    pass


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


def _check_out(fmt: str, out: Path | None) -> None:
    if fmt == "docx" and out is None:
        _fail(_("DOCX må skrives til en fil: bruk --out, f.eks. --out rapport.docx."), 2)


def _render(fmt: str, report: Any, summary: Any, layout: Callable[..., Any], now: datetime) -> bytes:
    if fmt == "json":
        return (report.model_dump_json(indent=2) + "\n").encode("utf-8")
    doc = layout(report, summary)
    if fmt == "html":
        from reports.politics.html import render_document_html

        return render_document_html(doc).encode("utf-8")
    from reports.politics.docx_render import render_document_docx

    return render_document_docx(doc, created=now)


def _run(build: Callable[..., tuple[Any, Any]], layout: Callable[..., Any], fmt: str, out: Path | None,
         org_slug: str | None, **args: Any) -> None:
    """Build inside one read-only transaction, render, then write: nothing is written if any step fails."""
    from bot.main import load_settings
    from bot.org_option import org_id_or_exit
    from models.db import get_engine, read_scope
    from models.errors import DomainError
    from models.tables._common import utcnow

    settings = load_settings()
    now = utcnow()
    try:
        with read_scope(get_engine(settings.database_url)) as s:
            report, summary = build(session=s, org_id=org_id_or_exit(s, org_slug, settings), tz_name=settings.tz_name, now=now, **args)
    except DomainError as exc:
        _fail(exc.message, 1)
    data = _render(fmt, report, summary, layout, now)
    if out is None:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        _fail(_("Kunne ikke skrive {path}: {error}.").format(path=out, error=exc.strerror or exc), 1)
    click.echo(_("Skrev {path}.").format(path=out), err=True)


def _period_error(exc: Exception, field: str) -> str:
    errors: dict[str, str] = getattr(exc, "errors", {})
    return errors.get(field) or str(getattr(exc, "message", exc))


FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False), default="html",
                             show_default=True, help="html (utskriftsvennlig), docx (Word) eller json.")
OUT_OPTION = click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
                          help="Skriv til fil i stedet for skjermen (må brukes for docx).")
ORG_OPTION = click.option("--org", "org_slug", default=None, help="Kommunens kortnavn (standard: TRAD_ORG).")


@rapport.command(help="Tertialrapporten: styringskort, oppdrag, avvik med utvikling, risikobildet, tilsyn og "
                      "sjekklister.")
@click.option("--period", "period_key", required=True, help="Tertialet, f.eks. 2026-T2 (mai–august).")
@FORMAT_OPTION
@OUT_OPTION
@ORG_OPTION
@LANG_OPTION
def tertial(period_key: str, fmt: str, out: Path | None, org_slug: str | None, lang: str | None) -> None:
    from reports.politics.outline import tertial_document
    from reports.politics.tertial import build_tertial_report, tertial_period

    _report(tertial_period, period_key, "period", build_tertial_report, tertial_document, fmt, out, org_slug, lang)


@rapport.command(help="Internkontroll etter kommuneloven § 25-1, til årsrapporten: avvik etter område og "
                      "alvorlighet, frister, risiko, tilsyn, sjekklister, varsling og forbedringer.")
@click.option("--year", "year_text", required=True, help="Året, f.eks. 2026.")
@FORMAT_OPTION
@OUT_OPTION
@ORG_OPTION
@LANG_OPTION
def internkontroll(year_text: str, fmt: str, out: Path | None, org_slug: str | None, lang: str | None) -> None:
    from reports.politics.internkontroll import build_internkontroll_report, report_year
    from reports.politics.outline import internkontroll_document

    _report(report_year, year_text, "year", build_internkontroll_report, internkontroll_document, fmt, out,
            org_slug, lang)


def _report(parse: Callable[[str], Any], text: str, name: str, build: Callable[..., tuple[Any, Any]],
            layout: Callable[..., Any], fmt: str, out: Path | None, org_slug: str | None, lang: str | None) -> None:
    """Both reports: read the period (a clear message and exit 2 when it is wrong), check --out, then run,
    all in the language asked for (--lang, else the kommune default)."""
    from bot.main import load_settings
    from models.errors import ValidationFailed
    from models.i18n import use_locale

    fmt = fmt.lower()
    with use_locale(command_locale(lang, load_settings())):
        try:
            value = parse(text)
        except ValidationFailed as exc:
            _fail(_period_error(exc, name), 2)
        _check_out(fmt, out)
        _run(build, layout, fmt, out, org_slug, **{name: value})
