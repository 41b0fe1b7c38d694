"""Finding 11 of the security review: every tenant field must agree, and a foreign serviceUrl gets 403."""

from __future__ import annotations

import jwt
import pytest

from tests.teams.fakes import TENANT, activity
from tests.teams.test_auth import _member, _nothing_stored, _post

OTHER = "ffffffff-0000-0000-0000-000000000000"


@pytest.mark.parametrize("where", ["conversation", "channelData"])
def test_tenant_fields_that_disagree_are_refused(client, teams_env, org, session, where):  # type: ignore[no-untyped-def]
    _member(teams_env, org)
    act = activity(text="meld avvik", service_url=teams_env.service_url)
    if where == "conversation":
        act["conversation"]["tenantId"] = OTHER  # channelData still says ours
    else:
        act["channelData"]["tenant"]["id"] = OTHER  # conversation still says ours
    assert _post(client, act, teams_env.token()).status_code == 401
    _nothing_stored(session, teams_env)


def test_a_token_for_another_tenant_is_refused(client, teams_env, org, session):  # type: ignore[no-untyped-def]
    _member(teams_env, org)
    act = activity(text="hjelp", service_url=teams_env.service_url)
    token = teams_env.token()
    claims = jwt.decode(token, options={"verify_signature": False})
    key = teams_env.state.keys[0]
    forged = jwt.encode({**claims, "tid": OTHER}, key.private, algorithm="RS256", headers={"kid": key.kid})
    assert _post(client, act, forged).status_code == 401
    _nothing_stored(session, teams_env)
    ours = jwt.encode({**claims, "tid": TENANT}, key.private, algorithm="RS256", headers={"kid": key.kid})
    assert _post(client, act, ours).status_code == 200


def test_an_activity_without_any_tenant_is_refused(client, teams_env, org, session):  # type: ignore[no-untyped-def]
    act = activity(text="hjelp", service_url=teams_env.service_url)
    act["channelData"] = {}
    del act["conversation"]["tenantId"]
    assert _post(client, act, teams_env.token()).status_code == 401
    _nothing_stored(session, teams_env)


def test_service_url_not_on_the_allowlist_gets_403_and_nothing_is_stored(client, teams_env, org, session):  # type: ignore[no-untyped-def]
    _member(teams_env, org)
    for url in (teams_env.base.replace("127.0.0.1", "localhost") + "/", teams_env.service_url.replace("https:", "http:")):
        act = activity(text="meld avvik", service_url=url)
        assert _post(client, act, teams_env.token(service_url=url)).status_code == 403
    _nothing_stored(session, teams_env)
