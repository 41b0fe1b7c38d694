"""`trad org import people.csv`: create or update units, people and roles from one CSV.

All or nothing: every row is checked first, and a file with any bad row imports
nothing, with each problem reported by line number. Re-importing updates in place;
`prune` deactivates people missing from the file (never deletes: their history stays).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlmodel import Session, select

from models.errors import ImportFailed
from models.i18n import LOCALES, _, normalize
from models.services import audit, org
from models.services._tx import writes
from models.sql import pk
from models.tables import Organisation, Person, PersonRole
from models.tables._common import utcnow
from models.vocabulary import ROLES

REQUIRED = ("email", "name", "unit", "role")
EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
ROLE_ALIASES = {"kommunedirektor": "kommunedirektør", "rådmann": "kommunedirektør", "enhetsleder": "leder",
                "virksomhetsleder": "leder", "avdelingsleder": "leder", "varslingsmottakar": "varslingsmottaker",
                "tilsett": "ansatt", "medarbeider": "ansatt", "direktør": "kommunalsjef"}
MAX_ROWS = 50_000
#: The optional `locale` column: codes (nb, nn, en, nb-NO …) and the languages' names as people write them.
LOCALE_ALIASES = {"bokmål": "nb", "bokmal": "nb", "norsk": "nb", "nynorsk": "nn", "english": "en", "engelsk": "en",
                  "engelsk/english": "en"}


@dataclass(frozen=True)
class Row:
    line: int
    email: str
    name: str
    unit: str
    roles: tuple[str, ...]
    locale: str | None = None  # None: the column is absent or empty, the person's language is left as it is


def parse_locale(text: str) -> str | None:
    """nb/nn/en from the `locale` cell («nynorsk», «Bokmål», «en-GB» …); "" for an empty cell; None if unknown."""
    t = text.strip().lower()
    if not t:
        return ""
    return LOCALE_ALIASES.get(t) or normalize(t)


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    deactivated: int
    units_created: int

    def __str__(self) -> str:
        return _("Import ferdig: {created} nye, {updated} oppdatert, {unchanged} uendret, {deactivated} deaktivert, "
                 "{units} nye enheter.").format(created=self.created, updated=self.updated, unchanged=self.unchanged,
                                               deactivated=self.deactivated, units=self.units_created)


def _decode(data: bytes | str) -> str:
    """The file as text: UTF-8 (with or without BOM), else Windows-1252, which Excel in Norway often saves."""
    if not isinstance(data, bytes):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFailed([(1, _("fila er ikke tekst i UTF-8 eller Windows-1252"))]) from None


def _rows_of(reader: csv.DictReader) -> Iterator[tuple[int, dict]]:
    """(line, row) pairs; a line the csv module cannot read (a stray quote or carriage return) is ImportFailed."""
    line = 1
    try:
        for line, raw in enumerate(reader, start=2):  # noqa: B007 - `line` names the bad line below
            yield line, raw
    except csv.Error as exc:
        raise ImportFailed([(line + 1, _("linjen kan ikke leses som CSV: {error}").format(error=exc))]) from None


def _locale_cell(line: int, text: str, problems: list[tuple[int, str]]) -> str | None:
    """The row's language (None for an empty cell); an unknown one is a problem on its line."""
    locale = parse_locale(text)
    if locale is None:
        problems.append((line, _("ukjent språk «{value}» (gyldige: {codes}, eller nynorsk, bokmål, english)").format(
            value=text.strip()[:40], codes=", ".join(LOCALES))))
    return locale or None


