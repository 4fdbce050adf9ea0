"""The cached client, ``MetadataClient(cache_ttl=...)``, and the client's messages that lead
somewhere (a timeout names ECS_LOG_CONTEXT_TIMEOUT, a 429 says the agent is throttling).

Requests are counted per path on the package's mock endpoint (a loopback server where a
route must fail); the cache's clock is the test's own (``timer=``), moved by hand: no test
sleeps through a TTL.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecs_log_context.client import DEFAULT_STATS_CACHE_TTL, MetadataClient
from ecs_log_context.context import EcsContext
from ecs_log_context.errors import (
    ConfigurationError,
    MetadataThrottledError,
    MetadataUnavailableError,
)
from ecs_log_context.mock._task import load_sample
from ecs_log_context.mock.server import MockEndpoint

from .child_processes import run_in_fork, run_python
from .loopback import LoopbackServer, Reply, json_reply

PREFIX = "/v4/0123456789abcdef-1234567890"
THROTTLED = Reply(429, "You have reached maximum request limit.", "text/plain; charset=utf-8")


class Clock:
    """The cache's clock: stands still until the test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _paths(mock: MockEndpoint) -> Counter[str]:
    return Counter(request.path for request in mock.requests)


def _own(mock: MockEndpoint) -> str:
    return mock.v4_uri.removeprefix(mock.base_url)


# -- what is kept, and for how long -----------------------------------------------------------


def test_two_calls_within_the_ttl_make_one_request_and_after_it_two(
    mock: MockEndpoint, clock: Clock
) -> None:
    """task() twice within the TTL: one request, the same answer; once the TTL has passed,
    a second request."""
    client = MetadataClient("v4", mock.v4_uri, cache_ttl=5.0, timer=clock)
    with client:
        first = client.task()
        clock.advance(4.9)
        again = client.task()
        assert {_own(mock) + "/task": 1} == _paths(mock)
        clock.advance(0.2)  # 5.1 s after the answer: expired
        later = client.task()
    assert {_own(mock) + "/task": 2} == _paths(mock)
    assert first == again == later
    assert mock.task["TaskARN"] == first.task_arn


def test_each_route_is_kept_on_its_own(mock: MockEndpoint, clock: Clock) -> None:
    """task, container, taskWithTags and task_and_container: one request per route, however
    often each is asked within the TTL; a route asked later is not held to an earlier one's."""
    with MetadataClient("v4", mock.v4_uri, cache_ttl=5.0, timer=clock) as client:
        for _ in range(3):
            client.task()
            client.container()
            client.task_with_tags()
            client.task_and_container()
        clock.advance(3.0)
        client.container(mock.own_container_docker_id)  # the task route, still kept
        clock.advance(2.5)  # the first answers have expired
        client.task()
    own = _own(mock)
    assert {own + "/task": 2, own: 1, own + "/taskWithTags": 1} == _paths(mock)


def test_stats_have_a_shorter_ttl_by_default(mock: MockEndpoint, clock: Clock) -> None:
    """With caching on, stats are kept `DEFAULT_STATS_CACHE_TTL` (1 s), the task cache_ttl."""
    assert 1.0 == DEFAULT_STATS_CACHE_TTL
    client = MetadataClient("v4", mock.v4_uri, cache_ttl=5.0, timer=clock)
    assert 1.0 == client.stats_cache_ttl
    with client:
        client.task()
        client.container_stats()
        client.task_stats()
        clock.advance(0.9)
        client.task()
        client.container_stats()
        client.task_stats()
        own = _own(mock)
        assert {own + "/task": 1, own + "/stats": 1, own + "/task/stats": 1} == _paths(mock)
        clock.advance(0.2)  # 1.1 s: the stats have expired, the task has not
        client.task()
        client.container_stats()
        client.task_stats()
    assert {own + "/task": 1, own + "/stats": 2, own + "/task/stats": 2} == _paths(mock)


def test_stats_ttl_never_exceeds_cache_ttl_and_can_be_set(mock: MockEndpoint) -> None:
    """The default stats TTL is the shorter of the two; an explicit one is used as given, 0
    included (metadata kept, stats always asked)."""
    assert 0.5 == MetadataClient("v4", mock.v4_uri, cache_ttl=0.5).stats_cache_ttl
    assert 0.0 == MetadataClient("v4", mock.v4_uri).stats_cache_ttl
    client = MetadataClient("v4", mock.v4_uri, cache_ttl=5.0, stats_cache_ttl=0)
    with client:
        for _ in range(3):
            client.task()
            client.container_stats()
    assert {_own(mock) + "/task": 1, _own(mock) + "/stats": 3} == _paths(mock)


