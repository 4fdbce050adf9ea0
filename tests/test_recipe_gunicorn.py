"""The gunicorn recipe, examples/gunicorn_logging.conf.py: gunicorn's access and error logs and
the app's own lines, all JSON on stdout through python-json-logger's plain `JsonFormatter`, no
filter anywhere, every line with the task's fields: under ``ecs-log-context run``, and through
``install()`` in the configuration (examples/gunicorn_logging_install.conf.py).

Real gunicorn (the console script next to ``sys.executable``) with the example's 3 workers, sync
and gthread, with ``--preload`` and without, against the package's mock endpoint; driven until
every worker has answered, stopped with SIGTERM to its whole process group once every worker
is up. The figures (lines enriched out of lines logged, requests to the endpoint) are printed;
``-rP`` shows them.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from runpy import run_path
from typing import Any

import pytest

from ecs_log_context.mock.server import MockEndpoint

from .child_processes import base_environ, enriched
from .test_servers import free_port

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
CONF = {
    "run": EXAMPLES / "gunicorn_logging.conf.py",
    "install": EXAMPLES / "gunicorn_logging_install.conf.py",
    "neither": EXAMPLES / "gunicorn_logging.conf.py",  # the control: no run, no install()
}
BIN = Path(sys.executable).parent
RUN = str(BIN / "ecs-log-context")
GUNICORN = BIN / "gunicorn"
WORKERS: int = run_path(str(CONF["run"]))["workers"]
PER_PROCESS = 2
"""Requests one process that fetches makes: the task and its own container."""
TIMEOUT = 30.0
READY = "worker ready:"

pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="gunicorn runs on Unix only"),
    pytest.mark.skipif(not GUNICORN.exists(), reason=f"no gunicorn next to {sys.executable}"),
]

# The example, plus one stderr line from each worker once its signal handlers are set (see
# tests/apps/gunicorn_ready.conf.py): SIGTERM sent before that is lost to the worker.
READY_CONF = """
import os
import sys
from runpy import run_path

globals().update(
    (name, value) for name, value in run_path({conf!r}).items() if not name.startswith("_")
)


def post_worker_init(worker):
    # One write: the workers' lines do not interleave.
    os.write(sys.stderr.fileno(), f"{ready} {{worker.pid}}\\n".encode())
"""


@pytest.fixture(scope="module")
def mock() -> Iterator[MockEndpoint]:
    # No throttle: the rate limit is not the subject.
    with MockEndpoint(throttle=False) as endpoint:
        yield endpoint


@dataclass
class Served:
    """What one gunicorn run gave."""

    master: int
    workers: set[int]
    answers: list[int] = field(default_factory=list)  # the worker pid of each answer
    lines: list[str] = field(default_factory=list)  # gunicorn's stdout
    returncode: int | None = None
    stderr: str = ""
    endpoint_requests: int = 0

    def records(self) -> list[dict[str, Any]]:
        """Every line, as JSON; fails on the first that is not a JSON object."""
        parsed = []
        for line in self.lines:
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            assert isinstance(record, dict), f"not a JSON object: {line!r}\n{self.stderr}"
            parsed.append(record)
        return parsed


def _ask(port: int, path: str) -> int:
    """GET the path over HTTP/1.0: the pid of the worker that answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        return _answer(connection)


def _answer(connection: socket.socket) -> int:
    with connection.makefile("rb") as response:
        answer = response.read()  # HTTP/1.0: until the worker closes
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.0 200"), answer
    return int(body.split()[-1])


def _round(port: int, number: int) -> list[int]:
    """Two requests held half-sent (a sync worker that accepts one waits for the rest), eight
    at once meanwhile, then the held ones completed: the answers spread over the workers."""
    held = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(2)]
    try:
        for index, connection in enumerate(held):
            connection.sendall(f"GET /held/{number}/{index} HTTP/1.0\r\n".encode())
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda i: _ask(port, f"/r/{number}/{i}"), range(8)))
        for connection in held:
            connection.sendall(b"Host: 127.0.0.1\r\n\r\n")
            answers.append(_answer(connection))
    finally:
        for connection in held:
            connection.close()
    return answers


def _ready_workers(process: subprocess.Popen[bytes], stderr: Path, deadline: float) -> set[int]:
    """The pids of the workers that said they are up, once all have."""
    while True:
        pids = {int(pid) for pid in re.findall(rf"{READY} (\d+)\n", stderr.read_text())}
        if len(pids) >= WORKERS:
            return pids
        assert process.poll() is None, (
            f"gunicorn ended ({process.returncode}):\n{stderr.read_text()}"
        )
        assert time.monotonic() < deadline, (
            f"gunicorn's workers did not start:\n{stderr.read_text()}"
        )
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole group; SIGKILL to it if it has not stopped in time (which fails)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        raise AssertionError(f"gunicorn did not stop within {TIMEOUT} s of SIGTERM") from None


