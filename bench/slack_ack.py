"""Time-to-ack of the Slack edge under open-loop load, against a bare slack-bolt app that only acks.

    .venv/bin/python bench/slack_ack.py [--duration 30] [--rates 20,100]

- The server (uvicorn, one process) runs on core 0, the load generator and the fake
  Slack Web API on core 1 (os.sched_setaffinity), so they do not steal each other's CPU.
- Open loop: request i is due at t0 + i/rate and is sent then, whether or not earlier
  ones have answered; latency is measured from the due time (no coordinated omission).
- Kinds: a signed `message.im` event, `/avvik` (ack, and through to the `views.open`
  call the fake receives), a `view_submission` of the avvik modal (saved before the ack).
- Baseline of record ("floor", issue 15): a bare Bolt AsyncApp with
  `process_before_response=True` (answers when the listener returns, as Tråd's app does)
  that writes one row to the same database, through the same engine settings (WAL,
  synchronous=NORMAL, BEGIN IMMEDIATE), and commits before it acks: the physical floor of
  «a report acknowledged is a report kept». `--servers` can add the older baselines: "bare"
  (Bolt's defaults, only acks; its handler polls for the ack every 10 ms) and "bare_fast"
  (process_before_response=True, only acks).
- Tråd runs as `trad serve` runs by default: scheduler and outbox worker on (the receipts
  and the leaders' notices of the submissions are delivered to the fake during the cells).
- Warm-up: every server gets each kind of request from each person before measuring.
- Replay storm: 10 % of events resent with X-Slack-Retry-Num 1–3 → exactly one reply each.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import hmac
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "45c48cce2e2d7fbdea1afc51c7c6ad26"  # Slack signing secrets are 32 hex characters
TEAM = "T0BENCH"
_ids = itertools.count(1)


PORTS = range(int(os.environ.get("BENCH_PORT_BASE", "8410")), int(os.environ.get("BENCH_PORT_BASE", "8410")) + 20)


def free_port() -> int:
    """A free port in this bench's range (BENCH_PORT_BASE … +19; the shared machine gives each bench its own)."""
    for port in PORTS:
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError(f"no free port in {PORTS}")


def pin(core: int) -> None:
    try:
        os.sched_setaffinity(0, {core % (os.cpu_count() or 1)})
    except (AttributeError, OSError):
        pass


