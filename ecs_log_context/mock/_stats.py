"""Synthetic Docker stats, shaped like the agent's stats answers.

Every counter grows with the wall clock, so two reads a second apart give the deltas a
client computes rates from (CPU percent, network bytes per second), as Docker's do.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from ._task import JSONObject

__all__ = ["StatsSource", "go_time"]

_NS = 1_000_000_000
_JIFFY_NS = 10_000_000  # the kernel's USER_HZ of 100: CPU times move in steps of 10 ms
_PAGE = 4096
_MIB = 1024 * 1024
_ONLINE_CPUS = 2
_HOST_MEMORY = 4_073_377_792
_NO_LIMIT = 9_223_372_036_854_771_712  # cgroup v1's "unlimited"


def go_time(ns: int) -> str:
    """Format a UTC timestamp the way Go's ``time.RFC3339Nano`` does (zeros trimmed).

    Args:
        ns: nanoseconds since the Unix epoch.

    Returns:
        E.g. ``"2025-03-14T09:21:10.11328491Z"``.
    """
    seconds, fraction = divmod(ns, _NS)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    digits = f"{fraction:09d}".rstrip("0")
    return f"{stamp}.{digits}Z" if digits else f"{stamp}Z"


@dataclass(frozen=True)
class _Profile:
    """What one container does, drawn once from its DockerId."""

    cpu_percent: float
    cpu_split: float
    uptime: float
    memory_fraction: float
    cache_fraction: float
    pids: int
    rx_rate: float
    tx_rate: float
    write_rate: float
    phase: float

    @classmethod
    def for_container(cls, docker_id: str) -> _Profile:
        # Sixteen fractions in [0, 1) drawn from the ID: the same container always behaves alike.
        digest = hashlib.sha512(docker_id.encode()).digest()
        draw = iter(int.from_bytes(digest[i : i + 4], "big") / 2**32 for i in range(0, 64, 4))

        def between(low: float, high: float) -> float:
            return low + (high - low) * next(draw)

        return cls(
            cpu_percent=between(1.5, 6.0),
            cpu_split=between(0.35, 0.65),
            uptime=between(2 * 3600, 9 * 3600),
            memory_fraction=between(0.25, 0.55),
            cache_fraction=between(0.12, 0.3),
            pids=int(between(3, 40)),
            rx_rate=between(2_000, 60_000),
            tx_rate=between(1_000, 40_000),
            write_rate=between(500, 20_000),
            phase=between(0, 2 * math.pi),
        )


class StatsSource:
    """Docker stats for the containers of a task, consistent from one read to the next."""

    __slots__ = ("_profiles", "_started")

    def __init__(self) -> None:
        self._started = time.time()
        self._profiles: dict[str, _Profile] = {}

    def stats(self, container: JSONObject, task: JSONObject, *, v4: bool) -> JSONObject:
        """One container's stats, read now and one second ago.

        Args:
            container: the container (with a ``DockerId``).
            task: its task (for the memory limit when the container has none).
            v4: add ``network_rate_stats``, as v4 does.

        Returns:
            A Docker stats object.
        """
        docker_id: str = container["DockerId"]
        profile = self._profiles.get(docker_id)
        if profile is None:
            profile = self._profiles.setdefault(docker_id, _Profile.for_container(docker_id))
        read_ns = time.time_ns()
        # Docker samples about once a second, never exactly.
        preread_ns = read_ns - _NS - (read_ns // 1000) % 6_000_000
        now = profile.uptime + read_ns / _NS - self._started
        before = profile.uptime + preread_ns / _NS - self._started
        limit = _memory_limit(container, task)
        usage = _round(limit * profile.memory_fraction * (1 + 0.03 * math.sin(now / 60)), _PAGE)
        cache = _round(usage * profile.cache_fraction, _PAGE)
        rx_bytes, tx_bytes = int(profile.rx_rate * now), int(profile.tx_rate * now)
        written = _round(profile.write_rate * now, 512)
        stats: JSONObject = {
            "read": go_time(read_ns),
            "preread": go_time(preread_ns),
            "pids_stats": {"current": profile.pids},
            "blkio_stats": {
                "io_service_bytes_recursive": _blkio(written // 40, written),
                "io_serviced_recursive": _blkio(written // 40 // 4096 + 3, written // 65536 + 1),
                "io_queue_recursive": [],
                "io_service_time_recursive": [],
                "io_wait_time_recursive": [],
                "io_merged_recursive": [],
                "io_time_recursive": [],
                "sectors_recursive": [],
            },
            "num_procs": 0,
            "storage_stats": {},
            "cpu_stats": _cpu(profile, now),
            "precpu_stats": _cpu(profile, before),
            "memory_stats": {
                "usage": usage,
                "max_usage": min(limit, _round(usage * 1.18, _PAGE)),
                "stats": _memory_breakdown(usage, cache, limit, container),
                "limit": limit,
            },
            "name": "/" + str(container.get("DockerName", docker_id)),
            "id": docker_id,
            "networks": {
                "eth0": {
                    "rx_bytes": rx_bytes,
                    "rx_packets": rx_bytes // 820,
                    "rx_errors": 0,
                    "rx_dropped": 0,
                    "tx_bytes": tx_bytes,
                    "tx_packets": tx_bytes // 610,
                    "tx_errors": 0,
                    "tx_dropped": 0,
                }
            },
        }
        if v4:
            elapsed = (read_ns - preread_ns) / _NS
            stats["network_rate_stats"] = {
                "rx_bytes_per_sec": _go_float((rx_bytes - int(profile.rx_rate * before)) / elapsed),
                "tx_bytes_per_sec": _go_float((tx_bytes - int(profile.tx_rate * before)) / elapsed),
            }
        return stats


def _cpu(profile: _Profile, uptime: float) -> JSONObject:
    """CPU counters at a moment; deltas over a second give about ``profile.cpu_percent``."""
    # A slow wobble of +-25 % keeps the counter monotonic (its derivative stays positive).
    period = 300.0
    rate = profile.cpu_percent / 100 * _NS
    wobble = 0.25 * rate * period / (2 * math.pi) * math.sin(2 * math.pi * uptime / period)
    total = int(rate * uptime + wobble + profile.phase * _NS)
    first = int(total * profile.cpu_split)
    host_uptime = uptime + 86_400 * 3
    return {
        "cpu_usage": {
            "total_usage": total,
            "percpu_usage": [first, total - first],
            "usage_in_kernelmode": _round(total * 0.18, _JIFFY_NS),
            "usage_in_usermode": _round(total * 0.74, _JIFFY_NS),
        },
        "system_cpu_usage": _round(_ONLINE_CPUS * _NS * host_uptime, _JIFFY_NS),
        "online_cpus": _ONLINE_CPUS,
        "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0},
    }


def _memory_limit(container: JSONObject, task: JSONObject) -> int:
    """The cgroup limit: the container's hard limit, else the task's, else the host's memory."""
    for limits in (container.get("Limits"), task.get("Limits")):
        if isinstance(limits, dict):
            memory = limits.get("Memory")
            if isinstance(memory, (int, float)) and memory > 0:
                return int(memory * _MIB)
    return _HOST_MEMORY


