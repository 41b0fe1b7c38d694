"""One conversation script through Slack, Teams and the terminal: the same stored changes, the same replies.

Each platform is driven through its real edge: signed requests to the FastAPI app against
the fake Slack, JWT-signed Bot Framework activities against the fake Microsoft, and the
terminal chat reading a script from stdin. The `Reply` objects the conversation returns are
captured at the conversation boundary; every step must produce the same replies on every
platform (and the expected ones), and the database must end in the same state.
"""

from __future__ import annotations

import asyncio
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from bot.conversation import views
from bot.conversation.engine import Conversation
from bot.conversation.report_intake import RECEIVED, RECEIVED_TITLE
from models.i18n import _
from models.messages import Reply
from models.services.plan_import import import_plan
from models.tables import Avvik, DialogState, IndicatorValue, Oppdrag, OutboxMessage
from tests.slack.conftest import SlackDriver, _fake_slack_server, fake_slack, slack, slack_env  # noqa: F401
from tests.teams.conftest import client, fake_ms, teams_env  # noqa: F401
from tests.teams.test_flows import Teams, card_of, texts

PLATFORMS = ("slack", "teams", "console")
OSLO = ZoneInfo("Europe/Oslo")
WHEN = (datetime.now(OSLO) - timedelta(days=1)).replace(hour=9, minute=15, second=0, microsecond=0)
AVVIK = {"category": "hms", "description": "Trappa til gymsalen mangler rekkverk", "location": "Gymsalen",
         "probability": "3", "consequence": "2", "immediate_action": ""}
WHISTLE = "Lederen min trakasserer en kollega"
# What a leader sees across the whole run, whatever the platform: one canonical dump per platform run.
_SEEN: dict[str, list[Any]] = {}
_REGISTERED = [Reply(text="Takk! Avviket er registrert som AV-1. Lise Leder (leder for Aurvoll skole) "
                          "er varslet, og du får beskjed når det skjer noe.")]


class Recorder:
    """Captures the replies of every call into the conversation, at its boundary."""

    def __init__(self, conv: Conversation, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[str, list[Reply]]] = []
        for name in ("handle_message", "handle_action", "submit_form", "accept_form", "command"):
            monkeypatch.setattr(conv, name, self._wrap(name, getattr(conv, name)))

    def _wrap(self, name: str, fn: Callable[..., list[Reply]]) -> Callable[..., list[Reply]]:
        def recorded(*args: Any, **kwargs: Any) -> list[Reply]:
            out = fn(*args, **kwargs)
            self.calls.append((name, out))
            return out

        return recorded


# ------------------------------------------------------------------ the three edges
class SlackEdge:
    def __init__(self, driver: SlackDriver) -> None:
        self.d = driver
        self.loop = asyncio.Runner()

    def close(self) -> None:
        self.loop.close()

    def _sent(self, method: str, before: int) -> str:
        async def wait() -> list[Any]:
            return await self.d.fake.wait_for(method, before + 1)

        return json.dumps([c.args for c in self.loop.run(wait())[before:]], ensure_ascii=False)

    def say(self, who: str, text: str) -> str:
        n = len(self.d.fake.of("chat.postMessage"))
        assert self.loop.run(self.d.dm(who, text)).status_code == 200
        return self._sent("chat.postMessage", n)

    def listing(self, who: str, command: str, _text: str) -> str:
        n = len(self.d.fake.of("respond"))
        assert self.loop.run(self.d.command(who, command)).status_code == 200
        return self._sent("respond", n)

    def report_avvik(self, who: str, unit_id: int) -> str:
        n = len(self.d.fake.of("views.open"))
        self.loop.run(self.d.command(who, "/avvik"))
        view = json.loads(self._sent("views.open", n))[-1]["view"]
        view = view if isinstance(view, dict) else json.loads(view)
        values = {**AVVIK, "unit_id": str(unit_id), "occurred_at": str(int(WHEN.timestamp()))}
        r = self.loop.run(self.d.submit(who, view, values))  # the background registers it right after
        assert r.json()["response_action"] == "update", r.json()
        return json.dumps(r.json(), ensure_ascii=False) + self._receipt(who)

    def _receipt(self, who: str) -> str:
        """Slack's modal answers before the case exists (3 s); the case number reaches the reporter's DM."""
        from bot.slack.delivery import build_adapter
        from models.settings import get_settings
        from notifications.outbox_worker import Pacer, deliver_due

        n = len(self.d.fake.of("chat.postMessage"))
        adapter = build_adapter(get_settings(), self.d.app.state.wiring.conversation)
        self.loop.run(deliver_due(self.d.app.state.wiring.engine, {"slack": adapter}, pacer=Pacer({})))
        mine = (self.d.uid[who], "D" + self.d.uid[who])
        return json.dumps([c.args for c in self.d.fake.of("chat.postMessage")[n:] if c.args.get("channel") in mine],
                          ensure_ascii=False)

    def press(self, who: str, action_id: str, value: str, _shown_by: str) -> str:
        n = len(self.d.fake.of("respond"))
        assert self.loop.run(self.d.button(who, action_id, value)).status_code == 200
        return self._sent("respond", n)


