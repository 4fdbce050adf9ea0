"""The fields a record gets: built once per fetch, per style and field set, never per record.

One table says it all: for each style, each field gives one key or a few (the ``otel``
``image`` gives ``container.image.name`` and ``container.image.tags``), each key one value
of the task. The README's field table is generated from it (``tests/test_readme.py`` checks
that they agree).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

from ._settings import FieldSettings
from ._text import escape
from .errors import ConfigurationError

if TYPE_CHECKING:
    from .models import ContainerMetadata, TaskMetadata

__all__ = [
    "CONSTANTS",
    "STYLE_KEYS",
    "Key",
    "build_fields",
    "check_keys",
    "field_keys",
    "prefixes",
]


# One key a field gives in one style: its name, the value it holds, and whether that value is
# a one-element list (as the conventions want for images' tags and log groups). Declared by
# call, not as a class: under postponed annotations, a NamedTuple class compiles each field's
# annotation string at import (~4 ms, the first one in a process).
Key = NamedTuple("Key", [("name", str), ("value", str), ("listed", bool)])  # noqa: UP014


def _keys(*pairs: str, listed: tuple[str, ...] = ()) -> tuple[Key, ...]:
    """``_keys("key", "value", "key2", "value2")``: the keys of one field, in order."""
    names, values = pairs[::2], pairs[1::2]
    return tuple(
        Key(name, value, name in listed) for name, value in zip(names, values, strict=True)
    )


# The flat style, from which nested (without ``ecs_``) and the shell names of `env` come.
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
_FLAT = {field: _keys(key, field) for field, key in FLAT_KEYS.items()}

STYLE_KEYS: dict[str, dict[str, tuple[Key, ...]]] = {
    "flat": _FLAT,
    "nested": {field: _keys(key.removeprefix("ecs_"), field) for field, key in FLAT_KEYS.items()},
    "otel": {
        "cluster": _keys("aws.ecs.cluster.arn", "cluster_arn"),
        # The conventions require aws.ecs.task.id wherever aws.ecs.task.arn is.
        "task_arn": _keys("aws.ecs.task.arn", "task_arn", "aws.ecs.task.id", "task_id"),
        "family": _keys("aws.ecs.task.family", "family"),
        "revision": _keys("aws.ecs.task.revision", "revision"),
        "availability_zone": _keys("cloud.availability_zone", "availability_zone"),
        "container_name": _keys("container.name", "container_name"),
        "task_id": _keys("aws.ecs.task.id", "task_id"),
        "container_id": _keys("container.id", "container_id"),
        "region": _keys("cloud.region", "region"),
        "account_id": _keys("cloud.account.id", "account_id"),
        "launch_type": _keys("aws.ecs.launchtype", "launch_type_lower"),
        # cloud.resource_id: the container's ARN, as the Go, Java and JavaScript detectors.
        "container_arn": _keys(
            "aws.ecs.container.arn", "container_arn", "cloud.resource_id", "container_arn"
        ),
        "image": _keys(
            "container.image.name",
            "image_name",
            "container.image.tags",
            "image_tag",
            listed=("container.image.tags",),
        ),
        "image_digest": _keys("container.image.id", "image_digest"),
        "service_name": _keys("aws.ecs.service.name", "service_name"),
        "log_group": _keys(
            "aws.log.group.names",
            "log_group",
            "aws.log.group.arns",
            "log_group_arn",
            listed=("aws.log.group.names", "aws.log.group.arns"),
        ),
        "log_stream": _keys(
            "aws.log.stream.names",
            "log_stream",
            "aws.log.stream.arns",
            "log_stream_arn",
            listed=("aws.log.stream.names", "aws.log.stream.arns"),
        ),
    },
    "elastic": {
        "cluster": _keys("orchestrator.cluster.name", "cluster"),
        "task_arn": _keys("orchestrator.resource.id", "task_arn"),
        "family": _keys("aws.ecs.task.family", "family"),
        "revision": _keys("aws.ecs.task.revision", "revision"),
        "availability_zone": _keys("cloud.availability_zone", "availability_zone"),
        "container_name": _keys("container.name", "container_name"),
        "task_id": _keys("orchestrator.resource.name", "task_id"),
        "container_id": _keys("container.id", "container_id"),
        "region": _keys("cloud.region", "region"),
        "account_id": _keys("cloud.account.id", "account_id"),
        "launch_type": _keys("aws.ecs.launchtype", "launch_type_lower"),
        "container_arn": _keys("aws.ecs.container.arn", "container_arn"),
        "image": _keys(
            "container.image.name",
            "image_name",
            "container.image.tag",
            "image_tag",
            listed=("container.image.tag",),
        ),
        "image_digest": _keys(
            "container.image.hash.all", "image_digest", listed=("container.image.hash.all",)
        ),
        "cluster_arn": _keys("orchestrator.cluster.id", "cluster_arn"),
        "service_name": _keys("aws.ecs.service.name", "service_name"),
        "log_group": _keys("aws.cloudwatch.log_group", "log_group"),
        "log_stream": _keys("aws.cloudwatch.log_stream", "log_stream"),
    },
    # The names the Datadog agent tags ECS telemetry with.
    "datadog": {
        "cluster": _keys("ecs_cluster_name", "cluster"),
        "task_arn": _keys("task_arn", "task_arn"),
        "family": _keys("task_family", "family"),
        "revision": _keys("task_version", "revision"),
        "availability_zone": _keys("availability_zone", "availability_zone"),
        "container_name": _keys("ecs_container_name", "container_name"),
        "task_id": _keys("task_id", "task_id"),
        "container_id": _keys("container_id", "container_id"),
        "region": _keys("region", "region"),
        "account_id": _keys("aws_account", "account_id"),
        "launch_type": _keys("ecs_launch_type", "launch_type"),
        "container_arn": _keys("ecs_container_arn", "container_arn"),
        "image": _keys(
            "docker_image", "image", "image_name", "image_name", "image_tag", "image_tag"
        ),
        "image_digest": _keys("image_id", "image_digest"),
        "task_definition": _keys("ecs_task_definition", "task_definition"),
        "task_definition_arn": _keys("task_definition_arn", "task_definition_arn"),
        "cluster_arn": _keys("ecs_cluster_arn", "cluster_arn"),
        "service_name": _keys("ecs_service_name", "service_name"),
        "availability_zone_id": _keys("ecs_availability_zone_id", "availability_zone_id"),
        "log_group": _keys("ecs_log_group", "log_group"),
        "log_stream": _keys("ecs_log_stream", "log_stream"),
    },
}
"""Style -> field -> its keys. A field a style leaves out has no entry (or a rename)."""

CONSTANTS: dict[str, dict[str, str]] = {
    "otel": {"cloud.provider": "aws", "cloud.platform": "aws_ecs"},
    "elastic": {
        "cloud.provider": "aws",
        "orchestrator.type": "ecs",
        "orchestrator.resource.type": "task",
    },
}
"""What a style adds with the fields, whatever the task."""

TAG_PREFIXES = {
    "flat": "ecs_tag_",
    "nested": "tag_",
    "otel": "aws.ecs.task.tag.",
    "elastic": "aws.ecs.task.tag.",
    "datadog": "",  # as the Datadog agent tags them
}
"""The key of a task tag is this and the tag's own key."""

