"""The welcome card a person gets when they install Tråd in Teams: what it does, three commands, their tasks.

Why the home view: the open tasks come from the conversation's `HomeView` (the same data
as Slack's App Home and the web's «Mine saker»), so the welcome never drifts from them.
"""

from __future__ import annotations

from bot.conversation.home import HomeView
from bot.teams.cards import button, item_block, new_card, rich_card_activities, text_block
from models.i18n import N_, _

WELCOME_TITLE = N_("Velkommen til Tråd")
WHAT = N_("Tråd hjelper deg med avvik, internkontroll og oppdrag her i Teams. "
          "Du kan også melde avvik rett fra en melding: «…» → «Flere handlinger» → «Meld avvik fra denne meldingen».")
#: (command as typed, what it does); the command is shown in the person's language too («meld avvik», «report»).
TOP_COMMANDS = [
    (N_("meld avvik"), N_("registrer et avvik")),
    (N_("mine avvik"), N_("se avvikene dine")),
    (N_("sjekkliste"), N_("svar på internkontroll-punktene som venter")),
]


def welcome_card(view: HomeView | None) -> dict:
    """One card in the current language; without a home view (the person is not known yet) only the introduction."""
    body: list[dict] = [text_block(_(WELCOME_TITLE), size="Large", weight="Bolder"), text_block(_(WHAT))]
    body.append({"type": "FactSet", "facts": [{"title": _(cmd), "value": _(what)} for cmd, what in TOP_COMMANDS]})
    actions: list[dict] = []
    if view is not None:
        for section in view.sections:
            body.append(text_block(section.title, size="Medium", weight="Bolder", separator=True, spacing="Large"))
            if not section.items:
                body.append(text_block(section.empty, isSubtle=True))
            body.extend(item_block(item) for item in section.items)
            if section.more_url:
                body.append({"type": "ActionSet", "actions": [
                    {"type": "Action.OpenUrl", "title": _("Se alle"), "url": section.more_url}]})
        actions = [button(a) for a in view.actions[:4]]
    else:
        body.append(text_block(_("Jeg finner deg ikke i Tråd ennå. Be lederen din eller en administrator "
                                 "legge deg til."), isSubtle=True))
    return new_card(body, actions or None)


def welcome_activities(view: HomeView | None) -> list[dict]:
    return rich_card_activities(welcome_card(view), summary=_(WELCOME_TITLE))
