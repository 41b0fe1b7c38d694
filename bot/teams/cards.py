"""Adaptive Cards 1.5 for the neutral `Reply` and `Form`.

Every button is an `Action.Execute` (answered in the same HTTP response) with an
`Action.Submit` fallback for older clients; both carry the same `data.trad` payload,
so the edge handles them alike. User text is escaped for the card markdown, and a
long reply is split into several cards so no activity exceeds Teams' 40 KB limit.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.teams.summary import reply_summary_card
from models.i18n import _
from models.messages import Action, Fact, Form, FormField, Item, Reply

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_ACTIVITY_BYTES = 36_000  # Teams refuses > 40 KB; keep room for envelope fields.
DATE_SUFFIX = "__date"
TIME_SUFFIX = "__time"

_MD_SPECIAL = re.compile(r"([\\`*_\[\]()<>#|~])")
_LINE_MARKER = re.compile(r"(?m)^(\s*)([-+=])")
_ORDERED = re.compile(r"(?m)^(\s*\d+)([.)])")


def md(text: str | None) -> str:
    """Escape plain text for a TextBlock/FactSet (markdown subset): nothing a user types becomes markup.

    Backslash-escape every markdown character, and break `{{` so Adaptive Card
    DATE()/TIME() text functions cannot be injected.
    """
    if not text:
        return ""
    out = _MD_SPECIAL.sub(r"\\\1", text)
    out = _LINE_MARKER.sub(r"\1\\\2", out)
    out = _ORDERED.sub(r"\1\\\2", out)
    return out.replace("{{", "{\u200b{")


def _text(text: str, **extra: object) -> dict:
    return {"type": "TextBlock", "text": md(text), "wrap": True, **extra}


def _facts(facts: list[Fact]) -> dict:
    return {"type": "FactSet", "facts": [{"title": md(f.label), "value": md(f.value)} for f in facts]}


def action_data(action_id: str, value: str = "", **extra: str) -> dict:
    return {"trad": {"a": action_id, "v": value, **extra}}


def _execute(title: str, verb: str, data: dict, style: str | None = None, associated_inputs: str = "auto") -> dict:
    """Action.Execute with an Action.Submit fallback carrying the same data."""
    styling = {"style": {"primary": "positive", "danger": "destructive"}[style]} if style else {}
    fallback = {"type": "Action.Submit", "title": title[:60], "data": data, **styling}
    if associated_inputs == "none":
        fallback["associatedInputs"] = "none"
    return {"type": "Action.Execute", "title": title[:60], "verb": verb, "data": data,
            "associatedInputs": associated_inputs, "fallback": fallback, **styling}


def _button(a: Action) -> dict:
    if a.url:
        return {"type": "Action.OpenUrl", "title": a.label[:60], "url": a.url}
    return _execute(a.label, a.action_id, action_data(a.action_id, a.value), a.style, associated_inputs="none")


def _card(body: list[dict], actions: list[dict] | None = None) -> dict:
    card: dict = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": "1.5", "body": body,
                  "msteams": {"width": "Full"}}
    if actions:
        card["actions"] = actions
    return card


def attachment(card: dict) -> dict:
    return {"contentType": CARD_CONTENT_TYPE, "content": card}


def message_activity(card: dict, summary: str = "") -> dict:
    activity: dict = {"type": "message", "attachments": [attachment(card)]}
    if summary:
        activity["summary"] = summary[:200]  # plain text shown in notifications
    return activity


def _item(item: Item) -> dict:
    parts: list[dict] = [_text(item.title, weight="Bolder")]
    if item.text:
        parts.append(_text(item.text, isSubtle=True, spacing="None"))
    if item.facts:
        parts.append(_facts(item.facts))
    if item.actions:
        parts.append({"type": "ActionSet", "actions": [_button(a) for a in item.actions[:6]]})
    return {"type": "Container", "separator": True, "spacing": "Medium", "items": parts}


def _size(activity: dict) -> int:
    return len(json.dumps(activity, ensure_ascii=False).encode("utf-8"))


def _summary(reply: Reply) -> str:
    return (reply.title or reply.text or "Tråd").splitlines()[0] if (reply.title or reply.text) else "Tråd"


def reply_activities(reply: Reply, *, tz: str = "Europe/Oslo") -> list[dict]:
    """One or more message activities for a Reply, each under the 40 KB limit."""
    if reply.form is not None:
        return [message_activity(form_card(reply.form, tz=tz), summary=reply.form.title)]
    rich = (reply.rich.get("teams_card") or reply_summary_card(reply)) if reply.rich else None
    if rich:
        return rich_card_activities(rich, summary=_summary(reply))
    head: list[dict] = []
    if reply.title:
        head.append(_text(reply.title, size="Medium", weight="Bolder"))
    if reply.text:
        head.append(_text(reply.text[:12_000]))
    if reply.facts:
        head.append(_facts(reply.facts))
    if reply.image_png_b64:
        head.append({"type": "Image", "url": f"data:image/png;base64,{reply.image_png_b64}",
                     "altText": reply.image_alt or "Diagram"})
    actions = [_button(a) for a in reply.actions[:6]]
    summary = _summary(reply)
    cards: list[dict] = []
    body = list(head)
    in_body = 0
    for item in reply.items:
        block = _item(item)
        if in_body and _size(message_activity(_card([*body, block]), summary)) > MAX_ACTIVITY_BYTES:
            cards.append(_card(body))
            body = [_text(_("{title} (forts.)").format(title=reply.title or _("Fortsettelse")), weight="Bolder")]
            in_body = 0
        body.append(block)
        in_body += 1
    if not body:
        body = [_text("–")]
    cards.append(_card(body))
    if actions:
        cards[-1]["actions"] = actions
    return [message_activity(c, summary) for c in cards]


def rich_card_activities(card: dict, *, summary: str = "") -> list[dict]:
    """A ready-made card (e.g. the periodic summary's, already escaped), split by its body
    elements into several cards when one activity would exceed Teams' 40 KB limit."""
    if _size(message_activity(card, summary)) <= MAX_ACTIVITY_BYTES:
        return [message_activity(card, summary)]
    shell = {k: v for k, v in card.items() if k not in ("body", "actions")}
    cards: list[dict] = []
    body: list[dict] = []
    for block in card.get("body", []):
        if body and _size(message_activity({**shell, "body": [*body, block]}, summary)) > MAX_ACTIVITY_BYTES:
            cards.append({**shell, "body": body})
            body = []
        body.append(block)
    cards.append({**shell, "body": body or [_text("–")]})
    if card.get("actions"):
        cards[-1]["actions"] = card["actions"]
    return [message_activity(c, summary) for c in cards]


# ---------------------------------------------------------------------------- forms
def _local_now(tz: str) -> datetime:
    return datetime.now(ZoneInfo(tz))


def _input(f: FormField, value: str | None, tz: str) -> list[dict]:
    label = f.label + ("" if f.required else " " + _("(valgfritt)"))
    common: dict = {"id": f.name, "label": label[:150], "isRequired": f.required,
                    "errorMessage": _("Dette feltet må fylles ut.") if f.required else None}
    common = {k: v for k, v in common.items() if v is not None}
    if f.kind == "select":
        choices = [{"title": lbl[:150], "value": val} for val, lbl in f.options[:500]]
        inp = {"type": "Input.ChoiceSet", "style": "filtered" if len(choices) > 15 else "compact",
               "choices": choices, **common}
        if value:
            inp["value"] = value
        return [inp]
    if f.kind == "date":
        inp = {"type": "Input.Date", **common}
        if value:
            inp["value"] = value[:10]
        return [inp]
    if f.kind == "datetime":
        now = _local_now(tz)
        d_val, t_val = now.strftime("%Y-%m-%d"), now.strftime("%H:%M")
        if value and "T" in value:
            try:
                when = datetime.fromisoformat(value).astimezone(ZoneInfo(tz))
                d_val, t_val = when.strftime("%Y-%m-%d"), when.strftime("%H:%M")
            except ValueError:
                pass
        return [
            {"type": "Input.Date", "id": f.name + DATE_SUFFIX, "label": label[:150], "isRequired": f.required,
             "value": d_val, "errorMessage": _("Velg en dato.")},
            {"type": "Input.Time", "id": f.name + TIME_SUFFIX, "label": _("Klokkeslett"),
             "isRequired": f.required, "value": t_val, "errorMessage": _("Velg et klokkeslett.")},
        ]
    if f.kind == "number":
        inp = {"type": "Input.Number", **common}
        if value and value.lstrip("-").isdigit():
            inp["value"] = int(value)
        return [inp]
    inp = {"type": "Input.Text", **common}
    if f.kind == "textarea":
        inp["isMultiline"] = True
    if f.max_length:
        inp["maxLength"] = f.max_length
    if f.hint:
        inp["placeholder"] = f.hint[:150]
    if value:
        inp["value"] = value
    return [inp]


def form_card(form: Form, *, values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
              nonce: str | None = None, tz: str = "Europe/Oslo") -> dict:
    """A form as a card. With `errors`, each message is shown under its input and the values are kept."""
    values = values or {}
    errors = errors or {}
    body: list[dict] = [_text(form.title, size="Medium", weight="Bolder")]
    known = {f.name for f in form.fields}
    general = [msg for name, msg in errors.items() if name not in known]
    if errors:
        body.append(_text(_("Noe må rettes før skjemaet kan sendes:") + "".join(f" {m}" for m in general),
                          color="Attention", weight="Bolder"))
    for f in form.fields:
        body.extend(_input(f, values.get(f.name) or f.initial, tz))
        if f.hint and f.kind not in ("text", "textarea", "datetime"):
            body.append(_text(f.hint, isSubtle=True, size="Small", spacing="None"))
        if f.name in errors:
            body.append(_text(errors[f.name], color="Attention", size="Small", spacing="None"))
    data = action_data("form.submit", form.form_id, n=nonce or uuid.uuid4().hex, ctx=json.dumps(form.context))
    cancel = action_data("form.cancel", form.form_id)
    return _card(body, [_execute(form.submit_label, "form.submit", data, "primary"),
                        _execute(_("Avbryt"), "form.cancel", cancel, associated_inputs="none")])


def form_values(form_fields: list[FormField] | None, raw: dict) -> dict[str, str]:
    """Input values from a submitted card, with date+time inputs joined into one ISO value."""
    out: dict[str, str] = {}
    for key, val in raw.items():
        if key == "trad" or not isinstance(key, str):
            continue
        out[key] = "" if val is None else str(val)
    for key in [k for k in out if k.endswith(DATE_SUFFIX)]:
        name = key[: -len(DATE_SUFFIX)]
        d, t = out.pop(key).strip(), out.pop(name + TIME_SUFFIX, "").strip()
        out[name] = f"{d}T{t or '12:00'}" if d else ""
    return out


def text_card(text: str, *, title: str | None = None, attention: bool = False) -> dict:
    body = []
    if title:
        body.append(_text(title, size="Medium", weight="Bolder"))
    body.append(_text(text, **({"color": "Attention"} if attention else {})))
    return _card(body)


def replies_card(replies: list[Reply], *, tz: str = "Europe/Oslo") -> dict:
    """The first reply as one card, for an invoke response that replaces the submitted card."""
    acts = reply_activities(replies[0], tz=tz) if replies else [message_activity(text_card("OK"))]
    return acts[0]["attachments"][0]["content"]


# The building blocks, for the other Teams renderers (the welcome card).
text_block = _text
item_block = _item
button = _button
new_card = _card
