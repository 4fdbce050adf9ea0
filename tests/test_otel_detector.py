"""`EcsResourceDetector` with the real opentelemetry-sdk, against the package's mock endpoint.

``Resource.create()`` runs in child processes with ``OTEL_EXPERIMENTAL_RESOURCE_DETECTORS``
set, as a user turns the detector on: the SDK finds it by its entry point. The expected
attributes are written out here, key by key, from the ``otel`` column of the field table;
they are never computed by the library under test. The rest runs in this process, with the
environment given as ``environ=`` or through ``monkeypatch``.
"""

from __future__ import annotations

import collections
import contextlib
import importlib.metadata
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.resources import Resource, get_aggregated_resources

from ecs_log_context import (
    ConfigurationError,
    EcsContextProcessor,
    EcsResourceDetector,
    MetadataError,
    MetadataUnavailableError,
    NoMetadataSourceError,
)
from ecs_log_context.mock.server import MockEndpoint

from .child_processes import base_environ
from .documents import FIXTURES
from .waiting import ecs_threads

# The namespaces of the detector's keys: whatever else Resource.create() adds (telemetry.sdk.*,
# service.*) is the SDK's.
ECS_NAMESPACES = ("aws.", "cloud.", "container.")

# Generous ceilings: behaviour checks (bounded, no delay), not benchmarks.
HANG_TIMEOUT = 0.5
HANG_CEILING = HANG_TIMEOUT + 2.0
NO_DELAY_CEILING = 0.5

CREATE = """
import json, time
from opentelemetry.sdk.resources import Resource
started = time.monotonic()
resource = Resource.create()
elapsed = time.monotonic() - started
print(json.dumps({"attributes": dict(resource.attributes), "elapsed": elapsed}))
"""


def run_child(script: str, env: Mapping[str, str], timeout: float = 60.0) -> Any:
    """Run `script` with ``sys.executable -c`` in its own process group; return its last
    stdout line, decoded as JSON. A child still running after `timeout` is killed whole."""
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate(timeout=10)
        raise AssertionError(f"the child did not finish within {timeout} s: {err}") from None
    assert process.returncode == 0, f"the child failed ({process.returncode}): {err}"
    lines = out.strip().splitlines()
    assert lines, f"the child printed nothing: {err}"
    return json.loads(lines[-1])


def create_in_child(**env: str) -> dict[str, Any]:
    """``Resource.create()`` in a child with the detector turned on by its variable."""
    answer: dict[str, Any] = run_child(
        CREATE, base_environ(OTEL_EXPERIMENTAL_RESOURCE_DETECTORS="ecs_log_context", **env)
    )
    assert answer["attributes"].get("telemetry.sdk.language") == "python"  # the SDK's create()
    return answer


