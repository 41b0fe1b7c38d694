"""`trad sjekkliste import FILE` and `trad sjekkliste export --out FILE`: checklist templates as a sheet.

One row per sjekkpunkt; the template's own columns repeat on each of its rows. All or nothing:
every row is checked first and a file with any bad row changes nothing, with each problem named
by its line. A template is known by its name: an existing one is edited through the same use case
as the admin page (a published one gets a new version), a new name makes a new template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from models.errors import ImportFailed
from models.i18n import _
from models.services import checklist_admin, org
from models.services._tx import writes
from models.services.checklist_admin import (
    SCOPES,
    TemplateInput,
    apply_edit,
    create_template,
    items_of,
    unit_ids_of,
)
from models.services.checklists import RECURRENCES
from models.services.tabular import read_rows, to_bytes
from models.sql import pk
from models.tables import ChecklistTemplate

COLUMNS = ("template", "version", "recurrence", "due_day", "publish_date", "scope", "units", "purpose", "type", "item")
REQUIRED = ("template", "recurrence", "purpose", "type", "item")
ALIASES = {"maned": "month", "måned": "month", "månadleg": "month", "månedlig": "month", "ar": "year", "år": "year",
           "årlig": "year", "engang": "once", "en gang": "once", "alle": "all", "sektor": "sector",
           "enheter": "units", "einingar": "units"}
TEMPLATE_COLUMNS = ("recurrence", "due_day", "publish_date", "scope", "units")


@dataclass
class _Group:
    """One template's rows in the file."""

    line: int
    name: str
    head: dict[str, str]
    items: list[tuple[int, tuple[str, str, str]]] = field(default_factory=list)


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return _("Import ferdig: {created} nye sjekklister, {updated} endret, {unchanged} uendret.").format(
            created=self.created, updated=self.updated, unchanged=self.unchanged)


def _date(text: str) -> date:
    t = text.strip()
    if len(t) == 10 and t[4] == "-":
        return date.fromisoformat(t)
    if len(t) == 10 and t[2] == "." and t[5] == ".":
        return date(int(t[6:]), int(t[3:5]), int(t[:2]))
    raise ValueError(t)


def _groups(rows: list[tuple[int, dict[str, str]]], problems: list[tuple[int, str]]) -> list[_Group]:
    groups: dict[str, _Group] = {}
    for line, r in rows:
        name = " ".join(r["template"].split())
        if not name:
            problems.append((line, _("template (navnet på sjekklisten) mangler")))
            continue
        head = {c: r.get(c, "").strip() for c in TEMPLATE_COLUMNS}
        group = groups.setdefault(name, _Group(line=line, name=name, head=head))
        if head != group.head:
            problems.append((line, _("«{name}» har andre verdier for {cols} enn på linje {line}").format(
                name=name[:60], cols=", ".join(TEMPLATE_COLUMNS), line=group.line)))
        group.items.append((line, (r["purpose"], r["type"], r["item"])))
    return list(groups.values())


def _input(g: _Group, units: dict[str, int], existing: ChecklistTemplate | None,
           problems: list[tuple[int, str]]) -> TemplateInput:
    h = g.head
    recurrence = ALIASES.get(h["recurrence"].lower(), h["recurrence"].lower())
    scope = ALIASES.get(h["scope"].lower(), h["scope"].lower()) or "all"
    due_day = int(h["due_day"]) if h["due_day"].isdecimal() and len(h["due_day"]) < 3 else None
    if h["due_day"] and due_day is None:
        problems.append((g.line, _("due_day må være et tall fra 1 til 31")))
    publish_on = existing.publish_on if existing is not None and not h["publish_date"] else None
    try:
        publish_on = _date(h["publish_date"]) if h["publish_date"] else publish_on
    except ValueError:
        problems.append((g.line, _("publish_date må være en dato (åååå-mm-dd eller dd.mm.åååå)")))
    if not h["publish_date"] and existing is None:
        problems.append((g.line, _("publish_date mangler for en ny sjekkliste")))
    paths = [p.strip() for p in h["units"].split("|") if p.strip()]
    for p in paths:
        if p not in units:
            problems.append((g.line, _("fant ikke enheten «{unit}»").format(unit=p[:80])))
    if recurrence not in RECURRENCES:
        problems.append((g.line, _("recurrence må være én av {values}").format(values=", ".join(RECURRENCES))))
    if scope not in SCOPES:
        problems.append((g.line, _("scope må være én av {values}").format(values=", ".join(SCOPES))))
    return TemplateInput(name=g.name, recurrence=recurrence, publish_on=publish_on, due_day=due_day, scope=scope,
                         unit_ids=tuple(units[p] for p in paths if p in units), items=tuple(i for _n, i in g.items))


