"""Fault injection for the reliability tests: a loopback endpoint whose answers can be switched
while it serves, a port that refuses connections until it is opened, and helpers to watch what
the library says on its own logger.

`scripted_server.ScriptedServer` answers fixed routes; `FaultServer` adds what the fault matrix
needs besides: bodies streamed without a length (64 MB), a Content-Length it never honours,
a behaviour function swapped at run time (failing, then healthy), binding to a given port (a
refused port that comes alive), and counters of requests and bytes sent.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .scripted_server import fixture_json

__all__ = [
    "V2_TASK",
    "V3_CONTAINER",
    "V3_TASK",
    "V4_CONTAINER",
    "V4_TASK",
    "V4_TASK_ARN",
    "EndpointLog",
    "FaultServer",
    "RefusingPort",
    "Reply",
    "healthy_routes",
    "json_reply",
]

V4_TASK: dict[str, Any] = fixture_json("v4_task_ec2_awsvpc_awsdocs.json")
V4_CONTAINER: dict[str, Any] = fixture_json("v4_container_ec2_awsvpc_awsdocs.json")
V3_TASK: dict[str, Any] = fixture_json("v3_task_awsdocs.json")
V3_CONTAINER: dict[str, Any] = fixture_json("v3_container_awsdocs.json")
V2_TASK: dict[str, Any] = fixture_json("v2_task_nginx_awsdocs.json")
V4_TASK_ARN: str = V4_TASK["TaskARN"]
ENDPOINT_ID = "f0e1d2c3b4a5-1234567890"


@dataclass
class Reply:
    """One answer.

    Attributes:
        status: the HTTP status.
        body: bytes, or text (UTF-8).
        content_type: the Content-Type header (None: no header).
        headers: more headers.
        fault: None, or one of
            ``hang``: read the request, never answer (until the server stops);
            ``drip``: headers with the full Content-Length, then the body one byte per
            ``every`` seconds;
            ``close``: headers promising twice the body, half of it, then close;
            ``reset``: close the connection at once with an RST;
            ``stream``: no Content-Length, ``size`` bytes of ``body`` repeated, then close;
            ``declared``: a Content-Length of ``size`` bytes, then as many as the client reads.
        every: seconds between bytes of ``drip``.
        size: bytes of ``stream`` and ``declared``.
        delay: seconds to wait before answering.
    """

    status: int = 200
    body: bytes | str = b""
    content_type: str | None = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    fault: str | None = None
    every: float = 0.2
    size: int = 0
    delay: float = 0.0

    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else self.body.encode()


def json_reply(value: object, status: int = 200) -> Reply:
    """A JSON answer, as the agent writes it."""
    return Reply(status, json.dumps(value))


NOT_FOUND = Reply(404, "404 page not found\n", "text/plain; charset=utf-8")


def healthy_routes(version: str, prefix: str) -> dict[str, Reply]:
    """The routes of a healthy endpoint of this version under ``prefix`` (``/v4/<id>``)."""
    tags = {"TaskTags": {"team": "logs"}}
    if version == "v4":
        return {
            prefix + "/task": json_reply(V4_TASK),
            prefix + "/taskWithTags": json_reply({**V4_TASK, **tags}),
            prefix: json_reply(V4_CONTAINER),
        }
    if version == "v3":
        return {
            prefix + "/task": json_reply(V3_TASK),
            prefix + "/taskWithTags": json_reply({**V3_TASK, **tags}),
            prefix: json_reply(V3_CONTAINER),
        }
    if version == "v2":
        return {
            "/v2/metadata": json_reply(V2_TASK),
            "/v2/metadataWithTags": json_reply({**V2_TASK, **tags}),
        }
    raise ValueError(version)


Behaviour = Callable[[str], "Reply | None"]


class FaultServer:
    """A loopback HTTP/1.1 server whose behaviour (path -> Reply) can be replaced while serving.

    Args:
        port: the port to bind (0: a free one).
        behaviour: a function of the request path, or a mapping path -> Reply; unknown paths
            answer the agent's plain-text 404.
    """

    def __init__(
        self, behaviour: Behaviour | Mapping[str, Reply] | None = None, *, port: int = 0
    ) -> None:
        self._behaviour: Behaviour = _as_behaviour(behaviour or {})
        self._lock = threading.Lock()
        self._release = threading.Event()
        self.requests: list[tuple[float, str]] = []
        self.bytes_sent = 0
        self.headers_seen: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append((time.monotonic(), self.path))
                    server.headers_seen.append(dict(self.headers.items()))
                    behaviour = server._behaviour
                reply = behaviour(self.path) or NOT_FOUND
                try:
                    server._answer(self, reply)
                except OSError:  # the client gave up: that is what faults are for
                    self.close_connection = True

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 128

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self._httpd = Server(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fault-server",
            daemon=True,
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- what it does -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def behave(self, behaviour: Behaviour | Mapping[str, Reply]) -> None:
        """Answer so from the next request on."""
        with self._lock:
            self._behaviour = _as_behaviour(behaviour)

    def count(
        self, since: float = 0.0, until: float = float("inf"), path: str | None = None
    ) -> int:
        """Requests that arrived between two `time.monotonic()` readings (to `path`)."""
        with self._lock:
            return sum(
                1 for t, p in self.requests if since <= t < until and (path is None or p == path)
            )

    def paths(self) -> list[str]:
        with self._lock:
            return [p for _, p in self.requests]

    def _sent(self, n: int) -> None:
        with self._lock:
            self.bytes_sent += n

    def _answer(  # noqa: PLR0911, PLR0912 -- one flat switch over the faults
        self, handler: BaseHTTPRequestHandler, reply: Reply
    ) -> None:
        fault = reply.fault
        if reply.delay and self._release.wait(reply.delay):
            return
        if fault == "hang":
            self._release.wait(120)
            handler.close_connection = True
            return
        if fault == "reset":
            handler.close_connection = True
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            return
        body = reply.payload()
        handler.send_response(reply.status)
        if reply.content_type is not None:
            handler.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        out = handler.wfile
        if fault == "close":
            handler.send_header("Content-Length", str(len(body) * 2 + 10))
            handler.end_headers()
            out.write(body[: len(body) // 2])
            out.flush()
            handler.close_connection = True
            return
        if fault in ("stream", "declared"):
            if fault == "declared":
                handler.send_header("Content-Length", str(reply.size))
            else:
                handler.send_header("Connection", "close")
            handler.end_headers()
            handler.close_connection = True
            chunk = (body or b" ") * max(1, 65536 // max(1, len(body or b" ")))
            left = reply.size
            while left > 0 and not self._release.is_set():
                piece = chunk[:left]
                out.write(piece)
                self._sent(len(piece))
                left -= len(piece)
            out.flush()
            return
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if fault == "drip":
            for byte in body:
                out.write(bytes([byte]))
                out.flush()
                self._sent(1)
                if self._release.wait(reply.every):
                    return
            return
        out.write(body)
        self._sent(len(body))


def _as_behaviour(behaviour: Behaviour | Mapping[str, Reply]) -> Behaviour:
    if callable(behaviour):
        return behaviour
    routes = dict(behaviour)
    return routes.get


class RefusingPort:
    """A loopback port that refuses connections (bound, not listening) until `open` serves it.

    Binding without listening keeps the port ours: nothing else can take it meanwhile.
    """

    def __init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: FaultServer | None = None

    def open(self, behaviour: Behaviour | Mapping[str, Reply]) -> FaultServer:
        """Serve the port from now on."""
        self._socket.close()
        self.server = FaultServer(behaviour, port=self.port).start()
        return self.server

    def close(self) -> None:
        self._socket.close()
        if self.server is not None:
            self.server.stop()


class EndpointLog(logging.Handler):
    """Keeps every record of the ``ecs_log_context`` logger (install with `capture`)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._records_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._records_lock:
            self.records.append(record)

    def of_thread(self, ident: int | None) -> list[logging.LogRecord]:
        with self._records_lock:
            return [r for r in self.records if r.thread == ident]

    def mentioning(self, text: str) -> list[logging.LogRecord]:
        with self._records_lock:
            return [r for r in self.records if text in r.getMessage()]

    @classmethod
    @contextlib.contextmanager
    def capture(cls) -> Iterator[EndpointLog]:
        """Record what the library says, at every level, for the duration of the block."""
        handler = cls()
        log = logging.getLogger("ecs_log_context")
        saved = log.level
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
        try:
            yield handler
        finally:
            log.removeHandler(handler)
            log.setLevel(saved)


