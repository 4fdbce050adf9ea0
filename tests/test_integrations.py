"""The processor, the filter and the formatter, end to end against a loopback endpoint.

Every behaviour test runs over the three integrations through one parametrized fixture,
`integration`, whose pipelines log a real record and return what came out. Nothing is patched:
the endpoint is the package's mock or a loopback server on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecs_log_context import (
    ConfigurationError,
    EcsContext,
    EcsContextFilter,
    EcsContextProcessor,
    EcsJsonFormatter,
)
from ecs_log_context._settings import ContextSettings, FieldSettings
from ecs_log_context.mock.server import MockEndpoint

from .capture import RecordCapture
from .child_processes import run_in_fork
from .documents import FIXTURES
from .integrations import (
    ENDPOINT,
    KINDS,
    OTHER_TASK_FIELDS,
    SAMPLE_TAGS,
    SAMPLE_VALUES,
    FlippingTask,
    Integration,
    expected_fields,
    fields_from,
    other_task,
    sample_task,
    serve_fault,
    serve_task,
    v4_uri,
)
from .loopback import Fault, LoopbackServer, Reply
from .waiting import ecs_threads, settle_threads, wait_until

V4 = "ECS_CONTAINER_METADATA_URI_V4"
V3 = "ECS_CONTAINER_METADATA_URI"
FILE = "ECS_CONTAINER_METADATA_FILE"
EXEC = "AWS_EXECUTION_ENV"
V2_ENDPOINT = "ECS_LOG_CONTEXT_V2_ENDPOINT"
EC2_DEFAULT = expected_fields("EC2")

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is not available")
quiet_fork = pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(params=KINDS)
def integration(request: pytest.FixtureRequest) -> Integration:
    """The structlog processor, the logging filter and the JSON formatter, in turn."""
    return Integration(request.param)


def point_at(monkeypatch: pytest.MonkeyPatch, mock: MockEndpoint, *names: str) -> dict[str, str]:
    """Set these variables of the mock's environment (v4's alone by default)."""
    environ = mock.environ()
    for name in names or (V4,):
        monkeypatch.setenv(name, environ[name])
    return environ


def ready(pipeline: Any, timeout: float = 5.0) -> Any:
    """Wait for the pipeline's first answer; fail if it never comes."""
    assert pipeline.context.wait_ready(timeout), pipeline.context.status()
    return pipeline


def paths(mock: MockEndpoint) -> list[str]:
    """The paths the mock answered, without the endpoint ID."""
    return [r.path.replace(mock.endpoint_id, "ID") for r in mock.requests]


# -- fields: styles, groups, sources ---------------------------------------------------------------


@pytest.mark.parametrize("group", ["default", "all"])
@pytest.mark.parametrize("style", ["flat", "otel", "nested"])
@pytest.mark.parametrize("launch_type", ["EC2", "FARGATE"])
def test_style_and_field_group(
    integration: Integration,
    start_mock: Callable[..., MockEndpoint],
    monkeypatch: pytest.MonkeyPatch,
    *,
    launch_type: str,
    style: str,
    group: str,
) -> None:
    """Each style and field group gives exactly the keys and values of PRODUCT.md's table."""
    point_at(monkeypatch, start_mock(launch_type=launch_type))
    monkeypatch.setenv("ECS_LOG_CONTEXT_STYLE", style)
    monkeypatch.setenv("ECS_LOG_CONTEXT_FIELDS", group)
    pipeline = ready(integration.build())
    assert {"request_id": "r-1", **expected_fields(launch_type, style, group)} == pipeline.log(
        request_id="r-1"
    )


def test_field_names_pick_single_fields(integration: Integration, mock_on_v4: MockEndpoint) -> None:
    """Field names may be listed one by one, mixed with a group, in any case."""
    pipeline = ready(integration.build(fields="Task_ID, default ,region"))
    values = SAMPLE_VALUES["EC2"]
    assert {
        **EC2_DEFAULT,
        "ecs_task_id": values["task_id"],
        "ecs_region": values["region"],
    } == pipeline.log()


