"""``ecs-log-context demo``: a few enriched log lines against the built-in mock endpoint."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ._command import Failure, Subcommands, launch_type

if TYPE_CHECKING:
    from .._settings import FieldSettings

__all__ = ["register"]

INSTALL_ALL = "pip install 'ecs-log-context[all]'"
STYLES = ("flat", "otel", "nested", "elastic", "datadog")

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


def register(commands: Subcommands) -> None:
    """Add ``demo`` and its options."""
    demo = commands.add_parser(
        "demo",
        help="log a few enriched lines against a built-in mock endpoint",
        description=(
            "Start the mock endpoint on a free loopback port, point the library at it, and "
            "log a few lines through structlog and through logging with python-json-logger. "
            "The JSON lines go to stdout, headers saying which is which to stderr. The field "
            "variables (ECS_LOG_CONTEXT_FIELDS, _STYLE, _NESTED_KEY, _KEYS, _TAGS, _OVERWRITE) "
            "apply."
        ),
    )
    demo.add_argument(
        "--style",
        choices=STYLES,
        help="key style: flat (default), otel, nested, elastic or datadog",
    )
    demo.add_argument(
        "--fields",
        metavar="NAMES",
        help="comma-separated field names, or the groups default and all",
    )
    demo.add_argument(
        "--launch-type",
        type=launch_type,
        default="EC2",
        metavar="{EC2,FARGATE}",
        help="which built-in sample task the mock serves (default: EC2)",
    )
    demo.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """``demo``: the mock on a free port, and a few enriched lines through every integration.

    Raises:
        Failure: a field option or variable cannot be used (2), or the mock did not answer (1).
    """
    from .._settings import FieldSettings
    from ..mock import MockEndpoint

    try:
        field_settings = FieldSettings.resolve(fields=args.fields, style=args.style)
    except ConfigurationError as exc:
        if exc.name in ("fields", "style"):  # an option, not a variable: name it as typed
            message = f"--{exc.name} {exc.value!r} cannot be used: expected {exc.accepted}"
            raise Failure(2, message) from None
        raise Failure(2, str(exc)) from None
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

    from .._fields import CONSTANTS, field_keys

    only_name = field_settings._replace(fields=("container_name",), tags=())
    constants = CONSTANTS.get(field_settings.style, {})
    key = next(key for key in field_keys(only_name) if key not in constants)
    if field_settings.style == "nested":
        return {}
    return {key: "checkout-api-canary"}


def _demo_lines(args: argparse.Namespace, field_settings: FieldSettings) -> None:
    """Log the demo's lines through structlog and logging, with what is installed."""
    from ..context import EcsContext
    from ..processor import EcsContextProcessor

    options: dict[str, Any] = {"fields": args.fields, "style": args.style}
    own = _own_key(field_settings)
    style = field_settings.style
    missing = []

    context = EcsContext.default()
    if not context.wait_ready(2 * context.settings.timeout):
        raise Failure(
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
        from ..json_formatter import EcsJsonFormatter
    except ImportError:
        missing.append("python-json-logger")
        from ..logging_filter import EcsContextFilter

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
    from .._fields import field_keys

    nested = field_settings.style == "nested"
    keys = [field_settings.nested_key] if nested else field_keys(field_settings)
    return "%(asctime)s %(levelname)s %(name)s %(message)s " + " ".join(
        f"{key}=%({key})s" for key in keys
    )