# Metadata is text from outside: _text.escape writes controls (a newline in a task tag, say),
# line separators, bidirectional and zero-width characters and lone surrogates as escapes, so
# that a plain-text log line stays one line and shows what it holds.
MAX_VALUE_LENGTH = 2048


def _clean(value: object) -> str | None:
    if not isinstance(value, str) or not value or len(value) > MAX_VALUE_LENGTH:
        return None
    return escape(value)


def _values(
    task: TaskMetadata, container: ContainerMetadata | None, fallback_region: str | None
) -> dict[str, Callable[[], str | None]]:
    """Every value a key can hold, by name, each computed only if a key asks for it."""
    # Only a fetch needs these: keeps the package import light.
    from . import _arn as arn
    from ._image import parse_image

    task_arn = task.task_arn or ""
    parsed = arn.parse_arn(task_arn)
    partition = parsed.partition if parsed is not None else None
    account = arn.account_id(task_arn)
    options = container.log_options if container is not None else {}
    image = parse_image(container.image) if container is not None and container.image else None

    def cluster_arn() -> str | None:
        return arn.cluster_arn(task.cluster, task_arn) if task.cluster else None

    def task_definition_arn() -> str | None:
        if not (parsed and parsed.region and account and task.family and task.revision):
            return None
        return (
            f"arn:{partition}:ecs:{parsed.region}:{account}"
            f":task-definition/{task.family}:{task.revision}"
        )

    def log_group_arn() -> str | None:
        group = options.get("awslogs-group")
        log_region = options.get("awslogs-region") or (parsed.region if parsed else None)
        if not (group and log_region and partition and account):
            return None
        return f"arn:{partition}:logs:{log_region}:{account}:log-group:{group}"

    def log_stream_arn() -> str | None:
        group_arn, stream = log_group_arn(), options.get("awslogs-stream")
        return f"{group_arn}:log-stream:{stream}" if group_arn and stream else None

    return {
        "cluster": lambda: arn.cluster_short_name(task.cluster) if task.cluster else None,
        "cluster_arn": cluster_arn,
        "task_arn": lambda: task.task_arn,
        "task_id": lambda: arn.task_id(task_arn),
        "family": lambda: task.family,
        "revision": lambda: task.revision,
        "availability_zone": lambda: task.availability_zone,
        "availability_zone_id": lambda: task.availability_zone_id,
        "container_name": lambda: container.name if container else None,
        "container_id": lambda: container.docker_id if container else None,
        "region": lambda: arn.region(task_arn) or fallback_region,
        "account_id": lambda: account,
        "launch_type": lambda: task.launch_type,
        "launch_type_lower": lambda: task.launch_type.lower() if task.launch_type else None,
        "container_arn": lambda: container.container_arn if container else None,
        "image": lambda: container.image if container else None,
        "image_name": lambda: image.name if image else None,
        "image_tag": lambda: image.tag if image else None,
        "image_digest": lambda: container.image_id if container else None,
        "task_definition": lambda: (
            f"{task.family}:{task.revision}" if task.family and task.revision else None
        ),
        "task_definition_arn": task_definition_arn,
        "service_name": lambda: task.service_name,
        "log_group": lambda: options.get("awslogs-group"),
        "log_stream": lambda: options.get("awslogs-stream"),
        "log_group_arn": log_group_arn,
        "log_stream_arn": log_stream_arn,
    }


