"""Monthly nudge fan-out to every leader of every kommune, through the rate-limited fake Slack.

The fake (bench/nudge_fanout.py's, run as its own process) keeps a 1-second window per
token, i.e. per workspace, as Slack's limits are, plus a minimum gap per channel, and
answers 429 with Retry-After when either is exceeded (and a small share of 429s and 500s at
random). The monthly job enqueues one nudge per leader (timed: that is the job's own cost),
then `--senders` processes deliver until the outbox is empty.

Figures: lost (enqueued but never posted), doubled (posted twice), the share of 429s among
all post calls, and per workspace the time from the start of delivery to its last post
against the rate-limit floor (its posts ÷ its limit).
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import nudge_fanout as nf

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-11"


def enqueue(db_url: str) -> dict:
    """Clear earlier runs' nudges, then run the monthly job for every kommune at once (as the scheduler does)."""
    from sqlalchemy import text
    from sqlmodel import Session

    from models.db import make_engine
    from models.services import nudges

    engine = make_engine(db_url)
    with engine.begin() as c:
        c.execute(text("DELETE FROM outbox"))
    t0 = time.perf_counter()
    with Session(engine) as s:
        r = nudges.run_nudges(session=s, period=PERIOD)
    took = time.perf_counter() - t0
    with engine.begin() as c:  # each fan-out starts from this same outbox (restore_outbox)
        c.execute(text("DROP TABLE IF EXISTS bench_outbox_snap"))
        c.execute(text("CREATE TABLE bench_outbox_snap AS SELECT * FROM outbox"))
    engine.dispose()
    return {"enqueue_s": round(took, 2), "leaders": r.leaders, "enqueued": r.enqueued,
            "enqueue_ms_per_leader": round(1000 * took / max(1, r.leaders), 1)}


NO_HOME = ("import sys\nimport bot.slack.home as home\n\nasync def _skip(*a, **k):\n    return None\n\n"
           "home.publish_home = _skip\nsys.argv = ['trad', 'deliver']\nfrom bot.cli import main\nmain()\n")


def enqueued_before(db_url: str) -> dict | None:
    """What an earlier run's monthly job left (`bench_outbox_snap`), to deliver again without re-running the
    job (`--reuse-outbox`: the enqueue takes minutes at 50 kommuner and is measured once)."""
    from sqlalchemy import inspect, text

    from models.db import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as c:
            if not inspect(c).has_table("bench_outbox_snap"):
                return None
            n = int(c.execute(text("SELECT count(*) FROM bench_outbox_snap")).scalar() or 0)
            leaders = int(c.execute(text("SELECT count(DISTINCT recipient_person_id) FROM bench_outbox_snap")).scalar()
                          or 0)
    finally:
        engine.dispose()
    return {"enqueue_s": None, "leaders": leaders, "enqueued": n, "enqueue_ms_per_leader": None, "outbox_reused": True}


def restore_outbox(db_url: str) -> None:
    """The outbox as the monthly job left it, and no pacing booked (so the deliverers start fresh)."""
    from sqlalchemy import inspect, text

    from models.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as c:
        c.execute(text("DELETE FROM outbox"))
        c.execute(text("INSERT INTO outbox SELECT * FROM bench_outbox_snap"))
        if inspect(c).has_table("pacing_slot"):
            c.execute(text("DELETE FROM pacing_slot"))
    engine.dispose()


def start_fake(port: int, a: argparse.Namespace) -> subprocess.Popen:
    import httpx

    proc = subprocess.Popen([sys.executable, nf.__file__, "fake", "--port", str(port), "--scale", str(a.scale),
                             "--rate-per-min", str(a.rate_per_min), "--channel-interval", str(a.channel_interval),
                             "--p429", str(a.p429), "--p5xx", str(a.p5xx)])
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/stats", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("fake Slack did not start")


