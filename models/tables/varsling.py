"""Anonymous varsling: cases, per-recipient sealed keys, messages, recipient keys and sign-in.

What is deliberately NOT here: plaintext content, the reporter's identity, the receipt
code, any IP address or user agent, and the exact time of an anonymous submission
(only its date). Content columns hold libsodium ciphertext (base64); a copy of the
database plus the server's configuration cannot open them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Column, Field, SQLModel

from models.tables._common import utcnow


class VarslingOrg(SQLModel, table=True):
    """Per-organisation salt for the receipt-code Argon2 lookup hash (random, not a secret)."""

    __tablename__ = "varsling_org"
    org_id: int = Field(foreign_key="organisation.id", primary_key=True)
    receipt_salt: str = Field(max_length=64)


class VarslingRutine(SQLModel, table=True):
    """The municipality's varslingsrutine; every change is a new version, the highest is current."""

    __tablename__ = "varsling_rutine"
    __table_args__ = (UniqueConstraint("org_id", "version", name="uq_varsling_rutine_version"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    version: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="person.id")


class RecipientKey(SQLModel, table=True):
    """A varslingsmottaker's key pair: the private key only ever stored encrypted.

    `sk_by_passphrase` is the private key in a SecretBox keyed by Argon2id(passphrase);
    `sk_by_recovery` the same key under a key derived from the recovery key shown once.
    """

    __tablename__ = "varsling_recipient_key"
    person_id: int = Field(foreign_key="person.id", primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    public_key: str = Field(max_length=64)
    passphrase_salt: str = Field(max_length=64)
    sk_by_passphrase: str = Field(max_length=200)
    recovery_salt: str = Field(max_length=64)
    sk_by_recovery: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Varsel(SQLModel, table=True):
    __tablename__ = "varsel"
    __table_args__ = (UniqueConstraint("org_id", "year", "number", name="uq_varsel_number"),)
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    year: int
    number: int
    received_on: date = Field(description="date only: the exact time of an anonymous submission is never kept")
    status: str = Field(default="mottatt", max_length=20,
                        description="mottatt | bekreftet | undersokes | tilbakemelding | lukket")
    ack_due: date
    feedback_due: date
    acknowledged_on: date | None = None
    feedback_on: date | None = None
    closed_on: date | None = None
    check_undersokelse: bool = Field(default=False)
    check_gjengjeldelse: bool = Field(default=False)
    check_tiltak_varsler: bool = Field(default=False)
    escalated_on: date | None = None
    exported_on: date | None = None
    rutine_version: int = Field(default=0)
    receipt_hash: str = Field(max_length=64, unique=True, description="keyed BLAKE2b of Argon2id(receipt code)")
    reporter_box: str = Field(sa_column=Column(Text, nullable=False),
                              description="the varsel key encrypted under a key derived from the receipt code")
    content: str = Field(sa_column=Column(Text, nullable=False), description="SecretBox ciphertext of the report")
    identity: str | None = Field(default=None, sa_column=Column(Text),
                                 description="name/contact, under its own key")

    @property
    def ref(self) -> str:
        return f"V-{self.year}-{self.number:03d}"


class VarselAccess(SQLModel, table=True):
    """Who may open a varsel: the varsel key sealed (SealedBox) to each recipient's public key."""

    __tablename__ = "varsel_access"
    __table_args__ = (UniqueConstraint("varsel_id", "person_id", name="uq_varsel_access"),)
    id: int | None = Field(default=None, primary_key=True)
    varsel_id: int = Field(foreign_key="varsel.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(default="mottaker", max_length=12, description="mottaker | backup")
    active: bool = Field(default=True, description="a backup's access is dormant until escalation")
    sealed_key: str = Field(max_length=200)
    sealed_identity_key: str | None = Field(default=None, max_length=200)


class VarselMessage(SQLModel, table=True):
    """A message in the case, encrypted with the varsel key (so both sides can read it)."""

    __tablename__ = "varsel_message"
    id: int | None = Field(default=None, primary_key=True)
    varsel_id: int = Field(foreign_key="varsel.id", index=True)
    sender: str = Field(max_length=12, description="varsler | mottaker")
    author_id: int | None = Field(default=None, foreign_key="person.id")
    sent_on: date
    body: str = Field(sa_column=Column(Text, nullable=False))


class VarslingFormNonce(SQLModel, table=True):
    """Used anonymous form tokens (single use). Only a hash and a coarse expiry date: no time, no link."""

    __tablename__ = "varsling_form_nonce"
    nonce_hash: str = Field(max_length=64, primary_key=True)
    expires_on: date = Field(index=True)


class RecipientLoginToken(SQLModel, table=True):
    """A one-time sign-in link sent to a recipient in chat; only its hash is kept."""

    __tablename__ = "varsling_login_token"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    expires_at: datetime
    used_at: datetime | None = None


class RecipientSession(SQLModel, table=True):
    """A signed-in recipient. `wrapped_sk` is the unlocked private key under a key only the cookie holds."""

    __tablename__ = "varsling_session"
    __table_args__ = (Index("ix_varsling_session_expires", "expires_at"),)
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    expires_at: datetime
    wrapped_sk: str | None = Field(default=None, max_length=200)
