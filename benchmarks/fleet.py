"""Fleet start-up: N processes starting at once against the mock with the agent's throttle.

A parent process forks N children and releases them together (a preforking server's
workers). ``cold``: the parent imported the library only, every child constructs its
processor, fetches and logs every 10 ms until enriched. ``prefork``: the parent fetched
before forking; the children must log enriched at once, with no request of their own.
The mock throttles as the agent does: 40 requests a second, a burst of 60, per path.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections import Counter
from typing import Any

from ._harness import ROOT, Check, GroupResult, Mode, child_environ

RATE, BURST = 40, 60


def _run_variant(variant: str, mode: Mode) -> dict[str, Any]:
    from ecs_log_context.mock.server import MockEndpoint

    deadline = 60.0
    mock = MockEndpoint(throttle=True, rate=RATE, burst=BURST).start()
    try:
        parent = subprocess.Popen(
            [
                sys.executable,
                *("-m", "benchmarks._workers", "fleet", "--variant", variant),
                *("--processes", str(mode.fleet), "--hold", str(mode.hold)),
                *("--deadline", str(deadline)),
            ],
            cwd=ROOT,
            env=child_environ(mock.environ()),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert parent.stdin is not None
        assert parent.stdout is not None
        ready = parent.stdout.readline()
        if not ready.startswith("ready"):
            _, err = parent.communicate(timeout=30)
            raise RuntimeError(f"the fleet's parent did not start: {ready!r} {err}")
        before = mock.requests
        mock.reset_counts()
        parent.stdin.write("go\n")
        parent.stdin.flush()
        out, err = parent.communicate(timeout=deadline + 60)
        if parent.returncode:
            raise RuntimeError(f"the fleet failed ({parent.returncode}): {err}")
        requests = mock.requests
    finally:
        mock.stop()
    result: dict[str, Any] = json.loads(out.splitlines()[-1])
    errors = [m for m in result["members"] if "error" in m]
    if errors or len(result["members"]) != mode.fleet:
        raise RuntimeError(f"fleet members failed: {errors or result['members']}")
    result["parent_requests"] = len(before)
    result["statuses"] = dict(Counter(r.status for r in requests))
    result["requests"] = len(requests)
    return result


def _summarise(result: dict[str, Any]) -> dict[str, Any]:
    release = result["release"]
    members = result["members"]
    inherited = result["ready"].get("parent_attempts", 0)  # a forked child counts its parent's
    enriched = [m["enriched_at"] - release for m in members if m["enriched_at"] is not None]
    calls = [m["longest_call"] * 1000 for m in members]
    first_calls = [m["first_call"] * 1000 for m in members]
    return {
        "processes": len(members),
        "requests": result["requests"],
        "ok": result["statuses"].get(200, 0),
        "throttled": result["statuses"].get(429, 0),
        "statuses": result["statuses"],
        "parent_requests": result["parent_requests"],
        "never_enriched": len(members) - len(enriched),
        "all_enriched_s": max(enriched) if len(enriched) == len(members) else None,
        "median_enriched_s": statistics.median(enriched) if enriched else None,
        "unenriched_records": sum(m["unenriched"] for m in members),
        "records": sum(m["records"] for m in members),
        "first_call_ms_max": max(first_calls),
        "first_call_ms_median": statistics.median(first_calls),
        "longest_later_call_ms": max(calls),
        "slow_later_calls": sum(m["slow_calls"] for m in members),
        "longest_gap_ms": max(m["longest_gap"] * 1000 for m in members),
        "fetch_attempts": sum(m["attempts"] - inherited for m in members),
        "warnings": dict(Counter(w for m in members for w in m["warnings"]).most_common(5)),
    }


def fleet_group(mode: Mode) -> GroupResult:
    """Requests, 429s, time until all are enriched and the longest log call, both ways."""
    summaries = {}
    raw = {}
    for variant in ("cold", "prefork"):
        raw[variant] = _run_variant(variant, mode)
        summaries[variant] = _summarise(raw[variant])
    rows = []
    for variant, label in (("cold", "each process fetches"), ("prefork", "fetched before fork")):
        s = summaries[variant]
        all_enriched = s["all_enriched_s"]
        rows.append(
            [
                label,
                str(s["processes"]),
                str(s["requests"]),
                str(s["throttled"]),
                "never" if all_enriched is None else f"{all_enriched * 1000:.0f}",
                str(s["unenriched_records"]),
                f"{s['first_call_ms_median']:.0f} / {s['first_call_ms_max']:.0f}",
                f"{s['longest_later_call_ms']:.0f}",
                str(s["slow_later_calls"]),
                f"{s['longest_gap_ms']:.0f}",
            ]
        )
    prefork = summaries["prefork"]
    parent_fetch_ms = raw["prefork"]["ready"].get("parent_fetch_ms", 0.0)
    notes = [
        f"mock throttle: {RATE}/s, burst {BURST}, per (client IP, path); a fetch is 2 requests"
        " (/task and the container route)",
        f"prefork: the parent's own fetch took {parent_fetch_ms:.0f} ms and"
        f" {prefork['parent_requests']} requests (not counted above)",
        "1st call: the first log call of each process, which waits for the first answer (at"
        " most ECS_LOG_CONTEXT_TIMEOUT, 1 s); later calls: their longest, how many took over"
        " 50 ms, and the longest time between two of them (10 ms expected)",
    ]
    for variant in ("cold", "prefork"):
        s = summaries[variant]
        notes.append(f"{variant}: the children made {s['fetch_attempts']} fetch attempts")
        for message, count in s["warnings"].items():
            notes.append(f"  {count} x {message.rpartition('retrying with backoff: ')[2][:160]}")
    checks = [
        Check("fleet prefork: requests after fork", prefork["requests"], 0, ""),
        Check("fleet prefork: records logged unenriched", prefork["unenriched_records"], 0, ""),
    ]
    return GroupResult(
        "fleet",
        f"Fleet start-up: {mode.fleet} processes released at once against the throttled mock",
        [
            "",
            "procs",
            "requests",
            "429s",
            "all enriched ms",
            "unenriched",
            "1st call ms med/max",
            "later call max ms",
            ">50 ms",
            "max gap ms",
        ],
        rows,
        {"summary": summaries, "raw": raw},
        checks,
        notes,
    )
