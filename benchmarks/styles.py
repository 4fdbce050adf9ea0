"""The cost of a record's own values: nested's per-record inner dict, otel's tuples.

Under ``nested`` every record gets its own copy of the inner dict, so that an edit in place
stays in that record; under ``otel`` the one-element lists are tuples, shared, refusing
edits. Each is measured against a bare ``dict.update`` of the same fields in the same style
without copies (the shared inner dict, lists), interleaved in one structlog chain. Reported,
not gated.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from ._harness import GroupResult, Mode, NullStream, interleaved
from .per_record import _per_record_result, _structlog_runner, structlog_chain


def styles_group(mode: Mode) -> GroupResult:
    """structlog: the nested and otel styles, with and without a record's own values."""
    from ecs_log_context import EcsContextProcessor
    from ecs_log_context.mock.server import MockEndpoint

    mock = MockEndpoint(throttle=False).start()
    try:
        environ = mock.environ()
        nested = EcsContextProcessor(environ=environ, style="nested", fields="all")
        otel = EcsContextProcessor(environ=environ, style="otel", fields="all")
        for processor in (nested, otel):
            if not processor.context.wait_ready(10):
                raise RuntimeError(f"no metadata: {processor.context.status()}")
    finally:
        mock.stop()
    nested_fields = dict(nested._fields or {})
    otel_lists = {
        k: list(v) if isinstance(v, tuple) else v for k, v in (otel._fields or {}).items()
    }

    def make(*middle: Callable[..., Any]) -> Any:
        return structlog_chain(NullStream(), *middle)

    def updater(fields: dict[str, Any]) -> Callable[..., Any]:
        def bare_update(
            logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
        ) -> MutableMapping[str, Any]:
            event_dict.update(fields)
            return event_dict

        return bare_update

    loggers = {
        "baseline": make(),
        "+ bare update, nested, shared inner dict (limit)": make(updater(nested_fields)),
        "+ EcsContextProcessor, nested, own inner dict": make(nested),
        "+ bare update, otel, lists": make(updater(otel_lists)),
        "+ EcsContextProcessor, otel, tuples": make(otel),
    }
    timing = interleaved(
        {name: _structlog_runner(log) for name, log in loggers.items()},
        batch=mode.batch,
        seconds=mode.seconds_per_group,
    )
    return _per_record_result(
        "styles",
        title="Per record, a record's own values: nested copies, otel tuples (structlog)",
        timing=timing,
        limit="+ bare update, nested, shared inner dict (limit)",
        gated={},
        mode=mode,
    )
