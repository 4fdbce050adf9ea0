"""Shared helpers of the behaviour tests: one real logging pipeline per integration, the
mock's samples and the fields they must give, and loopback routes that serve them.

Every pipeline is a real one: structlog's own processor chain ending in a JSON renderer, a
`logging.Logger` whose handler carries the filter, a handler whose formatter is
`EcsJsonFormatter`. `Pipeline.log(**keys)` logs one record with these caller keys and returns
the dict of what came out, without the message itself.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable
from importlib import resources
from typing import Any

import structlog

from ecs_log_context import (
    EcsContext,
    EcsContextFilter,
    EcsContextPatcher,
    EcsContextProcessor,
    EcsJsonFormatter,
    install,
)
from ecs_log_context.installation import installed

from .capture import RecordCapture
from .loopback import LoopbackServer, Reply

KINDS = ("structlog", "filter", "formatter", "install", "loguru")

# Attributes every LogRecord has: what is left over came from the caller or the filter.
STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


# -- pipelines ---------------------------------------------------------------------------------


Convert = Callable[[logging.LogRecord, str], dict[str, Any]]
"""What a record became, from the record and the line its handler made of it."""


def record_attributes(record: logging.LogRecord, line: str = "") -> dict[str, Any]:
    """The attributes a caller (``extra=``) or a filter added to a record, shaped as JSON
    would show them (the otel style's one-element tuples as lists), as the other pipelines."""
    return {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in record.__dict__.items()
        if k not in STANDARD_ATTRIBUTES
    }


class Pipeline:
    """A logging pipeline through one integration.

    Attributes:
        kind: ``structlog``, ``filter`` or ``formatter``.
        enricher: the processor, filter or formatter under test.
        handler: the capturing handler (None for the pure structlog pipeline).
    """

    def __init__(
        self,
        kind: str,
        enricher: Any,
        log: Callable[[str, dict[str, Any]], dict[str, Any]],
        handler: RecordCapture | None = None,
        convert: Convert = record_attributes,
    ) -> None:
        self.kind = kind
        self.enricher = enricher
        self.handler = handler
        self._log = log
        self._convert = convert

    @property
    def context(self) -> EcsContext:
        """The context the enricher takes its fields from."""
        return self.enricher.context  # type: ignore[no-any-return]

    def log(self, **keys: Any) -> dict[str, Any]:
        """Log one record with these caller keys; what came out, without the message."""
        return self._log("hello", keys)

    @property
    def outputs(self) -> list[tuple[str, dict[str, Any]]]:
        """(logger name, what came out) of every record the handler saw."""
        assert self.handler is not None
        kept = zip(self.handler.records, self.handler.lines, strict=True)
        return [(record.name, self._convert(record, line)) for record, line in kept]


def _without(out: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in out.items() if k not in names}


def _json_without(drop: str) -> Convert:
    """The JSON line a formatter made of a record, without its message key."""

    def convert(record: logging.LogRecord, line: str) -> dict[str, Any]:
        return _without(json.loads(line), drop)

    return convert


def _stdlib_logger(name: str, handler: logging.Handler) -> logging.Logger:
    # A logger outside logging's manager: nothing else in the process writes to it.
    logger = logging.Logger(name, logging.DEBUG)
    logger.propagate = False
    logger.addHandler(handler)
    return logger


def formatter_options(options: dict[str, Any]) -> dict[str, Any]:
    """The formatter's names for the options: its field style is ``ecs_style``."""
    if "style" in options:
        options = {**options, "ecs_style": options["style"]}
        del options["style"]
    return options


def build(kind: str, **options: Any) -> Pipeline:
    """A pipeline through `kind`, its enricher built with these options."""
    if kind == "structlog":
        processor = EcsContextProcessor(**options)
        logger = structlog.wrap_logger(
            structlog.ReturnLogger(),
            processors=[processor, structlog.processors.JSONRenderer()],
            wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG),
            cache_logger_on_first_use=False,
        )

        def log_structlog(message: str, keys: dict[str, Any]) -> dict[str, Any]:
            return _without(json.loads(logger.info(message, **keys)), "event")

        return Pipeline(kind, processor, log_structlog)
    if kind == "loguru":
        return _loguru_pipeline(**options)
    handler = RecordCapture()
    convert: Convert = record_attributes
    if kind == "filter":
        enricher: Any = EcsContextFilter(**options)
        handler.addFilter(enricher)
    elif kind == "formatter":
        enricher = EcsJsonFormatter(**formatter_options(options))
        handler.setFormatter(enricher)
        convert = _json_without("message")
    elif kind == "install":
        install(**options)  # no filter, no formatter: the record is made with the fields
        enricher = installed()
    else:
        raise ValueError(kind)
    logger = _stdlib_logger(f"tests.{kind}", handler)

    def log_stdlib(message: str, keys: dict[str, Any]) -> dict[str, Any]:
        logger.info(message, extra=keys)
        return convert(*handler.last())

    return Pipeline(kind, enricher, log_stdlib, handler, convert)


