"""The ``ecs-log-context`` command line: ``demo``, ``serve``, ``show`` and ``stats``.

Exit status: 0 on success, 1 when the metadata cannot be had (off ECS, the endpoint failed),
2 for options or settings that cannot be used. structlog, python-json-logger, httpx and the
mock endpoint are imported by the subcommands that use them, not by this module.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from .errors import ConfigurationError, MetadataError, NoMetadataSourceError

if TYPE_CHECKING:
    from .client import MetadataClient
    from .mock import MockEndpoint
    from .models import ContainerMetadata, TaskMetadata
    from .settings import ContextSettings, FieldSettings
    from .source import Source
    from .usage import ContainerUsage

__all__ = ["DEFAULT_PORT", "main"]

PROG = "ecs-log-context"
DEFAULT_PORT = 8172
"""``serve``'s port: fixed, so that the exported variables stay valid across restarts."""

INSTALL_ALL = "pip install 'ecs-log-context[all]'"
LAUNCH_TYPES = ("EC2", "FARGATE")
STYLES = ("flat", "otel", "nested")
MAX_LATENCY = 3600.0

# Variables that choose where metadata comes from: the demo replaces them with the mock's.
# The field variables (FIELDS, STYLE, KEYS, TAGS, OVERWRITE) are kept, to be tried out.
_SOURCE_VARIABLES = (
    "ECS_CONTAINER_METADATA_URI_V4",
    "ECS_CONTAINER_METADATA_URI",
    "ECS_CONTAINER_METADATA_FILE",
    "AWS_EXECUTION_ENV",
    "ECS_LOG_CONTEXT_ENABLED",
    "ECS_LOG_CONTEXT_SOURCE",
    "ECS_LOG_CONTEXT_V2_ENDPOINT",
    "ECS_LOG_CONTEXT_CONTAINER_NAME",
    "ECS_LOG_CONTEXT_TIMEOUT",
    "ECS_LOG_CONTEXT_TTL",
)


class _Failure(Exception):
    """A subcommand cannot do its work: one sentence for stderr, and the exit status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """Reports a usage error as one line, without the usage block above it."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


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
        from ._version import version

        print(f"{PROG} {version()}")
        parser.exit(0)


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


def _launch_type(text: str) -> str:
    value = text.strip().upper()
    if value not in LAUNCH_TYPES:
        raise argparse.ArgumentTypeError(f"{text!r} cannot be used: expected EC2 or FARGATE")
    return value


# -- the parser -------------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description=(
            "Amazon ECS task metadata on every log record: try it (demo), run a mock "
            "endpoint for local development (serve), or see what this environment would "
            "add (show) and what the task's containers use (stats)."
        ),
    )
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="log a few enriched lines against a built-in mock endpoint",
        description=(
            "Start the mock endpoint on a free loopback port, point the library at it, and "
            "log a few lines through structlog and through logging with python-json-logger. "
            "The JSON lines go to stdout, headers saying which is which to stderr. The field "
            "variables (ECS_LOG_CONTEXT_FIELDS, _STYLE, _KEYS, _TAGS, _OVERWRITE) apply."
        ),
    )
    demo.add_argument("--style", choices=STYLES, help="key style: flat (default), otel or nested")
    demo.add_argument(
        "--fields",
        metavar="NAMES",
        help="comma-separated field names, or the groups default and all",
    )
    demo.add_argument(
        "--launch-type",
        type=_launch_type,
        default="EC2",
        metavar="{EC2,FARGATE}",
        help="which built-in sample task the mock serves (default: EC2)",
    )
    demo.set_defaults(handler=_demo)

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
        type=_launch_type,
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
    serve.set_defaults(handler=_serve)

    show = commands.add_parser(
        "show",
        help="show the fields this environment would add, and where they come from",
        description=(
            "Resolve the metadata as the library does, from this environment, and print the "
            "fields that would be added, the source and how long the fetch took: a table on a "
            "terminal, JSON otherwise. Exit status 1, with the reason on stderr, off ECS or "
            "when the metadata cannot be read; 2 when a setting cannot be used."
        ),
    )
    show.add_argument("--json", action="store_true", help="print JSON, also on a terminal")
    show.add_argument(
        "--all", action="store_true", help="also print the full task and container metadata"
    )
    show.set_defaults(handler=_show)

    stats = commands.add_parser(
        "stats",
        help="CPU and memory use of the task's containers",
        description=(
            "Read the task's stats routes and print each container's CPU percentage, memory "
            "in use (without the inactive page cache), its limit, and network rates, computed "
            "as docker stats computes them: a table on a terminal, JSON otherwise."
        ),
    )
    stats.add_argument("--json", action="store_true", help="print JSON, also on a terminal")
    stats.set_defaults(handler=_stats)
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
    except _Failure as failure:
        print(f"{PROG} {args.command}: {failure}", file=sys.stderr)
        return failure.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (``| head``): stop writing, and keep the interpreter's final
        # flush from failing again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


