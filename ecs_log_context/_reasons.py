"""Why a field or a tag that was asked for is not added: one sentence each.

Users ask "why is ``ecs_service_name`` not on my records?" inside a task, where the answer
depends on the source (v2, v3 and the metadata file lack what v4 added), on the platform
(the zone only on newer Fargate platforms), on the task (no service, no such tag), on the
agent (its own tag error) and on what this process could tell (its own container). `show`
prints these sentences, `EcsContext.status()` carries them, and the library says them once.

The facts stated are the ones of ``spec/ENDPOINTS.md`` and the AWS v2 documentation; where
they do not say (which agent version started to give ``AvailabilityZoneID``), neither do
these sentences.

Pure functions, no I/O, and nothing here raises: a reason that cannot be worked out is a
plain "not added".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._fields import MAX_VALUE_LENGTH, TAG_PREFIXES, _selected_keys, build_fields
from ._text import escape, printable

if TYPE_CHECKING:
    from ._settings import FieldSettings
    from .models import ContainerMetadata, TaskMetadata

__all__ = ["ALL_TAGS", "NOT_FETCHED", "TAG_PREFIX", "missing_reasons", "said_with_a_part"]

TAG_PREFIX = "tag:"
"""A tag's entry in a ``missing`` mapping is ``tag:<tag key>``; a field's is its name."""

ALL_TAGS = "tag:*"
"""The entry when every tag was asked for (``*``) and the source can give none (the file)."""

NOT_FETCHED = "the task's tags are not fetched yet"
"""A tag's reason between the fields' answer and the tags' answer: not said, not final."""

_V4_SINCE = "agent 1.39 or later, Fargate platform version 1.4 or later"
_SOURCES = {
    "v4": "the v4 endpoint's metadata",
    "v3": "the v3 endpoint's metadata",
    "v2": "the v2 endpoint's metadata",
    "file": "the container metadata file",
}
# The metadata file names some keys its own way.
_FILE_KEYS = {
    "Family": "TaskDefinitionFamily",
    "Revision": "TaskDefinitionRevision",
    "Name": "ContainerName",
    "DockerId": "ContainerID",
    "Image": "ImageName",
}

_TaskGetter = Callable[["TaskMetadata"], object]
_ContainerGetter = Callable[["ContainerMetadata"], object]

# Fields read as they are from one key of the task, or of this container.
_TASK_KEYS: dict[str, tuple[str, _TaskGetter]] = {
    "cluster": ("Cluster", lambda t: t.cluster),
    "task_arn": ("TaskARN", lambda t: t.task_arn),
    "family": ("Family", lambda t: t.family),
    "revision": ("Revision", lambda t: t.revision),
    "availability_zone": ("AvailabilityZone", lambda t: t.availability_zone),
    "availability_zone_id": ("AvailabilityZoneID", lambda t: t.availability_zone_id),
    "launch_type": ("LaunchType", lambda t: t.launch_type),
    "service_name": ("ServiceName", lambda t: t.service_name),
}
_CONTAINER_KEYS: dict[str, tuple[str, _ContainerGetter]] = {
    "container_name": ("Name", lambda c: c.name),
    "container_id": ("DockerId", lambda c: c.docker_id),
    "image": ("Image", lambda c: c.image),
    "image_digest": ("ImageID", lambda c: c.image_id),
    "container_arn": ("ContainerARN", lambda c: c.container_arn),
}
_LOG_OPTIONS = {"log_group": "awslogs-group", "log_stream": "awslogs-stream"}
_CONTAINER_FIELDS = frozenset(_CONTAINER_KEYS) | frozenset(_LOG_OPTIONS)
# What version 4 added (spec/ENDPOINTS.md, "Fields: v4 over v2").
_V4_ONLY = frozenset(
    {"launch_type", "service_name", "availability_zone_id", "container_arn", *_LOG_OPTIONS}
)

_V4_KEYS = {"container_arn": "ContainerARN", "log_group": "LogOptions", "log_stream": "LogOptions"}

_UNKNOWN_CONTAINER_V2 = (
    "the own container is not known: set ECS_LOG_CONTEXT_CONTAINER_NAME to this container's "
    "name (see 'container')"
)
_UNKNOWN_CONTAINER = (
    "this container's metadata could not be read (see 'container'); it is asked again"
)