def _loguru_pipeline(**options: Any) -> Pipeline:
    """A loguru logger of its own, the patcher configured on it, caller keys bound."""
    import importlib

    # loguru's own constructor: a logger of the test's, not the process's one global logger.
    internals: Any = importlib.import_module("loguru._logger")
    last = threading.local()  # the sink runs in the logging thread: each thread's own record

    def sink(message: Any) -> None:
        last.record = message.record

    patcher = EcsContextPatcher(**options)
    logger = internals.Logger(internals.Core(), None, 0, *[False] * 4, True, [], {})
    logger.configure(handlers=[{"sink": sink, "format": "{message}"}], patcher=patcher)

    def log_loguru(message: str, keys: dict[str, Any]) -> dict[str, Any]:
        logger.bind(**keys).info(message)
        extra = last.record["extra"]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in extra.items()}

    return Pipeline("loguru", patcher, log_loguru)


def build_on_root(kind: str, **options: Any) -> Pipeline:
    """A pipeline whose handler sits on the root logger, where other libraries' records go.

    structlog goes through the standard library as its documentation shows: its own records
    through the processor chain, foreign ones (httpx's) through ``foreign_pre_chain``, both
    rendered by ``ProcessorFormatter``. The caller must restore the root logger (conftest does).
    """
    app = logging.getLogger("tests.app")
    if kind == "structlog":
        enricher: Any = EcsContextProcessor(**options)
        formatter = structlog.stdlib.ProcessorFormatter(
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
            foreign_pre_chain=[structlog.stdlib.ExtraAdder(), enricher],
        )
        handler = RecordCapture()
        handler.setFormatter(formatter)
        convert: Convert = _json_without("event")
        bound = structlog.wrap_logger(
            app,
            processors=[enricher, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
            wrapper_class=structlog.stdlib.BoundLogger,
            cache_logger_on_first_use=False,
        )

        def emit(message: str, keys: dict[str, Any]) -> None:
            bound.info(message, **keys)

    else:
        handler = RecordCapture()
        if kind == "filter":
            enricher = EcsContextFilter(**options)
            handler.addFilter(enricher)
            convert = record_attributes
        else:
            enricher = EcsJsonFormatter(**formatter_options(options))
            handler.setFormatter(enricher)
            convert = _json_without("message")

        def emit(message: str, keys: dict[str, Any]) -> None:
            app.info(message, extra=keys)

    root = logging.getLogger()
    root.addHandler(handler)
    app.setLevel(logging.NOTSET)

    def log_root(message: str, keys: dict[str, Any]) -> dict[str, Any]:
        emit(message, keys)
        return convert(*handler.last())

    return Pipeline(kind, enricher, log_root, handler, convert)


class Integration:
    """One of the three integrations, for a parametrized fixture."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"Integration({self.kind!r})"

    def build(self, **options: Any) -> Pipeline:
        """A pipeline on a logger of its own; see `build`."""
        return build(self.kind, **options)

    def build_on_root(self, **options: Any) -> Pipeline:
        """A pipeline whose handler is on the root logger; see `build_on_root`."""
        return build_on_root(self.kind, **options)


# -- the mock's samples and the fields they give -------------------------------------------------


def sample_task(launch_type: str) -> dict[str, Any]:
    """A fresh copy of the mock's built-in sample task (v4 shape, with tags)."""
    name = {"EC2": "ec2_task.json", "FARGATE": "fargate_task.json"}[launch_type]
    path = resources.files("ecs_log_context.mock").joinpath("samples").joinpath(name)
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


EC2_TASK_ARN = (
    "arn:aws:ecs:eu-west-1:123456789012:task/demo-cluster/76be24d3175828cbe93ade21d8878367"
)
FARGATE_TASK_ARN = (
    "arn:aws:ecs:eu-west-1:123456789012:task/demo-cluster/ae54c116136f52eb3fff4e8f0644874e"
)
CLUSTER_ARN = "arn:aws:ecs:eu-west-1:123456789012:cluster/demo-cluster"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout-api:1.14.2"
IMAGE_NAME = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout-api"
IMAGE_TAG = "1.14.2"
IMAGE_DIGEST = "sha256:f85074244637031b705c9795da43531eea683f56c4ceea6a58694b593d2fdd1c"
# Both samples' checkout-api container logs to this group, in the task's region and account.
LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/checkout-api"

# The value of every field for "this" container (checkout-api) of each sample, as PRODUCT.md's
# field table defines them. The samples have no AvailabilityZoneID: that field is absent.
SAMPLE_VALUES: dict[str, dict[str, str]] = {
    "EC2": {
        "cluster": "demo-cluster",
        "task_arn": EC2_TASK_ARN,
        "family": "checkout-api",
        "revision": "7",
        "availability_zone": "eu-west-1a",
        "container_name": "checkout-api",
        "task_id": "76be24d3175828cbe93ade21d8878367",
        "container_id": "886ab76314a210e011ba00fbe6e069013abb4ade5ef49c7fdb613d26523a2141",
        "region": "eu-west-1",
        "account_id": "123456789012",
        "launch_type": "EC2",
        "container_arn": "arn:aws:ecs:eu-west-1:123456789012:container/demo-cluster/"
        "76be24d3175828cbe93ade21d8878367/0fac4619-685d-4c9d-bfb5-cdb6edc01700",
        "image": IMAGE,
        "image_digest": IMAGE_DIGEST,
        "task_definition": "checkout-api:7",
        "task_definition_arn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/checkout-api:7",
        "cluster_arn": CLUSTER_ARN,
        "service_name": "checkout-api",
        "log_group": "/ecs/checkout-api",
        "log_stream": "ecs/checkout-api/76be24d3175828cbe93ade21d8878367",
    },
    "FARGATE": {
        "cluster": "demo-cluster",
        "task_arn": FARGATE_TASK_ARN,
        "family": "checkout-api",
        "revision": "7",
        "availability_zone": "eu-west-1b",
        "container_name": "checkout-api",
        "task_id": "ae54c116136f52eb3fff4e8f0644874e",
        "container_id": "ae54c116136f52eb3fff4e8f0644874e-1664421365",
        "region": "eu-west-1",
        "account_id": "123456789012",
        "launch_type": "FARGATE",
        "container_arn": "arn:aws:ecs:eu-west-1:123456789012:container/demo-cluster/"
        "ae54c116136f52eb3fff4e8f0644874e/85690d1a-e383-4f8d-82b8-dfeba0c4b6a8",
        "image": IMAGE,
        "image_digest": IMAGE_DIGEST,
        "task_definition": "checkout-api:7",
        "task_definition_arn": "arn:aws:ecs:eu-west-1:123456789012:task-definition/checkout-api:7",
        "cluster_arn": CLUSTER_ARN,
        "service_name": "checkout-api",
        "log_group": "/ecs/checkout-api",
        "log_stream": "ecs/checkout-api/ae54c116136f52eb3fff4e8f0644874e",
    },
}
SAMPLE_TAGS = {
    "aws:ecs:clusterName": "demo-cluster",
    "aws:ecs:serviceName": "checkout-api",
    "environment": "staging",
    "team": "payments",
}

DEFAULT_GROUP = (
    "cluster",
    "task_arn",
    "family",
    "revision",
    "availability_zone",
    "container_name",
)
ALL_GROUP = (
    *DEFAULT_GROUP,
    "task_id",
    "container_id",
    "region",
    "account_id",
    "launch_type",
    "container_arn",
    "image",
    "image_digest",
    "task_definition",
    "task_definition_arn",
    "cluster_arn",
    "service_name",
    "availability_zone_id",
    "log_group",
    "log_stream",
)
# PRODUCT.md's field table, key by key.
FLAT_KEYS = {
    "cluster": "ecs_cluster",
    "task_arn": "ecs_task_arn",
    "family": "ecs_task_family",
    "revision": "ecs_task_revision",
    "availability_zone": "ecs_availability_zone",
    "container_name": "ecs_container_name",
    "task_id": "ecs_task_id",
    "container_id": "ecs_container_id",
    "region": "ecs_region",
    "account_id": "ecs_account_id",
    "launch_type": "ecs_launch_type",
    "container_arn": "ecs_container_arn",
    "image": "ecs_container_image",
    "image_digest": "ecs_container_image_digest",
    "task_definition": "ecs_task_definition",
    "task_definition_arn": "ecs_task_definition_arn",
    "cluster_arn": "ecs_cluster_arn",
    "service_name": "ecs_service_name",
    "availability_zone_id": "ecs_availability_zone_id",
    "log_group": "ecs_log_group",
    "log_stream": "ecs_log_stream",
}

# The other styles: each field's keys, and what each key holds of the field's value in the
# samples ("" the value itself; see `_held`). A field a style has no key for is not listed.
StyleKeys = dict[str, tuple[tuple[str, str], ...]]
OTEL_KEYS: StyleKeys = {
    "cluster": (("aws.ecs.cluster.arn", "cluster_arn"),),
    "task_arn": (("aws.ecs.task.arn", ""), ("aws.ecs.task.id", "task_id")),
    "family": (("aws.ecs.task.family", ""),),
    "revision": (("aws.ecs.task.revision", ""),),
    "availability_zone": (("cloud.availability_zone", ""),),
    "container_name": (("container.name", ""),),
    "task_id": (("aws.ecs.task.id", ""),),
    "container_id": (("container.id", ""),),
    "region": (("cloud.region", ""),),
    "account_id": (("cloud.account.id", ""),),
    "launch_type": (("aws.ecs.launchtype", "lower"),),
    "container_arn": (("aws.ecs.container.arn", ""), ("cloud.resource_id", "")),
    "image": (("container.image.name", "image_name"), ("container.image.tags", "image_tags")),
    "image_digest": (("container.image.id", ""),),
    "service_name": (("aws.ecs.service.name", ""),),
    "log_group": (("aws.log.group.names", "list"), ("aws.log.group.arns", "group_arns")),
    "log_stream": (("aws.log.stream.names", "list"), ("aws.log.stream.arns", "stream_arns")),
}
ELASTIC_KEYS: StyleKeys = {
    "cluster": (("orchestrator.cluster.name", ""),),
    "task_arn": (("orchestrator.resource.id", ""),),
    "family": (("aws.ecs.task.family", ""),),
    "revision": (("aws.ecs.task.revision", ""),),
    "availability_zone": (("cloud.availability_zone", ""),),
    "container_name": (("container.name", ""),),
    "task_id": (("orchestrator.resource.name", ""),),
    "container_id": (("container.id", ""),),
    "region": (("cloud.region", ""),),
    "account_id": (("cloud.account.id", ""),),
    "launch_type": (("aws.ecs.launchtype", "lower"),),
    "container_arn": (("aws.ecs.container.arn", ""),),
    "image": (("container.image.name", "image_name"), ("container.image.tag", "image_tags")),
    "image_digest": (("container.image.hash.all", "list"),),
    "cluster_arn": (("orchestrator.cluster.id", ""),),
    "service_name": (("aws.ecs.service.name", ""),),
    "log_group": (("aws.cloudwatch.log_group", ""),),
    "log_stream": (("aws.cloudwatch.log_stream", ""),),
}
DATADOG_KEYS: StyleKeys = {
    "cluster": (("ecs_cluster_name", ""),),
    "task_arn": (("task_arn", ""),),
    "family": (("task_family", ""),),
    "revision": (("task_version", ""),),
    "availability_zone": (("availability_zone", ""),),
    "container_name": (("ecs_container_name", ""),),
    "task_id": (("task_id", ""),),
    "container_id": (("container_id", ""),),
    "region": (("region", ""),),
    "account_id": (("aws_account", ""),),
    "launch_type": (("ecs_launch_type", ""),),
    "container_arn": (("ecs_container_arn", ""),),
    "image": (("docker_image", ""), ("image_name", "image_name"), ("image_tag", "image_tag")),
    "image_digest": (("image_id", ""),),
    "task_definition": (("ecs_task_definition", ""),),
    "task_definition_arn": (("task_definition_arn", ""),),
    "cluster_arn": (("ecs_cluster_arn", ""),),
    "service_name": (("ecs_service_name", ""),),
    "availability_zone_id": (("ecs_availability_zone_id", ""),),
    "log_group": (("ecs_log_group", ""),),
    "log_stream": (("ecs_log_stream", ""),),
}
STYLE_KEYS: dict[str, StyleKeys] = {
    "otel": OTEL_KEYS,
    "elastic": ELASTIC_KEYS,
    "datadog": DATADOG_KEYS,
}
CONSTANTS: dict[str, dict[str, str]] = {
    "otel": {"cloud.provider": "aws", "cloud.platform": "aws_ecs"},
    "elastic": {
        "cloud.provider": "aws",
        "orchestrator.type": "ecs",
        "orchestrator.resource.type": "task",
    },
    "datadog": {},
}


def _held(what: str, value: str) -> Any:
    """What a key holds of its field's value in the samples, shaped as JSON shows it (the
    one-element tuples as lists). The samples share their cluster, image and log group."""
    held: dict[str, Any] = {
        "": value,
        "lower": value.lower(),
        "task_id": value.rsplit("/", 1)[-1],
        "cluster_arn": CLUSTER_ARN,
        "image_name": IMAGE_NAME,
        "image_tag": IMAGE_TAG,
        "image_tags": [IMAGE_TAG],
        "list": [value],
        "group_arns": [LOG_GROUP_ARN],
        "stream_arns": [f"{LOG_GROUP_ARN}:log-stream:{value}"],
    }
    return held[what]


def fields_from(
    values: dict[str, str], style: str = "flat", nested_key: str = "ecs"
) -> dict[str, Any]:
    """The keys a record gets from these field values in this style (PRODUCT.md's table)."""
    if style == "flat":
        return {FLAT_KEYS[field]: value for field, value in values.items()}
    if style == "nested":
        return {nested_key: {FLAT_KEYS[f].removeprefix("ecs_"): v for f, v in values.items()}}
    out: dict[str, Any] = dict(CONSTANTS[style])
    for field, value in values.items():
        for key, what in STYLE_KEYS[style].get(field, ()):
            out[key] = _held(what, value)
    return out if len(out) > len(CONSTANTS[style]) else {}


def expected_fields(
    launch_type: str, style: str = "flat", group: str = "default"
) -> dict[str, Any]:
    """What a record gets from the mock's sample of this launch type (a field the sample
    does not give is absent)."""
    names = DEFAULT_GROUP if group == "default" else ALL_GROUP
    values = SAMPLE_VALUES[launch_type]
    return fields_from({name: values[name] for name in names if name in values}, style)


# -- endpoints -----------------------------------------------------------------------------------


ENDPOINT = "/v4/own-container"


def own_container(task: dict[str, Any]) -> dict[str, Any]:
    """The first NORMAL container of a task: "this" container."""
    return next(c for c in task["Containers"] if c["Type"] == "NORMAL")


def serve_task(server: LoopbackServer, task: dict[str, Any]) -> None:
    """Answer the v4 routes under `ENDPOINT` with this task and its first NORMAL container."""
    plain = {k: v for k, v in task.items() if k not in ("TaskTags", "ContainerInstanceTags")}
    server.route(ENDPOINT + "/task", Reply(200, plain))
    server.route(ENDPOINT + "/taskWithTags", Reply(200, task))
    server.route(ENDPOINT, Reply(200, own_container(task)))


def serve_fault(server: LoopbackServer, answer: Reply) -> None:
    """Answer every v4 route under `ENDPOINT` so."""
    for suffix in ("/task", "/taskWithTags", ""):
        server.route(ENDPOINT + suffix, answer)


def v4_uri(server: LoopbackServer) -> str:
    """The value of ``ECS_CONTAINER_METADATA_URI_V4`` for a loopback server."""
    return server.url + ENDPOINT


def other_task() -> dict[str, Any]:
    """A task whose every default field differs from the EC2 sample's."""
    task = copy.deepcopy(sample_task("EC2"))
    task.update(
        Cluster="billing-cluster",
        TaskARN="arn:aws:ecs:us-west-2:210987654321:task/billing-cluster/0123456789abcdef0123",
        Family="billing-worker",
        Revision="42",
        AvailabilityZone="us-west-2c",
    )
    own_container(task)["Name"] = "billing-worker"
    return task


OTHER_TASK_FIELDS = {
    "ecs_cluster": "billing-cluster",
    "ecs_task_arn": "arn:aws:ecs:us-west-2:210987654321:task/billing-cluster/0123456789abcdef0123",
    "ecs_task_family": "billing-worker",
    "ecs_task_revision": "42",
    "ecs_availability_zone": "us-west-2c",
    "ecs_container_name": "billing-worker",
}


class FlippingTask:
    """Loopback v4 routes whose task flips between two at every fetch.

    A fetch asks ``/task`` and the container route, one after the other or at once (either
    may come first), and fetches are made one at a time: each pair of requests answers one
    task, so the endpoint itself never mixes the two.
    """

    def __init__(
        self, server: LoopbackServer, first: dict[str, Any], second: dict[str, Any]
    ) -> None:
        self._tasks = (first, second)
        self._requests = 0
        self._lock = threading.Lock()
        server.route(ENDPOINT + "/task", self._task)
        server.route(ENDPOINT, self._container)

    def _current(self) -> dict[str, Any]:
        """The task of this fetch: the first two requests answer the second task, the next
        two the first, and so on."""
        with self._lock:
            self._requests += 1
            return self._tasks[((self._requests + 1) // 2) % 2]

    def _task(self) -> Reply:
        return Reply(200, self._current())

    def _container(self) -> Reply:
        return Reply(200, own_container(self._current()))
