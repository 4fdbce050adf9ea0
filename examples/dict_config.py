"""`logging.config.dictConfig`: the ECS filter and formatter built from configuration.

The ``text`` handler (stdout) enriches records with `EcsContextFilter` and prints the task in a
plain format string; ``default`` fills the keys while nothing is known (off ECS), so
``%(ecs_cluster)s`` never fails. The ``json`` handler (stderr) uses `EcsJsonFormatter`, which adds
the fields itself. The same dict works from a YAML or JSON file.

Run it against the mock endpoint: ``ecs-log-context serve`` in one terminal, its ``export``
lines in another, then ``python examples/dict_config.py``. On ECS the agent sets the variables.
"""

import logging
import logging.config

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "ecs": {
            "()": "ecs_log_context.EcsContextFilter",
            # Options mirror the ECS_LOG_CONTEXT_* variables and win over them. task_id is
            # not in the default group: asked for here, for the text format.
            "fields": "default,task_id",
            "style": "flat",
            "default": "-",
        },
    },
    "formatters": {
        "text": {
            "format": (
                "%(asctime)s %(levelname)s [%(ecs_cluster)s %(ecs_task_family)s:"
                "%(ecs_task_revision)s %(ecs_task_id)s] %(name)s: %(message)s"
            ),
        },
        "json": {
            "()": "ecs_log_context.EcsJsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "text": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "text",
            # On the handler, not on a logger: a logger's filters do not see records
            # propagated from its child loggers.
            "filters": ["ecs"],
        },
        "json": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stderr",
            "formatter": "json",
        },
    },
    # "json" first: a handler's filter sets attributes on the record itself, which every
    # later handler sees, "-" placeholders included.
    "root": {"level": "INFO", "handlers": ["json", "text"]},
}

logging.config.dictConfig(LOGGING)

log = logging.getLogger("app")
log.info("order placed")
logging.getLogger("app.db").warning("slow query")
log.info("shutting down")
