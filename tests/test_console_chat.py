"""The terminal chat (issue 12): numbered buttons keep their meaning, and notices arrive without typing."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

from bot.console import run_console
from bot.console.delivery import ConsoleInbox
from models.messages import Reply
from models.services import avvik as svc
from tests.test_avvik_service import _input
from tests.test_conversation import conv  # noqa: F401 - the fixture


def _run(conv, email: str, lines: list[str], inbox: ConsoleInbox) -> str:  # type: ignore[no-untyped-def]  # noqa: F811
    out = io.StringIO()
    assert run_console(email, conversation=conv, stdin=io.StringIO("".join(f"{x}\n" for x in lines)), stdout=out,
                       inbox=inbox, poll_seconds=0) == 0
    return out.getvalue()


def test_a_number_from_an_older_view_never_presses_another_button(session, org, conv, tmp_path: Path) -> None:  # noqa: F811
    """Before: «2» was «Legg til tiltak» on one screen and «Lukk» on the next."""
    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    inbox = ConsoleInbox(tmp_path / "inbox.jsonl")
    out = _run(conv, org.emails["leder"], [f"AV-{a.number}", "1", f"AV-{a.number}", "1", "2", "avbryt"], inbox)
    first, rest = out.split("tatt saken", 1)
    assert "[1] Ta saken" in first and "[2] Legg til tiltak" in first and "[3] Lukk" in first
    # the detail again, after «Ta saken» is gone: the other buttons keep their numbers
    assert "[2] Legg til tiltak" in rest and "[3] Lukk" in rest and "[1] Lukk" not in rest
    # «1» now belongs to no button on screen: refused, the current choices shown again, nothing done
    assert "Valg 1 hørte til en tidligere visning" in rest and "Dette kan du velge nå:" in rest
    # «2» still means «Legg til tiltak»
    assert "Tiltak for AV-" in rest
    session.refresh(a)
    assert a.status == "under_behandling"


def test_numbers_answer_a_dialog_while_it_waits(session, org, conv, tmp_path: Path) -> None:  # noqa: F811
    a = svc.report_avvik(session=session, reporter_id=org.people["ansatt"], data=_input())
    inbox = ConsoleInbox(tmp_path / "inbox.jsonl")
    # «2» opens the tiltak form; the next «1» answers its owner question, it does not press «Ta saken»
    out = _run(conv, org.emails["leder"], [f"AV-{a.number}", "2", "Strø trappa", "1", "om 14 dager", "send"], inbox)
    assert "Tiltaket er lagret" in out and "tidligere visning" not in out and "tatt saken" not in out
    session.refresh(a)
    assert a.status == "tiltak_iverksatt"


class _Keyboard(io.TextIOBase):
    """A terminal the test types into: readline blocks until a line (or the end) is typed."""

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        self._reader = os.fdopen(self._r, "r", encoding="utf-8")

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self._reader.readline()

    def isatty(self) -> bool:
        return False

    def type(self, text: str) -> None:
        os.write(self._w, text.encode())

    def close_keys(self) -> None:
        os.close(self._w)


def test_notices_appear_while_the_person_waits_at_the_prompt(session, org, conv, tmp_path: Path) -> None:  # noqa: F811
    inbox = ConsoleInbox(tmp_path / "inbox.jsonl")
    keys, out = _Keyboard(), io.StringIO()
    result: list[int] = []
    chat = threading.Thread(target=lambda: result.append(run_console(
        org.emails["leder"], conversation=conv, stdin=keys, stdout=out, inbox=inbox, poll_seconds=0.05)))
    chat.start()
    try:
        time.sleep(0.2)
        inbox.append({"to": org.emails["leder"], "reply": Reply(text="Nytt avvik AV-7 fra Kari Ansatt").model_dump()})
        deadline = time.monotonic() + 10
        while "Nytt avvik AV-7" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "📬 Nytt avvik AV-7 fra Kari Ansatt" in out.getvalue()  # nothing was typed
    finally:
        keys.close_keys()
        chat.join(timeout=10)
    assert result == [0]
    assert out.getvalue().count("Nytt avvik AV-7") == 1  # shown once, also not again at the end
    assert ConsoleInbox(tmp_path / "inbox.jsonl").read_position(org.emails["leder"]) == 1