def test_argument_beats_environment(
    integration: Integration, mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An explicit option wins over its variable, which wins over the default."""
    monkeypatch.setenv("ECS_LOG_CONTEXT_STYLE", "otel")
    monkeypatch.setenv("ECS_LOG_CONTEXT_FIELDS", "all")
    pipeline = ready(integration.build(style="flat"))
    assert expected_fields("EC2", "flat", "all") == pipeline.log()


def _source_v4(monkeypatch: pytest.MonkeyPatch, mock: MockEndpoint, tmp_path: Path) -> None:
    point_at(monkeypatch, mock, V4)


def _source_v3(monkeypatch: pytest.MonkeyPatch, mock: MockEndpoint, tmp_path: Path) -> None:
    point_at(monkeypatch, mock, V3)


def _source_v2_gate(monkeypatch: pytest.MonkeyPatch, mock: MockEndpoint, tmp_path: Path) -> None:
    point_at(monkeypatch, mock, EXEC, V2_ENDPOINT)
    monkeypatch.setenv("ECS_LOG_CONTEXT_CONTAINER_NAME", "checkout-api")


def _source_v2_endpoint(
    monkeypatch: pytest.MonkeyPatch, mock: MockEndpoint, tmp_path: Path
) -> None:
    point_at(monkeypatch, mock, V2_ENDPOINT)
    monkeypatch.setenv("ECS_LOG_CONTEXT_CONTAINER_NAME", "checkout-api")


def _source_forced_v2(monkeypatch: pytest.MonkeyPatch, mock: MockEndpoint, tmp_path: Path) -> None:
    point_at(monkeypatch, mock, V4, V3, V2_ENDPOINT)
    monkeypatch.setenv("ECS_LOG_CONTEXT_SOURCE", "v2")
    monkeypatch.setenv("ECS_LOG_CONTEXT_CONTAINER_NAME", "checkout-api")


@pytest.mark.parametrize(
    "configure",
    [_source_v4, _source_v3, _source_v2_gate, _source_v2_endpoint, _source_forced_v2],
    ids=["v4", "v3", "v2-execution-env", "v2-endpoint", "v2-forced"],
)
def test_endpoint_sources(
    integration: Integration,
    start_mock: Callable[..., MockEndpoint],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    configure: Callable[..., None],
) -> None:
    """v4, v3 and v2 (the EC2 sample has two NORMAL containers: v2 needs the name) agree."""
    mock = start_mock(launch_type="EC2")
    configure(monkeypatch, mock, tmp_path)
    pipeline = ready(integration.build())
    assert EC2_DEFAULT == pipeline.log()


def test_v2_source_asks_the_v2_routes(
    integration: Integration,
    start_mock: Callable[..., MockEndpoint],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """With only the v2 variables set, the fields come from ``/v2/metadata``."""
    mock = start_mock(launch_type="FARGATE")
    _source_v2_gate(monkeypatch, mock, tmp_path)
    pipeline = ready(integration.build())
    assert expected_fields("FARGATE") == pipeline.log()
    assert ["/v2/metadata"] == paths(mock)


def test_v2_without_container_name_leaves_container_fields_out(
    integration: Integration,
    start_mock: Callable[..., MockEndpoint],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """v2 cannot tell which of two NORMAL containers this is: no container_name, no guess."""
    point_at(monkeypatch, start_mock(launch_type="EC2"), EXEC, V2_ENDPOINT)
    pipeline = ready(integration.build())
    expected = dict(EC2_DEFAULT)
    del expected["ecs_container_name"]
    assert expected == pipeline.log()


def test_unknown_values_are_left_out(
    integration: Integration,
    start_mock: Callable[..., MockEndpoint],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """v3 has no LaunchType, ServiceName, ContainerARN or LogOptions: those keys are absent."""
    point_at(monkeypatch, start_mock(launch_type="EC2"), V3)
    pipeline = ready(integration.build(fields="all"))
    values = SAMPLE_VALUES["EC2"]
    known = [
        "cluster",
        "task_arn",
        "family",
        "revision",
        "availability_zone",
        "container_name",
        "task_id",
        "container_id",
        "region",
        "account_id",
        "image",
        "image_digest",
        "task_definition",
        "task_definition_arn",
        "cluster_arn",
    ]
    out = pipeline.log()
    assert fields_from({name: values[name] for name in known}) == out
    assert all(value not in ("", None) for value in out.values())


def test_metadata_file_source(
    integration: Integration, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The container metadata file, once READY, gives the same fields."""
    path = tmp_path / "ecs-container-metadata.json"
    shutil.copy(FIXTURES / "container_metadata_file_ready_awsdocs.json", path)
    monkeypatch.setenv(FILE, str(path))
    pipeline = ready(integration.build())
    assert {
        "ecs_cluster": "default",
        "ecs_task_arn": "arn:aws:ecs:us-west-2:012345678910:task/default/"
        "2b88376d-aba3-4950-9ddf-bcb0f388a40c",
        "ecs_task_family": "console-sample-app-static",
        "ecs_task_revision": "1",
        "ecs_availability_zone": "us-east-1b",
        "ecs_container_name": "simple-app",
    } == pipeline.log()


# -- the startup wait --------------------------------------------------------------------------


def test_first_record_enriched_when_endpoint_answers_within_timeout(
    integration: Integration,
    start_mock: Callable[..., MockEndpoint],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A slow but timely endpoint (0.2 s an answer, timeout 1 s): the first record has it all."""
    point_at(monkeypatch, start_mock(launch_type="EC2", latency=0.2))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "1")
    pipeline = integration.build()
    started = time.monotonic()
    first = pipeline.log(request_id="r-1")
    assert time.monotonic() - started < 3.0
    assert {"request_id": "r-1", **EC2_DEFAULT} == first


def test_startup_wait_is_bounded_when_endpoint_hangs(
    integration: Integration, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hung endpoint: the first call returns within the bound with its record, later calls
    do not wait again, and the fields appear within the backoff once the endpoint recovers."""
    serve_fault(loopback, Reply(fault="hang"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "0.3")
    pipeline = integration.build()

    started = time.monotonic()
    first = pipeline.log(request_id="r-1")
    assert time.monotonic() - started < 3.0
    assert {"request_id": "r-1"} == first

    started = time.monotonic()
    later = [pipeline.log(n=n) for n in range(10)]
    assert time.monotonic() - started < 1.5  # ten waits of the timeout would take 3 s
    assert [{"n": n} for n in range(10)] == later

    serve_task(loopback, sample_task("EC2"))
    assert wait_until(lambda: pipeline.log() == EC2_DEFAULT, timeout=8.0)
    assert "ready" == pipeline.context.status().state


@pytest.mark.parametrize("fault", ["drip", "close", "reset"])
def test_startup_wait_is_bounded_whatever_the_endpoint_does(
    integration: Integration,
    loopback: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    fault: Fault,
) -> None:
    """A dripping, truncated or reset answer never holds the first call past its bound."""
    serve_fault(loopback, Reply(body=sample_task("EC2"), fault=fault, drip_every=0.1))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "0.3")
    pipeline = integration.build()
    started = time.monotonic()
    first = pipeline.log(request_id="r-1")
    assert time.monotonic() - started < 3.0
    assert {"request_id": "r-1"} == first


# -- caller keys, renames, tags ------------------------------------------------------------------


def test_caller_keys_survive(integration: Integration, mock_on_v4: MockEndpoint) -> None:
    """Keys the record already has win; the other fields are still added."""
    pipeline = ready(integration.build())
    caller = {"ecs_cluster": "mine", "ecs_task_family": "my-family"}
    assert {**EC2_DEFAULT, **caller} == pipeline.log(**caller)


def test_caller_key_survives_in_nested_style(
    integration: Integration, mock_on_v4: MockEndpoint
) -> None:
    """In the nested style, a caller's own ``ecs`` key wins whole."""
    pipeline = ready(integration.build(style="nested"))
    assert {"ecs": {"mine": True}} == pipeline.log(ecs={"mine": True})


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_overwrite_replaces_caller_keys(
    integration: Integration, mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """With overwrite, the fields replace the keys the record already has."""
    if how == "argument":
        pipeline = ready(integration.build(overwrite=True))
    else:
        monkeypatch.setenv("ECS_LOG_CONTEXT_OVERWRITE", "true")
        pipeline = ready(integration.build())
    out = pipeline.log(ecs_cluster="mine", request_id="r-1")
    assert {"request_id": "r-1", **EC2_DEFAULT} == out


@pytest.mark.parametrize("by", ["keyword", "position"])
def test_formatter_refuses_a_field_style_as_logging_style(by: str) -> None:
    """``style="otel"`` is logging's format style there, by keyword or by position (fileConfig
    passes ``style=`` of an INI third): refused with a sentence naming ecs_style."""
    args: tuple[str | None, ...] = (
        ("%(message)s",) if by == "keyword" else ("%(message)s", None, "otel")
    )
    kwargs: dict[str, Any] = {"style": "otel"} if by == "keyword" else {}
    with pytest.raises(ConfigurationError, match="the field style is the option ecs_style"):
        EcsJsonFormatter(*args, **kwargs)


def test_formatter_static_fields_win() -> None:
    """The formatter's ``static_fields`` are keys the record has: they win over the fields."""
    formatter = EcsJsonFormatter(static_fields={"ecs_cluster": "static"})
    record = logging.makeLogRecord({"msg": "hello"})
    assert {"message": "hello", "ecs_cluster": "static"} == json.loads(formatter.format(record))


def test_renames(integration: Integration, mock_on_v4: MockEndpoint) -> None:
    """``keys`` renames fields; the others keep their keys."""
    pipeline = ready(integration.build(keys="cluster=cluster_name,task_arn=task"))
    expected = dict(EC2_DEFAULT)
    expected["cluster_name"] = expected.pop("ecs_cluster")
    expected["task"] = expected.pop("ecs_task_arn")
    assert expected == pipeline.log()


def test_renames_from_environment(
    integration: Integration, mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ECS_LOG_CONTEXT_KEYS`` renames as the argument does."""
    monkeypatch.setenv("ECS_LOG_CONTEXT_KEYS", "cluster=cluster_name, task_arn=task")
    pipeline = ready(integration.build())
    out = pipeline.log()
    assert ("demo-cluster", SAMPLE_VALUES["EC2"]["task_arn"]) == (
        out.get("cluster_name"),
        out.get("task"),
    )
    assert "ecs_cluster" not in out


def test_without_tags_task_with_tags_is_never_asked(
    integration: Integration, mock_on_v4: MockEndpoint
) -> None:
    """No tags asked: one fetch of ``/task`` and the container, never ``taskWithTags``."""
    pipeline = ready(integration.build())
    pipeline.log()
    assert ["/v4/ID/task", "/v4/ID"] == paths(mock_on_v4)


@pytest.mark.parametrize(
    ("tags", "wanted"),
    [("*", SAMPLE_TAGS), ("team", {"team": "payments"})],
    ids=["all-tags", "named-tag"],
)
def test_tags(
    integration: Integration, mock_on_v4: MockEndpoint, tags: str, wanted: dict[str, str]
) -> None:
    """Tags asked for come from ``taskWithTags``, asked on its own after the task and the
    container: once ``wait_ready()`` returns, records carry them."""
    pipeline = ready(integration.build(tags=tags))
    expected = {**EC2_DEFAULT, **{f"ecs_tag_{k}": v for k, v in wanted.items()}}
    assert expected == pipeline.log()
    assert ["/v4/ID/task", "/v4/ID", "/v4/ID/taskWithTags"] == paths(mock_on_v4)


def test_tags_asked_later_are_fetched(integration: Integration, mock_on_v4: MockEndpoint) -> None:
    """A view asking for tags on a context that is already ready gets them after a refetch."""
    ready(integration.build())
    pipeline = integration.build(tags="team", style="otel")
    assert wait_until(lambda: "aws.ecs.task.tag.team" in pipeline.log(), timeout=5.0)
    assert {
        **expected_fields("EC2", "otel"),
        "aws.ecs.task.tag.team": "payments",
    } == pipeline.log()
    assert "/v4/ID/taskWithTags" in paths(mock_on_v4)


# -- configuration -------------------------------------------------------------------------------

LONG_TAG = "t" * 129
BAD_VARIABLES = [
    ("ECS_LOG_CONTEXT_ENABLED", "maybe"),
    ("ECS_LOG_CONTEXT_SOURCE", "v5"),
    ("ECS_LOG_CONTEXT_V2_ENDPOINT", "ftp://169.254.170.2"),
    ("ECS_LOG_CONTEXT_FIELDS", "cluster,colour"),
    ("ECS_LOG_CONTEXT_STYLE", "pretty"),
    ("ECS_LOG_CONTEXT_KEYS", "cluster"),
    ("ECS_LOG_CONTEXT_TAGS", LONG_TAG),
    ("ECS_LOG_CONTEXT_CONTAINER_NAME", "x" * 5000),
    ("ECS_LOG_CONTEXT_TIMEOUT", "soon"),
    ("ECS_LOG_CONTEXT_TTL", "0.5"),
    ("ECS_LOG_CONTEXT_OVERWRITE", "sometimes"),
    ("ECS_CONTAINER_METADATA_URI_V4", "not a url"),
]
BAD_ARGUMENTS = [
    ("enabled", "maybe"),
    ("source", "v5"),
    ("v2_endpoint", "http://user:secret@169.254.170.2"),
    ("fields", ["cluster", "colour"]),
    ("style", "pretty"),
    ("keys", {"colour": "c"}),
    ("tags", [LONG_TAG]),
    ("container_name", 5),
    ("timeout", -1),
    ("ttl", 0.5),
    ("overwrite", "sometimes"),
]


@pytest.mark.parametrize(("variable", "value"), BAD_VARIABLES, ids=[v for v, _ in BAD_VARIABLES])
def test_bad_variable_raises_at_construction(
    integration: Integration, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """A variable that cannot be used raises ConfigurationError, a ValueError, naming it."""
    monkeypatch.setenv(variable, value)
    before = ecs_threads()
    with pytest.raises(ConfigurationError) as caught:
        integration.build()
    assert isinstance(caught.value, ValueError)
    assert variable == caught.value.name
    assert variable in str(caught.value)
    assert "expected" in str(caught.value)
    assert set() == ecs_threads() - before


@pytest.mark.parametrize(("argument", "value"), BAD_ARGUMENTS, ids=[a for a, _ in BAD_ARGUMENTS])
def test_bad_argument_raises_at_construction(
    integration: Integration, argument: str, value: object, request: pytest.FixtureRequest
) -> None:
    """An argument that cannot be used raises ConfigurationError naming the argument (the
    formatter's field style is ``ecs_style``: its ``style`` is logging's format style)."""
    if integration.kind == "formatter" and argument == "style":
        argument = "ecs_style"
    with pytest.raises(ConfigurationError) as caught:
        integration.build(**{argument: value})
    assert argument == caught.value.name
    assert str(caught.value).startswith(f"{argument}=")


def test_dictconfig_filter_with_every_option(start_mock: Callable[..., MockEndpoint]) -> None:
    """``"()": "ecs_log_context.EcsContextFilter"`` takes every option as a key, as strings."""
    mock = start_mock(launch_type="EC2")
    stream = io.StringIO()
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "ecs": {
                "()": "ecs_log_context.EcsContextFilter",
                "enabled": "true",
                "source": "v2",
                "v2_endpoint": mock.v2_endpoint,
                "fields": "default,task_id",
                "style": "flat",
                "keys": "cluster=cluster_name",
                "tags": "team",
                "container_name": "checkout-api",
                "timeout": "2",
                "ttl": "0",
                "overwrite": "false",
                "default": "-",
            }
        },
        "formatters": {
            "plain": {
                "format": "%(cluster_name)s %(ecs_task_id)s %(ecs_container_name)s %(message)s"
            }
        },
        "handlers": {
            "memory": {
                "class": "logging.StreamHandler",
                "stream": stream,
                "filters": ["ecs"],
                "formatter": "plain",
            }
        },
        "loggers": {"tests.dictconfig": {"handlers": ["memory"], "level": "INFO"}},
    }
    logging.config.dictConfig(config)
    logger = logging.getLogger("tests.dictconfig")
    try:
        handler = logger.handlers[0]
        ecs_filter = handler.filters[0]
        assert isinstance(ecs_filter, EcsContextFilter)
        assert (
            FieldSettings(
                fields=(
                    "cluster",
                    "task_arn",
                    "family",
                    "revision",
                    "availability_zone",
                    "container_name",
                    "task_id",
                ),
                style="flat",
                keys=(("cluster", "cluster_name"),),
                tags=("team",),
                overwrite=False,
            )
            == ecs_filter.settings
        )
        assert (
            ContextSettings(
                enabled=True,
                source="v2",
                v2_endpoint=mock.v2_endpoint,
                container_name="checkout-api",
                timeout=2.0,
                ttl=0.0,
            )
            == ecs_filter.context.settings
        )
        assert ecs_filter.context.wait_ready(5)
        logger.info("hello")
        task_id = SAMPLE_VALUES["EC2"]["task_id"]
        assert f"demo-cluster {task_id} checkout-api hello\n" == stream.getvalue()
    finally:
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def test_dictconfig_formatter_with_every_option(
    start_mock: Callable[..., MockEndpoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``"()": "ecs_log_context.EcsJsonFormatter"`` takes JsonFormatter's keys and every option."""
    mock = start_mock(launch_type="FARGATE")
    stream = io.StringIO()
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "ecs_log_context.EcsJsonFormatter",
                "fmt": "%(levelname)s %(message)s",
                "enabled": "yes",
                "source": "v4",
                "v2_endpoint": mock.v2_endpoint,
                "fields": "default",
                "ecs_style": "otel",
                "keys": "",
                "tags": "",
                "container_name": "checkout-api",
                "timeout": "1.5",
                "ttl": "600",
                "overwrite": "on",
            }
        },
        "handlers": {
            "memory": {"class": "logging.StreamHandler", "stream": stream, "formatter": "json"}
        },
        "loggers": {"tests.dictconfig": {"handlers": ["memory"], "level": "INFO"}},
    }
    monkeypatch.setenv(V4, mock.v4_uri)
    logging.config.dictConfig(config)
    logger = logging.getLogger("tests.dictconfig")
    try:
        formatter = logger.handlers[0].formatter
        assert isinstance(formatter, EcsJsonFormatter)
        assert (
            ContextSettings(
                enabled=True,
                source="v4",
                v2_endpoint=mock.v2_endpoint,
                container_name="checkout-api",
                timeout=1.5,
                ttl=600.0,
            )
            == formatter.context.settings
        )
        assert formatter.context.wait_ready(5)
        logger.info("hello", extra={"container.name": "mine"})
        assert {
            "levelname": "INFO",
            "message": "hello",
            **expected_fields("FARGATE", "otel"),
        } == json.loads(stream.getvalue())
    finally:
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def _plain_filter_logger(stream: io.StringIO) -> logging.Logger:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "filters": {"ecs": {"()": "ecs_log_context.EcsContextFilter", "default": "-"}},
            "formatters": {"plain": {"format": "%(ecs_cluster)s %(ecs_task_family)s %(message)s"}},
            "handlers": {
                "memory": {
                    "class": "logging.StreamHandler",
                    "stream": stream,
                    "filters": ["ecs"],
                    "formatter": "plain",
                }
            },
            "loggers": {"tests.plain": {"handlers": ["memory"], "level": "INFO"}},
        }
    )
    return logging.getLogger("tests.plain")