def test_cache_ttl_0_the_default_makes_every_call_a_request(mock: MockEndpoint) -> None:
    """Off (the default and cache_ttl=0): every call asks the endpoint, stats included."""
    for client in (
        MetadataClient("v4", mock.v4_uri),
        MetadataClient("v4", mock.v4_uri, cache_ttl=0),
    ):
        with client:
            for _ in range(3):
                client.task()
                client.container_stats()
    assert {_own(mock) + "/task": 6, _own(mock) + "/stats": 6} == _paths(mock)


def test_v2_routes_are_kept_too(mock: MockEndpoint, clock: Clock) -> None:
    """v2: the task route is kept, and container() resolves from the kept task."""
    name = next(
        c["Name"] for c in mock.task["Containers"] if c["DockerId"] == mock.own_container_docker_id
    )
    client = MetadataClient(
        "v2",
        mock.v2_endpoint,
        cache_ttl=5.0,
        timer=clock,
        container_name=name,
        cgroup_path="/nonexistent",
        mountinfo_path="/nonexistent",
        hostname="not-a-docker-id",
    )
    with client:
        for _ in range(3):
            assert mock.own_container_docker_id == client.container().docker_id
            client.task_and_container()
    assert {"/v2/metadata": 1} == _paths(mock)


def test_every_call_gets_its_own_objects(mock: MockEndpoint, clock: Clock) -> None:
    """A kept answer is decoded again for each caller: equal models, never the same object
    (a caller that digs into ``raw`` cannot change what the next one gets)."""
    with MetadataClient("v4", mock.v4_uri, cache_ttl=5.0, timer=clock) as client:
        first, second = client.task(), client.task()
    assert first == second
    assert first is not second
    assert first.containers[0] is not second.containers[0]
    assert {_own(mock) + "/task": 1} == _paths(mock)


def test_clear_cache_forgets_every_answer(mock: MockEndpoint, clock: Clock) -> None:
    with MetadataClient("v4", mock.v4_uri, cache_ttl=5.0, timer=clock) as client:
        client.task()
        client.clear_cache()
        client.task()
        client.task()
    assert {_own(mock) + "/task": 2} == _paths(mock)


def test_a_failure_is_not_kept(loopback: LoopbackServer, clock: Clock) -> None:
    """A failed route is asked again at the next call; its answer, once good, is kept."""
    task = load_sample("EC2")
    loopback.route(PREFIX + "/task", THROTTLED)
    with MetadataClient("v4", loopback.url + PREFIX, cache_ttl=5.0, timer=clock) as client:
        with pytest.raises(MetadataThrottledError):
            client.task()
        loopback.route(PREFIX + "/task", json_reply(task))
        assert task["TaskARN"] == client.task().task_arn
        assert task["TaskARN"] == client.task().task_arn
    assert 2 == loopback.count(PREFIX + "/task")


# -- concurrent callers, forks ----------------------------------------------------------------


