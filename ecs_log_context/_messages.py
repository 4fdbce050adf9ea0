"""The library's own messages: on its logger, guarded, once per change of what they say."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._settings import FieldSettings
from .errors import printable

if TYPE_CHECKING:
    from ._snapshot import Snapshot
    from ._source import Source

__all__ = ["BUILD_FAILED", "UNEXPECTED", "MissingReasons", "say", "tell", "tell_reasons"]

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
    if state != "ready" or snapshot is None:
        return told_missing  # a failed refresh keeps the snapshot, and what was said of it
    missing = snapshot.missing
    for part, reason in missing.items():
        if told_missing.get(part) != reason:
            say(logging.WARNING, "ECS log context: no %s: %s", part, reason)
    # A part that came back is forgotten: should it go missing again, that is said again.
    return dict(missing)


def tell_reasons(
    reasons: Mapping[str, str], told: Mapping[str, str], parts: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """What to say of the fields and tags not added, and what will then have been said.

    Said once per change of what they say, at INFO: what a source, a platform or a task
    simply lacks. What only repeats a part's reason (the tags' route failed, the agent's
    tag error, the own container unknown) is not said again: `tell` said the part, at
    WARNING. Tags not fetched yet are neither said nor forgotten.

    Returns:
        (to say now; what has then been said, for the next call).
    """
    from ._reasons import NOT_FETCHED, said_with_a_part

    now: dict[str, str] = {}
    said: dict[str, str] = {}
    for name, reason in reasons.items():
        if reason == NOT_FETCHED:
            if name in told:
                said[name] = told[name]
            continue
        said[name] = reason
        if told.get(name) != reason and not said_with_a_part(reason, parts):
            now[name] = reason
    return now, said


class MissingReasons:
    """The fields and tags a context's subscribers ask for, and what was said of those that
    are not added: each reason once per change of what it says.

    Args:
        environ: the environment whose field settings count while nobody subscribed.
    """

    def __init__(self, environ: Mapping[str, str] | None) -> None:
        self._environ = environ
        self._wanted: dict[FieldSettings, None] = {}  # an ordered set
        self._told: dict[str, str] = {}
        self.reset()

    def reset(self) -> None:
        """A new lock (again, in a forked child: another thread may have held it)."""
        self._lock = threading.Lock()

    def want(self, settings: FieldSettings) -> bool:
        """A subscriber asks for these fields and tags; True if nobody did before."""
        new = settings not in self._wanted
        self._wanted.setdefault(settings, None)
        return new

    def asked(self) -> list[FieldSettings]:
        """The field settings of the subscribers; without any, the environment's."""
        try:
            return list(self._wanted) or [FieldSettings.resolve(environ=self._environ)]
        except ValueError:  # a setting that cannot be used: status() never raises
            return []

    def missing(self, snapshot: Snapshot) -> dict[str, str]:
        """`Status.missing`: the parts' reasons, then the fields' and the tags'."""
        try:
            return {**snapshot.missing, **snapshot.reasons(self.asked())}
        except Exception:  # noqa: BLE001 -- a diagnostic never costs status() its answer
            return dict(snapshot.missing)

    def tell(self, snapshot: Snapshot | None) -> None:
        """Say, in one INFO record, the new reasons of `snapshot` (see `tell_reasons`)."""
        if snapshot is None:
            return
        try:
            reasons = snapshot.reasons(self.asked())
            with self._lock:
                now, self._told = tell_reasons(reasons, self._told, snapshot.missing)
        except Exception:  # noqa: BLE001 -- a diagnostic never costs the fetch that called it
            return
        if now:  # outside the lock: a handler may log, or wait
            listed = "; ".join(f"{name}: {reason}" for name, reason in now.items())
            say(logging.INFO, "ECS log context: asked for and not added: %s", listed)
