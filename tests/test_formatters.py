"""`EcsJsonFormatter`, `EcsOrjsonFormatter` and `EcsMsgspecFormatter`: one mixin, three encoders.

The mixin (`ecs_log_context._formatter`) replaces python-json-logger's ``add_fields`` with the
same steps and one prebuilt dict. What it must write is python-json-logger's own output: the
same class built with ``static_fields={**fields, **the user's static_fields}`` is the reference,
compared byte for byte over a matrix of python-json-logger's options and real records. Then
every option and guarantee of `EcsJsonFormatter` is checked on the two new classes, against
the package's mock endpoint, and the missing extras in child processes.
"""

from __future__ import annotations

import copy
import io
import json
import logging
import logging.config
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from pythonjsonlogger.core import BaseJsonFormatter
from pythonjsonlogger.json import JsonFormatter
from pythonjsonlogger.msgspec import MsgspecFormatter
from pythonjsonlogger.orjson import OrjsonFormatter

from ecs_log_context import (
    ConfigurationError,
    EcsJsonFormatter,
    EcsMsgspecFormatter,
    EcsOrjsonFormatter,
)
from ecs_log_context.mock.server import MockEndpoint

from .capture import json_record
from .child_processes import base_environ
from .integrations import SAMPLE_VALUES, expected_fields
from .waiting import wait_until

Ours = EcsJsonFormatter | EcsOrjsonFormatter | EcsMsgspecFormatter
F = TypeVar("F", bound=Ours)

# Each library class and the python-json-logger class it is built on.
PAIRS: list[tuple[type[Ours], type[BaseJsonFormatter]]] = [
    (EcsJsonFormatter, JsonFormatter),
    (EcsOrjsonFormatter, OrjsonFormatter),
    (EcsMsgspecFormatter, MsgspecFormatter),
]
NEW: list[type[Ours]] = [EcsOrjsonFormatter, EcsMsgspecFormatter]
STYLES = ("flat", "otel", "nested", "elastic", "datadog")
TASK_ARN = SAMPLE_VALUES["EC2"]["task_arn"]


def ready(formatter: F) -> F:
    """Wait for the formatter's first answer; fail if it never comes."""
    assert formatter.context.wait_ready(5), formatter.context.status()
    return formatter


# -- records -----------------------------------------------------------------------------------


class _Keep(logging.Handler):
    """Keeps the records a real logger makes, untouched by any formatter."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _failing() -> None:
    raise ValueError("boom")


def logged_records() -> list[logging.LogRecord]:
    """Real records from a real logger: arguments, a dict message, extras (one holding an ecs
    key, one a key that a configuration renames onto an ecs key), an exception, a stack, and
    a dict message with an exception. None holds a key with a dot in it (see `test_prefix_rule`)."""
    keep = _Keep()
    logger = logging.Logger("tests.formatters", logging.DEBUG)
    logger.addHandler(keep)
    logger.info("hello %s", "world")
    logger.warning({"a": 1, "ecs_task_family": "from-message", "nested": {"b": [1, 2]}})
    logger.info(
        "with extra",
        extra={"request_id": "r-1", "ecs_cluster": "from-extra", "n": 3, "ok": True, "x": None},
    )
    try:
        _failing()
    except ValueError:
        logger.exception("failed")
    logger.info("where", stack_info=True)
    logger.error({"event": "dict and exception"}, exc_info=KeyError("k"), extra={"user": "u-1"})
    return keep.records


RECORDS = logged_records()


# -- 1. the same output as python-json-logger's own static_fields ------------------------------


@dataclass(frozen=True)
class Config:
    """One configuration: python-json-logger's options (given to both formatters), the
    library's (to ours alone), and the classes it applies to (all by default)."""

    pjl: dict[str, Any] = field(default_factory=dict)
    ecs: dict[str, Any] = field(default_factory=dict)
    only: tuple[type[Ours], ...] = ()


