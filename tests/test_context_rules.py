"""`EcsContext`'s rules, one at a time: construction, the schedule it keeps, subscribers,
a bug inside a fetch, start-up records, and process forks.

End to end against the package's mock endpoint or a loopback server on 127.0.0.1. Where the
schedule is asserted, the refresher's clock is a `ManualClock` (the refresher's injectable
clock, put in for the system one) and the jitter is pinned: the refresher waits only when the
test lets it, so every request the endpoint sees is one the test expects, at a known time on
that clock, and nothing sleeps.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from ecs_log_context import EcsContext, _forks, _refresher
from ecs_log_context._settings import ContextSettings, FieldSettings
from ecs_log_context.installation import install, installed, uninstall
from ecs_log_context.mock.server import MockEndpoint

from .child_processes import base_environ, run_in_fork, run_python
from .integrations import ENDPOINT, expected_fields, sample_task, serve_fault, serve_task, v4_uri
from .loopback import LoopbackServer, Reply
from .waiting import wait_until

V4 = "ECS_CONTAINER_METADATA_URI_V4"
EC2_DEFAULT = expected_fields("EC2")
AGENT_500 = Reply(500, json.dumps("Unable to generate metadata for v4 task"))
AGENT_429 = Reply(429, "You have reached maximum request limit.", "text/plain; charset=utf-8")
TASK, CONTAINER, TAGS = ENDPOINT + "/task", ENDPOINT, ENDPOINT + "/taskWithTags"
UNEXPECTED = "ECS log context: unexpected error while fetching"
forking = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is not available")


# -- the refresher's clock, moved by the test -------------------------------------------------


class ManualClock:
    """The refresher's clock: each wait blocks until the test calls `elapse()` (time then
    moves on by what was waited) or the refresher is woken (time stands still).

    Attributes:
        waits: (the clock's time when the wait began, its timeout, requests seen by then).
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[tuple[float, float, int]] = []
        self.seen: Callable[[], int] = lambda: 0
        self._elapse = threading.Event()

    def monotonic(self) -> float:
        return self.now

    def wait(self, event: threading.Event, timeout: float) -> bool:
        self.waits.append((self.now, timeout, self.seen()))
        give_up = time.monotonic() + 30.0  # a test that never lets go: bounded in real time
        while not event.is_set() and time.monotonic() < give_up:
            if self._elapse.wait(0.005):
                self._elapse.clear()
                self.now += timeout
                return False
        return True

    def delay(self, number: int) -> float:
        """The timeout of the refresher's `number`-th wait (1-based), once it has begun."""
        assert wait_until(lambda: len(self.waits) >= number, 10.0), self.waits
        return self.waits[number - 1][1]

    def elapse(self) -> None:
        """Let the wait in progress run out."""
        self._elapse.set()

    def request_times(self, total: int) -> list[float]:
        """The clock's time of each of the first `total` requests: that of the fetch before
        the first wait that saw it."""
        times = []
        for index in range(total):
            began = [now for now, _, seen in self.waits if seen > index]
            times.append(began[0] if began else self.now)
        return times


def pin_jitter(monkeypatch: pytest.MonkeyPatch, position: float) -> None:
    """The jitter's random factor at `position` of its range: 0 its low end, 1 its high end."""
    monkeypatch.setattr(random, "uniform", lambda low, high: low + (high - low) * position)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    """Contexts built from now on refresh on a `ManualClock`, without jitter."""
    manual = ManualClock()
    monkeypatch.setattr(_refresher, "SystemClock", lambda: manual)
    pin_jitter(monkeypatch, 0.5)
    return manual


def on_loopback(loopback: LoopbackServer, **options: Any) -> EcsContext:
    """A context of the loopback server's v4 endpoint, with these options."""
    return EcsContext(environ={V4: v4_uri(loopback)}, **options)


def paths_of(mock: MockEndpoint) -> list[str]:
    """The routes the mock answered, without its prefix."""
    prefix = mock.v4_uri[len(mock.base_url) :]
    return [r.path[len(prefix) :] or "/" for r in mock.requests]


# -- construction ------------------------------------------------------------------------------


def test_a_forced_source_without_its_variable_says_exactly_why_it_is_off(
    own_messages: list[logging.LogRecord],
) -> None:
    """``source=v4`` without the variable: one warning, "ECS log context is off: <why>",
    the same why as ``last_error``; ``auto`` without any variable says nothing at all."""
    assert None is EcsContext(environ={}).status().last_error
    assert [] == own_messages
    status = EcsContext(source="v4", environ={}).status()
    assert status.last_error is not None
    assert V4 in status.last_error
    assert [(logging.WARNING, f"ECS log context is off: {status.last_error}")] == [
        (r.levelno, r.getMessage()) for r in own_messages
    ]


def test_the_tags_variable_asks_the_tags_route_from_the_first_fetch(mock: MockEndpoint) -> None:
    """``ECS_LOG_CONTEXT_TAGS`` set: the first fetch asks taskWithTags; ``with_tags=False``
    given wins over the variable; without the variable the route is never asked."""
    tagged = {**mock.environ(), "ECS_LOG_CONTEXT_TAGS": "*"}
    context = EcsContext(environ=tagged, ttl=0)
    assert context.wait_ready(10)
    assert 1 == paths_of(mock).count("/taskWithTags")
    assert context.snapshot is not None
    assert mock.task["TaskTags"] == dict(context.snapshot.tags or {})
    for environ, with_tags in ((tagged, False), (mock.environ(), None)):
        before = len(mock.requests)
        assert EcsContext(environ=environ, ttl=0, with_tags=with_tags).wait_ready(10)
        assert "/taskWithTags" not in paths_of(mock)[before:]


def test_shared_with_tags_asks_the_tags_route_from_the_first_fetch(mock: MockEndpoint) -> None:
    """``shared(with_tags=True)``: a new context's first fetch brings the tags; one per
    settings and environment; without ``with_tags`` no tag is asked."""
    environ = mock.environ()
    settings = ContextSettings.resolve(ttl=0, environ=environ)
    context = EcsContext.shared(settings, environ, with_tags=True)
    assert context is EcsContext.shared(settings, environ)
    assert context is not EcsContext.shared(settings, {**environ, "OTHER": "1"})
    assert context.wait_ready(10)
    assert 1 == paths_of(mock).count("/taskWithTags")
    plain = EcsContext.shared(ContextSettings.resolve(ttl=0, timeout=3, environ=environ), environ)
    before = len(mock.requests)
    assert plain.wait_ready(10)
    assert ["/task", "/"] == sorted(paths_of(mock)[before:], reverse=True)


PREPARED = """
import json, logging, sys
from ecs_log_context import EcsContext
seen = {}
off = EcsContext(environ={})
seen["off"] = [name in sys.modules for name in ("httpx", "ecs_log_context._fetch")]
context = EcsContext(environ={"ECS_CONTAINER_METADATA_URI_V4": "http://127.0.0.1:9/v4/x"})
from ecs_log_context import _fetch
seen["on"] = [name in sys.modules for name in ("httpx", "h11", "certifi", "encodings.idna",
    "encodings.unicode_escape", "ecs_log_context.client", "ecs_log_context._arn")]
seen["prepared"] = _fetch._PREPARED_FLAG
seen["thread"] = context._refresher.thread is not None
seen["holding"] = [type(f).__name__ for f in logging.getLogger("httpcore").filters]
print(json.dumps(seen))
"""


def test_a_context_with_a_source_imports_what_a_fetch_needs_at_construction() -> None:
    """In a fresh interpreter: a context with a source has httpx and the fetch's modules
    imported by its constructor, before any thread or request (a fork then finds nothing
    half-imported); a context without a source imports none of them."""
    seen = json.loads(run_python("-c", PREPARED, environ=base_environ()).stdout.splitlines()[-1])
    assert {
        "off": [False, False],
        "on": [True] * 7,
        "prepared": True,
        "thread": False,
        "holding": ["_HoldInFetchingThread"],
    } == seen


def test_repr_says_state_and_source(mock_on_v4: MockEndpoint) -> None:
    """``repr()``: the state, and where from (or that there is no source)."""
    context = EcsContext(ttl=0)
    assert f"<EcsContext waiting from v4 {mock_on_v4.v4_uri}>" == repr(context)
    assert context.wait_ready(10)
    assert f"<EcsContext ready from v4 {mock_on_v4.v4_uri}>" == repr(context)
    assert "<EcsContext off_ecs from no source>" == repr(EcsContext(environ={}))
    assert "<EcsContext disabled from no source>" == repr(EcsContext(enabled=False))


def test_close_closes_the_http_connections(mock_on_v4: MockEndpoint) -> None:
    """``close()`` closes the client's connections at once when no fetch is in flight."""
    context = EcsContext(ttl=0)
    assert context.wait_ready(10)
    client = context._client
    assert client is not None
    http = client._transport._http
    assert http is not None
    assert not http.is_closed
    context.close()
    assert http.is_closed
    assert context._client is None


def gated_task(loopback: LoopbackServer) -> threading.Event:
    """Serve the task, its task route answering only once the returned event is set."""
    gate = threading.Event()

    def slow_task() -> Reply:
        gate.wait(30)
        return Reply(200, {k: v for k, v in sample_task("EC2").items() if k != "TaskTags"})

    serve_task(loopback, sample_task("EC2"))
    loopback.route(TASK, slow_task)
    return gate


def test_close_during_a_fetch_returns_at_once_and_the_fetch_closes_the_client(
    loopback: LoopbackServer,
) -> None:
    """``close()`` never waits for a fetch in flight (its answer may take the whole timeout):
    that fetch closes the client's connections when it ends."""
    gate = gated_task(loopback)
    context = on_loopback(loopback, ttl=0, timeout=30)
    try:
        context.status()  # starts the fetch
        assert wait_until(lambda: TASK in loopback.paths(), 10.0)
        client = context._client
        assert client is not None
        http = client._transport._http
        assert http is not None
        closed = threading.Event()

        def close() -> None:
            context.close()
            closed.set()

        threading.Thread(target=close, daemon=True).start()
        assert closed.wait(10), "close() waited for the fetch in flight"
        assert not http.is_closed  # the fetch still uses it
    finally:
        gate.set()
    assert wait_until(lambda: http.is_closed, 10.0)
    assert context._client is None


# -- the schedule, on the refresher's clock ----------------------------------------------------


def test_a_ready_context_waits_the_ttl_then_asks_every_route(
    loopback: LoopbackServer, clock: ManualClock
) -> None:
    """Ready: the next fetch is a TTL later (not the failure backoff), both routes."""
    serve_task(loopback, sample_task("EC2"))
    clock.seen = lambda: len(loopback.requests)
    context = on_loopback(loopback, ttl=100)
    assert context.wait_ready(10)
    assert 100.0 == clock.delay(1)
    clock.elapse()
    assert 100.0 == clock.delay(2)
    assert [0.0, 0.0, 100.0, 100.0] == clock.request_times(4)
    assert sorted([TASK, CONTAINER]) == sorted(loopback.paths()[:2])
    assert sorted([TASK, CONTAINER]) == sorted(loopback.paths()[2:])
    assert ("ready", 2) == (context.status().state, context.status().attempts)


def test_a_failing_context_backs_off_from_one_second_and_a_success_waits_the_ttl(
    loopback: LoopbackServer, clock: ManualClock
) -> None:
    """Failing: retried after 1 s, then 2 s, then 4 s; once it answers, a TTL later."""
    serve_fault(loopback, AGENT_500)
    clock.seen = lambda: len(loopback.requests)
    context = on_loopback(loopback, ttl=100)
    assert context.wait_ready(10) is False
    assert [1.0] == [clock.delay(1)]
    clock.elapse()
    assert 2.0 == clock.delay(2)
    clock.elapse()
    assert 4.0 == clock.delay(3)
    serve_task(loopback, sample_task("EC2"))
    clock.elapse()
    assert 100.0 == clock.delay(4)
    assert "ready" == context.status().state
    tasks = [
        t for t, p in zip(clock.request_times(99), loopback.paths(), strict=False) if p == TASK
    ]
    assert [0.0, 1.0, 3.0, 7.0] == tasks


def test_a_429_starts_the_backoff_further_back(
    loopback: LoopbackServer, clock: ManualClock
) -> None:
    """The agent's 429: the first retry after 2 s, not 1; then 4 s."""
    serve_fault(loopback, AGENT_429)
    context = on_loopback(loopback, ttl=100)
    assert context.wait_ready(10) is False
    assert 2.0 == clock.delay(1)
    clock.elapse()
    assert 4.0 == clock.delay(2)
    assert context.status().last_error is not None


def test_ttl_zero_fetches_once_and_its_thread_ends(
    mock_on_v4: MockEndpoint, clock: ManualClock
) -> None:
    """``ttl=0``: after its success the refresher ends without waiting; nothing more is asked."""
    context = EcsContext(ttl=0)
    assert context.wait_ready(10)
    assert wait_until(lambda: context._refresher.thread is None, 10.0)
    assert [] == clock.waits
    assert ["/task", "/"] == sorted(paths_of(mock_on_v4), reverse=True)


def test_a_partial_fetch_retries_its_part_with_backoff(
    loopback: LoopbackServer, clock: ManualClock
) -> None:
    """The tags route failed: fields are in, and the tags alone are asked again after 1 s,
    then 2 s, not after the TTL."""
    serve_task(loopback, sample_task("EC2"))
    loopback.route(TAGS, AGENT_500)
    clock.seen = lambda: len(loopback.requests)
    context = on_loopback(loopback, ttl=100, with_tags=True)
    assert context.wait_ready(10)
    assert 1.0 == clock.delay(1)
    clock.elapse()
    assert 2.0 == clock.delay(2)
    assert [TAGS] == loopback.paths()[3:]
    why = context.status().missing["tags"]
    assert why.startswith("the taskWithTags route failed: ")
    assert f"{v4_uri(loopback)}/taskWithTags: HTTP 500" in why


@pytest.mark.parametrize("ends", [(0.0, 90.0, 0.5), (1.0, 110.0, 1.5)])
def test_the_jitter_is_a_tenth_of_the_ttl_and_half_of_a_retry(
    loopback: LoopbackServer,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    ends: tuple[float, float, float],
) -> None:
    """At either end of the jitter: a TTL of 100 s waits 90 or 110; a first retry 0.5 or 1.5."""
    position, ttl, retry = ends
    pin_jitter(monkeypatch, position)
    serve_fault(loopback, AGENT_500)
    context = on_loopback(loopback, ttl=100)
    assert context.wait_ready(10) is False
    assert retry == pytest.approx(clock.delay(1))
    serve_task(loopback, sample_task("EC2"))
    clock.elapse()
    assert ttl == pytest.approx(clock.delay(2))
    assert "ready" == context.status().state


def test_refresh_after_a_partial_fetch_asks_every_route_again(
    loopback: LoopbackServer, clock: ManualClock
) -> None:
    """``refresh()`` asks everything, not only the part the refresher would retry."""
    serve_task(loopback, sample_task("EC2"))
    loopback.route(TAGS, AGENT_500)
    context = on_loopback(loopback, ttl=100, with_tags=True)
    assert context.wait_ready(10)
    assert 1.0 == clock.delay(1)  # the refresher waits to retry the tags alone
    before = len(loopback.requests)
    status = context.refresh()
    assert [CONTAINER, TASK, TAGS] == sorted(loopback.paths()[before:])
    assert ("ready", 2) == (status.state, status.attempts)


def test_a_failed_container_route_is_retried_soon_and_then_the_ttl_is_waited(
    loopback: LoopbackServer, clock: ManualClock
) -> None:
    """The task answered, the container route failed: the fields come without the
    container's, the snapshot names the container to retry, the retry is a second later,
    and once the container answers the next fetch is a TTL later."""
    serve_task(loopback, sample_task("EC2"))
    loopback.route(CONTAINER, AGENT_500)
    context = on_loopback(loopback, ttl=100)
    assert context.wait_ready(10)
    snapshot = context.snapshot
    assert snapshot is not None
    assert frozenset({"container"}) == snapshot.retry
    assert context.status().missing["container"].startswith("the container route failed: ")
    assert 1.0 == clock.delay(1)
    serve_task(loopback, sample_task("EC2"))
    clock.elapse()
    assert 100.0 == clock.delay(2)
    assert sorted([TASK, CONTAINER]) == sorted(loopback.paths()[-2:])
    assert "container" not in context.status().missing


def test_on_v2_an_unknown_container_says_how_to_name_it_once(
    loopback: LoopbackServer, mock: MockEndpoint
) -> None:
    """v2 cannot always tell this container: the reason says to set the container's name,
    once, whether the resolution's own words said it or not."""
    empty = {**sample_task("EC2"), "Containers": []}
    loopback.route("/v2/metadata", Reply(200, empty))
    hint = "ECS_LOG_CONTEXT_CONTAINER_NAME"
    said: list[str] = []
    for endpoint in (loopback.url, mock.v2_endpoint):
        environ = {"ECS_LOG_CONTEXT_SOURCE": "v2", "ECS_LOG_CONTEXT_V2_ENDPOINT": endpoint}
        context = EcsContext(environ=environ, ttl=0)
        assert context.wait_ready(10)
        said.append(context.status().missing["container"])
    first, second = said
    assert (
        "cannot tell which of the task's containers this is: unknown: the task lists no "
        f"containers; set {hint} to its name"
    ) == first
    assert second.startswith("cannot tell which of the task's containers this is: unknown: ")
    assert 1 == second.count(hint)


def test_a_failed_tags_refresh_keeps_the_tags_it_had(
    loopback: LoopbackServer, clock: ManualClock
) -> None:
    """Tags came once; the route then fails: a refresh brings the fields again and keeps the
    tags (no reason given), and the tags are retried a second later."""
    tagged = sample_task("EC2")
    serve_task(loopback, tagged)
    context = on_loopback(loopback, ttl=100, with_tags=True)
    assert context.wait_ready(10)
    assert 100.0 == clock.delay(1)
    loopback.route(TAGS, AGENT_500)
    status = context.refresh()
    snapshot = context.snapshot
    assert snapshot is not None
    assert tagged["TaskTags"] == dict(snapshot.tags or {})
    assert frozenset({"tags"}) == snapshot.retry
    assert ("ready", False) == (status.state, "tags" in status.missing)


def test_the_agents_own_tag_error_is_the_reason_the_tags_are_missing(
    start_mock: Callable[..., MockEndpoint],
) -> None:
    """ECS refused the agent ``ListTagsForResource``: the reason is the task's tag error in
    the agent's words (not the container instance's), with the usual fix."""
    mock = start_mock(tags_error="access-denied")
    context = EcsContext(environ=mock.environ(), ttl=0, with_tags=True)
    assert context.wait_ready(10)
    role = "arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-0e1f432bdcd65463a"
    assert {
        "tags": "the agent could not read the task's tags (AccessDeniedException: "
        f"User: {role} is not authorized to perform: ecs:ListTagsForResource on resource: "
        f"{mock.task['TaskARN']}); allow ecs:ListTagsForResource to the role the agent "
        "calls ECS with (on EC2, the container instance role)"
    } == context.status().missing


@pytest.mark.parametrize(
    ("errors", "reason"),
    [
        (
            [
                {
                    "ErrorField": "TaskTags",
                    "ErrorCode": "ThrottlingException",
                    "ErrorMessage": "Slow",
                }
            ],
            "the agent could not read the task's tags (ThrottlingException: Slow)",
        ),
        (
            [{"ErrorField": "TaskTags"}],
            "the agent could not read the task's tags (error: no message)",
        ),
        ([{"ErrorField": "ContainerInstanceTags", "ErrorCode": "AccessDeniedException"}], None),
    ],
)
def test_other_agent_tag_errors(
    loopback: LoopbackServer, errors: list[dict[str, str]], reason: str | None
) -> None:
    """Another code is said as it is, without the fix; a missing code or message is said so;
    an error about the container instance's tags alone leaves the task's tags unmissed."""
    task = sample_task("EC2")
    serve_task(loopback, task)
    without = {k: v for k, v in task.items() if k not in ("TaskTags", "ContainerInstanceTags")}
    loopback.route(TAGS, Reply(200, {**without, "Errors": errors}))
    context = on_loopback(loopback, ttl=0, with_tags=True)
    assert context.wait_ready(10)
    assert reason == context.status().missing.get("tags")


# -- subscribers ---------------------------------------------------------------------------------


def test_a_subscriber_asking_for_tags_after_the_start_gets_them_at_once(
    mock: MockEndpoint, clock: ManualClock
) -> None:
    """A ready context without tags: a subscriber without tags costs no request; one asking
    for tags wakes the refresher, which asks taskWithTags alone, then waits the TTL again."""
    context = EcsContext(environ=mock.environ(), ttl=100)
    assert context.wait_ready(10)
    assert 100.0 == clock.delay(1)
    got: list[object] = []
    before = len(mock.requests)
    context.subscribe(got.append)
    context.refresh()  # a fetch now, in this thread: still without tags
    assert ["/task", "/"] == sorted(paths_of(mock)[before:], reverse=True)
    # The refresher was not woken: its wait goes on (no bound on how quickly it would end).
    assert not wait_until(lambda: len(clock.waits) > 1, 1.0)
    before = len(mock.requests)
    context.subscribe(got.append, wants_tags=True)
    assert 100.0 == clock.delay(2)
    assert ["/taskWithTags"] == paths_of(mock)[before:]
    assert 0.0 == clock.now  # woken, not elapsed
    assert context.snapshot is not None
    assert mock.task["TaskTags"] == dict(context.snapshot.tags or {})
    assert got[-1] is context.snapshot


def test_new_field_settings_joining_a_ready_context_are_told_their_missing_fields_at_once(
    mock_on_v4: MockEndpoint, own_messages: list[logging.LogRecord]
) -> None:
    """A subscriber with field settings nobody asked for yet: what they lack is said when it
    subscribes (the context is ready: no publication would say it); the same settings
    again say nothing."""
    context = EcsContext(ttl=0)
    assert context.wait_ready(10)
    wanted = FieldSettings.resolve(fields="all")
    snapshot = context.snapshot
    assert snapshot is not None
    reasons = snapshot.reasons([wanted])
    assert "availability_zone_id" in reasons  # the EC2 sample has no AvailabilityZoneID
    said = len(own_messages)
    context.subscribe(lambda snapshot: None, settings=wanted)
    told = [r.getMessage() for r in own_messages[said:]]
    listed = "; ".join(f"{name}: {reason}" for name, reason in reasons.items())
    assert [f"ECS log context: asked for and not added: {listed}"] == told
    context.subscribe(lambda snapshot: None, settings=wanted)
    assert said + 1 == len(own_messages)


def test_a_subscriber_without_field_settings_is_told_nothing_when_it_joins(
    mock_on_v4: MockEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    own_messages: list[logging.LogRecord],
) -> None:
    """No settings of its own: nothing is said as it joins, though the environment's field
    settings (which count while no subscriber has any) now ask for more; the next
    publication says it."""
    context = EcsContext(ttl=0)
    assert context.wait_ready(10)
    monkeypatch.setenv("ECS_LOG_CONTEXT_FIELDS", "all")
    said = len(own_messages)
    context.subscribe(lambda snapshot: None)
    assert said == len(own_messages)
    context.refresh()
    told = [r.getMessage() for r in own_messages[said:]]
    assert 1 == len(told), told
    assert told[0].startswith("ECS log context: asked for and not added: availability_zone_id")


def test_new_field_settings_joining_a_failing_context_are_not_told_yet(
    loopback: LoopbackServer, clock: ManualClock, own_messages: list[logging.LogRecord]
) -> None:
    """Before a snapshot, nothing is missing yet: the subscriber's reasons wait for one."""
    serve_fault(loopback, AGENT_500)
    context = on_loopback(loopback, ttl=100)
    assert context.wait_ready(10) is False
    said = len(own_messages)
    context.subscribe(lambda snapshot: None, settings=FieldSettings.resolve(tags=["absent"]))
    assert said == len(own_messages)
    assert {} == context.status().missing


def test_field_settings_asked_before_the_first_answer_are_told_with_it(
    mock_on_v4: MockEndpoint, own_messages: list[logging.LogRecord]
) -> None:
    """A subscriber that came while the context waited: what its fields lack is said when
    the first answer is published, once."""
    context = EcsContext(ttl=0)
    context.subscribe(lambda snapshot: None, settings=FieldSettings.resolve(fields="all"))
    assert [] == [r for r in own_messages if "asked for" in r.getMessage()]
    assert context.wait_ready(10)
    told = [r.getMessage() for r in own_messages if "asked for" in r.getMessage()]
    assert 1 == len(told), told
    assert "availability_zone_id: not in this task's metadata" in told[0]


def test_a_plain_function_subscriber_is_held_a_bound_method_is_not(
    mock_on_v4: MockEndpoint,
) -> None:
    """A function (or lambda) subscribed is kept and called with every new snapshot, though
    nothing else refers to it; a bound method is held weakly, and dropped with its object."""
    import gc

    context = EcsContext(ttl=0)
    got: list[tuple[str, object]] = []

    class Owner:
        def receive(self, snapshot: object) -> None:
            got.append(("method", snapshot))

    owner = Owner()
    context.subscribe(owner.receive)
    context.subscribe(lambda snapshot: got.append(("function", snapshot)))
    assert context.wait_ready(10)
    assert ["function", "method"] == sorted(kind for kind, _ in got)
    del owner
    gc.collect()
    got.clear()
    context.refresh()
    assert [("function", context.snapshot)] == got


def test_a_subscriber_failing_when_it_joins_is_said_at_once_with_its_owner(
    mock_on_v4: MockEndpoint, own_messages: list[logging.LogRecord]
) -> None:
    """A subscriber that raises on the snapshot it gets as it subscribes: one error naming
    the object whose method it is, with the exception, said before ``subscribe`` returns."""
    context = EcsContext(ttl=0)
    assert context.wait_ready(10)

    class Broken:
        def __repr__(self) -> str:
            return "<the broken integration>"

        def receive(self, snapshot: object) -> None:
            raise ValueError("cannot build")

    broken = Broken()
    context.subscribe(broken.receive)
    errors = [r for r in own_messages if r.levelno == logging.ERROR]
    assert ["ECS log context could not build the fields of <the broken integration>"] == [
        r.getMessage() for r in errors
    ]
    assert errors[0].exc_info is not None
    assert isinstance(errors[0].exc_info[1], ValueError)


def test_the_fields_are_published_before_the_tags_come(loopback: LoopbackServer) -> None:
    """A slow taskWithTags route (the agent asks ECS) never holds the fields up: they are in,
    and the state ready, while the tags route has not answered; the tags follow."""
    gate = threading.Event()
    tagged = sample_task("EC2")

    def slow_tags() -> Reply:
        gate.wait(30)
        return Reply(200, tagged)

    serve_task(loopback, tagged)
    loopback.route(TAGS, slow_tags)
    context = on_loopback(loopback, ttl=0, with_tags=True)
    try:
        assert wait_until(lambda: context.fields() == EC2_DEFAULT, 10.0)
        assert "ready" == context.status().state
        assert context.snapshot is not None
        assert context.snapshot.tags is None
    finally:
        gate.set()
    assert context.wait_ready(10)
    assert context.snapshot is not None
    assert tagged["TaskTags"] == dict(context.snapshot.tags or {})


# -- a bug inside a fetch ------------------------------------------------------------------------


def test_a_bug_inside_a_fetch_is_a_state_an_error_and_one_traceback(
    mock_on_v4: MockEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    own_messages: list[logging.LogRecord],
    clock: ManualClock,
) -> None:
    """An exception no route raises (a bug in the library): ``failing`` before any success,
    ``stale`` after one, the error text "unexpected error: <type>: <message>", the traceback
    once per change of state, the snapshot kept, and the refresher backing off."""
    from ecs_log_context import _fetch

    real = _fetch.fetch_round
    broken = [True]

    def fetch_round(*args: Any, **kwargs: Any) -> Any:
        snapshot = real(*args, **kwargs)  # the routes are really asked
        if broken[0]:
            raise KeyError("bug")
        return snapshot

    monkeypatch.setattr(_fetch, "fetch_round", fetch_round)
    context = EcsContext(ttl=100)
    assert context.wait_ready(10) is False
    assert 1.0 == clock.delay(1)
    status = context.status()
    assert ("failing", "unexpected error: KeyError: 'bug'") == (status.state, status.last_error)
    assert {} == context.fields()
    assert "failing" == context.refresh().state
    errors = [r for r in own_messages if r.levelno == logging.ERROR]
    assert [UNEXPECTED] == [r.getMessage() for r in errors]
    assert errors[0].exc_info is not None
    assert isinstance(errors[0].exc_info[1], KeyError)
    broken[0] = False
    assert "ready" == context.refresh().state
    snapshot = context.snapshot
    broken[0] = True
    status = context.refresh()
    assert ("stale", "unexpected error: KeyError: 'bug'") == (status.state, status.last_error)
    assert snapshot is context.snapshot
    assert EC2_DEFAULT == context.fields()
    assert [UNEXPECTED] * 2 == [r.getMessage() for r in own_messages if r.levelno >= 40]
    assert context._fetcher is None


# -- start-up -----------------------------------------------------------------------------------


def test_the_fetching_threads_own_record_leaves_other_threads_waiting_for_the_fields(
    loopback: LoopbackServer,
) -> None:
    """Under ``install()``, the fetching thread's own httpx record, made while the task's
    answer is still coming, gets no fields and does not wait for itself; it must not leave
    the empty dict behind: a record of another thread made then still waits, and is enriched.
    """
    gate = gated_task(loopback)
    made: list[tuple[int, bool]] = []  # thread, had the fields
    container_logged = threading.Event()

    class Observe(logging.Filter):
        """On httpx's logger, before the holding filter: sees each record as made."""

        def filter(self, record: logging.LogRecord) -> bool:
            if record.getMessage().startswith(f"HTTP Request: GET {v4_uri(loopback)} "):
                made.append((threading.get_ident(), hasattr(record, "ecs_task_arn")))
                container_logged.set()
            return True

    httpx_logger = logging.getLogger("httpx")
    httpx_logger.setLevel(logging.INFO)
    install(environ={V4: v4_uri(loopback)}, timeout=10, ttl=0)
    httpx_logger.filters.insert(0, Observe())
    app = logging.getLogger("app.start-up")
    result: list[logging.LogRecord] = []

    def log_from_another_thread() -> None:
        result.append(app.makeRecord(app.name, logging.WARNING, __file__, 0, "other", (), None))

    try:
        installed_context().status()  # starts the fetch
        assert container_logged.wait(10)  # the fetching thread logged; the task still comes
        other = threading.Thread(target=log_from_another_thread, daemon=True)
        other.start()
        # Waiting for the answer, it makes nothing until the task comes (a record with empty
        # fields here would be the bug); no bound on how quickly the right code is.
        assert not wait_until(lambda: result, 1.0)
        gate.set()
        other.join(10)
    finally:
        gate.set()
        uninstall()
    fetching, had_fields = made[0]
    assert (True, False) == (fetching != threading.get_ident(), had_fields)
    assert 1 == len(result)
    assert EC2_DEFAULT == {k: getattr(result[0], k, None) for k in EC2_DEFAULT}


def installed_context() -> EcsContext:
    """The context of the `install()` in force."""
    enricher = installed()
    assert enricher is not None
    return enricher.context


# -- forks ------------------------------------------------------------------------------------


def _first_call(name: str) -> Callable[[EcsContext], object]:
    calls: dict[str, Callable[[EcsContext], object]] = {
        "status": lambda c: c.status(),
        "fields": lambda c: c.fields(),
        "refresh": lambda c: c.refresh(),
        "subscribe": lambda c: c.subscribe(lambda snapshot: None),
        "wait_ready": lambda c: c.wait_ready(5),
        "wait_ready_async": lambda c: asyncio.run(c.wait_ready_async(5)),
        "wait_first": lambda c: c.wait_first(),
    }
    return calls[name]


@pytest.mark.parametrize(
    "call",
    ["status", "fields", "refresh", "subscribe", "wait_ready", "wait_ready_async", "wait_first"],
)
def test_a_fork_without_hooks_is_noticed_by_each_entry_point(
    mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    """A fork from C runs no hooks (uWSGI): the process ID changed and a lock may be held by
    a thread the child does not have. Each entry point notices it first and recovers: new
    locks, so that a fetch is possible again."""
    context = EcsContext(ttl=0)
    assert context.wait_ready(10)
    assert wait_until(lambda: context._refresher.thread is None, 10.0)
    inherited = context._fetch_lock
    inherited.acquire()  # held by "the parent's" thread, which the child has not
    monkeypatch.setattr(_forks, "_pid", os.getpid() + 1_000_000)
    done = threading.Event()

    def run() -> None:
        _first_call(call)(context)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    try:
        assert done.wait(10), "the call did not notice the fork"
        assert os.getpid() == _forks._pid
        assert context._fetch_lock is not inherited
        assert "ready" == context.refresh().state  # the new lock is free
    finally:
        inherited.release()


def test_two_threads_noticing_a_fork_without_hooks_recover_once(
    mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two threads of a child forked without hooks notice it at once: the first recovers,
    the second, queued behind it, finds the process ID already taken and recovers nothing
    (a second recovery would throw away the locks the first one's fetch may hold)."""
    context = EcsContext(ttl=0)
    assert context.wait_ready(10)
    assert wait_until(lambda: context._refresher.thread is None, 10.0)
    recoveries: list[bool] = []
    real_after_fork = EcsContext._after_fork

    def counted(self: EcsContext, *, clean: bool) -> None:
        if self is context:
            recoveries.append(clean)
        real_after_fork(self, clean=clean)

    gate = threading.Lock()
    queued: list[int] = []

    class Queued:
        """`_forks._lock`, counting the threads that reached it."""

        def __enter__(self) -> None:
            queued.append(threading.get_ident())
            gate.acquire()

        def __exit__(self, *exc_info: object) -> None:
            gate.release()

    monkeypatch.setattr(EcsContext, "_after_fork", counted)
    monkeypatch.setattr(_forks, "_lock", Queued())
    monkeypatch.setattr(_forks, "_pid", os.getpid() + 1_000_000)
    gate.acquire()
    threads = [threading.Thread(target=context.status, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        assert wait_until(lambda: len(queued) == 2, 10.0)
    finally:
        gate.release()
    for thread in threads:
        thread.join(10)
    assert [False] == recoveries


@forking
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_a_child_forked_from_a_ready_context_waits_its_own_ttl(
    mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh inherited snapshot: the child's refresher first waits a TTL, asking nothing."""
    waits: list[float] = []

    class Recording(_refresher.SystemClock):
        @staticmethod
        def wait(event: threading.Event, timeout: float) -> bool:
            waits.append(timeout)
            return event.wait(timeout)

    monkeypatch.setattr(_refresher, "SystemClock", Recording)
    pin_jitter(monkeypatch, 0.5)
    context = EcsContext(ttl=100)
    assert context.wait_ready(10)
    assert wait_until(lambda: len(waits) == 1, 10.0)  # the parent waits its TTL
    asked = len(mock_on_v4.requests)

    def child() -> list[object]:
        fields = context.fields()
        wait_until(lambda: len(waits) == 2, 5.0)
        return [fields == EC2_DEFAULT, waits[1:], context.status().state]

    assert [True, [100.0], "ready"] == run_in_fork(child)
    assert asked == len(mock_on_v4.requests)


@forking
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_a_child_of_a_ttl_zero_or_closed_context_never_fetches(mock_on_v4: MockEndpoint) -> None:
    """``ttl=0``: the child has the snapshot and no refresher; a closed context's child asks
    nothing, not even on ``refresh()``."""
    once = EcsContext(ttl=0)
    assert once.wait_ready(10)
    closed = EcsContext(ttl=100, timeout=3)
    assert closed.wait_ready(10)
    closed.close()
    asked = len(mock_on_v4.requests)

    def child() -> list[object]:
        answers: list[object] = []
        for context in (once, closed):
            answers.append(context.fields() == EC2_DEFAULT)
            answers.append(context.status().state)
            answers.append(context.refresh().attempts)
            answers.append(context._refresher.thread is None)
        return answers

    assert [True, "ready", 2, True, True, "ready", 1, True] == run_in_fork(child)
    assert asked + 2 == len(mock_on_v4.requests)  # the ttl=0 child's own refresh() alone


@forking
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_a_child_of_a_failing_context_does_not_wait_for_its_own_first_answer(
    loopback: LoopbackServer,
) -> None:
    """The parent had its first answer, a failure: the child's first records and
    ``wait_ready()`` do not wait again for an answer (the endpoint now hangs)."""
    serve_fault(loopback, AGENT_500)
    context = on_loopback(loopback, ttl=100, timeout=30)
    assert context.wait_ready(10) is False
    serve_fault(loopback, Reply(fault="hang"))

    def child() -> list[object]:
        return [context.wait_ready(), context.wait_first(), context.status().state]

    assert [False, True, "failing"] == run_in_fork(child, timeout=15.0)


@forking
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_a_child_forked_before_anything_was_asked_fetches_on_first_demand(
    mock_on_v4: MockEndpoint,
) -> None:
    """Nothing asked in the parent (a preforking server's master): the child starts no
    thread at the fork, and fetches when first asked."""
    context = EcsContext(ttl=0)

    def child() -> list[object]:
        idle = context._refresher.thread is None
        return [idle, context.wait_ready(10), context.fields() == EC2_DEFAULT]

    assert [True, True, True] == run_in_fork(child)
    assert context._refresher.thread is None  # the parent asked nothing either


def test_at_exit_every_refresher_stops(mock_on_v4: MockEndpoint) -> None:
    """The exit hook stops each context's refresher: its thread ends, and nothing restarts
    it (a subscriber asking for tags wakes nothing)."""
    context = EcsContext(ttl=100)
    assert context.wait_ready(10)
    thread = context._refresher.thread
    assert thread is not None
    _forks._stop_all()
    thread.join(10)
    assert not thread.is_alive()
    context.subscribe(lambda snapshot: None, wants_tags=True)
    assert context._refresher.thread is thread  # not a new one
    assert not thread.is_alive()


FORKED_DURING_THE_FIRST_FETCH = """
import json, os, sys, time
from ecs_log_context import EcsContext
context = EcsContext(timeout=10, ttl=0)
context.status()  # starts the first fetch: its task route hangs until the child asks
deadline = time.monotonic() + 10
while context._client is None and time.monotonic() < deadline:
    time.sleep(0.01)  # the fetch is under way: its client is made
pid = os.fork()
if pid == 0:
    from ecs_log_context import _forks
    while context.snapshot is None and time.monotonic() < deadline + 10:
        time.sleep(0.01)
    kept = len(_forks._abandoned)  # the client in use at the fork: kept, never closed
    print(json.dumps({"child": [context.snapshot is not None, kept]}), flush=True)
    sys.exit(0)
_, status = os.waitpid(pid, 0)
print(json.dumps({"parent": context.wait_ready(10), "child_status": status}), flush=True)
"""


@forking
def test_a_child_forked_during_the_first_fetch_fetches_without_being_asked(
    loopback: LoopbackServer,
) -> None:
    """Forked while the parent's first fetch was in flight: the child fetches at once on its
    own (no record asked), gets its snapshot, and exits without an error about the client
    it inherited."""
    gate = threading.Event()
    task = {k: v for k, v in sample_task("EC2").items() if k != "TaskTags"}

    def task_route() -> Reply:
        if not gate.is_set() and loopback.paths().count(TASK) == 1:
            gate.wait(30)  # the parent's request: until the child's comes
        gate.set()
        return Reply(200, task)

    serve_task(loopback, sample_task("EC2"))
    loopback.route(TASK, task_route)
    done = run_python(
        "-c", FORKED_DURING_THE_FIRST_FETCH, environ=base_environ(**{V4: v4_uri(loopback)})
    )
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [{"child": [True, 1]}, {"parent": True, "child_status": 0}] == lines
    assert "Exception ignored" not in done.stderr
    assert "Traceback" not in done.stderr
    assert 2 == loopback.paths().count(TASK)


FORKED_WHEN_IDLE = """
import json, os, sys
from ecs_log_context import EcsContext, _forks
context = EcsContext(timeout=10, ttl=100)
assert context.wait_ready(10)
client = context._client
pid = os.fork()
if pid == 0:
    closed = client._transport._http is None
    print(json.dumps({"child": [closed, len(_forks._abandoned), context.refresh().state]}))
    sys.exit(0)
_, status = os.waitpid(pid, 0)
free = context._fetch_lock.acquire(blocking=False)
if free:
    context._fetch_lock.release()
state = context.refresh().state
print(json.dumps({"parent": [free, state, client._transport._http is not None, status]}))
"""


@forking
def test_a_fork_between_fetches_closes_the_childs_copy_and_frees_the_parents_lock(
    mock: MockEndpoint,
) -> None:
    """Forked while no fetch was in flight: the child closes its copy of the client (its
    sockets are its own) and fetches with a new one; the parent's fetch lock, taken for the
    fork, is free again, and its client untouched; nothing is said on stderr."""
    done = run_python("-c", FORKED_WHEN_IDLE, environ=base_environ(**mock.environ()))
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [{"child": [True, 0, "ready"]}, {"parent": [True, "ready", True, 0]}] == lines
    assert "Exception ignored" not in done.stderr
    assert "Traceback" not in done.stderr
