"""Nothing is missing without a reason (PRODUCT.md behaviours 9 and 10, ``show``).

For each case, against the package's mock endpoint, the same sentences come from the three
places a user looks: ``EcsContext.status().missing``, ``ecs-log-context show --json``'s
``missing`` object and ``show``'s table on a terminal (a real subprocess on a pseudo-terminal):

- a task without ``ServiceName``, ``AvailabilityZone`` and ``ContainerARN``;
- task tags asked for that the task does not have (one differs only in case);
- the agent's own tag error (``Errors``: AccessDenied on ``ecs:ListTagsForResource``);
- the taskWithTags route down (500) and slow (past the timeout): the fields still come;
- v2 with two ``NORMAL`` containers and no ``ECS_LOG_CONTEXT_CONTAINER_NAME``.

The faults of one route only are made by a loopback front that passes every other request to
the mock. The library says the reasons once on its ``ecs_log_context`` logger: the agent's
error at WARNING, what the platform lacks at INFO, never again per record or per refresh,
and again only when what they say changes. ``show -v`` lists each request, checked against
what the endpoint received and sent.
"""

from __future__ import annotations

import http.client
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from ecs_log_context import EcsContextFilter
from ecs_log_context._reasons import missing_reasons
from ecs_log_context._settings import FieldSettings
from ecs_log_context.mock.server import MockEndpoint
from ecs_log_context.models import ContainerMetadata, TaskMetadata

from .capture import RecordCapture
from .child_processes import base_environ
from .documents import FIXTURES
from .loopback import LoopbackServer, Reply, json_reply
from .test_terminal_safety import run_on_terminal
from .waiting import wait_until

COMMAND = [sys.executable, "-m", "ecs_log_context"]
TIMEOUT = 30.0
V4 = "ECS_CONTAINER_METADATA_URI_V4"
ERRORS_FIXTURE = FIXTURES / "v4_taskWithTags_errors_awsdocs.json"


# -- helpers ------------------------------------------------------------------------------------


def show_json(env: dict[str, str], *options: str) -> tuple[int, dict[str, Any], str]:
    """``show --json`` as a subprocess: its status, its report, its stderr."""
    result = subprocess.run(
        [*COMMAND, "show", "--json", *options],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout), result.stderr


def show_table(env: dict[str, str], *options: str) -> tuple[int, str]:
    """``show`` on a pseudo-terminal (the table): its status and its output."""
    status, out, _ = run_on_terminal("show", *options, env=env)
    return status, out


def missing_block(table: str) -> dict[str, str]:
    """The table's ``missing:`` block, as name -> reason."""
    lines = table.splitlines()
    assert "missing:" in lines, table
    rows: dict[str, str] = {}
    for line in lines[lines.index("missing:") + 1 :]:
        if not line.startswith("  "):
            break
        name, _, reason = line.strip().partition(": ")
        rows[name] = reason.strip()
    return rows


def status_missing(env: dict[str, str], **options: Any) -> tuple[EcsContextFilter, dict[str, str]]:
    """A filter with these options against `env`, once its first fetch is done, and
    ``status().missing`` of its context."""
    ecs_filter = EcsContextFilter(environ=env, **options)
    assert ecs_filter.context.wait_ready(10), ecs_filter.context.status()
    return ecs_filter, dict(ecs_filter.context.status().missing)


def fields_of(ecs_filter: EcsContextFilter) -> dict[str, Any]:
    """The keys a record gets through `ecs_filter`."""
    record = logging.LogRecord("tests.diagnostics", logging.INFO, __file__, 1, "x", None, None)
    assert ecs_filter.filter(record)
    return {k: v for k, v in record.__dict__.items() if k.startswith("ecs_")}


def forwarding(mock: MockEndpoint, tags: Reply) -> LoopbackServer:
    """A loopback front of `mock` whose taskWithTags route answers `tags`; every other
    request is the mock's own answer."""

    def behave(path: str) -> Reply:
        if path.endswith("/taskWithTags"):
            return tags
        connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=10)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return Reply(response.status, response.read(), response.getheader("Content-Type"))
        finally:
            connection.close()

    return LoopbackServer(behave).start()


