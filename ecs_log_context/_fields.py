"""The fields a record gets: built once per fetch, per style and field set, never per record."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from ._settings import FieldSettings
from ._text import escape

if TYPE_CHECKING:
    from .models import ContainerMetadata, TaskMetadata

__all__ = ["FLAT_KEYS", "OTEL_KEYS", "build_fields", "field_keys"]

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
    "task_definition": "ecs_task_definition",
    "service_name": "ecs_service_name",
    "log_group": "ecs_log_group",
    "log_stream": "ecs_log_stream",
}
OTEL_KEYS = {
    "cluster": "aws.ecs.cluster.arn",
    "task_arn": "aws.ecs.task.arn",
    "family": "aws.ecs.task.family",
    "revision": "aws.ecs.task.revision",
    "availability_zone": "cloud.availability_zone",
    "container_name": "container.name",
    "task_id": "aws.ecs.task.id",
    "container_id": "container.id",
    "region": "cloud.region",
    "account_id": "cloud.account.id",
    "launch_type": "aws.ecs.launchtype",
    "container_arn": "aws.ecs.container.arn",
    "image": "container.image.name",
    "log_group": "aws.log.group.names",
    "log_stream": "aws.log.stream.names",
}
OTEL_CONSTANTS = {"cloud.provider": "aws", "cloud.platform": "aws_ecs"}
NESTED_KEY = "ecs"

# Metadata is text from outside: _text.escape writes controls (a newline in a task tag, say),
# line separators, bidirectional and zero-width characters and lone surrogates as escapes, so
# that a plain-text log line stays one line and shows what it holds.
MAX_VALUE_LENGTH = 2048


def _clean(value: object) -> str | None:
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE_LENGTH:
        return None
    return escape(value)


def _log_option(container: ContainerMetadata | None, name: str) -> str | None:
    if container is None:
        return None
    return container.log_options.get(name)


def _values(
    task: TaskMetadata, container: ContainerMetadata | None, style: str
) -> dict[str, Callable[[], object]]:
    from . import _arn as arn  # only a fetch needs it: keeps the package import light

    task_arn = task.task_arn or ""

    def cluster() -> str | None:
        if not task.cluster:
            return None
        if style == "otel":
            return arn.cluster_arn(task.cluster, task_arn)
        return arn.cluster_short_name(task.cluster)

    def task_definition() -> str | None:
        if task.family and task.revision:
            return f"{task.family}:{task.revision}"
        return None

    def launch_type() -> str | None:
        if task.launch_type and style == "otel":
            return task.launch_type.lower()
        return task.launch_type

    return {
        "cluster": cluster,
        "task_arn": lambda: task.task_arn,
        "family": lambda: task.family,
        "revision": lambda: task.revision,
        "availability_zone": lambda: task.availability_zone,
        "container_name": lambda: container.name if container else None,
        "task_id": lambda: arn.task_id(task_arn),
        "container_id": lambda: container.docker_id if container else None,
        "region": lambda: arn.region(task_arn),
        "account_id": lambda: arn.account_id(task_arn),
        "launch_type": launch_type,
        "container_arn": lambda: container.container_arn if container else None,
        "image": lambda: container.image if container else None,
        "task_definition": task_definition,
        "service_name": lambda: task.service_name,
        "log_group": lambda: _log_option(container, "awslogs-group"),
        "log_stream": lambda: _log_option(container, "awslogs-stream"),
    }


def _selected(settings: FieldSettings) -> Iterator[str]:
    yield from settings.fields
    # The semantic conventions require aws.ecs.task.id wherever aws.ecs.task.arn is.
    if (
        settings.style == "otel"
        and "task_arn" in settings.fields
        and "task_id" not in settings.fields
    ):
        yield "task_id"


def _key(field: str, settings: FieldSettings) -> str | None:
    renamed = dict(settings.keys).get(field)
    if renamed:
        return renamed
    if settings.style == "otel":
        return OTEL_KEYS.get(field)
    key = FLAT_KEYS[field]
    return key.removeprefix("ecs_") if settings.style == "nested" else key


def _tag_key(tag: str, style: str) -> str:
    if style == "otel":
        return f"aws.ecs.task.tag.{tag}"
    return f"tag_{tag}" if style == "nested" else f"ecs_tag_{tag}"


def field_keys(settings: FieldSettings) -> list[str]:
    """Every key the settings can produce (at the top level, or inside ``ecs`` if nested).

    Task tags asked for with ``*`` are not known before a fetch and are left out.
    """
    keys = list(OTEL_CONSTANTS) if settings.style == "otel" else []
    keys += [key for field in _selected(settings) if (key := _key(field, settings))]
    keys += [_tag_key(tag, settings.style) for tag in settings.tags if tag != "*"]
    return keys


def build_fields(
    task: TaskMetadata,
    container: ContainerMetadata | None,
    settings: FieldSettings,
    *,
    tags: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """The keys to add to every record, from one fetched task and container.

    A value that is unknown (missing, empty, not text or unreasonably long) is left out.

    Args:
        task: the task's metadata.
        container: this container's metadata, or None when unknown.
        settings: which fields, in which style, under which names, with which tags.
        tags: the task's tags (default: the task's own ``TaskTags``, from taskWithTags).

    Values that are lists in the OpenTelemetry conventions are tuples: every record shares
    them, so they must refuse in-place edits.
    """
    values = _values(task, container, settings.style)
    out: dict[str, object] = {}
    for field in _selected(settings):
        key = _key(field, settings)
        value = _clean(values[field]())
        if key is None or value is None:
            continue
        if settings.style == "otel" and field in ("log_group", "log_stream"):
            out[key] = (value,)
        else:
            out[key] = value
    if settings.tags:
        wanted = None if settings.tags == ("*",) else set(settings.tags)
        for tag, tag_value in (task.task_tags if tags is None else tags).items():
            clean_tag, clean_value = _clean(tag), _clean(tag_value)
            if clean_tag and clean_value and (wanted is None or tag in wanted):
                out[_tag_key(clean_tag, settings.style)] = clean_value
    if not out:
        return out
    if settings.style == "otel":
        return {**OTEL_CONSTANTS, **out}
    if settings.style == "nested":
        return {NESTED_KEY: out}
    return out
