"""The demo organisation: Øyer kommune's 11 units in 3 sectors, fictional people in every role,
Alver kommune's internkontroll checklist, a dozen oppdrag and a year of plausible avvik history.

Deterministic for a given seed, so demos and screenshots are repeatable. The checklist, the
oppdragsbrev and its oppdrag are made through the same use cases as the admin pages and the
imports (issue 17); the year of history behind them (answers, status updates, avvik) is written
straight to the tables, so seeding a year does not send a year of notifications.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from models.demo_plan import seed_demo_plan
from models.periods import local_date, period_of
from models.risk import risk_score
from models.services import org as org_svc
from models.sql import pk
from models.tables import (
    Avvik,
    AvvikEvent,
    ChecklistAnswer,
    ChecklistRun,
    Counter,
    Oppdrag,
    OppdragUpdate,
    Organisation,
    Person,
    PersonRole,
    Tiltak,
    Unit,
)
from models.tables._common import utcnow

DEMO_RECIPIENT_PASSPHRASE = "demo-varsling-2026"  # noqa: S105  - the demo's, printed in its banner; never a real key
DOMAIN = "oyer.kommune.no"
SECTORS = {
    "Oppvekst": ["Mosjordet barnehage", "Vidarheim barnehage", "Aurvoll skole", "Solvang skole", "Øyer ungdomsskole"],
    "Helse og omsorg": ["Helse- og familietjenesten", "Institusjonstjenester", "Hjemmebaserte tjenester",
                        "Miljøterapitjenester"],
    "Samfunn": ["Kultur og service", "Tekniske tjenester"],
}
UNIT_SIZE = {"Institusjonstjenester": 100, "Hjemmebaserte tjenester": 80, "Miljøterapitjenester": 50,
             "Aurvoll skole": 40, "Solvang skole": 35, "Øyer ungdomsskole": 35, "Tekniske tjenester": 45,
             "Helse- og familietjenesten": 35, "Mosjordet barnehage": 25, "Vidarheim barnehage": 25,
             "Kultur og service": 20}
FIRST = ["Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg", "Hilde", "Nina",
         "Silje", "Ida", "Nora", "Emma", "Sara", "Maja", "Ole", "Lars", "Per", "Jan", "Kjell", "Bjørn", "Arne",
         "Knut", "Svein", "Hans", "Geir", "Tor", "Erik", "Jonas", "Magnus", "Henrik", "Even", "Sindre", "Aksel",
         "Eirik", "Tone", "Randi", "Solveig", "Guro", "Ragnhild", "Tuva", "Mathias", "Kristian", "Halvor", "Sigrid"]
LAST = ["Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
        "Karlsen", "Haugen", "Bakken", "Moen", "Lien", "Dahl", "Solberg", "Kvam", "Lunde", "Rustad", "Myhre",
        "Fossum", "Brenden", "Skaug", "Ødegård", "Tretten", "Hafjell", "Mosbakken", "Frøyse", "Aasen", "Storhaug"]
CHECKLIST = [
    ("Leiardialog", "Leiardialog", "Er det gjennomført leiarsamtale med underordna leiar?"),
    ("Planlegging", "Verksemdstyring", "Er det utarbeida verksemdsplan?"),
    ("HMS", "HMS", "Er grunnopplæring i HMS utført?"),
    ("HMS", "HMS", "Er vernerunde gjennomført?"),
]
SECTOR_CATEGORIES = {
    "Oppvekst": ["hms", "hms", "vold", "rutinebrudd", "materiell", "infosikkerhet", "annet"],
    "Helse og omsorg": ["pasient", "pasient", "pasient", "vold", "hms", "rutinebrudd", "infosikkerhet", "lovbrudd"],
    "Samfunn": ["hms", "hms", "materiell", "materiell", "rutinebrudd", "infosikkerhet", "annet"],
}
AVVIK_TEXTS = {
    "hms": [("Glatt gulv i inngangspartiet", "Ansatt skled på vått gulv ved inngangen. Ingen skade, men det mangler matte."),
            ("Tunge løft uten hjelpemiddel", "Måtte løfte tunge kasser alene fordi traller mangler."),
            ("Manglende verneutstyr", "Hørselvern var ikke tilgjengelig ved bruk av maskin.")],
    "pasient": [("Feil medisin gitt", "Bruker fikk kveldsmedisin til feil tidspunkt. Lege kontaktet."),
                ("Fall hos bruker", "Bruker falt på badet, fikk en skramme. Fallalarm var ikke på."),
                ("Manglende dokumentasjon", "Tiltaksplan var ikke oppdatert etter endring i vedtak.")],
    "vold": [("Trussel fra bruker", "Bruker truet ansatt verbalt under stell. Situasjonen ble roet ned."),
             ("Slag mot ansatt", "Elev slo ansatt i armen i friminuttet. Ingen synlig skade.")],
    "rutinebrudd": [("Rutine for nøkkelutlån ikke fulgt", "Nøkler ble utlevert uten kvittering."),
                    ("Vaktbok ikke ført", "Overlapp mellom vakter ble ikke dokumentert.")],
    "lovbrudd": [("Taushetsplikt brutt", "Opplysninger om bruker ble diskutert i åpent rom.")],
    "infosikkerhet": [("Sensitiv e-post til feil mottaker", "E-post med personopplysninger ble sendt til feil adresse."),
                      ("PC ulåst i fellesrom", "PC med fagsystem stod pålogget og ulåst.")],
    "materiell": [("Skade på kommunal bil", "Ripe i lakken etter rygging på parkeringsplassen."),
                  ("Vannlekkasje", "Lekkasje fra tak i gymsal etter kraftig regn.")],
    "annet": [("Strømbrudd", "Strømbrudd i to timer, nødlys fungerte ikke i gangen.")],
}
OPPDRAG = [
    ("Utrede felles skolebibliotek for Aurvoll og Solvang", 0, "Oppvekst", ["Aurvoll skole", "Solvang skole"], "pagar", 40),
    ("Redusere sykefraværet i institusjonstjenestene til under 8 %", 0, "Helse og omsorg", ["Institusjonstjenester"], "forsinket", 25),
    ("Etablere velferdsteknologi i hjemmetjenesten", 1, "Helse og omsorg", ["Hjemmebaserte tjenester"], "pagar", 60),
    ("Oppfølging av vedtak om gratis kjernetid i barnehage", 1, "Oppvekst", ["Mosjordet barnehage", "Vidarheim barnehage"], "fullfort", 100),
    ("Tilleggsbestilling: trafikksikker skolevei Solvang", 2, "Samfunn", ["Tekniske tjenester"], "ikke_startet", 0),
    ("Utvidet åpningstid på biblioteket", 2, "Samfunn", ["Kultur og service"], "pagar", 30),
    ("Gjennomføre tiltak fra kommunedelplan for helse", 3, "Helse og omsorg", ["Helse- og familietjenesten"], "pagar", 50),
    ("Oppgradere kommunale veier etter hovedplan vei", 3, "Samfunn", ["Tekniske tjenester"], "forsinket", 15),
    ("Vernerunde i alle enheter innen 1. tertial", 4, "Oppvekst", ["Aurvoll skole", "Solvang skole", "Øyer ungdomsskole"], "pagar", 50),
    ("Innføre nytt avvikssystem for alle ansatte", 4, None, [], "pagar", 70),
    ("Revidere varslingsrutinen", 4, None, [], "fullfort", 100),
    ("Plan for kompetanseheving i miljøterapi", 4, "Helse og omsorg", ["Miljøterapitjenester"], "avbrutt", 10),
]


def _slug(text: str) -> str:
    t = text.lower().replace("æ", "ae").replace("ø", "o").replace("å", "a")
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode()
    return "".join(c if c.isalnum() else "." for c in t).strip(".").replace("..", ".")


@dataclass
class _Demo:
    """What the seeding steps share: the session, the one random source (so the same seed gives
    the same data), and the units and people made so far."""

    session: Session
    rng: random.Random
    now: datetime
    oid: int
    units: dict[str, int] = field(default_factory=dict)  # unit or sector name -> id
    sector_of: dict[str, str] = field(default_factory=dict)  # unit name -> sector name
    emails: set[str] = field(default_factory=set)
    sector_heads: dict[str, Person] = field(default_factory=dict)
    leaders: dict[str, Person] = field(default_factory=dict)
    staff: dict[str, list[Person]] = field(default_factory=dict)

    def person(self, name: str, unit_id: int, email: str | None = None) -> Person:
        if email is None:
            base = _slug(name)
            email, n = f"{base}@{DOMAIN}", 2
            while email in self.emails:
                email, n = f"{base}{n}@{DOMAIN}", n + 1
        self.emails.add(email)
        p = Person(org_id=self.oid, email=email, name=name, unit_id=unit_id, created_at=self.now - timedelta(days=400))
        self.session.add(p)
        return p

    def random_name(self) -> str:
        return f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"

    def role(self, p: Person, r: str, unit_id: int | None = None) -> None:
        self.session.add(PersonRole(org_id=self.oid, person_id=pk(p), role=r, unit_id=unit_id))


def seed_demo(*, session: Session, seed: int = 2026, if_empty: bool = False, now: datetime | None = None,
              tz: str = "Europe/Oslo", history_days: int = 365, slug: str = "oyer") -> str:
    """Seed Øyer kommune (or the same shapes as kommune `slug`, created if missing, filled if empty).

    With if_empty, do nothing when an organisation already exists.
    """
    existing = session.exec(select(Organisation)).first()
    if existing is not None and if_empty:
        return f"Databasen har allerede data ({existing.name}); demoen ble ikke lagt inn på nytt."
    org = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if org is not None and session.exec(select(Unit).where(Unit.org_id == org.id)).first() is not None:
        return f"{org.name} finnes allerede."
    rng = random.Random(seed)
    now = now or utcnow()
    if org is None:
        org = Organisation(slug=slug, name="Øyer kommune (demo)" if slug == "oyer" else f"{slug.capitalize()} (demo)")
        session.add(org)
        session.flush()
    demo = _Demo(session=session, rng=rng, now=now, oid=pk(org))
    top_id = _seed_units(demo)
    direktor = _seed_people(demo, top_id)
    _seed_checklist(demo, tz)
    n_avvik = _seed_avvik_history(demo, history_days)
    session.add(Counter(org_id=demo.oid, name="avvik", value=n_avvik))
    _seed_oppdrag(demo, direktor)
    session.flush()
    plan_note = seed_demo_plan(session, demo.oid, seed=seed, now=now)
    _seed_varsling_keys(demo)
    return (f"Demo lagt inn: {org.name} med {len(demo.units) - len(SECTORS)} enheter i {len(SECTORS)} sektorer, "
            f"{len(demo.emails)} ansatte, {n_avvik} avvik siste år, {len(OPPDRAG)} oppdrag og Alvers sjekkliste. "
            f"{plan_note} Prøv: trad chat --as leder.aurvoll@{DOMAIN}")


def _seed_units(demo: _Demo) -> int:
    """The unit tree under the kommunedirektør; returns the top unit's id."""
    top = org_svc.ensure_unit_path(demo.session, org_id=demo.oid, path="Kommunedirektøren")
    top.kind = "top"
    for sector, unit_names in SECTORS.items():
        for unit_name in unit_names:
            u = org_svc.ensure_unit_path(demo.session, org_id=demo.oid, path=f"{sector}/{unit_name}")
            demo.units[unit_name] = pk(u)
            demo.sector_of[unit_name] = sector
        sector_unit = org_svc.unit_by_path(demo.session, org_id=demo.oid, path=sector)
        assert sector_unit is not None  # made along the way by ensure_unit_path
        demo.units[sector] = pk(sector_unit)
    return pk(top)


