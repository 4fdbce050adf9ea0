"""What ``serve`` (and `MockEndpoint`) offer to demonstrate ``show``: the agent's tag errors
(``--tags-error``, or ``Errors`` in a task file), a slow tags route (``--tags-latency``) and the
container metadata file (``--metadata-file``), each against the real ``ecs-log-context serve``
process and the in-process mock, and read back by the library's own client."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ecs_log_context import MetadataClient
from ecs_log_context.errors import ConfigurationError
from ecs_log_context.mock import MockEndpoint
from ecs_log_context.mock._routes import Request, Served, answer
from ecs_log_context.mock._task import TaskState, load_sample

from .child_processes import base_environ
from .documents import FIXTURES, fixture_json

pytestmark = pytest.mark.timeout(90)

COMMAND = [sys.executable, "-m", "ecs_log_context"]
TIMEOUT = 30.0
ERRORS_FIXTURE = "v4_taskWithTags_errors_awsdocs.json"
AGENT_ERRORS: list[dict[str, Any]] = fixture_json(ERRORS_FIXTURE)["Errors"]
READY_FILE: dict[str, Any] = fixture_json("container_metadata_file_ready_awsdocs.json")
SAMPLE = load_sample("EC2")
TAG_MAPS = ("TaskTags", "ContainerInstanceTags")

# The AccessDenied message of the agent's errors (as in the AWS documentation's example).
DENIED = re.compile(
    r"User: arn:aws:sts::(?P<account>[0-9]{12}):assumed-role/(?P<role>[\w+=,.@-]+)/"
    r"(?P<instance>i-[0-9a-zA-Z]{8,}) is not authorized to perform: "
    r"ecs:ListTagsForResource on resource: (?P<resource>\S+)"
)
CONTAINER_INSTANCE_ARN = re.compile(
    r"arn:aws:ecs:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"container-instance/(?P<cluster>[\w-]+)/[0-9a-f]{32}"
)
# Paths below the v4/v3 URI and v2's base that do not ask ECS for tags.
V34_UNTAGGED = ("", "/task", "/stats", "/task/stats")
V2_UNTAGGED = ("/v2/metadata", "/v2/stats")

# A delay far above any answer of a local mock, and a client timeout far below it: a request
# that times out was delayed by the mock, one that answers was not (no speed is asserted).
SLOW = 20.0
SHORT_TIMEOUT = 1.5
LONG_TIMEOUT = 10.0


# -- helpers ----------------------------------------------------------------------------------


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command line run to completion, off ECS unless ``env`` says otherwise."""
    return subprocess.run(
        [*COMMAND, *args],
        env=base_environ() if env is None else env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def read_exports(process: subprocess.Popen[str], count: int) -> dict[str, str]:
    """The first ``count`` lines ``serve`` prints, each ``export NAME=value``, as a dict."""
    lines: list[str] = []

    def reader() -> None:
        assert process.stdout is not None
        while len(lines) < count:
            line = process.stdout.readline()
            if not line:
                return
            lines.append(line)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert count == len(lines), f"serve printed {lines!r}"
    exports = {}
    for line in lines:
        word, assignment = shlex.split(line)
        assert "export" == word
        name, _, value = assignment.partition("=")
        exports[name] = value
    return exports


@contextmanager
def serving(
    *options: str, count: int = 4, cwd: Path | None = None
) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """``ecs-log-context serve --port 0`` in its own process group, and what it exports."""
    process = subprocess.Popen(
        [*COMMAND, "serve", "--port", "0", *options],
        env=base_environ(),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield process, read_exports(process, count)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=TIMEOUT)


def terminate(process: subprocess.Popen[str]) -> tuple[int, str]:
    """SIGTERM, as a service manager stops ``serve``: its exit status and its stderr."""
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=TIMEOUT)
    return process.returncode, stderr


def get_json(url: str) -> Any:
    response = httpx.get(url, timeout=LONG_TIMEOUT)
    assert 200 == response.status_code, (url, response.text)
    return response.json()


def tag_paths(v4_uri: str, v3_uri: str, v2_base: str, *, v2_documented: bool) -> list[str]:
    """The URLs of the task with tags: v4, v3, v2's agent path (and its documented one)."""
    urls = [f"{v4_uri}/taskWithTags", f"{v3_uri}/taskWithTags", f"{v2_base}/v2/metadataWithTags"]
    if v2_documented:
        urls.append(f"{v2_base}/v2/metadata/taskWithTags")
    return urls


