"""Typed Block Kit builders: the neutral `Reply` / `Form` rendered for Slack.

Why here and typed: every piece of user text passes through `esc()` / `mrkdwn()` in
one place, so a report containing `<!channel>` or `<https://evil|klikk>` pings nobody
and links nowhere; and Slack's size limits (50 blocks per message, 100 per view,
24-character modal titles, 75-character options, 100 options per select) are met by
degrading (splitting, truncating) instead of failing with `invalid_blocks`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.basic_objects import JsonObject
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    DateTimePickerElement,
    DividerBlock,
    ExternalDataSelectElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.conversation.home import HomeSection
from models.i18n import _
from models.messages import Action, Fact, Form, FormField, Item, Reply

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
MODAL_TITLE = 24
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
SECTION_TEXT = 3000
FIELD_TEXT = 2000
FIELDS_PER_SECTION = 10
BUTTON_TEXT = 75
BUTTONS_PER_ACTIONS = 25
HEADER_TEXT = 150
INPUT_MAX = 3000
METADATA_MAX = 3000
FALLBACK_TEXT = 3000
VALUE_ACTION = "value"  # action_id of every input element; the block_id is the form field name


def esc(text: object) -> str:
    """Escape exactly &, < and > (Slack's rule) so user text cannot form mentions or links."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_ATTRIBUTES: dict[type, tuple[str, ...]] = {}


def as_dict(obj: object) -> object:
    """The JSON shape of a Block Kit object, like `obj.to_dict()` but without re-validating.

    Why: slack_sdk's `to_dict()` validates every nested object and then serialises each
    child twice; for a modal with ~40 options that cost ~9 ms of CPU per request, most
    of a core at 100 requests/s. Our builders already keep within Slack's limits (and
    the unit tests check the output with `to_dict()` and compare it with this function),
    so the hot path serialises directly.
    """
    if isinstance(obj, (list, tuple)):
        return [as_dict(v) for v in obj]
    if isinstance(obj, Option):
        out: dict = {"text": as_dict(obj._text or PlainTextObject.from_str(obj.label or "")), "value": obj.value}
        if obj._block_description:
            out["description"] = as_dict(obj._block_description)
        if obj.url:
            out["url"] = obj.url
        return out
    if isinstance(obj, JsonObject):
        result = {}
        keys = _ATTRIBUTES.get(type(obj))
        if keys is None:  # slack_sdk builds `attributes` with set unions on every access
            keys = _ATTRIBUTES[type(obj)] = tuple(sorted(obj.attributes))
        for key in keys:
            value = getattr(obj, key, None)
            if value is None or (hasattr(value, "__len__") and len(value) == 0):
                continue
            result[key] = as_dict(value)
        return result
    return obj


def view_dict(view: View) -> dict[str, Any]:
    """`as_dict` of a whole modal or home view, which is always a JSON object."""
    out = as_dict(view)
    assert isinstance(out, dict)
    return out


def unescape(text: str) -> str:
    """Undo Slack's escaping of message text (used to pre-fill a form with a message's text)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def cut(text: str, limit: int) -> str:
    """Shorten to `limit` characters with an ellipsis."""
    text = text or ""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def plain(text: str, limit: int = 2000) -> PlainTextObject:
    """Plain text is never parsed for mentions or links; only the length needs guarding."""
    return PlainTextObject(text=cut(text, limit) or " ", emoji=True)


def mrkdwn(text: str, limit: int = SECTION_TEXT) -> MarkdownTextObject:
    """Markdown whose user parts are already escaped; verbatim stops Slack from auto-linking names and URLs."""
    return MarkdownTextObject(text=cut(text, limit) or " ", verbatim=True)


def _chunks(text: str, size: int) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)] or [""]


def _fact_fields(facts: Iterable[Fact]) -> list[MarkdownTextObject]:
    return [mrkdwn(f"*{esc(f.label)}*\n{esc(f.value)}", FIELD_TEXT) for f in facts]


def _buttons(actions: list[Action], used: dict[str, int]) -> list[ButtonElement]:
    """Buttons with action ids unique within the message (Slack rejects duplicates): `check.ja#2`."""
    out = []
    for a in actions[:BUTTONS_PER_ACTIONS]:
        n = used.get(a.action_id, 0)
        used[a.action_id] = n + 1
        action_id = a.action_id if n == 0 else f"{a.action_id}#{n}"
        out.append(ButtonElement(text=plain(a.label, BUTTON_TEXT), action_id=action_id, value=cut(a.value, 2000) or None,
                                 style=a.style, url=a.url))
    return out


def base_action_id(action_id: str) -> str:
    """The neutral action id behind a possibly suffixed Slack one."""
    return action_id.split("#", 1)[0]


def _text_blocks(text: str) -> list[Block]:
    return [SectionBlock(text=mrkdwn(esc(part))) for part in _chunks(text, SECTION_TEXT - 200) if part.strip()]


def item_blocks(item: Item, used: dict[str, int]) -> list[Block]:
    """One list entry: a section (title, text, up to 10 facts) and its buttons."""
    body = f"*{esc(cut(item.title, 500))}*"
    if item.text:
        body += f"\n{esc(cut(item.text, 2000))}"
    fields = _fact_fields(item.facts[:FIELDS_PER_SECTION]) or None
    blocks: list[Block] = [SectionBlock(text=mrkdwn(body), fields=fields)]
    if item.actions:
        blocks.append(ActionsBlock(elements=_buttons(item.actions, used)))
    return blocks


def reply_groups(reply: Reply) -> tuple[list[Block], list[list[Block]], list[Block]]:
    """Head blocks, one group per item (kept together), tail blocks."""
    used: dict[str, int] = {}
    head: list[Block] = []
    if reply.title:
        head.append(HeaderBlock(text=plain(reply.title, HEADER_TEXT)))
    if reply.text:
        head.extend(_text_blocks(reply.text))
    for i in range(0, len(reply.facts), FIELDS_PER_SECTION):
        head.append(SectionBlock(fields=_fact_fields(reply.facts[i:i + FIELDS_PER_SECTION])))
    groups = [item_blocks(it, used) for it in reply.items]
    tail: list[Block] = []
    if reply.actions:
        tail.append(ActionsBlock(elements=_buttons(reply.actions, used)))
    if reply.image_png_b64 and reply.image_alt:
        tail.append(ContextBlock(elements=[mrkdwn(esc(reply.image_alt), 2000)]))
    return head, groups, tail


def render_messages(reply: Reply, *, max_blocks: int = MESSAGE_BLOCKS) -> list[list[Block]]:
    """The reply as one or more messages of at most `max_blocks` blocks each.

    Long lists (a big checklist) are split over several messages between items, so
    every button stays next to its item; later parts say which part they are.
    """
    head, groups, tail = reply_groups(reply)
    head = head[: max_blocks - 1]
    pages: list[list[Block]] = [list(head)]
    for g in groups:
        g = g[: max_blocks - 1]
        if len(pages[-1]) + len(g) > max_blocks:
            pages.append([])
        pages[-1].extend(g)
    if tail:
        if len(pages[-1]) + len(tail) > max_blocks:
            pages.append([])
        pages[-1].extend(tail)
    pages = [p for p in pages if p] or [[SectionBlock(text=mrkdwn(" "))]]
    if len(pages) > 1:
        for n, page in enumerate(pages[1:], start=2):
            label = ContextBlock(elements=[mrkdwn(_("{title} – del {n} av {total}").format(
                title=esc(cut(reply.title or _("Fortsettelse"), 100)), n=n, total=len(pages)))])
            if len(page) < max_blocks:
                page.insert(0, label)
    return pages


def fallback_text(reply: Reply) -> str:
    """The top-level `text` Slack shows in notifications; escaped like everything else."""
    parts = [reply.title or "", reply.text or ""]
    if not any(parts) and reply.items:
        parts = [reply.items[0].title]
    return esc(cut(" – ".join(p for p in parts if p) or _("Melding fra Tråd"), FALLBACK_TEXT))


def message_payloads(reply: Reply) -> list[dict]:
    """`chat.postMessage` keyword arguments for each part of the reply."""
    text = fallback_text(reply)
    return [{"text": text, "blocks": as_dict(page)} for page in render_messages(reply)]


# ---------------------------------------------------------------- forms → modals
def _option(value: str, label: str) -> Option:
    return Option(value=value[:OPTION_VALUE], text=plain(label, OPTION_TEXT))


def _select(field: FormField) -> StaticSelectElement | ExternalDataSelectElement:
    """A menu of the field's options; past Slack's 100, a search of them if the field may be searched
    (`bot.slack.listeners.views` answers it from the conversation), else the first 99 and the chosen one."""
    options = list(field.options)
    initial = next(((v, label) for v, label in options if v == field.initial), None)
    initial_opt = _option(*initial) if initial else None
    placeholder = plain(_("Velg …"), 150)
    if len(options) > SELECT_OPTIONS and field.searchable:
        placeholder = plain(_("Skriv for å søke …"), 150)
        return ExternalDataSelectElement(action_id=VALUE_ACTION, initial_option=initial_opt, min_query_length=0,
                                         placeholder=placeholder)
    if len(options) > SELECT_OPTIONS:
        keep = options[: SELECT_OPTIONS - 1]
        options = keep + ([initial] if initial and initial not in keep else [options[SELECT_OPTIONS - 1]])
    return StaticSelectElement(action_id=VALUE_ACTION, options=[_option(v, label) for v, label in options],
                               initial_option=initial_opt, placeholder=placeholder)


def option_dicts(options: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Options as an answer to Slack's search of an external select (`block_suggestion`)."""
    return [_option(v, label).to_dict() for v, label in options[:SELECT_OPTIONS]]


def _element(field: FormField, now: datetime | None = None) -> (
        StaticSelectElement | ExternalDataSelectElement | DatePickerElement | DateTimePickerElement
        | PlainTextInputElement):
    if field.kind == "select":
        return _select(field)
    if field.kind == "date":
        initial = None
        if field.initial:
            try:
                initial = datetime.fromisoformat(field.initial).date().isoformat()
            except ValueError:
                initial = None
        return DatePickerElement(action_id=VALUE_ACTION, initial_date=initial)
    if field.kind == "datetime":
        when = now or datetime.now(UTC)
        if field.initial:
            try:
                when = datetime.fromisoformat(field.initial)
            except ValueError:
                pass
        return DateTimePickerElement(action_id=VALUE_ACTION, initial_date_time=int(when.timestamp()))
    max_len = min(field.max_length or INPUT_MAX, INPUT_MAX)
    return PlainTextInputElement(action_id=VALUE_ACTION, multiline=field.kind == "textarea",
                                 initial_value=cut(field.initial, max_len) if field.initial else None,
                                 max_length=max_len)


def form_view(form: Form, *, now: datetime | None = None) -> View:
    """A modal for the form: one input block per field, its block_id the field name."""
    blocks: list[Block] = []
    for f in form.fields[:VIEW_BLOCKS]:
        blocks.append(InputBlock(block_id=f.name, label=plain(f.label, 2000), element=_element(f, now),
                                 optional=not f.required, hint=plain(f.hint, 2000) if f.hint else None))
    metadata = json.dumps(form.context, separators=(",", ":"))
    if len(metadata) > METADATA_MAX:
        raise ValueError("form context is too large for a Slack modal")
    return View(type="modal", callback_id=form.form_id, title=plain(form.title, MODAL_TITLE),
                submit=plain(form.submit_label, MODAL_TITLE), close=plain(_("Avbryt"), MODAL_TITLE),
                private_metadata=metadata, blocks=blocks)


def notice_view(title: str, reply: Reply) -> View:
    """A closing modal that shows what happened (used as the answer to a submission)."""
    head, groups, tail = reply_groups(reply.model_copy(update={"actions": [], "title": None}))
    blocks = head + [b for g in groups for b in g if not isinstance(b, ActionsBlock)]
    return View(type="modal", title=plain(title, MODAL_TITLE), close=plain(_("Lukk"), MODAL_TITLE),
                blocks=(blocks or [SectionBlock(text=mrkdwn(_("Lagret.")))])[:VIEW_BLOCKS])


def form_values(state_values: dict) -> dict[str, str]:
    """Submitted modal state → {field name: string value}, whatever the element type."""
    out: dict[str, str] = {}
    for block_id, actions in (state_values or {}).items():
        for _action_id, v in (actions or {}).items():
            kind = v.get("type")
            if kind in ("static_select", "external_select"):
                sel = v.get("selected_option") or {}
                out[block_id] = sel.get("value") or ""
            elif kind == "datepicker":
                out[block_id] = v.get("selected_date") or ""
            elif kind == "datetimepicker":
                ts = v.get("selected_date_time")
                out[block_id] = datetime.fromtimestamp(int(ts), UTC).isoformat() if ts else ""
            else:
                out[block_id] = v.get("value") or ""
    return out


def field_errors(form_fields: list[str], errors: dict[str, str]) -> dict[str, str]:
    """Domain field errors keyed by the modal's block ids; unknown keys land on the first field."""
    out: dict[str, str] = {}
    aliases = {"title": "description", "form": None, "value": None}
    for key, msg in errors.items():
        target = key if key in form_fields else aliases.get(key)
        if target is None or target not in form_fields:
            target = form_fields[0] if form_fields else key
        out[target] = cut((out[target] + " " if target in out else "") + msg, 2000)
    return out


# ---------------------------------------------------------------- App Home
def home_view(sections: list[HomeSection] | list[tuple[str, list[Item], str]], *, intro: str,
              actions: list[Action]) -> View:
    """The App Home: a header, quick actions, then one section per list, capped at 100 blocks."""
    used: dict[str, int] = {}
    blocks: list[Block] = [HeaderBlock(text=plain("Tråd", HEADER_TEXT)), SectionBlock(text=mrkdwn(esc(intro)))]
    if actions:
        blocks.append(ActionsBlock(elements=_buttons(actions, used)))
    budget = VIEW_BLOCKS - len(blocks) - 3 * len(sections)
    per_section = max(1, budget // max(1, len(sections)))
    for section in sections:
        title, items, empty, total, more_url = HomeSection(*section)
        blocks.append(DividerBlock())
        blocks.append(HeaderBlock(text=plain(title, HEADER_TEXT)))
        if not items:
            blocks.append(ContextBlock(elements=[mrkdwn(esc(empty))]))
            continue
        room = per_section
        shown = 0
        for it in items:
            group = item_blocks(it, used)
            if len(group) > room - 1 and shown < len(items) - 1:
                break
            if len(group) > room:
                break
            blocks.extend(group)
            room -= len(group)
            shown += 1
        rest = max(total or 0, len(items)) - shown
        if rest > 0:
            see_all = _("Se alle")
            more = f" <{more_url}|{see_all}>" if more_url else ""
            blocks.append(ContextBlock(elements=[mrkdwn(_("… og {n} til.").format(n=rest) + more)]))
    return View(type="home", blocks=blocks[:VIEW_BLOCKS])