@pytest.fixture
def front_500(mock: MockEndpoint) -> Iterator[LoopbackServer]:
    """The mock behind a front whose taskWithTags route is down: the agent's 500."""
    server = forwarding(mock, json_reply("unable to get task tags: internal error", 500))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def front_slow(mock: MockEndpoint) -> Iterator[LoopbackServer]:
    """The mock behind a front whose taskWithTags route answers after 3 s."""
    with_tags = json.dumps({**mock.task, "TaskTags": {"team": "payments"}})
    server = forwarding(mock, Reply(200, with_tags, delay=3.0))
    try:
        yield server
    finally:
        server.stop()


def front_environ(front: LoopbackServer, mock: MockEndpoint, **extra: str) -> dict[str, str]:
    return base_environ(**{V4: f"{front.url}/v4/{mock.endpoint_id}"}, **extra)


def strip_v4_additions(mock: MockEndpoint) -> None:
    """The mock's task without ServiceName and AvailabilityZone, its containers without
    ContainerARN: a task run by hand, on a platform that gives no zone."""
    del mock.task["ServiceName"], mock.task["AvailabilityZone"]
    for container in mock.task["Containers"]:
        container.pop("ContainerARN", None)


# -- a task without ServiceName, zone and ContainerARN ----------------------------------------


def test_a_task_without_service_name_zone_and_container_arn_says_why(mock: MockEndpoint) -> None:
    """Each of the three, and AvailabilityZoneID (which the sample never has), gets its own
    sentence naming the key and who gives it; ``status()``, ``show --json`` and the table
    agree word for word, and what is added has no entry."""
    strip_v4_additions(mock)
    env = base_environ(**mock.environ(), ECS_LOG_CONTEXT_FIELDS="all")

    ecs_filter, missing = status_missing(env, fields="all")
    json_status, report, _ = show_json(env)
    table_status, table = show_table(env)

    assert ["availability_zone", "container_arn", "service_name", "availability_zone_id"] == list(
        missing
    )
    assert "no ServiceName" in missing["service_name"]
    assert "not started by an ECS service" in missing["service_name"]
    assert "no AvailabilityZone" in missing["availability_zone"]
    assert "Fargate it needs platform version 1.4 or later" in missing["availability_zone"]
    assert "ContainerARN is missing" in missing["container_arn"]
    assert "no AvailabilityZoneID" in missing["availability_zone_id"]
    assert "ecs_service_name" not in fields_of(ecs_filter)
    assert mock.task["Family"] == fields_of(ecs_filter)["ecs_task_family"]

    assert 0 == json_status
    assert missing == report["missing"]
    assert "ecs_service_name" not in report["fields"]
    assert 0 == table_status
    assert missing == missing_block(table)
    assert table.index("fields added") < table.index("missing:")


# -- tags asked for and absent ------------------------------------------------------------------


def test_tags_asked_for_and_absent_say_what_the_task_has(mock: MockEndpoint) -> None:
    """``owner`` is no tag of the task (its tags are listed), ``Team`` differs from ``team``
    only in case (said so), ``environment`` is added and has no entry."""
    env = base_environ(**mock.environ(), ECS_LOG_CONTEXT_TAGS="owner,Team,environment")

    ecs_filter, missing = status_missing(env, tags="owner,Team,environment")
    json_status, report, _ = show_json(env)
    table_status, table = show_table(env)

    assert ["tag:owner", "tag:Team"] == list(missing)
    assert "the task has no tag 'owner'" in missing["tag:owner"]
    assert "team" in missing["tag:owner"]  # what it has instead
    assert "case-sensitive" in missing["tag:Team"]
    assert "'team'" in missing["tag:Team"]
    assert "staging" == fields_of(ecs_filter)["ecs_tag_environment"]

    assert 0 == json_status
    assert missing == report["missing"]
    assert "staging" == report["fields"]["ecs_tag_environment"]
    assert 0 == table_status
    assert missing == missing_block(table)