def untagged_paths(v4_uri: str, v3_uri: str, v2_base: str) -> list[str]:
    return [
        *(v4_uri + path for path in V34_UNTAGGED),
        *(v3_uri + path for path in V34_UNTAGGED),
        *(v2_base + path for path in V2_UNTAGGED),
    ]


def times_out(url: str) -> bool:
    """No answer within SHORT_TIMEOUT (the mock delays it), rather than a quick answer."""
    try:
        httpx.get(url, timeout=SHORT_TIMEOUT)
    except httpx.ReadTimeout:
        return True
    return False


def answers_in_time(url: str) -> int:
    """The status of an answer that came within LONG_TIMEOUT (it was not delayed)."""
    return httpx.get(url, timeout=LONG_TIMEOUT).status_code


def check_agent_errors(errors: list[dict[str, Any]], task: dict[str, Any]) -> None:
    """``errors`` are the agent's AccessDenied for the task's tags and its instance's, shaped
    as the AWS documentation's example (keys, their order, codes, the message's wording)."""
    assert [e["ErrorField"] for e in AGENT_ERRORS] == [e["ErrorField"] for e in errors]
    for ours, theirs in zip(errors, AGENT_ERRORS, strict=True):
        assert list(theirs) == list(ours)
        assert (theirs["ErrorCode"], theirs["StatusCode"]) == (
            ours["ErrorCode"],
            ours["StatusCode"],
        )
        assert DENIED.fullmatch(theirs["ErrorMessage"]), "the pattern is the documented one"
        message = DENIED.fullmatch(ours["ErrorMessage"])
        assert message, ours["ErrorMessage"]
        assert ours["ResourceARN"] == message["resource"]
        assert "ecsInstanceRole" == message["role"]
        assert task["TaskARN"].split(":")[4] == message["account"]
        assert str(uuid.UUID(ours["RequestId"])) == ours["RequestId"]
    instance, task_error = errors
    assert task["TaskARN"] == task_error["ResourceARN"]
    arn = CONTAINER_INSTANCE_ARN.fullmatch(instance["ResourceARN"])
    assert arn, instance["ResourceARN"]
    region, account = task["TaskARN"].split(":")[3:5]
    assert (region, account, task["Cluster"]) == (arn["region"], arn["account"], arn["cluster"])


# -- Errors on taskWithTags ---------------------------------------------------------------------


def test_task_file_errors_are_served_on_v4_task_with_tags_only(tmp_path: Path) -> None:
    """A task file's ``Errors`` come back unchanged on v4 ``taskWithTags``, nowhere else, and
    the library's client reads them as the agent's errors."""
    with MockEndpoint(task_file=str(FIXTURES / ERRORS_FIXTURE), container_name="curl") as mock:
        v4_tags = get_json(f"{mock.v4_uri}/taskWithTags")
        v4_task = get_json(f"{mock.v4_uri}/task")
        v3_tags = get_json(f"{mock.v3_uri}/taskWithTags")
        v2_tags = get_json(f"{mock.v2_endpoint}/v2/metadataWithTags")
        with MetadataClient("v4", mock.v4_uri) as client:
            read = client.task_with_tags()

    assert AGENT_ERRORS == v4_tags["Errors"]
    assert not set(TAG_MAPS) & set(v4_tags)
    for body in (v4_task, v3_tags, v2_tags):
        assert "Errors" not in body
    assert [e["ErrorField"] for e in AGENT_ERRORS] == [e.error_field for e in read.errors]
    assert [e["ErrorMessage"] for e in AGENT_ERRORS] == [e.error_message for e in read.errors]
    assert {} == dict(read.task_tags)


