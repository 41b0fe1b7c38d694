"""The web serves the organisation of the settings it was wired with, not whatever the process environment says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from models.tables import OutboxMessage
from tests.web.conftest import SECRET, TOKEN


@pytest.fixture(scope="module")
def two_orgs(backend: str, request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, str, object]]:
    from bot.main import create_app
    from models.db import get_engine, reset_engines
    from models.settings import Settings
    from tests.factories import make_test_org
    from tests.live import module_database

    url, _ = module_database(backend, request, tmp_path_factory, "two-orgs")
    with Session(get_engine(url), expire_on_commit=False) as s:
        make_test_org(s)  # the first organisation: what a lookup falls back to
        second = make_test_org(s, slug="andre")
        s.commit()
    # TRAD_ORG only in the wired settings: the test environment has none (its default is "oyer").
    app = create_app(Settings(DATABASE_URL=url, PUBLIC_BASE_URL="http://testserver", SECRET_KEY=SECRET,
                              SCHEDULER_ENABLED=False, OUTBOX_WORKER_ENABLED=False, TRAD_ORG="andre"))
    yield app, url, second
    reset_engines()


def test_a_sign_in_link_reaches_a_person_of_the_wired_organisation(two_orgs) -> None:  # type: ignore[no-untyped-def]
    from models.db import get_engine

    app, url, second = two_orgs
    with TestClient(app) as client:  # type: ignore[arg-type]
        token = TOKEN.search(client.get("/logg-inn").text).group(1)  # type: ignore[union-attr]
        r = client.post("/logg-inn", data={"token": token, "email": second.emails["ansatt2"]})
    assert r.status_code == 200
    with Session(get_engine(url)) as s:
        rows = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "web.login")).all()
    assert [row.recipient_person_id for row in rows] == [second.people["ansatt2"]]
