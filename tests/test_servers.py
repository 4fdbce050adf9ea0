"""Real pre-forking servers whose application builds its logging at import and logs nothing
before the fork: gunicorn ``--preload`` (sync, gthread and gevent workers), uWSGI (default,
``--lazy-apps``, ``--py-call-uwsgi-fork-hooks``) and Celery's prefork pool.

Each server runs 4 workers (Celery 2 pool processes) of an application in ``tests/apps/``, is
driven over 127.0.0.1 until every worker has answered, and is stopped; then every line that
every worker logged must carry the task's fields. The module shares one mock endpoint; its
request count for each server is in the assertion messages (and printed, ``-rP`` shows it).

The servers are started as subprocesses (``sys.executable -m gunicorn``, the ``uwsgi`` binary
next to ``sys.executable``, ``sys.executable -m celery``) in their own process group, killed
whole if they do not stop in time.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ecs_log_context.mock.server import MockEndpoint

from .child_processes import base_environ, enriched

APPS = Path(__file__).resolve().parent / "apps"
PYTHON = sys.executable
BIN = Path(sys.executable).parent
WORKERS = 4

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="pre-forking servers need fork")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def importable(module: str) -> bool:
    done = subprocess.run(
        [PYTHON, "-W", "ignore", "-c", f"import {module}"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture(scope="module")
def mock() -> Iterator[MockEndpoint]:
    # No throttle: the rate limit is not the subject, and a fleet asks at once.
    with MockEndpoint(throttle=False) as endpoint:
        yield endpoint


def app_environ(mock: MockEndpoint, log_file: Path, **extra: str) -> dict[str, str]:
    # A 10 s start-up wait: four workers that each fetch for themselves on a busy machine (each
    # importing httpx at once) still have their first records wait for the answer. No bug under
    # test is hidden by a longer wait: a child that cannot fetch never gets the fields.
    return base_environ(
        ECS_CONTAINER_METADATA_URI_V4=mock.v4_uri,
        ECS_LOG_CONTEXT_TIMEOUT="10",
        APP_LOG_FILE=str(log_file),
        PYTHONWARNINGS="ignore::DeprecationWarning",
        **extra,
    )


# -- running a server and driving it -----------------------------------------------------------


@dataclass
class Run:
    """What one server run gave."""

    answers: list[str] = field(default_factory=list)  # the pid each answer named, or an error
    records: list[dict[str, Any]] = field(default_factory=list)
    endpoint_requests: int = 0
    output: str = ""

    @property
    def answered_pids(self) -> set[int]:
        return {int(a) for a in self.answers if a.isdigit()}

    @property
    def failed(self) -> list[str]:
        return [a for a in self.answers if not a.isdigit()]

    def summary(self, mock: MockEndpoint) -> str:
        good = sum(enriched(r, mock) for r in self.records)
        pids = sorted({r.get("process") for r in self.records}, key=str)
        return (
            f"{len(self.answered_pids)} workers answered, {len(self.failed)} requests failed, "
            f"{good}/{len(self.records)} lines enriched (pids {pids}), "
            f"{self.endpoint_requests} requests to the endpoint"
        )


def _stop(process: subprocess.Popen[str], sig: int, grace: float) -> str:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        out, _ = process.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate(timeout=10)
        out += f"\n[killed: did not stop within {grace} s of signal {sig}]"
    return out


def _get(port: int, path: str, timeout: float) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as answer:
            return str(answer.read().decode())
    except (OSError, urllib.error.URLError) as exc:
        return f"{type(exc).__name__}: {exc}"


def serve_and_drive(
    command: list[str],
    environ: dict[str, str],
    port: int,
    log_file: Path,
    mock: MockEndpoint,
    *,
    stop_signal: int = signal.SIGTERM,
) -> Run:
    """Start the server, send requests until all WORKERS pids answered (at most 20 rounds of
    16, 8 at a time), stop it, and read what its workers logged."""
    mock.reset_counts()
    run = Run()
    process = subprocess.Popen(
        command,
        env=environ,
        cwd=str(APPS),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            for round_ in range(20):
                paths = [f"/r{round_}-{i}" for i in range(16)]
                run.answers += pool.map(lambda p: _get(port, p, 10.0), paths)
                if len(run.answered_pids) >= WORKERS or len(run.failed) >= 16:
                    break
    finally:
        run.output = _stop(process, stop_signal, 20)
    run.endpoint_requests = mock.request_count
    if log_file.exists():
        run.records = [json.loads(line) for line in log_file.read_text().splitlines() if line]
    return run


def check_run(run: Run, mock: MockEndpoint, workers: int = WORKERS) -> None:
    summary = run.summary(mock)
    print(summary)
    tail = run.output[-2500:]
    assert not run.failed, f"requests got no answer ({summary}): {run.failed[:3]}\n{tail}"
    assert workers == len(run.answered_pids), (
        f"not every worker answered, the others hung: {summary}\n{tail}"
    )
    assert run.records, f"nothing was logged: {summary}\n{tail}"
    assert run.answered_pids <= {r["process"] for r in run.records}, summary
    bare = [r for r in run.records if not enriched(r, mock)]
    per_pid = {pid: sum(r["process"] == pid for r in bare) for pid in {r["process"] for r in bare}}
    assert not bare, f"bare lines per worker {per_pid}; {summary}: {bare[:2]}"


# -- 2: gunicorn --preload ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("worker_class", "logging_kind"),
    [
        ("sync", "filter"),
        ("sync", "formatter"),
        ("gthread", "filter"),
        ("gthread", "formatter"),
        ("gevent", "filter"),
        ("gevent", "formatter"),
    ],
)
def test_gunicorn_preload(
    worker_class: str, logging_kind: str, mock: MockEndpoint, tmp_path: Path
) -> None:
    """gunicorn ``--preload`` with 4 sync, gthread or gevent workers, the application's logger
    carrying `EcsContextFilter` or formatting with `EcsJsonFormatter`, built when the master
    imported the app and forked at once: every worker answers, and every line that every worker
    logged for a request carries the task's fields.
    """
    if not importable("gunicorn"):
        pytest.skip("gunicorn is not installed")
    if worker_class == "gevent" and not importable("gevent"):
        pytest.skip("gevent is not installed or does not import on this Python")
    port = free_port()
    log_file = tmp_path / "app.jsonl"
    command = [
        PYTHON,
        "-m",
        "gunicorn",
        "--preload",
        "--workers",
        str(WORKERS),
        "--worker-class",
        worker_class,
        "--bind",
        f"127.0.0.1:{port}",
        "--graceful-timeout",
        "5",
        "--timeout",
        "60",  # a hung worker stays hung for the test to see, not replaced
        "--pythonpath",
        str(APPS),
        "wsgi_app:application",
    ]
    if worker_class == "gthread":
        command += ["--threads", "4"]
    environ = app_environ(mock, log_file, APP_LOGGING=logging_kind)
    check_run(serve_and_drive(command, environ, port, log_file, mock), mock)


# -- 3: uWSGI ----------------------------------------------------------------------------------

UWSGI = BIN / "uwsgi"
UWSGI_MODES = {
    "default": [],
    "lazy-apps": ["--lazy-apps"],
    "fork-hooks": ["--py-call-uwsgi-fork-hooks"],
}


@pytest.mark.parametrize("mode", list(UWSGI_MODES))
def test_uwsgi(mode: str, mock: MockEndpoint, tmp_path: Path) -> None:
    """uWSGI with a master and 4 processes, threads enabled, the app quiet before the fork:
    in its default mode (the master imports the app and forks without Python's at-fork hooks),
    with ``--lazy-apps`` (each worker imports it) and with ``--py-call-uwsgi-fork-hooks``,
    every worker answers (none hangs), and every line it logged carries the task's fields.
    """
    if not UWSGI.exists():
        pytest.skip(f"uWSGI is not installed next to {sys.executable} (pip install uwsgi)")
    port = free_port()
    log_file = tmp_path / "app.jsonl"
    command = [
        str(UWSGI),
        "--master",
        "--processes",
        str(WORKERS),
        "--http-socket",
        f"127.0.0.1:{port}",
        "--enable-threads",
        "--home",
        sys.prefix,
        "--wsgi-file",
        str(APPS / "wsgi_app.py"),
        "--need-app",
        "--die-on-term",
        "--disable-logging",
        "--worker-reload-mercy",
        "3",
        "--reload-mercy",
        "3",
        *UWSGI_MODES[mode],
    ]
    environ = app_environ(mock, log_file, APP_LOGGING="filter")
    check_run(serve_and_drive(command, environ, port, log_file, mock), mock)


# -- 6: Celery prefork -------------------------------------------------------------------------

CELERY_TASKS = 12


def test_celery_prefork(mock: MockEndpoint, tmp_path: Path) -> None:
    """A Celery worker with ``--pool prefork --concurrency 2``, whose app module builds its
    logging at import (the worker's main process) and logs nothing before the pool forks:
    every line its tasks logged carries the task's fields.
    """
    if not importable("celery"):
        pytest.skip("celery is not installed")
    log_file = tmp_path / "tasks.jsonl"
    environ = app_environ(mock, log_file, CELERY_FS_ROOT=str(tmp_path / "broker"))
    mock.reset_counts()
    worker = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "celery_app",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            "2",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        env=environ,
        cwd=str(APPS),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        sent = subprocess.run(
            [PYTHON, "celery_app.py", "send", str(CELERY_TASKS)],
            env=environ | {"ECS_LOG_CONTEXT_ENABLED": "false"},
            cwd=str(APPS),
            check=False,
            timeout=60,
            capture_output=True,
            text=True,
        )
        assert 0 == sent.returncode, f"the tasks could not be sent:\n{sent.stderr[-2500:]}"
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and worker.poll() is None:
            if log_file.exists() and len(log_file.read_text().splitlines()) >= CELERY_TASKS:
                break
            time.sleep(0.1)
    finally:
        output = _stop(worker, signal.SIGTERM, 20)
    lines = log_file.read_text().splitlines() if log_file.exists() else []
    records = [json.loads(line) for line in lines]
    good = sum(enriched(r, mock) for r in records)
    pids = sorted({r["process"] for r in records})
    summary = (
        f"{good}/{len(records)} task lines enriched from pool pids {pids}, "
        f"{mock.request_count} requests to the endpoint"
    )
    print(summary)
    assert CELERY_TASKS == len(records), f"{summary}\n{output[-2500:]}"
    assert CELERY_TASKS == good, f"{summary}: {[r for r in records if not enriched(r, mock)][:2]}"
