"""A tiny ASGI app (no framework) for uvicorn with several workers, every line enriched.

Run it from the repository's root, JSON lines on stdout::

    ecs-log-context run -- uvicorn examples.uvicorn_app:app --workers 2 \\
        --log-config examples/uvicorn_log_config.json

then ``curl http://127.0.0.1:8000/``: the answer is the pid of the worker that served it. Against
the mock endpoint, first ``ecs-log-context serve`` in another terminal and its ``export`` lines
in this one; on ECS the agent sets the variables.

Nothing in this module or in the log configuration knows about ECS. ``ecs-log-context run``
puts a ``sitecustomize`` first on ``PYTHONPATH`` that calls `ecs_log_context.install()` at the
start of every Python process: uvicorn's supervisor and, since ``--workers`` starts each worker
as a new interpreter (multiprocessing's spawn) that inherits the variable, every worker. From
then on every record of every logger carries the task's fields as attributes, and
python-json-logger's ``JsonFormatter`` writes a record's extra attributes as keys: the
``uvicorn.error``, ``uvicorn.access`` and ``app`` lines all carry them, with no filter in the
configuration.

The code-level alternative, without ``run``: a ``dictConfig`` cannot call a function, but this
module can, at import::

    import ecs_log_context

    ecs_log_context.install()

uvicorn imports the app module in every worker it spawns, so each worker installs before it
logs its first line. Only the supervisor's own lines ("Started parent process", "Uvicorn running
on ...") stay bare: with ``--workers`` the supervisor never imports the app. ``run`` covers it
too, and needs no code.

Set ``PYTHONUNBUFFERED=1`` (as container images usually do): the workers then write each line
to stdout in one piece, and none is held in a buffer when a worker stops.
"""

import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Its handler and JSON formatter come from the log configuration (the "app" logger there).
log = logging.getLogger("app")


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every HTTP request with this worker's pid, logging one line about it."""
    if scope["type"] == "lifespan":
        await lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    log.info("request %s %s", scope["method"], scope["path"])
    body = str(os.getpid()).encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def lifespan(receive: Receive, send: Send) -> None:
    """Say when a worker starts and stops (uvicorn otherwise logs that lifespan is unsupported)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            log.info("worker %d started", os.getpid())
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            log.info("worker %d stopping", os.getpid())
            await send({"type": "lifespan.shutdown.complete"})
            return
