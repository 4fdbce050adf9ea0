"""What a fetch produced (`Snapshot`) and what a context knows (`Status`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import ContainerMetadata, TaskMetadata
    from .source import Source

__all__ = ["Snapshot", "Status"]


@dataclass(frozen=True)
class Snapshot:
    """One successful fetch: everything the fields of a record come from.

    Attributes:
        task: the task's metadata.
        container: this container's, or None where it cannot be told.
        source: where it came from.
        fetched_at: when (UTC).
        duration: how long the fetch took, in seconds.
        with_tags: whether the task came from the taskWithTags route.
    """

    task: TaskMetadata
    container: ContainerMetadata | None
    source: Source
    fetched_at: datetime
    duration: float
    with_tags: bool


@dataclass(frozen=True)
class Status:
    """What an `EcsContext` knows and is doing.

    Attributes:
        state: ``disabled``, ``off_ecs``, ``waiting`` (no answer yet), ``ready``, ``stale``
            (the last refresh failed; the last good snapshot is in use) or ``failing`` (no
            success yet; retrying with backoff).
        source: ``v4``, ``v3``, ``v2``, ``file``, or None.
        location: the URL or path asked.
        last_error: the last failure, as a sentence, or None.
        last_success: when the last success was, or None.
        fetch_duration: how long the last successful fetch took, in seconds.
        attempts: how many fetches were made.
    """

    state: str
    source: str | None
    location: str | None
    last_error: str | None
    last_success: datetime | None
    fetch_duration: float | None
    attempts: int
