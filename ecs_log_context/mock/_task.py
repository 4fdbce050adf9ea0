"""The task the mock endpoint serves: loading, validation, and the body each version answers."""

from __future__ import annotations

import json
import re
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "JSONObject",
    "TaskState",
    "go_json",
    "load_sample",
    "load_task_file",
]

JSONObject = dict[str, Any]

_SAMPLE_FILES = {"EC2": "ec2_task.json", "FARGATE": "fargate_task.json"}

_TASK_REQUIRED = ("Cluster", "TaskARN", "Family", "Revision", "KnownStatus")

# Only taskWithTags carries these; Errors only in v4 (the agent's includeV4Metadata).
_TAGS_KEYS = frozenset({"TaskTags", "ContainerInstanceTags"})

# Written by the agent into v4 bodies only: v2 and v3 share the older shape.
_V4_ONLY_TASK_KEYS = frozenset(
    {
        "AvailabilityZoneID",
        "ClockDrift",
        "EphemeralStorageMetrics",
        "Errors",
        "FaultInjectionEnabled",
        "LaunchType",
        "ServiceName",
        "VPCID",
    }
)
_V4_ONLY_CONTAINER_KEYS = frozenset(
    {"ClockDrift", "ContainerARN", "LogDriver", "LogOptions", "RestartCount", "Snapshotter"}
)
_V4_ONLY_PORT_KEYS = frozenset({"HostIp"})
_V3_NETWORK_KEYS = ("NetworkMode", "IPv4Addresses", "IPv6Addresses")

# Go's encoding/json writes maps with sorted keys; these fields are Go maps in the agent.
_MAP_FIELDS = ("Labels", "LogOptions", "TaskTags", "ContainerInstanceTags")

_FARGATE_DOCKER_ID = re.compile(r"[0-9a-f]{32}-[0-9]{1,10}")
_ENDPOINT_NAMESPACE = uuid.UUID("5b0c1bd2-2f6e-4c55-9d0e-3f1b8a7c6e41")

# Go's json.Marshal escapes these for safe embedding in HTML.
_GO_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def go_json(value: object) -> bytes:
    """Encode a value the way Go's ``json.Marshal`` does: compact, UTF-8, HTML-safe.

    Args:
        value: any JSON-serialisable value.

    Returns:
        The encoded bytes, without a trailing newline.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.translate(_GO_ESCAPES).encode("utf-8")


def load_sample(launch_type: str) -> JSONObject:
    """Load a built-in sample task.

    Args:
        launch_type: ``"EC2"`` or ``"FARGATE"``.

    Returns:
        A fresh copy of the sample, shaped like a v4 ``taskWithTags`` answer.
    """
    source = (
        resources.files("ecs_log_context.mock")
        .joinpath("samples")
        .joinpath(_SAMPLE_FILES[launch_type])
    )
    task: JSONObject = json.loads(source.read_text(encoding="utf-8"))
    return _normalise(task)


def load_task_file(path: str | Path) -> JSONObject:
    """Load and validate a user's task JSON, shaped like the ``/task`` answer.

    Args:
        path: the file to read.

    Returns:
        The task, with map fields in Go's order.

    Raises:
        ValueError: the file cannot be read, is not JSON, or is not a task; the message
            names the file and what is wrong.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"task file {str(path)!r} cannot be read: {exc}") from exc
    try:
        task = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"task file {str(path)!r} is not valid JSON: {exc}") from exc
    problem = _task_problem(task)
    if problem:
        raise ValueError(f"task file {str(path)!r} is not an ECS task: {problem}")
    return _normalise(task)


def _task_problem(task: object) -> str:  # noqa: PLR0911
    """Say what makes a decoded JSON value unusable as a task, or ``""``."""
    if not isinstance(task, dict):
        return f"expected a JSON object, found {type(task).__name__}"
    for key in _TASK_REQUIRED:
        if not isinstance(task.get(key), str) or not task[key]:
            return f"{key!r} must be a non-empty string (found {task.get(key)!r})"
    for key in _TAGS_KEYS:
        if key in task and not isinstance(task[key], dict):
            return f"{key!r} must be an object"
    if "Errors" in task and not _is_list_of_objects(task["Errors"]):
        return "'Errors' must be a list of objects (the agent's errors reading the tags)"
    containers = task.get("Containers")
    if not isinstance(containers, list) or not containers:
        return "'Containers' must be a non-empty list"
    problems = (_container_problem(c, f"Containers[{i}]") for i, c in enumerate(containers))
    problem = next((p for p in problems if p), "")
    if problem:
        return problem
    docker_ids = [c["DockerId"] for c in containers if c.get("DockerId")]
    if not docker_ids:
        return "no container has a 'DockerId' (at least one must be running)"
    duplicates = sorted({d for d in docker_ids if docker_ids.count(d) > 1})
    if duplicates:
        return f"DockerId {duplicates[0]!r} appears twice"
    return ""


def _container_problem(container: object, where: str) -> str:
    """Say what makes one container of a task unusable, or ``""``."""
    if not isinstance(container, dict):
        return f"{where} must be an object"
    for key in ("Name", "Type"):
        if not isinstance(container.get(key), str) or not container[key]:
            return f"{where}.{key} must be a non-empty string (found {container.get(key)!r})"
    docker_id = container.get("DockerId")
    if docker_id is not None and (
        not isinstance(docker_id, str) or not docker_id or "/" in docker_id
    ):
        return f"{where}.DockerId must not contain '/' (found {docker_id!r})"
    for key in ("Limits", "Labels", "LogOptions", "Health"):
        if key in container and not isinstance(container[key], dict):
            return f"{where}.{key} must be an object (found {container[key]!r})"
    for key in ("Networks", "Ports"):
        if key in container and not _is_list_of_objects(container[key]):
            return f"{where}.{key} must be a list of objects (found {container[key]!r})"
    return ""


