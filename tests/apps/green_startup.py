"""Greenlets logging at start-up, with gevent or eventlet patched before or after the import.

Run by tests/test_startup_forks.py as ``python green_startup.py LIB ORDER``: LIB is gevent or
eventlet; ORDER ``before`` patches (``gevent.monkey.patch_all()``, ``eventlet.monkey_patch()``)
before ``import ecs_log_context``, ``after`` imports the library first, then patches (what an
application does when something imports the library before its server patches: a module-level
``threading.local()`` made before patching is then one object shared by every green thread).
Either way the filter is built after patching, and GREENLETS green threads log one record each
at once, while the first fetch is under way. Prints one JSON line: each record's ``ecs_task_arn``
(None when it went out bare) and the context's status.
"""

from __future__ import annotations

import json
import logging
import sys

LIB, ORDER = sys.argv[1], sys.argv[2]
GREENLETS = 6


def patch() -> None:
    if LIB == "gevent":
        from gevent import monkey

        monkey.patch_all()
    else:
        import eventlet

        eventlet.monkey_patch()


if ORDER == "before":
    patch()

from ecs_log_context import EcsContext, EcsContextFilter  # noqa: E402 -- the order is the test

if ORDER == "after":
    patch()

out: list[object] = []


class Keep(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        out.append(getattr(record, "ecs_task_arn", None))


handler = Keep()
handler.addFilter(EcsContextFilter())
log = logging.getLogger("app")
log.propagate = False
log.setLevel(logging.INFO)
log.addHandler(handler)


def work(item: int) -> None:
    log.info("greenlet %d starting", item)


if LIB == "gevent":
    import gevent

    gevent.joinall([gevent.spawn(work, i) for i in range(GREENLETS)], timeout=30)
else:
    import eventlet

    pool = eventlet.GreenPool()
    for i in range(GREENLETS):
        pool.spawn(work, i)
    pool.waitall()

status = EcsContext.default().status()
print(
    json.dumps(
        {
            "arns": out,
            "state": status.state,
            "attempts": status.attempts,
            "last_error": status.last_error,
        }
    )
)