def _at_once(n: int, call: Callable[[], object]) -> list[object]:
    """`call()` in `n` threads released together: what each returned or raised."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_callers_at_once_share_one_request(start_mock: Callable[..., MockEndpoint]) -> None:
    """16 threads call task() together on a cold cache: exactly one request, and every
    caller gets the task (the others waited for that request rather than asking)."""
    mock = start_mock(latency=0.3, throttle=False)
    with MetadataClient("v4", mock.v4_uri, cache_ttl=5.0, timeout=5.0) as client:
        results = _at_once(16, client.task)
    assert {_own(mock) + "/task": 1} == _paths(mock)
    assert all(getattr(r, "task_arn", None) == mock.task["TaskARN"] for r in results), results
    assert len({id(r) for r in results}) == 16  # each its own model


def test_callers_at_once_share_one_failure(loopback: LoopbackServer) -> None:
    """A slow 429 asked by 8 threads at once: one request, every caller gets the throttled
    error, each its own exception object; the next call asks again."""
    loopback.route(PREFIX + "/task", Reply(429, THROTTLED.body, "text/plain", delay=0.3))
    with MetadataClient("v4", loopback.url + PREFIX, cache_ttl=5.0, timeout=5.0) as client:
        results = _at_once(8, client.task)
        assert 1 == loopback.count(PREFIX + "/task")
        assert all(isinstance(r, MetadataThrottledError) for r in results), results
        assert len({id(r) for r in results}) == 8
        assert {str(r) for r in results} == {str(results[0])}
        with pytest.raises(MetadataThrottledError):
            client.task()
    assert 2 == loopback.count(PREFIX + "/task")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_fork_during_a_request_leaves_the_child_its_own_cache(loopback: LoopbackServer) -> None:
    """Forked while a thread waits for a slow answer: the child does not wait for that
    request (which its process will never see end): it asks for itself, and keeps its answer."""
    task = load_sample("EC2")
    answers = iter([Reply(200, json_reply(task).body, delay=3.0)])

    def answer() -> Reply:
        return next(answers, json_reply(task))

    loopback.route(PREFIX + "/task", answer)
    client = MetadataClient("v4", loopback.url + PREFIX, cache_ttl=60.0, timeout=10.0)
    slow = threading.Thread(target=client.task)
    slow.start()
    assert _eventually(lambda: loopback.count(PREFIX + "/task") == 1)

    def in_child() -> list[str | None]:
        return [client.task().task_arn, client.task().task_arn]

    try:
        arns = run_in_fork(in_child, timeout=8.0)
    finally:
        slow.join(10)
        client.close()
    assert [task["TaskARN"]] * 2 == arns
    assert 2 == loopback.count(PREFIX + "/task")  # the parent's, and the child's one


def _eventually(predicate: Callable[[], bool]) -> bool:
    from .waiting import wait_until

    return wait_until(predicate, 5.0)


# -- configuration ----------------------------------------------------------------------------


_BAD_TTLS = [-1, -0.1, float("nan"), float("inf"), "1", True, [1]]


@pytest.mark.parametrize(
    ("name", "bad"),
    [("cache_ttl", None)]
    + [(name, bad) for name in ("cache_ttl", "stats_cache_ttl") for bad in _BAD_TTLS],
)
def test_bad_cache_ttls_are_refused_naming_the_option(
    mock: MockEndpoint, name: str, bad: object
) -> None:
    with pytest.raises(ConfigurationError, match=rf"^{name}=") as caught:
        MetadataClient("v4", mock.v4_uri, **{name: bad})  # type: ignore[arg-type]
    assert name == caught.value.name
    assert "seconds" in str(caught.value)


def test_a_timer_must_be_callable(mock: MockEndpoint) -> None:
    with pytest.raises(ConfigurationError, match=r"^timer="):
        MetadataClient("v4", mock.v4_uri, cache_ttl=1, timer=5.0)  # type: ignore[arg-type]


def test_good_cache_ttls_are_kept_as_floats(mock: MockEndpoint) -> None:
    client = MetadataClient("v4", mock.v4_uri, cache_ttl=2, stats_cache_ttl=0.25)
    assert (2.0, 0.25) == (client.cache_ttl, client.stats_cache_ttl)
    assert isinstance(client.cache_ttl, float)


def test_from_env_passes_cache_ttl_on(mock: MockEndpoint, clock: Clock) -> None:
    client = MetadataClient.from_env(mock.environ(), cache_ttl=3.0, timer=clock)
    with client:
        client.task()
        client.task()
    assert 3.0 == client.cache_ttl
    assert {_own(mock) + "/task": 1} == _paths(mock)


def test_cachetools_is_imported_only_for_a_cache(mock: MockEndpoint) -> None:
    """A client without a cache (the context's) never imports cachetools."""
    script = (
        "import sys\n"
        "from ecs_log_context.client import MetadataClient\n"
        f"c = MetadataClient('v4', {mock.v4_uri!r}); c.task(); c.task_and_container()\n"
        "print('cachetools' in sys.modules)\n"
        f"MetadataClient('v4', {mock.v4_uri!r}, cache_ttl=1)\n"
        "print('cachetools' in sys.modules)\n"
    )
    done = run_python("-c", script)
    assert ["False", "True"] == done.stdout.split(), done.stderr


# -- messages that lead somewhere -------------------------------------------------------------


def test_a_timeout_names_ecs_log_context_timeout_and_its_value(loopback: LoopbackServer) -> None:
    loopback.route(PREFIX + "/task", Reply(fault="hang"))
    with pytest.raises(MetadataUnavailableError) as caught:
        MetadataClient("v4", loopback.url + PREFIX, timeout=0.25).task()
    assert "no answer within 0.25 s" in str(caught.value)
    assert "ECS_LOG_CONTEXT_TIMEOUT=0.25" in str(caught.value)


def test_an_answer_over_twice_the_timeout_names_it_too(loopback: LoopbackServer) -> None:
    """Every read within the timeout, the whole answer not within twice it."""
    body = json_reply(load_sample("EC2")).body
    loopback.route(PREFIX + "/task", Reply(200, body, fault="drip", drip_every=0.1))
    with pytest.raises(MetadataUnavailableError) as caught:
        MetadataClient("v4", loopback.url + PREFIX, timeout=0.3).task()
    assert "took over 0.6 s" in str(caught.value)
    assert "ECS_LOG_CONTEXT_TIMEOUT=0.3" in str(caught.value)


def test_a_429_says_the_agent_is_throttling_and_to_back_off(loopback: LoopbackServer) -> None:
    loopback.route(PREFIX + "/task", THROTTLED)
    with pytest.raises(MetadataThrottledError) as caught:
        MetadataClient("v4", loopback.url + PREFIX).task()
    text = str(caught.value)
    assert "HTTP 429: You have reached maximum request limit;" in text  # the agent's words
    assert "the agent is throttling" in text
    assert "back off" in text


def test_the_context_says_throttling_and_backing_off(
    loopback: LoopbackServer, own_messages: list[logging.LogRecord]
) -> None:
    """The context's status and its warning on a 429: the agent throttles, the library
    retries with backoff."""
    loopback.route(PREFIX + "/task", THROTTLED)
    context = EcsContext(environ={"ECS_CONTAINER_METADATA_URI_V4": loopback.url + PREFIX})
    status = context.refresh()
    context.close()
    assert "failing" == status.state
    assert "the agent is throttling" in (status.last_error or "")
    warnings = [r.getMessage() for r in own_messages if r.levelno == logging.WARNING]
    assert warnings, own_messages
    assert "backoff" in warnings[0]
    assert "the agent is throttling" in warnings[0]


def test_the_readme_health_check_asks_each_route_once_per_ttl(
    mock: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's example, as written, against the mock: ten health checks in a row make
    one request to the task route and one to the stats route."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    (block,) = [b for b in blocks if "cache_ttl=5.0" in b]
    for name, value in mock.environ().items():
        monkeypatch.setenv(name, value)
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 -- the README's own code
    answers = [namespace["health"]() for _ in range(10)]
    namespace["client"].close()
    assert all(answer == answers[0] for answer in answers)
    assert mock.task["TaskARN"] == answers[0]["task"]
    assert isinstance(answers[0]["memory"], int)
    assert {_own(mock) + "/task": 1, _own(mock) + "/stats": 1} == _paths(mock)


class _NoticedEvent(threading.Event):
    """An event that says when a thread starts waiting on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting.set()
        return super().wait(timeout)


def test_a_caller_waiting_on_a_request_that_ended_in_a_bug_asks_again() -> None:
    """The request a caller waits for may end with neither an answer nor a MetadataError (a
    bug in the code that asks, an interrupt): the caller that waited then asks itself, and
    gets its answer, rather than an error about the flight."""
    from ecs_log_context._cache import RouteCache

    cache = RouteCache(60.0, timer=lambda: 0.0)
    started, fail = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def broken() -> tuple[bytes, str]:
        started.set()
        fail.wait(10)
        raise RuntimeError("a bug in the asking code")

    def first() -> None:
        try:
            cache.get("/task", broken)
        except RuntimeError as exc:
            failures.append(exc)

    flyer = threading.Thread(target=first)
    flyer.start()
    assert started.wait(10)
    flight = cache._flights["/task"]
    flight.done = noticed = _NoticedEvent()
    got: list[tuple[bytes, str]] = []
    waiter = threading.Thread(target=lambda: got.append(cache.get("/task", lambda: (b"{}", "u"))))
    waiter.start()
    assert noticed.waiting.wait(10)  # the second caller waits for the first one's request
    fail.set()
    flyer.join(10)
    waiter.join(10)
    assert [str(exc) for exc in failures] == ["a bug in the asking code"]
    assert got == [(b"{}", "u")]
