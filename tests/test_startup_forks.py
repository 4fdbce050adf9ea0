"""Forks at any moment of start-up, green threads, and multiprocessing's start methods.

An application that builds its logging at import and logs nothing before it forks (gunicorn
``--preload``, Celery's prefork pool, uWSGI, any early ``fork()``) forks while the library's
first fetch is under way: the refresher thread is importing httpx, the client, the models and
datetime, or waiting for the endpoint's answer. Whatever that moment, every child must get the
task's fields and none may hang.

Every case runs in a fresh interpreter (``sys.executable``), the helpers in ``tests/apps/``:
nothing of pytest's process (an imported httpx, a finished fetch) may hide the start-up window.
The module shares one mock endpoint per latency. The fork probes run side by side, a few at a
time and started a little apart, so that a spread of fork delays keeps its meaning on a busy
machine; each test reads its own probe's result.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecs_log_context.mock.server import MockEndpoint

from .child_processes import base_environ, enriched, last_json, run_python

APPS = Path(__file__).resolve().parent / "apps"
PYTHON = sys.executable

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
pytestmark = needs_fork


# -- one mock per latency, for the module ------------------------------------------------------


class Endpoints:
    """Mock endpoints of this module, one per latency, started on first use."""

    def __init__(self) -> None:
        self._mocks: dict[float, MockEndpoint] = {}
        self._lock = threading.Lock()

    def get(self, latency: float = 0.0) -> MockEndpoint:
        with self._lock:
            mock = self._mocks.get(latency)
            if mock is None:
                # No throttle: dozens of processes ask at once, and the rate limit is not the
                # subject here.
                mock = MockEndpoint(latency=latency, throttle=False).start()
                self._mocks[latency] = mock
            return mock

    def stop(self) -> None:
        for mock in self._mocks.values():
            mock.stop()


@pytest.fixture(scope="module")
def endpoints() -> Iterator[Endpoints]:
    shared = Endpoints()
    yield shared
    shared.stop()


# -- 1 and 3: the fork probes ------------------------------------------------------------------

DELAYS_MS = (0, 2, 5, 10, 20, 35, 50, 75, 100, 150, 200)
KINDS = ("filter", "formatter", "processor")
MID_REQUEST_LATENCY = 0.05
STAGGER = 0.2  # seconds between two probes' starts: about one interpreter's start-up
PARALLEL = min(12, 3 * (os.cpu_count() or 2))  # probes at once: most of a probe's time is sleep
PROBE_LIMIT = 40.0  # the outer bound of one probe; the probe bounds its child at about 15 s

# (kind, delay in ms, fork, mock latency): every case a test below asks for.
Case = tuple[str, int, str, float]
SOME_DELAYS_MS = (0, 5, 20, 50, 100)  # the formatter's and the processor's: the same fetch
PLAIN_CASES = [("filter", delay, "os", 0.0) for delay in DELAYS_MS] + [
    (kind, delay, "os", 0.0) for kind in KINDS[1:] for delay in SOME_DELAYS_MS
]
MID_REQUEST_CASES = [("filter", delay, "os", MID_REQUEST_LATENCY) for delay in DELAYS_MS]
RAW_CASES = [("filter", delay, "raw", 0.0) for delay in DELAYS_MS]


def case_id(case: Case) -> str:
    kind, delay, _fork, latency = case
    return f"{kind}-{delay}ms" + (f"-latency{latency:g}" if latency else "")


class ProbeRunner:
    """Runs the fork probes the session selected, side by side, each in a fresh interpreter.

    At most PARALLEL probes run at once, started at least STAGGER seconds apart: dozens of
    interpreters importing httpx at once on two cores would take seconds each, every delay
    would fall in the same place, and a correct library would miss the probe's deadline.
    """

    def __init__(self, endpoints: Endpoints, cases: list[Case]) -> None:
        self._endpoints = endpoints
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=PARALLEL)
        self._clock = threading.Lock()
        self._next_start = time.monotonic()
        self._futures = {case: self._pool.submit(self._run, case) for case in cases}

    def result(self, case: Case) -> dict[str, Any]:
        if case not in self._futures:  # not selected up front: run it now
            self._futures[case] = self._pool.submit(self._run, case)
        return self._futures[case].result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _run(self, case: Case) -> dict[str, Any]:
        kind, delay, fork, latency = case
        mock = self._endpoints.get(latency)
        with self._clock:
            start = max(time.monotonic(), self._next_start)
            self._next_start = start + STAGGER
        time.sleep(max(0.0, start - time.monotonic()))
        environ = base_environ(ECS_CONTAINER_METADATA_URI_V4=mock.v4_uri)
        command = [PYTHON, str(APPS / "fork_probe.py"), kind, str(delay), fork]
        try:
            done = subprocess.run(
                command,
                env=environ,
                capture_output=True,
                text=True,
                timeout=PROBE_LIMIT,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            return {"timeout": True, "stderr": str(exc.stderr or "")[-3000:]}
        sides: dict[str, Any] = {"stderr": done.stderr[-6000:], "returncode": done.returncode}
        for line in done.stdout.splitlines():
            answer = json.loads(line)
            sides[answer["who"]] = answer
        return sides


def _selected_cases(request: pytest.FixtureRequest) -> list[Case]:
    cases: list[Case] = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if (
            getattr(item, "module", None) is request.module
            and callspec is not None
            and "case" in callspec.params
        ):
            cases.append(callspec.params["case"])
    return list(dict.fromkeys(cases))


@pytest.fixture(scope="module")
def probes(request: pytest.FixtureRequest, endpoints: Endpoints) -> Iterator[ProbeRunner]:
    runner = ProbeRunner(endpoints, _selected_cases(request))
    yield runner
    runner.close()


def check_probe(result: dict[str, Any], mock: MockEndpoint) -> None:
    """Both sides enriched, the child's context ready, and no hang anywhere."""
    stderr = result.get("stderr", "")
    assert not result.get("timeout"), f"the probe itself hung:\n{stderr}"
    parent = result.get("parent", {})
    child = result.get("child", {})
    end = result.get("exit", {})
    assert parent, f"the parent said nothing:\n{stderr}"
    assert not end.get("killed"), (
        "the forked child hung without ever running Python again (not even its watchdog): "
        "the GIL or a lock was held by a thread that the fork did not copy"
    )
    status = end.get("child_status")
    if not child and status == 1:
        pytest.fail(f"the forked child hung (its watchdog ended it); its stacks:\n{stderr}")
    if not child and isinstance(status, int) and status < 0:
        pytest.fail(f"the forked child died of signal {-status}:\n{stderr}")
    assert child, f"the forked child said nothing (status {status}):\n{stderr}"
    assert "error" not in child, f"the child raised: {child['error']}\n{stderr}"
    summary = {k: v for k, v in child.items() if k not in ("fields", "task_arn")}
    assert child["enriched"], f"the child never got the fields: {summary}\n{stderr}"
    assert enriched(child["fields"], mock), child["fields"]
    assert "ready" == child["state"], summary
    assert parent["enriched"], f"the parent never got the fields: {parent}\n{stderr}"
    assert enriched(parent["fields"], mock), parent["fields"]
    assert 0 == end.get("child_status"), end


