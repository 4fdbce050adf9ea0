"""A Celery app whose worker and prefork pool log JSON lines, every one enriched.

Run the worker from the repository's root, JSON lines on stderr::

    ecs-log-context run -- celery -A examples.celery_worker worker --pool prefork -c 2 \\
        --loglevel INFO

and queue a few tasks from another terminal: ``python examples/celery_worker.py send 4``. Each
task logs a line through its task logger and returns the pid of the pool process that ran it
(the worker's "Task ... succeeded" line shows it). Against the mock endpoint, first
``ecs-log-context serve`` in another terminal and its ``export`` lines in both; on ECS the
agent sets the variables. The broker is Kombu's filesystem transport in the folder
``EXAMPLE_BROKER_DIR`` (default: ``ecs-log-context-celery`` in the temporary folder), so that
no broker server is needed; ``memory://`` would not cross processes.

``ecs-log-context run`` puts a ``sitecustomize`` first on ``PYTHONPATH`` that calls
`ecs_log_context.install()` when the worker's interpreter starts, before Celery imports
anything; the pool's processes are forked from the worker and inherit it. From then on every
record of every logger carries the fields as attributes: the worker's own lines, the pool's
"Task ... succeeded" lines and the tasks' lines.

The code-level alternative, without ``run``: call ``ecs_log_context.install()`` at the import of
the app module, as below (behind ``EXAMPLE_INSTALL=code`` only so that this file shows both
ways; in an application, just call it). That is the right place, and Celery's logging signals
are not:

- Celery hijacks the root logger (``worker_hijack_root_logger``, on by default): when the worker
  sets up its logging, after importing this module, it removes every handler of the root
  logger, with any filter on it, and adds its own; the task logger ``celery.task`` gets a
  handler of its own and does not propagate. An `EcsContextFilter` would have to be added to
  each of these handlers again in ``after_setup_logger`` and ``after_setup_task_logger``, and
  would still miss every logger with a handler of its own (billiard's, a library's).
- `install()` does not care about handlers: it enriches records where they are made, so the
  handlers that Celery adds later, and the pool processes forked from the worker, get enriched
  records with no signal at all.

The signals below are still the place for what they are for, the format: they give Celery's
handlers python-json-logger's ``JsonFormatter``, which writes a record's extra attributes (the
fields among them) as keys. They know nothing about ECS.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from celery import Celery, signals
from celery._state import get_current_task
from celery.utils.log import get_multiprocessing_logger, get_task_logger
from pythonjsonlogger.json import JsonFormatter

import ecs_log_context

# The code-level alternative to `ecs-log-context run`: one call, at import.
if os.environ.get("EXAMPLE_INSTALL") == "code":
    ecs_log_context.install()

BROKER_DIR = Path(
    os.environ.get("EXAMPLE_BROKER_DIR") or Path(tempfile.gettempdir()) / "ecs-log-context-celery"
)
for folder in ("queue", "processed", "control"):
    (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)

app = Celery("celery_worker", broker="filesystem://")
app.conf.update(
    broker_transport_options={
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    },
    broker_connection_retry_on_startup=True,
    task_ignore_result=True,  # no result backend: the "succeeded" line shows the return value
    # worker_hijack_root_logger stays on, as Celery's default: install() does not mind.
)

FORMAT = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"


class TaskJsonFormatter(JsonFormatter):
    """JSON lines for the task logger, with the task's id and name, as Celery's own
    ``TaskFormatter`` puts them in its text lines."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        task = get_current_task()
        if task is not None and task.request is not None:
            log_data.setdefault("task_id", task.request.id)
            log_data.setdefault("task_name", task.name)


@signals.after_setup_logger.connect
def json_worker_lines(logger: logging.Logger, **_: Any) -> None:
    """The handlers Celery gave the root logger and billiard's logger: JSON lines."""
    pool_logger = get_multiprocessing_logger()
    for handler in [*logger.handlers, *(pool_logger.handlers if pool_logger else [])]:
        handler.setFormatter(JsonFormatter(FORMAT))


@signals.after_setup_task_logger.connect
def json_task_lines(logger: logging.Logger, **_: Any) -> None:
    """The handler Celery gave the task logger ``celery.task``: JSON lines."""
    for handler in logger.handlers:
        handler.setFormatter(TaskJsonFormatter(FORMAT))


log = get_task_logger(__name__)  # a child of celery.task


@app.task(name="celery_worker.work")  # the same name when this file runs as __main__ to send
def work(item: int) -> int:
    """Log a line, hold the pool process a moment (so that the tasks spread), return its pid."""
    log.info("working on item %d", item)
    time.sleep(0.1)
    return os.getpid()


if __name__ == "__main__" and sys.argv[1:2] == ["send"]:
    for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 4):
        work.delay(i)
