"""Memory and workers of `trad serve` under steady mixed Slack traffic (issue 15, points 4 and 6).

    taskset -c 1 .venv/bin/python bench/memory.py --minutes 10 --rate 100            # memory (make bench-memory)
    taskset -c 1 .venv/bin/python bench/memory.py --minutes 1 --workers 1,2 --pg URL  # 1 against 2 web workers

- The server is the real command, `trad serve --workers N`, with its defaults (scheduler and
  outbox worker on), started under `taskset -c 0`; this script (load generator and fake Slack
  Web API) runs where it is started: start it under `taskset -c 1` so the two do not share a core.
- Traffic, open loop at `--rate`/s: 60 % `message.im` («hjelp»), 20 % `/avvik`, 20 % avvik view
  submissions (each saved before the ack; the receipts and the leaders' DMs then go out through the
  outbox to the fake), spread over the people of the test kommune.
- Memory: the resident set (VmRSS) of every server process, summed, every `--sample` seconds;
  peak, and growth after warm-up (the first `--warmup` share of the run): last minute's mean minus
  the first post-warm-up minute's mean, and the least-squares slope over the post-warm-up samples.
- Per run: p50/p99/max of the answers, non-2xx, and server CPU (all processes) per request.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slack_ack as sa  # noqa: E402  (bench/ is not a package: the helpers of the Slack ack bench)

ROOT = sa.ROOT
TRAD = str(Path(sys.executable).with_name("trad"))


tree = sa.tree  # the process and its descendants (uvicorn's workers are children of the supervisor)


def rss_mb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_s(pids: list[int]) -> float:
    return sum(sa.cpu_seconds(p) for p in pids)


def start(args: argparse.Namespace, env: dict[str, str], workers: int) -> tuple[subprocess.Popen, int]:
    port = sa.free_port()
    cmd = ["taskset", "-c", str(args.server_core), TRAD, "serve", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            sa.socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            time.sleep(1.0 + workers)  # every worker up
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("trad serve did not start: " + (proc.stderr.read().decode()[-2000:] if proc.stderr else ""))


def slope_per_min(samples: list[tuple[float, float]]) -> float:
    n = len(samples)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in samples) / n
    mv = sum(v for _, v in samples) / n
    den = sum((t - mt) ** 2 for t, _ in samples)
    return 60 * sum((t - mt) * (v - mv) for t, v in samples) / den if den else 0.0


async def run_one(args: argparse.Namespace, workers: int, db_url: str, fake, uids: dict, category: str) -> dict:  # type: ignore[no-untyped-def]
    import aiohttp

    env = {**os.environ, "DATABASE_URL": db_url, "SLACK_BOT_TOKEN": "xoxb-bench-1", "SLACK_SIGNING_SECRET": sa.SECRET,
           "SLACK_API_URL": fake.api_url, "PUBLIC_BASE_URL": "https://trad.example.no", "PYTHONPATH": str(ROOT)}
    for name in ("SLACK_APP_TOKEN", "SCHEDULER_ENABLED", "OUTBOX_WORKER_ENABLED"):
        env.pop(name, None)  # the defaults, as `trad serve` runs
    proc, port = start(args, env, workers)
    url = f"http://127.0.0.1:{port}/slack/events"
    people = list(uids.values())
    ids = itertools.count(1)

    def make(i: int):  # type: ignore[no-untyped-def]
        uid, kind = people[i % len(people)], i % 10
        if kind < 6:
            return sa.event_body(uid, "hjelp", f"Em{workers}-{next(ids)}"), "application/json", None
        if kind < 8:
            return sa.command_body(uid, f"trig-m{next(ids)}", fake.base), "application/x-www-form-urlencoded", None
        return sa.submission_body(uid, f"Vm{workers}-{next(ids)}", category), "application/x-www-form-urlencoded", None

    samples: list[tuple[float, float]] = []
    stop = asyncio.Event()
    t0 = time.perf_counter()

    async def sample() -> None:
        while not stop.is_set():
            samples.append((time.perf_counter() - t0, rss_mb(tree(proc.pid))))
            try:
                await asyncio.wait_for(stop.wait(), args.sample)
            except TimeoutError:
                pass

    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=500)) as session:
            for i in range(40):  # warm-up requests: imports, identities, first queries
                body, ctype, _ = make(i)
                async with session.post(url, data=body, headers={"Content-Type": ctype, **sa.signed(body)}) as r:
                    await r.read()
            pids = tree(proc.pid)
            cpu0 = cpu_s(pids)
            sampler = asyncio.ensure_future(sample())
            st: dict = {}
            acks, _, bad, late = await sa.run_load(session, url, make, args.rate, args.minutes * 60, statuses=st)
            stop.set()
            await sampler
            backlog_end = outbox_by_status(db_url)
            drained = await drain_all(pids)
            cpu = cpu_s(pids) - cpu0
            backlog_drained = outbox_by_status(db_url)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    span = args.minutes * 60
    after = [(t, v) for t, v in samples if t >= args.warmup * span]
    first = [v for t, v in after if t < args.warmup * span + 60] or [after[0][1]]
    last = [v for t, v in after if t >= span - 60] or [after[-1][1]]
    return {"workers": workers, "rate": args.rate, "minutes": args.minutes, "n": len(acks), "non2xx": bad,
            "statuses": {k: len(v) for k, v in st.items() if isinstance(v, list) and k != "timeline"},
            "p50": sa.pct(acks, 50), "p99": sa.pct(acks, 99), "max": max(acks) if acks else None,
            "cpu_ms_per_req": 1000 * cpu / max(1, len(acks)), "drain_s": drained,
            "outbox_at_end": backlog_end, "outbox_after_drain": backlog_drained,
            "send_late_p99": sa.pct(late, 99), "send_late_max": max(late) if late else None,
            "rss_peak_mb": max(v for _, v in samples), "rss_start_mb": samples[0][1],
            "rss_after_warmup_mb": sum(first) / len(first), "rss_last_minute_mb": sum(last) / len(last),
            "growth_after_warmup_mb": sum(last) / len(last) - sum(first) / len(first),
            "slope_mb_per_min": slope_per_min(after),
            "slope_second_half_mb_per_min": slope_per_min([(t, v) for t, v in samples if t >= span / 2]),
            "samples": samples}


def outbox_by_status(db_url: str) -> dict[str, int]:
    """The outbox's rows by status: a backlog that grows through the run is work the server did not keep up with
    (Slack's pace, SLACK_RATE_PER_MINUTE, caps one workspace's posts however fast the server is)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return {str(k): int(n) for k, n in conn.execute(text("SELECT status, count(*) FROM outbox GROUP BY status"))}
    finally:
        engine.dispose()


