"""Django's ``LOGGING`` setting: the task's identity on Django's own records and the app's.

``install()`` enriches records where they are made (``logging.Logger.makeRecord``), not in a
handler or a logger, so it needs nothing from ``LOGGING`` and ``disable_existing_loggers``
cannot undo it: call it before ``django.setup()`` or after, both work. The JSON comes from
python-json-logger's own ``JsonFormatter``, which writes every extra attribute of a record, the
fields included. The alternative without ``install()``: `EcsContextFilter` declared in
``LOGGING["filters"]`` and put on the handler (it then sees only the records that reach that
handler: a logger with ``propagate: False`` and a handler of its own would need it too).

In a project, ``LOGGING`` goes in settings.py and ``install()`` at the top of settings.py (or in
wsgi.py / asgi.py / manage.py). This script configures Django in-line and serves three requests
through Django's test client: a view that logs on ``app.views``, a 404 and a view that raises,
which Django logs on ``django.request``.

    python examples/django_logging.py           # install() before django.setup()
    python examples/django_logging.py after     # install() after django.setup()
    python examples/django_logging.py filter    # EcsContextFilter in LOGGING, no install()

Run it against the mock endpoint: ``ecs-log-context serve`` in one terminal, its ``export``
lines in another. On ECS the agent sets the variables.
"""

import logging
import sys

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from ecs_log_context import install

MODE = sys.argv[1] if len(sys.argv) > 1 else "before"
if MODE not in {"before", "after", "filter"}:
    sys.exit(f"usage: {sys.argv[0]} [before|after|filter]")

LOGGING = {
    "version": 1,
    # Every logger that exists now and is not named below (or a child of one named) is
    # disabled: name the loggers whose records you want, "django" keeps django.request.
    "disable_existing_loggers": True,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django": {"level": "INFO"},
        "app": {"level": "INFO"},
        # The library's own messages (a metadata endpoint that fails, say): without this
        # line, disable_existing_loggers would silence them.
        "ecs_log_context": {"level": "INFO"},
        # The library fetches with httpx, which logs every request at INFO.
        "httpx": {"level": "WARNING"},
    },
}

if MODE == "filter":
    LOGGING["filters"] = {"ecs": {"()": "ecs_log_context.EcsContextFilter"}}
    LOGGING["handlers"]["console"]["filters"] = ["ecs"]

log = logging.getLogger("app.views")


def order(request: HttpRequest, number: int) -> HttpResponse:
    log.info("order placed", extra={"order_id": number})
    return HttpResponse(f"order {number}\n")


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("payment service down")


urlpatterns = [path("orders/<int:number>", order), path("boom", boom)]

if MODE == "before":
    install()  # options as keywords, or the ECS_LOG_CONTEXT_* variables

settings.configure(
    DEBUG=False,
    SECRET_KEY="example only",  # noqa: S106 -- a settings fragment, not a deployment
    ALLOWED_HOSTS=["testserver"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[],
    MIDDLEWARE=[],
    LOGGING=LOGGING,
)
django.setup()

if MODE == "after":
    install()

client = Client(raise_request_exception=False)
client.get("/orders/1042")  # app.views: "order placed"
client.get("/missing")  # django.request: "Not Found: /missing"
client.get("/boom")  # django.request: "Internal Server Error: /boom", with the traceback
logging.getLogger("app").info("shutting down")
