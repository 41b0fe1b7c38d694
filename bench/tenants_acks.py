"""Slack time-to-ack with many kommuner: `trad serve --workers 2` on PostgreSQL, open-loop signed events.

Each request is a signed `message.im` event («hjelp») from a person of one of the kommuner,
in that kommune's own workspace (team id): request i comes from kommune i mod K. The same
number of distinct users and the same rate are sent to every database, so 1 kommune and
50 kommuner are like for like; only the data behind the server and the spread over
workspaces differ. Warm-up: every user sends once (each worker learns their locale from
`users.info` the first time it sees them), then the measured cell. The load generator and
the fake Slack share this process (from bench/slack_ack.py); the two workers share the
machine's two cores with it, so a p99 here includes the generator's own lateness (reported).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from slack_ack import SECRET, pct, run_load
from tenants_data import Shape, email_of, team_of, user_of

ROOT = Path(__file__).resolve().parents[1]


def event_body(team: str, uid: str, event_id: str) -> bytes:
    return json.dumps({"token": "x", "team_id": team, "api_app_id": "A1", "type": "event_callback", "event_id": event_id,
                       "event_time": int(time.time()),
                       "event": {"type": "message", "channel_type": "im", "channel": "D" + uid, "user": uid,
                                 "text": "hjelp", "ts": f"{time.time():.6f}", "team": team}}).encode()


def users_for(k_count: int, shape: Shape, n_users: int) -> list[tuple[str, str, str]]:
    """(team, user id, e-mail) of `n_users` people, round-robin over the kommuner."""
    out = []
    for i in range(n_users):
        k, idx = i % k_count + 1, (i // k_count) % shape.staff
        out.append((team_of(k), user_of(k, idx), email_of(k, idx)))
    return out


def start_serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    log = ROOT / "var" / "bench" / f"tenants-serve-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as err:  # the server's own log, for when it does not start
        proc = subprocess.Popen([str(ROOT / ".venv/bin/trad"), "serve", "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", str(workers)], env=env, cwd=str(ROOT), start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.time() + 240
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"trad serve exited: see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.2)
            continue
        # every worker up, not just the first: uvicorn kills a worker that misses its 5 s health ping,
        # which a starting worker does on a loaded machine when traffic starts before it is ready
        if log.read_text(errors="replace").count("Application startup complete") >= workers:
            time.sleep(2.0)  # the runtime lease settles
            return proc
        time.sleep(0.5)
    stop_serve(proc)
    raise RuntimeError("trad serve did not start")


def stop_serve(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def _measure(fake, port: int, users: list[tuple[str, str, str]], rate: float, duration: float,  # type: ignore[no-untyped-def]
                   tag: str) -> dict:
    import aiohttp

    url = f"http://127.0.0.1:{port}/slack/events"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as session:
        def make(i: int, prefix: str):  # type: ignore[no-untyped-def]
            team, uid, _email = users[i % len(users)]
            return event_body(team, uid, f"E{tag}{prefix}{i}"), "application/json", None

        warm = await run_load(session, url, lambda i: make(i, "w"), rate, len(users) / rate)
        await asyncio.sleep(2.0)
        gc.collect()
        gc.freeze()
        acks, _opens, bad, late = await run_load(session, url, lambda i: make(i, "m"), rate, duration)
        gc.unfreeze()
    return {"n": len(acks), "p50": pct(acks, 50), "p99": pct(acks, 99), "max": max(acks) if acks else None,
            "non2xx": bad, "warm_non2xx": warm[2], "send_late_p99": pct(late, 99), "send_late_max": max(late),
            "workspaces": len({u[0] for u in users}), "users": len(users)}


def slack_env(db_url: str, api_url: str, k_count: int, oauth: bool) -> dict[str, str]:
    """The environment of `trad serve` / `trad deliver`: one token (the default kommune only), or the
    OAuth set-up with one installation per kommune's workspace (seeded here, idempotent)."""
    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": api_url,
           "PUBLIC_BASE_URL": "https://trad.example.no", "TRAD_ORG": "k0001", "PYTHONPATH": str(ROOT)}
    for name in ("SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SECRET_KEY"):
        env.pop(name, None)
    if not oauth:
        env["SLACK_BOT_TOKEN"] = "xoxb-bench-1"
        return env
    from tenants_data import seed_installations

    env.update(SLACK_CLIENT_ID="1111.2222", SLACK_CLIENT_SECRET="bench-client-secret", SECRET_KEY=SECRET_KEY)
    seed_installations(db_url, k_count, SECRET_KEY)
    return env


SECRET_KEY = "q8Zr3VtLw0nXc7Yp2Bd5Kf9Hs1Jm4Gu6Ea-Ti_Ro3Wy8Nb2Lz5Qx7Cv0Mk"  # a fixed random-looking key: the bench's own


def _clear_undelivered(db_url: str) -> None:
    """No outbox rows left by an earlier part (a fan-out stopped at its timeout): the server's outbox worker
    would deliver them during the measurement, and their App Home refreshes would load the server."""
    from sqlalchemy import text

    from models.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as c:
        c.execute(text("DELETE FROM outbox WHERE status IN ('pending', 'sending')"))
    engine.dispose()


def run_acks(db_url: str, k_count: int, shape: Shape, *, port: int, rate: float, duration: float, n_users: int,
             workers: int = 2, oauth: bool = True) -> dict:
    """The ack figure for one database: start the workers, warm up, measure, stop."""
    sys.path.insert(0, str(ROOT))
    from tests.slack.fake_slack import FakeSlack

    class _Forget(list):
        def append(self, item) -> None:  # type: ignore[no-untyped-def]
            return None

    class CountingFake(FakeSlack):
        """Counts the replies (chat.postMessage), keeps no calls (as bench/slack_ack.py does)."""

        def __init__(self) -> None:
            super().__init__()
            self.calls = _Forget()
            self.replies = 0

        def _answer(self, method, a, *rest):  # type: ignore[no-untyped-def]
            if method == "chat.postMessage":
                self.replies += 1
            return super()._answer(method, a, *rest)

    _clear_undelivered(db_url)
    fake = CountingFake().start()
    users = users_for(k_count, shape, n_users)
    for _team, uid, email in users:
        fake.users[uid] = email
    from tenants_data import token_of

    env = {**slack_env(db_url, fake.api_url, k_count, oauth), "SCHEDULER_ENABLED": "true",
           "OUTBOX_WORKER_ENABLED": "true"}
    for k in range(1, k_count + 1):
        fake.token_team[token_of(k)] = team_of(k)
    proc = start_serve(env, port, workers)
    try:
        out = asyncio.run(_measure(fake, port, users, rate, duration, f"k{k_count}"))
        deadline = time.time() + 30
        expected = len(users) + int(rate * duration)  # one reply per event, warm-up included
        while fake.replies < expected and time.time() < deadline:
            time.sleep(0.2)
        out["replies"], out["replies_expected"] = fake.replies, expected
    finally:
        stop_serve(proc)
        fake.stop()
    out.update(kommuner=k_count, rate=rate, duration=duration, workers=workers, slack="oauth" if oauth else "token")
    print("acks", json.dumps(out), flush=True)
    return out

