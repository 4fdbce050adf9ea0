"""A multiprocessing application: logging built at import, a pool of 4 started at once.

Run by tests/test_startup_forks.py as ``python mp_pool.py METHOD`` (fork, spawn or forkserver),
with ``MP_LOG_FILE`` naming the file of JSON lines that every process appends to. The module's
top level is the application's start-up: it builds a handler carrying `EcsContextFilter` and
logs nothing. The pool starts right after it (with forkserver, the server process imports this
module, as ``__mp_main__``, and forks the workers from it; with spawn, each worker imports it
afresh). Each task logs one line from its worker; the main process prints the workers' pids.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
import time

from ecs_log_context import EcsContextFilter


class JsonLines(logging.Formatter):
    """One JSON object a line: the pid, the message and the record's ``ecs_`` attributes."""

    def format(self, record: logging.LogRecord) -> str:
        ecs = {k: v for k, v in vars(record).items() if k.startswith("ecs_")}
        return json.dumps({"pid": record.process, "message": record.getMessage(), **ecs})


handler = logging.FileHandler(os.environ["MP_LOG_FILE"])
handler.setFormatter(JsonLines())
handler.addFilter(EcsContextFilter())
log = logging.getLogger("app")
log.propagate = False
log.setLevel(logging.INFO)
log.addHandler(handler)


def work(item: int) -> int:
    log.info("task %d", item)
    time.sleep(0.05)  # the pool spreads the tasks over its workers
    return os.getpid()


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    with context.Pool(4) as pool:
        pids = pool.map(work, range(16), chunksize=1)
    print(json.dumps({"pids": sorted(set(pids))}))