def ecs_part(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes in the detector's namespaces."""
    return {key: value for key, value in attributes.items() if key.startswith(ECS_NAMESPACES)}


def differences(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> dict[str, Any]:
    """Attribute by attribute: key -> (expected, actual), for every key that differs (a key
    missing on one side shows as ``<absent>``). Empty when they agree."""
    absent = "<absent>"
    return {
        key: (expected.get(key, absent), actual.get(key, absent))
        for key in sorted({*expected, *actual})
        if expected.get(key, absent) != actual.get(key, absent)
    }


def paths(mock: MockEndpoint) -> collections.Counter[str]:
    """How many times each path was answered."""
    return collections.Counter(request.path for request in mock.requests)


def write_task(tmp_path: Path, task: dict[str, Any]) -> str:
    path = tmp_path / "task.json"
    path.write_text(json.dumps(task), encoding="utf-8")
    return str(path)


# -- the tasks ---------------------------------------------------------------------------------

CN_TASK_ID = "5f2c8e7a9b1d4c3e8f6a0b2d4c6e8f01"
CN_TASK_ARN = f"arn:aws-cn:ecs:cn-north-1:210987654321:task/payments-cn/{CN_TASK_ID}"
CN_CONTAINER_ARN = (
    f"arn:aws-cn:ecs:cn-north-1:210987654321:container/payments-cn/{CN_TASK_ID}"
    "/9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
)
CN_DOCKER_ID = f"{CN_TASK_ID}-3106587342"
CN_IMAGE_ID = "sha256:9c4b2a7e3f1d8c6b5a4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a"
CN_LABELS = {
    "com.amazonaws.ecs.cluster": "arn:aws-cn:ecs:cn-north-1:210987654321:cluster/payments-cn",
    "com.amazonaws.ecs.task-arn": CN_TASK_ARN,
    "com.amazonaws.ecs.task-definition-family": "ledger",
    "com.amazonaws.ecs.task-definition-version": "12",
}
CN_NETWORKS = [
    {
        "NetworkMode": "awsvpc",
        "IPv4Addresses": ["10.8.3.41"],
        "AttachmentIndex": 0,
        "MACAddress": "06:9f:1c:2a:3b:4c",
        "IPv4SubnetCIDRBlock": "10.8.3.0/24",
        "PrivateDNSName": "ip-10-8-3-41.cn-north-1.compute.internal",
        "SubnetGatewayIpv4Address": "10.8.3.1/24",
    }
]

# A Fargate task in China (Beijing): every ARN in the aws-cn partition, and logs shipped to
# Ningxia (awslogs-region differs from the task's region), next to a sidecar.
FARGATE_CN_TASK: dict[str, Any] = {
    "Cluster": "arn:aws-cn:ecs:cn-north-1:210987654321:cluster/payments-cn",
    "TaskARN": CN_TASK_ARN,
    "Family": "ledger",
    "Revision": "12",
    "DesiredStatus": "RUNNING",
    "KnownStatus": "RUNNING",
    "Limits": {"CPU": 0.5, "Memory": 1024},
    "AvailabilityZone": "cn-north-1a",
    "AvailabilityZoneID": "cnn1-az1",
    "LaunchType": "FARGATE",
    "ServiceName": "ledger-api",
    "Containers": [
        {
            "DockerId": CN_DOCKER_ID,
            "Name": "ledger",
            "DockerName": "ledger",
            "Image": "210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn/payments/ledger:3.8.0",
            "ImageID": CN_IMAGE_ID,
            "Labels": {**CN_LABELS, "com.amazonaws.ecs.container-name": "ledger"},
            "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING",
            "Type": "NORMAL",
            "Networks": CN_NETWORKS,
            "ContainerARN": CN_CONTAINER_ARN,
            "LogDriver": "awslogs",
            "LogOptions": {
                "awslogs-group": "/ecs/ledger",
                "awslogs-region": "cn-northwest-1",
                "awslogs-stream": f"ecs/ledger/{CN_TASK_ID}",
            },
        },
        {
            "DockerId": f"{CN_TASK_ID}-1270932215",
            "Name": "envoy",
            "DockerName": "envoy",
            "Image": "public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29.6.0-prod",
            "ImageID": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
            "Labels": {**CN_LABELS, "com.amazonaws.ecs.container-name": "envoy"},
            "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING",
            "Type": "NORMAL",
            "Networks": CN_NETWORKS,
            "ContainerARN": CN_CONTAINER_ARN.replace("9a1b2c3d", "0b0b0b0b"),
            "LogDriver": "awslogs",
            "LogOptions": {
                "awslogs-group": "/ecs/envoy",
                "awslogs-region": "cn-north-1",
                "awslogs-stream": f"ecs/envoy/{CN_TASK_ID}",
            },
        },
    ],
}

EXPECTED_FARGATE_CN = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws-cn:ecs:cn-north-1:210987654321:cluster/payments-cn",
    "aws.ecs.task.arn": CN_TASK_ARN,
    "aws.ecs.task.id": CN_TASK_ID,
    "aws.ecs.task.family": "ledger",
    "aws.ecs.task.revision": "12",
    "cloud.availability_zone": "cn-north-1a",
    "container.name": "ledger",
    "container.id": CN_DOCKER_ID,
    "cloud.region": "cn-north-1",
    "cloud.account.id": "210987654321",
    "aws.ecs.launchtype": "fargate",
    "aws.ecs.container.arn": CN_CONTAINER_ARN,
    "cloud.resource_id": CN_CONTAINER_ARN,
    "container.image.name": "210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn/payments/ledger",
    "container.image.tags": ["3.8.0"],
    "container.image.id": CN_IMAGE_ID,
    "aws.ecs.service.name": "ledger-api",
    "aws.log.group.names": ["/ecs/ledger"],
    "aws.log.stream.names": [f"ecs/ledger/{CN_TASK_ID}"],
    "aws.log.group.arns": ["arn:aws-cn:logs:cn-northwest-1:210987654321:log-group:/ecs/ledger"],
    "aws.log.stream.arns": [
        "arn:aws-cn:logs:cn-northwest-1:210987654321:log-group:/ecs/ledger"
        f":log-stream:ecs/ledger/{CN_TASK_ID}"
    ],
}

OLD_TASK_ID = "0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"
OLD_TASK_ARN = f"arn:aws:ecs:us-east-1:444455556666:task/legacy-ec2/{OLD_TASK_ID}"
OLD_DOCKER_ID = "7d3f0a9e1c2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"
OLD_IMAGE_ID = "sha256:ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12"
OLD_DIGEST = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

# An EC2 bridge-mode task from an agent that predates ContainerARN and LaunchType (and has no
# service): a short cluster name, an image from a registry with a port, tagged and pinned.
EC2_BRIDGE_OLD_AGENT_TASK: dict[str, Any] = {
    "Cluster": "legacy-ec2",
    "TaskARN": OLD_TASK_ARN,
    "Family": "billing-worker",
    "Revision": "41",
    "DesiredStatus": "RUNNING",
    "KnownStatus": "RUNNING",
    "Limits": {"CPU": 1, "Memory": 2048},
    "AvailabilityZone": "us-east-1c",
    "Containers": [
        {
            "DockerId": OLD_DOCKER_ID,
            "Name": "worker",
            "DockerName": "ecs-billing-worker-41-worker-a0e6c2d8f4b1a3c5e701",
            "Image": f"registry.example.com:5000/billing/worker:2024.06.1@{OLD_DIGEST}",
            "ImageID": OLD_IMAGE_ID,
            "Labels": {
                "com.amazonaws.ecs.cluster": "legacy-ec2",
                "com.amazonaws.ecs.container-name": "worker",
                "com.amazonaws.ecs.task-arn": OLD_TASK_ARN,
                "com.amazonaws.ecs.task-definition-family": "billing-worker",
                "com.amazonaws.ecs.task-definition-version": "41",
            },
            "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING",
            "Type": "NORMAL",
            "Networks": [{"NetworkMode": "bridge", "IPv4Addresses": ["172.17.0.4"]}],
            "LogDriver": "awslogs",
            "LogOptions": {
                "awslogs-group": "/ecs/billing-worker",
                "awslogs-region": "us-east-1",
                "awslogs-stream": f"ecs/worker/{OLD_TASK_ID}",
            },
        }
    ],
}

EXPECTED_EC2_BRIDGE_OLD_AGENT = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:us-east-1:444455556666:cluster/legacy-ec2",
    "aws.ecs.task.arn": OLD_TASK_ARN,
    "aws.ecs.task.id": OLD_TASK_ID,
    "aws.ecs.task.family": "billing-worker",
    "aws.ecs.task.revision": "41",
    "cloud.availability_zone": "us-east-1c",
    "container.name": "worker",
    "container.id": OLD_DOCKER_ID,
    "cloud.region": "us-east-1",
    "cloud.account.id": "444455556666",
    "container.image.name": "registry.example.com:5000/billing/worker",
    "container.image.tags": ["2024.06.1"],
    "container.image.id": OLD_IMAGE_ID,
    "aws.log.group.names": ["/ecs/billing-worker"],
    "aws.log.stream.names": [f"ecs/worker/{OLD_TASK_ID}"],
    "aws.log.group.arns": ["arn:aws:logs:us-east-1:444455556666:log-group:/ecs/billing-worker"],
    "aws.log.stream.arns": [
        "arn:aws:logs:us-east-1:444455556666:log-group:/ecs/billing-worker"
        f":log-stream:ecs/worker/{OLD_TASK_ID}"
    ],
}

