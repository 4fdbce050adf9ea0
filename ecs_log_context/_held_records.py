"""Records that the fetching thread logs before the first answer are held, then handed on.

Before the first answer, a log call may wait for it inside a handler's ``emit`` (the JSON
formatter does), holding that handler's lock. If httpx's own records from the fetch
(``HTTP Request: GET ...``) went to the same handler meanwhile, the fetch would wait for the
log call that waits for the fetch, until the timeout. So in the fetching thread, during the
first fetch only, httpx's and httpcore's records are held and handed to their loggers once
the answer is published: they still reach every handler, a moment later. Made before the
answer, they have no fields: whoever adds fields where records are made (`install()`)
registers with `retouch` to add them on the way out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["NEVER_WAIT", "holding_http_records", "joining_fetch", "prepare_holding", "retouch"]

NEVER_WAIT: set[int] = set()
"""Threads whose records never wait for a first answer, as the fetching thread's own do: the
in-process mock endpoint's, which serve that answer (a record of theirs made under
`install()` would otherwise wait for itself), and the fetch's own helper thread."""

_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
# The fetching thread's ident and its held records. Not a threading.local: one made before
# gevent or eventlet patch threading would be shared by every green thread.
_holding: dict[int, list[logging.LogRecord]] = {}
_retouchers: list[Callable[[logging.LogRecord], object]] = []


def retouch(callback: Callable[[logging.LogRecord], object], *, on: bool = True) -> None:
    """Call `callback` with every held record before it is handed on (``on=False``: stop)."""
    if on:
        _retouchers.append(callback)
    elif callback in _retouchers:
        _retouchers.remove(callback)


class _HoldInFetchingThread(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        held = _holding.get(threading.get_ident()) if _holding else None
        if held is None:
            return True
        held.append(record)
        return False


_FILTER = _HoldInFetchingThread()


def prepare_holding() -> None:
    """Put the filter on httpx's loggers: before the refresher starts, in the caller's thread.

    ``getLogger`` takes logging's module lock: the refresher never does, so a fork from C
    (uWSGI) cannot cut it in half.
    """
    # A logger's filters see only the records logged on it, so each logger gets the filter.
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


@contextmanager
def holding_http_records() -> Iterator[None]:
    """Hold httpx's and httpcore's records of this thread; hand them on when done."""
    ident = threading.get_ident()
    held: list[logging.LogRecord] = []
    _holding[ident] = held
    try:
        yield
    finally:
        _holding.pop(ident, None)
        for record in held:
            try:
                _hand_on(record)
            except Exception:  # noqa: BLE001, S112 -- a user's handler must not stop the fetch
                continue


@contextmanager
def joining_fetch(fetcher: int) -> Iterator[None]:
    """This thread works for the fetch of thread `fetcher`: its records never wait for the
    first answer, and while `fetcher`'s httpx records are held, this thread's are held with
    them (handed on when the fetcher's are)."""
    ident = threading.get_ident()
    held = _holding.get(fetcher)
    NEVER_WAIT.add(ident)
    if held is not None:
        _holding[ident] = held
    try:
        yield
    finally:
        if held is not None:
            _holding.pop(ident, None)
        NEVER_WAIT.discard(ident)


def _hand_on(record: logging.LogRecord) -> None:
    """Finish `Logger.handle` for a held record: the filters after ours, then the handlers."""
    for callback in tuple(_retouchers):
        callback(record)
    # Read without getLogger, which takes logging's module lock: see prepare_holding.
    logger = logging.Logger.manager.loggerDict.get(record.name)
    if not isinstance(logger, logging.Logger):
        return
    filters = logger.filters
    after = filters[filters.index(_FILTER) + 1 :] if _FILTER in filters else []
    for later in after:
        # A Filter (or anything with .filter), or a plain callable.
        result = later.filter(record) if hasattr(later, "filter") else later(record)
        if not result:
            return
        if isinstance(result, logging.LogRecord):  # Python 3.12+: a filter may replace it
            record = result
    if not logger.disabled:
        logger.callHandlers(record)
