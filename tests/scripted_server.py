"""A tiny HTTP server on 127.0.0.1 whose answers each test scripts: bodies, statuses, faults.

The package's own mock endpoint behaves like the agent; this one misbehaves on purpose.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_text(name: str) -> str:
    """The text of a file in tests/fixtures."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> Any:
    """The decoded JSON of a file in tests/fixtures."""
    return json.loads(fixture_text(name))


@dataclass
class Answer:
    """How to answer one path.

    Attributes:
        status: the HTTP status.
        body: the body (str or bytes; anything else is sent as JSON).
        content_type: the Content-Type header.
        headers: more headers.
        delay: seconds to wait before answering.
        fault: None, "hang" (accept and never answer), "drip" (headers, then the body one
            byte per ``drip_every`` seconds), "close" (headers with a long Content-Length,
            half the body, then close), "reset" (close without a word).
    """

    status: int = 200
    body: object = ""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    fault: str | None = None
    drip_every: float = 0.5

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


class ScriptedServer:
    """Answers each path as scripted; records every request path in order."""

    def __init__(self) -> None:
        self.routes: dict[str, Answer | Callable[[], Answer]] = {}
        self.requests: list[str] = []
        self.headers_seen: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.requests.append(self.path)
                    server.headers_seen.append(dict(self.headers.items()))
                route = server.routes.get(self.path)
                answer = route() if callable(route) else route
                if answer is None:
                    answer = Answer(404, "404 page not found\n", "text/plain; charset=utf-8")
                server._answer(self, answer)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, answer: Answer | Callable[[], Answer]) -> None:
        """Answer `path` so from now on."""
        self.routes[path] = answer

    def count(self, path: str | None = None) -> int:
        """How many requests (to `path`) arrived."""
        with self._lock:
            return sum(1 for p in self.requests if path is None or p == path)

    def _answer(self, handler: BaseHTTPRequestHandler, answer: Answer) -> None:
        if answer.delay:
            self._release.wait(answer.delay)
        if answer.fault == "hang":
            self._release.wait(60)
            return
        if answer.fault == "reset":
            handler.close_connection = True
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            return
        body = answer.payload()
        handler.send_response(answer.status)
        handler.send_header("Content-Type", answer.content_type)
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        if answer.fault == "close":
            handler.send_header("Content-Length", str(len(body) * 2 + 10))
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            if answer.fault == "drip":
                for byte in body:
                    handler.wfile.write(bytes([byte]))
                    handler.wfile.flush()
                    if self._release.wait(answer.drip_every):
                        return
            else:
                handler.wfile.write(body)
        except OSError:
            pass

    def start(self) -> ScriptedServer:
        """Serve in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hung answers and stop."""
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()


def serve(routes: dict[str, Answer] | None = None) -> Iterator[ScriptedServer]:
    """A started server (for fixtures): yields it, then stops it."""
    server = ScriptedServer().start()
    for path, answer in (routes or {}).items():
        server.route(path, answer)
    try:
        yield server
    finally:
        server.stop()


def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> bool:
    """Poll `predicate` until it is true or `timeout` passes: True if it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return bool(predicate())
