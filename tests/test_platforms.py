"""The platforms users send logs to: Elastic (through its own ``ecs-logging`` formatters) and
Datadog, end to end against the package's mock endpoint, and the prefix rule of the dotted
styles in every integration.

ecs-logging turns dotted keys into objects; where a record holds ``container="web"`` and a
``container.name`` meets it, it raises (structlog: out of the log call; the standard library:
inside the handler, which drops the record). PRODUCT.md's rule, "a key of the record that is a
prefix of a dotted key wins over it as an equal key does", is what keeps every record whole; the
controls below feed ecs-logging the unguarded keys to show that the collisions are real.

Every expected value is written here by hand from the mock's EC2 sample task
(``ecs_log_context/mock/samples/ec2_task.json``) and PRODUCT.md's field table.
"""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

import ecs_logging
import pytest
import structlog
from pythonjsonlogger.json import JsonFormatter

from ecs_log_context import EcsContextFilter, EcsContextProcessor, install
from ecs_log_context.installation import installed
from ecs_log_context.mock.server import MockEndpoint

from .integrations import CLUSTER_ARN, EC2_TASK_ARN, IMAGE, KINDS, build

V4 = "ECS_CONTAINER_METADATA_URI_V4"

# -- the EC2 sample, value by value --------------------------------------------------------------

TASK_ID = "76be24d3175828cbe93ade21d8878367"
DOCKER_ID = "886ab76314a210e011ba00fbe6e069013abb4ade5ef49c7fdb613d26523a2141"
CONTAINER_ARN = (
    "arn:aws:ecs:eu-west-1:123456789012:container/demo-cluster/"
    "76be24d3175828cbe93ade21d8878367/0fac4619-685d-4c9d-bfb5-cdb6edc01700"
)
IMAGE_NAME = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout-api"
DIGEST = "sha256:f85074244637031b705c9795da43531eea683f56c4ceea6a58694b593d2fdd1c"
LOG_STREAM = "ecs/checkout-api/76be24d3175828cbe93ade21d8878367"
TASK_DEFINITION_ARN = "arn:aws:ecs:eu-west-1:123456789012:task-definition/checkout-api:7"

# -- Elastic: the nested shape ecs-logging writes of the elastic style ---------------------------

ELASTIC_DEFAULT: dict[str, Any] = {
    "orchestrator": {
        "cluster": {"name": "demo-cluster"},
        "resource": {"id": EC2_TASK_ARN, "type": "task"},
        "type": "ecs",
    },
    "cloud": {"provider": "aws", "availability_zone": "eu-west-1a"},
    "container": {"name": "checkout-api"},
    "aws": {"ecs": {"task": {"family": "checkout-api", "revision": "7"}}},
}

ELASTIC_CONTAINER_ALL: dict[str, Any] = {
    "name": "checkout-api",
    "id": DOCKER_ID,
    "image": {"name": IMAGE_NAME, "tag": ["1.14.2"], "hash": {"all": [DIGEST]}},
}
# fields="all", tags="environment,team".
ELASTIC_ALL: dict[str, Any] = {
    "orchestrator": {
        "cluster": {"name": "demo-cluster", "id": CLUSTER_ARN},
        "resource": {"id": EC2_TASK_ARN, "name": TASK_ID, "type": "task"},
        "type": "ecs",
    },
    "cloud": {
        "provider": "aws",
        "availability_zone": "eu-west-1a",
        "region": "eu-west-1",
        "account": {"id": "123456789012"},
    },
    "container": ELASTIC_CONTAINER_ALL,
    "aws": {
        "ecs": {
            "task": {
                "family": "checkout-api",
                "revision": "7",
                "tag": {"environment": "staging", "team": "payments"},
            },
            "launchtype": "ec2",
            "container": {"arn": CONTAINER_ARN},
            "service": {"name": "checkout-api"},
        },
        "cloudwatch": {"log_group": "/ecs/checkout-api", "log_stream": LOG_STREAM},
    },
}
ELASTIC_GROUPS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "default": ({}, ELASTIC_DEFAULT),
    "all": (
        {"fields": "all", "tags": "environment,team"},
        ELASTIC_ALL,
    ),
}