# ------------------------------------------------------------------------------------ servers
def serve(kind: str, port: int) -> None:
    """Run the app under test (trad, floor, bare or bare_fast) in this process, pinned to core 0."""
    pin(0)
    import logging

    import uvicorn

    logging.basicConfig(level=logging.WARNING)

    if kind == "trad":
        from bot.main import serve_app, serve_requests_app
        from models.settings import get_settings
        from notifications.child import BackgroundChild, child_argv

        settings = get_settings()
        if settings.serve_background == "child":  # as `trad serve` runs it by default (bot/cli.py)
            BackgroundChild(child_argv(os.getpid()), nice=settings.serve_background_nice).start()
            app = serve_requests_app()
        else:
            app = serve_app()
        add_fanout_route(app, settings.serve_background == "child", settings.serve_background_nice)
    else:
        app = baseline_app(kind, os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_API_URL"], os.environ["DATABASE_URL"])

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def baseline_app(kind: str, token: str, api_url: str, db_url: str):  # type: ignore[no-untyped-def]
    """A bare Bolt app under FastAPI: «floor» commits one row before it acks, «bare» uses Bolt's defaults,
    «bare_fast» only acks with `process_before_response=True` (also used by bench/slack_inprocess.py)."""
    global Request  # FastAPI resolves the endpoint's annotation from module globals
    from fastapi import FastAPI, Request
    from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(client=AsyncWebClient(token=token, base_url=api_url), signing_secret=SECRET,
                    process_before_response=(kind != "bare"))
    keep = floor_writer(db_url) if kind == "floor" else (lambda _kind, _body: None)

    @bolt.event("message")
    async def on_message(body) -> None:  # type: ignore[no-untyped-def]
        keep("message.im", body)

    @bolt.command("/avvik")
    async def on_cmd(ack, body) -> None:  # type: ignore[no-untyped-def]
        keep("/avvik", body)
        await ack()

    @bolt.view_submission("avvik.report")
    async def on_view(ack, body) -> None:  # type: ignore[no-untyped-def]
        keep("view_submission", body)
        await ack()

    handler = AsyncSlackRequestHandler(bolt)
    app = FastAPI()

    @app.post("/slack/events")
    async def events(request: Request):  # type: ignore[no-untyped-def]
        return await handler.handle(request)

    return app


ANSWER_KINDS = ("2xx", "503", "other", "timeout")


def run_nudge_job(month: int) -> None:
    """The monthly nudge job as the background process's scheduler runs it; prints its totals as JSON."""
    from datetime import UTC, datetime

    from bot.main import build_engine
    from models.settings import get_settings
    from models.sqlite_lock import give_way_to_requests
    from notifications.jobs import monthly_nudge

    give_way_to_requests()  # as in the background process that runs the scheduler
    settings = get_settings()
    print(json.dumps(monthly_nudge(datetime(2027, month, 15, 9, tzinfo=UTC), engine=build_engine(settings),
                                   settings=settings)))


def add_fanout_route(app, in_child: bool = False, nice: int = 0) -> None:  # type: ignore[no-untyped-def]
    """POST /bench/fanout?month=N runs the monthly nudge job for month N of 2027 where the scheduler
    runs it: with SERVE_BACKGROUND=child in a process at the background's niceness on the same core
    (`--nudge-month`), else in this process on a thread. A fan-out competing with the Slack edge for
    the CPU and the database (it commits once per leader; its DMs then go out through the outbox
    worker). Bench only: the route exists in this script's server, never in Tråd."""
    if in_child:
        async def fanout_elsewhere(month: int = 1):  # type: ignore[no-untyped-def]
            from fastapi.responses import JSONResponse

            t = time.perf_counter()
            p = await asyncio.create_subprocess_exec(sys.executable, __file__, "--nudge-month", str(month),
                                                     stdout=asyncio.subprocess.PIPE, preexec_fn=lambda: os.nice(nice))
            out, _ = await p.communicate()
            return JSONResponse({**json.loads(out or b"{}"), "seconds": round(time.perf_counter() - t, 2)})

        app.add_api_route("/bench/fanout", fanout_elsewhere, methods=["POST"])
        return
    from datetime import UTC, datetime

    from fastapi.responses import JSONResponse

    from models import foreground
    from notifications.jobs import monthly_nudge

    async def fanout(month: int = 1) -> JSONResponse:
        w = app.state.wiring
        t = time.perf_counter()
        with foreground.background():  # as on the scheduler's thread, which gives way to requests
            job = asyncio.create_task(asyncio.to_thread(monthly_nudge, datetime(2027, month, 15, 9, tzinfo=UTC),
                                                        engine=w.engine, settings=w.settings))
        r = await job
        return JSONResponse({**r, "seconds": round(time.perf_counter() - t, 2)})

    app.add_api_route("/bench/fanout", fanout, methods=["POST"])


def seed_leaders(db_url: str, n: int) -> None:
    """`n` more leaders in the test kommune, each leading a unit with an open avvik and known to Slack."""
    from datetime import timedelta

    from sqlmodel import Session, select

    from models.db import get_engine
    from models.tables import Avvik, ChatIdentity, Organisation, Person, PersonRole, Unit
    from models.tables._common import utcnow

    now = utcnow()
    with Session(get_engine(db_url)) as s:
        org_id = s.exec(select(Organisation.id)).first()
        for i in range(n):
            u = Unit(org_id=org_id, name=f"Fan {i}", path=f"Fan {i}", kind="unit")
            s.add(u)
            s.flush()
            u.id_path = f"/{u.id}/"
            p = Person(org_id=org_id, email=f"fan{i:05d}@bench.no", name=f"Leder {i}", unit_id=u.id)
            s.add(p)
            s.flush()
            s.add(PersonRole(org_id=org_id, person_id=p.id, role="leder", unit_id=u.id))
            s.add(ChatIdentity(org_id=org_id, person_id=p.id, platform="slack", workspace=TEAM, user_id=f"UFAN{i:05d}",
                               email=p.email))
            s.add(Avvik(org_id=org_id, number=100000 + i, category="hms", unit_id=u.id, title=f"Avvik {i}",
                        description="Glatt", occurred_at=now - timedelta(days=3), probability=3, consequence=3, risk=9,
                        created_at=now - timedelta(days=3)))
        s.commit()


def floor_writer(db_url: str):  # type: ignore[no-untyped-def]
    """One row per request, committed before the ack, on the project's engine (same pragmas and locking)."""
    from sqlalchemy import text

    from models.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as c:
        c.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, kind VARCHAR(32) NOT NULL, "
                       "body TEXT NOT NULL, at FLOAT NOT NULL)"))
    ins = text("INSERT INTO bench_floor (kind, body, at) VALUES (:kind, :body, :at)")

    def keep(kind: str, body: dict) -> None:
        with engine.begin() as c:
            c.execute(ins, {"kind": kind, "body": json.dumps(body), "at": time.time()})

    return keep