# The package's EC2 sample as v3 and v2 serve it: without what only v4 has (LaunchType,
# ServiceName, ContainerARN, the log options).
SAMPLE_TASK_ARN = (
    "arn:aws:ecs:eu-west-1:123456789012:task/demo-cluster/76be24d3175828cbe93ade21d8878367"
)
EXPECTED_EC2_SAMPLE_V3_V2 = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/demo-cluster",
    "aws.ecs.task.arn": SAMPLE_TASK_ARN,
    "aws.ecs.task.id": "76be24d3175828cbe93ade21d8878367",
    "aws.ecs.task.family": "checkout-api",
    "aws.ecs.task.revision": "7",
    "cloud.availability_zone": "eu-west-1a",
    "container.name": "checkout-api",
    "container.id": "886ab76314a210e011ba00fbe6e069013abb4ade5ef49c7fdb613d26523a2141",
    "cloud.region": "eu-west-1",
    "cloud.account.id": "123456789012",
    "container.image.name": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout-api",
    "container.image.tags": ["1.14.2"],
    "container.image.id": (
        "sha256:f85074244637031b705c9795da43531eea683f56c4ceea6a58694b593d2fdd1c"
    ),
}

# tests/fixtures/container_metadata_file_ready_awsdocs.json (AWS's documented example).
FILE_TASK_ARN = (
    "arn:aws:ecs:us-west-2:012345678910:task/default/2b88376d-aba3-4950-9ddf-bcb0f388a40c"
)
EXPECTED_METADATA_FILE = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:us-west-2:012345678910:cluster/default",
    "aws.ecs.task.arn": FILE_TASK_ARN,
    "aws.ecs.task.id": "2b88376d-aba3-4950-9ddf-bcb0f388a40c",
    "aws.ecs.task.family": "console-sample-app-static",
    "aws.ecs.task.revision": "1",
    "cloud.availability_zone": "us-east-1b",
    "container.name": "simple-app",
    "container.id": "aec2557997f4eed9b280c2efd7afccdcedfda4ac399f7480cae870cfc7e163fd",
    "cloud.region": "us-west-2",
    "cloud.account.id": "012345678910",
    "container.image.name": "httpd",
    "container.image.tags": ["2.4"],
    "container.image.id": (
        "sha256:2ae34abc2ed0a22e280d17e13f9c01aaf725688b09b7a1525d1a2750e2c0d1de"
    ),
}


