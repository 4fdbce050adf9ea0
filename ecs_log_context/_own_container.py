"""Which container this process runs in, and which of a task's containers that is.

The v2 endpoint (and the task list of v3 and v4) answers with every container of the task, so the
caller has to find itself among them. Its own container id is read from ``/proc/self/cgroup``
(cgroup v1, or v2 with the host's cgroup namespace), from ``/proc/self/mountinfo`` (the files Docker
bind-mounts over ``/etc/hostname``, ``/etc/hosts`` and ``/etc/resolv.conf``, which name the
container's directory) and from the hostname, which in bridge mode is the short Docker id.

Only ids in known shapes are taken, so that a 64-hex string elsewhere (an overlay layer, a
sandbox, a pod) is never mistaken for the container's id:

- ``.../ecs/<task id>/<64 hex>`` (ECS on EC2), ``.../ecs/<32 hex>/<32 hex>-<1 to 10 digits>``
  (Fargate, where that last part is the ``DockerId``), ``.../docker-<64 hex>.scope`` (systemd
  cgroup driver) and ``.../docker/<64 hex>`` (cgroupfs driver), in cgroup paths;
- ``.../containers/<64 hex>/hostname`` (or ``hosts``, ``resolv.conf``) mounted on the ``/etc`` file
  of the same name, in mountinfo;
- a hostname of exactly 12 lowercase hex characters.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeVar

__all__ = [
    "MAX_READ",
    "ContainerLike",
    "OwnContainerIds",
    "explain_resolution",
    "parse_cgroup",
    "parse_mountinfo",
    "read_own_container_ids",
    "resolve_own_container",
]

MAX_READ = 256 * 1024
"""Most bytes read of each file: a process's cgroup and mount tables are far smaller."""

_HEX64 = r"[0-9a-f]{64}"
_END = r"(?=/|$)"
# (rank, shape, pattern) in order of confidence. Each id is a whole path segment: the ``(?:^|/)``
# before and the look-ahead after keep a longer hex run or a ``foo-docker`` segment from matching.
_CGROUP_SHAPES: tuple[tuple[int, str, re.Pattern[str]], ...] = (
    (0, "ECS task cgroup", re.compile(rf"(?:^|/)ecs/[0-9a-f][0-9a-f-]*/(?P<id>{_HEX64}){_END}")),
    (
        0,
        "Fargate task cgroup",
        re.compile(rf"(?:^|/)ecs/[0-9a-f]{{32}}/(?P<id>[0-9a-f]{{32}}-[0-9]{{1,10}}){_END}"),
    ),
    (1, "systemd docker scope", re.compile(rf"(?:^|/)docker-(?P<id>{_HEX64})\.scope{_END}")),
    (2, "Docker cgroup", re.compile(rf"(?:^|/)docker/(?P<id>{_HEX64}){_END}")),
)
_MOUNT_SHAPE = re.compile(
    rf"(?:^|/)containers/(?P<id>{_HEX64})/(?P<file>hostname|hosts|resolv\.conf)$"
)
_MOUNT_RANK = {"hostname": 3, "hosts": 4, "resolv.conf": 5}
_SHORT_ID = re.compile(r"[0-9a-f]{12}")
_NORMAL = "NORMAL"


class _Found(NamedTuple):
    rank: int
    depth: int
    line: int
    id: str
    shape: str


def _ordered(found: list[_Found]) -> list[_Found]:
    # Within a shape, the innermost match (Docker in Docker, systemd inside a container) first.
    found.sort(key=lambda f: (f.rank, -f.depth, f.line))
    seen: set[str] = set()
    unique = []
    for item in found:
        if item.id not in seen:
            seen.add(item.id)
            unique.append(item)
    return unique


def _cgroup_ids(text: str) -> list[_Found]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        path = parts[2]
        for rank, shape, pattern in _CGROUP_SHAPES:
            for match in pattern.finditer(path):
                depth = path.count("/", 0, match.start("id"))
                found.append(_Found(rank, depth, number, match["id"], shape))
    return _ordered(found)


