"""Typed, validated views of the ECS task metadata and Docker stats documents.

Every model is a frozen dataclass whose attributes are the JSON keys in snake case. ``from_json``
validates a decoded JSON document and raises :class:`InvalidMetadataError` naming the key path of
the first problem (``Containers[1].Limits.CPU: expected a number, got 'abc' (str)``). Any key may
be missing (``None``, or an empty tuple or mapping), except a task's ``TaskARN``; ``null`` counts
as missing. Keys a model does not know are kept, read-only, in its ``raw``. ``to_dict`` goes the
other way, with the original key names. Each attribute declares its key once, in its annotation,
``Annotated[type, "JsonKey"]``, and reading, writing and ``raw`` follow from it (``_schema``).
Timestamps become timezone-aware ``datetime`` in UTC, truncated to the microsecond.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from .container import ClockDrift, ContainerMetadata, Health, Limits, Network, Port, Volume
from .stats import (
    ContainerStats,
    CpuStats,
    MemoryStats,
    NetworkRateStats,
    NetworkStats,
    ThrottlingData,
    parse_task_stats,
)
from .task import AgentError, EphemeralStorageMetrics, TaskMetadata

__all__ = [
    "AgentError",
    "ClockDrift",
    "ContainerMetadata",
    "ContainerStats",
    "CpuStats",
    "EphemeralStorageMetrics",
    "Health",
    "Limits",
    "MemoryStats",
    "Network",
    "NetworkRateStats",
    "NetworkStats",
    "Port",
    "TaskMetadata",
    "ThrottlingData",
    "Volume",
    "parse_task_stats",
]

if TYPE_CHECKING:
    TaskMetadataError = AgentError
    """Deprecated: the former name of `AgentError`."""
else:

    def __getattr__(name: str) -> Any:
        if name == "TaskMetadataError":
            warnings.warn(
                "ecs_log_context.models.TaskMetadataError is deprecated: it is a data model of"
                " the agent's Errors entries, not an exception; use AgentError",
                DeprecationWarning,
                stacklevel=2,
            )
            return AgentError
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
