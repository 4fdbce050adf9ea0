"""Behaviours 2, 5 and 8 of PRODUCT.md against hostile input: environment, metadata, proxies.

- every environment variable with empty, whitespace, wrong-type and hostile values: a clear
  `ConfigurationError` at construction (naming the variable, never echoing a password) or the
  documented fallback (blank counts as unset), and never an exception at log time;
- proxy variables are ignored; the credentials routes are never asked;
- metadata strings with control characters keep a plain-text log line one line;
- property-based, end to end: arbitrary JSON served by a loopback endpoint -> the client ->
  `build_fields`, and an `EcsContext` refreshing from it: a model or a `MetadataError`, and no
  exception out of any log call.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ecs_log_context import (
    ContainerMetadata,
    EcsContextFilter,
    EcsContextProcessor,
    EcsJsonFormatter,
    MetadataClient,
    MetadataError,
    TaskMetadata,
)
from ecs_log_context._fields import build_fields
from ecs_log_context._settings import ALL_FIELDS, FieldSettings
from ecs_log_context.errors import (
    ConfigurationError,
    InvalidMetadataError,
    MetadataHTTPError,
    MetadataThrottledError,
)
from ecs_log_context.mock.server import MockEndpoint

from .capture import RecordCapture, library_records
from .documents import (
    ENDPOINT_ID,
    V4_CONTAINER,
    V4_TASK,
    V4_TASK_ARN,
    fixture_json,
    healthy_routes,
)
from .loopback import LoopbackServer, Reply, json_reply

PREFIX = f"/v4/{ENDPOINT_ID}"
HUGE = "x" * (1024 * 1024)


@pytest.fixture(scope="module")
def healthy() -> Iterator[LoopbackServer]:
    with LoopbackServer(healthy_routes("v4", PREFIX)) as server:
        yield server


_RECORD_ATTRIBUTES = {*logging.makeLogRecord({}).__dict__, "message", "asctime"}


def _log_through_everything(environ: dict[str, str], **options: Any) -> list[dict[str, Any]]:
    """Build the three integrations, log one record through each; their ecs fields.

    Raises whatever construction raises; a log call that raises fails the test.
    """
    processor = EcsContextProcessor(environ=environ, **options)
    ecs_filter = EcsContextFilter(environ=environ, **options)
    formatter = EcsJsonFormatter("%(message)s", environ=environ, **options)
    plain, as_json = RecordCapture(), RecordCapture()
    plain.addFilter(ecs_filter)
    as_json.setFormatter(formatter)
    log = logging.getLogger("hostile.env")
    log.propagate = False
    log.handlers[:] = [plain, as_json]
    event = processor(None, "warning", {"event": "e"})
    log.warning("m")
    assert len(plain.records) == len(as_json.lines) == 1
    assert plain.records[0].getMessage() == "m"
    return [
        {k: v for k, v in event.items() if k != "event"},
        {k: v for k, v in plain.records[0].__dict__.items() if k not in _RECORD_ATTRIBUTES},
        {k: v for k, v in json.loads(as_json.lines[0]).items() if k != "message"},
    ]


# -- environment -----------------------------------------------------------------------------

BLANK = ["", " ", "\t \n"]

# Values that must be refused at construction, by variable.
REFUSED: dict[str, list[str]] = {
    "ECS_LOG_CONTEXT_ENABLED": ["maybe", "2", "tru", "yes please", "\x00", "enabled", HUGE],
    "ECS_LOG_CONTEXT_SOURCE": ["v5", "v4;v3", "auto,v4", "169.254.170.2", "\x00", HUGE],
    "ECS_LOG_CONTEXT_V2_ENDPOINT": [
        "ftp://169.254.170.2",
        "file:///etc/passwd",
        "gopher://169.254.170.2:70/_GET",
        "javascript:alert(1)",
        "169.254.170.2",
        "http://",
        "http://:80",
        "http://169.254.170.2:99999",
        "http://[::1",
        "http://user:s3cr3t-pw@169.254.170.2",
        "http://169.254.170.2/v2/credentials/0a1b",
        "http://169.254.170.2/v2/%63redentials/0a1b",
        "http://169.254.170.2/v2/CREDENTIALS",
        "http://169.254.170.2/?role=admin",
        "http://169.254.170.2/#x",
        "http://169.254.170.2/v2\r\nHost: evil",
        "http://169.254.170.2/v 2",
        "http://169.254.170.2/" + HUGE,
    ],
    "ECS_LOG_CONTEXT_FIELDS": ["nope", ",", "cluster;task_arn", "all,secret", "cluster\x00", HUGE],
    "ECS_LOG_CONTEXT_STYLE": ["json", "flat;", "ecs", HUGE],
    "ECS_LOG_CONTEXT_KEYS": [
        "cluster",
        "cluster=",
        "cluster=bad key",
        "cluster=a\nb",
        "unknown=x",
        "cluster=a,family=a",
        "cluster=" + "k" * 200,
        HUGE,
    ],
    "ECS_LOG_CONTEXT_TAGS": ["t" * 129, HUGE],
    "ECS_LOG_CONTEXT_CONTAINER_NAME": [HUGE],
    "ECS_LOG_CONTEXT_TIMEOUT": [
        "abc",
        "-1",
        "0",
        "nan",
        "inf",
        "-inf",
        "1e999",
        "61",
        "1_0",
        "0x10",
        "1,5",
        "1s",
        HUGE,
    ],
    "ECS_LOG_CONTEXT_TTL": ["-5", "0.5", "nan", "inf", "abc", "604801", "1e400", HUGE],
    "ECS_LOG_CONTEXT_OVERWRITE": ["maybe", "ja", "\x00", HUGE],
    "ECS_CONTAINER_METADATA_URI_V4": [
        "ftp://127.0.0.1/v4/x",
        "file:///proc/self/environ",
        "not a url",
        "http://",
        "http://u:s3cr3t-pw@127.0.0.1/v4/x",
        "http://169.254.170.2/v2/credentials/0a1b",
        "http://169.254.170.2/v4/x/../../v2/credentials/0a1b",
        "http://169.254.170.2/v4/%2e%2e/v2/%63redentials",
        "http://127.0.0.1/v4/x?y=1",
        "http://127.0.0.1/v4/\x00",
        "http://127.0.0.1/v4/x\nX-Injected: 1",
    ],
    "ECS_CONTAINER_METADATA_URI": [
        "ftp://127.0.0.1/v3/x",
        "http://u:s3cr3t-pw@127.0.0.1/v3/x",
        "http://169.254.170.2/v2/credentials/0a1b",
        "http://127.0.0.1/v3/x#f",
    ],
    "ECS_CONTAINER_METADATA_FILE": ["metadata\x00.json", "/" + "d" * 5000],
}

# Values that are fine: the record must carry the fields (from the healthy loopback endpoint).
ACCEPTED: dict[str, list[str]] = {
    "ECS_LOG_CONTEXT_ENABLED": ["TRUE", " on ", "1"],
    "ECS_LOG_CONTEXT_SOURCE": ["V4", " auto "],
    "ECS_LOG_CONTEXT_FIELDS": ["ALL", "cluster, ,task_arn", "default,default"],
    "ECS_LOG_CONTEXT_STYLE": [" OTEL ", "Nested"],
    "ECS_LOG_CONTEXT_KEYS": ["cluster=cluster_name", " task_arn = task "],
    "ECS_LOG_CONTEXT_TAGS": ["*", "a\nb", "<script>"],
    "ECS_LOG_CONTEXT_CONTAINER_NAME": ["$(reboot)", "c\nd"],
    "ECS_LOG_CONTEXT_TIMEOUT": ["0.5", " 1 ", "1e0"],
    "ECS_LOG_CONTEXT_TTL": ["0", "3600", " 60.5 "],
    "ECS_LOG_CONTEXT_OVERWRITE": ["off", "No"],
}


def _base(server: LoopbackServer, variable: str) -> dict[str, str]:
    environ = {"ECS_CONTAINER_METADATA_URI_V4": server.url + PREFIX}
    if variable != "ECS_LOG_CONTEXT_TIMEOUT":
        environ["ECS_LOG_CONTEXT_TIMEOUT"] = "1.0"
    if variable.startswith("ECS_CONTAINER_METADATA"):
        del environ["ECS_CONTAINER_METADATA_URI_V4"]
    return environ


def _cases(table: dict[str, list[str]]) -> list[Any]:
    return [
        pytest.param(variable, value, id=f"{variable.removeprefix('ECS_')}={value[:24]!r}")
        for variable, values in table.items()
        for value in values
    ]


@pytest.mark.parametrize(("variable", "value"), _cases(REFUSED))
def test_unusable_variables_are_refused_at_construction(
    healthy: LoopbackServer, variable: str, value: str
) -> None:
    environ = {**_base(healthy, variable), variable: value}
    for build in (EcsContextProcessor, EcsContextFilter, EcsJsonFormatter):
        with pytest.raises(ConfigurationError) as raised:
            build(environ=environ)
        assert isinstance(raised.value, ValueError)
        message = str(raised.value)
        assert message.startswith(variable + "=")  # names the variable ...
        assert "cannot be used: expected" in message  # ... and what is accepted
        assert len(message) < 600  # a huge value is not echoed whole
        assert "s3cr3t-pw" not in message  # nor a password


@pytest.mark.parametrize(("variable", "value"), _cases(ACCEPTED))
def test_usable_variables_enrich(healthy: LoopbackServer, variable: str, value: str) -> None:
    environ = {**_base(healthy, variable), variable: value}
    for fields in _log_through_everything(environ):
        assert V4_TASK_ARN in json.dumps(fields)  # enriched, whatever the style or names


@pytest.mark.parametrize("blank", BLANK, ids=["empty", "space", "whitespace"])
@pytest.mark.parametrize("variable", sorted({*REFUSED, *ACCEPTED}))
def test_blank_variables_count_as_unset(healthy: LoopbackServer, variable: str, blank: str) -> None:
    environ = {**_base(healthy, variable), variable: blank}
    got = _log_through_everything(environ)
    expected = _log_through_everything(_base(healthy, variable))
    assert got == expected


@pytest.mark.parametrize(
    "value", ["", "  ", "lambda", "AWS_Lambda_python3.12", "aws_ecs_ec2", HUGE]
)
def test_execution_env_that_is_not_ecs_means_off_ecs_at_once(value: str) -> None:
    with library_records() as said:
        processor = EcsContextProcessor(environ={"AWS_EXECUTION_ENV": value}, timeout=5)
        event = processor(None, "info", {"event": "e"})
    assert event == {"event": "e"}
    assert processor.context.status().state == "off_ecs"
    assert said.records == []


WRONG_ARGUMENTS: list[tuple[str, object]] = [
    ("timeout", [1]),
    ("timeout", True),
    ("timeout", math.nan),
    ("timeout", -1),
    ("timeout", object()),
    ("ttl", -1),
    ("ttl", 0.5),
    ("ttl", "soon"),
    ("fields", 5),
    ("fields", ["cluster", 5]),
    ("fields", []),
    ("keys", 5),
    ("keys", {"cluster": 5}),
    ("keys", {"cluster": "a b"}),
    ("tags", 5),
    ("tags", ["a", None]),
    ("overwrite", "maybe"),
    ("overwrite", 2),
    ("enabled", 1),
    ("source", 4),
    ("source", "V9"),
    ("v2_endpoint", b"http://169.254.170.2"),
    ("v2_endpoint", "http://u:s3cr3t-pw@169.254.170.2"),
    ("container_name", 5),
    ("style", ["flat"]),
    ("style", "x" * 5000),
]


@pytest.mark.parametrize(
    ("name", "value"),
    [pytest.param(n, v, id=f"{n}={v!r:.20}") for n, v in WRONG_ARGUMENTS],
)
def test_wrong_argument_types_are_refused_at_construction(name: str, value: object) -> None:
    wrong: dict[str, Any] = {name: value}
    for build in (EcsContextProcessor, EcsContextFilter):
        with pytest.raises(ConfigurationError) as raised:
            build(**wrong)
        assert str(raised.value).startswith(name + "=")
        assert "s3cr3t-pw" not in str(raised.value)


def test_context_and_its_options_together_are_refused(healthy: LoopbackServer) -> None:
    processor = EcsContextProcessor(environ=_base(healthy, ""))
    with pytest.raises(TypeError):
        EcsContextFilter(context=processor.context, timeout=1)


@pytest.mark.parametrize(
    "target",
    ["missing", "directory", "dev_zero", "not_json", "binary", "huge"],
)
def test_hostile_metadata_files_fail_quietly(tmp_path: Path, target: str) -> None:
    path = {
        "missing": tmp_path / "nope.json",
        "directory": tmp_path,
        "dev_zero": Path("/dev/zero"),
        "not_json": tmp_path / "bad.json",
        "binary": tmp_path / "bin.json",
        "huge": tmp_path / "huge.json",
    }[target]
    if target == "not_json":
        path.write_text("{")
    elif target == "binary":
        path.write_bytes(bytes(range(256)) * 10)
    elif target == "huge":
        path.write_bytes(b" " * (5 * 1024 * 1024))
    if target == "dev_zero" and not path.exists():
        pytest.skip("no /dev/zero")
    with library_records() as said:
        fields = _log_through_everything(
            {"ECS_CONTAINER_METADATA_FILE": str(path), "ECS_LOG_CONTEXT_TIMEOUT": "1"}
        )
    assert fields == [{}, {}, {}]
    warnings = [r for r in said.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert [r for r in said.records if r.levelno >= logging.ERROR] == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_a_fifo_as_the_metadata_file_does_not_block_forever(tmp_path: Path) -> None:
    fifo = tmp_path / "metadata.fifo"
    os.mkfifo(fifo)
    ecs_filter = EcsContextFilter(environ={"ECS_CONTAINER_METADATA_FILE": str(fifo)}, timeout=0.3)
    handler = RecordCapture()
    handler.addFilter(ecs_filter)
    log = logging.getLogger("hostile.fifo")
    log.propagate = False
    log.handlers[:] = [handler]
    log.warning("a log call is still bounded")  # passes: the startup bound holds
    assert len(handler.records) == 1
    try:
        ecs_filter.context.wait_ready(2.0)
        assert ecs_filter.context.status().state == "failing"
    finally:
        # Release an open() still blocked on the FIFO (no reader: ENXIO, nothing to do).
        with contextlib.suppress(OSError):
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


# -- keys that are the record's own attributes -----------------------------------------------


@pytest.mark.parametrize("attribute", ["exc_info", "args", "msg", "levelname", "created"])
def test_keys_cannot_overwrite_the_records_own_attributes(
    healthy: LoopbackServer, attribute: str, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {
        **_base(healthy, ""),
        "ECS_LOG_CONTEXT_KEYS": f"cluster={attribute}",
        "ECS_LOG_CONTEXT_OVERWRITE": "true",
    }
    try:
        ecs_filter = EcsContextFilter(environ=environ)
    except ConfigurationError:
        return  # refusing such a rename at construction is a fine answer
    assert ecs_filter.context.wait_ready(5)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(ecs_filter)
    log = logging.getLogger("hostile.keys")
    log.propagate = False
    log.handlers[:] = [handler]
    log.warning("hello %s", "world")
    assert "Logging error" not in capsys.readouterr().err
    assert stream.getvalue().rstrip("\n").endswith("WARNING hello world")


# -- proxies and credentials -----------------------------------------------------------------

PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def test_proxy_variables_are_ignored(
    monkeypatch: pytest.MonkeyPatch, healthy: LoopbackServer
) -> None:
    with LoopbackServer(lambda path: json_reply(V4_TASK)) as proxy:
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.setenv("NO_PROXY", "")
        monkeypatch.setenv("ECS_CONTAINER_METADATA_URI_V4", healthy.url + PREFIX)
        before = healthy.count()
        fields = _log_through_everything(dict(os.environ))
        assert proxy.count() == 0
    assert healthy.count() > before
    for got in fields:
        assert got["ecs_task_arn"] == V4_TASK_ARN


def test_the_credentials_routes_are_never_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    with MockEndpoint(launch_type="EC2") as mock:
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/0a1b2c")
        for source in ("v4", "v3", "v2"):
            environ = {
                **mock.environ(),
                "ECS_LOG_CONTEXT_SOURCE": source,
                "ECS_LOG_CONTEXT_CONTAINER_NAME": "app",
                "ECS_LOG_CONTEXT_TAGS": "*",
            }
            _log_through_everything(environ)
            client = MetadataClient.from_env(environ)
            for call in (
                client.task,
                client.task_with_tags,
                client.task_stats,
                client.container_stats,
            ):
                with contextlib.suppress(MetadataError):
                    call()
        assert mock.request_count > 0
        assert mock.credentials_request_count == 0


# -- control characters in metadata ----------------------------------------------------------

NASTY = {
    "Cluster": "prod\nWARNING forged line",
    "TaskARN": V4_TASK_ARN + "\r\nERROR forged",
    "Family": "fam\x1b[31mred\x1b[0m",
    "Revision": "26\u2028INFO forged",
    "AvailabilityZone": "us-west-2a\x85forged",
    "ServiceName": "svc\x00nul\x7fdel",
    "TaskTags": {"team\n": "a\nb", "ok": "line\x0bbreak\x0cfeed\x1c\x1d\x1e"},
}
NASTY_CONTAINER = {**V4_CONTAINER, "Name": "curl\n\tINFO forged", "Image": "img\u2029x"}


@pytest.fixture(scope="module")
def nasty() -> Iterator[LoopbackServer]:
    routes = {
        PREFIX + "/task": json_reply({**V4_TASK, **NASTY}),
        PREFIX: json_reply(NASTY_CONTAINER),
    }
    routes[PREFIX + "/taskWithTags"] = routes[PREFIX + "/task"]
    with LoopbackServer(routes) as server:
        yield server


@pytest.mark.parametrize("style", ["flat", "otel", "nested"])
def test_control_characters_keep_a_plain_text_line_one_line(
    nasty: LoopbackServer, style: str
) -> None:
    environ = {"ECS_CONTAINER_METADATA_URI_V4": nasty.url + PREFIX}
    options: dict[str, Any] = {"fields": "all", "tags": "*", "style": style, "timeout": 2.0}
    ecs_filter = EcsContextFilter(environ=environ, **options)
    processor = EcsContextProcessor(environ=environ, **options)
    assert ecs_filter.context.wait_ready(5)

    class AllFields(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            fields = {
                k: v for k, v in record.__dict__.items()
                if k.startswith(("ecs", "aws.", "cloud.", "container."))
            }  # fmt: skip
            assert fields, "not enriched"
            return super().format(record) + " " + " ".join(f"{k}={v}" for k, v in fields.items())

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AllFields("%(levelname)s %(message)s"))
    handler.addFilter(ecs_filter)
    log = logging.getLogger("hostile.lines")
    log.propagate = False
    log.handlers[:] = [handler]
    log.warning("one line")
    out = stream.getvalue()
    assert out.endswith("\n")
    assert len(out.splitlines()) == 1, out
    assert "forged" in out  # the value is kept, escaped
    for raw in ("\x1b", "\x00", "\x7f", "\r", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"):
        assert raw not in out

    event = processor(None, "info", {"event": "e"})
    kv = " ".join(f"{k}={v}" for k, v in event.items())
    assert len(kv.splitlines()) == 1, kv


def test_a_lone_surrogate_in_metadata_does_not_cost_the_records(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task = json.dumps({**V4_TASK, "Family": "fam\ud800ily"})
    with LoopbackServer(
        {PREFIX + "/task": Reply(200, task), PREFIX: json_reply(V4_CONTAINER)}
    ) as s:
        ecs_filter = EcsContextFilter(environ={"ECS_CONTAINER_METADATA_URI_V4": s.url + PREFIX})
        assert ecs_filter.context.wait_ready(5)
        path = tmp_path / "app.log"
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(message)s %(ecs_task_family)s"))
        handler.addFilter(ecs_filter)
        log = logging.getLogger("hostile.surrogate")
        log.propagate = False
        log.handlers[:] = [handler]
        try:
            log.warning("kept")
        finally:
            handler.close()
    assert "Logging error" not in capsys.readouterr().err
    assert path.read_text(encoding="utf-8").startswith("kept fam")


def test_the_librarys_own_messages_keep_one_line(nasty: LoopbackServer) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    own = logging.getLogger("ecs_log_context")
    own.addHandler(handler)
    own.setLevel(logging.INFO)
    try:
        ecs_filter = EcsContextFilter(
            environ={"ECS_CONTAINER_METADATA_URI_V4": nasty.url + PREFIX}, timeout=2.0
        )
        assert ecs_filter.context.wait_ready(5)
    finally:
        own.removeHandler(handler)
    lines = stream.getvalue().splitlines()
    assert lines, "the library said nothing"
    assert all(
        line.startswith(("INFO ecs_log_context", "WARNING ecs_log_context")) for line in lines
    ), lines


def test_a_redirect_to_the_clean_path_is_followed_end_to_end() -> None:
    """As the agent answers an unclean ``${URI}`` (``/v4//<id>``): 301 to the clean path."""
    unclean = "/v4//" + ENDPOINT_ID
    routes = {
        **healthy_routes("v4", PREFIX),
        unclean + "/task": Reply(301, b"", None, {"Location": PREFIX + "/task"}),
        unclean: Reply(301, b"", None, {"Location": PREFIX}),
    }
    with LoopbackServer(routes) as server:
        for fields in _log_through_everything(
            {"ECS_CONTAINER_METADATA_URI_V4": server.url + unclean, "ECS_LOG_CONTEXT_TIMEOUT": "2"}
        ):
            assert fields["ecs_task_arn"] == V4_TASK_ARN
        assert server.paths() == [unclean + "/task", PREFIX + "/task", unclean, PREFIX]


def test_a_metadata_string_over_the_field_limit_is_left_out(healthy: LoopbackServer) -> None:
    """A Family of 10,000 characters is a valid model (strings up to 64 KiB) but not a field."""
    task = {**V4_TASK, "Family": "f" * 10_000, "Unknown": "u" * (3 * 1024 * 1024)}
    with LoopbackServer(
        {PREFIX + "/task": json_reply(task), PREFIX: json_reply(V4_CONTAINER)}
    ) as s:
        for fields in _log_through_everything(
            {"ECS_CONTAINER_METADATA_URI_V4": s.url + PREFIX, "ECS_LOG_CONTEXT_TIMEOUT": "2"}
        ):
            assert fields["ecs_task_arn"] == V4_TASK_ARN
            assert "ecs_task_family" not in fields
            assert fields["ecs_task_revision"] == "26"  # Revision is sent as a string here


def test_an_integer_revision_is_a_string_field() -> None:
    task = {**V4_TASK, "Revision": 26}
    with LoopbackServer(
        {PREFIX + "/task": json_reply(task), PREFIX: json_reply(V4_CONTAINER)}
    ) as s:
        for fields in _log_through_everything(
            {"ECS_CONTAINER_METADATA_URI_V4": s.url + PREFIX, "ECS_LOG_CONTEXT_TIMEOUT": "2"}
        ):
            assert fields["ecs_task_revision"] == "26"


# -- property-based, end to end --------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# Most keys hold text: text (control characters and all) reaches the field builder.
plausible = st.text(max_size=30) | json_values
TASK_KEYS = [
    "Cluster", "TaskARN", "Family", "Revision", "KnownStatus", "DesiredStatus", "Containers",
    "AvailabilityZone", "LaunchType", "ServiceName", "Limits", "PullStartedAt", "TaskTags",
    "ContainerInstanceTags", "ClockDrift", "Errors", "VPCID", "EphemeralStorageMetrics",
]  # fmt: skip
CONTAINER_KEYS = [
    "DockerId", "Name", "DockerName", "Image", "ImageID", "Labels", "Limits", "Networks",
    "Ports", "Health", "ContainerARN", "LogDriver", "LogOptions", "CreatedAt", "StartedAt",
    "Type", "RestartCount", "ExitCode",
]  # fmt: skip


@st.composite
def task_like(draw: st.DrawFn) -> object:
    """A real task with some keys replaced by arbitrary JSON, or arbitrary JSON outright."""
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    task = dict(V4_TASK)
    for key in draw(st.lists(st.sampled_from(TASK_KEYS), max_size=4)):
        task[key] = draw(plausible)
    if isinstance(task.get("Containers"), list) and task["Containers"] and draw(st.booleans()):
        container = dict(task["Containers"][0]) if isinstance(task["Containers"][0], dict) else {}
        for key in draw(st.lists(st.sampled_from(CONTAINER_KEYS), min_size=1, max_size=3)):
            container[key] = draw(plausible)
        task["Containers"] = [container]
    return task


@st.composite
def container_like(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    container = dict(V4_CONTAINER)
    for key in draw(st.lists(st.sampled_from(CONTAINER_KEYS), max_size=4)):
        container[key] = draw(plausible)
    return container


SETTINGS = [
    FieldSettings(fields=ALL_FIELDS, style=style, tags=tags)
    for style in ("flat", "otel", "nested")
    for tags in ((), ("*",))
]


def _check_fields(fields: dict[str, object]) -> None:
    values = fields["ecs"] if set(fields) == {"ecs"} else fields
    assert isinstance(values, dict)
    for key, value in values.items():
        assert isinstance(key, str)
        for text in value if isinstance(value, (list, tuple)) else [value]:
            assert isinstance(text, str)
            assert text
            assert "\n" not in text
            assert "\r" not in text


# The context's refresher thread draws its backoff jitter from `random` while Hypothesis
# draws examples: Hypothesis notices the module's state moving and warns. Not a strategy's doing.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
def test_arbitrary_json_end_to_end_is_a_model_or_a_metadata_error() -> None:
    """Served by a loopback endpoint, read by the client, turned into fields, and logged
    through a context that refreshes from it: nothing but a model or a MetadataError, and
    never an exception out of a log call."""
    with LoopbackServer() as server:
        url = server.url + PREFIX
        client = MetadataClient("v4", url, timeout=2.0)
        environ = {"ECS_CONTAINER_METADATA_URI_V4": url}
        processor = EcsContextProcessor(environ=environ, timeout=2.0, ttl=0, fields="all")
        ecs_filter = EcsContextFilter(environ=environ, timeout=2.0, ttl=0, tags="*", style="otel")
        formatter = EcsJsonFormatter("%(message)s", environ=environ, timeout=2.0, ttl=0)
        plain, as_json = RecordCapture(), RecordCapture()
        plain.addFilter(ecs_filter)
        as_json.setFormatter(formatter)
        log = logging.getLogger("hostile.property")
        log.setLevel(logging.INFO)
        log.propagate = False
        log.handlers[:] = [plain, as_json]
        context = processor.context
        outcomes: dict[str, int] = {}

        @settings(
            max_examples=150,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        # Real answers too, whatever the random draws: both outcomes are always exercised.
        @example(task=V4_TASK, container=V4_CONTAINER, tags=False)
        @example(task=V4_TASK, container=V4_CONTAINER, tags=True)
        @example(
            task=fixture_json("v4_task_fargate_awsdocs.json"),
            container=fixture_json("v4_task_fargate_awsdocs.json")["Containers"][0],
            tags=False,
        )
        @given(task=task_like(), container=container_like(), tags=st.booleans())
        def check(task: object, container: object, tags: bool) -> None:
            body = json.dumps(task)
            server.behave(
                {
                    PREFIX + "/task": Reply(200, body),
                    PREFIX + "/taskWithTags": Reply(200, body),
                    PREFIX: Reply(200, json.dumps(container)),
                }
            )
            try:
                got, own = client.task_and_container(with_tags=tags)
            except MetadataError:
                outcomes["error"] = outcomes.get("error", 0) + 1
            else:
                outcomes["model"] = outcomes.get("model", 0) + 1
                for field_settings in SETTINGS:
                    _check_fields(build_fields(got, own, field_settings))
            context.refresh()  # raises nothing, whatever came back
            n = len(plain.records)
            event = processor(None, "info", {"event": "e"})
            log.info("record %d", n)
            assert event["event"] == "e"
            assert len(plain.records) == len(as_json.lines) == n + 1
            json.loads(as_json.lines[-1])

        check()
    # Both outcomes were exercised, not only one.
    assert outcomes.get("model", 0) >= 3, outcomes
    assert outcomes.get("error", 0) >= 3, outcomes


_BLANKS = st.text(" \t\r\n", max_size=3)


def _written(document: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """`document` as an agent may write it: any indentation, key order and escaping, blank
    space around it. Every one is the same document, which a client must accept."""
    return st.builds(
        lambda indent, sort_keys, ascii_only, before, after: (
            before
            + json.dumps(document, indent=indent, sort_keys=sort_keys, ensure_ascii=ascii_only)
            + after
        ).encode(),
        st.none() | st.integers(0, 4),
        st.booleans(),
        st.booleans(),
        _BLANKS,
        _BLANKS,
    )


@st.composite
def _cut_short(draw: st.DrawFn, document: dict[str, Any]) -> bytes:
    """`document` cut before its closing brace: never JSON, which a client must refuse."""
    whole = json.dumps(document).encode()
    return whole[: draw(st.integers(0, len(whole) - 1))]


Reading = TaskMetadata | ContainerMetadata | type[MetadataError]


def _reading(status: int, body: bytes, model: type[TaskMetadata | ContainerMetadata]) -> Reading:
    """What a correct client makes of one route's answer: the model the document reads as,
    or the type of `MetadataError` it must raise (429: throttled; another error status: an
    HTTP error; a body that is not JSON, or not this model's document: invalid)."""
    if status == 429:
        return MetadataThrottledError
    if status != 200:
        return MetadataHTTPError
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return InvalidMetadataError
    try:
        return model.from_json(document)
    except InvalidMetadataError:
        return InvalidMetadataError


def test_arbitrary_bytes_are_a_model_or_a_metadata_error() -> None:
    """Each answer gets what a correct client gives it: a task written any valid way parses
    into the model, an error status or a body that is not metadata raises the documented
    `MetadataError`, and nothing else comes out. Real answers are always among the inputs,
    so a client refusing everything fails, as one accepting everything does."""
    with LoopbackServer() as server:
        client = MetadataClient("v4", server.url + PREFIX, timeout=2.0)
        outcomes = {"accepted": 0, "refused": 0}
        real_task, real_container = json.dumps(V4_TASK).encode(), json.dumps(V4_CONTAINER).encode()

        @settings(max_examples=100, deadline=None)
        @example(task_body=real_task, container_body=real_container, status=200)
        @example(
            task_body=b" \n" + json.dumps(V4_TASK, indent=2, sort_keys=True).encode() + b"\r\n",
            container_body=json.dumps(V4_CONTAINER, ensure_ascii=False).encode() + b"\t",
            status=200,
        )
        @example(task_body=real_task, container_body=real_container, status=429)
        @example(task_body=real_task[:-1], container_body=real_container, status=200)
        @example(task_body=real_task, container_body=b"\xff\xfe", status=200)
        @given(
            task_body=_written(V4_TASK) | _cut_short(V4_TASK) | st.binary(max_size=300),
            container_body=_written(V4_CONTAINER) | st.binary(max_size=300),
            status=st.just(200) | st.sampled_from([400, 404, 429, 500]),
        )
        def check(task_body: bytes, container_body: bytes, status: int) -> None:
            server.behave(
                {PREFIX + "/task": Reply(status, task_body), PREFIX: Reply(200, container_body)}
            )
            task = _reading(status, task_body, TaskMetadata)
            # The container route counts once the task route gave a task.
            container = _reading(200, container_body, ContainerMetadata)
            refusal = task if isinstance(task, type) else container
            if isinstance(refusal, type):
                outcomes["refused"] += 1
                with pytest.raises(refusal) as caught:
                    client.task_and_container()
                if isinstance(caught.value, MetadataHTTPError):
                    assert caught.value.status == status
                return
            outcomes["accepted"] += 1
            got = client.task_and_container()
            assert (task, container) == got
            if json.loads(task_body) == V4_TASK:  # the real task, however it was written
                assert got[0].task_arn == V4_TASK_ARN
            if json.loads(container_body) == V4_CONTAINER:
                assert got[1] is not None
                assert got[1].docker_id == V4_CONTAINER["DockerId"]

        check()
    # Inputs of both kinds were checked, whatever the random draws (the explicit examples
    # alone give two to accept and three to refuse).
    assert outcomes["accepted"] >= 2, outcomes
    assert outcomes["refused"] >= 3, outcomes
