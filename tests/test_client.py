"""MetadataClient against a real HTTP server on 127.0.0.1 serving the fixtures."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from ecs_log_context import (
    InvalidMetadataError,
    MetadataClient,
    MetadataHTTPError,
    MetadataThrottledError,
    MetadataUnavailableError,
    NoMetadataSourceError,
)
from ecs_log_context.errors import ConfigurationError

from .documents import fixture_json, fixture_text
from .loopback import LoopbackServer, Reply

V4_ID = "/v4/ea32192c-8553-4b2f-9f59-e9a3f0a1a5d0"
V3_ID = "/v3/9781c248-0edd-4cdb-9a93-f63cb662a5d3"
NGINX_ID = "43481a6ce4842eec8fe72fc28500c6b52edcc0917f105b83379f88cac1ff3946"
PAUSE_ID = "731a0d6a3b4210e2448339bc7015aaa79bfe4fa256384f4102db86ef94cbbc4c"


def fixture(name: str) -> Reply:
    return Reply(200, fixture_text(name))


def agent_error(status: int, message: str) -> Reply:
    return Reply(status, json.dumps(message))


def dead_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def v4(loopback: LoopbackServer) -> LoopbackServer:
    loopback.route(V4_ID, fixture("v4_container_ec2_awsvpc_awsdocs.json"))
    loopback.route(V4_ID + "/task", fixture("v4_task_ec2_awsvpc_awsdocs.json"))
    loopback.route(V4_ID + "/taskWithTags", fixture("v4_taskWithTags_awsdocs.json"))
    loopback.route(V4_ID + "/stats", fixture("v4_stats_container_ec2_bridge_awsdocs.json"))
    loopback.route(V4_ID + "/task/stats", fixture("v4_stats_task_awsdocs.json"))
    return loopback


@pytest.fixture
def v2(loopback: LoopbackServer) -> LoopbackServer:
    loopback.route("/v2/metadata", fixture("v2_task_nginx_awsdocs.json"))
    loopback.route("/v2/metadataWithTags", fixture("v2_taskWithTags_datadog.json"))
    loopback.route(f"/v2/metadata/{NGINX_ID}", fixture("v3_container_awsdocs.json"))
    loopback.route("/v2/stats", fixture("v2_stats_task_datadog.json"))
    return loopback


def test_v4_every_route(v4: LoopbackServer) -> None:
    """Every v4 route answers with the model of its fixture."""
    client = MetadataClient("v4", v4.url + V4_ID)
    task = client.task()
    assert (
        "arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c"
        == task.task_arn
    )
    assert "EC2" == task.launch_type
    assert "curl" == client.container().name
    tagged = client.task_with_tags()
    assert {"tag-use": "task-metadata-endpoint-test"} == dict(tagged.task_tags)
    assert client.container_stats() is not None
    assert 2 == len(client.task_stats())
    expected = [V4_ID + p for p in ("/task", "", "/taskWithTags", "/stats", "/task/stats")]
    assert expected == v4.paths()


def test_v4_container_by_docker_id_reads_the_task(v4: LoopbackServer) -> None:
    """On v3/v4 a container by Docker ID comes from the task's list."""
    client = MetadataClient("v4", v4.url + V4_ID)
    docker_id = "ee08638adaaf009d78c248913f629e38299471d45fe7dc944d1039077e3424ca"
    assert "curl" == client.container(docker_id).name
    with pytest.raises(MetadataUnavailableError, match="no container 'abc'"):
        client.container("abc")


def test_v3_routes(loopback: LoopbackServer) -> None:
    """v3 uses the same route names under its own URI."""
    loopback.route(V3_ID, fixture("v3_container_awsdocs.json"))
    loopback.route(V3_ID + "/task", fixture("v3_task_awsdocs.json"))
    client = MetadataClient("v3", loopback.url + V3_ID)
    task, container = client.task_and_container()
    assert ("nginx", "5") == (task.family, task.revision)
    assert container is not None
    assert "nginx-curl" == container.name


