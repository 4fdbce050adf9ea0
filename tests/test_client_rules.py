"""MetadataClient's rules pinned whole, against a real HTTP server on 127.0.0.1.

tests/test_client.py shows each route working; here every rule the transport applies is tried
on both sides of its edge (the body cap, the error-body window, the redirect statuses and
paths, the 2xx range), every message is compared as the sentence a user reads, and the client's
construction without a URL, its ``repr`` and its keyword-only options are pinned.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from ecs_log_context import (
    InvalidMetadataError,
    MetadataClient,
    MetadataHTTPError,
    MetadataThrottledError,
    MetadataUnavailableError,
    NoMetadataSourceError,
)
from ecs_log_context.errors import ConfigurationError, MetadataError
from ecs_log_context.mock.server import MockEndpoint

from .documents import fixture_text
from .loopback import LoopbackServer, Reply

V4_ID = "/v4/ea32192c-8553-4b2f-9f59-e9a3f0a1a5d0"
TASK = fixture_text("v4_task_fargate_awsdocs.json")
TASK_FAMILY = "curltest"
THROTTLED = (
    "the agent is throttling requests (by default past 40 a second, bursts of 60): "
    "back off before asking again"
)


def client_of(server: LoopbackServer, **options: Any) -> MetadataClient:
    """A v4 client of the loopback server's container URI."""
    return MetadataClient("v4", server.url + V4_ID, **options)


def task_error(server: LoopbackServer, reply: Reply, **options: Any) -> MetadataError:
    """The error the client raises when the task route answers `reply`."""
    server.route(V4_ID + "/task", reply)
    with pytest.raises(MetadataError) as caught:
        client_of(server, **options).task()
    return caught.value


# -- construction ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "variable"),
    [("v4", "ECS_CONTAINER_METADATA_URI_V4"), ("v3", "ECS_CONTAINER_METADATA_URI")],
)
def test_a_client_without_a_url_asks_its_variables_uri(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch, source: str, variable: str
) -> None:
    """``MetadataClient("v4")`` reads the URI from the environment and asks below it."""
    loopback.route(V4_ID + "/task", Reply(200, TASK))
    monkeypatch.setenv(variable, loopback.url + V4_ID + "/")
    client = MetadataClient(source)
    assert client.url == loopback.url + V4_ID
    assert client.task().family == TASK_FAMILY
    assert loopback.paths() == [V4_ID + "/task"]


