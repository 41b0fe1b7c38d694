"""`trad oppdrag import FILE` and `trad oppdrag export --out FILE`: oppdragsbrev and oppdrag as a sheet.

All or nothing: every row is checked first and a file with any bad row changes nothing,
with each problem named by its line. A row with a number updates that oppdrag in place, a
row without one adds a new oppdrag, so an exported file imports back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from models.errors import ImportFailed
from models.services import oppdragsbrev, org
from models.services._tx import writes
from models.services.oppdrag_admin import OppdragInput, apply_edit, insert, validate
from models.services.tabular import read_rows, to_bytes
from models.sql import pk
from models.tables import Goal, Oppdrag, Oppdragsbrev, OppdragUnit, Person, Unit

COLUMNS = ("number", "letter_year", "letter_issuer", "letter_sector", "letter_case", "letter_title", "title",
           "description", "category", "owner", "units", "deadline", "goal", "parent", "status", "progress")
REQUIRED = ("title", "category", "owner")
LetterKey = tuple[int, str, int | None, str, str]


@dataclass(frozen=True)
class Parsed:
    line: int
    number: int | None
    letter: LetterKey | None
    data: OppdragInput
    parent: int | None


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    letters_created: int

    def __str__(self) -> str:
        return (f"Import ferdig: {self.created} nye oppdrag, {self.updated} endret, {self.unchanged} uendret, "
                f"{self.letters_created} nye oppdragsbrev.")


def _date(text: str) -> date | None:
    t = text.strip()
    if len(t) == 10 and t[4] == "-":
        return date.fromisoformat(t)
    if len(t) == 10 and t[2] == "." and t[5] == ".":
        return date(int(t[6:]), int(t[3:5]), int(t[:2]))
    raise ValueError(t)


class _Lookup:
    """The kommune's people, units, goals and oppdrag numbers, read once for the whole file."""

    def __init__(self, session: Session, org_id: int) -> None:
        people = session.exec(select(Person).where(Person.org_id == org_id, col(Person.active).is_(True))).all()
        self.people = {p.email.lower(): pk(p) for p in people}
        self.units = {u.path: pk(u) for u in org.list_units(session, org_id=org_id)}
        goals = session.exec(select(Goal).where(Goal.org_id == org_id).order_by(col(Goal.id))).all()
        self.goals: dict[str, int] = {}
        for g in goals:
            self.goals.setdefault(g.title, pk(g))
        self.numbers = set(session.exec(select(Oppdrag.number).where(Oppdrag.org_id == org_id)).all())


def _letter_key(r: dict[str, str], look: _Lookup, problems: list[str]) -> LetterKey | None:
    fields = [r.get(c, "") for c in ("letter_year", "letter_issuer", "letter_sector", "letter_case", "letter_title")]
    if not any(fields):
        return None
    year, issuer, sector, case, title = fields
    if not year.isdigit():
        problems.append("letter_year må være et årstall")
    if issuer not in oppdragsbrev.ISSUERS:
        problems.append(f"letter_issuer må være én av {', '.join(oppdragsbrev.ISSUERS)}")
    sector_id = look.units.get(sector) if sector else None
    if issuer == "sektor" and sector_id is None:
        problems.append(f"fant ikke sektoren «{sector}»" if sector else "letter_sector mangler for et sektorbrev")
    if not title:
        problems.append("letter_title mangler")
    return (int(year) if year.isdigit() else 0, issuer, sector_id if issuer == "sektor" else None, case, title)


def _ref(text: str, what: str, problems: list[str]) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        problems.append(f"{what} må være et oppdragsnummer")
        return None
    return int(text)


def _parse_row(session: Session, org_id: int, line: int, r: dict[str, str], look: _Lookup,
               file_numbers: set[int]) -> tuple[Parsed | None, list[str]]:
    problems: list[str] = []
    number = _ref(r.get("number", ""), "number", problems)
    if number is not None and number not in look.numbers:
        problems.append(f"fant ikke oppdrag {number} (la number stå tom for nye oppdrag)")
    parent = _ref(r.get("parent", ""), "parent", problems)
    if parent is not None and (parent not in look.numbers | file_numbers or parent == number):
        problems.append(f"fant ikke overordnet oppdrag {parent}")
    letter = _letter_key(r, look, problems)
    owner = look.people.get(r["owner"].lower())
    if owner is None:
        problems.append(f"fant ingen aktiv ansatt med e-post «{r['owner']}»")
    paths = [p.strip() for p in r.get("units", "").split("|") if p.strip()]
    for p in paths:
        if p not in look.units:
            problems.append(f"fant ikke enheten «{p}»")
    deadline = None
    try:
        deadline = _date(r["deadline"]) if r.get("deadline") else None
    except ValueError:
        problems.append("deadline må være en dato (åååå-mm-dd eller dd.mm.åååå)")
    goal = look.goals.get(r.get("goal", "")) if r.get("goal") else None
    if r.get("goal") and goal is None:
        problems.append(f"fant ikke målet «{r['goal']}»")
    data = OppdragInput(title=r["title"], category=r["category"], owner_id=owner or 0,
                        description=r.get("description", ""), deadline=deadline, goal_id=goal,
                        unit_ids=tuple(look.units[p] for p in paths if p in look.units))
    for key, msg in validate(session, org_id=org_id, data=data).items():
        if key in ("title", "description", "category", "deadline"):
            problems.append(msg.rstrip("."))
    return (None if problems else Parsed(line, number, letter, data, parent)), problems