def _seed_people(demo: _Demo, top_id: int) -> Person:
    """Every role: the kommunedirektør (returned), admin, kommunalsjefer, leaders, staff, varslingsmottakere."""
    session = demo.session
    direktor = demo.person("Randi Kommunedirektør", top_id, f"kommunedirektor@{DOMAIN}")
    admin = demo.person("Tore Tråd-admin", top_id, f"admin@{DOMAIN}")
    hr = demo.person("Hanne HR-sjef", top_id, f"hr.sjef@{DOMAIN}")
    session.flush()
    demo.role(direktor, "kommunedirektør")
    demo.role(admin, "admin")
    demo.role(hr, "varslingsmottaker")
    for sector in SECTORS:
        p = demo.person(demo.random_name(), demo.units[sector], f"kommunalsjef.{_slug(sector).split('.')[0]}@{DOMAIN}")
        session.flush()
        demo.role(p, "kommunalsjef", demo.units[sector])
        demo.sector_heads[sector] = p
    counter = 0
    for unit_name, size in UNIT_SIZE.items():
        short = _slug(unit_name).split(".")[0]
        leader = demo.person(demo.random_name(), demo.units[unit_name], f"leder.{short}@{DOMAIN}")
        session.flush()
        demo.role(leader, "leder", demo.units[unit_name])
        demo.leaders[unit_name] = leader
        demo.staff[unit_name] = []
        for _ in range(size - 1):
            counter += 1
            demo.staff[unit_name].append(demo.person(demo.random_name(), demo.units[unit_name],
                                                     f"ansatt{counter}@{DOMAIN}"))
    session.flush()
    demo.role(demo.staff["Tekniske tjenester"][0], "varslingsmottaker")  # the verneombud
    ext = demo.person("Advokat Aasen (ekstern)", top_id, f"advokat.varsling@{DOMAIN}")
    session.flush()
    demo.role(ext, "varslingsmottaker")
    return direktor