@pytest.mark.parametrize("task_file", [None, "v4_taskWithTags_awsdocs.json"])
def test_tags_error_access_denied_answers_as_the_agent(task_file: str | None) -> None:
    """``tags_error="access-denied"``: every taskWithTags answer loses the tag maps, and v4's
    gains the agent's two AccessDenied errors; the task routes are as without it."""
    path = None if task_file is None else str(FIXTURES / task_file)
    with MockEndpoint(task_file=path) as plain:
        plain_task = get_json(f"{plain.v4_uri}/task")
        plain_tags = get_json(f"{plain.v4_uri}/taskWithTags")
    with MockEndpoint(task_file=path, tags_error="access-denied", v2_tags_path="both") as mock:
        v4_tags = get_json(f"{mock.v4_uri}/taskWithTags")
        v4_task = get_json(f"{mock.v4_uri}/task")
        others = [
            get_json(url)
            for url in tag_paths(mock.v4_uri, mock.v3_uri, mock.v2_endpoint, v2_documented=True)
        ][1:]
        with MetadataClient("v4", mock.v4_uri) as client:
            read = client.task_with_tags()

    assert set(TAG_MAPS) & set(plain_tags), "the task has tags to lose"
    check_agent_errors(v4_tags["Errors"], plain_task)
    assert not set(TAG_MAPS) & set(v4_tags)
    assert {k: v for k, v in v4_tags.items() if k != "Errors"} == plain_task
    assert plain_task == v4_task
    for body in others:
        assert not {"Errors", *TAG_MAPS} & set(body)
    assert ["ContainerInstanceTags", "TaskTags"] == [e.error_field for e in read.errors]
    assert {} == dict(read.task_tags) == dict(read.container_instance_tags)
    assert "Errors" in mock.task
    assert not set(TAG_MAPS) & set(mock.task)


def test_tags_errors_stay_the_same_from_run_to_run() -> None:
    """Derived from the task, not drawn: a restarted ``serve`` answers the same errors."""
    first = MockEndpoint(tags_error="access-denied").task["Errors"]
    second = MockEndpoint(tags_error="access-denied").task["Errors"]

    assert first == second


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"launch_type": "FARGATE", "tags_error": "access-denied"}, "tags_error"),
        (
            {
                "task_file": str(FIXTURES / "v4_task_fargate_awsdocs.json"),
                "tags_error": "access-denied",
            },
            "tags_error",
        ),
        ({"launch_type": "FARGATE", "metadata_file": "metadata.json"}, "metadata_file"),
        ({"tags_error": "throttled"}, "tags_error"),
        ({"tags_latency": -1}, "tags_latency"),
        ({"tags_latency": True}, "tags_latency"),
        ({"metadata_file": 3}, "metadata_file"),
    ],
)
def test_options_that_cannot_be_used_raise_naming_them(options: dict[str, Any], name: str) -> None:
    """A tag error or a metadata file on Fargate (the EC2 agent's), or a bad value: the error
    names the option."""
    with pytest.raises(ConfigurationError) as raised:
        MockEndpoint(**options)

    assert name == raised.value.name
    if "launch_type" in options or "task_file" in options:
        assert "this task is FARGATE" in str(raised.value)


def test_task_file_with_errors_that_are_not_a_list_of_objects_is_refused(tmp_path: Path) -> None:
    """``Errors`` must be what the agent sends, a list of objects: the message says so."""
    task_file = tmp_path / "task.json"
    task_file.write_text(json.dumps({**SAMPLE, "Errors": "AccessDenied"}), encoding="utf-8")

    with pytest.raises(ValueError, match="'Errors' must be a list of objects"):
        MockEndpoint(task_file=str(task_file))


# -- tags latency -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("v2_tags_path", "path", "reads_tags"),
    [
        ("agent", "/v4/{own}/taskWithTags", True),
        ("agent", "/v3/{own}/taskWithTags", True),
        ("agent", "/v2/metadataWithTags", True),
        ("both", "/v2/metadataWithTags", True),
        ("both", "/v2/metadata/taskWithTags", True),
        ("documented", "/v2/metadata/taskWithTags", True),
        # Read as a container ID by the agent: a 400, no tags asked.
        ("agent", "/v2/metadata/taskWithTags", False),
        ("documented", "/v2/metadataWithTags", False),
        ("agent", "/v4/{own}/task", False),
        ("agent", "/v4/{own}", False),
        ("agent", "/v4/{own}/stats", False),
        ("agent", "/v4/{own}/task/stats", False),
        ("agent", "/v3/{own}/task", False),
        ("agent", "/v2/metadata", False),
        ("agent", "/v2/stats", False),
        # An unknown endpoint ID: the agent fails before asking ECS.
        ("agent", "/v4/no-such-id/taskWithTags", False),
    ],
)
def test_only_the_task_with_tags_answers_read_tags(
    v2_tags_path: str, path: str, reads_tags: bool
) -> None:
    """The answers `tags_latency` delays: those for which the agent asks ECS for the tags."""
    state = TaskState(load_sample("EC2"), None)
    served = Served(state, v2_tags_path=v2_tags_path, limiting=False)
    request = Request("GET", path.format(own=state.own_endpoint_id))

    result = answer(request, served)
    failed = answer(request, served, fail=True)

    assert reads_tags == result.reads_tags, result
    assert not failed.reads_tags, "a 500 is answered before the tags are asked"