def serve(how: str, worker_class: str, preload: bool, mock: MockEndpoint, tmp_path: Path) -> Served:
    """Run gunicorn with the recipe, have every worker answer, stop it, read its stdout."""
    conf = tmp_path / "ready.conf.py"
    conf.write_text(READY_CONF.format(conf=str(CONF[how]), ready=READY))
    port = free_port()
    command = [str(GUNICORN), "-c", str(conf), "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", worker_class, "--graceful-timeout", "10", "--timeout", "60"]
    if worker_class == "gthread":
        # More threads than _round holds requests half-sent: a worker that took both held
        # ones must still have a thread for the others, or they wait on the held ones, which
        # wait on them, until the socket times out.
        command += ["--threads", "4"]
    if preload:
        command.append("--preload")
    if tuple(int(part) for part in version("gunicorn").split(".")[:2]) >= (25, 1):
        command.append("--no-control-socket")  # no socket left in the user's home
    if how == "run":
        command = [RUN, "run", "--", *command]
    environ = base_environ(**{**mock.environ(), "ECS_LOG_CONTEXT_TIMEOUT": "10"})
    out_path, err_path = tmp_path / "stdout", tmp_path / "stderr"
    mock.reset_counts()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            command, cwd=REPO, env=environ, stdout=out, stderr=err, start_new_session=True
        )
        try:
            deadline = time.monotonic() + TIMEOUT
            served = Served(master=process.pid, workers=_ready_workers(process, err_path, deadline))
            for number in range(30):
                served.answers += _round(port, number)
                if served.workers <= set(served.answers):
                    break
        finally:
            _stop(process)
    served.returncode = process.returncode
    served.endpoint_requests = mock.request_count
    served.lines = [line for line in out_path.read_text().splitlines() if line.strip()]
    served.stderr = err_path.read_text()
    return served


MODES = [
    ("run", "sync", True),
    ("run", "sync", False),
    ("run", "gthread", True),
    ("run", "gthread", False),
    ("install", "sync", True),
    ("install", "gthread", False),
]


@pytest.mark.parametrize(
    ("how", "worker_class", "preload"),
    MODES,
    ids=[f"{how}-{wc}-{'preload' if pre else 'lazy'}" for how, wc, pre in MODES],
)
def test_every_line_of_every_worker_is_json_and_enriched(
    how: str, worker_class: str, preload: bool, mock: MockEndpoint, tmp_path: Path
) -> None:
    """Every line gunicorn writes is a JSON object with the six default fields: the master's
    and every worker's error-log lines, one access line and one app line per request, from
    every worker; the command's status is gunicorn's own 0; the fleet asks the endpoint at
    most once per process."""
    served = serve(how, worker_class, preload, mock, tmp_path)
    records = served.records()
    kinds = {"access": "gunicorn.access", "error": "gunicorn.error", "app": "app"}
    by_kind = {kind: [r for r in records if r.get("name") == name] for kind, name in kinds.items()}
    by_kind["other"] = [r for r in records if r.get("name") not in kinds.values()]
    good = {kind: sum(enriched(r, mock) for r in rs) for kind, rs in by_kind.items()}
    figures = ", ".join(f"{kind} {good[kind]}/{len(rs)}" for kind, rs in by_kind.items())
    summary = (
        f"{how} {worker_class} {'--preload' if preload else 'no preload'}: "
        f"{sum(good.values())}/{len(records)} lines enriched ({figures}), "
        f"{len(served.answers)} requests answered by {len(set(served.answers))} workers, "
        f"{served.endpoint_requests} requests to the endpoint"
    )
    print(summary)
    tail = "\n".join(served.lines[-5:]) + "\n" + served.stderr[-2000:]

    assert 0 == served.returncode, f"{summary}\n{tail}"
    assert served.workers == set(served.answers), f"not every worker answered: {summary}"
    bare = [r for r in records if not enriched(r, mock)]
    assert not bare, f"{summary}: {bare[:2]}"
    for kind in ("access", "app"):
        assert len(served.answers) == len(by_kind[kind]), f"one {kind} line a request: {summary}"
        assert served.workers == {r["process"] for r in by_kind[kind]}, summary
    error_pids = {r["process"] for r in by_kind["error"]}
    assert {served.master, *served.workers} <= error_pids, f"{error_pids}: {summary}"
    # The master logs before it forks and fetches once; a worker that had to fetch for itself
    # would still be within the bound.
    bound = PER_PROCESS * (1 + WORKERS)
    assert served.endpoint_requests <= bound, f"more than {bound}: {summary}"


def test_without_run_or_install_nothing_is_added(mock: MockEndpoint, tmp_path: Path) -> None:
    """The control: the same configuration, neither under ``run`` nor with ``install()``,
    writes the same JSON lines without the fields (the app's own root handler, which would add
    them, sees none of these records): the fields above come from ``run`` or ``install()``."""
    served = serve("neither", "sync", True, mock, tmp_path)
    records = served.records()
    good = sum(enriched(r, mock) for r in records)
    print(f"neither run nor install(): {good}/{len(records)} lines enriched")
    assert 0 == served.returncode, served.stderr[-2000:]
    assert served.workers == set(served.answers)
    assert {"gunicorn.access", "gunicorn.error", "app"} <= {r.get("name") for r in records}
    assert not any(key.startswith("ecs_") for r in records for key in r), records[:2]