def fresh_pg(url: str, name: str) -> str:
    """`url` with a new, empty schema of its own first on the search path (dropped and made anew)."""
    from sqlalchemy import create_engine, text

    schema = f"bench_{name}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def seed(db_url: str) -> dict[str, str]:
    from sqlmodel import Session

    from models.db import get_engine
    from models.migrate import upgrade
    from tests.factories import make_test_org

    upgrade(db_url)
    with Session(get_engine(db_url)) as s:
        org = make_test_org(s)
    return org.emails


def start_server(kind: str, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port)], env=env, cwd=str(ROOT))
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


# ------------------------------------------------------------------------------------ requests
def signed(body: bytes) -> dict[str, str]:
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig}


def event_body(uid: str, text: str, event_id: str) -> bytes:
    return json.dumps({"token": "x", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback", "event_id": event_id,
                       "event_time": int(time.time()),
                       "event": {"type": "message", "channel_type": "im", "channel": "D" + uid, "user": uid,
                                 "text": text, "ts": f"{time.time():.6f}", "team": TEAM}}).encode()


def command_body(uid: str, trigger: str, fake_base: str) -> bytes:
    return urlencode({"token": "x", "team_id": TEAM, "channel_id": "C1", "user_id": uid, "command": "/avvik", "text": "",
                      "api_app_id": "A1", "response_url": f"{fake_base}/respond/1", "trigger_id": trigger}).encode()


def submission_body(uid: str, view_id: str, category: str) -> bytes:
    state = {"category": {"value": {"type": "static_select", "selected_option": {"value": category}}},
             "description": {"value": {"type": "plain_text_input", "value": "Benk: glatt gulv ved garderoben"}},
             "occurred_at": {"value": {"type": "datetimepicker", "selected_date_time": int(time.time()) - 300}},
             "probability": {"value": {"type": "static_select", "selected_option": {"value": "2"}}},
             "consequence": {"value": {"type": "static_select", "selected_option": {"value": "3"}}}}
    view = {"id": view_id, "type": "modal", "callback_id": "avvik.report", "private_metadata": "{}",
            "blocks": [{"type": "input", "block_id": k} for k in state], "state": {"values": state}}
    payload = {"type": "view_submission", "team": {"id": TEAM}, "user": {"id": uid, "team_id": TEAM}, "api_app_id": "A1",
               "trigger_id": f"t{next(_ids)}", "view": view}
    return urlencode({"payload": json.dumps(payload)}).encode()


SLACK_TIMEOUT = 3.0  # Slack gives up on an answer after 3 s


