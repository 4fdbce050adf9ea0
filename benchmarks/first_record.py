"""Time to the first enriched record, from constructing the processor, against the mock.

Cold: a fresh interpreter that has imported the library (the first fetch imports httpx and
builds its client). Warm: in this process, a new context each time (httpx imported). The mock
runs on loopback, without throttle or latency; the requests each start made are counted (the
round trips the first record waits for).
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from ._harness import GroupResult, Mode, last_json_line, run_module

KEY = "ecs_task_arn"


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):.1f}"


def _warm(environ: dict[str, str], trials: int) -> list[dict[str, float]]:
    import time

    from ecs_log_context import EcsContextProcessor

    out = []
    for trial in range(trials + 1):  # the first one imports httpx: not counted
        env = {**environ, "BENCHMARK_TRIAL": str(trial)}  # a new shared context each time
        start = time.perf_counter()
        processor = EcsContextProcessor(environ=env)
        event_dict = processor(None, "info", {"event": "starting"})
        first_call = time.perf_counter() - start
        while KEY not in event_dict and time.perf_counter() - start < 10:
            time.sleep(0.001)
            event_dict = processor(None, "info", {"event": "starting"})
        enriched = time.perf_counter() - start
        processor.context.close()
        if KEY not in event_dict:
            raise RuntimeError(f"never enriched: {processor.context.status()}")
        if trial:
            out.append({"first_call_ms": first_call * 1000, "enriched_ms": enriched * 1000})
    return out


def first_record_group(mode: Mode) -> GroupResult:
    """Cold (fresh processes) and warm (fresh contexts) times to the first enriched record."""
    from ecs_log_context.mock.server import MockEndpoint

    mock = MockEndpoint(throttle=False).start()
    try:
        environ = mock.environ()
        cold: list[dict[str, Any]] = []
        for _ in range(mode.cold_starts):
            done = run_module("_workers", "first", "--deadline", "10", env=environ)
            cold.append(last_json_line(done.stdout))
        cold_requests = mock.request_count
        cold_paths = Counter(request.path for request in mock.requests)
        warm = _warm(environ, mode.warm_starts)
        requests = mock.request_count
    finally:
        mock.stop()
    if any(run["enriched_ms"] is None for run in cold):
        raise RuntimeError(f"a cold start was never enriched: {cold}")
    rows = []
    for name, runs in (
        ("cold (new process, httpx not imported)", cold),
        ("warm (new context)", warm),
    ):
        enriched = [run["enriched_ms"] for run in runs]
        rows.append(
            [
                name,
                str(len(runs)),
                _summary(enriched),
                f"{min(enriched):.1f} .. {max(enriched):.1f}",
                _summary([run["first_call_ms"] for run in runs]),
            ]
        )
    unenriched = sum(run["unenriched_records"] for run in cold)
    notes = [
        "the first log call waits for the first answer (at most ECS_LOG_CONTEXT_TIMEOUT, 1 s);"
        f" records logged unenriched in the cold runs: {unenriched}",
        "cold construct (ms, median): " + _summary([run["construct_ms"] for run in cold]),
        f"requests to the mock: {cold_requests / len(cold):g} per cold start"
        f" ({', '.join(f'{path} x{n}' for path, n in sorted(cold_paths.items()))});"
        f" {(requests - cold_requests) / (mode.warm_starts + 1):g} per warm start",
    ]
    return GroupResult(
        "first",
        "Time to the first enriched record, from constructing the processor (mock on loopback)",
        ["start", "runs", "median ms", "min .. max ms", "first call ms"],
        rows,
        {
            "cold": cold,
            "warm": warm,
            "requests": requests,
            "cold_requests_per_start": cold_requests / len(cold),
            "cold_paths": dict(cold_paths),
            "warm_requests_per_start": (requests - cold_requests) / (mode.warm_starts + 1),
        },
        notes=notes,
    )