# -- the agent's own tag error ---------------------------------------------------------------


def test_the_agents_access_denied_is_said_in_its_words_with_the_fix() -> None:
    """taskWithTags answers with the agent's ``Errors`` (the AWS documentation's example):
    the fields come, and the tags' reason quotes the agent and names the IAM action and
    the role, for the part and for the tag asked for."""
    mock = MockEndpoint(task_file=str(ERRORS_FIXTURE)).start()
    try:
        env = base_environ(**mock.environ(), ECS_LOG_CONTEXT_TAGS="team")

        ecs_filter, missing = status_missing(env, tags="team")
        json_status, report, _ = show_json(env)
        table_status, table = show_table(env)
    finally:
        mock.stop()

    assert ["tags", "tag:team"] == list(missing)
    for reason in missing.values():
        assert "AccessDeniedException" in reason
        assert "is not authorized to perform: ecs:ListTagsForResource" in reason  # its words
        assert "allow ecs:ListTagsForResource" in reason  # the fix
        assert "container instance role" in reason
    assert mock.task["TaskARN"] == fields_of(ecs_filter)["ecs_task_arn"]

    assert 0 == json_status
    assert missing == report["missing"]
    assert mock.task["TaskARN"] == report["fields"]["ecs_task_arn"]
    assert 0 == table_status
    assert missing == missing_block(table)


# -- the tags route down and slow --------------------------------------------------------------


def test_the_tags_route_down_costs_the_tags_only(
    mock: MockEndpoint, front_500: LoopbackServer
) -> None:
    """taskWithTags answers 500: every field comes, and the tags' reason names the route and
    the status. ``show -v`` lists the three requests, and the bytes it counted are the
    bytes the endpoint sent."""
    env = front_environ(front_500, mock, ECS_LOG_CONTEXT_TAGS="team")

    # First, while nothing else asks the endpoint: what it received and sent is show's.
    json_status, report, _ = show_json(env, "-v")
    sent, asked = front_500.bytes_sent, len(front_500.requests)
    ecs_filter, missing = status_missing(env, tags="team")
    table_status, table = show_table(env, "--verbose")

    assert ["tags", "tag:team"] == list(missing)
    assert "the taskWithTags route failed" in missing["tags"]
    assert "HTTP 500: unable to get task tags" in missing["tags"]
    assert missing["tags"] == missing["tag:team"]
    assert mock.task["TaskARN"] == fields_of(ecs_filter)["ecs_task_arn"]
    assert "ecs_container_name" in fields_of(ecs_filter)

    assert 0 == json_status
    assert missing == report["missing"]
    assert "ecs_container_name" in report["fields"]
    requests = report["requests"]
    assert [
        (r["method"], r["url"].rpartition(mock.endpoint_id)[2], r["status"]) for r in requests
    ] == [
        ("GET", "/task", 200),
        ("GET", "", 200),
        ("GET", "/taskWithTags", 500),
    ]
    assert asked == len(requests)
    assert sent == sum(r["bytes"] for r in requests)
    assert all(r["ms"] >= 0 for r in requests)

    assert 0 == table_status
    assert missing == missing_block(table)
    assert "requests:" in table
    assert any("/taskWithTags" in line and " 500 " in line for line in table.splitlines())


