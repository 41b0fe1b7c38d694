"""A kommune with more units than Slack's menu holds: the avvik form's unit is searched as the person types.

Slack shows at most 100 options in a menu; before, the form cut the list, and a unit after the hundredth
could not be chosen at all. Driven with signed requests as Slack sends them (`block_suggestion`).
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from sqlmodel import Session, select

from bot.conversation.option_search import matching
from models.services import org as org_svc
from models.tables import Avvik
from tests.slack.conftest import SlackDriver, sign
from tests.slack.test_slack_flows import avvik_values, open_avvik_modal, submit_avvik

pytestmark = pytest.mark.anyio
EXTRA = 150  # more than Slack's 100


@pytest.fixture
def big_org(slack: SlackDriver, engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        ids = {f"Bofellesskap {i:03d}": org_svc.ensure_unit_path(s, org_id=slack.org.org_id,
                                                                 path=f"Helse og omsorg/Bofellesskap {i:03d}").id
               for i in range(EXTRA)}
        s.commit()
    return {k: int(v or 0) for k, v in ids.items()}


def suggestion(slack: SlackDriver, who: str, view: dict, typed: str) -> dict:
    return {"type": "block_suggestion", "user": slack._user(who), "team": {"id": slack.team}, "api_app_id": "A1",
            "container": {"type": "view", "view_id": "VAV1"}, "action_id": "value", "block_id": "unit_id",
            "value": typed, "view": {**view, "id": "VAV1"}}


async def search(slack: SlackDriver, who: str, view: dict, typed: str) -> list[dict]:
    r = await slack.interactive(suggestion(slack, who, view, typed))
    assert r.status_code == 200, r.text
    return r.json()["options"]


async def test_a_long_unit_list_is_a_search_that_finds_every_unit(slack: SlackDriver, big_org: dict[str, int]) -> None:
    view = await open_avvik_modal(slack)
    unit = next(b for b in view["blocks"] if b["block_id"] == "unit_id")["element"]
    assert unit["type"] == "external_select" and unit["min_query_length"] == 0
    assert unit["initial_option"]["value"] == str(slack.org.units["Oppvekst/Aurvoll skole"])  # the reporter's own
    found = await search(slack, "ansatt", view, "bofellesskap 142")
    assert [o["value"] for o in found] == [str(big_org["Bofellesskap 142"])]
    assert len(await search(slack, "ansatt", view, "")) == 100  # nothing typed: the first hundred, no more
    assert await search(slack, "ansatt", view, "finnes ikke") == []


async def test_a_unit_found_by_search_is_where_the_avvik_lands(slack: SlackDriver, engine,  # type: ignore[no-untyped-def]
                                                               big_org: dict[str, int]) -> None:
    view = await open_avvik_modal(slack)
    chosen = (await search(slack, "ansatt", view, "Bofellesskap 149"))[0]["value"]
    await submit_avvik(slack, view, avvik_values(view, unit_id=chosen))
    with Session(engine) as s:
        assert s.exec(select(Avvik.unit_id)).all() == [big_org["Bofellesskap 149"]]


async def test_an_unknown_person_or_a_forged_search_gets_nothing(slack: SlackDriver, big_org: dict[str, int]) -> None:
    view = await open_avvik_modal(slack)
    assert await search(slack, "UNOBODY", view, "bofellesskap") == []
    body = urlencode({"payload": json.dumps(suggestion(slack, "ansatt", view, "bofellesskap"))}).encode()
    r = await slack.post(body, "application/x-www-form-urlencoded", sign(body, secret="not-the-secret"), signed=False)
    assert r.status_code == 401


def test_every_word_typed_must_match_and_a_label_that_begins_with_it_comes_first() -> None:
    options = [("1", "Skole Aurvoll"), ("2", "Aurvoll skole"), ("3", "Solvang skole"), ("4", "Aurvoll barnehage")]
    assert matching(options, "aurvoll skole") == [("2", "Aurvoll skole"), ("1", "Skole Aurvoll")]
    assert matching(options, "  SKOLE ") == [("1", "Skole Aurvoll"), ("2", "Aurvoll skole"), ("3", "Solvang skole")]
    assert matching(options, "", limit=2) == options[:2]