PERCENT_ASCTIME = "%(asctime)s %(levelname)s %(name)s %(message)s"
CONFIGS: dict[str, Config] = {
    "default": Config(),
    "percent-asctime": Config({"fmt": PERCENT_ASCTIME, "datefmt": "%Y-%m-%d %H:%M:%S"}),
    "percent": Config({"fmt": "%(levelname)s %(lineno)d %(funcName)s %(message)s"}),
    "brace-asctime": Config({"fmt": "{asctime} {levelname} {message}", "style": "{"}),
    "brace": Config({"fmt": "{levelname} {module} {message}", "style": "{"}),
    "dollar-asctime": Config({"fmt": "${asctime} $levelname ${message}", "style": "$"}),
    "dollar": Config({"fmt": "$levelname $message", "style": "$"}),
    "positional-style": Config({"fmt": "{levelname} {message}", "datefmt": None, "style": "{"}),
    "rename": Config(
        {
            "fmt": "%(levelname)s %(message)s",
            "rename_fields": {
                "levelname": "level",  # a required field
                "message": "msg",
                "ecs_cluster": "cluster",  # an ecs key
                "request_id": "ecs_task_arn",  # an extra onto an ecs key
                "a": "ecs_task_revision",  # a key of the dict message onto an ecs key
            },
        }
    ),
    "rename-keep-missing": Config(
        {
            "fmt": "%(levelname)s %(message)s",
            "rename_fields": {
                "levelname": "log.level",
                "ecs_task_family": "family",
                "request_id": "rid",
                "never_there": "absent",
            },
            "rename_fields_keep_missing": True,
        }
    ),
    "timestamp": Config({"timestamp": True}),
    "timestamp-named": Config({"timestamp": "ts", "rename_fields": {"ts": "@timestamp"}}),
    "timestamp-on-ecs-key": Config({"timestamp": "ecs_cluster"}),
    "defaults": Config(
        {"defaults": {"env": "prod", "ecs_cluster": "from-defaults", "levelname": "from-defaults"}}
    ),
    "reserved-attrs": Config(
        {"fmt": "%(message)s", "reserved_attrs": ["args", "msg", "exc_info", "exc_text"]}
    ),
    "static": Config({"static_fields": {"service": "checkout", "ecs_cluster": "user-cluster"}}),
    "static-renamed": Config(
        {
            "static_fields": {"svc": "checkout", "ecs_task_family": "user-family"},
            "rename_fields": {"svc": "service.name", "ecs_task_family": "family"},
        }
    ),
    "static-renamed-onto-field": Config(
        {
            "static_fields": {"ecs_cluster": "user", "svc": "s"},
            "rename_fields": {"svc": "ecs_cluster"},
        }
    ),
    "field-renamed-onto-static": Config(
        {"static_fields": {"svc": "s"}, "rename_fields": {"ecs_task_family": "svc"}}
    ),
    "indent": Config({"json_indent": 2}, only=(EcsJsonFormatter,)),
    "indent-orjson": Config({"json_indent": True}, only=(EcsOrjsonFormatter,)),
    "prefix": Config({"prefix": "JSON: "}),
    "all-fields-and-tags": Config(ecs={"fields": "all", "tags": "*"}),
    "keys": Config(
        {"rename_fields": {"cluster_name": "cluster"}},
        ecs={"keys": "cluster=cluster_name,task_arn=task"},
    ),
    "otel": Config({"rename_fields": {"aws.ecs.task.arn": "task.arn"}}, ecs={"ecs_style": "otel"}),
    "elastic": Config(
        {"static_fields": {"service.name": "checkout"}}, ecs={"ecs_style": "elastic"}
    ),
    "datadog": Config({"timestamp": True}, ecs={"ecs_style": "datadog"}),
    "everything": Config(
        {
            "fmt": PERCENT_ASCTIME,
            "rename_fields": {"levelname": "level", "ecs_task_arn": "task", "n": "count"},
            "rename_fields_keep_missing": True,
            "static_fields": {"service": "checkout", "ecs_task_revision": "user-revision"},
            "defaults": {"env": "prod"},
            "timestamp": "@timestamp",
        },
        ecs={"fields": "all", "tags": "team"},
    ),
    # Where the mixin differs from python-json-logger given the merged dict (see the report):
    # the merged dict moves the user's key ecs_cluster to the field's place, before svc and
    # ecs_task_family, whose renames then overwrite it; the mixin applies the user's
    # static_fields, in their order, after every field.
    "static-renamed-onto-field-before-it": Config(
        {
            "static_fields": {"svc": "s", "ecs_cluster": "user"},
            "rename_fields": {"svc": "ecs_cluster"},
        }
    ),
    "field-renamed-onto-static-field": Config(
        {
            "static_fields": {"ecs_cluster": "user"},
            "rename_fields": {"ecs_task_family": "ecs_cluster"},
        }
    ),
}


