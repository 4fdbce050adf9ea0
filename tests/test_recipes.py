"""The integration recipes in examples/: Django's ``LOGGING``, structlog's ``ProcessorFormatter``,
``logging.config.fileConfig`` with an INI file, and OpenTelemetry's logging handler.

Each script runs as a subprocess against the package's mock endpoint, as a user runs it
(``python examples/<name>.py``), and every line it logs must carry the task's fields. Each
recipe is also run once with its one integration taken away (``install()`` made a no-op, the
filter or formatter swapped for the stock one) through `run_altered`, which runs the same file
with runpy after a prelude: then no line may carry a field, so the fields of the first run came
from the recipe and nothing else. The OpenTelemetry recipe is also run in-process, against an
in-memory exporter, before, during and after ``install()``.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from runpy import run_path
from typing import Any

import pytest

from ecs_log_context import install, uninstall
from ecs_log_context.mock.server import MockEndpoint

from .child_processes import DEFAULT_KEYS, base_environ, enriched

REPO = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 30.0
LIBRARY = "ecs_log_context"  # the library's own logger
NO_INSTALL = "import ecs_log_context\necs_log_context.install = lambda **options: None\n"
# A logger that exists before the script configures logging: disable_existing_loggers must
# disable it, or the check that the library's logger survives could not fail.
LOGGER_STATES = (
    "import json, logging, sys\n"
    "sys.stderr.write(json.dumps({name: logging.getLogger(name).disabled"
    " for name in ('preexisting', 'ecs_log_context')}) + '\\n')\n"
)


def run_example(name: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run examples/<name>.py from the repository's root, as a user would; it must exit 0."""
    return _checked([sys.executable, f"examples/{name}.py", *args], env)


