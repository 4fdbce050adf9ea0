"""What runs in child processes: ``python -m benchmarks._workers KIND [options]``.

Only the standard library is imported at the top: the children measure what importing and
starting the library costs, from a fresh interpreter. Each prints one JSON line.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
import time
import tracemalloc
from typing import Any

ENRICHED_KEY = "ecs_task_arn"


def _rss() -> int:
    """Resident set size of this process, in bytes (Linux: /proc/self/statm)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


# -- time to the first enriched record -------------------------------------------------------


def first_record(timeout: float) -> dict[str, Any]:
    """Construct the processor, then log until a record carries the fields."""
    from ecs_log_context import EcsContextProcessor

    start = time.perf_counter()
    processor = EcsContextProcessor()
    constructed = time.perf_counter()
    records = 0
    first_call = None
    while True:
        before = time.perf_counter()
        event_dict = processor(None, "info", {"event": "starting"})
        after = time.perf_counter()
        records += 1
        if first_call is None:
            first_call = after - before
        if ENRICHED_KEY in event_dict or after - start > timeout:
            break
        time.sleep(0.001)
    return {
        "construct_ms": (constructed - start) * 1000,
        "first_call_ms": (first_call or 0.0) * 1000,
        "enriched_ms": (after - start) * 1000 if ENRICHED_KEY in event_dict else None,
        "unenriched_records": records - (ENRICHED_KEY in event_dict),
        "httpx_imported": "httpx" in sys.modules,
    }


# -- fleet -----------------------------------------------------------------------------------


class _NullStream:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


