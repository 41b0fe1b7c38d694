"""The platform-neutral conversation: messages, button presses and form submissions in, `Reply`s out.

Slack, Teams and the terminal all call this. It holds no platform code and no rules:
it understands what was asked, calls the domain use cases, and phrases the answer.
Forms (modals in Slack, cards in Teams) become a guided, step-by-step dialog in text
channels, with «tilbake» and «avbryt», stored in the database between messages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from rapidfuzz import fuzz, process
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.conversation import forms, views
from bot.conversation.channel import ChannelUser, IncomingMessage, Interaction
from bot.conversation.intents import Intent, parse
from bot.conversation.parsing import SKIP_WORDS, match_choice, normalise, parse_date, parse_local_datetime
from models.errors import DomainError, ValidationFailed
from models.messages import Fact, Form, FormField, Reply
from models.services import avvik as avvik_svc
from models.services import checklists, dialogs, nudges, oppdrag, org
from models.settings import Settings, get_settings
from models.tables import Person, Unit
from models.vocabulary import CHECK_ANSWERS, OPPDRAG_STATUSES, ROLES

log = logging.getLogger("trad.conversation")
MAX_INPUT = 4000
# Buttons and forms that settle an item of a leader's monthly nudge: the nudge is then updated in place.
ACTS_ON_NUDGE = frozenset({"avvik.take", "avvik.close", "avvik.add_tiltak", "check.ja", "check.nei",
                           "check.ikke_relevant", "oppdrag.update", "tiltak.done"})


class Conversation:
    def __init__(self, *, engine: Engine | None = None, settings: Settings | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        from models.db import get_engine

        self.settings = settings or get_settings()
        self.engine = engine or get_engine(self.settings.database_url)
        self.now = now or (lambda: datetime.now(UTC))

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # ------------------------------------------------------------------ messages
    def handle_message(self, msg: IncomingMessage) -> list[Reply]:
        """Answer one chat message. Never raises: every failure becomes a helpful reply."""
        text = (msg.text or "").replace("\x00", "")
        try:
            with self._session() as s:
                state = dialogs.load_dialog(session=s, **_key(msg.user))
                if state is not None and state.name == "form":
                    return self._continue_form(s, msg.user, msg.person_id, state.data, state.step, text)
                if len(text) > MAX_INPUT:
                    return [Reply(text=f"Meldingen er for lang ({len(text)} tegn). Skriv kortere, høyst {MAX_INPUT} tegn.")]
                return self._intent(s, msg, parse(text))
        except DomainError as e:
            return [Reply(text=e.message)]
        except Exception:  # noqa: BLE001 - a chat user must never see a stack trace
            log.exception("conversation failed")
            return [Reply(text="Beklager, noe gikk galt hos meg. Prøv igjen om litt – ingenting av det du har lagret er tapt.")]

    def _intent(self, s: Session, msg: IncomingMessage, intent: Intent) -> list[Reply]:
        pid = msg.person_id
        name = intent.name
        if name in ("help", "empty"):
            return [views.help_reply()]
        if name == "thanks":
            return [Reply(text="Bare hyggelig! Skriv «hjelp» om du lurer på noe.")]
        if name in ("cancel", "back"):
            return [Reply(text="Det er ingen dialog å avbryte nå. Skriv «hjelp» for å se hva jeg kan.")]
        if name == "report_avvik":
            form = self.avvik_form(s, pid)
            if msg.supports_forms:
                return [Reply(form=form)]
            return self._start_form(s, msg.user, pid, form)
        if name == "my_avvik":
            items = avvik_svc.list_my_avvik(session=s, person_id=pid)
            return [views.avvik_list(items, title="Dine åpne avvik", unit_names=_unit_names(s, items),
                                     empty="Du har ingen åpne avvik. Skriv «meld avvik» for å melde et nytt.")]
        if name == "unit_avvik":
            items = avvik_svc.list_unit_avvik(session=s, actor_id=pid)
            return [views.avvik_list(items, title="Åpne avvik i enhetene dine", unit_names=_unit_names(s, items),
                                     empty="Ingen åpne avvik i enhetene dine. 👍", for_leader=True)]
        if name == "show_avvik":
            avvik_id = avvik_svc.find_avvik_id(session=s, actor_id=pid, number=int(intent.args["number"]))  # type: ignore[arg-type]
            return [self.avvik_detail(s, pid, avvik_id)]
        if name == "my_oppdrag":
            return [views.oppdrag_list(oppdrag.list_my_oppdrag(session=s, person_id=pid))]
        if name == "show_oppdrag":
            o = oppdrag.get_oppdrag(session=s, actor_id=pid, number=int(intent.args["number"]))  # type: ignore[arg-type]
            return [Reply(items=[views.oppdrag_item(o)])]
        if name == "update_oppdrag":
            return [self._update_oppdrag(s, pid, intent.args)]
        if name == "checklist":
            actor = org.load_actor(s, person_id=pid)
            due = checklists.list_due_checklists(session=s, actor_id=pid, now=self.now())
            return [views.checklist_reply(due, is_leader=bool(actor.led_unit_ids))]
        if name == "varsle":
            return [self.varsle_guidance(s, pid, detected=bool(intent.args.get("detected")))]
        return [Reply(text="Det skjønte jeg ikke helt. Prøv f.eks. «meld avvik», «mine oppdrag» eller «sjekkliste». "
                           "Skriv «hjelp» for alt jeg kan.")]

    def _update_oppdrag(self, s: Session, pid: int, args: dict[str, object]) -> Reply:
        number = args.get("number")
        if number is None:
            title = str(args.get("title") or "")
            mine = oppdrag.list_my_oppdrag(session=s, person_id=pid)
            best = process.extractOne(normalise(title), [normalise(o.title) for o in mine],
                                      scorer=fuzz.partial_ratio, score_cutoff=75) if mine else None
            if best is None:
                return Reply(text=f"Jeg fant ikke noe oppdrag som passer «{title[:60]}». Skriv «mine oppdrag» for numrene.")
            number = mine[best[2]].number
        o = oppdrag.update_oppdrag(session=s, actor_id=pid, number=int(number),  # type: ignore[call-overload]
                                   status=args.get("status"), progress=args.get("progress"),  # type: ignore[arg-type]
                                   comment=args.get("comment"))  # type: ignore[arg-type]
        status = OPPDRAG_STATUSES[o.status]
        return Reply(text=f"Oppdrag {o.number} er oppdatert: {status}, {o.progress} %.", items=[views.oppdrag_item(o)])

    # ------------------------------------------------------------------ building blocks edges reuse
    def avvik_form(self, s: Session, person_id: int, description: str = "") -> Form:
        actor = org.load_actor(s, person_id=person_id)
        return forms.avvik_form(units=org.list_units(s, org_id=actor.org_id), default_unit_id=actor.unit_id,
                                description=description)

    def open_avvik_form(self, person_id: int, description: str = "") -> Form:
        with self._session() as s:
            return self.avvik_form(s, person_id, description)

    def avvik_detail(self, s: Session, pid: int, avvik_id: int) -> Reply:
        a = avvik_svc.get_avvik(session=s, actor_id=pid, avvik_id=avvik_id)
        from models import notices

        actor = org.load_actor(s, person_id=pid)
        unit = s.get(Unit, a.unit_id)
        manage = actor.manages(a.unit_id) or a.assignee_id == pid
        tiltak = avvik_svc.list_tiltak(session=s, actor_id=pid, avvik_id=avvik_id)
        facts = notices.avvik_facts(a, unit, self.settings.tz_name)
        for t in tiltak:
            facts.append(Fact(label="Tiltak", value=f"{t.description} (frist {t.deadline:%d.%m.%Y}"
                                                    f"{', utført' if t.done_at else ''})"))
        return Reply(title=f"{notices.avvik_ref(a)} {a.title}", text=a.description, facts=facts,
                     actions=notices.leader_actions(a) if manage else [])

    def varsle_guidance(self, s: Session, pid: int | None, *, detected: bool = False) -> Reply:
        from models.tables import PersonRole

        names: list[str] = []
        if pid is not None:
            person = s.get(Person, pid)
            if person is not None:
                names = list(s.exec(select(Person.name).join(PersonRole, PersonRole.person_id == Person.id).where(
                    PersonRole.role == "varslingsmottaker", Person.org_id == person.org_id, Person.active == True)  # noqa: E712
                    .order_by(Person.name)).all())
        url = self.settings.public_base_url.rstrip("/") + "/varsling"
        return views.varsle_reply(url, names, detected=detected)

    # ------------------------------------------------------------------ buttons
    def handle_action(self, ia: Interaction) -> list[Reply]:
        """A button press. Returns a Reply carrying a Form when more input is needed."""
        with self._session() as s:
            form = self._action_form(s, ia)
            if form is not None:
                if ia.supports_forms:
                    return [Reply(form=form)]
                return self._start_form(s, ia.user, ia.person_id, form)
            replies = self._action_now(s, ia)
            if ia.action_id in ACTS_ON_NUDGE:
                self._refresh_nudge(s, ia.person_id)
            return replies

    def _action_form(self, s: Session, ia: Interaction) -> Form | None:
        pid, v = ia.person_id, ia.value
        if ia.action_id == "avvik.open_form":
            return self.avvik_form(s, pid, ia.values.get("description", ""))
        if ia.action_id == "avvik.add_tiltak":
            a = avvik_svc.get_avvik(session=s, actor_id=pid, avvik_id=int(v))
            people = s.exec(select(Person).where(Person.org_id == a.org_id, Person.active == True,  # noqa: E712
                                                 Person.unit_id.in_(org.subtree_ids(s, {a.unit_id}) | {a.unit_id}))  # type: ignore[union-attr]
                            .order_by(Person.name).limit(99)).all()
            options = [(str(p.id), p.name) for p in people]
            if str(pid) not in {o[0] for o in options}:
                options.insert(0, (str(pid), s.get(Person, pid).name))  # type: ignore[union-attr]
            return forms.tiltak_form(a, options, pid)
        if ia.action_id == "avvik.close":
            return forms.close_form(avvik_svc.get_avvik(session=s, actor_id=pid, avvik_id=int(v)))
        if ia.action_id == "avvik.reopen":
            return forms.reopen_form(avvik_svc.get_avvik(session=s, actor_id=pid, avvik_id=int(v)))
        if ia.action_id == "check.nei":
            unit_id, item_id = _pair(v)
            from models.tables import ChecklistItem

            item = s.get(ChecklistItem, item_id)
            return forms.check_comment_form(unit_id=unit_id, item_id=item_id, item_text=item.text if item else "")
        if ia.action_id == "oppdrag.update":
            return forms.oppdrag_form(oppdrag.get_oppdrag(session=s, actor_id=pid, number=int(v)))
        return None

    def _action_now(self, s: Session, ia: Interaction) -> list[Reply]:
        pid, v = ia.person_id, ia.value
        if ia.action_id == "avvik.take":
            a = avvik_svc.take_avvik(session=s, actor_id=pid, avvik_id=int(v))
            return [Reply(text=f"Du har tatt saken AV-{a.number}. Melderen har fått beskjed.")]
        if ia.action_id == "tiltak.done":
            t = avvik_svc.complete_tiltak(session=s, actor_id=pid, tiltak_id=int(v))
            return [Reply(text=f"Tiltaket «{t.description[:80]}» er markert som utført.")]
        if ia.action_id in ("check.ja", "check.ikke_relevant"):
            unit_id, item_id = _pair(v)
            checklists.answer_check_item(session=s, actor_id=pid, unit_id=unit_id, item_id=item_id,
                                         answer=ia.action_id.split(".", 1)[1], now=self.now())
            return [Reply(text=f"Registrert: {CHECK_ANSWERS[ia.action_id.split('.', 1)[1]]}.")]
        if ia.action_id == "avvik.show":
            return [self.avvik_detail(s, pid, int(v))]
        if ia.action_id in ("help", "menu"):
            return [views.help_reply()]
        return [Reply(text="Den knappen kjenner jeg ikke igjen. Skriv «hjelp» for å se hva jeg kan.")]

    # ------------------------------------------------------------------ form submissions
    def submit_form(self, ia: Interaction) -> list[Reply]:
        """Submit a form; raises ValidationFailed with field names as in the Form."""
        with self._session() as s:
            replies = self._submit(s, ia.person_id, ia.action_id, ia.values, ia.context,
                                   idempotency_key=ia.value or None)
            if ia.action_id in ACTS_ON_NUDGE:
                self._refresh_nudge(s, ia.person_id)
            return replies

    def _refresh_nudge(self, s: Session, person_id: int) -> None:
        """The leader acted: update this month's nudge in place. Never undoes the action."""
        try:
            nudges.refresh_nudge(session=s, person_id=person_id, now=self.now(), tz=self.settings.tz_name)
        except Exception:  # noqa: BLE001
            s.rollback()
            log.exception("refreshing the nudge failed")

    def _submit(self, s: Session, pid: int, form_id: str, values: dict[str, str], ctx: dict[str, str],
                *, idempotency_key: str | None = None) -> list[Reply]:
        if form_id == "avvik.report":
            data = forms.parse_avvik_form(values, now=self.now(), tz=self.settings.tz_name)
            a = avvik_svc.report_avvik(session=s, reporter_id=pid, data=data, idempotency_key=idempotency_key)
            return [Reply(text=f"Takk! Avviket er registrert som AV-{a.number}. Lederen din er varslet, "
                               "og du får beskjed når det skjer noe.")]
        if form_id == "avvik.add_tiltak":
            owner_raw = values.get("owner_id") or ""
            t = avvik_svc.add_tiltak(session=s, actor_id=pid, avvik_id=int(ctx["avvik_id"]),
                                     description=values.get("description", ""),
                                     owner_id=int(owner_raw) if owner_raw.isdigit() else None,
                                     deadline=forms.parse_deadline(values, self.now()))
            return [Reply(text=f"Tiltaket er lagret med frist {t.deadline:%d.%m.%Y}. Melderen har fått beskjed.")]
        if form_id == "avvik.close":
            a = avvik_svc.close_avvik(session=s, actor_id=pid, avvik_id=int(ctx["avvik_id"]),
                                      conclusion=values.get("conclusion", ""),
                                      effect_evaluation=values.get("effect_evaluation", ""))
            return [Reply(text=f"AV-{a.number} er lukket. Melderen har fått beskjed.")]
        if form_id == "avvik.reopen":
            a = avvik_svc.reopen_avvik(session=s, actor_id=pid, avvik_id=int(ctx["avvik_id"]),
                                       reason=values.get("reason", ""))
            return [Reply(text=f"AV-{a.number} er gjenåpnet.")]
        if form_id == "check.nei":
            r = checklists.answer_check_item(session=s, actor_id=pid, unit_id=int(ctx["unit_id"]),
                                             item_id=int(ctx["item_id"]), answer="nei",
                                             comment=values.get("comment"), now=self.now())
            extra = f" Avvik AV-{r.avvik_number} er opprettet." if r.avvik_number else ""
            return [Reply(text="Registrert: Nei." + extra)]
        if form_id == "oppdrag.update":
            status, progress, comment = forms.parse_oppdrag_form(values)
            o = oppdrag.update_oppdrag(session=s, actor_id=pid, number=int(ctx["number"]), status=status,
                                       progress=progress, comment=comment)
            return [Reply(text=f"Oppdrag {o.number} er oppdatert: {OPPDRAG_STATUSES[o.status]}, {o.progress} %.",
                          items=[views.oppdrag_item(o)])]
        raise ValidationFailed({"form": "Ukjent skjema."})

    # ------------------------------------------------------------------ guided form dialog (text channels)
    def _start_form(self, s: Session, user: ChannelUser, pid: int, form: Form) -> list[Reply]:
        data = {"form": form.model_dump(mode="json"), "values": {}}
        dialogs.save_dialog(session=s, **_key(user), name="form", step=0, data=data)
        intro = Reply(text=f"{form.title}: jeg spør deg steg for steg. Skriv «tilbake» for forrige spørsmål "
                           "eller «avbryt» for å avbryte.")
        return [intro, _prompt(form, 0, data["values"])]

    def _continue_form(self, s: Session, user: ChannelUser, pid: int, data: dict, step: int, text: str) -> list[Reply]:
        form = Form.model_validate(data["form"])
        values: dict[str, str] = dict(data.get("values") or {})
        t = normalise(text)
        intent = parse(text).name if len(t) < 20 else ""
        if intent == "cancel":
            dialogs.clear_dialog(session=s, **_key(user))
            return [Reply(text="Avbrutt. Ingenting er lagret.")]
        if intent == "back":
            step = max(0, step - 1)
            dialogs.save_dialog(session=s, **_key(user), name="form", step=step, data={**data, "values": values})
            return [_prompt(form, step, values)]
        if step >= len(form.fields):  # confirmation
            if t in {"send", "ja", "ok", "lagre", "bekreft", "yes", "sende", "ja send"}:
                try:
                    replies = self._submit(s, pid, form.form_id, values, form.context)
                except ValidationFailed as e:
                    first = next((i for i, f in enumerate(form.fields) if f.name in e.errors), None)
                    if first is None:
                        dialogs.clear_dialog(session=s, **_key(user))
                        return [Reply(text=e.message)]
                    dialogs.save_dialog(session=s, **_key(user), name="form", step=first, data={**data, "values": values})
                    return [Reply(text=e.errors[form.fields[first].name]), _prompt(form, first, values)]
                dialogs.clear_dialog(session=s, **_key(user))
                if form.form_id in ACTS_ON_NUDGE:
                    self._refresh_nudge(s, pid)
                return replies
            return [Reply(text="Skriv «send» for å lagre, «tilbake» for å endre, eller «avbryt».")]
        field = form.fields[step]
        value, error = self._read_field(field, text)
        if error:
            return [Reply(text=error), _prompt(form, step, values)]
        values[field.name] = value
        step += 1
        dialogs.save_dialog(session=s, **_key(user), name="form", step=step, data={**data, "values": values})
        if step < len(form.fields):
            return [_prompt(form, step, values)]
        return [_summary(form, values)]

    def _read_field(self, field: FormField, text: str) -> tuple[str, str | None]:
        raw = text.strip()
        if normalise(raw) in SKIP_WORDS or (not raw and not field.required):
            if field.required and not field.initial:
                return "", "Dette feltet må fylles ut."
            return (field.initial or "") if field.required else "", None
        if normalise(raw) in {"samme", "behold", "ok", "ja"} and field.initial:
            return field.initial, None
        if field.max_length and len(raw) > field.max_length:
            return "", f"Teksten er for lang ({len(raw)} tegn). Høyst {field.max_length} tegn."
        if field.kind == "select":
            v = match_choice(raw, field.options)
            if v is None:
                return "", "Det fant jeg ikke i lista. Svar med tallet foran et valg."
            return v, None
        if field.kind == "datetime":
            when = parse_local_datetime(raw, now=self.now(), tz=self.settings.tz_name)
            if when is None:
                return "", "Det forsto jeg ikke som et tidspunkt. Skriv f.eks. «nå», «i dag 14:30» eller «22.11 13:00»."
            return when.isoformat(), None
        if field.kind == "date":
            d = parse_date(raw, now=self.now(), tz=self.settings.tz_name)
            if d is None:
                return "", "Skriv en dato, f.eks. 15.12.2026 eller «om 14 dager»."
            return d.isoformat(), None
        if field.kind == "number":
            digits = raw.rstrip("%").strip()
            if not digits.isdigit():
                return "", "Skriv et tall."
            return digits, None
        if field.required and len(raw) < 2:
            return "", "Skriv litt mer, takk."
        return raw, None


