"""A task: its identity, its containers, its tags and the agent's errors reading them.

The annotations are not postponed (no ``from __future__ import annotations``): `_schema`
reads each field's declaration from them, as objects.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from ._schema import Key, Model, empty
from ._values import as_revision
from .container import ClockDrift, ContainerMetadata, Limits


@dataclass(frozen=True, slots=True, kw_only=True)
class EphemeralStorageMetrics(Model):
    """Ephemeral storage of a Fargate task, in MiB."""

    utilized: Annotated[int | None, "Utilized"] = None
    reserved: Annotated[int | None, "Reserved"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentError(Model):
    """An entry of the agent's ``Errors`` (v4 taskWithTags): why some tags could not be read.

    A value, not an exception: the task was read, only the tags named by ``error_field``
    (``TaskTags`` or ``ContainerInstanceTags``) are missing.
    """

    error_field: Annotated[str | None, "ErrorField"] = None
    error_code: Annotated[str | None, "ErrorCode"] = None
    error_message: Annotated[str | None, "ErrorMessage"] = None
    status_code: Annotated[int | None, "StatusCode"] = None
    request_id: Annotated[str | None, "RequestId"] = None
    resource_arn: Annotated[str | None, "ResourceARN"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskMetadata(Model):
    """A task, as ``/v2/metadata``, ``${URI}/task`` and the ``taskWithTags`` paths answer.

    Only ``task_arn`` is required. ``cluster`` is a short name on EC2 and an ARN on Fargate.
    ``revision`` is a string, also when the document has a number. ``task_tags``,
    ``container_instance_tags`` and ``errors`` come from the taskWithTags paths.
    """

    cluster: Annotated[str | None, "Cluster"] = None
    task_arn: Annotated[str, "TaskARN"]
    family: Annotated[str | None, "Family"] = None
    revision: Annotated[str | None, Key("Revision", check=as_revision)] = None
    desired_status: Annotated[str | None, "DesiredStatus"] = None
    known_status: Annotated[str | None, "KnownStatus"] = None
    limits: Annotated[Limits | None, "Limits"] = None
    pull_started_at: Annotated[datetime | None, "PullStartedAt"] = None
    pull_stopped_at: Annotated[datetime | None, "PullStoppedAt"] = None
    execution_stopped_at: Annotated[datetime | None, "ExecutionStoppedAt"] = None
    availability_zone: Annotated[str | None, "AvailabilityZone"] = None
    availability_zone_id: Annotated[str | None, "AvailabilityZoneID"] = None
    launch_type: Annotated[str | None, "LaunchType"] = None
    service_name: Annotated[str | None, "ServiceName"] = None
    vpc_id: Annotated[str | None, "VPCID"] = None
    containers: Annotated[tuple[ContainerMetadata, ...], "Containers"] = ()
    task_tags: Annotated[Mapping[str, str], "TaskTags"] = empty()
    container_instance_tags: Annotated[Mapping[str, str], "ContainerInstanceTags"] = empty()
    errors: Annotated[tuple[AgentError, ...], "Errors"] = ()
    clock_drift: Annotated[ClockDrift | None, "ClockDrift"] = None
    ephemeral_storage_metrics: Annotated[
        EphemeralStorageMetrics | None, "EphemeralStorageMetrics"
    ] = None
    fault_injection_enabled: Annotated[bool | None, "FaultInjectionEnabled"] = None
    raw: Mapping[str, Any] = empty()

    @property
    def normal_containers(self) -> tuple[ContainerMetadata, ...]:
        """The containers of the task definition (``Type`` NORMAL), without the agent's own."""
        return tuple(c for c in self.containers if c.type == "NORMAL")

    def container_by_docker_id(self, docker_id: str) -> ContainerMetadata | None:
        """The container whose ``DockerId`` is ``docker_id`` (exactly), or ``None``.

        Args:
            docker_id: the full Docker ID (on Fargate, ``<task id>-<digits>``).
        """
        return next((c for c in self.containers if c.docker_id == docker_id), None)
