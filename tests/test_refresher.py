"""The refresher's schedule, on a fake clock: backoff, 429, TTL, ttl 0, waking and stopping.

No test here sleeps: the clock is injected, and the times asserted are the fake clock's
times of each fetch, that is, of each request the endpoint would see.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from ecs_log_context._refresher import (
    MAX_RETRY,
    Outcome,
    Refresher,
    Schedule,
    jitter,
    plan_after_fork,
)
from ecs_log_context._snapshot import Snapshot
from ecs_log_context._source import Source
from ecs_log_context.models import TaskMetadata

from .documents import fixture_json

OK, PARTIAL, FAILED, THROTTLED = Outcome.OK, Outcome.PARTIAL, Outcome.FAILED, Outcome.THROTTLED


def exact(seconds: float, spread: float) -> float:
    """No jitter: the schedule's own figures."""
    return seconds


class FakeClock:
    """A clock whose waits return at once, moving time on by what was waited."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def wait(self, event: threading.Event, timeout: float) -> bool:
        self.waits.append(timeout)
        if event.is_set():
            return True
        self.now += timeout
        return False


def fetch_times(
    outcomes: Iterable[str],
    *,
    ttl: float = 3600.0,
    spread: Callable[[float, float], float] = exact,
    during: Callable[[Refresher, int], None] | None = None,
) -> list[float]:
    """Run the refresher's loop in this thread; the fake times of its fetches."""
    clock = FakeClock()
    script = list(outcomes)
    times: list[float] = []
    refresher: Refresher

    def fetch() -> str:
        times.append(clock.now)
        if during is not None:
            during(refresher, len(times))
        outcome = script.pop(0)
        if not script:
            refresher.stop()
        return outcome

    refresher = Refresher(fetch, ttl=ttl, clock=clock, spread=spread)
    refresher.start()  # the real thread, on the fake clock
    thread = refresher.thread
    assert thread is not None
    thread.join(30)
    assert not thread.is_alive()
    return times


def test_backoff_doubles_from_one_second_to_the_cap() -> None:
    """Without a success: 1, 2, 4, 8 ... seconds apart, never more than 60."""
    times = fetch_times([FAILED] * 10)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0] == gaps


def test_a_429_starts_the_backoff_one_doubling_further_back() -> None:
    """The agent's throttle: the first retry after about 2 s, not 1, then doubling."""
    times = fetch_times([THROTTLED, THROTTLED, FAILED, OK])
    assert [0.0, 2.0, 6.0, 14.0] == times


def test_a_success_waits_the_ttl_and_a_later_failure_starts_again_at_one_second() -> None:
    """After a success, the next fetch is a TTL later; a failure then retries after ~1 s."""
    times = fetch_times([FAILED, FAILED, OK, FAILED, FAILED, OK], ttl=100)
    assert [0.0, 1.0, 3.0, 103.0, 104.0, 106.0] == times


def test_a_partial_fetch_is_retried_with_backoff_not_after_the_ttl() -> None:
    """A route failed but fields came: the missing part is asked again within seconds."""
    times = fetch_times([PARTIAL, PARTIAL, OK, OK], ttl=100)
    assert [0.0, 1.0, 3.0, 103.0] == times


def test_ttl_zero_ends_the_thread_after_its_success() -> None:
    """``ttl=0``: one success, then no fetch at all, however long the process runs."""
    clock = FakeClock()
    calls: list[float] = []

    def fetch() -> str:
        calls.append(clock.now)
        return FAILED if len(calls) < 3 else OK

    refresher = Refresher(fetch, ttl=0, clock=clock, spread=exact)
    refresher.run()  # returns by itself: nobody stops it
    assert [0.0, 1.0, 3.0] == calls
    assert refresher.thread is None


def test_ttl_zero_fetches_again_when_woken_during_its_last_fetch() -> None:
    """A fetch asked for while the last one ran (tags asked later, say) is not dropped."""

    def wake_on_first(refresher: Refresher, count: int) -> None:
        if count == 1:
            refresher.wake()

    times = fetch_times([OK, OK], ttl=0, during=wake_on_first)
    assert [0.0, 0.0] == times


