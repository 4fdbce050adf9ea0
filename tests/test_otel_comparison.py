"""`EcsResourceDetector` against opentelemetry-sdk-extension-aws's ``aws_ecs`` detector, attribute
by attribute, on the same tasks.

Each task is served by the package's mock endpoint; each detector runs in its own child process
(``sys.executable -c``) with the same environment, turned on as a user turns it on
(``OTEL_EXPERIMENTAL_RESOURCE_DETECTORS`` and ``Resource.create()``). Their attributes are
classified against a truth written out here by hand for each task: the semantic conventions'
attributes with the values the task's metadata holds (an attribute whose value the metadata does
not have is not in the truth). ``aws.ecs.service.name`` is not a convention: it is counted apart.

The ``aws_ecs`` detector takes two attributes from the host, not from the metadata:
``container.name`` is ``socket.gethostname()`` and ``container.id`` the last 64 characters of the
first line of ``/proc/self/cgroup`` longer than 64. So that its figures are those it gives on
each task's real host, the child answers those two reads as that host would (the hostname: the
ENI's DNS name on awsvpc, the short Docker ID in bridge mode; the cgroup file of the host's
cgroup version and launch type). Both detectors run under the same host; ours reads neither.
`test_incumbent_reads_the_host_not_the_metadata` shows, with this machine's own hostname and
cgroup file, that the incumbent takes them from there.

The incumbent's classification is recorded in each `Task` (``incumbent``): when a release of it
classifies otherwise (fixed upstream, or broken further), the test says so attribute by
attribute, and the README's figures are to be updated with it.
"""

from __future__ import annotations

import collections
import contextlib
import importlib.metadata
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ecs_log_context.mock.server import MockEndpoint

from .child_processes import base_environ

OURS = "ecs_log_context"
INCUMBENT_NAME = "aws_ecs"
INCUMBENT_DISTRIBUTION = "opentelemetry-sdk-extension-aws"
SERVICE_NAME_KEY = "aws.ecs.service.name"  # ours, not a convention: counted apart

# Our detector's default ECS_LOG_CONTEXT_TIMEOUT, and the incumbent's urlopen(timeout=5).
OUR_TIMEOUT = 1.0
INCUMBENT_TIMEOUT = 5.0
MARGIN = 2.0  # generous: a bound on behaviour, not a benchmark

# The semantic conventions' attributes an ECS resource detector can fill, in the table's order.
CONVENTION_KEYS = (
    "cloud.provider",
    "cloud.platform",
    "cloud.region",
    "cloud.account.id",
    "cloud.availability_zone",
    "cloud.resource_id",
    "aws.ecs.cluster.arn",
    "aws.ecs.task.arn",
    "aws.ecs.task.id",
    "aws.ecs.task.family",
    "aws.ecs.task.revision",
    "aws.ecs.launchtype",
    "aws.ecs.container.arn",
    "container.name",
    "container.id",
    "container.image.name",
    "container.image.tags",
    "container.image.id",
    "aws.log.group.names",
    "aws.log.group.arns",
    "aws.log.stream.names",
    "aws.log.stream.arns",
)

# Each detector in a child: the host's two answers replaced when given (argv), the warnings
# logged kept, the ECS attributes and what the child's hostname and cgroup reads returned.
CHILD = r"""
import builtins, json, logging, os, socket, sys, time

detector, hostname, cgroup_path = sys.argv[1:]
if hostname:
    socket.gethostname = lambda: hostname
if cgroup_path:
    real_open = builtins.open

    def host_open(file, *args, **kwargs):
        if file == "/proc/self/cgroup":
            file = cgroup_path
        return real_open(file, *args, **kwargs)

    builtins.open = host_open

warnings = []


class Keep(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())


logging.getLogger().addHandler(Keep(logging.WARNING))
os.environ["OTEL_EXPERIMENTAL_RESOURCE_DETECTORS"] = detector
from opentelemetry.sdk.resources import Resource

started = time.monotonic()
resource = Resource.create()
elapsed = time.monotonic() - started
try:
    with open("/proc/self/cgroup", encoding="utf8") as file:
        cgroup = file.read()
except OSError:
    cgroup = None
attributes = {
    key: value
    for key, value in resource.attributes.items()
    if key.startswith(("aws.", "cloud.", "container."))
}
print(json.dumps({
    "attributes": attributes,
    "elapsed": elapsed,
    "warnings": warnings,
    "hostname": socket.gethostname(),
    "cgroup": cgroup,
}))
"""


# -- the hosts ------------------------------------------------------------------------------------


def cgroup_v1(task_id: str, container_id: str) -> str:
    """``/proc/self/cgroup`` of an ECS container on a cgroup v1 host: every controller under
    ``/ecs/<task id>/<container id>``. On EC2 (Amazon Linux 2) the container id is the 64-hex
    DockerId; on Fargate (platform 1.4) it is ``<task id>-<digits>``, the DockerId too."""
    controllers = (
        "blkio",
        "perf_event",
        "freezer",
        "devices",
        "pids",
        "cpuset",
        "hugetlb",
        "net_cls,net_prio",
        "memory",
        "cpu,cpuacct",
        "rdma",
    )
    lines = [
        f"{number}:{name}:/ecs/{task_id}/{container_id}"
        for number, name in zip(range(12, 1, -1), controllers, strict=True)
    ]
    lines.append(f"1:name=systemd:/ecs/{task_id}/{container_id}")
    return "\n".join(lines) + "\n"


