"""The refresher: one daemon thread that fetches on a schedule, and nothing else.

Before the first success, and while a fetch is partial, it retries with exponential backoff
and jitter (a 429 starts further back); after a success it waits the TTL. The clock and the
jitter are injectable, so the schedule is tested without sleeping. The refresher knows
nothing of metadata: it calls ``fetch()`` and reads the `Outcome` it returns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from ._snapshot import Snapshot

    # Under TYPE_CHECKING: creating a Protocol class costs ~1 ms at import.
    class Clock(Protocol):
        """Time as the refresher sees it."""

        def monotonic(self) -> float:
            """Seconds on a clock that never goes back."""
            ...

        def wait(self, event: threading.Event, timeout: float) -> bool:
            """Wait until `event` is set or `timeout` seconds passed; True if it was set."""
            ...


__all__ = ["Outcome", "Refresher", "Schedule", "SystemClock", "jitter", "plan_after_fork"]

FIRST_RETRY = 1.0
MAX_RETRY = 60.0
THROTTLED_START = 1  # a 429 is retried after about 2 s, then 4, 8, ...
TTL_SPREAD = 0.1
RETRY_SPREAD = 0.5


class Outcome:
    """What one fetch achieved (plain constants: an Enum class costs ~2 ms at import)."""

    OK: Final = "ok"  # everything asked for came: wait the TTL
    PARTIAL: Final = "partial"  # fields were published, a route failed: retry it with backoff
    FAILED: Final = "failed"  # nothing new: retry with backoff
    THROTTLED: Final = "throttled"  # the agent's 429: retry with backoff, starting further back
    STOPPED: Final = "stopped"  # closed under the fetch: end


def jitter(seconds: float, spread: float) -> float:
    """`seconds`, give or take `spread` of it: processes started together drift apart."""
    import random  # here, not at import: the package import stays light

    return seconds * random.uniform(1 - spread, 1 + spread)  # noqa: S311 -- not secrets


class Schedule:
    """Decides how long to wait after each outcome (pure: no clock, no thread).

    Args:
        ttl: seconds between refreshes after a success; 0 never refreshes.
        spread: the jitter function, ``spread(seconds, fraction)``.
    """

    __slots__ = ("_failures", "_spread", "ttl")

    def __init__(self, ttl: float, spread: Callable[[float, float], float] = jitter) -> None:
        self.ttl = ttl
        self._spread = spread
        self._failures = 0

    def after(self, outcome: str) -> float | None:
        """Seconds to wait before the next fetch; None: no more fetches (ttl 0, or stopped)."""
        if outcome == Outcome.STOPPED:
            return None
        if outcome == Outcome.OK:
            self._failures = 0
            return None if self.ttl == 0 else self._spread(self.ttl, TTL_SPREAD)
        if outcome == Outcome.THROTTLED:
            self._failures = max(self._failures, THROTTLED_START)
        # The exponent is bounded: 2.0 ** 1024 overflows, after some 17 hours of failures.
        delay = FIRST_RETRY * 2 ** min(self._failures, 10)
        self._failures += 1
        return min(MAX_RETRY, self._spread(delay, RETRY_SPREAD))


def plan_after_fork(
    snapshot: Snapshot | None, *, want_tags: bool, ttl: float
) -> tuple[float | None, frozenset[str] | None] | None:
    """When a forked child's refresher starts, and which parts it asks first.

    Returns None when the child has no snapshot (it fetches on first demand, as a new
    process), else (the first delay, or None for no refresh at all; the parts pending).
    """
    if snapshot is None:
        return None
    if snapshot.retry or (want_tags and not snapshot.with_tags and "tags" not in snapshot.missing):
        # Forked while a part was still missing (the tags in flight, say): ask for it soon,
        # not after the TTL; spread out, so that a fleet does not ask at once.
        return jitter(FIRST_RETRY, RETRY_SPREAD), snapshot.retry or frozenset({"tags"})
    # The inherited snapshot is fresh: a fleet of workers must not all ask again now.
    return (None if ttl == 0 else jitter(ttl, TTL_SPREAD)), None


class SystemClock:
    """The real clock."""

    monotonic = staticmethod(time.monotonic)

    @staticmethod
    def wait(event: threading.Event, timeout: float) -> bool:
        """`event.wait(timeout)`."""
        return event.wait(timeout)


class Refresher:
    """Runs ``fetch`` in a daemon thread on the `Schedule`, until stopped.

    Args:
        fetch: one fetch; returns its `Outcome`. It must not raise (it is caught and taken
            as a failure if it does).
        ttl: seconds between refreshes after a success; 0: the thread ends after a success.
        clock: the clock to wait on.
        spread: the jitter function.
        name: the thread's name.
    """

    def __init__(
        self,
        fetch: Callable[[], str],
        *,
        ttl: float,
        clock: Clock | None = None,
        spread: Callable[[float, float], float] = jitter,
        name: str = "ecs-log-context",
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock: Clock = clock or SystemClock()
        self._spread = spread
        self._name = name
        self.stopped = False
        self.reset()

    def reset(self) -> None:
        """New lock and event, no thread: this process's own (again, in a forked child)."""
        self._lock = threading.Lock()  # starting the thread, and its leaving
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def thread(self) -> threading.Thread | None:
        """The running thread, if any."""
        return self._thread

    def start(self, first_delay: float = 0.0) -> None:
        """Start the thread unless it runs or the refresher is stopped."""
        with self._lock:
            if self.stopped or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(
                target=self.run, args=(first_delay,), name=self._name, daemon=True
            )
            self._thread.start()

    def wake(self) -> None:
        """Fetch now (starting the thread again if it had ended)."""
        self._wake.set()
        self.start()

    def stop(self) -> None:
        """End the thread at its next wait; a fetch in flight ends with its own timeout."""
        self.stopped = True
        self._wake.set()

    def run(self, first_delay: float = 0.0) -> None:
        """The loop (the thread's target; a test may call it in its own thread)."""
        schedule = Schedule(self._ttl, self._spread)
        if first_delay:
            self._pause(first_delay)
        while not self.stopped:
            try:
                outcome = self._fetch()
            except Exception:  # noqa: BLE001 -- fetch catches its own; a bug must not kill us
                outcome = Outcome.FAILED
            delay = schedule.after(outcome)
            if self.stopped or outcome == Outcome.STOPPED:
                return
            if delay is None:
                if self._leave():
                    return
                delay = 0.0  # woken meanwhile: fetch again at once
            self._pause(delay)

    def _pause(self, delay: float) -> None:
        self._clock.wait(self._wake, delay)
        self._wake.clear()

    def _leave(self) -> bool:
        """Whether the thread may end now (ttl 0): not if a fetch was asked meanwhile."""
        with self._lock:
            if self._wake.is_set():
                self._wake.clear()
                return False
            self._thread = None
            return True