def test_mock_tags_latency_slows_only_the_tags_routes() -> None:
    """``tags_latency``: every tags path (v2's two, v3, v4) waits, no other route does; set to
    0 while serving, the tags answer again at once."""
    with MockEndpoint(tags_latency=SLOW, v2_tags_path="both", throttle=False) as mock:
        tags = tag_paths(mock.v4_uri, mock.v3_uri, mock.v2_endpoint, v2_documented=True)
        untagged = untagged_paths(mock.v4_uri, mock.v3_uri, mock.v2_endpoint)

        slow = [times_out(url) for url in tags]
        others = [answers_in_time(url) for url in untagged]
        mock.tags_latency = 0
        after = [answers_in_time(url) for url in tags]

    assert [True] * len(tags) == slow
    assert [200] * len(untagged) == others
    assert [200] * len(tags) == after


def test_serve_tags_latency_leaves_show_without_tags_unaffected() -> None:
    """``serve --tags-latency``: the tags routes wait, the others answer, and ``show``
    (no tags asked) gets its fields within a short ECS_LOG_CONTEXT_TIMEOUT."""
    with serving("--tags-latency", str(SLOW), "--no-throttle") as (process, exports):
        v4, v3 = exports["ECS_CONTAINER_METADATA_URI_V4"], exports["ECS_CONTAINER_METADATA_URI"]
        v2 = exports["ECS_LOG_CONTEXT_V2_ENDPOINT"]
        tags = tag_paths(v4, v3, v2, v2_documented=False)
        untagged = untagged_paths(v4, v3, v2)

        slow = [times_out(url) for url in tags]
        others = [answers_in_time(url) for url in untagged]
        shown = run("show", env=base_environ(ECS_LOG_CONTEXT_TIMEOUT="5", **exports))
        status, stderr = terminate(process)

    assert [True] * len(tags) == slow
    assert [200] * len(untagged) == others
    assert 0 == shown.returncode, shown.stderr
    assert SAMPLE["TaskARN"] == json.loads(shown.stdout)["fields"]["ecs_task_arn"]
    assert 0 == status
    assert f"# taskWithTags answers {SLOW:g} s slower" in stderr.splitlines()


# -- serve: the tag errors ----------------------------------------------------------------------


def test_serve_tags_error_answers_the_agents_errors() -> None:
    """``serve --tags-error access-denied``: v4 taskWithTags has the agent's two errors, the
    v3 and v2 ones merely lack the tags, and the banner says so."""
    with serving("--tags-error", "access-denied") as (process, exports):
        v4 = get_json(exports["ECS_CONTAINER_METADATA_URI_V4"] + "/taskWithTags")
        v3 = get_json(exports["ECS_CONTAINER_METADATA_URI"] + "/taskWithTags")
        v2 = get_json(exports["ECS_LOG_CONTEXT_V2_ENDPOINT"] + "/v2/metadataWithTags")
        status, stderr = terminate(process)

    check_agent_errors(v4["Errors"], SAMPLE)
    for body in (v4, v3, v2):
        assert not set(TAG_MAPS) & set(body)
    assert "Errors" not in v3
    assert "Errors" not in v2
    assert 0 == status
    assert "# taskWithTags: no tags, and on v4 the agent's Errors" in stderr


def test_serve_task_file_with_errors() -> None:
    """``serve --task-file`` with the documented Errors answer serves its Errors as they are."""
    task_file = str(FIXTURES / ERRORS_FIXTURE)
    with serving("--task-file", task_file, "--container", "curl") as (process, exports):
        v4 = get_json(exports["ECS_CONTAINER_METADATA_URI_V4"] + "/taskWithTags")
        v4_task = get_json(exports["ECS_CONTAINER_METADATA_URI_V4"] + "/task")
        status, stderr = terminate(process)

    assert AGENT_ERRORS == v4["Errors"]
    assert "Errors" not in v4_task
    assert 0 == status
    assert "# taskWithTags: the task file's Errors, on v4" in stderr


