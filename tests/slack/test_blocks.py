"""Block Kit builders: valid per slack_sdk.models and within Slack's limits, user text escaped."""

from __future__ import annotations

import json

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.slack import blocks as bk
from bot.slack.summary import summary_blocks
from models.messages import Action, Fact, Form, FormField, Item, Reply


def _validate_message(page: list[dict]) -> None:
    assert 1 <= len(page) <= 50
    for b in page:
        Block.parse(b).validate_json()  # type: ignore[union-attr]


def test_escape_only_the_three_characters() -> None:
    assert bk.esc("<!channel> & <https://evil|klikk> «æøå» *fet*") == \
        "&lt;!channel&gt; &amp; &lt;https://evil|klikk&gt; «æøå» *fet*"
    assert bk.unescape(bk.esc("a < b & c > d")) == "a < b & c > d"


def test_long_list_is_split_into_messages_of_at_most_50_blocks() -> None:
    items = [Item(title=f"Punkt {i} <b>", text="x" * 3500, facts=[Fact(label=f"f{j}", value="v") for j in range(14)],
                  actions=[Action(label="Ja", action_id="check.ja", value=f"1:{i}"),
                           Action(label="Nei", action_id="check.nei", value=f"1:{i}", style="danger")])
             for i in range(120)]
    reply = Reply(title="T" * 300, text="y" * 7000, facts=[Fact(label="a", value="b")] * 25, items=items,
                  actions=[Action(label="Mer", action_id="menu")])
    pages = bk.message_payloads(reply)
    assert len(pages) >= 5
    for p in pages:
        _validate_message(p["blocks"])
        ids = [e["action_id"] for b in p["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert len(ids) == len(set(ids)), "action ids must be unique within a message"
        assert len(p["text"]) <= 3000
    buttons = [e for p in pages for b in p["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 241  # every item's buttons survive the split
    assert {bk.base_action_id(e["action_id"]) for e in buttons} == {"check.ja", "check.nei", "menu"}
    for p in pages:
        for b in p["blocks"]:
            if b["type"] == "section":
                assert len(b.get("fields") or []) <= 10
                if b.get("text"):
                    assert len(b["text"]["text"]) <= 3000


def test_modal_respects_title_option_and_select_limits() -> None:
    options = [(f"v{i}" * 40, f"Veldig langt enhetsnavn nummer {i} " * 5) for i in range(150)]
    form = Form(form_id="avvik.report", title="Meld et avvik med en altfor lang tittel", submit_label="Send inn avviket nå med en gang",
                context={"avvik_id": "7"},
                fields=[FormField(name="unit_id", label="Enhet", kind="select", options=options, initial=options[140][0]),
                        FormField(name="description", label="Hva skjedde?", kind="textarea", max_length=9000,
                                  initial="z" * 5000),
                        FormField(name="occurred_at", label="Når", kind="datetime"),
                        FormField(name="deadline", label="Frist", kind="date", initial="2026-12-15", required=False),
                        FormField(name="progress", label="Framdrift", kind="number", initial="40")])
    view = bk.form_view(form)
    view.validate_json()
    d = view.to_dict()
    assert len(d["title"]["text"]) <= 24 and len(d["submit"]["text"]) <= 24 and len(d["close"]["text"]) <= 24
    assert d["callback_id"] == "avvik.report" and json.loads(d["private_metadata"]) == {"avvik_id": "7"}
    sel = d["blocks"][0]["element"]
    assert len(sel["options"]) == 100
    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in sel["options"])
    assert sel["initial_option"]["value"] == options[140][0][:150]
    text = d["blocks"][1]["element"]
    assert text["multiline"] is True and text["max_length"] == 3000 and len(text["initial_value"]) <= 3000
    assert d["blocks"][2]["element"]["type"] == "datetimepicker"
    assert d["blocks"][3]["element"]["initial_date"] == "2026-12-15" and d["blocks"][3]["optional"] is True
    assert [b["block_id"] for b in d["blocks"]] == ["unit_id", "description", "occurred_at", "deadline", "progress"]


def test_modal_never_exceeds_100_blocks() -> None:
    form = Form(form_id="x", title="Mange", fields=[FormField(name=f"f{i}", label=f"F{i}") for i in range(130)])
    view = bk.form_view(form)
    view.validate_json()
    assert len(view.blocks) == 100


def test_submitted_values_and_errors_map_to_fields() -> None:
    state = {"category": {"value": {"type": "static_select", "selected_option": {"value": "hms"}}},
             "occurred_at": {"value": {"type": "datetimepicker", "selected_date_time": 1764000000}},
             "deadline": {"value": {"type": "datepicker", "selected_date": "2026-12-01"}},
             "description": {"value": {"type": "plain_text_input", "value": "Tekst"}},
             "location": {"value": {"type": "plain_text_input", "value": None}}}
    v = bk.form_values(state)
    assert v == {"category": "hms", "occurred_at": "2025-11-24T16:00:00+00:00", "deadline": "2026-12-01",
                 "description": "Tekst", "location": ""}
    assert bk.field_errors(["category", "description"], {"title": "Mangler tittel", "form": "Feil"}) == \
        {"description": "Mangler tittel", "category": "Feil"}


def test_home_view_stays_within_100_blocks() -> None:
    items = [Item(title=f"AV-{i}", facts=[Fact(label="Alder", value="3 d")],
                  actions=[Action(label="Lukk", action_id="avvik.close", value=str(i))]) for i in range(80)]
    view: View = bk.home_view([("Mine", items, "tom"), ("Venter", items, "tom"), ("Enhet", [], "Ingen")],
                              intro="Hei <!here>", actions=[Action(label="Meld avvik", action_id="avvik.open_form")])
    view.validate_json()
    d = view.to_dict()
    assert len(d["blocks"]) <= 100
    raw = json.dumps(d, ensure_ascii=False)
    assert "… og" in raw and "&lt;!here&gt;" in raw and "Ingen" in raw


def test_notice_view_shows_reply_without_buttons() -> None:
    v = bk.notice_view("Avvik registrert – med lang tittel", Reply(text="Takk! AV-4 <x>", actions=[
        Action(label="Ok", action_id="menu")]))
    v.validate_json()
    d = v.to_dict()
    assert len(d["title"]["text"]) <= 24 and "submit" not in d
    assert "&lt;x&gt;" in json.dumps(d) and not [b for b in d["blocks"] if b["type"] == "actions"]


def test_manifest_lists_every_command_shortcut_event_and_scope() -> None:
    from pathlib import Path

    import yaml

    import bot.slack
    from bot.slack.listeners.shortcuts import GLOBAL_CALLBACK, MESSAGE_CALLBACK

    m = yaml.safe_load((Path(bot.slack.__file__).parent / "manifest.yaml").read_text(encoding="utf-8"))
    assert {c["command"] for c in m["features"]["slash_commands"]} == {"/avvik", "/sjekkliste", "/oppdrag", "/varsle"}
    assert {s["callback_id"] for s in m["features"]["shortcuts"]} == {GLOBAL_CALLBACK, MESSAGE_CALLBACK}
    assert set(m["settings"]["event_subscriptions"]["bot_events"]) == {"app_home_opened", "message.im"}
    assert {"chat:write", "im:write", "im:history", "users:read", "users:read.email", "files:write", "commands"} <= \
        set(m["oauth_config"]["scopes"]["bot"])
    assert m["settings"]["interactivity"]["is_enabled"] is True


def test_fast_serialisation_equals_slack_sdk_to_dict() -> None:
    """The hot path skips slack_sdk's validation; it must give exactly what `to_dict()` gives."""
    items = [Item(title=f"AV-{i} <b>", text="tekst & mer", facts=[Fact(label="Alder", value="3 d")],
                  actions=[Action(label="Ta saken", action_id="avvik.take", value=str(i), style="primary"),
                           Action(label="Lenke", action_id="varsle.open", url="https://trad.example.no/varsling")])
             for i in range(30)]
    reply = Reply(title="Liste", text="Hei <!here>", facts=[Fact(label="a", value="b")], items=items,
                  actions=[Action(label="Mer", action_id="menu")], image_png_b64="x", image_alt="graf")
    for page in bk.render_messages(reply):
        assert bk.as_dict(page) == [b.to_dict() for b in page]
    form = Form(form_id="avvik.report", title="Meld avvik", submit_label="Send", context={"a": "1"},
                fields=[FormField(name="unit_id", label="Enhet", kind="select", options=[("1", "Skole"), ("2", "Bhg")],
                                  initial="2", hint="Hvor?"),
                        FormField(name="description", label="Hva", kind="textarea", initial="z"),
                        FormField(name="occurred_at", label="Når", kind="datetime"),
                        FormField(name="deadline", label="Frist", kind="date", initial="2026-12-15", required=False),
                        FormField(name="progress", label="Framdrift", kind="number")])
    views = [bk.form_view(form), bk.notice_view("Lagret", reply),
             bk.home_view([("Mine", items, "tom"), ("Tom", [], "Ingen")], intro="Hei",
                          actions=[Action(label="Meld avvik", action_id="avvik.open_form")])]
    for v in views:
        assert bk.as_dict(v) == v.to_dict()


# ---------------------------------------------------------------------------- the periodic summary

@pytest.fixture
def summary(session, org):  # type: ignore[no-untyped-def]
    from tests.reports.dataset import evil_summary

    return evil_summary(session, org)


def test_summary_blocks_are_valid_and_escaped(summary) -> None:  # type: ignore[no-untyped-def]
    from tests.reports.dataset import EVIL

    blocks = summary_blocks(summary)
    _validate_message(blocks)
    text = json.dumps(blocks, ensure_ascii=False)
    assert "Kultur &lt;&amp;&gt; *fet* _x_" in text and EVIL not in text
    assert all(b.get("text", {}).get("verbatim", True) for b in blocks if b["type"] == "section")
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in blocks[2]["fields"]}
    assert fields["*Nye avvik*"] == "6 (+4 mot oktober 2026)"
    assert fields["*Median tid til lukking*"] == "3 dager (før: 10 dager)"
    assert "<img" not in text  # no user-written avvik text in a summary
    assert any(b.get("text", {}).get("text", "").startswith("*Varsling* (bare antall)\nMottatt: færre enn 5")
               for b in blocks)


def test_summary_blocks_stay_within_50_for_a_large_municipality(summary) -> None:  # type: ignore[no-untyped-def]
    from reports.summary import SectorAvvik

    many = [SectorAvvik(sector_id=i, sector=f"Sektor {i}", new=i, closed=0, open_at_end=i) for i in range(200)]
    ik = summary.internkontroll
    big = summary.model_copy(update={"avvik": summary.avvik.model_copy(update={"by_sector": many}),
                                     "internkontroll": ik.model_copy(update={"by_unit": ik.by_unit * 100})})
    blocks = summary_blocks(big)
    _validate_message(blocks)
    assert any("… og 175 sektorer til" in (b.get("text") or {}).get("text", "") for b in blocks)
    assert any("… og 275 enheter til" in (b.get("text") or {}).get("text", "") for b in blocks)
    assert all(len((b.get("text") or {}).get("text", "")) <= 3000 for b in blocks)


@pytest.mark.anyio
async def test_posted_summary_is_rendered_from_its_figures_at_delivery(session, org, fake_slack) -> None:  # type: ignore[no-untyped-def]
    """The outbox row carries the typed summary, not Block Kit; the Slack adapter renders and posts it."""
    from slack_sdk.web.async_client import AsyncWebClient
    from sqlmodel import select

    from bot.slack.delivery import SlackAdapter
    from models.tables import OutboxMessage
    from notifications.base import Recipient
    from reports.posting import enqueue_summary
    from reports.summary import Summary
    from tests.reports.dataset import build_dataset

    build_dataset(session, org)
    assert enqueue_summary(session=session, org_id=org.org_id, period_key="2026-11", targets=[("slack", "C0LEDELSE")],
                           tz_name="Europe/Oslo")
    row = session.exec(select(OutboxMessage)).one()
    assert set(row.payload["rich"]) == {"summary"} and row.dedupe_key == f"summary:2026-11:slack:org{org.org_id}"
    reply = Reply.model_validate(row.payload)
    adapter = SlackAdapter(AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url))
    recipient = Recipient(person_id=None, email=None, name=None, user_id=None, workspace="T0TEST",
                          conversation_ref=None, target="C0LEDELSE")
    await adapter.deliver(recipient=recipient, reply=reply, previous_ref=None, dedupe_key=row.dedupe_key)
    post = fake_slack.of("chat.postMessage")[0].args
    assert post["channel"] == "C0LEDELSE" and post["text"] == "Tråd-sammendrag november 2026"
    blocks = post["blocks"] if isinstance(post["blocks"], list) else json.loads(post["blocks"])
    assert blocks == summary_blocks(Summary.model_validate(row.payload["rich"]["summary"]))
    assert fake_slack.of("files.getUploadURLExternal")  # and the chart as a file
