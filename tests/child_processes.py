"""Code that runs in child processes: a test's body in a forked child (`run_in_fork`), and the
workers of multiprocessing's pools (importable by its spawn start method)."""

from __future__ import annotations

import faulthandler
import json
import logging
import os
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .capture import RecordCapture

if TYPE_CHECKING:
    from ecs_log_context.mock.server import MockEndpoint

__all__ = [
    "DEFAULT_KEYS",
    "INHERITED",
    "base_environ",
    "enriched",
    "is_ecs_or_proxy",
    "last_json",
    "log_through_inherited_filter",
    "log_until_enriched",
    "run_in_fork",
    "run_python",
]

DEFAULT_KEYS = (
    "ecs_cluster",
    "ecs_task_arn",
    "ecs_task_family",
    "ecs_task_revision",
    "ecs_availability_zone",
    "ecs_container_name",
)
_OURS = ("ECS_LOG_CONTEXT_", "ECS_CONTAINER_METADATA")
_ALSO = ("AWS_EXECUTION_ENV", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def is_ecs_or_proxy(name: str) -> bool:
    """A variable no test inherits: the library's, ECS's, or a proxy's."""
    return name.startswith(_OURS) or name.upper() in _ALSO


def base_environ(**extra: str) -> dict[str, str]:
    """This process's environment without any metadata or proxy variable, plus `extra`."""
    environ = {name: value for name, value in os.environ.items() if not is_ecs_or_proxy(name)}
    environ.update(extra)
    return environ


def run_python(
    *args: str, environ: dict[str, str] | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` in a child with `environ` (by default `base_environ()`); its output.

    Raises:
        AssertionError: it exited non-zero (with the end of its stderr).
    """
    done = subprocess.run(
        [sys.executable, *args],
        env=base_environ() if environ is None else environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert 0 == done.returncode, done.stderr[-3000:]
    return done


def last_json(done: subprocess.CompletedProcess[str]) -> Any:
    """The last line a child printed, as JSON."""
    return json.loads(done.stdout.splitlines()[-1])


def enriched(record: dict[str, Any], mock: MockEndpoint) -> bool:
    """The record carries the six default fields, from the mock's task."""
    return record.get("ecs_task_arn") == mock.task["TaskARN"] and all(
        record.get(key) for key in DEFAULT_KEYS
    )


def run_in_fork(body: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Run `body` in a forked child and return its JSON-able result.

    An exception in the child fails, with the child's traceback. A child that has not
    finished within `timeout` (a deadlock) dumps its threads' stacks on stderr and is
    killed, which fails too.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            os.close(read_end)
            faulthandler.dump_traceback_later(max(timeout - 2.0, timeout / 2), exit=True)
            try:
                payload = json.dumps({"result": body()}, default=str)
            except BaseException:
                payload = json.dumps({"error": traceback.format_exc()})
            data = payload.encode()
            while data:
                data = data[os.write(write_end, data) :]
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"the forked child did not finish within {timeout} s")
            ready, _, _ = select.select([read_end], [], [], remaining)
            if ready:
                chunk = os.read(read_end, 65536)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    answer = json.loads(b"".join(chunks) or b"{}")
    if "result" not in answer:
        said = answer.get(
            "error", f"no answer (wait status {status}; a deadlock dumps the stacks on stderr)"
        )
        raise AssertionError(f"the forked child failed: {said}")
    return answer["result"]


# -- workers of multiprocessing's pools ----------------------------------------------------------


def log_until_enriched(limit: float = 5.0) -> dict[str, Any]:
    """In a child process: build a filter from the environment, log until a record is enriched.

    Returns what the child saw: its pid, the first call's duration, the longest call, how long
    until a record had the fields, and the fields of the last record.
    """
    import os

    from ecs_log_context import EcsContextFilter

    started = time.monotonic()
    handler = RecordCapture()
    handler.addFilter(EcsContextFilter())
    log = logging.getLogger(f"child.{os.getpid()}")
    log.propagate = False
    log.addHandler(handler)
    durations: list[float] = []
    enriched_after: float | None = None
    while time.monotonic() - started < limit:
        t = time.monotonic()
        log.warning("from the child")
        durations.append(time.monotonic() - t)
        if "ecs_task_arn" in handler.records[-1].__dict__:
            enriched_after = time.monotonic() - started
            break
        time.sleep(0.02)
    last = handler.records[-1].__dict__
    return {
        "pid": os.getpid(),
        "first_call": durations[0],
        "longest_call": max(durations),
        "enriched_after": enriched_after,
        "fields": {k: v for k, v in last.items() if k.startswith("ecs_")},
        "records": len(handler.records),
        "calls": len(durations),
    }


INHERITED: dict[str, Any] = {}  # set by a test before it forks: what the children log through


def log_through_inherited_filter(hold: float = 0.0) -> dict[str, Any]:
    """In a forked child: log one record through the filter the parent built (``INHERITED``),
    then keep the worker busy `hold` seconds (so that a pool spreads the tasks)."""
    import os

    handler: RecordCapture = INHERITED["handler"]
    log: logging.Logger = INHERITED["logger"]
    before = len(handler.records)
    t = time.monotonic()
    log.warning("from a forked child")
    duration = time.monotonic() - t
    record = handler.records[before]
    time.sleep(hold)
    return {
        "pid": os.getpid(),
        "duration": duration,
        "fields": {k: v for k, v in record.__dict__.items() if k.startswith("ecs_")},
    }