def parse(session: Session, *, org_id: int, data: bytes | str) -> list[Parsed]:
    """Every row checked; ImportFailed with each problem and its line when any row is bad."""
    rows = read_rows(data, REQUIRED)
    look = _Lookup(session, org_id)
    problems: list[tuple[int, str]] = []
    seen: set[int] = set()
    for line, r in rows:
        n = r.get("number", "")
        if n.isdigit() and int(n) in seen:
            problems.append((line, f"oppdrag {n} står to ganger i fila"))
        if n.isdigit():
            seen.add(int(n))
    parsed: list[Parsed] = []
    for line, r in rows:
        row, errs = _parse_row(session, org_id, line, r, look, seen)
        problems.extend((line, e) for e in errs)
        if row:
            parsed.append(row)
    if problems:
        raise ImportFailed(sorted(problems))
    return parsed


def _letter(session: Session, org_id: int, key: LetterKey, made: list[int]) -> int:
    year, issuer, sector_id, case, title = key
    found = session.exec(select(Oppdragsbrev).where(
        Oppdragsbrev.org_id == org_id, Oppdragsbrev.year == year, Oppdragsbrev.issuer == issuer,
        Oppdragsbrev.sector_id == sector_id, Oppdragsbrev.case_ref == case, Oppdragsbrev.title == title)).first()
    if found is None:
        found = oppdragsbrev.create_letter.__wrapped__(session=session, actor_id=None, org_id=org_id, year=year,
                                                       title=title, issuer=issuer, sector_id=sector_id, case_ref=case)
        made.append(pk(found))
    return pk(found)


@writes
def import_oppdrag(*, session: Session, org_id: int, data: bytes | str) -> ImportReport:
    """The operator's import: runs as the system, audited with no person as actor."""
    rows = parse(session, org_id=org_id, data=data)
    made: list[int] = []
    created = updated = 0
    for row in rows:
        letter_id = _letter(session, org_id, row.letter, made) if row.letter else None
        parent = session.exec(select(Oppdrag).where(Oppdrag.org_id == org_id, Oppdrag.number == row.parent)).one() \
            if row.parent is not None else None
        if row.number is None:
            insert(session, org_id=org_id, actor_id=None, data=row.data, letter_id=letter_id, parent=parent)
            created += 1
            continue
        o = session.exec(select(Oppdrag).where(Oppdrag.org_id == org_id, Oppdrag.number == row.number)).one()
        updated += apply_edit(session, o=o, actor_id=None, data=row.data, letter_id=letter_id,
                              parent_id=parent.id if parent else None)
    return ImportReport(created=created, updated=updated, unchanged=len(rows) - created - updated,
                        letters_created=len(made))


def export_rows(session: Session, *, org_id: int) -> list[list[str]]:
    """The header and one row per oppdrag, by number: exactly what the import reads back."""
    items = session.exec(select(Oppdrag).where(Oppdrag.org_id == org_id).order_by(col(Oppdrag.number))).all()
    letters = {pk(lt): lt for lt in session.exec(select(Oppdragsbrev).where(Oppdragsbrev.org_id == org_id)).all()}
    units = {pk(u): u.path for u in session.exec(select(Unit).where(Unit.org_id == org_id)).all()}
    emails = {pk(p): p.email for p in session.exec(select(Person).where(Person.org_id == org_id)).all()}
    goals = {pk(g): g.title for g in session.exec(select(Goal).where(Goal.org_id == org_id)).all()}
    numbers = {pk(o): o.number for o in items}
    links: dict[int, list[str]] = {}
    for oid, uid in session.exec(select(OppdragUnit.oppdrag_id, OppdragUnit.unit_id)).all():
        if oid in numbers:
            links.setdefault(oid, []).append(units[uid])
    out = [list(COLUMNS)]
    for o in items:
        lt = letters.get(o.oppdragsbrev_id) if o.oppdragsbrev_id else None
        letter = [str(lt.year), lt.issuer, units.get(lt.sector_id, "") if lt.sector_id else "", lt.case_ref,
                  lt.title] if lt else ["", "", "", "", ""]
        out.append([str(o.number), *letter, o.title, o.description, o.category, emails[o.owner_id],
                    "|".join(sorted(links.get(pk(o), []))), o.deadline.isoformat() if o.deadline else "",
                    goals.get(o.goal_id, "") if o.goal_id else "", str(numbers.get(o.parent_id, "")) if o.parent_id else "",
                    o.status, str(o.progress)])
    return out


def export_bytes(session: Session, *, org_id: int, xlsx: bool) -> bytes:
    """CSV in UTF-8 with `,`, or an .xlsx sheet whose cells are all text (so a deadline keeps its day)."""
    return to_bytes(export_rows(session, org_id=org_id), xlsx=xlsx, sheet="Oppdrag")