def test_v2_routes(v2: LoopbackServer) -> None:
    """v2: task, task with tags, a container by ID, task stats."""
    client = MetadataClient("v2", v2.url)
    assert "nginx" == client.task().family
    assert "ecs-cluster" == client.task_with_tags().task_tags["aws:ecs:clusterName"]
    assert "nginx-curl" == client.container(NGINX_ID).name
    stats = client.task_stats()
    assert sorted(stats) == sorted(fixture_json("v2_stats_task_datadog.json"))
    assert None in stats.values()


def test_v2_own_container_is_the_only_normal_one(v2: LoopbackServer) -> None:
    """v2 without any ID to go by picks the only NORMAL container, never the pause one."""
    client = MetadataClient(
        "v2",
        v2.url,
        cgroup_path="/nonexistent",
        mountinfo_path="/nonexistent",
        hostname="ip-10-0-2-106",
    )
    assert NGINX_ID == client.container().docker_id


def test_v2_own_container_from_cgroup(v2: LoopbackServer, tmp_path: Path) -> None:
    """v2 matches the Docker ID read from /proc/self/cgroup, even against the type rule."""
    cgroup = tmp_path / "cgroup"
    cgroup.write_text(f"11:cpu,cpuacct:/ecs/9781c248-0edd-4cdb-9a93-f63cb662a5d3/{PAUSE_ID}\n")
    client = MetadataClient(
        "v2", v2.url, cgroup_path=str(cgroup), mountinfo_path="/nonexistent", hostname="x"
    )
    assert "~internal~ecs~pause" == client.container().name


def test_v2_unknown_container_says_why(loopback: LoopbackServer) -> None:
    """Two NORMAL containers and no ID: unknown, with the way out in the message."""
    task = fixture_json("v2_task_nginx_awsdocs.json")
    task["Containers"][0]["Type"] = "NORMAL"
    loopback.route("/v2/metadata", Reply(200, task))
    client = MetadataClient(
        "v2", loopback.url, cgroup_path="/nonexistent", mountinfo_path="/nonexistent", hostname="x"
    )
    with pytest.raises(MetadataUnavailableError, match="ECS_LOG_CONTEXT_CONTAINER_NAME"):
        client.container()
    named = MetadataClient(
        "v2",
        loopback.url,
        container_name="nginx-curl",
        cgroup_path="/nonexistent",
        mountinfo_path="/nonexistent",
        hostname="x",
    )
    assert NGINX_ID == named.container().docker_id


def test_v2_tags_fall_back_to_the_documented_path(loopback: LoopbackServer) -> None:
    """Where /v2/metadataWithTags is missing, the documented path is asked, and remembered."""
    loopback.route("/v2/metadata/taskWithTags", fixture("v2_taskWithTags_datadog.json"))
    client = MetadataClient("v2", loopback.url)
    assert "sandbox" == client.task_with_tags().task_tags["Environment"]
    assert "sandbox" == client.task_with_tags().task_tags["Environment"]
    expected = ["/v2/metadataWithTags", "/v2/metadata/taskWithTags", "/v2/metadata/taskWithTags"]
    assert expected == loopback.paths()


def test_v2_tags_on_neither_path_is_the_agents_error(loopback: LoopbackServer) -> None:
    """When neither tags path answers, the error of the agent's path is raised."""
    loopback.route(
        "/v2/metadata/taskWithTags",
        agent_error(400, "Unable to generate metadata for container 'taskWithTags'"),
    )
    with pytest.raises(MetadataHTTPError) as caught:
        MetadataClient("v2", loopback.url).task_with_tags()
    assert 404 == caught.value.status
    assert caught.value.url.endswith("/v2/metadataWithTags")


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (
            404,
            "V4 task metadata handler: unable to get task arn from request: "
            "unable to get task Arn from v3 endpoint ID: x",
        ),
        (500, "Unable to generate metadata for v4 task: 'arn'"),
        (400, "Unable to get task arn from request: unable to associate '10.0.0.1' with task"),
    ],
)
def test_http_errors_carry_status_and_the_agents_message(
    loopback: LoopbackServer, status: int, message: str
) -> None:
    """An error status raises MetadataHTTPError with the decoded JSON-string message."""
    loopback.route(V4_ID + "/task", agent_error(status, message))
    with pytest.raises(MetadataHTTPError) as caught:
        MetadataClient("v4", loopback.url + V4_ID).task()
    assert (status, message) == (caught.value.status, caught.value.message)
    assert f"task metadata from {loopback.url}{V4_ID}/task: HTTP {status}: {message}" == str(
        caught.value
    )


