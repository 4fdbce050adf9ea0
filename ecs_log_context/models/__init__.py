"""Typed, validated views of the ECS task metadata and Docker stats documents.

Every model is a frozen dataclass whose attributes are the JSON keys in snake case. ``from_json``
validates a decoded JSON document and raises :class:`InvalidMetadataError` naming the key path of
the first problem (``Containers[1].Limits.CPU: expected a number, got 'abc' (str)``). Any key may
be missing (``None``, or an empty tuple or mapping), except a task's ``TaskARN``; ``null`` counts
as missing. Keys a model does not know are kept, read-only, in its ``raw``. ``to_dict`` goes the
other way, with the original key names, which each attribute carries in its annotation,
``Annotated[type, "JsonKey"]``. Timestamps become timezone-aware ``datetime`` in UTC,
truncated to the microsecond.
"""

from __future__ import annotations

import copy
import math
import re
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_origin, get_type_hints

from ..errors import InvalidMetadataError

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "ClockDrift",
    "ContainerMetadata",
    "ContainerStats",
    "CpuStats",
    "EphemeralStorageMetrics",
    "Health",
    "Limits",
    "MemoryStats",
    "Network",
    "NetworkRateStats",
    "NetworkStats",
    "Port",
    "TaskMetadata",
    "TaskMetadataError",
    "ThrottlingData",
    "Volume",
    "parse_task_stats",
]

T = TypeVar("T")

MAX_STRING = 64 * 1024
"""Longest string accepted in a typed field: anything longer is not metadata."""

_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:?[0-5][0-9])"
)

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60


def _describe(value: object) -> str:
    if value is None:
        return "null"
    try:
        shown = _repr.repr(value)
    except ValueError:  # an int longer than sys.get_int_max_str_digits()
        shown = "a huge number"
    return f"{shown} ({type(value).__name__})"


def _invalid(what: str, url: str, path: str, expected: str, value: object) -> InvalidMetadataError:
    where = f"{path}: " if path else ""
    return InvalidMetadataError(what, url, f"{where}expected {expected}, got {_describe(value)}")


class _WrongType(Exception):
    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _as_text(value: object) -> str:
    if not isinstance(value, str):
        raise _WrongType("a string")
    if len(value) > MAX_STRING:
        raise _WrongType(f"a string of at most {MAX_STRING} characters")
    return value


def _as_int(value: object) -> int:
    # Integral floats are accepted: some JSON encoders write 512.0.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise _WrongType("an integer")


def _as_number(value: object) -> float:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise _WrongType("a finite number" if isinstance(value, float) else "a number")


def _as_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise _WrongType("true or false")
    return value


def _as_revision(value: object) -> str:
    if isinstance(value, str):
        return _as_text(value)
    try:
        return str(_as_int(value))
    except _WrongType:
        raise _WrongType("a string or an integer") from None


