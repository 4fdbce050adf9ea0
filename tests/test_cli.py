"""The ``ecs-log-context`` command line, driven as users drive it: as a separate process."""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from ecs_log_context import _cli as cli
from ecs_log_context._cli import _output
from ecs_log_context.mock import MockEndpoint

from .documents import FIXTURES, fixture_text

pytestmark = pytest.mark.timeout(60)

COMMAND = [sys.executable, "-m", "ecs_log_context"]
TIMEOUT = 30.0
EXPORTED = {
    "ECS_CONTAINER_METADATA_URI_V4",
    "ECS_CONTAINER_METADATA_URI",
    "ECS_LOG_CONTEXT_V2_ENDPOINT",
    "AWS_EXECUTION_ENV",
}
DEFAULT_FLAT_KEYS = {
    "ecs_cluster",
    "ecs_task_arn",
    "ecs_task_family",
    "ecs_task_revision",
    "ecs_availability_zone",
    "ecs_container_name",
}
CANARY = "checkout-api-canary"
# The built-in EC2 sample the mock serves.
SAMPLE = MockEndpoint(launch_type="EC2").task
SAMPLE_NAMES = [c["Name"] for c in SAMPLE["Containers"]]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any ECS variable, plus ``extra``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ECS_") and name != "AWS_EXECUTION_ENV"
    }
    env.update(extra)
    return env


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line to completion (killed after TIMEOUT seconds)."""
    return subprocess.run(
        [*COMMAND, *args],
        env=clean_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def json_lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def read_exports(process: subprocess.Popen[str], count: int = 4) -> dict[str, str]:
    """The ``export NAME=value`` lines a ``serve`` process prints first, as a dict."""
    lines: list[str] = []

    def reader() -> None:
        assert process.stdout is not None
        while len(lines) < count:
            line = process.stdout.readline()
            if not line:
                return
            lines.append(line)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert count == len(lines), f"serve printed {lines!r}"
    exports = {}
    for line in lines:
        word, assignment = shlex.split(line)
        assert "export" == word
        name, _, value = assignment.partition("=")
        exports[name] = value
    return exports


# `python -m ecs_log_context` as from a terminal: under a runner started as a background job
# of a shell, SIGINT is ignored and a child inherits that (serve keeps it, as it should).
INTERRUPTIBLE = (
    sys.executable,
    "-c",
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('ecs_log_context', run_name='__main__', alter_sys=True)",
)


@contextmanager
def serving(*options: str) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """``ecs-log-context serve --port 0`` in a process, with the variables it exports."""
    process = subprocess.Popen(
        [*INTERRUPTIBLE, "serve", "--port", "0", *options],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, read_exports(process)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=TIMEOUT)


def stop(process: subprocess.Popen[str], signum: int) -> tuple[int, str]:
    """Send a signal, wait for the process to end: its exit status and its stderr."""
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=TIMEOUT)
    return process.returncode, stderr


# -- demo -------------------------------------------------------------------------------------


def test_demo_logs_enriched_json_through_structlog_and_logging() -> None:
    """Every stdout line is JSON with the default flat keys; the caller's own key wins."""
    started = time.monotonic()
    result = run("demo")
    elapsed = time.monotonic() - started

    assert 0 == result.returncode, result.stderr
    records = json_lines(result.stdout)
    assert 6 == len(records)
    for record in records:
        assert DEFAULT_FLAT_KEYS <= record.keys()
        assert SAMPLE["Family"] == record["ecs_task_family"]
        assert SAMPLE["TaskARN"] == record["ecs_task_arn"]
    by_message = [(r.get("event") or r.get("message"), r["ecs_container_name"]) for r in records]
    assert [
        ("request served", "checkout-api"),
        ("order placed", CANARY),
        ("payment provider slow", "checkout-api"),
    ] * 2 == by_message
    assert ["info", "info", "warning"] == [r["level"] for r in records[:3]]
    assert all("timestamp" in record for record in records)
    assert "structlog" in result.stderr
    assert "python-json-logger" in result.stderr
    assert "http://127.0.0.1:" in result.stderr
    assert elapsed < 2.0