# A record key against the elastic keys: what the record holds, and what replaces the expected
# top-level object (the record's own value; under it, none of ours, or ours but the equal key).
COLLISIONS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "container-string": ({"container": "web"}, {"container": "web"}),
    "cloud-string": ({"cloud": "mine"}, {"cloud": "mine"}),
    "orchestrator-object": ({"orchestrator": {"x": 1}}, {"orchestrator": {"x": 1}}),
    "equal-dotted-key": (
        {"container.name": "mine"},
        {"container": {**ELASTIC_CONTAINER_ALL, "name": "mine"}},
    ),
    "aws-string": ({"aws": "x"}, {"aws": "x"}),
}
# The collisions that make ecs-logging fail when the dotted keys are added regardless.
FATAL = ("container-string", "cloud-string", "aws-string")

# Dotted elastic keys as a library without the prefix rule would add them.
UNGUARDED = {
    "container.name": "checkout-api",
    "cloud.provider": "aws",
    "cloud.availability_zone": "eu-west-1a",
    "aws.ecs.task.family": "checkout-api",
}

# ecs-logging's structlog renderer; its event dict is a dict, not structlog's MutableMapping.
ECS_RENDERER: Any = ecs_logging.StructlogFormatter()

# What ecs-logging writes of its own: the timestamp, log.*, process.*, ecs.version, message.
ECS_LOGGING_OWN = ("@timestamp", "log.level", "log", "process", "message", "ecs.version")


def ours(line: str) -> dict[str, Any]:
    """What an ecs-logging line holds besides ecs-logging's own keys, which must be there."""
    out = json.loads(line)
    assert isinstance(out.pop("ecs.version"), str)  # Elastic's own, flat, as ecs-logging writes it
    assert "ecs" not in out  # no top-level ecs object of ours next to it
    return {key: value for key, value in out.items() if key not in ECS_LOGGING_OWN}


if TYPE_CHECKING:
    _StreamHandler = logging.StreamHandler[io.StringIO]
else:
    _StreamHandler = logging.StreamHandler  # not subscriptable at run time before 3.11


