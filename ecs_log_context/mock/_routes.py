"""The agent's task metadata routes: a request in, the agent's answer out.

No sockets and no threads here: the HTTP server (``_http``) reads a :class:`Request` off the
wire and writes the :class:`Answer` back. :func:`answer` follows the agent's handler chain
(read from aws/amazon-ecs-agent): gorilla/mux's outer router redirects an unclean path,
tollbooth throttles and adds its headers, then the v2, v3 and v4 routes answer, with the
agent's statuses, content types and error bodies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import quote

from ._stats import StatsSource
from ._task import JSONObject, TaskState, go_json
from ._throttle import Throttle

__all__ = ["Answer", "Request", "Served", "answer", "clean_path"]

_TEXT = "text/plain; charset=utf-8"
_JSON = "application/json"
_NOT_FOUND_BODY = b"404 page not found\n"
_THROTTLED_BODY = b"You have reached maximum request limit."

# gorilla/mux patterns of the agent's routes, in its registration order (first match wins).
# v3 and v4 endpoint IDs are "[^/]*", so "/v4/" is the container route with an empty ID.
_V2_ROUTES = (
    (re.compile(r"/v2/metadata/(?P<id>.+)"), "container"),
    (re.compile(r"/v2/metadata/?"), "task"),
    (re.compile(r"/v2/metadataWithTags/?"), "taskWithTags"),
    (re.compile(r"/v2/stats/(?P<id>.+)"), "container_stats"),
    (re.compile(r"/v2/stats/?"), "task_stats"),
)
_V34_ROUTE = re.compile(
    r"/(?P<version>v[34])/(?P<id>[^/]*)(?P<kind>|/task|/taskWithTags|/stats|/task/stats)"
)
_V34_KINDS = {
    "": "container",
    "/task": "task",
    "/taskWithTags": "taskWithTags",
    "/stats": "container_stats",
    "/task/stats": "task_stats",
}

# Bodies of the agent's lookup failures for an unknown v3/v4 endpoint ID, and their status.
_LOOKUP_FAILURES = {
    "container": (
        "{V} container metadata handler: unable to get container ID from request: "
        "unable to get docker ID from v3 endpoint ID: {id}"
    ),
    "task": (
        "{V} task metadata handler: unable to get task arn from request: "
        "unable to get task Arn from v3 endpoint ID: {id}"
    ),
    "container_stats": (
        "{V} container stats handler: unable to get task arn from request: "
        "unable to get task Arn from v3 endpoint ID: {id}"
    ),
    "task_stats": (
        "{V} task stats handler: unable to get task arn from request: "
        "unable to get task Arn from v3 endpoint ID: {id}"
    ),
}
_LOOKUP_STATUS = {
    "v3": {"container": 500, "task": 500, "container_stats": 400, "task_stats": 400},
    "v4": {"container": 404, "task": 404, "container_stats": 404, "task_stats": 404},
}

# Characters Go's url.URL leaves unescaped in a path (what ends up in a redirect's Location).
_GO_PATH_SAFE = "/$&+,:;=@-._~"


class Request(NamedTuple):
    """One request, as the agent's handlers see it.

    The agent registers its routes without a method: every method is answered alike.
    """

    method: str
    path: str
    """Percent-decoded, as Go's ``URL.Path``."""
    query: str = ""
    """The raw query string, without the ``?``."""
    client_ip: str = "127.0.0.1"
    client_port: int = 0
    forwarded_for: str = ""
    """The ``X-Forwarded-For`` header, or ``""``."""


class Answer(NamedTuple):
    """What the agent answers: status, ``Content-Type`` (``None``: none sent), body, headers."""

    status: int
    content_type: str | None
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    reads_tags: bool = False
    """The agent asked ECS for the tags to build it (a ``taskWithTags`` answer of the task):
    the answer that the mock's ``tags_latency`` delays."""


