"""CPU, memory and network figures of a container, computed from its Docker stats.

The arithmetic is the ``docker stats`` command's (docker/cli ``calculateCPUPercentUnix`` and
``calculateMemUsageUnixNoCache``), so the numbers agree with what users see there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import ContainerStats, CpuStats, MemoryStats, TaskMetadata

__all__ = ["ContainerUsage", "compute_usage", "cpu_percent", "memory_used", "task_usage"]


@dataclass(frozen=True)
class ContainerUsage:
    """What one container uses, as ``docker stats`` shows it.

    Every figure is None when the stats do not have it; all of them are None for a container
    the endpoint has no stats for (``has_stats`` is False).

    Attributes:
        docker_id: the container's Docker ID.
        name: the container's name in the task definition (the Docker name when the task
            does not list it), or None.
        has_stats: whether the endpoint had stats for the container.
        cpu_percent: CPU use between the last two samples, in percent of one CPU (200 is two
            CPUs busy); 0 when a delta is missing or not positive.
        memory_used: bytes in use, without the inactive page cache.
        memory_limit: the memory limit in bytes.
        memory_percent: ``memory_used`` in percent of ``memory_limit``.
        network_rx_bytes_per_sec: bytes received per second (v4 ``network_rate_stats``).
        network_tx_bytes_per_sec: bytes sent per second (v4 ``network_rate_stats``).
    """

    docker_id: str
    name: str | None
    has_stats: bool = True
    cpu_percent: float | None = None
    memory_used: int | None = None
    memory_limit: int | None = None
    memory_percent: float | None = None
    network_rx_bytes_per_sec: float | None = None
    network_tx_bytes_per_sec: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data, under the attribute names."""
        return asdict(self)


def cpu_percent(cpu: CpuStats | None, precpu: CpuStats | None) -> float:
    """CPU use between two samples, in percent of one CPU, as ``docker stats`` computes it.

    ``(total_usage delta / system_cpu_usage delta) * online CPUs * 100``, the CPUs counted from
    ``percpu_usage`` when ``online_cpus`` is missing.

    Args:
        cpu: the sample's ``cpu_stats``.
        precpu: the previous sample's (``precpu_stats``).

    Returns:
        The percentage; 0 when either delta is missing or not positive.
    """
    if cpu is None or precpu is None:
        return 0.0
    if cpu.total_usage is None or precpu.total_usage is None:
        return 0.0
    if cpu.system_cpu_usage is None or precpu.system_cpu_usage is None:
        return 0.0
    cpu_delta = cpu.total_usage - precpu.total_usage
    system_delta = cpu.system_cpu_usage - precpu.system_cpu_usage
    online = cpu.online_cpus or len(cpu.percpu_usage)
    if cpu_delta <= 0 or system_delta <= 0:
        return 0.0
    return cpu_delta / system_delta * online * 100.0


def memory_used(memory: MemoryStats | None) -> int | None:
    """Bytes in use without the inactive page cache, as ``docker stats`` computes it.

    The cache is ``total_inactive_file`` (cgroup v1), else ``inactive_file`` (cgroup v2): the
    first of them that is present and below the usage.

    Args:
        memory: the sample's ``memory_stats``.

    Returns:
        The bytes, or None when the usage is not known.
    """
    if memory is None or memory.usage is None:
        return None
    usage = memory.usage
    for key in ("total_inactive_file", "inactive_file"):
        cache = memory.stats.get(key)
        if cache is not None and cache < usage:
            return usage - cache
    return usage


def compute_usage(
    stats: ContainerStats, *, docker_id: str | None = None, name: str | None = None
) -> ContainerUsage:
    """The figures of one container from one stats sample.

    Args:
        stats: the container's Docker stats.
        docker_id: its Docker ID; by default the stats' ``id``.
        name: its name in the task definition; by default the stats' Docker name.

    Returns:
        The container's usage.
    """
    used = memory_used(stats.memory_stats)
    limit = stats.memory_stats.limit if stats.memory_stats else None
    percent = used / limit * 100.0 if used is not None and limit else None
    rates = stats.network_rate_stats
    if name is None and stats.name:
        name = stats.name.removeprefix("/")
    return ContainerUsage(
        docker_id=docker_id or stats.id or "",
        name=name,
        cpu_percent=cpu_percent(stats.cpu_stats, stats.precpu_stats),
        memory_used=used,
        memory_limit=limit or None,
        memory_percent=percent,
        network_rx_bytes_per_sec=rates.rx_bytes_per_sec if rates else None,
        network_tx_bytes_per_sec=rates.tx_bytes_per_sec if rates else None,
    )


def task_usage(
    stats: Mapping[str, ContainerStats | None], task: TaskMetadata | None = None
) -> list[ContainerUsage]:
    """The figures of every container of a task's stats, named from the task metadata.

    Args:
        stats: Docker ID to stats, as `MetadataClient.task_stats` returns them (None: no stats).
        task: the task's metadata, for the containers' names and their order.

    Returns:
        One entry per container of ``stats``, in the task's order, then any the task does
        not list; a container without stats has ``has_stats`` False.
    """
    names: dict[str, str | None] = {}
    if task is not None:
        names = {c.docker_id: c.name for c in task.containers if c.docker_id}
    order = [docker_id for docker_id in names if docker_id in stats]
    order += [docker_id for docker_id in stats if docker_id not in names]
    out: list[ContainerUsage] = []
    for docker_id in order:
        sample = stats[docker_id]
        name = names.get(docker_id)
        if sample is None:
            out.append(ContainerUsage(docker_id=docker_id, name=name, has_stats=False))
        else:
            out.append(compute_usage(sample, docker_id=docker_id, name=name))
    return out