# -- Resource.create() under OTEL_EXPERIMENTAL_RESOURCE_DETECTORS, in a child -------------------


def test_create_v4_fargate_aws_cn(start_mock: Callable[..., MockEndpoint], tmp_path: Path) -> None:
    """A Fargate task in aws-cn: every attribute of the otel column, the partition kept in
    the built ARNs (cluster, log group and stream), the logs' region from awslogs-region,
    this container's values and not the sidecar's."""
    mock = start_mock(launch_type="FARGATE", task_file=write_task(tmp_path, FARGATE_CN_TASK))
    answer = create_in_child(**mock.environ())
    assert {} == differences(EXPECTED_FARGATE_CN, ecs_part(answer["attributes"]))
    assert paths(mock)[f"/v4/{CN_DOCKER_ID}/task"] == 1


def test_create_v4_ec2_bridge_old_agent(
    start_mock: Callable[..., MockEndpoint], tmp_path: Path
) -> None:
    """An agent without ContainerARN and LaunchType: those keys (aws.ecs.container.arn,
    cloud.resource_id, aws.ecs.launchtype) and the service are absent, every other stays."""
    mock = start_mock(launch_type="EC2", task_file=write_task(tmp_path, EC2_BRIDGE_OLD_AGENT_TASK))
    attributes = ecs_part(create_in_child(**mock.environ())["attributes"])
    assert {} == differences(EXPECTED_EC2_BRIDGE_OLD_AGENT, attributes)
    for absent in ("aws.ecs.container.arn", "cloud.resource_id", "aws.ecs.launchtype"):
        assert absent not in attributes


