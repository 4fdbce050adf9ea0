"""gunicorn configuration for `gunicorn_app` whose every log line is JSON on stdout with the ECS
task's identity: gunicorn's access log, its error log, and the app's own lines, with no filter
and no special formatter anywhere. Run it under the library's command line::

    ecs-log-context run -- gunicorn -c examples/gunicorn_logging.conf.py

``run`` makes every Python process it starts (the master, and the workers it forks) call
``ecs_log_context.install()`` at start-up, so every record that any logger makes carries the
fields as attributes, and python-json-logger's plain `JsonFormatter` writes them like any other
attribute. gunicorn's loggers have handlers of their own and do not propagate, which is why a
handler's filter would have to be added to each of them; here nothing has to be.

Without ``run``, the code-level alternative does the same: put these two lines at the top of
this file (``examples/gunicorn_logging_install.conf.py`` does exactly that, then loads this
one)::

    import ecs_log_context
    ecs_log_context.install()

gunicorn reads the configuration in the master before it sets up logging or forks, and the
workers inherit the installation.

``--preload`` (``preload_app = True``) is the user's choice: both ways work. Either way the
master logs ("Starting gunicorn ...") before it forks, so it fetches the metadata once and
every worker inherits the answer. Command-line options win over these, e.g. ``--bind``.
"""

from pathlib import Path

# The app module sits next to this file: importable from wherever gunicorn is started.
pythonpath = str(Path(__file__).resolve().parent)
wsgi_app = "gunicorn_app:app"

bind = "127.0.0.1:8000"
workers = 3
accesslog = "-"  # gunicorn writes no access log unless one is named

_JSON_ON_STDOUT = ["json_stdout"]

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
    "root": {"level": "INFO", "handlers": _JSON_ON_STDOUT},
    "loggers": {
        # gunicorn's defaults give both a handler of their own and let them propagate too:
        # one handler each, no propagation, one line per record.
        "gunicorn.error": {"level": "INFO", "handlers": _JSON_ON_STDOUT, "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": _JSON_ON_STDOUT, "propagate": False},
        # gunicorn_app adds a handler of its own to the root logger at import: the app's
        # logger and the library's own write through this one alone, once.
        "app": {"level": "INFO", "handlers": _JSON_ON_STDOUT, "propagate": False},
        "ecs_log_context": {"level": "INFO", "handlers": _JSON_ON_STDOUT, "propagate": False},
        # httpx logs every request at INFO, the library's fetch of the metadata among them.
        "httpx": {"level": "WARNING"},
    },
}
