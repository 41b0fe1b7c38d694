"""«del oppdrag 12 med Solvang skole» from chat: the owner splits, the unit's leader is told, others are refused."""

import pytest
from sqlmodel import select

from bot.conversation import delegation
from models.errors import NotFound, PermissionDenied
from models.tables import Oppdrag, OutboxMessage


def test_parse():
    intent = delegation.parse_split("Del oppdrag 12 med Solvang skole.")
    assert intent is not None and intent.number == 12 and intent.args["unit"] == "solvang skole"
    assert delegation.parse_split("oppdrag 12 er ferdig") is None


def test_owner_splits_to_unit_leader(session, org):
    # oppdrag 13 (vernerunde) is owned by the kommunalsjef for Oppvekst
    reply = delegation.split_reply(session, org.people["kommunalsjef"],
                                   delegation.parse_split("del oppdrag 13 med Solvang skole"))
    assert "er delt" in reply.text and reply.items[0].actions[0].action_id == "oppdrag.update"
    child = session.exec(select(Oppdrag).where(Oppdrag.parent_id == org.oppdrag["vernerunde"])).one()
    assert child.owner_id == org.people["leder2"] and child.title.endswith("– Solvang skole")
    assert len(session.exec(select(OutboxMessage).where(
        OutboxMessage.recipient_person_id == org.people["leder2"])).all()) == 1


def test_refused_or_unknown_unit_changes_nothing(session, org):
    with pytest.raises(PermissionDenied) as e:
        delegation.split_reply(session, org.people["leder2"], delegation.parse_split("del oppdrag 13 med Solvang skole"))
    assert "ikke tilgang" in e.value.message
    with pytest.raises(NotFound):  # not below the owner
        delegation.split_reply(session, org.people["kommunalsjef"],
                               delegation.parse_split("del oppdrag 13 med Institusjonstjenester"))
    assert session.exec(select(Oppdrag).where(Oppdrag.parent_id.is_not(None))).all() == []
    assert session.exec(select(OutboxMessage)).all() == []
