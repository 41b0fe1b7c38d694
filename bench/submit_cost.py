"""What one avvik submission costs before the Slack ack, in process: statements and CPU.

    .venv/bin/python bench/submit_cost.py [--n 300] [--profile] [--db URL] [--accept | --register | --form UNITS]

Calls `Conversation.submit_form` for the avvik modal (the work `bot/slack/listeners/views.py`
awaits before it acks) `--n` times on a fresh SQLite file with the test kommune, and prints the
statements of one submission (grouped), and the CPU time per submission (process time, which a
loaded shared machine moves less than wall time). `--profile` adds a cProfile listing. To
compare two versions, run the script from each checkout, alternating (issue 15). `--accept` and
`--register` split the submission at the ack (what is kept before it, what makes the case after it);
`--form UNITS` is the work after each `/avvik` ack, the form read and built, with UNITS more units.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import itertools
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--db", default=None)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--accept", action="store_true",
                    help="what runs before the ack since the report inbox: `accept_form` (check and keep one row)")
    ap.add_argument("--register", action="store_true",
                    help="what runs after the ack: `report_inbox.register_next` (the kept row becomes an avvik)")
    ap.add_argument("--form", type=int, default=None, metavar="UNITS",
                    help="what runs after each /avvik ack: the avvik form read and built, with UNITS more units")
    args = ap.parse_args()
    from sqlalchemy import event
    from sqlmodel import Session

    from bot.conversation.channel import ChannelUser, Interaction
    from bot.conversation.engine import Conversation
    from models.db import get_engine
    from models.migrate import upgrade
    from models.settings import Settings
    from models.uow import UnitOfWork
    from models.vocabulary import AVVIK_CATEGORIES
    from tests.factories import make_test_org

    db = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='trad-submit-')}/cost.db"
    upgrade(db)
    engine = get_engine(db)
    with Session(engine) as s:
        people = make_test_org(s).people
        s.commit()
    conv = Conversation(settings=Settings(), uow=UnitOfWork(engine))
    if args.form is not None:
        return _form_cost(engine, conv, people["ansatt"], args.form, args.n)
    seen: collections.Counter[str] = collections.Counter()
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, stmt, *_a: seen.update([stmt.split("\n")[0][:100]]))
    ids, who = itertools.count(1), ["ansatt", "ansatt2", "leder", "helseansatt"]
    category = next(iter(AVVIK_CATEGORIES))

    def one(i: int) -> str:
        values = {"category": category, "description": "Benk: glatt gulv ved garderoben", "occurred_at": "i dag 08:00",
                  "probability": "2", "consequence": "3"}
        ia = Interaction(user=ChannelUser(platform="slack", workspace="T", user_id="U1", locale="nb-NO"),
                         person_id=people[who[i % 4]], action_id="avvik.report", value=f"V{next(ids)}", values=values,
                         context={})
        return (conv.accept_form if args.accept or args.register else conv.submit_form)(ia)[0].text

    if args.register:
        return _register_cost(engine, one, seen, args.n, profile=args.profile)
    for i in range(20):  # warm-up: imports, statement caches
        one(i)
    seen.clear()
    print("answer:", one(0))
    print(f"statements per submission: {sum(seen.values())}")
    for stmt, n in seen.most_common():
        print(f"  {n} × {stmt}")
    t = time.process_time()
    for i in range(args.n):
        one(i)
    print(f"CPU per submission: {(time.process_time() - t) / args.n * 1000:.2f} ms (n={args.n})")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for i in range(args.n):
            one(i)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(40)


def _register_cost(engine: object, one: object, seen: collections.Counter[str], n: int, *, profile: bool) -> None:
    """Keep n + 21 reports through the accept, then register them one by one as the inbox worker does."""
    from sqlmodel import Session

    from models.services import report_inbox

    def register() -> None:
        with Session(engine) as s:
            assert report_inbox.register_next(session=s)

    for i in range(n * (2 if profile else 1) + 21):
        one(i)  # type: ignore[operator]
    for _ in range(20):
        register()
    seen.clear()
    register()
    print(f"statements per registration: {sum(seen.values())}")
    for stmt, k in seen.most_common():
        print(f"  {k} × {stmt}")
    t = time.process_time()
    for _ in range(n):
        register()
    print(f"CPU per registration: {(time.process_time() - t) / n * 1000:.2f} ms (n={n})")
    if profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(n):
            register()
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(60)


def _form_cost(engine: Any, conv: Any, person_id: int, units: int, n: int) -> None:
    """The avvik form for one person in a kommune with `units` more units (the Slack bench's fan-out adds 300)."""
    from sqlmodel import Session, select

    from models.tables import Organisation, Unit

    with Session(engine) as s:
        org_id = s.exec(select(Organisation.id)).one()
        s.add_all(Unit(org_id=org_id, name=f"Fan {i}", path=f"Fan {i}", kind="unit") for i in range(units))
        s.commit()
    for _ in range(200):
        conv.open_avvik_form(person_id)
    t = time.process_time()
    for _ in range(n):
        conv.open_avvik_form(person_id)
    print(f"CPU per avvik form ({units} more units): {(time.process_time() - t) / n * 1000:.2f} ms (n={n})")


if __name__ == "__main__":
    main()
