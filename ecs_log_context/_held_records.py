"""Records that the fetching thread logs before the first answer are held, then handed on.

Before the first answer, a log call may wait for it inside a handler's ``emit`` (the JSON
formatter does), holding that handler's lock. If httpx's own records from the fetch
(``HTTP Request: GET ...``) went to the same handler meanwhile, the fetch would wait for the
log call that waits for the fetch, until the timeout. So in the fetching thread, during the
first fetch only, httpx's and httpcore's records are held and handed to their loggers once
the answer is published: they still reach every handler, a moment later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["holding_http_records"]

_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
_local = threading.local()


class _HoldInFetchingThread(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        held: list[logging.LogRecord] | None = getattr(_local, "held", None)
        if held is None:
            return True
        held.append(record)
        return False


_FILTER = _HoldInFetchingThread()


def _install() -> None:
    # A logger's filters see only the records logged on it, so each logger gets the filter.
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


@contextmanager
def holding_http_records() -> Iterator[None]:
    """Hold httpx's and httpcore's records of this thread; hand them on when done."""
    _install()
    held: list[logging.LogRecord] = []
    _local.held = held
    try:
        yield
    finally:
        _local.held = None
        for record in held:
            _hand_on(record)


def _hand_on(record: logging.LogRecord) -> None:
    """Finish `Logger.handle` for a held record: the filters after ours, then the handlers."""
    logger = logging.getLogger(record.name)
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
