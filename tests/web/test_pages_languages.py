"""Every staff page in nynorsk and English: no bokmål catalog string is left in what a person reads.

The crawl signs in as an employee, a leader, the kommunedirektør and the admin, starts from every
page of the menu (and the error pages), follows each link on the staff web and reads the visible
text (text nodes, labels and the words in aria-label, title, placeholder and alt). A bokmål fragment
of any source string that the language translates differently (the needles of
tests/test_chat_languages.py) is a string someone forgot to mark, or a domain word not translated.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from models.tables import Person
from tests.test_chat_languages import untranslated_needles
from tests.web.conftest import CSRF, NONCE, sign_in

ROLES = ("ansatt", "leder", "direktor", "admin")
# Where the crawl starts: the menu, the forms that no link reaches without a button, and the error pages.
START = ("/", "/avvik/ny", "/leder", "/sjekkliste", "/oppdrag", "/styringskort", "/risiko", "/risiko/ny",
         "/risiko/matrise", "/tilsyn", "/tilsyn/ny", "/arshjul", "/arshjul/ny", "/kalender", "/admin",
         "/admin/sjekklister", "/admin/sjekklister/ny", "/admin/oppdrag", "/admin/oppdrag/brev/ny",
         "/admin/innstillinger", "/avvik/99999", "/risiko/99999", "/oppdrag/99999", "/finnes-ikke")
SKIP = re.compile(r"(\.png|\.ics|\.js|\.css|\.json|/logg-ut|/varsling|/mottak|/favicon|/kommune/logo|[?&]ar=)")
# Words that are bokmål and never English: in an English page outside the kommune's content, a string was not marked.
BOKMAL_WORDS = re.compile(r"\b(ikke|og|jeg|du|deg|til|fra|med|som|eller|har|kan|skal|må|Velg|Lagre|Tilbake|Endre|"
                          r"Gjennomgå|Ingen|enhet|enheten|leder|frist|Frist|avviket|tiltaket|oppdraget|risikoen)\b")
MAX_PAGES = 120
VISIBLE_ATTRS = ("aria-label", "title", "placeholder", "alt")


class _Visible(HTMLParser):
    """The text a person reads or hears: text nodes (not scripts, styles or what a field holds) and labelling attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template", "textarea"):
            self._hidden += 1
        values = dict(attrs)
        self.parts += [values[a] or "" for a in VISIBLE_ATTRS if values.get(a)]
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"] or "")
        if tag == "a" and (values.get("href") or "").startswith("/"):
            self.links.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template", "textarea") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible(html: str) -> tuple[str, list[str]]:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts), parser.links


def _post(client: TestClient, path: str, csrf: str, data: dict[str, str], nonce_from: str | None = None) -> str:
    extra = {}
    if nonce_from:
        page = client.get(nonce_from).text
        extra = {"nonce": NONCE.search(page).group(1)}  # type: ignore[union-attr]
    r = client.post(path, data={"csrf": csrf, **extra, **data}, follow_redirects=False)
    assert r.status_code in (200, 303), (path, r.status_code, r.text[:400])
    return r.headers.get("location", "")


@pytest.fixture(scope="module")
def seeded(web):  # type: ignore[no-untyped-def]
    """One of each thing the pages show: an avvik with tiltak, a risk, a tilsyn, an årshjul entry, a plan, a letter.

    The texts are short names with no bokmål sentence in them, so a needle found is the page's own.
    """
    from models.services.plan_import import import_plan

    unit = str(web.org.units["Oppvekst/Aurvoll skole"])
    soon = (date.today() + timedelta(days=60)).isoformat()
    with TestClient(web.app) as ansatt:  # type: ignore[arg-type]
        csrf = sign_in(ansatt, web, "ansatt")
        for prob in ("2", "4"):
            _post(ansatt, "/avvik/ny", csrf, {
                "category": "hms", "unit_id": unit, "description": "Testsak", "occurred_at": "2026-11-20",
                "occurred_at_time": "10:15", "location": "B2", "probability": prob, "consequence": "3",
                "immediate_action": ""}, nonce_from="/avvik/ny")
    with TestClient(web.app) as leder:  # type: ignore[arg-type]
        csrf = sign_in(leder, web, "leder")
        _post(leder, "/risiko/ny", csrf, {
            "title": "Testrisiko", "description": "Testrisiko", "cause": "X", "consequence_text": "Y", "process": "Z",
            "unit_id": unit, "probability_before": "4", "consequence_before": "4", "probability_after": "2",
            "consequence_after": "3", "treatment": "reduce", "owner_id": str(web.org.people["leder"]),
            "review_date": soon})
        _post(leder, "/tilsyn/ny", csrf, {
            "authority": "arbeidstilsynet", "held_on": "2026-10-01", "theme": "Testtema", "unit_id": unit,
            "findings.0.kind": "palegg", "findings.0.description": "Testfunn", "findings.0.deadline": soon,
            "findings.0.tiltak": "Testtiltak"})
    with TestClient(web.app) as admin:  # type: ignore[arg-type]
        csrf = sign_in(admin, web, "admin")
        _post(admin, "/arshjul/ny", csrf, {
            "title": "Testaktivitet", "kind": "tertialrapport", "on_date": soon, "yearly": "ja",
            "responsible_role": "leder", "unit_id": "", "lead_days": "14", "description": "Testtekst"})
        _post(admin, "/admin/oppdrag/brev/ny", csrf, {
            "year": "2027", "title": "Testbrev 2027", "issuer": "kommunestyre", "sector_id": "", "case_ref": "PS 1"})
    with Session(web.engine()) as s:
        import_plan(session=s, org_id=web.org.org_id, year=2026, data=(
            "perspective,goal,indicator,measure,direction,frequency,units,target,red_limit,rollup\n"
            "Medarbeidere,Testmål,Nærvær,%,høy,måned,alle,93,90,snitt\n"))
    return web


