"""The «new checklist for your unit» message: its button opens the leader's checklist in chat, in their language."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.conversation.channel import ChannelUser, Interaction
from models.services import checklist_admin
from models.services.checklist_admin import TemplateInput
from models.tables import OutboxMessage, Person
from tests.test_conversation import conv  # noqa: F401 - the conversation fixture


def test_the_button_starts_the_new_checklist(session, org, conv):  # type: ignore[no-untyped-def]  # noqa: F811
    nynorsk = session.get(Person, org.people["leder"])
    nynorsk.locale = "nn"
    session.add(nynorsk)
    session.commit()
    checklist_admin.create_template(
        session=session, actor_id=org.people["admin"], org_id=org.org_id, today=date(2026, 11, 1),
        data=TemplateInput(name="Brannvern", recurrence="year", publish_on=date(2026, 11, 1),
                           scope="units", unit_ids=(org.units["Oppvekst/Aurvoll skole"],),
                           items=(("HMS", "Brann", "Er brannøvinga halden?"),)))
    msg = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "checklist_published")).one()
    button = msg.payload["actions"][0]
    assert button["label"] == "Start sjekklista"  # the leader's own language (nynorsk)
    replies = conv.handle_action(Interaction(user=ChannelUser(platform="console", workspace="t", user_id="U1"),
                                             person_id=org.people["leder"], action_id=button["action_id"],
                                             value=button["value"], supports_forms=False))
    titles = [i.title for r in replies for i in r.items]
    assert "Er brannøvinga halden?" in titles
