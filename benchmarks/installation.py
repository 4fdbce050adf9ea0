"""Per record, ``install()``: the fields added where every `LogRecord` is made.

``install()`` wraps ``logging.Logger.makeRecord`` for the whole process, so its variants cannot
share one class: each runs through a `logging.Logger` of its own class (same handler, same
level, no propagation), the installed one through `logging.Logger` itself. The limit is the
least a ``makeRecord`` wrapper does: call the original and ``record.__dict__.update`` the very
fields that ``install()`` fetched from the package's mock. The handler is cheap (a
``StreamHandler`` to a null stream, formatting level, name and message), so that less of the
record's own cost, and of its noise, surrounds the few hundred nanoseconds the wrappers add.

The slow path, a caller's ``extra`` naming a field's key (``extra`` wins, key by key), is
reported against a baseline logging the same ``extra``; it is not gated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from ._harness import GroupResult, Mode, NullStream, Timing, interleaved
from .per_record import Gate, _per_record_result

# What the records carry besides the fields: what each variant's formatter renders.
FORMAT = "%(levelname)s %(name)s %(message)s"
LIMIT = "+ bare makeRecord wrapper (limit)"
EXTRA_BASELINE = "baseline, extra naming a field"
EXTRA_VARIANTS = (EXTRA_BASELINE, "+ bare wrapper, same extra", "+ install(), same extra (slow)")
# Each variant: the logger it logs through, and whether it passes the caller's extra.
VARIANTS = {
    "baseline": ("plain", False),
    LIMIT: ("bare", False),
    "+ install()": ("installed", False),
    EXTRA_VARIANTS[0]: ("plain", True),
    EXTRA_VARIANTS[1]: ("bare", True),
    EXTRA_VARIANTS[2]: ("installed", True),
}


def _installed_fields(environ: Mapping[str, str]) -> dict[str, Any]:
    """``install()`` pointed at the mock, once its first answer is in: the fields it adds."""
    from ecs_log_context import install
    from ecs_log_context.installation import installed

    install(environ=environ)
    enricher = installed()
    if enricher is None:
        raise RuntimeError("install() left nothing installed")
    if not enricher.context.wait_ready(10):
        raise RuntimeError(f"no metadata from the mock: {enricher.context.status()}")
    fields = dict(enricher._fields or {})
    if len(fields) != 6:
        raise RuntimeError(f"install() does not add the default six fields: {fields}")
    return fields


def _logger_classes(
    original: Callable[..., logging.LogRecord], fields: Mapping[str, Any]
) -> dict[str, type[logging.Logger]]:
    """The three ``makeRecord``\\ s: the original, the bare wrapper, the installed one."""

    def bare_make_record(  # noqa: PLR0917 -- the signature of the method it stands for
        self: logging.Logger,
        name: str,
        level: int,
        fn: str,
        lno: int,
        msg: object,
        args: Any,
        exc_info: Any,
        func: str | None = None,
        extra: Mapping[str, object] | None = None,
        sinfo: str | None = None,
    ) -> logging.LogRecord:
        record = original(self, name, level, fn, lno, msg, args, exc_info, func, extra, sinfo)
        record.__dict__.update(fields)
        return record

    plain = type("PlainLogger", (logging.Logger,), {"makeRecord": original})
    bare = type("BareWrapperLogger", (logging.Logger,), {"makeRecord": bare_make_record})
    return {"plain": plain, "bare": bare, "installed": logging.Logger}


def _loggers(
    classes: Mapping[str, type[logging.Logger]], handler: Callable[[], logging.Handler], tag: str
) -> dict[str, logging.Logger]:
    """One logger per class, each with a handler of its own, outside the logger hierarchy."""

    def make(kind: str) -> logging.Logger:
        logger = classes[kind](f"benchmarks.install.{tag}.{kind}", logging.INFO)
        logger.propagate = False
        logger.addHandler(handler())
        return logger

    return {kind: make(kind) for kind in classes}


def _runner(logger: logging.Logger, extra: Mapping[str, object] | None) -> Callable[[int], None]:
    info = logger.info
    if extra is None:

        def run(n: int) -> None:
            for _ in range(n):
                info("order placed")

    else:

        def run(n: int) -> None:
            for _ in range(n):
                info("order placed", extra=extra)

    return run


def _variants(
    loggers: Mapping[str, logging.Logger], extra: Mapping[str, object]
) -> dict[str, Callable[[int], None]]:
    return {
        name: _runner(loggers[kind], extra if with_extra else None)
        for name, (kind, with_extra) in VARIANTS.items()
    }


class _LastRecord(logging.Handler):
    """Keeps the last record it handles: to see what each variant's record carries."""

    record: logging.LogRecord | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.record = record


