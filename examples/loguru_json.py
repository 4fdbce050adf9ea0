"""loguru with `EcsContextPatcher`: JSON lines whose ``record.extra`` holds the task's identity.

``python examples/loguru_json.py`` (``pip install 'ecs-log-context[loguru]'``). A patcher you
already had goes in ``then=``: loguru keeps one configured patcher. Keys bound with ``bind()``
or ``contextualize()`` win over the fields of the same name.
"""

import sys
from typing import Any

from loguru import logger

from ecs_log_context import EcsContextPatcher


def add_service(record: dict[str, Any]) -> None:
    """The application's own patcher, kept by chaining it after the library's."""
    record["extra"].setdefault("service", "checkout")


logger.remove()
logger.add(sys.stdout, serialize=True)
logger.configure(patcher=EcsContextPatcher(then=add_service))

logger.info("order placed")
with logger.contextualize(request_id="7f3a9c"):
    logger.bind(order_id=42).warning("payment retried")