def _item_problems(g: _Group, problems: list[tuple[int, str]]) -> None:
    for line, (purpose, typ, text) in g.items:
        if not purpose.strip() or not typ.strip() or len(purpose) > 120 or len(typ) > 120:
            problems.append((line, _("purpose og type må fylles ut (høyst 120 tegn hver)")))
        if not text.strip() or len(text) > 500:
            problems.append((line, _("item (sjekkpunktet) må fylles ut (høyst 500 tegn)")))


def _active_by_name(session: Session, org_id: int) -> dict[str, ChecklistTemplate]:
    found: dict[str, ChecklistTemplate] = {}
    for tpl in session.exec(select(ChecklistTemplate).where(ChecklistTemplate.org_id == org_id,
                                                            col(ChecklistTemplate.active).is_(True))
                            .order_by(col(ChecklistTemplate.id))).all():
        found.setdefault(tpl.name, tpl)
    return found


def parse(session: Session, *, org_id: int, data: bytes | str) -> list[tuple[TemplateInput, ChecklistTemplate | None]]:
    """Every row checked; ImportFailed with each problem and its line when any row is bad."""
    rows = read_rows(data, REQUIRED)
    problems: list[tuple[int, str]] = []
    units = {u.path: pk(u) for u in org.list_units(session, org_id=org_id)}
    existing = _active_by_name(session, org_id)
    out: list[tuple[TemplateInput, ChecklistTemplate | None]] = []
    for g in _groups(rows, problems):
        _item_problems(g, problems)
        before = len(problems)
        data_in = _input(g, units, existing.get(g.name), problems)
        if len(problems) == before:
            for key, msg in checklist_admin.validate(session, org_id=org_id, data=data_in).items():
                if key != "items":
                    problems.append((g.line, f"{g.name[:60]}: {msg.rstrip('.')}"))
        out.append((data_in, existing.get(g.name)))
    if problems:
        raise ImportFailed(sorted(set(problems)))
    return out


@writes
def import_checklists(*, session: Session, org_id: int, data: bytes | str, today: date | None = None) -> ImportReport:
    """The operator's import: runs as the system, audited with no person as actor."""
    day = today or date.today()
    created = updated = unchanged = 0
    for data_in, tpl in parse(session, org_id=org_id, data=data):
        if tpl is None:
            create_template.__wrapped__(session=session, actor_id=None, org_id=org_id, data=data_in, today=day)
            created += 1
        elif apply_edit(session, tpl=tpl, actor_id=None, data=data_in, today=day):
            updated += 1
        else:
            unchanged += 1
    return ImportReport(created=created, updated=updated, unchanged=unchanged)


def export_rows(session: Session, *, org_id: int) -> list[list[str]]:
    """The header and one row per sjekkpunkt of every active template: exactly what the import reads back."""
    paths = {pk(u): u.path for u in org.list_units(session, org_id=org_id)}
    out = [list(COLUMNS)]
    for tpl in session.exec(select(ChecklistTemplate).where(ChecklistTemplate.org_id == org_id,
                                                            col(ChecklistTemplate.active).is_(True))
                            .order_by(col(ChecklistTemplate.id))).all():
        units = "|".join(sorted(paths[u] for u in unit_ids_of(session, pk(tpl)) if u in paths))
        head = [tpl.name, str(tpl.version), tpl.recurrence, str(tpl.due_day or ""),
                tpl.publish_on.isoformat() if tpl.publish_on else "", tpl.scope, units]
        out.extend([*head, i.purpose, i.type, i.text] for i in items_of(session, pk(tpl)))
    return out


def export_bytes(session: Session, *, org_id: int, xlsx: bool) -> bytes:
    return to_bytes(export_rows(session, org_id=org_id), xlsx=xlsx, sheet="Sjekklister")
