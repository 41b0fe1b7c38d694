"""Nudge fan-out benchmark: N leaders against a fake Slack Web API on loopback.

The fake enforces a workspace-wide rate on chat.postMessage (a 1-second sliding window
holding rate/60 messages) and a minimum gap per channel (1 s), and answers a small share
of calls with 429 (Retry-After) or 500 at random. Everything can be time-scaled (×20 by
default) so a run finishes in under a minute. Scenarios:

  paced     the real worker + bot/slack/delivery.SlackAdapter, paced: wall time vs N/limit,
            lost, doubled, share of 429s, the sender's peak memory
  unpaced   the same without pacing (for contrast: what the pacer saves)
  crash     kill -9 the sender at ~40 %, restart it: doubles, misses, time to recover (--crash-runs N)
  twin      two processes each run the monthly nudge job and deliver at once: doubles and misses

    .venv/bin/python bench/nudge_fanout.py all --leaders 1000 --scale 20 [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable


# ------------------------------------------------------------------------------------------- fake Slack
def run_fake(args: argparse.Namespace) -> None:
    from aiohttp import web

    rng = random.Random(args.seed)
    per_window = max(1, int(args.rate_per_min * args.scale / 60))
    gap = args.channel_interval / args.scale
    st: dict = {}

    def reset() -> None:  # the rate window is per token, i.e. per workspace, as Slack's limits are
        st.update(window={}, per_ws={}, first_call=None, last=dict(), calls=Counter(), posts=0, r429_limit=0, r429_random=0, r5xx=0,
                  delivered=Counter(), history={}, ts=0)

    reset()

    async def read(req: web.Request) -> dict:
        data = dict(req.query)
        if req.can_read_body:
            if req.content_type == "application/json":
                data.update(await req.json())
            else:
                data.update(dict(await req.post()))
        return data

    def too_many(kind: str) -> web.Response:
        st[kind] += 1
        return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"})

    async def api(req: web.Request) -> web.Response:
        method = req.match_info["method"]
        st["calls"][method] += 1
        data = await read(req)
        if method == "users.lookupByEmail":
            local = str(data.get("email", "")).split("@")[0]
            return web.json_response({"ok": True, "user": {"id": f"U{local}", "team_id": "T1"}})
        if method == "conversations.open":
            return web.json_response({"ok": True, "channel": {"id": "D" + str(data.get("users", ""))}})
        if method == "conversations.history":
            limit = int(data.get("limit") or 100)  # newest first, as Slack answers
            return web.json_response({"ok": True, "messages": st["history"].get(data.get("channel"), [])[::-1][:limit]})
        if method in ("chat.postMessage", "chat.update"):
            st["posts"] += 1
            now = time.monotonic()
            channel = str(data.get("channel"))
            if channel.startswith(("U", "W")):  # like Slack: a post to a user id lands in the DM `D…` with them
                channel = "D" + channel
            roll = rng.random()
            if roll < args.p429:
                return too_many("r429_random")
            if roll < args.p429 + args.p5xx:
                st["r5xx"] += 1
                return web.json_response({"ok": False, "error": "internal_error"}, status=500)
            st["first_call"] = st.get("first_call") or now
            token = req.headers.get("Authorization", "").removeprefix("Bearer ")
            win = st["window"].setdefault(token, deque())
            ws = st["per_ws"].setdefault(token, {"ok": 0, "first_ok": None, "last_ok": None, "r429": 0})
            while win and win[0] <= now - 1.0:
                win.popleft()
            if len(win) >= per_window or now - st["last"].get(channel, -1e9) < gap:
                ws["r429"] += 1
                return too_many("r429_limit")
            win.append(now)
            ws["ok"] += 1
            ws["first_ok"] = ws["first_ok"] or now
            ws["last_ok"] = now
            st["last"][channel] = now
            meta = data.get("metadata") or {}
            if isinstance(meta, str):
                meta = json.loads(meta)
            key = (meta.get("event_payload") or {}).get("key", "?")
            st["ts"] += 1
            ts = f"{st['ts']}.000100"
            if method == "chat.postMessage":
                st["delivered"][key] += 1
                st["history"].setdefault(channel, []).append({"ts": ts, "metadata": meta})
            return web.json_response({"ok": True, "channel": channel, "ts": data.get("ts") or ts})
        return web.json_response({"ok": True})

    async def stats(_req: web.Request) -> web.Response:
        d = st["delivered"]
        return web.json_response({"calls": dict(st["calls"]), "posts": st["posts"], "r429_limit": st["r429_limit"],
                                  "r429_random": st["r429_random"], "r5xx": st["r5xx"], "delivered_keys": len(d),
                                  "delivered_total": sum(d.values()), "doubled": sum(1 for v in d.values() if v > 1),
                                  "per_workspace": st["per_ws"], "first_call": st.get("first_call")})

    async def do_reset(_req: web.Request) -> web.Response:
        reset()
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", api)
    app.router.add_get("/stats", stats)
    app.router.add_post("/reset", do_reset)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None, access_log=None)


# ------------------------------------------------------------------------------------------- data
def setup_db(url: str, leaders: int, *, enqueue: bool = True) -> dict:
    """A municipality with `leaders` leaders, each leading a unit with one open avvik; 10 % unknown to Slack."""
    from datetime import timedelta

    from sqlmodel import Session

    from models.db import make_engine
    from models.migrate import upgrade
    from models.services import nudges
    from models.tables import Avvik, ChatIdentity, Organisation, Person, PersonRole, Unit
    from models.tables._common import utcnow

    upgrade(url)
    engine = make_engine(url)
    now = utcnow()
    with Session(engine) as s:
        org = Organisation(slug="bench", name="Benchkommune")
        s.add(org)
        s.flush()
        for i in range(leaders):
            u = Unit(org_id=org.id, name=f"Enhet {i}", path=f"Enhet {i}", kind="unit")
            s.add(u)
            s.flush()
            u.id_path = f"/{u.id}/"
            p = Person(org_id=org.id, email=f"l{i:05d}@bench.no", name=f"Leder {i}", unit_id=u.id)
            s.add(p)
            s.flush()
            s.add(PersonRole(org_id=org.id, person_id=p.id, role="leder", unit_id=u.id))
            if i % 10:
                s.add(ChatIdentity(org_id=org.id, person_id=p.id, platform="slack", workspace="T1", user_id=f"Ul{i:05d}",
                                   email=p.email))
            s.add(Avvik(org_id=org.id, number=i + 1, category="hms", unit_id=u.id, title=f"Avvik {i} <&>",
                        description="Glatt", occurred_at=now - timedelta(days=3), probability=3, consequence=3, risk=9,
                        created_at=now - timedelta(days=3)))
        s.commit()
    out = {}
    if enqueue:
        t = time.perf_counter()
        with Session(engine) as s:
            r = nudges.run_nudges(session=s, period="2026-11")
        out = {"enqueue_s": round(time.perf_counter() - t, 2), "enqueued": r.enqueued}
    engine.dispose()
    return out


def remaining(url: str, statuses: tuple[str, ...] = ("pending", "sending")) -> int:
    from sqlalchemy import bindparam, text

    from models.db import make_engine

    eng = make_engine(url)
    q = text("SELECT count(*) FROM outbox WHERE status IN :st").bindparams(bindparam("st", expanding=True))
    with eng.connect() as c:
        n = c.execute(q, {"st": list(statuses)}).scalar()
    eng.dispose()
    return int(n or 0)


# ------------------------------------------------------------------------------------------- sender
def run_sender(args: argparse.Namespace) -> None:
    """Deliver until the outbox is empty; print wall time and peak memory as JSON."""
    os.environ["DATABASE_URL"] = args.db
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.slack.delivery import SlackAdapter
    from models.db import get_engine
    from notifications.outbox_worker import Limit, Pacer, deliver_due

    if args.schedule:  # act as a scheduler too: run the monthly nudge job first
        from models.db import session_scope
        from models.services import nudges

        with session_scope(get_engine(args.db)) as s:
            nudges.run_nudges(session=s, period="2026-11")
    engine = get_engine(args.db)
    adapters = {"slack": SlackAdapter(AsyncWebClient(token="xoxb-bench", base_url=f"{args.api}/api/"))}
    pacer = Pacer({"slack": Limit(rate_per_s=args.rate_per_min * args.scale / 60,
                                  channel_interval_s=args.channel_interval / args.scale)}) if args.pace else Pacer({})

    async def main() -> float:
        t0 = time.perf_counter()
        while True:
            n = await deliver_due(engine, adapters, limit=args.batch, pacer=pacer, lease_s=args.lease, max_attempts=20)
            if n == 0:
                if remaining(args.db) == 0:
                    return time.perf_counter() - t0
                await asyncio.sleep(0.02)

    wall = asyncio.run(main())
    print(json.dumps({"wall_s": round(wall, 3),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}), flush=True)


# ------------------------------------------------------------------------------------------- orchestration
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> dict:
    import httpx

    return httpx.get(url, timeout=5).json()


def _sender_cmd(a: argparse.Namespace, db: str, api: str, *, pace: bool = True, schedule: bool = False,
                lease: float = 60.0) -> list[str]:
    cmd = [PY, __file__, "send", "--db", db, "--api", api, "--scale", str(a.scale), "--rate-per-min",
           str(a.rate_per_min), "--channel-interval", str(a.channel_interval), "--lease", str(lease)]
    return cmd + (["--pace"] if pace else []) + (["--schedule"] if schedule else [])


def _fresh_db(a: argparse.Namespace, tmp: Path, name: str, *, enqueue: bool = True) -> tuple[str, dict]:
    if a.pg:
        from sqlalchemy import create_engine, text

        schema = f"bench_{name}_{os.getpid()}"
        admin = create_engine(a.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        sep = "&" if "?" in a.pg else "?"
        url = f"{a.pg}{sep}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp / (name + '.db')}"
    return url, setup_db(url, a.leaders, enqueue=enqueue)


def _outcome(api: str, leaders: int) -> dict:
    s = _get(f"{api}/stats")
    posts = max(1, s["posts"])
    return {"delivered": s["delivered_keys"], "lost": leaders - s["delivered_keys"], "doubled": s["doubled"],
            "post_calls": s["posts"], "r429_share_pct": round(100 * (s["r429_limit"] + s["r429_random"]) / posts, 2),
            "r429_enforced": s["r429_limit"], "r429_injected": s["r429_random"], "r5xx_injected": s["r5xx"]}


def _crash_runs(a: argparse.Namespace, tmp: Path, api: str) -> dict:
    """kill -9 the sender at ~40 %, restart it with the same lease; `--crash-runs` times.

    The restart's wall time includes waiting out the dead sender's lease (its last heartbeat
    plus `--crash-lease`, the default OUTBOX_LEASE_SECONDS) and sending the remaining ~60 %.
    """
    import httpx

    runs = []
    for i in range(a.crash_runs):
        httpx.post(f"{api}/reset")
        url, _prep = _fresh_db(a, tmp, f"crash{i}")
        p = subprocess.Popen(_sender_cmd(a, url, api, lease=a.crash_lease), stdout=subprocess.DEVNULL)
        while _get(f"{api}/stats")["delivered_keys"] < a.leaders * 0.4 and p.poll() is None:
            time.sleep(0.01)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        at_kill = _get(f"{api}/stats")["delivered_keys"]
        left_sending = remaining(url, statuses=("sending",))
        t = time.perf_counter()
        subprocess.run(_sender_cmd(a, url, api, lease=a.crash_lease), check=True, capture_output=True)
        run = {"killed_after": at_kill, "left_sending": left_sending,
               "restart_wall_s": round(time.perf_counter() - t, 2), **_outcome(api, a.leaders)}
        runs.append(run)
        print(f"crash run {i + 1}", json.dumps(run), flush=True)
    return {"runs": len(runs), "lease_s": a.crash_lease, "lost_total": sum(r["lost"] for r in runs),
            "doubled_total": sum(r["doubled"] for r in runs),
            "max_restart_wall_s": max(r["restart_wall_s"] for r in runs), "per_run": runs}


def run_all(a: argparse.Namespace) -> None:
    import httpx

    port = _free_port()
    api = f"http://127.0.0.1:{port}"
    fake = subprocess.Popen([PY, __file__, "fake", "--port", str(port), "--scale", str(a.scale), "--rate-per-min",
                             str(a.rate_per_min), "--channel-interval", str(a.channel_interval), "--p429", str(a.p429),
                             "--p5xx", str(a.p5xx)])
    results: dict = {"leaders": a.leaders, "scale": a.scale, "rate_per_min": a.rate_per_min, "db": "postgresql" if a.pg else "sqlite"}
    limit_per_s = a.rate_per_min * a.scale / 60
    minimum = a.leaders / limit_per_s
    try:
        for _ in range(100):
            try:
                httpx.get(f"{api}/stats", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with tempfile.TemporaryDirectory() as d:
            tmp = Path(d)
            for name, pace in (("paced", True), ("unpaced", False)):
                if name not in a.scenarios:
                    continue
                httpx.post(f"{api}/reset")
                url, prep = _fresh_db(a, tmp, name)
                out = json.loads(subprocess.run(_sender_cmd(a, url, api, pace=pace), check=True, capture_output=True,
                                                text=True).stdout.strip().splitlines()[-1])
                results[name] = {**prep, **out, "theoretical_min_s": round(minimum, 2),
                                 "ratio": round(out["wall_s"] / minimum, 3), **_outcome(api, a.leaders)}
                print(name, json.dumps(results[name]), flush=True)
            if "crash" in a.scenarios:
                results["crash"] = _crash_runs(a, tmp, api)
            if "twin" in a.scenarios:
                httpx.post(f"{api}/reset")
                url, _ = _fresh_db(a, tmp, "twin", enqueue=False)
                procs = [subprocess.Popen(_sender_cmd(a, url, api, schedule=True), stdout=subprocess.DEVNULL)
                         for _ in range(2)]
                for p in procs:
                    p.wait()
                results["twin"] = _outcome(api, a.leaders)
                print("twin", json.dumps(results["twin"]), flush=True)
    finally:
        fake.terminate()
        fake.wait()
    print(json.dumps(results, indent=2))
    if a.out:
        Path(a.out).write_text(json.dumps(results, indent=2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("role", choices=("all", "fake", "send"))
    ap.add_argument("--leaders", type=int, default=1000)
    ap.add_argument("--scale", type=float, default=20.0, help="speed-up of every limit and delay (1 = real time)")
    ap.add_argument("--rate-per-min", type=float, default=300.0)
    ap.add_argument("--channel-interval", type=float, default=1.0)
    ap.add_argument("--p429", type=float, default=0.003, help="share of calls answered 429 at random")
    ap.add_argument("--p5xx", type=float, default=0.002, help="share of calls answered 500 at random")
    ap.add_argument("--pg", default=None, help="PostgreSQL URL (default: SQLite files)")
    ap.add_argument("--scenarios", default="paced,unpaced,crash,twin")
    ap.add_argument("--out", default=None)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--db")
    ap.add_argument("--api")
    ap.add_argument("--pace", action="store_true")
    ap.add_argument("--schedule", action="store_true")
    ap.add_argument("--lease", type=float, default=60.0)
    ap.add_argument("--crash-runs", type=int, default=1, help="how many kill -9 + restart runs")
    ap.add_argument("--crash-lease", type=float, default=20.0, help="the lease in the crash runs (OUTBOX_LEASE_SECONDS)")
    ap.add_argument("--batch", type=int, default=50)
    a = ap.parse_args()
    if a.role == "fake":
        run_fake(a)
    elif a.role == "send":
        run_sender(a)
    else:
        run_all(a)


if __name__ == "__main__":
    main()