def test_demo_otel_style() -> None:
    """``--style otel`` gives the semantic-convention keys and the cloud constants."""
    result = run("demo", "--style", "otel")

    assert 0 == result.returncode, result.stderr
    records = json_lines(result.stdout)
    assert 6 == len(records)
    for record in records:
        assert "aws" == record["cloud.provider"]
        assert "aws_ecs" == record["cloud.platform"]
        assert SAMPLE["TaskARN"] == record["aws.ecs.task.arn"]
        assert SAMPLE["TaskARN"].rpartition("/")[2] == record["aws.ecs.task.id"]
        assert record["aws.ecs.cluster.arn"].startswith("arn:aws:ecs:")
        assert not any(key.startswith("ecs_") for key in record)
    assert [CANARY, CANARY] == [
        r["container.name"] for r in records if "order" in (r.get("event") or r["message"])
    ]


def test_demo_nested_style() -> None:
    """``--style nested`` puts every key under ``ecs``, on every line."""
    result = run("demo", "--style", "nested")

    assert 0 == result.returncode, result.stderr
    records = json_lines(result.stdout)
    assert 6 == len(records)
    for record in records:
        assert SAMPLE["Cluster"] == record["ecs"]["cluster"]
        assert "checkout-api" == record["ecs"]["container_name"]


def test_demo_all_fields_on_fargate() -> None:
    """``--fields all --launch-type fargate`` adds the launch type and the task ID."""
    result = run("demo", "--fields", "all", "--launch-type", "fargate")

    assert 0 == result.returncode, result.stderr
    record = json_lines(result.stdout)[0]
    assert "FARGATE" == record["ecs_launch_type"]
    assert record["ecs_task_arn"].endswith("/" + record["ecs_task_id"])
    assert "FARGATE sample" in result.stderr


def test_demo_bad_fields_exits_2() -> None:
    """A field name that does not exist is a usage error naming the option."""
    result = run("demo", "--fields", "colour")

    assert 2 == result.returncode
    assert "--fields 'colour' cannot be used: expected field names" in result.stderr
    assert "" == result.stdout


