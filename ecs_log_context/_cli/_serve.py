"""``ecs-log-context serve``: a mock task metadata endpoint for local development."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._text import escape
from ._command import PROG, Failure, Subcommands, launch_type

if TYPE_CHECKING:
    from ..mock import MockEndpoint

__all__ = ["DEFAULT_PORT", "register"]

DEFAULT_PORT = 8172
"""``serve``'s port: fixed, so that the exported variables stay valid across restarts."""

MAX_LATENCY = 3600.0


def register(commands: Subcommands) -> None:
    """Add ``serve`` and its options."""
    serve = commands.add_parser(
        "serve",
        help="run a mock task metadata endpoint for local development",
        description=(
            "Serve a task on the v2, v3 and v4 routes of the task metadata endpoint, stats "
            "included, answering like the ECS agent. The variables to export are printed on "
            "stdout, one 'export NAME=value' line each; then it serves until interrupted."
        ),
        epilog=(
            "example, in a POSIX shell:\n"
            f"  {PROG} serve > mock.env &\n"
            f"  sleep 1; . ./mock.env; {PROG} show; {PROG} stats"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port to listen on (default: {DEFAULT_PORT}; 0 picks a free port)",
    )
    serve.add_argument(
        "--launch-type",
        type=launch_type,
        default="EC2",
        metavar="{EC2,FARGATE}",
        help="built-in sample task to serve (default: EC2, an awsvpc task)",
    )
    serve.add_argument(
        "--task-file",
        type=_task_file,
        metavar="PATH",
        help="serve this task instead: a JSON file shaped like the v4 /task answer",
    )
    serve.add_argument(
        "--container",
        metavar="NAME",
        help="the container whose URI is exported (default: the first NORMAL container)",
    )
    serve.add_argument(
        "--latency",
        type=_number(0, MAX_LATENCY, f"a number of seconds from 0 to {MAX_LATENCY:g}"),
        default=0.0,
        metavar="SECONDS",
        help="delay added to every answer (default: 0)",
    )
    serve.add_argument(
        "--error-rate",
        type=_number(0, 1, "a fraction from 0 to 1"),
        default=0.0,
        metavar="FRACTION",
        help="fraction of answers replaced by the agent's HTTP 500 (default: 0)",
    )
    serve.add_argument(
        "--no-throttle",
        action="store_true",
        help="do not answer 429 past the agent's rate limit (40 requests/s, burst 60, "
        "per client and path)",
    )
    serve.add_argument("-v", "--verbose", action="store_true", help="log every request on stderr")
    serve.set_defaults(handler=run)


# -- option types ---------------------------------------------------------------------------


def _number(low: float, high: float, accepted: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} cannot be used: expected {accepted}")
        return value

    return parse


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot be used: expected a port number from 0 to 65535, 0 for a free one"
        )
    return value


def _task_file(text: str) -> str:
    if not os.path.isfile(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot be used: there is no such file; expected a JSON file shaped "
            "like the v4 /task answer"
        )
    return text


# -- serving --------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """``serve``: print the variables to export, then serve until SIGINT, SIGTERM or SIGHUP.

    Raises:
        Failure: the task file or container cannot be used (2), or the address cannot be
            bound (1; 2 for a host name that does not resolve).
    """
    import signal
    import socket
    import threading

    mock = _make_mock(args)
    if args.verbose:
        _log_requests()
    try:
        mock.start()
    except socket.gaierror as exc:
        raise Failure(2, f"--host {args.host!r} cannot be used: {exc.strerror or exc}") from None
    except OSError as exc:
        raise Failure(
            1,
            f"cannot listen on {args.host} port {args.port}: {exc.strerror or exc}; "
            "choose another --port (0 picks a free one)",
        ) from None
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, on_signal)
    try:
        for line in mock.export_lines():
            print(line)
        sys.stdout.flush()
        task = mock.task
        family, revision = escape(str(task.get("Family"))), escape(str(task.get("Revision")))
        print(
            f"# serving task {family}:{revision} "
            f"({mock.environ()['AWS_EXECUTION_ENV']}) on {mock.base_url}: "
            "v2, v3 and v4 routes; Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt stop
        mock.stop()
    return 0


def _log_requests() -> None:
    """``--verbose``: the mock's request log on stderr, escaped (request lines are a client's)."""
    import logging

    class EscapingFormatter(logging.Formatter):
        def formatMessage(self, record: logging.LogRecord) -> str:
            return escape(super().formatMessage(record))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(EscapingFormatter("%(asctime)s %(message)s"))
    mock_logger = logging.getLogger("ecs_log_context.mock")
    mock_logger.addHandler(handler)
    mock_logger.setLevel(logging.DEBUG)


def _make_mock(args: argparse.Namespace) -> MockEndpoint:
    """The mock ``serve`` asked for, each problem reported against the option that caused it."""
    from ..mock import MockEndpoint

    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "launch_type": args.launch_type,
        "task_file": args.task_file,
        "latency": args.latency,
        "error_rate": args.error_rate,
        "throttle": not args.no_throttle,
    }
    try:
        mock = MockEndpoint(**options)
    except ValueError as exc:
        # The numbers were checked by the parser: what is left is the task file's content.
        raise Failure(
            2,
            f"--task-file cannot be used: {exc}; expected a JSON file shaped like the v4 "
            "/task answer",
        ) from None
    if args.container is None:
        return mock
    running = [c.get("Name") for c in mock.task["Containers"] if c.get("DockerId")]
    if args.container not in running:
        names = ", ".join(repr(name) for name in running)
        raise Failure(
            2,
            f"--container {args.container!r} cannot be used: expected the Name of a running "
            f"container of the task ({names})",
        )
    return MockEndpoint(**options, container_name=args.container)
