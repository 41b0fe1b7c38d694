"""`trad chat`: the terminal edge. Same conversation layer as Slack and Teams, rendered as text.

Buttons become numbered choices («1», «2» …) bound to the view they were shown with
(`bot.conversation.choices`), forms become a guided dialog, and notices arrive while the
person waits at the prompt (`bot.console.watch`), so every flow can be tried and
demonstrated without any chat platform.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from bot.console.delivery import ConsoleInbox
from bot.console.watch import DEFAULT_POLL_SECONDS, InboxWatch
from bot.conversation.channel import ChannelUser, IncomingMessage, Interaction
from bot.conversation.choices import NumberedChoices
from bot.conversation.dialog_guard import waiting_for_answer
from bot.conversation.engine import Conversation
from models.errors import DomainError
from models.i18n import _, ngettext
from models.messages import Action, Reply


def render_text(reply: Reply, number: Callable[[Action], int]) -> str:
    """Plain text for a terminal; `number` gives each button the number the person types to press it."""
    out: list[str] = []
    if reply.title:
        out.append(f"== {reply.title} ==")
    if reply.text:
        out.append(reply.text)
    for f in reply.facts:
        out.append(f"  {f.label}: {f.value}")
    for item in reply.items:
        out.append(f"• {item.title}")
        if item.text:
            out.append(f"    {item.text}")
        if item.facts:
            out.append("    " + " · ".join(f"{f.label}: {f.value}" for f in item.facts))
        for a in item.actions:
            out.append(f"    [{number(a)}] {a.label}")
    for a in reply.actions:
        if a.url:
            out.append(f"  → {a.label}: {a.url}")
            continue
        out.append(f"  [{number(a)}] {a.label}")
    return "\n".join(out)


def _news_intro(n: int) -> str:
    return ngettext("Du har {n} ny melding:", "Du har {n} nye meldinger:", n).format(n=n)


def run_console(email: str, *, conversation: Conversation, stdin: TextIO | None = None,
                stdout: TextIO | None = None, inbox: ConsoleInbox | None = None, org_id: int | None = None,
                poll_seconds: float = DEFAULT_POLL_SECONDS) -> int:
    from models.services import identity

    inp, out = stdin or sys.stdin, stdout or sys.stdout
    conv = conversation
    user = ChannelUser(platform="console", workspace="local", user_id=email.strip().lower())
    try:
        with conv.uow.write() as tx:
            person_id = identity.link_identity(session=tx, platform="console", workspace="local",
                                               user_id=user.user_id, email=email, org_id=org_id)
    except DomainError as exc:
        print(exc.message, file=out)
        return 1
    board = NumberedChoices()
    interactive = inp.isatty()
    watch = InboxWatch(inbox or ConsoleInbox(conv.settings.console_inbox), user.user_id, out,
                       lambda r: render_text(r, board.number), prompt="> " if interactive else "")
    with conv.speaker.speak(person_id, None):
        print(_("Tråd i terminalen. Skriv «hjelp» for hva jeg kan, Ctrl+D for å avslutte."), file=out)
        watch.show_news(intro=_news_intro)
    if poll_seconds > 0:
        watch.start(poll_seconds)
    try:
        while True:
            if interactive:
                print("> ", end="", file=out, flush=True)
            line = inp.readline()
            if not line:
                with conv.speaker.speak(person_id, None):
                    print(_("Ha det!"), file=out)
                return 0
            with watch.lock:
                _answer(conv, user, person_id, line.rstrip("\n"), board, out)
                watch.show_news()
    finally:
        watch.stop()


def _answer(conv: Conversation, user: ChannelUser, person_id: int, text: str, board: NumberedChoices,
            out: TextIO) -> None:
    """One line typed: a button by its number (only of the view on screen), or a message."""
    picked = None if waiting_for_answer(conv.uow, user) else board.pick(text)
    if isinstance(picked, Reply):  # a number from an older view: refused, the current choices shown again
        print(render_text(picked, board.number), file=out)
        return
    if isinstance(picked, Action):
        try:
            replies = conv.handle_action(Interaction(user=user, person_id=person_id, action_id=picked.action_id,
                                                     value=picked.value, supports_forms=False))
        except DomainError as exc:
            replies = [Reply(text=exc.message)]
    else:
        replies = conv.handle_message(IncomingMessage(user=user, person_id=person_id, text=text))
    board.new_view()
    for r in replies:
        print(render_text(r, board.number), file=out)
