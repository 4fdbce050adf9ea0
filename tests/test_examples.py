"""The scripts in examples/: enriched against the mock endpoint, unchanged and quick off ECS."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from runpy import run_path
from typing import Any, NamedTuple

import pytest

from ecs_log_context.mock.server import MockEndpoint

REPO = Path(__file__).resolve().parent.parent
SCRIPTS = ("structlog_json", "stdlib_json", "dict_config", "asyncio_app", "loguru_json")
RUN_TIMEOUT = 30.0
# dict_config's text handler: "... [cluster family:revision task_id] logger: message".
TEXT_LINE = re.compile(
    r"\[(?P<cluster>\S+) (?P<family>\S+):(?P<revision>\S+) (?P<task_id>\S+)\] (?P<name>\S+): "
)

# Library bugs these tests found; strict, so a fix turns them into failures to remove.
not_on_windows = pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix only")


def off_ecs_environ() -> dict[str, str]:
    """This process's environment without any ECS variable."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith("ECS_") and name.upper() != "AWS_EXECUTION_ENV"
    }


def expected_fields(mock: MockEndpoint) -> dict[str, str]:
    """The default flat fields of the task the mock serves, read from its task."""
    task = mock.task
    own = next(c for c in task["Containers"] if c["DockerId"] == mock.own_container_docker_id)
    return {
        "ecs_cluster": str(task["Cluster"]).rpartition("/")[2],
        "ecs_task_arn": task["TaskARN"],
        "ecs_task_family": task["Family"],
        "ecs_task_revision": str(task["Revision"]),
        "ecs_availability_zone": task["AvailabilityZone"],
        "ecs_container_name": own["Name"],
    }


def run_example(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run examples/<name>.py from the repository's root; it must exit 0."""
    result = subprocess.run(
        [sys.executable, f"examples/{name}.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of the text, each a JSON object."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def app_records(text: str) -> list[dict[str, Any]]:
    """The JSON lines that the example's own loggers ("app", "app.db") wrote."""
    return [r for r in json_lines(text) if str(r.get("name", "")).split(".")[0] == "app"]


def text_records(text: str) -> list[re.Match[str]]:
    """dict_config's plain lines that the example's own loggers wrote, parsed."""
    matches = [TEXT_LINE.search(line) for line in text.splitlines()]
    return [m for m in matches if m is not None and m["name"].split(".")[0] == "app"]


def ecs_values(record: dict[str, Any]) -> dict[str, Any]:
    """The keys of the record that the library may add."""
    return {key: value for key, value in record.items() if key.startswith("ecs_")}


def test_structlog_json_enriched(mock: MockEndpoint) -> None:
    """Every structlog event of structlog_json.py carries the task's six default fields."""
    result = run_example("structlog_json", off_ecs_environ() | mock.environ())
    events = json_lines(result.stdout)
    assert 3 == len(events)
    for event in events:
        assert expected_fields(mock) == ecs_values(event)
    assert "order placed" == events[0]["event"]
    assert "7f3a9c" == events[0]["request_id"]


def test_loguru_json_enriched(mock: MockEndpoint) -> None:
    """loguru_json.py's serialized lines carry the six fields in record.extra, with its own
    patcher's key (``then=``) and its bound and contextualized keys."""
    pytest.importorskip("loguru")
    result = run_example("loguru_json", off_ecs_environ() | mock.environ())
    extras = [line["record"]["extra"] for line in json_lines(result.stdout)]
    assert 2 == len(extras)
    for extra in extras:
        assert expected_fields(mock) == ecs_values(extra)
        assert "checkout" == extra["service"]
    assert {"request_id": "7f3a9c", "order_id": 42}.items() <= extras[1].items()


def test_stdlib_json_enriched(mock: MockEndpoint) -> None:
    """Both handlers of stdlib_json.py, formatter and filter, enrich every app record."""
    result = run_example("stdlib_json", off_ecs_environ() | mock.environ())
    for stream in (result.stdout, result.stderr):
        records = app_records(stream)
        assert ["app", "app.db", "app"] == [r["name"] for r in records]
        for record in records:
            assert expected_fields(mock) == ecs_values(record)


def test_dict_config_enriched(mock: MockEndpoint) -> None:
    """dict_config.py's text lines show the task and its id; its JSON lines, the six fields."""
    result = run_example("dict_config", off_ecs_environ() | mock.environ())
    expected = expected_fields(mock)
    lines = text_records(result.stdout)
    assert ["app", "app.db", "app"] == [match["name"] for match in lines]
    for match in lines:
        assert expected["ecs_cluster"] == match["cluster"]
        assert expected["ecs_task_family"] == match["family"]
        assert expected["ecs_task_revision"] == match["revision"]
        assert expected["ecs_task_arn"].rpartition("/")[2] == match["task_id"]
    records = app_records(result.stderr)
    assert 3 == len(records)
    for record in records:
        # The JSON handler runs first: its formatter's six fields, not the filter's options.
        assert expected == ecs_values(record)


def test_asyncio_app_enriched(mock: MockEndpoint) -> None:
    """asyncio_app.py is ready after its start-up wait, and every task's event is enriched."""
    result = run_example("asyncio_app", off_ecs_environ() | mock.environ())
    events = json_lines(result.stdout)
    assert True is events[0]["metadata_ready"]
    assert {0, 1, 2} == {e["worker"] for e in events if "worker" in e}
    for event in events:
        assert expected_fields(mock) == ecs_values(event)


@pytest.mark.parametrize("name", SCRIPTS)
def test_off_ecs_adds_nothing(name: str) -> None:
    """Off ECS a script logs its lines at once, without a field, a warning or a wait.

    The library's timeout is set to 30 s: a script that waited on it would fail the time check.
    """
    env = off_ecs_environ() | {"ECS_LOG_CONTEXT_TIMEOUT": "30"}
    started = time.monotonic()
    result = run_example(name, env)
    assert time.monotonic() - started < 15
    if name == "dict_config":
        lines = text_records(result.stdout)
        assert 3 == len(lines)
        for match in lines:
            assert ("-",) * 4 == match.group("cluster", "family", "revision", "task_id")
        records = json_lines(result.stderr)
    elif name == "loguru_json":
        records = [line["record"]["extra"] for line in json_lines(result.stdout)]
        assert 2 == len(records)
    else:
        records = json_lines(result.stdout) + json_lines(result.stderr)
    assert len(records) >= 2
    for record in records:
        assert not any(key.startswith("ecs_") for key in record)
        assert "ecs_log_context" != record.get("name")


# -- gunicorn -----------------------------------------------------------------------------------


class Fleet(NamedTuple):
    """What a gunicorn run of the example left behind."""

    records: list[dict[str, Any]]
    pids: set[int]


def free_port() -> int:
    """A loopback port that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def served_by(url: str) -> int:
    """GET the URL: the pid of the worker that answered."""
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 -- loopback http
        body: bytes = response.read()
    return int(body.split()[-1])


def two_workers(port: int) -> set[int]:
    """Hold one sync worker on a half-sent request: the next request must go to another."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as held:
        held.sendall(b"GET /held HTTP/1.0\r\n")  # the worker that accepts it waits for the rest
        other = served_by(f"http://127.0.0.1:{port}/other")
        held.sendall(b"Host: 127.0.0.1\r\n\r\n")
        with held.makefile("rb") as response:
            body = response.read()  # HTTP/1.0: until the worker closes
    return {other, int(body.split()[-1])}


READY_CONF = REPO / "tests" / "apps" / "gunicorn_ready.conf.py"
WORKERS: int = run_path(str(REPO / "examples" / "gunicorn.conf.py"))["workers"]


def wait_for_workers(process: subprocess.Popen[bytes], err_path: Path, deadline: float) -> None:
    """Wait until every worker has its signal handlers (see `READY_CONF`), or fail."""
    while err_path.read_text().count("worker ready:") < WORKERS:
        assert process.poll() is None, err_path.read_text()
        assert time.monotonic() < deadline, "gunicorn's workers did not start"
        time.sleep(0.05)


def run_gunicorn(env: dict[str, str], tmp: Path) -> Fleet:
    """Start the example's gunicorn, have two workers or more answer, then SIGTERM."""
    pytest.importorskip("gunicorn")
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(READY_CONF),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    if tuple(int(part) for part in version("gunicorn").split(".")[:2]) >= (25, 1):
        command.append("--no-control-socket")  # no socket left in the user's home
    out_path, err_path = tmp / "stdout", tmp / "stderr"
    pids: set[int] = set()
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=err)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + RUN_TIMEOUT
            while True:
                assert process.poll() is None, err_path.read_text()
                try:
                    pids.add(served_by(url + "/health"))
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.1)
            pids |= two_workers(port)
            for number in range(5):
                pids.add(served_by(f"{url}/orders/{number}"))
            # Two workers answering is not all of them up: a SIGTERM that reaches one still
            # starting is ignored, and the arbiter waits its 30 s graceful timeout for it.
            wait_for_workers(process, err_path, deadline)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=RUN_TIMEOUT)
    assert 0 == process.returncode, err_path.read_text()
    return Fleet(app_records(out_path.read_text()), pids)


