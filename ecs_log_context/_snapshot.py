"""What a fetch produced (`Snapshot`) and what a context knows (`Status`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

# Loaded with this module (by the constructing thread), never first in the refresher's.
from ._reasons import missing_reasons

if TYPE_CHECKING:
    from ._settings import FieldSettings
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

    def reasons(self, asked: Iterable[FieldSettings]) -> dict[str, str]:
        """Why each field and tag that `asked` names is not added from this snapshot.

        Field name or ``tag:<key>`` to a sentence (`_reasons.missing_reasons`), for every
        field settings in turn (a field that one style lacks is missing for that one); the
        parts' own reasons are ``missing``'s. Never raises.
        """
        reasons: dict[str, str] = {}
        for settings in asked:
            explained = missing_reasons(
                self.task,
                self.container,
                settings,
                source_kind=self.source.kind,
                part_missing=self.missing,
                tags=self.tags,
            )
            for name, reason in explained.items():
                reasons.setdefault(name, reason)
        return reasons


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
        missing: what the last snapshot lacks, each with one sentence saying why. The parts
            (``container``, ``tags``): a route that failed, the agent's own tag error, a
            container that cannot be told. Then every field asked for and not added, by its
            name (``service_name``: not in this source's or platform's metadata, the own
            container not known, ...), and every task tag asked for and not added, as
            ``tag:<key>`` (``tag:team``: the task has no such tag, or the tags' own reason),
            for the fields and tags that the context's integrations ask for (those of the
            environment when none subscribed). With ``*`` tags have no entry each; the
            ``tags`` part says why none came.
    """

    state: str
    source: str | None
    location: str | None
    last_error: str | None
    last_success: datetime | None
    fetch_duration: float | None
    attempts: int
    missing: Mapping[str, str] = field(default_factory=dict)
