"""``ECS_LOG_CONTEXT_DEBUG=true``: the library's own messages on stderr, whatever logging's setup.

The library logs to the logger ``ecs_log_context`` only, with a ``NullHandler``: its messages
reach whatever handlers the application gives the root logger, and none before
``basicConfig`` (an integration built first says its one warning to nobody) or in a
structlog-only application. The switch is read once, at import, so that it covers the first
message too; it is for finding out, not for production.
"""

from __future__ import annotations

import logging
import os
import sys

__all__ = ["VARIABLE", "setup"]

VARIABLE = "ECS_LOG_CONTEXT_DEBUG"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def setup(logger: logging.Logger) -> None:
    """Give ``logger`` a stderr handler at DEBUG when the variable says so.

    The logger then stops propagating, so that an application with its own root handler does
    not see each message twice. A value that is neither true nor false turns nothing on and
    says so once on stderr: failing the import would take the application down with it.
    """
    value = os.environ.get(VARIABLE, "").strip().lower()
    if value in _FALSE:
        return
    if value not in _TRUE:
        sys.stderr.write(
            f"ecs_log_context: {VARIABLE}={value!r} cannot be used: expected true or false "
            "(also 1/0, yes/no, on/off); the library's messages stay off\n"
        )
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(name)s %(levelname)s %(threadName)s: %(message)s")
    )
    handler.set_name("ecs_log_context.debug")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
