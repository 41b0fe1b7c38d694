"""docker-compose.yml brings up PostgreSQL, two web workers, the scheduler, delivery and a proxy (issue 13 pt 7)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_every_part_and_only_one_kind_of_process_does_each_job() -> None:
    services = _compose()["services"]
    assert {"postgres", "migrate", "web-1", "web-2", "scheduler", "deliver", "proxy"} <= set(services)
    for name in ("web-1", "web-2"):
        web = services[name]
        assert web["command"][:2] == ["trad", "serve"]
        assert web["environment"]["SCHEDULER_ENABLED"] == "false"
        assert web["environment"]["OUTBOX_WORKER_ENABLED"] == "false"
        assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert web["environment"]["DATABASE_URL"].startswith("postgresql")
    assert services["scheduler"]["command"] == ["trad", "scheduler", "--no-deliver"]
    assert services["deliver"]["command"] == ["trad", "deliver"]
    assert services["migrate"]["command"] == ["trad", "migrate"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
    assert "web-1:8000" in caddyfile and "web-2:8000" in caddyfile and "health_uri /healthz" in caddyfile


def test_docker_compose_config_validates() -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("docker compose is not available here")
    r = subprocess.run([docker, "compose", "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
