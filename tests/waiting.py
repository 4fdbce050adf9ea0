"""Waiting without timing: poll a condition, and let earlier tests' refresher threads end."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["ecs_threads", "settle_threads", "wait_until"]


def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> bool:
    """Poll `predicate` until it is true or `timeout` passes: True if it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())


def ecs_threads() -> set[threading.Thread]:
    """The library's refresher threads alive now."""
    return {t for t in threading.enumerate() if t.name == "ecs-log-context"}


def settle_threads(timeout: float = 5.0) -> None:
    """Let the refreshers of earlier tests' contexts end (closed, they may still finish a
    fetch in flight and say so), so that their last messages stay out of this test."""
    wait_until(lambda: not ecs_threads(), timeout)
