"""The terminal's inbox watch: new notices appear while the person is still thinking, not only after they type.

Why a thread: `trad chat` blocks reading a line, and a leader waiting at the prompt should see
the avvik a colleague just reported, as a DM would pop up in Slack. A background thread polls
the console inbox and prints what is new; the main loop prints replies. One lock keeps the two
from interleaving and makes sure each notice is shown exactly once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TextIO

from bot.console.delivery import ConsoleInbox
from models.messages import Reply

Render = Callable[[Reply], str]
DEFAULT_POLL_SECONDS = 2.0


class InboxWatch:
    def __init__(self, inbox: ConsoleInbox, email: str, out: TextIO, render: Render, *, prompt: str = "") -> None:
        self.inbox, self.email, self.out, self.render, self.prompt = inbox, email, out, render, prompt
        self.lock = threading.RLock()
        self.seen = inbox.read_position(email)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def show_news(self, *, intro: Callable[[int], str] | None = None, from_background: bool = False) -> int:
        """Print the notices that arrived since the last look; returns how many."""
        with self.lock:
            news, seen = self.inbox.read(self.email, since=self.seen)
            if news:
                if from_background:
                    print("", file=self.out)  # leave the prompt line the person may be typing on
                if intro:
                    print(intro(len(news)), file=self.out)
                for r in news:
                    print("📬 " + self.render(r), file=self.out)
                if from_background and self.prompt:
                    print(self.prompt, end="", file=self.out)
            if seen != self.seen:
                self.seen = seen
                self.inbox.save_position(self.email, seen)
            self.out.flush()
            return len(news)

    def start(self, every: float = DEFAULT_POLL_SECONDS) -> None:
        """Poll in the background every `every` seconds until `stop`."""
        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    self.show_news(from_background=True)
                except (OSError, ValueError):  # a closed terminal or a half-written inbox: try again next time
                    continue

        self._thread = threading.Thread(target=loop, name="trad-console-inbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