def test_a_client_without_a_url_is_not_given_another_sources_uri(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Asked for v4 with only the v3 variable set: no source, not the v3 URI."""
    monkeypatch.setenv("ECS_CONTAINER_METADATA_URI", "http://127.0.0.1:1/v3/abc")
    with pytest.raises(NoMetadataSourceError) as caught:
        MetadataClient("v4")
    assert str(caught.value) == (
        "ECS_LOG_CONTEXT_SOURCE=v4 asks for the v4 source, but "
        "ECS_CONTAINER_METADATA_URI_V4 is not set"
    )


def test_a_file_client_without_a_path_reads_the_files_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file source's path comes from ECS_CONTAINER_METADATA_FILE, kept as it is."""
    path = tmp_path / "metadata.json"
    path.write_text(fixture_text("container_metadata_file_ready_awsdocs.json"))
    monkeypatch.setenv("ECS_CONTAINER_METADATA_FILE", str(path))
    client = MetadataClient("file")
    assert client.url == str(path)
    assert client.task().family == "console-sample-app-static"


def test_a_v2_client_without_a_url_uses_the_agents_address() -> None:
    """v2 needs no variable: the agent's link-local address (nothing is asked here)."""
    client = MetadataClient("v2")
    assert repr(client) == "MetadataClient(source='v2', url='http://169.254.170.2')"


def test_repr_names_the_source_and_the_url() -> None:
    """The repr is the source and the URL as the client uses them (trailing slash dropped)."""
    client = MetadataClient("v3", "http://127.0.0.1:1/v3/abc/")
    assert repr(client) == "MetadataClient(source='v3', url='http://127.0.0.1:1/v3/abc')"


def test_options_after_the_url_are_keyword_only() -> None:
    """A timeout passed by position would be easy to confuse with another number: refused."""
    with pytest.raises(TypeError):
        MetadataClient("v4", "http://127.0.0.1:1/v4/abc", 2.0)  # type: ignore[call-arg]


@pytest.mark.parametrize("character", [" ", "\x1f", "\x7f", "\t"])
def test_a_url_with_a_control_character_or_space_inside_is_refused(character: str) -> None:
    """Space (32) and below, and DEL (127), inside the URL are refused, naming ``url``."""
    with pytest.raises(ConfigurationError) as caught:
        MetadataClient("v4", f"http://127.0.0.1:1/v4/a{character}b")
    assert str(caught.value).startswith("url=")


@pytest.mark.parametrize("character", ["!", "~", "\x80", "é"])
def test_a_url_with_printable_characters_at_the_bounds_is_accepted(character: str) -> None:
    """``!`` (33) and ``~`` (126), and anything past DEL, are kept."""
    url = f"http://127.0.0.1:1/v4/a{character}b"
    assert MetadataClient("v4", url).url == url


@pytest.mark.parametrize("length", [1, 128])
def test_docker_ids_up_to_128_characters_are_asked(loopback: LoopbackServer, length: int) -> None:
    """A Docker ID of 1 to 128 characters is asked on v2 by its own path."""
    docker_id = "a" * length
    loopback.route(
        f"/v2/metadata/{docker_id}", Reply(200, fixture_text("v3_container_awsdocs.json"))
    )
    assert MetadataClient("v2", loopback.url).container(docker_id).name == "nginx-curl"


@pytest.mark.parametrize("docker_id", ["a" * 129, "-abc", ".abc", "a b"])
def test_docker_ids_past_128_characters_or_not_starting_alphanumeric_are_refused(
    loopback: LoopbackServer, docker_id: str
) -> None:
    """The refusal says what a Docker ID is, and nothing is asked."""
    with pytest.raises(ConfigurationError) as caught:
        MetadataClient("v2", loopback.url).container(docker_id)
    assert str(caught.value).endswith(
        "cannot be used: expected a Docker container ID (letters, digits, _ . -)"
    )
    assert loopback.count() == 0


# -- the body: JSON, the cap ---------------------------------------------------------------------


def test_an_integer_too_long_to_convert_is_invalid_metadata(loopback: LoopbackServer) -> None:
    """An integer past Python's 4,300-digit conversion limit is not a crash: the body is not
    JSON this library can read, said as such."""
    body = TASK.replace('"Revision": "3"', '"Revision": ' + "9" * 5000)
    assert body != TASK
    error = task_error(loopback, Reply(200, body))
    assert isinstance(error, InvalidMetadataError)
    assert str(error).startswith(f"task metadata from {loopback.url}{V4_ID}/task: not JSON: ")


def test_a_body_nested_past_the_parsers_stack_is_invalid_metadata(
    loopback: LoopbackServer,
) -> None:
    """A body nested deeper than the JSON parser's stack is invalid metadata, not a crash."""
    error = task_error(loopback, Reply(200, "[" * 100_000 + "]" * 100_000))
    assert isinstance(error, InvalidMetadataError)
    assert "not JSON" in str(error)


def test_a_declared_length_at_the_cap_is_read(loopback: LoopbackServer) -> None:
    """A body whose Content-Length is exactly the cap is accepted."""
    loopback.route(V4_ID + "/task", Reply(200, TASK))
    assert client_of(loopback, max_bytes=len(TASK.encode())).task().family == TASK_FAMILY


def test_a_declared_length_over_the_cap_is_refused_before_reading(
    loopback: LoopbackServer,
) -> None:
    """One byte more, declared, is refused by its header, with both figures in the message."""
    size = len(TASK.encode())
    error = task_error(loopback, Reply(200, TASK), max_bytes=size - 1)
    assert isinstance(error, InvalidMetadataError)
    assert str(error) == (
        f"task metadata from {loopback.url}{V4_ID}/task: "
        f"body of {size} bytes is over the cap of {size - 1}"
    )


def test_an_undeclared_body_at_the_cap_is_read(loopback: LoopbackServer) -> None:
    """Without a Content-Length, a body of exactly the cap is accepted."""
    size = len(TASK.encode())
    loopback.route(V4_ID + "/task", Reply(200, TASK, fault="stream", size=size))
    assert client_of(loopback, max_bytes=size).task().family == TASK_FAMILY


def test_an_undeclared_body_over_the_cap_is_refused_while_reading(
    loopback: LoopbackServer,
) -> None:
    """Without a Content-Length, the byte past the cap ends the read, said as such."""
    size = len(TASK.encode())
    error = task_error(loopback, Reply(200, TASK, fault="stream", size=size), max_bytes=size - 1)
    assert isinstance(error, InvalidMetadataError)
    assert str(error) == (
        f"task metadata from {loopback.url}{V4_ID}/task: body is over the cap of {size - 1} bytes"
    )


# -- statuses ------------------------------------------------------------------------------------


def test_a_299_is_an_answer(loopback: LoopbackServer) -> None:
    """Every 2xx is an answer: 299 is the last."""
    loopback.route(V4_ID + "/task", Reply(299, TASK))
    assert client_of(loopback).task().family == TASK_FAMILY


@pytest.mark.parametrize("status", [300, 302, 307, 428, 430])
def test_other_statuses_are_http_errors_with_the_agents_message(
    loopback: LoopbackServer, status: int
) -> None:
    """From 300 on, a status other than 301/308/429 is an HTTP error carrying the body."""
    error = task_error(loopback, Reply(status, json.dumps("the agent says no.")))
    assert type(error) is MetadataHTTPError
    assert error.status == status
    assert str(error) == (
        f"task metadata from {loopback.url}{V4_ID}/task: HTTP {status}: the agent says no."
    )


def test_a_429_is_throttling_said_in_full(loopback: LoopbackServer) -> None:
    """A 429 says the agent's words without their final period, then what to do."""
    error = task_error(loopback, Reply(429, json.dumps("Too many requests...")))
    assert isinstance(error, MetadataThrottledError)
    assert str(error) == (
        f"task metadata from {loopback.url}{V4_ID}/task: HTTP 429: Too many requests; {THROTTLED}"
    )


def test_an_error_body_that_is_json_but_not_a_string_is_shown_as_text(
    loopback: LoopbackServer,
) -> None:
    """Only a JSON string is decoded; other JSON is shown as the text it is."""
    error = task_error(loopback, Reply(500, ' {"error": "boom"}\n'))
    assert isinstance(error, MetadataHTTPError)
    assert error.message == '{"error": "boom"}'


def test_an_error_body_that_is_not_utf8_is_shown_with_replacements(
    loopback: LoopbackServer,
) -> None:
    """Bytes that are not UTF-8 become U+FFFD, not a crash."""
    error = task_error(loopback, Reply(500, b"bad \xff byte", "text/plain"))
    assert isinstance(error, MetadataHTTPError)
    assert error.message == "bad \ufffd byte"


def test_an_error_body_is_read_up_to_4096_bytes(loopback: LoopbackServer) -> None:
    """A JSON string of exactly 4,096 bytes is decoded; of 4,097 it is cut, so shown as text
    (and both are shortened for the message)."""
    fits = json.dumps("x" * 4094)
    assert len(fits) == 4096
    error = task_error(loopback, Reply(500, fits))
    assert isinstance(error, MetadataHTTPError)
    assert error.message == "x" * 197 + "..."
    cut = json.dumps("x" * 4095)
    error = task_error(loopback, Reply(500, cut))
    assert isinstance(error, MetadataHTTPError)
    assert error.message == '"' + "x" * 196 + "..."


# -- redirects -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_to_a_clean_path_is_followed(
    loopback: LoopbackServer, status: int
) -> None:
    """301 and 308 (the agent's router cleaning a path) are followed on the same origin."""
    loopback.route("/v4/x/task/", Reply(status, "", headers={"Location": "/v4/x/task"}))
    loopback.route("/v4/x/task", Reply(200, TASK))
    assert MetadataClient("v4", loopback.url + "/v4/x/task/").url.endswith("/v4/x/task")
    client = MetadataClient("v4", loopback.url + "/v4/x")
    loopback.route("/v4/x/task", Reply(status, "", headers={"Location": "/v4/y/task/"}))
    loopback.route("/v4/y/task/", Reply(200, TASK))
    assert client.task().family == TASK_FAMILY
    assert loopback.paths() == ["/v4/x/task", "/v4/y/task/"]