def test_plain_text_404(loopback: LoopbackServer) -> None:
    """The agent's plain-text 404 for an unknown route is shown as text."""
    with pytest.raises(MetadataHTTPError, match="HTTP 404: 404 page not found"):
        MetadataClient("v4", loopback.url + V4_ID).task()


def test_throttled(loopback: LoopbackServer) -> None:
    """429 raises MetadataThrottledError, a kind of unavailable, with the agent's text."""
    loopback.route(
        V4_ID + "/task",
        Reply(429, "You have reached maximum request limit.", "text/plain; charset=utf-8"),
    )
    with pytest.raises(MetadataThrottledError, match="maximum request limit") as caught:
        MetadataClient("v4", loopback.url + V4_ID).task()
    assert isinstance(caught.value, MetadataUnavailableError)
    # What a 429 means, said to whoever reads the log line or status().
    assert "HTTP 429: You have reached maximum request limit; the agent is throttling" in str(
        caught.value
    )
    assert "back off before asking again" in str(caught.value)


def test_a_timeout_names_the_variable_and_its_value(loopback: LoopbackServer) -> None:
    """A timeout says which setting to raise, and what it is now."""
    loopback.route(V4_ID + "/task", Reply(200, "{}", "application/json", fault="hang"))
    with pytest.raises(MetadataUnavailableError) as caught:
        MetadataClient("v4", loopback.url + V4_ID, timeout=0.2).task()
    assert "no answer within 0.2 s" in str(caught.value)
    assert "the timeout is ECS_LOG_CONTEXT_TIMEOUT=0.2" in str(caught.value)


def test_connection_refused() -> None:
    """Nothing listening: unavailable, naming the URL."""
    url = f"http://127.0.0.1:{dead_port()}/v4/x"
    with pytest.raises(MetadataUnavailableError, match="cannot connect") as caught:
        MetadataClient("v4", url).task()
    assert url + "/task" == caught.value.url


def test_no_answer_times_out(loopback: LoopbackServer) -> None:
    """An endpoint that accepts and never answers costs the timeout, then unavailable."""
    loopback.route(V4_ID + "/task", Reply(fault="hang"))
    with pytest.raises(MetadataUnavailableError, match=r"no answer within 0\.2 s"):
        MetadataClient("v4", loopback.url + V4_ID, timeout=0.2).task()