async def run_load(session, url: str, make, rate: float, duration: float, fake=None,  # type: ignore[no-untyped-def]
                   fanout=None, statuses: dict | None = None):
    """Open loop at `rate`/s for `duration` s.

    Returns (2xx latencies ms, views.open latencies ms, non-2xx, send lateness ms): the last
    is how late the generator itself sent each request, to show it kept up. `fanout`, a
    coroutine, is started a third of the way in (a nudge run in the server's process).
    `statuses` (if given) collects, per answer kind ("2xx", "503", "other", "timeout"), the latencies.
    """
    import aiohttp

    n = int(rate * duration)
    acks: list[float] = []
    late: list[float] = []
    bad = 0
    due_of_trigger: dict[str, float] = {}
    t0 = time.perf_counter() + 0.2
    fan_task = None
    if fanout is not None:
        async def later() -> dict:
            await asyncio.sleep(0.2 + duration / 3)
            return await fanout
        fan_task = asyncio.ensure_future(later())
    limit = aiohttp.ClientTimeout(total=SLACK_TIMEOUT)

    def note(kind: str, due: float) -> None:
        if statuses is not None:
            statuses.setdefault(kind, []).append((time.perf_counter() - due) * 1000)

    async def one(i: int) -> None:
        nonlocal bad
        due = t0 + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        body, ctype, trigger = make(i)
        late.append((time.perf_counter() - due) * 1000)
        if trigger:
            due_of_trigger[trigger] = due
        try:
            async with session.post(url, data=body, headers={"Content-Type": ctype, **signed(body)},
                                    timeout=limit) as r:
                await r.read()
                if not 200 <= r.status < 300:
                    bad += 1
                    note("503" if r.status == 503 else "other", due)
                    return
        except TimeoutError:
            bad += 1
            note("timeout", due)
            return
        except Exception:  # noqa: BLE001
            bad += 1
            note("other", due)
            return
        note("2xx", due)
        acks.append((time.perf_counter() - due) * 1000)
        if statuses is not None:
            statuses.setdefault("timeline", []).append((due - t0, acks[-1]))

    await asyncio.gather(*(one(i) for i in range(n)))
    if fan_task is not None:
        statuses = statuses if statuses is not None else {}
        statuses["fanout"] = await fan_task
    opens: list[float] = []
    if fake is not None and due_of_trigger:
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and len(fake.open_times) < len(due_of_trigger):
            await asyncio.sleep(0.05)
        opens = [(fake.open_times[t] - due) * 1000 for t, due in due_of_trigger.items() if t in fake.open_times]
        if len(opens) < len(due_of_trigger):
            bad += len(due_of_trigger) - len(opens)
    return acks, opens, bad, late


def phases(timeline: list, duration: float) -> dict:
    """p50/p99 of the requests due before the fan-out starts (first third) and after it (the rest)."""
    before = [ms for t, ms in timeline if t < duration / 3]
    after = [ms for t, ms in timeline if t >= duration / 3]
    return {"first_third_p50": pct(before, 50), "first_third_p99": pct(before, 99),
            "rest_p50": pct(after, 50), "rest_p99": pct(after, 99)}


async def fanout_call(session, port: int, month: int) -> dict:  # type: ignore[no-untyped-def]
    async with session.post(f"http://127.0.0.1:{port}/bench/fanout?month={month}") as r:
        return await r.json()