@pytest.mark.parametrize("case", PLAIN_CASES + MID_REQUEST_CASES, ids=case_id)
def test_fork_at_any_moment_of_startup(
    case: Case, probes: ProbeRunner, endpoints: Endpoints
) -> None:
    """A child forked `delay` ms after the application built its filter, formatter or processor
    (and logged nothing), with `os.fork()`, gets the task's fields within 8 s and its context
    is ready; the parent too; neither hangs, `EcsContext.status()` included. With a 50 ms
    latency on the endpoint the fork also lands while the first request is in flight.

    The window is the first fetch's imports (httpx, the client, the models, datetime): a child
    forked inside it inherits half-initialised modules from the refresher thread.
    """
    check_probe(probes.result(case), endpoints.get(case[3]))


@pytest.mark.parametrize("case", RAW_CASES, ids=case_id)
def test_raw_fork_without_at_fork_hooks(
    case: Case, probes: ProbeRunner, endpoints: Endpoints
) -> None:
    """A child made by libc's fork() through ctypes, which runs none of Python's at-fork hooks
    (as uWSGI forks its workers by default, its master not holding the GIL), `delay` ms after
    the filter was built, gets the task's fields within 8 s and never hangs.

    In such a child only the forking thread exists, yet the library's thread object, its locks
    and the import system's locks look as they were at the fork.
    """
    check_probe(probes.result(case), endpoints.get(case[3]))