def test_filter_default_off_ecs() -> None:
    """Off ECS, ``default`` fills ``%(ecs_cluster)s`` so a plain format string still works."""
    stream = io.StringIO()
    logger = _plain_filter_logger(stream)
    try:
        logger.info("hello")
        assert "- - hello\n" == stream.getvalue()
    finally:
        logger.handlers.clear()


def test_filter_default_before_metadata_is_known(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the first answer, ``default`` fills the keys; afterwards the values do."""
    serve_fault(loopback, Reply(fault="hang"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "0.2")
    stream = io.StringIO()
    logger = _plain_filter_logger(stream)
    try:
        logger.info("first")
        assert "- - first\n" == stream.getvalue()
        serve_task(loopback, sample_task("EC2"))
        assert wait_until(lambda: EcsContext.default().status().state == "ready", timeout=8.0)
        logger.info("later")
        assert "- - first\ndemo-cluster checkout-api later\n" == stream.getvalue()
    finally:
        logger.handlers.clear()


def test_named_filter_enriches_only_its_loggers(mock_on_v4: MockEndpoint) -> None:
    """``EcsContextFilter(name)`` enriches that logger's records and lets the others through."""
    ecs_filter = EcsContextFilter("tests.named")
    assert ecs_filter.context.wait_ready(5)
    mine = logging.makeLogRecord({"name": "tests.named.child", "msg": "a"})
    other = logging.makeLogRecord({"name": "tests.other", "msg": "b"})
    assert (True, True) == (bool(ecs_filter.filter(mine)), bool(ecs_filter.filter(other)))
    assert "demo-cluster" == mine.__dict__.get("ecs_cluster")
    assert "ecs_cluster" not in other.__dict__


# -- disabled, off ECS, one context ----------------------------------------------------------------


def _ecs_log_records() -> list[logging.LogRecord]:
    """What the ``ecs_log_context`` logger passes on at its own level, from now on."""
    settle_threads()
    handler = RecordCapture()
    logging.getLogger("ecs_log_context").addHandler(handler)
    return handler.records


@pytest.mark.parametrize("how", ["environment", "argument"])
def test_disabled_does_nothing(
    integration: Integration,
    loopback: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    """Disabled on ECS: nothing added, no request, no thread, no delay, no message."""
    serve_fault(loopback, Reply(fault="hang"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "5")
    records = _ecs_log_records()
    before = ecs_threads()
    if how == "environment":
        monkeypatch.setenv("ECS_LOG_CONTEXT_ENABLED", "false")
        pipeline = integration.build()
    else:
        pipeline = integration.build(enabled=False)
    started = time.monotonic()
    out = [pipeline.log(request_id="r-1") for _ in range(3)]
    assert time.monotonic() - started < 2.0
    assert [{"request_id": "r-1"}] * 3 == out
    assert "disabled" == pipeline.context.status().state
    time.sleep(0.1)
    assert 0 == loopback.count()
    assert set() == ecs_threads() - before
    assert [] == records


def test_off_ecs_does_nothing(integration: Integration, monkeypatch: pytest.MonkeyPatch) -> None:
    """Off ECS, nothing configured: nothing added, no thread, no delay, no message."""
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "5")
    records = _ecs_log_records()
    before = ecs_threads()
    pipeline = integration.build(fields="all", style="otel")
    started = time.monotonic()
    out = [pipeline.log(request_id="r-1") for _ in range(3)]
    assert time.monotonic() - started < 2.0
    assert [{"request_id": "r-1"}] * 3 == out
    assert "off_ecs" == pipeline.context.status().state
    assert set() == ecs_threads() - before
    assert [] == records


def test_one_context_per_process(mock_on_v4: MockEndpoint) -> None:
    """A processor, a filter and a formatter from one environment share one context and
    one fetch."""
    pipelines = [Integration(kind).build() for kind in KINDS]
    context = EcsContext.default()
    assert [context] * len(KINDS) == [p.context for p in pipelines]
    assert context.wait_ready(5)
    assert [EC2_DEFAULT] * len(KINDS) == [p.log() for p in pipelines]
    # and the processor and filter built afterwards still share it
    assert EcsContextProcessor().context is EcsContextFilter().context is context
    # One fetch for all, its two routes once each. The mock records a request before it
    # answers: both are in before the fields exist, no wait needed. Their order is not this
    # test's: under load the container route may be asked while the task's is unanswered.
    assert 1 == context.status().attempts
    assert ["/v4/ID", "/v4/ID/task"] == sorted(paths(mock_on_v4))


# -- fork ----------------------------------------------------------------------------------------


def _log_in_child(pipeline: Any, count: int = 3, linger: float = 0.0) -> Callable[[], Any]:
    def body() -> Any:
        started = time.monotonic()
        out = [pipeline.log(n=n) for n in range(count)]
        took = time.monotonic() - started
        time.sleep(linger)
        return {"out": out, "took": took}

    return body


@needs_fork
@quiet_fork
def test_forked_child_of_ready_parent_logs_enriched_at_once(
    integration: Integration, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child forked from a ready parent logs enriched records at once, from the snapshot
    it inherited, even with the endpoint hung."""
    serve_task(loopback, sample_task("EC2"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "2")
    pipeline = ready(integration.build())
    assert EC2_DEFAULT == pipeline.log()
    serve_fault(loopback, Reply(fault="hang"))
    child = run_in_fork(_log_in_child(pipeline))
    assert [{"n": n, **EC2_DEFAULT} for n in range(3)] == child["out"]
    assert child["took"] < 1.0  # waiting for an answer would take the 2 s timeout


@needs_fork
@quiet_fork
def test_forked_child_of_ready_parent_makes_no_request(
    integration: Integration, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child forked from a ready parent keeps the inherited snapshot: no new request."""
    serve_task(loopback, sample_task("EC2"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    pipeline = ready(integration.build())
    requests = loopback.count()
    child = run_in_fork(_log_in_child(pipeline, linger=0.5))
    assert [{"n": n, **EC2_DEFAULT} for n in range(3)] == child["out"]
    assert requests == loopback.count()


@needs_fork
@quiet_fork
def test_forked_before_first_answer_child_fetches_on_its_own(
    integration: Integration, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child forked while the parent's first fetch is in flight fetches on its own and its
    first record is enriched; the parent's fetch completes too."""
    task = sample_task("EC2")
    serve_task(loopback, task)
    loopback.route(ENDPOINT + "/task", Reply(200, task, delay=0.3))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "3")
    pipeline = integration.build()
    pipeline.context.status()  # asks for the first fetch, which starts on demand
    assert wait_until(lambda: loopback.count(ENDPOINT + "/task") == 1, timeout=5.0)
    child = run_in_fork(_log_in_child(pipeline, count=1))
    assert [{"n": 0, **EC2_DEFAULT}] == child["out"]
    assert 2 == loopback.count(ENDPOINT + "/task")  # the parent's and the child's
    assert EC2_DEFAULT == ready(pipeline).log()


# -- httpx's own logging ---------------------------------------------------------------------------


@pytest.fixture
def httpx_debug_on_root(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> LoopbackServer:
    """A prompt endpoint, and the root logger at DEBUG: httpx and httpcore log every step."""
    serve_task(loopback, sample_task("EC2"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "1")
    logging.getLogger().setLevel(logging.DEBUG)
    return loopback


def test_httpx_debug_logging_on_root_is_bounded_and_reaches_the_handler(
    integration: Integration, httpx_debug_on_root: LoopbackServer
) -> None:
    """With httpx at DEBUG on the root handler: no recursion, no deadlock, the first record
    within the bound, and httpx's own records reach the handler."""
    pipeline = integration.build_on_root()
    started = time.monotonic()
    first = pipeline.log(request_id="r-1")
    assert time.monotonic() - started < 3.0
    assert "r-1" == first["request_id"]
    assert wait_until(lambda: pipeline.context.status().state == "ready", timeout=5.0)
    assert {"request_id": "r-2", **EC2_DEFAULT} == pipeline.log(request_id="r-2")

    def sources() -> set[str]:
        return {name.split(".")[0] for name, _ in pipeline.outputs}

    assert wait_until(lambda: {"httpx", "httpcore", "ecs_log_context", "tests"} <= sources())
    assert 1 == [name for name, _ in pipeline.outputs].count("ecs_log_context")  # "ready"


def test_httpx_debug_logging_on_root_first_record_enriched(
    integration: Integration, httpx_debug_on_root: LoopbackServer
) -> None:
    """httpx's records do not slow the first fetch: a prompt endpoint still enriches the first
    record when httpx logs to the same handler."""
    pipeline = integration.build_on_root()
    first = pipeline.log(request_id="r-1")
    assert {"request_id": "r-1", **EC2_DEFAULT} == first


# -- threads -------------------------------------------------------------------------------------


def test_records_never_mix_two_snapshots(
    integration: Integration, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """8 threads x 2,000 records while another thread refreshes and the task flips between
    two: every record's fields come from one snapshot, and no record is lost."""
    FlippingTask(loopback, sample_task("EC2"), other_task())
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TTL", "0")
    pipeline = ready(integration.build())
    context = pipeline.context
    snapshots = {
        json.dumps(EC2_DEFAULT, sort_keys=True),
        json.dumps(OTHER_TASK_FIELDS, sort_keys=True),
    }
    stop = threading.Event()
    refreshes = [0]

    def refresher() -> None:
        while not stop.is_set():
            context.refresh()
            refreshes[0] += 1

    results: dict[int, list[dict[str, Any]]] = {}

    def worker(thread: int) -> None:
        outs = [pipeline.log(worker=thread, i=i) for i in range(1000)]
        # Half way, let a flip happen if none has yet: both tasks then show up for sure.
        first = {k: v for k, v in outs[0].items() if k not in ("worker", "i")}
        wait_until(lambda: context.fields() != first, timeout=10.0)
        outs += [pipeline.log(worker=thread, i=i) for i in range(1000, 2000)]
        results[thread] = outs

    refreshing = threading.Thread(target=refresher)
    refreshing.start()
    try:
        assert wait_until(lambda: refreshes[0] >= 2, timeout=5.0)
        workers = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(30)
    finally:
        stop.set()
        refreshing.join(10)
    assert list(range(8)) == sorted(results)
    seen: set[str] = set()
    for number, outs in results.items():
        assert [(number, i) for i in range(2000)] == [(o["worker"], o["i"]) for o in outs]
        seen |= {
            json.dumps({k: v for k, v in o.items() if k not in ("worker", "i")}, sort_keys=True)
            for o in outs
        }
    assert snapshots == seen
    assert "ready" == context.status().state


# -- whatever the endpoint answers, many first records, default when disabled ------------------

GARBAGE = {
    "not-json": Reply(200, "<html>hello</html>", "text/html"),
    "a-list": Reply(200, []),
    "wrong-types": Reply(200, {"TaskARN": 5, "Cluster": {"a": 1}, "Containers": "no"}),
    "over-the-cap": Reply(200, "[" + "0," * (2_600_000) + "0]"),
    "off-origin-redirect": Reply(301, "", headers={"Location": "http://192.0.2.1/task"}),
}


@pytest.mark.parametrize("answer", list(GARBAGE.values()), ids=list(GARBAGE))
def test_garbage_answers_never_cost_a_record(
    integration: Integration,
    loopback: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    answer: Reply,
) -> None:
    """Whatever the endpoint answers, the log call neither raises nor loses its record."""
    serve_fault(loopback, answer)
    monkeypatch.setenv(V4, v4_uri(loopback))
    pipeline = integration.build()
    assert [{"request_id": "r-1"}] * 2 == [pipeline.log(request_id="r-1") for _ in range(2)]
    assert wait_until(lambda: pipeline.context.status().state == "failing", timeout=5.0)


def test_first_records_of_many_threads_wait_together(
    integration: Integration,
    start_mock: Callable[..., MockEndpoint],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Eight threads logging at start-up wait together for the one answer: all enriched,
    all within the bound, one fetch."""
    mock = start_mock(launch_type="FARGATE", latency=0.2)
    point_at(monkeypatch, mock)
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "1.5")
    pipeline = integration.build()
    barrier = threading.Barrier(8)
    results: dict[int, tuple[float, dict[str, Any]]] = {}

    def first_record(n: int) -> None:
        barrier.wait()
        started = time.monotonic()
        out = pipeline.log(worker=n)
        results[n] = (time.monotonic() - started, out)

    threads = [threading.Thread(target=first_record, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [{"worker": n, **expected_fields("FARGATE")} for n in range(8)] == [
        results[n][1] for n in range(8)
    ]
    assert max(took for took, _ in results.values()) < 3.0
    assert ["/v4/ID/task", "/v4/ID"] == paths(mock)


def test_filter_default_when_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Disabled, ``default`` still fills ``%(ecs_cluster)s``: the record is not lost."""
    monkeypatch.setenv("ECS_LOG_CONTEXT_ENABLED", "false")
    stream = io.StringIO()
    logger = _plain_filter_logger(stream)
    try:
        logger.info("hello")
        assert "- - hello\n" == stream.getvalue()
    finally:
        logger.handlers.clear()
