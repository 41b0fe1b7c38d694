"""Chat identities, the outbox, inbound-event idempotency and dialog state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Text, UniqueConstraint, text
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class ChatIdentity(SQLModel, table=True):
    """A person's account on a chat platform, with what is needed to reach them proactively."""

    __tablename__ = "chat_identity"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id", name="uq_chat_identity"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    platform: str = Field(max_length=16, description="slack | teams | console")
    workspace: str = Field(max_length=100, description="Slack team id or Teams tenant id")
    user_id: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=320)
    conversation_ref: dict | None = Field(default=None, sa_column=Column(JSON))
    active: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow)


class OutboxMessage(SQLModel, table=True):
    """A message to deliver, written in the same transaction as the change that caused it.

    `dedupe_key` is unique: enqueuing the same (kind, period, recipient) twice is a no-op,
    which is what makes nudges exactly-once across crashes and concurrent schedulers.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_org_due", "org_id", "status", "next_attempt_at", "id"),
                      Index("ix_outbox_sending", "claimed_at", sqlite_where=text("status = 'sending'"),
                            postgresql_where=text("status = 'sending'")))
    id: int | None = Field(default=None, primary_key=True)
    org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    dedupe_key: str = Field(max_length=300, unique=True)
    kind: str = Field(max_length=40)
    platform: str = Field(max_length=16, description="slack | teams | console | email | auto")
    recipient_person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    target: str | None = Field(default=None, max_length=300, description="channel / conversation id when not a person")
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16, description="pending | sending | delivered | failed | unreachable")
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    claimed_at: datetime | None = Field(default=None)
    delivered_at: datetime | None = Field(default=None)
    external_ref: dict | None = Field(default=None, sa_column=Column(JSON), description="e.g. Slack channel+ts, Teams activity id")
    update_of_key: str | None = Field(default=None, max_length=300, description="update the message sent for this key in place")


class InboundEvent(SQLModel, table=True):
    """Idempotency for redelivered Slack events and Teams activities."""

    __tablename__ = "inbound_event"
    __table_args__ = (UniqueConstraint("platform", "event_id", name="uq_inbound_event"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    event_id: str = Field(max_length=200)
    status: str = Field(default="processing", max_length=12, description="processing | done | failed")
    received_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class DialogState(SQLModel, table=True):
    """A guided dialog in progress (e.g. «meld avvik»), kept in the database so any worker can continue it."""

    __tablename__ = "dialog_state"
    __table_args__ = (UniqueConstraint("platform", "workspace", "user_id", name="uq_dialog_state"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    workspace: str = Field(max_length=100)
    user_id: str = Field(max_length=200)
    name: str = Field(max_length=40)
    step: int = Field(default=0)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class ReportInbox(SQLModel, table=True):
    """A chat report kept before the platform's ack; the background turns it into an avvik and deletes it.

    Why: the ack then costs one durable row, as the floor of «a report acknowledged is a report kept»
    does, and numbering, notices and escalation run where they cannot delay a Slack answer
    (`models.services.report_inbox`). The row holds the person's words only until then.
    """

    __tablename__ = "report_inbox"
    __table_args__ = (UniqueConstraint("org_id", "idempotency_key", name="uq_report_inbox_key"),
                      Index("ix_report_inbox_due", "status", "id"))
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    reporter_id: int = Field(foreign_key="person.id", index=True)
    idempotency_key: str | None = Field(default=None, max_length=200, description="e.g. the Slack view id")
    form_id: str = Field(max_length=40)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)
    received_at: datetime = Field(default_factory=utcnow)
