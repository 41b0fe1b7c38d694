"""Indicators in chat: check-ins in plain Norwegian, the guided round («registrer indikatorer»)
and the styringskort.

Rules stay in `models.services.indicators` (its domain errors become the reply); this module
only reads what people type, asks when something is missing (which unit), keeps the guided
round's state in the database (`models.services.dialogs`, like `bot.conversation.guided`), and
phrases the answers. After each stored value the leader's nudge and indicator reminder are
refreshed in place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from bot.conversation import indicator_views as iv
from bot.conversation.channel import IncomingMessage
from bot.conversation.checkin_text import CheckinText, best_name, fold, meaningful, parse_checkin
from bot.conversation.guided import key
from bot.conversation.intents import parse
from bot.conversation.parsing import SKIP_WORDS, match_choice, normalise
from models.errors import DomainError
from models.i18n import N_, _, ngettext
from models.indicator_rules import format_value
from models.messages import Reply
from models.periods import Period, local_date, parse_period
from models.services import dialogs, indicator_chat, indicator_reminders, nudges, org
from models.services.indicator_chat import CheckinContext, IndicatorRef, UnitChoice
from models.services.styringskort import resolve_scope, styringskort
from models.uow import Tx

log = logging.getLogger("trad.conversation")
UNIT_DIALOG = "indicator_unit"
ROUND_DIALOG = "indicators"
DIALOGS = (UNIT_DIALOG, ROUND_DIALOG)
EXAMPLE = N_("Skriv f.eks. «nærvær i november 93,4 %» eller «registrer indikatorer».")


class IndicatorChat:
    def __init__(self, *, now: Callable[[], datetime], tz: str) -> None:
        self.now = now
        self.tz = tz

    def today(self) -> date:
        return local_date(self.now(), self.tz)

    # ------------------------------------------------------------------ one sentence
    def try_checkin(self, tx: Tx, msg: IncomingMessage) -> list[Reply] | None:
        """A check-in, if the text names an indicator; None when it does not look like one."""
        parsed = parse_checkin(msg.text, today=self.today())
        if not parsed.words:
            return None
        ctx = indicator_chat.checkin_context(session=tx, actor_id=msg.person_id)
        if not ctx.indicators:
            return None
        mine = ctx.mine()
        pool = mine if mine else ctx.indicators
        match = best_name(parsed.words, [i.name for i in pool])
        if match is None and mine:
            pool = ctx.indicators
            match = best_name(parsed.words, [i.name for i in pool])
        if match is None:
            if parsed.value is not None and mine:
                names = ", ".join(i.name for i in mine)
                return [Reply(text=_("Jeg fant ingen indikator som passer «{text}». Indikatorene dine: {names}.")
                              .format(text=msg.text.strip()[:80], names=names) + " " + _(EXAMPLE))]
            return None
        ind = pool[match.index]
        if parsed.value is None:
            example = format_value(93.4, ind.measure) if ind.measure == "%" else "12"
            return [Reply(text=_("Vil du registrere «{name}», skriv verdien også, f.eks. «{example}». «styringskort» "
                                 "viser kortet med trafikklys.").format(name=ind.name,
                                                                      example=f"{ind.name.lower()} {example}"))]
        rest = meaningful(match.rest)
        unit_id = None
        if rest:
            unit = best_name(rest, [u.name for u in ctx.units])
            if unit is None or meaningful(unit.rest):
                return [Reply(text=_("Jeg skjønte ikke hvilken enhet du mener i «{text}». Skriv enheten slik den heter, "
                                     "f.eks. «{example}». Ingenting er lagret.").format(
                    text=msg.text.strip()[:80], example=f"{ind.name.lower()} {self._unit_example(ctx, ind)} 93,4"))]
            unit_id = ctx.units[unit.index].id
        period = parsed.period or indicator_chat.default_period(ind.frequency, self.today())
        if unit_id is None:
            choices = [u for u in ctx.units if u.id in ind.unit_ids & ctx.led_unit_ids]
            if len(choices) > 1:
                return self._ask_unit(tx, msg, ind, period, parsed, choices)
        return self._record(tx, msg.person_id, ind, period, parsed.value, unit_id, parsed.comment)

    def _unit_example(self, ctx: CheckinContext, ind: IndicatorRef) -> str:
        unit = next((u for u in ctx.units if u.id in ind.unit_ids & ctx.led_unit_ids), None)
        unit = unit or next((u for u in ctx.units if u.id in ind.unit_ids), None)
        return unit.name if unit else _("enhetsnavn")

    def _record(self, tx: Tx, pid: int, ind: IndicatorRef, period: Period, value: str, unit_id: int | None,
                comment: str | None) -> list[Reply]:
        result = indicator_chat.check_in(session=tx, actor_id=pid, indicator=ind, period=period, value=value,
                                         unit_id=unit_id, comment=comment, now=self.now())
        self.refresh(tx, pid, result.receipt.period)
        return [iv.receipt_reply(result)]

    def refresh(self, tx: Tx, pid: int, period_key: str) -> None:
        """A value came in: update this month's nudge and the period's reminder in place, if they were sent."""
        try:
            nudges.refresh_nudge(session=tx, person_id=pid, now=self.now(), tz=self.tz)
            month = indicator_chat.reporting_month(parse_period(period_key))
            current = indicator_chat.reporting_period(self.today())
            for round_month in dict.fromkeys((month, current)):  # an overdue value is on the current round too
                indicator_reminders.refresh_reminder(session=tx, person_id=pid, period=round_month)
        except Exception:  # noqa: BLE001 - the value is committed; a stale reminder is not worth an error
            log.exception("refreshing the nudge after a check-in failed")

    # ------------------------------------------------------------------ which unit?
    def _ask_unit(self, tx: Tx, msg: IncomingMessage, ind: IndicatorRef, period: Period, parsed: CheckinText,
                  choices: list[UnitChoice]) -> list[Reply]:
        data = {"indicator_id": ind.id, "period": period.key, "value": parsed.value, "comment": parsed.comment,
                "options": [[str(u.id), u.name] for u in choices]}
        dialogs.save_dialog(session=tx, **key(msg.user), name=UNIT_DIALOG, step=0, data=data)
        return [_unit_question(ind.name, period, data)]

    def _resume_unit(self, tx: Tx, msg: IncomingMessage, data: dict[str, Any]) -> list[Reply]:
        options = [(str(v), str(label)) for v, label in data["options"]]
        if parse(msg.text).name == "cancel":
            dialogs.clear_dialog(session=tx, **key(msg.user))
            return [Reply(text=_("Avbrutt. Ingenting er lagret."))]
        chosen = match_choice(msg.text, options)
        ctx = indicator_chat.checkin_context(session=tx, actor_id=msg.person_id)
        ind = next((i for i in ctx.indicators if i.id == data["indicator_id"]), None)
        if ind is None:
            dialogs.clear_dialog(session=tx, **key(msg.user))
            return [Reply(text=_("Indikatoren finnes ikke lenger. Ingenting er lagret."))]
        period = parse_period(str(data["period"]))
        if chosen is None:
            return [Reply(text=_("Det fant jeg ikke i lista.")), _unit_question(ind.name, period, data)]
        dialogs.clear_dialog(session=tx, **key(msg.user))
        return self._record(tx, msg.person_id, ind, period, str(data["value"]), int(chosen), data.get("comment"))

    # ------------------------------------------------------------------ the guided round
    def start_round(self, tx: Tx, msg: IncomingMessage) -> list[Reply]:
        period = indicator_chat.reporting_period(self.today())
        lines = indicator_chat.due_lines(session=tx, actor_id=msg.person_id, period=period, missing_only=False)
        if not lines:
            return [Reply(text=_("Du har ingen indikatorer å registrere for {period}. Indikatorene registreres av "
                                 "lederne for enhetene som rapporterer dem.").format(period=period.label))]
        missing = [n for n in lines if n.item.missing]
        if not missing:
            return [Reply(text=_("Alle indikatorene for {period} er registrert. 👍 Vil du rette en verdi, skriv "
                                 "f.eks. «nærvær oktober 93,4».").format(period=period.label))]
        items = [{"indicator_id": n.item.indicator_id, "unit_id": n.item.unit_id, "period": n.item.period}
                 for n in missing]
        dialogs.save_dialog(session=tx, **key(msg.user), name=ROUND_DIALOG, step=0,
                            data={"period": period.key, "items": items, "given": {}})
        intro = Reply(text=_("Indikatorer for {period}: {n} mangler verdi. Jeg spør om én om gangen og lagrer hver "
                             "verdi med en gang.").format(period=period.label, n=len(missing)))
        return [intro, iv.due_prompt(missing[0], 0, len(missing), None)]

    def resume(self, tx: Tx, msg: IncomingMessage, name: str, step: int, data: dict[str, Any]) -> list[Reply]:
        if name == UNIT_DIALOG:
            return self._resume_unit(tx, msg, data)
        return self._resume_round(tx, msg, step, data)

    def _resume_round(self, tx: Tx, msg: IncomingMessage, step: int, data: dict[str, Any]) -> list[Reply]:
        period = parse_period(str(data["period"]))
        lines = indicator_chat.due_lines(session=tx, actor_id=msg.person_id, period=period, missing_only=False)
        by_key = {(n.item.indicator_id, n.item.unit_id, n.item.period): n for n in lines}
        items = [by_key.get((i["indicator_id"], i["unit_id"], i["period"])) for i in data["items"]]
        given: dict[str, str] = dict(data.get("given") or {})
        t = normalise(msg.text)
        intent = parse(msg.text).name if len(t) < 20 else ""

        def save(at: int) -> None:
            dialogs.save_dialog(session=tx, **key(msg.user), name=ROUND_DIALOG, step=at, data={**data, "given": given})

        if intent == "cancel":
            dialogs.clear_dialog(session=tx, **key(msg.user))
            return [Reply(text=ngettext("Avbrutt. {n} verdi er lagret; resten kan du registrere senere med "
                                        "«registrer indikatorer».",
                                        "Avbrutt. {n} verdier er lagret; resten kan du registrere senere med "
                                        "«registrer indikatorer».", len(given)).format(n=len(given)))]
        if intent == "back":
            return self._next(tx, msg, max(0, step - 1), items, given, save)
        line = items[step] if step < len(items) else None
        if line is None or t in SKIP_WORDS or t in {"hopp over", "hopp", "neste", "skip", "hoppe over", "next"}:
            return self._next(tx, msg, step + 1, items, given, save)
        stored, reply = self._store_round_value(tx, msg, line, step, given)
        if not stored:
            return [reply, iv.due_prompt(line, step, len(items), given.get(str(step)))]
        return [reply, *self._next(tx, msg, step + 1, items, given, save)]

    def _store_round_value(self, tx: Tx, msg: IncomingMessage, line: indicator_chat.DueLine, step: int,
                           given: dict[str, str]) -> tuple[bool, Reply]:
        """Store the answer as the value of `line`: (stored?, the receipt line or the domain's error)."""
        parsed = parse_checkin(" " + msg.text, today=self.today())
        value = parsed.value if parsed.value is not None and not meaningful(parsed.words) else msg.text.strip()
        ctx = indicator_chat.checkin_context(session=tx, actor_id=msg.person_id)
        ind = next((i for i in ctx.indicators if i.id == line.item.indicator_id), None)
        if ind is None:
            return False, Reply(text=_("Indikatoren finnes ikke lenger."))
        try:
            result = indicator_chat.check_in(session=tx, actor_id=msg.person_id, indicator=ind,
                                             period=parse_period(line.item.period), value=value,
                                             unit_id=line.item.unit_id, comment=parsed.comment, now=self.now())
        except DomainError as e:
            return False, Reply(text=e.message)
        given[str(step)] = format_value(result.receipt.value, result.receipt.measure)
        self.refresh(tx, msg.person_id, result.receipt.period)
        return True, Reply(text=iv.receipt_line(result))

    def _next(self, tx: Tx, msg: IncomingMessage, step: int, items: list[indicator_chat.DueLine | None],
              given: dict[str, str], save: Callable[[int], None]) -> list[Reply]:
        while step < len(items) and items[step] is None:
            step += 1
        if step >= len(items):
            dialogs.clear_dialog(session=tx, **key(msg.user))
            skipped = len(items) - len(given)
            return [Reply(title=_("Ferdig med indikatorene"),
                          text=_("{n} registrert, {skipped} hoppet over. Skriv «styringskort» for å se kortet.").format(
                              n=len(given), skipped=skipped))]
        save(step)
        line = items[step]
        assert line is not None
        return [iv.due_prompt(line, step, len(items), given.get(str(step)))]

    # ------------------------------------------------------------------ the card
    def card(self, tx: Tx, pid: int, scope_text: str | None) -> list[Reply]:
        parsed = parse_checkin(" " + (scope_text or ""), today=self.today())
        period = parsed.period or indicator_chat.reporting_period(self.today())
        words = meaningful(parsed.words)
        ctx = indicator_chat.checkin_context(session=tx, actor_id=pid)
        actor_org = org.load_actor(tx, person_id=pid).org_id
        hint = ""
        if words and fold(" ".join(words)) in {"kommunen", "kommune", "hele kommunen", "heile kommunen"}:
            scopes = [resolve_scope(tx, org_id=actor_org, kommune=True)]
        elif words:
            unit = best_name(words, [u.name for u in ctx.units]) or best_name(words, [u.path for u in ctx.units])
            if unit is None:
                return [Reply(text=_("Jeg fant ingen enhet eller sektor «{name}».").format(name=" ".join(words)[:60]))]
            scopes = [indicator_chat.scope_of(tx, org_id=actor_org, unit=ctx.units[unit.index])]
        else:
            scopes = indicator_chat.default_scopes(session=tx, actor_id=pid)
            if ctx.org_wide or any(u.kind == "sector" for u in ctx.units if u.id in ctx.led_unit_ids):
                hint = " " + _("Skriv «styringskort Aurvoll skole» (eller en annen enhet) for å åpne en enhet.")
        if not scopes:
            return [Reply(text=_("Styringskortet viser enhetene du leder, og du leder ingen enhet. Spør lederen din om "
                                 "styringskortet for enheten din."))]
        return [iv.card_reply(styringskort(session=tx, org_id=actor_org, scope=s, period=period, actor_id=pid),
                              hint=hint) for s in scopes[:3]]


def _unit_question(name: str, period: Period, data: dict[str, Any]) -> Reply:
    lines = [_("«{name}» rapporteres av flere enheter du leder. Hvilken gjelder verdien {value} for {period}?").format(
        name=name, value=data["value"], period=period.label)]
    lines += [f"  {i}. {label}" for i, (_value, label) in enumerate(data["options"], start=1)]
    lines.append(_("Svar med tallet eller navnet, eller «avbryt»."))
    return Reply(text="\n".join(lines))