@pytest.fixture(scope="module")
def fleet_on_ecs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MockEndpoint, Fleet]]:
    """One preloaded gunicorn run against the mock, shared by the tests that read it."""
    endpoint = MockEndpoint(launch_type="EC2").start()
    try:
        fleet = run_gunicorn(
            off_ecs_environ() | endpoint.environ(), tmp_path_factory.mktemp("gunicorn")
        )
        yield endpoint, fleet
    finally:
        endpoint.stop()


@not_on_windows
def test_gunicorn_workers_enriched(fleet_on_ecs: tuple[MockEndpoint, Fleet]) -> None:
    """Every request line, from at least two worker pids, carries the task's fields."""
    mock, fleet = fleet_on_ecs
    assert len(fleet.pids) >= 2
    assert fleet.pids == {r["process"] for r in fleet.records}
    for record in fleet.records:
        assert expected_fields(mock) == ecs_values(record)


@not_on_windows
def test_gunicorn_fleet_fetches_once(fleet_on_ecs: tuple[MockEndpoint, Fleet]) -> None:
    """With preload_app, the master's one fetch before the fork serves the whole fleet."""
    mock, _ = fleet_on_ecs
    task_requests = [r for r in mock.requests if r.path.endswith("/task")]
    assert 1 == len(task_requests), mock.requests


@not_on_windows
def test_gunicorn_off_ecs(tmp_path: Path) -> None:
    """Off ECS the workers serve and log at once, and nothing is added."""
    fleet = run_gunicorn(off_ecs_environ() | {"ECS_LOG_CONTEXT_TIMEOUT": "30"}, tmp_path)
    assert fleet.records
    for record in fleet.records:
        assert {} == ecs_values(record)
