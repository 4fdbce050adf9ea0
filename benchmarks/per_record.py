"""Per record: structlog, the standard library with python-json-logger, and the disabled path.

Each group is timed interleaved in one process (see `_harness.interleaved`); an overhead is
the median of the paired differences to the group's baseline, and its ratio is to the
group's limit: a bare ``dict.update`` of the very dict the library built (six fields, the
default group, flat style), fetched from the package's mock.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from ._harness import Check, GroupResult, Mode, NullStream, Timing, interleaved

# python-json-logger's usual format: time, level, logger and message.
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


@dataclass
class Enrichers:
    """The library's processor, filter and formatter, ready, and the fields they add."""

    processor: Any
    filter: Any
    formatter: Any
    fields: dict[str, Any]
    requests: int


def ready_enrichers() -> Enrichers:
    """Point the library at the package's mock, wait for the first answer, stop the mock.

    The refresher then sleeps for the TTL (an hour): nothing runs beside the timed loops.
    """
    from ecs_log_context import EcsContextFilter, EcsContextProcessor
    from ecs_log_context.json_formatter import EcsJsonFormatter
    from ecs_log_context.mock.server import MockEndpoint

    mock = MockEndpoint(throttle=False).start()
    try:
        environ = mock.environ()
        processor = EcsContextProcessor(environ=environ)
        if not processor.context.wait_ready(10):
            raise RuntimeError(f"no metadata from the mock: {processor.context.status()}")
        filter_ = EcsContextFilter(environ=environ)
        formatter = EcsJsonFormatter(JSON_FORMAT, environ=environ)
        requests = mock.request_count
    finally:
        mock.stop()
    fields = dict(processor._fields or {})
    if len(fields) != 6 or filter_._fields != fields or formatter._fields != fields:
        raise RuntimeError(f"the enrichers do not add the same six fields: {fields}")
    return Enrichers(processor, filter_, formatter, fields, requests)


# -- structlog -------------------------------------------------------------------------------


def structlog_chain(stream: Any, *middle: Callable[..., Any]) -> Any:
    """A structlog logger: ``add_log_level, TimeStamper(iso), *middle, JSONRenderer``."""
    import structlog

    wrapper: Any = structlog.make_filtering_bound_logger(logging.DEBUG)
    processors = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        *middle,
        structlog.processors.JSONRenderer(),
    ]
    return wrapper(structlog.PrintLogger(stream), processors, {})


