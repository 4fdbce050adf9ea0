"""Answers kept for a short TTL: the client's cache, for code that asks per request.

One request per route at a time: callers that come while it is in flight wait for it and
share its answer, or its failure. A failure is never kept. A forked child starts empty (a
thread of the parent may have held the lock, or had a request in flight).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from typing import Any

from .errors import ConfigurationError, MetadataError

__all__ = ["DEFAULT_STATS_CACHE_TTL", "RouteCache", "check_ttl"]

# Docker samples a container's stats about once a second: kept longer, they would hide one.
DEFAULT_STATS_CACHE_TTL = 1.0
_SIZE = 64  # routes of one client: a handful, plus v2's per-container ones

Answer = tuple[bytes, str]  # the body, and the URL that answered


def check_ttl(name: str, value: object) -> float:
    """A cache TTL: a finite number of seconds, 0 (off) or more.

    Raises:
        ConfigurationError: anything else, named by `name`.
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ConfigurationError(name, value, "a number of seconds, 0 (off) or more")
    return float(value)


class _Flight:
    """The request in flight for one route, which the callers that come meanwhile wait for."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Answer | None = None
        self.error: MetadataError | None = None


class RouteCache:
    """Each route's answer for `ttl` seconds, by `timer`'s clock (cachetools' `TTLCache`)."""

    def __init__(self, ttl: float, timer: Callable[[], float]) -> None:
        self.ttl = ttl
        self._timer = timer
        self._start()

    def _start(self) -> None:
        from cachetools import TTLCache  # type: ignore[import-untyped, unused-ignore]

        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._answers: Any = TTLCache(maxsize=_SIZE, ttl=self.ttl, timer=self._timer)
        self._flights: dict[str, _Flight] = {}

    def clear(self) -> None:
        """Forget every answer: the next call of each route is a request."""
        self._start()

    def get(self, path: str, ask: Callable[[], Answer]) -> Answer:
        """The answer kept for `path`, or that of the request in flight, or `ask()`'s.

        Raises:
            MetadataError: the request failed (the one this caller made, or the one it waited
                for: then a copy, so that two threads never share a traceback).
        """
        if self._pid != os.getpid():
            self._start()  # two threads of a child may both: each ends with an empty cache
        while True:
            with self._lock:
                kept: Answer | None = self._answers.get(path)
                if kept is not None:
                    return kept
                flight = self._flights.get(path)
                mine = flight is None
                if flight is None:
                    flight = self._flights[path] = _Flight()
            if mine:
                return self._fly(path, flight, ask)
            flight.done.wait()
            if flight.value is not None:
                return flight.value
            if flight.error is not None:
                raise _copy(flight.error) from None
            # It ended without an answer or an error of ours (a bug, an interrupt): ask again.

    def _fly(self, path: str, flight: _Flight, ask: Callable[[], Answer]) -> Answer:
        try:
            value = flight.value = ask()
        except MetadataError as exc:
            flight.error = exc
            raise
        finally:
            with self._lock:
                if flight.value is not None:
                    self._answers[path] = flight.value
                self._flights.pop(path, None)
            flight.done.set()
        return value


def _copy(error: MetadataError) -> MetadataError:
    """`error` again, for another caller."""
    copy = type(error).__new__(type(error), *error.args)
    copy.__dict__.update(error.__dict__)
    return copy
