"""``ecs-log-context run [--] COMMAND ...`` as a user meets it: the console script next to
``sys.executable``, against the package's mock endpoint.

The command takes the place of ``run`` (its PID, signals and exit status), every Python process
it starts (spawned, forkserver'd, ``subprocess``'d) has the fields on every record of every
logger, an image's own ``sitecustomize`` still runs, and each process asks the endpoint a
bounded number of times. The figures (requests to the endpoint) are printed; ``-rP`` shows them.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ecs_log_context._cli._run import BOOTSTRAP
from ecs_log_context.mock.server import MockEndpoint

from .child_processes import base_environ, enriched

RUN = str(Path(sys.executable).parent / "ecs-log-context")
PYTHON = sys.executable
TIMEOUT = 60.0
PER_PROCESS = 2
"""Requests one Python process that logs makes to the v4 endpoint: the task and its own
container, once; its later records use the cached answer."""

pytestmark = pytest.mark.skipif(os.name != "posix", reason="run execs the command on POSIX")

PROBE = """
import json, logging, os, sys


class _JsonLine(logging.Formatter):
    def format(self, record):
        return "RECORD " + json.dumps(record.__dict__, default=str)


def log_one(name):
    # A logger of its own that does not propagate, with its own handler: no filter anywhere.
    log = logging.getLogger(name)
    log.propagate = False
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_JsonLine())
    log.addHandler(handler)
    log.warning("from %s", name)
    handler.flush()