def _seed_varsling_keys(demo: _Demo) -> None:
    """Keys for two varslingsmottakere, so the whole anonymous flow can be tried in the demo.

    A real recipient chooses their own passphrase on first sign-in; the demo's is printed by
    `trad serve --banner` (DEMO_RECIPIENT_PASSPHRASE) and must never be used outside the demo.
    """
    from models.services import varsling_keys

    for email in (f"hr.sjef@{DOMAIN}", f"advokat.varsling@{DOMAIN}"):
        person = demo.session.exec(select(Person).where(Person.org_id == demo.oid, Person.email == email)).one()
        varsling_keys.create_key(session=demo.session, person_id=pk(person), passphrase=DEMO_RECIPIENT_PASSPHRASE)


def _seed_checklist(demo: _Demo, tz: str) -> None:
    """Internkontroll: Alver kommune's common checklist, made through the admin pages' use case, answered per tertial."""
    from models.services import checklist_admin
    from models.services.checklist_admin import TemplateInput

    session, rng, now, oid = demo.session, demo.rng, demo.now, demo.oid
    current = period_of(now, "tertial", tz)
    first = current.previous().previous()
    tpl = checklist_admin.create_template.__wrapped__(
        session=session, actor_id=None, org_id=oid, today=local_date(now, tz),
        data=TemplateInput(name="Felles sjekkliste for leiarar (Alver)", recurrence="tertial",
                           publish_on=first.start_date(), items=tuple(CHECKLIST)))
    items = checklist_admin.items_of(session, pk(tpl))
    for per in [first, current.previous(), current]:
        start, end = per.bounds_utc(tz)
        for unit_name, leader in demo.leaders.items():
            share = 0.45 if per == current else 0.95
            if rng.random() > 0.9 and per != current:
                continue  # some units never answered that tertial
            run = ChecklistRun(org_id=oid, template_id=pk(tpl), unit_id=demo.units[unit_name], period=per.key,
                               created_at=max(start, min(now, end) - timedelta(days=20)))
            session.add(run)
            session.flush()
            for it in items:
                if rng.random() > share:
                    continue
                ans = rng.choices(["ja", "nei", "ikke_relevant"], weights=[80, 12, 8])[0]
                at = min(now - timedelta(hours=1), start + (min(now, end) - start) * rng.random())
                session.add(ChecklistAnswer(org_id=oid, run_id=pk(run), item_id=pk(it), answer=ans,
                                            comment="Planlagt neste måned" if ans == "nei" else None,
                                            answered_by_id=leader.id, answered_at=at))


