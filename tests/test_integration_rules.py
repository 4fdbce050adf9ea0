"""Rules of the processor, the filter and the JSON formatter that the behaviour tests of
test_integrations leave unpinned: each test here fails when one of these rules breaks.

- ``context=`` alone is the context used; with a context option beside it, refused by name.
- A caller's key wins over an equal field (and a key holding one), the others are still added:
  on the first record, logged while the first fetch is under way, as on later ones; with
  ``overwrite``, the fields replace it. The formatter keeps this with ``rename_fields``.
- The nested style gives every record its own inner dict: a later processor, filter or
  ``process_log_record`` that edits it leaves the next record whole.
- Off ECS or disabled, the processor hands back the event dict it was given, and no
  integration says anything; the fetching thread's own records get the placeholders of
  ``default``, and so does a record whose wait fails.
- The integrations' ``repr``, the processor's refusal to be pickled, the formatter's
  ``style=None`` (dictConfig's "not given") and the names in its errors.

Everything crosses the wire against the package's mock endpoint.
"""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

import pytest
import structlog

from ecs_log_context import (
    ConfigurationError,
    EcsContext,
    EcsContextFilter,
    EcsContextProcessor,
    EcsJsonFormatter,
    install,
)
from ecs_log_context.installation import installed
from ecs_log_context.mock.server import MockEndpoint

from .capture import RecordCapture, json_record
from .integrations import DEFAULT_GROUP, build, expected_fields

KINDS = ("structlog", "filter", "formatter")
NOT_BOTH = (
    "give either context or its options"
    " (enabled, source, v2_endpoint, container_name, timeout, ttl), not both"
)
CONTEXT_OPTIONS: dict[str, Any] = {
    "enabled": True,
    "source": "v4",
    "v2_endpoint": "http://127.0.0.1:1",
    "container_name": "app",
    "timeout": 1,
    "ttl": 60,
}


def not_started(context: EcsContext, mock: MockEndpoint) -> None:
    """The context has asked nothing yet: the next record is logged before the first answer
    (a context starts fetching on its first demand, that record)."""
    assert context.snapshot is None
    assert 0 == mock.request_count


# -- context= ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_context_alone_is_the_context_used(kind: str, mock: MockEndpoint) -> None:
    """``context=`` and nothing else: that context gives the fields (this process's
    environment is off ECS: a context built from it would give none)."""
    context = EcsContext(environ=mock.environ())
    pipeline = build(kind, context=context)
    assert pipeline.context is context
    assert expected_fields("EC2") == pipeline.log()


def test_the_processors_fields_are_none_until_the_first_answer(mock: MockEndpoint) -> None:
    """``processor._fields``, what a debugging session reads: None before the first answer,
    then the dict its records get."""
    context = EcsContext(environ=mock.environ())
    processor = EcsContextProcessor(context=context)
    assert processor._fields is None
    assert context.wait_ready(10)
    assert expected_fields("EC2") == processor._fields


@pytest.mark.parametrize("option", sorted(CONTEXT_OPTIONS))
@pytest.mark.parametrize("kind", KINDS)
def test_a_context_with_one_of_its_options_is_refused(kind: str, option: str) -> None:
    """A context and any one of the options it is built from: refused, naming them all."""
    context = EcsContext(environ={})
    with pytest.raises(TypeError) as caught:
        build(kind, context=context, **{option: CONTEXT_OPTIONS[option]})
    assert NOT_BOTH == str(caught.value)


@pytest.mark.parametrize("kind", KINDS)
def test_a_context_with_field_options_takes_them(kind: str, mock: MockEndpoint) -> None:
    """Field options are the integration's own: beside ``context=`` they choose the keys."""
    context = EcsContext(environ=mock.environ())
    pipeline = build(kind, context=context, style="otel", fields="cluster")
    assert {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.cluster.arn": expected_fields("EC2", "otel")["aws.ecs.cluster.arn"],
    } == pipeline.log()


