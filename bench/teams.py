"""Benchmark for the Teams edge: what strict JWT validation and card rendering cost.

Figures are ratios against baselines measured in the same run:
- token check: `BotFrameworkAuth.verify_token + check_activity` (cached keys) vs a bare
  `jwt.decode` with the same key (the unavoidable RSA verify);
- a full signed "hjelp" activity through POST /api/messages (JWT, claim, identity,
  conversation, card, reply to a fake connector over HTTPS) vs GET /healthz.

Run: .venv/bin/python bench/teams.py [N]
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(n: int = 300) -> None:
    tmp = tempfile.mkdtemp()
    os.chdir(tmp)
    from tests.teams.fakes import APP_ID, FakeMicrosoft, activity

    fake = FakeMicrosoft(tmp)
    os.environ.update(fake.env())
    os.environ.update({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "SCHEDULER_ENABLED": "false",
                       "OUTBOX_WORKER_ENABLED": "false"})
    import jwt
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from bot.main import create_app
    from bot.teams.auth import BotFrameworkAuth
    from models.db import get_engine
    from models.migrate import upgrade
    from models.settings import get_settings
    from tests.factories import make_test_org

    upgrade(os.environ["DATABASE_URL"])
    with Session(get_engine(os.environ["DATABASE_URL"])) as s:
        org = make_test_org(s)

    # 1. token validation
    auth = BotFrameworkAuth(app_id=APP_ID, tenant_id=get_settings().teams_tenant_id or "",
                            metadata_url=get_settings().teams_openid_metadata_url)
    act = activity(text="hjelp", service_url=fake.service_url)
    token = fake.token()
    header = f"Bearer {token}"
    pub = fake.state.keys[0].private.public_key()

    async def ours() -> float:
        await auth.validate(header, act)  # warm the key cache
        t = time.perf_counter()
        for _ in range(n):
            claims, endorsements = await auth.verify_token(header)
            auth.check_activity(claims, endorsements, act)
        return time.perf_counter() - t

    t_ours = asyncio.run(ours())
    t = time.perf_counter()
    for _ in range(n):
        jwt.decode(token, pub, algorithms=["RS256"], audience=APP_ID, issuer="https://api.botframework.com")
    t_bare = time.perf_counter() - t

    # 2. full request vs /healthz
    fake.state.members["29:user-ansatt"] = {"id": "29:user-ansatt", "email": org.emails["ansatt"]}
    app = create_app(get_settings())
    with TestClient(app) as c:
        for _ in range(5):
            c.get("/healthz")
        t = time.perf_counter()
        for _ in range(n):
            c.get("/healthz")
        t_health = time.perf_counter() - t
        acts = [activity(text="hjelp", service_url=fake.service_url) for _ in range(n + 5)]
        for a in acts[:5]:
            c.post("/api/messages", json=a, headers={"Authorization": header})
        t = time.perf_counter()
        for a in acts[5:]:
            r = c.post("/api/messages", json=a, headers={"Authorization": header})
            assert r.status_code == 200
        t_msg = time.perf_counter() - t
    fake.stop()
    print(f"N={n}")
    print(f"token check (ours) / bare jwt.decode: {t_ours / t_bare:.2f}x  "
          f"({t_ours / n * 1e3:.2f} ms vs {t_bare / n * 1e3:.2f} ms)")
    print(f"signed 'hjelp' activity end to end / GET /healthz: {t_msg / t_health:.1f}x  "
          f"({t_msg / n * 1e3:.1f} ms vs {t_health / n * 1e3:.2f} ms)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
