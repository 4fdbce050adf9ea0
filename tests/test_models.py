"""The models: every fixture field by field, the tolerance rules, the errors, and fuzzing."""

# The project writes `assert expected == actual`, which SIM300 takes for a Yoda condition.

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
import types
import typing
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ecs_log_context.models
from ecs_log_context._metadata_file import parse_metadata_file
from ecs_log_context.errors import InvalidMetadataError, MetadataError
from ecs_log_context.models import (
    AgentError,
    ClockDrift,
    ContainerMetadata,
    ContainerStats,
    CpuStats,
    EphemeralStorageMetrics,
    Health,
    Limits,
    MemoryStats,
    Network,
    NetworkRateStats,
    NetworkStats,
    Port,
    TaskMetadata,
    ThrottlingData,
    Volume,
    parse_task_stats,
)
from ecs_log_context.models._schema import Model, empty

from .documents import FIXTURES, fixture_json, fixture_text

V4_TASK_ARN = "arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c"
V2_TASK_ARN = "arn:aws:ecs:us-east-2:012345678910:task/9781c248-0edd-4cdb-9a93-f63cb662a5d3"


def utc(  # noqa: PLR0917 -- the positional fields of datetime itself
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
) -> datetime:
    """A datetime in UTC."""
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=timezone.utc)


def ecs_labels(cluster: str, name: str, task_arn: str, family: str, version: str) -> dict[str, str]:
    """The Docker labels the agent puts on every container."""
    return {
        "com.amazonaws.ecs.cluster": cluster,
        "com.amazonaws.ecs.container-name": name,
        "com.amazonaws.ecs.task-arn": task_arn,
        "com.amazonaws.ecs.task-definition-family": family,
        "com.amazonaws.ecs.task-definition-version": version,
    }


def invalid_detail(parse: Callable[[Any], object], document: Any) -> str:
    """The detail of the InvalidMetadataError that ``parse(document)`` raises."""
    with pytest.raises(InvalidMetadataError) as caught:
        parse(document)
    return caught.value.detail


# -- the fixtures, field by field ------------------------------------------------------------


def test_v2_task_nginx() -> None:
    """The v2 documentation example: task fields, the pause container and nginx-curl."""
    task = TaskMetadata.from_json(
        fixture_json("v2_task_nginx_awsdocs.json"), url="http://169.254.170.2/v2/metadata"
    )
    labels = ecs_labels("default", "nginx-curl", V2_TASK_ARN, "nginx", "5")
    expected_nginx = ContainerMetadata(
        docker_id="43481a6ce4842eec8fe72fc28500c6b52edcc0917f105b83379f88cac1ff3946",
        name="nginx-curl",
        docker_name="ecs-nginx-5-nginx-curl-ccccb9f49db0dfe0d901",
        image="nrdlngr/nginx-curl",
        image_id="sha256:2e00ae64383cfc865ba0a2ba37f61b50a120d2d9378559dcd458dc0de47bc165",
        labels=labels,
        desired_status="RUNNING",
        known_status="RUNNING",
        limits=Limits(cpu=512, memory=512),
        created_at=utc(2018, 2, 1, 20, 55, 10, 554941),
        started_at=utc(2018, 2, 1, 20, 55, 11, 64236),
        type="NORMAL",
        networks=(Network(network_mode="awsvpc", ipv4_addresses=("10.0.2.106",)),),
    )
    assert "default" == task.cluster
    assert V2_TASK_ARN == task.task_arn
    assert ("nginx", "5") == (task.family, task.revision)
    assert ("RUNNING", "RUNNING") == (task.desired_status, task.known_status)
    assert utc(2018, 2, 1, 20, 55, 9, 372495) == task.pull_started_at
    assert utc(2018, 2, 1, 20, 55, 10, 552018) == task.pull_stopped_at
    assert timezone.utc == task.pull_started_at.tzinfo
    assert "us-east-2b" == task.availability_zone
    assert (None, None, None, None) == (
        task.limits,
        task.launch_type,
        task.vpc_id,
        task.clock_drift,
    )
    assert 2 == len(task.containers)
    assert expected_nginx == task.containers[1]
    assert (expected_nginx,) == task.normal_containers
    assert {} == dict(task.raw)


def test_v2_pause_container() -> None:
    """The pause container: empty ImageID, zero limits, type CNI_PAUSE."""
    pause = TaskMetadata.from_json(fixture_json("v2_task_nginx_awsdocs.json")).containers[0]
    assert "731a0d6a3b4210e2448339bc7015aaa79bfe4fa256384f4102db86ef94cbbc4c" == pause.docker_id
    assert "~internal~ecs~pause" == pause.name
    assert "ecs-nginx-5-internalecspause-acc699c0cbf2d6d11700" == pause.docker_name
    assert "amazon/amazon-ecs-pause:0.1.0" == pause.image
    assert "" == pause.image_id
    assert ("RESOURCES_PROVISIONED", "RESOURCES_PROVISIONED") == (
        pause.desired_status,
        pause.known_status,
    )
    assert Limits(cpu=0, memory=0) == pause.limits
    assert utc(2018, 2, 1, 20, 55, 8, 366329) == pause.created_at
    assert utc(2018, 2, 1, 20, 55, 9, 58354) == pause.started_at
    assert "CNI_PAUSE" == pause.type
    assert (None, None, None) == (pause.container_arn, pause.log_driver, pause.finished_at)


def test_v3_task_is_the_v2_example() -> None:
    """The v3 task example is the v2 body: both parse to the same model."""
    expected = TaskMetadata.from_json(fixture_json("v2_task_nginx_awsdocs.json"))
    assert expected == TaskMetadata.from_json(fixture_json("v3_task_awsdocs.json"))


def test_v3_container() -> None:
    """``${ECS_CONTAINER_METADATA_URI}`` answers with one container."""
    container = ContainerMetadata.from_json(fixture_json("v3_container_awsdocs.json"))
    expected = TaskMetadata.from_json(fixture_json("v2_task_nginx_awsdocs.json")).containers[1]
    assert expected == container


def test_v2_task_with_tags_datadog() -> None:
    """The Datadog capture: tags, volumes, eight fractional digits, alphabetical key order."""
    task = TaskMetadata.from_json(fixture_json("v2_taskWithTags_datadog.json"))
    task_arn = (
        "arn:aws:ecs:us-west-1:601427279990:task/ecs-cluster/36a297a28f0f4ad2959801747cfe8703"
    )
    assert ("ecs-cluster", task_arn) == (task.cluster, task.task_arn)
    assert ("ecs-cluster_redis-awsvpc", "12") == (task.family, task.revision)
    assert "us-west-1c" == task.availability_zone
    assert utc(2019, 10, 25, 9, 36, 27, 720993) == task.pull_started_at
    assert utc(2019, 10, 25, 9, 36, 32, 91264) == task.pull_stopped_at
    assert {
        "Creator": "john.doe",
        "Environment": "sandbox",
        "Name": "ecs-cluster-cluster",
        "Team": "dev-1",
        "aws:ecs:clusterName": "ecs-cluster",
        "aws:ecs:serviceName": "ec2-redis-awspvc",
    } == task.task_tags
    assert {"InstanceType": "storage", "InstanceGroup": "databases"} == task.container_instance_tags
    redis = task.containers[1]
    assert "470f831ceac0479b8c6614a7232e707fb24760c350b13ee589dd1d6424315d98" == redis.docker_id
    assert ("redis", "redis") == (redis.name, redis.image)
    assert Limits(cpu=0, memory=256) == redis.limits
    assert utc(2019, 10, 25, 9, 36, 32, 99340) == redis.created_at
    volume_id = "7affdf4525ed489b6e6b2b8c4da9ac7c284ef8e5b314484a3a25ba5ee4d85661"
    expected_volume = Volume(
        docker_name=volume_id,
        source=f"/var/lib/docker/volumes/{volume_id}/_data",
        destination="/data",
    )
    assert (expected_volume,) == redis.volumes
    assert () == task.containers[0].volumes
    assert (redis,) == task.normal_containers