class ListHandler(logging.Handler):
    """Keeps every record it is given (after its filters)."""

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


# -- workers for child processes (importable by multiprocessing's spawn) ---------------------


def log_until_enriched(limit: float = 5.0) -> dict[str, Any]:
    """In a child process: build a filter from the environment, log until a record is enriched.

    Returns what the child saw: its pid, the first call's duration, the longest call, how long
    until a record had the fields, and the fields of the last record.
    """
    import os

    from ecs_log_context import EcsContextFilter

    started = time.monotonic()
    handler = ListHandler()
    handler.addFilter(EcsContextFilter())
    log = logging.getLogger(f"child.{os.getpid()}")
    log.propagate = False
    log.addHandler(handler)
    durations: list[float] = []
    enriched_after: float | None = None
    while time.monotonic() - started < limit:
        t = time.monotonic()
        log.warning("from the child")
        durations.append(time.monotonic() - t)
        if "ecs_task_arn" in handler.records[-1].__dict__:
            enriched_after = time.monotonic() - started
            break
        time.sleep(0.02)
    last = handler.records[-1].__dict__
    return {
        "pid": os.getpid(),
        "first_call": durations[0],
        "longest_call": max(durations),
        "enriched_after": enriched_after,
        "fields": {k: v for k, v in last.items() if k.startswith("ecs_")},
        "records": len(handler.records),
        "calls": len(durations),
    }


INHERITED: dict[str, Any] = {}  # set by a test before it forks: what the children log through


def log_through_inherited_filter(hold: float = 0.0) -> dict[str, Any]:
    """In a forked child: log one record through the filter the parent built (``INHERITED``),
    then keep the worker busy `hold` seconds (so that a pool spreads the tasks)."""
    import os

    handler: ListHandler = INHERITED["handler"]
    log: logging.Logger = INHERITED["logger"]
    before = len(handler.records)
    t = time.monotonic()
    log.warning("from a forked child")
    duration = time.monotonic() - t
    record = handler.records[before]
    time.sleep(hold)
    return {
        "pid": os.getpid(),
        "duration": duration,
        "fields": {k: v for k, v in record.__dict__.items() if k.startswith("ecs_")},
    }
