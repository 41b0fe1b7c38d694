"""Oppdragsbrev: create a letter, and who may manage a letter and its oppdrag.

Why a letter of its own: after every political round a kommune enters the oppdrag it was
given together, and the letter keeps who gave them (kommunestyre, kommunedirektør or a
sector) and the political case, so an oppdrag can be traced back to its decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from models.access import Actor
from models.errors import NotFound, PermissionDenied, ValidationFailed
from models.i18n import N_, _
from models.services import audit, org
from models.services._tx import writes
from models.sql import pk
from models.tables import Oppdrag, Oppdragsbrev, Unit

ISSUERS: dict[str, str] = {"kommunestyre": N_("Kommunestyret"), "kommunedirektor": N_("Kommunedirektøren"),
                           "sektor": N_("Sektor")}
DENIED = N_("Du har ikke tilgang til å endre oppdragsbrev. Det kan administratorer og kommunalsjefer for egen sektor.")


@dataclass(frozen=True)
class LetterView:
    id: int
    year: int
    title: str
    issuer: str
    issuer_label: str
    sector_id: int | None
    case_ref: str
    oppdrag_count: int


def may_manage(actor: Actor, *, org_id: int, issuer: str | None, sector_id: int | None) -> bool:
    """Org-wide roles (admin, kommunedirektør) manage every letter; a kommunalsjef their own sector's."""
    if actor.org_id != org_id:
        return False
    if actor.org_wide:
        return True
    return issuer == "sektor" and "kommunalsjef" in actor.roles and sector_id in actor.led_unit_ids


def may_manage_letter(actor: Actor, letter: Oppdragsbrev | None) -> bool:
    if letter is None:
        return actor.org_wide
    return may_manage(actor, org_id=letter.org_id, issuer=letter.issuer, sector_id=letter.sector_id)


def may_administer(actor: Actor) -> bool:
    """Whether the person gets the admin pages for oppdrag at all."""
    return actor.org_wide or "kommunalsjef" in actor.roles


def letter_snapshot(letter: Oppdragsbrev) -> dict[str, Any]:
    return {"year": letter.year, "title": letter.title, "issuer": letter.issuer, "sector_id": letter.sector_id,
            "case_ref": letter.case_ref}


def validate_letter(session: Session, *, org_id: int, year: int, title: str, issuer: str,
                    sector_id: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not 2000 <= year <= 2100:
        errors["year"] = _("Skriv et år mellom 2000 og 2100.")
    if not title.strip() or len(title) > 300:
        errors["title"] = _("Skriv en tittel på høyst 300 tegn.")
    if issuer not in ISSUERS:
        errors["issuer"] = _("Velg hvem som gir oppdragsbrevet: {choices}.").format(
            choices=", ".join(_(label) for label in ISSUERS.values()))
    elif issuer == "sektor":
        unit = session.get(Unit, sector_id) if sector_id else None
        if unit is None or unit.org_id != org_id or (unit.kind != "sector" and "/" in unit.path):
            errors["sector_id"] = _("Velg sektoren som gir oppdragsbrevet.")
    return errors


@writes
def create_letter(*, session: Session, actor_id: int | None, org_id: int, year: int, title: str, issuer: str,
                  sector_id: int | None = None, case_ref: str = "") -> Oppdragsbrev:
    """A new letter. `actor_id` None is the system (an import run by the operator)."""
    if actor_id is not None:
        actor = org.load_actor(session, person_id=actor_id)
        if not may_manage(actor, org_id=org_id, issuer=issuer, sector_id=sector_id):
            raise PermissionDenied(_(DENIED))
    sector = sector_id if issuer == "sektor" else None
    errors = validate_letter(session, org_id=org_id, year=year, title=title, issuer=issuer, sector_id=sector)
    if len(case_ref) > 200:
        errors["case_ref"] = _("Saksreferansen kan være høyst 200 tegn.")
    if errors:
        raise ValidationFailed(errors)
    letter = Oppdragsbrev(org_id=org_id, year=year, title=title.strip(), issuer=issuer, sector_id=sector,
                          case_ref=case_ref.strip(), created_by_id=actor_id)
    session.add(letter)
    session.flush()
    audit.record(session, org_id=org_id, actor_id=actor_id, action="oppdragsbrev.created", entity="oppdragsbrev",
                 entity_id=letter.id, detail={"before": None, "after": letter_snapshot(letter)})
    return letter


def get_letter(session: Session, *, org_id: int, letter_id: int) -> Oppdragsbrev:
    letter = session.get(Oppdragsbrev, letter_id)
    if letter is None or letter.org_id != org_id:
        raise NotFound(_("Fant ikke oppdragsbrevet."))
    return letter


def _view(letter: Oppdragsbrev, count: int, sectors: dict[int, str]) -> LetterView:
    label = ISSUERS[letter.issuer]
    if letter.issuer == "sektor" and letter.sector_id:
        label = sectors.get(letter.sector_id, label)
    return LetterView(id=pk(letter), year=letter.year, title=letter.title, issuer=letter.issuer,
                      issuer_label=label, sector_id=letter.sector_id, case_ref=letter.case_ref, oppdrag_count=count)


def list_letters(*, session: Session, actor_id: int) -> list[LetterView]:
    """The letters this person may manage, newest year first."""
    actor = org.load_actor(session, person_id=actor_id)
    if not may_administer(actor):
        raise PermissionDenied(_(DENIED))
    letters = session.exec(select(Oppdragsbrev).where(Oppdragsbrev.org_id == actor.org_id)
                           .order_by(col(Oppdragsbrev.year).desc(), col(Oppdragsbrev.id))).all()
    mine = [lt for lt in letters if may_manage_letter(actor, lt)]
    counts: dict[int, int] = {}
    for lid in session.exec(select(Oppdrag.oppdragsbrev_id).where(
            col(Oppdrag.oppdragsbrev_id).in_([pk(lt) for lt in mine] or [-1]))).all():
        if lid is not None:
            counts[lid] = counts.get(lid, 0) + 1
    sectors = org.unit_names(session, {lt.sector_id for lt in mine if lt.sector_id})
    return [_view(lt, counts.get(pk(lt), 0), sectors) for lt in mine]


def view_letter(*, session: Session, actor_id: int, letter_id: int) -> LetterView:
    actor = org.load_actor(session, person_id=actor_id)
    letter = get_letter(session, org_id=actor.org_id, letter_id=letter_id)
    if not may_manage_letter(actor, letter):
        raise PermissionDenied(_(DENIED))
    count = len(session.exec(select(Oppdrag.id).where(Oppdrag.oppdragsbrev_id == letter_id)).all())
    return _view(letter, count, org.unit_names(session, {letter.sector_id} if letter.sector_id else set()))


def sector_choices(session: Session, *, actor_id: int) -> list[tuple[str, str]]:
    """Sectors this person may issue a letter for (all for org-wide roles)."""
    actor = org.load_actor(session, person_id=actor_id)
    units = org.list_units(session, org_id=actor.org_id)
    return [(str(u.id), u.path) for u in units
            if u.kind == "sector" and (actor.org_wide or ("kommunalsjef" in actor.roles and u.id in actor.led_unit_ids))]
