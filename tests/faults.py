"""Workers for child processes (importable by multiprocessing's spawn)."""

from __future__ import annotations

import logging
import time
from typing import Any

from .capture import RecordCapture

# -- workers for child processes (importable by multiprocessing's spawn) ---------------------


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
