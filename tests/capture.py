"""Capturing log records: a handler that keeps what it handles, and the library's own records.

`RecordCapture` is the one handler of the tests: an application's handler (with the filter or
the JSON formatter on it) or a listener on the library's logger (`library_records`);
`json_record` logs one record through a formatter and returns its JSON object.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["RecordCapture", "json_record", "library_records"]


class RecordCapture(logging.Handler):
    """Keeps every record it handles (after its filters) and the line its formatter made of
    it, both in order, from any thread.

    Attributes:
        records: the records.
        lines: ``self.format(record)`` of each, made when it was handled.
    """

    def __init__(self, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []
        self._local = threading.local()
        self._kept = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        with self._kept:
            self.records.append(record)
            self.lines.append(line)
            self._local.last = len(self.records) - 1

    def last(self) -> tuple[logging.LogRecord, str]:
        """The last record the calling thread logged here, and its line."""
        with self._kept:
            index: int = self._local.last
            return self.records[index], self.lines[index]

    def of_thread(self, ident: int | None) -> list[logging.LogRecord]:
        """The records logged by the thread of this identifier."""
        with self._kept:
            return [r for r in self.records if r.thread == ident]

    def mentioning(self, text: str) -> list[logging.LogRecord]:
        """The records whose message contains `text`."""
        with self._kept:
            return [r for r in self.records if text in r.getMessage()]


@contextlib.contextmanager
def library_records(level: int = logging.DEBUG) -> Iterator[RecordCapture]:
    """Capture what the library says on its ``ecs_log_context`` logger, from `level` on, for
    the duration of the block (the logger's level is restored after)."""
    handler = RecordCapture()
    log = logging.getLogger("ecs_log_context")
    saved = log.level
    log.addHandler(handler)
    log.setLevel(level)
    try:
        yield handler
    finally:
        log.removeHandler(handler)
        log.setLevel(saved)


def json_record(
    formatter: logging.Formatter, message: Any = "hello", **extra: Any
) -> dict[str, Any]:
    """Log one record through a real logger whose handler has `formatter`; its JSON object."""
    handler = RecordCapture()
    handler.setFormatter(formatter)
    logger = logging.Logger("tests.json_record", logging.DEBUG)
    logger.addHandler(handler)
    logger.info(message, extra=extra)
    out: dict[str, Any] = json.loads(handler.last()[1])
    return out