@pytest.mark.parametrize(
    "location",
    [
        "/../v4/x/task",  # urljoin drops the dot segments: the Location itself is checked
        "/./v4/x/task",
        "/v4/./x/task",
        "/v4//x/task",
        "/v4/x//task",
        "v4/x/task",  # relative: not a path the agent's router gives
        "/v2/%43REDENTIALS/abc",
    ],
)
def test_a_same_origin_redirect_to_an_unclean_path_is_refused(
    loopback: LoopbackServer, location: str
) -> None:
    """Only a clean absolute path is followed; the refusal names the target and the 301."""
    error = task_error(loopback, Reply(301, "", headers={"Location": location}))
    assert isinstance(error, MetadataHTTPError)
    assert error.status == 301
    assert str(error).endswith(" not followed")
    assert f"HTTP 301: redirect to {loopback.url}/" in str(error)
    assert loopback.count() == 1


def test_a_redirect_elsewhere_is_refused_in_full(loopback: LoopbackServer) -> None:
    """Another origin is never asked; the message shows where the redirect pointed."""
    target = "http://127.0.0.2:9/v4/x/task"
    error = task_error(loopback, Reply(308, "", headers={"Location": target}))
    assert str(error) == (
        f"task metadata from {loopback.url}{V4_ID}/task: HTTP 308: redirect to {target}"
        " not followed"
    )


