"""Time to the first enriched record, from constructing the processor, against the mock.

Cold: a fresh interpreter that has imported the library (the first fetch imports httpx and
builds its client). Warm: in this process, a new context each time (httpx imported). The mock
runs on loopback, without throttle or latency; the requests each start made are counted (the
round trips the first record waits for). Slow agent: warm starts against the mock with
`SLOW_AGENT` added to every answer, in agent answers: the task and the container routes are
asked at once, so the first record waits about one answer (asked in turn, it waited two).
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from ._harness import Check, GroupResult, Mode, last_json_line, run_module

KEY = "ecs_task_arn"
SLOW_AGENT = 0.1  # seconds the slow mock adds to every answer
SLOW_STARTS = 10
# Answers waited, median: one answer and the 20 ms head start (1.3 on a quiet machine); in
# turn it was 2 and more. Quick mode (CI, loaded) is looser, still under two.
SLOW_BARS = {"full": 1.5, "quick": 1.8}


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
    slow_mock = MockEndpoint(throttle=False, latency=SLOW_AGENT).start()
    try:
        slow = _warm(slow_mock.environ(), SLOW_STARTS)
        slow_requests = slow_mock.request_count / (SLOW_STARTS + 1)
    finally:
        slow_mock.stop()
    slow_answers = statistics.median(run["enriched_ms"] for run in slow) / (SLOW_AGENT * 1000)
    if any(run["enriched_ms"] is None for run in cold):
        raise RuntimeError(f"a cold start was never enriched: {cold}")
    rows = []
    for name, runs in (
        ("cold (new process, httpx not imported)", cold),
        ("warm (new context)", warm),
        (f"warm, every answer {SLOW_AGENT * 1000:g} ms late", slow),
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
        f"with every answer {SLOW_AGENT * 1000:g} ms late the first record waited"
        f" {slow_answers:.2f} answers (median; the task and container routes asked at once,"
        f" in turn it was 2+), {slow_requests:g} requests per start",
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
            "slow_agent": slow,
            "slow_agent_answers": slow_answers,
            "slow_agent_requests_per_start": slow_requests,
        },
        checks=[
            Check("first record: answers waited, slow agent", slow_answers, SLOW_BARS[mode.name]),
            Check("first record: requests per start, slow agent", slow_requests, 2.0),
        ],
        notes=notes,
    )