def _memory_breakdown(usage: int, cache: int, limit: int, container: JSONObject) -> JSONObject:
    """The cgroup v1 ``memory.stat`` keys Docker reports, in Go's (sorted) map order."""
    rss = max(usage - cache, 0)
    active_file = _round(cache * 0.4, _PAGE)
    inactive_file = cache - active_file
    has_limit = isinstance(container.get("Limits"), dict) and bool(
        container["Limits"].get("Memory")
    )
    hierarchical = limit if has_limit else _NO_LIMIT
    pgpgin = usage // _PAGE * 3
    pgpgout = pgpgin - usage // _PAGE
    pgfault = pgpgin * 2 + 411
    own = {
        "active_anon": rss,
        "active_file": active_file,
        "cache": cache,
        "dirty": 0,
        "inactive_anon": 0,
        "inactive_file": inactive_file,
        "mapped_file": _round(cache * 0.1, _PAGE),
        "pgfault": pgfault,
        "pgmajfault": 0,
        "pgpgin": pgpgin,
        "pgpgout": pgpgout,
        "rss": rss,
        "rss_huge": 0,
        "unevictable": 0,
        "writeback": 0,
    }
    breakdown: JSONObject = {
        "hierarchical_memory_limit": hierarchical,
        "hierarchical_memsw_limit": hierarchical * 2 if has_limit else _NO_LIMIT,
    }
    breakdown.update(own)
    breakdown.update({f"total_{key}": value for key, value in own.items()})
    return dict(sorted(breakdown.items()))


def _blkio(read: int, written: int) -> list[JSONObject]:
    """A block-I/O counter list for one device (an NVMe root volume: 259:0)."""
    return [
        {"major": 259, "minor": 0, "op": op, "value": value}
        for op, value in (
            ("Read", read),
            ("Write", written),
            ("Sync", read + written // 8),
            ("Async", written - written // 8),
            ("Discard", 0),
            ("Total", read + written),
        )
    ]


def _round(value: float, step: int) -> int:
    return int(value) // step * step


def _go_float(value: float) -> float | int:
    """Round to a millibyte, and write whole numbers as Go would (``0``, not ``0.0``)."""
    value = round(value, 3)
    return int(value) if value.is_integer() else value
