"""End to end: signed Slack requests to the real FastAPI app, answers checked on the fake Slack."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from models.tables import Avvik, ChatIdentity, InboundEvent, OutboxMessage, ReportInbox
from tests.slack.conftest import SlackDriver, sign

pytestmark = pytest.mark.anyio


def count(engine, table) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(table)).one()


def all_counts(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sqlmodel import SQLModel

    with engine.connect() as c:
        return {t.name: c.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


def view_of(call) -> dict:  # type: ignore[no-untyped-def]
    v = call.args["view"]
    return v if isinstance(v, dict) else json.loads(v)


AVVIK_VALUES = {"category": "hms", "description": "Elev skled på isen ved inngangen", "location": "Skolegården",
                "probability": "3", "consequence": "2", "immediate_action": "Strødde sand"}


async def open_avvik_modal(slack: SlackDriver, who: str = "ansatt", text: str = "") -> dict:
    r = await slack.command(who, "/avvik", text)
    assert r.status_code == 200
    calls = await slack.fake.wait_for("views.open")
    assert calls, "no modal was opened"
    return view_of(calls[-1])


async def submit_avvik(slack: SlackDriver, view: dict, values: dict[str, str], who: str = "ansatt",
                       view_id: str | None = None, background: bool = True) -> dict:
    """Submit the avvik modal: the report is kept before the ack, and the background (run here right
    after, unless `background=False`) registers it as a case."""
    view_id = view_id or f"VAV{next(_view_ids)}"
    r = await slack.submit(who, view, values, view_id=view_id, background=background)
    assert r.status_code == 200
    body = r.json()
    assert body["response_action"] == "update", body
    return body["view"]


_view_ids = iter(range(1, 10**6))


def avvik_values(view: dict, **over: str) -> dict[str, str]:
    cat = next(b for b in view["blocks"] if b["block_id"] == "category")["element"]["options"][0]["value"]
    return {**AVVIK_VALUES, "category": cat, "occurred_at": str(int(time.time()) - 600), **over}


# ---------------------------------------------------------------- signatures
@pytest.mark.parametrize("kind", ["forged", "stale", "unsigned"])
async def test_bad_signatures_get_401_and_change_nothing(slack: SlackDriver, engine, kind: str) -> None:
    before = all_counts(engine)
    body = slack.event_body({"type": "message", "channel_type": "im", "channel": "DX", "user": slack.uid["ansatt"],
                             "text": "meld avvik", "ts": "1.1"})
    if kind == "forged":
        headers = sign(body, secret="not-the-secret")
    elif kind == "stale":
        headers = sign(body, ts=int(time.time()) - 600)
    else:
        headers = {}
    r = await slack.post(body, "application/json", headers, signed=False)
    assert r.status_code == 401
    r2 = await slack.post(b"payload=%7B%7D", "application/x-www-form-urlencoded", sign(b"other body"), signed=False)
    assert r2.status_code == 401
    await asyncio.sleep(0.2)
    assert all_counts(engine) == before
    assert slack.fake.calls == []


async def test_url_verification_challenge(slack: SlackDriver) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()
    r = await slack.post(body, "application/json")
    assert r.status_code == 200 and "abc123" in r.text


# ---------------------------------------------------------------- avvik
async def test_avvik_command_opens_modal_with_reporters_unit(slack: SlackDriver) -> None:
    view = await open_avvik_modal(slack, text="Lekkasje i taket")
    assert view["type"] == "modal" and view["callback_id"] == "avvik.report"
    ids = [b["block_id"] for b in view["blocks"]]
    for name in ("category", "unit_id", "description", "occurred_at", "location", "probability", "consequence",
                 "immediate_action"):
        assert name in ids
    unit = next(b for b in view["blocks"] if b["block_id"] == "unit_id")["element"]
    assert unit["initial_option"]["value"] == str(slack.org.units["Oppvekst/Aurvoll skole"])
    desc = next(b for b in view["blocks"] if b["block_id"] == "description")["element"]
    assert desc["initial_value"] == "Lekkasje i taket"
    assert len(view["title"]["text"]) <= 24


async def test_submission_stores_avvik_and_notifies_through_outbox(slack: SlackDriver, engine) -> None:
    view = await open_avvik_modal(slack)
    saved = await submit_avvik(slack, view, avvik_values(view), view_id="VSUB1", background=False)
    assert "mottatt" in json.dumps(saved, ensure_ascii=False)
    assert count(engine, Avvik) == 0 and count(engine, ReportInbox) == 1  # kept before the ack
    assert slack.run_background() == 1
    with Session(engine) as s:
        rows = s.exec(select(Avvik)).all()
        assert len(rows) == 1 and rows[0].reporter_id == slack.org.people["ansatt"]
        kinds = sorted(o.kind for o in s.exec(select(OutboxMessage)).all())
        assert kinds == ["avvik_new", "avvik_receipt"]
        ident = s.exec(select(ChatIdentity)).one()
        assert ident.user_id == slack.uid["ansatt"] and ident.person_id == slack.org.people["ansatt"]
    # the same view submitted again (double click) does not create a second avvik
    saved = await submit_avvik(slack, view, avvik_values(view), view_id="VSUB1")
    assert "mottatt" in json.dumps(saved, ensure_ascii=False)
    assert count(engine, Avvik) == 1 and count(engine, ReportInbox) == 0
    # no DM to the leader is sent directly: notifications come from the outbox
    assert not [c for c in slack.fake.of("chat.postMessage") if c.args.get("channel") == "D" + slack.uid["leder"]]


async def test_validation_errors_land_on_the_right_block(slack: SlackDriver, engine) -> None:
    view = await open_avvik_modal(slack)
    vals = avvik_values(view)
    del vals["probability"]
    r = await slack.submit("ansatt", view, vals)
    assert r.status_code == 200
    body = r.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"probability"}
    assert "1 til 5" in body["errors"]["probability"]
    assert count(engine, Avvik) == 0


async def test_global_and_message_shortcuts_open_prefilled_modal(slack: SlackDriver) -> None:
    r = await slack.shortcut("ansatt", "avvik_global")
    assert r.status_code == 200
    calls = await slack.fake.wait_for("views.open")
    assert view_of(calls[0])["callback_id"] == "avvik.report"
    r = await slack.shortcut("ansatt", "avvik_from_message", message_text="Brannalarmen gikk &lt;igjen&gt;")
    assert r.status_code == 200
    calls = await slack.fake.wait_for("views.open", 2)
    desc = next(b for b in view_of(calls[1])["blocks"] if b["block_id"] == "description")["element"]
    assert desc["initial_value"] == "Brannalarmen gikk <igjen>"


async def test_unknown_user_gets_polite_answer(slack: SlackDriver, engine) -> None:
    slack.fake.users["UNOBODY"] = "nobody@elsewhere.no"
    r = await slack.command("UNOBODY", "/avvik")
    assert r.status_code == 200
    calls = await slack.fake.wait_for("respond")
    assert calls and "finner deg ikke" in calls[0].args["text"]
    assert "Arne Admin" in calls[0].args["text"]
    assert not slack.fake.of("views.open")
    r = await slack.dm("UNOBODY", "hjelp")
    assert r.status_code == 200
    posts = await slack.fake.wait_for("chat.postMessage")
    assert posts and "finner deg ikke" in posts[0].args["text"]
    assert count(engine, ChatIdentity) == 0


# ---------------------------------------------------------------- escaping
async def test_channel_mentions_and_links_in_reports_are_inert(slack: SlackDriver, engine) -> None:
    view = await open_avvik_modal(slack)
    evil = "Hei <!channel> se <https://evil.example|klikk> & <@U123>"
    await submit_avvik(slack, view, avvik_values(view, description=evil, location="<!here>"))
    from bot.slack.blocks import message_payloads
    from models.messages import Reply

    with Session(engine) as s:
        leader_msg = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "avvik_new")).one()
    payloads = message_payloads(Reply.model_validate(leader_msg.payload))
    mrkdwn_texts = [p["text"] for p in payloads]  # the fallback text is parsed as mrkdwn too
    for p in payloads:
        for b in p["blocks"]:
            for t in [b.get("text")] + list(b.get("fields") or []):
                if t and t["type"] == "mrkdwn":
                    assert t.get("verbatim") is True
                    mrkdwn_texts.append(t["text"])
    raw = "\n".join(mrkdwn_texts)
    assert "<!channel>" not in raw and "<https://evil" not in raw and "<!here>" not in raw and "<@U123>" not in raw
    assert "&lt;!channel&gt;" in raw and "&lt;https://evil.example|klikk&gt;" in raw and "&amp;" in raw
    assert "&lt;!here&gt;" in raw
    # plain_text (headers, buttons) is never parsed for mentions or links, so it is shown as typed
    assert all(p.get("parse") is None and p.get("link_names") is None for p in payloads)


# ---------------------------------------------------------------- retries
async def test_retry_storm_gives_one_reply_per_event(slack: SlackDriver, engine) -> None:
    eid = "EvRETRY0001"
    first = await slack.dm("leder", "mine oppdrag", event_id=eid)
    assert first.status_code == 200
    await slack.fake.wait_for("chat.postMessage")
    results = await asyncio.gather(*[slack.dm("leder", "mine oppdrag", event_id=eid, retry=n) for n in (1, 2, 3, 1)])
    assert all(r.status_code == 200 for r in results)
    await asyncio.sleep(0.5)
    assert len(slack.fake.of("chat.postMessage")) == 1
    with Session(engine) as s:
        assert s.exec(select(InboundEvent).where(InboundEvent.event_id == eid)).one().status == "done"


async def test_retry_of_a_failed_first_attempt_is_processed(slack: SlackDriver, engine) -> None:
    eid = "EvFAIL0001"
    slack.fake.fail("users.info", status=500)  # the first attempt cannot find out who wrote
    r = await slack.dm("leder", "mine oppdrag", event_id=eid)
    assert r.status_code == 200
    await slack.fake.wait_for("users.info")
    for _ in range(100):
        with Session(engine) as s:
            row = s.exec(select(InboundEvent).where(InboundEvent.event_id == eid)).first()
        if row is not None and row.status == "failed":
            break
        await asyncio.sleep(0.02)
    assert row.status == "failed" and not slack.fake.of("chat.postMessage")
    r = await slack.dm("leder", "mine oppdrag", event_id=eid, retry=1)
    assert r.status_code == 200
    posts = await slack.fake.wait_for("chat.postMessage")
    assert len(posts) == 1 and "oppdrag" in json.dumps(posts[0].args, ensure_ascii=False).lower()


# ---------------------------------------------------------------- DMs, oppdrag, checklists, varsling
async def test_dm_free_text_updates_oppdrag(slack: SlackDriver, engine) -> None:
    r = await slack.dm("leder", "oppdrag 12 er ferdig")
    assert r.status_code == 200
    posts = await slack.fake.wait_for("chat.postMessage")
    assert posts and "Oppdrag 12 er oppdatert" in json.dumps(posts[0].args, ensure_ascii=False)
    from models.tables import Oppdrag

    with Session(engine) as s:
        assert s.get(Oppdrag, slack.org.oppdrag["skolebibliotek"]).status == "fullfort"


async def test_dm_guided_avvik_dialog_works_as_text(slack: SlackDriver) -> None:
    await slack.dm("ansatt", "meld avvik")
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    text = json.dumps([p.args for p in posts], ensure_ascii=False)
    assert "1/8" in text and "Kategori" in text


async def test_oppdrag_command_update_button_opens_modal_and_saves(slack: SlackDriver, engine) -> None:
    await slack.command("leder", "/oppdrag")
    responds = await slack.fake.wait_for("respond")
    blocks = json.dumps(responds[0].args["blocks"], ensure_ascii=False)
    assert "Oppdrag 12" in blocks and "Oppdater" in blocks and "oppdrag.update" in blocks
    await slack.button("leder", "oppdrag.update", "12")
    opened = await slack.fake.wait_for("views.open")
    view = view_of(opened[0])
    assert view["callback_id"] == "oppdrag.update"
    r = await slack.submit("leder", view, {"status": "pagar", "progress": "150"})
    assert r.json() == {"response_action": "errors", "errors": {"progress": r.json()["errors"]["progress"]}}
    r = await slack.submit("leder", view, {"status": "pagar", "progress": "50", "comment": "Godt i gang"})
    assert r.json()["response_action"] == "update"
    from models.tables import Oppdrag

    with Session(engine) as s:
        o = s.get(Oppdrag, slack.org.oppdrag["skolebibliotek"])
        assert (o.status, o.progress) == ("pagar", 50)


async def test_checklist_nei_asks_comment_and_creates_avvik(slack: SlackDriver, engine) -> None:
    await slack.command("leder", "/sjekkliste")
    responds = await slack.fake.wait_for("respond")
    blocks = responds[0].args["blocks"]
    nei = [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"].startswith("check.nei")]
    assert len(nei) == 2
    assert len({e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]}) == 6  # unique ids
    await slack.button("leder", nei[0]["action_id"], nei[0]["value"])
    opened = await slack.fake.wait_for("views.open")
    view = view_of(opened[0])
    assert view["callback_id"] == "check.nei"
    r = await slack.submit("leder", view, {"comment": "Leiarsamtalen er ikkje gjennomført"})
    assert r.json()["response_action"] == "update"
    assert "AV-" in json.dumps(r.json()["view"], ensure_ascii=False)
    assert count(engine, Avvik) == 1


async def test_varsle_command_stores_nothing(slack: SlackDriver, engine) -> None:
    before = all_counts(engine)
    r = await slack.command("ansatt", "/varsle", "Sjefen min driver med underslag")
    assert r.status_code == 200
    responds = await slack.fake.wait_for("respond")
    text = json.dumps(responds[0].args, ensure_ascii=False)
    assert "https://trad.example.no/varsling" in text and "privat" in text
    assert responds[0].args.get("response_type") == "ephemeral"
    await asyncio.sleep(0.2)
    assert all_counts(engine) == before
    assert "underslag" not in json.dumps([c.args for c in slack.fake.calls], ensure_ascii=False)


async def test_whistleblowing_dm_gets_guidance_only(slack: SlackDriver, engine) -> None:
    await slack.dm("ansatt", "hjelp")  # links the identity first
    await slack.fake.wait_for("chat.postMessage")
    before = {k: v for k, v in all_counts(engine).items() if k != "inbound_event"}
    await slack.dm("ansatt", "Lederen min trakasserer en kollega og truer med gjengjeldelse")
    posts = await slack.fake.wait_for("chat.postMessage", 2)
    assert "/varsling" in json.dumps(posts[1].args, ensure_ascii=False)
    after = {k: v for k, v in all_counts(engine).items() if k != "inbound_event"}
    assert after == before


# ---------------------------------------------------------------- leader buttons, App Home
async def test_leader_buttons_take_and_close(slack: SlackDriver, engine) -> None:
    view = await open_avvik_modal(slack)
    await submit_avvik(slack, view, avvik_values(view))
    with Session(engine) as s:
        avvik_id = s.exec(select(Avvik)).one().id
    await slack.button("leder", "avvik.take", str(avvik_id))
    responds = await slack.fake.wait_for("respond")
    assert "Du har tatt saken" in responds[-1].args["text"]
    await slack.button("leder", "avvik.close", str(avvik_id))
    opened = await slack.fake.wait_for("views.open", 2)
    close = view_of(opened[-1])
    assert close["callback_id"] == "avvik.close"
    r = await slack.submit("leder", close, {"conclusion": "Strødd og merket", "effect_evaluation": ""})
    assert r.json()["response_action"] == "errors" and "effect_evaluation" in r.json()["errors"]
    r = await slack.submit("leder", close, {"conclusion": "Strødd og merket", "effect_evaluation": "Ingen nye fall"})
    assert r.json()["response_action"] == "update"
    with Session(engine) as s:
        assert s.get(Avvik, avvik_id).status == "lukket"
        kinds = [o.kind for o in s.exec(select(OutboxMessage).where(OutboxMessage.recipient_person_id
                                                                    == slack.org.people["ansatt"])).all()]
        assert kinds.count("avvik_status") >= 2  # taken, closed: the reporter is told each time


async def test_app_home_shows_own_and_unit_avvik(slack: SlackDriver) -> None:
    view = await open_avvik_modal(slack)
    await submit_avvik(slack, view, avvik_values(view, description="Vindu knust i gymsalen"))
    body = slack.event_body({"type": "app_home_opened", "user": slack.uid["leder"], "tab": "home",
                             "channel": "D1"})
    r = await slack.post(body, "application/json")
    assert r.status_code == 200
    pubs = await slack.fake.wait_for("views.publish", pred=lambda c: c.args.get("user_id") == slack.uid["leder"])
    home = json.dumps(view_of(pubs[-1]), ensure_ascii=False)
    assert "Åpne avvik i enhetene dine" in home and "Vindu knust" in home and "Alder" in home
    assert "Venter på deg" in home and "check.ja" in home
    assert len(view_of(pubs[-1])["blocks"]) <= 100
    # the reporter's own home is refreshed when the receipt with the case number reaches them
    from bot.slack.delivery import build_adapter
    from models.settings import get_settings
    from notifications.outbox_worker import Pacer, deliver_due

    adapter = build_adapter(get_settings(), slack.app.state.wiring.conversation)
    await deliver_due(slack.app.state.wiring.engine, {"slack": adapter}, pacer=Pacer({}))
    mine = await slack.fake.wait_for("views.publish", pred=lambda c: c.args.get("user_id") == slack.uid["ansatt"])
    assert mine and "Mine åpne avvik" in json.dumps(view_of(mine[-1]), ensure_ascii=False)


async def test_leaders_app_home_shows_the_oldest_open_avvik_and_how_many_there_are(slack: SlackDriver, engine) -> None:
    from datetime import UTC, datetime, timedelta

    from models.services import avvik as svc

    with Session(engine) as s:
        for i in range(17):
            svc.report_avvik(session=s, reporter_id=slack.org.people["ansatt"], data=svc.AvvikInput(
                category="hms", description=f"Sak nummer {i:02d} i rekken", probability=2, consequence=2,
                occurred_at=datetime.now(UTC) - timedelta(hours=1)))
    body = slack.event_body({"type": "app_home_opened", "user": slack.uid["leder"], "tab": "home", "channel": "D1"})
    assert (await slack.post(body, "application/json")).status_code == 200
    pubs = await slack.fake.wait_for("views.publish", pred=lambda c: c.args.get("user_id") == slack.uid["leder"])
    home = json.dumps(view_of(pubs[-1]), ensure_ascii=False)
    assert "Åpne avvik i enhetene dine (17, eldste først)" in home
    shown = [i for i in range(17) if f"Sak nummer {i:02d}" in home]
    assert shown == list(range(len(shown))) and 10 <= len(shown) < 17  # the oldest, as many as fit
    assert f"… og {17 - len(shown)} til. <https://trad.example.no/leder|Se alle>" in home


# ---------------------------------------------------------------- through the outbox worker
async def test_submitted_avvik_ends_in_dms_to_reporter_and_leader(slack: SlackDriver, engine) -> None:
    from bot.slack.delivery import build_adapter
    from models.settings import get_settings
    from notifications.outbox_worker import Pacer, deliver_due

    view = await open_avvik_modal(slack)
    await submit_avvik(slack, view, avvik_values(view, description="Heis <!channel> står fast"))
    adapter = build_adapter(get_settings(), slack.app.state.wiring.conversation)
    slack.fake.fail("chat.postMessage", status=429, headers={"Retry-After": "0"})  # one 429: delayed, not lost
    await deliver_due(engine, {"slack": adapter}, pacer=Pacer({}))
    with Session(engine) as s:
        from datetime import UTC, datetime

        for row in s.exec(select(OutboxMessage)).all():
            row.next_attempt_at = datetime.now(UTC)
            s.add(row)
        s.commit()
    await deliver_due(engine, {"slack": adapter}, pacer=Pacer({}))
    with Session(engine) as s:
        assert {o.status for o in s.exec(select(OutboxMessage)).all()} == {"delivered"}
    posts = [c for c in slack.fake.of("chat.postMessage") if not c.args.get("channel", "").startswith("C")]
    delivered = {}
    for p in posts:
        ch = p.args["channel"]  # a DM is posted to the user id; Slack files it under the DM channel
        delivered.setdefault("D" + ch if ch.startswith("U") else ch, []).append(p)
    assert set(delivered) == {"D" + slack.uid["ansatt"], "D" + slack.uid["leder"]}
    assert sum(len(v) for v in delivered.values()) == 3  # 2 delivered + the one that got the 429
    leader = json.dumps(delivered["D" + slack.uid["leder"]][-1].args, ensure_ascii=False)
    assert "Ta saken" in leader and "&lt;!channel&gt;" in leader
    reporter = json.dumps(delivered["D" + slack.uid["ansatt"]][-1].args, ensure_ascii=False)
    assert "AV-1" in reporter
    # the leader, found by e-mail, now has an identity and a refreshed App Home
    pubs = await slack.fake.wait_for("views.publish", pred=lambda c: c.args.get("user_id") == slack.uid["leder"])
    assert pubs


async def test_slack_gets_its_answer_before_the_slow_part_is_done(slack: SlackDriver) -> None:
    """Bolt answers when a listener returns, so every listener must hand its slow part on.

    Here the slow part waits for `users.info`, held unanswered by the fake: Slack must still get
    its 200 for the command, the shortcut, the button and the DM, and the work finishes later.
    """
    gate = slack.fake.hold("users.info")
    try:
        sent = await asyncio.wait_for(asyncio.gather(
            slack.command("ansatt", "/avvik"),
            slack.shortcut("ansatt2", "avvik_global"),
            slack.button("leder", "oppdrag.update", "12"),
            slack.dm("helseansatt", "hjelp"),
        ), timeout=20)
        assert [r.status_code for r in sent] == [200, 200, 200, 200]
        assert len(await slack.fake.wait_for("users.info", 4)) == 4
        assert not slack.fake.of("views.open") and not slack.fake.of("chat.postMessage")
    finally:
        gate.set()
    assert len(await slack.fake.wait_for("views.open", 3)) == 3
    assert await slack.fake.wait_for("chat.postMessage", pred=lambda c: c.args.get("channel") == "D" + slack.uid["helseansatt"])


async def test_an_error_after_the_save_still_shows_the_saved_report(slack: SlackDriver, engine,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Work after the ack fails: the person still sees that the report was received, and the avvik is kept."""
    deps = slack.app.state.slack_app.trad

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("App Home refresh exploded")

    view = await open_avvik_modal(slack)
    monkeypatch.setattr(deps, "refresh_home", broken)
    r = await slack.submit("ansatt", view, avvik_values(view, description="Strømbrudd i kjøkkenet"), view_id="VERR1")
    assert r.status_code == 200 and r.json()["response_action"] == "update"
    assert "Avviket ditt er mottatt" in json.dumps(r.json(), ensure_ascii=False)
    assert count(engine, Avvik) == 1
    # a command whose modal cannot be opened: Slack got its 200, the person gets an apology
    slack.fake.fail("views.open", status=500)
    r = await slack.command("ansatt", "/avvik")
    assert r.status_code == 200
    sorry = await slack.fake.wait_for("respond", pred=lambda c: "Beklager" in str(c.args.get("text")))
    assert sorry


