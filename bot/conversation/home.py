"""The neutral home dashboard: what waits for a person, as sections of `Item`s.

Slack renders a `HomeView` as the App Home; another platform (a Teams tab, the web) can
render the same view. The conversation builds it from `models.services.home`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from bot.conversation import views
from models.i18n import N_, _, ngettext
from models.messages import Action, Item
from models.services.home import HomeData

MAX_ITEMS = 15
INTRO = N_("Her ser du avvikene dine og det som venter på deg. Skriv til meg i Meldinger-fanen, f.eks. «hjelp».")


class HomeSection(NamedTuple):
    title: str
    items: list[Item]
    empty: str
    total: int | None = None  # how many there are when `items` is only the first of them
    more_url: str | None = None  # where to see them all (our own web page, never user text)


@dataclass(frozen=True)
class HomeView:
    intro: str
    actions: list[Action] = field(default_factory=list)
    sections: list[HomeSection] = field(default_factory=list)


def build_home_view(data: HomeData, *, public_base_url: str,
                    indicators_missing: tuple[str, int] | None = None) -> HomeView:
    """`indicators_missing` is (the reporting period's label, how many indicator values it still lacks)."""
    base = public_base_url.rstrip("/")
    waiting: list[Item] = []
    if indicators_missing and indicators_missing[1]:
        label, n = indicators_missing
        waiting.append(Item(title=_("Indikatorer som venter ({n})").format(n=n),
                            text=ngettext("{n} indikator for {period} mangler verdi.",
                                          "{n} indikatorer for {period} mangler verdi.", n).format(n=n, period=label)
                            + " " + _("Skriv «registrer indikatorer» til meg.")))
    waiting += [views.check_item(d) for d in data.due[:MAX_ITEMS]]
    waiting += [views.oppdrag_item(o) for o in data.stale[:MAX_ITEMS]]
    sections = [
        HomeSection(_("Mine åpne avvik"), [views.avvik_item(a) for a in data.mine], _("Du har ingen åpne avvik.")),
        HomeSection(_("Venter på deg"), waiting, _("Ingenting venter på deg nå. 👍")),
    ]
    if data.is_leader:
        total = data.unit_total
        sections.append(HomeSection(
            _("Åpne avvik i enhetene dine ({n}, eldste først)").format(n=total) if total
            else _("Åpne avvik i enhetene dine"),
            [views.avvik_item(a, for_leader=True) for a in data.unit_avvik],
            _("Ingen åpne avvik i enhetene dine."), total=total, more_url=base + "/leder"))
    actions = [Action(label=_("Meld avvik"), action_id="avvik.open_form", style="primary"),
               Action(label=_("Varsle anonymt"), action_id="varsle.open", url=base + "/varsling")]
    return HomeView(intro=_(INTRO), actions=actions, sections=sections)
