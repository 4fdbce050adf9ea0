"""A stand-in for the ECS container agent's task metadata endpoint (v2, v3 and v4).

It answers as the agent does, status codes, content types and error bodies included
(read from aws/amazon-ecs-agent and the tollbooth rate limiter it uses): for local
development (``ecs-log-context serve``), the ``demo`` command, tests and benchmarks.

:class:`MockEndpoint` is the lifecycle: it starts and stops the server and says where it
answers. The agent's routes are in ``_routes`` (a request in, an answer out), its rate limit
in ``_throttle``, the HTTP plumbing, injected faults and request log in ``_http``.
"""

from __future__ import annotations

import os
import shlex
import threading
import types
from typing import Literal

from ecs_log_context.errors import ConfigurationError

from ._http import MAX_RECORDED, Faults, MetadataServer, RecordedRequest, RequestLog
from ._instance import (
    ec2_options,
    metadata_file_document,
    remove_metadata_file,
    write_metadata_file,
)
from ._routes import Served
from ._stats import StatsSource
from ._task import JSONObject, TaskState, load_sample, load_task_file
from ._throttle import Throttle

__all__ = ["MAX_RECORDED", "MockEndpoint", "RecordedRequest"]

_LAUNCH_TYPES = ("EC2", "FARGATE")
_V2_TAGS_PATHS = ("agent", "documented", "both")


