"""`trad org import people.csv`: create or update units, people and roles from one CSV.

The per-row rules (reading an e-mail, a unit path and roles; storing a person and their roles;
deactivating) are `people_rules`, the same the people admin pages use.

All or nothing: every row is checked first, and a file with any bad row imports
nothing, with each problem reported by line number. Re-importing updates in place;
`prune` deactivates people missing from the file (never deletes: their history stays).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from sqlmodel import Session, select

from models.errors import ImportFailed
from models.i18n import LOCALES, _, normalize
from models.services import audit, org
from models.services import people_rules as rules
from models.services._tx import writes
from models.sql import pk
from models.tables import Organisation
from models.tables._common import utcnow

REQUIRED = ("email", "name", "unit", "role")
EMAIL = rules.EMAIL  # the Entra sync reads e-mails by the same rule
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
        email, name = rules.clean_email(raw.get("email")), rules.clean_name(raw.get("name"))
        unit = rules.clean_path(raw.get("unit"))
        locale = _locale_cell(i, raw.get("locale") or "", problems)
        bad_email = rules.email_problem(email)
        if bad_email:
            problems.append((i, bad_email))
        elif email in seen:
            problems.append((i, _("e-posten {email} står også på linje {line}").format(email=email, line=seen[email])))
        else:
            seen[email] = i
        problems += [(i, msg) for msg in (rules.name_problem(name), rules.path_problem(unit)) if msg]
        roles, bad_roles = rules.parse_roles(raw.get("role"))
        problems += [(i, msg) for msg in bad_roles]
        rows.append(Row(line=i, email=email, name=name, unit=unit, roles=roles, locale=locale))
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
    existing = rules.people_by_email(session, oid)
    created = updated = unchanged = 0
    for row in rows:
        unit = rules.unit_for_path(session, org_id=oid, path=row.unit)
        is_new = row.email not in existing
        person, changed = rules.place_person(session, org_id=oid, person=existing.get(row.email), email=row.email,
                                             name=row.name, unit_id=pk(unit), activate=True)
        if row.locale and person.locale != row.locale:
            person.locale, changed = row.locale, True
        changed |= rules.set_roles(session, person, row.roles, pk(unit))
        if changed and not is_new:
            person.updated_at = utcnow()
            session.add(person)
        created += is_new
        updated += changed and not is_new
        unchanged += not changed
    deactivated = 0
    if prune:
        in_file = {r.email for r in rows}
        deactivated = sum(rules.set_active(session, person, False) for email, person in existing.items()
                          if email not in in_file)
    session.flush()
    units_created = len(org.list_units(session, org_id=oid)) - units_before
    audit.record(session, org_id=oid, actor_id=actor_id, action="org.imported", entity="organisation", entity_id=oid,
                 detail={"created": created, "updated": updated, "deactivated": deactivated})
    return ImportReport(created=created, updated=updated, unchanged=unchanged, deactivated=deactivated,
                        units_created=units_created)
