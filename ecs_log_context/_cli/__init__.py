"""The ``ecs-log-context`` command line: ``demo``, ``serve``, ``show``, ``stats``, ``env``, ``run``.

Exit status: 0 on success, 1 when the metadata cannot be had (off ECS, the endpoint failed),
2 for options or settings that cannot be used. structlog, python-json-logger, httpx and the
mock endpoint are imported by the subcommands that use them, not by this package.

Each subcommand is a module with ``register(commands)``, which adds its parser and sets
``handler``, the function that runs it: a new subcommand is one more module in ``_COMMANDS``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from .._text import escape
from . import _demo, _env, _run, _serve, _show, _stats
from ._command import PROG, Failure

__all__ = ["main"]

_COMMANDS = (_demo, _serve, _show, _stats, _env, _run)
"""The subcommand modules, in the order ``--help`` lists them."""


class _Parser(argparse.ArgumentParser):
    """Reports a usage error as one line, without the usage block above it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {escape(message)} (see '{self.prog} --help')\n")


class _VersionAction(argparse.Action):
    """``--version``, reading the installed version only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.update(nargs=0, default=argparse.SUPPRESS)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> NoReturn:
        from .._version import version

        print(f"{PROG} {version()}")
        parser.exit(0)


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Amazon ECS task metadata on every log record: try it (demo), run a mock "
            "endpoint for local development (serve), see what this environment would "
            "add (show) and what the task's containers use (stats), print the fields as "
            "environment variables for processes in any language (env), or run a command with "
            "the fields on every record of every Python process it starts (run)."
        ),
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in _COMMANDS:
        command.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: the arguments after the program name; ``sys.argv[1:]`` when None.

    Returns:
        The exit status.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error already reported
        return exit_.code if isinstance(exit_.code, int) else 0 if exit_.code is None else 2
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except Failure as failure:
        # Its sentence may quote the endpoint (an error body, container names): escaped.
        print(f"{PROG} {args.command}: {escape(str(failure))}", file=sys.stderr)
        return failure.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): stop writing, and keep the interpreter's final
        # flush from failing again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