def _args(options: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Options as the formatter takes them: fmt, datefmt and style by position when the
    configuration says so (as fileConfig passes them), else by keyword."""
    if "datefmt" in options and options["datefmt"] is None:
        rest = {k: v for k, v in options.items() if k not in ("fmt", "datefmt", "style")}
        return (options["fmt"], None, options["style"]), rest
    return (), dict(options)


def _equivalence_cases() -> list[Any]:
    cases = []
    for name, config in CONFIGS.items():
        for ours, theirs in PAIRS:
            if config.only and ours not in config.only:
                continue
            case_id = f"{name}-{ours.__name__}"
            cases.append(pytest.param(name, ours, theirs, id=case_id))
    return cases


@pytest.mark.parametrize(("name", "ours", "theirs"), _equivalence_cases())
def test_output_is_python_json_loggers_own(
    mock: MockEndpoint, name: str, ours: type[Ours], theirs: type[BaseJsonFormatter]
) -> None:
    """Once ready, every record's line is, byte for byte and key for key, the one the same
    python-json-logger class writes with the fields and the user's ``static_fields`` merged
    into its own ``static_fields``."""
    config = CONFIGS[name]
    args, options = _args(config.pjl)
    formatter = ready(ours(*args, environ=mock.environ(), **config.ecs, **options))
    fields = dict(formatter._fields or {})
    assert fields, "no fields: the comparison would prove nothing"
    assert formatter._ready is not None  # the prebuilt dict's path, the one compared here
    user_static = options.pop("static_fields", {})
    reference = theirs(*args, static_fields={**fields, **user_static}, **options)

    expected = [reference.format(copy.copy(record)) for record in RECORDS]
    lines = [formatter.format(copy.copy(record)) for record in RECORDS]
    assert expected == lines
    # The task's identity is there, whatever keys carry it: the container's name on every
    # line, the task's ARN on the first one (whose record overrides nothing).
    assert all("checkout-api" in line for line in lines)
    assert TASK_ARN in lines[0]


def test_the_matrix_meets_what_it_claims() -> None:
    """The records and configurations hold what the equivalence test says they cover."""
    extras = [record.__dict__ for record in RECORDS]
    assert any(isinstance(record.msg, dict) for record in RECORDS)
    assert any(r.get("ecs_cluster") == "from-extra" for r in extras)
    assert sum(1 for record in RECORDS if record.exc_info) == 2
    assert any(record.stack_info for record in RECORDS)
    styles = {config.pjl.get("style", "%") for config in CONFIGS.values()}
    assert {"%", "{", "$"} <= styles
    asctime = {
        c.pjl.get("style", "%") for c in CONFIGS.values() if "asctime" in c.pjl.get("fmt", "")
    }
    assert {"%", "{", "$"} <= asctime


# -- 2. the options and guarantees of EcsJsonFormatter, on the new classes ----------------------


log = json_record  # one record through a real logger; its JSON object


def without(out: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in out.items() if k not in keys}


@pytest.mark.parametrize("group", ["default", "all"])
@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("cls", NEW)
def test_ecs_style(mock: MockEndpoint, cls: type[Ours], style: str, group: str) -> None:
    """``ecs_style`` chooses the keys, as on `EcsJsonFormatter`: PRODUCT.md's field table."""
    formatter = ready(cls(environ=mock.environ(), ecs_style=style, fields=group))
    out = log(formatter, request_id="r-1")
    assert {"message": "hello", "request_id": "r-1", **expected_fields("EC2", style, group)} == out


@pytest.mark.parametrize("cls", NEW)
def test_style_from_the_environment(mock: MockEndpoint, cls: type[Ours]) -> None:
    """``ECS_LOG_CONTEXT_STYLE`` is the field style; ``style`` stays logging's."""
    environ = {**mock.environ(), "ECS_LOG_CONTEXT_STYLE": "otel"}
    formatter = ready(cls("{levelname} {message}", style="{", environ=environ))
    assert {"levelname": "INFO", "message": "hello", **expected_fields("EC2", "otel")} == log(
        formatter
    )


@pytest.mark.parametrize("by", ["keyword", "position"])
@pytest.mark.parametrize("cls", NEW)
def test_field_style_as_logging_style_is_refused(cls: type[Ours], by: str) -> None:
    """``style="otel"`` is logging's format style, by keyword or third by position (as
    fileConfig passes it): refused with a sentence naming ecs_style."""
    args: tuple[str | None, ...] = (
        ("%(message)s",) if by == "keyword" else ("%(message)s", None, "otel")
    )
    kwargs: dict[str, Any] = {"style": "otel"} if by == "keyword" else {}
    with pytest.raises(ConfigurationError, match="the field style is the option ecs_style"):
        cls(*args, **kwargs)


@pytest.mark.parametrize("cls", NEW)
def test_bad_ecs_style_names_ecs_style(cls: type[Ours]) -> None:
    """A field style that does not exist is refused naming ``ecs_style``, not ``style``."""
    with pytest.raises(ConfigurationError) as caught:
        cls(ecs_style="json")
    assert "ecs_style" == caught.value.name


@pytest.mark.parametrize("cls", NEW)
def test_record_keys_and_static_fields_win(mock: MockEndpoint, cls: type[Ours]) -> None:
    """A key of the record (``extra``) or of the user's ``static_fields`` wins over a field."""
    formatter = ready(cls(environ=mock.environ(), static_fields={"ecs_task_family": "static"}))
    out = log(formatter, ecs_cluster="mine")
    expected = {**expected_fields("EC2"), "ecs_cluster": "mine", "ecs_task_family": "static"}
    assert expected == without(out, "message")


@pytest.mark.parametrize("cls", NEW)
def test_overwrite(mock: MockEndpoint, cls: type[Ours]) -> None:
    """With ``overwrite``, the fields replace the record's keys."""
    formatter = ready(cls(environ=mock.environ(), overwrite=True))
    out = log(formatter, ecs_cluster="mine", request_id="r-1")
    assert {"message": "hello", "request_id": "r-1", **expected_fields("EC2")} == out


@pytest.mark.parametrize("cls", NEW)
def test_rename_fields_apply_to_the_fields_with_overwrite(
    mock: MockEndpoint, cls: type[Ours]
) -> None:
    """``rename_fields`` renames a field with ``overwrite`` as without it."""
    options: dict[str, Any] = {"rename_fields": {"ecs_cluster": "cluster"}}
    plain = without(log(ready(cls(environ=mock.environ(), **options))), "message")
    assert "demo-cluster" == plain.get("cluster")
    assert plain == without(log(cls(environ=mock.environ(), overwrite=True, **options)), "message")


@pytest.mark.parametrize("cls", NEW)
def test_prefix_rule(mock: MockEndpoint, cls: type[Ours]) -> None:
    """Under otel, a record key ``container`` wins over ``container.name``; without it, the
    field is there."""
    formatter = ready(cls(environ=mock.environ(), ecs_style="otel"))
    otel = expected_fields("EC2", "otel")
    assert "container.name" in otel
    assert {"message": "hello", **otel} == log(formatter)
    out = log(formatter, container={"id": "mine"})
    assert {
        "message": "hello",
        "container": {"id": "mine"},
        **without(otel, "container.name"),
    } == out


@pytest.mark.parametrize("cls", [EcsJsonFormatter, *NEW])
def test_the_prefix_rule_reads_a_key_as_renamed(mock: MockEndpoint, cls: type[Ours]) -> None:
    """rename_fields moves container.name to cname, out of container: a record's own
    ``container`` holds the other container keys, not that one."""
    options: dict[str, Any] = {"ecs_style": "otel", "rename_fields": {"container.name": "cname"}}
    formatter = ready(cls(environ=mock.environ(), **options))
    otel = expected_fields("EC2", "otel")
    out = log(formatter, container={"id": "mine"})
    assert otel["container.name"] == out["cname"]
    assert "container.id" not in out
    assert {"id": "mine"} == out["container"]


@pytest.mark.parametrize("cls", NEW)
def test_keys_tags_and_nested_key(mock: MockEndpoint, cls: type[Ours]) -> None:
    """``keys`` renames, ``tags`` adds task tags, ``nested_key`` names the nested object."""
    formatter = ready(cls(environ=mock.environ(), keys="cluster=cluster_name", tags="team"))
    expected = expected_fields("EC2")
    expected["cluster_name"] = expected.pop("ecs_cluster")
    assert {**expected, "ecs_tag_team": "payments"} == without(log(formatter), "message")
    nested = ready(cls(environ=mock.environ(), ecs_style="nested", nested_key="aws_ecs"))
    fields = expected_fields("EC2", "nested")
    assert {"aws_ecs": fields["ecs"]} == without(log(nested), "message")


@pytest.mark.parametrize("cls", NEW)
def test_before_the_first_answer_records_wait_within_the_timeout(
    start_mock: Callable[..., MockEndpoint], cls: type[Ours]
) -> None:
    """A slow endpoint (0.2 s an answer) within the timeout (3 s): the first record waits and
    gets the fields."""
    mock = start_mock(latency=0.2)
    formatter = cls(environ=mock.environ(), timeout=3)
    assert {"message": "hello", "n": 1, **expected_fields("EC2")} == log(formatter, n=1)


@pytest.mark.parametrize("cls", NEW)
def test_before_the_first_answer_records_wait_no_longer_than_the_timeout(
    start_mock: Callable[..., MockEndpoint], cls: type[Ours]
) -> None:
    """An endpoint slower (1 s an answer) than the timeout (0.2 s): the first record does not
    wait for an answer (it has no fields, and comes back within a generous bound); once the
    endpoint answers in time, records get the fields."""
    mock = start_mock(latency=1.0)
    formatter = cls(environ=mock.environ(), timeout=0.2)
    started = time.monotonic()
    first = log(formatter, n=1)
    assert time.monotonic() - started < 5.0
    assert {"message": "hello", "n": 1} == first
    mock.latency = 0.0
    assert wait_until(lambda: formatter.context.status().state == "ready")
    assert {"message": "hello", "n": 2, **expected_fields("EC2")} == log(formatter, n=2)


@pytest.mark.parametrize("cls", NEW)
def test_off_ecs_no_fields_no_delay(cls: type[Ours]) -> None:
    """Off ECS: the line is python-json-logger's own, with no wait and no request."""
    formatter = cls("%(levelname)s %(message)s", environ={}, timeout=5, fields="all")
    theirs = dict(PAIRS)[cls]
    plain = theirs("%(levelname)s %(message)s")
    started = time.monotonic()
    records = RECORDS[:3]
    lines = [formatter.format(copy.copy(record)) for record in records]
    assert time.monotonic() - started < 2.0
    assert [plain.format(copy.copy(record)) for record in records] == lines
    assert "off_ecs" == formatter.context.status().state


@pytest.mark.parametrize("cls", NEW)
def test_dictconfig(
    start_mock: Callable[..., MockEndpoint],
    monkeypatch: pytest.MonkeyPatch,
    cls: type[Ours],
) -> None:
    """``"()": "ecs_log_context.<class>"`` takes python-json-logger's keys and ``ecs_style``."""
    mock = start_mock(launch_type="FARGATE")
    monkeypatch.setenv("ECS_CONTAINER_METADATA_URI_V4", mock.v4_uri)
    stream = io.StringIO()
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": f"ecs_log_context.{cls.__name__}",
                "fmt": "%(levelname)s %(message)s",
                "style": None,  # dictConfig's "not given"
                "static_fields": {"service": "checkout"},
                "ecs_style": "otel",
                "fields": "default",
                "timeout": "2",
            }
        },
        "handlers": {
            "memory": {"class": "logging.StreamHandler", "stream": stream, "formatter": "json"}
        },
        "loggers": {"tests.dictconfig": {"handlers": ["memory"], "level": "INFO"}},
    }
    logging.config.dictConfig(config)
    logger = logging.getLogger("tests.dictconfig")
    try:
        formatter = logger.handlers[0].formatter
        assert isinstance(formatter, cls)
        assert "otel" == formatter.settings.style
        assert ready(formatter)
        logger.info("hello", extra={"container.name": "mine"})
        assert {
            "levelname": "INFO",
            "message": "hello",
            **expected_fields("FARGATE", "otel"),
            "service": "checkout",
            "container.name": "mine",
        } == json.loads(stream.getvalue())
    finally:
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.NOTSET)


