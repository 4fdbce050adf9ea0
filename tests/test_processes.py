"""Behaviours 3, 4, 6 and 7 of PRODUCT.md across threads, processes, asyncio and shutdown.

- ``fork()`` while another thread holds the library's locks in the middle of a fetch;
- multiprocessing with ``fork`` and with ``spawn``; gunicorn with a preloaded app;
- many threads logging while refreshes swap snapshots: every record from one snapshot;
- httpx/httpcore DEBUG records through a root handler that carries the filter;
- an asyncio loop whose latency stays low while the endpoint hangs;
- the interpreter exiting while a fetch is in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any

import pytest

from ecs_log_context import (
    EcsContext,
    EcsContextFilter,
    EcsContextProcessor,
    EcsJsonFormatter,
)
from ecs_log_context.mock.server import MockEndpoint

from . import child_processes
from .capture import RecordCapture, library_records
from .child_processes import run_in_fork
from .documents import ENDPOINT_ID, V4_CONTAINER, V4_TASK, V4_TASK_ARN, healthy_routes
from .loopback import LoopbackServer, Reply, json_reply
from .waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PREFIX = f"/v4/{ENDPOINT_ID}"
HANG = Reply(fault="hang")

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _v4(server: LoopbackServer) -> dict[str, str]:
    return {"ECS_CONTAINER_METADATA_URI_V4": server.url + PREFIX}


@pytest.fixture
def endpoint() -> Iterator[LoopbackServer]:
    with LoopbackServer(healthy_routes("v4", PREFIX)) as server:
        yield server


def _logger(name: str, *handlers: logging.Handler) -> logging.Logger:
    log = logging.getLogger(name)
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.handlers[:] = list(handlers)
    return log


# -- fork ------------------------------------------------------------------------------------


@needs_fork
def test_fork_while_a_refresh_holds_the_locks(endpoint: LoopbackServer) -> None:
    """A child forked while the parent's locks are held mid-fetch keeps the snapshot and lives."""
    environ = _v4(endpoint)
    handler = RecordCapture()
    # A start-up wait long enough that "did not wait it" has a wide margin on a busy machine.
    timeout = 2.0
    ecs_filter = EcsContextFilter(environ=environ, timeout=timeout, ttl=3600)
    handler.addFilter(ecs_filter)
    log = _logger("fork.locks", handler)
    context = ecs_filter.context
    assert context.wait_ready(5)

    # A refresh hangs in flight (it holds the single-flight lock) ...
    endpoint.behave({PREFIX + "/task": HANG, PREFIX: json_reply(V4_CONTAINER)})
    before = endpoint.count()
    refresher = threading.Thread(target=context.refresh, daemon=True)
    refresher.start()
    assert wait_until(lambda: endpoint.count() > before, 5)
    # ... while other threads sit in the publishing lock and the shared-contexts lock.
    release = threading.Event()
    held = threading.Barrier(3)

    def hold(lock: Any) -> None:
        with lock:
            held.wait()
            release.wait(30)

    holders = [
        threading.Thread(target=hold, args=(lock,), daemon=True)
        for lock in (context._publisher._lock, EcsContext._shared_lock)
    ]
    for thread in holders:
        thread.start()
    held.wait(5)
    try:

        def child() -> dict[str, Any]:
            t = time.monotonic()
            log.warning("in the child")
            first = time.monotonic() - t
            record = handler.records[-1].__dict__
            # The refresher of the child is new; its refresh is not stuck behind the parent's.
            t = time.monotonic()
            status = context.refresh()
            refresh = time.monotonic() - t
            # New integrations: the shared-contexts lock and the publishing lock are usable.
            other = EcsContextFilter(environ={**environ, "ECS_LOG_CONTEXT_TTL": "0"}, timeout=0.4)
            same = EcsContextProcessor(environ=environ, timeout=timeout, ttl=3600)
            event = same(None, "info", {"event": "x"})
            return {
                "first": first,
                "arn": record.get("ecs_task_arn"),
                "refresh": refresh,
                "state": status.state,
                "other_state": other.context.status().state,
                "processor_arn": event.get("ecs_task_arn"),
            }

        result = run_in_fork(child, timeout=20.0)
    finally:
        release.set()
    assert result["arn"] == V4_TASK_ARN  # the inherited snapshot ...
    assert result["first"] < timeout / 2  # ... at once: no lock or start-up wait was waited
    assert result["refresh"] < 2 * timeout + 1.0  # the hanging endpoint: one timeout, not forever
    assert result["state"] == "stale"  # the refresh failed; the last good snapshot stays
    assert result["processor_arn"] == V4_TASK_ARN