# A cgroup v2 host (Amazon Linux 2023, the current ECS-optimised AMI): Docker gives the
# container its own cgroup namespace, whose root is all the container sees.
CGROUP_V2 = "0::/\n"


@dataclass(frozen=True)
class Host:
    """What the host answers to the incumbent's two reads (not the metadata's values)."""

    label: str
    hostname: str
    cgroup: str


@dataclass(frozen=True)
class Incumbent:
    """How the ``aws_ecs`` detector fares on a task, as recorded: the counts, the value of
    each attribute it gets wrong, the attributes it leaves out, the requests it makes."""

    correct: int
    wrong: dict[str, Any]
    missing: frozenset[str]
    requests: int

    def classes(self, truth: Mapping[str, Any]) -> dict[str, str]:
        return {
            key: "wrong" if key in self.wrong else "missing" if key in self.missing else "correct"
            for key in truth
        }


@dataclass(frozen=True)
class Task:
    """A task as the endpoint serves it, on its host, with the truth and the incumbent's record."""

    id: str
    title: str
    launch_type: str
    body: dict[str, Any] | None  # None: the mock's built-in sample of that launch type
    host: Host
    truth: dict[str, Any]
    ours_extra: frozenset[str]  # our attributes outside the conventions
    incumbent: Incumbent
    v3_only: bool = False


# -- the tasks: the package's samples ----------------------------------------------------------

EC2_ACCOUNT = "123456789012"
EC2_TASK_ID = "76be24d3175828cbe93ade21d8878367"
EC2_TASK_ARN = f"arn:aws:ecs:eu-west-1:{EC2_ACCOUNT}:task/demo-cluster/{EC2_TASK_ID}"
EC2_DOCKER_ID = "886ab76314a210e011ba00fbe6e069013abb4ade5ef49c7fdb613d26523a2141"
EC2_CONTAINER_ARN = (
    f"arn:aws:ecs:eu-west-1:{EC2_ACCOUNT}:container/demo-cluster/{EC2_TASK_ID}"
    "/0fac4619-685d-4c9d-bfb5-cdb6edc01700"
)
EC2_ENI_HOSTNAME = "ip-10-0-12-87.eu-west-1.compute.internal"
SAMPLE_IMAGE = f"{EC2_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/checkout-api"
SAMPLE_IMAGE_ID = "sha256:f85074244637031b705c9795da43531eea683f56c4ceea6a58694b593d2fdd1c"
SAMPLE_LOG_GROUP_ARN = f"arn:aws:logs:eu-west-1:{EC2_ACCOUNT}:log-group:/ecs/checkout-api"

# The EC2 sample as v3 serves it (no LaunchType, ContainerARN, log options or service).
TRUTH_EC2_SAMPLE_V3 = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "cloud.region": "eu-west-1",
    "cloud.account.id": EC2_ACCOUNT,
    "cloud.availability_zone": "eu-west-1a",
    "aws.ecs.cluster.arn": f"arn:aws:ecs:eu-west-1:{EC2_ACCOUNT}:cluster/demo-cluster",
    "aws.ecs.task.arn": EC2_TASK_ARN,
    "aws.ecs.task.id": EC2_TASK_ID,
    "aws.ecs.task.family": "checkout-api",
    "aws.ecs.task.revision": "7",
    "container.name": "checkout-api",
    "container.id": EC2_DOCKER_ID,
    "container.image.name": SAMPLE_IMAGE,
    "container.image.tags": ["1.14.2"],
    "container.image.id": SAMPLE_IMAGE_ID,
}
TRUTH_EC2_SAMPLE = {
    **TRUTH_EC2_SAMPLE_V3,
    "cloud.resource_id": EC2_CONTAINER_ARN,
    "aws.ecs.launchtype": "ec2",
    "aws.ecs.container.arn": EC2_CONTAINER_ARN,
    "aws.log.group.names": ["/ecs/checkout-api"],
    "aws.log.group.arns": [SAMPLE_LOG_GROUP_ARN],
    "aws.log.stream.names": [f"ecs/checkout-api/{EC2_TASK_ID}"],
    "aws.log.stream.arns": [f"{SAMPLE_LOG_GROUP_ARN}:log-stream:ecs/checkout-api/{EC2_TASK_ID}"],
}

