"""The agent's rate limit: a token bucket per (client IP, URL path).

The agent limits its task metadata routes with didip/tollbooth, which keeps one
golang.org/x/time/rate bucket per key: by default 40 tokens a second, 60 at most
(``ECS_TASK_METADATA_RPS_LIMIT``). All containers of an awsvpc task share one IP, so they
draw from the same buckets.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Throttle"]


class Throttle:
    """Token buckets, one per (client IP, URL path); a new bucket starts full.

    Args:
        rate: tokens added to each bucket per second.
        burst: a bucket's size.
        clock: seconds from any fixed point, never going back; tests pass a fake one.
    """

    __slots__ = ("_buckets", "_burst", "_clock", "_lock", "_rate")

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = float(rate)
        self._burst = float(burst)
        self._clock = clock
        # Per key: the tokens left, and when they were counted.
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        """Tokens added to each bucket per second."""
        return self._rate

    def allow(self, client: str, path: str) -> bool:
        """Take a token from the bucket of ``client`` and ``path``.

        Args:
            client: the client's IP address.
            path: the request's URL path (the query is not part of it).

        Returns:
            ``True`` when a token was taken; ``False`` (and none taken) when the bucket is
            empty: the request is throttled.
        """
        key = (client, path)
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self._burst, now))
            tokens = min(self._burst, tokens + (now - last) * self._rate)
            allowed = tokens >= 1.0
            if allowed:
                tokens -= 1.0
            self._buckets[key] = (tokens, now)
        return allowed
