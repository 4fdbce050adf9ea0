"""``ecs-log-context stats``: CPU and memory use of the task's containers."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import MetadataError
from ._command import Failure, Subcommands, metadata_client, resolve_settings
from ._output import aligned, print_json, source_dict, wants_json

if TYPE_CHECKING:
    from .._usage import ContainerUsage

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``stats`` and its options."""
    stats = commands.add_parser(
        "stats",
        help="CPU and memory use of the task's containers",
        description=(
            "Read the task's stats routes and print each container's CPU percentage, memory "
            "in use (without the inactive page cache), its limit, and network rates, computed "
            "as docker stats computes them: a table on a terminal, JSON otherwise."
        ),
    )
    stats.add_argument("--json", action="store_true", help="print JSON, also on a terminal")
    stats.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """``stats``: the task's stats route, as ``docker stats`` figures per container.

    Raises:
        Failure: off ECS, the file source, or the fetch failed (1); a bad setting (2).
    """
    from .._usage import task_usage

    settings, _ = resolve_settings()
    source, client = metadata_client(settings)
    try:
        with client:
            task = client.task()
            stats = client.task_stats()
    except MetadataError as exc:
        raise Failure(1, str(exc)) from None
    usage = task_usage(stats, task)
    if wants_json(args):
        print_json(
            {
                "task_arn": task.task_arn,
                "source": source_dict(source),
                "containers": [row.to_dict() for row in usage],
            }
        )
    else:
        print(_table(usage))
    return 0


def _bytes(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "-"
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    index = 0
    while abs(value) >= 1024 and index < len(units) - 1:
        value /= 1024
        index += 1
    number = f"{value:.1f}" if index else f"{value:.0f}"
    return f"{number}{units[index]}{suffix}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}%"


def _table(usage: Sequence[ContainerUsage]) -> str:
    rows = [["NAME", "DOCKER ID", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET RX", "NET TX"]]
    for row in usage:
        name = row.name or "-"
        short_id = row.docker_id[:12]
        if not row.has_stats:
            rows.append([name, short_id, "no stats", "-", "-", "-", "-"])
            continue
        rows.append(
            [
                name,
                short_id,
                _percent(row.cpu_percent),
                f"{_bytes(row.memory_used)} / {_bytes(row.memory_limit)}",
                _percent(row.memory_percent),
                _bytes(row.network_rx_bytes_per_sec, "/s"),
                _bytes(row.network_tx_bytes_per_sec, "/s"),
            ]
        )
    return aligned(rows)