@needs_fork
def test_fork_during_the_first_fetch() -> None:
    """Forked before any answer: the child fetches on its own, its log calls wait at most the
    timeout, and it gets the fields once the endpoint answers."""
    with LoopbackServer({PREFIX + "/task": HANG}) as server:
        handler = RecordCapture()
        ecs_filter = EcsContextFilter(environ=_v4(server), timeout=0.5)
        handler.addFilter(ecs_filter)
        log = _logger("fork.first", handler)
        ecs_filter.context.status()  # asks for the first fetch, which starts on demand
        assert wait_until(lambda: server.count() >= 1, 5)  # the parent's fetch hangs
        server.behave(healthy_routes("v4", PREFIX))

        def child() -> dict[str, Any]:
            durations, enriched = [], None
            started = time.monotonic()
            while time.monotonic() - started < 8:
                t = time.monotonic()
                log.warning("in the child")
                durations.append(time.monotonic() - t)
                if "ecs_task_arn" in handler.records[-1].__dict__:
                    enriched = time.monotonic() - started
                    break
                time.sleep(0.02)
            return {"longest": max(durations), "enriched": enriched}

        result = run_in_fork(child, timeout=20.0)
    assert result["longest"] <= 0.5 + 0.5
    assert result["enriched"] is not None
    assert result["enriched"] < 3.0


@needs_fork
@pytest.mark.parametrize("has_snapshot", [False, True], ids=["failing", "ready"])
def test_a_closed_context_stays_closed_in_a_forked_child(
    endpoint: LoopbackServer, has_snapshot: bool
) -> None:
    if not has_snapshot:
        endpoint.behave({PREFIX + "/task": json_reply("Unable to generate metadata", 500)})
    ecs_filter = EcsContextFilter(environ=_v4(endpoint), timeout=0.4, ttl=1)
    ecs_filter.context.wait_ready(5)
    assert ecs_filter.context.status().state == ("ready" if has_snapshot else "failing")
    ecs_filter.context.close()
    before = endpoint.count()

    endpoint.route("/marker", json_reply("marker"))

    def child() -> dict[str, Any]:
        time.sleep(1.6)  # past the TTL of 1 s (with its jitter): time for a refresh to come
        seen = {
            "state": ecs_filter.context.status().state,
            "threads": sorted(t.name for t in threading.enumerate()),
        }
        # The child's last request: once it has arrived, the parent looks, instead of sleeping
        # a guessed time for any the child made before it.
        urllib.request.urlopen(endpoint.url + "/marker", timeout=10).close()  # noqa: S310
        return seen

    seen = run_in_fork(child, timeout=20.0)
    assert wait_until(lambda: "/marker" in endpoint.paths(), 10)
    assert seen["state"] == ("ready" if has_snapshot else "failing")  # nothing was tried
    assert "ecs-log-context" not in seen["threads"]  # no refresher in the child
    assert endpoint.paths()[before:] == ["/marker"]


# -- multiprocessing -------------------------------------------------------------------------


@needs_fork
def test_multiprocessing_fork_children_log_the_inherited_snapshot(endpoint: LoopbackServer) -> None:
    handler = RecordCapture()
    timeout = 2.0  # the start-up wait a child would wait without the snapshot
    ecs_filter = EcsContextFilter(environ=_v4(endpoint), timeout=timeout)
    handler.addFilter(ecs_filter)
    child_processes.INHERITED.update(logger=_logger("mp.fork", handler), handler=handler)
    assert ecs_filter.context.wait_ready(5)
    before = endpoint.count()
    try:
        with multiprocessing.get_context("fork").Pool(3) as pool:
            results = pool.map(child_processes.log_through_inherited_filter, [0.3] * 6, chunksize=1)
    finally:
        child_processes.INHERITED.clear()
    assert len({r["pid"] for r in results}) >= 2
    for result in results:
        assert result["fields"]["ecs_task_arn"] == V4_TASK_ARN
        assert result["fields"]["ecs_container_name"] == "curl"
        assert result["duration"] < timeout / 2  # no start-up wait
    assert endpoint.paths()[before:] == []  # the snapshot came with the fork: no child asked