def test_a_second_redirect_is_not_followed(loopback: LoopbackServer) -> None:
    """One redirect is followed, not two: the error names the URL that answered the second
    and where it pointed, and the third URL is never asked."""
    loopback.route("/v4/a/task", Reply(301, "", headers={"Location": "/v4/b/task"}))
    loopback.route("/v4/b/task", Reply(301, "", headers={"Location": "/v4/c/task"}))
    with pytest.raises(MetadataHTTPError) as caught:
        MetadataClient("v4", loopback.url + "/v4/a").task()
    assert caught.value.status == 301
    assert str(caught.value) == (
        f"task metadata from {loopback.url}/v4/b/task: HTTP 301: more than one redirect"
        f" (then to {loopback.url}/v4/c/task)"
    )
    assert loopback.paths() == ["/v4/a/task", "/v4/b/task"]


def test_a_redirect_without_a_location_is_refused_at_once(loopback: LoopbackServer) -> None:
    """A 301 without a Location points nowhere: refused on its first answer, not asked again."""
    error = task_error(loopback, Reply(301, ""))
    assert isinstance(error, MetadataHTTPError)
    assert str(error).endswith(f"{V4_ID}/task: HTTP 301: redirect without a Location")
    assert loopback.paths() == [V4_ID + "/task"]


# -- connections -----------------------------------------------------------------------------------


def test_a_timeout_is_said_in_full(loopback: LoopbackServer) -> None:
    """The message names the exception, the setting and what to do."""
    error = task_error(loopback, Reply(fault="hang"), timeout=0.2)
    assert isinstance(error, MetadataUnavailableError)
    assert str(error) == (
        f"task metadata from {loopback.url}{V4_ID}/task: no answer within 0.2 s (ReadTimeout);"
        " the timeout is ECS_LOG_CONTEXT_TIMEOUT=0.2, a slow agent needs more"
    )


@pytest.mark.parametrize("fault", ["close", "reset"])
def test_a_broken_connection_names_the_exception(loopback: LoopbackServer, fault: str) -> None:
    """A connection cut mid-answer says so, with httpx's exception and its text."""
    error = task_error(loopback, Reply(200, TASK, fault=fault))  # type: ignore[arg-type]
    assert isinstance(error, MetadataUnavailableError)
    prefix = f"task metadata from {loopback.url}{V4_ID}/task: connection broken: "
    assert str(error).startswith(prefix)
    name, sep, _ = str(error).removeprefix(prefix).partition(": ")
    assert sep == ": "
    assert name.isidentifier()


def test_a_refused_connection_is_said_as_such() -> None:
    """Nothing listening: 'cannot connect: ' and httpx's text."""
    with LoopbackServer() as server:
        url = server.url
    with pytest.raises(MetadataUnavailableError) as caught:
        MetadataClient("v4", url + V4_ID).task()
    assert str(caught.value).startswith(f"task metadata from {url}{V4_ID}/task: cannot connect: ")


def test_an_answer_slower_than_twice_the_timeout_is_abandoned_at_twice_it(
    loopback: LoopbackServer,
) -> None:
    """Bytes trickling in under the read timeout (0.1 s apart, 1 s allowed) still end at twice
    the timeout: the 2.5 s answer is abandoned, not before 2 s, and said in full."""
    body = b"{}" + b" " * 23
    reply = Reply(200, body, fault="drip", drip_every=0.1)
    started = time.monotonic()
    error = task_error(loopback, reply, timeout=1.0)
    elapsed = time.monotonic() - started
    assert isinstance(error, MetadataUnavailableError)
    assert str(error) == (
        f"task metadata from {loopback.url}{V4_ID}/task: the answer took over 2 s"
        " (twice the timeout, ECS_LOG_CONTEXT_TIMEOUT=1)"
    )
    assert elapsed >= 2.0  # the deadline, not the timeout, ended it