def test_one_fetch_shared_with_ecs_json_formatter(mock: MockEndpoint) -> None:
    """The three classes from one environment share one context and one fetch, and write the
    same object."""
    formatters = [ours(environ=mock.environ()) for ours, _ in PAIRS]
    assert len({id(formatter.context) for formatter in formatters}) == 1
    ready(formatters[0])
    objects = [log(formatter, request_id="r-1") for formatter in formatters]
    assert [{"message": "hello", "request_id": "r-1", **expected_fields("EC2")}] * 3 == objects
    assert 2 == mock.request_count  # the task and the container, once


# -- 3. without orjson or msgspec ---------------------------------------------------------------

WITHOUT = textwrap.dedent(
    """
    import importlib.util, json, sys

    BLOCKED = {blocked!r}

    def blocked(name):
        return any(name == b or name.startswith(b + ".") for b in BLOCKED)

    class Hide:
        # Wraps a finder: the blocked packages are not found, as if not installed.
        def __init__(self, finder):
            self.finder = finder
        def find_spec(self, name, path=None, target=None):
            if blocked(name):
                return None
            return self.finder.find_spec(name, path, target)
        def invalidate_caches(self):
            getattr(self.finder, "invalidate_caches", lambda: None)()

    # Not a finder that raises: python-json-logger's own import asks find_spec("msgspec"),
    # which would then raise where a missing package gives None.
    sys.meta_path[:] = [Hide(finder) for finder in sys.meta_path]
    hidden = all(importlib.util.find_spec(name) is None for name in BLOCKED)
    import ecs_log_context
    namespace = {{}}
    exec("from ecs_log_context import *", namespace)
    said = {{}}
    for name in ("EcsJsonFormatter", "EcsOrjsonFormatter", "EcsMsgspecFormatter"):
        try:
            getattr(ecs_log_context, name)
        except ImportError as exc:
            said[name] = [type(exc).__name__, exc.name, str(exc)]
        else:
            said[name] = None
    print(json.dumps({{"hidden": hidden, "star": sorted(namespace), "said": said}}))
    """
)