def run_altered(
    name: str, *args: str, env: dict[str, str], prelude: str = "", epilogue: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run examples/<name>.py as ``__main__`` with runpy, `prelude` before it (to take an
    integration away) and `epilogue` after it (to report on the process's logging)."""
    code = (
        f"import logging\nlogging.getLogger('preexisting')\n{prelude}"
        f"import runpy\nrunpy.run_path('examples/{name}.py', run_name='__main__')\n{epilogue}"
    )
    return _checked([sys.executable, "-c", code, *args], env)


def _checked(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert 0 == result.returncode, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    return result


def on_mock(mock: MockEndpoint, **extra: str) -> dict[str, str]:
    """This environment without any ECS or proxy variable, pointing at the mock."""
    return base_environ(**mock.environ(), **extra)


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every non-blank line of the text, each a JSON object."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def own_records(records: list[dict[str, Any]], key: str, *roots: str) -> list[dict[str, Any]]:
    """The records of the script's own loggers and its framework's (`roots` and their
    children; `key`: where the logger name is): not the library's own messages, nor httpx's
    of its fetch, which come when its refresher thread says them."""
    return [r for r in records if str(r.get(key, "")).split(".")[0] in roots]


def expected_fields(mock: MockEndpoint) -> dict[str, str]:
    """The six default flat fields, read from the task that the mock serves."""
    task = mock.task
    own = next(c for c in task["Containers"] if c["DockerId"] == mock.own_container_docker_id)
    return {
        "ecs_cluster": str(task["Cluster"]).rpartition("/")[2],
        "ecs_task_arn": task["TaskARN"],
        "ecs_task_family": task["Family"],
        "ecs_task_revision": str(task["Revision"]),
        "ecs_availability_zone": task["AvailabilityZone"],
        "ecs_container_name": own["Name"],
    }


def ecs_keys(record: dict[str, Any]) -> set[str]:
    """The keys of the record that the library may have added (flat style)."""
    return {key for key in record if key.startswith("ecs_")}


def task_fetches(mock: MockEndpoint) -> int:
    """How many times the mock was asked for the task."""
    return sum(1 for r in mock.requests if r.path.endswith("/task"))


def assert_all_enriched(records: list[dict[str, Any]], mock: MockEndpoint) -> None:
    expected = expected_fields(mock)
    for record in records:
        assert enriched(record, mock), record
        assert expected == {key: record[key] for key in DEFAULT_KEYS}, record


def assert_none_enriched(records: list[dict[str, Any]]) -> None:
    for record in records:
        assert set() == ecs_keys(record), record


# -- 1. Django's LOGGING ---------------------------------------------------------------------

DJANGO_NAMES = ["app.views", "django.request", "django.request", "app"]


def django_records(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    records = own_records(json_lines(result.stdout), "name", "app", "django")
    assert DJANGO_NAMES == [r["name"] for r in records], result.stdout
    return records


@pytest.mark.parametrize("mode", ["before", "after", "filter"])
def test_django_logging_enriched(mode: str, mock: MockEndpoint) -> None:
    """Django's own records (a 404 and a 500 on ``django.request``) and the app's carry the six
    fields, with ``disable_existing_loggers: True``: install() before django.setup(), after it,
    or EcsContextFilter declared in LOGGING["filters"]; one fetch for the process."""
    pytest.importorskip("django")
    records = django_records(run_example("django_logging", mode, env=on_mock(mock)))
    assert_all_enriched(records, mock)
    views, not_found, server_error, _ = records
    assert 1042 == views["order_id"]  # the caller's extra= comes out beside the fields
    assert (404, "WARNING") == (not_found["status_code"], not_found["levelname"])
    assert (500, "ERROR") == (server_error["status_code"], server_error["levelname"])
    assert "RuntimeError: payment service down" in server_error["exc_info"]
    assert 1 == task_fetches(mock), mock.requests


STOCK_FILTER = (
    "import ecs_log_context, logging\necs_log_context.EcsContextFilter = logging.Filter\n"
)


@pytest.mark.parametrize(
    ("mode", "prelude"),
    [("before", NO_INSTALL), ("after", NO_INSTALL), ("filter", STOCK_FILTER)],
    ids=["before", "after", "filter"],
)
def test_django_logging_without_the_integration(
    mode: str, prelude: str, mock: MockEndpoint
) -> None:
    """The same script without install() (or with a stock filter in LOGGING) logs the same
    records with no field and asks the endpoint nothing: the fields came from the recipe."""
    pytest.importorskip("django")
    records = django_records(
        run_altered("django_logging", mode, env=on_mock(mock), prelude=prelude)
    )
    assert_none_enriched(records)
    assert 0 == mock.request_count, mock.requests


def test_django_logging_keeps_the_library_logger(mock: MockEndpoint) -> None:
    """``disable_existing_loggers: True`` disables a logger made before django.setup(), but not
    the library's, which the recipe's LOGGING names: its messages are not silenced."""
    pytest.importorskip("django")
    result = run_altered("django_logging", "before", env=on_mock(mock), epilogue=LOGGER_STATES)
    assert {"preexisting": True, LIBRARY: False} == json.loads(result.stderr.splitlines()[-1])


# -- 2. structlog's ProcessorFormatter -------------------------------------------------------

STRUCTLOG_NAMES = ["app", "app.db", "payments", "app"]


def structlog_events(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    events = own_records(json_lines(result.stdout), "logger", "app", "payments")
    assert STRUCTLOG_NAMES == [e["logger"] for e in events], result.stdout
    return events


@pytest.mark.parametrize("mode", ["processor", "install"])
def test_structlog_stdlib_enriched(mode: str, mock: MockEndpoint) -> None:
    """structlog's events and logging's records rendered by ProcessorFormatter all carry the
    fields: EcsContextProcessor in foreign_pre_chain, or install() with ExtraAdder there."""
    pytest.importorskip("structlog")
    events = structlog_events(run_example("structlog_stdlib", mode, env=on_mock(mock)))
    assert_all_enriched(events, mock)
    assert 812 == events[1]["ms"]  # ExtraAdder: the caller's extra= as well
    assert "charged 19.90 EUR" == events[2]["event"]
    assert 1 == task_fetches(mock), mock.requests


def test_structlog_stdlib_install_without_install(mock: MockEndpoint) -> None:
    """Without install(), ExtraAdder finds no field on logging's records: only structlog's own
    events, which EcsContextProcessor enriches in structlog's chain, carry them."""
    pytest.importorskip("structlog")
    result = run_altered("structlog_stdlib", "install", env=on_mock(mock), prelude=NO_INSTALL)
    app, db, payments, shutting_down = structlog_events(result)
    assert_all_enriched([app, shutting_down], mock)
    assert_none_enriched([db, payments])
    assert 812 == db["ms"]


# -- 3. logging.config.fileConfig with an INI file -------------------------------------------

FILE_CONFIG_NAMES = ["app", "app.db", "app"]


def file_config_records(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    records = own_records(json_lines(result.stdout), "name", "app")
    assert FILE_CONFIG_NAMES == [r["name"] for r in records], result.stdout
    return records


def test_file_config_enriched(mock: MockEndpoint) -> None:
    """``class=ecs_log_context.EcsJsonFormatter`` in [formatter_json]: fileConfig builds it with
    the INI's format, and every JSON line has its fields, the message and the caller's extra."""
    pytest.importorskip("pythonjsonlogger")
    records = file_config_records(run_example("file_config", env=on_mock(mock)))
    assert_all_enriched(records, mock)
    assert ["order placed", "slow query", "shutting down"] == [r["message"] for r in records]
    assert ["INFO", "WARNING", "INFO"] == [r["levelname"] for r in records]
    assert all(r["asctime"] for r in records)  # the INI's format reached the formatter
    assert 812 == records[1]["ms"]
    assert 1 == task_fetches(mock), mock.requests


def test_file_config_options_from_the_environment(mock: MockEndpoint) -> None:
    """fileConfig passes a formatter no option of ours: the variables set them."""
    pytest.importorskip("pythonjsonlogger")
    env = on_mock(mock, ECS_LOG_CONTEXT_FIELDS="default,task_id")
    records = file_config_records(run_example("file_config", env=env))
    task_id = mock.task["TaskARN"].rpartition("/")[2]
    for record in records:
        assert {*DEFAULT_KEYS, "ecs_task_id"} == ecs_keys(record)
        assert task_id == record["ecs_task_id"]


def test_file_config_without_the_formatter(mock: MockEndpoint) -> None:
    """With python-json-logger's stock JsonFormatter under the INI's class name, the same lines
    come out without a field, and nothing asks the endpoint."""
    pytest.importorskip("pythonjsonlogger")
    prelude = (
        "import ecs_log_context, pythonjsonlogger.json\n"
        "ecs_log_context.EcsJsonFormatter = pythonjsonlogger.json.JsonFormatter\n"
    )
    result = run_altered("file_config", env=on_mock(mock), prelude=prelude)
    assert_none_enriched(file_config_records(result))
    assert 0 == mock.request_count, mock.requests


def test_file_config_keeps_the_library_logger(mock: MockEndpoint) -> None:
    """fileConfig disables every logger it does not name; the INI names the library's."""
    pytest.importorskip("pythonjsonlogger")
    result = run_altered("file_config", env=on_mock(mock), epilogue=LOGGER_STATES)
    assert {"preexisting": True, LIBRARY: False} == json.loads(result.stderr.splitlines()[-1])


# -- 4. OpenTelemetry's logging handler ------------------------------------------------------

OTEL_BODIES = ["order placed", "slow query", "shutting down"]


def otel_attributes(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """The attributes of each exported log record, but the library's own messages."""
    exported = [r for r in json_lines(result.stdout) if not r["body"].startswith("ECS log context")]
    assert OTEL_BODIES == [r["body"] for r in exported], result.stdout
    return [r["attributes"] for r in exported]


def test_otel_logging_enriched(mock: MockEndpoint) -> None:
    """With install(), every log record that the OTel exporter receives has the six fields in
    its attributes, beside the caller's extra and the exception's attributes."""
    pytest.importorskip("opentelemetry.sdk")
    attributes = otel_attributes(run_example("otel_logging", env=on_mock(mock)))
    assert_all_enriched(attributes, mock)
    assert 1042 == attributes[0]["order_id"]
    assert "TimeoutError" == attributes[1]["exception.type"]
    assert 1 == task_fetches(mock), mock.requests


def test_otel_logging_otel_style(mock: MockEndpoint) -> None:
    """``ECS_LOG_CONTEXT_STYLE=otel``: the attributes take the semantic conventions' names."""
    pytest.importorskip("opentelemetry.sdk")
    env = on_mock(mock, ECS_LOG_CONTEXT_STYLE="otel")
    expected = expected_fields(mock)
    for attributes in otel_attributes(run_example("otel_logging", env=env)):
        assert set() == ecs_keys(attributes)
        assert expected["ecs_task_arn"] == attributes["aws.ecs.task.arn"]
        assert expected["ecs_task_family"] == attributes["aws.ecs.task.family"]
        assert expected["ecs_availability_zone"] == attributes["cloud.availability_zone"]
        assert expected["ecs_container_name"] == attributes["container.name"]
        assert ("aws", "aws_ecs") == (attributes["cloud.provider"], attributes["cloud.platform"])


def test_otel_logging_without_install(mock: MockEndpoint) -> None:
    """Without install(), LoggingHandler exports the same records with no field."""
    pytest.importorskip("opentelemetry.sdk")
    result = run_altered("otel_logging", env=on_mock(mock), prelude=NO_INSTALL)
    assert_none_enriched(otel_attributes(result))
    assert 0 == mock.request_count, mock.requests


@pytest.fixture
def otel_logger() -> Iterator[tuple[logging.Logger, Any]]:
    """A logger whose only handler is the recipe's LoggingHandler, exporting in memory; the
    handler, the provider and any install() are undone after the test."""
    export = pytest.importorskip("opentelemetry.sdk._logs.export")
    exporter_class = (
        getattr(export, "InMemoryLogRecordExporter", None) or export.InMemoryLogExporter
    )
    exporter = exporter_class()
    provider, handler = run_path(str(REPO / "examples" / "otel_logging.py"))["otel_handler"](
        exporter
    )
    log = logging.getLogger("recipes.otel")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    try:
        yield log, exporter
    finally:
        uninstall()
        log.removeHandler(handler)
        log.propagate = True
        log.setLevel(logging.NOTSET)
        provider.shutdown()


@pytest.mark.filterwarnings("ignore:.*LoggingHandler.*:DeprecationWarning")
def test_otel_logging_in_process(
    otel_logger: tuple[logging.Logger, Any], mock_on_v4: MockEndpoint
) -> None:
    """In one process: exported before install() without the fields, during it with them (the
    OTel record's attributes, from the record's), after uninstall() without them again."""
    log, exporter = otel_logger
    log.info("before")
    install()
    log.info("during", extra={"order_id": 7})
    uninstall()
    log.info("after")
    exported = {
        item.log_record.body: dict(item.log_record.attributes or {})
        for item in exporter.get_finished_logs()
    }
    assert ["before", "during", "after"] == list(exported)
    assert_none_enriched([exported["before"], exported["after"]])
    assert_all_enriched([exported["during"]], mock_on_v4)
    assert 7 == exported["during"]["order_id"]


# -- Off ECS ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "module"),
    [
        ("django_logging", ("before",), "django"),
        ("django_logging", ("filter",), "django"),
        ("structlog_stdlib", ("install",), "structlog"),
        ("file_config", (), "pythonjsonlogger"),
        ("otel_logging", (), "opentelemetry.sdk"),
    ],
    ids=["django-install", "django-filter", "structlog-install", "file-config", "otel"],
)
def test_recipes_off_ecs(name: str, args: tuple[str, ...], module: str) -> None:
    """Off ECS each recipe logs its lines and nothing else: no field, no message of the
    library's, no wait (with a 30 s timeout, a wait would outlast the run's own limit)."""
    pytest.importorskip(module)
    result = run_example(name, *args, env=base_environ(ECS_LOG_CONTEXT_TIMEOUT="30"))
    records = json_lines(result.stdout)
    if name == "otel_logging":
        assert OTEL_BODIES == [r["body"] for r in records]
        records = [r["attributes"] for r in records]
    elif name == "structlog_stdlib":
        assert STRUCTLOG_NAMES == [r["logger"] for r in records]
    else:
        names = DJANGO_NAMES if name == "django_logging" else FILE_CONFIG_NAMES
        assert names == [r["name"] for r in records]
    assert_none_enriched(records)
