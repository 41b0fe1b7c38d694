"""The organisation kept in step with Microsoft Entra ID: the rules, apart from how Graph is read.

Why a module of its own beside the CSV import: the directory is the source for people, their
department and their manager, but not for every role. The sync shares the import's rules
(units by slash path, the import's notion of leder, deactivation that keeps history, all or
nothing) and adds its own: a person whose department maps to no unit is reported and left as
they were, and the sync takes back only the leder roles it gave itself, unless `prune_roles`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlmodel import Session, select

from models.errors import ImportFailed
from models.services import audit, org
from models.services._tx import writes
from models.services.org_import import EMAIL, _decode
from models.sql import pk
from models.tables import EntraLink, EntraSyncState, Organisation, Person, PersonRole, Unit
from models.tables._common import utcnow


@dataclass(frozen=True)
class DirectoryUser:
    """One user as a Graph (delta) page gives them. None means «not in this page»: keep what is stored.

    `manager_id` is the manager's object id; "" means the manager was removed.
    """

    object_id: str
    mail: str | None = None
    display_name: str | None = None
    department: str | None = None
    account_enabled: bool | None = None
    manager_id: str | None = None
    removed: bool = False


@dataclass
class SyncReport:
    dry_run: bool = False
    changes: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    roles_added: int = 0
    roles_removed: int = 0
    units_created: int = 0

    def __str__(self) -> str:
        head = "Prøvekjøring, ingenting er lagret" if self.dry_run else "Synkronisering med Entra ID ferdig"
        lines = [f"{head}: {self.created} nye, {self.updated} oppdatert, {self.deactivated} deaktivert, "
                 f"{self.roles_added} roller gitt, {self.roles_removed} roller fjernet, {self.units_created} nye enheter."]
        lines += [f"  {c}" for c in self.changes]
        if self.unmapped:
            lines.append(f"{len(self.unmapped)} uten enhet (avdelingen passer ikke til noen enhet; ikke endret):")
            lines += [f"  {u}" for u in self.unmapped]
        if self.skipped:
            lines.append(f"{len(self.skipped)} hoppet over:")
            lines += [f"  {s}" for s in self.skipped]
        return "\n".join(lines)


def parse_mapping(data: bytes | str) -> dict[str, str]:
    """The mapping file `department,unit` (`,` or `;`, UTF-8 or Windows-1252): department (lower-cased) → unit path.

    All or nothing, like the import: every problem is listed with its line.
    """
    text = _decode(data)
    if not text.strip():
        raise ImportFailed([(1, "fila er tom")])
    first = text.lstrip().split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if ";" in first and "," not in first else ",")
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "department" not in header or "unit" not in header:
        raise ImportFailed([(1, "mangler kolonne(r): forventet department,unit")])
    reader.fieldnames = header
    problems: list[tuple[int, str]] = []
    out: dict[str, str] = {}
    seen: dict[str, int] = {}
    for i, raw in enumerate(reader, start=2):
        if all(not (v or "").strip() for k, v in raw.items() if k):
            continue
        dept = " ".join((raw.get("department") or "").split())
        unit = "/".join(p.strip() for p in (raw.get("unit") or "").split("/") if p.strip())
        if None in raw:
            problems.append((i, "for mange kolonner (har et felt komma uten anførselstegn?)"))
        elif not dept:
            problems.append((i, "avdeling mangler"))
        elif not unit:
            problems.append((i, f"enhet mangler for avdelingen «{dept[:60]}»"))
        elif len(unit) > 1000 or any(len(p) > 200 for p in unit.split("/")):
            problems.append((i, "enhetsnavnet er for langt"))
        elif dept.lower() in seen:
            problems.append((i, f"avdelingen «{dept[:60]}» står også på linje {seen[dept.lower()]}"))
        else:
            seen[dept.lower()] = i
            out[dept.lower()] = unit
    if problems:
        raise ImportFailed(problems)
    return out


class _Units:
    """Department → unit: through the mapping file when one is given, else a unit's path or (unique) name."""

    def __init__(self, session: Session, org_id: int, mapping: dict[str, str] | None) -> None:
        self.session, self.org_id, self.mapping = session, org_id, mapping
        units = org.list_units(session, org_id=org_id)
        self.by_path = {u.path.lower(): u for u in units}
        self.by_name: dict[str, list[Unit]] = {}
        for u in units:
            self.by_name.setdefault(u.name.lower(), []).append(u)

    def resolve(self, department: str) -> Unit | None:
        key = " ".join(department.split()).lower()
        if not key:
            return None
        if self.mapping is not None:
            path = self.mapping.get(key)
            return org.ensure_unit_path(self.session, org_id=self.org_id, path=path) if path else None
        named = self.by_name.get(key, [])
        return self.by_path.get(key) or (named[0] if len(named) == 1 else None)