def test_proxy_variables_are_ignored(v4: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proxy variables pointing at a dead port change nothing: link-local traffic is direct."""
    proxy = f"http://127.0.0.1:{dead_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy)
    assert "curltest" == MetadataClient("v4", v4.url + V4_ID).task().family


def test_body_over_the_cap(loopback: LoopbackServer) -> None:
    """A body over the cap is refused, whether or not it declares its length."""
    loopback.route(V4_ID + "/task", Reply(200, b"[" + b"0," * 40_000 + b"0]"))
    with pytest.raises(InvalidMetadataError, match="over the cap of 65536"):
        MetadataClient("v4", loopback.url + V4_ID, max_bytes=65536).task()


def test_invalid_json(loopback: LoopbackServer) -> None:
    """A body that is not JSON is invalid metadata."""
    loopback.route(V4_ID + "/task", Reply(200, "<html>"))
    with pytest.raises(InvalidMetadataError, match="not JSON"):
        MetadataClient("v4", loopback.url + V4_ID).task()


@pytest.mark.parametrize("body", [[], "a string", None, 3])
def test_json_that_is_not_an_object(loopback: LoopbackServer, body: object) -> None:
    """JSON that is not an object is invalid metadata, not a crash."""
    loopback.route(V4_ID + "/task", Reply(200, json.dumps(body)))
    with pytest.raises(InvalidMetadataError):
        MetadataClient("v4", loopback.url + V4_ID).task()


def test_redirect_to_a_clean_path_is_followed(loopback: LoopbackServer) -> None:
    """The agent's 301 to the cleaned path, on the same host, is followed once."""
    loopback.route("/v4//x/task", Reply(301, "", headers={"Location": "/v4/x/task"}))
    loopback.route("/v4/x/task", fixture("v4_task_fargate_awsdocs.json"))
    assert "curltest" == MetadataClient("v4", loopback.url + "/v4//x").task().family
    assert ["/v4//x/task", "/v4/x/task"] == loopback.paths()


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.2:9/v4/x/task",
        "https://example.invalid/v4/x/task",
        "/v2/credentials/abc",
        "/v4/x/../task",
    ],
)
def test_other_redirects_are_not_followed(loopback: LoopbackServer, location: str) -> None:
    """A redirect to another host or scheme, a credentials route or an unclean path is refused."""
    loopback.route(V4_ID + "/task", Reply(301, "", headers={"Location": location}))
    with pytest.raises(MetadataHTTPError, match="not followed"):
        MetadataClient("v4", loopback.url + V4_ID).task()
    assert 1 == loopback.count()


def test_no_credentials_route_is_ever_asked(v4: LoopbackServer) -> None:
    """A URL naming the credentials route is refused at construction."""
    with pytest.raises(ConfigurationError, match="credentials"):
        MetadataClient("v4", v4.url + "/v2/credentials/x")
    assert all("credentials" not in path for path in v4.paths())


@pytest.mark.parametrize("docker_id", ["../credentials", "a/b", "", "x" * 200])
def test_docker_ids_are_checked(v2: LoopbackServer, docker_id: str) -> None:
    """A Docker ID that could change the path is refused before any request."""
    with pytest.raises(ConfigurationError, match="docker_id"):
        MetadataClient("v2", v2.url).container(docker_id)
    assert 0 == v2.count()


def test_from_env_picks_v4(v4: LoopbackServer) -> None:
    """from_env follows the environment (here: v4 over v3)."""
    environ = {
        "ECS_CONTAINER_METADATA_URI_V4": v4.url + V4_ID,
        "ECS_CONTAINER_METADATA_URI": "http://127.0.0.1:1/v3/x",
    }
    client = MetadataClient.from_env(environ)
    assert ("v4", v4.url + V4_ID) == (client.source, client.url)


def test_from_env_off_ecs() -> None:
    """Off ECS, from_env says what is missing."""
    with pytest.raises(NoMetadataSourceError, match="ECS_CONTAINER_METADATA_URI_V4"):
        MetadataClient.from_env({})


def test_file_source(tmp_path: Path) -> None:
    """The metadata file answers task and container; stats are not there."""
    path = tmp_path / "metadata.json"
    path.write_text(fixture_text("container_metadata_file_ready_awsdocs.json"))
    client = MetadataClient("file", str(path))
    assert "console-sample-app-static" == client.task().family
    assert "simple-app" == client.container().name
    with pytest.raises(MetadataUnavailableError, match="no stats"):
        client.task_stats()


def test_file_not_ready(tmp_path: Path) -> None:
    """A metadata file without READY is not ready yet."""
    path = tmp_path / "metadata.json"
    path.write_text(fixture_text("container_metadata_file_initial_awsdocs.json"))
    with pytest.raises(MetadataUnavailableError, match="not ready"):
        MetadataClient("file", str(path)).task()


def test_user_agent_and_no_proxy_headers(v4: LoopbackServer) -> None:
    """Requests say who sends them."""
    MetadataClient("v4", v4.url + V4_ID).task()
    assert v4.requests[0].headers["User-Agent"].startswith("ecs-log-context/")


def test_unknown_source() -> None:
    """An unknown source names the choices."""
    with pytest.raises(ConfigurationError, match="v4, v3, v2, file"):
        MetadataClient("v5", "http://127.0.0.1")