class MockEndpoint:
    """A local ECS task metadata endpoint that answers like the container agent.

    It serves one task (a built-in EC2 or Fargate sample, or a JSON file) on the v2, v3 and
    v4 routes, with synthetic Docker stats, the agent's error answers and its rate limit;
    on EC2 it can also answer the agent's tag errors and write the container metadata file.

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
        task_file: a JSON file shaped like the v4 ``/task`` answer, served instead of a
            sample. ``TaskTags``, ``ContainerInstanceTags`` and ``Errors`` (the agent's
            errors reading the tags, a list of objects) may be added: ``taskWithTags``
            serves them, ``Errors`` on v4 only, as the agent does.
        container_name: ``Name`` of the container that the v3/v4 ``${URI}`` belongs to;
            default: the first container of ``Type`` ``NORMAL``.
        latency: seconds added to every answer.
        tags_latency: seconds added, on top of ``latency``, to the answers of the task with
            tags (v4 and v3 ``/taskWithTags``, v2's tags paths), for which the agent asks
            ECS: only the tags route is slow.
        tags_error: ``"access-denied"``: ``taskWithTags`` answers as the agent does when
            ECS refuses its instance role ``ecs:ListTagsForResource``: without
            ``TaskTags`` and ``ContainerInstanceTags`` and, on v4, with an ``Errors`` array
            of two ``AccessDeniedException`` (the container instance's tags, the task's),
            shaped as the agent's. EC2 tasks only. ``None``: the tags are served.
        metadata_file: a path: :meth:`start` writes there the container metadata file of
            "this" container (the agent's format, ``MetadataFileStatus`` ``READY``) and
            :meth:`stop` removes it; :meth:`environ` then names it. EC2 tasks only: the
            agent writes it on EC2 (``ECS_ENABLE_CONTAINER_METADATA=true``), Fargate never.
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
        tags_latency: float = 0.0,
        tags_error: Literal["access-denied"] | None = None,
        metadata_file: str | os.PathLike[str] | None = None,
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
        self._faults = Faults()
        self.latency = latency
        self.error_rate = error_rate
        self.tags_latency = tags_latency
        self._host = host
        self._port = port
        task = load_sample(launch_type) if task_file is None else load_task_file(task_file)
        declared = task.get("LaunchType")
        self._launch_type = declared if isinstance(declared, str) and declared else launch_type
        task, self._metadata_file = ec2_options(
            task, self._launch_type, tags_error=tags_error, metadata_file=metadata_file
        )
        state = TaskState(task, container_name)
        self._served = Served(
            state=state,
            stats=StatsSource(),
            v2_tags_path=v2_tags_path,
            throttle=Throttle(rate, burst),
            limiting=throttle,
        )
        self._log = RequestLog()
        self._lifecycle_lock = threading.Lock()
        self._server: MetadataServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = threading.Event()
        self._stopped.set()

    # Options that may change while serving.

    @property
    def latency(self) -> float:
        """Seconds added to every answer; may be changed while serving."""
        return self._faults.latency

    @latency.setter
    def latency(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ConfigurationError("latency", value, "a number of seconds, 0 or more")
        self._faults.latency = float(value)

    @property
    def tags_latency(self) -> float:
        """Seconds added to the ``taskWithTags`` answers only; may be changed while serving."""
        return self._faults.tags_latency

    @tags_latency.setter
    def tags_latency(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ConfigurationError("tags_latency", value, "a number of seconds, 0 or more")
        self._faults.tags_latency = float(value)

    @property
    def error_rate(self) -> float:
        """Fraction of answers replaced by a 500; may be changed while serving."""
        return self._faults.error_rate

    @error_rate.setter
    def error_rate(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigurationError("error_rate", value, "a fraction from 0 to 1")
        self._faults.error_rate = float(value)

    # Lifecycle.

    def start(self) -> MockEndpoint:
        """Start serving in a daemon thread; does nothing when already serving.

        After :meth:`stop`, it serves again on the same port. With ``metadata_file``, the
        file is written once the address is bound.

        Returns:
            The mock itself.

        Raises:
            OSError: the address cannot be bound, or the metadata file cannot be written
                (then its ``filename`` is set).
        """
        with self._lifecycle_lock:
            if self._server is not None:
                return self
            server = MetadataServer((self._host, self._port), self._served, self._faults, self._log)
            if self._metadata_file is not None:
                try:
                    write_metadata_file(self._metadata_file, self.metadata_file_document())
                except OSError:
                    server.server_close()
                    raise
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
        """Stop serving, close open connections and the socket, remove the metadata file;
        does nothing when stopped."""
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
            if self._metadata_file is not None:
                remove_metadata_file(self._metadata_file)
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
        return self._served.state.own_endpoint_id

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

    @property
    def metadata_file(self) -> str | None:
        """The absolute path of the container metadata file written, or ``None``."""
        return self._metadata_file

    def environ(self) -> dict[str, str]:
        """The environment variables a task container would see, pointing at this mock.

        Returns:
            ``ECS_CONTAINER_METADATA_URI_V4``, ``ECS_CONTAINER_METADATA_URI``,
            ``ECS_LOG_CONTEXT_V2_ENDPOINT`` and ``AWS_EXECUTION_ENV``; with
            ``metadata_file``, also ``ECS_CONTAINER_METADATA_FILE`` and
            ``ECS_LOG_CONTEXT_SOURCE=file``: with the endpoint's variables set, the library
            would read v4 first, so the file is only read when asked for.
        """
        execution_env = "AWS_ECS_FARGATE" if self._launch_type == "FARGATE" else "AWS_ECS_EC2"
        variables = {
            "ECS_CONTAINER_METADATA_URI_V4": self.v4_uri,
            "ECS_CONTAINER_METADATA_URI": self.v3_uri,
            "ECS_LOG_CONTEXT_V2_ENDPOINT": self.v2_endpoint,
            "AWS_EXECUTION_ENV": execution_env,
        }
        if self._metadata_file is not None:
            variables["ECS_CONTAINER_METADATA_FILE"] = self._metadata_file
            variables["ECS_LOG_CONTEXT_SOURCE"] = "file"
        return variables

    def export_lines(self) -> list[str]:
        """:meth:`environ` as shell lines, ``export NAME=value``, values quoted for the shell."""
        return [f"export {name}={shlex.quote(value)}" for name, value in self.environ().items()]

    # What it serves.

    @property
    def task(self) -> JSONObject:
        """The task served (v4 shape, tags included); changes show from the next answer."""
        return self._served.state.task

    def metadata_file_document(self) -> JSONObject:
        """The metadata file of "this" container from :attr:`task` as it is now (READY)."""
        state = self._served.state
        return metadata_file_document(state.task, state.own)

    def write_metadata_file(self) -> None:
        """Write the metadata file again, from :attr:`task` as it is now.

        Raises:
            RuntimeError: the mock has no ``metadata_file``.
            OSError: the file cannot be written.
        """
        if self._metadata_file is None:
            raise RuntimeError("the mock endpoint has no metadata_file")
        write_metadata_file(self._metadata_file, self.metadata_file_document())

    @property
    def own_container_docker_id(self) -> str:
        """DockerId of "this" container, the one that ``${URI}`` describes."""
        return str(self._served.state.own["DockerId"])

    # What it answered.

    @property
    def requests(self) -> list[RecordedRequest]:
        """The latest answers (up to 100,000), oldest first: ``(method, path, status)``."""
        return self._log.requests

    @property
    def request_count(self) -> int:
        """How many answers so far."""
        return self._log.count

    @property
    def credentials_request_count(self) -> int:
        """How many requests asked for a path with ``credentials`` in it (never served)."""
        return self._log.credentials_count

    def reset_counts(self) -> None:
        """Forget the answers recorded so far (the throttle's buckets are kept)."""
        self._log.clear()