def _mountinfo_ids(text: str) -> list[_Found]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        # <mount id> <parent id> <major:minor> <root> <mount point> <options> ... - <fs> <source>
        fields = line.split()
        if len(fields) < 5:
            continue
        root, mount_point = fields[3], fields[4]
        match = _MOUNT_SHAPE.search(root)
        if match is None or mount_point != "/etc/" + match["file"]:
            continue
        shape = f"Docker's {match['file']} mounted on {mount_point}"
        found.append(_Found(_MOUNT_RANK[match["file"]], 0, number, match["id"], shape))
    return _ordered(found)


def parse_cgroup(text: str) -> list[str]:
    """The container ids named by a ``/proc/<pid>/cgroup`` file.

    Args:
        text: The file's content: lines ``<hierarchy id>:<controllers>:<path>`` (cgroup v1), or
            ``0::<path>`` (cgroup v2).

    Returns:
        The ids, most confident first, without repeats. Empty for ``0::/`` (a private cgroup
        namespace, where :func:`parse_mountinfo` can help) and for paths of no known shape.
    """
    return [found.id for found in _cgroup_ids(text)]


def parse_mountinfo(text: str) -> list[str]:
    """The container ids named by the Docker mounts of a ``/proc/<pid>/mountinfo`` file.

    Args:
        text: The file's content, one mount a line, as the kernel writes it.

    Returns:
        The 64-hex ids of the ``.../containers/<id>/hostname`` (``hosts``, ``resolv.conf``) files
        mounted on ``/etc/hostname`` (``/etc/hosts``, ``/etc/resolv.conf``), most confident first,
        without repeats.
    """
    return [found.id for found in _mountinfo_ids(text)]


def _read(path: str) -> tuple[str | None, str]:
    """The start of a file as text, or None and why it could not be read."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_READ)
    except FileNotFoundError:
        return None, "not found"
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        return None, f"unreadable ({reason})"
    if len(data) == MAX_READ:
        # A line cut short could end in what looks like a whole id: drop it.
        data = data[: data.rfind(b"\n") + 1]
    return data.decode("utf-8", errors="replace"), "read"


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnContainerIds:
    """What this process knows of its own container's id.

    Attributes:
        full_ids: Full ids, most confident first: 64-hex Docker ids, and Fargate's
            ``<32 hex>-<digits>`` ids, each as the task metadata's ``DockerId`` would give it.
        short_id: The 12-hex short Docker id the hostname holds in bridge mode, or None.
        sources: One short note for each thing looked at, in the order looked at: where an id
            came from, or why a file or the hostname gave none.
    """

    full_ids: tuple[str, ...] = ()
    short_id: str | None = None
    sources: tuple[str, ...] = ()


def read_own_container_ids(
    *,
    cgroup_path: str = "/proc/self/cgroup",
    mountinfo_path: str = "/proc/self/mountinfo",
    hostname: str | None = None,
) -> OwnContainerIds:
    """Find this process's container ids in its cgroup file, its mounts and its hostname.

    Never raises: a file that is missing or cannot be read is noted in ``sources`` and skipped.
    At most :data:`MAX_READ` bytes of each file are read.

    Args:
        cgroup_path: The cgroup file to read.
        mountinfo_path: The mountinfo file to read.
        hostname: The hostname to consider; ``socket.gethostname()`` when None.

    Returns:
        The ids found, cgroup ids before mountinfo ids, and how each was found.
    """
    full_ids: list[str] = []
    sources: list[str] = []
    for path, finder in ((cgroup_path, _cgroup_ids), (mountinfo_path, _mountinfo_ids)):
        text, status = _read(path)
        if text is None:
            sources.append(f"{path}: {status}")
            continue
        found = [item for item in finder(text) if item.id not in full_ids]
        for item in found:
            full_ids.append(item.id)
            sources.append(f"{item.id} from {path} line {item.line} ({item.shape})")
        if not found:
            sources.append(f"{path}: no container id")
    if hostname is None:
        try:
            hostname = socket.gethostname()
        except OSError as error:
            hostname = ""
            sources.append(f"hostname: unknown ({error.strerror or type(error).__name__})")
    short_id = hostname if _SHORT_ID.fullmatch(hostname) else None
    if short_id is not None:
        sources.append(f"{short_id} from the hostname (a short Docker id, as in bridge mode)")
    elif hostname:
        sources.append(f"hostname {hostname!r}: not a short Docker id")
    return OwnContainerIds(full_ids=tuple(full_ids), short_id=short_id, sources=tuple(sources))


class ContainerLike(Protocol):
    """What resolution needs of a container: ``ContainerMetadata`` has it."""

    @property
    def docker_id(self) -> str | None:
        """The container's ``DockerId``; None for a container not created yet."""

    @property
    def name(self) -> str | None:
        """The container's name in the task definition."""

    @property
    def type(self) -> str | None:
        """``NORMAL`` for the task definition's containers, else ``CNI_PAUSE`` and such."""


