"""One container of a task, and what it is made of: limits, ports, networks, health, volumes.

The annotations are not postponed (no ``from __future__ import annotations``): `_schema`
reads each field's declaration from them, as objects.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from ._schema import Key, Model, empty


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits(Model):
    """Resource limits of a task or of one container.

    ``cpu`` is in vCPUs on a task (``0.25``) but in CPU units on a container (1024 units = 1 vCPU).
    ``memory`` is in MiB on both.
    """

    cpu: Annotated[float | None, "CPU"] = None
    memory: Annotated[int | None, "Memory"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class Port(Model):
    """A port a container exposes (``HostIp`` is v4 only)."""

    container_port: Annotated[int | None, "ContainerPort"] = None
    protocol: Annotated[str | None, "Protocol"] = None
    host_port: Annotated[int | None, "HostPort"] = None
    host_ip: Annotated[str | None, "HostIp"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class Network(Model):
    """A network of a container; every key after ``IPv6Addresses`` is v4 and awsvpc only."""

    network_mode: Annotated[str | None, "NetworkMode"] = None
    ipv4_addresses: Annotated[tuple[str, ...], "IPv4Addresses"] = ()
    ipv6_addresses: Annotated[tuple[str, ...], "IPv6Addresses"] = ()
    attachment_index: Annotated[int | None, "AttachmentIndex"] = None
    mac_address: Annotated[str | None, "MACAddress"] = None
    ipv4_subnet_cidr_block: Annotated[str | None, "IPv4SubnetCIDRBlock"] = None
    ipv6_subnet_cidr_block: Annotated[str | None, "IPv6SubnetCIDRBlock"] = None
    domain_name_servers: Annotated[tuple[str, ...], "DomainNameServers"] = ()
    domain_name_search_list: Annotated[tuple[str, ...], "DomainNameSearchList"] = ()
    private_dns_name: Annotated[str | None, "PrivateDNSName"] = None
    subnet_gateway_ipv4_address: Annotated[str | None, "SubnetGatewayIpv4Address"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockDrift(Model):
    """How far the host clock may be off (Linux, Amazon Time Sync), on a task or a container.

    ``clock_error_bound`` is in milliseconds. The agent sends ``ReferenceTimestamp``, the AWS
    documentation writes ``ReferenceTime``: both are read; ``to_dict`` writes the agent's key.
    """

    clock_error_bound: Annotated[float | None, "ClockErrorBound"] = None
    reference_timestamp: Annotated[
        datetime | None, Key("ReferenceTimestamp", fallback="ReferenceTime")
    ] = None
    clock_synchronization_status: Annotated[str | None, "ClockSynchronizationStatus"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class Health(Model):
    """The container health check result (its JSON keys are lower camel case)."""

    status: Annotated[str | None, "status"] = None
    status_since: Annotated[datetime | None, "statusSince"] = None
    exit_code: Annotated[int | None, "exitCode"] = None
    output: Annotated[str | None, "output"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class Volume(Model):
    """A volume mounted into a container."""

    docker_name: Annotated[str | None, "DockerName"] = None
    source: Annotated[str | None, "Source"] = None
    destination: Annotated[str | None, "Destination"] = None
    raw: Mapping[str, Any] = empty()


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerMetadata(Model):
    """One container of a task.

    ``name`` is the container name of the task definition; ``docker_name`` the name the agent gave
    Docker. ``docker_id`` is ``None`` for a container v4 lists before it is created.
    """

    _what = "container metadata"

    docker_id: Annotated[str | None, "DockerId"] = None
    name: Annotated[str | None, "Name"] = None
    docker_name: Annotated[str | None, "DockerName"] = None
    image: Annotated[str | None, "Image"] = None
    image_id: Annotated[str | None, "ImageID"] = None
    ports: Annotated[tuple[Port, ...], "Ports"] = ()
    labels: Annotated[Mapping[str, str], "Labels"] = empty()
    desired_status: Annotated[str | None, "DesiredStatus"] = None
    known_status: Annotated[str | None, "KnownStatus"] = None
    exit_code: Annotated[int | None, "ExitCode"] = None
    limits: Annotated[Limits | None, "Limits"] = None
    created_at: Annotated[datetime | None, "CreatedAt"] = None
    started_at: Annotated[datetime | None, "StartedAt"] = None
    finished_at: Annotated[datetime | None, "FinishedAt"] = None
    type: Annotated[str | None, "Type"] = None
    networks: Annotated[tuple[Network, ...], "Networks"] = ()
    health: Annotated[Health | None, "Health"] = None
    container_arn: Annotated[str | None, "ContainerARN"] = None
    log_driver: Annotated[str | None, "LogDriver"] = None
    log_options: Annotated[Mapping[str, str], "LogOptions"] = empty()
    restart_count: Annotated[int | None, "RestartCount"] = None
    snapshotter: Annotated[str | None, "Snapshotter"] = None
    clock_drift: Annotated[ClockDrift | None, "ClockDrift"] = None
    volumes: Annotated[tuple[Volume, ...], "Volumes"] = ()
    raw: Mapping[str, Any] = empty()
