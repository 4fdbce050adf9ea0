"""The mock endpoint answers like the ECS container agent's task metadata endpoint."""

from __future__ import annotations

import copy
import http.client
import json
import re
import shlex
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ecs_log_context.mock import MockEndpoint
from ecs_log_context.mock._routes import Answer, Request, Served, answer
from ecs_log_context.mock._task import TaskState, load_sample
from ecs_log_context.mock._throttle import Throttle

from .documents import fixture_json
from .waiting import wait_until

AGENT_ERRORS: list[dict[str, Any]] = fixture_json("error_responses_agent.json")["cases"]

UNKNOWN_ID = "0b2c2ab6-unknown-endpoint"
V4_TASK_KEYS = {
    "LaunchType",
    "ServiceName",
    "VPCID",
    "ClockDrift",
    "EphemeralStorageMetrics",
    "FaultInjectionEnabled",
    "Errors",
}
V4_CONTAINER_KEYS = {"LogDriver", "LogOptions", "ContainerARN", "RestartCount", "Snapshotter"}
TAG_KEYS = {"TaskTags", "ContainerInstanceTags"}
TASK_LEVEL_ROUTES = ("/task", "/taskWithTags", "/task/stats")
CONTAINER_ROUTES = ("", "/stats")

# An EC2 task in bridge mode (no awsvpc, so v2 cannot place its callers), with a port bound on
# the host and a container pulled but not created yet.
BRIDGE_TASK: dict[str, Any] = {
    "Cluster": "tools",
    "TaskARN": "arn:aws:ecs:us-east-2:210987654321:task/tools/5c1e0b6fd2e84a0f9e7c3b2a1d0f9e8c",
    "Family": "report-builder",
    "Revision": "12",
    "DesiredStatus": "RUNNING",
    "KnownStatus": "RUNNING",
    "AvailabilityZone": "us-east-2c",
    "TaskTags": {"owner": "analytics"},
    "LaunchType": "EC2",
    "Containers": [
        {
            "DockerId": "4f0b3f0c5d2e4a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d",
            "Name": "web",
            "DockerName": "ecs-report-builder-12-web-e6c2a1b0f9d8c7b6a501",
            "Image": "210987654321.dkr.ecr.us-east-2.amazonaws.com/report-builder:3.1",
            "ImageID": "sha256:0d1c2b3a4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c",
            "Ports": [
                {"ContainerPort": 80, "Protocol": "tcp", "HostPort": 32768, "HostIp": "0.0.0.0"}
            ],
            "Labels": {"com.amazonaws.ecs.container-name": "web"},
            "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING",
            "Limits": {"CPU": 256, "Memory": 512},
            "Type": "NORMAL",
            "LogDriver": "awslogs",
            "LogOptions": {"awslogs-group": "/ecs/report-builder", "awslogs-region": "us-east-2"},
            "Networks": [{"NetworkMode": "bridge", "IPv4Addresses": ["172.17.0.3"]}],
        },
        {
            "Name": "renderer",
            "Image": "210987654321.dkr.ecr.us-east-2.amazonaws.com/renderer:1.0",
            "DesiredStatus": "RUNNING",
            "KnownStatus": "PULLED",
            "Limits": {"CPU": 128, "Memory": 256},
            "Type": "NORMAL",
        },
    ],
}


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """An HTTP client that ignores proxies from the environment."""
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        yield http


@pytest.fixture
def bridge_task_file(tmp_path: Path) -> str:
    """The bridge-mode task, as a user's task file."""
    path = tmp_path / "task.json"
    path.write_text(json.dumps(BRIDGE_TASK), encoding="utf-8")
    return str(path)


class FakeClock:
    """A monotonic clock that moves only when a test moves it (in binary fractions: exact)."""

    def __init__(self) -> None:
        self.now = 1024.0

    def __call__(self) -> float:
        return self.now


def own_container(mock: MockEndpoint) -> dict[str, Any]:
    return next(
        c for c in mock.task["Containers"] if c.get("DockerId") == mock.own_container_docker_id
    )


def without(mapping: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if k not in keys}


def v3_container(container: dict[str, Any]) -> dict[str, Any]:
    """What an older agent writes for a container: no v4 keys, plain networks and ports."""
    body = without(container, V4_CONTAINER_KEYS)
    if "Networks" in body:
        body["Networks"] = [
            {k: v for k, v in n.items() if k in ("NetworkMode", "IPv4Addresses", "IPv6Addresses")}
            for n in body["Networks"]
        ]
    if "Ports" in body:
        body["Ports"] = [without(port, {"HostIp"}) for port in body["Ports"]]
    return body


def v3_task(task: dict[str, Any], *, with_tags: bool) -> dict[str, Any]:
    body = without(task, V4_TASK_KEYS | (set() if with_tags else TAG_KEYS))
    body["Containers"] = [v3_container(c) for c in task["Containers"] if c.get("DockerId")]
    return body


def cpu_percent(stats: dict[str, Any]) -> float:
    """The CPU percent a client computes from Docker stats (Docker's own formula)."""
    cpu, pre = stats["cpu_stats"], stats["precpu_stats"]
    cpu_delta = cpu["cpu_usage"]["total_usage"] - pre["cpu_usage"]["total_usage"]
    system_delta = cpu["system_cpu_usage"] - pre["system_cpu_usage"]
    return float(cpu_delta / system_delta * cpu["online_cpus"] * 100)