def test_v4_task_ec2_awsvpc() -> None:
    """The v4 EC2 task: v4 task keys and the v4 network keys."""
    task = TaskMetadata.from_json(fixture_json("v4_task_ec2_awsvpc_awsdocs.json"))
    assert ("default", V4_TASK_ARN) == (task.cluster, task.task_arn)
    assert ("curltest", "26") == (task.family, task.revision)
    assert ("MyService", "vpc-1234567890abcdef0", "EC2") == (
        task.service_name,
        task.vpc_id,
        task.launch_type,
    )
    assert ("us-west-2d", None) == (task.availability_zone, task.availability_zone_id)
    assert utc(2020, 10, 2, 0, 43, 6, 202617) == task.pull_started_at
    assert utc(2020, 10, 2, 0, 43, 6, 312884) == task.pull_stopped_at
    assert ({}, {}, ()) == (dict(task.task_tags), dict(task.container_instance_tags), task.errors)
    curl = task.containers[1]
    assert "ee08638adaaf009d78c248913f629e38299471d45fe7dc944d1039077e3424ca" == curl.docker_id
    assert "arn:aws:ecs:us-west-2:111122223333:container/abb51bdd-11b4-467f-8f6c-adcfe1fe059d" == (
        curl.container_arn
    )
    assert "awslogs" == curl.log_driver
    assert {
        "awslogs-create-group": "true",
        "awslogs-group": "/ecs/metadata",
        "awslogs-region": "us-west-2",
        "awslogs-stream": "ecs/curl/158d1c8083dd49d6b527399fd6414f5c",
    } == curl.log_options
    assert Limits(cpu=10, memory=128) == curl.limits
    expected_network = Network(
        network_mode="awsvpc",
        ipv4_addresses=("10.0.2.61",),
        attachment_index=0,
        mac_address="0e:10:e2:01:bd:91",
        ipv4_subnet_cidr_block="10.0.2.0/24",
        private_dns_name="ip-10-0-2-61.us-west-2.compute.internal",
        subnet_gateway_ipv4_address="10.0.2.1/24",
    )
    assert (expected_network,) == curl.networks
    assert (expected_network,) == task.containers[0].networks
    assert curl is task.container_by_docker_id(curl.docker_id or "")
    assert task.container_by_docker_id("ee08638adaaf") is None


def test_v4_container_ec2_awsvpc() -> None:
    """``${ECS_CONTAINER_METADATA_URI_V4}`` on EC2."""
    container = ContainerMetadata.from_json(fixture_json("v4_container_ec2_awsvpc_awsdocs.json"))
    assert "ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66" == container.docker_id
    assert ("curl", "ecs-curltest-24-curl-cca48e8dcadd97805600") == (
        container.name,
        container.docker_name,
    )
    assert "111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest:latest" == container.image
    assert utc(2020, 10, 2, 0, 15, 7, 620912) == container.created_at
    assert utc(2020, 10, 2, 0, 15, 8, 62559) == container.started_at
    assert "ecs/curl/8f03e41243824aea923aca126495f665" == container.log_options["awslogs-stream"]
    assert "arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9" == (
        container.container_arn
    )
    assert "24" == container.labels["com.amazonaws.ecs.task-definition-version"]
    network = container.networks[0]
    assert ("10.0.2.100",) == network.ipv4_addresses
    assert ("0e:9e:32:c7:48:85", "10.0.2.0/24") == (
        network.mac_address,
        network.ipv4_subnet_cidr_block,
    )
    assert () == container.ports
    assert (None, None, None) == (container.health, container.restart_count, container.exit_code)


def test_v4_task_fargate() -> None:
    """Fargate: cluster ARN, task limits in vCPUs, IPv6, DNS, ClockDrift inside the container."""
    task = TaskMetadata.from_json(fixture_json("v4_task_fargate_awsdocs.json"))
    assert "arn:aws:ecs:us-west-2:111122223333:cluster/default" == task.cluster
    assert "FARGATE" == task.launch_type
    assert Limits(cpu=0.25, memory=512) == task.limits
    assert ("us-west-2a", "3") == (task.availability_zone, task.revision)
    assert task.clock_drift is None
    (curl,) = task.containers
    assert "e9028f8d5d8e4f258373e7b93ce9a3c3-2495160603" == curl.docker_id
    assert ("curl", "curl") == (curl.name, curl.docker_name)
    assert curl.created_at == curl.started_at == utc(2020, 10, 8, 20, 47, 20, 567813)
    assert (
        Network(
            network_mode="awsvpc",
            ipv4_addresses=("192.0.2.3",),
            ipv6_addresses=("2001:dB8:10b:1a00:32bf:a372:d80f:e958",),
            attachment_index=0,
            mac_address="02:b7:20:19:72:39",
            ipv4_subnet_cidr_block="192.0.2.0/24",
            ipv6_subnet_cidr_block="2600:1f13:10b:1a00::/64",
            domain_name_servers=("192.0.2.2",),
            domain_name_search_list=("us-west-2.compute.internal",),
            private_dns_name="ip-172-31-30-173.us-west-2.compute.internal",
            subnet_gateway_ipv4_address="192.0.2.0/24",
        )
        == curl.networks[0]
    )
    assert (
        ClockDrift(
            clock_error_bound=0.5458234999999999,
            reference_timestamp=utc(2021, 9, 7, 16, 57, 44),
            clock_synchronization_status="SYNCHRONIZED",
        )
        == curl.clock_drift
    )
    assert "/ecs/containerlogs" == curl.log_options["awslogs-group"]


def test_v4_task_with_tags() -> None:
    """taskWithTags: TaskTags and ContainerInstanceTags."""
    task = TaskMetadata.from_json(fixture_json("v4_taskWithTags_awsdocs.json"))
    assert {"tag-use": "task-metadata-endpoint-test"} == task.task_tags
    assert {"tag_key": "tag_value"} == task.container_instance_tags
    assert () == task.errors
    assert V4_TASK_ARN == task.task_arn