def test_create_v3(start_mock: Callable[..., MockEndpoint]) -> None:
    """v3 alone (``ECS_CONTAINER_METADATA_URI``): the attributes v3 has, from v3 routes."""
    mock = start_mock(launch_type="EC2")
    answer = create_in_child(ECS_CONTAINER_METADATA_URI=mock.v3_uri)
    assert {} == differences(EXPECTED_EC2_SAMPLE_V3_V2, ecs_part(answer["attributes"]))
    asked = paths(mock)
    assert asked
    assert all(path.startswith("/v3/") for path in asked), asked


@pytest.mark.parametrize(
    "forced",
    [True, False],
    ids=["ECS_LOG_CONTEXT_SOURCE=v2", "ECS_LOG_CONTEXT_V2_ENDPOINT"],
)
def test_create_v2(start_mock: Callable[..., MockEndpoint], forced: bool) -> None:
    """v2, forced over v4 and v3 by ``ECS_LOG_CONTEXT_SOURCE=v2``, or chosen by
    ``ECS_LOG_CONTEXT_V2_ENDPOINT`` alone: only v2 routes asked."""
    mock = start_mock(launch_type="EC2")
    env = {"ECS_LOG_CONTEXT_V2_ENDPOINT": mock.v2_endpoint}
    if forced:
        env = {**mock.environ(), "ECS_LOG_CONTEXT_SOURCE": "v2"}
    answer = create_in_child(**env, ECS_LOG_CONTEXT_CONTAINER_NAME="checkout-api")
    assert {} == differences(EXPECTED_EC2_SAMPLE_V3_V2, ecs_part(answer["attributes"]))
    asked = paths(mock)
    assert asked
    assert all(path.startswith("/v2/") for path in asked), asked


def test_create_metadata_file(tmp_path: Path) -> None:
    """The container metadata file (``ECS_CONTAINER_METADATA_FILE``), with no endpoint."""
    path = tmp_path / "ecs-container-metadata.json"
    shutil.copy(FIXTURES / "container_metadata_file_ready_awsdocs.json", path)
    answer = create_in_child(ECS_CONTAINER_METADATA_FILE=str(path))
    assert {} == differences(EXPECTED_METADATA_FILE, ecs_part(answer["attributes"]))


def test_create_off_ecs() -> None:
    """Off ECS, turned on: no key of the detector, no delay, and the SDK's own still there."""
    answer = create_in_child()
    assert {} == ecs_part(answer["attributes"])
    assert answer["attributes"]["service.name"].startswith("unknown_service")
    assert answer["elapsed"] < NO_DELAY_CEILING


PRECEDENCE = """
import json, os
from opentelemetry.sdk.resources import Resource
seen = []
for detectors, given in [
    ("ecs_log_context", None),
    ("otel,ecs_log_context", None),
    ("ecs_log_context,otel", None),
    ("otel,ecs_log_context", {"cloud.region": "from-code"}),
]:
    os.environ["OTEL_EXPERIMENTAL_RESOURCE_DETECTORS"] = detectors
    resource = Resource.create(given)
    seen.append([detectors, given is not None, resource.attributes.get("cloud.region"),
                 resource.attributes.get("aws.ecs.task.family")])
print(json.dumps(seen))
"""


