"""The summary benchmark compares like with like: its hand-written raw SQL computes exactly
the figures build_summary reports, on the benchmark's own (here: 2 % scale) municipality.

Why a test: a faster baseline that quietly counts something else would make the ratio in
bench/summary.md meaningless; this runs on both databases in every test run.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from sqlmodel import Session

from models.periods import parse_period
from reports import queries

BENCH = Path(__file__).resolve().parents[2] / "bench" / "summary.py"


@pytest.fixture(scope="module")
def bench():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("bench_summary", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_summary"] = mod
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("bench_summary", None)


@pytest.mark.parametrize("key", ["2026-11", "2026-T3", "2026"])
def test_raw_baseline_computes_the_same_figures_as_build_summary(bench, db_url, backend, key):
    from models.db import make_engine

    if backend == "sqlite":
        bench.build_sqlite(Path(db_url.removeprefix("sqlite:///")), 0.02, 7)
    engine = make_engine(db_url)
    raw = engine.raw_connection()
    try:
        if backend != "sqlite":
            bench.build_pg(raw.driver_connection, 0.02, 7)
        period = parse_period(key)
        with Session(engine) as s:
            # varsling is left out of both sides, as in the bench
            summary = queries.build_summary(session=s, org_id=1, period=period, now=bench.NOW, sections=bench.sections())
        rows = bench.raw_summary(raw.driver_connection, backend, period)
        [line] = bench.check_same(backend, key, summary, rows, period)
        assert "same figures" in line
        assert summary.avvik.period.new > 0 and summary.internkontroll.answered > 0 and summary.oppdrag.total == 500
        assert summary.varsling is None

        # and the check does fail when the baseline counts something else
        status = rows[1]
        rows[1] = [(status[0][0], status[0][1] + 1, *status[0][2:]), *status[1:]]
        with pytest.raises(SystemExit, match="disagree on totals, by_unit"):
            bench.check_same(backend, key, summary, rows, period)
    finally:
        raw.close()
        engine.dispose()
