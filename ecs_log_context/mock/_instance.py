"""The EC2 container instance a served task runs on, and what the agent answers from it.

On EC2 the agent asks ECS for the task's and the container instance's tags
(``ecs:ListTagsForResource``, with the instance role's credentials) to answer ``taskWithTags``;
when that is refused, v4 answers 200 with an ``Errors`` array and no tag maps (read from
aws/amazon-ecs-agent, ``propagateTagsToMetadata`` and ``newErrorResponse``). With
``ECS_ENABLE_CONTAINER_METADATA=true`` it also writes each container a metadata file. Neither
exists on Fargate.

A task JSON does not name its container instance: the instance's ARN, its EC2 ID and the
request IDs are derived from the task ARN, so that they stay the same from run to run.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

from .._arn import cluster_short_name, parse_arn
from ..errors import ConfigurationError
from ._task import JSONObject, go_json

__all__ = [
    "INSTANCE_ROLE",
    "TAGS_ERRORS",
    "container_instance_arn",
    "ec2_options",
    "metadata_file_document",
    "remove_metadata_file",
    "tags_errors",
    "with_tags_error",
    "write_metadata_file",
]

TAGS_ERRORS = ("access-denied",)
"""The tag errors the mock can answer: ECS refusing ``ecs:ListTagsForResource``."""

INSTANCE_ROLE = "ecsInstanceRole"
"""The container instance role's name in the errors: the one the ECS documentation creates."""

_NAMESPACE = uuid.UUID("0f7c3a52-8d1e-4b6a-9c2f-5e4d3b2a1c09")
_TAG_MAPS = ("TaskTags", "ContainerInstanceTags")


def ec2_options(
    task: JSONObject,
    launch_type: str,
    *,
    tags_error: str | None,
    metadata_file: str | os.PathLike[str] | None,
) -> tuple[JSONObject, str | None]:
    """Check the options that only an EC2 task has, and apply the tag error.

    Args:
        task: the task to serve.
        launch_type: its launch type, ``"EC2"`` or ``"FARGATE"``.
        tags_error: one of :data:`TAGS_ERRORS`, or ``None``.
        metadata_file: where to write the container metadata file, or ``None``.

    Returns:
        The task as served (:func:`with_tags_error` applied), and the file's absolute path.

    Raises:
        ConfigurationError: an unknown value, or the option on a Fargate task.
    """
    if tags_error is not None and tags_error not in TAGS_ERRORS:
        raise ConfigurationError("tags_error", tags_error, "'access-denied' or None")
    if metadata_file is not None and not isinstance(metadata_file, (str, os.PathLike)):
        raise ConfigurationError("metadata_file", metadata_file, "a file path or None")
    fargate = launch_type == "FARGATE"
    if tags_error is not None:
        if fargate:
            raise ConfigurationError(
                "tags_error",
                tags_error,
                "an EC2 task (the agent's tag errors come from the EC2 agent, which asks ECS "
                "for the tags with the container instance's role); this task is FARGATE",
            )
        task = with_tags_error(task, tags_error)
    if metadata_file is None:
        return task, None
    if fargate:
        raise ConfigurationError(
            "metadata_file",
            os.fspath(metadata_file),
            "an EC2 task (the container metadata file is written by the agent on EC2 only); "
            "this task is FARGATE",
        )
    return task, os.path.abspath(os.fspath(metadata_file))


def _derived(task_arn: str, purpose: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, f"{task_arn}#{purpose}")


def _arn_parts(task_arn: str) -> tuple[str, str, str]:
    """Partition, region and account of the task's ARN (stand-ins when it is not an ARN)."""
    parsed = parse_arn(task_arn)
    if parsed is None or not parsed.region or not parsed.account_id:
        return "aws", "us-east-1", "123456789012"
    return parsed.partition, parsed.region, parsed.account_id


def container_instance_arn(task: JSONObject) -> str:
    """The ARN of the container instance the task runs on, in the task ARN's format.

    Args:
        task: the served task.

    Returns:
        ``arn:<partition>:ecs:<region>:<account>:container-instance/<cluster>/<32 hex>`` (or
        without the cluster, as an old-format task ARN is).
    """
    task_arn = str(task["TaskARN"])
    partition, region, account = _arn_parts(task_arn)
    instance_id = _derived(task_arn, "container-instance").hex
    parsed = parse_arn(task_arn)
    new_format = parsed is not None and parsed.resource.count("/") >= 2
    cluster = cluster_short_name(str(task["Cluster"])) if new_format else ""
    resource = f"{cluster}/{instance_id}" if cluster else instance_id
    return f"arn:{partition}:ecs:{region}:{account}:container-instance/{resource}"