FG_TASK_ID = "ae54c116136f52eb3fff4e8f0644874e"
FG_DOCKER_ID = f"{FG_TASK_ID}-1664421365"
FG_CONTAINER_ARN = (
    f"arn:aws:ecs:eu-west-1:{EC2_ACCOUNT}:container/demo-cluster/{FG_TASK_ID}"
    "/85690d1a-e383-4f8d-82b8-dfeba0c4b6a8"
)
FG_ENI_HOSTNAME = "ip-10-0-21-143.eu-west-1.compute.internal"
TRUTH_FARGATE_SAMPLE = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "cloud.region": "eu-west-1",
    "cloud.account.id": EC2_ACCOUNT,
    "cloud.availability_zone": "eu-west-1b",
    "cloud.resource_id": FG_CONTAINER_ARN,
    "aws.ecs.cluster.arn": f"arn:aws:ecs:eu-west-1:{EC2_ACCOUNT}:cluster/demo-cluster",
    "aws.ecs.task.arn": f"arn:aws:ecs:eu-west-1:{EC2_ACCOUNT}:task/demo-cluster/{FG_TASK_ID}",
    "aws.ecs.task.id": FG_TASK_ID,
    "aws.ecs.task.family": "checkout-api",
    "aws.ecs.task.revision": "7",
    "aws.ecs.launchtype": "fargate",
    "aws.ecs.container.arn": FG_CONTAINER_ARN,
    "container.name": "checkout-api",
    "container.id": FG_DOCKER_ID,
    "container.image.name": SAMPLE_IMAGE,
    "container.image.tags": ["1.14.2"],
    "container.image.id": SAMPLE_IMAGE_ID,
    "aws.log.group.names": ["/ecs/checkout-api"],
    "aws.log.group.arns": [SAMPLE_LOG_GROUP_ARN],
    "aws.log.stream.names": [f"ecs/checkout-api/{FG_TASK_ID}"],
    "aws.log.stream.arns": [f"{SAMPLE_LOG_GROUP_ARN}:log-stream:ecs/checkout-api/{FG_TASK_ID}"],
}

# -- the tasks: written here ---------------------------------------------------------------------

CN_ACCOUNT = "710987654321"
CN_TASK_ID = "3e9d7c5b1a0f4e2d8c6b4a2f0e8d6c4b"
CN_CLUSTER_ARN = f"arn:aws-cn:ecs:cn-northwest-1:{CN_ACCOUNT}:cluster/orders-cn"
CN_TASK_ARN = f"arn:aws-cn:ecs:cn-northwest-1:{CN_ACCOUNT}:task/orders-cn/{CN_TASK_ID}"
CN_CONTAINER_ARN = (
    f"arn:aws-cn:ecs:cn-northwest-1:{CN_ACCOUNT}:container/orders-cn/{CN_TASK_ID}"
    "/4c3b2a19-8d7e-4f6a-9b5c-0d1e2f3a4b5c"
)
CN_DOCKER_ID = f"{CN_TASK_ID}-2870456193"
CN_IMAGE_ID = "sha256:4d2c6e8a0b1f3d5e7a9c2b4d6f8e0a1c3b5d7f9e2a4c6b8d0f1e3a5c7b9d2e4f"
CN_ENI_HOSTNAME = "ip-10-20-4-17.cn-northwest-1.compute.internal"
CN_LOG_GROUP_ARN = f"arn:aws-cn:logs:cn-northwest-1:{CN_ACCOUNT}:log-group:/ecs/orders-api"

# A Fargate task in China (Ningxia): every ARN in the aws-cn partition.
FARGATE_CN_TASK: dict[str, Any] = {
    "Cluster": CN_CLUSTER_ARN,
    "TaskARN": CN_TASK_ARN,
    "Family": "orders-api",
    "Revision": "5",
    "DesiredStatus": "RUNNING",
    "KnownStatus": "RUNNING",
    "Limits": {"CPU": 1, "Memory": 2048},
    "AvailabilityZone": "cn-northwest-1b",
    "LaunchType": "FARGATE",
    "ServiceName": "orders-api",
    "Containers": [
        {
            "DockerId": CN_DOCKER_ID,
            "Name": "orders",
            "DockerName": "orders",
            "Image": f"{CN_ACCOUNT}.dkr.ecr.cn-northwest-1.amazonaws.com.cn/orders/api:5.2.1",
            "ImageID": CN_IMAGE_ID,
            "Labels": {
                "com.amazonaws.ecs.cluster": CN_CLUSTER_ARN,
                "com.amazonaws.ecs.container-name": "orders",
                "com.amazonaws.ecs.task-arn": CN_TASK_ARN,
                "com.amazonaws.ecs.task-definition-family": "orders-api",
                "com.amazonaws.ecs.task-definition-version": "5",
            },
            "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING",
            "Type": "NORMAL",
            "Networks": [
                {
                    "NetworkMode": "awsvpc",
                    "IPv4Addresses": ["10.20.4.17"],
                    "PrivateDNSName": CN_ENI_HOSTNAME,
                }
            ],
            "ContainerARN": CN_CONTAINER_ARN,
            "LogDriver": "awslogs",
            "LogOptions": {
                "awslogs-group": "/ecs/orders-api",
                "awslogs-region": "cn-northwest-1",
                "awslogs-stream": f"ecs/orders/{CN_TASK_ID}",
            },
        }
    ],
}
TRUTH_FARGATE_CN = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "cloud.region": "cn-northwest-1",
    "cloud.account.id": CN_ACCOUNT,
    "cloud.availability_zone": "cn-northwest-1b",
    "cloud.resource_id": CN_CONTAINER_ARN,
    "aws.ecs.cluster.arn": CN_CLUSTER_ARN,
    "aws.ecs.task.arn": CN_TASK_ARN,
    "aws.ecs.task.id": CN_TASK_ID,
    "aws.ecs.task.family": "orders-api",
    "aws.ecs.task.revision": "5",
    "aws.ecs.launchtype": "fargate",
    "aws.ecs.container.arn": CN_CONTAINER_ARN,
    "container.name": "orders",
    "container.id": CN_DOCKER_ID,
    "container.image.name": f"{CN_ACCOUNT}.dkr.ecr.cn-northwest-1.amazonaws.com.cn/orders/api",
    "container.image.tags": ["5.2.1"],
    "container.image.id": CN_IMAGE_ID,
    "aws.log.group.names": ["/ecs/orders-api"],
    "aws.log.group.arns": [CN_LOG_GROUP_ARN],
    "aws.log.stream.names": [f"ecs/orders/{CN_TASK_ID}"],
    "aws.log.stream.arns": [f"{CN_LOG_GROUP_ARN}:log-stream:ecs/orders/{CN_TASK_ID}"],
}

