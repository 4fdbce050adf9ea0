"""What a fetch produced (`Snapshot`) and what a context knows (`Status`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._source import Source
    from .models import ContainerMetadata, TaskMetadata

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
        tags: the task's tags from the taskWithTags route, or None when they were not asked
            for or could not be had (then ``missing`` says why).
        missing: what could not be had, part (``container``, ``tags``) to a sentence saying
            why.
        retry: the parts of ``missing`` that a later fetch may bring (a route failed), as
            opposed to what this task or agent does not have.
    """

    task: TaskMetadata
    container: ContainerMetadata | None
    source: Source
    fetched_at: datetime
    duration: float
    tags: Mapping[str, str] | None = None
    missing: Mapping[str, str] = field(default_factory=dict)
    retry: frozenset[str] = frozenset()

    @property
    def with_tags(self) -> bool:
        """Whether the task's tags were fetched."""
        return self.tags is not None


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
        missing: what the last snapshot lacks, part (``container``, ``tags``) to a sentence
            saying why: a route that failed, the agent's own tag error, a container that
            cannot be told.
    """

    state: str
    source: str | None
    location: str | None
    last_error: str | None
    last_success: datetime | None
    fetch_duration: float | None
    attempts: int
    missing: Mapping[str, str] = field(default_factory=dict)