def test_a_wake_fetches_at_once_and_is_then_cleared() -> None:
    """``wake()`` cuts a wait short once; the following waits are the schedule's again
    (the failures still count: the fourth fetch comes 4 s after the third)."""

    def wake_on_second(refresher: Refresher, count: int) -> None:
        if count == 2:
            refresher.wake()

    times = fetch_times([FAILED, FAILED, FAILED, FAILED], during=wake_on_second)
    assert [0.0, 1.0, 1.0, 5.0] == times


def test_a_bug_in_the_fetch_is_a_failure_not_the_end_of_the_refresher() -> None:
    """An exception escaping the fetch is taken as a failure: the loop backs off and goes on."""
    clock = FakeClock()
    calls: list[float] = []
    refresher: Refresher

    def fetch() -> str:
        calls.append(clock.now)
        if len(calls) == 3:
            refresher.stop()
            return OK
        raise RuntimeError("bug")

    refresher = Refresher(fetch, ttl=10, clock=clock, spread=exact)
    refresher.run()
    assert [0.0, 1.0, 3.0] == calls


def test_stop_ends_the_thread_from_its_wait() -> None:
    """``stop()`` wakes a thread waiting its TTL, and it ends without fetching again."""
    calls: list[int] = []
    fetched = threading.Event()

    def fetch() -> str:
        calls.append(1)
        fetched.set()
        return OK

    refresher = Refresher(fetch, ttl=3600)
    refresher.start()
    assert fetched.wait(10)
    thread = refresher.thread
    assert thread is not None
    refresher.stop()
    thread.join(10)
    assert not thread.is_alive()
    assert [1] == calls


def test_a_stopped_refresher_does_not_start() -> None:
    """After ``stop()`` (exit, ``close()``), ``start()`` and ``wake()`` start nothing."""
    refresher = Refresher(lambda: OK, ttl=10)
    refresher.stop()
    refresher.start()
    refresher.wake()
    assert refresher.thread is None


@pytest.mark.parametrize("failures", [0, 1, 5, 10, 11, 1024, 10**6])
def test_the_jittered_backoff_stays_within_half_either_side_and_the_cap(failures: int) -> None:
    """With the real jitter: each delay is its base give or take half, and at most 60 s;
    2 ** failures never overflows (it would after some 17 hours of failures)."""
    schedule = Schedule(3600)
    for _ in range(failures):
        schedule.after(FAILED)
    base = min(2.0 ** min(failures, 10), 1024.0)
    for _ in range(50):
        probe = Schedule(3600)
        probe._failures = schedule._failures
        delay = probe.after(FAILED)
        assert delay is not None
        assert min(0.5 * base, MAX_RETRY) <= delay <= min(1.5 * base, MAX_RETRY)


def test_the_ttl_is_jittered_by_a_tenth() -> None:
    """Refreshes of processes started together drift apart: TTL give or take 10%."""
    delays = [Schedule(100).after(OK) for _ in range(200)]
    assert all(d is not None and 90.0 <= d <= 110.0 for d in delays)
    assert len(set(delays)) > 100  # jittered, not a constant


def test_jitter_spreads_both_ways() -> None:
    """The jitter function gives values on both sides of its input."""
    values = [jitter(10.0, 0.5) for _ in range(200)]
    assert min(values) < 9.0
    assert max(values) > 11.0
    assert all(5.0 <= v <= 15.0 for v in values)


# -- a forked child's first refresh ---------------------------------------------------------------


def _snapshot(**changes: object) -> Snapshot:
    task = TaskMetadata.from_json(fixture_json("v4_task_ec2_awsvpc_awsdocs.json"))
    source = Source("v4", "http://127.0.0.1:9/v4/id", "ECS_CONTAINER_METADATA_URI_V4")
    base = Snapshot(task, None, source, datetime.now(timezone.utc), 0.0)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_child_without_a_snapshot_fetches_on_first_demand() -> None:
    """Forked before the first answer: no plan; the child asks when a record does."""
    assert plan_after_fork(None, want_tags=True, ttl=3600) is None


def test_a_child_with_a_fresh_snapshot_refreshes_after_its_own_ttl() -> None:
    """A fleet forked from a ready parent does not ask again now: a TTL later, jittered."""
    plans = [plan_after_fork(_snapshot(), want_tags=False, ttl=100) for _ in range(50)]
    assert all(p is not None and p[1] is None for p in plans)
    delays = [p[0] for p in plans if p is not None]
    assert all(d is not None and 90.0 <= d <= 110.0 for d in delays)
    assert (None, None) == plan_after_fork(_snapshot(), want_tags=False, ttl=0)