def test_a_slow_tags_route_costs_the_tags_only(
    mock: MockEndpoint, front_slow: LoopbackServer
) -> None:
    """taskWithTags answers after 3 s, past the 0.5 s timeout: the fields come, the tags'
    reason says there was no answer within the timeout, and ``show -v`` shows the request
    that timed out (no status, no bytes)."""
    env = front_environ(
        front_slow, mock, ECS_LOG_CONTEXT_TAGS="team", ECS_LOG_CONTEXT_TIMEOUT="0.5"
    )

    ecs_filter, missing = status_missing(env, tags="team", timeout=0.5)
    json_status, report, _ = show_json(env, "-v")
    table_status, table = show_table(env, "-v")

    assert ["tags", "tag:team"] == list(missing)
    assert "the taskWithTags route failed" in missing["tags"]
    assert "no answer within 0.5 s" in missing["tags"]
    assert mock.task["TaskARN"] == fields_of(ecs_filter)["ecs_task_arn"]

    assert 0 == json_status
    assert missing == report["missing"]
    assert "ecs_task_arn" in report["fields"]
    last = report["requests"][-1]
    assert last["url"].endswith("/taskWithTags")
    assert (None, None, "ReadTimeout") == (last["status"], last["bytes"], last["error"])
    assert last["ms"] >= 500  # it waited the timeout: the request did go out
    assert 0 == table_status
    assert missing == missing_block(table)
    assert any("/taskWithTags" in line and "ReadTimeout" in line for line in table.splitlines())


# -- v2 with an ambiguous container ----------------------------------------------------------------


def test_v2_with_two_normal_containers_says_how_to_name_this_one(mock: MockEndpoint) -> None:
    """v2, two NORMAL containers, no ECS_LOG_CONTEXT_CONTAINER_NAME: the container part says
    why it cannot be told; its fields say to set the variable; what v2 never gives says so
    (a name would not bring it), with the agent and platform versions of v4."""
    env = base_environ(ECS_LOG_CONTEXT_V2_ENDPOINT=mock.v2_endpoint, ECS_LOG_CONTEXT_FIELDS="all")

    ecs_filter, missing = status_missing(env, fields="all")
    json_status, report, stderr = show_json(env)
    table_status, table = show_table(env)

    assert "2 containers of type NORMAL" in missing["container"]
    for field in ("container_name", "container_id", "image", "image_digest"):
        assert missing[field].startswith("the own container is not known: set ")
        assert "ECS_LOG_CONTEXT_CONTAINER_NAME" in missing[field]
    for field, key in (
        ("launch_type", "LaunchType"),
        ("container_arn", "ContainerARN"),
        ("service_name", "ServiceName"),
        ("log_group", "LogOptions"),
    ):
        assert (
            f"not in the v2 endpoint's metadata: only the v4 endpoint gives {key}"
            in (missing[field])
        )
        assert "agent 1.39 or later, Fargate platform version 1.4 or later" in missing[field]
    assert {"cluster", "task_arn", "family", "region", "cluster_arn"}.isdisjoint(missing)
    assert mock.task["Family"] == fields_of(ecs_filter)["ecs_task_family"]

    assert 1 == json_status
    assert missing == report["missing"]
    assert 1 == len(stderr.splitlines())
    assert 1 == table_status
    assert missing == missing_block(table)


# -- said once, on the library's logger ----------------------------------------------------------


def test_the_agents_tag_error_is_a_warning_said_once(
    own_messages: list[logging.LogRecord],
) -> None:
    """Records logged, refreshes made (TTL 1 s): the AccessDenied is one WARNING, on the
    ``ecs_log_context`` logger (also as the root's handlers see it), and the tag asked for
    is not said again at INFO: its reason is the part's."""
    root = RecordCapture()
    logging.getLogger().addHandler(root)
    mock = MockEndpoint(task_file=str(ERRORS_FIXTURE)).start()
    try:
        env = base_environ(**mock.environ())
        ecs_filter = EcsContextFilter(environ=env, tags="team", ttl=1)
        handler = RecordCapture()
        handler.addFilter(ecs_filter)
        app = logging.getLogger("tests.diagnostics.app")
        app.addHandler(handler)
        app.propagate = False
        app.setLevel(logging.INFO)

        def tag_requests() -> int:
            return sum(1 for r in mock.requests if r.path.endswith("/taskWithTags"))

        def log_and_count() -> bool:
            app.info("a record")
            return tag_requests() >= 3

        assert wait_until(log_and_count, 20)
        app.removeHandler(handler)
    finally:
        mock.stop()
        logging.getLogger().removeHandler(root)

    assert len(handler.records) >= 3
    assert all(r.__dict__.get("ecs_task_arn") == mock.task["TaskARN"] for r in handler.records)
    warnings = [r for r in own_messages if r.levelno >= logging.WARNING]
    assert 1 == len(warnings), [r.getMessage() for r in warnings]
    assert "ecs_log_context" == warnings[0].name
    assert "ecs:ListTagsForResource" in warnings[0].getMessage()
    assert [] == [r for r in own_messages if "tag:team" in r.getMessage()]
    ours = [r for r in root.records if r.getMessage().startswith("ECS log context")]
    assert ours
    assert {"ecs_log_context"} == {r.name for r in ours}