# -- the container metadata file ----------------------------------------------------------------


def in_agents_order(document: dict[str, Any]) -> bool:
    """The document's keys are keys of the agent's file, in the order the agent writes them."""
    order = [*READY_FILE, "HostPublicIPv4Address"]
    keys = list(document)
    return set(keys) <= set(order) and sorted(keys, key=order.index) == keys


@pytest.mark.parametrize("container", ["checkout-api", "log-router"])
def test_serve_metadata_file_is_the_file_source(tmp_path: Path, container: str) -> None:
    """``serve --metadata-file``: the file is the exported container's, in the agent's format;
    with the exported variables ``show`` reads it (without ECS_LOG_CONTEXT_SOURCE=file it
    would read v4); SIGTERM removes it."""
    options = ("--metadata-file", "metadata.json", "--container", container)
    with serving(*options, count=6, cwd=tmp_path) as (process, exports):
        path = Path(exports["ECS_CONTAINER_METADATA_FILE"])
        document = json.loads(path.read_text(encoding="utf-8"))
        shown = run("show", env=base_environ(**exports))
        auto = {k: v for k, v in exports.items() if k != "ECS_LOG_CONTEXT_SOURCE"}
        shown_auto = run("show", env=base_environ(**auto))
        with MetadataClient("file", str(path)) as client:
            task, read_container = client.task_and_container()
        status, stderr = terminate(process)

    own = next(c for c in SAMPLE["Containers"] if c["Name"] == container)
    assert tmp_path / "metadata.json" == path
    assert "file" == exports["ECS_LOG_CONTEXT_SOURCE"]
    assert "READY" == document["MetadataFileStatus"]
    assert in_agents_order(document), list(document)
    assert CONTAINER_INSTANCE_ARN.fullmatch(document["ContainerInstanceARN"])
    assert (own["DockerId"], "/" + own["DockerName"]) == (
        document["ContainerID"],
        document["DockerContainerName"],
    )

    assert 0 == shown.returncode, shown.stderr
    report = json.loads(shown.stdout)
    assert {"kind": "file", "location": str(path), "variable": "ECS_CONTAINER_METADATA_FILE"} == (
        report["source"]
    )
    assert {
        "ecs_cluster": SAMPLE["Cluster"],
        "ecs_task_arn": SAMPLE["TaskARN"],
        "ecs_task_family": SAMPLE["Family"],
        "ecs_task_revision": SAMPLE["Revision"],
        "ecs_availability_zone": SAMPLE["AvailabilityZone"],
        "ecs_container_name": container,
    } == report["fields"]
    assert 0 == shown_auto.returncode, shown_auto.stderr
    assert "v4" == json.loads(shown_auto.stdout)["source"]["kind"]

    assert read_container is not None
    assert (SAMPLE["TaskARN"], SAMPLE["Family"], SAMPLE["Revision"]) == (
        task.task_arn,
        task.family,
        task.revision,
    )
    assert (container, own["DockerId"], own["Image"], own["ImageID"]) == (
        read_container.name,
        read_container.docker_id,
        read_container.image,
        read_container.image_id,
    )
    assert [p["ContainerPort"] for p in own.get("Ports", ())] == [
        p.container_port for p in read_container.ports
    ]
    assert [n["IPv4Addresses"] for n in own["Networks"]] == [
        list(n.ipv4_addresses) for n in read_container.networks
    ]

    assert 0 == status
    assert not path.exists()
    assert "# container metadata file: " in stderr


