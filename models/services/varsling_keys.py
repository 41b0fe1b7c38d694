"""Recipients of varsler: who they are, their key pairs, one-time sign-in links and sessions.

The passphrase is chosen by the recipient on first use and never stored. A recovery
key is shown once; with it they can set a new passphrase. An unlocked private key lives
in the session row only under a key derived from the session cookie, so neither a
database copy nor the server's configuration can use it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from nacl.public import PrivateKey
from sqlmodel import Session, select

from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.i18n import _
from models.services import audit, outbox_links
from models.services import varsling_crypto as vc
from models.services._tx import writes
from models.services.teams_tenants import entra_tenants_of
from models.sql import col, pk
from models.tables import Person, PersonRole
from models.tables._common import utcnow
from models.tables.varsling import RecipientKey, RecipientLoginToken, RecipientSession

RECIPIENT_ROLE = "varslingsmottaker"
LOGIN_LINK_TTL = outbox_links.VARSLING_LINK_TTL  # 24 hours; one constant for the link and its minting
SESSION_TTL = timedelta(hours=8)
MIN_PASSPHRASE = 12


def is_recipient(session: Session, person_id: int) -> bool:
    return session.exec(select(PersonRole.id).where(PersonRole.person_id == person_id,
                                                    PersonRole.role == RECIPIENT_ROLE)).first() is not None


def recipients(session: Session, *, org_id: int) -> list[Person]:
    """Active varslingsmottakere of the organisation, by name."""
    return list(session.exec(
        select(Person).join(PersonRole, col(PersonRole.person_id) == Person.id)
        .where(PersonRole.role == RECIPIENT_ROLE, Person.org_id == org_id, Person.active == True)  # noqa: E712
        .distinct().order_by(col(Person.name), col(Person.id))).all())


def get_key(session: Session, person_id: int) -> RecipientKey | None:
    return session.get(RecipientKey, person_id)


def _check_passphrase(passphrase: str, repeat: str | None) -> None:
    errors: dict[str, str] = {}
    if len(passphrase or "") < MIN_PASSPHRASE:
        errors["passphrase"] = _("Passordfrasen må ha minst {min_passphrase} tegn.").format(min_passphrase=MIN_PASSPHRASE)
    elif repeat is not None and passphrase != repeat:
        errors["repeat"] = _("Passordfrasene er ikke like.")
    if errors:
        raise ValidationFailed(errors)


@writes
def create_key(*, session: Session, person_id: int, passphrase: str, repeat: str | None = None) -> str:
    """First use: make the recipient's key pair, lock it with their passphrase; return the recovery key."""
    person = session.get(Person, person_id)
    if person is None or not person.active or not is_recipient(session, person_id):
        raise PermissionDenied(_("Bare varslingsmottakere kan ha en nøkkel for varsler."))
    if get_key(session, person_id) is not None:
        raise ValidationFailed({"passphrase": _("Du har allerede en nøkkel. Lås den opp med passordfrasen din.")})
    _check_passphrase(passphrase, repeat)
    sk = vc.new_keypair()
    recovery = vc.new_recovery_key()
    row = _lock(RecipientKey(person_id=person_id, org_id=person.org_id, public_key=vc.public_b64(sk),
                             passphrase_salt="", sk_by_passphrase="", recovery_salt="", sk_by_recovery=""),
                sk, passphrase, recovery)
    session.add(row)
    audit.record(session, org_id=person.org_id, actor_id=person_id, action="varsling.key_created",
                 entity="person", entity_id=person_id)
    return recovery


def _lock(row: RecipientKey, sk: PrivateKey, passphrase: str, recovery: str | None) -> RecipientKey:
    row.passphrase_salt = vc.new_salt()
    row.sk_by_passphrase = vc.encrypt(vc.passphrase_key(passphrase, row.passphrase_salt), bytes(sk))
    if recovery is not None:
        row.recovery_salt = vc.new_salt()
        row.sk_by_recovery = vc.encrypt(vc.recovery_key_bytes(recovery, row.recovery_salt), bytes(sk))
    row.updated_at = utcnow()
    return row