def test_requests_ask_for_json(loopback: LoopbackServer) -> None:
    """Every request says it accepts JSON and who sends it."""
    loopback.route(V4_ID + "/task", Reply(200, TASK))
    client_of(loopback).task()
    headers = loopback.requests[0].headers
    assert headers["Accept"] == "application/json"
    assert headers["User-Agent"].startswith("ecs-log-context/")


def test_a_closed_client_asks_again(loopback: LoopbackServer) -> None:
    """`close` drops the connections; the next call opens new ones and answers."""
    loopback.route(V4_ID + "/task", Reply(200, TASK))
    client = client_of(loopback)
    assert client.task().family == TASK_FAMILY
    client.close()
    client.close()  # twice is harmless
    assert client.task().family == TASK_FAMILY
    assert loopback.count() == 2


# -- what show -v sees -----------------------------------------------------------------------------


def test_each_request_is_noted_with_its_outcome(loopback: LoopbackServer) -> None:
    """The hook sees every request, the redirect as one of its own, and a failure by name."""
    loopback.route("/v4/a/task", Reply(301, "", headers={"Location": "/v4/b/task"}))
    loopback.route("/v4/b/task", Reply(200, TASK))
    loopback.route("/v4/a/stats", Reply(200, "[" * 10 + "]" * 10, fault="close"))
    client = MetadataClient("v4", loopback.url + "/v4/a")
    noted: list[dict[str, Any]] = []
    client._transport.on_request = noted.append
    assert client.task().family == TASK_FAMILY
    with pytest.raises(MetadataUnavailableError):
        client.container_stats()
    times = [entry.pop("ms") for entry in noted]
    assert noted == [
        {"method": "GET", "url": loopback.url + "/v4/a/task", "status": 301, "bytes": 0},
        {
            "method": "GET",
            "url": loopback.url + "/v4/b/task",
            "status": 200,
            "bytes": len(TASK.encode()),
        },
        {
            "method": "GET",
            "url": loopback.url + "/v4/a/stats",
            "status": None,
            "bytes": None,
            "error": "RemoteProtocolError",
        },
    ]
    for ms in times:
        assert isinstance(ms, float)
        assert ms >= 0
        assert round(ms, 1) == ms


# -- defaults ------------------------------------------------------------------------------


def test_the_default_cap_is_4_mib(loopback: LoopbackServer) -> None:
    """By default a body of 4 MiB is read, and a declared one byte more is refused unread."""
    cap = 4 * 1024 * 1024
    padded = TASK.rstrip() + " " * (cap - len(TASK.rstrip().encode()))
    loopback.route(V4_ID + "/task", Reply(200, padded))
    assert client_of(loopback).task().family == TASK_FAMILY
    error = task_error(loopback, Reply(200, TASK, fault="declared", size=cap + 1))
    assert str(error).endswith(f": body of {cap + 1} bytes is over the cap of {cap}")


def test_the_default_timeout_is_one_second(loopback: LoopbackServer) -> None:
    """Without a timeout, an endpoint that never answers is given up after 1 s, said so."""
    error = task_error(loopback, Reply(fault="hang"))
    assert isinstance(error, MetadataUnavailableError)
    assert "no answer within 1 s" in str(error)
    assert "ECS_LOG_CONTEXT_TIMEOUT=1," in str(error)


def test_by_default_every_call_is_a_request(loopback: LoopbackServer) -> None:
    """Without cache_ttl nothing is kept: two calls, two requests, stats included."""
    loopback.route(V4_ID + "/task", Reply(200, TASK))
    loopback.route(
        V4_ID + "/stats", Reply(200, fixture_text("v4_stats_container_ec2_bridge_awsdocs.json"))
    )
    client = client_of(loopback)
    client.task()
    client.task()
    client.container_stats()
    client.container_stats()
    assert loopback.paths() == [V4_ID + "/task"] * 2 + [V4_ID + "/stats"] * 2


def test_the_files_task_with_tags_is_its_task(tmp_path: Path) -> None:
    """The metadata file has no tags: `task_with_tags` there is the task, without any."""
    path = tmp_path / "metadata.json"
    path.write_text(fixture_text("container_metadata_file_ready_awsdocs.json"))
    client = MetadataClient("file", str(path))
    tagged = client.task_with_tags()
    assert tagged == client.task()
    assert tagged.family == "console-sample-app-static"
    assert dict(tagged.task_tags) == {}