def tags_errors(task: JSONObject, kind: str) -> list[JSONObject]:
    """The ``Errors`` array v4's ``taskWithTags`` answers when the agent cannot read the tags.

    Args:
        task: the served task.
        kind: one of :data:`TAGS_ERRORS`.

    Returns:
        One error for the container instance's tags, then one for the task's, each shaped as
        the agent's ``ErrorResponse`` (its keys in its order), as the agent asks for them.
    """
    if kind not in TAGS_ERRORS:  # pragma: no cover - the callers check first
        raise ValueError(f"unknown tags error {kind!r}")
    task_arn = str(task["TaskARN"])
    partition, _, account = _arn_parts(task_arn)
    instance = "i-" + _derived(task_arn, "ec2-instance").hex[:17]
    user = f"arn:{partition}:sts::{account}:assumed-role/{INSTANCE_ROLE}/{instance}"
    resources = (
        ("ContainerInstanceTags", container_instance_arn(task)),
        ("TaskTags", task_arn),
    )
    return [
        {
            "ErrorField": field,
            "ErrorCode": "AccessDeniedException",
            "ErrorMessage": (
                f"User: {user} is not authorized to perform: ecs:ListTagsForResource "
                f"on resource: {resource}"
            ),
            "StatusCode": 400,
            "RequestId": str(_derived(task_arn, f"request:{field}")),
            "ResourceARN": resource,
        }
        for field, resource in resources
    ]


def with_tags_error(task: JSONObject, kind: str) -> JSONObject:
    """The task as served when the agent cannot read its tags: no tag maps, and ``Errors``.

    Args:
        task: the task (not changed).
        kind: one of :data:`TAGS_ERRORS`.

    Returns:
        A new dict: ``Errors`` takes the place of the first tag map (or of a former
        ``Errors``), at the end when there was none.
    """
    errors = tags_errors(task, kind)
    result: JSONObject = {}
    for key, value in task.items():
        if key in (*_TAG_MAPS, "Errors"):
            result.setdefault("Errors", errors)
        else:
            result[key] = value
    result.setdefault("Errors", errors)
    return result


def metadata_file_document(task: JSONObject, container: JSONObject) -> JSONObject:
    """The container metadata file the agent writes for a running container, once READY.

    Keys as the agent's ``metadataSerializer`` names and orders them; empty ones left out
    (Go's ``omitempty``). The host's addresses are not known from the task: they are left out,
    as the agent does when it cannot read them.

    Args:
        task: the served task.
        container: the container the file belongs to.

    Returns:
        The document.
    """
    ports = [
        {
            "ContainerPort": port.get("ContainerPort"),
            "HostPort": port.get("HostPort"),
            "BindIp": port.get("HostIp"),
            "Protocol": port.get("Protocol"),
        }
        for port in container.get("Ports") or ()
    ]
    networks = [
        {
            "NetworkMode": network.get("NetworkMode"),
            "IPv4Addresses": network.get("IPv4Addresses"),
            "IPv6Addresses": network.get("IPv6Addresses"),
        }
        for network in container.get("Networks") or ()
    ]
    docker_name = container.get("DockerName")
    document: JSONObject = {
        "Cluster": task.get("Cluster"),
        "ContainerInstanceARN": container_instance_arn(task),
        "TaskARN": task.get("TaskARN"),
        "TaskDefinitionFamily": task.get("Family"),
        "TaskDefinitionRevision": task.get("Revision"),
        "ContainerID": container.get("DockerId"),
        "ContainerName": container.get("Name"),
        # Docker's own form of the name, with its leading slash.
        "DockerContainerName": f"/{docker_name}" if docker_name else None,
        "ImageID": container.get("ImageID"),
        "ImageName": container.get("Image"),
        "PortMappings": [_without_empty(port) for port in ports],
        "Networks": [_without_empty(network) for network in networks],
        "MetadataFileStatus": "READY",
        "AvailabilityZone": task.get("AvailabilityZone"),
    }
    return _without_empty(document)


def _without_empty(value: JSONObject) -> JSONObject:
    """Go's ``omitempty``: no key for a zero value, an empty string or an empty list."""
    return {key: item for key, item in value.items() if item not in (None, "", 0, [], {})}


def write_metadata_file(path: str | Path, document: JSONObject) -> None:
    """Write the file whole, through a temporary file renamed over it: no reader sees half.

    Raises:
        OSError: the file cannot be written (its ``filename`` is set).
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(go_json(document))
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def remove_metadata_file(path: str | Path) -> None:
    """Remove the file; nothing when it is already gone."""
    with contextlib.suppress(FileNotFoundError):
        Path(path).unlink()
