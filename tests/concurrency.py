"""Running the same work in several threads at once, for race tests on both databases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def at_once(work: Callable[[], T], n: int = 2, timeout: float = 20.0) -> tuple[list[T], list[BaseException]]:
    """Start `work` in `n` threads released together by a barrier; its results and errors.

    The barrier makes the threads reach the database in the same instant, which is the race
    a Slack retry on another worker, or a second scheduler, would cause.
    """
    barrier = threading.Barrier(n)
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout)
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 - reported to the test, which asserts on it
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results, errors