def parse_csv(data: bytes | str) -> list[Row]:
    """Read and check every row; raise ImportFailed listing all problems."""
    text = _decode(data)
    if not text.strip():
        raise ImportFailed([(1, _("fila er tom"))])
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","  # Excel in Norway saves with ;
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportFailed([(1, _("fila kan ikke leses som CSV: {error}").format(error=exc))]) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed([(1, _("mangler kolonne(r): {columns} (forventet: email,name,unit,role; valgfritt: locale)").format(
            columns=", ".join(missing)))])
    reader.fieldnames = header
    problems: list[tuple[int, str]] = []
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for i, raw in _rows_of(reader):
        if i > MAX_ROWS + 1:
            problems.append((i, _("fila har mer enn {n} rader").format(n=MAX_ROWS)))
            break
        if raw is None or all(not (v or "").strip() for k, v in raw.items() if k):
            continue
        if None in raw:
            problems.append((i, _("for mange kolonner (har et felt komma uten anførselstegn?)")))
            continue
        email = (raw.get("email") or "").strip().lower()
        name = " ".join((raw.get("name") or "").split())
        unit = "/".join(p.strip() for p in (raw.get("unit") or "").split("/") if p.strip())
        role_text = (raw.get("role") or "").strip().lower()
        locale = _locale_cell(i, raw.get("locale") or "", problems)
        if not EMAIL.match(email) or len(email) > 320:
            problems.append((i, _("ugyldig e-post «{email}»").format(email=email[:60])))
        elif email in seen:
            problems.append((i, _("e-posten {email} står også på linje {line}").format(email=email, line=seen[email])))
        else:
            seen[email] = i
        if not name or len(name) > 200:
            problems.append((i, _("navn mangler") if not name else _("navnet er for langt (høyst 200 tegn)")))
        if not unit:
            problems.append((i, _("enhet mangler (skriv f.eks. «Oppvekst/Aurvoll skole»)")))
        elif len(unit) > 1000 or any(len(p) > 200 for p in unit.split("/")):
            problems.append((i, _("enhetsnavnet er for langt")))
        roles = []
        for r in [x.strip() for x in re.split(r"[;|]", role_text) if x.strip()] or ["ansatt"]:
            r = ROLE_ALIASES.get(r, r)
            if r not in ROLES:
                problems.append((i, _("ukjent rolle «{role}» (gyldige: {roles})").format(role=r[:40], roles=", ".join(ROLES))))
            else:
                roles.append(r)
        rows.append(Row(line=i, email=email, name=name, unit=unit, roles=tuple(dict.fromkeys(roles)),
                        locale=locale))
    if problems:
        raise ImportFailed(problems)
    if not rows:
        raise ImportFailed([(2, _("fila har ingen personer"))])
    return rows


@writes
def import_people(*, session: Session, data: bytes | str, org_slug: str, org_name: str | None = None,
                  prune: bool = False, actor_id: int | None = None) -> ImportReport:
    rows = parse_csv(data)
    organisation = session.exec(select(Organisation).where(Organisation.slug == org_slug)).first()
    if organisation is None:
        organisation = Organisation(slug=org_slug, name=org_name or org_slug.capitalize() + " kommune")
        session.add(organisation)
        session.flush()
    oid = organisation.id
    assert oid is not None
    units_before = len(org.list_units(session, org_id=oid))
    existing = {p.email: p for p in session.exec(select(Person).where(Person.org_id == oid)).all()}
    created = updated = unchanged = 0
    for row in rows:
        unit = org.ensure_unit_path(session, org_id=oid, path=row.unit)
        person = existing.get(row.email)
        is_new = person is None
        if person is None:
            person = Person(org_id=oid, email=row.email, name=row.name, unit_id=unit.id)
            session.add(person)
            session.flush()
        changed = is_new or person.name != row.name or person.unit_id != unit.id or not person.active
        if row.locale and person.locale != row.locale:
            person.locale, changed = row.locale, True
        person.name, person.unit_id, person.active = row.name, unit.id, True
        want = {(r, unit.id if r in ("leder", "kommunalsjef") else None) for r in row.roles if r != "ansatt"}
        have = {(r.role, r.unit_id): r for r in session.exec(select(PersonRole).where(PersonRole.person_id == person.id)).all()}
        for key, role_row in have.items():
            if key not in want:
                session.delete(role_row)
                changed = True
        for role, unit_id in want - set(have):
            session.add(PersonRole(org_id=oid, person_id=pk(person), role=role, unit_id=unit_id))
            changed = True
        if changed:
            person.updated_at = utcnow()
        session.add(person)
        created += is_new
        updated += changed and not is_new
        unchanged += not changed
    deactivated = 0
    if prune:
        in_file = {r.email for r in rows}
        for email, person in existing.items():
            if email not in in_file and person.active:
                person.active = False
                person.updated_at = utcnow()
                session.add(person)
                deactivated += 1
    session.flush()
    units_created = len(org.list_units(session, org_id=oid)) - units_before
    audit.record(session, org_id=oid, actor_id=actor_id, action="org.imported", entity="organisation", entity_id=oid,
                 detail={"created": created, "updated": updated, "deactivated": deactivated})
    return ImportReport(created=created, updated=updated, unchanged=unchanged, deactivated=deactivated,
                        units_created=units_created)
