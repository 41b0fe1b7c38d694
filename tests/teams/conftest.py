"""Fixtures for the Teams edge: one fake Microsoft (HTTPS on loopback) for the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.teams.fakes import FakeMicrosoft


@pytest.fixture(scope="session")
def fake_ms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeMicrosoft]:
    fake = FakeMicrosoft(str(tmp_path_factory.mktemp("teams-ca")))
    yield fake
    fake.stop()


@pytest.fixture
def teams_env(fake_ms: FakeMicrosoft, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMicrosoft]:
    """Teams settings pointing at the fakes, and the test CA trusted by httpx and msal."""
    from models.settings import get_settings

    for k, v in fake_ms.env().items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    fake_ms.state.reset()
    yield fake_ms
    fake_ms.state.reset()


@pytest.fixture
def client(teams_env: FakeMicrosoft, db_url: str) -> Iterator[TestClient]:
    from bot.main import create_app
    from models.settings import get_settings

    app = create_app(get_settings())
    with TestClient(app) as c:
        yield c
