"""Neutral form specs and how their submitted values become domain input.

Slack shows these as modals, Teams as Adaptive Cards, the web as HTML and text
channels as a guided dialog: one definition, one parser, the same field names, so a
`ValidationFailed` from the domain lands on the same field everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.conversation.parsing import parse_date, parse_local_datetime
from models.errors import ValidationFailed
from models.i18n import _
from models.messages import Form, FormField
from models.services.avvik import AvvikInput
from models.services.listings import AvvikRef, OppdragRef, UnitRef
from models.vocabulary import AVVIK_CATEGORIES, CONSEQUENCE_LABELS, OPPDRAG_STATUSES, PROBABILITY_LABELS


def scale_p() -> list[tuple[str, str]]:
    """The probability scale 1–5 with its words, in the person's language."""
    return [(str(k), f"{k} – {_(v)}") for k, v in PROBABILITY_LABELS.items()]


def scale_k() -> list[tuple[str, str]]:
    return [(str(k), f"{k} – {_(v)}") for k, v in CONSEQUENCE_LABELS.items()]


def avvik_form(*, units: Sequence[UnitRef], default_unit_id: int | None, description: str = "",
               categories: dict[str, str] | None = None) -> Form:
    return Form(
        form_id="avvik.report", title=_("Meld avvik"), submit_label=_("Send avvik"),
        fields=[
            FormField(name="category", label=_("Kategori"), kind="select",
                      options=[(k, _(v)) for k, v in (categories or AVVIK_CATEGORIES).items()]),
            FormField(name="unit_id", label=_("Enhet"), kind="select",
                      options=[(str(u.id), u.name) for u in units if u.kind == "unit" or u.id == default_unit_id],
                      initial=str(default_unit_id) if default_unit_id else None, searchable=True),
            FormField(name="description", label=_("Hva skjedde?"), kind="textarea", max_length=3000,
                      initial=description[:3000] or None),
            FormField(name="occurred_at", label=_("Når skjedde det?"), kind="datetime",
                      hint=_("F.eks. «nå», «i dag 14:30», «i går kl 9» eller «22.11 13:00»")),
            FormField(name="location", label=_("Hvor skjedde det?"), required=False, max_length=300),
            FormField(name="probability", label=_("Sannsynlighet for at det skjer igjen"), kind="select",
                      options=scale_p()),
            FormField(name="consequence", label=_("Konsekvens"), kind="select", options=scale_k()),
            FormField(name="immediate_action", label=_("Strakstiltak (hva ble gjort med en gang?)"), kind="textarea",
                      required=False, max_length=3000),
        ],
    )


def parse_avvik_form(values: dict[str, str], *, now: datetime | None = None, tz: str = "Europe/Oslo") -> AvvikInput:
    errors: dict[str, str] = {}
    occurred = parse_local_datetime(values.get("occurred_at", ""), now=now, tz=tz)
    if occurred is None:
        errors["occurred_at"] = _("Skriv når det skjedde, f.eks. «i dag 14:30» eller «22.11 13:00».")
    nums = {}
    for name in ("probability", "consequence"):
        raw = (values.get(name) or "").strip()
        nums[name] = int(raw) if raw.isdecimal() and 1 <= int(raw) <= 5 else 0
        if not nums[name]:
            errors[name] = _("Velg et tall fra 1 til 5.")
    unit_raw = (values.get("unit_id") or "").strip()
    if unit_raw and (not unit_raw.isdecimal() or len(unit_raw) > 9):
        errors["unit_id"] = _("Velg en enhet fra listen.")
    if errors or occurred is None:
        raise ValidationFailed(errors)
    return AvvikInput(
        category=(values.get("category") or "").strip(), description=values.get("description") or "",
        occurred_at=occurred, probability=nums["probability"], consequence=nums["consequence"],
        unit_id=int(unit_raw) if unit_raw else None, location=values.get("location") or "",
        immediate_action=values.get("immediate_action") or "",
    )


def tiltak_form(avvik: AvvikRef, people: list[tuple[str, str]], default_owner: int) -> Form:
    return Form(
        form_id="avvik.add_tiltak", title=_("Legg til tiltak"), submit_label=_("Lagre tiltak"),
        context={"avvik_id": str(avvik.id)},
        fields=[
            FormField(name="description", label=_("Tiltak for AV-{n}").format(n=avvik.number), kind="textarea", max_length=3000),
            FormField(name="owner_id", label=_("Ansvarlig"), kind="select", options=people, initial=str(default_owner)),
            FormField(name="deadline", label=_("Frist"), kind="date", hint=_("F.eks. 15.12 eller «om 14 dager»")),
        ],
    )


def parse_deadline(values: dict[str, str], now: datetime | None = None) -> date:
    d = parse_date(values.get("deadline", ""), now=now)
    if d is None:
        raise ValidationFailed({"deadline": _("Skriv fristen som dato, f.eks. 15.12.2026 eller «om 14 dager».")})
    return d


def close_form(avvik: AvvikRef) -> Form:
    return Form(
        form_id="avvik.close", title=_("Lukk avvik"), submit_label=_("Lukk avviket"), context={"avvik_id": str(avvik.id)},
        fields=[
            FormField(name="conclusion", label=_("Konklusjon for AV-{n}").format(n=avvik.number), kind="textarea", max_length=3000),
            FormField(name="effect_evaluation", label=_("Vurdering av effekten av tiltakene"), kind="textarea",
                      max_length=3000),
        ],
    )


def reopen_form(avvik: AvvikRef) -> Form:
    return Form(form_id="avvik.reopen", title=_("Gjenåpne avvik"), submit_label=_("Gjenåpne"),
                context={"avvik_id": str(avvik.id)},
                fields=[FormField(name="reason", label=_("Hvorfor gjenåpnes avviket?"), kind="textarea", max_length=3000)])


def check_comment_form(*, unit_id: int, item_id: int, item_text: str) -> Form:
    return Form(form_id="check.nei", title=_("Sjekkpunkt ikke oppfylt"), submit_label=_("Lagre og meld avvik"),
                context={"unit_id": str(unit_id), "item_id": str(item_id)},
                fields=[FormField(name="comment", label=_("Hva mangler? ({item})").format(item=item_text)[:150], kind="textarea",
                                  max_length=3000)])


def oppdrag_form(oppdrag: OppdragRef) -> Form:
    return Form(
        form_id="oppdrag.update", title=_("Oppdater oppdrag"), submit_label=_("Lagre"), context={"number": str(oppdrag.number)},
        fields=[
            FormField(name="status", label=_("Status for oppdrag {n}").format(n=oppdrag.number), kind="select",
                      options=[(k, _(v)) for k, v in OPPDRAG_STATUSES.items()], initial=oppdrag.status),
            FormField(name="progress", label=_("Framdrift i prosent (0–100)"), kind="number", initial=str(oppdrag.progress)),
            FormField(name="comment", label=_("Kommentar"), kind="textarea", required=False, max_length=3000),
        ],
    )


def parse_oppdrag_form(values: dict[str, str]) -> tuple[str | None, int | None, str | None]:
    raw = (values.get("progress") or "").strip().rstrip("%").strip()
    progress = None
    if raw:
        if not raw.isdecimal() or not 0 <= int(raw) <= 100:
            raise ValidationFailed({"progress": _("Framdriften må være et tall fra 0 til 100.")})
        progress = int(raw)
    return (values.get("status") or None), progress, (values.get("comment") or None)