def unlock(session: Session, *, person_id: int, passphrase: str) -> PrivateKey:
    row = get_key(session, person_id)
    if row is None:
        raise NotFound(_("Du har ikke laget en nøkkel ennå."))
    try:
        return vc.private_from_bytes(vc.decrypt(vc.passphrase_key(passphrase, row.passphrase_salt),
                                                row.sk_by_passphrase))
    except vc.DecryptionFailed:
        raise ValidationFailed({"passphrase": _("Feil passordfrase.")}) from None


@writes
def recover(*, session: Session, person_id: int, recovery: str, passphrase: str, repeat: str | None = None) -> str:
    """Set a new passphrase with the recovery key; a new recovery key replaces the old one."""
    row = get_key(session, person_id)
    if row is None:
        raise NotFound(_("Du har ikke laget en nøkkel ennå."))
    _check_passphrase(passphrase, repeat)
    try:
        sk = vc.private_from_bytes(vc.decrypt(vc.recovery_key_bytes(recovery, row.recovery_salt), row.sk_by_recovery))
    except vc.DecryptionFailed:
        raise ValidationFailed({"recovery": _("Gjenopprettingsnøkkelen stemmer ikke.")}) from None
    new_recovery = vc.new_recovery_key()
    session.add(_lock(row, sk, passphrase, new_recovery))
    audit.record(session, org_id=row.org_id, actor_id=person_id, action="varsling.key_recovered",
                 entity="person", entity_id=person_id)
    return new_recovery


# ---------------------------------------------------------------- sign-in

@writes
def issue_login_token(*, session: Session, person_id: int, now: datetime | None = None) -> str:
    """A single-use sign-in token for a recipient (sent in chat). Only its hash is stored."""
    return new_login_token(session, person_id=person_id, now=now)


def new_login_token(session: Session, *, person_id: int, now: datetime | None = None) -> str:
    """As `issue_login_token`, inside the caller's transaction."""
    if not is_recipient(session, person_id):
        raise PermissionDenied(_("Bare varslingsmottakere kan logge inn i varslingssakene."))
    token = secrets.token_urlsafe(32)
    session.add(RecipientLoginToken(token_hash=vc.token_hash(token), person_id=person_id,
                                    expires_at=(now or utcnow()) + LOGIN_LINK_TTL))
    return token


def _aware(dt: datetime) -> datetime:
    from datetime import UTC

    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@writes
def redeem_login_token(*, session: Session, token: str, now: datetime | None = None,
                       org_id: int | None = None) -> tuple[str, int]:
    """Spend a sign-in link and open a session; returns (session cookie value, person id).

    With `org_id`, a link of a recipient in another kommune is refused and stays unspent.
    """
    now = now or utcnow()
    row = session.exec(select(RecipientLoginToken).where(
        RecipientLoginToken.token_hash == vc.token_hash(token or ""))).first()
    owner = session.get(Person, row.person_id) if row is not None and org_id is not None else None
    if row is None or row.used_at is not None or _aware(row.expires_at) < now \
            or (org_id is not None and (owner is None or owner.org_id != org_id)):
        raise PermissionDenied(_("Innloggingslenken er brukt eller utløpt. Be om en ny."))
    row.used_at = now
    session.add(row)
    cookie = _new_session(session, row.person_id, now)
    person = session.get(Person, row.person_id)
    audit.record(session, org_id=person.org_id if person else None, actor_id=row.person_id,
                 action="varsling.signed_in", entity="person", entity_id=row.person_id, detail={"via": "link"})
    return cookie, row.person_id


