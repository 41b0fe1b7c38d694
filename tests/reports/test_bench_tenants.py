"""bench/tenants.py runs end to end at its tiny size on PostgreSQL (the generator's data is what the app reads).

Why a test: the full run (`make bench-tenants`) takes long and is not part of `make test`;
this keeps the generator and the harness from rotting between full runs. It builds 2 tiny
kommuner in a schema of its own and times their year summaries once (a few seconds).
PostgreSQL only: the generator loads with COPY.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import DEFAULT_PG

BENCH = Path(__file__).resolve().parents[2] / "bench" / "tenants.py"


@pytest.mark.slow
def test_tenants_bench_builds_kommuner_and_reports_their_summaries(backend):
    if backend != "postgresql":
        pytest.skip("the tenants benchmark is PostgreSQL only (COPY)")
    prefix = f"tbt_{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = subprocess.run([sys.executable, str(BENCH), "--size", "tiny", "--kommuner", "2", "--repeat", "1", "--parts", "summaries",
                          "--schema-prefix", prefix,
                          "--pg", os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)],
                         capture_output=True, text=True, timeout=120, env=env, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    table = out.stdout[out.stdout.index("Year summaries"):]
    assert [line for line in table.splitlines() if line.startswith("| 2 |")], out.stdout  # a summary row
    assert "| 2 | 80 | 8 | 400 | 1× |" in out.stdout  # 2 kommuner of 40 staff, 4 leaders and 200 avvik each