def test_demo_without_structlog_and_python_json_logger() -> None:
    """Without the extras the demo logs through the filter and says what to install."""
    script = (
        "import sys\n"
        "sys.modules['structlog'] = None\n"
        "sys.modules['pythonjsonlogger'] = None\n"
        "from ecs_log_context._cli import main\n"
        "raise SystemExit(main(['demo']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert 0 == result.returncode, result.stderr
    lines = result.stdout.splitlines()
    assert 3 == len(lines)
    assert all(f"ecs_cluster={SAMPLE['Cluster']}" in line for line in lines)
    assert f"ecs_container_name={CANARY}" in lines[1]
    assert "pip install 'ecs-log-context[all]'" in result.stderr
    assert "structlog and python-json-logger not installed" in result.stderr


# -- serve, with show and stats against it -----------------------------------------------------


def test_serve_then_show_and_stats_then_terminate() -> None:
    """``serve`` exports the variables, ``show`` and ``stats`` read them, SIGTERM ends it."""
    with serving() as (process, exports):
        assert EXPORTED == exports.keys()
        assert "AWS_ECS_EC2" == exports["AWS_EXECUTION_ENV"]
        env = clean_env(**exports)

        shown = run("show", env=env)
        stats = run("stats", "--json", env=env)

        assert 0 == shown.returncode, shown.stderr
        report = json.loads(shown.stdout)
        assert {
            "ecs_cluster": SAMPLE["Cluster"],
            "ecs_task_arn": SAMPLE["TaskARN"],
            "ecs_task_family": SAMPLE["Family"],
            "ecs_task_revision": SAMPLE["Revision"],
            "ecs_availability_zone": SAMPLE["AvailabilityZone"],
            "ecs_container_name": "checkout-api",
        } == report["fields"]
        assert {
            "kind": "v4",
            "location": exports["ECS_CONTAINER_METADATA_URI_V4"],
            "variable": "ECS_CONTAINER_METADATA_URI_V4",
        } == report["source"]
        assert 0 <= report["fetch_ms"] < TIMEOUT * 1000

        assert 0 == stats.returncode, stats.stderr
        usage = json.loads(stats.stdout)
        assert SAMPLE["TaskARN"] == usage["task_arn"]
        assert SAMPLE_NAMES == [c["name"] for c in usage["containers"]]
        by_name = {c["name"]: c for c in usage["containers"]}
        assert not by_name["~internal~ecs~pause"]["has_stats"]
        for name in ("checkout-api", "log-router"):
            row = by_name[name]
            assert row["has_stats"]
            assert 0 <= row["cpu_percent"] <= 100 * (os.cpu_count() or 1)
            assert 0 < row["memory_used"] <= row["memory_limit"]
            assert 0 < row["memory_percent"] <= 100
            assert row["network_rx_bytes_per_sec"] >= 0

        status, stderr = stop(process, signal.SIGTERM)

    assert 0 == status
    assert "Traceback" not in stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_serve_ends_quietly_on_ctrl_c() -> None:
    """Ctrl-C (SIGINT) ends ``serve`` with status 0 and no traceback."""
    with serving("--launch-type", "FARGATE") as (process, exports):
        assert "AWS_ECS_FARGATE" == exports["AWS_EXECUTION_ENV"]
        status, stderr = stop(process, signal.SIGINT)

    assert 0 == status
    assert "Traceback" not in stderr
    assert "KeyboardInterrupt" not in stderr


def test_serve_latency_makes_show_fail_with_a_timeout() -> None:
    """An answer slower than ECS_LOG_CONTEXT_TIMEOUT: ``show`` exits 1 and says so."""
    with serving("--latency", "3") as (_, exports):
        result = run("show", env=clean_env(ECS_LOG_CONTEXT_TIMEOUT="0.2", **exports))

    assert 1 == result.returncode
    assert "" == result.stdout
    assert [
        "ecs-log-context show: task metadata from "
        f"{exports['ECS_CONTAINER_METADATA_URI_V4']}/task: no answer within 0.2 s (ReadTimeout)"
        "; the timeout is ECS_LOG_CONTEXT_TIMEOUT=0.2, a slow agent needs more"
    ] == result.stderr.splitlines()


def test_serve_error_rate_makes_show_fail_with_the_agents_error() -> None:
    """``--error-rate 1``: every answer is the agent's 500, and ``show`` reports it."""
    with serving("--error-rate", "1") as (_, exports):
        result = run("show", env=clean_env(**exports))

    assert 1 == result.returncode
    assert 1 == len(result.stderr.splitlines())
    assert "HTTP 500: Unable to generate metadata for v4 task" in result.stderr


def test_serve_task_file_and_container() -> None:
    """``--task-file`` serves a user's task; ``--container`` picks the exported container."""
    task_file = FIXTURES / "v4_task_ec2_awsvpc_awsdocs.json"
    with serving("--task-file", str(task_file), "--container", "curl") as (_, exports):
        result = run("show", env=clean_env(**exports))

    assert 0 == result.returncode, result.stderr
    fields = json.loads(result.stdout)["fields"]
    assert "curltest" == fields["ecs_task_family"]
    assert "curl" == fields["ecs_container_name"]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ["--latency", "-1"],
            "argument --latency: '-1' cannot be used: expected a number of seconds from 0 to 3600",
        ),
        (
            ["--error-rate", "2"],
            "argument --error-rate: '2' cannot be used: expected a fraction from 0 to 1",
        ),
        (
            ["--port", "70000"],
            "argument --port: '70000' cannot be used: expected a port number from 0 to 65535",
        ),
        (
            ["--launch-type", "ECS"],
            "argument --launch-type: 'ECS' cannot be used: expected EC2 or FARGATE",
        ),
        (
            ["--task-file", "no-such-task.json"],
            "argument --task-file: 'no-such-task.json' cannot be used: there is no such file",
        ),
        (
            ["--task-file", str(FIXTURES / "v4_stats_task_awsdocs.json")],
            "--task-file cannot be used: task file",
        ),
        (
            ["--container", "nginx"],
            "--container 'nginx' cannot be used: expected the Name of a running container",
        ),
    ],
)
def test_serve_bad_options_exit_2(options: list[str], expected: str) -> None:
    """A bad option: status 2 and one line naming the option, the value and what is accepted."""
    result = run("serve", "--port", "0", *options)

    assert 2 == result.returncode
    assert "" == result.stdout
    assert 1 == len(result.stderr.splitlines()), result.stderr
    assert expected in result.stderr


