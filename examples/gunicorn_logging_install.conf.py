"""`gunicorn_logging.conf.py` without ``ecs-log-context run``: the same JSON lines, every one with
the ECS task's identity, from two lines of code::

    gunicorn -c examples/gunicorn_logging_install.conf.py

gunicorn executes its configuration file in the master before it sets up logging, imports the
app or forks, so `install()` here is in force for every record of the master and of every
worker (they inherit it).
"""

import ecs_log_context

ecs_log_context.install()

# Everything else is the other file's: the app, the workers and the logconfig_dict.
from pathlib import Path  # noqa: E402
from runpy import run_path  # noqa: E402

globals().update(
    (name, value)
    for name, value in run_path(str(Path(__file__).with_name("gunicorn_logging.conf.py"))).items()
    if not name.startswith("_")
)
