"""The recipes of examples/uvicorn_app.py and examples/celery_worker.py, run for real.

uvicorn with 2 spawned workers under ``ecs-log-context run``, and a Celery worker with a prefork
pool of 2 under ``run``, with ``install()`` at the import of its app module, and with neither
(the control), all from the repository's root with the commands the examples give. Each server
is a subprocess in its own process group against the package's mock endpoint; it is driven
until every worker (every pool process) has answered, stopped, and then every line it logged
must be JSON and carry the task's fields. The figures (lines enriched out of lines logged,
requests to the endpoint) are printed: ``-rP`` shows them.

The bound on the endpoint's requests: each Python process that logs fetches once (a forked one
keeps its parent's answer), so a run asks at most (the requests of one process's fetch,
measured by `per_process`) x (the Python processes that log).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from ecs_log_context._cli._run import BOOTSTRAP
from ecs_log_context.mock.server import MockEndpoint

from .child_processes import base_environ, enriched

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = str(Path(sys.executable).parent)
STOP_GRACE = 20.0  # seconds a server has to stop on SIGTERM before its group is killed
RUN = ["ecs-log-context", "run", "--"]

pytestmark = pytest.mark.skipif(
    not hasattr(os, "killpg"), reason="servers run in process groups (POSIX)"
)
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="Celery's prefork pool forks")


@pytest.fixture(scope="module")
def mock() -> Iterator[MockEndpoint]:
    # No throttle: the rate limit is not the subject, and a fleet asks at once.
    with MockEndpoint(throttle=False) as endpoint:
        yield endpoint


def server_environ(mock: MockEndpoint, **extra: str) -> dict[str, str]:
    """The environment of a server: the mock's v4 URI, the venv's scripts first on PATH.

    The bootstrap is taken off any inherited PYTHONPATH: only ``run`` may put it there.
    ``PYTHONUNBUFFERED``: every process writes each line whole, in one write, to the shared
    pipe (as container images set it). The 10 s start-up wait is test_servers.py's: a busy
    machine still has the first records wait for the answer.
    """
    environ = base_environ(
        ECS_CONTAINER_METADATA_URI_V4=mock.v4_uri,
        ECS_LOG_CONTEXT_TIMEOUT="10",
        PYTHONUNBUFFERED="1",
        # Celery as root warns on stderr, before its logging exists: not a log line.
        PYTHONWARNINGS=(
            "ignore::DeprecationWarning,ignore:You're running the worker with superuser privileges"
        ),
        PATH=os.pathsep.join([BIN, os.environ.get("PATH", "")]),
        **extra,
    )
    path = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != BOOTSTRAP]
    environ["PYTHONPATH"] = os.pathsep.join(path)
    return environ


def require_scripts(environ: dict[str, str], *names: str) -> None:
    """Skip unless the commands of the recipe are on the server's PATH."""
    for name in names:
        if shutil.which(name, path=environ["PATH"]) is None:
            pytest.skip(f"{name} is not on PATH next to {sys.executable}")