def test_v4_task_with_tags_errors() -> None:
    """taskWithTags when the tags cannot be read: the Errors entries."""
    task = TaskMetadata.from_json(fixture_json("v4_taskWithTags_errors_awsdocs.json"))
    denied = "User: arn:aws:sts::111122223333:assumed-role/ecsInstanceRole/i-0744a608689EXAMPLE "
    instance = "arn:aws:ecs:us-west-2:111122223333:container-instance/default/"
    other_task = "arn:aws:ecs:us-west-2:111122223333:task/default/9ef30e4b7aa44d0db562749cff4983f3"
    assert (
        AgentError(
            error_field="ContainerInstanceTags",
            error_code="AccessDeniedException",
            error_message=denied + "is not authorized to perform: ecs:ListTagsForResource on "
            f"resource: {instance}2dd1b186f39845a584488d2ef155c131",
            status_code=400,
            request_id="cd597ef0-272b-4643-9bd2-1de469870fa6",
            resource_arn=f"{instance}2dd1b186f39845a584488d2ef155c131",
        ),
        AgentError(
            error_field="TaskTags",
            error_code="AccessDeniedException",
            error_message=denied + "is not authorized to perform: ecs:ListTagsForResource on "
            f"resource: {other_task}",
            status_code=400,
            request_id="862c5986-6cd2-4aa6-87cc-70be395531e1",
            resource_arn=other_task,
        ),
    ) == task.errors
    assert ({}, {}) == (dict(task.task_tags), dict(task.container_instance_tags))


def test_v2_stats_task_datadog() -> None:
    """The v2 task stats: a null entry, and Docker stats without network_rate_stats."""
    stats = parse_task_stats(fixture_json("v2_stats_task_datadog.json"))
    missing = "470f831ceac0479b8c6614a7232e707fb24760c350b13ee589dd1d6424315d42"
    redis_id = "470f831ceac0479b8c6614a7232e707fb24760c350b13ee589dd1d6424315d98"
    assert [missing, redis_id] == list(stats)
    assert stats[missing] is None
    redis = stats[redis_id]
    assert redis is not None
    assert redis_id == redis.id
    assert "/ecs-xavierlucas-test_redis-awsvpc-12-redis-86fe99b5ffeabffeed01" == redis.name
    assert utc(2019, 10, 25, 10, 7, 1, 6590) == redis.read
    assert utc(2019, 10, 25, 10, 7, 0, 1729) == redis.preread
    assert (0, 6) == (redis.num_procs, redis.pids_current)
    assert (
        CpuStats(
            total_usage=9743590394,
            percpu_usage=(5906703717, 3836886677),
            usage_in_kernelmode=2260000000,
            usage_in_usermode=7450000000,
            system_cpu_usage=3951680000000,
            online_cpus=2,
            throttling=ThrottlingData(periods=0, throttled_periods=0, throttled_time=0),
        )
        == redis.cpu_stats
    )
    assert 9742748672 == redis.precpu_stats.total_usage  # type: ignore[union-attr]
    assert 3949670000000 == redis.precpu_stats.system_cpu_usage  # type: ignore[union-attr]
    memory = redis.memory_stats
    assert memory is not None
    assert (268435456, 139751424) == (memory.limit, memory.max_usage)
    assert 65499136 == memory.stats["cache"]
    assert 163710528 == redis.networks["eth0"].rx_bytes
    assert 1103607 == redis.networks["eth0"].tx_bytes
    assert redis.network_rate_stats is None
    assert {"blkio_stats", "storage_stats"} <= set(redis.raw)


def test_v4_stats_container() -> None:
    """v4 container stats, every typed part."""
    stats = ContainerStats.from_json(fixture_json("v4_stats_container_ec2_bridge_awsdocs.json"))
    throttling = ThrottlingData(periods=0, throttled_periods=0, throttled_time=0)
    assert "5fc21e5b015f899d22618f8aede80b6d70d71b2a75465ea49d9462c8f3d2d3af" == stats.id
    assert "/ecs-curltest-26-curl-c2e5f6e0cf91b0bead01" == stats.name
    assert utc(2020, 10, 2, 0, 51, 13, 410254) == stats.read
    assert utc(2020, 10, 2, 0, 51, 12, 406202) == stats.preread
    assert (0, 3) == (stats.num_procs, stats.pids_current)
    assert (
        CpuStats(
            total_usage=360968065,
            percpu_usage=(182359190, 178608875),
            usage_in_kernelmode=40000000,
            usage_in_usermode=290000000,
            system_cpu_usage=13939680000000,
            online_cpus=2,
            throttling=throttling,
        )
        == stats.cpu_stats
    )
    assert 13937670000000 == stats.precpu_stats.system_cpu_usage  # type: ignore[union-attr]
    memory = stats.memory_stats
    assert memory is not None
    assert (1806336, 6299648, 134217728) == (memory.usage, memory.max_usage, memory.limit)
    assert (0, 606208) == (memory.stats["cache"], memory.stats["rss"])
    assert {
        "eth0": NetworkStats(
            rx_bytes=84,
            rx_packets=2,
            rx_errors=0,
            rx_dropped=0,
            tx_bytes=84,
            tx_packets=2,
            tx_errors=0,
            tx_dropped=0,
        )
    } == stats.networks
    assert NetworkRateStats(rx_bytes_per_sec=0, tx_bytes_per_sec=0) == stats.network_rate_stats
    assert ["blkio_stats", "storage_stats"] == sorted(stats.raw)


def test_v4_stats_task() -> None:
    """v4 task stats: one entry per container, huge cgroup limits kept as ints."""
    stats = parse_task_stats(
        fixture_json("v4_stats_task_awsdocs.json"), url="http://169.254.170.2/v4/x/task/stats"
    )
    pause = stats["01999f2e5c6cf4df3873f28950e6278813408f281c54778efec860d0caad4854"]
    curl = stats["5fc21e5b015f899d22618f8aede80b6d70d71b2a75465ea49d9462c8f3d2d3af"]
    assert pause is not None
    assert curl is not None
    assert utc(2020, 10, 2, 0, 51, 32, 514677) == pause.read
    assert 9223372036854771712 == pause.memory_stats.stats["hierarchical_memory_limit"]  # type: ignore[union-attr]
    assert 4073377792 == pause.memory_stats.limit  # type: ignore[union-attr]
    assert (379075681, 378825197) == (curl.cpu_stats.total_usage, curl.precpu_stats.total_usage)  # type: ignore[union-attr]
    assert (1, 3) == (pause.pids_current, curl.pids_current)


def test_task_stats_null_and_empty_mean_no_stats() -> None:
    """Both ``null`` and ``{}`` stand for a container without stats."""
    assert {"a": None, "b": None} == parse_task_stats({"a": None, "b": {}})


def test_empty_container_stats() -> None:
    """``ContainerStats.from_json({})`` is all empty."""
    assert ContainerStats() == ContainerStats.from_json({})


@pytest.mark.parametrize(
    "case",
    [case for case in fixture_json("error_responses_agent.json")["cases"] if case["body"]],
    ids=str,
)
def test_agent_error_bodies_are_not_metadata(case: dict[str, Any]) -> None:
    """The agent's error bodies (JSON strings, or plain text) are refused as metadata."""
    body = case["body"]
    document = json.loads(body) if case["content_type"] == "application/json" else body
    detail = invalid_detail(TaskMetadata.from_json, document)
    assert detail.startswith("expected a JSON object, got ")