def test_what_the_platform_lacks_is_said_at_info_once_per_change(
    mock: MockEndpoint, own_messages: list[logging.LogRecord]
) -> None:
    """No ServiceName: one INFO through refreshes (TTL 1 s), no WARNING. The service comes
    back (the field with it), then goes again: said again, once."""
    del mock.task["ServiceName"]
    env = base_environ(**mock.environ())
    ecs_filter = EcsContextFilter(environ=env, fields="all", ttl=1)
    assert ecs_filter.context.wait_ready(10)

    def said() -> list[logging.LogRecord]:
        return [r for r in own_messages if "service_name: " in r.getMessage()]

    def task_requests() -> int:
        return sum(1 for r in mock.requests if r.path.endswith("/task"))

    assert wait_until(lambda: task_requests() >= 3, 20)
    assert 1 == len(said())
    assert logging.INFO == said()[0].levelno
    assert "ecs_log_context" == said()[0].name
    assert [] == [r for r in own_messages if r.levelno >= logging.WARNING]

    mock.task["ServiceName"] = "checkout-api"
    assert wait_until(lambda: "ecs_service_name" in fields_of(ecs_filter), 20)
    assert "service_name" not in ecs_filter.context.status().missing
    del mock.task["ServiceName"]
    assert wait_until(lambda: len(said()) == 2, 20)
    asked = task_requests()
    assert wait_until(lambda: task_requests() >= asked + 2, 20)
    assert 2 == len(said())


# -- the sentences of what no endpoint answer shows -------------------------------------------


TASK = TaskMetadata.from_json(
    {
        "Cluster": "default",
        "TaskARN": "arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b5",
        "Family": "curltest",
        "Revision": "26",
        "Containers": [],
    },
    url="test",
)
CONTAINER = ContainerMetadata.from_json(
    {"DockerId": "ee08", "Name": "curl", "Image": "curl:8", "ImageID": "sha256:d6"}, url="test"
)


@pytest.mark.parametrize(
    ("kind", "settings", "name", "phrase"),
    [
        (
            "v4",
            FieldSettings(fields=("task_definition",), style="otel"),
            "task_definition",
            "the otel style has no key for it (give it one: ECS_LOG_CONTEXT_KEYS=task_definition=",
        ),
        (
            "file",
            FieldSettings(fields=("cluster",), tags=("*",)),
            "tag:*",
            "the container metadata file has no task tags",
        ),
        (
            "file",
            FieldSettings(fields=("cluster",), tags=("team",)),
            "tag:team",
            "the container metadata file has no task tags",
        ),
        (
            "v3",
            FieldSettings(fields=("launch_type",)),
            "launch_type",
            "not in the v3 endpoint's metadata: only the v4 endpoint gives LaunchType",
        ),
        (
            "v4",
            FieldSettings(fields=("log_group",)),
            "log_group",
            "this container's metadata has no LogOptions",
        ),
        (
            "v4",
            FieldSettings(fields=("cluster",), tags=("team",)),
            "tag:team",
            "the task's tags are not fetched yet",
        ),
    ],
)
def test_reasons_of_what_the_mock_cannot_show(
    kind: str, settings: FieldSettings, name: str, phrase: str
) -> None:
    """A style without the field's key, the metadata file's tags, v3's missing LaunchType,
    a container without log options, tags not fetched yet: each its own sentence."""
    reasons = missing_reasons(TASK, CONTAINER, settings, source_kind=kind, part_missing={})

    assert [name] == list(reasons)
    assert phrase in reasons[name]