async def test_an_answer_on_its_way_is_delivered_when_the_server_stops(slack: SlackDriver) -> None:
    """Stopping the server (a deploy) waits for answers already acked, instead of dropping them."""
    gate = slack.fake.hold("users.info")
    async with slack.app.router.lifespan_context(slack.app):
        r = await slack.dm("helseansatt", "hjelp")
        assert r.status_code == 200
        assert await slack.fake.wait_for("users.info")
        threading.Timer(0.5, gate.set).start()  # Slack answers while the server is shutting down
    assert slack.fake.of("chat.postMessage"), "the acked DM got no answer: it was dropped at shutdown"


async def test_risk_review_button_opens_a_modal_and_stores_the_review(slack: SlackDriver, engine) -> None:
    """Issue 11: the review reminder's «Gjennomgå» is a modal (scores, comment, next date) on the web form's use case."""
    from datetime import date, timedelta

    from models.services import governance_reminders
    from models.services import risk as risk_svc
    from models.tables import Risk

    with Session(engine) as s:
        r = risk_svc.add_risk(session=s, actor_id=slack.org.people["leder"], data=risk_svc.RiskInput(
            title="Glatt trapp", description="Is om vinteren", probability_before=3, consequence_before=3,
            treatment="reduce", review_date=date.today() + timedelta(days=3)))
        governance_reminders.send_risk_review_reminders(session=s)
        s.commit()
        rid = r.id
    await slack.button("leder", "risk.review", str(rid))
    view = view_of((await slack.fake.wait_for("views.open"))[0])
    assert view["callback_id"] == "risk.review" and "RO-1" in json.dumps(view, ensure_ascii=False)
    assert {b["block_id"] for b in view["blocks"] if b["type"] == "input"} >= {
        "probability_before", "consequence_before", "comment", "review_date"}
    r1 = await slack.submit("leder", view, {"probability_before": "3", "consequence_before": "3",
                                             "review_date": "2020-01-01"})
    assert r1.json()["response_action"] == "errors" and "review_date" in r1.json()["errors"]
    later = (date.today() + timedelta(weeks=10)).isoformat()
    r2 = await slack.submit("leder", view, {"probability_before": "2", "consequence_before": "3", "review_date": later,
                                             "comment": "Varmekabler lagt <@U123>"})
    assert r2.json()["response_action"] == "update"
    with Session(engine) as s:
        stored = s.get(Risk, rid)
        assert (stored.risk_before, stored.review_date.isoformat()) == (6, later)
        update = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "risk_review_update")).one()
        assert update.update_of_key.startswith(f"risk_review:{rid}:")