C = TypeVar("C", bound=ContainerLike)


def _label(container: ContainerLike) -> str:
    if container.name:
        return f"container {container.name!r}"
    return f"the container with DockerId {container.docker_id}"


def _decide(
    containers: Sequence[C], own: OwnContainerIds, container_name: str | None
) -> tuple[C | None, str]:
    if not containers:
        return None, "unknown: the task lists no containers"
    # (containers the rule picks, why the only one is chosen, what the rule looked for)
    rules: list[tuple[list[C], str, str]] = [
        (
            [c for c in containers if c.docker_id == full_id],
            f"its DockerId is this process's id {full_id}",
            f"with the DockerId {full_id}",
        )
        for full_id in own.full_ids
    ]
    if own.short_id:
        short_id = own.short_id
        rules.append(
            (
                [c for c in containers if c.docker_id and c.docker_id.startswith(short_id)],
                f"its DockerId starts with the hostname {short_id}",
                f"whose DockerId starts with the hostname {short_id}",
            )
        )
    if container_name:
        rules.append(
            (
                [c for c in containers if c.name == container_name],
                "named by ECS_LOG_CONTEXT_CONTAINER_NAME",
                f"named {container_name!r} (ECS_LOG_CONTEXT_CONTAINER_NAME)",
            )
        )
    rules.append(
        (
            [c for c in containers if c.type == _NORMAL],
            "the task's only container of type NORMAL",
            "of type NORMAL",
        )
    )
    misses = [] if own.full_ids or own.short_id else ["no container id of this process found"]
    for matches, why, looked_for in rules:
        if len(matches) == 1:
            return matches[0], f"{_label(matches[0])}: {why}"
        misses.append(f"{len(matches)} containers {looked_for}")
    if not container_name:
        misses.append("set ECS_LOG_CONTEXT_CONTAINER_NAME to name this one")
    names = ", ".join(repr(c.name) for c in containers if c.name) or "none"
    return None, f"unknown: {'; '.join(misses)} (containers: {names})"


def resolve_own_container(
    containers: Sequence[C], own: OwnContainerIds, container_name: str | None = None
) -> C | None:
    """Which of the task's containers this process runs in; None rather than a guess.

    The first rule that picks exactly one container decides: (a) the container whose
    ``DockerId`` is one of ``own.full_ids``, tried most confident first; (b) the one whose
    ``DockerId`` starts with ``own.short_id``; (c) the one named ``container_name``; (d) the
    task's only container of type ``NORMAL``. A rule that picks none or several decides nothing.

    Args:
        containers: The task's containers, as the task metadata lists them.
        own: This process's container ids, from :func:`read_own_container_ids`.
        container_name: The container's name as the user set it
            (``ECS_LOG_CONTEXT_CONTAINER_NAME``), or None.

    Returns:
        One of ``containers``, or None when no rule picks exactly one.
    """
    return _decide(containers, own, container_name)[0]


def explain_resolution(
    containers: Sequence[ContainerLike], own: OwnContainerIds, container_name: str | None = None
) -> str:
    """One sentence on how :func:`resolve_own_container` decides, for a command line that explains.

    Args:
        containers: The task's containers.
        own: This process's container ids.
        container_name: The container's name as the user set it, or None.

    Returns:
        The container chosen and the rule that chose it, or ``unknown: `` and why each rule failed.
    """
    return _decide(containers, own, container_name)[1]