@writes
def open_session_for_person(*, session: Session, person_id: int, via: str) -> str:
    """A session after an external sign-in (Entra ID) matched a recipient."""
    person = session.get(Person, person_id)
    if person is None or not person.active or not is_recipient(session, person_id):
        raise PermissionDenied(_("Du er ikke varslingsmottaker."))
    cookie = _new_session(session, person_id, utcnow())
    audit.record(session, org_id=person.org_id, actor_id=person_id, action="varsling.signed_in",
                 entity="person", entity_id=person_id, detail={"via": via})
    return cookie


def _new_session(session: Session, person_id: int, now: datetime) -> str:
    cookie = secrets.token_urlsafe(32)
    session.add(RecipientSession(token_hash=vc.token_hash(cookie), person_id=person_id, expires_at=now + SESSION_TTL))
    return cookie


def session_person(session: Session, cookie: str | None, now: datetime | None = None) -> RecipientSession | None:
    if not cookie:
        return None
    row = session.exec(select(RecipientSession).where(RecipientSession.token_hash == vc.token_hash(cookie))).first()
    if row is None or _aware(row.expires_at) < (now or utcnow()):
        return None
    person = session.get(Person, row.person_id)
    if person is None or not person.active or not is_recipient(session, row.person_id):
        return None
    return row


@writes
def unlock_session(*, session: Session, cookie: str, passphrase: str) -> None:
    """Check the passphrase and keep the private key for this session, wrapped under the cookie."""
    row = session_person(session, cookie)
    if row is None:
        raise PermissionDenied(_("Du er ikke logget inn."))
    sk = unlock(session, person_id=row.person_id, passphrase=passphrase)
    row.wrapped_sk = vc.encrypt(vc.token_wrap_key(cookie), bytes(sk))
    session.add(row)


@writes
def store_unlocked(*, session: Session, cookie: str, sk: PrivateKey) -> None:
    row = session_person(session, cookie)
    if row is None:
        raise PermissionDenied(_("Du er ikke logget inn."))
    row.wrapped_sk = vc.encrypt(vc.token_wrap_key(cookie), bytes(sk))
    session.add(row)


def session_key(row: RecipientSession, cookie: str) -> PrivateKey | None:
    if not row.wrapped_sk:
        return None
    try:
        return vc.private_from_bytes(vc.decrypt(vc.token_wrap_key(cookie), row.wrapped_sk))
    except vc.DecryptionFailed:
        return None


@writes
def end_session(*, session: Session, cookie: str) -> None:
    row = session.exec(select(RecipientSession).where(RecipientSession.token_hash == vc.token_hash(cookie))).first()
    if row is not None:
        session.delete(row)


@writes
def send_login_link(*, session: Session, org_id: int, email: str, public_base_url: str) -> bool:
    """Send a fresh one-time sign-in link in chat to the recipient with this e-mail.

    Returns whether one was sent; the web page says the same either way, so it cannot be used
    to find out who the recipients are.
    """
    from sqlalchemy import func as sa_func

    from models.messages import Action, Reply
    from models.services import outbox

    person = session.exec(select(Person).where(Person.org_id == org_id, Person.active == True,  # noqa: E712
                                               sa_func.lower(Person.email) == (email or "").strip().lower())).first()
    if person is None or not is_recipient(session, pk(person)):
        return False
    # The link is minted by the outbox worker at delivery (`outbox_links`): the outbox never holds one.
    link = f"{public_base_url.rstrip('/')}/varsling/mottak/inn?t={outbox_links.placeholder('varsling', pk(person))}"
    outbox.enqueue(session, dedupe_key=f"varsling.login:{person.id}:{secrets.token_hex(8)}", kind="varsling.login",
                   payload=lambda: Reply(title=_("Innlogging til varslingssakene"),
                                         text=_("Lenken gjelder i 24 timer og kan brukes én gang. Ba du ikke om den, "
                                                "kan du se bort fra den."),
                                         actions=[Action(label=_("Logg inn"), action_id="varsling.login", url=link)]),
                   org_id=org_id, recipient_person_id=person.id, platform="auto")
    return True