def test_precedence_with_the_sdk_detectors(mock: MockEndpoint) -> None:
    """Who wins ``cloud.region``: the SDK merges its detectors in order, a later one over an
    earlier one, ``otel`` (``OTEL_RESOURCE_ATTRIBUTES``) appended last unless named, and the
    attributes given to ``Resource.create`` over all. Each run shares the one fetch."""
    env = base_environ(OTEL_RESOURCE_ATTRIBUTES="cloud.region=mine", **mock.environ())
    seen = run_child(PRECEDENCE, env)
    assert seen == [
        ["ecs_log_context", False, "mine", "checkout-api"],
        ["otel,ecs_log_context", False, "eu-west-1", "checkout-api"],
        ["ecs_log_context,otel", False, "mine", "checkout-api"],
        ["otel,ecs_log_context", True, "from-code", "checkout-api"],
    ]
    task_route = f"/v4/{mock.endpoint_id}/task"
    assert paths(mock)[task_route] == 1, paths(mock)


# -- a hung or failing endpoint ------------------------------------------------------------------


def test_hung_endpoint_is_bounded_and_empty(start_mock: Callable[..., MockEndpoint]) -> None:
    """An endpoint that does not answer: detect() returns within the timeout (plus a margin)
    an empty resource, and the SDK's aggregation keeps what it had."""
    mock = start_mock(launch_type="EC2", latency=30.0)
    detector = EcsResourceDetector(timeout=HANG_TIMEOUT, environ=mock.environ())
    started = time.monotonic()
    resource = detector.detect()
    elapsed = time.monotonic() - started
    assert elapsed < HANG_CEILING
    assert resource.attributes == {}
    initial = Resource({"service.name": "checkout"})
    assert get_aggregated_resources([detector], initial).attributes == {"service.name": "checkout"}


def test_hung_endpoint_raise_on_error(start_mock: Callable[..., MockEndpoint]) -> None:
    """With raise_on_error, a hung endpoint raises a MetadataError, as bounded, and the SDK's
    aggregation re-raises it."""
    mock = start_mock(launch_type="EC2", latency=30.0)
    detector = EcsResourceDetector(
        raise_on_error=True, timeout=HANG_TIMEOUT, environ=mock.environ()
    )
    started = time.monotonic()
    with pytest.raises(MetadataUnavailableError, match="timeout") as raised:
        detector.detect()
    assert time.monotonic() - started < HANG_CEILING
    assert isinstance(raised.value, MetadataError)
    assert mock.v4_uri in str(raised.value)
    with pytest.raises(MetadataError):
        get_aggregated_resources([detector], Resource.get_empty())


def test_failing_endpoint_raise_on_error_says_the_last_error(
    start_mock: Callable[..., MockEndpoint],
) -> None:
    """An endpoint answering 500: raise_on_error raises with the agent's answer in the
    message; without it, an empty resource."""
    mock = start_mock(launch_type="EC2", error_rate=1.0)
    quiet = EcsResourceDetector(timeout=2, environ=mock.environ())
    assert quiet.detect().attributes == {}
    loud = EcsResourceDetector(raise_on_error=True, timeout=2, environ=mock.environ())
    with pytest.raises(MetadataError, match="HTTP 500"):
        loud.detect()


# -- off ECS, disabled, misconfigured -------------------------------------------------------------


@pytest.mark.parametrize("raise_on_error", [False, True])
def test_off_ecs_is_instant_and_empty(raise_on_error: bool) -> None:
    """Off ECS (no variable): an empty resource at once, no source, no thread started; with
    raise_on_error too, since off ECS is the expected answer where the image also runs."""
    before = ecs_threads()
    detector = EcsResourceDetector(raise_on_error=raise_on_error)
    started = time.monotonic()
    resource = detector.detect()
    assert time.monotonic() - started < NO_DELAY_CEILING
    assert resource.attributes == {}
    assert detector.context.source is None
    assert detector.context.status().state == "off_ecs"
    assert ecs_threads() - before == set()