class TeamsEdge:
    def __init__(self, http: Any, fake: Any, org: Any) -> None:
        self.people = {key: Teams(http, fake, org, key) for key in ("ansatt", "leder")}

    def close(self) -> None:
        pass

    def say(self, who: str, text: str) -> str:
        return "\n".join(texts(card_of(a)) for a in self.people[who].say(text))

    def listing(self, who: str, _command: str, text: str) -> str:
        return self.say(who, text)

    def report_avvik(self, who: str, unit_id: int) -> str:
        t = self.people[who]
        card = card_of(t.say("meld avvik")[0])
        submit = next(n for n in _walk(card) if n.get("type") == "Action.Execute")
        inputs = {**AVVIK, "unit_id": str(unit_id), "occurred_at__date": WHEN.date().isoformat(),
                  "occurred_at__time": WHEN.strftime("%H:%M")}
        resp = t.invoke(submit["data"], inputs)
        return texts(resp["value"]) if isinstance(resp["value"], dict) else str(resp["value"])

    def press(self, who: str, action_id: str, value: str, _shown_by: str) -> str:
        resp = self.people[who].invoke({"trad": {"a": action_id, "v": value}})
        return texts(resp["value"]) if isinstance(resp["value"], dict) else str(resp["value"])


class ConsoleEdge:
    def __init__(self, conv: Conversation, org: Any) -> None:
        self.conv, self.org = conv, org

    def close(self) -> None:
        pass

    def run(self, who: str, lines: list[str]) -> str:
        from bot.console import run_console

        out = io.StringIO()
        assert run_console(self.org.emails[who], stdin=io.StringIO("".join(f"{x}\n" for x in lines)), stdout=out,
                           conversation=self.conv) == 0
        return out.getvalue()

    def say(self, who: str, text: str) -> str:
        return self.run(who, [text])

    def listing(self, who: str, _command: str, text: str) -> str:
        return self.say(who, text)

    def report_avvik(self, who: str, unit_id: int) -> str:
        return self.run(who, ["meld avvik", AVVIK["category"], "samme", AVVIK["description"],
                              WHEN.strftime("%d.%m.%Y %H:%M"), AVVIK["location"], AVVIK["probability"],
                              AVVIK["consequence"], "-", "send"])

    def press(self, who: str, action_id: str, value: str, shown_by: str) -> str:
        """Buttons are numbered in the terminal: show them, then type the number of the one pressed."""
        shown = self.say(who, shown_by)
        label = {"avvik.take": "Ta saken"}[action_id]
        number = re.search(rf"\[(\d+)\] {label}", shown)
        assert number, shown
        return self.run(who, [shown_by, number.group(1)])


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