@dataclass(frozen=True)
class Served:
    """What the routes answer from.

    Attributes:
        state: the task, indexed the way the agent looks things up.
        stats: the containers' synthetic Docker stats.
        v2_tags_path: which v2 path serves the task with tags: ``"agent"``,
            ``"documented"`` or ``"both"`` (see :class:`~ecs_log_context.mock.MockEndpoint`).
        throttle: the rate limit; its rate goes into the rate headers of every answer.
        limiting: whether the throttle refuses requests (``False``: it only adds headers).
    """

    state: TaskState
    stats: StatsSource = field(default_factory=StatsSource)
    v2_tags_path: str = "agent"
    throttle: Throttle = field(default_factory=lambda: Throttle(40.0, 60))
    limiting: bool = True


def answer(request: Request, served: Served, *, fail: bool = False) -> Answer:
    """The agent's answer to one request.

    Args:
        request: the request.
        served: the task and the options it is served with.
        fail: answer as the agent does when building a response fails (its 500), wherever
            it would answer 200; how the mock's ``error_rate`` injects errors.

    Returns:
        Status, content type, body and extra headers. A request that is not redirected
        takes a token from ``served.throttle`` (when ``served.limiting``); stats bodies
        read the clock. Nothing else changes.
    """
    path = request.path
    cleaned = clean_path(path)
    if cleaned != path:
        # The outer router redirects before the rate limiter runs: no rate headers here.
        query = request.query
        location = quote(cleaned, safe=_GO_PATH_SAFE) + (f"?{query}" if query else "")
        return Answer(301, None, b"", (("Location", location),))
    ip = request.client_ip
    remote_addr = f"[{ip}]:{request.client_port}" if ":" in ip else f"{ip}:{request.client_port}"
    throttle = served.throttle
    rate_headers = (
        ("X-Rate-Limit-Limit", f"{throttle.rate:.2f}"),
        ("X-Rate-Limit-Duration", "1"),
        ("X-Rate-Limit-Request-Forwarded-For", request.forwarded_for),
        ("X-Rate-Limit-Request-Remote-Addr", remote_addr),
    )
    if served.limiting and not throttle.allow(ip, path):
        result = Answer(429, _TEXT, _THROTTLED_BODY)
    elif "credentials" in path.lower():
        result = _not_found()
    else:
        result = _Routes(served, fail).route(path, ip)
    return result._replace(headers=rate_headers + result.headers)


def clean_path(path: str) -> str:
    """Go's ``path.Clean``, keeping a trailing slash: what gorilla/mux redirects to."""
    if not path:
        return "/"
    if not path.startswith("/"):
        path = "/" + path
    parts: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts:
                parts.pop()
            continue
        parts.append(segment)
    cleaned = "/" + "/".join(parts)
    if path.endswith("/") and cleaned != "/":
        cleaned += "/"
    return cleaned


def _json_answer(status: int, value: object) -> Answer:
    return Answer(status, _JSON, go_json(value))


def _not_found() -> Answer:
    # Go's http.NotFound, which gorilla/mux answers when no route matches.
    return Answer(404, _TEXT, _NOT_FOUND_BODY, (("X-Content-Type-Options", "nosniff"),))


