"""An asyncio application: wait for the ECS metadata once at start-up, then log freely.

Start-up awaits `EcsContext.default().wait_ready_async()`, which waits in a worker thread, not
on the event loop. Every structlog line logged afterwards, from any task, carries the task's
identity. Off ECS the wait returns at once and nothing is added.

Run it against the mock endpoint: ``ecs-log-context serve`` in one terminal, its ``export``
lines in another, then ``python examples/asyncio_app.py``. On ECS the agent sets the variables.
"""

import asyncio
import random

import structlog

from ecs_log_context import EcsContext, EcsContextProcessor

structlog.configure(
    processors=[
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso"),
        EcsContextProcessor(),
        structlog.processors.JSONRenderer(),
    ]
)

log = structlog.get_logger()


async def worker(number: int) -> None:
    # Each task runs in a copy of the context: its bound keys stay its own.
    structlog.contextvars.bind_contextvars(worker=number)
    for job in range(2):
        await asyncio.sleep(random.uniform(0, 0.05))
        log.info("job done", job=job)


async def main() -> None:
    # The one wait, bounded: off ECS it returns False at once.
    ready = await EcsContext.default().wait_ready_async(timeout=2.0)
    # From here on the fields are a prebuilt dict: a log call never blocks the loop on I/O.
    log.info("started", metadata_ready=ready)
    await asyncio.gather(*(worker(n) for n in range(3)))
    log.info("stopped")


if __name__ == "__main__":
    asyncio.run(main())
