"""CPU per leader of the monthly nudge job's enqueue, in process (issue 15).

    .venv/bin/python bench/nudge_cost.py [--leaders 300] [--months 3] [--profile]

The job runs in `trad serve`'s process by default, beside the Slack edge, so its CPU is taken from the acks
(`bench/slack_ack.py --fanout`). This builds the same kommune as that bench (the test kommune and `--leaders`
more leaders, each with a unit and an open avvik), runs the job once to warm up, then once per month for
`--months` months (a new period each time, so every leader is enqueued) and prints the process CPU per
leader. To compare two versions, run the script from each checkout, alternating.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--leaders", type=int, default=300)
    ap.add_argument("--months", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    import slack_ack

    db = f"sqlite:///{tempfile.mkdtemp(prefix='trad-nudge-')}/cost.db"
    os.environ["DATABASE_URL"] = db
    slack_ack.seed(db)
    slack_ack.seed_leaders(db, args.leaders)
    from bot.main import build_engine
    from models.settings import get_settings
    from notifications.jobs import monthly_nudge

    settings = get_settings()
    engine = build_engine(settings)

    def run(month: int) -> int:
        return int(monthly_nudge(datetime(2027, month, 15, 9, tzinfo=UTC), engine=engine, settings=settings)["enqueued"])

    run(1)
    for month in range(2, 2 + args.months):
        t = time.process_time()
        n = run(month)
        print(f"month {month}: {n} nudges enqueued, {(time.process_time() - t) * 1000 / n:.2f} ms CPU per leader")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        run(2 + args.months)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