def test_forced_source_without_its_variable_raises_only_when_asked() -> None:
    """``ECS_LOG_CONTEXT_SOURCE=v4`` without the v4 variable is a misconfiguration: empty, or
    NoMetadataSourceError naming the variable with raise_on_error."""
    environ = {"ECS_LOG_CONTEXT_SOURCE": "v4"}
    assert EcsResourceDetector(environ=environ).detect().attributes == {}
    detector = EcsResourceDetector(raise_on_error=True, environ=environ)
    with pytest.raises(NoMetadataSourceError, match="ECS_CONTAINER_METADATA_URI_V4"):
        detector.detect()


@pytest.mark.parametrize("raise_on_error", [False, True])
def test_disabled_is_empty_without_io(mock: MockEndpoint, raise_on_error: bool) -> None:
    """Disabled on ECS: an empty resource, no request, and no error even with raise_on_error."""
    environ = {**mock.environ(), "ECS_LOG_CONTEXT_ENABLED": "false"}
    detector = EcsResourceDetector(raise_on_error=raise_on_error, environ=environ)
    assert detector.detect().attributes == {}
    assert mock.request_count == 0


# -- sharing, options ------------------------------------------------------------------------------


def test_one_fetch_shared_with_a_processor(
    mock: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A detector and a structlog processor in one process share one context: the task and
    the container are fetched once for both."""
    for name, value in mock.environ().items():
        monkeypatch.setenv(name, value)
    detector = EcsResourceDetector()
    resource = detector.detect()
    processor = EcsContextProcessor()
    event = processor(None, "info", {"event": "hello"})
    assert processor.context is detector.context
    assert resource.attributes["aws.ecs.task.arn"] == SAMPLE_TASK_ARN
    assert event["ecs_task_arn"] == SAMPLE_TASK_ARN
    prefix = f"/v4/{mock.endpoint_id}"
    assert paths(mock) == {f"{prefix}/task": 1, prefix: 1}


def test_built_from_a_config_dict(mock: MockEndpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    """``cls(**config)``, as the declarative configuration builds detectors: text values are
    read as the variables are; values are text or tuples of text."""
    for name, value in mock.environ().items():
        monkeypatch.setenv(name, value)
    config: dict[str, Any] = {
        "raise_on_error": "true",
        "fields": ["cluster", "log_group"],
        "tags": "team",
        "timeout": "2.5",
    }
    detector = EcsResourceDetector(**config)
    assert detector.raise_on_error is True
    assert detector.context.settings.timeout == 2.5
    assert (
        repr(detector)
        == "EcsResourceDetector(fields=('cluster', 'log_group'), raise_on_error=True)"
    )
    attributes = dict(detector.detect().attributes)
    assert attributes == {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.cluster.arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/demo-cluster",
        "aws.log.group.names": ("/ecs/checkout-api",),
        "aws.log.group.arns": ("arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/checkout-api",),
        "aws.ecs.task.tag.team": "payments",
    }
    for attribute in attributes.values():
        assert isinstance(attribute, str) or (
            isinstance(attribute, tuple) and all(isinstance(item, str) for item in attribute)
        )


def test_an_unknown_option_is_a_type_error() -> None:
    """A misspelt option in a configuration fails loudly."""
    options: dict[str, Any] = {"timout": 1}
    with pytest.raises(TypeError, match="timout"):
        EcsResourceDetector(**options)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("timeout", "soon"),
        ("fields", "cluster,nope"),
        ("source", "v5"),
        ("raise_on_error", "maybe"),
    ],
)
def test_a_bad_value_names_its_option(option: str, value: str) -> None:
    """A value that cannot be used: ConfigurationError naming the option (not a variable)."""
    options: dict[str, Any] = {option: value}
    with pytest.raises(ConfigurationError) as raised:
        EcsResourceDetector(**options)
    assert raised.value.name == option


def test_log_record_options_are_not_read(mock: MockEndpoint) -> None:
    """The style, renames, overwrite and nested key of log records do not change the resource
    (still the otel keys, not renamed); the fields asked for in the environment do."""
    environ = {
        **mock.environ(),
        "ECS_LOG_CONTEXT_STYLE": "flat",
        "ECS_LOG_CONTEXT_KEYS": "cluster=cluster_name",
        "ECS_LOG_CONTEXT_OVERWRITE": "true",
        "ECS_LOG_CONTEXT_NESTED_KEY": "ecs",
        "ECS_LOG_CONTEXT_FIELDS": "cluster,launch_type",
    }
    attributes = dict(EcsResourceDetector(environ=environ).detect().attributes)
    assert attributes == {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.cluster.arn": "arn:aws:ecs:eu-west-1:123456789012:cluster/demo-cluster",
        "aws.ecs.launchtype": "ec2",
    }


def test_all_fields_by_default_not_the_record_default(mock: MockEndpoint) -> None:
    """Without ECS_LOG_CONTEXT_FIELDS, the detector gives every field (the log records' default
    is six): the region, the account and the container ARN among them."""
    attributes = EcsResourceDetector(environ=mock.environ()).detect().attributes
    assert attributes["cloud.region"] == "eu-west-1"
    assert attributes["cloud.account.id"] == "123456789012"
    assert str(attributes["aws.ecs.container.arn"]).startswith(
        "arn:aws:ecs:eu-west-1:123456789012:container/demo-cluster/"
    )


def test_waits_for_the_tags_asked_for(start_mock: Callable[..., MockEndpoint]) -> None:
    """The fields are published before the tags are fetched (records never wait on the slow
    taskWithTags route); a resource cannot take them later, so detect() waits for them too,
    within the timeout. Each answer here takes 0.2 s: the tags come 0.2 s after the fields."""
    mock = start_mock(launch_type="EC2", latency=0.2)
    detector = EcsResourceDetector(tags="team,environment", timeout=5, environ=mock.environ())
    attributes = detector.detect().attributes
    assert attributes["aws.ecs.task.tag.team"] == "payments"
    assert attributes["aws.ecs.task.tag.environment"] == "staging"
    assert attributes["aws.ecs.task.family"] == "checkout-api"


# -- the entry point and the import ---------------------------------------------------------------


def test_entry_point_loads_the_detector() -> None:
    """``ecs_log_context`` in the SDK's group loads to the class (what the SDK calls, with no
    argument)."""
    found = importlib.metadata.entry_points(group="opentelemetry_resource_detector")
    ours = [entry for entry in found if entry.name == "ecs_log_context"]
    assert len(ours) == 1
    assert ours[0].load() is EcsResourceDetector


IMPORTS = """
import json, sys
def otel_loaded():
    return any(m == "opentelemetry" or m.startswith("opentelemetry.") for m in sys.modules)