class _Run:
    """One sync inside one transaction: the people, links and units as they stand, and the report."""

    def __init__(self, session: Session, org_id: int, mapping: dict[str, str] | None, report: SyncReport) -> None:
        self.session, self.org_id, self.report = session, org_id, report
        self.units = _Units(session, org_id, mapping)
        self.people = {pk(p): p for p in session.exec(select(Person).where(Person.org_id == org_id)).all()}
        self.by_mail = {p.email: p for p in self.people.values()}
        self.links = {lk.object_id: lk for lk in session.exec(select(EntraLink).where(EntraLink.org_id == org_id)).all()}

    def audit(self, action: str, person: Person, detail: dict) -> None:
        audit.record(self.session, org_id=self.org_id, actor_id=None, action=f"org.entra.{action}", entity="person",
                     entity_id=person.id, detail=detail)

    def person_of(self, user: DirectoryUser) -> Person | None:
        link = self.links.get(user.object_id)
        if link is not None:
            return self.people.get(link.person_id)
        return self.by_mail.get((user.mail or "").strip().lower()) if user.mail else None

    def link(self, user: DirectoryUser, person: Person) -> None:
        link = self.links.get(user.object_id)
        if link is None:
            link = self.links[user.object_id] = EntraLink(org_id=self.org_id, object_id=user.object_id,
                                                          person_id=pk(person))
        if user.manager_id is not None:
            link.manager_object_id = user.manager_id or None
        self.session.add(link)

    def apply(self, user: DirectoryUser) -> None:
        person = self.person_of(user)
        label = ((person.email if person else None) or user.mail or user.object_id).lower()
        if user.removed or user.account_enabled is False:
            if person is not None:
                self.link(user, person)
                self.deactivate(person)
            return
        mail = (user.mail or (person.email if person else "")).strip().lower()
        if not EMAIL.match(mail) or len(mail) > 320:
            self.report.skipped.append(f"{label}: mangler gyldig e-post i Entra ID")
            return
        other = self.by_mail.get(mail)
        if person is not None and other is not None and other is not person:
            self.report.skipped.append(f"{label}: ny e-post {mail} tilhører allerede {other.name} i Tråd")
            return
        if user.department is None and person is not None:
            unit: Unit | None = self.session.get(Unit, person.unit_id) if person.unit_id else None
        else:
            unit = self.units.resolve(user.department or "")
        if unit is None:
            self.report.unmapped.append(f"{mail} (avdeling «{(user.department or '').strip()[:80]}»)")
            if person is not None:
                self.link(user, person)
            return
        name = " ".join((user.display_name or "").split())[:200] or (person.name if person else mail)
        person = self.upsert(person, mail=mail, name=name, unit=unit)
        self.link(user, person)

    def upsert(self, person: Person | None, *, mail: str, name: str, unit: Unit) -> Person:
        if person is None:
            person = Person(org_id=self.org_id, email=mail, name=name, unit_id=unit.id)
            self.session.add(person)
            self.session.flush()
            self.people[pk(person)] = self.by_mail[mail] = person
            self.report.created += 1
            self.report.changes.append(f"ny: {name} <{mail}> i {unit.path}")
            self.audit("person_created", person, {"after": {"email": mail, "name": name, "unit": unit.path}})
            return person
        before = {"email": person.email, "name": person.name, "unit_id": person.unit_id, "active": person.active}
        after = {"email": mail, "name": name, "unit_id": unit.id, "active": True}
        if before == after:
            return person
        person.email, person.name, person.unit_id, person.active = mail, name, unit.id, True
        self.by_mail[mail] = person
        person.updated_at = utcnow()
        self.session.add(person)
        self.report.updated += 1
        what = ", ".join(k for k in after if before[k] != after[k])
        self.report.changes.append(f"endret ({what}): {name} <{mail}> i {unit.path}")
        self.audit("person_updated", person, {"before": before, "after": after})
        return person

    def deactivate(self, person: Person) -> None:
        """The import's rule: never deleted, so every case, answer and audit line keeps its person."""
        if not person.active:
            return
        person.active = False
        person.updated_at = utcnow()
        self.session.add(person)
        self.report.deactivated += 1
        self.report.changes.append(f"deaktivert: {person.name} <{person.email}>")
        self.audit("person_deactivated", person, {"before": {"active": True}, "after": {"active": False}})

    def leaders(self, *, prune_roles: bool) -> None:
        """A manager is leder of a report's unit only where the import would make them so: their own unit."""
        self.session.flush()
        pid_of = {oid: lk.person_id for oid, lk in self.links.items()}
        link_of = {lk.person_id: lk for lk in self.links.values()}
        supported: set[tuple[int, int]] = set()
        for lk in self.links.values():
            p, m = self.people.get(lk.person_id), self.people.get(pid_of.get(lk.manager_object_id or "", -1))
            if p is not None and m is not None and p.active and p.unit_id is not None and m.unit_id == p.unit_id \
                    and m.id != p.id:
                supported.add((pk(m), p.unit_id))
        held = {(r.person_id, r.unit_id): r for r in self.session.exec(
            select(PersonRole).where(PersonRole.org_id == self.org_id, PersonRole.role == "leder")).all()}
        for pid, unit_id in sorted(supported - set(held)):
            if self.people[pid].active:
                self.session.add(PersonRole(org_id=self.org_id, person_id=pid, role="leder", unit_id=unit_id))
                link_of[pid].leader_unit_id = unit_id
                self.session.add(link_of[pid])
                self.role_change("role_added", pid, unit_id, "leder av")
        self.take_back(held, supported, link_of, prune_roles=prune_roles)

    def take_back(self, held: dict[tuple[int, int | None], PersonRole], supported: set[tuple[int, int]],
                  link_of: dict[int, EntraLink], *, prune_roles: bool) -> None:
        """A leder role no manager relation supports goes if the sync gave it, or by hand with prune_roles."""
        for (holder, led), role in held.items():
            found = link_of.get(holder)
            if found is None or led is None or (holder, led) in supported:
                continue
            given_by_sync = found.leader_unit_id == led
            if given_by_sync or prune_roles:
                self.session.delete(role)
                if given_by_sync:
                    found.leader_unit_id = None
                    self.session.add(found)
                self.role_change("role_removed", holder, led, "ikke lenger leder av")

    def role_change(self, action: str, pid: int, unit_id: int, text: str) -> None:
        person = self.people[pid]
        unit = self.session.get(Unit, unit_id)
        path = unit.path if unit else str(unit_id)
        if action == "role_added":
            self.report.roles_added += 1
        else:
            self.report.roles_removed += 1
        self.report.changes.append(f"{text} {path}: {person.name} <{person.email}>")
        self.audit(action, person, {"role": "leder", "unit": path})