def run_without(blocked: tuple[str, ...]) -> dict[str, Any]:
    """The script above in a child, these packages blocked; what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT.format(blocked=blocked)],
        env=base_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@pytest.mark.parametrize(
    ("package", "name", "other"),
    [
        ("orjson", "EcsOrjsonFormatter", "EcsMsgspecFormatter"),
        ("msgspec", "EcsMsgspecFormatter", "EcsOrjsonFormatter"),
    ],
)
def test_without_the_package_the_extra_is_named(package: str, name: str, other: str) -> None:
    """Without orjson (msgspec): ``import *`` works without its formatter, and asking for it
    by name raises ModuleNotFoundError naming the extra (python-json-logger raises its own
    MissingPackageError, an ImportError naming no module); the other formatters still load."""
    seen = run_without((package,))
    assert seen["hidden"]
    assert name not in seen["star"]
    assert {"EcsContextProcessor", "EcsJsonFormatter", other} <= set(seen["star"])
    kind, module, message = seen["said"][name]
    assert ("ModuleNotFoundError", package) == (kind, module)
    assert f"pip install 'ecs-log-context[{package}]'" in message
    assert seen["said"][other] is None
    assert seen["said"]["EcsJsonFormatter"] is None


def test_without_python_json_logger_every_formatter_names_its_extra() -> None:
    """Without python-json-logger (and without orjson and msgspec): ``import *`` works, and
    each formatter names the extra that installs what it needs."""
    seen = run_without(("pythonjsonlogger", "orjson", "msgspec"))
    assert not {"EcsJsonFormatter", "EcsOrjsonFormatter", "EcsMsgspecFormatter"} & set(seen["star"])
    assert "EcsContextProcessor" in seen["star"]
    for name, extra in [
        ("EcsJsonFormatter", "json"),
        ("EcsOrjsonFormatter", "orjson"),
        ("EcsMsgspecFormatter", "msgspec"),
    ]:
        kind, _, message = seen["said"][name]
        assert "ModuleNotFoundError" == kind
        assert f"pip install 'ecs-log-context[{extra}]'" in message


def test_star_import_with_orjson_but_without_python_json_logger() -> None:
    """orjson and msgspec installed for another reason, python-json-logger not: ``import *``
    still works, without the formatters."""
    seen = run_without(("pythonjsonlogger",))
    assert not {"EcsOrjsonFormatter", "EcsMsgspecFormatter"} & set(seen["star"])