def _key(user: ChannelUser) -> dict[str, str]:
    return {"platform": user.platform, "workspace": user.workspace, "user_id": user.user_id}


def _pair(value: str) -> tuple[int, int]:
    a, _, b = value.partition(":")
    if not (a.isdigit() and b.isdigit()):
        raise ValidationFailed({"value": "Ugyldig sjekkpunkt."})
    return int(a), int(b)


def _unit_names(s: Session, avvik: list) -> dict[int, str]:  # type: ignore[type-arg]
    ids = {a.unit_id for a in avvik}
    if not ids:
        return {}
    return {u.id: u.name for u in s.exec(select(Unit).where(Unit.id.in_(ids))).all()}  # type: ignore[union-attr, misc]


def _display(field: FormField, value: str) -> str:
    if field.kind == "select":
        return dict(field.options).get(value, value)
    if field.kind == "datetime" and value:
        try:
            from zoneinfo import ZoneInfo

            return datetime.fromisoformat(value).astimezone(ZoneInfo("Europe/Oslo")).strftime("%d.%m.%Y %H:%M")
        except ValueError:
            return value
    return value or "–"


def _prompt(form: Form, step: int, values: dict[str, str]) -> Reply:
    field = form.fields[step]
    lines = [f"{step + 1}/{len(form.fields)} {field.label}{'' if field.required else ' (valgfritt, «-» for å hoppe over)'}"]
    if field.kind == "select":
        lines += [f"  {i}. {label}" for i, (_, label) in enumerate(field.options, start=1)]
    if field.initial:
        lines.append(f"(Skriv «samme» for å beholde: {_display(field, field.initial)})")
    if field.hint:
        lines.append(field.hint)
    return Reply(text="\n".join(lines))


def _summary(form: Form, values: dict[str, str]) -> Reply:
    facts = [Fact(label=f.label, value=_display(f, values.get(f.name, ""))[:300]) for f in form.fields]
    return Reply(title=f"{form.title} – stemmer dette?", facts=facts,
                 text="Skriv «send» for å lagre, «tilbake» for å endre siste svar, eller «avbryt».")


__all__ = ["Conversation", "ROLES"]
