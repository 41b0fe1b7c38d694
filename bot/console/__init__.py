"""`trad chat`: the terminal edge. Same conversation layer as Slack and Teams, rendered as text.

Buttons become numbered choices («1», «2» …) and forms become a guided dialog, so
every flow can be tried and demonstrated without any chat platform.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.console.delivery import ConsoleInbox
from bot.conversation.channel import ChannelUser, IncomingMessage, Interaction
from bot.conversation.engine import Conversation
from models.errors import DomainError
from models.i18n import _, ngettext
from models.messages import Action, Reply


def render_text(reply: Reply, actions: list[Action]) -> str:
    """Plain text for a terminal; appends numbered buttons to `actions` so the user can pick one."""
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
            actions.append(a)
            out.append(f"    [{len(actions)}] {a.label}")
    for a in reply.actions:
        if a.url:
            out.append(f"  → {a.label}: {a.url}")
            continue
        actions.append(a)
        out.append(f"  [{len(actions)}] {a.label}")
    return "\n".join(out)


def run_console(email: str, *, conversation: Conversation, stdin: TextIO | None = None,
                stdout: TextIO | None = None, inbox: ConsoleInbox | None = None, org_id: int | None = None) -> int:
    from models.services import identity

    inp, out = stdin or sys.stdin, stdout or sys.stdout
    conv = conversation
    inbox = inbox or ConsoleInbox(conv.settings.console_inbox)
    read_inbox, read_position, save_position = inbox.read, inbox.read_position, inbox.save_position
    user = ChannelUser(platform="console", workspace="local", user_id=email.strip().lower())
    try:
        with conv.uow.write() as tx:
            person_id = identity.link_identity(session=tx, platform="console", workspace="local",
                                               user_id=user.user_id, email=email, org_id=org_id)
    except DomainError as exc:
        print(exc.message, file=out)
        return 1
    actions: list[Action] = []
    news, seen = read_inbox(user.user_id, since=read_position(user.user_id))
    with conv.speaker.speak(person_id, None):
        print(_("Tråd i terminalen. Skriv «hjelp» for hva jeg kan, Ctrl+D for å avslutte."), file=out)
        if news:
            print(ngettext("Du har {n} ny melding:", "Du har {n} nye meldinger:", len(news)).format(n=len(news)),
                  file=out)
        for r in news:
            print("📬 " + render_text(r, actions), file=out)
    save_position(user.user_id, seen)
    interactive = inp.isatty()
    while True:
        if interactive:
            print("> ", end="", file=out, flush=True)
        line = inp.readline()
        if not line:
            with conv.speaker.speak(person_id, None):
                print(_("Ha det!"), file=out)
            return 0
        text = line.rstrip("\n")
        if text.strip().isdigit() and actions and 1 <= int(text.strip()) <= len(actions):
            a = actions[int(text.strip()) - 1]
            try:
                replies = conv.handle_action(Interaction(user=user, person_id=person_id, action_id=a.action_id,
                                                         value=a.value, supports_forms=False))
            except DomainError as exc:
                replies = [Reply(text=exc.message)]
        else:
            replies = conv.handle_message(IncomingMessage(user=user, person_id=person_id, text=text))
        actions = []
        for r in replies:
            print(render_text(r, actions), file=out)
        news, seen = read_inbox(user.user_id, since=seen)
        for r in news:
            print("📬 " + render_text(r, actions), file=out)
        save_position(user.user_id, seen)
        out.flush()