def missing_reasons(
    task: TaskMetadata,
    container: ContainerMetadata | None,
    settings: FieldSettings,
    *,
    source_kind: str,
    part_missing: Mapping[str, str],
    tags: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """For each field and tag of `settings` that `build_fields` does not add, why.

    Args:
        task: the task's metadata.
        container: this container's, or None where it cannot be told.
        settings: the fields, style, renames and tags asked for.
        source_kind: ``v4``, ``v3``, ``v2`` or ``file``: what the metadata came from.
        part_missing: the parts of the snapshot that could not be had (``container``,
            ``tags``) with their reasons (`Snapshot.missing`).
        tags: the task's tags as fetched from taskWithTags; None when they were not (then
            ``part_missing`` says why, or they are not fetched yet).

    Returns:
        Field name (``service_name``) or ``tag:<key>`` (``tag:team``) to one sentence, in the
        order asked. With ``*``, tags get no entry each: the ``tags`` part says why none
        came, and the file, which has none, gives ``tag:*``.
    """
    try:
        built = build_fields(task, container, settings, tags=tags)
    except Exception:  # noqa: BLE001 -- a diagnostic never raises; nothing was built
        built = {}
    added = built.get(settings.nested_key, {}) if settings.style == "nested" else built
    if not isinstance(added, Mapping):
        added = {}
    asked = _Asked(
        task=task,
        container=container,
        settings=settings,
        kind=source_kind,
        where=_SOURCES.get(source_kind, "the metadata"),
        part_missing=part_missing,
        tags=tags,
    )
    reasons: dict[str, str] = {}
    for field in settings.fields:
        keys = [key.name for key in _selected_keys(settings._replace(fields=(field,)))]
        if keys and any(key in added for key in keys):
            continue
        try:
            reasons[field] = asked.field(field, keys)
        except Exception:  # noqa: BLE001 -- a diagnostic never raises
            reasons[field] = "not added"
    if settings.tags == ("*",):
        if source_kind == "file":
            reasons[ALL_TAGS] = _FILE_HAS_NO_TAGS
        return reasons
    prefix = TAG_PREFIXES[settings.style]
    for tag in settings.tags:
        key = prefix + escape(tag)
        if key in added:
            continue
        try:
            reasons[TAG_PREFIX + tag] = asked.tag(tag, key)
        except Exception:  # noqa: BLE001 -- a diagnostic never raises
            reasons[TAG_PREFIX + tag] = "not added"
    return reasons


def said_with_a_part(reason: str, part_missing: Mapping[str, str]) -> bool:
    """Whether `reason` only repeats what a part's own reason says (the part is told once,
    at WARNING: its fields and tags need not be told again), or is not final yet."""
    return (
        reason in (_UNKNOWN_CONTAINER_V2, _UNKNOWN_CONTAINER, NOT_FETCHED)
        or reason in part_missing.values()
    )


_FILE_HAS_NO_TAGS = (
    "the container metadata file has no task tags: the v2, v3 and v4 endpoints give them "
    "(taskWithTags)"
)


@dataclass(frozen=True)
class _Asked:
    """One snapshot and one set of field settings: the reasons of what they do not add."""

    task: TaskMetadata
    container: ContainerMetadata | None
    settings: FieldSettings
    kind: str
    where: str
    part_missing: Mapping[str, str]
    tags: Mapping[str, str] | None

    def field(self, field: str, keys: list[str]) -> str:
        """Why `field` (whose keys in this style are `keys`) is not added."""
        if not keys:
            style = self.settings.style
            if field == "cluster_arn" and style == "otel":
                return (
                    "the otel style has no key of its own for it: its cluster key, "
                    "aws.ecs.cluster.arn, is the cluster's ARN"
                )
            return (
                f"the {style} style has no key for it "
                f"(give it one: ECS_LOG_CONTEXT_KEYS={field}=<key>)"
            )
        said: str | None = None
        if field in _CONTAINER_FIELDS:
            container = self.container
            if container is None:
                if field in _V4_ONLY and self.kind != "v4":  # knowing it would not help
                    return self._absent(field, _V4_KEYS[field], "this container's")
                return self._unknown_container()
            if field in _LOG_OPTIONS:
                return self._log_option(field, container)
            key, get = _CONTAINER_KEYS[field]
            said = self._raw(field, key, get(container), "this container's")
        elif field in _TASK_KEYS:
            key, get_task = _TASK_KEYS[field]
            said = self._raw(field, key, get_task(self.task), "the task's")
        return said or self._derived(field, keys)

    def _unknown_container(self) -> str:
        if self.kind == "v2":
            return _UNKNOWN_CONTAINER_V2
        if "container" in self.part_missing:
            return _UNKNOWN_CONTAINER
        return f"this container is not in {self.where}"

    def _shown(self, key: str) -> str:
        return _FILE_KEYS.get(key, key) if self.kind == "file" else key

    def _raw(self, field: str, key: str, value: object, whose: str) -> str | None:
        """Why one key's value is not used (None: the value is fine, the cause is elsewhere)."""
        if value is None:
            return self._absent(field, key, whose)
        if not isinstance(value, str):
            return f"{whose} {self._shown(key)} is not text"
        if not value:
            return f"{whose} {self._shown(key)} is empty in {self.where}"
        if len(value) > MAX_VALUE_LENGTH:
            return f"{whose} {self._shown(key)} is over {MAX_VALUE_LENGTH} characters: left out"
        return None

    def _absent(self, field: str, key: str, whose: str) -> str:
        """A key that the metadata does not have: which source, platform or task has it."""
        if field in _V4_ONLY and self.kind != "v4":
            return f"not in {self.where}: only the v4 endpoint gives {key} ({_V4_SINCE})"
        if field == "availability_zone" and self.kind != "file":
            return (
                "not in this task's metadata (no AvailabilityZone): on Fargate it needs "
                "platform version 1.4 or later (Linux) or 1.0.0 or later (Windows)"
            )
        if field == "service_name":
            return (
                "not in this task's metadata (no ServiceName): the task was not started by an "
                "ECS service, or the agent does not report it"
            )
        if field == "availability_zone_id":
            return (
                "not in this task's metadata (no AvailabilityZoneID): only the v4 endpoint "
                "gives it, and not every agent version does"
            )
        return f"not in {self.where}: {whose} {self._shown(key)} is missing"

    def _log_option(self, field: str, container: ContainerMetadata) -> str:
        option = _LOG_OPTIONS[field]
        if self.kind != "v4":
            return self._absent(field, "LogOptions", "this container's")
        driver = container.log_driver
        if driver and driver != "awslogs":
            return (
                f"this container logs with the {printable(driver, 60)} driver: only awslogs "
                "has a log group and stream"
            )
        options = container.log_options
        if not options:
            return (
                "this container's metadata has no LogOptions: the log group and stream are "
                "the awslogs driver's options"
            )
        if option not in options:
            return f"this container's awslogs options have no {option}"
        said = self._raw(field, option, options[option], "the awslogs option")
        return said or self._derived(field, [option])

    def _derived(self, field: str, keys: list[str]) -> str:  # noqa: PLR0911 -- one per cause
        """A field (or a style's key) built from others: which of them is lacking."""
        from . import _arn as arn

        task = self.task
        task_arn = task.task_arn or ""
        parsed = arn.parse_arn(task_arn)
        shown_arn = printable(task_arn, 120)
        values = {key.value for key in _selected_keys(self.settings._replace(fields=(field,)))}
        if "task_id" in values and arn.task_id(task_arn) is None:
            return f"the task ARN ({shown_arn}) is not an ECS task ARN to read the task id from"
        if "region" in values:
            return f"the task ARN ({shown_arn}) gives no region, and AWS_REGION is not set"
        if "account_id" in values:
            return f"the task ARN ({shown_arn}) gives no account id"
        if values & {"task_definition", "task_definition_arn"}:
            parts = (("Family", task.family), ("Revision", task.revision))
            lacking = [name for name, value in parts if not value]
            if lacking:
                return (
                    f"built from Family and Revision, and {self.where} has no "
                    f"{self._shown(lacking[0])}"
                )
            if "task_definition_arn" in values:
                return (
                    "built from the task ARN's partition, region and account, which the task "
                    f"ARN ({shown_arn}) does not give"
                )
        if "cluster_arn" in values:
            cluster = task.cluster or ""
            if arn.parse_arn(cluster) is not None:
                return (
                    f"the Cluster ({printable(cluster, 120)}) is an ARN, but not an ECS cluster's"
                )
            if parsed is None or not parsed.region or not parsed.account_id:
                return (
                    "built from the cluster name and the task ARN's region and account, which "
                    f"the task ARN ({shown_arn}) does not give"
                )
            return f"the Cluster ({printable(cluster, 120)}) is not a cluster name"
        if values & {"image_name", "image_tag"} and self.container is not None:
            image = printable(self.container.image or "", 120)
            return f"the image reference ({image}) cannot be read"
        return f"not added: its key ({keys[0]}) sits inside another key of the record"

    def tag(self, tag: str, key: str) -> str:  # noqa: PLR0911 -- one answer per cause
        """Why the task tag `tag` (whose key would be `key`) is not added."""
        if self.kind == "file":
            return _FILE_HAS_NO_TAGS
        if "tags" in self.part_missing:
            return self.part_missing["tags"]
        task = self.task
        if self.tags is None and not task.task_tags:
            return NOT_FETCHED
        have = task.task_tags if self.tags is None else self.tags
        shown = printable(tag, 80)
        if tag in have:
            value = have[tag]
            if not isinstance(value, str) or not value:
                return f"the task's tag {shown!r} has an empty value"
            if len(value) > MAX_VALUE_LENGTH:
                return f"the task's tag {shown!r} is over {MAX_VALUE_LENGTH} characters: left out"
            return (
                f"its key ({printable(key, 80)}) is taken: a field's key or a LogRecord "
                "attribute keeps it, or another key of the record holds it"
            )
        near = [other for other in have if other.lower() == tag.lower()]
        if near:
            return (
                f"the task has no tag {shown!r}: tag keys are case-sensitive, and it has "
                f"{printable(near[0], 80)!r}"
            )
        if tag in task.container_instance_tags:
            return (
                f"{shown!r} is a tag of the container instance, not of the task: only task tags "
                "are added"
            )
        if not have:
            return f"the task has no tag {shown!r} (it has no tags)"
        listed = ", ".join(printable(other, 40) for other in list(have)[:10])
        more = ", ..." if len(have) > 10 else ""
        return f"the task has no tag {shown!r} (its tags: {listed}{more})"