def _selected_keys(settings: FieldSettings) -> Iterator[Key]:
    """The keys of the fields asked for, renames applied, in the table's order.

    A rename names the field's first key (``image=img`` under ``datadog``: ``img`` for the
    whole reference, ``image_name`` and ``image_tag`` as they were); a renamed field that the
    style leaves out gets its flat value under the new key.
    """
    renames = dict(settings.keys)
    table = STYLE_KEYS[settings.style]
    for field in settings.fields:
        keys = table.get(field, ())
        if field in renames:
            first = keys[0] if keys else _FLAT[field][0]
            yield first._replace(name=renames[field])
            yield from keys[1:]
        else:
            yield from keys


def field_keys(settings: FieldSettings) -> list[str]:
    """Every key the settings can produce (at the top level, or inside the nested key).

    Task tags asked for with ``*`` are not known before a fetch and are left out.
    """
    keys = list(CONSTANTS.get(settings.style, ()))
    keys += [key.name for key in _selected_keys(settings)]
    prefix = TAG_PREFIXES[settings.style]
    keys += [prefix + tag for tag in settings.tags if tag != "*"]
    return list(dict.fromkeys(keys))


def prefixes(key: str) -> Iterator[str]:
    """The dotted prefixes of a key: ``a.b.c`` has ``a`` and ``a.b``."""
    end = key.find(".")
    while end > 0:
        yield key[:end]
        end = key.find(".", end + 1)


def check_keys(settings: FieldSettings, name: str) -> None:
    """Refuse renames that put one key inside another.

    A de-dotting formatter (Elastic's ecs-logging) would meet an object and a string under
    one name: ``cluster=container`` under ``otel``, next to ``container.name``. The table
    itself has no such pair (a test checks every style), so only a rename can make one.

    Raises:
        ConfigurationError: naming the option (``name``) and the two keys.
    """
    keys = set(field_keys(settings))
    for key in sorted(keys):
        clash = next((prefix for prefix in prefixes(key) if prefix in keys), None)
        if clash is not None:
            raise ConfigurationError(
                name,
                dict(settings.keys),
                f"renames that do not put one key inside another ({clash!r} and {key!r} "
                f"under the {settings.style} style)",
            )


def _tag_items(
    settings: FieldSettings, task: TaskMetadata, tags: Mapping[str, str] | None, taken: set[str]
) -> Iterator[tuple[str, str]]:
    from ._settings import _record_attributes

    wanted = None if settings.tags == ("*",) else set(settings.tags)
    prefix = TAG_PREFIXES[settings.style]
    # Without a prefix (datadog), a tag never takes a field's key or a LogRecord attribute.
    refused = taken | (_record_attributes() if not prefix else set())
    for tag, tag_value in (task.task_tags if tags is None else tags).items():
        clean_tag, clean_value = _clean(tag), _clean(tag_value)
        if not (clean_tag and clean_value and (wanted is None or tag in wanted)):
            continue
        if prefix + clean_tag not in refused:
            yield prefix + clean_tag, clean_value


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

    Values that are lists in the conventions are tuples: every record shares them, so they
    must refuse in-place edits.
    """
    values = _values(task, container, settings.fallback_region)
    out: dict[str, object] = {}
    for key in _selected_keys(settings):
        value = _clean(values[key.value]())
        if value is not None and key.name not in out:
            out[key.name] = (value,) if key.listed else value
    if settings.tags:
        out.update(_tag_items(settings, task, tags, set(out)))
    if not out:
        return out
    if settings.style == "nested":
        return {settings.nested_key: _outermost(out)}
    return _outermost({**CONSTANTS.get(settings.style, {}), **out})


def _outermost(fields: dict[str, object]) -> dict[str, object]:
    """Without the keys that sit inside another key of theirs: task tags ``team`` and
    ``team.lead`` would give a string and an object under one name to a de-dotting
    formatter. The outer key stays, as a record's own key wins over one inside it."""
    inner = [key for key in fields if any(outer in fields for outer in prefixes(key))]
    for key in inner:
        del fields[key]
    return fields
