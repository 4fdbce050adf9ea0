"""Per record: structlog, the standard library with python-json-logger, and the disabled path.

Each group is timed interleaved in one process (see `_harness.interleaved`); an overhead is
the median of the paired differences to its baseline (the same pipeline adding nothing), and
its ratio is to its limit: the least code that adds the very dict the library built (six
fields, the default group, flat style, fetched from the package's mock), a bare
``dict.update``, or for a formatter the same python-json-logger class given those fields as
``static_fields``. Each of python-json-logger's formatters (``JsonFormatter``,
``OrjsonFormatter``, ``MsgspecFormatter``) has its own baseline and limit.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from ._harness import Check, GroupResult, Mode, NullStream, Timing, interleaved, ratio_text

# python-json-logger's usual format: time, level, logger and message.
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


# python-json-logger's formatters and the library's subclass of each: (python-json-logger's
# module, its class, the library's module, its class), by family.
FORMATTERS = {
    "json": ("pythonjsonlogger.json", "JsonFormatter", "json_formatter", "EcsJsonFormatter"),
    "orjson": (
        "pythonjsonlogger.orjson",
        "OrjsonFormatter",
        "orjson_formatter",
        "EcsOrjsonFormatter",
    ),
    "msgspec": (
        "pythonjsonlogger.msgspec",
        "MsgspecFormatter",
        "msgspec_formatter",
        "EcsMsgspecFormatter",
    ),
}


@dataclass(frozen=True)
class Gate:
    """A variant held to a bar: its overhead over that of ``reference``, at ``Mode.bars[bar]``."""

    label: str  # the check's name, after the group's
    reference: str  # the variant whose overhead it is divided by
    bar: str  # the key of the bar in `Mode.bars`
    versus: str = ""  # how the table names the reference, when it is not the row's limit


@dataclass
class Enrichers:
    """The library's processor, filter and formatters, ready, and the fields they add.

    ``formatters``: by family (`FORMATTERS`), python-json-logger's class and the library's
    formatter, ready; ``skipped``: the families that cannot be measured here, and why.
    """

    processor: Any
    filter: Any
    formatters: dict[str, tuple[type[logging.Formatter], logging.Formatter]]
    skipped: dict[str, str]
    fields: dict[str, Any]
    requests: int


def _formatter_classes(family: str) -> tuple[type[logging.Formatter], type[logging.Formatter]]:
    """python-json-logger's class and the library's, imported (ImportError when missing)."""
    import importlib

    theirs, their_class, ours, our_class = FORMATTERS[family]
    base = getattr(importlib.import_module(theirs), their_class)
    own = getattr(importlib.import_module(f"ecs_log_context.{ours}"), our_class)
    return base, own


def ready_enrichers() -> Enrichers:
    """Point the library at the package's mock, wait for the first answer, stop the mock.

    The refresher then sleeps for the TTL (an hour): nothing runs beside the timed loops.
    """
    from ecs_log_context import EcsContextFilter, EcsContextProcessor
    from ecs_log_context.mock.server import MockEndpoint

    classes: dict[str, tuple[type[logging.Formatter], type[logging.Formatter]]] = {}
    skipped: dict[str, str] = {}
    for family in FORMATTERS:
        try:
            classes[family] = _formatter_classes(family)
        except ImportError as error:  # orjson or msgspec not installed: those rows are skipped
            if family == "json":
                raise
            skipped[family] = f"{FORMATTERS[family][3]} skipped: {error}"

    mock = MockEndpoint(throttle=False).start()
    try:
        environ = mock.environ()
        processor = EcsContextProcessor(environ=environ)
        filter_ = EcsContextFilter(environ=environ)
        formatters: dict[str, tuple[type[logging.Formatter], logging.Formatter]] = {}
        for family, (base, own) in classes.items():
            formatters[family] = (base, own(JSON_FORMAT, environ=environ))  # type: ignore[call-arg]
        for enricher in (processor, filter_, *(f for _, f in formatters.values())):
            context = enricher.context  # type: ignore[attr-defined]
            if not context.wait_ready(10):
                raise RuntimeError(f"no metadata from the mock: {context.status()}")
        requests = mock.request_count
    finally:
        mock.stop()
    fields = dict(processor._fields or {})
    others = [filter_._fields, *(f._fields for _, f in formatters.values())]  # type: ignore[attr-defined]
    if len(fields) != 6 or any(other != fields for other in others):
        raise RuntimeError(f"the enrichers do not add the same six fields: {fields}")
    return Enrichers(processor, filter_, formatters, skipped, fields, requests)


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
        if name == "baseline":
            capture.baseline(name, ignore=("timestamp",))
        else:
            capture.expect(name, enrichers.fields, ignore=("timestamp",))
    loggers = _structlog_loggers(enrichers, NullStream())
    timing = interleaved(
        {name: _structlog_runner(log) for name, log in loggers.items()},
        batch=mode.batch,
        seconds=mode.seconds_per_group,
    )
    limit = "+ bare update (limit)"
    gated = {"+ EcsContextProcessor": Gate("processor / limit", limit, "processor_ratio")}
    return _per_record_result(
        "structlog",
        title="Per record, structlog (add_log_level, TimeStamper(iso), JSONRenderer)",
        timing=timing,
        limit=limit,
        gated=gated,
        mode=mode,
    )


# -- logging + python-json-logger ------------------------------------------------------------

JSON_LIMIT = "JsonFormatter static_fields (formatter limit)"


def _family_names(family: str) -> tuple[str, str, str]:
    """The names of a family's baseline, limit and library variants (not the json family's)."""
    _, their_class, _, our_class = FORMATTERS[family]
    return f"{their_class} (baseline)", f"{their_class} static_fields (limit)", our_class


def _stdlib_loggers(enrichers: Enrichers, stream: Any, tag: str) -> dict[str, Any]:
    """Every variant of the group: JsonFormatter's, then each other family's three."""
    fields = enrichers.fields
    json_class, json_formatter = enrichers.formatters["json"]

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

    def plain(cls: type[logging.Formatter], **kwargs: Any) -> logging.Formatter:
        return cls(JSON_FORMAT, **kwargs)

    loggers: dict[str, Any] = {
        "baseline": make("baseline", plain(json_class)),
        "+ bare filter (limit)": make("bare", plain(json_class), BareFilter()),
        "+ EcsContextFilter": make("filter", plain(json_class), enrichers.filter),
        JSON_LIMIT: make("static", plain(json_class, static_fields=fields)),
        "EcsJsonFormatter": make("formatter", json_formatter),
        "LoggerAdapter(extra=fields)": logging.LoggerAdapter(
            make("adapter", plain(json_class)), fields
        ),
    }
    for family, (cls, formatter) in enrichers.formatters.items():
        if family == "json":
            continue
        baseline, limit, ours = _family_names(family)
        loggers[baseline] = make(f"{family}.baseline", plain(cls))
        loggers[limit] = make(f"{family}.static", plain(cls, static_fields=fields))
        loggers[ours] = make(f"{family}.formatter", formatter)
    return loggers


def _stdlib_runner(logger: Any) -> Callable[[int], None]:
    info = logger.info

    def run(n: int) -> None:
        for _ in range(n):
            info("order placed")

    return run


def stdlib_group(mode: Mode, enrichers: Enrichers) -> GroupResult:
    """logging + python-json-logger: a filter, ``static_fields``, the formatters, an adapter.

    ``EcsJsonFormatter`` is held to ``JsonFormatter(static_fields=fields)``,
    ``EcsOrjsonFormatter`` to ``OrjsonFormatter(static_fields=fields)`` and
    ``EcsMsgspecFormatter`` to ``MsgspecFormatter(static_fields=fields)``: each overhead over
    the same class without fields, divided by that class's own with the fields.
    """
    baseline_of: dict[str, str] = {}
    limits = {"baseline": "+ bare filter (limit)"}
    gated = {
        "+ EcsContextFilter": Gate("filter / limit", "+ bare filter (limit)", "filter_ratio"),
        "EcsJsonFormatter": Gate(
            "EcsJsonFormatter / JsonFormatter static_fields",
            JSON_LIMIT,
            "formatter_ratio",
            versus="static_fields",
        ),
    }
    for family in enrichers.formatters:
        if family == "json":
            continue
        baseline, limit, ours = _family_names(family)
        baseline_of[limit] = baseline_of[ours] = baseline
        limits[baseline] = limit
        gated[ours] = Gate(f"{ours} / {limit.split()[0]} static_fields", limit, "formatter_ratio")

    capture = _Capture()
    ignore = ("asctime", "name")
    for name, logger in _stdlib_loggers(enrichers, capture, "check").items():
        logger.info("order placed")
        if name == "baseline":
            capture.baseline(name, ignore)
        elif name in limits:  # another family's baseline: it renders what JsonFormatter does
            capture.baseline(name, ignore, same_as="baseline")
        else:
            capture.expect(name, enrichers.fields, ignore, baseline_of.get(name, "baseline"))
    loggers = _stdlib_loggers(enrichers, NullStream(), "timed")
    timing = interleaved(
        {name: _stdlib_runner(logger) for name, logger in loggers.items()},
        batch=mode.batch,
        # Up to twice as many variants as another group: as many rounds as it gets.
        seconds=mode.seconds_per_group * max(1.0, len(loggers) / 6),
    )
    result = _per_record_result(
        "stdlib",
        title=f"Per record, logging + python-json-logger formatters ({JSON_FORMAT!r})",
        timing=timing,
        limit="+ bare filter (limit)",
        gated=gated,
        mode=mode,
        limits=limits,
        baseline_of=baseline_of,
    )
    result.notes.extend(enrichers.skipped.values())
    result.data["skipped"] = dict(enrichers.skipped)
    return result


# -- disabled --------------------------------------------------------------------------------


def disabled_group(mode: Mode) -> GroupResult:
    """Off ECS (no metadata source) and disabled: the processor and the filter, vs no-ops."""
    from ecs_log_context import EcsContextFilter, EcsContextProcessor

    def noop_processor(
        logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        return event_dict

    def noop_with_state(
        state: object, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        return event_dict

    class NoopPartial(functools.partial[MutableMapping[str, Any]]):
        # A processor of the same kind as EcsContextProcessor: a subclass of functools.partial
        # binding a function to its state. The gate compares like with like, as the filter is
        # compared with a no-op Filter; a function and a plain partial are shown for reference
        # (on CPython 3.11 a subclass of partial is called without vectorcall, ~60 ns more).
        __slots__ = ()

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
        "no-op processor (partial)": processor_calls(functools.partial(noop_with_state, None)),
        "no-op processor (partial subclass)": processor_calls(NoopPartial(noop_with_state, None)),
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
        "EcsContextProcessor": "no-op processor (partial subclass)",
        "EcsContextFilter": "no-op logging.Filter",
    }
    function = "no-op processor (function)"
    over_function: dict[str, float] = {}
    for name in variants:
        baseline = baselines.get(name.split()[0])
        entry: dict[str, Any] = {"ns_per_call": timing.median(name)}
        if name != function and "processor" in name.lower():
            entry["over_function_ns"] = over_function[name] = timing.overhead(name, function)[0]
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
        [
            f"{timing.rounds} rounds of {mode.batch * 10} calls per variant, shuffled, GC off",
            "over a no-op function (the calling convention's share): "
            + ", ".join(f"{name} {over:+.1f} ns" for name, over in over_function.items()),
        ],
    )


# -- shared ----------------------------------------------------------------------------------


class _Capture:
    """A stream that keeps the last line written: to see what each variant renders."""

    def __init__(self) -> None:
        self.last = ""
        self.baselines: dict[str, dict[str, Any]] = {}

    def write(self, text: str) -> int:
        if text.strip():
            self.last = text
        return len(text)

    def flush(self) -> None:
        pass

    def _rendered(self, ignore: tuple[str, ...]) -> dict[str, Any]:
        rendered: dict[str, Any] = json.loads(self.last)
        for key in ignore:
            rendered.pop(key, None)
        return rendered

    def baseline(self, name: str, ignore: tuple[str, ...], same_as: str | None = None) -> None:
        """Keep what a baseline renders; another family's must render what ``same_as`` does."""
        rendered = self._rendered(ignore)
        if same_as is not None and rendered != self.baselines[same_as]:
            raise RuntimeError(f"{name} renders {rendered}, not what {same_as} renders")
        self.baselines[name] = rendered

    def expect(
        self,
        name: str,
        fields: Mapping[str, Any],
        ignore: tuple[str, ...],
        baseline: str = "baseline",
    ) -> None:
        """Every enriched variant renders the same object: its baseline's plus the fields."""
        rendered = self._rendered(ignore)
        if rendered != {**self.baselines[baseline], **fields}:
            raise RuntimeError(f"{name} renders {rendered}, not {baseline}'s plus the fields")