async def drain_all(pids: list[int], quiet: float = 1.0, limit: float = 120.0) -> float:
    start = time.perf_counter()
    last = cpu_s(pids)
    while time.perf_counter() - start < limit:
        await asyncio.sleep(quiet)
        now = cpu_s(pids)
        if now - last < 0.05 * quiet * len(pids):
            return time.perf_counter() - start - quiet
        last = now
    return time.perf_counter() - start


async def bench(args: argparse.Namespace) -> list[dict]:
    from models.vocabulary import AVVIK_CATEGORIES
    from tests.slack.fake_slack import FakeSlack

    sys.setswitchinterval(0.0005)

    class _Forget(list):
        def append(self, item) -> None:  # type: ignore[no-untyped-def]
            return None

    class QuietFake(FakeSlack):
        def __init__(self) -> None:
            super().__init__()
            self.calls = _Forget()  # keep no record of 60,000 calls: the generator's own memory and GC

    fake = QuietFake().start()
    results = []
    try:
        for workers in args.workers:
            if args.pg:
                db_url = sa.fresh_pg(args.pg, f"bench_mem_{workers}")
            else:
                db_url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='trad-mem-')) / 'bench.db'}"
            emails = sa.seed(db_url)
            uids = {k: "U" + k.upper() for k in emails}
            for k, uid in uids.items():
                fake.users[uid] = emails[k]
            r = await run_one(args, workers, db_url, fake, uids, next(iter(AVVIK_CATEGORIES)))
            print(json.dumps({k: v for k, v in r.items() if k != "samples"}), flush=True)
            results.append(r)
    finally:
        fake.stop()
    return results


def report(results: list[dict], cmd: str, load: tuple[str, str]) -> str:
    lines = [f"Command: `{cmd}` (load average {load[0]} at the start, {load[1]} at the end)", "",
             "| workers | rate | minutes | answered | non-2xx | p50 / p99 / max ms | server CPU ms/req | "
             "RSS start / peak MB | RSS first post-warm-up minute / last minute MB | growth MB | slope MB/min "
             "(after warm-up / second half) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['workers']} | {r['rate']}/s | {r['minutes']} | {r['n']} | {r['non2xx']} | "
                     f"{r['p50']:.1f} / {r['p99']:.1f} / {r['max']:.0f} | {r['cpu_ms_per_req']:.2f} | "
                     f"{r['rss_start_mb']:.0f} / {r['rss_peak_mb']:.0f} | {r['rss_after_warmup_mb']:.0f} / "
                     f"{r['rss_last_minute_mb']:.0f} | {r['growth_after_warmup_mb']:+.1f} | {r['slope_mb_per_min']:+.2f} / "
                     f"{r['slope_second_half_mb_per_min']:+.2f} |")
    for r in results:
        st = r["statuses"]
        lines.append(f"\n{r['workers']} worker(s): answers by kind: " + ", ".join(f"{k} {v}" for k, v in st.items())
                     + f"; backlog drained {r['drain_s']:.1f} s after the load stopped; outbox rows by status at the "
                     f"end of the load {r['outbox_at_end']}, after the drain {r['outbox_after_drain']}.")
    late = max((r["send_late_max"] or 0) for r in results)
    lines += ["", f"Load generator: every request was sent at most {late:.0f} ms after it was due."]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--workers", default="1", help="comma-separated: one run per number of web workers")
    ap.add_argument("--pg", default=None, help="PostgreSQL URL (a fresh schema per run) instead of SQLite")
    ap.add_argument("--server-core", type=int, default=0)
    ap.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples")
    ap.add_argument("--warmup", type=float, default=0.2, help="share of the run counted as warm-up")
    ap.add_argument("--out", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    args.workers = [int(w) for w in args.workers.split(",")]
    load0 = Path("/proc/loadavg").read_text().split()[0]
    results = asyncio.run(bench(args))
    load1 = Path("/proc/loadavg").read_text().split()[0]
    md = report(results, "python bench/memory.py " + " ".join(sys.argv[1:]), (load0, load1))
    print(md)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    if args.out:
        Path(args.out).write_text(md + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