async def ramp(session, servers: dict, args: argparse.Namespace, make_submission) -> dict:  # type: ignore[no-untyped-def]
    """View submissions (or `/avvik`, `--ramp-kind`) to Tråd alone at rising rates: where does it stop keeping up, and what
    does Slack get then (2xx, a fast 503, or a timeout past 3 s)?"""
    out: dict = {}
    for kind in [k for k in ("trad", "floor") if k in servers and k in args.ramp_servers]:
        proc, port = servers[kind]
        url = f"http://127.0.0.1:{port}/slack/events"
        for rate in args.ramp:
            st: dict = {}
            cpu0, w0 = cpu_seconds(proc.pid), time.perf_counter()
            gc.collect()
            await run_load(session, url, make_submission, rate, args.ramp_duration, statuses=st)
            busy = (cpu_seconds(proc.pid) - cpu0) / (time.perf_counter() - w0)
            drained = await drain(proc.pid)
            row = {"sent": int(rate * args.ramp_duration), "server_cpu_share": round(busy, 2), "drain_s": round(drained, 1)}
            for k in ANSWER_KINDS:
                xs = st.get(k, [])
                row[k] = {"n": len(xs), "p50": pct(xs, 50), "p99": pct(xs, 99), "max": max(xs) if xs else None}
            out[f"{kind}|{rate}"] = row
            print("ramp", kind, rate, json.dumps(row), flush=True)
    return out


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of a server and its live children (Tråd's background process), Linux /proc,
    to see when a server has finished its backlog and what a request cost in all."""
    total = 0.0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def tree(pid: int) -> list[int]:
    """The process and its descendants (uvicorn's workers, Tråd's background process)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


async def drain(pid: int, quiet: float = 1.0, limit: float = 120.0) -> float:
    """Wait until the server has used < 5 % CPU for `quiet` seconds; returns how long that took.

    The real app keeps working after its acks (saving, replies, App Home); without this the
    next cell (often the bare app, on the same core) would be measured against that backlog.
    """
    start = time.perf_counter()
    last = cpu_seconds(pid)
    while time.perf_counter() - start < limit:
        await asyncio.sleep(quiet)
        now = cpu_seconds(pid)
        if now - last < 0.05 * quiet:
            return time.perf_counter() - start - quiet
        last = now
    return time.perf_counter() - start


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


# ------------------------------------------------------------------------------------ main
async def bench(args: argparse.Namespace) -> dict:
    import aiohttp

    from models.vocabulary import AVVIK_CATEGORIES
    from tests.slack.fake_slack import FakeSlack

    pin(1)
    # The load generator and the fake Slack share this process (and core 1). Keep them from
    # adding their own pauses to what is measured: a short GIL switch interval so the fake's
    # thread cannot hold the generator up for 5 ms, no record of every call during the load
    # cells (thousands of modal views made the generator's full GC pauses 100 ms and more),
    # and the start-up heap frozen. `send late` in the output shows how late it sent.
    sys.setswitchinterval(0.0005)

    class _Forget(list):
        def append(self, item) -> None:  # type: ignore[no-untyped-def]
            return None

    class TimedFake(FakeSlack):
        """Records when each views.open arrives, keyed by trigger_id; keeps no other calls."""

        def __init__(self) -> None:
            super().__init__()
            self.open_times: dict[str, float] = {}
            self.calls = _Forget()

        def _answer(self, method, a, *rest):  # type: ignore[no-untyped-def]
            if method == "views.open":
                self.open_times[str(a.get("trigger_id"))] = time.perf_counter()
            return super()._answer(method, a, *rest)

    fake = TimedFake().start()
    tmp = Path(tempfile.mkdtemp(prefix="trad-bench-"))
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    emails = seed(db_url)
    if args.fanout:
        seed_leaders(db_url, args.fanout)
    months = itertools.count(1)
    uids = {}
    for key, email in emails.items():
        uids[key] = "U" + key.upper()
        fake.users[uids[key]] = email
    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-bench-1", "SLACK_SIGNING_SECRET": SECRET,
           "SLACK_API_URL": fake.api_url, "SCHEDULER_ENABLED": "true", "OUTBOX_WORKER_ENABLED": "true",
           "PUBLIC_BASE_URL": "https://trad.example.no", "PYTHONPATH": str(ROOT)}
    env.pop("SLACK_APP_TOKEN", None)
    category = next(iter(AVVIK_CATEGORIES))
    people = ["ansatt", "ansatt2", "leder", "helseansatt"]
    results: dict = {"rates": {}, "duration": args.duration}
    conn = aiohttp.TCPConnector(limit=500)
    async with aiohttp.ClientSession(connector=conn) as session:
        servers = {}
        for kind in args.servers:
            servers[kind] = start_server(kind, {**env, **dict(kv.split("=", 1) for kv in args.trad_env)}
                                         if kind == "trad" else env)
        try:
            for kind, (_, port) in servers.items():  # warm up: users.info, auth.test, imports, first queries
                url = f"http://127.0.0.1:{port}/slack/events"
                for who in people:
                    for b, ctype in ((event_body(uids[who], "hjelp", f"Ewarm{kind}{who}"), "application/json"),
                                     (command_body(uids[who], f"warm-{kind}-{who}", fake.base),
                                      "application/x-www-form-urlencoded"),
                                     (submission_body(uids[who], f"Vwarm{kind}{who}", category),
                                      "application/x-www-form-urlencoded")):
                        async with session.post(url, data=b, headers={"Content-Type": ctype, **signed(b)}) as r:
                            await r.read()
                await drain(servers[kind][0].pid)
            for rate in args.rates:
                per_rate: dict = {}
                for req in args.kinds:
                    for kind, (_, port) in servers.items():
                        url = f"http://127.0.0.1:{port}/slack/events"
                        fake.open_times.clear()
                        cpu0 = cpu_seconds(servers[kind][0].pid)

                        def make(i: int, req: str = req, kind: str = kind, rate: int = rate):  # type: ignore[no-untyped-def]
                            uid = uids[people[i % len(people)]]
                            if req == "message.im":
                                return event_body(uid, "hjelp", f"E{kind}{rate}{next(_ids)}"), "application/json", None
                            if req == "/avvik":
                                trig = f"trig-{kind}-{next(_ids)}"
                                return (command_body(uid, trig, fake.base), "application/x-www-form-urlencoded",
                                        trig if kind == "trad" else None)
                            return (submission_body(uid, f"V{kind}{next(_ids)}", category),
                                    "application/x-www-form-urlencoded", None)

                        gc.collect()
                        gc.freeze()
                        fan = (fanout_call(session, port, next(months))
                               if args.fanout and kind == "trad" and req in args.fanout_kinds else None)
                        st: dict = {}
                        acks, opens, bad, late = await run_load(session, url, make, rate, args.duration,
                                                                fake if (req == "/avvik" and kind == "trad") else None,
                                                                fanout=fan, statuses=st)
                        drained = await drain(servers[kind][0].pid)
                        cpu_ms = (cpu_seconds(servers[kind][0].pid) - cpu0) * 1000 / max(1, len(acks))
                        per_rate[f"{req}|{kind}"] = {"n": len(acks), "p50": pct(acks, 50), "p99": pct(acks, 99),
                                                     "max": max(acks) if acks else float("nan"), "non2xx": bad,
                                                     "open_p50": pct(opens, 50) if opens else None,
                                                     "open_p99": pct(opens, 99) if opens else None,
                                                     "drain_s": drained, "cpu_ms": cpu_ms,
                                                     "send_late_p99": pct(late, 99), "send_late_max": max(late),
                                                     "fanout": st.get("fanout"),
                                                     "answers": {k: len(st.get(k, [])) for k in ANSWER_KINDS},
                                                     **phases(st.get("timeline", []), args.duration)}
                        print(rate, req, kind, json.dumps(per_rate[f"{req}|{kind}"]), flush=True)
                results["rates"][rate] = per_rate
            if args.ramp:
                def ramp_request(i: int):  # type: ignore[no-untyped-def]
                    uid = uids[people[i % len(people)]]
                    if args.ramp_kind == "/avvik":
                        return command_body(uid, f"trig-ramp-{next(_ids)}", fake.base), "application/x-www-form-urlencoded", None
                    return submission_body(uid, f"Vramp{next(_ids)}", category), "application/x-www-form-urlencoded", None

                results["ramp_kind"] = args.ramp_kind
                results["ramp"] = await ramp(session, servers, args, make_submission=ramp_request)
            if args.storm <= 0:
                return results
            # replay storm against the real app
            _, port = servers["trad"]
            url = f"http://127.0.0.1:{port}/slack/events"
            fake.reset()
            fake.calls = []  # the storm counts replies
            for key, email in emails.items():
                fake.users[uids[key]] = email
            n_events = args.storm
            bodies = [event_body(uids[people[i % len(people)]], "mine oppdrag", f"Estorm{i}") for i in range(n_events)]
            replays = random.Random(7).sample(range(n_events), max(1, n_events // 10))

            async def send(body: bytes, retry: int | None = None) -> int:
                h = {"Content-Type": "application/json", **signed(body)}
                if retry:
                    h.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
                async with session.post(url, data=body, headers=h) as r:
                    await r.read()
                    return r.status

            tasks = [send(b) for b in bodies]
            for i in replays:
                for retry in range(1, random.Random(i).randint(1, 3) + 1):
                    tasks.append(send(bodies[i], retry))
            statuses = await asyncio.gather(*tasks)
            deadline = time.time() + 30
            def replies() -> int:  # direct answers; the outbox worker's posts (earlier cells' receipts) carry metadata
                return sum(1 for c in fake.of("chat.postMessage") if not c.args.get("metadata"))

            while time.time() < deadline and replies() < n_events:
                await asyncio.sleep(0.1)
            await asyncio.sleep(2.0)
            results["storm"] = {"events": n_events, "deliveries": len(tasks), "replayed_events": len(replays),
                                "replies": replies(),
                                "non2xx": sum(1 for s in statuses if not 200 <= s < 300)}
            print("storm", json.dumps(results["storm"]), flush=True)
        finally:
            for proc, _ in servers.values():
                proc.terminate()
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:  # still draining a backlog: do not leave it running
                    proc.kill()
                    proc.wait(10)
            fake.stop()
    return results


def report(results: dict, cmd: str) -> str:
    lines = [f"Command: `{cmd}` (duration {results['duration']} s per cell; load average {results.get('load_start')} "
             f"at the start, {results.get('load_end')} at the end)", "",
             "Ratios are against the floor: a bare Bolt app with `process_before_response=True` that commits one row "
             "to the same database before it acks. Tråd runs with the scheduler and the outbox worker on.", "",
             "| rate | request | trad p50 ms | trad p99 ms | floor p50 ms | floor p99 ms | p50 ratio | p99 ratio | "
             "views.open p50/p99 ms | non-2xx (trad/floor) | trad CPU ms/req | floor CPU ms/req | others p50/p99 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for rate, per in results["rates"].items():
        for req in ("message.im", "/avvik", "view_submission"):
            if f"{req}|trad" not in per or f"{req}|floor" not in per:
                continue
            t, f = per[f"{req}|trad"], per[f"{req}|floor"]
            opens = f"{t['open_p50']:.1f} / {t['open_p99']:.1f}" if t.get("open_p50") is not None else "–"
            others = "; ".join(f"{k}: {per[f'{req}|{k}']['p50']:.1f} / {per[f'{req}|{k}']['p99']:.1f}"
                               for k in ("bare", "bare_fast") if f"{req}|{k}" in per) or "–"
            lines.append(f"| {rate}/s | {req} | {t['p50']:.1f} | {t['p99']:.1f} | {f['p50']:.1f} | {f['p99']:.1f} | "
                         f"{t['p50'] / f['p50']:.2f}× | {t['p99'] / f['p99']:.2f}× | {opens} | "
                         f"{t['non2xx']}/{f['non2xx']} | {t['cpu_ms']:.1f} | {f['cpu_ms']:.1f} | {others} |")
    lates = [v["send_late_max"] for per in results["rates"].values() for v in per.values()]
    if lates:
        lines += ["", f"Load generator: every request was sent at most {max(lates):.1f} ms after it was due."]
    fans = [(rate, req, v["fanout"]) for rate, per in results["rates"].items() for key, v in per.items()
            for req in [key.split("|")[0]] if v.get("fanout")]
    if fans:
        lines += ["", "Fan-out in Tråd's process during each Tråd cell (started a third of the way in): " + "; ".join(
            f"{rate}/s {req}: {f['enqueued']} nudges enqueued in {f['seconds']} s" for rate, req, f in fans) + "."]
    if results.get("ramp"):
        lines += ["", f"Ramp ({results.get('ramp_kind', 'view_submission')} only, one server process pinned to one core; Slack's 3 s timeout):", "",
                  "| server | rate | sent | 2xx | 2xx p50 / p99 / max ms | 503 | 503 p99 / max ms | timeout > 3 s | "
                  "other | server CPU share | backlog drained in s |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for key, r in results["ramp"].items():
            kind, rate = key.split("|")
            ok, sh = r["2xx"], r["503"]
            lines.append(f"| {kind} | {rate}/s | {r['sent']} | {ok['n']} | {ok['p50']:.0f} / {ok['p99']:.0f} / "
                         f"{(ok['max'] or float('nan')):.0f} | {sh['n']} | "
                         + (f"{sh['p99']:.0f} / {sh['max']:.0f}" if sh["n"] else "–")
                         + f" | {r['timeout']['n']} | {r['other']['n']} | {r['server_cpu_share']} | {r['drain_s']} |")
    s = results.get("storm")
    if s:
        lines += ["", f"Replay storm: {s['events']} events, {s['replayed_events']} of them resent with "
                      f"X-Slack-Retry-Num 1–3 ({s['deliveries']} deliveries) → {s['replies']} replies "
                      f"(expected {s['events']}), non-2xx {s['non2xx']}."]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", choices=("trad", "floor", "bare", "bare_fast"))
    ap.add_argument("--nudge-month", type=int, default=None, help=argparse.SUPPRESS)  # the fan-out's job, see add_fanout_route
    ap.add_argument("--servers", default="floor,trad", help="servers to measure: trad, floor, bare, bare_fast")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--rates", default="20,100")
    ap.add_argument("--kinds", default="message.im,/avvik,view_submission", help="request kinds to measure")
    ap.add_argument("--storm", type=int, default=300, help="events in the replay storm")
    ap.add_argument("--fanout", type=int, default=0,
                    help="leaders to add; the nudge job for all of them runs in Tråd's process during each Tråd cell")
    ap.add_argument("--fanout-kinds", default="view_submission", help="the cells (request kinds) with a fan-out")
    ap.add_argument("--ramp", default="", help="rates of view submissions to find the highest sustainable one, e.g. 50,100,200")
    ap.add_argument("--ramp-duration", type=float, default=10.0)
    ap.add_argument("--ramp-kind", default="view_submission", choices=("view_submission", "/avvik"))
    ap.add_argument("--ramp-servers", default="trad")
    ap.add_argument("--out", default=None, help="write the markdown table here")
    ap.add_argument("--json", default=None, help="write the raw results here")
    ap.add_argument("--trad-env", action="append", default=[], metavar="NAME=VALUE",
                    help="a setting for Tråd's server only, e.g. OUTBOX_WORKER_ENABLED=false for an A/B (repeatable)")
    args = ap.parse_args()
    if args.nudge_month:
        run_nudge_job(args.nudge_month)
        return
    if args.serve:
        serve(args.serve, args.port)
        return
    args.rates = [int(r) for r in args.rates.split(",")]
    args.kinds = args.kinds.split(",")
    args.servers = args.servers.split(",")
    args.ramp = [int(r) for r in args.ramp.split(",") if r]
    args.ramp_servers = args.ramp_servers.split(",")
    args.fanout_kinds = args.fanout_kinds.split(",")
    load_start = Path("/proc/loadavg").read_text().split()[0]
    results = asyncio.run(bench(args))
    results["load_start"], results["load_end"] = load_start, Path("/proc/loadavg").read_text().split()[0]
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    md = report(results, "python bench/slack_ack.py " + " ".join(sys.argv[1:]))
    print(md)
    if args.out:
        Path(args.out).write_text(md + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