def deliver_with_trad(db_url: str, api: str, k_count: int, senders: int, a: argparse.Namespace) -> float:
    """`senders` × `trad deliver` (as in production: claims with SKIP LOCKED, pacing shared through the
    database, each workspace's own token), stopped with SIGTERM once the outbox is empty. Returns the
    CPU seconds the deliverers used together."""
    from tenants_acks import slack_env

    env = {**slack_env(db_url, f"{api}/api/", k_count, oauth=True), "SHARED_PACING": "on",
           "SLACK_RATE_PER_MINUTE": str(a.rate_per_min * a.scale),
           "SLACK_CHANNEL_INTERVAL_SECONDS": str(a.channel_interval / a.scale), "OUTBOX_POLL_SECONDS": "0.1",
           "OUTBOX_MAX_ATTEMPTS": "20", "SCHEDULER_ENABLED": "false"}
    trad = [str(ROOT / ".venv/bin/python"), str(ROOT / ".venv/bin/trad"), "deliver"]
    if getattr(a, "no_home", False):  # diagnostic: what a DM costs without the App Home refresh after it
        trad = [trad[0], "-c", NO_HOME]
    profiled = ([str(ROOT / ".venv/bin/python"), "-m", "cProfile", "-o", f"{a.profile}-{k_count}.prof", trad[1], "deliver"]
                if getattr(a, "profile", None) else trad)  # --profile: the first deliverer runs under cProfile
    procs = [subprocess.Popen(profiled if i == 0 else trad, env=env, cwd=str(ROOT),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(senders)]
    deadline = time.monotonic() + a.fanout_timeout
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        time.sleep(2.0)
        while nf.remaining(db_url) and time.monotonic() < deadline and all(p.poll() is None for p in procs):
            time.sleep(0.2)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the deliverers' CPU (user + system), start-up included
    return round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 1)


def run_fanout(db_url: str, k_count: int, prep: dict, *, port: int, senders: int, a: argparse.Namespace) -> dict:
    """One fan-out of what `enqueue` left (`prep`): deliver with `senders` processes, read the fake's tally."""
    import httpx

    api = f"http://127.0.0.1:{port}"
    restore_outbox(db_url)
    httpx.post(f"{api}/reset")
    limit_per_s = a.rate_per_min * a.scale / 60
    t0 = time.monotonic()
    cpu_s = None
    rss = None
    if a.slack == "oauth":
        cpu_s = deliver_with_trad(db_url, api, k_count, senders, a)
    else:  # one token: bench/nudge_fanout.py's sender (the adapter and worker, one SLACK_BOT_TOKEN)
        procs = [subprocess.Popen(nf._sender_cmd(a, db_url, api, pace=True), stdout=subprocess.PIPE, text=True)
                 for _ in range(senders)]
        rss = max(json.loads(p.communicate()[0].strip().splitlines()[-1])["peak_rss_mb"] for p in procs)
    wall = time.monotonic() - t0
    stats = nf._get(f"{api}/stats")
    per_ws = stats.pop("per_workspace")
    start = stats.get("first_call") or t0  # delivery starts with the first post of any sender (not process start-up)
    ratios = {tok: (ws["last_ok"] - start + 1 / limit_per_s) / (ws["ok"] / limit_per_s)
              for tok, ws in per_ws.items() if ws["ok"]}
    outcome = nf._outcome(api, prep["enqueued"])
    out = {"kommuner": k_count, "senders": senders, **prep, "wall_s": round(wall, 2),
           "deliver_s": round(max((ws["last_ok"] for ws in per_ws.values() if ws["last_ok"]), default=start) - start, 2),
           "workspaces_seen": len(per_ws), "limit_per_s_per_workspace": limit_per_s,
           "floor_s_max": round(max(ws["ok"] for ws in per_ws.values()) / limit_per_s, 2) if per_ws else None,
           "ws_ratio_max": round(max(ratios.values()), 3) if ratios else None,
           "ws_ratio_median": round(statistics.median(ratios.values()), 3) if ratios else None,
           "peak_rss_mb": rss, "deliverers_cpu_s": cpu_s, "slack": a.slack, **outcome}
    if cpu_s is not None:
        out["cpu_ms_per_dm"] = round(1000 * cpu_s / max(1, out["delivered"]), 1)
        out["posts_per_s"] = round(out["delivered"] / max(0.01, out["deliver_s"]), 1)
    print("fanout", json.dumps(out), flush=True)
    return out