def _is_list_of_objects(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _normalise(task: JSONObject) -> JSONObject:
    """Put map fields in Go's (sorted) order and write integral floats as Go does."""
    task = _go_numbers(task)
    for container in [task, *task["Containers"]]:
        for key in _MAP_FIELDS:
            if isinstance(container.get(key), dict):
                container[key] = dict(sorted(container[key].items()))
    return task


def _go_numbers(value: Any) -> Any:
    """Turn floats with no fraction into ints: Go prints ``float64(2)`` as ``2``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _go_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_go_numbers(item) for item in value]
    return value


def endpoint_id_for(task_arn: str, docker_id: str) -> str:
    """The container's v3/v4 endpoint ID, as the agent would put it in ``${URI}``.

    Fargate uses the DockerId itself; the EC2 agent a UUID per container (random there,
    derived from the IDs here so that a restarted mock keeps its URLs).

    Args:
        task_arn: the task's ARN.
        docker_id: the container's DockerId.

    Returns:
        The endpoint ID.
    """
    if _FARGATE_DOCKER_ID.fullmatch(docker_id):
        return docker_id
    return str(uuid.uuid5(_ENDPOINT_NAMESPACE, f"{task_arn}/{docker_id}"))


class TaskState:
    """The served task, indexed the way the agent looks things up.

    Args:
        task: the task dict (v4 shape, with tags when it has any).
        container_name: ``Name`` of the container that calls the v3/v4 ``${URI}``;
            ``None`` for the first running container of ``Type`` ``NORMAL``.

    Raises:
        ValueError: ``container_name`` names no running container of the task.
    """

    __slots__ = ("by_docker_id", "by_endpoint_id", "own", "own_endpoint_id", "task")

    def __init__(self, task: JSONObject, container_name: str | None) -> None:
        self.task = task
        running = [c for c in task["Containers"] if c.get("DockerId")]
        self.by_docker_id: dict[str, JSONObject] = {c["DockerId"]: c for c in running}
        self.by_endpoint_id: dict[str, JSONObject] = {
            endpoint_id_for(task["TaskARN"], c["DockerId"]): c for c in running
        }
        if container_name is None:
            normal = [c for c in running if c.get("Type") == "NORMAL"]
            self.own: JSONObject = (normal or running)[0]
        else:
            named = [c for c in running if c.get("Name") == container_name]
            if not named:
                choices = ", ".join(repr(c.get("Name")) for c in running)
                raise ValueError(
                    f"container_name={container_name!r} cannot be used: "
                    f"expected the Name of a container of the task ({choices})"
                )
            self.own = named[0]
        self.own_endpoint_id = endpoint_id_for(task["TaskARN"], self.own["DockerId"])

    @property
    def is_awsvpc(self) -> bool:
        """Whether the task uses awsvpc networking: the v2 endpoint answers only such tasks."""
        return any(
            network.get("NetworkMode") == "awsvpc"
            for container in self.by_docker_id.values()
            for network in container.get("Networks", ())
        )

    def task_body(self, version: str, *, with_tags: bool) -> JSONObject:
        """The body of ``/task`` or ``/taskWithTags`` (v2: ``/metadata``, ``/metadataWithTags``).

        Args:
            version: ``"v2"``, ``"v3"`` or ``"v4"``.
            with_tags: include ``TaskTags`` and ``ContainerInstanceTags`` (and, in v4,
                ``Errors``).

        Returns:
            A new dict, safe to serialise while the task is served.
        """
        v4 = version == "v4"
        body: JSONObject = {}
        for key, value in self.task.items():
            if key in _TAGS_KEYS and not with_tags:
                continue
            if key == "Errors" and not (with_tags and v4):
                continue
            if not v4 and key in _V4_ONLY_TASK_KEYS:
                continue
            body[key] = value
        # v4 also lists containers that are pulled but not created yet (no DockerId).
        body["Containers"] = [
            self.container_body(c, version)
            for c in self.task["Containers"]
            if v4 or c.get("DockerId")
        ]
        return body

    @staticmethod
    def container_body(container: JSONObject, version: str) -> JSONObject:
        """One container as the given version writes it.

        Args:
            container: a container of the task (v4 shape).
            version: ``"v2"``, ``"v3"`` or ``"v4"``.

        Returns:
            The container itself for v4, else a copy without the v4-only keys.
        """
        if version == "v4":
            return container
        return {
            key: _v3_value(key, value)
            for key, value in container.items()
            if key not in _V4_ONLY_CONTAINER_KEYS
        }

    @staticmethod
    def has_stats(container: JSONObject) -> bool:
        """Whether the agent's stats engine would have stats for the container.

        It tracks running containers, but not the pause container of an awsvpc task.
        """
        return (
            bool(container.get("DockerId"))
            and container.get("Type") != "CNI_PAUSE"
            and container.get("KnownStatus") == "RUNNING"
        )


def _v3_value(key: str, value: Any) -> Any:
    """A container's field as v2 and v3 write it: ports and networks without v4 details."""
    if key == "Ports" and isinstance(value, list):
        return [{k: v for k, v in port.items() if k not in _V4_ONLY_PORT_KEYS} for port in value]
    if key == "Networks" and isinstance(value, list):
        return [{k: network[k] for k in _V3_NETWORK_KEYS if k in network} for network in value]
    return value
