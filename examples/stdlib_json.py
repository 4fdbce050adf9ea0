"""`logging` with python-json-logger: the task's identity on every JSON line, two ways.

1. `EcsJsonFormatter` (stdout): python-json-logger's ``JsonFormatter`` that adds the fields
   itself, the fastest path.
2. python-json-logger's own ``JsonFormatter`` with `EcsContextFilter` on the handler (stderr):
   for a formatter you already have.

An application picks one; both share one fetch of the metadata. Off ECS nothing is added.

Run it against the mock endpoint: ``ecs-log-context serve`` in one terminal, its ``export``
lines in another, then ``python examples/stdlib_json.py``. On ECS the agent sets the variables.
"""

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from ecs_log_context import EcsContextFilter, EcsJsonFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

fast = logging.StreamHandler(sys.stdout)
fast.setFormatter(EcsJsonFormatter(FORMAT))

filtered = logging.StreamHandler(sys.stderr)
filtered.setFormatter(JsonFormatter(FORMAT))
# On the handler, not on a logger: a logger's filters do not see records propagated from its
# child loggers, so a filter on the root logger would miss every `logging.getLogger("app.db")`.
filtered.addFilter(EcsContextFilter())

root = logging.getLogger()
root.setLevel(logging.INFO)
root.addHandler(fast)
root.addHandler(filtered)

log = logging.getLogger("app")
log.info("order placed", extra={"order_id": 1042})
logging.getLogger("app.db").warning("slow query", extra={"ms": 812})
log.info("shutting down")
