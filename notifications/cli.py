"""`trad nudge`, `trad outbox`, `trad deliver` and `trad scheduler` (registered by bot/cli.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys

import click
from sqlalchemy import func
from sqlmodel import select

STATUSES = ("pending", "sending", "delivered", "failed", "unreachable")


def _settings():  # type: ignore[no-untyped-def]
    from bot.cli import load_settings

    return load_settings()


def register(group: click.Group) -> None:
    group.add_command(nudge)
    group.add_command(outbox_cmd)
    group.add_command(deliver)
    group.add_command(scheduler_cmd)


@click.command(help="Vis (--dry-run) eller legg i kø månedens påminnelser til lederne.")
@click.option("--period", required=True, help="Måned, f.eks. 2026-11.")
@click.option("--dry-run", is_flag=True, help="Bare vis hvem som ville fått hva.")
@click.option("--org", "org_slug", default=None, help="Kortnavn på kommunen (standard: alle).")
@click.option("--all-clear/--no-all-clear", default=None, help="Send «alt er à jour» til ledere uten noe som venter.")
def nudge(period: str, dry_run: bool, org_slug: str | None, all_clear: bool | None) -> None:
    from models.db import get_engine, session_scope
    from models.errors import ValidationFailed
    from models.services import org as org_svc
    from models.services.nudges import run_nudges

    settings = _settings()
    roles = tuple(r.strip() for r in settings.nudge_roles.split(",") if r.strip())
    with session_scope(get_engine(settings.database_url)) as s:
        org_id = org_svc.get_org(s, slug=org_slug).id if org_slug else None
        try:
            r = run_nudges(session=s, period=period, org_id=org_id, dry_run=dry_run, roles=roles,
                           all_clear=settings.nudge_all_clear if all_clear is None else all_clear,
                           tz=settings.tz_name)
        except ValidationFailed as exc:
            raise click.UsageError(next(iter(exc.errors.values()))) from exc
    for p in r.planned:
        c = p.counts
        what = ("alt er à jour" if p.all_clear else
                f"{c['avvik']} avvik, {c['tiltak']} tiltak over frist, {c['sjekkpunkt']} sjekkpunkt, {c['oppdrag']} oppdrag")
        mark = "" if dry_run else ("  [lagt i kø]" if p.enqueued else "  [fantes fra før]")
        click.echo(f"  {p.name} <{p.email}>: {what}{mark}")
    head = "Tørrkjøring" if dry_run else "Påminnelser"
    click.echo(f"{head} for {r.period}: {r.leaders} ledere, {r.with_items} med noe som venter, "
               f"{r.nothing_due} uten." + ("" if dry_run else f" Lagt i kø: {r.enqueued}, fantes fra før: {r.already_there}."))


@click.command(name="outbox", help="Vis utboksen: ventende, feilede, ikke nåbare og leverte meldinger.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUSES), help="Bare disse statusene.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True)
def outbox_cmd(statuses: tuple[str, ...], limit: int, as_json: bool) -> None:
    from models.db import get_engine, read_scope
    from models.tables import OutboxMessage, Person

    settings = _settings()
    wanted = list(statuses) or ["pending", "sending", "failed", "unreachable", "delivered"]
    with read_scope(get_engine(settings.database_url)) as s:
        counts = dict(s.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())  # type: ignore[arg-type]
        rows = []
        for status in wanted:  # problems first, then the most recent deliveries
            rows += s.exec(select(OutboxMessage, Person.name, Person.email)
                           .join(Person, Person.id == OutboxMessage.recipient_person_id, isouter=True)  # type: ignore[arg-type]
                           .where(OutboxMessage.status == status)
                           .order_by(OutboxMessage.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
        if as_json:
            click.echo(json.dumps({"counts": counts, "rows": [
                {"id": m.id, "key": m.dedupe_key, "kind": m.kind, "status": m.status, "platform": m.platform,
                 "to": email or m.target, "attempts": m.attempts, "last_error": m.last_error,
                 "next_attempt_at": m.next_attempt_at.isoformat() if m.next_attempt_at else None}
                for m, _name, email in rows]}, ensure_ascii=False, indent=2))
            return
        click.echo("Utboksen: " + ", ".join(f"{st} {counts.get(st, 0)}" for st in STATUSES))
        for m, name, email in rows:
            who = f"{name} <{email}>" if name else (m.target or "–")
            line = f"  #{m.id} {m.status:<11} {m.kind:<16} {who}  ({m.dedupe_key}, forsøk {m.attempts}, {m.platform})"
            if m.status in ("pending", "failed", "unreachable") and m.last_error:
                line += f"\n      {m.last_error[:200]}"
            click.echo(line)


def _install_stop(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


@click.command(help="Lever meldinger fra utboksen (i forgrunnen).")
@click.option("--once", is_flag=True, help="Lever det som er forfalt nå, og avslutt når køen er tom.")
@click.option("--lease", type=float, default=None, help="Sekunder før en «sending»-rad fra en krasjet prosess tas opp igjen.")
def deliver(once: bool, lease: float | None) -> None:
    from models.db import get_engine
    from notifications.outbox_worker import (
        Pacer,
        adapters_from_settings,
        deliver_due,
        limits_from_settings,
        run_worker,
    )

    settings = _settings()
    engine = get_engine(settings.database_url)
    adapters = adapters_from_settings(settings)
    pacer = Pacer(limits_from_settings(settings))
    lease_s = settings.outbox_lease_seconds if lease is None else lease
    click.echo(f"Leverer via: {', '.join(adapters)}", err=True)

    async def main() -> None:
        if once:
            total = 0
            while n := await deliver_due(engine, adapters, limit=50, pacer=pacer, lease_s=lease_s):
                total += n
            click.echo(f"Behandlet {total} meldinger.", err=True)
            return
        stop = asyncio.Event()
        _install_stop(stop)
        await run_worker(engine, adapters, stop, poll_s=settings.outbox_poll_seconds, pacer=pacer, lease_s=lease_s)

    asyncio.run(main())


@click.command(name="scheduler", help="Kjør planleggeren (påminnelser, fristvarsler, oppsummeringer) som egen prosess.")
@click.option("--deliver/--no-deliver", "with_worker", default=True, show_default=True,
              help="Lever også utboksen i denne prosessen.")
def scheduler_cmd(with_worker: bool) -> None:
    from models.db import get_engine
    from notifications.outbox_worker import Pacer, adapters_from_settings, limits_from_settings, run_worker
    from notifications.scheduler import build_scheduler

    settings = _settings()

    async def main() -> None:
        try:
            scheduler = build_scheduler(settings)
        except ValueError as exc:
            click.echo(f"Tråd kan ikke starte planleggeren: {exc}", err=True)
            sys.exit(2)
        scheduler.start()
        for job in scheduler.get_jobs():
            click.echo(f"  {job.id}: {job.trigger}, neste {job.next_run_time:%d.%m.%Y %H:%M}", err=True)
        stop = asyncio.Event()
        _install_stop(stop)
        if with_worker:
            await run_worker(get_engine(settings.database_url), adapters_from_settings(settings), stop,
                             poll_s=settings.outbox_poll_seconds, pacer=Pacer(limits_from_settings(settings)),
                             lease_s=settings.outbox_lease_seconds)
        else:
            await stop.wait()
        scheduler.shutdown(wait=False)

    asyncio.run(main())
