"""A loopback HTTP server whose answers each test scripts, faults included.

The package's own mock endpoint behaves like the agent; this one misbehaves on purpose: per path
a status and a body, or a fault (a hang, a drip, a body cut short, a reset, a body streamed
without a length, a length never honoured, a delay). Its behaviour can be replaced while it
serves (failing, then healthy), it can bind a given port (`RefusingPort` comes alive there),
and it logs every request with its time and headers, and the bytes of bodies sent.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

__all__ = [
    "NOT_FOUND",
    "Behaviour",
    "Fault",
    "LoopbackServer",
    "RefusingPort",
    "Reply",
    "Request",
    "Route",
    "json_reply",
]

Fault = Literal["hang", "drip", "close", "reset", "stream", "declared"]


@dataclass
class Reply:
    """How to answer one request.

    Attributes:
        status: the HTTP status.
        body: bytes and text (UTF-8) are sent as they are; anything else as JSON.
        content_type: the Content-Type header (None: no header).
        headers: more headers.
        fault: None, or one of
            ``hang``: read the request, never answer (until the server stops);
            ``drip``: headers with the full Content-Length, then the body one byte per
            ``drip_every`` seconds;
            ``close``: headers promising twice the body, half of it, then close;
            ``reset``: close the connection at once with an RST;
            ``stream``: no Content-Length, ``size`` bytes of ``body`` repeated, then close;
            ``declared``: a Content-Length of ``size`` bytes, then as many as the client reads.
        drip_every: seconds between bytes of ``drip``.
        size: bytes of ``stream`` and ``declared``.
        delay: seconds to wait before answering.
    """

    status: int = 200
    body: object = b""
    content_type: str | None = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)
    fault: Fault | None = None
    drip_every: float = 0.2
    size: int = 0
    delay: float = 0.0

    def payload(self) -> bytes:
        """The body as sent."""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


def json_reply(value: object, status: int = 200) -> Reply:
    """A JSON answer, as the agent writes it (a string becomes a JSON string)."""
    return Reply(status, json.dumps(value))


NOT_FOUND = Reply(404, "404 page not found\n", "text/plain; charset=utf-8")

Route = Reply | Callable[[], Reply]
"""One path's answer: always the same, or a new one at every request."""

Behaviour = Callable[[str], "Reply | None"]
"""A whole endpoint: the answer to a request path (None: the agent's plain-text 404)."""


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    at: float  # `time.monotonic()` on arrival
    path: str
    headers: Mapping[str, str]


class LoopbackServer:
    """A loopback HTTP/1.1 server answering each path as scripted.

    Args:
        behaviour: a mapping path -> `Route`, or a function of the path (`Behaviour`);
            unknown paths answer the agent's plain-text 404.
        port: the port to bind (0: a free one).
    """

    def __init__(
        self, behaviour: Mapping[str, Route] | Behaviour | None = None, *, port: int = 0
    ) -> None:
        self._routes: dict[str, Route] = {}
        self._function: Behaviour | None = None
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._requests: list[Request] = []
        self.bytes_sent = 0
        self.behave(behaviour or {})
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                reply = server._received(self.path, dict(self.headers.items()))
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
            name="loopback-server",
            daemon=True,
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> LoopbackServer:
        """Serve in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hung, delayed and dripping answers, and stop."""
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    # -- what it answers ----------------------------------------------------------------------

    def route(self, path: str, answer: Route) -> None:
        """Answer `path` so from the next request on; the other paths as before."""
        with self._lock:
            self._routes = {**self._routes, path: answer}

    def behave(self, behaviour: Mapping[str, Route] | Behaviour) -> None:
        """Answer every path so from the next request on (replaces every route)."""
        with self._lock:
            if callable(behaviour):
                self._routes, self._function = {}, behaviour
            else:
                self._routes, self._function = dict(behaviour), None

    # -- what it received ---------------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        """Every request so far, in order of arrival."""
        with self._lock:
            return list(self._requests)

    def paths(self) -> list[str]:
        """The path of every request so far, in order."""
        return [r.path for r in self.requests]

    def count(
        self, path: str | None = None, *, since: float = 0.0, until: float = float("inf")
    ) -> int:
        """Requests (to `path`) that arrived between two `time.monotonic()` readings."""
        return sum(
            1 for r in self.requests if since <= r.at < until and (path is None or r.path == path)
        )

    # -- how it answers -----------------------------------------------------------------------

    def _received(self, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            self._requests.append(Request(time.monotonic(), path, headers))
            route = self._routes.get(path)
            function = self._function
        if route is None and function is not None:
            route = function(path)
        if callable(route):
            route = route()
        return route or NOT_FOUND

    def _sent(self, n: int) -> None:
        with self._lock:
            self.bytes_sent += n

    def _answer(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
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
        if fault == "close":
            handler.send_header("Content-Length", str(len(body) * 2 + 10))
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        if fault in ("stream", "declared"):
            if fault == "declared":
                handler.send_header("Content-Length", str(reply.size))
            else:
                handler.send_header("Connection", "close")
            handler.end_headers()
            handler.close_connection = True
            self._stream(handler, body or b" ", reply.size)
            return
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if fault == "drip":
            self._drip(handler, body, reply.drip_every)
            return
        handler.wfile.write(body)
        self._sent(len(body))

    def _stream(self, handler: BaseHTTPRequestHandler, body: bytes, size: int) -> None:
        chunk = body * max(1, 65536 // len(body))
        left = size
        while left > 0 and not self._release.is_set():
            piece = chunk[:left]
            handler.wfile.write(piece)
            self._sent(len(piece))
            left -= len(piece)
        handler.wfile.flush()

    def _drip(self, handler: BaseHTTPRequestHandler, body: bytes, every: float) -> None:
        for byte in body:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            self._sent(1)
            if self._release.wait(every):
                return


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
        self.server: LoopbackServer | None = None

    def open(self, behaviour: Mapping[str, Route] | Behaviour) -> LoopbackServer:
        """Serve the port from now on."""
        self._socket.close()
        self.server = LoopbackServer(behaviour, port=self.port).start()
        return self.server

    def close(self) -> None:
        """Release the port, or stop the server on it."""
        self._socket.close()
        if self.server is not None:
            self.server.stop()
