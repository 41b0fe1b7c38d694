"""Console delivery: messages for people who use the terminal chat, kept in a local file.

`trad chat` shows what arrived since the last prompt, so a leader talking to the bot
in a terminal sees the avvik their staff report, like a DM in Slack would show it.
The file's place is a setting (TRAD_CONSOLE_INBOX), given by the composition root.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from models.files import private_dir, private_file
from models.messages import Reply
from notifications.base import Recipient, Unreachable


class ConsoleInbox:
    """One JSON line per message, and beside it how far each person has read."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @property
    def _positions_path(self) -> Path:
        return self.path.with_suffix(".read.json")

    def append(self, line: dict) -> None:
        private_file(self.path)  # it holds the messages, sign-in links included: 0600 in a 0700 var/
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")

    def read_position(self, email: str) -> int:
        """Where this person stopped reading, so a new terminal session shows what came meanwhile."""
        try:
            return int(json.loads(self._positions_path.read_text(encoding="utf-8")).get(email.lower(), 0))
        except (OSError, ValueError):
            return 0

    def save_position(self, email: str, position: int) -> None:
        path = self._positions_path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        data[email.lower()] = position
        private_dir(path.parent)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)

    def read(self, email: str, *, since: int = 0) -> tuple[list[Reply], int]:
        """Messages for `email` after line `since`; returns them and the new position."""
        if not self.path.exists():
            return [], since
        lines = self.path.read_text(encoding="utf-8").splitlines()
        out = []
        for raw in lines[since:]:
            try:
                row = json.loads(raw)
            except ValueError:
                continue
            if row.get("to") == email.lower():
                out.append(Reply.model_validate(row["reply"]))
        return out, len(lines)


class ConsoleAdapter:
    platform = "console"

    def __init__(self, inbox: ConsoleInbox) -> None:
        self.inbox = inbox

    async def deliver(self, *, recipient: Recipient, reply: Reply, previous_ref: dict | None, dedupe_key: str) -> dict:
        if not recipient.email and not recipient.target:
            raise Unreachable("no e-mail or target for console delivery")
        self.inbox.append({"to": (recipient.email or recipient.target or "").lower(),
                           "at": datetime.now(UTC).isoformat(), "key": dedupe_key,
                           "reply": reply.model_dump(mode="json"), "update_of": previous_ref})
        return {"console": dedupe_key}