def test_serve_port_in_use_exits_1() -> None:
    """A port already taken: status 1, and a hint at --port."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--port", str(port))

    assert 1 == result.returncode
    assert f"cannot listen on 127.0.0.1 port {port}" in result.stderr
    assert "--port" in result.stderr


# -- show ---------------------------------------------------------------------------------------


def test_show_off_ecs_exits_1_with_one_sentence() -> None:
    """Off ECS, ``show`` says what is missing, in one line, and exits 1."""
    result = run("show")

    assert 1 == result.returncode
    assert "" == result.stdout
    lines = result.stderr.splitlines()
    assert 1 == len(lines)
    assert lines[0].startswith("ecs-log-context show: no Amazon ECS metadata source: ")
    assert "ECS_CONTAINER_METADATA_URI_V4" in lines[0]
    assert "ecs-log-context serve" in lines[0]


def test_show_bad_setting_exits_2_naming_the_variable() -> None:
    """``ECS_LOG_CONTEXT_TIMEOUT=abc``: status 2 and the variable's message."""
    result = run("show", env=clean_env(ECS_LOG_CONTEXT_TIMEOUT="abc"))

    assert 2 == result.returncode
    assert [
        "ecs-log-context show: ECS_LOG_CONTEXT_TIMEOUT='abc' cannot be used: "
        "expected a number of seconds from 0.001 to 60"
    ] == result.stderr.splitlines()


def test_show_all_prints_the_task_and_container_metadata(mock: MockEndpoint) -> None:
    """``show --all`` adds the full task and container metadata, with their JSON keys."""
    result = run("show", "--all", env=clean_env(**mock.environ()))

    assert 0 == result.returncode, result.stderr
    report = json.loads(result.stdout)
    assert SAMPLE["TaskARN"] == report["task_metadata"]["TaskARN"]
    assert SAMPLE_NAMES == [c["Name"] for c in report["task_metadata"]["Containers"]]
    assert "checkout-api" == report["container_metadata"]["Name"]
    assert mock.own_container_docker_id == report["container_metadata"]["DockerId"]


def test_show_reads_the_metadata_file(tmp_path: Path) -> None:
    """With only ECS_CONTAINER_METADATA_FILE set, ``show`` reads the file."""
    path = tmp_path / "ecs-container-metadata.json"
    path.write_text(
        fixture_text("container_metadata_file_ready_awsdocs.json"),
        encoding="utf-8",
    )

    result = run("show", env=clean_env(ECS_CONTAINER_METADATA_FILE=str(path)))

    assert 0 == result.returncode, result.stderr
    report = json.loads(result.stdout)
    assert {
        "kind": "file",
        "location": str(path),
        "variable": "ECS_CONTAINER_METADATA_FILE",
    } == report["source"]
    assert {
        "ecs_cluster": "default",
        "ecs_task_arn": "arn:aws:ecs:us-west-2:012345678910:task/default/"
        "2b88376d-aba3-4950-9ddf-bcb0f388a40c",
        "ecs_task_family": "console-sample-app-static",
        "ecs_task_revision": "1",
        "ecs_availability_zone": "us-east-1b",
        "ecs_container_name": "simple-app",
    } == report["fields"]


def test_show_a_metadata_file_that_is_not_json_exits_1(tmp_path: Path) -> None:
    """A broken metadata file: status 1 and the client's message naming the file."""
    path = tmp_path / "broken.json"
    path.write_text("{", encoding="utf-8")

    result = run("show", env=clean_env(ECS_CONTAINER_METADATA_FILE=str(path)))

    assert 1 == result.returncode
    assert f"container metadata file from {path}: not valid JSON" in result.stderr


def test_show_v2_without_a_container_name_explains(mock: MockEndpoint) -> None:
    """On v2 with two NORMAL containers ``show`` says why, and suggests the variable."""
    env = clean_env(ECS_LOG_CONTEXT_V2_ENDPOINT=mock.v2_endpoint)

    unknown = run("show", "--json", env=env)
    named = run("show", env={**env, "ECS_LOG_CONTEXT_CONTAINER_NAME": "log-router"})

    assert 1 == unknown.returncode
    report = json.loads(unknown.stdout)
    assert report["container"] is None
    assert "ecs_container_name" not in report["fields"]
    assert SAMPLE["Family"] == report["fields"]["ecs_task_family"]
    assert "v2" == report["source"]["kind"]
    assert 1 == len(unknown.stderr.splitlines())
    assert "cannot tell which of the task's containers" in unknown.stderr
    assert "2 containers of type NORMAL" in unknown.stderr
    assert "ECS_LOG_CONTEXT_CONTAINER_NAME" in unknown.stderr

    assert 0 == named.returncode, named.stderr
    report = json.loads(named.stdout)
    assert "log-router" == report["fields"]["ecs_container_name"]
    assert "named by ECS_LOG_CONTEXT_CONTAINER_NAME" in report["container_resolution"]