import ecs_log_context
after_package = otel_loaded()
from ecs_log_context import EcsResourceDetector
print(json.dumps([after_package, otel_loaded()]))
"""


def test_package_import_does_not_import_opentelemetry() -> None:
    """``import ecs_log_context`` leaves opentelemetry out; asking for the detector loads it."""
    assert run_child(IMPORTS, base_environ()) == [False, True]


WITHOUT_SDK = """
import json, sys
sys.modules[{blocked!r}] = None  # as if not installed
import ecs_log_context
namespace = {{}}
exec("from ecs_log_context import *", namespace)
try:
    ecs_log_context.EcsResourceDetector
except ModuleNotFoundError as exc:
    said = str(exc)
else:
    said = None
print(json.dumps(["EcsResourceDetector" in namespace, "EcsContextProcessor" in namespace, said]))
"""


@pytest.mark.parametrize("blocked", ["opentelemetry", "opentelemetry.sdk"])
def test_without_the_sdk_the_extra_is_named(blocked: str) -> None:
    """Without opentelemetry, or with its API alone: ``import *`` works without the detector,
    and asking for it by name says which extra to install."""
    seen = run_child(WITHOUT_SDK.format(blocked=blocked), base_environ())
    assert seen[:2] == [False, True]
    assert "pip install 'ecs-log-context[otel]'" in seen[2]
