"""gunicorn's settings for the deployment example: every line on stdout is one JSON object.

gunicorn's access and error logs and the app's own lines go through python-json-logger's
``JsonFormatter``, which writes a record's extra attributes as keys. Under the image's
entrypoint, ``ecs-log-context run --``, the ECS task's identity is among those attributes on
every record of every process (the master, and the workers it forks). Nothing here names the
library: without ``run`` the lines are the same, without the fields.

The master logs ("Starting gunicorn") before it forks, so it fetches the metadata once and the
workers inherit the answer. Command-line options and ``GUNICORN_CMD_ARGS`` win over these.
"""

bind = "0.0.0.0:8080"
workers = 2
accesslog = "-"  # gunicorn writes no access log unless one is named

_JSON = ["json_stdout"]

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            # The record's other attributes, the ECS fields among them, follow these.
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
        },
    },
    "handlers": {
        "json_stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        },
    },
    "root": {"level": "INFO", "handlers": _JSON},
    "loggers": {
        # gunicorn gives these a handler of their own: one handler each, no propagation.
        "gunicorn.error": {"level": "INFO", "handlers": _JSON, "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": _JSON, "propagate": False},
        # The library's own warnings (the agent refusing the task's tags, say) reach the log
        # stream through the root handler; its INFO lines (ready, refreshed) stay out.
        "ecs_log_context": {"level": "WARNING"},
        # httpx logs every request at INFO, the library's fetch of the metadata among them.
        "httpx": {"level": "WARNING"},
    },
}