# -- shared by show and stats ------------------------------------------------------------------


def _settings() -> tuple[ContextSettings, FieldSettings]:
    from .settings import ContextSettings, FieldSettings

    try:
        return ContextSettings.resolve(), FieldSettings.resolve()
    except ConfigurationError as exc:
        raise _Failure(2, str(exc)) from None


def _client(settings: ContextSettings) -> tuple[Source, MetadataClient]:
    from .client import MetadataClient
    from .source import find_source

    if not settings.enabled:
        raise _Failure(
            1,
            "ECS_LOG_CONTEXT_ENABLED is false: the library adds nothing and reads no metadata "
            "(unset it to see what it would add)",
        )
    try:
        source = find_source(settings)
        return source, MetadataClient.from_source(source, settings)
    except NoMetadataSourceError as exc:
        hint = f"; to try it locally, run '{PROG} serve' and export the lines it prints"
        raise _Failure(1, str(exc) + hint) from None
    except ConfigurationError as exc:
        raise _Failure(2, str(exc)) from None


def _source_dict(source: Source) -> dict[str, str]:
    return {"kind": source.kind, "location": source.location, "variable": source.origin}


def _wants_json(args: argparse.Namespace) -> bool:
    return bool(args.json) or not _is_terminal()


def _is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except ValueError:  # closed
        return False