def _structlog_loggers(enrichers: Enrichers, stream: Any) -> dict[str, Any]:
    from cachetools import TTLCache

    fields = enrichers.fields

    def make(*middle: Callable[..., Any]) -> Any:
        return structlog_chain(stream, *middle)

    def bare_update(
        logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        event_dict.update(fields)
        return event_dict

    # What a user writes without the library: a TTL cache of the fields, behind a lock.
    cache: TTLCache[str, dict[str, Any]] = TTLCache(maxsize=1, ttl=3600)
    lock = threading.Lock()

    def ttlcache_processor(
        logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        with lock:
            found = cache.get("ecs")
            if found is None:
                found = cache["ecs"] = dict(fields)  # the fetch, done once before timing
        event_dict.update(found)
        return event_dict

    ttlcache_processor(None, "info", {})
    return {
        "baseline": make(),
        "+ bare update (limit)": make(bare_update),
        "+ EcsContextProcessor": make(enrichers.processor),
        "+ TTLCache + lock": make(ttlcache_processor),
        "+ bind(**fields)": make().bind(**fields),
    }


def _structlog_runner(log: Any) -> Callable[[int], None]:
    info = log.info

    def run(n: int) -> None:
        for _ in range(n):
            info("order placed", order_id=42)

    return run


def structlog_group(mode: Mode, enrichers: Enrichers) -> GroupResult:
    """structlog: ``add_log_level, TimeStamper(iso), JSONRenderer`` and the ways to add fields."""
    capture = _Capture()
    for name, log in _structlog_loggers(enrichers, capture).items():
        log.info("order placed", order_id=42)
        capture.expect(name, enrichers.fields, ignore=("timestamp",))
    loggers = _structlog_loggers(enrichers, NullStream())
    timing = interleaved(
        {name: _structlog_runner(log) for name, log in loggers.items()},
        batch=mode.batch,
        seconds=mode.seconds_per_group,
    )
    limit = "+ bare update (limit)"
    gated = {"+ EcsContextProcessor": ("processor / limit", limit)}
    return _per_record_result(
        "structlog",
        title="Per record, structlog (add_log_level, TimeStamper(iso), JSONRenderer)",
        timing=timing,
        limit=limit,
        gated=gated,
        mode=mode,
    )


# -- logging + python-json-logger ------------------------------------------------------------


def _stdlib_loggers(enrichers: Enrichers, stream: Any, tag: str) -> dict[str, Any]:
    from pythonjsonlogger.json import JsonFormatter

    fields = enrichers.fields

    class BareFilter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            record.__dict__.update(fields)
            return True

    def make(name: str, formatter: logging.Formatter, *filters: logging.Filter) -> logging.Logger:
        logger = logging.getLogger(f"benchmarks.{tag}.{name}")
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = False
        logger.setLevel(logging.INFO)
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        for filter_ in filters:
            handler.addFilter(filter_)
        logger.addHandler(handler)
        return logger

    return {
        "baseline": make("baseline", JsonFormatter(JSON_FORMAT)),
        "+ bare filter (limit)": make("bare", JsonFormatter(JSON_FORMAT), BareFilter()),
        "+ EcsContextFilter": make("filter", JsonFormatter(JSON_FORMAT), enrichers.filter),
        "static_fields (formatter limit)": make(
            "static", JsonFormatter(JSON_FORMAT, static_fields=fields)
        ),
        "EcsJsonFormatter": make("formatter", enrichers.formatter),
        "LoggerAdapter(extra=fields)": logging.LoggerAdapter(
            make("adapter", JsonFormatter(JSON_FORMAT)), fields
        ),
    }


def _stdlib_runner(logger: Any) -> Callable[[int], None]:
    info = logger.info

    def run(n: int) -> None:
        for _ in range(n):
            info("order placed")

    return run


def stdlib_group(mode: Mode, enrichers: Enrichers) -> GroupResult:
    """logging + python-json-logger: a filter, ``static_fields``, the formatter, an adapter."""
    capture = _Capture()
    for name, logger in _stdlib_loggers(enrichers, capture, "check").items():
        logger.info("order placed")
        capture.expect(name, enrichers.fields, ignore=("asctime", "name"))
    loggers = _stdlib_loggers(enrichers, NullStream(), "timed")
    timing = interleaved(
        {name: _stdlib_runner(logger) for name, logger in loggers.items()},
        batch=mode.batch,
        seconds=mode.seconds_per_group,
    )
    limit = "+ bare filter (limit)"
    gated = {
        "+ EcsContextFilter": ("filter / limit", limit),
        "EcsJsonFormatter": ("formatter / static_fields", "static_fields (formatter limit)"),
    }
    return _per_record_result(
        "stdlib",
        title=f"Per record, logging + python-json-logger JsonFormatter({JSON_FORMAT!r})",
        timing=timing,
        limit=limit,
        gated=gated,
        mode=mode,
    )


# -- disabled --------------------------------------------------------------------------------


def disabled_group(mode: Mode) -> GroupResult:
    """Off ECS (no metadata source) and disabled: the processor and the filter, vs no-ops."""
    from ecs_log_context import EcsContextFilter, EcsContextProcessor

    def noop_processor(
        logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        return event_dict

    class NoopProcessor:
        # A processor of the same kind (an instance with __call__, as structlog's own
        # TimeStamper): calling an instance costs ~70 ns more than a function on CPython 3.11,
        # a cost of the class-based API, not of the work done. The gate compares like with like,
        # as the filter is compared with a no-op Filter; the function is shown for reference.
        __slots__ = ()

        def __call__(
            self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
        ) -> MutableMapping[str, Any]:
            return event_dict

    class NoopFilter(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return True

    def handler_with(filter_: logging.Filter) -> logging.Handler:
        handler = logging.NullHandler()
        handler.addFilter(filter_)
        return handler

    off_processor = EcsContextProcessor(environ={})
    disabled_processor = EcsContextProcessor(enabled=False, environ={})
    off_filter = EcsContextFilter(environ={})
    disabled_filter = EcsContextFilter(enabled=False, environ={})
    for enricher, state in (
        (off_processor, "off_ecs"),
        (disabled_processor, "disabled"),
        (off_filter, "off_ecs"),
        (disabled_filter, "disabled"),
    ):
        if enricher.context.status().state != state or enricher._fields != {}:
            raise RuntimeError(f"{enricher!r} is not {state}: {enricher.context.status()}")

    event_dict = {"event": "order placed", "level": "info", "order_id": 42}
    record = logging.LogRecord("benchmarks", logging.INFO, __file__, 1, "order placed", None, None)

    def processor_calls(processor: Callable[..., Any]) -> Callable[[int], None]:
        def run(n: int) -> None:  # as structlog's chain calls a processor
            for _ in range(n):
                processor(None, "info", event_dict)

        return run

    def filter_calls(handler: logging.Handler) -> Callable[[int], None]:
        filter_ = handler.filter

        def run(n: int) -> None:  # as Handler.handle runs the handler's filters
            for _ in range(n):
                filter_(record)

        return run

    variants = {
        "no-op processor (function)": processor_calls(noop_processor),
        "no-op processor (instance)": processor_calls(NoopProcessor()),
        "EcsContextProcessor off ECS": processor_calls(off_processor),
        "EcsContextProcessor enabled=False": processor_calls(disabled_processor),
        "no-op logging.Filter": filter_calls(handler_with(NoopFilter())),
        "EcsContextFilter off ECS": filter_calls(handler_with(off_filter)),
        "EcsContextFilter enabled=False": filter_calls(handler_with(disabled_filter)),
    }
    timing = interleaved(variants, batch=mode.batch * 10, seconds=mode.seconds_per_group / 2)
    bar = mode.bars["disabled_ns"]
    rows: list[list[str]] = []
    data: dict[str, Any] = {"rounds": timing.rounds, "batch": mode.batch * 10, "variants": {}}
    checks: list[Check] = []
    baselines = {
        "EcsContextProcessor": "no-op processor (instance)",
        "EcsContextFilter": "no-op logging.Filter",
    }
    for name in variants:
        baseline = baselines.get(name.split()[0])
        entry: dict[str, Any] = {"ns_per_call": timing.median(name)}
        if baseline is None:
            rows.append([name, f"{timing.median(name):.1f}", "", "", ""])
        else:
            over, q1, q3 = timing.overhead(name, baseline)
            entry.update(overhead_ns=over, overhead_q1=q1, overhead_q3=q3, baseline=baseline)
            checks.append(Check(f"disabled: {name} - no-op", over, bar, " ns"))
            rows.append(
                [
                    name,
                    f"{timing.median(name):.1f}",
                    f"{over:+.1f}",
                    f"{q1:+.0f}..{q3:+.0f}",
                    f"{bar:g}",
                ]
            )
        data["variants"][name] = entry
    return GroupResult(
        "disabled",
        "Per call, off ECS and disabled, against a no-op (direct calls, as the chain makes them)",
        ["variant", "ns/call", "over no-op ns", "IQR", "bar ns"],
        rows,
        data,
        checks,
        [f"{timing.rounds} rounds of {mode.batch * 10} calls per variant, shuffled, GC off"],
    )


# -- shared ----------------------------------------------------------------------------------


class _Capture:
    """A stream that keeps the last line written: to see what each variant renders."""

    def __init__(self) -> None:
        self.last = ""

    def write(self, text: str) -> int:
        if text.strip():
            self.last = text
        return len(text)

    def flush(self) -> None:
        pass

    def expect(self, name: str, fields: Mapping[str, Any], ignore: tuple[str, ...]) -> None:
        """Every enriched variant renders the same object: the baseline's plus the fields."""
        rendered = json.loads(self.last)
        for key in ignore:
            rendered.pop(key, None)
        if name == "baseline":
            self.baseline = rendered
            return
        if rendered != {**self.baseline, **fields}:
            raise RuntimeError(f"{name} renders {rendered}, not the baseline plus the fields")


def _per_record_result(
    name: str,
    *,
    title: str,
    timing: Timing,
    limit: str,
    gated: Mapping[str, tuple[str, str]],
    mode: Mode,
    bar_name: str = "ratio",
) -> GroupResult:
    bar = mode.bars[bar_name]
    limit_overhead = timing.overhead(limit, "baseline")[0]
    rows: list[list[str]] = []
    checks: list[Check] = []
    variants: dict[str, Any] = {}
    for variant in timing.samples:
        median = timing.median(variant)
        p10, p90 = timing.deciles(variant)
        if variant == "baseline":
            rows.append([variant, f"{median:.0f}", "", "", "", ""])
            variants[variant] = {"ns_per_record": median, "p10": p10, "p90": p90}
            continue
        over, q1, q3 = timing.overhead(variant, "baseline")
        ratio = over / limit_overhead
        entry: dict[str, Any] = {
            "ns_per_record": median,
            "p10": p10,
            "p90": p90,
            "overhead_ns": over,
            "overhead_q1": q1,
            "overhead_q3": q3,
            "ratio_to_limit": ratio,
        }
        shown = f"{ratio:.2f}x"
        bar_text = ""
        if variant in gated:
            label, reference = gated[variant]
            reference_overhead = timing.overhead(reference, "baseline")[0]
            gated_ratio = over / reference_overhead
            low, high = timing.ratio_interval(variant, reference, "baseline")
            entry[f"ratio_to_{reference}"] = gated_ratio
            entry["ratio_interval_90"] = [low, high]
            this_bar = bar if reference == limit else mode.bars["formatter_ratio"]
            checks.append(Check(f"{name}: {label}", gated_ratio, this_bar, "x"))
            if reference != limit:
                shown += f" ({gated_ratio:.2f}x static_fields)"
            shown += f" [{low:.2f}..{high:.2f}]"
            bar_text = f"{this_bar:.2f}x"
        variants[variant] = entry
        rows.append(
            [variant, f"{median:.0f}", f"{over:+.0f}", f"{q1:+.0f}..{q3:+.0f}", shown, bar_text]
        )
    return GroupResult(
        name,
        title,
        ["variant", "ns/record", "overhead ns", "IQR", "x limit", "bar"],
        rows,
        {"rounds": timing.rounds, "batch": mode.batch, "limit": limit, "variants": variants},
        checks,
        [
            f"{timing.rounds} rounds of {mode.batch} records per variant, shuffled, GC off;"
            " overhead: median of the round-by-round differences to the baseline (IQR: their"
            " quartiles); x limit: overhead / the limit's overhead, [90% bootstrap interval]",
        ],
    )