# -- ClockDrift in both places, both key spellings -------------------------------------------


def test_clock_drift_on_the_task() -> None:
    """The agent puts ClockDrift on the task."""
    document = fixture_json("v4_task_ec2_awsvpc_awsdocs.json")
    document["ClockDrift"] = {
        "ClockErrorBound": 0.25,
        "ReferenceTimestamp": "2024-03-01T10:00:00.123456789Z",
        "ClockSynchronizationStatus": "NOT_SYNCHRONIZED",
    }
    expected = ClockDrift(
        clock_error_bound=0.25,
        reference_timestamp=utc(2024, 3, 1, 10, 0, 0, 123456),
        clock_synchronization_status="NOT_SYNCHRONIZED",
    )
    assert expected == TaskMetadata.from_json(document).clock_drift


def test_clock_drift_reference_time_as_documented() -> None:
    """The documentation's ``ReferenceTime`` is read too, and written back as the agent's key."""
    drift = ClockDrift.from_json({"ReferenceTime": "2021-09-07T16:57:44Z", "ClockErrorBound": 1})
    assert utc(2021, 9, 7, 16, 57, 44) == drift.reference_timestamp
    assert {} == dict(drift.raw)
    expected = {"ClockErrorBound": 1, "ReferenceTimestamp": "2021-09-07T16:57:44Z"}
    assert expected == drift.to_dict()


def test_clock_drift_both_spellings() -> None:
    """With both keys, the agent's ``ReferenceTimestamp`` wins; the other stays in raw."""
    drift = ClockDrift.from_json(
        {"ReferenceTimestamp": "2021-09-07T16:57:44Z", "ReferenceTime": "2000-01-01T00:00:00Z"}
    )
    assert utc(2021, 9, 7, 16, 57, 44) == drift.reference_timestamp
    assert {"ReferenceTime": "2000-01-01T00:00:00Z"} == dict(drift.raw)


def test_clock_drift_null_reference_timestamp() -> None:
    """A ``null`` ReferenceTimestamp is missing: ReferenceTime is read, and raw stays empty."""
    drift = ClockDrift.from_json(
        {"ReferenceTimestamp": None, "ReferenceTime": "2021-09-07T16:57:44Z"}
    )
    assert utc(2021, 9, 7, 16, 57, 44) == drift.reference_timestamp
    assert {} == dict(drift.raw)
    assert drift == ClockDrift.from_json(drift.to_dict())


# -- v4 keys no fixture has ------------------------------------------------------------------

FULL_V4_CONTAINER = {
    "DockerId": "abc",
    "Ports": [{"ContainerPort": 80, "Protocol": "tcp", "HostPort": 32768, "HostIp": "0.0.0.0"}],
    "ExitCode": 137,
    "FinishedAt": "2024-01-02T03:04:05.5Z",
    "Health": {
        "status": "HEALTHY",
        "statusSince": "2024-01-02T03:00:00.000000001Z",
        "exitCode": 0,
        "output": "ok",
    },
    "RestartCount": 2,
    "Snapshotter": "overlayfs",
}

FULL_V4_TASK = {
    "TaskARN": V4_TASK_ARN,
    "AvailabilityZoneID": "usw2-az4",
    "ExecutionStoppedAt": "2024-01-02T03:04:06Z",
    "EphemeralStorageMetrics": {"Utilized": 261, "Reserved": 20496},
    "FaultInjectionEnabled": False,
    "Containers": [FULL_V4_CONTAINER],
}


def test_v4_container_keys_without_fixture() -> None:
    """Ports with HostIp, ExitCode, FinishedAt, Health (lower case), RestartCount, Snapshotter."""
    container = ContainerMetadata.from_json(FULL_V4_CONTAINER)
    assert (Port(container_port=80, protocol="tcp", host_port=32768, host_ip="0.0.0.0"),) == (
        container.ports
    )
    assert (137, 2, "overlayfs") == (
        container.exit_code,
        container.restart_count,
        container.snapshotter,
    )
    assert utc(2024, 1, 2, 3, 4, 5, 500000) == container.finished_at
    assert (
        Health(status="HEALTHY", status_since=utc(2024, 1, 2, 3, 0, 0), exit_code=0, output="ok")
        == container.health
    )


def test_v4_task_keys_without_fixture() -> None:
    """AvailabilityZoneID, ExecutionStoppedAt, EphemeralStorageMetrics, FaultInjectionEnabled."""
    task = TaskMetadata.from_json(FULL_V4_TASK)
    assert "usw2-az4" == task.availability_zone_id
    assert utc(2024, 1, 2, 3, 4, 6) == task.execution_stopped_at
    assert EphemeralStorageMetrics(utilized=261, reserved=20496) == task.ephemeral_storage_metrics
    assert task.fault_injection_enabled is False


# -- tolerance --------------------------------------------------------------------------------


def test_task_arn_is_all_a_task_needs() -> None:
    """A task with only TaskARN is usable; everything else is None or empty."""
    task = TaskMetadata.from_json({"TaskARN": V4_TASK_ARN})
    assert TaskMetadata(task_arn=V4_TASK_ARN) == task
    assert (None, None, None, (), {}) == (
        task.cluster,
        task.family,
        task.revision,
        task.containers,
        dict(task.task_tags),
    )


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({}, "TaskARN: missing"),
        ({"TaskARN": None}, "TaskARN: missing"),
        ({"TaskARN": ""}, "TaskARN: expected a non-empty string, got '' (str)"),
    ],
)
def test_task_without_task_arn(document: dict[str, Any], expected: str) -> None:
    """A task without a TaskARN cannot be used."""
    assert expected == invalid_detail(TaskMetadata.from_json, document)


def test_null_is_missing() -> None:
    """A key set to ``null`` reads as a missing key."""
    task = TaskMetadata.from_json(
        {"TaskARN": "t", "Cluster": None, "Containers": None, "TaskTags": None, "Limits": None}
    )
    assert TaskMetadata(task_arn="t") == task


def test_container_without_docker_id() -> None:
    """v4 lists containers pulled but not created yet: no DockerId."""
    task = TaskMetadata.from_json(
        {"TaskARN": "t", "Containers": [{"Name": "app", "Type": "NORMAL", "KnownStatus": "PULLED"}]}
    )
    (container,) = task.containers
    assert (None, "app", "PULLED") == (container.docker_id, container.name, container.known_status)
    assert (container,) == task.normal_containers
    assert task.container_by_docker_id("") is None


def test_limits_with_only_cpu() -> None:
    """``Limits`` may hold only ``CPU``."""
    container = ContainerMetadata.from_json({"Limits": {"CPU": 256}})
    assert Limits(cpu=256, memory=None) == container.limits