def _check_records(
    classes: Mapping[str, type[logging.Logger]],
    fields: Mapping[str, Any],
    extra: Mapping[str, object],
) -> None:
    """Every variant's record carries what it should: none, all the fields, ``extra`` winning."""
    handlers: dict[str, _LastRecord] = {}
    loggers = _loggers(classes, _LastRecord, "check")
    for kind, logger in loggers.items():
        handler = logger.handlers[0]
        assert isinstance(handler, _LastRecord)
        handlers[kind] = handler
    for name, run in _variants(loggers, extra).items():
        kind, with_extra = VARIANTS[name]
        handlers[kind].record = None
        run(1)
        record = handlers[kind].record
        assert record is not None
        seen = {key: record.__dict__[key] for key in fields if key in record.__dict__}
        if kind == "plain":
            expected: dict[str, Any] = {k: v for k, v in extra.items() if with_extra}
        elif kind == "bare":
            expected = dict(fields)  # the bare update overwrites the caller's extra
        else:
            expected = {**fields, **(extra if with_extra else {})}
        if seen != expected:
            raise RuntimeError(f"{name}: the record carries {seen}, not {expected}")


def install_group(mode: Mode) -> GroupResult:
    """``install()`` against a bare ``makeRecord`` wrapper; its slow path, reported."""
    from ecs_log_context import uninstall
    from ecs_log_context.mock.server import MockEndpoint

    original = logging.Logger.__dict__["makeRecord"]
    if original.__module__ != "logging":
        raise RuntimeError(f"Logger.makeRecord is already wrapped: {original!r}")
    mock = MockEndpoint(throttle=False).start()
    try:
        fields = _installed_fields(mock.environ())
    except BaseException:
        uninstall()
        raise
    finally:
        mock.stop()
    try:
        extra = {next(iter(fields)): "the caller's own"}
        classes = _logger_classes(original, fields)
        _check_records(classes, fields, extra)

        def stream_handler() -> logging.Handler:
            handler = logging.StreamHandler(NullStream())
            handler.setFormatter(logging.Formatter(FORMAT))
            return handler

        timing = interleaved(
            _variants(_loggers(classes, stream_handler, "timed"), extra),
            batch=mode.batch,
            seconds=mode.seconds_per_group,
        )
    finally:
        uninstall()  # the groups after this one make their records as before
    main = Timing(
        {k: v for k, v in timing.samples.items() if k not in EXTRA_VARIANTS}, timing.rounds
    )
    result = _per_record_result(
        "install",
        title=f"Per record, install() (logging, StreamHandler, Formatter({FORMAT!r}))",
        timing=main,
        limit=LIMIT,
        gated={"+ install()": Gate("install() / limit", LIMIT, "install_ratio")},
        mode=mode,
    )
    _add_slow_path(result, timing, extra)
    return result


def _add_slow_path(result: GroupResult, timing: Timing, extra: Mapping[str, object]) -> None:
    """Rows of the ``extra`` variants, each against the baseline logging the same ``extra``."""
    limit_overhead = timing.overhead(LIMIT, "baseline")[0]
    variants = result.data["variants"]
    result.rows.append([EXTRA_BASELINE, f"{timing.median(EXTRA_BASELINE):.0f}", "", "", "", ""])
    variants[EXTRA_BASELINE] = {"ns_per_record": timing.median(EXTRA_BASELINE)}
    for name in EXTRA_VARIANTS[1:]:
        over, q1, q3 = timing.overhead(name, EXTRA_BASELINE)
        ratio = over / limit_overhead
        variants[name] = {
            "ns_per_record": timing.median(name),
            "baseline": EXTRA_BASELINE,
            "overhead_ns": over,
            "overhead_q1": q1,
            "overhead_q3": q3,
            "ratio_to_limit": ratio,
        }
        result.rows.append(
            [
                name,
                f"{timing.median(name):.0f}",
                f"{over:+.0f}",
                f"{q1:+.0f}..{q3:+.0f}",
                f"{ratio:.2f}x",
                "",
            ]
        )
    result.data["extra"] = dict(extra)
    result.notes.append(
        f"extra={dict(extra)!r} names a field: its rows are measured against"
        f" {EXTRA_BASELINE!r} (logging the same extra), x limit against the limit's overhead"
        " above; not gated"
    )