def raw_get(mock: MockEndpoint, path: str) -> http.client.HTTPResponse:
    """GET a path exactly as written (httpx would normalise dot segments away)."""
    connection = http.client.HTTPConnection("127.0.0.1", mock.port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


# Samples and environment.


@pytest.mark.parametrize(
    ("launch_type", "execution_env"), [("EC2", "AWS_ECS_EC2"), ("FARGATE", "AWS_ECS_FARGATE")]
)
def test_environ_points_at_the_mock(
    start_mock: Callable[..., MockEndpoint], launch_type: str, execution_env: str
) -> None:
    """environ() gives the variables ECS sets, and the library's v2 endpoint, for this mock."""
    mock = start_mock(launch_type=launch_type)
    base = f"http://127.0.0.1:{mock.port}"

    expected = {
        "ECS_CONTAINER_METADATA_URI_V4": f"{base}/v4/{mock.endpoint_id}",
        "ECS_CONTAINER_METADATA_URI": f"{base}/v3/{mock.endpoint_id}",
        "ECS_LOG_CONTEXT_V2_ENDPOINT": base,
        "AWS_EXECUTION_ENV": execution_env,
    }
    assert expected == mock.environ()
    assert (base, base, expected["ECS_CONTAINER_METADATA_URI_V4"]) == (
        mock.base_url,
        mock.v2_endpoint,
        mock.v4_uri,
    )


def test_export_lines_read_back_as_the_environment(start_mock: Callable[..., MockEndpoint]) -> None:
    """Each export line is `export NAME=value`, and a shell reads back the same value."""
    mock = start_mock()

    parsed = dict(shlex.split(line)[1].split("=", 1) for line in mock.export_lines())

    assert mock.environ() == parsed
    assert all(line.startswith("export ") for line in mock.export_lines())


def test_ec2_sample_is_an_awsvpc_task_with_pause_app_and_log_router(
    start_mock: Callable[..., MockEndpoint],
) -> None:
    """The EC2 sample: short cluster name, pause container, app with awslogs, log router."""
    task = start_mock(launch_type="EC2").task

    assert ("demo-cluster", "checkout-api", "7", "EC2") == (
        task["Cluster"],
        task["Family"],
        task["Revision"],
        task["LaunchType"],
    )
    assert ["CNI_PAUSE", "NORMAL", "NORMAL"] == [c["Type"] for c in task["Containers"]]
    assert ["~internal~ecs~pause", "checkout-api", "log-router"] == [
        c["Name"] for c in task["Containers"]
    ]
    app = task["Containers"][1]
    assert "awslogs" == app["LogDriver"]
    assert {"awslogs-group", "awslogs-region", "awslogs-stream"} <= set(app["LogOptions"])
    assert {"TaskTags", "ContainerInstanceTags"} <= set(task)


def test_fargate_sample_has_the_fargate_shapes(start_mock: Callable[..., MockEndpoint]) -> None:
    """The Fargate sample: cluster ARN, new task ARN, `<task id>-<digits>` IDs, no instance tags."""
    mock = start_mock(launch_type="FARGATE")
    task = mock.task
    task_id = task["TaskARN"].rsplit("/", 1)[1]

    assert task["Cluster"].startswith("arn:aws:ecs:eu-west-1:123456789012:cluster/")
    assert task["TaskARN"].startswith("arn:aws:ecs:eu-west-1:123456789012:task/demo-cluster/")
    assert all(re.fullmatch(task_id + r"-\d{10}", c["DockerId"]) for c in task["Containers"])
    assert {"ClockDrift", "EphemeralStorageMetrics", "TaskTags"} <= set(task)
    assert "ContainerInstanceTags" not in task
    assert mock.own_container_docker_id == mock.endpoint_id


# v4.


@pytest.mark.parametrize("mock", ["EC2", "FARGATE"], indirect=True)
def test_v4_container_is_this_container(mock: MockEndpoint, client: httpx.Client) -> None:
    """GET ${URI} answers with the calling container, v4 keys included."""
    response = client.get(mock.v4_uri)

    assert (200, "application/json") == (response.status_code, response.headers["content-type"])
    assert own_container(mock) == response.json()
    assert "checkout-api" == response.json()["Name"]
    assert {"LogDriver", "LogOptions", "ContainerARN"} <= set(response.json())


@pytest.mark.parametrize("mock", ["EC2", "FARGATE"], indirect=True)
def test_v4_task_without_tags(mock: MockEndpoint, client: httpx.Client) -> None:
    """${URI}/task is the whole task with its v4 keys, but without the tags."""
    response = client.get(f"{mock.v4_uri}/task")

    assert 200 == response.status_code
    assert without(mock.task, TAG_KEYS) == response.json()
    assert {"LaunchType", "ServiceName", "VPCID"} <= set(response.json())


@pytest.mark.parametrize("launch_type", ["EC2", "FARGATE"])
def test_v4_task_with_tags(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client, launch_type: str
) -> None:
    """${URI}/taskWithTags adds TaskTags (and, on EC2, ContainerInstanceTags)."""
    mock = start_mock(launch_type=launch_type)

    response = client.get(f"{mock.v4_uri}/taskWithTags")

    assert 200 == response.status_code
    assert mock.task == response.json()
    assert ("ContainerInstanceTags" in response.json()) == (launch_type == "EC2")


def test_container_name_chooses_this_container(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """container_name picks which container ${URI} belongs to."""
    mock = start_mock(container_name="log-router")

    body = client.get(mock.v4_uri).json()

    assert ("log-router", mock.own_container_docker_id) == (body["Name"], body["DockerId"])


def test_body_is_compact_json_like_go(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """Bodies are compact JSON without a trailing newline, as Go's json.Marshal writes them."""
    mock = start_mock()

    content = client.get(f"{mock.v4_uri}/task").content

    assert json.dumps(json.loads(content), separators=(",", ":")).encode() == content


# v3.


@pytest.mark.parametrize("mock", ["EC2", "FARGATE"], indirect=True)
def test_v3_bodies_leave_the_v4_keys_out(mock: MockEndpoint, client: httpx.Client) -> None:
    """v3 answers as an older agent would: no LaunchType, ContainerARN, log options, ENI details."""
    container = client.get(mock.v3_uri).json()
    task = client.get(f"{mock.v3_uri}/task").json()
    with_tags = client.get(f"{mock.v3_uri}/taskWithTags").json()

    assert v3_container(own_container(mock)) == container
    assert v3_task(mock.task, with_tags=False) == task
    assert v3_task(mock.task, with_tags=True) == with_tags
    assert set() == (V4_TASK_KEYS & set(task)) | (V4_CONTAINER_KEYS & set(container))


# v2.


@pytest.mark.parametrize("mock", ["EC2", "FARGATE"], indirect=True)
def test_v2_routes(mock: MockEndpoint, client: httpx.Client) -> None:
    """v2 serves the task, each container by DockerId, and the task with tags (v3 shape)."""
    base = mock.v2_endpoint

    task = client.get(f"{base}/v2/metadata").json()
    task_slash = client.get(f"{base}/v2/metadata/").json()
    with_tags = client.get(f"{base}/v2/metadataWithTags").json()
    containers = [
        client.get(f"{base}/v2/metadata/{c['DockerId']}").json() for c in mock.task["Containers"]
    ]

    assert v3_task(mock.task, with_tags=False) == task == task_slash
    assert v3_task(mock.task, with_tags=True) == with_tags
    assert [v3_container(c) for c in mock.task["Containers"]] == containers


def test_v2_documented_tags_path_answers_400_like_the_agent(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """By default /v2/metadata/taskWithTags is read as a container ID, as the agent does."""
    mock = start_mock()

    response = client.get(f"{mock.v2_endpoint}/v2/metadata/taskWithTags")

    assert (400, "application/json") == (response.status_code, response.headers["content-type"])
    assert "\"Unable to generate metadata for container 'taskWithTags'\"" == response.text


@pytest.mark.parametrize(
    ("v2_tags_path", "agent_path_status", "documented_path_status"),
    [("agent", 200, 400), ("documented", 404, 200), ("both", 200, 200)],
)
def test_v2_tags_path_option(
    start_mock: Callable[..., MockEndpoint],
    client: httpx.Client,
    v2_tags_path: str,
    agent_path_status: int,
    documented_path_status: int,
) -> None:
    """v2_tags_path chooses which of the two v2 tags paths serve the task with tags."""
    mock = start_mock(v2_tags_path=v2_tags_path)

    agent_path = client.get(f"{mock.v2_endpoint}/v2/metadataWithTags")
    documented_path = client.get(f"{mock.v2_endpoint}/v2/metadata/taskWithTags")

    assert (agent_path_status, documented_path_status) == (
        agent_path.status_code,
        documented_path.status_code,
    )
    if documented_path_status == 200:
        assert v3_task(mock.task, with_tags=True) == documented_path.json()


# A task file.


def test_task_file_is_served(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client, bridge_task_file: str
) -> None:
    """A user's task file is served; v4 lists a pulled container, v3 leaves it and HostIp out."""
    mock = start_mock(task_file=bridge_task_file)

    v4_task = client.get(f"{mock.v4_uri}/task").json()
    v3_task_body = client.get(f"{mock.v3_uri}/task").json()
    v3_own = client.get(mock.v3_uri).json()

    assert without(BRIDGE_TASK, TAG_KEYS) == v4_task
    assert ["web"] == [c["Name"] for c in v3_task_body["Containers"]]
    assert [{"ContainerPort": 80, "Protocol": "tcp", "HostPort": 32768}] == v3_own["Ports"]
    assert BRIDGE_TASK["Containers"][0]["DockerId"] == mock.own_container_docker_id
    assert "AWS_ECS_EC2" == mock.environ()["AWS_EXECUTION_ENV"]


# Stats.


@pytest.mark.parametrize("mock", ["EC2", "FARGATE"], indirect=True)
def test_v4_container_stats_are_realistic(mock: MockEndpoint, client: httpx.Client) -> None:
    """Container stats: reads a second apart, a few percent of CPU, memory under its limit."""
    container = own_container(mock)

    stats = client.get(f"{mock.v4_uri}/stats").json()

    assert (container["DockerId"], "/" + container["DockerName"]) == (stats["id"], stats["name"])
    assert 0.5 < cpu_percent(stats) < 10.0
    assert 768 * 1024 * 1024 == stats["memory_stats"]["limit"]
    assert 0 < stats["memory_stats"]["stats"]["cache"] < stats["memory_stats"]["usage"]
    assert stats["memory_stats"]["usage"] < stats["memory_stats"]["limit"]
    assert {"rx_bytes", "tx_bytes"} <= set(stats["networks"]["eth0"])
    assert {"rx_bytes_per_sec", "tx_bytes_per_sec"} == set(stats["network_rate_stats"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z", stats["read"])
    assert stats["preread"] < stats["read"]


def test_stats_counters_grow_between_reads(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """Two reads of the same container show counters that only grow."""
    mock = start_mock()

    first = client.get(f"{mock.v4_uri}/stats").json()
    time.sleep(0.05)
    second = client.get(f"{mock.v4_uri}/stats").json()

    assert first["read"] < second["read"]
    assert (
        first["cpu_stats"]["cpu_usage"]["total_usage"]
        < second["cpu_stats"]["cpu_usage"]["total_usage"]
    )
    assert first["networks"]["eth0"]["rx_bytes"] < second["networks"]["eth0"]["rx_bytes"]


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_v2_v3_container_stats_have_no_network_rate(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client, version: str
) -> None:
    """v2 and v3 container stats are plain Docker stats, without network_rate_stats."""
    mock = start_mock()
    url = {
        "v2": f"{mock.v2_endpoint}/v2/stats/{mock.own_container_docker_id}",
        "v3": f"{mock.v3_uri}/stats",
    }[version]

    stats = client.get(url).json()

    assert mock.own_container_docker_id == stats["id"]
    assert "network_rate_stats" not in stats
    assert 0.5 < cpu_percent(stats) < 10.0


@pytest.mark.parametrize(("version", "pause_stats"), [("v2", None), ("v3", None), ("v4", {})])
def test_task_stats_map_every_container(
    start_mock: Callable[..., MockEndpoint],
    client: httpx.Client,
    version: str,
    pause_stats: dict[str, Any] | None,
) -> None:
    """Task stats map each DockerId; the pause container has none (v2/v3 null, v4 empty)."""
    mock = start_mock(launch_type="EC2")
    pause, app, router = (c["DockerId"] for c in mock.task["Containers"])
    url = {
        "v2": f"{mock.v2_endpoint}/v2/stats",
        "v3": f"{mock.v3_uri}/task/stats",
        "v4": f"{mock.v4_uri}/task/stats",
    }[version]

    stats = client.get(url).json()

    assert sorted([pause, app, router]) == list(stats)
    assert pause_stats == stats[pause]
    assert (app, router) == (stats[app]["id"], stats[router]["id"])
    assert (version == "v4") == ("network_rate_stats" in stats[app])


def test_fargate_task_stats_cover_every_container(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """On Fargate there is no pause container: every container has stats."""
    mock = start_mock(launch_type="FARGATE")

    stats = client.get(f"{mock.v4_uri}/task/stats").json()

    assert sorted(c["DockerId"] for c in mock.task["Containers"]) == list(stats)
    assert all(0.5 < cpu_percent(s) < 10.0 for s in stats.values())


# The agent's error answers, from error_responses_agent.json.


def _pause_id(mock: MockEndpoint) -> str:
    return str(mock.task["Containers"][0]["DockerId"])


# (version, path, when) of each fixture case -> mock options, and the paths that show it with
# the values of the body's placeholders.
ERROR_TRIGGERS: dict[
    tuple[str, str, str], tuple[dict[str, Any], Callable[[MockEndpoint], list[tuple[str, str]]]]
] = {
    ("v2", "/v2/metadata", "caller IP not mapped"): (
        {"task_file": "bridge"},
        lambda m: [("/v2/metadata", "")],
    ),
    ("v2", "/v2/metadata/<id>", "unknown docker id"): (
        {},
        lambda m: [(f"/v2/metadata/{UNKNOWN_ID}", UNKNOWN_ID)],
    ),
    ("v2", "/v2/metadata/taskWithTags", "path documented"): (
        {},
        lambda m: [("/v2/metadata/taskWithTags", "")],
    ),
    ("v2", "/v2/stats", "caller IP unknown"): (
        {"task_file": "bridge"},
        lambda m: [("/v2/stats", "")],
    ),
    ("v2", "/v2/stats/<id>", "no stats"): (
        {},
        lambda m: [
            (f"/v2/stats/{UNKNOWN_ID}", UNKNOWN_ID),
            (f"/v2/stats/{_pause_id(m)}", _pause_id(m)),
        ],
    ),
    ("v3", "/v3/<id>", "unknown endpoint id"): ({}, lambda m: [(f"/v3/{UNKNOWN_ID}", UNKNOWN_ID)]),
    ("v3", "/v3/<id>/task", "unknown endpoint id"): (
        {},
        lambda m: [
            (f"/v3/{UNKNOWN_ID}/task", UNKNOWN_ID),
            (f"/v3/{UNKNOWN_ID}/taskWithTags", UNKNOWN_ID),
        ],
    ),
    ("v3", "/v3/<id>/stats", "unknown endpoint id"): (
        {},
        lambda m: [(f"/v3/{UNKNOWN_ID}/stats", UNKNOWN_ID)],
    ),
    ("v3", "/v3/<id>/task/stats", "unknown endpoint id"): (
        {},
        lambda m: [(f"/v3/{UNKNOWN_ID}/task/stats", UNKNOWN_ID)],
    ),
    ("v4", "/v4/<id>", "unknown endpoint id"): ({}, lambda m: [(f"/v4/{UNKNOWN_ID}", UNKNOWN_ID)]),
    ("v4", "/v4/<id>/task", "unknown endpoint id"): (
        {},
        lambda m: [
            (f"/v4/{UNKNOWN_ID}/task", UNKNOWN_ID),
            (f"/v4/{UNKNOWN_ID}/taskWithTags", UNKNOWN_ID),
        ],
    ),
    ("v4", "/v4/<id>/task", "endpoint id known but task missing"): (
        {"error_rate": 1.0},
        lambda m: [(f"/v4/{m.endpoint_id}/task", m.endpoint_id)],
    ),
    ("v4", "/v4/<id>/stats", "unknown endpoint id"): (
        {},
        lambda m: [(f"/v4/{UNKNOWN_ID}/stats", UNKNOWN_ID)],
    ),
    ("v4", "/v4/<id>/stats", "stats engine has no stats"): (
        {"container_name": "~internal~ecs~pause"},
        lambda m: [(f"/v4/{m.endpoint_id}/stats", m.endpoint_id)],
    ),
    ("v4", "/v4/<id>/task/stats", "unknown endpoint id"): (
        {},
        lambda m: [(f"/v4/{UNKNOWN_ID}/task/stats", UNKNOWN_ID)],
    ),
    ("any", "/v4/<id>/wrong-path, /v3, /v2/meta, /", "no route"): (
        {},
        lambda m: [(p, "") for p in (f"/v4/{m.endpoint_id}/wrong-path", "/v3", "/v2/meta", "/")],
    ),
}


def _case_key(case: dict[str, Any]) -> tuple[str, str, str]:
    for version, path, when in ERROR_TRIGGERS:
        if (version, path) == (case["version"], case["path"]) and case["when"].startswith(when):
            return (version, path, when)
    return (case["version"], case["path"], case["when"])


def test_every_agent_error_case_is_exercised() -> None:
    """Each case of error_responses_agent.json is shown here (301 and 429 by their own tests)."""
    cases = {_case_key(case) for case in AGENT_ERRORS if case["status"] not in (301, 429)}

    assert set(ERROR_TRIGGERS) == cases


@pytest.mark.parametrize(
    "case",
    [c for c in AGENT_ERRORS if c["status"] not in (301, 429)],
    ids=lambda c: f"{c['status']}-{c['path']}-{c['when'][:30]}",
)
def test_agent_error_answers(
    start_mock: Callable[..., MockEndpoint],
    client: httpx.Client,
    bridge_task_file: str,
    case: dict[str, Any],
) -> None:
    """Status, content type and exact body of each of the agent's error answers."""
    options, requests = ERROR_TRIGGERS[_case_key(case)]
    if options.get("task_file") == "bridge":
        options = {**options, "task_file": bridge_task_file}
    mock = start_mock(**options)

    for path, item in requests(mock):
        response = client.get(mock.base_url + path)
        expected_body = (
            case["body"]
            .replace("<ip>", "127.0.0.1")
            .replace("<id>", item)
            .replace("<docker-id>", mock.own_container_docker_id)
            .replace("<arn>", mock.task["TaskARN"])
        )

        assert (case["status"], case["content_type"], expected_body) == (
            response.status_code,
            response.headers["content-type"],
            response.text,
        ), path


# The routes as a function of the request: no server, and a fake clock for the throttle.

CLIENT_IP = "10.0.1.7"
NO_ROUTE = ("/v4/{own}/wrong-path", "/v4/{own}/task/", "/v3", "/v2/meta", "/v5/{own}", "/")


def served(task: dict[str, Any] | None = None, *, burst: int = 60, **options: Any) -> Served:
    """The EC2 sample (or ``task``) as the routes serve it, throttled on a clock that stands."""
    state = TaskState(load_sample("EC2") if task is None else copy.deepcopy(task), None)
    return Served(state, throttle=Throttle(40.0, burst, clock=FakeClock()), **options)


def ask(
    target: Served, path: str, *, method: str = "GET", client_ip: str = CLIENT_IP, **kw: Any
) -> Answer:
    """The answer to one request, with ``{own}``, ``{pause}`` and ``{unknown}`` filled in."""
    state = target.state
    pause = next((e for e, c in state.by_endpoint_id.items() if c["Type"] == "CNI_PAUSE"), "")
    path = path.format(own=state.own_endpoint_id, pause=pause, unknown=UNKNOWN_ID)
    request = Request(method, path, client_ip=client_ip, client_port=41234)
    return answer(request, target, **kw)


def status_and_type(result: Answer) -> tuple[int, str | None]:
    return (result.status, result.content_type)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        # Unknown container: v2 400, v3 500, v4 404.
        ("/v2/metadata/{unknown}", 400),
        ("/v3/{unknown}", 500),
        ("/v4/{unknown}", 404),
        # Unknown task (a v3/v4 endpoint ID names the task too): v3 500, v4 404.
        ("/v3/{unknown}/task", 500),
        ("/v3/{unknown}/taskWithTags", 500),
        ("/v4/{unknown}/task", 404),
        ("/v4/{unknown}/taskWithTags", 404),
        # Stats of an unknown container or task: v2 400, v3 400, v4 404.
        ("/v2/stats/{unknown}", 400),
        ("/v3/{unknown}/stats", 400),
        ("/v3/{unknown}/task/stats", 400),
        ("/v4/{unknown}/stats", 404),
        ("/v4/{unknown}/task/stats", 404),
        # Stats not available (the pause container): v2 400, v3 400, v4 500.
        ("/v3/{pause}/stats", 400),
        ("/v4/{pause}/stats", 500),
        # The documented v2 tags path is read as a container ID.
        ("/v2/metadata/taskWithTags", 400),
    ],
)
def test_route_error_statuses_by_version(path: str, status: int) -> None:
    """Each version answers an unknown or stat-less container or task with its own status."""
    assert (status, "application/json") == status_and_type(ask(served(), path))


def test_route_v2_stats_of_the_pause_container_are_a_400() -> None:
    """v2 has no stats for the pause container either: 400, naming its DockerId."""
    target = served()
    pause = next(c for c in target.state.task["Containers"] if c["Type"] == "CNI_PAUSE")

    result = ask(target, f"/v2/stats/{pause['DockerId']}")

    assert (400, f'"Unable to get container stats for: {pause["DockerId"]}"') == (
        result.status,
        result.body.decode(),
    )


@pytest.mark.parametrize("path", ["/v2/metadata", "/v2/metadataWithTags", "/v2/stats"])
def test_route_v2_answers_no_caller_outside_awsvpc(path: str) -> None:
    """A task without awsvpc cannot place a v2 caller by IP: 400 naming the caller's IP."""
    result = ask(served(BRIDGE_TASK), path)

    assert (
        400,
        "application/json",
        f"\"Unable to get task arn from request: unable to associate '{CLIENT_IP}' with task\"",
    ) == (result.status, result.content_type, result.body.decode())


@pytest.mark.parametrize("path", NO_ROUTE)
def test_route_no_such_route_is_gos_404(path: str) -> None:
    """No route matches: Go's plain-text 404, with nosniff, for every version."""
    result = ask(served(), path)

    assert (404, "text/plain; charset=utf-8", b"404 page not found\n") == (
        result.status,
        result.content_type,
        result.body,
    )
    assert ("X-Content-Type-Options", "nosniff") in result.headers


@pytest.mark.parametrize(
    "path",
    [
        "/v4/{own}",
        "/v4/{own}/task",
        "/v4/{own}/taskWithTags",
        "/v4/{own}/stats",
        "/v4/{own}/task/stats",
        "/v3/{own}",
        "/v3/{own}/task/stats",
        "/v2/metadata",
        "/v2/metadata/",
        "/v2/metadataWithTags",
        "/v2/stats",
    ],
)
def test_route_known_paths_answer_200_json_whatever_the_method(path: str) -> None:
    """Every route of the agent answers 200 JSON, and a POST answers as a GET."""
    target = served()

    get, post = ask(target, path), ask(target, path, method="POST")

    assert (200, "application/json") == status_and_type(get)
    assert (200, "application/json") == status_and_type(post)
    if "stats" not in path:  # stats read the clock
        assert get.body == post.body


def test_route_unclean_path_is_a_301_before_the_throttle() -> None:
    """A 301 to the clean path (query kept), with no rate headers, before any token is taken."""
    target = served(burst=1)
    own = target.state.own_endpoint_id
    request = Request("GET", f"//v4//{own}/./task", query="x=1", client_ip=CLIENT_IP)

    redirects = [answer(request, target) for _ in range(3)]
    clean = ask(target, "/v4/{own}/task")

    assert [Answer(301, None, b"", (("Location", f"/v4/{own}/task?x=1"),))] * 3 == redirects
    assert 200 == clean.status


def test_route_throttled_after_the_burst_per_client_and_path() -> None:
    """The 61st request of a client to a path is the agent's 429; others are still served."""
    target = served()

    statuses = [ask(target, "/v4/{own}/task").status for _ in range(60)]
    throttled = ask(target, "/v4/{own}/task")
    other_path = ask(target, "/v4/{own}")
    other_client = ask(target, "/v4/{own}/task", client_ip="10.0.1.8")

    assert [200] * 60 == statuses
    assert (429, THROTTLED["content_type"], THROTTLED["body"].encode()) == (
        throttled.status,
        throttled.content_type,
        throttled.body,
    )
    assert (200, 200) == (other_path.status, other_client.status)


def test_route_throttle_refills_on_its_clock() -> None:
    """Throttled, a path is served again once the throttle's clock has moved on."""
    clock = FakeClock()
    target = Served(TaskState(load_sample("EC2"), None), throttle=Throttle(40.0, 1, clock=clock))

    first, second = ask(target, "/v4/{own}").status, ask(target, "/v4/{own}").status
    clock.now += 1 / 32  # 1.25 tokens at 40 a second
    third = ask(target, "/v4/{own}").status

    assert (200, 429, 200) == (first, second, third)


def test_route_without_limiting_never_throttles_and_still_sends_the_headers() -> None:
    """limiting=False serves every request, with tollbooth's headers of the throttle's rate."""
    target = served(burst=1, limiting=False)

    results = [ask(target, "/v4/{own}/task", client_ip="::1") for _ in range(5)]

    assert [200] * 5 == [r.status for r in results]
    assert (
        ("X-Rate-Limit-Limit", "40.00"),
        ("X-Rate-Limit-Duration", "1"),
        ("X-Rate-Limit-Request-Forwarded-For", ""),
        ("X-Rate-Limit-Request-Remote-Addr", "[::1]:41234"),
    ) == results[-1].headers


def test_route_credentials_are_never_served() -> None:
    """A path asking for credentials is a 404 on every version, even where a route matches."""
    paths = ["/v2/credentials/4d1a6c2e", "/v4/{own}/credentials", "/v2/metadata/credentials"]

    assert [404] * 3 == [ask(served(), path).status for path in paths]


def test_route_fail_turns_only_the_200s_into_500s() -> None:
    """fail=True gives the agent's 500 where it would answer 200; errors stay as they are."""
    target = served()
    arn = target.state.task["TaskARN"]

    task = ask(target, "/v4/{own}/task", fail=True)
    unknown = ask(target, "/v4/{unknown}/task", fail=True)
    no_route = ask(target, "/v4/{own}/nope", fail=True)

    assert (500, json.dumps(f"Unable to generate metadata for v4 task: '{arn}'")) == (
        task.status,
        task.body.decode(),
    )
    assert (404, 404) == (unknown.status, no_route.status)


# Unclean paths.


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("//v4//{id}/task", "/v4/{id}/task"),
        ("/v4/{id}/./task", "/v4/{id}/task"),
        ("/v4/other/../{id}/task", "/v4/{id}/task"),
        ("/v3//{id}//stats?x=1", "/v3/{id}/stats?x=1"),
        ("/v2/./metadata/", "/v2/metadata/"),
    ],
)
def test_unclean_paths_redirect_like_gorilla_mux(
    start_mock: Callable[..., MockEndpoint], path: str, location: str
) -> None:
    """An unclean path answers 301 to the cleaned path (query kept), with no body."""
    mock = start_mock()

    response = raw_get(mock, path.format(id=mock.endpoint_id))

    assert (301, location.format(id=mock.endpoint_id), "0") == (
        response.status,
        response.getheader("Location"),
        response.getheader("Content-Length"),
    )
    assert response.getheader("X-Rate-Limit-Limit") is None


def test_redirect_leads_to_the_answer(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """Following the redirect of an unclean path gives the task."""
    mock = start_mock()

    response = client.get(f"{mock.base_url}//v4//{mock.endpoint_id}/task", follow_redirects=True)

    assert (200, mock.task["TaskARN"]) == (response.status_code, response.json()["TaskARN"])


# Throttling.

THROTTLED = next(case for case in AGENT_ERRORS if case["status"] == 429)


def test_61st_quick_request_is_throttled(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """A burst of 60 passes; the 61st request to the same path gets the agent's 429."""
    # A slow refill, so that the test measures the burst and not the machine's speed.
    mock = start_mock(rate=0.5)
    url = f"{mock.v4_uri}/task"

    statuses = [client.get(url).status_code for _ in range(60)]
    throttled = client.get(url)

    assert [200] * 60 == statuses
    assert (429, THROTTLED["content_type"], THROTTLED["body"]) == (
        throttled.status_code,
        throttled.headers["content-type"],
        throttled.text,
    )


def test_default_throttle_is_40_per_second_with_a_burst_of_60(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """With the agent's defaults, quick requests pass 60 at once, then about 40 a second."""
    mock = start_mock()
    url = f"{mock.v4_uri}/task"

    started = time.monotonic()
    statuses = [client.get(url).status_code for _ in range(200)]
    elapsed = time.monotonic() - started

    assert [200] * 60 == statuses[:60]
    assert {200, 429} >= set(statuses)
    assert statuses.count(200) <= 60 + 40 * elapsed + 1


def test_each_path_has_its_own_bucket(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """Throttled on one path, the same caller is still served on another; the query is ignored."""
    mock = start_mock(rate=0.5, burst=3)
    task_url = f"{mock.v4_uri}/task"

    for _ in range(3):
        client.get(task_url)

    assert 429 == client.get(task_url).status_code
    assert 429 == client.get(task_url, params={"again": "1"}).status_code
    assert 200 == client.get(mock.v4_uri).status_code
    assert 200 == client.get(f"{mock.v4_uri}/taskWithTags").status_code


def test_tokens_refill_over_time(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """After a pause long enough for a token to come back, the path is served again."""
    mock = start_mock(rate=5.0, burst=1)
    url = f"{mock.v4_uri}/task"

    first, second = client.get(url).status_code, client.get(url).status_code
    time.sleep(0.5)  # a token takes 0.2 s at 5 per second: a generous margin
    third = client.get(url).status_code

    assert (200, 429, 200) == (first, second, third)


def allowed(throttle: Throttle, count: int, client: str = "10.0.1.7", path: str = "/v4/a") -> int:
    """How many of ``count`` requests in a row the throttle lets through."""
    return sum(throttle.allow(client, path) for _ in range(count))


def test_throttle_passes_a_burst_of_60_then_refuses() -> None:
    """A new bucket holds 60 tokens: 60 requests at one instant pass, the 61st does not."""
    throttle = Throttle(40.0, 60, clock=FakeClock())

    passed = [throttle.allow("10.0.1.7", "/v4/a/task") for _ in range(60)]

    assert [True] * 60 == passed
    assert throttle.allow("10.0.1.7", "/v4/a/task") is False


def test_throttle_refills_at_40_per_second() -> None:
    """An empty bucket gets 40 tokens a second back, and never more than the burst of 60."""
    clock = FakeClock()
    throttle = Throttle(40.0, 60, clock=clock)
    allowed(throttle, 60)

    clock.now += 0.25
    after_a_quarter = allowed(throttle, 20)
    clock.now += 1.0
    after_a_second = allowed(throttle, 50)
    clock.now += 60.0
    after_a_minute = allowed(throttle, 100)

    assert (10, 40, 60) == (after_a_quarter, after_a_second, after_a_minute)


def test_throttle_refusals_take_no_token() -> None:
    """Refused requests do not drain the bucket: fractions of a token add up to a whole one."""
    clock = FakeClock()
    throttle = Throttle(40.0, 60, clock=clock)
    allowed(throttle, 60)

    clock.now += 1 / 64  # 0.625 of a token
    first = throttle.allow("10.0.1.7", "/v4/a")
    clock.now += 1 / 64  # 1.25 tokens
    second = throttle.allow("10.0.1.7", "/v4/a")

    assert (False, True) == (first, second)


def test_throttle_keeps_a_bucket_per_client_and_path() -> None:
    """An empty bucket throttles its own (client, path) only."""
    throttle = Throttle(40.0, 60, clock=FakeClock())
    allowed(throttle, 60, "10.0.1.7", "/v4/a/task")

    assert 0 == allowed(throttle, 1, "10.0.1.7", "/v4/a/task")
    assert 60 == allowed(throttle, 61, "10.0.1.7", "/v4/a/taskWithTags")
    assert 60 == allowed(throttle, 61, "10.0.1.8", "/v4/a/task")


def test_throttle_can_be_turned_off(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """throttle=False never answers 429, and still sends the rate headers."""
    mock = start_mock(throttle=False, burst=1)

    responses = [client.get(f"{mock.v4_uri}/task") for _ in range(20)]

    assert [200] * 20 == [r.status_code for r in responses]
    assert "40.00" == responses[-1].headers["x-rate-limit-limit"]


def test_every_answer_carries_the_rate_headers(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """200, 4xx, 5xx and 429 answers all carry tollbooth's headers, with the configured rate."""
    mock = start_mock(rate=0.5, burst=1)
    paths = [f"/v4/{mock.endpoint_id}", f"/v4/{UNKNOWN_ID}", f"/v3/{UNKNOWN_ID}", "/nowhere"]
    paths.append(paths[0])  # throttled the second time

    responses = [
        client.get(mock.base_url + path, headers={"X-Forwarded-For": "203.0.113.9"})
        for path in paths
    ]

    assert [200, 404, 500, 404, 429] == [r.status_code for r in responses]
    for response in responses:
        assert ("0.50", "1", "203.0.113.9") == (
            response.headers["x-rate-limit-limit"],
            response.headers["x-rate-limit-duration"],
            response.headers["x-rate-limit-request-forwarded-for"],
        )
        assert re.fullmatch(
            r"127\.0\.0\.1:\d+", response.headers["x-rate-limit-request-remote-addr"]
        )


# Latency, errors, credentials, methods, bookkeeping.


def test_latency_delays_every_answer(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """An answer does not come before the configured latency; it can be changed while running."""
    mock = start_mock(latency=0.3)

    started = time.monotonic()
    status = client.get(mock.v4_uri).status_code
    elapsed = time.monotonic() - started
    mock.latency = 0.0

    assert 200 == status
    assert elapsed >= 0.3
    assert 200 == client.get(mock.v4_uri).status_code


def test_error_rate_one_gives_500_always(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """error_rate=1.0 turns every metadata and stats answer into the agent's 500."""
    mock = start_mock(error_rate=1.0)
    arn, docker_id = mock.task["TaskARN"], mock.own_container_docker_id
    expected = {
        mock.v4_uri: f"unable to generate metadata for container '{docker_id}'",
        f"{mock.v4_uri}/task": f"Unable to generate metadata for v4 task: '{arn}'",
        f"{mock.v4_uri}/taskWithTags": f"Unable to generate metadata for v4 task: '{arn}'",
        f"{mock.v4_uri}/stats": f"Unable to get container stats for: {docker_id}",
        f"{mock.v4_uri}/task/stats": f"Unable to get task stats for: {arn}",
        mock.v3_uri: f"Unable to generate metadata for container '{docker_id}'",
        f"{mock.v3_uri}/task": f"Unable to generate metadata for task: '{arn}'",
        f"{mock.v2_endpoint}/v2/metadata": f"Unable to generate metadata for task: '{arn}'",
        f"{mock.v2_endpoint}/v2/stats": f"Unable to get task stats for: {arn}",
    }

    answers = {url: client.get(url) for url in expected for _ in range(3)}

    assert {url: (500, "application/json", json.dumps(body)) for url, body in expected.items()} == {
        url: (r.status_code, r.headers["content-type"], r.text) for url, r in answers.items()
    }
    mock.error_rate = 0.0
    assert 200 == client.get(mock.v4_uri).status_code


def test_credentials_paths_are_not_served_and_are_counted(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """Credentials paths answer 404 and are counted, so tests can prove they were never asked."""
    mock = start_mock()
    paths = ["/v2/credentials/4d1a6c2e", "/v1/credentials", f"/v4/{mock.endpoint_id}/credentials"]

    responses = [client.get(mock.base_url + path) for path in paths]
    client.get(mock.v4_uri)

    assert [(404, "404 page not found\n")] * 3 == [(r.status_code, r.text) for r in responses]
    assert 3 == mock.credentials_request_count
    assert [("GET", path, 404) for path in paths] == mock.requests[:3]


def test_any_method_is_answered_like_get(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """The agent registers its routes without methods: POST answers as GET, HEAD without a body."""
    mock = start_mock()

    get = client.get(mock.v4_uri)
    post = client.post(mock.v4_uri, content=b"ignored")
    head = client.head(mock.v4_uri)

    assert (200, get.content) == (post.status_code, post.content)
    assert (200, b"", str(len(get.content))) == (
        head.status_code,
        head.content,
        head.headers["content-length"],
    )


def test_requests_record_every_answer(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """requests lists (method, path, status) of each answer; reset_counts forgets them."""
    mock = start_mock()
    client.get(mock.v4_uri)
    client.get(f"{mock.v4_uri}/nope")
    client.get(f"{mock.v2_endpoint}/v2/metadata", params={"q": "1"})

    recorded = mock.requests
    count = mock.request_count
    mock.reset_counts()

    assert [
        ("GET", f"/v4/{mock.endpoint_id}", 200),
        ("GET", f"/v4/{mock.endpoint_id}/nope", 404),
        ("GET", "/v2/metadata", 200),
    ] == recorded
    assert (3, 0, []) == (count, mock.request_count, mock.requests)


def test_concurrent_requests_are_all_recorded(
    start_mock: Callable[..., MockEndpoint], client: httpx.Client
) -> None:
    """Answers from many threads at once are all served and all recorded."""
    mock = start_mock(throttle=False)
    statuses: list[int] = []

    def fetch() -> None:
        with httpx.Client(trust_env=False, timeout=10.0) as own:
            statuses.extend(own.get(f"{mock.v4_uri}/task").status_code for _ in range(5))

    threads = [threading.Thread(target=fetch) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [200] * 100 == statuses
    assert 100 == mock.request_count


# Lifecycle.


def test_start_and_stop_twice(client: httpx.Client) -> None:
    """start() and stop() may be called twice; stopped, nothing answers; restarted, same port."""
    mock = MockEndpoint()

    assert mock is mock.start()
    port = mock.port
    mock.start()
    assert (port, 200) == (mock.port, client.get(mock.v4_uri).status_code)
    mock.stop()
    mock.stop()
    with pytest.raises(httpx.ConnectError):
        client.get(mock.v4_uri)
    mock.start()
    try:
        assert (port, 200) == (mock.port, client.get(mock.v4_uri).status_code)
    finally:
        mock.stop()


def test_context_manager_starts_and_stops(client: httpx.Client) -> None:
    """`with MockEndpoint()` serves inside the block only."""
    with MockEndpoint() as mock:
        status = client.get(mock.v4_uri).status_code

    assert 200 == status
    with pytest.raises(httpx.ConnectError):
        client.get(mock.v4_uri)


def test_port_zero_gives_a_free_port(start_mock: Callable[..., MockEndpoint]) -> None:
    """Two mocks on port 0 each get their own free port."""
    first, second = start_mock(port=0), start_mock(port=0)

    assert 0 not in (first.port, second.port)
    assert first.port != second.port
    assert f"http://127.0.0.1:{first.port}" == first.base_url


def test_base_url_needs_a_start() -> None:
    """Before the first start the port is not known: base_url says so."""
    with pytest.raises(RuntimeError, match="start"):
        _ = MockEndpoint().base_url


def test_serve_forever_returns_after_stop(client: httpx.Client) -> None:
    """serve_forever() serves until stop() is called from elsewhere."""
    mock = MockEndpoint()
    thread = threading.Thread(target=mock.serve_forever, daemon=True)
    thread.start()
    wait_until(lambda: mock.port, 10)

    status = client.get(mock.v4_uri).status_code
    mock.stop()
    thread.join(timeout=10)

    assert (200, False) == (status, thread.is_alive())


# Bad configuration.


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        (json.dumps(without(BRIDGE_TASK, {"TaskARN"})), "'TaskARN'"),
        (json.dumps({**BRIDGE_TASK, "Revision": 12}), "'Revision' must be a non-empty string"),
        (json.dumps({**BRIDGE_TASK, "Containers": []}), "'Containers'"),
        (json.dumps({**BRIDGE_TASK, "Containers": [{"Type": "NORMAL"}]}), "Containers[0].Name"),
        (json.dumps({**BRIDGE_TASK, "Containers": BRIDGE_TASK["Containers"][1:]}), "DockerId"),
        (json.dumps({**BRIDGE_TASK, "TaskTags": ["a"]}), "'TaskTags'"),
    ],
)
def test_bad_task_file_raises_a_value_error_naming_the_file(
    tmp_path: Path, content: str, problem: str
) -> None:
    """A task file that is not a task fails at construction, naming the file and the problem."""
    path = tmp_path / "my-task.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(ValueError, match=re.escape(problem)) as raised:
        MockEndpoint(task_file=str(path))

    assert str(path) in str(raised.value)


def test_missing_task_file_raises_a_value_error_naming_the_file(tmp_path: Path) -> None:
    """A task file that does not exist fails at construction, naming the file."""
    path = tmp_path / "absent.json"

    with pytest.raises(ValueError, match="cannot be read") as raised:
        MockEndpoint(task_file=str(path))

    assert str(path) in str(raised.value)


def test_unknown_container_name_lists_the_choices() -> None:
    """container_name must name a container of the task; the error lists them."""
    with pytest.raises(ValueError, match="'checkout-api', 'log-router'"):
        MockEndpoint(container_name="web")


@pytest.mark.parametrize(
    "options",
    [
        {"launch_type": "EXTERNAL"},
        {"latency": -1},
        {"error_rate": 1.5},
        {"rate": 0},
        {"burst": 0},
        {"port": 70000},
        {"v2_tags_path": "docs"},
    ],
)
def test_bad_options_raise_value_errors(options: dict[str, Any]) -> None:
    """Unusable options fail at construction with a ValueError naming the option."""
    (name,) = options

    with pytest.raises(ValueError, match=name):
        MockEndpoint(**options)