BR_ACCOUNT = "444455556666"
BR_TASK_ID = "0d4f6a8c2e1b3d5f7a9c0e2f4b6d8a1c"
BR_TASK_ARN = f"arn:aws:ecs:us-east-2:{BR_ACCOUNT}:task/batch-ec2/{BR_TASK_ID}"
BR_DOCKER_ID = "5b1e9d3c7a2f4e6b8d0c1a3e5f7b9d2c4e6a8f0b1d3c5e7a9f2b4d6c8e0a1b3d"
BR_CONTAINER_ARN = (
    f"arn:aws:ecs:us-east-2:{BR_ACCOUNT}:container/batch-ec2/{BR_TASK_ID}"
    "/6e5d4c3b-2a19-4f8e-9d7c-6b5a4f3e2d1c"
)
BR_IMAGE_ID = "sha256:7a3c5e9b1d2f4a6c8e0b2d4f6a8c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c"
BR_DIGEST = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
BR_LOG_GROUP_ARN = f"arn:aws:logs:us-east-2:{BR_ACCOUNT}:log-group:/ecs/invoice-worker"

# An EC2 bridge-mode task from an agent older than ContainerARN, LaunchType and ServiceName: a
# short cluster name, an image from a registry with a port, tagged and pinned by digest.
EC2_BRIDGE_OLD_AGENT_TASK: dict[str, Any] = {
    "Cluster": "batch-ec2",
    "TaskARN": BR_TASK_ARN,
    "Family": "invoice-worker",
    "Revision": "41",
    "DesiredStatus": "RUNNING",
    "KnownStatus": "RUNNING",
    "Limits": {"CPU": 1, "Memory": 2048},
    "AvailabilityZone": "us-east-2c",
    "Containers": [
        {
            "DockerId": BR_DOCKER_ID,
            "Name": "worker",
            "DockerName": "ecs-invoice-worker-41-worker-c2e4a6b8d0f1a3c5e701",
            "Image": f"registry.example.com:5000/billing/worker:2024.06.1@{BR_DIGEST}",
            "ImageID": BR_IMAGE_ID,
            "Labels": {
                "com.amazonaws.ecs.cluster": "batch-ec2",
                "com.amazonaws.ecs.container-name": "worker",
                "com.amazonaws.ecs.task-arn": BR_TASK_ARN,
                "com.amazonaws.ecs.task-definition-family": "invoice-worker",
                "com.amazonaws.ecs.task-definition-version": "41",
            },
            "DesiredStatus": "RUNNING",
            "KnownStatus": "RUNNING",
            "Type": "NORMAL",
            "Networks": [{"NetworkMode": "bridge", "IPv4Addresses": ["172.17.0.4"]}],
            "LogDriver": "awslogs",
            "LogOptions": {
                "awslogs-group": "/ecs/invoice-worker",
                "awslogs-region": "us-east-2",
                "awslogs-stream": f"ecs/worker/{BR_TASK_ID}",
            },
        }
    ],
}
# The same task from a current agent.
EC2_BRIDGE_TASK: dict[str, Any] = {
    **EC2_BRIDGE_OLD_AGENT_TASK,
    "LaunchType": "EC2",
    "ServiceName": "invoice-worker",
    "Containers": [
        {**EC2_BRIDGE_OLD_AGENT_TASK["Containers"][0], "ContainerARN": BR_CONTAINER_ARN}
    ],
}
# The old agent has no LaunchType and no ContainerARN: the truth has neither, nor the resource
# ID (the container ARN).
TRUTH_EC2_BRIDGE_OLD_AGENT = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "cloud.region": "us-east-2",
    "cloud.account.id": BR_ACCOUNT,
    "cloud.availability_zone": "us-east-2c",
    "aws.ecs.cluster.arn": f"arn:aws:ecs:us-east-2:{BR_ACCOUNT}:cluster/batch-ec2",
    "aws.ecs.task.arn": BR_TASK_ARN,
    "aws.ecs.task.id": BR_TASK_ID,
    "aws.ecs.task.family": "invoice-worker",
    "aws.ecs.task.revision": "41",
    "container.name": "worker",
    "container.id": BR_DOCKER_ID,
    "container.image.name": "registry.example.com:5000/billing/worker",
    "container.image.tags": ["2024.06.1"],
    "container.image.id": BR_IMAGE_ID,
    "aws.log.group.names": ["/ecs/invoice-worker"],
    "aws.log.group.arns": [BR_LOG_GROUP_ARN],
    "aws.log.stream.names": [f"ecs/worker/{BR_TASK_ID}"],
    "aws.log.stream.arns": [f"{BR_LOG_GROUP_ARN}:log-stream:ecs/worker/{BR_TASK_ID}"],
}
TRUTH_EC2_BRIDGE = {
    **TRUTH_EC2_BRIDGE_OLD_AGENT,
    "cloud.resource_id": BR_CONTAINER_ARN,
    "aws.ecs.launchtype": "ec2",
    "aws.ecs.container.arn": BR_CONTAINER_ARN,
}