@pytest.fixture(scope="module")
def per_process(mock: MockEndpoint) -> int:
    """How many requests one Python process's fetch makes: one line logged under ``run``."""
    environ = server_environ(mock)
    require_scripts(environ, "ecs-log-context")
    mock.reset_counts()
    done = subprocess.run(
        [*RUN, PYTHON, "-c", "import logging; logging.getLogger('probe').warning('probe')"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    assert mock.request_count > 0, f"the probe under run did not fetch: {done.stderr}"
    return mock.request_count


# -- a server in its own process group, its output read as it comes ----------------------------


@dataclass
class Server:
    """A server started in its own session (process group), its output read line by line."""

    process: subprocess.Popen[str]
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    readers: list[threading.Thread] = field(default_factory=list)

    @classmethod
    def start(cls, command: list[str], environ: dict[str, str]) -> Server:
        process = subprocess.Popen(
            command,
            env=environ,
            cwd=str(REPO),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        server = cls(process)
        assert process.stdout is not None
        assert process.stderr is not None
        for stream, lines in ((process.stdout, server.stdout), (process.stderr, server.stderr)):
            reader = threading.Thread(target=_read_lines, args=(stream, lines), daemon=True)
            reader.start()
            server.readers.append(reader)
        return server

    def stop(self) -> None:
        """SIGTERM to the server (what ``docker stop`` sends to the container's first process,
        which ``run`` makes the server itself); its group is killed whole if it has not
        stopped within STOP_GRACE (a note says so), and once it has stopped."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.notes.append(f"killed: did not stop within {STOP_GRACE} s of SIGTERM")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # What is left of the group goes too; not a failure: multiprocessing's resource
        # tracker (uvicorn's spawn) exits on its own a moment after the server.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for reader in self.readers:
            reader.join(timeout=10)

    def tail(self) -> str:
        return "\n".join([*self.stdout[-15:], "-- stderr:", *self.stderr[-15:], *self.notes])


def _read_lines(stream: IO[str], lines: list[str]) -> None:
    for line in stream:
        lines.append(line.rstrip("\n"))


def parse(lines: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The JSON objects among the lines, and the lines that are not one."""
    records: list[dict[str, Any]] = []
    others: list[str] = []
    for line in lines:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        if isinstance(value, dict):
            records.append(value)
        else:
            others.append(line)
    return records, others


def tally(records: list[dict[str, Any]], mock: MockEndpoint, key: Callable[[Any], str]) -> str:
    """ "enriched/logged" per group of records, e.g. "uvicorn.access 32/32"."""
    logged = Counter(key(r) for r in records)
    good = Counter(key(r) for r in records if enriched(r, mock))
    return ", ".join(f"{name} {good[name]}/{logged[name]}" for name in sorted(logged))


# -- uvicorn --workers 2 under run ---------------------------------------------------------------

UVICORN_LOGGERS = {"uvicorn.error", "uvicorn.access", "app"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str) -> str:
    """GET a path: the body (the worker's pid), or what went wrong."""
    try:
        url = f"http://127.0.0.1:{port}{path}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            return str(answer.read().decode()).strip()
    except (OSError, urllib.error.URLError) as exc:
        return f"{type(exc).__name__}: {exc}"


def drive(server: Server, port: int, workers: int) -> list[str]:
    """Wait for the port, then send rounds of 16 requests (8 at a time) until `workers` pids
    have answered: at most 20 rounds, or until 16 requests failed."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.process.poll() is None:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    answers: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for round_ in range(20):
            paths = [f"/r{round_}-{i}" for i in range(16)]
            answers += pool.map(lambda path: get(port, path), paths)
            pids = {a for a in answers if a.isdigit()}
            if len(pids) >= workers or sum(not a.isdigit() for a in answers) >= 16:
                break
    return answers


def test_uvicorn_workers_under_run(mock: MockEndpoint, per_process: int) -> None:
    """``ecs-log-context run -- uvicorn examples.uvicorn_app:app --workers 2 --log-config
    examples/uvicorn_log_config.json``: both spawned workers answer; every line on stdout is
    JSON from ``uvicorn.error``, ``uvicorn.access`` or ``app`` and carries the task's fields,
    the supervisor's lines (its pid is the one ``run`` was started with: exec) included, with
    no filter in the configuration; one access line and one app line per request; the endpoint
    is asked at most once per process that logs: the supervisor and the 2 workers
    (multiprocessing's resource tracker, a fourth Python process under ``run``, logs nothing).
    """
    pytest.importorskip("uvicorn")
    pytest.importorskip("pythonjsonlogger.json")
    environ = server_environ(mock)
    require_scripts(environ, "ecs-log-context", "uvicorn")
    port = free_port()
    command = [
        *RUN,
        "uvicorn",
        "examples.uvicorn_app:app",
        "--workers",
        "2",
        "--log-config",
        "examples/uvicorn_log_config.json",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    mock.reset_counts()
    server = Server.start(command, environ)
    try:
        answers = drive(server, port, workers=2)
    finally:
        server.stop()
    requests = mock.request_count
    records, not_json = parse(server.stdout)
    answered = [int(a) for a in answers if a.isdigit()]
    failed = [a for a in answers if not a.isdigit()]
    bare = [r for r in records if not enriched(r, mock)]
    summary = (
        f"uvicorn under run: {len(records) - len(bare)}/{len(records)} lines enriched "
        f"({tally(records, mock, lambda r: str(r.get('name')))}), {len(answered)} requests "
        f"answered by pids {sorted(set(answered))}, supervisor {server.process.pid}; "
        f"{requests} requests to the endpoint (bound {per_process} x 3 processes)"
    )
    print(summary)
    tail = server.tail()
    assert not failed, f"requests got no answer ({summary}): {failed[:3]}\n{tail}"
    assert 2 == len(set(answered)), f"not both workers answered: {summary}\n{tail}"
    assert not server.notes, f"{summary}\n{tail}"
    assert not not_json, f"lines on stdout that are not JSON: {not_json[:3]}\n{tail}"
    assert not [line for line in server.stderr if line.strip()], f"stderr:\n{tail}"
    by_name = Counter(str(r.get("name")) for r in records)
    assert UVICORN_LOGGERS == set(by_name), f"loggers {dict(by_name)}: {summary}"
    assert not bare, f"bare lines ({summary}): {bare[:2]}"
    access = [r for r in records if r["name"] == "uvicorn.access"]
    app_requests = [r for r in records if r["name"] == "app" and r["message"].startswith("req")]
    assert len(answered) == len(access) == len(app_requests), summary
    assert set(answered) == {r["process"] for r in access}, summary
    error_pids = {r["process"] for r in records if r["name"] == "uvicorn.error"}
    assert {server.process.pid, *answered} == error_pids, summary
    assert 0 < requests <= per_process * 3, summary


# -- Celery, prefork pool of 2: under run, install() at import, and neither -----------------------

CELERY_APP = "examples.celery_worker"
TASK_LOGGER = CELERY_APP  # get_task_logger(__name__)
BATCH = 4
ROUNDS = 5


@dataclass
class CeleryRun:
    """What one Celery worker run gave."""

    mode: str
    main_pid: int
    records: list[dict[str, Any]]
    not_json: list[str]
    sent: int
    send_errors: list[str]
    endpoint_requests: int
    tail: str
    notes: list[str]

    def succeeded(self) -> list[dict[str, Any]]:
        """The pool's "Task ... succeeded in ...s: <pid>" lines."""
        return [r for r in self.records if _is_success(r)]

    def task_lines(self) -> list[dict[str, Any]]:
        """The lines that the tasks logged through their task logger."""
        return [r for r in self.records if r.get("name") == TASK_LOGGER]

    def pool_pids(self) -> set[int]:
        return {int(r["process"]) for r in self.task_lines()}

    def fetch_records(self, mock: MockEndpoint) -> list[dict[str, Any]]:
        """httpx's records of the library's own requests to the endpoint."""
        prefix = f"HTTP Request: GET {mock.v4_uri}"
        return [
            r
            for r in self.records
            if r.get("name") == "httpx" and str(r.get("message", "")).startswith(prefix)
        ]

    def summary(self, mock: MockEndpoint) -> str:
        bare = sum(not enriched(r, mock) for r in self.records)
        fetch = self.fetch_records(mock)

        def where(record: dict[str, Any]) -> str:
            return "main" if record.get("process") == self.main_pid else "pool"

        return (
            f"celery ({self.mode}): {len(self.records) - bare}/{len(self.records)} lines enriched "
            f"({tally(self.records, mock, where)}; {len(fetch)} of them the fetch's own httpx "
            f"records, {sum(enriched(r, mock) for r in fetch)} enriched), "
            f"{len(self.succeeded())}/{self.sent} tasks succeeded, pool pids "
            f"{sorted(self.pool_pids())}, main {self.main_pid}; "
            f"{self.endpoint_requests} requests to the endpoint"
        )


def _is_success(record: dict[str, Any]) -> bool:
    return record.get("name") == "celery.app.trace" and " succeeded in " in str(
        record.get("message")
    )


def run_celery(mode: str, mock: MockEndpoint, broker: Path) -> CeleryRun:
    """Start the worker (``run``: under ``ecs-log-context run``; ``code``: with
    ``EXAMPLE_INSTALL=code``; ``none``: neither), queue BATCH tasks at a time until both pool
    processes ran one (at most ROUNDS batches), wait for their "succeeded" lines, stop it."""
    extra = {"EXAMPLE_INSTALL": "code"} if mode == "code" else {}
    environ = server_environ(mock, EXAMPLE_BROKER_DIR=str(broker), **extra)
    require_scripts(environ, "ecs-log-context", "celery")
    worker = [
        "celery",
        "-A",
        CELERY_APP,
        "worker",
        "--pool",
        "prefork",
        "-c",
        "2",
        "--loglevel",
        "INFO",
        # Nothing to meet on a one-worker filesystem broker: no broadcast, no one-second waits.
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
    ]
    sender = {
        **server_environ(mock, EXAMPLE_BROKER_DIR=str(broker)),
        "ECS_LOG_CONTEXT_ENABLED": "false",  # the sender is not under test
    }
    mock.reset_counts()
    server = Server.start([*RUN, *worker] if mode == "run" else worker, environ)
    sent = 0
    send_errors: list[str] = []
    try:
        for _ in range(ROUNDS):
            done = subprocess.run(
                [PYTHON, "examples/celery_worker.py", "send", str(BATCH)],
                env=sender,
                cwd=str(REPO),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            if done.returncode != 0:
                send_errors.append(done.stderr[-2500:])
                break
            sent += BATCH
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and server.process.poll() is None:
                if sum(map(_is_success, parse(list(server.stderr))[0])) >= sent:
                    break
                time.sleep(0.1)
            records, _ = parse(list(server.stderr))
            pool = {r["process"] for r in records if r.get("name") == TASK_LOGGER}
            if len(pool) >= 2 or server.process.poll() is not None:
                break
    finally:
        server.stop()
    records, not_json = parse(server.stderr)
    return CeleryRun(
        mode=mode,
        main_pid=server.process.pid,
        records=records,
        not_json=not_json,
        sent=sent,
        send_errors=send_errors,
        endpoint_requests=mock.request_count,
        tail=server.tail(),
        notes=server.notes,
    )


def check_worked(run: CeleryRun, mock: MockEndpoint) -> str:
    """The worker ran every task, on both pool processes, and logged only JSON lines."""
    summary = run.summary(mock)
    print(summary)
    assert not run.send_errors, f"the tasks could not be sent: {run.send_errors[0]}"
    assert not run.notes, f"{summary}\n{run.tail}"
    assert not run.not_json, f"lines on stderr that are not JSON: {run.not_json[:3]}\n{run.tail}"
    succeeded = run.succeeded()
    assert run.sent == len(succeeded) == len(run.task_lines()), f"{summary}\n{run.tail}"
    assert 2 == len(run.pool_pids()), f"not both pool processes ran a task: {summary}"
    assert run.main_pid not in run.pool_pids(), summary
    # Each task returned the pid of the process that ran it, and logged its line there.
    assert all(str(r["process"]) == r["data"]["return_value"] for r in succeeded), summary
    assert any(r["process"] == run.main_pid for r in run.records), summary
    return summary


@pytest.fixture(scope="module", params=["run", "code"])
def celery_run(
    request: pytest.FixtureRequest, mock: MockEndpoint, tmp_path_factory: pytest.TempPathFactory
) -> CeleryRun:
    """One worker run per mode, shared by the tests that read it."""
    pytest.importorskip("celery")
    pytest.importorskip("pythonjsonlogger.json")
    mode = str(request.param)
    return run_celery(mode, mock, tmp_path_factory.mktemp(f"broker-{mode}"))


@needs_fork
def test_celery_prefork_enriched(
    celery_run: CeleryRun, mock: MockEndpoint, per_process: int
) -> None:
    """``ecs-log-context run -- celery -A examples.celery_worker worker --pool prefork -c 2``,
    and the same worker without ``run`` whose app module calls ``install()`` at import
    (``EXAMPLE_INSTALL=code``), Celery hijacking the root logger: every task runs, both pool
    processes run some, every line on stderr is JSON, and every line of the worker's main
    process and of the pool (the tasks' own, Celery's "received" and "succeeded") carries the
    task's fields, httpx's records of the library's own fetch included (see the next test);
    the endpoint is asked at most once per process (the forked pool inherits the answer).
    """
    summary = check_worked(celery_run, mock)
    bare = [r for r in celery_run.records if not enriched(r, mock)]
    assert not bare, f"bare lines ({summary}): {bare[:2]}"
    assert 0 < celery_run.endpoint_requests <= per_process * 3, summary


@needs_fork
def test_celery_fetch_records_enriched(celery_run: CeleryRun, mock: MockEndpoint) -> None:
    """httpx's "HTTP Request: GET <endpoint>" records of the worker's fetch (the root logger
    is at INFO in a Celery worker, so they are logged) carry the fields too: install()
    promises every record of every logger, and the library holds these until the answer."""
    fetch = celery_run.fetch_records(mock)
    if not fetch:
        pytest.fail(f"no record of the fetch was logged: {celery_run.summary(mock)}")
    assert all(enriched(r, mock) for r in fetch), [r["message"] for r in fetch]


@needs_fork
def test_celery_prefork_without_install_is_bare(mock: MockEndpoint, tmp_path: Path) -> None:
    """The control: the same worker with neither ``run`` nor ``install()`` works the same and
    logs the same JSON lines, none with a field, and never asks the endpoint: the fields of the
    other runs are install()'s, not the example's formatting."""
    pytest.importorskip("celery")
    pytest.importorskip("pythonjsonlogger.json")
    run = run_celery("none", mock, tmp_path / "broker")
    summary = check_worked(run, mock)
    with_fields = [r for r in run.records if any(k.startswith("ecs_") for k in r)]
    assert not with_fields, f"{summary}: {with_fields[:2]}"
    assert 0 == run.endpoint_requests, summary