class StreamCapture(_StreamHandler):
    """A real stream handler writing to memory with this formatter, keeping what ``emit``
    swallowed: the standard library drops a record whose formatting raises, and says so only
    on stderr."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(io.StringIO())
        self.setFormatter(formatter)
        self.errors: list[BaseException] = []

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        assert error is not None
        self.errors.append(error)

    def lines(self) -> list[str]:
        """Every line written so far."""
        return self.stream.getvalue().splitlines()


def stdlib_logger(name: str, handler: logging.Handler) -> logging.Logger:
    """A logger outside logging's manager, its one handler this one."""
    logger = logging.Logger(name, logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    return logger


def elastic_stdlib(how: str, **options: Any) -> tuple[logging.Logger, StreamCapture]:
    """A logger whose handler formats with ecs-logging, the fields added by `how`: the filter
    on that handler, or `install()`; ready once the first answer is in."""
    handler = StreamCapture(ecs_logging.StdlibFormatter())
    if how == "filter":
        enricher: Any = EcsContextFilter(style="elastic", **options)
        handler.addFilter(enricher)
    else:
        install(style="elastic", **options)
        enricher = installed()
    assert enricher.context.wait_ready(5.0), enricher.context.status()
    return stdlib_logger(f"tests.platforms.{how}", handler), handler


def elastic_structlog(**options: Any) -> Any:
    """A structlog logger whose last processor is ecs-logging's `StructlogFormatter`."""
    processor = EcsContextProcessor(style="elastic", **options)
    assert processor.context.wait_ready(5.0), processor.context.status()
    return structlog.wrap_logger(
        structlog.ReturnLogger(),
        processors=[processor, ECS_RENDERER],
        wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
        cache_logger_on_first_use=False,
    )


# -- 1. Elastic through ecs-logging's StdlibFormatter --------------------------------------------


@pytest.mark.parametrize("group", ["default", "all"])
@pytest.mark.parametrize("how", ["filter", "install"])
def test_stdlib_formatter_writes_elastic_nested_shape(
    mock_on_v4: MockEndpoint, how: str, group: str
) -> None:
    """StdlibFormatter turns the elastic keys into Elastic's own objects (orchestrator, cloud,
    container, aws), next to its own ecs.version; the one-element lists stay lists."""
    options, expected = ELASTIC_GROUPS[group]
    logger, handler = elastic_stdlib(how, **options)
    logger.info("hello")
    assert [] == handler.errors
    (line,) = handler.lines()
    assert "hello" == json.loads(line)["message"]
    assert expected == ours(line)


@pytest.mark.parametrize("case", list(COLLISIONS))
@pytest.mark.parametrize("how", ["filter", "install"])
def test_stdlib_formatter_record_keys_win_over_dotted_fields(
    mock_on_v4: MockEndpoint, how: str, case: str
) -> None:
    """A record key that is, or holds, an elastic key keeps its value; the fields under it are
    left out and the others stay; the record is written, nothing raised or swallowed."""
    extra, replaced = COLLISIONS[case]
    logger, handler = elastic_stdlib(how, fields="all", tags="environment,team")
    logger.info("hello", extra=extra)
    assert [] == handler.errors
    (line,) = handler.lines()
    assert {**ELASTIC_ALL, **replaced} == ours(line)


class Unguarded(logging.Filter):
    """The control: dotted keys added whatever the record holds."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.__dict__.update(UNGUARDED)
        return True


@pytest.mark.parametrize("case", FATAL)
def test_control_stdlib_formatter_fails_on_unguarded_dotted_keys(case: str) -> None:
    """Without the prefix rule the collision is real: StdlibFormatter raises, and a handler
    drops the record (what the tests above prove never happens with the library's keys)."""
    extra, _ = COLLISIONS[case]
    record = logging.makeLogRecord({"msg": "hello", **extra})
    Unguarded().filter(record)
    with pytest.raises((TypeError, ValueError)):
        ecs_logging.StdlibFormatter().format(record)

    handler = StreamCapture(ecs_logging.StdlibFormatter())
    handler.addFilter(Unguarded())
    stdlib_logger("tests.platforms.control", handler).info("hello", extra=extra)
    assert [] == handler.lines()
    assert [TypeError] == [type(error) for error in handler.errors]


# -- 2. Elastic through ecs-logging's StructlogFormatter -----------------------------------------


@pytest.mark.parametrize("group", ["default", "all"])
def test_structlog_formatter_writes_elastic_nested_shape(
    mock_on_v4: MockEndpoint, group: str
) -> None:
    """StructlogFormatter after EcsContextProcessor(style="elastic"): Elastic's objects."""
    options, expected = ELASTIC_GROUPS[group]
    line = elastic_structlog(**options).info("hello")
    assert "hello" == json.loads(line)["message"]
    assert expected == ours(line)


@pytest.mark.parametrize("case", list(COLLISIONS))
def test_structlog_formatter_record_keys_win_over_dotted_fields(
    mock_on_v4: MockEndpoint, case: str
) -> None:
    """The event dict's own key wins over the elastic keys inside it; the log call returns."""
    keys, replaced = COLLISIONS[case]
    line = elastic_structlog(fields="all", tags="environment,team").info("hello", **keys)
    assert {**ELASTIC_ALL, **replaced} == ours(line)


def unguarded(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> Any:
    """The control processor: dotted keys added whatever the event dict holds."""
    event_dict.update(UNGUARDED)
    return event_dict


@pytest.mark.parametrize("case", FATAL)
def test_control_structlog_formatter_raises_on_unguarded_dotted_keys(case: str) -> None:
    """Without the prefix rule StructlogFormatter raises out of the log call itself."""
    keys, _ = COLLISIONS[case]
    logger = structlog.wrap_logger(
        structlog.ReturnLogger(),
        processors=[unguarded, ECS_RENDERER],
        cache_logger_on_first_use=False,
    )
    with pytest.raises(TypeError, match="Type mismatch"):
        logger.info("hello", **keys)


@pytest.mark.parametrize("how", ["stdlib", "structlog"])
def test_nesting_tag_keys_never_break_ecs_logging(mock: MockEndpoint, how: str) -> None:
    """AWS tag keys may hold dots: ``team`` and ``team.lead`` on one task must not make
    ecs-logging drop the record (stdlib) or raise out of the log call (structlog). The outer
    tag stays and the inner one is left out, as a record's own outer key wins."""
    mock.task["TaskTags"] = {"team": "payments", "team.lead": "ana"}
    environ = {V4: mock.v4_uri}
    if how == "stdlib":
        handler = StreamCapture(ecs_logging.StdlibFormatter())
        log_filter = EcsContextFilter(style="elastic", tags="*", environ=environ)
        assert log_filter.context.wait_ready(5.0), log_filter.context.status()
        handler.addFilter(log_filter)
        stdlib_logger("tests.platforms.tags", handler).info("hello")
        assert [] == handler.errors
        (line,) = handler.lines()
    else:
        processor = EcsContextProcessor(style="elastic", tags="*", environ=environ)
        assert processor.context.wait_ready(5.0), processor.context.status()
        logger = structlog.wrap_logger(
            structlog.ReturnLogger(),
            processors=[processor, ECS_RENDERER],
            cache_logger_on_first_use=False,
        )
        line = logger.info("hello")
    assert {"team": "payments"} == ours(line)["aws"]["ecs"]["task"]["tag"]


# -- 3. the prefix rule in every integration -----------------------------------------------------

SMALL = "container_name,container_id,availability_zone,region,family"
SMALL_KEYS: dict[str, dict[str, Any]] = {
    "otel": {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "container.name": "checkout-api",
        "container.id": DOCKER_ID,
        "cloud.availability_zone": "eu-west-1a",
        "cloud.region": "eu-west-1",
        "aws.ecs.task.family": "checkout-api",
    },
    "elastic": {
        "cloud.provider": "aws",
        "orchestrator.type": "ecs",
        "orchestrator.resource.type": "task",
        "container.name": "checkout-api",
        "container.id": DOCKER_ID,
        "cloud.availability_zone": "eu-west-1a",
        "cloud.region": "eu-west-1",
        "aws.ecs.task.family": "checkout-api",
    },
}
CONTAINER_KEYS = ("container.name", "container.id")
CLOUD_KEYS = ("cloud.provider", "cloud.platform", "cloud.availability_zone", "cloud.region")

# name: (record keys, overwrite, keys of ours left out). The record's own keys are all in the
# output as given, but for an equal key, which overwrite replaces with ours.
PREFIX_CASES: dict[str, tuple[dict[str, Any], bool, tuple[str, ...]]] = {
    "no-record-key": ({}, False, ()),
    "unrelated-key": ({"request_id": "r-1"}, False, ()),
    "container": ({"container": "web"}, False, CONTAINER_KEYS),
    "cloud": ({"cloud": "mine"}, False, CLOUD_KEYS),
    "container-and-cloud": (
        {"container": "web", "cloud": "mine"},
        False,
        (*CONTAINER_KEYS, *CLOUD_KEYS),
    ),
    "inner-prefix": ({"aws.ecs": "x"}, False, ("aws.ecs.task.family",)),
    "equal-key": ({"container.id": "mine"}, False, ()),
    "equal-key-overwritten": ({"container.id": "mine"}, True, ()),
    "prefix-wins-with-overwrite": (
        {"container": "web", "cloud.region": "mine"},
        True,
        CONTAINER_KEYS,
    ),
    "prefix-wins-over-constant": ({"cloud": "mine"}, True, CLOUD_KEYS),
}


@pytest.mark.parametrize("case", list(PREFIX_CASES))
@pytest.mark.parametrize("style", ["otel", "elastic"])
@pytest.mark.parametrize("kind", KINDS)
def test_prefix_rule_in_every_integration(
    mock_on_v4: MockEndpoint, kind: str, style: str, case: str
) -> None:
    """A record key that is a prefix of a dotted key wins over it, with or without overwrite;
    an equal key wins unless overwrite; a record without such keys gets every field."""
    keys, overwrite, left_out = PREFIX_CASES[case]
    pipeline = build(kind, style=style, fields=SMALL, overwrite=overwrite)
    assert pipeline.context.wait_ready(5.0), pipeline.context.status()
    fields = SMALL_KEYS[style]
    expected = {key: value for key, value in fields.items() if key not in left_out} | keys
    if overwrite:
        expected |= {key: fields[key] for key in keys if key in fields}
    assert expected == pipeline.log(**keys)


@pytest.mark.parametrize("kind", KINDS)
def test_prefix_rule_orchestrator_under_elastic(mock_on_v4: MockEndpoint, kind: str) -> None:
    """The elastic constants are dotted keys like the others: ``orchestrator`` holds them."""
    pipeline = build(kind, style="elastic", fields=SMALL)
    assert pipeline.context.wait_ready(5.0), pipeline.context.status()
    expected = {
        key: value
        for key, value in SMALL_KEYS["elastic"].items()
        if key not in ("orchestrator.type", "orchestrator.resource.type")
    }
    assert {**expected, "orchestrator": "k8s"} == pipeline.log(orchestrator="k8s")


FLAT_RENAMED = {
    "service.cluster": "demo-cluster",
    "ecs_task_arn": EC2_TASK_ARN,
    "ecs_task_family": "checkout-api",
    "ecs_task_revision": "7",
    "ecs_availability_zone": "eu-west-1a",
    "ecs_container_name": "checkout-api",
}


@pytest.mark.parametrize("overwrite", [False, True])
@pytest.mark.parametrize("kind", KINDS)
def test_prefix_rule_for_a_flat_rename_to_a_dotted_key(
    mock_on_v4: MockEndpoint, kind: str, overwrite: bool
) -> None:
    """``keys="cluster=service.cluster"`` makes a dotted key of the flat style: a record key
    ``service`` wins over it as over any dotted key, and without one the key is there."""
    pipeline = build(kind, keys="cluster=service.cluster", overwrite=overwrite)
    assert pipeline.context.wait_ready(5.0), pipeline.context.status()
    assert FLAT_RENAMED == pipeline.log()
    without = {k: v for k, v in FLAT_RENAMED.items() if k != "service.cluster"}
    assert {**without, "service": "checkout"} == pipeline.log(service="checkout")


# -- 4. Datadog ----------------------------------------------------------------------------------

# fields="all", style="datadog": the keys as the Datadog agent names them (PRODUCT.md's table).
# The sample has no AvailabilityZoneID: ecs_availability_zone_id is left out, never empty.
DATADOG_ALL = {
    "ecs_cluster_name": "demo-cluster",
    "task_arn": EC2_TASK_ARN,
    "task_family": "checkout-api",
    "task_version": "7",
    "availability_zone": "eu-west-1a",
    "ecs_container_name": "checkout-api",
    "task_id": TASK_ID,
    "container_id": DOCKER_ID,
    "region": "eu-west-1",
    "aws_account": "123456789012",
    "ecs_launch_type": "EC2",
    "ecs_container_arn": CONTAINER_ARN,
    "docker_image": IMAGE,
    "image_name": IMAGE_NAME,
    "image_tag": "1.14.2",
    "image_id": DIGEST,
    "ecs_task_definition": "checkout-api:7",
    "task_definition_arn": TASK_DEFINITION_ARN,
    "ecs_cluster_arn": CLUSTER_ARN,
    "ecs_service_name": "checkout-api",
    "ecs_log_group": "/ecs/checkout-api",
    "ecs_log_stream": LOG_STREAM,
}
ALL_TAGS = {
    "aws:ecs:clusterName": "demo-cluster",
    "aws:ecs:serviceName": "checkout-api",
    "environment": "staging",
    "team": "payments",
}


def asked_with_tags(mock: MockEndpoint) -> bool:
    """The tags came from the taskWithTags route."""
    return any(request.path.endswith("/taskWithTags") for request in mock.requests)


def test_datadog_through_filter_and_python_json_logger(
    mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The filter on a python-json-logger handler: the agent's names, and the tags asked for
    in ECS_LOG_CONTEXT_TAGS under their own keys (the others left out)."""
    monkeypatch.setenv("ECS_LOG_CONTEXT_TAGS", "environment,team")
    handler = StreamCapture(JsonFormatter())
    log_filter = EcsContextFilter(style="datadog", fields="all")
    assert log_filter.context.wait_ready(5.0), log_filter.context.status()
    handler.addFilter(log_filter)
    stdlib_logger("tests.platforms.datadog", handler).info("hello", extra={"request_id": "r-1"})
    expected = {
        "message": "hello",
        "request_id": "r-1",
        **DATADOG_ALL,
        "environment": "staging",
        "team": "payments",
    }
    assert [] == handler.errors
    (line,) = handler.lines()
    assert expected == json.loads(line)
    assert asked_with_tags(mock_on_v4)


def test_datadog_through_structlog_json_renderer(mock_on_v4: MockEndpoint) -> None:
    """The processor before JSONRenderer: the agent's names, every tag with ``tags="*"``, and
    ecs_availability_zone_id where the task gives AvailabilityZoneID."""
    mock_on_v4.task["AvailabilityZoneID"] = "euw1-az1"
    processor = EcsContextProcessor(style="datadog", fields="all", tags="*")
    assert processor.context.wait_ready(5.0), processor.context.status()
    logger = structlog.wrap_logger(
        structlog.ReturnLogger(),
        processors=[processor, structlog.processors.JSONRenderer()],
        cache_logger_on_first_use=False,
    )
    expected = {
        "event": "hello",
        **DATADOG_ALL,
        "ecs_availability_zone_id": "euw1-az1",
        **ALL_TAGS,
    }
    assert expected == json.loads(logger.info("hello"))
    assert asked_with_tags(mock_on_v4)


def test_datadog_tags_never_take_a_field_or_a_record_attribute(mock_on_v4: MockEndpoint) -> None:
    """Without a prefix, a tag named like a field (ecs_cluster_name) or a LogRecord attribute
    (name) is left out: the field and the record stay right, the other tags come."""
    mock_on_v4.task["TaskTags"] = {"ecs_cluster_name": "other", "name": "evil", "team": "payments"}
    handler = StreamCapture(JsonFormatter("%(name)s %(message)s"))
    log_filter = EcsContextFilter(style="datadog", tags="*")
    assert log_filter.context.wait_ready(5.0), log_filter.context.status()
    handler.addFilter(log_filter)
    stdlib_logger("tests.platforms.datadog", handler).info("hello")
    assert [] == handler.errors
    (line,) = handler.lines()
    assert {
        "name": "tests.platforms.datadog",
        "message": "hello",
        "ecs_cluster_name": "demo-cluster",
        "task_arn": EC2_TASK_ARN,
        "task_family": "checkout-api",
        "task_version": "7",
        "availability_zone": "eu-west-1a",
        "ecs_container_name": "checkout-api",
        "team": "payments",
    } == json.loads(line)
