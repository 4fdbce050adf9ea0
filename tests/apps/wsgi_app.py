"""A WSGI application that builds its logging at import and logs nothing before the fork.

Served by tests/test_servers.py with gunicorn (``--preload``: imported once by the master, then
forked) and with uWSGI (by default imported by the master and forked without Python's at-fork
hooks; with ``--lazy-apps`` imported by each worker). Environment:

- ``APP_LOG_FILE``: the file every process appends its JSON lines to (opened at import);
- ``APP_LOGGING``: ``filter`` (a handler carrying `EcsContextFilter`, whose formatter writes the
  record's ``ecs_`` attributes) or ``formatter`` (a handler formatting with `EcsJsonFormatter`).

Each request logs one line, with the worker's pid, and answers the pid.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from ecs_log_context import EcsContextFilter, EcsJsonFormatter


class JsonLines(logging.Formatter):
    """One JSON object a line: pid, message, and the record's ``ecs_`` attributes."""

    def format(self, record: logging.LogRecord) -> str:
        ecs = {k: v for k, v in vars(record).items() if k.startswith("ecs_")}
        return json.dumps({"process": record.process, "message": record.getMessage(), **ecs})


handler = logging.FileHandler(os.environ["APP_LOG_FILE"])
if os.environ.get("APP_LOGGING", "filter") == "formatter":
    handler.setFormatter(EcsJsonFormatter("%(process)d %(message)s"))
else:
    handler.setFormatter(JsonLines())
    handler.addFilter(EcsContextFilter())
log = logging.getLogger("app")
log.propagate = False
log.setLevel(logging.INFO)
log.addHandler(handler)


def application(
    environ: dict[str, Any], start_response: Callable[[str, list[tuple[str, str]]], Any]
) -> Iterable[bytes]:
    log.info("request %s", environ.get("PATH_INFO", ""))
    time.sleep(0.02)  # busy for a moment: the next connections go to the other workers
    body = str(os.getpid()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
