"""The service of the deployment example: a tiny WSGI app that logs one line per request.

It names no part of ecs-log-context. The image's entrypoint, ``ecs-log-context run --``,
installs the fields in every Python process that gunicorn starts, and the JSON formatter of
``gunicorn.conf.py`` writes them as keys of each line, this app's and gunicorn's own.
"""

import logging
import os

log = logging.getLogger("app")


def app(environ, start_response):
    """Answer with the worker's pid, and log the request."""
    log.info("request", extra={"method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"]})
    body = f"served by worker {os.getpid()}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
