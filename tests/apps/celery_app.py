"""A Celery application whose logging is built at import and quiet until its tasks run.

Used by tests/test_servers.py: ``celery -A celery_app worker --pool prefork --concurrency 2``
imports it in the worker's main process, which then forks the pool's processes; ``python
celery_app.py send N`` queues N tasks (run with ``ECS_LOG_CONTEXT_ENABLED=false``: the sender
is not under test). The broker is Kombu's filesystem transport, in the folder
``CELERY_FS_ROOT`` (``memory://`` does not cross processes). Each task logs one JSON line, with
the pool process's pid, to ``APP_LOG_FILE`` through a handler carrying `EcsContextFilter`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

from celery import Celery

from ecs_log_context import EcsContextFilter

_root = Path(os.environ["CELERY_FS_ROOT"])
for folder in ("queue", "processed", "control"):
    (_root / folder).mkdir(parents=True, exist_ok=True)

app = Celery("celery_app", broker="filesystem://")
app.conf.update(
    broker_transport_options={
        "data_folder_in": str(_root / "queue"),
        "data_folder_out": str(_root / "queue"),
        "processed_folder": str(_root / "processed"),
        "control_folder": str(_root / "control"),
        "store_processed": False,
        "polling_interval": 0.1,
    },
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


class JsonLines(logging.Formatter):
    """One JSON object a line: pid, message, and the record's ``ecs_`` attributes."""

    def format(self, record: logging.LogRecord) -> str:
        ecs = {k: v for k, v in vars(record).items() if k.startswith("ecs_")}
        return json.dumps({"process": record.process, "message": record.getMessage(), **ecs})


handler = logging.FileHandler(os.environ["APP_LOG_FILE"])
handler.setFormatter(JsonLines())
handler.addFilter(EcsContextFilter())
log = logging.getLogger("app")
log.propagate = False
log.setLevel(logging.INFO)
log.addHandler(handler)


@app.task(name="celery_app.work")  # type: ignore[untyped-decorator]  # the same name as __main__
def work(item: int) -> None:
    log.info("task %d", item)
    time.sleep(0.05)


if __name__ == "__main__" and sys.argv[1:2] == ["send"]:
    for i in range(int(sys.argv[2])):
        work.delay(i)