# -- 4: gevent and eventlet, patched before or after the import --------------------------------

GREEN_LATENCY = 0.3


def _importable(module: str) -> bool:
    probe = subprocess.run(
        [PYTHON, "-W", "ignore", "-c", f"import {module}"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return probe.returncode == 0


@pytest.mark.parametrize("order", ["before", "after"])
@pytest.mark.parametrize("lib", ["gevent", "eventlet"])
def test_green_threads_logging_at_startup_wait_for_the_first_answer(
    lib: str, order: str, endpoints: Endpoints
) -> None:
    """With gevent or eventlet monkey-patching before or after ``import ecs_log_context``, six
    green threads that log as soon as the filter is built each get the task's fields: they wait
    for the first answer (the endpoint takes 0.3 s a request, the timeout is 5 s) instead of
    taking the fetching green thread's "I am fetching" mark for their own.
    """
    if not _importable(lib):
        pytest.skip(f"{lib} is not installed or does not import on this Python")
    mock = endpoints.get(GREEN_LATENCY)
    environ = base_environ(
        ECS_CONTAINER_METADATA_URI_V4=mock.v4_uri,
        ECS_LOG_CONTEXT_TIMEOUT="5",
        PYTHONWARNINGS="ignore",  # eventlet's deprecation notice
    )
    result = last_json(run_python(str(APPS / "green_startup.py"), lib, order, environ=environ))
    arns = result["arns"]
    assert 6 == len(arns), result
    bare = sum(arn != mock.task["TaskARN"] for arn in arns)
    assert 0 == bare, f"{bare} of {len(arns)} start-up records went out bare: {result}"


# -- 5: multiprocessing's start methods --------------------------------------------------------


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_multiprocessing_pool_started_at_once(
    method: str, endpoints: Endpoints, tmp_path: Path
) -> None:
    """A pool of 4 started right after the filter is built (nothing logged before), with the
    fork, spawn or forkserver start method: every record of every worker carries the fields.

    The timeout is 10 s so that a slow start-up on a busy machine (four interpreters importing
    httpx at once) still ends inside the first records' wait.
    """
    mock = endpoints.get()
    log_file = tmp_path / "pool.jsonl"
    environ = base_environ(
        ECS_CONTAINER_METADATA_URI_V4=mock.v4_uri,
        ECS_LOG_CONTEXT_TIMEOUT="10",
        MP_LOG_FILE=str(log_file),
        PYTHONWARNINGS="ignore::DeprecationWarning",  # 3.12+: fork of a threaded process
    )
    done = subprocess.run(
        [PYTHON, str(APPS / "mp_pool.py"), method],
        env=environ,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert 0 == done.returncode, done.stderr[-3000:]
    pids = json.loads(done.stdout.splitlines()[-1])["pids"]
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert 16 == len(records), records
    assert set(pids) == {r["pid"] for r in records}
    bare = [r for r in records if not enriched(r, mock)]
    by_pid = {pid: sum(r["pid"] == pid for r in bare) for pid in pids}
    assert not bare, f"{len(bare)} of {len(records)} records bare, per worker {by_pid}: {bare[:3]}"
