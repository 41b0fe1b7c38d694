"""`trad nudge`, `trad outbox`, `trad deliver` and `trad scheduler` (registered by bot/cli.py)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from datetime import UTC, datetime
from typing import Any

import click

from models.settings import Settings
from notifications.threads import shorten_gil_turns

STATUSES = ("pending", "sending", "delivered", "failed", "unreachable")


def _settings() -> Settings:
    from bot.main import load_settings

    return load_settings()


def register(group: click.Group) -> None:
    group.add_command(nudge)
    group.add_command(outbox_cmd)
    group.add_command(deliver)
    group.add_command(scheduler_cmd)
    group.add_command(background_cmd)


@click.command(help="Vis (--dry-run) eller legg i kø månedens påminnelser til lederne.")
@click.option("--period", required=True, help="Måned, f.eks. 2026-11.")
@click.option("--dry-run", is_flag=True, help="Bare vis hvem som ville fått hva.")
@click.option("--org", "org_slug", default=None, help="Kortnavn på kommunen (standard: alle).")
@click.option("--all-clear/--no-all-clear", default=None, help="Send «alt er à jour» til ledere uten noe som venter.")
def nudge(period: str, dry_run: bool, org_slug: str | None, all_clear: bool | None) -> None:
    from bot.main import build_engine
    from bot.org_option import org_id_or_exit
    from models.errors import ValidationFailed
    from models.services.nudges import run_nudges
    from models.uow import UnitOfWork

    settings = _settings()
    roles = tuple(r.strip() for r in settings.nudge_roles.split(",") if r.strip())
    with UnitOfWork(build_engine(settings)).write() as s:
        org_id = org_id_or_exit(s, org_slug, settings) if org_slug else None
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
@click.option("--stuck-after", default=90.0, show_default=True, type=click.FloatRange(0),
              help="Sekunder i «sending» før en rad regnes som fast.")
def outbox_cmd(statuses: tuple[str, ...], limit: int, as_json: bool, stuck_after: float) -> None:
    from bot.main import build_engine
    from models.services import outbox_status
    from models.uow import UnitOfWork

    settings = _settings()
    wanted = list(statuses) or ["pending", "sending", "failed", "unreachable", "delivered"]
    with UnitOfWork(build_engine(settings)).read() as tx:
        counts = outbox_status.status_counts(session=tx)
        rows = outbox_status.latest(session=tx, statuses=wanted, limit=limit)
        stuck = outbox_status.stuck(session=tx, now=datetime.now(UTC), older_than_s=stuck_after, limit=limit)
    if as_json:
        click.echo(json.dumps({"counts": counts, "rows": [
            {"id": m.id, "key": m.dedupe_key, "kind": m.kind, "status": m.status, "platform": m.platform,
             "to": m.person_email or m.target, "attempts": m.attempts, "last_error": m.last_error,
             "next_attempt_at": m.next_attempt_at.isoformat() if m.next_attempt_at else None}
            for m in rows], "stuck": [{"id": m.id, "key": m.dedupe_key, "seconds": m.seconds} for m in stuck]},
            ensure_ascii=False, indent=2))
        return
    click.echo("Utboksen: " + ", ".join(f"{st} {counts.get(st, 0)}" for st in STATUSES))
    _echo_stuck(stuck)
    for m in rows:
        who = f"{m.person_name} <{m.person_email}>" if m.person_name else (m.target or "–")
        line = f"  #{m.id} {m.status:<11} {m.kind:<16} {who}  ({m.dedupe_key}, forsøk {m.attempts}, {m.platform})"
        if m.status in ("pending", "failed", "unreachable") and m.last_error:
            line += f"\n      {m.last_error[:200]}"
        click.echo(line)


def _echo_stuck(stuck: list) -> None:
    """Rows `sending` for long: a platform call that hangs, or a worker that died (the lease reclaims them)."""
    if not stuck:
        return
    click.echo(f"Står fast i «sending»: {len(stuck)}")
    for m in stuck:
        click.echo(f"  #{m.id} {m.kind:<16} i {m.seconds // 60} min {m.seconds % 60} s  "
                   f"({m.dedupe_key}, forsøk {m.attempts}, {m.platform})" + (f"\n      {m.last_error[:200]}"
                                                                           if m.last_error else ""))


def _install_stop(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


@click.command(help="Lever meldinger fra utboksen (i forgrunnen).")
@click.option("--once", is_flag=True, help="Lever det som er forfalt nå, og avslutt når køen er tom.")
@click.option("--lease", type=float, default=None, help="Sekunder før en «sending»-rad fra en krasjet prosess tas opp igjen.")
def deliver(once: bool, lease: float | None) -> None:
    """Several `trad deliver` may run at once when pacing is shared (PostgreSQL: rows are claimed with
    SKIP LOCKED and the pace is booked in the database); otherwise they take turns through the lease
    `delivery`, so only one paces at a time."""
    from bot.main import build_delivery, build_wiring
    from models.i18n import _
    from models.sqlite_lock import give_way_to_requests

    give_way_to_requests()  # on SQLite, a web request's write goes before ours
    settings = _settings()
    wiring = build_wiring(settings)
    delivery = build_delivery(settings, wiring.engine, wiring.adapters, lease_s=lease)
    click.echo(f"Leverer via: {', '.join(delivery.adapters)}", err=True)
    click.echo(_("Tempoet deles med andre leveranseprosesser gjennom databasen.") if settings.pacing_is_shared
               else _("Tempoet holdes i denne prosessen: bare én leveranseprosess leverer om gangen."), err=True)

    async def main() -> None:
        shorten_gil_turns(settings)
        if once:
            total = await delivery.drain()
            click.echo(f"Behandlet {total} meldinger.", err=True)
            return
        stop = asyncio.Event()
        _install_stop(stop)
        if settings.pacing_is_shared:
            await delivery.run(stop)
            return
        await _under_lease(settings.model_copy(update={"scheduler_enabled": False, "outbox_worker_enabled": True}),
                           delivery, {}, stop, lease_name="delivery")

    asyncio.run(main())


async def _under_lease(settings: Settings, delivery: Any, jobs: dict, stop: asyncio.Event, *, lease_name: str,
                       lease_s: float | None = None) -> None:
    """Run the background work only while this process holds the lease (`notifications.runtime`)."""
    from types import SimpleNamespace

    from notifications import runtime

    state = SimpleNamespace()
    await runtime.start(settings, state, delivery=delivery, jobs=jobs, lease_name=lease_name,
                        lease_s=lease_s or runtime.LEASE_S)
    try:
        await stop.wait()
    finally:
        await runtime.stop(state)


@click.command(name="scheduler", help="Kjør planleggeren (påminnelser, fristvarsler, oppsummeringer) som egen prosess.")
@click.option("--deliver/--no-deliver", "with_worker", default=True, show_default=True,
              help="Lever også utboksen i denne prosessen.")
def scheduler_cmd(with_worker: bool) -> None:
    """Takes the same lease as `trad serve` (`background`): a second scheduler, here or in a server,
    waits as a standby and takes over within the lease when the first one stops."""
    from bot.main import build_delivery, build_engine, build_jobs, build_wiring
    from models.sqlite_lock import give_way_to_requests
    from notifications.scheduler import build_scheduler

    give_way_to_requests()  # on SQLite, a web request's write goes before ours
    settings = _settings().model_copy(update={"scheduler_enabled": True})
    engine = build_engine(settings)
    jobs = build_jobs(settings, engine)
    try:
        scheduler = build_scheduler(settings, jobs=jobs)  # check the schedules before waiting for the lease
    except ValueError as exc:
        click.echo(f"Tråd kan ikke starte planleggeren: {exc}", err=True)
        sys.exit(2)
    for job in scheduler.get_jobs():
        click.echo(f"  {job.id}: {job.trigger}", err=True)
    settings = settings.model_copy(update={"outbox_worker_enabled": with_worker})
    adapters = build_wiring(settings).adapters if with_worker else {}

    async def main() -> None:
        shorten_gil_turns(settings)
        stop = asyncio.Event()
        _install_stop(stop)
        await _under_lease(settings, build_delivery(settings, engine, adapters), jobs, stop, lease_name="background")

    asyncio.run(main())


@click.command(name="background", hidden=True,
               help="Bakgrunnsprosessen til «trad serve» (planlegger, utboks, innboks); startes av serveren.")
@click.option("--parent", type=int, default=None, help="Avslutt når denne prosessen (serveren) er borte.")
def background_cmd(parent: int | None) -> None:
    """`trad serve`'s child (`notifications.child`): the background work as the settings enable it, under
    the lease `background`, so a `trad scheduler` elsewhere is a standby rather than a second one."""
    from bot.main import build_delivery, build_engine, build_jobs, build_wiring, show_runtime_log
    from models.sqlite_lock import give_way_to_requests
    from notifications.child import parent_gone

    show_runtime_log()
    give_way_to_requests()  # on SQLite, a web request's write goes before ours
    settings = _settings()
    engine = build_engine(settings)
    jobs = build_jobs(settings, engine) if settings.scheduler_enabled else {}
    adapters = build_wiring(settings).adapters if settings.outbox_worker_enabled else {}

    async def watch_parent(stop: asyncio.Event) -> None:
        while not stop.is_set():
            if parent is not None and parent_gone(parent):
                stop.set()
            await asyncio.sleep(1.0)

    async def main() -> None:
        shorten_gil_turns(settings)
        stop = asyncio.Event()
        _install_stop(stop)
        watcher = asyncio.create_task(watch_parent(stop))
        try:
            await _under_lease(settings, build_delivery(settings, engine, adapters), jobs, stop,
                               lease_name="background")
        finally:
            watcher.cancel()

    asyncio.run(main())