@pytest.fixture
def edge(request: pytest.FixtureRequest, db_url: str, org: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """(the platform's edge, the recorder on the conversation it talks to)."""
    from models.settings import get_settings

    platform = request.param
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://trad.example.no")  # as the Slack fixture sets it
    get_settings.cache_clear()
    if platform == "slack":
        driver: SlackDriver = request.getfixturevalue("slack")
        conv = driver.app.state.wiring.conversation
        edge: Any = SlackEdge(driver)
    elif platform == "teams":
        test_client = request.getfixturevalue("client")
        conv = test_client.app.state.wiring.conversation
        edge = TeamsEdge(test_client, request.getfixturevalue("teams_env"), org)
    else:
        from bot.main import build_wiring

        conv = build_wiring(get_settings()).conversation
        edge = ConsoleEdge(conv, org)
    rec = Recorder(conv, monkeypatch)
    yield edge, rec
    edge.close()


@dataclass
class Step:
    name: str
    run: Callable[[Any], str]  # drives the edge, returns what the person saw
    seen: str  # a piece of what the person must see


def _script(org: Any) -> list[Step]:
    unit = org.units["Oppvekst/Aurvoll skole"]
    return [
        Step("help", lambda e: e.say("ansatt", "hjelp"), "meld avvik"),
        Step("report", lambda e: e.report_avvik("ansatt", unit), "AV-1"),
        Step("unit_avvik", lambda e: e.say("leder", "enhetens avvik"), "AV-1"),
        Step("take", lambda e: e.press("leder", "avvik.take", "1", "enhetens avvik"), "Du har tatt saken AV-1"),
        Step("detail", lambda e: e.say("leder", "AV-1"), "Under behandling"),
        Step("checklist", lambda e: e.listing("leder", "/sjekkliste", "sjekkliste"), "Er vernerunde gjennomført?"),
        Step("whistle", lambda e: e.say("ansatt", WHISTLE), "/varsling"),
        Step("oppdrag", lambda e: e.say("leder", "oppdrag 12 er ferdig"), "Oppdrag 12 er oppdatert"),
        Step("checkin", lambda e: e.say("leder", "nærvær forrige måned 93,4 %"), "Grønn"),
    ]


def _expected(step: str, replies: list[Reply]) -> None:
    """What the conversation must answer at each step, on every platform."""
    if step == "help":
        assert replies == [views.help_reply()]
    elif step == "report":
        assert replies == _REGISTERED
    elif step == "unit_avvik":
        (r,) = replies
        assert r.title == "Åpne avvik i enhetene dine" and [i.title for i in r.items] == [
            "AV-1 " + AVVIK["description"]]
        assert [a.action_id for a in r.items[0].actions] == ["avvik.take", "avvik.add_tiltak", "avvik.close"]
    elif step == "take":
        assert replies == [Reply(text="Du har tatt saken AV-1. Melderen har fått beskjed.")]
    elif step == "detail":
        (r,) = replies
        facts = {f.label: f.value for f in r.facts}
        assert facts["Status"] == "Under behandling" and facts["Når"] == WHEN.strftime("%d.%m.%Y %H:%M")
        assert [a.action_id for a in r.actions] == ["avvik.add_tiltak", "avvik.close"]
    elif step == "checklist":
        (r,) = replies
        assert r.title == "Sjekkpunkter som venter (2)"
    elif step == "whistle":
        (r,) = replies
        assert r.ephemeral and r.text.endswith(views.VARSLING_HINT) and "Vera Varsel" in r.facts[-2].value
    elif step == "oppdrag":
        assert replies[0].text == "Oppdrag 12 er oppdatert: Fullført, 100 %."
    elif step == "checkin":
        (r,) = replies
        assert r.title is not None and r.title.startswith("Registrert: Nærvær – Aurvoll skole")
        assert {f.label: f.value for f in r.facts}["Trafikklys"] == "🟢 Grønn"


def _stored(session: Any, org: Any) -> dict[str, Any]:
    (a,) = session.exec(select(Avvik)).all()
    return {
        "avvik": (a.number, a.category, a.unit_id, a.description, a.location, a.probability, a.consequence,
                  a.occurred_at.replace(tzinfo=a.occurred_at.tzinfo or UTC).astimezone(UTC), a.reporter_id,
                  a.status, a.assignee_id),
        "oppdrag": (lambda o: (o.status, o.progress))(session.get(Oppdrag, org.oppdrag["skolebibliotek"])),
        "outbox": sorted(m.kind for m in session.exec(select(OutboxMessage)).all()),
        "dialogs": len(session.exec(select(DialogState)).all()),
        "indicator_values": [v.value for v in session.exec(select(IndicatorValue)).all()],
    }


@pytest.mark.parametrize("edge", PLATFORMS, indirect=True)
def test_the_same_script_gives_the_same_replies_and_changes_on_every_platform(edge, session, org) -> None:
    driver, rec = edge
    import_plan(session=session, org_id=org.org_id, year=datetime.now(OSLO).year, data=(
        "perspective,goal,indicator,measure,direction,frequency,units,target,red_limit\n"
        "Medarbeidere,Høyt nærvær,Nærvær,%,høy,måned,alle,93,90\n"))
    dump: list[Any] = []
    for step in _script(org):
        before = len(rec.calls)
        seen = step.run(driver)
        assert len(rec.calls) > before, f"{step.name}: the conversation was not asked"
        name, replies = rec.calls[-1]
        if name == "accept_form":  # Slack's modal: kept at the ack and registered by the background
            assert replies == [Reply(title=_(RECEIVED_TITLE), text=_(RECEIVED))]
            replies = _REGISTERED  # what the receipt DM (in `seen`) and the other platforms say
        _expected(step.name, replies)
        assert step.seen in seen, f"{step.name}: {seen[:500]}"
        dump.append([r.model_dump(mode="json") for r in replies])
    stored = _stored(session, org)
    assert stored["avvik"] == (1, "hms", org.units["Oppvekst/Aurvoll skole"], AVVIK["description"], "Gymsalen", 3, 2,
                               WHEN.astimezone(UTC), org.people["ansatt"], "under_behandling", org.people["leder"])
    assert stored["oppdrag"] == ("fullfort", 100)
    assert stored["outbox"] == ["avvik_new", "avvik_receipt", "avvik_status"]
    assert stored["dialogs"] == 0
    assert stored["indicator_values"] == [93.4]
    dump.append(stored["outbox"])
    first = next(iter(_SEEN.values()), None)
    _SEEN.setdefault(driver.__class__.__name__, dump)
    if first is not None:
        assert dump == first  # the same neutral replies as the platform run before
