"""The platform-neutral conversation: messages, button presses and form submissions in, `Reply`s out.

Slack, Teams and the terminal all call this. It holds no platform code and no rules:
it understands what was asked, calls the domain use cases and read-side queries with a
transaction from its `UnitOfWork`, and phrases the answer. Forms (modals in Slack, cards
in Teams) become a guided dialog in text channels (`bot.conversation.guided`). The App
Home, the listings behind slash commands, the whistleblowing guidance and the follow-up
after an avvik changes come from here too, so every platform answers the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from rapidfuzz import fuzz, process

from bot.conversation import cases, closing, delegation, dialog_guard, forms, governance, report_intake, views
from bot.conversation.channel import IncomingMessage, Interaction
from bot.conversation.guided import GuidedDialog, key
from bot.conversation.home import MAX_ITEMS, HomeView, build_home_view
from bot.conversation.indicator_chat import DIALOGS as INDICATOR_DIALOGS
from bot.conversation.indicator_chat import IndicatorChat
from bot.conversation.intents import Intent, looks_like_varsling, parse
from bot.conversation.language import Speaker, parse_language, speaks, switch_reply
from bot.conversation.parsing import normalise
from models.errors import DomainError, NotFound, ValidationFailed
from models.i18n import N_, _, fmt_date
from models.messages import Form, Reply
from models.periods import local_date
from models.services import avvik as avvik_svc
from models.services import (
    checklists,
    dialogs,
    home,
    indicator_chat,
    kommune_settings,
    listings,
    nudges,
    oppdrag,
    org,
)
from models.services.listings import AvvikFollowup
from models.settings import Settings
from models.uow import Tx, UnitOfWork
from models.vocabulary import CHECK_ANSWERS, ROLES

log = logging.getLogger("trad.conversation")
MAX_INPUT = 4000
# Buttons and forms that settle an item of a leader's monthly nudge: the nudge is then updated in place.
ACTS_ON_NUDGE = frozenset({"avvik.take", "avvik.close", "avvik.add_tiltak", "check.ja", "check.nei",
                           "check.ikke_relevant", "oppdrag.update", "tiltak.done"})
SORRY = N_("Beklager, noe gikk galt hos meg. Prøv igjen om litt – ingenting av det du har lagret er tapt.")
UNKNOWN = N_("Det skjønte jeg ikke helt. Prøv f.eks. «meld avvik», «mine oppdrag» eller «sjekkliste». "
              "Skriv «hjelp» for alt jeg kan.")


class Conversation:
    def __init__(self, *, settings: Settings, uow: UnitOfWork, now: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.uow = uow
        self.now = now or (lambda: datetime.now(UTC))
        self.guided = GuidedDialog(now=self.now, tz=settings.tz_name)
        self.indicators = IndicatorChat(now=self.now, tz=settings.tz_name)
        self.speaker = Speaker(uow, settings.default_locale)

    # ------------------------------------------------------------------ messages
    @speaks
    def handle_message(self, msg: IncomingMessage) -> list[Reply]:
        """Answer one chat message. Never raises: every failure becomes a helpful reply."""
        text = (msg.text or "").replace("\x00", "")
        try:
            if looks_like_varsling(text):
                return [self.whistle_guidance(msg.person_id, text)]
            with self.uow.write() as tx:
                if (language := parse_language(text, default=self.settings.default_locale)) is not None:
                    return [switch_reply(tx, msg.person_id, language)]
                settled = dialog_guard.settle(tx, msg.user, dialogs.load_dialog(session=tx, **key(msg.user)), text)
                return settled.notes + self._message(tx, msg, text, settled)
        except DomainError as e:
            return [Reply(text=e.message)]
        except Exception:  # noqa: BLE001 - a chat user must never see a stack trace
            log.exception("conversation failed")
            return [Reply(text=_(SORRY))]

    def _message(self, tx: Tx, msg: IncomingMessage, text: str, settled: dialog_guard.Settled) -> list[Reply]:
        state = settled.state
        if settled.offer_text is not None:  # «ja» to the offer to report an incident as avvik
            form = self._avvik_form(tx, msg.person_id, settled.offer_text)
            return [Reply(form=form)] if msg.supports_forms else self.guided.start(tx, msg.user, form)
        if state is not None and state.name == "form":
            return self.guided.resume(tx, msg.user, msg.person_id, state.data, state.step, text,
                                      self._submit_guided)
        if state is not None and state.name in INDICATOR_DIALOGS and len(text) <= MAX_INPUT:
            return self.indicators.resume(tx, msg, state.name, state.step, dict(state.data))
        if len(text) > MAX_INPUT:
            return [Reply(text=_("Meldingen er for lang ({n} tegn). Skriv kortere, høyst {max} tegn.").format(
                n=len(text), max=MAX_INPUT))]
        if (split := delegation.parse_split(text)) is not None:
            return [delegation.split_reply(tx, msg.person_id, split)]
        return self._intent(tx, msg, parse(text))

    @speaks
    def command(self, person_id: int, name: str, *, platform_locale: str | None = None) -> list[Reply]:
        """A listing asked for by a platform command (Slack's /sjekkliste, /oppdrag): never touches a dialog."""
        try:
            with self.uow.read() as tx:
                if name == "checklist":
                    return [self._checklist(tx, person_id)]
                if name == "my_oppdrag":
                    return [views.oppdrag_list(listings.my_oppdrag(session=tx, person_id=person_id))]
        except DomainError as e:
            return [Reply(text=e.message)]
        raise ValueError(f"unknown command {name!r}")

    def _intent(self, tx: Tx, msg: IncomingMessage, intent: Intent) -> list[Reply]:
        pid = msg.person_id
        name = intent.name
        if name in ("help", "empty"):
            return [views.help_reply()]
        if name == "thanks":
            return [Reply(text=_("Bare hyggelig! Skriv «hjelp» om du lurer på noe."))]
        if name in ("cancel", "back"):
            return [Reply(text=_("Det er ingen dialog å avbryte nå. Skriv «hjelp» for å se hva jeg kan."))]
        if name in ("report_avvik", "new_risk", "review_risk"):
            form = (self._avvik_form(tx, pid) if name == "report_avvik" else governance.risk_form(tx, pid)
                    if name == "new_risk" else governance.review_form_for(tx, pid, intent.number))
            return [Reply(form=form)] if msg.supports_forms else self.guided.start(tx, msg.user, form)
        if name == "my_avvik":
            return [closing.with_closed_hint(views.avvik_list(
                listings.my_avvik(session=tx, person_id=pid), title=_("Dine åpne avvik"),
                empty=_("Du har ingen åpne avvik. Skriv «meld avvik» for å melde et nytt.")))]
        if name == "my_closed_avvik":
            return [closing.my_closed_reply(tx, pid)]
        if name == "unit_avvik":
            return [views.avvik_list(listings.unit_avvik(session=tx, actor_id=pid), title=_("Åpne avvik i enhetene dine"),
                                     empty=_("Ingen åpne avvik i enhetene dine. 👍"), for_leader=True)]
        if name == "show_avvik":
            avvik_id = avvik_svc.find_avvik_id(session=tx, actor_id=pid, number=intent.number)
            return [self._avvik_detail(tx, pid, avvik_id)]
        if name == "my_oppdrag":
            return [views.oppdrag_list(listings.my_oppdrag(session=tx, person_id=pid))]
        if name == "show_oppdrag":
            return [Reply(items=[views.oppdrag_item(listings.find_oppdrag(session=tx, actor_id=pid,
                                                                           number=intent.number))])]
        if name == "update_oppdrag":
            return [self._update_oppdrag(tx, pid, intent)]
        if name == "checklist":
            return [self._checklist(tx, pid)]
        if name == "varsle":
            return [self._varsle(tx, pid, detected=bool(intent.args.get("detected")))]
        if name == "register_indicators":
            return self.indicators.start_round(tx, msg)
        if name == "styringskort":
            return self.indicators.card(tx, pid, intent.text_arg("scope"))
        return (self.indicators.try_checkin(tx, msg) or dialog_guard.offer_incident(tx, msg.user, msg.text)
                or [Reply(text=_(UNKNOWN))])

    def _checklist(self, tx: Tx, pid: int) -> Reply:
        actor = org.load_actor(tx, person_id=pid)
        due = checklists.list_due_checklists(session=tx, actor_id=pid, now=self.now())
        return views.checklist_reply(due, is_leader=bool(actor.led_unit_ids))

    def _update_oppdrag(self, tx: Tx, pid: int, intent: Intent) -> Reply:
        number = intent.args.get("number")
        if number is None:
            title = str(intent.args.get("title") or "")
            mine = listings.my_oppdrag(session=tx, person_id=pid)
            best = process.extractOne(normalise(title), [normalise(o.title) for o in mine],
                                      scorer=fuzz.partial_ratio, score_cutoff=75) if mine else None
            if best is None:
                return Reply(text=_("Jeg fant ikke noe oppdrag som passer «{title}». Skriv «mine oppdrag» for numrene.")
                             .format(title=title[:60]))
            number = mine[best[2]].number
        o = listings.oppdrag_line(oppdrag.update_oppdrag(
            session=tx, actor_id=pid, number=int(str(number)), status=intent.text_arg("status"),
            progress=intent.int_arg("progress"), comment=intent.text_arg("comment")))
        return views.oppdrag_updated(o)

    # ------------------------------------------------------------------ building blocks edges reuse
    def _avvik_form(self, tx: Tx, person_id: int, description: str = "") -> Form:
        actor = org.load_actor(tx, person_id=person_id)
        return forms.avvik_form(units=org.unit_choices(tx, org_id=actor.org_id), default_unit_id=actor.unit_id,
                                description=description,
                                categories=kommune_settings.offered_categories(tx, org_id=actor.org_id))

    def open_avvik_form(self, person_id: int, description: str = "", *, platform_locale: str | None = None) -> Form:
        """The avvik form in the person's language, read in one transaction: `/avvik` builds it after every
        ack, and a read transaction of its own for the language was a tenth of its cost (bench/slack.md)."""
        with self.uow.read() as tx, self.speaker.speak_in(tx, person_id, platform_locale):
            return self._avvik_form(tx, person_id, description)

    def _avvik_detail(self, tx: Tx, pid: int, avvik_id: int) -> Reply:
        return views.avvik_detail(listings.avvik_detail(session=tx, actor_id=pid, avvik_id=avvik_id,
                                                        tz=self.settings.tz_name))

    def _varsle(self, tx: Tx, pid: int | None, *, detected: bool = False) -> Reply:
        url = self.settings.public_base_url.rstrip("/") + "/varsling"
        return views.varsle_reply(url, listings.varsling_recipient_names(tx, pid), detected=detected)

    @speaks
    def varsle_guidance(self, person_id: int | None, *, detected: bool = False,
                        platform_locale: str | None = None) -> Reply:
        """How to blow the whistle safely. Reads only: nothing about the asker is stored."""
        with self.uow.read() as tx:
            return self._varsle(tx, person_id, detected=detected)

    @speaks
    def whistle_guidance(self, person_id: int | None, text: str, *, platform_locale: str | None = None) -> Reply:
        """Text that looks like whistleblowing is never stored or handed on: guidance only.

        The plain command («varsle») gets the guidance as asked; anything else with
        whistle words (also in the middle of a guided dialog) gets it with a note that
        nothing was saved.
        """
        intent = parse(text)
        if intent.name == "varsle" and not intent.args.get("detected"):
            return self.varsle_guidance(person_id)
        reply = self.varsle_guidance(person_id, detected=True)
        return reply.model_copy(update={"text": f"{reply.text} {_(views.VARSLING_HINT)}"})

    @speaks
    def home_view(self, person_id: int, *, platform_locale: str | None = None) -> HomeView:
        """The person's dashboard (Slack's App Home)."""
        with self.uow.read() as tx:
            data = home.home_data(session=tx, person_id=person_id, now=self.now(), limit=MAX_ITEMS)
            period, missing = indicator_chat.missing_count(session=tx, actor_id=person_id,
                                                           today=local_date(self.now(), self.settings.tz_name))
        return build_home_view(data, public_base_url=self.settings.public_base_url,
                               indicators_missing=(period.label, missing))

    @speaks
    def avvik_followup(self, actor_id: int, avvik_id: int, *, platform_locale: str | None = None) -> AvvikFollowup:
        """After `actor_id` changed an avvik: its leader message as it reads now, and the people concerned."""
        with self.uow.read() as tx:
            return listings.avvik_followup(session=tx, actor_id=actor_id, avvik_id=avvik_id)

    @speaks
    def case_view(self, person_id: int, key: str, *, platform_locale: str | None = None) -> cases.CaseView:
        """One reader's view of a case card shared in a channel: buttons only for who may act on it.

        A case this reader may not see, another kommune's or none at all: the same neutral view."""
        with self.uow.read() as tx:
            try:
                case = listings.avvik_case(session=tx, actor_id=person_id, avvik_id=cases.parse_key(key))
            except NotFound:
                return cases.hidden_view(str(key)[:40])
            return cases.case_view(case)

    # ------------------------------------------------------------------ buttons
    @speaks
    def handle_action(self, ia: Interaction) -> list[Reply]:
        """A button press. Returns a Reply carrying a Form when more input is needed."""
        with self.uow.write() as tx:
            form = self._action_form(tx, ia)
            if form is not None:
                return [Reply(form=form)] if ia.supports_forms else self.guided.start(tx, ia.user, form)
            replies = self._action_now(tx, ia)
            if ia.action_id in ACTS_ON_NUDGE:
                self._refresh_nudge(tx, ia.person_id)
            return replies

    def _action_form(self, tx: Tx, ia: Interaction) -> Form | None:
        pid, v = ia.person_id, ia.value
        if ia.action_id == "avvik.open_form":
            return self._avvik_form(tx, pid, ia.values.get("description", "") or v)  # v: an incident offer's text
        if ia.action_id == "avvik.add_tiltak":
            a = avvik_svc.get_avvik(session=tx, actor_id=pid, avvik_id=_id(v))
            options = listings.tiltak_owner_options(session=tx, actor_id=pid, org_id=a.org_id, unit_id=a.unit_id)
            return forms.tiltak_form(a, options, pid)
        if ia.action_id == "avvik.close":
            return closing.close_form(tx, pid, avvik_svc.get_avvik(session=tx, actor_id=pid, avvik_id=_id(v)))
        if ia.action_id == "avvik.reopen":
            return forms.reopen_form(avvik_svc.get_avvik(session=tx, actor_id=pid, avvik_id=_id(v)))
        if ia.action_id == "check.nei":
            unit_id, item_id = _pair(v)
            return forms.check_comment_form(unit_id=unit_id, item_id=item_id,
                                            item_text=listings.check_item_text(tx, item_id))
        if ia.action_id == "oppdrag.update":
            return forms.oppdrag_form(listings.find_oppdrag(session=tx, actor_id=pid, number=_id(v)))
        if ia.action_id == "risk.review":
            return governance.review_form(tx, pid, _id(v))
        return None

    def _action_now(self, tx: Tx, ia: Interaction) -> list[Reply]:
        pid, v = ia.person_id, ia.value
        if ia.action_id == "avvik.take":
            a = avvik_svc.take_avvik(session=tx, actor_id=pid, avvik_id=_id(v))
            return [Reply(text=_("Du har tatt saken AV-{n}. Melderen har fått beskjed.").format(n=a.number))]
        if ia.action_id == "tiltak.done":
            t = avvik_svc.complete_tiltak(session=tx, actor_id=pid, tiltak_id=_id(v))
            return [Reply(text=_("Tiltaket «{what}» er markert som utført.").format(what=t.description[:80]))]
        if ia.action_id in ("check.ja", "check.ikke_relevant"):
            unit_id, item_id = _pair(v)
            answer = ia.action_id.split(".", 1)[1]
            checklists.answer_check_item(session=tx, actor_id=pid, unit_id=unit_id, item_id=item_id,
                                         answer=answer, now=self.now())
            return [Reply(text=_("Registrert: {answer}.").format(answer=_(CHECK_ANSWERS[answer])))]
        if ia.action_id == "avvik.show":
            return [self._avvik_detail(tx, pid, _id(v))]
        if ia.action_id == "checklist.start":  # the «new checklist for your unit» message's button
            return [self._checklist(tx, pid)]
        if ia.action_id.split(".", 1)[0] in governance.ACTION_PREFIXES:
            return governance.act(tx, ia, public_base_url=self.settings.public_base_url, tz=self.settings.tz_name)
        if ia.action_id in ("help", "menu"):
            return [views.help_reply()]
        return [Reply(text=_(views.UNKNOWN_BUTTON))]

    # ------------------------------------------------------------------ form submissions
    def accept_form(self, ia: Interaction) -> list[Reply]:
        """`submit_form`, but an avvik report is kept and registered in the background (`report_intake`)."""
        return report_intake.accept_form(self, ia)

    @speaks
    def submit_form(self, ia: Interaction) -> list[Reply]:
        """Submit a form; raises ValidationFailed with field names as in the Form."""
        with self.uow.write() as tx:
            replies = self._submit(tx, ia.person_id, ia.action_id, ia.values, ia.context,
                                   idempotency_key=ia.value or None)
            if ia.action_id in ACTS_ON_NUDGE:
                self._refresh_nudge(tx, ia.person_id)
            return replies

    def _submit_guided(self, tx: Tx, pid: int, form: Form, values: dict[str, str]) -> list[Reply]:
        replies = self._submit(tx, pid, form.form_id, values, form.context)
        if form.form_id in ACTS_ON_NUDGE:
            self._refresh_nudge(tx, pid)
        return replies

    def _refresh_nudge(self, tx: Tx, person_id: int) -> None:
        """The leader acted: update this month's nudge in place. Never undoes the action (already committed)."""
        try:
            nudges.refresh_nudge(session=tx, person_id=person_id, now=self.now(), tz=self.settings.tz_name)
        except Exception:  # noqa: BLE001 - the use case rolled its own work back
            log.exception("refreshing the nudge failed")

    def _submit(self, tx: Tx, pid: int, form_id: str, values: dict[str, str], ctx: dict[str, str],
                *, idempotency_key: str | None = None) -> list[Reply]:
        if form_id == "avvik.report":
            data = forms.parse_avvik_form(values, now=self.now(), tz=self.settings.tz_name)
            a = avvik_svc.report_avvik(session=tx, reporter_id=pid, data=data, idempotency_key=idempotency_key)
            return [Reply(text=_("Takk! Avviket er registrert som AV-{n}. {told}, og du får beskjed når det skjer "
                                 "noe.").format(n=a.number, told=listings.who_was_told(tx, a.unit_id, reporter_id=pid, avvik_id=a.id)))]
        if form_id == "avvik.add_tiltak":
            owner_raw = values.get("owner_id") or ""
            t = avvik_svc.add_tiltak(session=tx, actor_id=pid, avvik_id=_id(str(ctx["avvik_id"])),
                                     description=values.get("description", ""),
                                     owner_id=_id(owner_raw) if owner_raw.isdecimal() else None,
                                     deadline=forms.parse_deadline(values, self.now()))
            return [Reply(text=_("Tiltaket er lagret med frist {deadline}. Melderen har fått beskjed.").format(
                deadline=fmt_date(t.deadline)))]
        if form_id == "avvik.close":
            a = avvik_svc.close_avvik(session=tx, actor_id=pid, avvik_id=_id(str(ctx["avvik_id"])),
                                      conclusion=values.get("conclusion", ""),
                                      effect_evaluation=values.get("effect_evaluation", ""),
                                      open_tiltak_reason=values.get(closing.REASON_FIELD))
            return [Reply(text=_("AV-{n} er lukket. Melderen har fått beskjed.").format(n=a.number))]
        if form_id == "avvik.reopen":
            a = avvik_svc.reopen_avvik(session=tx, actor_id=pid, avvik_id=_id(str(ctx["avvik_id"])),
                                       reason=values.get("reason", ""))
            return [Reply(text=_("AV-{n} er gjenåpnet.").format(n=a.number))]
        if form_id == "check.nei":
            r = checklists.answer_check_item(session=tx, actor_id=pid, unit_id=_id(str(ctx["unit_id"])),
                                             item_id=_id(str(ctx["item_id"])), answer="nei",
                                             comment=values.get("comment"), now=self.now())
            extra = " " + _("Avvik AV-{n} er opprettet.").format(n=r.avvik_number) if r.avvik_number else ""
            return [Reply(text=_("Registrert: {answer}.").format(answer=_(CHECK_ANSWERS["nei"])) + extra)]
        if form_id == "oppdrag.update":
            status, progress, comment = forms.parse_oppdrag_form(values)
            o = listings.oppdrag_line(oppdrag.update_oppdrag(session=tx, actor_id=pid, number=_id(str(ctx["number"])),
                                                             status=status, progress=progress, comment=comment))
            return [views.oppdrag_updated(o)]
        if form_id == "risk.add":
            return governance.submit_risk(tx, pid, values, today=self.now().date(), tz=self.settings.tz_name)
        if form_id == "risk.review":
            return governance.submit_review(tx, pid, values, ctx, tz=self.settings.tz_name)
        raise ValidationFailed({"form": _("Ukjent skjema.")})


MAX_ID = 2**31 - 1  # ids and case numbers fit a 32-bit integer; larger ones overflow SQLite's INTEGER binding


def _id(value: str) -> int:
    """A button's id or number; anything else is NotFound (a forged or stale button), never a crash."""
    if not value.isdecimal() or not 0 < int(value) <= MAX_ID:
        raise NotFound(_("Fant ikke saken. Den kan være slettet, eller lenken er feil."))
    return int(value)


def _pair(value: str) -> tuple[int, int]:
    a, _sep, b = value.partition(":")
    if not (a.isdecimal() and b.isdecimal()) or not (0 < int(a) <= MAX_ID and 0 < int(b) <= MAX_ID):
        raise ValidationFailed({"value": _("Ugyldig sjekkpunkt.")})
    return int(a), int(b)


__all__ = ["Conversation", "ROLES"]
