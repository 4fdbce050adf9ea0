"""structlog's ``ProcessorFormatter``: records from ``logging`` rendered by structlog, enriched.

structlog's own events and the standard library's records (your libraries', your framework's)
come out of one handler as the same JSON. ``ProcessorFormatter`` runs ``foreign_pre_chain``
for records that ``logging`` made and structlog's chain for structlog's events, so the fields
are added in both, two ways:

1. ``processor`` (the default): `EcsContextProcessor` in ``foreign_pre_chain`` and in
   structlog's chain.
2. ``install``: `install()` puts the fields on every ``LogRecord`` that any logger makes, and
   ``structlog.stdlib.ExtraAdder()`` in ``foreign_pre_chain``, which copies a record's extra
   attributes into the event dict, copies them too. structlog's events keep
   `EcsContextProcessor` in their chain: ``foreign_pre_chain`` does not run for them. Take
   this one when ``install()`` is there anyway (for gunicorn's or Celery's own handlers).

``ExtraAdder`` is in both, for the callers' ``extra=``.

Both share one fetch of the metadata. Off ECS nothing is added.

    python examples/structlog_stdlib.py            # 1. EcsContextProcessor in both chains
    python examples/structlog_stdlib.py install    # 2. install() and ExtraAdder

Run it against the mock endpoint: ``ecs-log-context serve`` in one terminal, its ``export``
lines in another. On ECS the agent sets the variables.
"""

import logging
import sys

import structlog

from ecs_log_context import EcsContextProcessor, install

MODE = sys.argv[1] if len(sys.argv) > 1 else "processor"
if MODE not in {"processor", "install"}:
    sys.exit(f"usage: {sys.argv[0]} [processor|install]")

ecs = EcsContextProcessor()
shared = [
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso"),
]
if MODE == "processor":
    foreign_pre_chain = [*shared, structlog.stdlib.ExtraAdder(), ecs]
else:
    install()  # options as keywords, or the ECS_LOG_CONTEXT_* variables
    foreign_pre_chain = [*shared, structlog.stdlib.ExtraAdder()]

structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        *shared,
        ecs,
        # Hands the event dict to logging: the handler's ProcessorFormatter renders it.
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)

handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(
    structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=foreign_pre_chain,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )
)
root = logging.getLogger()
root.addHandler(handler)
root.setLevel(logging.INFO)
# httpx logs every request at INFO, the library's fetch of the metadata among them.
logging.getLogger("httpx").setLevel(logging.WARNING)

structlog.get_logger("app").info("order placed", order_id=1042)  # structlog's chain
logging.getLogger("app.db").warning("slow query", extra={"ms": 812})  # foreign_pre_chain
logging.getLogger("payments").info("charged %s EUR", "19.90")  # a library's logger
structlog.get_logger("app").info("shutting down")
