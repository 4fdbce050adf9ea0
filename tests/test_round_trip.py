"""One round trip to the first record (`_together`): on v3 and v4, when the task route is slow
to answer, the container route is asked meanwhile, so what records need comes after about one
answer, not two; a quick answer or refusal of the task is followed by the container's request
only when it was good, and after a failed task route the context asks in turn until it answers.

Against the package's mock endpoint with 0.4 s added to every answer (and a loopback server
where one route must misbehave on its own). The waits are behaviour bounds, not benchmarks: one
answer is 0.4 s, two are 0.8 s, and every bound sits well between them (< 0.75 s); a control
shows that the same routes asked one after the other do take two answers. Requests are counted
per path: asking together makes no more of them than asking in turn did.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
import types
from collections import Counter
from collections.abc import Callable

import pytest

from ecs_log_context import _together
from ecs_log_context._held_records import holding_http_records, prepare_holding
from ecs_log_context.client import MetadataClient
from ecs_log_context.context import EcsContext
from ecs_log_context.errors import (
    MetadataHTTPError,
    MetadataThrottledError,
    MetadataUnavailableError,
)
from ecs_log_context.mock._task import JSONObject, load_sample
from ecs_log_context.mock.server import MockEndpoint
from ecs_log_context.models import ContainerMetadata, TaskMetadata
from ecs_log_context.processor import EcsContextProcessor

from .child_processes import DEFAULT_KEYS, base_environ, last_json, run_python
from .loopback import LoopbackServer, Reply, json_reply

LATENCY = 0.4  # one answer
ONE_ANSWER_BOUND = 0.75  # well under two answers (0.8 s), with room for a busy machine
PREFIX = "/v4/0123456789abcdef-1234567890"


@pytest.fixture
def slow_mock(start_mock: Callable[..., MockEndpoint]) -> MockEndpoint:
    """The EC2 sample, every answer 0.4 s late, without the throttle (counts stay exact)."""
    return start_mock(launch_type="EC2", latency=LATENCY, throttle=False)


def _uri(mock: MockEndpoint, version: str) -> str:
    return mock.v4_uri if version == "v4" else mock.v3_uri


def _paths(mock: MockEndpoint) -> Counter[str]:
    return Counter(request.path for request in mock.requests)


def _timed(call: Callable[[], object]) -> float:
    started = time.monotonic()
    call()
    return time.monotonic() - started


def _both(
    client: MetadataClient, *, together: bool = True
) -> tuple[TaskMetadata, ContainerMetadata | None]:
    """The fetch's task and container; the container route's failure raised."""
    task, container, failure = _together.task_and_container(client, together=together)
    if failure is not None:
        raise failure
    return task, container


def assert_ok(outcome: str) -> None:
    assert "ok" == outcome


def _no_fetch_threads() -> bool:
    """No thread of a client's fetch is left (the task route's own)."""
    return not [t for t in threading.enumerate() if t.name == "ecs-log-context-task"]


# -- the client ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v4", "v3"])
def test_task_and_container_take_one_answer_and_one_request_each(
    slow_mock: MockEndpoint, version: str
) -> None:
    """The fetch asks both routes at once: about one answer, one request per route, the same
    models as asking each route alone, and no thread left behind."""
    uri = _uri(slow_mock, version)
    with MetadataClient(version, uri, timeout=2.0) as client:
        found: list[object] = []
        waited = _timed(lambda: found.extend(_both(client)))
        task, container = found
    assert LATENCY <= waited < ONE_ANSWER_BOUND, waited
    task_path = uri.removeprefix(slow_mock.base_url) + "/task"
    own_path = uri.removeprefix(slow_mock.base_url)
    assert {task_path: 1, own_path: 1} == _paths(slow_mock)
    assert slow_mock.task["TaskARN"] == getattr(task, "task_arn", None)
    assert slow_mock.own_container_docker_id == getattr(container, "docker_id", None)
    assert _no_fetch_threads()


def test_control_the_routes_asked_in_turn_take_two_answers(slow_mock: MockEndpoint) -> None:
    """The control of the bound above: the same two routes asked in turn (after a failed task
    route, and as the context did before) take two answers on this mock."""
    with MetadataClient("v4", slow_mock.v4_uri, timeout=2.0) as client:
        waited = _timed(lambda: _both(client, together=False))
    assert waited >= 2 * LATENCY


def test_v2_is_unchanged_one_request_and_its_container_resolved_here(
    slow_mock: MockEndpoint,
) -> None:
    """v2 asks one route; the own container is told from the task (here by its name)."""
    name = next(
        c["Name"]
        for c in slow_mock.task["Containers"]
        if c["DockerId"] == slow_mock.own_container_docker_id
    )
    client = MetadataClient(
        "v2",
        slow_mock.v2_endpoint,
        timeout=2.0,
        container_name=name,
        cgroup_path="/nonexistent",
        mountinfo_path="/nonexistent",
        hostname="not-a-docker-id",
    )
    with client:
        task, container = client.task_and_container()
    assert {"/v2/metadata": 1} == _paths(slow_mock)
    assert container is not None
    assert slow_mock.own_container_docker_id == container.docker_id
    assert slow_mock.task["TaskARN"] == task.task_arn


# -- a misbehaving route ---------------------------------------------------------------------


def _task_body() -> JSONObject:
    return load_sample("EC2")


def _container_body() -> JSONObject:
    containers = _task_body()["Containers"]
    assert isinstance(containers, list)
    own: JSONObject = next(c for c in containers if c.get("Type") == "NORMAL")
    return own


THROTTLED = "You have reached maximum request limit."


def _throttled(delay: float = 0.0) -> Reply:
    """The agent's 429; `delay` beyond the head start (20 ms) makes it a slow one."""
    return Reply(429, THROTTLED, "text/plain", delay=delay)


