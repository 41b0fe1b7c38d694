"""The styringskort page's card and HTML, kept per process as a memo of one plan version.

Why: the kommune's card with its matrix is a grouped query over every value of two periods plus
400 cells of HTML, and it changes only when someone writes to the plan. The version lives in the
database (`models.services.plan_version`, moved by triggers in every writing transaction), and is
read before the card, so a memo entry is never older than its version: a write made through any
worker is on the very next request of every worker. The read check runs on every request. After a value is written only the figures are read
again: the layout (columns, indicators, targets, unit counts) is kept by the structure version.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

from markupsafe import Markup
from sqlmodel import Session

from models.access import Actor
from models.i18n import current_locale
from models.periods import Period
from models.services import styringskort as sk
from models.services.plan_version import plan_version
from reports import styringskort_matrix as skm
from reports import styringskort_view as skv

#: Entries kept per process: cards (the page's data and about 100 kB of HTML at the large scale)
#: and layouts (`styringskort_matrix.Shape`, kept across value writes).
MEMO_SIZE = 64


class Memo:
    """A small thread-safe LRU (the web serves sync routes from a thread pool)."""

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def card_page(session: Session, memo: Memo, *, org_id: int, key: str, period: Period, actor: Actor, kind: str,
              fragment: Callable[[skv.CardView], Markup]) -> tuple[skv.CardView, Markup]:
    """The card view and its HTML for a scope key and period, checked against `actor` every time.

    `memo` is the app's (one per worker process); `kind` names the caller's links (`fragment` must
    depend only on the view, key and period); the language is part of the key, since the HTML is
    in the reader's language."""
    version, structure = plan_version(session, org_id)  # first: what follows is at least this new
    scope = skv.scope_for(session, org_id=org_id, key=key)
    sk.check_read_actor(actor, scope)
    memo_key = (org_id, kind, key, period.key, current_locale(), version)
    found = memo.get(memo_key)
    if found is not None:
        return found
    shape_key = ("shape", org_id, key, period.year, structure)
    layout = memo.get(shape_key)
    if layout is None:  # a value written since keeps the layout: only the figures are read again
        layout = skm.shape(session, org_id=org_id, scope=scope, year=period.year)
        memo.put(shape_key, layout)
    view = skv.card_view(session, org_id=org_id, scope=scope, period=period, actor=actor, layout=layout)
    made = (view, fragment(view))
    memo.put(memo_key, made)
    return made
