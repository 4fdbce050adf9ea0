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
            f"  sleep 1; . ./mock.env; {PROG} show; {PROG} stats\n"
            "the agent refusing the tags, and the tags route slow:\n"
            f"  {PROG} serve --tags-error access-denied --tags-latency 2\n"
            "the container metadata file as the source (ECS_LOG_CONTEXT_SOURCE=file):\n"
            f"  {PROG} serve --metadata-file ./metadata.json"
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
        help="serve this task instead: a JSON file shaped like the v4 /task answer; its "
        "TaskTags, ContainerInstanceTags and Errors (the agent's errors reading the tags) are "
        "served on taskWithTags, Errors on v4 only",
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
        "--tags-latency",
        type=_number(0, MAX_LATENCY, f"a number of seconds from 0 to {MAX_LATENCY:g}"),
        default=0.0,
        metavar="SECONDS",
        help="delay added to the taskWithTags answers only (v4 and v3 /taskWithTags, v2 "
        "/metadataWithTags), on top of --latency: the agent asks ECS for the tags (default: 0)",
    )
    serve.add_argument(
        "--tags-error",
        type=_tags_error,
        metavar="access-denied",
        help="answer taskWithTags as the agent does when ECS refuses its instance role "
        "ecs:ListTagsForResource: no TaskTags or ContainerInstanceTags and, on v4, an Errors "
        "array with the two AccessDeniedException (EC2 only)",
    )
    serve.add_argument(
        "--metadata-file",
        type=_metadata_file,
        metavar="PATH",
        help="also write the container metadata file of the exported container there (the "
        "EC2 agent's format, READY; removed when serve stops), and export "
        "ECS_CONTAINER_METADATA_FILE and ECS_LOG_CONTEXT_SOURCE=file so that the library "
        "reads it (EC2 only)",
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


def _tags_error(text: str) -> str:
    from ..mock._instance import TAGS_ERRORS

    value = text.strip().lower()
    if value not in TAGS_ERRORS:
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot be used: expected {', '.join(TAGS_ERRORS)}"
        )
    return value


def _metadata_file(text: str) -> str:
    folder = os.path.dirname(os.path.abspath(text)) if text else ""
    if not text or os.path.isdir(text) or not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(
            f"{text!r} cannot be used: expected the path of a file to write, in a directory "
            "that exists"
        )
    return text


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
        if exc.filename is not None:  # the metadata file, written once the address is bound
            raise Failure(
                2,
                f"--metadata-file {args.metadata_file!r} cannot be used: it cannot be written: "
                f"{exc.strerror or exc}",
            ) from None
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
        print(_banner(mock, args), file=sys.stderr, flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt stop
        mock.stop()
    return 0


def _banner(mock: MockEndpoint, args: argparse.Namespace) -> str:
    """What is served, on stderr: one comment line each, the first as it always was."""
    task = mock.task
    family, revision = escape(str(task.get("Family"))), escape(str(task.get("Revision")))
    lines = [
        f"# serving task {family}:{revision} "
        f"({mock.environ()['AWS_EXECUTION_ENV']}) on {mock.base_url}: "
        "v2, v3 and v4 routes; Ctrl-C to stop"
    ]
    if args.tags_error is not None:
        lines.append(
            f"# taskWithTags: no tags, and on v4 the agent's Errors ({args.tags_error}: "
            "ecs:ListTagsForResource refused to the instance role)"
        )
    elif task.get("Errors"):
        lines.append("# taskWithTags: the task file's Errors, on v4")
    if args.tags_latency:
        lines.append(f"# taskWithTags answers {args.tags_latency:g} s slower")
    if mock.metadata_file is not None:
        lines.append(
            f"# container metadata file: {escape(mock.metadata_file)}, read when "
            "ECS_LOG_CONTEXT_SOURCE=file (exported); removed when serve stops"
        )
    return "\n".join(lines)


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
    from ..errors import ConfigurationError
    from ..mock import MockEndpoint

    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "launch_type": args.launch_type,
        "task_file": args.task_file,
        "latency": args.latency,
        "error_rate": args.error_rate,
        "throttle": not args.no_throttle,
        "tags_latency": args.tags_latency,
        "tags_error": args.tags_error,
        "metadata_file": args.metadata_file,
    }
    try:
        mock = MockEndpoint(**options)
    except ConfigurationError as exc:
        # What the parser cannot see: an option that the task's launch type does not have.
        option = "--" + exc.name.replace("_", "-")
        raise Failure(
            2, f"{option} {exc.value!r} cannot be used: expected {exc.accepted}"
        ) from None
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
