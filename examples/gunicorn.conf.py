"""gunicorn configuration for `gunicorn_app`: ``gunicorn -c examples/gunicorn.conf.py``.

The app is preloaded in the master, which fetches the ECS metadata once before forking the
workers (see `gunicorn_app`). Command-line options win over these, e.g. ``--bind``.
"""

from pathlib import Path

# The app module sits next to this file: importable from wherever gunicorn is started.
pythonpath = str(Path(__file__).resolve().parent)
wsgi_app = "gunicorn_app:app"

bind = "127.0.0.1:8000"
workers = 3
preload_app = True
