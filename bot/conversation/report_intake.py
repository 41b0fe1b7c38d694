"""Form submissions that must answer fast: an avvik report is checked, kept, and registered right after.

Why a separate door from `Conversation.submit_form`: Slack waits 3 s for a modal's answer, and the
floor of «a report acknowledged is a report kept» is one row on disk (issue 15). Every check that
needs no database runs here, before the ack, so a mistake still shows on its field in the modal;
the report is then kept as one row (`models.services.report_inbox`) in the same write transaction
that reads the person's language, and the case number, the leaders' notices and any escalation
follow a moment later from whichever process registers reports (`notifications.inbox_worker`: the
embedded `trad serve`, its background child or `trad deliver`), with the number in the reporter's
DM (the receipt). Registering before the ack cost 4.8 ms of the thread's CPU against 2.5 ms for
this (bench/slack.md, 2026-12-05). Every other form is submitted as before.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.conversation import forms
from bot.conversation.channel import Interaction
from bot.conversation.language import Speaker
from models import inbox_signal
from models.i18n import N_, _
from models.messages import Reply
from models.services import avvik as avvik_svc
from models.services import report_inbox
from models.settings import Settings
from models.uow import UnitOfWork

RECEIVED_TITLE = N_("Avvik mottatt")
RECEIVED = N_("Takk! Avviket ditt er mottatt. Du får saksnummeret i en melding fra meg straks, "
              "og lederen din får beskjed samtidig.")


class Conversation(Protocol):
    """What this module needs of `bot.conversation.engine.Conversation` (which imports this module)."""

    settings: Settings
    uow: UnitOfWork
    speaker: Speaker
    now: Callable[[], datetime]

    def submit_form(self, ia: Interaction) -> list[Reply]: ...


def accept_form(conversation: Conversation, ia: Interaction) -> list[Reply]:
    """Submit a form; an avvik report is only checked and kept before the answer (see the module)."""
    if ia.action_id != report_inbox.AVVIK_FORM:
        return conversation.submit_form(ia)
    settings = conversation.settings
    platform = getattr(ia.user, "locale", None)
    with conversation.uow.write() as tx, conversation.speaker.speak_in(
            tx, ia.person_id, platform if isinstance(platform, str) else None):
        data = avvik_svc.validate_avvik_input(forms.parse_avvik_form(ia.values, now=conversation.now(),
                                                                     tz=settings.tz_name))
        report_inbox.accept(session=tx, reporter_id=ia.person_id, data=data, idempotency_key=ia.value or None)
        inbox_signal.arrived()  # kept (committed): this process's inbox worker registers it in the next gap
        return [Reply(title=_(RECEIVED_TITLE), text=_(RECEIVED))]
