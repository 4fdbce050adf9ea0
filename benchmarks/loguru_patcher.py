"""Per record, loguru: `EcsContextPatcher` as the configured patcher, against a bare function.

loguru keeps its handlers and its patcher in the logger's core, shared by every logger bound
from it; each variant gets a core of its own the way loguru's documentation makes independent
loggers (``copy.deepcopy`` of the logger once its handlers are removed: this process logs
nothing through loguru's own). Each is configured with one cheap sink (a function that does
nothing, ``format="{message}"``) and its patcher; the limit is
``def patch(record): record["extra"].update(FIELDS)`` with the very fields the patcher fetched
from the package's mock.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from importlib import metadata
from typing import Any

from ._harness import GroupResult, Mode, interleaved
from .per_record import Gate, _per_record_result

LIMIT = "+ bare patcher function (limit)"


def _skipped(reason: str) -> GroupResult:
    return GroupResult(
        "loguru",
        f"Per record, loguru: skipped, {reason}",
        ["skipped"],
        [[f"{reason}: pip install 'ecs-log-context[loguru]'"]],
        {"skipped": reason},
    )


def loguru_group(mode: Mode) -> GroupResult:
    """loguru with ``patcher=EcsContextPatcher()`` against a bare patcher function."""
    try:
        from loguru import logger as loguru_logger
    except ImportError:
        return _skipped("loguru is not installed")
    from ecs_log_context import EcsContextPatcher
    from ecs_log_context.mock.server import MockEndpoint

    mock = MockEndpoint(throttle=False).start()
    try:
        patcher = EcsContextPatcher(environ=mock.environ())
        if not patcher.context.wait_ready(10):
            raise RuntimeError(f"no metadata from the mock: {patcher.context.status()}")
    finally:
        mock.stop()
    probe: dict[str, Any] = {"extra": {}}
    patcher(probe)
    fields = dict(probe["extra"])
    if len(fields) != 6:
        raise RuntimeError(f"the patcher does not add the default six fields: {fields}")

    def bare_patch(record: Any) -> None:
        record["extra"].update(fields)

    patchers: dict[str, Callable[[Any], None] | None] = {
        "baseline": None,
        LIMIT: bare_patch,
        "+ EcsContextPatcher": patcher,
    }
    loguru_logger.remove()

    def make(sink: Callable[[Any], None], patch: Callable[[Any], None] | None) -> Any:
        log = copy.deepcopy(loguru_logger)
        log.configure(handlers=[{"sink": sink, "format": "{message}"}], patcher=patch)
        return log

    extras: dict[str, dict[str, Any]] = {}
    for name, patch in patchers.items():

        def keep(message: Any, name: str = name) -> None:
            extras[name] = dict(message.record["extra"])

        make(keep, patch).info("order placed")
        expected = {} if patch is None else fields
        if extras.get(name) != expected:
            raise RuntimeError(f"{name}: the record's extra is {extras.get(name)}, not {expected}")

    def nothing(message: Any) -> None:
        pass

    def runner(log: Any) -> Callable[[int], None]:
        info = log.info

        def run(n: int) -> None:
            for _ in range(n):
                info("order placed")

        return run

    timing = interleaved(
        {name: runner(make(nothing, patch)) for name, patch in patchers.items()},
        batch=mode.batch,
        seconds=mode.seconds_per_group,
    )
    result = _per_record_result(
        "loguru",
        title="Per record, loguru (a function sink doing nothing, format='{message}')",
        timing=timing,
        limit=LIMIT,
        gated={"+ EcsContextPatcher": Gate("patcher / limit", LIMIT, "loguru_ratio")},
        mode=mode,
    )
    version = metadata.version("loguru")
    result.data["loguru"] = version
    result.notes.append(f"loguru {version}")
    return result
