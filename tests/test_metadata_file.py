"""The container metadata file: mapping onto the models, readiness, reading, fuzzing."""

# The project writes `assert expected == actual`, which SIM300 takes for a Yoda condition.

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecs_log_context import MetadataClient
from ecs_log_context._metadata_file import parse_metadata_file, read_metadata_file
from ecs_log_context.errors import InvalidMetadataError, MetadataError, MetadataUnavailableError
from ecs_log_context.models import ContainerMetadata, Network, Port, TaskMetadata

from .documents import FIXTURES, fixture_json
from .test_models import json_values, mutated

READY = FIXTURES / "container_metadata_file_ready_awsdocs.json"
INITIAL = FIXTURES / "container_metadata_file_initial_awsdocs.json"
PATH = "/var/lib/ecs/data/metadata/task/container/ecs-container-metadata.json"


def invalid_detail(document: Any) -> str:
    """The detail of the InvalidMetadataError that parsing ``document`` raises."""
    with pytest.raises(InvalidMetadataError) as caught:
        parse_metadata_file(document, path=PATH)
    assert ("container metadata file", PATH) == (caught.value.what, caught.value.url)
    return caught.value.detail


def test_ready_file_container() -> None:
    """The container: ContainerID, names, image, port mappings and networks mapped."""
    _, container = parse_metadata_file(fixture_json(READY.name), path=PATH)
    expected = ContainerMetadata(
        docker_id="aec2557997f4eed9b280c2efd7afccdcedfda4ac399f7480cae870cfc7e163fd",
        name="simple-app",
        docker_name="ecs-console-sample-app-static-1-simple-app-e4e8e495e8baa5de1a00",
        image="httpd:2.4",
        image_id="sha256:2ae34abc2ed0a22e280d17e13f9c01aaf725688b09b7a1525d1a2750e2c0d1de",
        ports=(Port(container_port=80, protocol="tcp", host_port=80, host_ip="0.0.0.0"),),
        networks=(Network(network_mode="bridge", ipv4_addresses=("192.0.2.0",)),),
    )
    assert expected == container
    assert {} == dict(container.raw)


def test_ready_file_task() -> None:
    """The task: cluster, ARN, family, revision, zone; the one container; the rest in raw."""
    task, container = parse_metadata_file(fixture_json(READY.name), path=PATH)
    assert "default" == task.cluster
    assert (
        "arn:aws:ecs:us-west-2:012345678910:task/default/2b88376d-aba3-4950-9ddf-bcb0f388a40c"
        == task.task_arn
    )
    assert ("console-sample-app-static", "1") == (task.family, task.revision)
    assert "us-east-1b" == task.availability_zone
    assert (container,) == task.containers
    assert container is task.container_by_docker_id(container.docker_id or "")
    assert {
        "ContainerInstanceARN": "arn:aws:ecs:us-west-2:012345678910:container-instance/default/"
        "1f73d099-b914-411c-a9ff-81633b7741dd",
        "HostPrivateIPv4Address": "192.0.2.0",
        "HostPublicIPv4Address": "203.0.113.0",
    } == dict(task.raw)
    assert (None, None, None) == (task.launch_type, task.known_status, task.pull_started_at)


def test_ready_file_to_dict() -> None:
    """to_dict writes the endpoints' key names, and the file's other keys as they were."""
    task, _ = parse_metadata_file(fixture_json(READY.name), path=PATH)
    data = task.to_dict()
    expected_keys = ["Cluster", "TaskARN", "Family", "Revision", "AvailabilityZone", "Containers"]
    assert expected_keys == list(data)[:6]
    assert "203.0.113.0" == data["HostPublicIPv4Address"]
    assert {
        "ContainerPort": 80,
        "Protocol": "tcp",
        "HostPort": 80,
        "HostIp": "0.0.0.0",
    } == data["Containers"][0]["Ports"][0]
    assert TaskMetadata.from_json(data) == task


def test_initial_file_is_not_ready() -> None:
    """Before the container runs the file has no MetadataFileStatus: not ready yet."""
    with pytest.raises(MetadataUnavailableError) as caught:
        parse_metadata_file(fixture_json(INITIAL.name), path=PATH)
    assert ("container metadata file", PATH) == (caught.value.what, caught.value.url)
    assert caught.value.detail.startswith("not ready yet: MetadataFileStatus is missing")


@pytest.mark.parametrize("status", [None, "NOT_READY", "ready", ""])
def test_status_other_than_ready(status: str | None) -> None:
    """Only ``READY`` is ready; ``null`` counts as missing."""
    with pytest.raises(MetadataUnavailableError) as caught:
        parse_metadata_file(fixture_json(READY.name) | {"MetadataFileStatus": status}, path=PATH)
    assert caught.value.detail.startswith("not ready yet: MetadataFileStatus is ")


def test_revision_as_number() -> None:
    """A numeric TaskDefinitionRevision is turned into a string."""
    task, _ = parse_metadata_file(
        fixture_json(READY.name) | {"TaskDefinitionRevision": 12}, path=PATH
    )
    assert "12" == task.revision


