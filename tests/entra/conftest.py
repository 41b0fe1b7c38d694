"""Fixtures for the Entra ID sync: one fake Graph (HTTPS on loopback) per session, and a small kommune."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.entra.fake_graph import FakeGraph

BASE_ORG = """email,name,unit,role
admin@oyer.no,Ada Admin,Sentraladministrasjonen,admin
lise@oyer.no,Lise Leder,Oppvekst/Aurvoll skole,leder
per@oyer.no,Per Ansatt,Oppvekst/Aurvoll skole,ansatt
kari@oyer.no,Kari Helse,Helse/Solvang sykehjem,ansatt
"""


@pytest.fixture(scope="session")
def fake_graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGraph]:
    fake = FakeGraph(str(tmp_path_factory.mktemp("graph-ca")))
    yield fake
    fake.stop()


@pytest.fixture
def graph(fake_graph: FakeGraph, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Iterator[FakeGraph]:
    """The fake's directory emptied, Entra settings pointing at it, and its CA trusted by httpx and msal."""
    from models.settings import get_settings

    st = fake_graph.state
    with st.lock:
        st.users.clear()
        st.rounds.clear()
        st.graph_requests.clear()
        st.token_requests.clear()
        st.fail_next.clear()
        st.fail_after, st.page_size = 0, 2
    for k, v in fake_graph.env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("TRAD_ORG", "oyer")
    get_settings.cache_clear()
    yield fake_graph
    get_settings.cache_clear()


@pytest.fixture
def kommune(graph: FakeGraph, session):  # type: ignore[no-untyped-def]
    """Øyer as the CSV import left it: Lise is leder of Aurvoll skole, set by hand."""
    from models.services.org_import import import_people

    import_people(session=session, data=BASE_ORG, org_slug="oyer", org_name="Øyer kommune")
    return session


def directory(graph: FakeGraph) -> None:
    """The directory most tests start from (three pages of two)."""
    st = graph.state
    st.put("u-lise", mail="Lise@oyer.no", name="Lise Leder", department="Aurvoll skole")
    st.put("u-per", mail="per@oyer.no", name="Per Ansatt", department="Aurvoll skole", manager="u-lise")
    st.put("u-mona", mail="mona@oyer.no", name="Mona Mester", department="Solvang sykehjem")
    st.put("u-kari", mail="kari@oyer.no", name="Kari Helse", department="Helse/Solvang sykehjem", manager="u-mona")
    st.put("u-ola", mail="ola@oyer.no", name="Ola Kultur", department="Kultur")
    st.put("u-nils", mail="nils@oyer.no", name="Nils Ny", department="aurvoll skole", manager="u-lise")