def _organisation(session: Session, slug: str) -> int:
    found = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if found is None:
        found = Organisation(slug=slug, name=slug.capitalize() + " kommune")
        session.add(found)
        session.flush()
    return pk(found)


def stored_delta_link(session: Session, *, org_slug: str) -> str | None:
    """Where the next run reads from: the deltaLink of the last applied sync, None for a full read."""
    found = session.exec(select(Organisation).where(Organisation.slug == org_slug)).first()
    state = session.get(EntraSyncState, found.id) if found is not None else None
    return state.delta_link if state is not None else None


def _apply_all(session: Session, *, org_slug: str, users: list[DirectoryUser], mapping: dict[str, str] | None,
               prune_roles: bool, report: SyncReport) -> int:
    oid = _organisation(session, org_slug)
    units_before = len(org.list_units(session, org_id=oid))
    run = _Run(session, oid, mapping, report)
    for user in users:
        run.apply(user)
    run.leaders(prune_roles=prune_roles)
    session.flush()
    report.units_created = len(org.list_units(session, org_id=oid)) - units_before
    return oid


@writes
def sync_directory(*, session: Session, org_slug: str, users: list[DirectoryUser], delta_link: str | None,
                   mapping: dict[str, str] | None = None, prune_roles: bool = False) -> SyncReport:
    """Apply one read of the directory and keep its delta link, in one transaction: all of it or none."""
    report = SyncReport()
    oid = _apply_all(session, org_slug=org_slug, users=users, mapping=mapping, prune_roles=prune_roles, report=report)
    state = session.get(EntraSyncState, oid) or EntraSyncState(org_id=oid)
    state.delta_link, state.synced_at = delta_link, utcnow()
    session.add(state)
    audit.record(session, org_id=oid, actor_id=None, action="org.entra.synced", entity="organisation", entity_id=oid,
                 detail={"users": len(users), "created": report.created, "updated": report.updated,
                         "deactivated": report.deactivated, "roles_added": report.roles_added,
                         "roles_removed": report.roles_removed, "unmapped": len(report.unmapped)})
    return report


def plan_sync(*, session: Session, org_slug: str, users: list[DirectoryUser], mapping: dict[str, str] | None = None,
              prune_roles: bool = False) -> SyncReport:
    """The dry run: the same rules in a transaction that is rolled back, so the plan is exactly what a run would do."""
    report = SyncReport(dry_run=True)
    try:
        _apply_all(session, org_slug=org_slug, users=users, mapping=mapping, prune_roles=prune_roles, report=report)
    finally:
        session.rollback()
    return report