def _speak(web, locale: str | None) -> None:  # type: ignore[no-untyped-def]
    with Session(web.engine()) as s:
        for key in ROLES:
            person = s.get(Person, web.org.people[key])
            assert person is not None
            person.locale = locale
            s.add(person)
        s.commit()


def domain_words(locale: str) -> re.Pattern[str]:
    """The short domain words (statuses, traffic lights, risk bands, kinds) the language says differently.

    Too short for a needle, so they are matched as whole words: a page that shows «Lukket» or «Grønn»
    to an English reader took the code's label without `Labels`.
    """
    from models import governance_terms as gt
    from models import vocabulary as v
    from models.i18n import use_locale

    raw = [*v.AVVIK_STATUSES.raw.values(), *v.OPPDRAG_STATUSES.raw.values(), *v.TRAFFIC_LIGHTS.raw.values(),
           *v.SEVERITY_LABELS, *v.AVVIK_CATEGORIES.raw.values(), *v.ROLE_LABELS.raw.values(),
           *gt.RISK_STATUSES.raw.values(), *gt.FINDING_KINDS.raw.values(), *gt.FINDING_STATUSES.raw.values(),
           *gt.TREATMENTS.raw.values(), *gt.TILSYN_AUTHORITIES.raw.values(), *gt.ARSHJUL_KINDS.raw.values()]
    with use_locale(locale):
        words = sorted({w for w in raw if _t(w) != w}, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in words) + r")(?![\w-])")


def _t(text: str) -> str:
    from models.i18n import gettext

    return gettext(text)


def kommune_content(web) -> list[str]:  # type: ignore[no-untyped-def]
    """What the kommune (or the seeding above) wrote: shown as written in every language, longest first."""
    from sqlmodel import select

    from models.tables import ChecklistItem, ChecklistTemplate, Oppdrag, Organisation, Unit
    from models.vocabulary import OPPDRAG_CATEGORIES

    with Session(web.engine()) as s:
        pieces = [*s.exec(select(Unit.path)).all(), *s.exec(select(Unit.name)).all(),
                  *s.exec(select(Person.name)).all(), *s.exec(select(Person.email)).all(),
                  *s.exec(select(Organisation.name)).all(),
                  *s.exec(select(ChecklistItem.text)).all(), *s.exec(select(ChecklistItem.purpose)).all(),
                  *s.exec(select(ChecklistTemplate.name)).all(), *s.exec(select(Oppdrag.title)).all(),
                  *OPPDRAG_CATEGORIES]
    return sorted({p for p in pieces if p}, key=len, reverse=True)


def crawl(client: TestClient, start: tuple[str, ...]) -> dict[str, str]:
    """Path → visible text of every staff page reachable by links from `start` (GET only)."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0).split("#")[0]
        if path in seen or SKIP.search(path) or "lang=" in path:
            continue
        r = client.get(path)
        assert r.status_code < 500, (path, r.status_code)
        if "text/html" not in r.headers.get("content-type", ""):
            seen[path] = ""
            continue
        text, links = visible(r.text)
        seen[path] = text
        queue += [urlsplit(link).path + (f"?{urlsplit(link).query}" if urlsplit(link).query else "")
                  for link in links]
    return seen


def _unprocessable(client: TestClient) -> str:
    """The 422 page an empty avvik form gives: every field named, in the person's language."""
    form = client.get("/avvik/ny").text
    r = client.post("/avvik/ny", data={"csrf": CSRF.search(form).group(1),  # type: ignore[union-attr]
                                       "nonce": NONCE.search(form).group(1)})  # type: ignore[union-attr]
    assert r.status_code == 422
    return visible(r.text)[0]


@pytest.mark.parametrize("locale", ["nn", "en"])
def test_every_staff_page_speaks_the_persons_language(seeded, locale):  # type: ignore[no-untyped-def]
    web = seeded
    needles = untranslated_needles(locale)
    content = kommune_content(web)
    words = domain_words(locale)
    _speak(web, locale)
    found: dict[str, list[str]] = {}
    pages = 0
    try:
        for key in ROLES:
            with TestClient(web.app) as client:  # type: ignore[arg-type]
                sign_in(client, web, key)
                seen = crawl(client, START)
                seen["POST /avvik/ny (422)"] = _unprocessable(client)
                pages += len(seen)
                for path, text in seen.items():
                    for piece in content:
                        text = text.replace(piece, "")
                    for needle in needles:
                        if needle in text:
                            found.setdefault(needle, []).append(f"{key} {path}")
                    for word in set(words.findall(text)):
                        found.setdefault(f"domain word {word}", []).append(f"{key} {path}")
                    if locale == "en":
                        for line in text.splitlines():
                            if BOKMAL_WORDS.search(line):
                                found.setdefault(line, []).append(f"{key} {path}")
    finally:
        _speak(web, None)
    assert pages > 100, pages  # the crawl really reached the pages
    report = [f"{n!r} on {where[:3]}" for n, where in sorted(found.items())]
    assert not found, f"bokmål left on {locale} pages ({len(found)}):\n" + "\n".join(report[:60])