@pytest.mark.parametrize("tags", [None, "team"], ids=["no-tags", "tags"])
def test_the_default_context_asks_for_tags_only_when_told(
    tags: str | None, mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`EcsContext.default()`, the process's context from the environment, asks for the
    task with tags only when ``ECS_LOG_CONTEXT_TAGS`` names some."""
    if tags is not None:
        monkeypatch.setenv("ECS_LOG_CONTEXT_TAGS", tags)
    context = EcsContext.default()
    assert context.wait_ready(10)
    paths = [request.path for request in mock_on_v4.requests]
    assert any(path.endswith("/task") or path.endswith("/taskWithTags") for path in paths)
    assert (tags is not None) == any(path.endswith("/taskWithTags") for path in paths), paths


# -- a caller's keys, on the first record and later --------------------------------------------


def _colliding(style: str) -> str:
    """A key of the fields a caller may also give: the style's first."""
    return next(key for key in expected_fields("EC2", style) if not key.startswith("cloud."))


@pytest.mark.parametrize("overwrite", [False, True], ids=["keep", "overwrite"])
@pytest.mark.parametrize("style", ["flat", "otel", "nested"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_callers_key_on_the_first_record_and_after(
    kind: str, style: str, overwrite: bool, start_mock: Callable[..., MockEndpoint]
) -> None:
    """A record logged while the first fetch is under way (the mock answers in 0.2 s) with a
    key of the fields (``extra={"ecs_cluster": "mine"}``) keeps it, unless ``overwrite``,
    and gets every other field; so does the next record, once the fields are known."""
    mock = start_mock(latency=0.2)
    context = EcsContext(environ=mock.environ(), timeout=10)
    pipeline = build(kind, context=context, style=style, overwrite=overwrite)
    fields = expected_fields("EC2", style)
    key = _colliding(style)
    expected = fields if overwrite else {**fields, key: "mine"}
    not_started(context, mock)
    assert {**expected, "n": 1} == pipeline.log(**{key: "mine", "n": 1})
    assert context.snapshot is not None
    assert {**expected, "n": 2} == pipeline.log(**{key: "mine", "n": 2})
    assert {**fields, "n": 3} == pipeline.log(n=3)


@pytest.mark.parametrize("overwrite", [False, True], ids=["keep", "overwrite"])
@pytest.mark.parametrize("kind", KINDS)
def test_a_callers_key_holding_a_field_wins_with_overwrite_too(
    kind: str, overwrite: bool, mock: MockEndpoint
) -> None:
    """Under otel, a caller's ``container`` beats ``container.name``, overwrite or not: a
    de-dotting formatter never meets an object and a string under one name."""
    context = EcsContext(environ=mock.environ())
    pipeline = build(kind, context=context, style="otel", overwrite=overwrite)
    assert context.wait_ready(10)
    otel = expected_fields("EC2", "otel")
    outside = {key: value for key, value in otel.items() if not key.startswith("container.")}
    assert "container.name" in otel
    assert {**outside, "container": {"id": "mine"}} == pipeline.log(container={"id": "mine"})


# -- the formatter's slow path: renames, placeholders, static fields ----------------------------


def test_first_record_with_renames_keeps_the_callers_key(
    start_mock: Callable[..., MockEndpoint],
) -> None:
    """Before the first answer, with ``rename_fields``: the caller's ``ecs_cluster`` (renamed
    ``cluster`` as the field is) wins, the other fields are added, renamed."""
    mock = start_mock(latency=0.2)
    context = EcsContext(environ=mock.environ(), timeout=10)
    renames = {"ecs_cluster": "cluster", "ecs_task_family": "family"}
    formatter = EcsJsonFormatter(context=context, rename_fields=renames)
    fields = expected_fields("EC2")
    renamed = {renames.get(key, key): value for key, value in fields.items()}
    not_started(context, mock)
    assert {"message": "hello", **renamed, "cluster": "mine"} == json_record(
        formatter, ecs_cluster="mine"
    )


def test_overwrite_with_renames_replaces_the_callers_key(mock: MockEndpoint) -> None:
    """With ``overwrite`` and ``rename_fields``, the renamed field replaces the caller's key
    of that name."""
    context = EcsContext(environ=mock.environ())
    renames = {"ecs_cluster": "cluster"}
    formatter = EcsJsonFormatter(context=context, rename_fields=renames, overwrite=True)
    fields = expected_fields("EC2")
    renamed = {renames.get(key, key): value for key, value in fields.items()}
    assert {"message": "hello", **renamed} == json_record(formatter, ecs_cluster="mine")


def test_renames_keep_the_prefix_rule(mock: MockEndpoint) -> None:
    """With ``rename_fields`` on the path that merges after python-json-logger
    (``overwrite`` takes it on every record), the otel fields are added, except one inside a
    key the record has: its ``container`` beats ``container.name``."""
    context = EcsContext(environ=mock.environ())
    options: dict[str, Any] = {"ecs_style": "otel", "overwrite": True}
    formatter = EcsJsonFormatter(context=context, rename_fields={"levelname": "level"}, **options)
    assert context.wait_ready(10)
    otel = expected_fields("EC2", "otel")
    outside = {key: value for key, value in otel.items() if not key.startswith("container.")}
    assert "container.name" in otel
    assert {"message": "hello", **otel} == json_record(formatter)
    assert {"message": "hello", **outside, "container": {"id": "mine"}} == json_record(
        formatter, container={"id": "mine"}
    )


def test_a_rename_placeholder_is_replaced_a_callers_none_is_kept(mock: MockEndpoint) -> None:
    """``rename_fields_keep_missing`` puts None under a renamed key a record lacks: the
    field renamed there replaces it. A record's own None under a field's key is its value:
    kept. (The nested style takes this path on every record.)"""
    nested = expected_fields("EC2", "nested")["ecs"]
    context = EcsContext(environ=mock.environ())
    options: dict[str, Any] = {"ecs_style": "nested", "rename_fields_keep_missing": True}
    moved = EcsJsonFormatter(context=context, rename_fields={"ecs": "aws"}, **options)
    assert {"message": "hello", "aws": nested} == json_record(moved)
    other = EcsJsonFormatter(context=context, rename_fields={"levelname": "level"}, **options)
    assert {"message": "hello", "level": None, "ecs": nested} == json_record(other)
    assert {"message": "hello", "level": None, "ecs": None} == json_record(other, ecs=None)


def test_a_static_field_under_a_callers_key_stays(mock: MockEndpoint) -> None:
    """The prefix rule drops the task's ``container.name`` under a record's ``container``,
    not the user's own ``static_fields`` entry of that name (python-json-logger keeps it)."""
    context = EcsContext(environ=mock.environ())
    static = {"container.name": "static-name"}
    formatter = EcsJsonFormatter(context=context, ecs_style="otel", static_fields=static)
    assert context.wait_ready(10)
    otel = expected_fields("EC2", "otel")
    out = json_record(formatter, container={"id": "mine"})
    assert {"message": "hello", **otel, **static, "container": {"id": "mine"}} == out


# -- the nested style: every record its own inner dict ------------------------------------------


REDACT = "redact me"


def _redact(inner: Any, message: object) -> None:
    """What a user's redacting step does: drop the cluster from the record saying so (told
    by its message: an ``extra`` would send the filter's record down its slow path)."""
    if message == REDACT and isinstance(inner, dict):
        inner.pop("cluster", None)


class RedactingFormatter(EcsJsonFormatter):
    """python-json-logger's hook, editing the nested object in place."""

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        _redact(log_data.get("ecs"), log_data.get("message"))
        return log_data


def _redacting_filter(record: logging.LogRecord) -> bool:
    _redact(getattr(record, "ecs", None), record.getMessage())
    return True


def _redacting_processor(
    logger: Any, method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    _redact(event_dict.get("ecs"), event_dict.get("event"))
    return event_dict


@pytest.mark.parametrize("overwrite", [False, True], ids=["keep", "overwrite"])
@pytest.mark.parametrize("kind", KINDS)
def test_nested_edits_stay_in_their_record(kind: str, overwrite: bool, mock: MockEndpoint) -> None:
    """A later step that edits one record's nested object in place leaves the next record's
    whole: a processor after ours, a filter after ours, ``process_log_record``. Both records
    are plain ones (no ``extra``), as most are."""
    context = EcsContext(environ=mock.environ())
    assert context.wait_ready(10)
    nested = expected_fields("EC2", "nested")["ecs"]
    log: Callable[[str], Any]
    if kind == "structlog":
        processor = EcsContextProcessor(context=context, style="nested", overwrite=overwrite)
        logger = structlog.wrap_logger(
            structlog.ReturnLogger(),
            processors=[processor, _redacting_processor, structlog.processors.JSONRenderer()],
            wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
            cache_logger_on_first_use=False,
        )

        def log(message: str) -> Any:
            return json.loads(logger.info(message))["ecs"]

    elif kind == "filter":
        handler = RecordCapture()
        handler.addFilter(EcsContextFilter(context=context, style="nested", overwrite=overwrite))
        handler.addFilter(_redacting_filter)
        stdlib = logging.Logger("tests.integration_rules.nested", logging.DEBUG)
        stdlib.addHandler(handler)

        def log(message: str) -> Any:
            stdlib.info(message)
            return handler.last()[0].__dict__["ecs"]

    else:
        formatter = RedactingFormatter(context=context, ecs_style="nested", overwrite=overwrite)

        def log(message: str) -> Any:
            return json_record(formatter, message)["ecs"]

    assert {k: v for k, v in nested.items() if k != "cluster"} == log(REDACT)
    assert nested == log("hello")
    assert nested == log("hello")


# -- off ECS, disabled, the fetching thread, a failing wait --------------------------------------


def test_off_ecs_or_disabled_the_processor_returns_the_event_dict_itself(
    mock: MockEndpoint,
) -> None:
    """Off ECS, or disabled (even with the endpoint there), the processor adds nothing and
    hands back the very dict it was given, as it came."""
    for processor in (
        EcsContextProcessor(environ={}),
        EcsContextProcessor(environ=mock.environ(), enabled=False),
    ):
        event = {"event": "hello", "n": 1}
        assert processor(None, "info", event) is event
        assert {"event": "hello", "n": 1} == event
    assert 0 == mock.request_count


@pytest.mark.parametrize("kind", KINDS)
def test_off_ecs_an_integration_says_nothing_and_adds_nothing(
    kind: str, own_messages: list[logging.LogRecord]
) -> None:
    """Off ECS (the source ``auto``), building an integration and logging through it says
    nothing at all: no error from building its fields, no warning."""
    pipeline = build(kind, environ={})
    assert {"n": 1} == pipeline.log(n=1)
    assert [] == [record.getMessage() for record in own_messages]


def test_filter_default_in_the_nested_style_adds_no_placeholder() -> None:
    """``default`` fills the flat and otel keys; the nested style has none to fill: off ECS
    a nested filter with a default adds nothing."""
    pipeline = build("filter", environ={}, style="nested", default="-")
    assert {"n": 1} == pipeline.log(n=1)
    flat = build("filter", environ={}, default="-")
    assert {"n": 1, **dict.fromkeys(expected_fields("EC2"), "-")} == flat.log(n=1)


@pytest.fixture
def mock_logger() -> Iterator[logging.Logger]:
    """The mock endpoint's own logger, at DEBUG, as it was afterwards."""
    logger = logging.getLogger("ecs_log_context.mock.server")
    saved = (list(logger.handlers), list(logger.filters), logger.level, logger.propagate)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield logger
    finally:
        logger.handlers[:], logger.filters[:], level, logger.propagate = saved
        logger.setLevel(level)


def test_the_fetching_threads_own_records_get_the_placeholders(
    mock: MockEndpoint, mock_logger: logging.Logger
) -> None:
    """The in-process mock logs each request from the thread serving it, before its answer:
    a record that must not wait for the answer it is part of. It gets the placeholders of
    ``default`` (a format string reading ``%(ecs_cluster)s`` keeps working), and the records
    after the answer get the fields."""
    context = EcsContext(environ=mock.environ(), timeout=10)
    handler = RecordCapture()
    handler.setFormatter(logging.Formatter("%(ecs_cluster)s %(message)s"))
    handler.addFilter(EcsContextFilter(context=context, default="-"))
    mock_logger.addHandler(handler)
    app = logging.Logger("tests.integration_rules.app", logging.DEBUG)
    app.addHandler(handler)
    app.info("first")
    served = [line for line in handler.lines if "mock endpoint:" in line]
    assert served
    assert all(line.startswith("- mock endpoint:") for line in served), served
    assert "demo-cluster first" == handler.lines[-1]


class _FailingWait(EcsContext):
    """A context whose wait for the first answer raises (a bug, a broken lock)."""

    def wait_first(self) -> bool:
        raise RuntimeError("broken wait")


def test_a_failing_wait_costs_no_record_and_keeps_the_placeholders(mock: MockEndpoint) -> None:
    """Nothing in a log call raises: a record whose wait for the first answer fails is
    logged, with the placeholders of ``default``."""
    pipeline = build("filter", context=_FailingWait(environ=mock.environ()), default="-")
    assert {"n": 1, **dict.fromkeys(expected_fields("EC2"), "-")} == pipeline.log(n=1)


# -- repr, pickling, the formatter's own arguments ----------------------------------------------


def test_repr_names_the_style_and_the_fields() -> None:
    """The processor's and the filter's repr: the field style and the fields, as resolved."""
    assert f"EcsContextProcessor(style='flat', fields={DEFAULT_GROUP!r})" == repr(
        EcsContextProcessor(environ={})
    )
    assert f"EcsContextFilter(style='flat', fields={DEFAULT_GROUP!r})" == repr(
        EcsContextFilter(environ={})
    )
    options: dict[str, Any] = {"environ": {}, "style": "otel", "fields": "cluster,task_id"}
    assert "EcsContextProcessor(style='otel', fields=('cluster', 'task_id'))" == repr(
        EcsContextProcessor(**options)
    )
    assert "EcsContextFilter(style='otel', fields=('cluster', 'task_id'))" == repr(
        EcsContextFilter(**options)
    )


def test_the_processor_refuses_to_be_pickled() -> None:
    """Its context holds a thread and sockets: pickling says so, rather than copying one."""
    with pytest.raises(TypeError) as caught:
        pickle.dumps(EcsContextProcessor(environ={}))
    assert (
        "an EcsContextProcessor cannot be pickled: its context holds a thread and sockets;"
        " build one in each process"
    ) == str(caught.value)


def test_the_state_beside_a_callable_holds_no_dict(mock: MockEndpoint) -> None:
    """`install()`'s and the processor's state are slotted: no ``__dict__`` to grow."""
    install(environ=mock.environ())
    state = installed()
    assert state is not None
    with pytest.raises(AttributeError):
        state.anything = 1  # type: ignore[attr-defined]


def test_formatter_style_none_is_logging_default(mock: MockEndpoint) -> None:
    """``style=None`` (dictConfig's "not given") is logging's ``%``, as if left out."""
    context = EcsContext(environ=mock.environ())
    formatter = EcsJsonFormatter("%(levelname)s %(message)s", style=None, context=context)
    assert {"levelname": "INFO", "message": "hello", **expected_fields("EC2")} == json_record(
        formatter
    )


def test_formatter_field_style_as_logging_style_is_refused_by_name() -> None:
    """``style="otel"``: the error names ``style``, its value, and says what it is."""
    with pytest.raises(ConfigurationError) as caught:
        EcsJsonFormatter("%(message)s", style="OTel")
    assert ("style", "OTel") == (caught.value.name, caught.value.value)
    assert (
        "a logging format style (%, { or $); the field style is the option ecs_style"
        " (ECS_LOG_CONTEXT_STYLE)"
    ) == caught.value.accepted


def test_formatter_errors_name_their_option() -> None:
    """A bad field style is ``ecs_style``'s error; any other bad option keeps its own name."""
    with pytest.raises(ConfigurationError) as caught:
        EcsJsonFormatter(ecs_style="json")
    assert ("ecs_style", "json") == (caught.value.name, caught.value.value)
    assert "flat" in caught.value.accepted
    with pytest.raises(ConfigurationError) as caught:
        EcsJsonFormatter(ttl="soon")
    assert ("ttl", "soon") == (caught.value.name, caught.value.value)


def test_formatter_takes_fmt_and_datefmt_by_position(mock: MockEndpoint) -> None:
    """``EcsJsonFormatter(fmt, datefmt)``, as logging's own formatter: two positional
    arguments, no style among them."""
    context = EcsContext(environ=mock.environ())
    formatter = EcsJsonFormatter("%(asctime)s %(message)s", "%Y", context=context)
    out = json_record(formatter)
    assert {"message": "hello", **expected_fields("EC2")} == {
        k: v for k, v in out.items() if k != "asctime"
    }
    assert str(out["asctime"]).isdigit()
    assert 4 == len(out["asctime"])


def test_a_callers_none_under_a_renamed_key_is_kept_at_start_up_as_after(
    start_mock: Callable[..., MockEndpoint],
) -> None:
    """With ``rename_fields_keep_missing``, a record's own None under a field's key is its
    value on the first record as on the later ones: only python-json-logger's placeholder
    for a key the record lacks is replaced by the field."""
    mock = start_mock(latency=0.2)
    context = EcsContext(environ=mock.environ(), timeout=10)
    options: dict[str, Any] = {"rename_fields_keep_missing": True}
    formatter = EcsJsonFormatter(
        context=context, rename_fields={"ecs_cluster": "cluster"}, **options
    )
    not_started(context, mock)
    first = json_record(formatter, ecs_cluster=None)  # logged while the first answer is awaited
    assert context.snapshot is not None
    assert first == json_record(formatter, ecs_cluster=None)
    assert first["cluster"] is None
    assert first["ecs_task_arn"] == expected_fields("EC2")["ecs_task_arn"]
    assert json_record(formatter)["cluster"] == expected_fields("EC2")["ecs_cluster"]
