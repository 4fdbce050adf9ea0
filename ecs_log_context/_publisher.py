"""The snapshot, its subscribers, and the first answer that the first records wait for.

Subscribers are called under one lock, in the order of publication, so that none ever gets
an older snapshot after a newer one; their errors are said after the lock is released (a
handler's filter may need the lock). A bound method is held weakly.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from ._messages import BUILD_FAILED, say

if TYPE_CHECKING:
    from ._snapshot import Snapshot

    Subscriber = Callable[[Snapshot | None], None]

__all__ = ["Publisher"]


class Publisher:
    """Hands out snapshots to subscribers; bounds the wait for the first one."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None
        self._subscribers: list[Callable[[], Subscriber | None]] = []
        self._errors: list[tuple[object, Exception]] = []
        self.reset(0.0, settled=True)

    def reset(self, timeout: float, *, settled: bool) -> None:
        """New lock and events (again, in a forked child); the first records wait `timeout`.

        Args:
            timeout: the startup bound, from now.
            settled: nobody is to wait (no source, a snapshot already, or failing).
        """
        self._lock = threading.Lock()
        self.first = threading.Event()  # the fields' first answer: records wait for it
        self.first_round = threading.Event()  # the first fetch done, tags included
        self._deadline = time.monotonic() + timeout
        if settled:
            self.settle()

    def restart_deadline(self, timeout: float) -> None:
        """The first records wait at most `timeout` from now (the first fetch starts now)."""
        self._deadline = time.monotonic() + timeout

    def settle(self) -> None:
        """Nobody waits any longer (closed, or forked with what there is)."""
        self.first.set()
        self.first_round.set()

    def subscribe(self, on_snapshot: Subscriber, *, then: Callable[[], None]) -> None:
        """Call `on_snapshot` with every new snapshot, and now if the first answer is in.

        `then` runs under the lock after it, ordered with every publication.
        """
        reference: Callable[[], Subscriber | None]
        try:
            reference = weakref.WeakMethod(on_snapshot)
        except TypeError:
            reference = lambda: on_snapshot  # noqa: E731 -- a plain function is held strongly
        with self._lock:
            self._subscribers.append(reference)
            if self.snapshot is not None or self.first.is_set():
                self._call(on_snapshot, self.snapshot)
            then()
        self._report()

    def deliver(self, on_snapshot: Subscriber) -> None:
        """Call `on_snapshot` with the current snapshot, ordered with every publication."""
        with self._lock:
            self._call(on_snapshot, self.snapshot)
        self._report()

    def publish(self, snapshot: Snapshot | None, *, before: Callable[[], None]) -> None:
        """Publish `snapshot` (None: nothing new, but the first answer is in: a failure).

        `before` runs first under the lock: the state is set before the fields are seen.
        """
        with self._lock:
            before()
            if snapshot is not None:
                self.snapshot = snapshot
            for reference in list(self._subscribers):
                subscriber = reference()
                if subscriber is None:
                    self._subscribers.remove(reference)
                else:
                    self._call(subscriber, self.snapshot)
            self.first.set()
        self._report()

    def wait_first(self, *, fetching: bool) -> bool:
        """Wait for the first answer, within the startup bound.

        Returns True when waiting is over for good (the answer is in, or the bound passed);
        False for a record of the fetching thread itself, which must not wait for the fetch
        it is part of.
        """
        if self.first.is_set():
            return True
        remaining = self._deadline - time.monotonic()
        if fetching:
            return remaining <= 0
        if remaining > 0:
            self.first.wait(remaining)
        return True

    def _call(self, on_snapshot: Subscriber, snapshot: Snapshot | None) -> None:
        try:
            on_snapshot(snapshot)
        except Exception as exc:  # noqa: BLE001 -- a bug must not cost a log record
            self._errors.append((on_snapshot, exc))

    def _report(self) -> None:
        while self._errors:
            subscriber, exc = self._errors.pop()
            owner = getattr(subscriber, "__self__", subscriber)
            say(logging.ERROR, BUILD_FAILED, owner, exc_info=exc)