class _LibraryWarnings(logging.Handler):
    """Keeps the library's warnings: why a fetch failed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        logging.getLogger("ecs_log_context").addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage()[:300])


def _fleet_member(processor: Any, hold: float, deadline: float, period: float) -> dict[str, Any]:
    """One process of the fleet: log every ``period`` until enriched, then ``hold`` more."""
    import structlog

    from ecs_log_context import EcsContextProcessor

    warnings = _LibraryWarnings()
    start = time.monotonic()
    if processor is None:
        processor = EcsContextProcessor()
    enriched = [False]

    def probe(logger: Any, method_name: str, event_dict: Any) -> Any:
        enriched[0] = ENRICHED_KEY in event_dict
        return event_dict

    wrapper: Any = structlog.make_filtering_bound_logger(20)
    log = wrapper(
        structlog.PrintLogger(_NullStream()),  # type: ignore[arg-type]
        [
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            processor,
            probe,
            structlog.processors.JSONRenderer(),
        ],
        {},
    )
    enriched_at = None
    records = unenriched = 0
    # The first call may wait for the first answer (the startup bound); the later ones never
    # should: their longest, how many took over 50 ms, the longest time between two of them.
    first_call = longest_call = longest_gap = 0.0
    slow_calls = 0
    previous = None
    tick = time.monotonic()
    while True:
        before = time.monotonic()
        log.info("tick", n=records)
        after = time.monotonic()
        call = after - before
        if records == 0:
            first_call = call
        else:
            longest_call = max(longest_call, call)
            slow_calls += call > 0.05
            if previous is not None:
                longest_gap = max(longest_gap, before - previous)
            previous = before
        records += 1
        if enriched[0]:
            if enriched_at is None:
                enriched_at = after
        elif enriched_at is None:
            unenriched += 1
        if (enriched_at is not None and after - enriched_at >= hold) or after - start > deadline:
            break
        tick += period
        time.sleep(max(0.0, tick - time.monotonic()))
    return {
        "pid": os.getpid(),
        "start": start,
        "enriched_at": enriched_at,
        "records": records,
        "unenriched": unenriched,
        "first_call": first_call,
        "longest_call": longest_call,
        "longest_gap": longest_gap,
        "slow_calls": slow_calls,
        "attempts": processor.context.status().attempts,
        "warnings": warnings.messages,
    }


def fleet(variant: str, processes: int, hold: float, deadline: float) -> dict[str, Any]:
    """Fork ``processes`` children and release them at once.

    ``cold``: this parent only imported the library; every child builds its processor and
    fetches. ``prefork``: this parent builds the processor and waits for the metadata
    first; the children inherit it. The parent prints ``ready`` and waits for a line on
    stdin before forking (the benchmark resets the mock's counts meanwhile).
    """
    import warnings

    import structlog  # noqa: F401 -- imported by the parent, as a preforking server does

    from ecs_log_context import EcsContextProcessor

    # Python 3.12+ warns about fork() with threads running: the library's case to handle.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    ready: dict[str, Any] = {}
    processor = None
    if variant == "prefork":
        started = time.monotonic()
        processor = EcsContextProcessor()
        if not processor.context.wait_ready(10):
            raise SystemExit(f"the parent got no metadata: {processor.context.status()}")
        ready["parent_fetch_ms"] = (time.monotonic() - started) * 1000
        ready["parent_attempts"] = processor.context.status().attempts
    print("ready", json.dumps(ready), flush=True)
    sys.stdin.readline()

    go_read, go_write = os.pipe()
    out_read, out_write = os.pipe()
    pids = []
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:  # the child
            code = 0
            try:
                os.close(go_write)
                os.close(out_read)
                os.read(go_read, 1)
                result = _fleet_member(processor, hold, deadline, 0.01)
                os.write(out_write, (json.dumps(result) + "\n").encode())
            except BaseException as exc:
                os.write(out_write, (json.dumps({"error": repr(exc)}) + "\n").encode())
                code = 1
            finally:
                os._exit(code)
        pids.append(pid)
    os.close(go_read)
    os.close(out_write)
    release = time.monotonic()
    os.write(go_write, b"x" * processes)
    chunks = []
    while chunk := os.read(out_read, 65536):
        chunks.append(chunk)
    for pid in pids:
        os.waitpid(pid, 0)
    members = [json.loads(line) for line in b"".join(chunks).decode().splitlines() if line]
    return {"release": release, "ready": ready, "members": members}


# -- memory ----------------------------------------------------------------------------------


class _Record:
    """The least a logging filter needs: a record's ``__dict__``."""

    def __init__(self, i: int) -> None:
        self.msg = "order placed"
        self.i = i


def _traced() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def _top_growth(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> list[str]:
    """The lines whose allocations grew most: ``file:line +bytes (+blocks)``."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = after.filter_traces(ignore).compare_to(before.filter_traces(ignore), "lineno")
    top = []
    for stat in stats[:5]:
        if stat.size_diff > 0:
            frame = stat.traceback[0]
            where = "/".join(frame.filename.split("/")[-2:])
            top.append(f"{where}:{frame.lineno} {stat.size_diff:+,} B ({stat.count_diff:+} blocks)")
    return top


def memory(records: int, refreshes: int) -> dict[str, Any]:
    """Resident memory at each step of starting, then tracemalloc over records and refreshes."""
    gc.collect()
    rss = {"start": _rss()}
    import ecs_log_context

    gc.collect()
    rss["import"] = _rss()
    import httpx  # noqa: F401 -- what the first fetch imports

    gc.collect()
    rss["httpx"] = _rss()
    processor = ecs_log_context.EcsContextProcessor()
    if not processor.context.wait_ready(10):
        raise SystemExit(f"no metadata: {processor.context.status()}")
    gc.collect()
    rss["fetch"] = _rss()
    filter_ = ecs_log_context.EcsContextFilter()
    context = processor.context

    def log(n: int) -> None:
        for i in range(n):
            processor(None, "info", {"event": "order placed", "i": i})
            filter_.filter(_Record(i))  # type: ignore[arg-type]

    def refresh(n: int) -> None:
        for _ in range(n):
            status = context.refresh()
            if status.state != "ready":
                raise SystemExit(f"a refresh failed: {status}")

    # Resident memory over the records and refreshes, without tracemalloc's own tables.
    log(10_000)  # warm: every cache on the way is filled
    for _ in range(10):
        context.refresh()
    gc.collect()
    rss["warm"] = _rss()
    log(records)
    gc.collect()
    rss["records"] = _rss()
    refresh(refreshes)
    gc.collect()
    rss["refreshes"] = _rss()

    tracemalloc.start()
    log(10_000)
    refresh(10)
    snapshot0 = tracemalloc.take_snapshot()
    traced0 = _traced()
    log(records)
    traced1 = _traced()
    snapshot1 = tracemalloc.take_snapshot()
    traced1b = _traced()
    refresh(refreshes)
    traced2 = _traced()
    snapshot2 = tracemalloc.take_snapshot()
    tracemalloc.stop()
    return {
        "rss": rss,
        "records": records,
        "refreshes": refreshes,
        "records_growth": traced1 - traced0,
        "refreshes_growth": traced2 - traced1b,
        "records_top": _top_growth(snapshot0, snapshot1),
        "refreshes_top": _top_growth(snapshot1, snapshot2),
        "attempts": context.status().attempts,
    }


def http_client() -> dict[str, Any]:
    """What the library's httpx client costs to build, httpx already imported (no request)."""
    import httpx  # noqa: F401 -- imported before measuring

    from ecs_log_context.client import MetadataClient

    client = MetadataClient("v4", "http://127.0.0.1:9/v4/benchmark")
    gc.collect()
    before = _rss()
    started = time.perf_counter()
    client._client()
    elapsed = time.perf_counter() - started
    gc.collect()
    after = _rss()
    client.close()
    return {"rss": after - before, "ms": elapsed * 1000}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._workers")
    parser.add_argument("kind", choices=["first", "fleet", "memory", "client"])
    parser.add_argument("--variant", default="cold")
    parser.add_argument("--processes", type=int, default=16)
    parser.add_argument("--hold", type=float, default=1.0)
    parser.add_argument("--deadline", type=float, default=60.0)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--refreshes", type=int, default=100)
    args = parser.parse_args(argv)
    if args.kind == "first":
        result = first_record(args.deadline)
    elif args.kind == "fleet":
        result = fleet(args.variant, args.processes, args.hold, args.deadline)
    elif args.kind == "memory":
        result = memory(args.records, args.refreshes)
    else:
        result = http_client()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