@pytest.mark.parametrize("task_delay", [0.0, 0.2], ids=["quick-task", "slow-task"])
def test_a_failing_container_route_keeps_the_task(
    loopback: LoopbackServer, task_delay: float
) -> None:
    """The container route's 500 costs the container only, asked after a quick task answer
    or beside a slow one: the context's call gets the task and the reason;
    the public task_and_container() raises the container's error, as it did."""
    loopback.route(PREFIX + "/task", Reply(200, json.dumps(_task_body()), delay=task_delay))
    loopback.route(PREFIX, json_reply("internal error", 500))
    with MetadataClient("v4", loopback.url + PREFIX, timeout=2.0) as client:
        task, container, failure = _together.task_and_container(client)
        assert _task_body()["TaskARN"] == task.task_arn
        assert container is None
        assert isinstance(failure, MetadataHTTPError)
        assert 500 == failure.status
        with pytest.raises(MetadataHTTPError, match="HTTP 500: internal error"):
            client.task_and_container()
    assert {PREFIX + "/task": 2, PREFIX: 2} == Counter(loopback.paths())
    assert _no_fetch_threads()


def test_a_hanging_container_route_keeps_the_task_and_costs_its_timeout(
    loopback: LoopbackServer,
) -> None:
    """A container route that never answers, beside a slow task: the task comes with the
    timeout's reason, after about the timeout (not the task's answer plus the timeout)."""
    loopback.route(PREFIX + "/task", Reply(200, json.dumps(_task_body()), delay=0.3))
    loopback.route(PREFIX, Reply(fault="hang"))
    with MetadataClient("v4", loopback.url + PREFIX, timeout=0.5) as client:
        started = time.monotonic()
        task, container, failure = _together.task_and_container(client)
        waited = time.monotonic() - started
    assert _task_body()["TaskARN"] == task.task_arn
    assert container is None
    assert isinstance(failure, MetadataUnavailableError)
    assert "no answer within 0.5 s" in str(failure)
    assert 0.5 <= waited < 0.5 + 0.3, waited  # the timeout, not the task's answer and then it
    assert _no_fetch_threads()


