"""Imported by Python at start-up under ``ecs-log-context run``: `install()`, then the
``sitecustomize`` that this one shadows, if the interpreter has one.

It must never stop a program from starting: an interpreter without the package (another
Python on the same ``PYTHONPATH``) skips it silently; a setting that cannot be used is one
line on stderr, and the program runs without the fields.
"""

import os
import sys


def _run() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    # Out of sys.path, so that the program imports its own modules as it would without us;
    # PYTHONPATH keeps it for the processes it starts.
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    try:
        import ecs_log_context
    except ImportError:
        pass
    else:
        try:
            ecs_log_context.install()
        except Exception as exc:  # noqa: BLE001 -- a program must start whatever we find
            print(f"ecs-log-context run: no fields in this process: {exc}", file=sys.stderr)
    _chain(here)


def _chain(here: str) -> None:
    """Run the interpreter's own ``sitecustomize``, as if ours were not there."""
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is None or spec.loader is None or spec.origin == os.path.join(here, "sitecustomize.py"):
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)  # its errors are reported by site, as they would be


if __name__ == "sitecustomize":  # not when imported by name, e.g. by a test walking modules
    _run()