def test_only_what_a_task_needs() -> None:
    """A ready file with only TaskARN: an otherwise empty task and container."""
    task, container = parse_metadata_file(
        {"MetadataFileStatus": "READY", "TaskARN": "arn:t"}, path=PATH
    )
    assert TaskMetadata(task_arn="arn:t", containers=(ContainerMetadata(),)) == task
    assert ContainerMetadata() == container


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (None, "expected a JSON object, got null"),
        ([], "expected a JSON object, got [] (list)"),
        ("READY", "expected a JSON object, got 'READY' (str)"),
        ({"MetadataFileStatus": 1}, "MetadataFileStatus: expected a string, got 1 (int)"),
        ({"MetadataFileStatus": "READY"}, "TaskARN: missing"),
        ({"TaskARN": 5}, "TaskARN: expected a string, got 5 (int)"),
        ({"ContainerID": ["a"]}, "ContainerID: expected a string, got ['a'] (list)"),
        (
            {"TaskDefinitionRevision": False},
            "TaskDefinitionRevision: expected a string or an integer, got False (bool)",
        ),
        ({"PortMappings": {}}, "PortMappings: expected a JSON array, got {} (dict)"),
        (
            {"PortMappings": [{"ContainerPort": "80"}]},
            "PortMappings[0].ContainerPort: expected an integer, got '80' (str)",
        ),
        ({"PortMappings": [{"BindIp": 0}]}, "PortMappings[0].BindIp: expected a string, got 0"),
        (
            {"Networks": [{"IPv4Addresses": "192.0.2.0"}]},
            "Networks[0].IPv4Addresses: expected a JSON array, got '192.0.2.0' (str)",
        ),
    ],
)
def test_wrong_types(document: Any, expected: str) -> None:
    """Wrong types are InvalidMetadataError naming the file's own key."""
    if isinstance(document, dict) and "MetadataFileStatus" not in document:
        document = fixture_json(READY.name) | document
    detail = invalid_detail(document)
    assert expected == detail[: len(expected)]


# -- reading the file ---------------------------------------------------------------------


def test_read_ready_file(tmp_path: Path) -> None:
    """read_metadata_file gives what parse_metadata_file gives."""
    path = tmp_path / "ecs-container-metadata.json"
    path.write_bytes(READY.read_bytes())
    assert parse_metadata_file(fixture_json(READY.name), path=str(path)) == read_metadata_file(
        str(path)
    )


def test_read_initial_file(tmp_path: Path) -> None:
    """A file not ready yet is MetadataUnavailableError."""
    path = tmp_path / "ecs-container-metadata.json"
    path.write_bytes(INITIAL.read_bytes())
    with pytest.raises(MetadataUnavailableError) as caught:
        read_metadata_file(str(path))
    assert str(path) == caught.value.url


@pytest.mark.parametrize("name", ["missing.json", "."])
def test_unreadable_file(tmp_path: Path, name: str) -> None:
    """A missing file, or a directory, is MetadataUnavailableError."""
    path = str(tmp_path / name)
    with pytest.raises(MetadataUnavailableError) as caught:
        read_metadata_file(path)
    assert ("container metadata file", path) == (caught.value.what, caught.value.url)
    assert caught.value.detail.startswith("cannot be read: ")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not valid JSON: "),
        (b"{", "not valid JSON: "),
        (b'{"TaskARN": "\xff"}', "not UTF-8: "),
        (b"[1, 2]", "expected a JSON object, got [1, 2] (list)"),
        (b"[" * 100_000, "not valid JSON: "),
    ],
)
def test_bad_content(tmp_path: Path, content: bytes, expected: str) -> None:
    """Empty, truncated, non-UTF-8 or non-object content is InvalidMetadataError."""
    path = tmp_path / "ecs-container-metadata.json"
    path.write_bytes(content)
    with pytest.raises(InvalidMetadataError) as caught:
        read_metadata_file(str(path))
    assert expected == caught.value.detail[: len(expected)]


def test_size_cap(tmp_path: Path) -> None:
    """A file of exactly max_bytes is read; one byte more is refused."""
    content = READY.read_bytes()
    path = tmp_path / "ecs-container-metadata.json"
    path.write_bytes(content)
    assert "simple-app" == read_metadata_file(str(path), max_bytes=len(content))[1].name
    with pytest.raises(InvalidMetadataError) as caught:
        read_metadata_file(str(path), max_bytes=len(content) - 1)
    assert f"larger than {len(content) - 1} bytes" == caught.value.detail


# -- the file's own rules: its size, its kind, the messages ----------------------------------

DEFAULT_CAP = 4 * 1024 * 1024


def padded_ready_file(tmp_path: Path, size: int) -> str:
    """The ready file, padded with trailing spaces (still the same JSON) to ``size`` bytes."""
    content = READY.read_bytes()
    path = tmp_path / "ecs-container-metadata.json"
    path.write_bytes(content + b" " * (size - len(content)))
    return str(path)