# -- the hosts of the tasks ---------------------------------------------------------------------

AL2023_AWSVPC = Host("EC2, Amazon Linux 2023 (cgroup v2), awsvpc", EC2_ENI_HOSTNAME, CGROUP_V2)
AL2_AWSVPC_V3 = Host(
    "EC2, Amazon Linux 2 (cgroup v1), awsvpc",
    EC2_ENI_HOSTNAME,
    cgroup_v1(EC2_TASK_ID, EC2_DOCKER_ID),
)
FARGATE_HOST = Host(
    "Fargate 1.4 (cgroup v1), awsvpc", FG_ENI_HOSTNAME, cgroup_v1(FG_TASK_ID, FG_DOCKER_ID)
)
FARGATE_CN_HOST = Host(
    "Fargate 1.4 (cgroup v1), awsvpc", CN_ENI_HOSTNAME, cgroup_v1(CN_TASK_ID, CN_DOCKER_ID)
)
# In bridge mode Docker sets the hostname to the short container ID.
AL2_BRIDGE = Host(
    "EC2, Amazon Linux 2 (cgroup v1), bridge",
    BR_DOCKER_ID[:12],
    cgroup_v1(BR_TASK_ID, BR_DOCKER_ID),
)

# What the incumbent never gives: no code for it in its source.
NOT_IMPLEMENTED = frozenset(
    {
        "cloud.region",
        "cloud.account.id",
        "cloud.availability_zone",
        "cloud.resource_id",
        "aws.ecs.task.id",
        "container.image.name",
        "container.image.tags",
        "container.image.id",
    }
)

# The last 64 characters of ``.../ecs/<task id>/<task id>-<digits>``: the tail of the task ID,
# a slash and the DockerId.
FG_GARBLED_ID = "52eb3fff4e8f0644874e/ae54c116136f52eb3fff4e8f0644874e-1664421365"
CN_GARBLED_ID = "4e2d8c6b4a2f0e8d6c4b/3e9d7c5b1a0f4e2d8c6b4a2f0e8d6c4b-2870456193"

TASKS = (
    Task(
        id="v4-ec2-awsvpc",
        title="v4, EC2 awsvpc (the package's EC2 sample)",
        launch_type="EC2",
        body=None,
        host=AL2023_AWSVPC,
        truth=TRUTH_EC2_SAMPLE,
        ours_extra=frozenset({SERVICE_NAME_KEY}),
        incumbent=Incumbent(
            correct=12,
            wrong={"container.name": EC2_ENI_HOSTNAME, "container.id": ""},
            missing=NOT_IMPLEMENTED,
            requests=2,
        ),
    ),
    Task(
        id="v4-fargate",
        title="v4, Fargate (the package's Fargate sample)",
        launch_type="FARGATE",
        body=None,
        host=FARGATE_HOST,
        truth=TRUTH_FARGATE_SAMPLE,
        ours_extra=frozenset({SERVICE_NAME_KEY}),
        incumbent=Incumbent(
            correct=12,
            wrong={"container.name": FG_ENI_HOSTNAME, "container.id": FG_GARBLED_ID},
            missing=NOT_IMPLEMENTED,
            requests=2,
        ),
    ),
    Task(
        id="v4-fargate-aws-cn",
        title="v4, Fargate in aws-cn (cn-northwest-1)",
        launch_type="FARGATE",
        body=FARGATE_CN_TASK,
        host=FARGATE_CN_HOST,
        truth=TRUTH_FARGATE_CN,
        ours_extra=frozenset({SERVICE_NAME_KEY}),
        incumbent=Incumbent(
            correct=10,
            wrong={
                "container.name": CN_ENI_HOSTNAME,
                "container.id": CN_GARBLED_ID,
                "aws.log.group.arns": [None],
                "aws.log.stream.arns": [None],
            },
            missing=NOT_IMPLEMENTED,
            requests=2,
        ),
    ),
    Task(
        id="v4-ec2-bridge",
        title="v4, EC2 bridge, current agent",
        launch_type="EC2",
        body=EC2_BRIDGE_TASK,
        host=AL2_BRIDGE,
        truth=TRUTH_EC2_BRIDGE,
        ours_extra=frozenset({SERVICE_NAME_KEY}),
        incumbent=Incumbent(
            correct=13,
            wrong={"container.name": BR_DOCKER_ID[:12]},
            missing=NOT_IMPLEMENTED,
            requests=2,
        ),
    ),
    Task(
        id="v4-ec2-bridge-old-agent",
        title="v4, EC2 bridge, agent without ContainerARN and LaunchType",
        launch_type="EC2",
        body=EC2_BRIDGE_OLD_AGENT_TASK,
        host=AL2_BRIDGE,
        truth=TRUTH_EC2_BRIDGE_OLD_AGENT,
        ours_extra=frozenset(),
        incumbent=Incumbent(
            correct=0,
            wrong={},
            missing=frozenset(TRUTH_EC2_BRIDGE_OLD_AGENT),
            requests=2,
        ),
    ),
    Task(
        id="v3-only",
        title="v3 only (the EC2 sample, ECS_CONTAINER_METADATA_URI alone)",
        launch_type="EC2",
        body=None,
        host=AL2_AWSVPC_V3,
        truth=TRUTH_EC2_SAMPLE_V3,
        ours_extra=frozenset(),
        incumbent=Incumbent(
            correct=3,
            wrong={"container.name": EC2_ENI_HOSTNAME},
            missing=frozenset(TRUTH_EC2_SAMPLE_V3)
            - {"cloud.provider", "cloud.platform", "container.id", "container.name"},
            requests=0,
        ),
        v3_only=True,
    ),
)
TASKS_BY_ID = {task.id: task for task in TASKS}