# ---------------------------------------------------------------- Entra ID sign-in

ENTRA_FLOW_PLATFORM = "varsling.entra"


def spend_entra_flow(*, session: Session, state: str) -> bool:
    """Mark one Entra sign-in attempt (by a hash of its random `state`) as used; False if it already was.

    Kept in the database, not in memory, so a replayed callback is refused by every worker and
    after a restart. Only a hash of the random state is stored (no person); housekeeping prunes it.
    """
    from models.services import inbound
    from models.services import varsling_crypto as vc_

    key = vc_.token_hash(state)
    if not inbound.claim_event(session=session, platform=ENTRA_FLOW_PLATFORM, event_id=key):
        return False
    # "done" at once: a spent flow is never retried, not even after the stale-claim timeout.
    inbound.finish_event(session=session, platform=ENTRA_FLOW_PLATFORM, event_id=key)
    return True


def record_entra_refusal(session: Session, *, org_id: int | None, reason: str, person_id: int | None = None,
                         tenant: str | None = None) -> None:
    """Audit a refused Entra sign-in and commit it, so the entry survives the refusal that follows.

    No e-mail address or name is written: only why, and the person if one matched.
    """
    detail: dict[str, str] = {"via": "entra", "reason": reason}
    if tenant:
        detail["tid"] = tenant[:64]
    audit.record(session, org_id=org_id, actor_id=person_id, action="varsling.sign_in_refused", entity="person",
                 entity_id=person_id, detail=detail)
    session.commit()


def sign_in_with_entra(*, session: Session, org_id: int, claims: dict, tenant_id: str | None) -> str:
    """Open a session for the recipient an Entra ID token names; refuse (and audit) anyone else.

    `claims` must come from an id token whose signature, audience, issuer and times the edge
    has verified. The rules here: the token's `tid` is one of this kommune's tenants
    (`teams_tenants.entra_tenants_of`, `tenant_id` being the configured default), and its
    `preferred_username`, `email` or `upn` is (case-insensitively) the e-mail of an active
    person in this organisation who is a varslingsmottaker. Returns the session cookie value.
    """
    from sqlalchemy import func as sa_func

    tid = str(claims.get("tid") or "")
    if not tid or tid.lower() not in entra_tenants_of(session=session, org_id=org_id, configured=tenant_id):
        record_entra_refusal(session, org_id=org_id, reason="tenant", tenant=tid)
        raise PermissionDenied(_("Microsoft-kontoen din tilhører en annen organisasjon. Logg inn med kommunens konto."))
    emails = {str(claims.get(k) or "").strip().lower() for k in ("preferred_username", "email", "upn")} - {""}
    person = None
    if emails:
        person = session.exec(select(Person).where(
            Person.org_id == org_id, Person.active == True,  # noqa: E712
            sa_func.lower(Person.email).in_(sorted(emails))).order_by(col(Person.id))).first()
    if person is None:
        record_entra_refusal(session, org_id=org_id, reason="unknown", tenant=tid)
        raise PermissionDenied(_("Vi finner ingen varslingsmottaker med denne Microsoft-kontoen. "
                               "Bruk innloggingslenken fra Tråd i chat, eller kontakt Tråd-administratoren."))
    if not is_recipient(session, pk(person)):
        record_entra_refusal(session, org_id=org_id, reason="not_recipient", person_id=person.id, tenant=tid)
        raise PermissionDenied(_("Du er ikke varslingsmottaker, og har derfor ikke tilgang til varslingssakene."))
    cookie = _new_session(session, pk(person), utcnow())
    detail = {"via": "entra"}
    if claims.get("oid"):
        detail["oid"] = str(claims["oid"])[:64]
    audit.record(session, org_id=org_id, actor_id=person.id, action="varsling.signed_in", entity="person",
                 entity_id=person.id, detail=detail)
    session.commit()
    return cookie