def _per_record_result(
    name: str,
    *,
    title: str,
    timing: Timing,
    limit: str,
    gated: Mapping[str, Gate],
    mode: Mode,
    limits: Mapping[str, str] | None = None,
    baseline_of: Mapping[str, str] | None = None,
) -> GroupResult:
    """The group's table, data and checks from its timing.

    Every variant's overhead is over its baseline (``baseline_of``, by default "baseline");
    its "x limit" is that overhead over the overhead of its baseline's limit (``limits``, by
    default ``{"baseline": limit}``). A gated variant is checked at ``mode.bars[gate.bar]``:
    its overhead over the overhead of ``gate.reference`` (same baseline), with a 90% bootstrap
    interval of that ratio.
    """
    limits = limits or {"baseline": limit}
    baseline_of = baseline_of or {}
    limit_overheads = {b: timing.overhead(lim, b)[0] for b, lim in limits.items()}
    rows: list[list[str]] = []
    checks: list[Check] = []
    variants: dict[str, Any] = {}
    for variant in timing.samples:
        median = timing.median(variant)
        p10, p90 = timing.deciles(variant)
        if variant in limits:  # a baseline
            rows.append([variant, f"{median:.0f}", "", "", "", ""])
            variants[variant] = {"ns_per_record": median, "p10": p10, "p90": p90}
            continue
        baseline = baseline_of.get(variant, "baseline")
        over, q1, q3 = timing.overhead(variant, baseline)
        ratio = over / limit_overheads[baseline]
        entry: dict[str, Any] = {
            "ns_per_record": median,
            "p10": p10,
            "p90": p90,
            "baseline": baseline,
            "limit": limits[baseline],
            "overhead_ns": over,
            "overhead_q1": q1,
            "overhead_q3": q3,
            "ratio_to_limit": ratio,
        }
        shown = f"{ratio:.2f}x"
        bar_text = ""
        gate = gated.get(variant)
        if gate is not None:
            reference_overhead = timing.overhead(gate.reference, baseline)[0]
            gated_ratio = over / reference_overhead
            low, high = timing.ratio_interval(variant, gate.reference, baseline)
            bar = mode.bars[gate.bar]
            entry["gate"] = {
                "check": f"{name}: {gate.label}",
                "reference": gate.reference,
                "versus": gate.versus,
                "ratio": gated_ratio,
                "interval_90": [low, high],
                "bar": bar,
                "bar_name": gate.bar,
            }
            checks.append(
                Check(f"{name}: {gate.label}", gated_ratio, bar, "x", low, mode.optimistic)
            )
            if gate.reference != limits[baseline]:
                shown += f" ({ratio_text(gated_ratio, bar)} {gate.versus or gate.reference})"
            else:
                shown = ratio_text(gated_ratio, bar)
            shown += f" [{low:.2f}..{high:.2f}]"
            bar_text = f"{bar:.2f}x"
        variants[variant] = entry
        rows.append(
            [variant, f"{median:.0f}", f"{over:+.0f}", f"{q1:+.0f}..{q3:+.0f}", shown, bar_text]
        )
    return GroupResult(
        name,
        title,
        ["variant", "ns/record", "overhead ns", "IQR", "x limit", "bar"],
        rows,
        {
            "rounds": timing.rounds,
            "batch": mode.batch,
            "limit": limit,
            "limits": dict(limits),
            "variants": variants,
        },
        checks,
        [
            f"{timing.rounds} rounds of {mode.batch} records per variant, shuffled, GC off;"
            " overhead: median of the round-by-round differences to the baseline (IQR: their"
            " quartiles); x limit: overhead / the limit's overhead, [90% bootstrap interval]",
        ],
    )
