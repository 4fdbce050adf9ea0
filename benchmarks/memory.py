"""Memory: the resident memory the library adds, and no growth over records and refreshes.

A fresh process reads its RSS (/proc/self/statm) before and after ``import ecs_log_context``,
after importing httpx (what the first fetch imports) and after the first fetch (client,
refresher thread, snapshot). Then it logs records (each through the processor and the
filter) and refreshes the context against the mock (running in this process): once reading
the resident set, once under tracemalloc.
"""

from __future__ import annotations

from typing import Any

from ._harness import Check, GroupResult, Mode, last_json_line, run_module

# Growth allowed over the whole run (records, refreshes): well under a byte a record.
GROWTH_BOUND = 64 * 1024
MIB = 1024 * 1024


def _row(label: str, rss: int, previous: int | None) -> list[str]:
    added = "" if previous is None else f"{(rss - previous) / MIB:+.2f}"
    return [label, f"{rss / MIB:.1f}", added]


def memory_group(mode: Mode) -> GroupResult:
    """RSS of each step of starting, and tracemalloc growth over records and refreshes."""
    from ecs_log_context.mock.server import MockEndpoint

    mock = MockEndpoint(throttle=False).start()
    try:
        done = run_module(
            "_workers",
            *("memory", "--records", str(mode.records), "--refreshes", str(mode.refreshes)),
            env=mock.environ(),
            timeout=900,
        )
        result: dict[str, Any] = last_json_line(done.stdout)
        result["requests"] = mock.request_count
    finally:
        mock.stop()
    client = last_json_line(run_module("_workers", "client").stdout)
    result["one_client"] = client
    rss = result["rss"]
    rows = [
        _row("interpreter start", rss["start"], None),
        _row("import ecs_log_context", rss["import"], rss["start"]),
        _row("import httpx (the first fetch does)", rss["httpx"], rss["import"]),
        _row("first fetch (client, thread, snapshot)", rss["fetch"], rss["httpx"]),
        ["  of which an httpx.Client, as the library builds it", "", f"+{client['rss'] / MIB:.2f}"],
        _row("warmed up (10,000 records, 10 refreshes)", rss["warm"], rss["fetch"]),
        _row(f"after {mode.records:,} records", rss["records"], rss["warm"]),
        _row(f"after {mode.refreshes:,} refreshes", rss["refreshes"], rss["records"]),
        [
            f"tracemalloc: growth over {mode.records:,} records",
            "",
            f"{result['records_growth']:+,} B",
        ],
        [
            f"tracemalloc: growth over {mode.refreshes:,} refreshes",
            "",
            f"{result['refreshes_growth']:+,} B",
        ],
    ]
    notes = [f"the library's httpx.Client takes {client['ms']:.1f} ms to build"]
    for label, key in (("records", "records_top"), ("refreshes", "refreshes_top")):
        if result[key]:
            notes.append(f"most growth over the {label}: " + "; ".join(result[key][:3]))
    checks = [
        Check("memory: growth over records", result["records_growth"], GROWTH_BOUND, " B"),
        Check("memory: growth over refreshes", result["refreshes_growth"], GROWTH_BOUND, " B"),
    ]
    return GroupResult(
        "memory",
        "Memory (resident set of a fresh process; growth under tracemalloc)",
        ["step", "RSS MiB", "added"],
        rows,
        result,
        checks,
        notes,
    )
