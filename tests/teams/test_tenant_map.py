"""A multi-tenant Teams bot (issue 13): each Entra tenant is mapped to a kommune; an unmapped one is refused.

Real-shaped activities with test-key JWTs. TEAMS_TENANT_ID stays served as the default kommune; a
second tenant is refused (401, nothing stored) until `trad teams map --tenant … --org …`, and then
lands in its own kommune: the same e-mail in two kommuner links to the person of the tenant's kommune.
"""

from __future__ import annotations

import jwt
from click.testing import CliRunner
from sqlmodel import Session, select

from models.tables import ChatIdentity, Person
from tests.factories import make_test_org
from tests.teams.fakes import TENANT, activity
from tests.teams.test_auth import _nothing_stored, _post

OTHER = "bbbbbbbb-1111-2222-3333-444444444444"
SAME = "felles.leiar@ikt-samarbeid.no"


def _cli(*args: str):  # type: ignore[no-untyped-def]
    from bot.cli import main

    return CliRunner().invoke(main, list(args))


def _two(session: Session) -> dict[str, int]:
    out = {}
    for slug in ("alver", "bjorn"):  # alver is created first: the default kommune (TEAMS_TENANT_ID's)
        t = make_test_org(session, slug=slug)
        p = Person(org_id=t.org_id, email=SAME, name=f"Felles {slug}", unit_id=t.units["Oppvekst"])
        session.add(p)
        session.commit()
        out[slug] = p.id
    return out


def test_each_tenant_lands_in_its_kommune_and_an_unmapped_one_is_refused(client, teams_env, session):  # type: ignore[no-untyped-def]
    people = _two(session)
    for user in ("29:user-a", "29:user-b"):
        teams_env.state.members[user] = {"id": user, "name": "Felles", "email": SAME, "userPrincipalName": SAME}

    theirs = activity(text="hjelp", user="29:user-b", conv="a:personal-b", tenant=OTHER,
                      service_url=teams_env.service_url)
    assert _post(client, theirs, teams_env.token()).status_code == 401
    _nothing_stored(session, teams_env)

    assert _cli("teams", "map", "--tenant", "ikke-en-guid", "--org", "bjorn").exit_code == 2
    wrong = _cli("teams", "map", "--tenant", OTHER, "--org", "finnes-ikke")
    assert wrong.exit_code == 2 and "finnes-ikke" in wrong.output
    ok = _cli("teams", "map", "--tenant", OTHER.upper(), "--org", "bjorn")
    assert ok.exit_code == 0, ok.output
    assert OTHER in _cli("teams", "tenants").output

    from fastapi.testclient import TestClient

    from bot.main import create_app
    from models.settings import get_settings

    with TestClient(create_app(get_settings())) as fresh:  # a new process (the mapping cache is per process)
        theirs["id"] = "f:second-try"
        assert _post(fresh, theirs, teams_env.token()).status_code == 200
        ours = activity(text="hjelp", user="29:user-a", conv="a:personal-a", service_url=teams_env.service_url)
        assert _post(fresh, ours, teams_env.token()).status_code == 200
        # the token's tid must agree with the activity's tenant fields
        claims = jwt.decode(teams_env.token(), options={"verify_signature": False})
        key = teams_env.state.keys[0]
        forged = jwt.encode({**claims, "tid": TENANT}, key.private, algorithm="RS256", headers={"kid": key.kid})
        again = activity(text="hjelp", user="29:user-b", conv="a:personal-b", tenant=OTHER,
                         service_url=teams_env.service_url)
        assert _post(fresh, again, forged).status_code == 401

    idents = {i.workspace: i for i in session.exec(select(ChatIdentity)).all()}
    assert idents[OTHER].person_id == people["bjorn"]
    assert idents[TENANT].person_id == people["alver"]