def _print_json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _aligned(rows: Sequence[Sequence[str]], indent: str = "") -> str:
    """Columns padded to their widest cell; the last column is not padded."""
    if not rows:
        return ""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        cells.append(row[-1])
        lines.append(indent + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _flatten(fields: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for key, value in fields.items():
        if isinstance(value, dict):
            rows += _flatten(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            rows.append((prefix + key, value))
        else:
            rows.append((prefix + key, json.dumps(value, ensure_ascii=False)))
    return rows


# -- show ---------------------------------------------------------------------------------------


def _show(args: argparse.Namespace) -> int:
    """``show``: fetch as the library would, and print the fields, the source and the time.

    Raises:
        _Failure: off ECS or the fetch failed (1), a setting cannot be used (2), or v2
            cannot tell which container this is (1, after printing what it could).
    """
    from .fields import build_fields

    settings, field_settings = _settings()
    source, client = _client(settings)
    explanation = None
    if source.kind != "file":
        # Imported ahead, so that the time shown is the fetch's and not the import's.
        import httpx  # noqa: F401
    started = time.perf_counter()
    try:
        with client:
            task, container = client.task_and_container(with_tags=bool(field_settings.tags))
            elapsed = time.perf_counter() - started
            if source.kind == "v2":
                explanation = client.explain_own_container(task)
    except MetadataError as exc:
        raise _Failure(1, str(exc)) from None
    fields = build_fields(task, container, field_settings)
    report: dict[str, Any] = {
        "fields": fields,
        "source": _source_dict(source),
        "fetch_ms": round(elapsed * 1000, 1),
        "style": field_settings.style,
        "container": container.name if container else None,
    }
    if explanation is not None:
        report["container_resolution"] = explanation
    if args.all:
        report["task_metadata"] = task.to_dict()
        report["container_metadata"] = container.to_dict() if container else None
    if _wants_json(args):
        _print_json(report)
    else:
        print(_show_table(report, task, container, all_=args.all))
    if container is None:
        raise _Failure(1, _unknown_container(explanation, settings.container_name))
    return 0


def _unknown_container(explanation: str | None, container_name: str | None) -> str:
    sentence = (
        "cannot tell which of the task's containers this process runs in, so the container "
        f"fields are left out: {explanation or 'the source does not say'}"
    )
    if container_name:
        sentence += "; set ECS_LOG_CONTEXT_CONTAINER_NAME to one of the names listed"
    elif "ECS_LOG_CONTEXT_CONTAINER_NAME" not in sentence:
        sentence += "; set ECS_LOG_CONTEXT_CONTAINER_NAME to this container's name"
    return sentence


def _show_table(
    report: dict[str, Any],
    task: TaskMetadata,
    container: ContainerMetadata | None,
    *,
    all_: bool,
) -> str:
    source = report["source"]
    about = [
        ("source", f"{source['kind']}  {source['location']}"),
        ("chosen by", source["variable"]),
        ("fetched in", f"{report['fetch_ms']:.1f} ms"),
        ("task", task.task_arn),
        ("container", report["container"] or "unknown"),
    ]
    if "container_resolution" in report:
        about.append(("resolution", report["container_resolution"]))
    fields = _flatten(report["fields"])
    parts = [_aligned(about), ""]
    if fields:
        parts += [f"fields added ({report['style']} style):", _aligned(fields, indent="  ")]
    else:
        parts.append("fields added: none (the metadata has none of the fields asked for)")
    if all_:
        parts += ["", "task metadata:", json.dumps(task.to_dict(), indent=2)]
        if container is not None:
            parts += ["", "container metadata:", json.dumps(container.to_dict(), indent=2)]
    return "\n".join(parts)


# -- stats --------------------------------------------------------------------------------------


def _stats(args: argparse.Namespace) -> int:
    """``stats``: the task's stats route, as ``docker stats`` figures per container.

    Raises:
        _Failure: off ECS, the file source, or the fetch failed (1); a bad setting (2).
    """
    from .usage import task_usage

    settings, _ = _settings()
    source, client = _client(settings)
    try:
        with client:
            task = client.task()
            stats = client.task_stats()
    except MetadataError as exc:
        raise _Failure(1, str(exc)) from None
    usage = task_usage(stats, task)
    if _wants_json(args):
        _print_json(
            {
                "task_arn": task.task_arn,
                "source": _source_dict(source),
                "containers": [row.to_dict() for row in usage],
            }
        )
    else:
        print(_stats_table(usage))
    return 0


def _bytes(value: float | None, suffix: str = "") -> str:
    if value is None:
        return "-"
    units = ("B", "KiB", "MiB", "GiB", "TiB")
    index = 0
    while abs(value) >= 1024 and index < len(units) - 1:
        value /= 1024
        index += 1
    number = f"{value:.1f}" if index else f"{value:.0f}"
    return f"{number}{units[index]}{suffix}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}%"


def _stats_table(usage: Sequence[ContainerUsage]) -> str:
    rows = [["NAME", "DOCKER ID", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET RX", "NET TX"]]
    for row in usage:
        name = row.name or "-"
        short_id = row.docker_id[:12]
        if not row.has_stats:
            rows.append([name, short_id, "no stats", "-", "-", "-", "-"])
            continue
        rows.append(
            [
                name,
                short_id,
                _percent(row.cpu_percent),
                f"{_bytes(row.memory_used)} / {_bytes(row.memory_limit)}",
                _percent(row.memory_percent),
                _bytes(row.network_rx_bytes_per_sec, "/s"),
                _bytes(row.network_tx_bytes_per_sec, "/s"),
            ]
        )
    return _aligned(rows)


# -- serve --------------------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    """``serve``: print the variables to export, then serve until SIGINT, SIGTERM or SIGHUP.

    Raises:
        _Failure: the task file or container cannot be used (2), or the address cannot be
            bound (1; 2 for a host name that does not resolve).
    """
    import signal
    import socket
    import threading

    mock = _make_mock(args)
    if args.verbose:
        import logging

        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        mock_logger = logging.getLogger("ecs_log_context.mock")
        mock_logger.addHandler(handler)
        mock_logger.setLevel(logging.DEBUG)
    try:
        mock.start()
    except socket.gaierror as exc:
        raise _Failure(2, f"--host {args.host!r} cannot be used: {exc.strerror or exc}") from None
    except OSError as exc:
        raise _Failure(
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
        print(
            f"# serving task {task.get('Family')}:{task.get('Revision')} "
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


def _make_mock(args: argparse.Namespace) -> MockEndpoint:
    """The mock ``serve`` asked for, each problem reported against the option that caused it."""
    from .mock import MockEndpoint

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
        raise _Failure(
            2,
            f"--task-file cannot be used: {exc}; expected a JSON file shaped like the v4 "
            "/task answer",
        ) from None
    if args.container is None:
        return mock
    running = [c.get("Name") for c in mock.task["Containers"] if c.get("DockerId")]
    if args.container not in running:
        names = ", ".join(repr(name) for name in running)
        raise _Failure(
            2,
            f"--container {args.container!r} cannot be used: expected the Name of a running "
            f"container of the task ({names})",
        )
    return MockEndpoint(**options, container_name=args.container)


# -- demo ---------------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    """``demo``: the mock on a free port, and a few enriched lines through every integration.

    Raises:
        _Failure: a field option or variable cannot be used (2), or the mock did not answer (1).
    """
    from .mock import MockEndpoint
    from .settings import FieldSettings

    try:
        field_settings = FieldSettings.resolve(fields=args.fields, style=args.style)
    except ConfigurationError as exc:
        if exc.name in ("fields", "style"):  # an option, not a variable: name it as typed
            message = f"--{exc.name} {exc.value!r} cannot be used: expected {exc.accepted}"
            raise _Failure(2, message) from None
        raise _Failure(2, str(exc)) from None
    mock = MockEndpoint(launch_type=args.launch_type).start()
    try:
        for name in _SOURCE_VARIABLES:
            os.environ.pop(name, None)
        os.environ.update(mock.environ())
        _note(
            f"mock Amazon ECS task metadata endpoint ({args.launch_type} sample) at "
            f"{mock.base_url}; the library reads ECS_CONTAINER_METADATA_URI_V4={mock.v4_uri}"
        )
        _demo_lines(args, field_settings)
    finally:
        mock.stop()
    return 0


def _note(text: str) -> None:
    sys.stdout.flush()
    print(f"# {text}", file=sys.stderr, flush=True)


def _own_key(field_settings: FieldSettings) -> dict[str, object]:
    """The key under which the demo's caller names its container itself (none if nested).

    Nested style puts every field under one ``ecs`` key: a caller's own ``ecs`` would replace
    them all, which shows the rule but hides the point of the demo.
    """

    from .fields import OTEL_CONSTANTS, field_keys

    only_name = field_settings._replace(fields=("container_name",), tags=())
    key = next(key for key in field_keys(only_name) if key not in OTEL_CONSTANTS)
    if field_settings.style == "nested":
        return {}
    return {key: "checkout-api-canary"}


def _demo_lines(args: argparse.Namespace, field_settings: FieldSettings) -> None:
    """Log the demo's lines through structlog and logging, with what is installed."""
    from .context import EcsContext
    from .processor import EcsContextProcessor

    options: dict[str, Any] = {"fields": args.fields, "style": args.style}
    own = _own_key(field_settings)
    style = field_settings.style
    missing = []

    context = EcsContext.default()
    if not context.wait_ready(2 * context.settings.timeout):
        raise _Failure(
            1, f"the mock endpoint did not answer: {context.status().last_error or 'timed out'}"
        )

    try:
        import structlog
    except ImportError:
        missing.append("structlog")
    else:
        _note(
            "structlog: add_log_level, TimeStamper, "
            f"EcsContextProcessor(style={style!r}), JSONRenderer"
        )
        log = structlog.wrap_logger(
            structlog.PrintLogger(sys.stdout),
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
                EcsContextProcessor(**options),
                structlog.processors.JSONRenderer(),
            ],
        ).bind(logger="checkout")
        log.info(
            "request served", method="GET", path="/api/orders/8412", status=200, duration_ms=12.4
        )
        log.info(
            "order placed",
            order_id="ord-8412",
            total=42.5,
            currency="EUR",
            **own,
        )
        log.warning("payment provider slow", provider="acme-pay", latency_ms=1840)

    import logging

    logger = logging.getLogger("checkout")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stdout)
    try:
        from .json_formatter import EcsJsonFormatter
    except ImportError:
        missing.append("python-json-logger")
        from .logging_filter import EcsContextFilter

        _note(f"logging: EcsContextFilter(style={style!r}) and a plain format string")
        handler.addFilter(EcsContextFilter(default="-", **options))
        handler.setFormatter(
            logging.Formatter(_plain_format(field_settings), defaults={"ecs": "-"})
        )
    else:
        _note(f"logging: python-json-logger, EcsJsonFormatter(ecs_style={style!r})")
        handler.setFormatter(
            EcsJsonFormatter(
                "%(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp=True,
                fields=args.fields,
                ecs_style=args.style,
            )
        )
    logger.addHandler(handler)
    try:
        logger.info(
            "request served",
            extra={"method": "GET", "path": "/api/orders/8412", "status": 200, "duration_ms": 12.4},
        )
        logger.info(
            "order placed",
            extra={"order_id": "ord-8412", "total": 42.5, "currency": "EUR", **own},
        )
        logger.warning("payment provider slow", extra={"provider": "acme-pay", "latency_ms": 1840})
    finally:
        logger.removeHandler(handler)
        handler.flush()

    if own:
        _note(f"the 'order placed' lines set {next(iter(own))} themselves: the caller's key wins")
    if missing:
        _note(f"{' and '.join(missing)} not installed: {INSTALL_ALL} for the full demo")
    context.close()


def _plain_format(field_settings: FieldSettings) -> str:
    from .fields import NESTED_KEY, field_keys

    keys = [NESTED_KEY] if field_settings.style == "nested" else field_keys(field_settings)
    return "%(asctime)s %(levelname)s %(name)s %(message)s " + " ".join(
        f"{key}=%({key})s" for key in keys
    )
