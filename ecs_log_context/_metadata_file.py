"""The container metadata file the ECS agent writes on EC2 (``$ECS_CONTAINER_METADATA_FILE``).

The agent writes it when the container is created and again, complete and with
``MetadataFileStatus: READY``, once it runs. Its keys are named differently from the endpoints'
(``TaskDefinitionFamily``, ``ContainerID``, ...): they are mapped onto the same models.
"""

from __future__ import annotations

import json
import os
import stat

from .errors import InvalidMetadataError, MetadataUnavailableError
from .models import ContainerMetadata, Network, Port, TaskMetadata
from .models._reader import Reader

__all__ = ["parse_metadata_file", "read_metadata_file"]

_WHAT = "container metadata file"


def read_metadata_file(
    path: str, *, max_bytes: int = 4 * 1024 * 1024
) -> tuple[TaskMetadata, ContainerMetadata]:
    """Read and parse the container metadata file.

    Args:
        path: the file, as ``ECS_CONTAINER_METADATA_FILE`` names it.
        max_bytes: larger files are refused.

    Returns:
        The task and the container, as `parse_metadata_file` returns them.

    Raises:
        MetadataUnavailableError: the file cannot be read, or is not ready yet.
        InvalidMetadataError: the file is too large, not UTF-8 JSON, or not metadata.
    """
    try:
        # Non-blocking, and a regular file only: a FIFO or a device must not hang a fetch.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(descriptor, "rb") as file:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise MetadataUnavailableError(_WHAT, path, "is not a regular file")
            data = file.read(max_bytes + 1)
    except OSError as exc:
        raise MetadataUnavailableError(
            _WHAT, path, f"cannot be read: {exc.strerror or exc}"
        ) from exc
    if len(data) > max_bytes:
        raise InvalidMetadataError(_WHAT, path, f"larger than {max_bytes} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidMetadataError(_WHAT, path, f"not UTF-8: {exc}") from exc
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidMetadataError(_WHAT, path, f"not valid JSON: {exc}") from exc
    return parse_metadata_file(document, path=path)


def parse_metadata_file(obj: object, *, path: str) -> tuple[TaskMetadata, ContainerMetadata]:
    """Map a decoded container metadata file onto the task and container models.

    The task's ``containers`` holds the one container. Keys with no place in the models
    (``ContainerInstanceARN``, ``HostPrivateIPv4Address``, ...) are in the task's ``raw``.

    Args:
        obj: the decoded file.
        path: the file's path, for error messages.

    Returns:
        The task and the container.

    Raises:
        MetadataUnavailableError: ``MetadataFileStatus`` is not ``READY`` yet.
        InvalidMetadataError: ``obj`` is not an object, or a key holds a value of the wrong type.
    """
    r = Reader(obj, what=_WHAT, url=path)
    status = r.text("MetadataFileStatus")
    if status is None:
        raise MetadataUnavailableError(
            _WHAT,
            path,
            "not ready yet: MetadataFileStatus is missing (the agent sets it to READY once the"
            " container runs)",
        )
    if status != "READY":
        raise MetadataUnavailableError(
            _WHAT, path, f"not ready yet: MetadataFileStatus is {status!r:.60}, not 'READY'"
        )
    docker_name = r.text("DockerContainerName")
    container = ContainerMetadata(
        docker_id=r.text("ContainerID"),
        name=r.text("ContainerName"),
        # Docker's own form "/name": the endpoints' DockerName has no slash.
        docker_name=docker_name.removeprefix("/") if docker_name else docker_name,
        image=r.text("ImageName"),
        image_id=r.text("ImageID"),
        ports=r.models("PortMappings", _port_mapping),
        networks=r.models("Networks", Network._read),
    )
    task = TaskMetadata(
        cluster=r.text("Cluster"),
        task_arn=r.required_text("TaskARN"),
        family=r.text("TaskDefinitionFamily"),
        revision=r.revision("TaskDefinitionRevision"),
        availability_zone=r.text("AvailabilityZone"),
        containers=(container,),
        raw=r.rest(),
    )
    return task, container


def _port_mapping(r: Reader) -> Port:
    return Port(
        container_port=r.integer("ContainerPort"),
        protocol=r.text("Protocol"),
        host_port=r.integer("HostPort"),
        host_ip=r.text("BindIp"),
        raw=r.rest(),
    )
