"""Every incoming Teams request must carry a valid Bot Framework JWT for this very activity."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models.tables import Avvik, ChatIdentity, InboundEvent
from tests.teams.fakes import activity, new_key


def _post(client, act: dict, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/messages", json=act, headers=headers)


def _nothing_stored(session, fake) -> None:
    session.expire_all()
    assert session.exec(select(InboundEvent)).all() == []
    assert session.exec(select(ChatIdentity)).all() == []
    assert session.exec(select(Avvik)).all() == []
    assert fake.state.calls == []  # not even a member lookup or a reply


def _member(fake, org, key: str = "ansatt", user: str = "29:user-ansatt") -> None:
    fake.state.members[user] = {"id": user, "name": key, "email": org.emails[key],
                                "userPrincipalName": org.emails[key], "aadObjectId": "aad-" + key}


def test_valid_token_is_accepted_and_answered(client, teams_env, org, session):
    _member(teams_env, org)
    act = activity(text="hjelp", service_url=teams_env.service_url)
    r = _post(client, act, teams_env.token())
    assert r.status_code == 200
    sent = teams_env.state.activities("POST")
    assert len(sent) == 1
    card = sent[0]["body"]["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert "Jeg er Tråd" in card["body"][0]["text"]


def _forged(fake, act):
    other = new_key(fake.state.keys[0].kid)  # same kid, different private key
    return fake.token(key=other)


NEGATIVE = {
    "missing": lambda f, act: None,
    "garbage": lambda f, act: "not-a-jwt",
    "forged_signature": _forged,
    "wrong_audience": lambda f, act: f.token(aud="someone-else"),
    "wrong_issuer": lambda f, act: f.token(iss="https://sts.windows.net/evil/"),
    "expired": lambda f, act: f.token(iat_offset=-7200, exp_in=3600),
    "not_yet_valid": lambda f, act: f.token(iat_offset=3600),
    "service_url_mismatch": lambda f, act: f.token(service_url="https://evil.example.com/"),
    "hs256": lambda f, act: __import__("jwt").encode(
        {"iss": "https://api.botframework.com", "aud": "x"}, "secret-secret-secret-secret-32b!", algorithm="HS256",
        headers={"kid": f.state.keys[0].kid}),
}


@pytest.mark.parametrize("case", sorted(NEGATIVE))
def test_bad_tokens_get_401_and_change_nothing(case, client, teams_env, org, session):
    _member(teams_env, org)
    act = activity(text="meld avvik", service_url=teams_env.service_url)
    r = _post(client, act, NEGATIVE[case](teams_env, act))
    assert r.status_code == 401
    _nothing_stored(session, teams_env)


def test_other_tenant_gets_401(client, teams_env, org, session):
    _member(teams_env, org)
    act = activity(text="hjelp", service_url=teams_env.service_url, tenant="ffffffff-0000-0000-0000-000000000000")
    assert _post(client, act, teams_env.token()).status_code == 401
    _nothing_stored(session, teams_env)


def test_tenant_only_in_conversation_must_match_too(client, teams_env, org, session):
    act = activity(text="hjelp", service_url=teams_env.service_url)
    act["channelData"] = {}
    act["conversation"]["tenantId"] = "someone-else"
    assert _post(client, act, teams_env.token()).status_code == 401
    _nothing_stored(session, teams_env)


def test_activity_from_another_channel_gets_401(client, teams_env, org, session):
    act = activity(text="hjelp", service_url=teams_env.service_url, channelId="webchat")
    assert _post(client, act, teams_env.token()).status_code == 401
    _nothing_stored(session, teams_env)


def test_key_without_msteams_endorsement_gets_401(client, teams_env, org, session):
    unendorsed = new_key("key-skype-only", endorsements=["skype"])
    empty = new_key("key-no-endorsements", endorsements=[])
    teams_env.state.keys.extend([unendorsed, empty])
    client.app.state.teams_auth.refetch_cooldown = 0
    try:
        for key in (unendorsed, empty):
            act = activity(text="hjelp", service_url=teams_env.service_url)
            assert _post(client, act, teams_env.token(key=key)).status_code == 401
        _nothing_stored(session, teams_env)
    finally:
        teams_env.state.keys[:] = teams_env.state.keys[:1]


def test_unknown_kid_refetches_keys_once_then_caches(client, teams_env, org, session):
    _member(teams_env, org)
    auth = client.app.state.teams_auth
    auth.refetch_cooldown = 0
    # first request loads the keys
    assert _post(client, activity(text="hjelp", service_url=teams_env.service_url), teams_env.token()).status_code == 200
    hits = teams_env.state.jwks_hits
    assert _post(client, activity(text="hjelp", service_url=teams_env.service_url), teams_env.token()).status_code == 200
    assert teams_env.state.jwks_hits == hits  # cached
    rotated = new_key("key-rotated")
    teams_env.state.keys.append(rotated)
    try:
        act = activity(text="hjelp", service_url=teams_env.service_url)
        assert _post(client, act, teams_env.token(key=rotated)).status_code == 200
        assert teams_env.state.jwks_hits == hits + 1
    finally:
        teams_env.state.keys[:] = teams_env.state.keys[:1]


def test_service_url_not_on_allowlist_is_never_called(client, teams_env, org, session, monkeypatch):
    """A validly signed activity whose serviceUrl is not an allowed host: 403 (finding 11), nothing sent there."""
    _member(teams_env, org)
    url = teams_env.base.replace("127.0.0.1", "localhost") + "/"
    act = activity(text="hjelp", service_url=url)
    r = _post(client, act, teams_env.token(service_url=url))
    assert r.status_code == 403
    assert teams_env.state.calls == []