"""
"""Python source: ``log_one(name)`` writes one record, all its attributes, as a JSON line."""


def probe(*lines: str) -> str:
    """`PROBE`, then the statements."""
    return PROBE + "\n".join(lines) + "\n"


def environ(mock: MockEndpoint, **extra: str) -> dict[str, str]:
    # A 10 s start-up bound: a busy machine's first fetch still lands before the first record.
    return base_environ(**{**mock.environ(), "ECS_LOG_CONTEXT_TIMEOUT": "10", **extra})


def run(
    argv: list[str], env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def records(stdout: str) -> list[dict[str, Any]]:
    """The records that `PROBE` wrote."""
    prefix = "RECORD "
    return [
        json.loads(line[len(prefix) :]) for line in stdout.splitlines() if line.startswith(prefix)
    ]


def tagged(stdout: str, tag: str) -> Any:
    """The JSON value on the one line that starts with ``tag``."""
    found = [line[len(tag) + 1 :] for line in stdout.splitlines() if line.startswith(tag + " ")]
    assert 1 == len(found), f"expected one {tag!r} line in:\n{stdout}"
    return json.loads(found[0])


def figures(what: str, mock: MockEndpoint, logging_processes: int) -> None:
    print(
        f"{what}: {mock.request_count} requests to the endpoint from {logging_processes} "
        f"logging process(es), bound {PER_PROCESS * logging_processes}"
    )
    assert mock.request_count <= PER_PROCESS * logging_processes, mock.requests


# -- the fields ----------------------------------------------------------------------------------


def test_a_python_command_is_enriched_and_without_run_is_not(mock: MockEndpoint) -> None:
    """A ``python -c`` command's record, on a non-propagating logger with its own handler,
    carries the six default fields under ``run``; the same command without ``run`` has none
    (the fields come from ``run``, not from the test's environment)."""
    command = [PYTHON, "-c", probe("log_one('app')")]
    env = environ(mock)
    bare = run(command, env)
    assert 0 == bare.returncode, bare.stderr
    [without] = records(bare.stdout)
    assert not any(key.startswith("ecs_") for key in without), without
    assert 0 == mock.request_count, "a process without install() asked the endpoint"

    done = run([RUN, "run", "--", *command], env)
    assert 0 == done.returncode, done.stderr
    assert "" == done.stderr
    [record] = records(done.stdout)
    assert enriched(record, mock), record
    figures("one python -c", mock, 1)


def test_the_double_dash_is_optional(mock: MockEndpoint) -> None:
    """``run COMMAND`` without ``--`` runs the same, its own options left to it."""
    done = run([RUN, "run", PYTHON, "-W", "ignore", "-c", probe("log_one('app')")], environ(mock))
    assert 0 == done.returncode, done.stderr
    [record] = records(done.stdout)
    assert enriched(record, mock), record


# -- exec: the command's PID, exit status and signals --------------------------------------------


def test_the_command_has_the_pid_of_run(mock: MockEndpoint) -> None:
    """The command runs in the process Popen started for ``run`` (exec, not a child), and a
    Python process that logs nothing asks the endpoint nothing."""
    process = subprocess.Popen(
        [RUN, "run", "--", PYTHON, "-c", "import os; print('PID', os.getpid())"],
        env=environ(mock),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate(timeout=TIMEOUT)
    assert 0 == process.returncode, err
    assert process.pid == tagged(out, "PID")
    assert 0 == mock.request_count, mock.requests
    print(f"a Python command that logs nothing: {mock.request_count} requests to the endpoint")


def test_the_exit_status_is_the_commands(mock: MockEndpoint) -> None:
    """``sh -c 'exit 7'`` gives 7; a Python command killed by SIGKILL gives -SIGKILL, as the
    same command does without ``run``."""
    env = environ(mock)
    assert 7 == run([RUN, "run", "--", "sh", "-c", "exit 7"], env).returncode
    killed = [PYTHON, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    assert -signal.SIGKILL == run(killed, env).returncode
    assert -signal.SIGKILL == run([RUN, "run", "--", *killed], env).returncode


def _read_line(process: subprocess.Popen[str], deadline: float) -> str:
    assert process.stdout is not None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            return process.stdout.readline()
        assert process.poll() is None, f"the command ended ({process.returncode})"
    raise AssertionError("the command did not say it was ready")


def test_sigterm_to_run_reaches_the_command(mock: MockEndpoint) -> None:
    """SIGTERM sent to the process Popen started for ``run`` (not to its group) reaches the
    command's handler, which exits 0: the signal is the command's."""
    code = "\n".join(
        [
            "import signal, sys, time",
            "def on_term(signum, frame):",
            "    print('got SIGTERM', flush=True)",
            "    sys.exit(0)",
            "signal.signal(signal.SIGTERM, on_term)",
            "print('ready', flush=True)",
            "while True:",
            "    time.sleep(0.05)",
        ]
    )
    process = subprocess.Popen(
        [RUN, "run", "--", PYTHON, "-c", code],
        env=environ(mock),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert "ready\n" == _read_line(process, time.monotonic() + TIMEOUT)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.communicate(timeout=10)
    assert 0 == process.returncode, err
    assert "got SIGTERM\n" == out


# -- what run refuses ----------------------------------------------------------------------------


def test_a_command_not_found_is_127(mock: MockEndpoint) -> None:
    """One line on stderr names the command; the status is a shell's, 127."""
    name = "ecs-log-context-test-no-such-command"
    done = run([RUN, "run", "--", name, "--flag"], environ(mock))
    assert 127 == done.returncode
    assert 1 == len(done.stderr.splitlines()), done.stderr
    assert name in done.stderr
    assert "" == done.stdout


def test_a_file_that_is_not_executable_is_126(mock: MockEndpoint, tmp_path: Path) -> None:
    """A script given by path, there but without execute permission: 126, as a shell says,
    in one line naming it; the script does not run."""
    script = tmp_path / "entrypoint.sh"
    script.write_text("#!/bin/sh\necho ran\n")
    script.chmod(0o644)
    done = run([RUN, "run", "--", str(script)], environ(mock))
    assert 126 == done.returncode, done.stderr
    assert 1 == len(done.stderr.splitlines()), done.stderr
    assert str(script) in done.stderr
    assert "" == done.stdout


@pytest.mark.parametrize("argv", [["run"], ["run", "--"]], ids=["nothing", "double-dash"])
def test_no_command_is_2(argv: list[str], mock: MockEndpoint) -> None:
    done = run([RUN, *argv], environ(mock))
    assert 2 == done.returncode
    assert "command" in done.stderr
    assert "" == done.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [("ECS_LOG_CONTEXT_STYLE", "bogus"), ("ECS_LOG_CONTEXT_TIMEOUT", "soon")],
)
def test_a_bad_setting_is_2_before_exec(
    name: str, value: str, mock: MockEndpoint, tmp_path: Path
) -> None:
    """A setting that cannot be used fails ``run`` itself, 2, naming the variable and its
    value, and the command never starts (it would have left a file)."""
    marker = tmp_path / "started"
    done = run([RUN, "run", "--", "touch", str(marker)], environ(mock, **{name: value}))
    assert 2 == done.returncode
    assert name in done.stderr
    assert value in done.stderr
    assert not marker.exists()
    assert 0 == mock.request_count


# -- the command's own children ------------------------------------------------------------------

MP_SCRIPT = probe(
    "import multiprocessing",
    "if __name__ == '__main__':",
    "    method = sys.argv[1]",
    "    log_one('parent')",
    "    child = multiprocessing.get_context(method).Process(target=log_one, args=('child',))",
    "    child.start()",
    "    child.join(30)",
    "    sys.exit(child.exitcode)",
)


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_multiprocessing_children_are_enriched(
    method: str, mock: MockEndpoint, tmp_path: Path
) -> None:
    """A child started with the "spawn" or "forkserver" method (a fresh interpreter, or a fork
    of one) logs through its own non-propagating logger: enriched, as is the parent."""
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    script = tmp_path / "mp_main.py"
    script.write_text(MP_SCRIPT)
    process = subprocess.Popen(
        [RUN, "run", "--", PYTHON, str(script), method],
        env=environ(mock),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate(timeout=TIMEOUT)
    assert 0 == process.returncode, err
    by_name = {r["name"]: r for r in records(out)}
    assert {"parent", "child"} == set(by_name), out
    assert process.pid == by_name["parent"]["process"]
    assert process.pid != by_name["child"]["process"]
    assert enriched(by_name["parent"], mock), by_name["parent"]
    assert enriched(by_name["child"], mock), by_name["child"]
    figures(f"multiprocessing {method}", mock, 2)


def test_a_subprocess_of_the_command_is_enriched(mock: MockEndpoint) -> None:
    """``subprocess.run([sys.executable, "-c", ...])`` inside the command: the grandchild,
    a new interpreter that inherits the environment, is enriched."""
    outer = "\n".join(
        [
            "import os, subprocess, sys",
            "print('PID', os.getpid(), flush=True)",
            "subprocess.run([sys.executable, '-c', sys.argv[1]], check=True)",
        ]
    )
    done = run(
        [RUN, "run", "--", PYTHON, "-c", outer, probe("log_one('grandchild')")], environ(mock)
    )
    assert 0 == done.returncode, done.stderr
    [record] = records(done.stdout)
    assert record["process"] != tagged(done.stdout, "PID")
    assert enriched(record, mock), record
    figures("a subprocess of the command", mock, 1)


# -- the interpreter's start-up: another sitecustomize, sys.path, PYTHONPATH ---------------------

THEIRS = """
import builtins
builtins.THEIRS_SITECUSTOMIZE = "ran"
"""
"""An image's ``sitecustomize``: a mark in the interpreter it runs in. (Not in the environment:
the ``ecs-log-context`` process is Python too, runs it as well, and passes its environment on.)"""
STATE = probe(
    "import builtins, importlib.util",
    "log_one('app')",
    "print('STATE', json.dumps({",
    "    'marker': getattr(builtins, 'THEIRS_SITECUSTOMIZE', None),",
    "    'module': sys.modules['sitecustomize'].__file__,",
    "    'found': importlib.util.find_spec('sitecustomize').origin,",
    "    'sys_path': [os.path.abspath(entry or '.') for entry in sys.path],",
    "    'pythonpath': os.environ['PYTHONPATH'].split(os.pathsep),",
    "}))",
)


def test_an_images_own_sitecustomize_still_runs(mock: MockEndpoint, tmp_path: Path) -> None:
    """An image's ``sitecustomize`` on ``PYTHONPATH`` runs too, after ours: the fields and its
    marker are both there. The program sees only its own: ``import sitecustomize`` and the
    finder give the image's, the bootstrap directory is not on ``sys.path``, and
    ``PYTHONPATH`` keeps it first, for the processes the program starts."""
    theirs = tmp_path / "image"
    theirs.mkdir()
    (theirs / "sitecustomize.py").write_text(THEIRS)
    command = [RUN, "run", "--", PYTHON, "-c", STATE]
    process = subprocess.Popen(
        command,
        env=environ(mock, PYTHONPATH=str(theirs)),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate(timeout=TIMEOUT)
    assert 0 == process.returncode, err
    state = tagged(out, "STATE")
    [record] = records(out)
    assert enriched(record, mock), record
    assert "ran" == state["marker"]
    assert str(theirs / "sitecustomize.py") == state["module"]
    assert str(theirs / "sitecustomize.py") == state["found"]
    assert BOOTSTRAP not in state["sys_path"]
    assert str(theirs) in state["sys_path"]
    assert [BOOTSTRAP, str(theirs)] == state["pythonpath"]


def test_nested_run_puts_the_bootstrap_once(mock: MockEndpoint, tmp_path: Path) -> None:
    """``run -- ecs-log-context run -- python ...``: the bootstrap is on ``PYTHONPATH`` once,
    the command still has the first process's PID (exec twice), is enriched, and the middle
    ``run``, which logs nothing, asks the endpoint nothing."""
    process = subprocess.Popen(
        [RUN, "run", "--", RUN, "run", "--", PYTHON, "-c", STATE + "print('PID', os.getpid())"],
        env=environ(mock),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out, err = process.communicate(timeout=TIMEOUT)
    assert 0 == process.returncode, err
    state = tagged(out, "STATE")
    assert 1 == state["pythonpath"].count(BOOTSTRAP), state["pythonpath"]
    assert BOOTSTRAP not in state["sys_path"]
    assert process.pid == tagged(out, "PID")
    [record] = records(out)
    assert enriched(record, mock), record
    figures("nested run", mock, 1)


def test_many_records_ask_once(mock: MockEndpoint) -> None:
    """A process that logs 200 records asks the endpoint as often as one that logs one."""
    code = probe(
        "log_one('app')",
        "log = logging.getLogger('app')",
        "for number in range(199):",
        "    log.warning('record %d', number)",
    )
    done = run([RUN, "run", "--", PYTHON, "-c", code], environ(mock))
    assert 0 == done.returncode, done.stderr
    logged = records(done.stdout)
    good = sum(enriched(r, mock) for r in logged)
    print(f"200 records: {good}/{len(logged)} lines enriched")
    assert 200 == len(logged)
    assert 200 == good
    figures("200 records in one process", mock, 1)


def test_an_empty_pythonpath_entry_stays_the_current_directory(
    mock: MockEndpoint, tmp_path: Path
) -> None:
    """``ENV PYTHONPATH=/app:$PYTHONPATH`` with nothing set leaves a trailing empty entry,
    which Python reads as the current directory: run keeps it, so the program's own modules
    import from there as they do without run."""
    (tmp_path / "mymod.py").write_text("VALUE = 'mine'\n")
    script = tmp_path / "bin" / "app.py"  # a script's own folder, not the cwd, is sys.path[0]
    script.parent.mkdir()
    script.write_text("import mymod\nprint('VALUE', mymod.VALUE)\n")
    env = environ(mock, PYTHONPATH=os.pathsep.join([str(tmp_path / "absent"), ""]))
    for argv in ([PYTHON, str(script)], [RUN, "run", "--", PYTHON, str(script)]):
        done = run(argv, env, tmp_path)
        assert 0 == done.returncode, done.stderr
        assert "VALUE mine" in done.stdout