def test_missing_labels() -> None:
    """Missing Labels, Networks, Ports, LogOptions are empty."""
    container = ContainerMetadata.from_json({"DockerId": "a"})
    assert ({}, (), (), {}) == (
        dict(container.labels),
        container.networks,
        container.ports,
        dict(container.log_options),
    )


@pytest.mark.parametrize(("revision", "expected"), [("7", "7"), (7, "7"), (7.0, "7"), (0, "0")])
def test_revision_as_number(revision: object, expected: str) -> None:
    """A numeric Revision is accepted and turned into a string."""
    assert expected == TaskMetadata.from_json({"TaskARN": "t", "Revision": revision}).revision


def test_integral_float_for_integer() -> None:
    """An integer written as ``512.0`` is an integer."""
    assert Limits(cpu=0.5, memory=512) == Limits.from_json({"CPU": 0.5, "Memory": 512.0})


def test_unknown_keys_kept_in_raw() -> None:
    """Keys a model does not know land in its raw, at every level."""
    document = fixture_json("v4_task_fargate_awsdocs.json")
    document["NewTaskKey"] = {"a": [1]}
    container = document["Containers"][0]
    container["NewContainerKey"] = 1
    container["Limits"]["GPU"] = 1
    container["Networks"][0]["NewNetworkKey"] = "x"
    container["ClockDrift"]["Extra"] = None
    task = TaskMetadata.from_json(document)
    parsed = task.containers[0]
    assert {"NewTaskKey": {"a": [1]}} == dict(task.raw)
    assert {"NewContainerKey": 1} == dict(parsed.raw)
    assert {"GPU": 1} == dict(parsed.limits.raw)  # type: ignore[union-attr]
    assert {"NewNetworkKey": "x"} == dict(parsed.networks[0].raw)
    assert {"Extra": None} == dict(parsed.clock_drift.raw)  # type: ignore[union-attr]


def test_unknown_stats_keys_kept_in_raw() -> None:
    """Unknown keys of flattened objects (``cpu_usage``, ``pids_stats``) come back nested."""
    stats = ContainerStats.from_json(
        {
            "pids_stats": {"current": 3, "limit": 100},
            "cpu_stats": {"cpu_usage": {"total_usage": 5, "new": 1}, "new_too": 2},
        }
    )
    assert {"pids_stats": {"limit": 100}} == dict(stats.raw)
    assert {"cpu_usage": {"new": 1}, "new_too": 2} == dict(stats.cpu_stats.raw)  # type: ignore[union-attr]
    assert {
        "pids_stats": {"current": 3, "limit": 100},
        "cpu_stats": {"cpu_usage": {"total_usage": 5, "new": 1}, "new_too": 2},
    } == stats.to_dict()