# -- running the detectors -------------------------------------------------------------------


def start_child(
    detector: str, env: Mapping[str, str], host: Host | None, where: Path
) -> subprocess.Popen[str]:
    """Start `detector` in a child, in its own process group; `host` answers its hostname and
    cgroup reads (None: this machine's)."""
    hostname, cgroup_path = "", ""
    if host is not None:
        cgroup_file = where / "cgroup"
        cgroup_file.write_text(host.cgroup, encoding="utf-8")
        hostname, cgroup_path = host.hostname, str(cgroup_file)
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, detector, hostname, cgroup_path],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def finish_child(process: subprocess.Popen[str], timeout: float = 60.0) -> dict[str, Any]:
    """The child's answer (its last stdout line as JSON); killed whole after `timeout`."""
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
    answer: dict[str, Any] = json.loads(lines[-1])
    return answer


@dataclass(frozen=True)
class Run:
    """One detector's answer on one task."""

    attributes: dict[str, Any]
    warnings: list[str]
    hostname: str
    cgroup: str | None
    elapsed: float
    paths: collections.Counter[str]


@dataclass(frozen=True)
class Compared:
    task: Task
    env: dict[str, str]
    runs: dict[str, Run] = field(default_factory=dict)


def run_detector(
    detector: str, mock: MockEndpoint, env: Mapping[str, str], host: Host | None, where: Path
) -> Run:
    mock.reset_counts()
    answer = finish_child(start_child(detector, env, host, where))
    return Run(
        attributes=answer["attributes"],
        warnings=answer["warnings"],
        hostname=answer["hostname"],
        cgroup=answer["cgroup"],
        elapsed=answer["elapsed"],
        paths=collections.Counter(request.path for request in mock.requests),
    )


def task_environ(mock: MockEndpoint, v3_only: bool) -> dict[str, str]:
    """The environment of a container of the task: v3 alone when asked."""
    variables = mock.environ()
    if v3_only:
        variables = {
            "ECS_CONTAINER_METADATA_URI": variables["ECS_CONTAINER_METADATA_URI"],
            "AWS_EXECUTION_ENV": variables["AWS_EXECUTION_ENV"],
        }
    return base_environ(**variables)


@contextlib.contextmanager
def serving(task: Task, where: Path, **options: Any) -> Iterator[MockEndpoint]:
    task_file = None
    if task.body is not None:
        path = where / "task.json"
        path.write_text(json.dumps(task.body), encoding="utf-8")
        task_file = str(path)
    mock = MockEndpoint(launch_type=task.launch_type, task_file=task_file, **options).start()
    try:
        yield mock
    finally:
        mock.stop()


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Compared]:
    """Both detectors on every task, once for the module: the same environment and host."""
    results: dict[str, Compared] = {}
    for task in TASKS:
        where = tmp_path_factory.mktemp(task.id)
        with serving(task, where) as mock:
            env = task_environ(mock, task.v3_only)
            result = Compared(task, env)
            for detector in (OURS, INCUMBENT_NAME):
                result.runs[detector] = run_detector(detector, mock, env, task.host, where)
        results[task.id] = result
    return results


# -- classifying ------------------------------------------------------------------------------


def classify(truth: Mapping[str, Any], attributes: Mapping[str, Any]) -> dict[str, str]:
    """Per attribute of the truth: correct, wrong (present with another value) or missing."""
    return {
        key: "missing"
        if key not in attributes
        else "correct"
        if attributes[key] == truth[key]
        else "wrong"
        for key in truth
    }


def counts(classes: Mapping[str, str]) -> tuple[int, int, int]:
    tally = collections.Counter(classes.values())
    return tally["correct"], tally["wrong"], tally["missing"]


def incumbent_version() -> str:
    return importlib.metadata.version(INCUMBENT_DISTRIBUTION)