def test_a_quick_refusal_of_the_task_asks_nothing_more(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 429 that comes within the head start (as the agent's do): the container is not
    asked, as when the routes were asked in turn; a throttled fleet makes no more requests.
    The head start is 0.5 s here: a loaded machine may take over 20 ms to answer."""
    monkeypatch.setattr(_together, "HEAD_START", 0.5)
    task_path, own_path = PREFIX + "/task", PREFIX
    loopback.behave({task_path: _throttled(), own_path: json_reply(_container_body())})
    with MetadataClient("v4", loopback.url + PREFIX, timeout=2.0) as client:
        with pytest.raises(MetadataThrottledError):
            _both(client)
        assert {task_path: 1} == Counter(loopback.paths())
        loopback.route(task_path, json_reply(_task_body()))
        _, container = _both(client)
    assert container is not None
    assert {task_path: 2, own_path: 1} == Counter(loopback.paths())


def test_after_a_failed_task_the_context_asks_in_turn_until_it_answers(
    loopback: LoopbackServer,
) -> None:
    """Slow refusals on both routes (each beyond the head start): the first fetch asked both,
    the next ones ask the task alone while it fails (a retry against a throttling agent costs
    one request, as before), the container once the task answered, and both at once again
    after that success."""
    task_path, own_path = PREFIX + "/task", PREFIX
    loopback.behave({task_path: _throttled(delay=0.2), own_path: _throttled(delay=0.2)})
    environ = {"ECS_CONTAINER_METADATA_URI_V4": loopback.url + PREFIX}
    context = EcsContext(environ=environ, timeout=2.0)
    fetch = context._fetch  # the refresher's own call, without starting the refresher
    try:
        assert ["throttled"] * 3 == [fetch() for _ in range(3)]
        assert {task_path: 3, own_path: 1} == Counter(loopback.paths())
        slow_task = Reply(200, json.dumps(_task_body()), delay=LATENCY)
        slow_container = Reply(200, json.dumps(_container_body()), delay=LATENCY)
        loopback.behave({task_path: slow_task, own_path: slow_container})
        waited_in_turn = _timed(lambda: assert_ok(fetch()))  # the task answered: the container
        assert {task_path: 4, own_path: 2} == Counter(loopback.paths())
        waited = _timed(lambda: assert_ok(fetch()))  # at once again
    finally:
        context.close()
    assert 2 * LATENCY <= waited_in_turn
    assert waited < ONE_ANSWER_BOUND
    assert {task_path: 5, own_path: 3} == Counter(loopback.paths())


# -- the library's own logging ----------------------------------------------------------------


class Marked(set[int]):
    """`NEVER_WAIT` for the test: a set that keeps a log of what was added and taken out."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, object]] = []

    def add(self, ident: int, /) -> None:
        self.log.append(("add", ident))
        super().add(ident)

    def discard(self, ident: object, /) -> None:
        self.log.append(("discard", ident))
        super().discard(ident)


def test_the_task_thread_logs_as_part_of_the_fetch(
    mock: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The task route's thread never waits for a first answer (it is in NEVER_WAIT while it
    runs, and only then), and while the caller holds httpx's records (the first fetch), the
    thread's are held with them and handed on after: none reaches a handler during the fetch.
    """
    from ecs_log_context import _held_records

    marked = Marked()
    monkeypatch.setattr(_held_records, "NEVER_WAIT", marked)
    made: list[tuple[str, int, bool]] = []  # message, thread, in NEVER_WAIT as it was made
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)  # a record factory runs in the thread that logs
        if record.name == "httpx" and mock.v4_uri in record.getMessage():
            ident = threading.get_ident()
            made.append((record.getMessage(), ident, ident in marked))
        return record

    prepare_holding()
    handled: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if mock.v4_uri in record.getMessage():
                handled.append(record.getMessage())

    httpx_logger = logging.getLogger("httpx")
    httpx_logger.setLevel(logging.INFO)
    httpx_logger.addHandler(Keep())
    httpx_logger.propagate = False
    logging.setLogRecordFactory(factory)
    try:
        with MetadataClient("v4", mock.v4_uri, timeout=2.0) as client, holding_http_records():
            _both(client)
            during = list(handled)
    finally:
        logging.setLogRecordFactory(previous)
    caller = threading.get_ident()
    beside = [(message, ident, never) for message, ident, never in made if ident != caller]
    assert 2 == len(made), made
    assert 1 == len(beside), made  # the task's request, from its own thread
    message, ident, never = beside[0]
    assert message.startswith(f"HTTP Request: GET {mock.v4_uri}/task ")
    assert never is True  # its thread was in NEVER_WAIT as it logged
    assert [("add", ident), ("discard", ident)] == marked.log  # for that thread, and left
    assert [] == during  # held, both the caller's and the thread's
    assert sorted(m for m, _, _ in made) == sorted(handled)  # then handed on


# -- the first record -------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v4", "v3"])
def test_the_first_enriched_record_waits_one_answer(slow_mock: MockEndpoint, version: str) -> None:
    """A structlog processor's first event waits for the first answer: about one, not two;
    and the context's fetch makes one request per route."""
    environ = {
        **slow_mock.environ(),
        "ECS_LOG_CONTEXT_SOURCE": version,
        "ECS_LOG_CONTEXT_TIMEOUT": "2",  # the startup bound: far above two answers
    }
    processor = EcsContextProcessor(environ=environ)
    got: dict[str, object] = {}
    waited = _timed(lambda: got.update(processor(None, "info", {"event": "first"})))
    assert all(got.get(key) for key in DEFAULT_KEYS), got
    assert slow_mock.task["TaskARN"] == got["ecs_task_arn"]
    assert LATENCY <= waited < ONE_ANSWER_BOUND, waited
    uri = _uri(slow_mock, version).removeprefix(slow_mock.base_url)
    assert {uri + "/task": 1, uri: 1} == _paths(slow_mock)


def test_an_unexpected_error_still_waits_for_the_task_thread(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever leaves the call (here a bug's RuntimeError in the container's part, beside a
    slow task), the task's thread has ended by then: nothing of a fetch outlives the call, so
    a fork afterwards finds the client idle."""
    loopback.route(PREFIX + "/task", Reply(200, json.dumps(_task_body()), delay=LATENCY))
    client = MetadataClient("v4", loopback.url + PREFIX, timeout=2.0)

    def broken(docker_id: str | None = None) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(client, "container", broken)
    with client, pytest.raises(RuntimeError, match="a bug"):
        _both(client)
    assert _no_fetch_threads()
    assert 1 == loopback.count(PREFIX + "/task")  # asked, and answered, before the call ended


def test_without_a_thread_to_start_the_routes_are_asked_in_turn(
    mock: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At interpreter exit no thread can be started: the container is asked in the calling
    thread, after the task, and the call still answers."""

    class NoThread(threading.Thread):
        def start(self) -> None:
            raise RuntimeError("can't create new thread at interpreter shutdown")

    patched = types.SimpleNamespace(**{**vars(threading), "Thread": NoThread})
    monkeypatch.setattr(_together, "threading", patched)
    with MetadataClient("v4", mock.v4_uri) as client:
        task, container = _both(client)
    assert mock.task["TaskARN"] == task.task_arn
    assert container is not None
    assert mock.own_container_docker_id == container.docker_id
    own = mock.v4_uri.removeprefix(mock.base_url)
    assert {own + "/task": 1, own: 1} == _paths(mock)


GREEN = r"""
import sys, json, time
lib = sys.argv[1]
if lib == "gevent":
    from gevent import monkey; monkey.patch_all()
else:
    import eventlet; eventlet.monkey_patch()
from ecs_log_context._together import task_and_container
from ecs_log_context.client import MetadataClient
client = MetadataClient("v4", sys.argv[2], timeout=2.0)
client.task()  # connections and imports first: the measure is of the answers
started = time.monotonic()
task, container, failure = task_and_container(client)
print(json.dumps({"waited": time.monotonic() - started, "container": container.docker_id}))
"""


@pytest.mark.parametrize("lib", ["gevent", "eventlet"])
def test_green_threads_ask_both_routes_at_once_too(slow_mock: MockEndpoint, lib: str) -> None:
    """Under gevent's or eventlet's monkey-patching the container's thread is a green one:
    the two routes still take about one answer."""
    probe = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", f"import {lib}"], capture_output=True, check=False
    )
    if probe.returncode != 0:
        pytest.skip(f"{lib} is not installed or does not import on this Python")
    done = run_python(
        "-W",
        "ignore",
        "-c",
        GREEN,
        lib,
        slow_mock.v4_uri,
        environ=base_environ(PYTHONWARNINGS="ignore"),
    )
    result = last_json(done)
    assert slow_mock.own_container_docker_id == result["container"]
    assert LATENCY <= result["waited"] < ONE_ANSWER_BOUND, result
