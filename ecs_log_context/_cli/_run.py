"""``ecs-log-context run [--] COMMAND [ARG ...]``: the command, with `install()` in every
Python process it starts.

The package's ``_bootstrap`` directory goes first on ``PYTHONPATH``; its ``sitecustomize``
runs `install()` at the start-up of every Python process that inherits the variable, then the
``sitecustomize`` it shadows. The command then takes this process's place (exec): its
process ID, signals and exit status are the command's, as an image's ``ENTRYPOINT`` needs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ._command import PROG, Failure, Subcommands, resolve_settings

__all__ = ["BOOTSTRAP", "register", "run_environ"]

BOOTSTRAP = str(Path(__file__).resolve().parent.parent / "_bootstrap")
"""The directory whose ``sitecustomize`` installs the fields."""

NOT_FOUND = 127
NOT_EXECUTABLE = 126
"""The exit statuses of a shell for a command it cannot find, or cannot run."""


def register(commands: Subcommands) -> None:
    """Add ``run`` and its arguments."""
    run_parser = commands.add_parser(
        "run",
        help="run a command with the fields on every record of every Python process it starts",
        description=(
            "Run COMMAND (gunicorn, uvicorn, celery, python ...) so that every Python process "
            "it starts, and their children, calls ecs_log_context.install() at start-up, with "
            "the options from the environment: every record of every logger carries the "
            "fields, with no code changes. COMMAND takes this process's place: its process "
            "ID, signals and exit status are the command's. Exit status 127 when COMMAND is "
            "not found, 2 when a setting cannot be used."
        ),
        usage=f"{PROG} run [-h] [--] COMMAND [ARG ...]",
    )
    run_parser.add_argument("argv", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    run_parser.set_defaults(handler=run)


def run_environ(environ: dict[str, str]) -> dict[str, str]:
    """`environ` with the bootstrap directory first on ``PYTHONPATH`` (once).

    Every other entry stays as it was, empty ones included: Python reads an empty entry as
    the current directory (``ENV PYTHONPATH=/app:$PYTHONPATH`` with nothing set leaves one).
    """
    current = environ.get("PYTHONPATH")
    if not current:
        return {**environ, "PYTHONPATH": BOOTSTRAP}
    rest = [entry for entry in current.split(os.pathsep) if entry != BOOTSTRAP]
    return {**environ, "PYTHONPATH": os.pathsep.join([BOOTSTRAP, *rest])}


def run(args: argparse.Namespace) -> int:
    """``run``: check the settings, then exec the command with the bootstrap on its path.

    Raises:
        Failure: no command (2), a setting cannot be used (2), the command is not found
            (127) or cannot be run (126).
    """
    command: list[str] = args.argv
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise Failure(2, f"give the command to run, e.g. '{PROG} run -- gunicorn app:app'")
    resolve_settings()  # a setting that cannot be used fails here, once, not in every process
    executable = shutil.which(command[0])
    if executable is None and os.path.dirname(command[0]) and os.path.exists(command[0]):
        # A path to a file that is there but not executable (or a directory): as a shell
        # does, exec is tried and says why, 126; only a command that is not there is 127.
        executable = command[0]
    if executable is None:
        where = "no such file" if os.path.dirname(command[0]) else "not an executable on PATH"
        raise Failure(NOT_FOUND, f"command not found: {command[0]!r}: {where}")
    environ = run_environ(dict(os.environ))
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":  # no exec there: run it, and pass its status on
        return subprocess.call([executable, *command[1:]], env=environ)  # noqa: S603 -- the user's
    try:
        os.execve(executable, command, environ)  # noqa: S606 -- the user's own command
    except OSError as exc:
        raise Failure(NOT_EXECUTABLE, f"cannot run {command[0]!r}: {exc.strerror}") from None
    raise AssertionError("unreachable")  # pragma: no cover