def test_the_default_cap_is_4_mib(tmp_path: Path) -> None:
    """Without ``max_bytes``, a file of exactly 4 MiB is read and one byte more is refused."""
    at_cap = padded_ready_file(tmp_path, DEFAULT_CAP)
    assert "simple-app" == read_metadata_file(at_cap)[1].name

    over = padded_ready_file(tmp_path, DEFAULT_CAP + 1)
    with pytest.raises(InvalidMetadataError) as caught:
        read_metadata_file(over)
    assert (over, "larger than 4194304 bytes") == (caught.value.url, caught.value.detail)


def open_in_a_thread(path: str) -> list[BaseException | None]:
    """``read_metadata_file(path)`` in a thread; what it raised, or ``[]`` if it blocked.

    A blocking ``open`` (a FIFO opened without ``O_NONBLOCK``) is released by opening the
    FIFO's other end, so that a wrong library fails this test instead of hanging it.
    """
    outcome: list[BaseException | None] = []

    def read() -> None:
        try:
            read_metadata_file(path)
        except BaseException as exc:  # handed back to the test, whatever it is
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    thread.join(timeout=30.0)  # a hang detector: it returns at once unless open() blocks
    if thread.is_alive():
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=30.0)
        return []
    return outcome


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs mkfifo")
def test_a_fifo_is_not_a_regular_file(tmp_path: Path) -> None:
    """A FIFO with no writer neither blocks the read nor is read: it is not a regular file."""
    fifo = tmp_path / "ecs-container-metadata.json"
    os.mkfifo(fifo)
    outcome = open_in_a_thread(str(fifo))
    assert outcome, "read_metadata_file blocked opening a FIFO"
    error = outcome[0]
    assert isinstance(error, MetadataUnavailableError), error
    assert ("container metadata file", str(fifo), "is not a regular file") == (
        error.what,
        error.url,
        error.detail,
    )


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_is_not_a_regular_file() -> None:
    """A character device (which reads as empty) is refused before it is read."""
    with pytest.raises(MetadataUnavailableError) as caught:
        read_metadata_file("/dev/null")
    assert "is not a regular file" == caught.value.detail


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing.json", "cannot be read: No such file or directory"),
        (".", "cannot be read: Is a directory"),
    ],
)
def test_why_a_file_cannot_be_read(tmp_path: Path, name: str, expected: str) -> None:
    """The reason is the system's own words, without the errno and the path around them."""
    with pytest.raises(MetadataUnavailableError) as caught:
        read_metadata_file(str(tmp_path / name))
    assert expected == caught.value.detail


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("NOT_READY", "not ready yet: MetadataFileStatus is 'NOT_READY', not 'READY'"),
        ("", "not ready yet: MetadataFileStatus is '', not 'READY'"),
        ("R" * 100, f"not ready yet: MetadataFileStatus is '{'R' * 59}, not 'READY'"),
    ],
    ids=["other", "empty", "long"],
)
def test_the_status_other_than_ready_in_the_message(status: str, expected: str) -> None:
    """The message quotes the status found, cut to 60 characters, and the one awaited."""
    with pytest.raises(MetadataUnavailableError) as caught:
        parse_metadata_file(fixture_json(READY.name) | {"MetadataFileStatus": status}, path=PATH)
    assert expected == caught.value.detail


def test_the_file_source_has_no_tags_to_add(tmp_path: Path) -> None:
    """The file source's ``task_with_tags()`` is its ``task()``: the file holds no tags."""
    path = tmp_path / "ecs-container-metadata.json"
    path.write_bytes(READY.read_bytes())
    client = MetadataClient("file", str(path))
    task = client.task_with_tags()
    assert read_metadata_file(str(path))[0] == task
    assert ({}, {}) == (dict(task.task_tags), dict(task.container_instance_tags))


# -- fuzzing ------------------------------------------------------------------------------


def check(document: Any) -> None:
    """Parsing returns the task and its one container, or raises a MetadataError."""
    try:
        task, container = parse_metadata_file(document, path=PATH)
    except MetadataError:
        return
    assert (container,) == task.containers
    json.dumps(task.to_dict())


file_keys = st.sampled_from(sorted(fixture_json(READY.name))) | st.text(max_size=10)
ready_documents = st.dictionaries(file_keys, json_values, max_size=8).map(
    lambda document: document | {"MetadataFileStatus": "READY"}
)


@settings(max_examples=200, deadline=None)
@given(document=json_values | ready_documents)
def test_arbitrary_json(document: Any) -> None:
    """On any JSON: the models, or a MetadataError, nothing else."""
    check(document)


@settings(max_examples=200, deadline=None)
@given(document=mutated([READY.name]))
def test_mutated_ready_file(document: Any) -> None:
    """The ready file with random values at random keys: the models, or a MetadataError."""
    check(document)