def test_by_default_v2_reads_this_processs_own_cgroup_and_mounts() -> None:
    """Without paths, the container is looked for in /proc/self/cgroup and
    /proc/self/mountinfo, and both are read: each gave an ID or was read and held none, never
    "not found" (nothing is asked of the endpoint for this)."""
    sources = MetadataClient("v2").own_container_ids().sources
    for path in ("/proc/self/cgroup", "/proc/self/mountinfo"):
        found = [note for note in sources if f" from {path} line " in note]
        assert found or f"{path}: no container id" in sources, sources


# -- messages of the routes --------------------------------------------------------------------


def test_v2_tags_that_are_not_a_task_name_the_path_that_answered(
    loopback: LoopbackServer,
) -> None:
    """An answer of the tags route that is JSON but not a task is invalid metadata from the
    path that gave it (the fallback one here), not from somewhere else."""
    loopback.route("/v2/metadata/taskWithTags", Reply(200, "[]"))
    with pytest.raises(InvalidMetadataError) as caught:
        MetadataClient("v2", loopback.url).task_with_tags()
    assert caught.value.url == loopback.url + "/v2/metadata/taskWithTags"
    assert str(caught.value).startswith(
        f"task metadata from {loopback.url}/v2/metadata/taskWithTags: "
    )


def test_a_docker_id_not_in_the_task_is_said_in_full(loopback: LoopbackServer) -> None:
    """On v4 a container by ID comes from the task: absent, it is unavailable, said so."""
    loopback.route(V4_ID + "/task", Reply(200, TASK))
    with pytest.raises(MetadataUnavailableError) as caught:
        client_of(loopback).container("abc")
    assert str(caught.value) == (
        f"container metadata from {loopback.url}{V4_ID}/task: no container 'abc'"
    )


def test_v2_cannot_tell_its_container_said_in_full(loopback: LoopbackServer) -> None:
    """Two NORMAL containers and no ID to go by: the sentence says why and the way out."""
    task = json.loads(fixture_text("v2_task_nginx_awsdocs.json"))
    task["Containers"][0]["Type"] = "NORMAL"
    loopback.route("/v2/metadata", Reply(200, task))
    client = MetadataClient(
        "v2", loopback.url, cgroup_path="/nonexistent", mountinfo_path="/nonexistent", hostname="x"
    )
    with pytest.raises(MetadataUnavailableError) as caught:
        client.container()
    why = client.explain_own_container(client.task())
    assert why
    assert str(caught.value) == (
        f"container metadata from {loopback.url}/v2/metadata: cannot tell which of the task's"
        f" containers this is: {why}; set ECS_LOG_CONTEXT_CONTAINER_NAME to its name"
    )


# -- what each call returns, and names in its errors -------------------------------------------


def test_v2_task_and_container_is_the_task_and_the_container_named(mock: MockEndpoint) -> None:
    """On v2 the container comes from the task's own list: the one named, or None when the
    name matches none of them (v2 has no route for the caller's container)."""
    task, container = MetadataClient(
        "v2", mock.v2_endpoint, container_name="checkout-api"
    ).task_and_container()
    assert task.cluster == mock.task["Cluster"]
    assert container is not None
    assert container.name == "checkout-api"
    assert container in task.containers
    unknown = MetadataClient("v2", mock.v2_endpoint, container_name="no-such-container")
    assert unknown.task_and_container() == (task, None)


def test_a_stats_error_names_the_container_stats(loopback: LoopbackServer) -> None:
    """A failed stats route is said as "container stats" (the container's) or "task stats"."""
    loopback.route(V4_ID + "/stats", Reply(500, "boom"))
    loopback.route(V4_ID + "/task/stats", Reply(500, "boom"))
    with pytest.raises(MetadataError) as caught:
        client_of(loopback).container_stats()
    assert str(caught.value) == f"container stats from {loopback.url}{V4_ID}/stats: HTTP 500: boom"
    with pytest.raises(MetadataError) as caught:
        client_of(loopback).task_stats()
    assert str(caught.value) == f"task stats from {loopback.url}{V4_ID}/task/stats: HTTP 500: boom"


def test_the_file_source_has_no_stats_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "metadata.json"
    path.write_text(fixture_text("container_metadata_file_ready_awsdocs.json"), encoding="utf-8")
    client = MetadataClient("file", str(path))
    for call in (client.container_stats, client.task_stats):
        with pytest.raises(MetadataError) as caught:
            call()
        assert str(caught.value) == f"stats from {path}: the metadata file has no stats"
