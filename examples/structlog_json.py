"""structlog, one JSON object per line, each carrying the ECS task's identity.

`EcsContextProcessor` adds ``ecs_cluster``, ``ecs_task_arn``, ``ecs_task_family``,
``ecs_task_revision``, ``ecs_availability_zone`` and ``ecs_container_name`` to every event.
Off ECS (none of the endpoint's variables set) it adds nothing, does no I/O and never waits.

Run it against the mock endpoint: ``ecs-log-context serve`` in one terminal, its ``export``
lines in another, then ``python examples/structlog_json.py``. On ECS, run it as the container's
command: the agent sets the variables.
"""

import structlog

from ecs_log_context import EcsContextProcessor

structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        # Anywhere before the renderer; keys the event already has win.
        EcsContextProcessor(),
        structlog.processors.JSONRenderer(),
    ]
)

log = structlog.get_logger()

structlog.contextvars.bind_contextvars(request_id="7f3a9c")
log.info("order placed", order_id=1042, total="19.90")
log.warning("payment retried", order_id=1042, attempt=2)
structlog.contextvars.clear_contextvars()
log.info("shutting down")
