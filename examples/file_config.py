"""``logging.config.fileConfig``: an INI file (``logging.ini``) whose formatter adds the fields.

INI files cannot declare filters, so ``[formatter_json]`` names `EcsJsonFormatter` with
``class=``: python-json-logger's ``JsonFormatter``, adding the task's identity itself. fileConfig
gives a formatter only ``format``, ``datefmt`` and ``style``: the library's options come from the
``ECS_LOG_CONTEXT_*`` variables. Off ECS nothing is added.

Run it against the mock endpoint: ``ecs-log-context serve`` in one terminal, its ``export``
lines in another, then ``python examples/file_config.py``. On ECS the agent sets the variables.
"""

import logging
import logging.config
from pathlib import Path

logging.config.fileConfig(Path(__file__).with_name("logging.ini"))

log = logging.getLogger("app")
log.info("order placed", extra={"order_id": 1042})
logging.getLogger("app.db").warning("slow query", extra={"ms": 812})
log.info("shutting down")