def _seed_avvik_history(demo: _Demo, history_days: int) -> int:
    """A year of avvik history with tiltak and status events; returns how many avvik."""
    all_units = list(UNIT_SIZE)
    weights = [UNIT_SIZE[u] for u in all_units]
    n_avvik = int(1.3 * history_days)
    for number in range(1, n_avvik + 1):
        unit_name = demo.rng.choices(all_units, weights=weights)[0]
        avvik = _random_avvik(demo, number, unit_name, history_days)
        _avvik_events(demo, avvik, demo.leaders[unit_name])
    return n_avvik


def _random_avvik(demo: _Demo, number: int, unit_name: str, history_days: int) -> Avvik:
    """One plausible avvik in the unit, stored; older ones are more often closed."""
    rng, now = demo.rng, demo.now
    category = rng.choice(SECTOR_CATEGORIES[demo.sector_of[unit_name]])
    title, desc = rng.choice(AVVIK_TEXTS[category])
    age = rng.random() ** 1.2 * history_days
    created = now - timedelta(days=age, minutes=rng.randint(0, 600))
    prob, cons = rng.randint(1, 5), rng.choices([1, 2, 3, 4, 5], weights=[20, 35, 25, 15, 5])[0]
    reporter = rng.choice(demo.staff[unit_name])
    leader = demo.leaders[unit_name]
    if age > 60:
        status = rng.choices(["lukket", "tiltak_iverksatt", "under_behandling"], weights=[88, 8, 4])[0]
    elif age > 14:
        status = rng.choices(["lukket", "tiltak_iverksatt", "under_behandling", "meldt"], weights=[55, 25, 12, 8])[0]
    else:
        status = rng.choices(["meldt", "under_behandling", "tiltak_iverksatt", "lukket"], weights=[45, 25, 15, 15])[0]
    closed_at = created + timedelta(days=rng.uniform(2, min(45, max(2.5, age * 0.9)))) if status == "lukket" else None
    if closed_at and closed_at > now:
        closed_at = now - timedelta(hours=1)
    a = Avvik(org_id=demo.oid, number=number, category=category, unit_id=demo.units[unit_name],
              reporter_id=reporter.id, assignee_id=leader.id if status != "meldt" else None, title=title,
              description=desc, occurred_at=created - timedelta(hours=rng.randint(0, 20)), location=unit_name,
              probability=prob, consequence=cons, risk=risk_score(prob, cons), status=status, source="chat",
              immediate_action="Situasjonen ble håndtert på stedet." if rng.random() < 0.6 else "",
              conclusion="Tiltak gjennomført og rutinen er gjennomgått med personalet." if closed_at else None,
              effect_evaluation="Ingen nye hendelser etter tiltaket." if closed_at else None,
              created_at=created, updated_at=closed_at or created, closed_at=closed_at)
    demo.session.add(a)
    demo.session.flush()
    return a


