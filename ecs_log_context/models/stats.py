"""The Docker stats of a container, and of every container of a task.

The annotations are not postponed (no ``from __future__ import annotations``): `_schema`
reads each field's declaration from them, as objects.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from ._reader import Reader
from ._schema import Model, empty
from ._values import invalid, key_repr


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottlingData(Model):
    """CPU throttling of a container (Docker ``throttling_data``); time in nanoseconds."""

    _what = "container stats"

    periods: Annotated[int | None, "periods"] = None
    throttled_periods: Annotated[int | None, "throttled_periods"] = None
    throttled_time: Annotated[int | None, "throttled_time"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class CpuStats(Model):
    """Docker ``cpu_stats`` (or ``precpu_stats``); the ``cpu_usage`` keys are flattened in.

    Usages are in nanoseconds of CPU time; ``percpu_usage`` is empty under cgroup v2.
    """

    _what = "container stats"

    total_usage: Annotated[int | None, "cpu_usage.total_usage"] = None
    percpu_usage: Annotated[tuple[int, ...], "cpu_usage.percpu_usage"] = ()
    usage_in_kernelmode: Annotated[int | None, "cpu_usage.usage_in_kernelmode"] = None
    usage_in_usermode: Annotated[int | None, "cpu_usage.usage_in_usermode"] = None
    system_cpu_usage: Annotated[int | None, "system_cpu_usage"] = None
    online_cpus: Annotated[int | None, "online_cpus"] = None
    throttling: Annotated[ThrottlingData | None, "throttling_data"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryStats(Model):
    """Docker ``memory_stats`` in bytes; ``stats`` holds the cgroup counters (``cache``, ...)."""

    _what = "container stats"

    usage: Annotated[int | None, "usage"] = None
    max_usage: Annotated[int | None, "max_usage"] = None
    limit: Annotated[int | None, "limit"] = None
    stats: Annotated[Mapping[str, int], "stats"] = empty()
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkStats(Model):
    """Counters of one network interface (Docker ``networks.<name>``)."""

    _what = "container stats"

    rx_bytes: Annotated[int | None, "rx_bytes"] = None
    rx_packets: Annotated[int | None, "rx_packets"] = None
    rx_errors: Annotated[int | None, "rx_errors"] = None
    rx_dropped: Annotated[int | None, "rx_dropped"] = None
    tx_bytes: Annotated[int | None, "tx_bytes"] = None
    tx_packets: Annotated[int | None, "tx_packets"] = None
    tx_errors: Annotated[int | None, "tx_errors"] = None
    tx_dropped: Annotated[int | None, "tx_dropped"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkRateStats(Model):
    """The agent's own network rates (v4 ``network_rate_stats``), in bytes per second."""

    _what = "container stats"

    rx_bytes_per_sec: Annotated[float | None, "rx_bytes_per_sec"] = None
    tx_bytes_per_sec: Annotated[float | None, "tx_bytes_per_sec"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerStats(Model):
    """The Docker stats of one container (``/v2/stats/<id>``, ``${URI}/stats``).

    ``read`` is when this sample was taken and ``preread`` the previous one, whose CPU figures are
    ``precpu_stats``; on the first sample ``preread`` is Go's zero time, year 1. ``blkio_stats``,
    ``storage_stats`` and the rest are in ``raw``.
    """

    _what = "container stats"

    id: Annotated[str | None, "id"] = None
    name: Annotated[str | None, "name"] = None
    read: Annotated[datetime | None, "read"] = None
    preread: Annotated[datetime | None, "preread"] = None
    num_procs: Annotated[int | None, "num_procs"] = None
    pids_current: Annotated[int | None, "pids_stats.current"] = None
    cpu_stats: Annotated[CpuStats | None, "cpu_stats"] = None
    precpu_stats: Annotated[CpuStats | None, "precpu_stats"] = None
    memory_stats: Annotated[MemoryStats | None, "memory_stats"] = None
    networks: Annotated[Mapping[str, NetworkStats], "networks"] = empty()
    network_rate_stats: Annotated[NetworkRateStats | None, "network_rate_stats"] = None
    raw: Mapping[str, Any] = empty()


def parse_task_stats(obj: object, *, url: str = "<document>") -> dict[str, ContainerStats | None]:
    """Read the stats of a whole task (``/v2/stats``, ``${URI}/task/stats``).

    Args:
        obj: the decoded document: an object of Docker ID to Docker stats.
        url: where the document came from, for error messages.

    Returns:
        Docker ID to stats; ``None`` for a container without stats (``null`` or ``{}``).

    Raises:
        InvalidMetadataError: ``obj`` is not an object, or one of its stats is not readable.
    """
    if not isinstance(obj, dict):
        raise invalid("task stats", url, "", "a JSON object", obj)
    return {
        docker_id: None
        if value is None or value == {}
        else ContainerStats._read(
            Reader(value, what="task stats", url=url, path=f"[{key_repr(docker_id)}]")
        )
        for docker_id, value in obj.items()
    }
