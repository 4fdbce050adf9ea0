"""One GET of the endpoint: the client's transport, and the only module that speaks HTTP.

A route's answer is its 2xx body, or a `MetadataError` that says what was asked, of which URL,
and what came back. httpx is imported when the first request is made.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urljoin, urlsplit

from .errors import (
    InvalidMetadataError,
    MetadataHTTPError,
    MetadataThrottledError,
    MetadataUnavailableError,
    printable,
)

if TYPE_CHECKING:
    import httpx

__all__ = ["Transport"]

# A 429 is the agent's token bucket (ECS_TASK_METADATA_RPS_LIMIT on the instance, by default
# 40 requests a second, bursts of 60).
_THROTTLED = (
    "the agent is throttling requests (by default past 40 a second, bursts of 60): "
    "back off before asking again"
)


def _agent_message(body: bytes) -> str:
    """The agent's error bodies are JSON-encoded strings; anything else is shown as text."""
    text = body[:4096].decode("utf-8", "replace")
    try:
        decoded = json.loads(text)
    except (ValueError, RecursionError):  # deep nesting exhausts the parser's stack
        decoded = text
    return printable(decoded.strip() if isinstance(decoded, str) else text.strip())


def _is_clean_path(path: str) -> bool:
    segments = path.split("/")[1:]
    return (
        path.startswith("/")
        and "" not in segments[:-1]
        and "." not in segments
        and ".." not in segments
        and "credentials" not in unquote(path).lower()
    )


class Transport:
    """GETs of one endpoint's routes, on one connection pool.

    `on_request`, when set, is called after every request (a redirect is one of its own) with
    its method, URL, status and size (None after an exception, then named in ``error``) and
    milliseconds: ``show -v``.
    """

    def __init__(self, url: str, *, timeout: float, max_bytes: int) -> None:
        self.url = url
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.on_request: Callable[[dict[str, Any]], None] | None = None
        self._http: httpx.Client | None = None

    def client(self) -> httpx.Client:
        """The HTTP client, built on first use (this imports httpx)."""
        if self._http is None:
            import httpx

            from ._version import user_agent

            self._http = httpx.Client(
                # Proxy variables must not divert link-local traffic to a proxy.
                trust_env=False,
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
                # The agent speaks plain HTTP: loading the CA bundle would cost ~40 ms for
                # nothing. An https:// URL is verified as usual.
                verify=self.url.startswith("https://"),
                headers={"User-Agent": user_agent(), "Accept": "application/json"},
            )
        return self._http

    def close(self) -> None:
        """Close the connections (they reopen on the next request)."""
        http, self._http = self._http, None
        if http is not None:
            http.close()

    def get(self, what: str, path: str) -> tuple[bytes, str]:
        """GET a route: (the body of its 2xx answer, the URL that answered).

        Raises:
            MetadataError: no answer in time, a refused connection, a non-2xx status, a
                redirect elsewhere or more than one, or a body over the cap.
        """
        import httpx

        url = self.url + path
        self.client()  # built (httpx imported) before the clock starts: that is not the answer
        deadline = time.monotonic() + 2 * self.timeout
        redirected = False  # one redirect to the clean path is followed, no more
        while True:
            try:
                status, headers, body = self._traced(what, url, deadline)
            except httpx.TimeoutException as exc:
                raise MetadataUnavailableError(
                    what,
                    url,
                    f"no answer within {self.timeout:g} s ({type(exc).__name__}); the timeout "
                    f"is ECS_LOG_CONTEXT_TIMEOUT={self.timeout:g}, a slow agent needs more",
                ) from None
            except httpx.ConnectError as exc:
                raise MetadataUnavailableError(what, url, f"cannot connect: {exc}") from None
            except httpx.HTTPError as exc:
                raise MetadataUnavailableError(
                    what, url, f"connection broken: {type(exc).__name__}: {exc}"
                ) from None
            if status in (301, 308):
                location = headers.get("location", "")
                if not location:
                    raise MetadataHTTPError(what, url, status, "redirect without a Location")
                target = urljoin(url, location)
                if redirected:
                    said = f"more than one redirect (then to {printable(target)})"
                    raise MetadataHTTPError(what, url, status, said)
                old, new = urlsplit(url), urlsplit(target)
                same_origin = (new.scheme, new.netloc) == (old.scheme, old.netloc)
                if same_origin and _is_clean_path(urlsplit(location).path or new.path):
                    url, redirected = target, True
                    continue
                raise MetadataHTTPError(
                    what, url, status, f"redirect to {printable(target)} not followed"
                )
            if status == 429:
                said = _agent_message(body).rstrip(".")
                raise MetadataThrottledError(what, url, f"HTTP 429: {said}; {_THROTTLED}")
            if status >= 300:
                raise MetadataHTTPError(what, url, status, _agent_message(body))
            return body, url

    def _traced(self, what: str, url: str, deadline: float) -> tuple[int, Mapping[str, str], bytes]:
        on_request = self.on_request
        if on_request is None:
            return self._send(what, url, deadline)
        started = time.perf_counter()
        noted: dict[str, Any] = {"method": "GET", "url": url}
        try:
            status, headers, body = self._send(what, url, deadline)
        except Exception as exc:
            noted.update(status=None, bytes=None, error=type(exc).__name__)
            raise
        else:
            noted.update(status=status, bytes=len(body))
        finally:
            noted["ms"] = round((time.perf_counter() - started) * 1000, 1)
            on_request(noted)
        return status, headers, body

    def _send(self, what: str, url: str, deadline: float) -> tuple[int, Mapping[str, str], bytes]:
        with self.client().stream("GET", url) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise InvalidMetadataError(
                    what, url, f"body of {declared} bytes is over the cap of {self.max_bytes}"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise InvalidMetadataError(
                        what, url, f"body is over the cap of {self.max_bytes} bytes"
                    )
                if time.monotonic() > deadline:
                    raise MetadataUnavailableError(
                        what,
                        url,
                        f"the answer took over {2 * self.timeout:g} s (twice the timeout, "
                        f"ECS_LOG_CONTEXT_TIMEOUT={self.timeout:g})",
                    )
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)
