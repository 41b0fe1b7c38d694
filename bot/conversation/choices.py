"""Numbered buttons for text channels, bound to the view they were shown with.

Why: in the terminal a button is pressed by typing its number. When numbers were handed out
afresh for every reply, «2» could mean «Legg til tiltak» on one screen and «Lukk» on the next,
and a number typed from habit closed an avvik. Here a button keeps its number for the whole
session (the same action and value always get the same number), and only the buttons of the
view now on screen can be pressed. A number from an older view is refused with a clear
message and the current choices shown again; it never triggers something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from models.i18n import _
from models.messages import Action, Reply


@dataclass
class NumberedChoices:
    """The numbers handed out so far, and which of them the current view shows (`version` counts views)."""

    version: int = 0
    _numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    _actions: dict[int, Action] = field(default_factory=dict)
    _current: list[int] = field(default_factory=list)

    def new_view(self) -> None:
        """A reply replaced what the person looks at: earlier buttons can no longer be pressed."""
        self.version += 1
        self._current = []

    def number(self, action: Action) -> int:
        """The button's number (the same for the same action all session), now part of the current view."""
        k = (action.action_id, action.value)
        n = self._numbers.setdefault(k, len(self._numbers) + 1)
        self._actions[n] = action
        if n not in self._current:
            self._current.append(n)
        return n

    @property
    def current(self) -> list[tuple[int, Action]]:
        return [(n, self._actions[n]) for n in self._current]

    def pick(self, text: str) -> Action | Reply | None:
        """The action a typed number presses, a refusal for a number of an older view, or None (not a choice)."""
        t = text.strip()
        if not t.isdecimal() or len(t) > 6:
            return None
        n = int(t)
        if n in self._current:
            return self._actions[n]
        if n not in self._actions:
            return None
        return self.refusal(n)

    def refusal(self, n: int) -> Reply:
        gone = _("Valg {n} hørte til en tidligere visning og gjelder ikke lenger, så jeg gjorde ingenting.").format(n=n)
        if not self._current:
            return Reply(text=gone + " " + _("Det er ingen knapper å velge nå. Skriv «hjelp» for hva jeg kan."))
        listed = "\n".join(f"  [{k}] {a.label}" for k, a in self.current)
        return Reply(text=gone + " " + _("Dette kan du velge nå:") + "\n" + listed)
