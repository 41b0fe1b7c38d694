"""Forms as a guided, step-by-step dialog for text channels, with «tilbake» and «avbryt».

Where a platform cannot show a form (a DM, the terminal), each field becomes a question.
The answers so far are stored with `models.services.dialogs` between messages, so any
worker process can continue the dialog. Submitting goes through the same callback as a
modal or a card, so errors land on the same field names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.conversation.channel import ChannelUser
from bot.conversation.intents import parse
from bot.conversation.parsing import SKIP_WORDS, match_choice, normalise, parse_date, parse_local_datetime
from models.errors import ValidationFailed
from models.i18n import N_, _, fmt_datetime
from models.messages import Fact, Form, FormField, Reply
from models.services import dialogs
from models.uow import Tx

CONFIRM_WORDS = {"send", "ja", "ok", "lagre", "bekreft", "yes", "sende", "ja send", "lagra", "stadfest", "confirm",
                 "save", "submit", "send it"}
KEEP_WORDS = {"samme", "behold", "ok", "ja", "behald", "same", "keep", "yes"}
CONFIRM_HINT = N_("Skriv «send» for å lagre, «tilbake» for å endre siste svar, eller «avbryt».")
# submit(tx, person_id, form, values) -> replies; raises ValidationFailed with the form's field names
Submit = Callable[[Tx, int, Form, dict[str, str]], list[Reply]]


def key(user: ChannelUser) -> dict[str, str]:
    return {"platform": user.platform, "workspace": user.workspace, "user_id": user.user_id}


class GuidedDialog:
    def __init__(self, *, now: Callable[[], datetime], tz: str) -> None:
        self.now = now
        self.tz = tz

    def start(self, tx: Tx, user: ChannelUser, form: Form) -> list[Reply]:
        data: dict[str, Any] = {"form": form.model_dump(mode="json"), "values": {}}
        dialogs.save_dialog(session=tx, **key(user), name="form", step=0, data=data)
        intro = Reply(text=_("«{title}» – jeg spør deg steg for steg. Skriv «tilbake» for forrige spørsmål "
                             "eller «avbryt» for å avbryte.").format(title=form.title))
        return [intro, _prompt(form, 0, {})]

    def resume(self, tx: Tx, user: ChannelUser, pid: int, data: dict[str, Any], step: int, text: str,
               submit: Submit) -> list[Reply]:
        """The person answered the question at `step` (or asked to go back, cancel or send)."""
        form = Form.model_validate(data["form"])
        values: dict[str, str] = dict(data.get("values") or {})
        t = normalise(text)
        intent = parse(text).name if len(t) < 20 else ""

        def save(at: int) -> None:
            dialogs.save_dialog(session=tx, **key(user), name="form", step=at, data={**data, "values": values})

        if intent == "cancel":
            dialogs.clear_dialog(session=tx, **key(user))
            return [Reply(text=_("Avbrutt. Ingenting er lagret."))]
        if intent == "back":
            step = max(0, step - 1)
            save(step)
            return [_prompt(form, step, values)]
        if step >= len(form.fields):  # confirmation
            if t not in CONFIRM_WORDS:
                return [Reply(text=_(CONFIRM_HINT))]
            try:
                replies = submit(tx, pid, form, values)
            except ValidationFailed as e:
                first = next((i for i, f in enumerate(form.fields) if f.name in e.errors), None)
                if first is None:
                    dialogs.clear_dialog(session=tx, **key(user))
                    return [Reply(text=e.message)]
                save(first)
                return [Reply(text=e.errors[form.fields[first].name]), _prompt(form, first, values)]
            dialogs.clear_dialog(session=tx, **key(user))
            return replies
        field = form.fields[step]
        value, error = self.read_field(field, text)
        if error:
            return [Reply(text=error), _prompt(form, step, values)]
        values[field.name] = value
        step += 1
        save(step)
        if step < len(form.fields):
            return [_prompt(form, step, values)]
        return [_summary(form, values)]

    def read_field(self, field: FormField, text: str) -> tuple[str, str | None]:
        """The stored value for one answer, or an error message asking again."""
        raw = text.strip()
        if normalise(raw) in SKIP_WORDS or (not raw and not field.required):
            if field.required and not field.initial:
                return "", _("Dette feltet må fylles ut.")
            return (field.initial or "") if field.required else "", None
        if normalise(raw) in KEEP_WORDS and field.initial:
            return field.initial, None
        if field.max_length and len(raw) > field.max_length:
            return "", _("Teksten er for lang ({n} tegn). Høyst {max} tegn.").format(n=len(raw), max=field.max_length)
        if field.kind == "select":
            v = match_choice(raw, field.options)
            if v is None:
                return "", _("Det fant jeg ikke i lista. Svar med tallet foran et valg.")
            return v, None
        if field.kind == "datetime":
            when = parse_local_datetime(raw, now=self.now(), tz=self.tz)
            if when is None:
                return "", _("Det forsto jeg ikke som et tidspunkt. Skriv f.eks. «nå», «i dag 14:30» eller «22.11 13:00».")
            return when.isoformat(), None
        if field.kind == "date":
            d = parse_date(raw, now=self.now(), tz=self.tz)
            if d is None:
                return "", _("Skriv en dato, f.eks. 15.12.2026 eller «om 14 dager».")
            return d.isoformat(), None
        if field.kind == "number":
            digits = raw.rstrip("%").strip()
            if not digits.isdecimal():
                return "", _("Skriv et tall.")
            return digits, None
        if field.required and len(raw) < 2:
            return "", _("Skriv litt mer, takk.")
        return raw, None


def _display(field: FormField, value: str) -> str:
    if field.kind == "select":
        return dict(field.options).get(value, value)
    if field.kind == "datetime" and value:
        try:
            return fmt_datetime(datetime.fromisoformat(value))
        except ValueError:
            return value
    return value or "–"


def _prompt(form: Form, step: int, values: dict[str, str]) -> Reply:
    field = form.fields[step]
    optional = "" if field.required else " " + _("(valgfritt, «-» for å hoppe over)")
    lines = [f"{step + 1}/{len(form.fields)} {field.label}{optional}"]
    if field.kind == "select":
        lines += [f"  {i}. {label}" for i, (_value, label) in enumerate(field.options, start=1)]
    if field.initial:
        lines.append(_("(Skriv «samme» for å beholde: {value})").format(value=_display(field, field.initial)))
    if field.hint:
        lines.append(field.hint)
    return Reply(text="\n".join(lines))


def _summary(form: Form, values: dict[str, str]) -> Reply:
    facts = [Fact(label=f.label, value=_display(f, values.get(f.name, ""))[:300]) for f in form.fields]
    return Reply(title=_("{title} – stemmer dette?").format(title=form.title), facts=facts, text=_(CONFIRM_HINT))