class _Routes:
    """The agent's routes, for one request: what it serves, and whether building fails."""

    __slots__ = ("_fail", "_served", "_state")

    def __init__(self, served: Served, fail: bool) -> None:
        self._served = served
        self._state = served.state
        self._fail = fail

    def route(self, path: str, ip: str) -> Answer:
        match = _V34_ROUTE.fullmatch(path)
        if match:
            return self._v34(match["version"], _V34_KINDS[match["kind"]], match["id"])
        if path.startswith("/v2/"):
            for pattern, kind in _V2_ROUTES:
                match = pattern.fullmatch(path)
                if match:
                    return self._v2(kind, match.groupdict().get("id") or "", ip)
        return _not_found()

    def _v2(self, kind: str, item: str, ip: str) -> Answer:
        tags_path = self._served.v2_tags_path
        if kind == "container" and item == "taskWithTags" and tags_path != "agent":
            kind = "taskWithTags"
        elif kind == "taskWithTags" and tags_path == "documented":
            return _not_found()
        if not self._state.is_awsvpc:
            # The agent finds a v2 caller's task by its IP address: only awsvpc tasks have one.
            return _json_answer(
                400, f"Unable to get task arn from request: unable to associate '{ip}' with task"
            )
        if kind in ("container", "container_stats"):
            return self._v2_container(kind, item)
        return self._task_level("v2", kind)

    def _v2_container(self, kind: str, docker_id: str) -> Answer:
        state = self._state
        container = state.by_docker_id.get(docker_id)
        if kind == "container":
            if container is None:
                return _json_answer(400, f"Unable to generate metadata for container '{docker_id}'")
            body = state.container_body(container, "v2")
            return self._ok_or_error("v2", kind, docker_id, lambda: body)
        if container is None or not state.has_stats(container):
            return _json_answer(400, f"Unable to get container stats for: {docker_id}")
        found = container
        return self._ok_or_error("v2", kind, docker_id, lambda: self._container_stats(found, "v2"))

    def _v34(self, version: str, kind: str, endpoint_id: str) -> Answer:
        state = self._state
        container = state.by_endpoint_id.get(endpoint_id)
        if container is None:
            lookup = "task" if kind == "taskWithTags" else kind
            body = _LOOKUP_FAILURES[lookup].format(V=version.upper(), id=endpoint_id)
            return _json_answer(_LOOKUP_STATUS[version][lookup], body)
        docker_id = str(container["DockerId"])
        if kind == "container":
            return self._ok_or_error(
                version, kind, docker_id, lambda: state.container_body(container, version)
            )
        if kind == "container_stats":
            if not state.has_stats(container):
                status = 500 if version == "v4" else 400
                return _json_answer(status, f"Unable to get container stats for: {docker_id}")
            return self._ok_or_error(
                version, kind, docker_id, lambda: self._container_stats(container, version)
            )
        return self._task_level(version, kind)

    def _task_level(self, version: str, kind: str) -> Answer:
        state = self._state
        if kind == "task_stats":
            return self._ok_or_error(version, kind, "", lambda: self._task_stats(version))
        with_tags = kind == "taskWithTags"
        result = self._ok_or_error(
            version, kind, "", lambda: state.task_body(version, with_tags=with_tags)
        )
        # The agent asks ECS for the tags once it has built the task's answer, not after a 500.
        return result._replace(reads_tags=with_tags and result.status == 200)

    def _ok_or_error(
        self, version: str, kind: str, docker_id: str, body: Callable[[], object]
    ) -> Answer:
        """A 200 with the body or, when building fails, the agent's 500 for the route."""
        if self._fail:
            return _json_answer(500, self._failure_message(version, kind, docker_id))
        return _json_answer(200, body())

    def _failure_message(self, version: str, kind: str, docker_id: str) -> str:
        """What the agent answers when building a response fails (its 500s)."""
        arn = self._state.task["TaskARN"]
        if kind == "container_stats":
            return f"Unable to get container stats for: {docker_id}"
        if kind == "task_stats":
            return f"Unable to get task stats for: {arn}"
        if kind == "container":
            if version == "v4":
                return f"unable to generate metadata for container '{docker_id}'"
            return f"Unable to generate metadata for container '{docker_id}'"
        if version == "v4":
            return f"Unable to generate metadata for v4 task: '{arn}'"
        return f"Unable to generate metadata for task: '{arn}'"

    def _container_stats(self, container: JSONObject, version: str) -> JSONObject:
        return self._served.stats.stats(container, self._state.task, v4=version == "v4")

    def _task_stats(self, version: str) -> dict[str, JSONObject | None]:
        state = self._state
        stats: dict[str, JSONObject | None] = {}
        # Go writes maps with sorted keys.
        for docker_id in sorted(state.by_docker_id):
            container = state.by_docker_id[docker_id]
            if state.has_stats(container):
                stats[docker_id] = self._container_stats(container, version)
            else:
                # v2 and v3 map a container without stats to nil; v4 to an empty StatsResponse.
                stats[docker_id] = {} if version == "v4" else None
        return stats