def test_a_child_forked_while_tags_were_in_flight_asks_for_them_within_seconds() -> None:
    """The parent published the fields and was fetching the tags when it forked: the child
    asks for the tags alone after about a second, not after the TTL."""
    plan = plan_after_fork(_snapshot(), want_tags=True, ttl=3600)
    assert plan is not None
    delay, pending = plan
    assert delay is not None
    assert 0.5 <= delay <= 1.5
    assert frozenset({"tags"}) == pending
    # Tags that came, or that the agent refused, are not asked again early.
    assert plan_after_fork(_snapshot(tags={}), want_tags=True, ttl=3600)[1] is None  # type: ignore[index]
    refused = _snapshot(missing={"tags": "AccessDenied"})
    assert plan_after_fork(refused, want_tags=True, ttl=3600)[1] is None  # type: ignore[index]


def test_a_child_forked_with_a_failed_route_retries_that_route_soon() -> None:
    """The container route had failed in the parent: the child retries it within seconds."""
    plan = plan_after_fork(_snapshot(retry=frozenset({"container"})), want_tags=False, ttl=3600)
    assert plan is not None
    assert frozenset({"container"}) == plan[1]
    assert plan[0] is not None
    assert plan[0] <= 1.5


# -- stopping, the first delay, and the jitter's own figures ----------------------------------


def test_a_stopped_outcome_needs_no_delay_and_counts_no_failure() -> None:
    """``after(STOPPED)`` is None (no more fetches), and the backoff is where it was."""
    schedule = Schedule(10, exact)
    assert 1.0 == schedule.after(FAILED)
    assert schedule.after(Outcome.STOPPED) is None
    assert 2.0 == schedule.after(FAILED)


def test_the_first_delay_comes_before_the_first_fetch() -> None:
    """``start(first_delay=5)`` (a forked child's plan): the first fetch at 5 s, then the TTL."""
    clock = FakeClock()
    times: list[float] = []
    refresher: Refresher

    def fetch() -> str:
        times.append(clock.now)
        if len(times) == 2:
            refresher.stop()
        return OK

    refresher = Refresher(fetch, ttl=100, clock=clock, spread=exact)
    refresher.start(first_delay=5)
    thread = refresher.thread
    assert thread is not None
    thread.join(30)
    assert [5.0, 105.0] == times
    assert [5.0, 100.0] == clock.waits


@pytest.mark.parametrize("outcome", [OK, FAILED, PARTIAL, THROTTLED])
def test_a_stop_during_a_fetch_ends_the_loop_without_another_wait(outcome: str) -> None:
    """Closed while a fetch ran: the loop ends when the fetch returns, whatever it achieved."""
    clock = FakeClock()
    refresher: Refresher

    def fetch() -> str:
        refresher.stop()
        return outcome

    refresher = Refresher(fetch, ttl=100, clock=clock, spread=exact)
    refresher.run()
    assert [] == clock.waits


def test_a_fetch_that_says_stopped_ends_the_loop_without_a_wait() -> None:
    """The fetch found the context closed (``STOPPED``): no wait, no second fetch."""
    clock = FakeClock()
    calls: list[float] = []

    def fetch() -> str:
        calls.append(clock.now)
        return Outcome.STOPPED

    refresher = Refresher(fetch, ttl=100, clock=clock, spread=exact)
    refresher.run()
    assert ([0.0], []) == (calls, clock.waits)


@pytest.mark.parametrize("ends", [(0.0, 90.0, 0.5, 5.0), (1.0, 110.0, 1.5, 15.0)])
def test_the_jitter_at_either_end_of_its_range(
    monkeypatch: pytest.MonkeyPatch, ends: tuple[float, float, float, float]
) -> None:
    """The random factor at its low or high end: a TTL of 100 s waits 90 or 110 (a tenth),
    the first retry 0.5 or 1.5 s (half), and ``jitter(10, 0.5)`` is 5 or 15."""
    import random

    position, ttl, retry, ten = ends
    monkeypatch.setattr(random, "uniform", lambda low, high: low + (high - low) * position)
    assert ttl == pytest.approx(Schedule(100).after(OK))
    assert retry == pytest.approx(Schedule(100).after(FAILED))
    assert ten == pytest.approx(jitter(10.0, 0.5))
