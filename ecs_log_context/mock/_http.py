"""The mock endpoint's HTTP server: ``http.server`` plumbing around the agent's routes.

It reads each request into a :class:`~._routes.Request`, adds the injected faults (a delay,
a longer one for the tags, a share of 500s), records the answer in a :class:`RequestLog` and
writes it as Go's ``net/http`` would: no ``Server`` header, every method answered, keep-alive
connections closed after five idle seconds.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import socketserver
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

from ..context import NEVER_WAIT
from ._routes import Request, Served, answer

__all__ = ["MAX_RECORDED", "Faults", "MetadataServer", "RecordedRequest", "RequestLog"]

# The logger the mock has always logged to, whichever module does the logging.
_log = logging.getLogger("ecs_log_context.mock.server")

MAX_RECORDED = 100_000


class RecordedRequest(NamedTuple):
    """One answer of the mock, as recorded in :attr:`MockEndpoint.requests`."""

    method: str
    path: str
    status: int


class RequestLog:
    """The latest answers (up to :data:`MAX_RECORDED`), and counts of all of them."""

    __slots__ = ("_count", "_credentials_count", "_lock", "_requests")

    def __init__(self) -> None:
        # The latest answers only: a long `serve` session must not grow without bound.
        self._requests: deque[RecordedRequest] = deque(maxlen=MAX_RECORDED)
        self._count = 0
        self._credentials_count = 0
        self._lock = threading.Lock()

    def record(self, request: RecordedRequest) -> None:
        """Add an answer; a path asking for ``credentials`` is counted apart as well."""
        with self._lock:
            self._requests.append(request)
            self._count += 1
            self._credentials_count += "credentials" in unquote(request.path).lower()

    @property
    def requests(self) -> list[RecordedRequest]:
        """The latest answers, oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def count(self) -> int:
        """How many answers were recorded."""
        with self._lock:
            return self._count

    @property
    def credentials_count(self) -> int:
        """How many recorded answers were to a path with ``credentials`` in it."""
        with self._lock:
            return self._credentials_count

    def clear(self) -> None:
        """Forget every answer and reset the counts."""
        with self._lock:
            self._requests.clear()
            self._count = self._credentials_count = 0


class Faults:
    """Faults added to the agent's answers; they may be changed while serving.

    Attributes:
        latency: seconds added to every answer.
        error_rate: fraction (0 to 1) of answers that would be 200 given as the agent's 500.
        tags_latency: seconds added, on top of ``latency``, to the answers for which the agent
            asks ECS for the tags (``taskWithTags``): the slow ECS API call behind them.
    """

    __slots__ = ("error_rate", "latency", "tags_latency")

    def __init__(
        self, latency: float = 0.0, error_rate: float = 0.0, tags_latency: float = 0.0
    ) -> None:
        self.latency = latency
        self.error_rate = error_rate
        self.tags_latency = tags_latency

    def fail(self) -> bool:
        """Whether this answer fails: drawn at random, ``error_rate`` of the time."""
        error_rate = self.error_rate
        return error_rate > 0 and random.random() < error_rate  # noqa: S311


class MetadataServer(ThreadingHTTPServer):
    """The HTTP server of one mock; it knows the connections it has open.

    Args:
        address: ``(host, port)`` to listen on; an IPv6 host listens on IPv6.
        served: what the routes answer from.
        faults: the latency and errors to inject.
        log: where answers are recorded.
    """

    daemon_threads = True
    # A fleet starting at once connects all together: the default backlog of 5 would drop them.
    request_queue_size = 256

    def __init__(
        self, address: tuple[str, int], served: Served, faults: Faults, log: RequestLog
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.served = served
        self.faults = faults
        self.log = log
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

    server: MetadataServer
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
        NEVER_WAIT.add(threading.get_ident())  # its log lines must not wait for its answer

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()
        NEVER_WAIT.discard(threading.get_ident())

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
        server = self.server
        target = self.path
        if not target.startswith("/"):  # absolute-form: http://host/path
            target = urlsplit(target)._replace(scheme="", netloc="").geturl()
        raw_path, _, query = target.partition("#")[0].partition("?")
        request = Request(
            method=self.command,
            path=unquote(raw_path),
            query=query,
            client_ip=str(self.client_address[0]),
            client_port=int(self.client_address[1]),
            forwarded_for=self.headers.get("X-Forwarded-For", ""),
        )
        faults = server.faults
        result = answer(request, server.served, fail=faults.fail())
        latency = faults.latency + (faults.tags_latency if result.reads_tags else 0.0)
        if latency > 0:
            time.sleep(latency)
        server.log.record(RecordedRequest(self.command, raw_path, result.status))
        self.send_response(result.status)
        if result.content_type is not None:
            self.send_header("Content-Type", result.content_type)
        for name, value in result.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(result.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(result.body)

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
