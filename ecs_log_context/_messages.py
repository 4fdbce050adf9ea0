"""The library's own messages: on its logger, guarded, once per change of what they say."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .errors import printable

if TYPE_CHECKING:
    from ._snapshot import Snapshot
    from ._source import Source

__all__ = ["BUILD_FAILED", "UNEXPECTED", "say", "tell"]

logger = logging.getLogger("ecs_log_context")

STALE = "ECS log context: refresh failed, keeping the last metadata: %s"
FAILING = "ECS log context: no metadata yet, retrying with backoff: %s"
BUILD_FAILED = "ECS log context could not build the fields of %r"
UNEXPECTED = "ECS log context: unexpected error while fetching"


def say(level: int, message: str, *args: object, exc_info: Any = None) -> None:
    """Log on the library's logger; a user's filter or handler that raises costs nothing."""
    with contextlib.suppress(Exception):  # the refresher must outlive any user handler
        logger.log(level, message, *args, exc_info=exc_info)


def tell(
    previous: str,
    state: str,
    *,
    snapshot: Snapshot | None,
    source: Source | None,
    error: str | None,
    told_missing: Mapping[str, str],
) -> Mapping[str, str]:
    """Say a change of state, and each new reason for a missing part; what was said of those."""
    if state != previous:
        said = printable(error or "", 300)
        if state == "ready" and snapshot is not None and source is not None:
            say(
                logging.INFO,
                "ECS log context ready: task %s from %s %s in %.0f ms",
                printable(snapshot.task.task_arn or ""),
                source.kind,
                source.location,
                snapshot.duration * 1000,
            )
        elif state == "stale":
            say(logging.WARNING, STALE, said)
        elif state == "failing":
            say(logging.WARNING, FAILING, said)
    missing = snapshot.missing if snapshot is not None and state == "ready" else {}
    if missing and missing != told_missing:
        for part, reason in missing.items():
            if told_missing.get(part) != reason:
                say(logging.WARNING, "ECS log context: no %s: %s", part, reason)
        return missing
    return told_missing