def test_multiprocessing_spawn_children_fetch_on_their_own(
    endpoint: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {**_v4(endpoint), "ECS_LOG_CONTEXT_TIMEOUT": "1.0"}.items():
        monkeypatch.setenv(name, value)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.map(child_processes.log_until_enriched, [5.0, 5.0], chunksize=1)
    for result in results:
        assert result["fields"]["ecs_task_arn"] == V4_TASK_ARN
        assert result["enriched_after"] is not None
        assert result["enriched_after"] < 3.0
        assert result["longest_call"] <= 1.0 + 0.5  # at most the timeout
        assert result["records"] == result["calls"]
    assert endpoint.count(path=PREFIX + "/task") <= 4


# -- gunicorn --------------------------------------------------------------------------------

GUNICORN_APP = """
import json, logging, os, sys
from ecs_log_context import EcsContext, EcsContextFilter

class Lines(logging.Formatter):
    def format(self, record):
        fields = {k: v for k, v in record.__dict__.items() if k.startswith("ecs_")}
        return json.dumps({"pid": os.getpid(), "msg": record.getMessage(), **fields})

handler = logging.FileHandler(os.environ["APP_LOG"])
handler.setFormatter(Lines())
handler.addFilter(EcsContextFilter())
log = logging.getLogger("app")
log.addHandler(handler)
log.setLevel(logging.INFO)
log.propagate = False

READY = EcsContext.default().wait_ready(timeout=5.0)
log.info("master ready=%s", READY)

def app(environ, start_response):
    log.info("request")
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
"""

GUNICORN_CONF = """
import logging
preload_app = True
workers = 3
def post_worker_init(worker):
    logging.getLogger("app").info("worker up")
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def gunicorn_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """gunicorn --preload with 3 workers against the mock: the app's lines and the mock's log."""
    pytest.importorskip("gunicorn")
    if not hasattr(os, "fork"):
        pytest.skip("gunicorn needs fork")
    tmp = tmp_path_factory.mktemp("gunicorn")
    (tmp / "ecs_app.py").write_text(GUNICORN_APP)
    (tmp / "gunicorn_conf.py").write_text(GUNICORN_CONF)
    app_log = tmp / "app.log"
    port = _free_port()
    with MockEndpoint(launch_type="EC2") as mock:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("ECS_", "AWS_EXECUTION_ENV")) and "proxy" not in k.lower()
        }
        env.update(mock.environ(), APP_LOG=str(app_log), ECS_LOG_CONTEXT_TIMEOUT="1.0")
        command = [
            PYTHON, "-m", "gunicorn", "--preload", "-w", "3", "-c", "gunicorn_conf.py",
            "-b", f"127.0.0.1:{port}", "--chdir", str(tmp), "ecs_app:app",
        ]  # fmt: skip
        process = subprocess.Popen(
            command, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:

            def workers_up() -> bool:
                text = app_log.read_text() if app_log.exists() else ""
                return text.count("worker up") >= 3

            up = wait_until(workers_up, 30)
            served = set()
            for _ in range(12):
                url = f"http://127.0.0.1:{port}/"
                with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=5) as r:
                    served.add(r.read().decode())
            time.sleep(1.0)  # anything the workers would ask the endpoint, they have asked
            requests = mock.requests
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                _, stderr = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                _, stderr = process.communicate()
    lines = [json.loads(line) for line in app_log.read_text().splitlines()]
    return {
        "up": up,
        "lines": lines,
        "served": served,
        "requests": requests,
        "stderr": stderr.decode(),
        "master": process.pid,
    }


def test_gunicorn_preloaded_workers_log_enriched_records(gunicorn_run: dict[str, Any]) -> None:
    run = gunicorn_run
    assert run["up"], run["stderr"][-2000:]
    assert run["served"]
    master = [line for line in run["lines"] if line["msg"].startswith("master ready")]
    assert len(master) == 1
    assert master[0]["msg"] == "master ready=True"
    workers = [line for line in run["lines"] if line["msg"] in ("worker up", "request")]
    assert len({line["pid"] for line in workers if line["msg"] == "worker up"}) == 3
    for line in run["lines"]:
        assert line["ecs_task_arn"].startswith("arn:aws:ecs:")
        assert line["ecs_container_name"]
    assert "Traceback" not in run["stderr"]


def test_gunicorn_preloaded_fleet_asks_the_endpoint_once(gunicorn_run: dict[str, Any]) -> None:
    task_requests = [r for r in gunicorn_run["requests"] if r.path.endswith("/task")]
    assert len(task_requests) == 1, gunicorn_run["requests"]


# -- threads and snapshots -------------------------------------------------------------------


class Rotating:
    """An endpoint whose every fetch gets a new, self-consistent task: number k in every field
    of the task and in the container's name.

    A fetch asks the two routes at once (the container's after a short head start of the
    task's), so either request may arrive first: k moves on when a route is asked again, not
    on the task route, or a container asked ahead of its task would name the previous k.
    """

    def __init__(self) -> None:
        self.k = 1
        self.asked: set[str] = set()  # the routes answered with this k
        self.lock = threading.Lock()

    def task(self, k: int) -> dict[str, Any]:
        return {
            **V4_TASK,
            "Cluster": f"cluster-{k}",
            "TaskARN": f"arn:aws:ecs:us-west-2:111122223333:task/cluster-{k}/{k:032x}",
            "Family": f"family-{k}",
            "Revision": k,
            "AvailabilityZone": f"zone-{k}",
        }

    def __call__(self, path: str) -> Reply | None:
        route = {PREFIX + "/task": "task", PREFIX: "container"}.get(path)
        if route is None:
            return None
        with self.lock:
            if route in self.asked:  # the next fetch
                self.k += 1
                self.asked.clear()
            self.asked.add(route)
            if route == "task":
                return json_reply(self.task(self.k))
            return json_reply({**V4_CONTAINER, "Name": f"container-{self.k}"})


def _snapshot_number(fields: Mapping[str, Any]) -> set[str]:
    """The k of each field of one record: a consistent record gives one value."""
    cluster = fields["ecs_cluster"].removeprefix("cluster-")
    return {
        cluster,
        fields["ecs_task_arn"].rsplit("/", 2)[1].removeprefix("cluster-"),
        str(int(fields["ecs_task_arn"].rsplit("/", 1)[1], 16)),
        fields["ecs_task_family"].removeprefix("family-"),
        fields["ecs_task_revision"],
        fields["ecs_availability_zone"].removeprefix("zone-"),
        fields["ecs_container_name"].removeprefix("container-"),
    }


def test_threads_logging_while_refreshes_swap_snapshots() -> None:
    rotating = Rotating()
    with LoopbackServer(rotating) as server:
        environ = _v4(server)
        processor = EcsContextProcessor(environ=environ, timeout=1.0)
        ecs_filter = EcsContextFilter(environ=environ, timeout=1.0)
        formatter = EcsJsonFormatter("%(message)s", environ=environ, timeout=1.0)
        context = processor.context
        assert context.wait_ready(5)
        plain = RecordCapture()
        plain.addFilter(ecs_filter)
        as_json = RecordCapture()
        as_json.setFormatter(formatter)
        log = _logger("threads.swap", plain, as_json)

        stop = threading.Event()
        events: list[list[MutableMapping[str, Any]]] = [[] for _ in range(6)]
        errors: list[BaseException] = []

        def structlog_thread(out: list[MutableMapping[str, Any]]) -> None:
            while not stop.is_set():
                out.append(processor(None, "info", {"event": "e"}))
                time.sleep(0.0002)

        def stdlib_thread() -> None:
            n = 0
            while not stop.is_set():
                log.info("n=%d", n)
                n += 1
                time.sleep(0.0002)

        def guarded(target: Callable[..., None], *args: Any) -> Callable[[], None]:
            def run() -> None:
                try:
                    target(*args)
                except BaseException as exc:
                    errors.append(exc)

            return run

        threads = [threading.Thread(target=guarded(structlog_thread, out)) for out in events]
        threads += [threading.Thread(target=guarded(stdlib_thread)) for _ in range(3)]
        refreshes = 0
        for thread in threads:
            thread.start()
        try:
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline:
                assert context.refresh().state == "ready"
                refreshes += 1
        finally:
            stop.set()
            for thread in threads:
                thread.join(10)
    assert errors == []
    assert refreshes > 10
    seen: set[str] = set()
    records = [e for out in events for e in out]
    records += [
        {k: v for k, v in r.__dict__.items() if k.startswith("ecs_")} for r in plain.records
    ]
    records += [json.loads(line) for line in as_json.lines]
    assert len(plain.records) == len(as_json.lines) > 100
    for fields in records:
        numbers = _snapshot_number(fields)
        assert len(numbers) == 1, fields  # one snapshot per record
        seen |= numbers
    assert len(seen) > 10  # the snapshots did change under the threads


def test_many_threads_at_start_up_wait_together_at_most_the_timeout() -> None:
    with LoopbackServer({PREFIX + "/task": HANG}) as server:
        environ = _v4(server)
        started = time.monotonic()
        processor = EcsContextProcessor(environ=environ, timeout=0.5)
        ends: list[float] = []
        barrier = threading.Barrier(8)

        def log_once() -> None:
            barrier.wait()
            processor(None, "info", {"event": "e"})
            ends.append(time.monotonic() - started)

        threads = [threading.Thread(target=log_once) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
    assert len(ends) == 8
    assert max(ends) <= 0.5 + 0.4  # together, not one timeout after another


def test_a_failed_refresh_keeps_the_last_snapshot_and_says_so_once(
    endpoint: LoopbackServer,
) -> None:
    with library_records() as said:
        ecs_filter = EcsContextFilter(environ=_v4(endpoint), timeout=0.4)
        handler = RecordCapture()
        handler.addFilter(ecs_filter)
        log = _logger("stale", handler)
        context = ecs_filter.context
        assert context.wait_ready(5)
        endpoint.behave({PREFIX + "/task": json_reply("Unable to generate metadata", 500)})
        for _ in range(3):
            assert context.refresh().state == "stale"
            log.warning("still enriched")
            assert handler.records[-1].__dict__["ecs_task_arn"] == V4_TASK_ARN
        endpoint.behave(healthy_routes("v4", PREFIX))
        assert context.refresh().state == "ready"
        said_now = [(r.levelname, r.getMessage()) for r in said.mentioning(endpoint.url)]
    assert [level for level, _ in said_now] == ["INFO", "WARNING", "INFO"], said_now
    assert "refresh failed, keeping the last metadata" in said_now[1][1]
    assert "HTTP 500" in said_now[1][1]


# -- httpx's own records ---------------------------------------------------------------------


def _fetch_records_in(records: list[logging.LogRecord]) -> bool:
    """The fetching thread's records are in: httpx's, httpcore's and the library's "ready"."""
    names = {r.name.split(".")[0] for r in records if r.threadName == "ecs-log-context"}
    ready = any(r.name == "ecs_log_context" and "ready" in r.getMessage() for r in records)
    return ready and {"httpx", "httpcore"} <= names


def _httpx_through_root(
    server: LoopbackServer, make: Callable[[dict[str, str]], Any]
) -> dict[str, Any]:
    """Root at DEBUG with one handler carrying an integration; log once at start-up."""
    root = logging.getLogger()
    handler = RecordCapture()
    integration = make(_v4(server))
    if isinstance(integration, logging.Filter):
        handler.addFilter(integration)
    else:
        handler.setFormatter(integration)
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG)
    t = time.monotonic()
    logging.getLogger("app.httpx").warning("the first record")
    first = time.monotonic() - t
    context = integration.context
    context.wait_ready(5)
    # The fetch's own records are handed on after its answer is published: wait for them.
    wait_until(lambda: _fetch_records_in(handler.records), 10)
    first_record = next(r for r in handler.records if r.name == "app.httpx")
    return {
        "first": first,
        "first_record": first_record,
        "first_line": handler.lines[handler.records.index(first_record)],
        "records": list(handler.records),
        "status": context.status(),
    }


SLOW_TASK = {
    PREFIX + "/task": Reply(200, json.dumps(V4_TASK), delay=0.2),
    PREFIX: json_reply(V4_CONTAINER),
}


def test_httpx_debug_records_through_a_root_handler_with_the_filter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with LoopbackServer(SLOW_TASK) as server:
        run = _httpx_through_root(server, lambda env: EcsContextFilter(environ=env, timeout=2.0))
    # The fetch did not wait on the records it logs itself: the first record got its fields
    # long before the timeout.
    assert run["first"] < 1.0
    assert run["first_record"].__dict__.get("ecs_task_arn") == V4_TASK_ARN
    # httpx's and httpcore's records of the fetch reached the handler, from the fetch thread.
    names = {r.name.split(".")[0] for r in run["records"] if r.threadName == "ecs-log-context"}
    assert {"httpx", "httpcore", "ecs_log_context"} <= names
    ready = [r for r in run["records"] if r.name == "ecs_log_context" and "ready" in r.msg]
    assert len(ready) == 1
    assert run["status"].attempts == 1
    # No recursion, no "--- Logging error ---".
    captured = capsys.readouterr()
    assert "Logging error" not in captured.err
    assert "RecursionError" not in captured.err


def test_httpx_debug_records_through_a_root_handler_with_the_json_formatter() -> None:
    with LoopbackServer(SLOW_TASK) as server:
        run = _httpx_through_root(
            server, lambda env: EcsJsonFormatter("%(message)s", environ=env, timeout=2.0)
        )
    assert run["first"] < 1.0
    assert json.loads(run["first_line"]).get("ecs_task_arn") == V4_TASK_ARN


# -- asyncio ---------------------------------------------------------------------------------


async def _ticking(stop: asyncio.Event, lags: list[float], every: float = 0.01) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        t = loop.time()
        await asyncio.sleep(every)
        lags.append(loop.time() - t - every)


def test_asyncio_loop_stays_responsive_while_the_endpoint_hangs() -> None:
    timeout, limit = 1.0, 3.0  # the fetch's, and the start-up wait's own
    with LoopbackServer({PREFIX + "/task": HANG}) as server:
        environ = _v4(server)

        async def main() -> dict[str, Any]:
            t = time.monotonic()
            # Built before the loop is measured: the constructor imports what a fetch needs,
            # in this thread, a one-off cost that is not the wait (the first such import in
            # the process blocks the loop for a while on a busy machine).
            processor = EcsContextProcessor(environ=environ, timeout=timeout)
            stop, lags = asyncio.Event(), list[float]()
            ticker = asyncio.create_task(_ticking(stop, lags))
            await asyncio.sleep(0.05)
            ticked = len(lags)
            ready = await processor.context.wait_ready_async(timeout=limit)
            waited = time.monotonic() - t
            ticked = len(lags) - ticked
            # After the startup wait, log calls never block the loop.
            calls = []
            for _ in range(50):
                c = time.monotonic()
                processor(None, "info", {"event": "e"})
                calls.append(time.monotonic() - c)
                await asyncio.sleep(0.005)
            stop.set()
            await ticker
            return {
                "ready": ready,
                "waited": waited,
                "ticked": ticked,
                "lag": max(lags),
                "calls": max(calls),
            }

        result = asyncio.run(main())
    assert result["ready"] is False  # the endpoint hangs: no fields, and no hang either
    # The first answer, a timeout, ended the wait: not at once, and before its own limit.
    assert timeout / 2 < result["waited"] < limit
    # The loop kept ticking while it waited (every 10 ms: about 100 ticks; a wait that blocked
    # the loop lets none through), and no tick nor log call was held for anything like the
    # timeout, as one waiting for the hung endpoint would be.
    assert result["ticked"] >= 5, result
    assert result["lag"] < timeout / 2
    assert result["calls"] < timeout / 2


def test_asyncio_a_log_call_in_the_startup_window_blocks_at_most_the_timeout() -> None:
    """The documented bound: without ``await wait_ready_async()`` first, a log call made
    during start-up blocks the loop, for at most the timeout."""
    with LoopbackServer({PREFIX + "/task": HANG}) as server:
        environ = _v4(server)

        async def main() -> dict[str, Any]:
            stop, lags = asyncio.Event(), list[float]()
            ticker = asyncio.create_task(_ticking(stop, lags))
            await asyncio.sleep(0.05)
            processor = EcsContextProcessor(environ=environ, timeout=0.5)
            t = time.monotonic()
            event = processor(None, "info", {"event": "during start-up"})
            blocked = time.monotonic() - t
            await asyncio.sleep(0.1)
            stop.set()
            await ticker
            return {"blocked": blocked, "lag": max(lags), "event": event}

        result = asyncio.run(main())
    assert result["blocked"] <= 0.5 + 0.3
    assert result["lag"] <= 0.5 + 0.3
    assert result["event"]["event"] == "during start-up"


# -- shutdown --------------------------------------------------------------------------------

EXIT_SCRIPT = """
import logging, sys, time
from ecs_log_context import EcsContextFilter, EcsContextProcessor
logging.basicConfig(stream=sys.stdout, level=logging.DEBUG)
handler = logging.getLogger().handlers[0]
environ = {{"ECS_CONTAINER_METADATA_URI_V4": {url!r}}}
handler.addFilter(EcsContextFilter(environ=environ, timeout={timeout}))
time.sleep({sleep})
print("exiting", flush=True)
"""


@pytest.mark.parametrize(
    ("timeout", "sleep"),
    [
        (5.0, 0.0),  # exits while the fetch thread is still importing httpx
        (5.0, 0.3),  # exits with the request in flight, long before its timeout
        (0.3, 0.3),  # exits as the fetch fails and the library logs its warning
        (0.3, 0.33),
    ],
)
def test_interpreter_exits_cleanly_with_a_fetch_in_flight(timeout: float, sleep: float) -> None:
    with LoopbackServer({PREFIX + "/task": HANG}) as server:
        script = EXIT_SCRIPT.format(url=server.url + PREFIX, timeout=timeout, sleep=sleep)
        for _ in range(3):
            t = time.monotonic()
            done = subprocess.run(
                [PYTHON, "-c", script],
                check=False,
                capture_output=True,
                text=True,
                timeout=30,
                cwd=ROOT,
            )
            elapsed = time.monotonic() - t
            assert done.returncode == 0, done.stderr
            assert done.stderr == ""
            assert "exiting" in done.stdout
            assert elapsed < sleep + 3.0  # not the fetch's timeout, and no hang at exit


def test_an_app_without_logging_configuration_hears_nothing_from_the_library() -> None:
    """The library's messages go to its own logger, which has a NullHandler: an app that
    configures no logging gets no 'lastResort' lines on stderr."""
    script = textwrap.dedent(
        """
        import time
        from ecs_log_context import EcsContextProcessor
        processor = EcsContextProcessor(
            environ={{"ECS_CONTAINER_METADATA_URI_V4": {url!r}}}, timeout=0.3)
        print(processor(None, "info", {{"event": "e"}}))
        time.sleep(1.5)  # the first failure, its warning and a retry happen meanwhile
        """
    )
    with LoopbackServer({PREFIX + "/task": json_reply("Unable to generate metadata", 500)}) as s:
        done = subprocess.run(
            [PYTHON, "-c", script.format(url=s.url + PREFIX)],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
        )
        assert s.count() >= 1
    assert done.returncode == 0
    assert done.stderr == ""
    assert done.stdout.strip() == "{'event': 'e'}"


def test_interpreter_exits_cleanly_while_a_log_call_waits() -> None:
    """The main thread logs (and waits for the first answer) and then exits at once."""
    script = textwrap.dedent(
        """
        import logging, sys
        from ecs_log_context import EcsContextFilter
        logging.basicConfig(stream=sys.stdout, level=logging.INFO)
        logging.getLogger().handlers[0].addFilter(
            EcsContextFilter(environ={{"ECS_CONTAINER_METADATA_URI_V4": {url!r}}}, timeout=0.5))
        logging.getLogger("app").warning("bye")
        """
    )
    with LoopbackServer({PREFIX + "/task": HANG}) as server:
        t = time.monotonic()
        done = subprocess.run(
            [PYTHON, "-c", script.format(url=server.url + PREFIX)],
            check=False,
            capture_output=True,
            text=True,
            timeout=30,
            cwd=ROOT,
        )
    assert done.returncode == 0
    assert done.stderr == ""
    assert "bye" in done.stdout
    assert time.monotonic() - t < 4.0
