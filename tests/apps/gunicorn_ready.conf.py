"""The example's gunicorn configuration, plus one stderr line from each worker once it is up.

A gunicorn worker ignores a SIGTERM that reaches it between ``fork()`` and its own signal set-up:
the arbiter's handler, inherited, queues the signal in the child's copy of the queue. The arbiter
then waits its graceful timeout (30 s) before killing that worker. A test that stops gunicorn
waits for every worker's line first, so its SIGTERM is never lost to that window.
"""

import os
from pathlib import Path
from runpy import run_path

_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "gunicorn.conf.py"
globals().update(
    {name: value for name, value in run_path(str(_EXAMPLE)).items() if not name.startswith("_")}
)

READY = "worker ready:"


def post_worker_init(worker: object) -> None:
    """Called by gunicorn after the worker has installed its signal handlers."""
    # One write, so that the lines of workers starting together never interleave.
    os.write(2, f"{READY} {getattr(worker, 'pid', '?')}\n".encode())
