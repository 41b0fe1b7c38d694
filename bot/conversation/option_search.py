"""A long list in a form, searched as the person types: a kommune's units in the avvik form.

Why: a kommune of 500–5,000 staff has a hundred units or more, and Slack's select menu shows at most
100 options. Cutting the list hid every unit after the hundredth, so a person could not report an
avvik for most of a large kommune's units. A field marked `searchable` may instead be shown as a
search that asks for the options that match what the person typed (Slack's `external_select`);
Teams filters its own card, which has no such limit. The options come from the same form the person
was shown, built again for them, so a search can never offer a unit the form would not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from models.messages import Form

if TYPE_CHECKING:
    from bot.conversation.engine import Conversation

MAX_OPTIONS = 100  # what one answer to Slack's search may hold


def matching(options: Sequence[tuple[str, str]], query: str, *, limit: int = MAX_OPTIONS) -> list[tuple[str, str]]:
    """The options whose label holds every word typed, those that begin with it first, in the form's order."""
    words = query.casefold().split()
    if not words:
        return list(options[:limit])
    typed = " ".join(words)
    hits = [o for o in options if all(w in o[1].casefold() for w in words)]
    hits.sort(key=lambda o: not o[1].casefold().startswith(typed))  # stable: the form's order within each
    return hits[:limit]


def field_choices(build_form: Callable[[], Form], field: str, query: str) -> list[tuple[str, str]]:
    """The options of a searchable `field` of the form `build_form` makes that match `query`."""
    chosen = next((f for f in build_form().fields if f.name == field and f.searchable), None)
    return matching(chosen.options, query) if chosen is not None else []


def choices_for(conversation: Conversation, person_id: int, form_id: str, field: str, query: str, *,
                platform_locale: str | None = None) -> list[tuple[str, str]]:
    """What a platform's search of a form's field offers the person: nothing for a form that is not searched."""
    builders: dict[str, Callable[[], Form]] = {
        "avvik.report": lambda: conversation.open_avvik_form(person_id, platform_locale=platform_locale)}
    build = builders.get(form_id)
    return field_choices(build, field, query) if build is not None else []