def _avvik_events(demo: _Demo, a: Avvik, leader: Person) -> None:
    """The status history (and the tiltak) that got the avvik to its status."""
    session, oid, avvik_id, created, closed_at = demo.session, demo.oid, pk(a), a.created_at, a.closed_at
    session.add(AvvikEvent(org_id=oid, avvik_id=avvik_id, at=created, actor_id=a.reporter_id, kind="reported",
                           to_status="meldt"))
    if a.status != "meldt":
        session.add(AvvikEvent(org_id=oid, avvik_id=avvik_id, at=created + timedelta(hours=20), actor_id=leader.id,
                               kind="taken", from_status="meldt", to_status="under_behandling"))
    if a.status in ("tiltak_iverksatt", "lukket"):
        deadline = (created + timedelta(days=demo.rng.randint(7, 40))).date()
        done = closed_at - timedelta(hours=2) if closed_at else None
        session.add(Tiltak(org_id=oid, avvik_id=avvik_id, description="Gjennomgå rutinen med alle ansatte på personalmøte",
                           owner_id=pk(leader), deadline=deadline, created_by_id=leader.id,
                           created_at=created + timedelta(days=1), done_at=done))
        session.add(AvvikEvent(org_id=oid, avvik_id=avvik_id, at=created + timedelta(days=1), actor_id=leader.id,
                               kind="tiltak", from_status="under_behandling", to_status="tiltak_iverksatt"))
    if closed_at:
        session.add(AvvikEvent(org_id=oid, avvik_id=avvik_id, at=closed_at, actor_id=leader.id, kind="closed",
                               from_status="tiltak_iverksatt", to_status="lukket", comment=a.conclusion))


