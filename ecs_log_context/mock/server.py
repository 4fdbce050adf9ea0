"""A stand-in for the ECS container agent's task metadata endpoint (v2, v3 and v4).

It answers as the agent does, status codes, content types and error bodies included
(read from aws/amazon-ecs-agent and the tollbooth rate limiter it uses): for local
development (``ecs-log-context serve``), the ``demo`` command, tests and benchmarks.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import shlex
import socket
import socketserver
import sys
import threading
import time
import types
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, NamedTuple
from urllib.parse import quote, unquote, urlsplit

from ecs_log_context.errors import ConfigurationError

from ._stats import StatsSource
from ._task import JSONObject, TaskState, go_json, load_sample, load_task_file
from ._throttle import Throttle

__all__ = ["MockEndpoint", "RecordedRequest"]

_log = logging.getLogger(__name__)

_LAUNCH_TYPES = ("EC2", "FARGATE")
MAX_RECORDED = 100_000
_V2_TAGS_PATHS = ("agent", "documented", "both")

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


class RecordedRequest(NamedTuple):
    """One answer of the mock, as recorded in :attr:`MockEndpoint.requests`."""

    method: str
    path: str
    status: int


class _Answer(NamedTuple):
    status: int
    content_type: str | None
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _json_answer(status: int, value: object) -> _Answer:
    return _Answer(status, _JSON, go_json(value))


def _not_found() -> _Answer:
    # Go's http.NotFound, which gorilla/mux answers when no route matches.
    return _Answer(404, _TEXT, _NOT_FOUND_BODY, (("X-Content-Type-Options", "nosniff"),))


def _clean_path(path: str) -> str:
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


class _Server(ThreadingHTTPServer):
    """The HTTP server; it knows its mock and the connections it has open."""

    daemon_threads = True
    # A fleet starting at once connects all together: the default backlog of 5 would drop them.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], mock: MockEndpoint) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.mock = mock
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name with getfqdn: slow, and not needed.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        _log.exception("mock endpoint: error while answering %s", client_address)

    def close_connections(self) -> None:
        """Shut down every open client connection, idle keep-alive ones included."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Answers every method alike: the agent registers its routes without a method."""

    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds
    # the body until the client's delayed ACK, some 40 ms per answer.
    disable_nagle_algorithm = True
    # Go's server closes idle keep-alive connections after its read timeout (5 s in the agent).
    timeout = 5.0

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def __getattr__(self, name: str) -> Callable[[], None]:
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    def send_response(self, code: int, message: str | None = None) -> None:
        # Go sends no Server header.
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("mock endpoint: %s " + format, self.address_string(), *args)

    def _answer(self) -> None:
        self._discard_body()
        mock = self.server.mock
        target = self.path
        if not target.startswith("/"):  # absolute-form: http://host/path
            target = urlsplit(target)._replace(scheme="", netloc="").geturl()
        raw_path, _, query = target.partition("#")[0].partition("?")
        ip = str(self.client_address[0])
        port = self.client_address[1]
        remote_addr = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
        answer = mock._answer(
            unquote(raw_path), query, ip, remote_addr, self.headers.get("X-Forwarded-For", "")
        )
        latency = mock.latency
        if latency > 0:
            time.sleep(latency)
        mock._record(RecordedRequest(self.command, raw_path, answer.status))
        self.send_response(answer.status)
        if answer.content_type is not None:
            self.send_header("Content-Type", answer.content_type)
        for name, value in answer.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def _discard_body(self) -> None:
        """Read and drop a request body, so that the connection can serve the next request."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            return
        try:
            remaining = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)


class MockEndpoint:
    """A local ECS task metadata endpoint that answers like the container agent.

    It serves one task (a built-in EC2 or Fargate sample, or a JSON file) on the v2, v3 and
    v4 routes, with synthetic Docker stats, the agent's error answers and its rate limit.

    Example::

        with MockEndpoint(launch_type="FARGATE") as mock:
            os.environ.update(mock.environ())
            ...

    Args:
        host: address to listen on.
        port: port to listen on; 0 picks a free port.
        launch_type: built-in sample to serve, ``"EC2"`` (an awsvpc task with a pause
            container, the app and a log router) or ``"FARGATE"``; when ``task_file`` is
            given, only the fallback for ``AWS_EXECUTION_ENV`` when the task has no
            ``LaunchType``.
        task_file: a JSON file shaped like the v4 ``/task`` answer (``TaskTags`` and
            ``ContainerInstanceTags`` may be added for ``taskWithTags``), served instead of
            a sample.
        container_name: ``Name`` of the container that the v3/v4 ``${URI}`` belongs to;
            default: the first container of ``Type`` ``NORMAL``.
        latency: seconds added to every answer.
        error_rate: fraction (0 to 1) of metadata and stats answers replaced by a 500
            with the agent's error body.
        throttle: limit requests as the agent does: a token bucket per (client IP, URL
            path), refilled at ``rate`` per second, holding at most ``burst``.
        rate: the throttle's steady rate, requests per second.
        burst: the throttle's burst.
        v2_tags_path: which v2 path serves the task with tags: ``"agent"`` (the agent's
            ``/v2/metadataWithTags``; the documented ``/v2/metadata/taskWithTags`` answers
            400 as on a real agent), ``"documented"`` (only the documented path), or
            ``"both"``.

    Raises:
        ValueError: an option cannot be used, or the task file is not a task (the message
            names the file and what is wrong).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        launch_type: str = "EC2",
        task_file: str | None = None,
        container_name: str | None = None,
        latency: float = 0.0,
        error_rate: float = 0.0,
        throttle: bool = True,
        rate: float = 40.0,
        burst: int = 60,
        v2_tags_path: Literal["agent", "documented", "both"] = "agent",
    ) -> None:
        if launch_type not in _LAUNCH_TYPES:
            raise ConfigurationError("launch_type", launch_type, "'EC2' or 'FARGATE'")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigurationError("port", port, "an integer from 0 to 65535")
        if not isinstance(rate, (int, float)) or not rate > 0:
            raise ConfigurationError("rate", rate, "a number of requests per second above 0")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ConfigurationError("burst", burst, "an integer of at least 1")
        if v2_tags_path not in _V2_TAGS_PATHS:
            raise ConfigurationError(
                "v2_tags_path", v2_tags_path, "'agent', 'documented' or 'both'"
            )
        self.latency = latency
        self.error_rate = error_rate
        self._host = host
        self._port = port
        self._throttle = throttle
        self._rate_header = f"{float(rate):.2f}"
        self._buckets = Throttle(rate, burst)
        self._v2_tags_path = v2_tags_path
        task = load_sample(launch_type) if task_file is None else load_task_file(task_file)
        self._state = TaskState(task, container_name)
        declared = task.get("LaunchType")
        self._launch_type = declared if isinstance(declared, str) and declared else launch_type
        self._stats = StatsSource()
        # The latest answers only: a long `serve` session must not grow without bound.
        self._requests: deque[RecordedRequest] = deque(maxlen=MAX_RECORDED)
        self._count = 0
        self._credentials_count = 0
        self._requests_lock = threading.Lock()
        self._lifecycle_lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._stopped.set()

    # Options that may change while serving.

    @property
    def latency(self) -> float:
        """Seconds added to every answer; may be changed while serving."""
        return self._latency

    @latency.setter
    def latency(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ConfigurationError("latency", value, "a number of seconds, 0 or more")
        self._latency = float(value)

    @property
    def error_rate(self) -> float:
        """Fraction of answers replaced by a 500; may be changed while serving."""
        return self._error_rate

    @error_rate.setter
    def error_rate(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigurationError("error_rate", value, "a fraction from 0 to 1")
        self._error_rate = float(value)

    # Lifecycle.

    def start(self) -> MockEndpoint:
        """Start serving in a daemon thread; does nothing when already serving.

        After :meth:`stop`, it serves again on the same port.

        Returns:
            The mock itself.

        Raises:
            OSError: the address cannot be bound.
        """
        with self._lifecycle_lock:
            if self._server is not None:
                return self
            server = _Server((self._host, self._port), self)
            self._port = server.server_port
            self._server = server
            self._stopped.clear()
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.02},
                name=f"ecs-metadata-mock:{self._port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and the socket; does nothing when stopped."""
        with self._lifecycle_lock:
            server, thread = self._server, self._thread
            self._server = None
            self._thread = None
            if server is None:
                return
            server.shutdown()
            server.close_connections()
            server.server_close()
            if thread is not None:
                thread.join()
            self._stopped.set()

    def serve_forever(self) -> None:
        """Serve until :meth:`stop` is called or the process is interrupted (Ctrl-C)."""
        self.start()
        try:
            while not self._stopped.wait(0.25):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> MockEndpoint:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: types.TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._port else "not started"
        return f"<MockEndpoint {where} launch_type={self._launch_type}>"

    # Where it answers.

    @property
    def port(self) -> int:
        """The port served (0 until the first :meth:`start` when a free port was asked)."""
        return self._port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: the root of every route.

        Raises:
            RuntimeError: not started yet, and the port is not known.
        """
        if not self._port:
            raise RuntimeError("the mock endpoint has no port yet: call start() first")
        host = self._host
        if host in ("", "0.0.0.0"):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._port}"

    @property
    def endpoint_id(self) -> str:
        """The v3/v4 endpoint ID of "this" container (the last part of ``${URI}``)."""
        return self._state.own_endpoint_id

    @property
    def v4_uri(self) -> str:
        """The value of ``ECS_CONTAINER_METADATA_URI_V4``."""
        return f"{self.base_url}/v4/{self.endpoint_id}"

    @property
    def v3_uri(self) -> str:
        """The value of ``ECS_CONTAINER_METADATA_URI``."""
        return f"{self.base_url}/v3/{self.endpoint_id}"

    @property
    def v2_endpoint(self) -> str:
        """The base URL of the v2 routes, for ``ECS_LOG_CONTEXT_V2_ENDPOINT``."""
        return self.base_url

    def environ(self) -> dict[str, str]:
        """The environment variables a task container would see, pointing at this mock.

        Returns:
            ``ECS_CONTAINER_METADATA_URI_V4``, ``ECS_CONTAINER_METADATA_URI``,
            ``ECS_LOG_CONTEXT_V2_ENDPOINT`` and ``AWS_EXECUTION_ENV``.
        """
        execution_env = "AWS_ECS_FARGATE" if self._launch_type == "FARGATE" else "AWS_ECS_EC2"
        return {
            "ECS_CONTAINER_METADATA_URI_V4": self.v4_uri,
            "ECS_CONTAINER_METADATA_URI": self.v3_uri,
            "ECS_LOG_CONTEXT_V2_ENDPOINT": self.v2_endpoint,
            "AWS_EXECUTION_ENV": execution_env,
        }

    def export_lines(self) -> list[str]:
        """:meth:`environ` as shell lines, ``export NAME=value``, values quoted for the shell."""
        return [f"export {name}={shlex.quote(value)}" for name, value in self.environ().items()]

    # What it serves.

    @property
    def task(self) -> JSONObject:
        """The task served (v4 shape, tags included); changes show from the next answer."""
        return self._state.task

    @property
    def own_container_docker_id(self) -> str:
        """DockerId of "this" container, the one that ``${URI}`` describes."""
        return str(self._state.own["DockerId"])

    # What it answered.

    @property
    def requests(self) -> list[RecordedRequest]:
        """The latest answers (up to 100,000), oldest first: ``(method, path, status)``."""
        with self._requests_lock:
            return list(self._requests)

    @property
    def request_count(self) -> int:
        """How many answers so far."""
        with self._requests_lock:
            return self._count

    @property
    def credentials_request_count(self) -> int:
        """How many requests asked for a path with ``credentials`` in it (never served)."""
        with self._requests_lock:
            return self._credentials_count

    def reset_counts(self) -> None:
        """Forget the answers recorded so far (the throttle's buckets are kept)."""
        with self._requests_lock:
            self._requests.clear()
            self._count = self._credentials_count = 0

    def _record(self, request: RecordedRequest) -> None:
        with self._requests_lock:
            self._requests.append(request)
            self._count += 1
            self._credentials_count += "credentials" in unquote(request.path).lower()

    # Answering: the agent's outer router, the rate limiter, then its routes.

    def _answer(
        self, path: str, query: str, ip: str, remote_addr: str, forwarded_for: str
    ) -> _Answer:
        """The answer to one request, as the agent's handler chain would give it.

        Args:
            path: the request's path, percent-decoded (Go's ``URL.Path``).
            query: the raw query string.
            ip: the client's IP address.
            remote_addr: the client's ``ip:port``.
            forwarded_for: the request's ``X-Forwarded-For`` header, or ``""``.

        Returns:
            Status, content type, body and extra headers.
        """
        cleaned = _clean_path(path)
        if cleaned != path:
            # The outer router redirects before the rate limiter runs: no rate headers here.
            location = quote(cleaned, safe=_GO_PATH_SAFE) + (f"?{query}" if query else "")
            return _Answer(301, None, b"", (("Location", location),))
        rate_headers = (
            ("X-Rate-Limit-Limit", self._rate_header),
            ("X-Rate-Limit-Duration", "1"),
            ("X-Rate-Limit-Request-Forwarded-For", forwarded_for),
            ("X-Rate-Limit-Request-Remote-Addr", remote_addr),
        )
        if self._throttle and not self._buckets.allow(ip, path):
            answer = _Answer(429, _TEXT, _THROTTLED_BODY)
        elif "credentials" in path.lower():
            answer = _not_found()
        else:
            answer = self._route(path, ip)
        return answer._replace(headers=rate_headers + answer.headers)

    def _route(self, path: str, ip: str) -> _Answer:
        match = _V34_ROUTE.fullmatch(path)
        if match:
            return self._v34(match["version"], _V34_KINDS[match["kind"]], match["id"])
        if path.startswith("/v2/"):
            for pattern, kind in _V2_ROUTES:
                match = pattern.fullmatch(path)
                if match:
                    return self._v2(kind, match.groupdict().get("id") or "", ip)
        return _not_found()

    def _v2(self, kind: str, item: str, ip: str) -> _Answer:
        if kind == "container" and item == "taskWithTags" and self._v2_tags_path != "agent":
            kind = "taskWithTags"
        elif kind == "taskWithTags" and self._v2_tags_path == "documented":
            return _not_found()
        if not self._state.is_awsvpc:
            # The agent finds a v2 caller's task by its IP address: only awsvpc tasks have one.
            return _json_answer(
                400, f"Unable to get task arn from request: unable to associate '{ip}' with task"
            )
        if kind in ("container", "container_stats"):
            return self._v2_container(kind, item)
        return self._task_level("v2", kind)

    def _v2_container(self, kind: str, docker_id: str) -> _Answer:
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

    def _v34(self, version: str, kind: str, endpoint_id: str) -> _Answer:
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

    def _task_level(self, version: str, kind: str) -> _Answer:
        state = self._state
        if kind == "task_stats":
            return self._ok_or_error(version, kind, "", lambda: self._task_stats(version))
        with_tags = kind == "taskWithTags"
        return self._ok_or_error(
            version, kind, "", lambda: state.task_body(version, with_tags=with_tags)
        )

    def _ok_or_error(
        self, version: str, kind: str, docker_id: str, body: Callable[[], object]
    ) -> _Answer:
        """A 200 with the body, or (``error_rate`` of the time) the agent's 500 for the route."""
        error_rate = self._error_rate
        if error_rate > 0 and random.random() < error_rate:  # noqa: S311
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
        return self._stats.stats(container, self._state.task, v4=version == "v4")

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