def test_models_are_read_only() -> None:
    """Models are frozen; raw and the mappings cannot be changed."""
    task = TaskMetadata.from_json(fixture_json("v2_taskWithTags_datadog.json") | {"Extra": 1})
    with pytest.raises(dataclasses.FrozenInstanceError):
        task.cluster = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        task.raw["Extra"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        task.task_tags["Team"] = "x"  # type: ignore[index]
    with pytest.raises(TypeError):
        task.containers[0].labels["a"] = "b"  # type: ignore[index]


# -- to_dict -------------------------------------------------------------------------------


def micro(text: str) -> str:
    """JSON text with its timestamps truncated to the microsecond, as to_dict writes them."""

    def truncate(match: re.Match[str]) -> str:
        digits = match[1][:6].ljust(6, "0")
        return f".{digits}Z" if int(digits) else "Z"

    return re.sub(r"\.([0-9]{1,9})Z", truncate, text)


@pytest.mark.parametrize(
    ("name", "parse"),
    [
        ("v2_task_nginx_awsdocs", TaskMetadata.from_json),
        ("v2_taskWithTags_datadog", TaskMetadata.from_json),
        ("v3_task_awsdocs", TaskMetadata.from_json),
        ("v3_container_awsdocs", ContainerMetadata.from_json),
        ("v4_container_ec2_awsvpc_awsdocs", ContainerMetadata.from_json),
        ("v4_task_ec2_awsvpc_awsdocs", TaskMetadata.from_json),
        ("v4_task_fargate_awsdocs", TaskMetadata.from_json),
        ("v4_taskWithTags_awsdocs", TaskMetadata.from_json),
        ("v4_taskWithTags_errors_awsdocs", TaskMetadata.from_json),
        ("v4_stats_container_ec2_bridge_awsdocs", ContainerStats.from_json),
    ],
)
def test_to_dict_gives_the_document_back(name: str, parse: Callable[[Any], Any]) -> None:
    """``to_dict`` writes the original keys back, timestamps to the microsecond."""
    expected = json.loads(micro(fixture_text(f"{name}.json")))
    assert expected == parse(fixture_json(f"{name}.json")).to_dict()


def test_to_dict_of_task_stats() -> None:
    """Each container's stats in a task stats document come back the same way."""
    expected = json.loads(micro(fixture_text("v4_stats_task_awsdocs.json")))
    stats = parse_task_stats(fixture_json("v4_stats_task_awsdocs.json"))
    assert expected == {key: value.to_dict() for key, value in stats.items() if value}


def test_to_dict_writes_utc_with_z_and_leaves_out_empty() -> None:
    """Offsets become UTC with ``Z``; None and empty attributes are left out."""
    container = ContainerMetadata.from_json(
        {"CreatedAt": "2024-01-02T05:04:05.25+02:00", "Labels": {}, "ImageID": ""}
    )
    assert {"CreatedAt": "2024-01-02T03:04:05.250000Z", "ImageID": ""} == container.to_dict()


def test_to_dict_of_go_zero_time() -> None:
    """Go's zero time comes back as it was sent."""
    stats = ContainerStats.from_json({"preread": "0001-01-01T00:00:00Z"})
    assert {"preread": "0001-01-01T00:00:00Z"} == stats.to_dict()


def test_to_dict_is_a_copy() -> None:
    """Changing what to_dict returned leaves the model alone."""
    task = TaskMetadata.from_json({"TaskARN": "t", "Extra": {"list": [1]}})
    task.to_dict()["Extra"]["list"].append(2)
    assert {"Extra": {"list": [1]}} == dict(task.raw)


# -- one declaration per key: reading, to_dict and raw agree ---------------------------------

MODEL_CLASSES: list[type[Any]] = [
    AgentError,
    ClockDrift,
    ContainerMetadata,
    ContainerStats,
    CpuStats,
    EphemeralStorageMetrics,
    Health,
    Limits,
    MemoryStats,
    Network,
    NetworkRateStats,
    NetworkStats,
    Port,
    TaskMetadata,
    ThrottlingData,
    Volume,
]
SAMPLES = Path(ecs_log_context.models.__file__).parents[1] / "mock" / "samples"


def parse_fixture(path: Path) -> list[Any]:
    """The models of a fixture, read the way its endpoint's answer is read."""
    name, document = path.stem, json.loads(path.read_text(encoding="utf-8"))
    if name.startswith(("error_responses_", "container_metadata_file_initial_")):
        return []  # not metadata: the agent's error bodies, a file that is not ready yet
    if name.startswith("container_metadata_file_"):
        return list(parse_metadata_file(document, path=str(path)))
    if "_stats_task_" in name:
        return [stats for stats in parse_task_stats(document).values() if stats]
    if "_stats_container_" in name:
        return [ContainerStats.from_json(document)]
    if "_container_" in name:
        return [ContainerMetadata.from_json(document)]
    if "_task" in name or "_taskWithTags_" in name or path.parent == SAMPLES:
        return [TaskMetadata.from_json(document)]
    raise AssertionError(f"no parser for the fixture {path.name}: add it here")


def nested_models(value: Any) -> list[Any]:
    """``value`` and every model inside it, at any depth."""
    if isinstance(value, tuple):
        return [model for item in value for model in nested_models(item)]
    if isinstance(value, Mapping):
        return [model for item in value.values() for model in nested_models(item)]
    if dataclasses.is_dataclass(value):
        inner = [getattr(value, f.name) for f in dataclasses.fields(value) if f.name != "raw"]
        return [value, *nested_models(tuple(inner))]
    return []


FIXTURE_MODELS = [
    (f"{path.stem}:{type(model).__name__}", model)
    for path in sorted([*FIXTURES.glob("*.json"), *SAMPLES.glob("*.json")])
    for top in parse_fixture(path)
    for model in nested_models(top)
] + [
    (f"FULL_V4_TASK:{type(model).__name__}", model)
    for model in nested_models(TaskMetadata.from_json(FULL_V4_TASK))
]


def test_fixtures_hold_every_model() -> None:
    """The round trip below sees every model class at least once."""
    assert {cls.__name__ for cls in MODEL_CLASSES} == {
        type(model).__name__ for _, model in FIXTURE_MODELS
    }


@pytest.mark.parametrize(
    "model", [model for _, model in FIXTURE_MODELS], ids=[name for name, _ in FIXTURE_MODELS]
)
def test_to_dict_reads_back_to_an_equal_model(model: Any) -> None:
    """Every model of every fixture, written by to_dict and read again, is the same model."""
    assert model == type(model).from_json(model.to_dict())


class AskedDict(dict[str, Any]):
    """A JSON object that remembers which keys a reader asked it for."""

    def __init__(self, items: dict[str, Any]) -> None:
        super().__init__(items)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def asking(value: Any, objects: list[AskedDict]) -> Any:
    """``value`` with every object an AskedDict, each also appended to ``objects``."""
    if isinstance(value, list):
        return [asking(item, objects) for item in value]
    if isinstance(value, dict):
        asked = AskedDict({key: asking(item, objects) for key, item in value.items()})
        objects.append(asked)
        return asked
    return value


def sample(hint: Any) -> Any:
    """A value of the type ``hint`` that to_dict does not leave out."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in args if arg is not type(None)]
        return sample(inner)
    if origin is tuple:
        return (sample(args[0]),)
    if origin is Mapping:
        return MappingProxyType({"some key": sample(args[1])})
    if hint in MODEL_CLASSES:
        return full_model(hint)
    return {str: "text", int: 7, float: 0.5, bool: True, datetime: utc(2024, 1, 2, 3, 4, 5, 6)}[
        hint
    ]


def full_model(cls: type[Any]) -> Any:
    """A model with every attribute set, nested models full too; every one declares its key."""
    hints = typing.get_type_hints(cls, include_extras=True)
    values = {}
    for attribute in (f.name for f in dataclasses.fields(cls) if f.name != "raw"):
        assert typing.get_origin(hints[attribute]) is typing.Annotated, attribute
        values[attribute] = sample(hints[attribute].__origin__)
    return cls(**values)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
def test_keys_written_are_the_keys_read(cls: type[Any]) -> None:
    """A full model: to_dict writes a key for every attribute, and reading asks for exactly those.

    Reading it back gives the same model, with nothing in any ``raw``: no key is written that is
    not read, and none is read under another name.
    """
    model = full_model(cls)
    objects: list[AskedDict] = []
    document = asking(model.to_dict(), objects)
    assert model == cls.from_json(document)
    for node in objects:  # a mapping (tags, labels, interfaces) is iterated, not asked
        assert node.asked in (set(), set(node)), sorted(node)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Postponed(Model):
    """A model whose annotations are strings, as this module postpones them."""

    count: Annotated[int | None, "Count"] = None
    since: Annotated[datetime | None, "Since"] = None
    raw: Mapping[str, Any] = empty()


def test_postponed_annotations_are_read_too() -> None:
    """A model module with ``from __future__ import annotations`` still gets its fields."""
    model = Postponed.from_json({"Count": 3, "Since": "2024-01-02T03:04:05Z", "Other": 1})
    assert Postponed(count=3, since=utc(2024, 1, 2, 3, 4, 5), raw={"Other": 1}) == model
    assert {"Count": 3, "Since": "2024-01-02T03:04:05Z", "Other": 1} == model.to_dict()


def test_agent_error_is_also_task_metadata_error() -> None:
    """The former name of AgentError still imports, with a DeprecationWarning."""
    with pytest.warns(DeprecationWarning, match="AgentError"):
        from ecs_log_context.models import TaskMetadataError

    assert TaskMetadataError is AgentError


def test_exported_names() -> None:
    """The models package exports the models and parse_task_stats, and nothing else."""
    expected = sorted([cls.__name__ for cls in MODEL_CLASSES] + ["parse_task_stats"])
    assert expected == sorted(ecs_log_context.models.__all__)
    assert all(hasattr(ecs_log_context.models, name) for name in expected)


def test_importing_the_package_leaves_the_models_out() -> None:
    """``import ecs_log_context`` does not load the models: the first fetch does."""
    script = "import sys, ecs_log_context; print('ecs_log_context.models' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert ("False\n", "") == (result.stdout, result.stderr)


# -- timestamps -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-10-02T00:43:06Z", utc(2020, 10, 2, 0, 43, 6)),
        ("2020-10-02T00:43:06.1Z", utc(2020, 10, 2, 0, 43, 6, 100000)),
        ("2020-10-02T00:43:06.12Z", utc(2020, 10, 2, 0, 43, 6, 120000)),
        ("2020-10-02T00:43:06.123Z", utc(2020, 10, 2, 0, 43, 6, 123000)),
        ("2020-10-02T00:43:06.1234Z", utc(2020, 10, 2, 0, 43, 6, 123400)),
        ("2020-10-02T00:43:06.12345Z", utc(2020, 10, 2, 0, 43, 6, 123450)),
        ("2020-10-02T00:43:06.123456Z", utc(2020, 10, 2, 0, 43, 6, 123456)),
        ("2020-10-02T00:43:06.1234567Z", utc(2020, 10, 2, 0, 43, 6, 123456)),
        ("2020-10-02T00:43:06.12345678Z", utc(2020, 10, 2, 0, 43, 6, 123456)),
        ("2020-10-02T00:43:06.123456789Z", utc(2020, 10, 2, 0, 43, 6, 123456)),
        ("2020-10-02T00:43:06.999999999Z", utc(2020, 10, 2, 0, 43, 6, 999999)),
        ("2020-10-02T00:43:06z", utc(2020, 10, 2, 0, 43, 6)),
        ("2020-10-02T00:43:06+00:00", utc(2020, 10, 2, 0, 43, 6)),
        ("2020-10-02T02:43:06.5+02:00", utc(2020, 10, 2, 0, 43, 6, 500000)),
        ("2020-10-01T19:13:06.123456789-05:30", utc(2020, 10, 2, 0, 43, 6, 123456)),
        ("2020-10-02T01:43:06+0100", utc(2020, 10, 2, 0, 43, 6)),
        ("0001-01-01T00:00:00Z", utc(1, 1, 1)),
        ("9999-12-31T23:59:59.999999999Z", utc(9999, 12, 31, 23, 59, 59, 999999)),
    ],
)
def test_timestamps(text: str, expected: datetime) -> None:
    """RFC 3339 with Z or an offset and 0 to 9 fractional digits, kept in UTC."""
    created_at = ContainerMetadata.from_json({"CreatedAt": text}).created_at
    assert expected == created_at
    assert timezone.utc == created_at.tzinfo


@pytest.mark.parametrize(
    "text",
    [
        "",
        "yesterday",
        "2020-10-02",
        "2020-10-02T00:43:06",
        "2020-10-02T00:43:06.Z",
        "2020-10-02T00:43:06.1234567891Z",
        "2020-13-02T00:43:06Z",
        "2020-02-30T00:43:06Z",
        "2020-10-02T24:00:00Z",
        "2020-10-02T00:43:60Z",
        "2020-10-02T00:43:06+25:00",
        "2020-10-02T00:43:06+01:60",
        "0000-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        "\uff12\uff10\uff12\uff10-10-02T00:43:06Z",
        " 2020-10-02T00:43:06Z",
    ],
)
def test_bad_timestamps(text: str) -> None:
    """Anything else is an InvalidMetadataError naming the key."""
    detail = invalid_detail(ContainerMetadata.from_json, {"CreatedAt": text})
    assert detail.startswith("CreatedAt: expected an RFC 3339 timestamp")


# -- wrong types ------------------------------------------------------------------------------

LONG = "x" * (64 * 1024 + 1)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (None, "expected a JSON object, got null"),
        ([], "expected a JSON object, got [] (list)"),
        ("task", "expected a JSON object, got 'task' (str)"),
        (5, "expected a JSON object, got 5 (int)"),
        (True, "expected a JSON object, got True (bool)"),
        ({"TaskARN": 5}, "TaskARN: expected a string, got 5 (int)"),
        ({"TaskARN": "t", "Cluster": ["a"]}, "Cluster: expected a string, got ['a'] (list)"),
        (
            {"TaskARN": "t", "Cluster": LONG},
            "Cluster: expected a string of at most 65536 characters",
        ),
        ({"TaskARN": "t", "Revision": True}, "Revision: expected a string or an integer, got True"),
        ({"TaskARN": "t", "Revision": 5.5}, "Revision: expected a string or an integer, got 5.5"),
        ({"TaskARN": "t", "Containers": {}}, "Containers: expected a JSON array, got {} (dict)"),
        ({"TaskARN": "t", "Containers": "c"}, "Containers: expected a JSON array, got 'c' (str)"),
        ({"TaskARN": "t", "Containers": [5]}, "Containers[0]: expected a JSON object, got 5 (int)"),
        (
            {"TaskARN": "t", "Containers": [{}, {"Limits": {"CPU": "abc"}}]},
            "Containers[1].Limits.CPU: expected a number, got 'abc' (str)",
        ),
        ({"TaskARN": "t", "Limits": {"CPU": True}}, "Limits.CPU: expected a number, got True"),
        (
            {"TaskARN": "t", "Limits": {"CPU": float("nan")}},
            "Limits.CPU: expected a finite number, got nan (float)",
        ),
        (
            {"TaskARN": "t", "Limits": {"Memory": 1.5}},
            "Limits.Memory: expected an integer, got 1.5",
        ),
        ({"TaskARN": "t", "Limits": []}, "Limits: expected a JSON object, got [] (list)"),
        (
            {"TaskARN": "t", "Containers": [{"Labels": ["a"]}]},
            "Containers[0].Labels: expected a JSON object, got ['a'] (list)",
        ),
        (
            {"TaskARN": "t", "Containers": [{"Labels": {"a": 1}}]},
            "Containers[0].Labels['a']: expected a string, got 1 (int)",
        ),
        ({"TaskARN": "t", "TaskTags": {"a": None}}, "TaskTags['a']: expected a string, got null"),
        (
            {"TaskARN": "t", "Containers": [{"Networks": [{"IPv4Addresses": "10.0.0.1"}]}]},
            "Containers[0].Networks[0].IPv4Addresses: expected a JSON array, got '10.0.0.1' (str)",
        ),
        (
            {"TaskARN": "t", "Containers": [{"Networks": [{"IPv4Addresses": ["a", 1]}]}]},
            "Containers[0].Networks[0].IPv4Addresses[1]: expected a string, got 1 (int)",
        ),
        (
            {"TaskARN": "t", "Containers": [{"Ports": [{"ContainerPort": "80"}]}]},
            "Containers[0].Ports[0].ContainerPort: expected an integer, got '80' (str)",
        ),
        (
            {"TaskARN": "t", "Containers": [{"Health": {"statusSince": 5}}]},
            "Containers[0].Health.statusSince: expected an RFC 3339 timestamp, got 5 (int)",
        ),
        (
            {"TaskARN": "t", "PullStartedAt": "yesterday"},
            "PullStartedAt: expected an RFC 3339 timestamp, got 'yesterday' (str)",
        ),
        (
            {"TaskARN": "t", "FaultInjectionEnabled": "true"},
            "FaultInjectionEnabled: expected true or false, got 'true' (str)",
        ),
        (
            {"TaskARN": "t", "Errors": [{"StatusCode": "400"}]},
            "Errors[0].StatusCode: expected an integer, got '400' (str)",
        ),
        ({"TaskARN": "t", "Errors": {}}, "Errors: expected a JSON array, got {} (dict)"),
        (
            {"TaskARN": "t", "ClockDrift": {"ClockErrorBound": "0.5"}},
            "ClockDrift.ClockErrorBound: expected a number, got '0.5' (str)",
        ),
        (
            {"TaskARN": "t", "EphemeralStorageMetrics": [1]},
            "EphemeralStorageMetrics: expected a JSON object, got [1] (list)",
        ),
        (
            {"TaskARN": "t", "Containers": [{"Volumes": [{"Source": 1}]}]},
            "Containers[0].Volumes[0].Source: expected a string, got 1 (int)",
        ),
    ],
)
def test_task_wrong_types(document: Any, expected: str) -> None:
    """A value of the wrong type is an InvalidMetadataError naming its key path."""
    detail = invalid_detail(TaskMetadata.from_json, document)
    assert expected == detail[: len(expected)]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([], "expected a JSON object, got [] (list)"),
        ({"DockerId": 5}, "DockerId: expected a string, got 5 (int)"),
        ({"ExitCode": "0"}, "ExitCode: expected an integer, got '0' (str)"),
        ({"LogOptions": "awslogs"}, "LogOptions: expected a JSON object, got 'awslogs' (str)"),
        ({"RestartCount": False}, "RestartCount: expected an integer, got False (bool)"),
    ],
)
def test_container_wrong_types(document: Any, expected: str) -> None:
    """Container metadata: the same rules, the key path from the container."""
    assert expected == invalid_detail(ContainerMetadata.from_json, document)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"read": "now"}, "read: expected an RFC 3339 timestamp, got 'now' (str)"),
        (
            {"cpu_stats": {"cpu_usage": {"total_usage": "x"}}},
            "cpu_stats.cpu_usage.total_usage: expected an integer, got 'x' (str)",
        ),
        (
            {"cpu_stats": {"cpu_usage": {"percpu_usage": [1, "a"]}}},
            "cpu_stats.cpu_usage.percpu_usage[1]: expected an integer, got 'a' (str)",
        ),
        ({"cpu_stats": {"cpu_usage": 5}}, "cpu_stats.cpu_usage: expected a JSON object, got 5"),
        ({"pids_stats": []}, "pids_stats: expected a JSON object, got [] (list)"),
        (
            {"memory_stats": {"stats": {"cache": "x"}}},
            "memory_stats.stats['cache']: expected an integer, got 'x' (str)",
        ),
        ({"networks": {"eth0": []}}, "networks['eth0']: expected a JSON object, got [] (list)"),
        (
            {"network_rate_stats": {"rx_bytes_per_sec": "1"}},
            "network_rate_stats.rx_bytes_per_sec: expected a number, got '1' (str)",
        ),
    ],
)
def test_stats_wrong_types(document: Any, expected: str) -> None:
    """Container stats: wrong types name their key path."""
    with pytest.raises(InvalidMetadataError) as caught:
        ContainerStats.from_json(document, url="http://169.254.170.2/v4/x/stats")
    assert ("container stats", "http://169.254.170.2/v4/x/stats") == (
        caught.value.what,
        caught.value.url,
    )
    assert expected == caught.value.detail[: len(expected)]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([], "expected a JSON object, got [] (list)"),
        ({"abc": 5}, "['abc']: expected a JSON object, got 5 (int)"),
        ({"abc": []}, "['abc']: expected a JSON object, got [] (list)"),
        ({"abc": {"read": 1}}, "['abc'].read: expected an RFC 3339 timestamp, got 1 (int)"),
    ],
)
def test_task_stats_wrong_types(document: Any, expected: str) -> None:
    """Task stats: the Docker ID starts the key path."""
    assert expected == invalid_detail(parse_task_stats, document)


def test_error_names_what_and_url() -> None:
    """The error says what was read, from where, and what was wrong."""
    with pytest.raises(InvalidMetadataError) as caught:
        TaskMetadata.from_json({"TaskARN": 1}, url="http://169.254.170.2/v4/x/task")
    expected = (
        "task metadata from http://169.254.170.2/v4/x/task: TaskARN: expected a string, got 1 (int)"
    )
    assert expected == str(caught.value)


def test_long_values_are_shortened_in_errors() -> None:
    """A huge wrong value is not copied whole into the message."""
    detail = invalid_detail(TaskMetadata.from_json, {"TaskARN": list(range(100_000))})
    assert len(detail) < 200


def test_nested_model_from_json_on_its_own() -> None:
    """Nested models can be read on their own too."""
    assert MemoryStats(usage=1, stats={"cache": 2}) == MemoryStats.from_json(
        {"usage": 1, "stats": {"cache": 2}}
    )


# -- fuzzing ------------------------------------------------------------------------------


def all_keys(value: Any) -> set[str]:
    """Every object key anywhere in a JSON value."""
    if isinstance(value, dict):
        return set(value).union(*(all_keys(item) for item in value.values()))
    if isinstance(value, list):
        return set().union(*(all_keys(item) for item in value))
    return set()


METADATA_FIXTURES = [
    "v2_task_nginx_awsdocs.json",
    "v2_taskWithTags_datadog.json",
    "v3_container_awsdocs.json",
    "v4_container_ec2_awsvpc_awsdocs.json",
    "v4_task_fargate_awsdocs.json",
    "v4_taskWithTags_errors_awsdocs.json",
    "v2_stats_task_datadog.json",
    "v4_stats_container_ec2_bridge_awsdocs.json",
    "v4_stats_task_awsdocs.json",
]
KNOWN_KEYS = sorted(
    all_keys([fixture_json(name) for name in METADATA_FIXTURES])
    | all_keys([FULL_V4_TASK, {"ReferenceTime": 1, "percpu_usage": 1, "ClockDrift": 1}])
)

keys = st.sampled_from(KNOWN_KEYS) | st.text(max_size=10)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["2020-10-02T00:43:06.202617438Z", "0001-01-01T00:00:00Z", "NORMAL", ""])
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=25,
)


@st.composite
def mutated(draw: st.DrawFn, names: list[str]) -> Any:
    """A fixture file (by name) where a few random keys (or items) at random depths got random
    JSON values."""
    document = copy.deepcopy(fixture_json(draw(st.sampled_from(names))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        node = document
        while True:
            children = [
                child
                for child in (node.values() if isinstance(node, dict) else node)
                if isinstance(child, (dict, list))
            ]
            if not children or not draw(st.booleans()):
                break
            node = draw(st.sampled_from(children))
        if isinstance(node, dict):
            node[draw(st.sampled_from(sorted(node)) | keys if node else keys)] = draw(json_values)
        elif node:
            node[draw(st.integers(min_value=0, max_value=len(node) - 1))] = draw(json_values)
        else:
            node.append(draw(json_values))
    return document


PARSERS: list[Callable[[Any], Any]] = [
    TaskMetadata.from_json,
    ContainerMetadata.from_json,
    ContainerStats.from_json,
    parse_task_stats,
]


def check_parser(parse: Callable[[Any], Any], document: Any) -> None:
    """``parse`` returns a model that survives to_dict and back, or raises a MetadataError."""
    try:
        result = parse(document)
    except MetadataError:
        return
    models = list(result.values()) if isinstance(result, dict) else [result]
    for model in models:
        if model is None:
            continue
        data = model.to_dict()
        again = type(model).from_json(data).to_dict()
        assert json.dumps(data, sort_keys=True) == json.dumps(again, sort_keys=True)


@pytest.mark.parametrize("parse", PARSERS)
@settings(max_examples=150, deadline=None)
@given(document=json_values)
def test_arbitrary_json(parse: Callable[[Any], Any], document: Any) -> None:
    """On any JSON, the parsers return a model or raise a MetadataError, nothing else."""
    check_parser(parse, document)


@pytest.mark.parametrize("parse", PARSERS)
@settings(max_examples=150, deadline=None)
@given(document=mutated(METADATA_FIXTURES))
def test_mutated_fixtures(parse: Callable[[Any], Any], document: Any) -> None:
    """Fixtures with random values at random keys: a model, or a MetadataError."""
    check_parser(parse, document)