def report(task: Task, expected: Mapping[str, str], seen: Mapping[str, str], run: Run) -> str:
    """Attribute by attribute, where the incumbent's classification changed."""
    lines = [
        f"{INCUMBENT_NAME} ({INCUMBENT_DISTRIBUTION} {incumbent_version()}) on {task.title} no "
        "longer classifies as recorded in its Task (fixed upstream? update this file and the "
        "README's figures):",
        f"  counts recorded {counts(expected)}, now {counts(seen)} (correct, wrong, missing)",
    ]
    for key in task.truth:
        recorded_value = task.incumbent.wrong.get(key, "<absent>")
        value_now = run.attributes.get(key, "<absent>")
        if expected[key] != seen[key] or (seen[key] == "wrong" and recorded_value != value_now):
            lines.append(
                f"  {key}: recorded {expected[key]} ({recorded_value!r}), now {seen[key]} "
                f"({value_now!r}); the truth is {task.truth[key]!r}"
            )
    return "\n".join(lines)


# -- the comparison ---------------------------------------------------------------------------


@pytest.mark.parametrize("task_id", list(TASKS_BY_ID))
def test_ours_is_correct_on_every_attribute(compared: dict[str, Compared], task_id: str) -> None:
    """Our detector: every attribute of the truth present with its value (none wrong, none
    missing), nothing else but the service name where the task has one, and no route asked
    twice."""
    result = compared[task_id]
    run = result.runs[OURS]
    classes = classify(result.task.truth, run.attributes)
    differences = {
        key: (result.task.truth[key], run.attributes.get(key, "<absent>"))
        for key, seen in classes.items()
        if seen != "correct"
    }
    assert set(result.task.truth) <= set(CONVENTION_KEYS)  # the truth holds conventions only
    assert {} == differences, f"(truth, ours) on {result.task.title}"
    assert set(run.attributes) - set(result.task.truth) == result.task.ours_extra
    assert run.paths, "no request to the endpoint"
    assert max(run.paths.values()) == 1, run.paths
    if result.task.v3_only:
        assert all(path.startswith("/v3/") for path in run.paths), run.paths


@pytest.mark.parametrize("task_id", list(TASKS_BY_ID))
def test_incumbent_classifies_as_recorded(compared: dict[str, Compared], task_id: str) -> None:
    """The ``aws_ecs`` detector: per attribute as recorded in the task's `Incumbent` (the
    counts, the wrong values, the missing keys), nothing outside the truth, and its requests."""
    result = compared[task_id]
    task = result.task
    run = result.runs[INCUMBENT_NAME]
    recorded = task.incumbent
    expected = recorded.classes(task.truth)
    # The record is consistent with itself: the counts written are those of the classes.
    assert counts(expected) == (recorded.correct, len(recorded.wrong), len(recorded.missing))
    assert set(recorded.wrong) | recorded.missing <= set(task.truth)
    seen = classify(task.truth, run.attributes)
    wrong_now = {key: run.attributes[key] for key, c in seen.items() if c == "wrong"}
    assert (seen, wrong_now) == (expected, recorded.wrong), report(task, expected, seen, run)
    assert set(run.attributes) <= set(task.truth), "attributes outside the truth"
    assert run.paths.total() == recorded.requests, run.paths


def test_same_environment_and_host_for_both(compared: dict[str, Compared]) -> None:
    """Both children of a task saw the same hostname and cgroup file (the task's host), and the
    environment carried the metadata variables the incumbent needs."""
    for result in compared.values():
        ours, theirs = result.runs[OURS], result.runs[INCUMBENT_NAME]
        assert ours.hostname == theirs.hostname == result.task.host.hostname
        assert ours.cgroup == theirs.cgroup == result.task.host.cgroup
        assert "ECS_CONTAINER_METADATA_URI" in result.env
        assert ("ECS_CONTAINER_METADATA_URI_V4" in result.env) is not result.task.v3_only


# -- the incumbent's reasons, from its output -------------------------------------------------


def test_incumbent_container_name_is_the_hostname(compared: dict[str, Compared]) -> None:
    """Wherever it answers, its ``container.name`` is the host's name (the ENI's DNS name on
    awsvpc, the short Docker ID in bridge mode), never the metadata's container name."""
    answered = [r for r in compared.values() if r.runs[INCUMBENT_NAME].attributes]
    assert len(answered) == 5
    for result in answered:
        run = result.runs[INCUMBENT_NAME]
        assert run.attributes["container.name"] == run.hostname
        assert run.attributes["container.name"] != result.task.truth["container.name"]


def test_incumbent_container_id_is_a_cgroup_tail(compared: dict[str, Compared]) -> None:
    """Its ``container.id`` is the tail of a cgroup line: empty on a cgroup v2 host, the task
    ID's tail, a slash and the DockerId on Fargate, the DockerId only on an EC2 cgroup v1 host."""
    for result in compared.values():
        run = result.runs[INCUMBENT_NAME]
        if not run.attributes:
            continue
        container_id = run.attributes["container.id"]
        lines = [line for line in (run.cgroup or "").splitlines() if len(line) > 64]
        assert container_id == (lines[0][-64:] if lines else ""), result.task.id
    assert compared["v4-ec2-awsvpc"].runs[INCUMBENT_NAME].attributes["container.id"] == ""
    fargate = compared["v4-fargate"].runs[INCUMBENT_NAME].attributes["container.id"]
    assert fargate.endswith(f"/{FG_DOCKER_ID}")
    assert compared["v4-ec2-bridge"].runs[INCUMBENT_NAME].attributes["container.id"] == (
        BR_DOCKER_ID
    )