def test_show_when_disabled_exits_1() -> None:
    """``ECS_LOG_CONTEXT_ENABLED=false``: nothing would be added, and ``show`` says so."""
    result = run("show", env=clean_env(ECS_LOG_CONTEXT_ENABLED="false"))

    assert 1 == result.returncode
    assert "ECS_LOG_CONTEXT_ENABLED is false" in result.stderr


def test_show_table_on_a_terminal(
    mock: MockEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal ``show`` prints an aligned table of the source and the fields."""
    for name, value in mock.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("ECS_LOG_CONTEXT_STYLE", "otel")
    monkeypatch.setattr(_output, "is_terminal", lambda: True)

    status = cli.main(["show"])

    out = capsys.readouterr().out
    assert 0 == status
    assert f"source      v4  {mock.v4_uri}" in out
    assert "chosen by   ECS_CONTAINER_METADATA_URI_V4" in out
    assert "fields added (otel style):" in out
    assert f"  aws.ecs.task.arn         {SAMPLE['TaskARN']}" in out
    assert "  cloud.provider           aws" in out


# -- stats --------------------------------------------------------------------------------------


def test_stats_table_on_a_terminal(
    mock: MockEndpoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a terminal ``stats`` prints one row per container, in MiB and %."""
    for name, value in mock.environ().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(_output, "is_terminal", lambda: True)

    status = cli.main(["stats"])

    lines = capsys.readouterr().out.splitlines()
    assert 0 == status
    assert lines[0].split() == [
        "NAME", "DOCKER", "ID", "CPU", "%", "MEM", "USAGE", "/", "LIMIT", "MEM", "%",
        "NET", "RX", "NET", "TX",
    ]  # fmt: skip
    assert ["~internal~ecs~pause", "checkout-api", "log-router"] == [
        line.split()[0] for line in lines[1:]
    ]
    assert "no stats" in lines[1]
    assert "MiB / " in lines[2]
    assert "%" in lines[2]
    assert "KiB/s" in lines[2]


def test_stats_on_v2(mock: MockEndpoint) -> None:
    """The v2 stats route works too, with names from /v2/metadata and no network rates."""
    result = run("stats", env=clean_env(ECS_LOG_CONTEXT_V2_ENDPOINT=mock.v2_endpoint))

    assert 0 == result.returncode, result.stderr
    containers = json.loads(result.stdout)["containers"]
    assert SAMPLE_NAMES == [c["name"] for c in containers]
    assert all(c["network_rx_bytes_per_sec"] is None for c in containers)


def test_stats_from_the_metadata_file_exits_1(tmp_path: Path) -> None:
    """The metadata file has no stats: status 1 and a message saying so."""
    path = tmp_path / "metadata.json"
    path.write_text(
        fixture_text("container_metadata_file_ready_awsdocs.json"),
        encoding="utf-8",
    )

    result = run("stats", env=clean_env(ECS_CONTAINER_METADATA_FILE=str(path)))

    assert 1 == result.returncode
    assert "the metadata file has no stats" in result.stderr


def test_stats_off_ecs_exits_1() -> None:
    """Off ECS, ``stats`` exits 1 with the same sentence as ``show``."""
    result = run("stats")

    assert 1 == result.returncode
    assert result.stderr.startswith("ecs-log-context stats: no Amazon ECS metadata source")


# -- help, version, the entry points -----------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["demo"], ["serve"], ["show"], ["stats"]])
def test_help_exits_0(command: list[str]) -> None:
    """``--help`` works for the program and every subcommand."""
    result = run(*command, "--help")

    assert 0 == result.returncode
    assert result.stdout.startswith(f"usage: {' '.join(['ecs-log-context', *command])}")


def test_version() -> None:
    """``--version`` prints the installed distribution's version."""
    result = run("--version")

    assert 0 == result.returncode
    assert f"ecs-log-context {version('ecs-log-context')}\n" == result.stdout


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a subcommand ``main`` prints the help on stderr and returns 2."""
    status = cli.main([])

    assert 2 == status
    assert "demo" in capsys.readouterr().err


def test_importing_the_cli_is_cheap() -> None:
    """Importing the command line loads neither httpx, structlog, the formatter nor the mock."""
    heavy = ("httpx", "structlog", "pythonjsonlogger", "ecs_log_context.mock")
    script = (
        "import sys, ecs_log_context._cli\n"
        f"print(sorted(name for name in {heavy!r} if name in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert 0 == result.returncode, result.stderr
    assert "[]\n" == result.stdout