def _as_time(value: object) -> datetime:
    """Parse RFC 3339 ourselves: Python 3.10's ``fromisoformat`` rejects nanoseconds and ``Z``."""
    match = _TIMESTAMP.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise _WrongType("an RFC 3339 timestamp")
    *parts, fraction, zone = match.groups()
    year, month, day, hour, minute, second = map(int, parts)
    microsecond = int((fraction or "0")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = -offset if zone[0] == "-" else offset
    try:
        local = datetime(
            year, month, day, hour, minute, second, microsecond, tzinfo=timezone(offset)
        )
        return local.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise _WrongType("an RFC 3339 timestamp within years 1 to 9999") from None


def _key_repr(key: str) -> str:
    return repr(key if len(key) <= 100 else key[:97] + "...")


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


class _Reader:
    """One JSON object being read into a model.

    The getters mark their key as known and return ``None`` (or an empty collection) for a missing
    or ``null`` key; a value of the wrong type raises InvalidMetadataError naming its key path.
    ``rest()`` returns the keys no getter asked for.

    Args:
        value: the decoded JSON value that should be an object.
        what: what is being read, for error messages (``"task metadata"``).
        url: where it came from, for error messages.
        path: the key path of ``value`` in its document (``Containers[1].Limits``).
    """

    __slots__ = ("_data", "_nested", "_path", "_seen", "url", "what")

    def __init__(self, value: object, *, what: str, url: str, path: str = "") -> None:
        if not isinstance(value, dict):
            raise _invalid(what, url, path, "a JSON object", value)
        self.what, self.url, self._path = what, url, path
        self._data: dict[str, Any] = value
        self._seen: set[str] = set()
        self._nested: dict[str, _Reader] = {}

    def _at(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def _get(self, key: str) -> Any:
        self._seen.add(key)
        return self._data.get(key)

    def _convert(self, path: str, value: object, convert: Callable[[object], T]) -> T:
        try:
            return convert(value)
        except _WrongType as wrong:
            raise _invalid(self.what, self.url, path, wrong.expected, value) from None

    def _scalar(self, key: str, convert: Callable[[object], T]) -> T | None:
        value = self._get(key)
        return None if value is None else self._convert(self._at(key), value, convert)

    def has(self, key: str) -> bool:
        """Whether ``key`` is present and not ``null``."""
        return self._data.get(key) is not None

    def text(self, key: str) -> str | None:
        """A string."""
        return self._scalar(key, _as_text)

    def required_text(self, key: str) -> str:
        """A non-empty string that must be present."""
        value = self.text(key)
        if value:
            return value
        if value is None:
            raise InvalidMetadataError(self.what, self.url, f"{self._at(key)}: missing")
        raise _invalid(self.what, self.url, self._at(key), "a non-empty string", value)

    def revision(self, key: str) -> str | None:
        """A string; an integer is accepted and turned into one."""
        return self._scalar(key, _as_revision)

    def integer(self, key: str) -> int | None:
        """An integer (not a bool)."""
        return self._scalar(key, _as_int)

    def number(self, key: str) -> float | None:
        """An integer or a finite float, kept as it is."""
        return self._scalar(key, _as_number)

    def flag(self, key: str) -> bool | None:
        """A bool."""
        return self._scalar(key, _as_bool)

    def time(self, key: str) -> datetime | None:
        """An RFC 3339 timestamp, as an aware datetime in UTC."""
        return self._scalar(key, _as_time)

    def _array(self, key: str, item: Callable[[str, object], T]) -> tuple[T, ...]:
        value = self._get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise _invalid(self.what, self.url, self._at(key), "a JSON array", value)
        return tuple(item(f"{self._at(key)}[{i}]", entry) for i, entry in enumerate(value))

    def _object(self, key: str, item: Callable[[str, object], T]) -> Mapping[str, T]:
        value = self._get(key)
        if value is None:
            return _empty()
        if not isinstance(value, dict):
            raise _invalid(self.what, self.url, self._at(key), "a JSON object", value)
        path = self._at(key)
        return MappingProxyType({k: item(f"{path}[{_key_repr(k)}]", v) for k, v in value.items()})

    def _child(self, read: Callable[[_Reader], T]) -> Callable[[str, object], T]:
        return lambda path, value: read(_Reader(value, what=self.what, url=self.url, path=path))

    def texts(self, key: str) -> tuple[str, ...]:
        """An array of strings."""
        return self._array(key, lambda path, value: self._convert(path, value, _as_text))

    def ints(self, key: str) -> tuple[int, ...]:
        """An array of integers."""
        return self._array(key, lambda path, value: self._convert(path, value, _as_int))

    def text_map(self, key: str) -> Mapping[str, str]:
        """An object of strings (labels, tags, log options)."""
        return self._object(key, lambda path, value: self._convert(path, value, _as_text))

    def int_map(self, key: str) -> Mapping[str, int]:
        """An object of integers."""
        return self._object(key, lambda path, value: self._convert(path, value, _as_int))

    def model(self, key: str, read: Callable[[_Reader], T]) -> T | None:
        """An object, read by ``read`` (a model's ``_read``)."""
        value = self._get(key)
        return None if value is None else self._child(read)(self._at(key), value)

    def models(self, key: str, read: Callable[[_Reader], T]) -> tuple[T, ...]:
        """An array of objects, each read by ``read``."""
        return self._array(key, self._child(read))

    def model_map(self, key: str, read: Callable[[_Reader], T]) -> Mapping[str, T]:
        """An object of objects, each read by ``read``."""
        return self._object(key, self._child(read))

    def nested(self, key: str) -> _Reader:
        """An object whose keys the model flattens into its own (an empty one if missing).

        Its unknown keys come back from ``rest()`` under ``key``.
        """
        value = self._get(key)
        child = _Reader(
            {} if value is None else value, what=self.what, url=self.url, path=self._at(key)
        )
        self._nested[key] = child
        return child

    def rest(self) -> Mapping[str, Any]:
        """The keys that no getter asked for: call it last."""
        unknown = {k: v for k, v in self._data.items() if k not in self._seen}
        for key, child in self._nested.items():
            if extra := child.rest():
                unknown[key] = dict(extra)
        return MappingProxyType(unknown)


def _empty_field() -> Any:
    return field(default_factory=_empty)


_json_keys_of: dict[type, dict[str, str]] = {}


def _json_keys(cls: type) -> dict[str, str]:
    """Attribute name to JSON key, as each attribute's ``Annotated[type, "Key"]`` says."""
    if cls not in _json_keys_of:
        hints = get_type_hints(cls, include_extras=True)
        _json_keys_of[cls] = {
            name: hint.__metadata__[0]
            for name, hint in hints.items()
            if get_origin(hint) is Annotated
        }
    return _json_keys_of[cls]


def _to_json(value: object) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, _Model):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(into.get(key), dict) and isinstance(value, Mapping):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


class _Model:
    """What every model has: ``from_json``, ``to_dict`` and ``raw``."""

    __slots__ = ()
    _what = "task metadata"
    if TYPE_CHECKING:
        raw: Mapping[str, Any]

    @classmethod
    def from_json(cls, obj: object, *, url: str = "<document>") -> Self:
        """Validate a decoded JSON document and build the model from it.

        Args:
            obj: the document, as ``json.loads`` returns it.
            url: where the document came from, for error messages.

        Returns:
            The model; keys it does not know are in its ``raw``.

        Raises:
            InvalidMetadataError: ``obj`` is not a JSON object, a known key holds a value of the
                wrong type, or a required key is missing.
        """
        return cls._read(_Reader(obj, what=cls._what, url=url))

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-ready data, with the original key names, merged with ``raw``.

        Timestamps are ISO 8601 strings in UTC ending in ``Z``; attributes that are ``None`` or
        empty are left out, as the agent leaves them out.
        """
        out: dict[str, Any] = {}
        for name, key in _json_keys(type(self)).items():
            value = _to_json(getattr(self, name))
            if value is None or (isinstance(value, (list, dict)) and not value):
                continue
            *parents, leaf = key.split(".")
            target = out
            for parent in parents:
                target = target.setdefault(parent, {})
            target[leaf] = value
        _merge(out, self.raw)
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits(_Model):
    """Resource limits of a task or of one container.

    ``cpu`` is in vCPUs on a task (``0.25``) but in CPU units on a container (1024 units = 1 vCPU).
    ``memory`` is in MiB on both.
    """

    cpu: Annotated[float | None, "CPU"] = None
    memory: Annotated[int | None, "Memory"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(cpu=r.number("CPU"), memory=r.integer("Memory"), raw=r.rest())


@dataclass(frozen=True, slots=True, kw_only=True)
class Port(_Model):
    """A port a container exposes (``HostIp`` is v4 only)."""

    container_port: Annotated[int | None, "ContainerPort"] = None
    protocol: Annotated[str | None, "Protocol"] = None
    host_port: Annotated[int | None, "HostPort"] = None
    host_ip: Annotated[str | None, "HostIp"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            container_port=r.integer("ContainerPort"),
            protocol=r.text("Protocol"),
            host_port=r.integer("HostPort"),
            host_ip=r.text("HostIp"),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Network(_Model):
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
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            network_mode=r.text("NetworkMode"),
            ipv4_addresses=r.texts("IPv4Addresses"),
            ipv6_addresses=r.texts("IPv6Addresses"),
            attachment_index=r.integer("AttachmentIndex"),
            mac_address=r.text("MACAddress"),
            ipv4_subnet_cidr_block=r.text("IPv4SubnetCIDRBlock"),
            ipv6_subnet_cidr_block=r.text("IPv6SubnetCIDRBlock"),
            domain_name_servers=r.texts("DomainNameServers"),
            domain_name_search_list=r.texts("DomainNameSearchList"),
            private_dns_name=r.text("PrivateDNSName"),
            subnet_gateway_ipv4_address=r.text("SubnetGatewayIpv4Address"),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockDrift(_Model):
    """How far the host clock may be off (Linux, Amazon Time Sync).

    ``clock_error_bound`` is in milliseconds. The agent sends ``ReferenceTimestamp``, the AWS
    documentation writes ``ReferenceTime``: both are read; ``to_dict`` writes the agent's key.
    """

    clock_error_bound: Annotated[float | None, "ClockErrorBound"] = None
    reference_timestamp: Annotated[datetime | None, "ReferenceTimestamp"] = None
    clock_synchronization_status: Annotated[str | None, "ClockSynchronizationStatus"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        documented = "ReferenceTimestamp" if r.has("ReferenceTimestamp") else "ReferenceTime"
        return cls(
            clock_error_bound=r.number("ClockErrorBound"),
            reference_timestamp=r.time(documented),
            clock_synchronization_status=r.text("ClockSynchronizationStatus"),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Health(_Model):
    """The container health check result (its JSON keys are lower camel case)."""

    status: Annotated[str | None, "status"] = None
    status_since: Annotated[datetime | None, "statusSince"] = None
    exit_code: Annotated[int | None, "exitCode"] = None
    output: Annotated[str | None, "output"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            status=r.text("status"),
            status_since=r.time("statusSince"),
            exit_code=r.integer("exitCode"),
            output=r.text("output"),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Volume(_Model):
    """A volume mounted into a container."""

    docker_name: Annotated[str | None, "DockerName"] = None
    source: Annotated[str | None, "Source"] = None
    destination: Annotated[str | None, "Destination"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            docker_name=r.text("DockerName"),
            source=r.text("Source"),
            destination=r.text("Destination"),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class EphemeralStorageMetrics(_Model):
    """Ephemeral storage of a Fargate task, in MiB."""

    utilized: Annotated[int | None, "Utilized"] = None
    reserved: Annotated[int | None, "Reserved"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(utilized=r.integer("Utilized"), reserved=r.integer("Reserved"), raw=r.rest())


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskMetadataError(_Model):
    """An entry of ``Errors`` (v4 taskWithTags): why some tags could not be read."""

    error_field: Annotated[str | None, "ErrorField"] = None
    error_code: Annotated[str | None, "ErrorCode"] = None
    error_message: Annotated[str | None, "ErrorMessage"] = None
    status_code: Annotated[int | None, "StatusCode"] = None
    request_id: Annotated[str | None, "RequestId"] = None
    resource_arn: Annotated[str | None, "ResourceARN"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            error_field=r.text("ErrorField"),
            error_code=r.text("ErrorCode"),
            error_message=r.text("ErrorMessage"),
            status_code=r.integer("StatusCode"),
            request_id=r.text("RequestId"),
            resource_arn=r.text("ResourceARN"),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerMetadata(_Model):
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
    labels: Annotated[Mapping[str, str], "Labels"] = _empty_field()
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
    log_options: Annotated[Mapping[str, str], "LogOptions"] = _empty_field()
    restart_count: Annotated[int | None, "RestartCount"] = None
    snapshotter: Annotated[str | None, "Snapshotter"] = None
    clock_drift: Annotated[ClockDrift | None, "ClockDrift"] = None
    volumes: Annotated[tuple[Volume, ...], "Volumes"] = ()
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            docker_id=r.text("DockerId"),
            name=r.text("Name"),
            docker_name=r.text("DockerName"),
            image=r.text("Image"),
            image_id=r.text("ImageID"),
            ports=r.models("Ports", Port._read),
            labels=r.text_map("Labels"),
            desired_status=r.text("DesiredStatus"),
            known_status=r.text("KnownStatus"),
            exit_code=r.integer("ExitCode"),
            limits=r.model("Limits", Limits._read),
            created_at=r.time("CreatedAt"),
            started_at=r.time("StartedAt"),
            finished_at=r.time("FinishedAt"),
            type=r.text("Type"),
            networks=r.models("Networks", Network._read),
            health=r.model("Health", Health._read),
            container_arn=r.text("ContainerARN"),
            log_driver=r.text("LogDriver"),
            log_options=r.text_map("LogOptions"),
            restart_count=r.integer("RestartCount"),
            snapshotter=r.text("Snapshotter"),
            clock_drift=r.model("ClockDrift", ClockDrift._read),
            volumes=r.models("Volumes", Volume._read),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskMetadata(_Model):
    """A task, as ``/v2/metadata``, ``${URI}/task`` and the ``taskWithTags`` paths answer.

    Only ``task_arn`` is required. ``cluster`` is a short name on EC2 and an ARN on Fargate.
    ``task_tags``, ``container_instance_tags`` and ``errors`` come from the taskWithTags paths.
    """

    cluster: Annotated[str | None, "Cluster"] = None
    task_arn: Annotated[str, "TaskARN"]
    family: Annotated[str | None, "Family"] = None
    revision: Annotated[str | None, "Revision"] = None
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
    task_tags: Annotated[Mapping[str, str], "TaskTags"] = _empty_field()
    container_instance_tags: Annotated[Mapping[str, str], "ContainerInstanceTags"] = _empty_field()
    errors: Annotated[tuple[TaskMetadataError, ...], "Errors"] = ()
    clock_drift: Annotated[ClockDrift | None, "ClockDrift"] = None
    ephemeral_storage_metrics: Annotated[
        EphemeralStorageMetrics | None, "EphemeralStorageMetrics"
    ] = None
    fault_injection_enabled: Annotated[bool | None, "FaultInjectionEnabled"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            cluster=r.text("Cluster"),
            task_arn=r.required_text("TaskARN"),
            family=r.text("Family"),
            revision=r.revision("Revision"),
            desired_status=r.text("DesiredStatus"),
            known_status=r.text("KnownStatus"),
            limits=r.model("Limits", Limits._read),
            pull_started_at=r.time("PullStartedAt"),
            pull_stopped_at=r.time("PullStoppedAt"),
            execution_stopped_at=r.time("ExecutionStoppedAt"),
            availability_zone=r.text("AvailabilityZone"),
            availability_zone_id=r.text("AvailabilityZoneID"),
            launch_type=r.text("LaunchType"),
            service_name=r.text("ServiceName"),
            vpc_id=r.text("VPCID"),
            containers=r.models("Containers", ContainerMetadata._read),
            task_tags=r.text_map("TaskTags"),
            container_instance_tags=r.text_map("ContainerInstanceTags"),
            errors=r.models("Errors", TaskMetadataError._read),
            clock_drift=r.model("ClockDrift", ClockDrift._read),
            ephemeral_storage_metrics=r.model(
                "EphemeralStorageMetrics", EphemeralStorageMetrics._read
            ),
            fault_injection_enabled=r.flag("FaultInjectionEnabled"),
            raw=r.rest(),
        )

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


@dataclass(frozen=True, slots=True, kw_only=True)
class ThrottlingData(_Model):
    """CPU throttling of a container (Docker ``throttling_data``); time in nanoseconds."""

    _what = "container stats"

    periods: Annotated[int | None, "periods"] = None
    throttled_periods: Annotated[int | None, "throttled_periods"] = None
    throttled_time: Annotated[int | None, "throttled_time"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            periods=r.integer("periods"),
            throttled_periods=r.integer("throttled_periods"),
            throttled_time=r.integer("throttled_time"),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class CpuStats(_Model):
    """Docker ``cpu_stats`` (or ``precpu_stats``); the ``cpu_usage`` keys are flattened in.

    Usages are in nanoseconds of CPU time; ``percpu_usage`` is empty under cgroup v2.
    """

    _what = "container stats"

    total_usage: Annotated[int | None, "cpu_usage.total_usage"] = None
    percpu_usage: Annotated[tuple[int, ...], "cpu_usage.percpu_usage"] = ()
    usage_in_kernelmode: Annotated[int | None, "cpu_usage.usage_in_kernelmode"] = None
    usage_in_usermode: Annotated[int | None, "cpu_usage.usage_in_usermode"] = None
    system_cpu_usage: Annotated[int | None, "system_cpu_usage"] = None
    online_cpus: Annotated[int | None, "online_cpus"] = None
    throttling: Annotated[ThrottlingData | None, "throttling_data"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        usage = r.nested("cpu_usage")
        return cls(
            total_usage=usage.integer("total_usage"),
            percpu_usage=usage.ints("percpu_usage"),
            usage_in_kernelmode=usage.integer("usage_in_kernelmode"),
            usage_in_usermode=usage.integer("usage_in_usermode"),
            system_cpu_usage=r.integer("system_cpu_usage"),
            online_cpus=r.integer("online_cpus"),
            throttling=r.model("throttling_data", ThrottlingData._read),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MemoryStats(_Model):
    """Docker ``memory_stats`` in bytes; ``stats`` holds the cgroup counters (``cache``, ...)."""

    _what = "container stats"

    usage: Annotated[int | None, "usage"] = None
    max_usage: Annotated[int | None, "max_usage"] = None
    limit: Annotated[int | None, "limit"] = None
    stats: Annotated[Mapping[str, int], "stats"] = _empty_field()
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            usage=r.integer("usage"),
            max_usage=r.integer("max_usage"),
            limit=r.integer("limit"),
            stats=r.int_map("stats"),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkStats(_Model):
    """Counters of one network interface (Docker ``networks.<name>``)."""

    _what = "container stats"

    rx_bytes: Annotated[int | None, "rx_bytes"] = None
    rx_packets: Annotated[int | None, "rx_packets"] = None
    rx_errors: Annotated[int | None, "rx_errors"] = None
    rx_dropped: Annotated[int | None, "rx_dropped"] = None
    tx_bytes: Annotated[int | None, "tx_bytes"] = None
    tx_packets: Annotated[int | None, "tx_packets"] = None
    tx_errors: Annotated[int | None, "tx_errors"] = None
    tx_dropped: Annotated[int | None, "tx_dropped"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            rx_bytes=r.integer("rx_bytes"),
            rx_packets=r.integer("rx_packets"),
            rx_errors=r.integer("rx_errors"),
            rx_dropped=r.integer("rx_dropped"),
            tx_bytes=r.integer("tx_bytes"),
            tx_packets=r.integer("tx_packets"),
            tx_errors=r.integer("tx_errors"),
            tx_dropped=r.integer("tx_dropped"),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NetworkRateStats(_Model):
    """The agent's own network rates (v4 ``network_rate_stats``), in bytes per second."""

    _what = "container stats"

    rx_bytes_per_sec: Annotated[float | None, "rx_bytes_per_sec"] = None
    tx_bytes_per_sec: Annotated[float | None, "tx_bytes_per_sec"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            rx_bytes_per_sec=r.number("rx_bytes_per_sec"),
            tx_bytes_per_sec=r.number("tx_bytes_per_sec"),
            raw=r.rest(),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ContainerStats(_Model):
    """The Docker stats of one container (``/v2/stats/<id>``, ``${URI}/stats``).

    ``read`` is when this sample was taken and ``preread`` the previous one, whose CPU figures are
    ``precpu_stats``; on the first sample ``preread`` is Go's zero time, year 1. ``blkio_stats``,
    ``storage_stats`` and the rest are in ``raw``.
    """

    _what = "container stats"

    id: Annotated[str | None, "id"] = None
    name: Annotated[str | None, "name"] = None
    read: Annotated[datetime | None, "read"] = None
    preread: Annotated[datetime | None, "preread"] = None
    num_procs: Annotated[int | None, "num_procs"] = None
    pids_current: Annotated[int | None, "pids_stats.current"] = None
    cpu_stats: Annotated[CpuStats | None, "cpu_stats"] = None
    precpu_stats: Annotated[CpuStats | None, "precpu_stats"] = None
    memory_stats: Annotated[MemoryStats | None, "memory_stats"] = None
    networks: Annotated[Mapping[str, NetworkStats], "networks"] = _empty_field()
    network_rate_stats: Annotated[NetworkRateStats | None, "network_rate_stats"] = None
    raw: Mapping[str, Any] = _empty_field()

    @classmethod
    def _read(cls, r: _Reader) -> Self:
        return cls(
            id=r.text("id"),
            name=r.text("name"),
            read=r.time("read"),
            preread=r.time("preread"),
            num_procs=r.integer("num_procs"),
            pids_current=r.nested("pids_stats").integer("current"),
            cpu_stats=r.model("cpu_stats", CpuStats._read),
            precpu_stats=r.model("precpu_stats", CpuStats._read),
            memory_stats=r.model("memory_stats", MemoryStats._read),
            networks=r.model_map("networks", NetworkStats._read),
            network_rate_stats=r.model("network_rate_stats", NetworkRateStats._read),
            raw=r.rest(),
        )


def parse_task_stats(obj: object, *, url: str = "<document>") -> dict[str, ContainerStats | None]:
    """Read the stats of a whole task (``/v2/stats``, ``${URI}/task/stats``).

    Args:
        obj: the decoded document: an object of Docker ID to Docker stats.
        url: where the document came from, for error messages.

    Returns:
        Docker ID to stats; ``None`` for a container without stats (``null`` or ``{}``).

    Raises:
        InvalidMetadataError: ``obj`` is not an object, or one of its stats is not readable.
    """
    if not isinstance(obj, dict):
        raise _invalid("task stats", url, "", "a JSON object", obj)
    return {
        docker_id: None
        if value is None or value == {}
        else ContainerStats._read(
            _Reader(value, what="task stats", url=url, path=f"[{_key_repr(docker_id)}]")
        )
        for docker_id, value in obj.items()
    }