def test_incumbent_log_arns_lose_the_partition(compared: dict[str, Compared]) -> None:
    """In aws-cn its log ARNs are ``[None]``: the account is parsed from the container ARN with
    the pattern ``arn:aws:ecs:``, which an ``arn:aws-cn:`` ARN does not match. The names, and the
    cluster ARN (built from the task ARN), stay right."""
    run = compared["v4-fargate-aws-cn"].runs[INCUMBENT_NAME]
    assert run.attributes["aws.ecs.container.arn"].startswith("arn:aws-cn:ecs:")
    assert run.attributes["aws.log.group.arns"] == [None]
    assert run.attributes["aws.log.stream.arns"] == [None]
    assert run.attributes["aws.log.group.names"] == ["/ecs/orders-api"]
    assert run.attributes["aws.ecs.cluster.arn"] == CN_CLUSTER_ARN


def test_incumbent_old_agent_gives_nothing(compared: dict[str, Compared]) -> None:
    """An agent without ContainerARN: the incumbent fetched both documents, then its
    ``KeyError`` is caught and logged, and the resource is empty; ours has every attribute."""
    result = compared["v4-ec2-bridge-old-agent"]
    run = result.runs[INCUMBENT_NAME]
    assert run.attributes == {}
    assert "AwsEcsResourceDetector failed: 'ContainerARN'" in run.warnings
    assert run.paths.total() == 2
    assert len(result.runs[OURS].attributes) == len(result.task.truth)


def test_incumbent_v3_only_asks_nothing(compared: dict[str, Compared]) -> None:
    """With v3 alone, the incumbent reads only the host: no request, four attributes."""
    run = compared["v3-only"].runs[INCUMBENT_NAME]
    assert run.paths.total() == 0
    assert set(run.attributes) == {
        "cloud.provider",
        "cloud.platform",
        "container.name",
        "container.id",
    }


@pytest.mark.parametrize("key", ["ContainerARN", "LaunchType"])
def test_incumbent_gives_nothing_without_one_key(tmp_path: Path, key: str) -> None:
    """One key absent from a current agent's answer, ContainerARN or LaunchType, and the
    incumbent's resource is empty (the key named in its warning)."""
    container = {
        name: value for name, value in EC2_BRIDGE_TASK["Containers"][0].items() if name != key
    }
    body = {name: value for name, value in EC2_BRIDGE_TASK.items() if name != key}
    body["Containers"] = [container]
    task = Task(
        id=f"without-{key}",
        title="",
        launch_type="EC2",
        body=body,
        host=AL2_BRIDGE,
        truth={},
        ours_extra=frozenset(),
        incumbent=Incumbent(0, {}, frozenset(), 2),
    )
    with serving(task, tmp_path) as mock:
        run = run_detector(INCUMBENT_NAME, mock, task_environ(mock, False), AL2_BRIDGE, tmp_path)
    assert run.attributes == {}
    assert f"AwsEcsResourceDetector failed: {key!r}" in run.warnings


def test_incumbent_reads_the_host_not_the_metadata(tmp_path: Path) -> None:
    """With this machine's own hostname and cgroup file (nothing replaced), the incumbent's
    ``container.name`` is the hostname and its ``container.id`` a cgroup tail, not the values
    the metadata holds (checkout-api and its DockerId)."""
    task = TASKS_BY_ID["v4-ec2-awsvpc"]
    with serving(task, tmp_path) as mock:
        run = run_detector(INCUMBENT_NAME, mock, task_environ(mock, False), None, tmp_path)
    assert run.attributes["container.name"] == run.hostname
    lines = [line for line in (run.cgroup or "").splitlines() if len(line) > 64]
    assert run.attributes["container.id"] == (lines[0][-64:] if lines else "")
    assert run.attributes["container.id"] != EC2_DOCKER_ID
    assert run.attributes["aws.ecs.task.arn"] == EC2_TASK_ARN  # the metadata was read


def test_hung_endpoint(tmp_path: Path) -> None:
    """An endpoint that does not answer: both give no attribute; ours within its timeout (1 s
    by default) plus a margin, the incumbent only after its urlopen timeout of 5 s (the
    SDK's 5 s per detector does not cut it short: the SDK joins the detector's thread). The
    two children run at once."""
    task = TASKS_BY_ID["v4-ec2-awsvpc"]
    with serving(task, tmp_path, latency=30.0) as mock:
        env = task_environ(mock, False)
        children = {}
        for detector in (OURS, INCUMBENT_NAME):
            where = tmp_path / detector
            where.mkdir()
            children[detector] = start_child(detector, env, AL2023_AWSVPC, where)
        answers = {detector: finish_child(child, 20.0) for detector, child in children.items()}
    ours, theirs = answers[OURS], answers[INCUMBENT_NAME]
    assert ours["attributes"] == {}
    assert theirs["attributes"] == {}
    assert ours["elapsed"] < OUR_TIMEOUT + MARGIN
    assert theirs["elapsed"] >= INCUMBENT_TIMEOUT - 0.5, theirs
    assert "AwsEcsResourceDetector failed: timed out" in theirs["warnings"]
