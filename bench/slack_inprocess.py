"""One avvik view submission's CPU through the whole ASGI app, in process: Tråd against the floor app, no network.

    .venv/bin/python bench/slack_inprocess.py [--n 1500] [--rounds 2] [--profile trad]

Why beside `bench/slack_ack.py`: over loopback, a request's latency moves with the machine's load by more
than a change worth making to the request path; here both apps answer the same signed requests through
httpx's ASGI transport, one after another, in alternating rounds, and the figure is CPU per request and
its ratio to the floor (`slack_ack.floor_writer`: a bare Bolt app with `process_before_response=True`
that commits one row before it acks). Tråd is built by the composition root (`bot.main.serve_app`) with
the scheduler and the outbox worker off, so only the request path is measured; the listener's thread
work (the report kept before the ack) is in the process's CPU time. To compare two versions, run the
script from each checkout, alternating.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import slack_ack  # noqa: E402  (the bench's request bodies, signing and floor app)


async def measure(app: Any, make: Any, n: int, profile: bool) -> tuple[float, float]:
    """(CPU ms per request, p50 ms) over `n` requests after 20 to warm up."""
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        async def one(i: int) -> float:
            body, ctype = make(i)
            started = time.perf_counter()
            r = await client.post("/slack/events", content=body, headers={"Content-Type": ctype,
                                                                         **slack_ack.signed(body)})
            assert r.status_code == 200, (r.status_code, r.text[:300])
            return time.perf_counter() - started

        for i in range(20):
            await one(i)
        await asyncio.sleep(0.5)  # the warm-up's work after the ack (home refreshes) is done before the clock starts
        prof = cProfile.Profile() if profile else None
        cpu0 = time.process_time()
        if prof:
            prof.enable()
        took = sorted([await one(1000 + i) for i in range(n)])
        if prof:
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(50)
        return (time.process_time() - cpu0) / n * 1000, took[n // 2] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1500)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--profile", choices=("trad", "floor"), default=None)
    args = ap.parse_args()
    from models.vocabulary import AVVIK_CATEGORIES
    from tests.slack.fake_slack import FakeSlack

    fake = FakeSlack().start()
    fake.calls = type("Forget", (list,), {"append": lambda self, item: None})()  # keep no record of the load
    db_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='trad-inproc-')) / 'bench.db'}"
    emails = slack_ack.seed(db_url)
    uids = {key: "U" + key.upper() for key in emails}
    fake.users.update({uids[key]: email for key, email in emails.items()})
    os.environ.update({"DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-bench-1", "SLACK_SIGNING_SECRET": slack_ack.SECRET,
                       "SLACK_API_URL": fake.api_url, "SCHEDULER_ENABLED": "false", "OUTBOX_WORKER_ENABLED": "false",
                       "PUBLIC_BASE_URL": "https://trad.example.no"})
    from bot.main import serve_app

    apps = {"floor": slack_ack.baseline_app("floor", "xoxb-bench-1", fake.api_url, db_url), "trad": serve_app()}
    category, people = next(iter(AVVIK_CATEGORIES)), ["ansatt", "ansatt2", "leder", "helseansatt"]

    def make(i: int) -> tuple[bytes, str]:
        uid = uids[people[i % len(people)]]
        return slack_ack.submission_body(uid, f"V{i}-{time.monotonic_ns()}", category), "application/x-www-form-urlencoded"

    async def rounds() -> list[tuple[int, str, float, float]]:
        out = []
        for r in range(args.rounds):
            for name in ("floor", "trad"):
                cpu, p50 = await measure(apps[name], make, args.n, args.profile == name and r == 0)
                out.append((r + 1, name, cpu, p50))
        return out

    rows = asyncio.run(rounds())  # one loop: the app's clients and locks belong to it
    print(f"| round | app | CPU ms/req | p50 ms | the avvik view submission, n={args.n} |\n|---|---|---|---|---|")
    for r, name, cpu, p50 in rows:
        floor = next(c for rr, nn, c, _p in rows if rr == r and nn == "floor")
        print(f"| {r} | {name} | {cpu:.3f} | {p50:.3f} | {cpu / floor:.2f}× the floor's CPU |")


if __name__ == "__main__":
    main()