def test_mock_metadata_file_lifecycle(tmp_path: Path) -> None:
    """`MockEndpoint(metadata_file=...)`: written at start, named by `environ()` (which the
    library resolves to the file), rewritten on demand, removed at stop, written again on a
    restart."""
    path = tmp_path / "metadata.json"
    mock = MockEndpoint(metadata_file=path)
    written_early = path.exists()
    mock.start()
    try:
        environ = mock.environ()
        with MetadataClient.from_env(environ) as client:
            task, _ = client.task_and_container()
            source = client.source
        mock.task["Family"] = "renamed"
        mock.write_metadata_file()
        renamed = json.loads(path.read_text(encoding="utf-8"))["TaskDefinitionFamily"]
    finally:
        mock.stop()
    removed = not path.exists()
    with mock:
        rewritten = path.exists()

    assert not written_early
    assert str(path) == environ["ECS_CONTAINER_METADATA_FILE"] == mock.metadata_file
    assert ("file", "file") == (environ["ECS_LOG_CONTEXT_SOURCE"], source)
    assert SAMPLE["TaskARN"] == task.task_arn
    assert "renamed" == renamed
    assert removed
    assert rewritten
    assert not path.exists()


def test_mock_without_metadata_file_exports_as_before() -> None:
    """No `metadata_file`: the same four variables as ever, and no file to rewrite."""
    mock = MockEndpoint()

    with mock:
        names = set(mock.environ())

    assert {
        "ECS_CONTAINER_METADATA_URI_V4",
        "ECS_CONTAINER_METADATA_URI",
        "ECS_LOG_CONTEXT_V2_ENDPOINT",
        "AWS_EXECUTION_ENV",
    } == names
    assert mock.metadata_file is None
    with pytest.raises(RuntimeError, match="no metadata_file"):
        mock.write_metadata_file()


def test_mock_metadata_file_that_cannot_be_written(tmp_path: Path) -> None:
    """A file that cannot be written: start raises it (with the file's name) and serves
    nothing; once the directory exists, it starts."""
    path = tmp_path / "missing" / "metadata.json"
    mock = MockEndpoint(metadata_file=path)

    with pytest.raises(FileNotFoundError) as raised:
        mock.start()
    (tmp_path / "missing").mkdir()
    with mock:
        started = path.exists()

    assert raised.value.filename is not None
    assert str(path.parent) in str(raised.value.filename)
    assert started


# -- serve: options that cannot be used ----------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            ["--launch-type", "FARGATE", "--tags-error", "access-denied"],
            "--tags-error 'access-denied' cannot be used: expected an EC2 task",
        ),
        (
            ["--launch-type", "FARGATE", "--metadata-file", "metadata.json"],
            "--metadata-file 'metadata.json' cannot be used: expected an EC2 task",
        ),
        (
            ["--tags-error", "denied"],
            "argument --tags-error: 'denied' cannot be used: expected access-denied",
        ),
        (
            ["--tags-latency", "-1"],
            "argument --tags-latency: '-1' cannot be used: expected a number of seconds",
        ),
        (
            ["--metadata-file", "no-such-directory/metadata.json"],
            "argument --metadata-file: 'no-such-directory/metadata.json' cannot be used: "
            "expected the path of a file to write, in a directory that exists",
        ),
    ],
)
def test_serve_bad_new_options_exit_2(options: list[str], expected: str) -> None:
    """Status 2, nothing exported, one line naming the option, the value and what is accepted."""
    result = run("serve", "--port", "0", *options)

    assert 2 == result.returncode
    assert "" == result.stdout
    assert 1 == len(result.stderr.splitlines()), result.stderr
    assert expected in result.stderr


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc, where no file is made")
def test_serve_metadata_file_that_cannot_be_written_exits_2() -> None:
    """A directory where files cannot be made: status 2, nothing exported, the OS's reason."""
    result = run("serve", "--port", "0", "--metadata-file", "/proc/metadata.json")

    assert 2 == result.returncode
    assert "" == result.stdout
    assert [
        "ecs-log-context serve: --metadata-file '/proc/metadata.json' cannot be used: "
        "it cannot be written: No such file or directory"
    ] == result.stderr.splitlines()


@pytest.mark.parametrize(
    ("source", "command"),
    [
        ("file", "ecs-log-context serve --metadata-file ./metadata.json"),
        ("v4", "ecs-log-context serve"),
    ],
)
def test_show_off_ecs_points_at_the_serve_command_for_that_source(
    source: str, command: str
) -> None:
    """The hint of a forced source without its variable leads to a mock that provides it."""
    from .child_processes import base_environ

    done = subprocess.run(
        [sys.executable, "-m", "ecs_log_context", "show"],
        env=base_environ(ECS_LOG_CONTEXT_SOURCE=source),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 1 == done.returncode
    assert f"run '{command}' and export the lines it prints" in done.stderr
