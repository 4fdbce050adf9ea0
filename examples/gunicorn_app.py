"""A tiny WSGI app for gunicorn whose workers log JSON lines with the ECS task's identity.

Serve it with the configuration next to it (``preload_app = True``, several workers)::

    gunicorn -c examples/gunicorn.conf.py

Against the mock endpoint: ``ecs-log-context serve`` in one terminal, its ``export`` lines in
another, then the command above and ``curl http://127.0.0.1:8000/``. On ECS the agent sets the
variables.
"""

import logging
import os
import sys

from ecs_log_context import EcsContext, EcsJsonFormatter

handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(EcsJsonFormatter("%(asctime)s %(levelname)s %(name)s %(process)d %(message)s"))
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.INFO)

log = logging.getLogger("app")

# With preload_app, gunicorn imports this module once, in the master, then forks the workers.
# Waiting here for the first answer (bounded; at once off ECS) puts the metadata in the
# master's memory before the fork: every worker inherits it, logs enriched lines from its first
# request on, and the whole fleet asks the endpoint once instead of once per worker.
EcsContext.default().wait_ready(timeout=2.0)


def app(environ, start_response):
    """Answer every request with the worker's pid, logging one line about it."""
    log.info("request", extra={"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"]})
    body = f"served by worker {os.getpid()}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