TERTIAL_ENDS = {"1. tertial": (4, 30), "2. tertial": (8, 31), "3. tertial": (12, 31)}


def _deadline(title: str, drawn: date) -> date:
    """The deadline a title promises («… innen 1. tertial» is 30 April), else the drawn one."""
    for words, (month, day) in TERTIAL_ENDS.items():
        if words in title:
            return date(drawn.year, month, day)
    return drawn


def _seed_oppdrag(demo: _Demo, direktor: Person) -> None:
    """Oppdrag from the kommunedirektør's oppdragsbrev, made through the same use cases as the admin pages and
    the import (so each owner is told once), then given a year's status history."""
    from models.services import oppdrag_admin, oppdragsbrev
    from models.services.oppdrag_admin import OppdragInput
    from models.vocabulary import OPPDRAG_CATEGORIES

    session, rng, now = demo.session, demo.rng, demo.now
    year_start = datetime(now.year, 1, 15, 9, tzinfo=UTC)
    letter = oppdragsbrev.create_letter.__wrapped__(
        session=session, actor_id=None, org_id=demo.oid, year=now.year, issuer="kommunedirektor",
        title=f"Kommunedirektørens oppdragsbrev {now.year}", case_ref=f"PS 1/{now.year % 100:02d}")
    parent: Oppdrag | None = None
    for n, (title, cat, sector, delegated, status, progress) in enumerate(OPPDRAG, start=1):
        owner = demo.sector_heads[sector] if sector else direktor
        if len(delegated) == 1:
            owner = demo.leaders[delegated[0]]
        last = now - timedelta(days=rng.choice([3, 10, 40, 70]))
        deadline = _deadline(title, date(now.year, 12, 31) if n % 3 else date(now.year, rng.choice([6, 9, 11]), 30))
        if deadline < now.date() and status in ("pagar", "ikke_startet"):
            status = "forsinket"  # past its deadline and not done: the demo shows it as overdue, not «Pågår»
        data = OppdragInput(title=title, category=OPPDRAG_CATEGORIES[cat], owner_id=pk(owner),
                            description="Fra kommunedirektørens oppdragsbrev.",
                            unit_ids=tuple(demo.units[d] for d in delegated), deadline=deadline)
        o = oppdrag_admin.insert(session, org_id=demo.oid, actor_id=None, data=data, letter_id=pk(letter),
                                 parent=parent if n == 10 else None)
        if n == 9:
            parent = o
        o.status, o.progress, o.created_at, o.updated_at = status, progress, year_start, last  # the history
        o.last_status_at = last if status != "ikke_startet" else None
        session.add(o)
        if status != "ikke_startet":
            session.add(OppdragUpdate(org_id=demo.oid, oppdrag_id=pk(o), at=last, actor_id=owner.id, status=status,
                                      progress=progress, comment="Statusoppdatering fra oppdragseier."))
