"""The platform-neutral message every edge renders its own way (Block Kit, Adaptive Card, terminal, HTML).

It lives in the domain package because the domain writes notifications into the
outbox in the same transaction as the change that caused them. All text here is
plain and unescaped: each renderer escapes for its own markup.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Action(BaseModel):
    """A button. `action_id` names the handler ("avvik.take"); `value` carries its argument."""

    label: str
    action_id: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None
    url: str | None = None


class Fact(BaseModel):
    label: str
    value: str


class Item(BaseModel):
    """One entry in a list: an avvik, a check item, an oppdrag."""

    title: str
    text: str = ""
    facts: list[Fact] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)


FieldKind = Literal["text", "textarea", "select", "date", "datetime", "number"]


class FormField(BaseModel):
    name: str
    label: str
    kind: FieldKind = "text"
    options: list[tuple[str, str]] = Field(default_factory=list, description="(value, label)")
    required: bool = True
    initial: str | None = None
    max_length: int | None = None
    hint: str | None = None
    searchable: bool = False  # its options may be asked for again, filtered by what the person types


class Form(BaseModel):
    """A form that Slack shows as a modal, Teams as a card, the terminal as a guided dialog."""

    form_id: str
    title: str
    submit_label: str = "Send"
    fields: list[FormField]
    context: dict[str, str] = Field(default_factory=dict, description="ids carried through the form; no secrets")


class Reply(BaseModel):
    text: str = ""
    title: str | None = None
    facts: list[Fact] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    form: Form | None = None
    ephemeral: bool = False
    image_png_b64: str | None = Field(default=None, description="a chart as base64 PNG, sent as an upload/image")
    image_alt: str | None = None
    rich: dict[str, Any] = Field(default_factory=dict, description=(
        "a platform's own rendering, used instead of the generic one where present: "
        "'slack_blocks' (list of Block Kit blocks), 'teams_card' (an Adaptive Card); already escaped; "
        "or neutral data a platform renders its own way: 'summary' (reports.summary.Summary as JSON)"))
    locale: str | None = Field(default=None, description=(
        "the language the text was written in (nb, nn, en), so a renderer adds its labels in the same one"))
