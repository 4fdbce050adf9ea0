"""CPU, memory and network figures agree with ``docker stats`` on the stats fixtures."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from ecs_log_context._usage import ContainerUsage, compute_usage, task_usage
from ecs_log_context.models import ContainerStats, TaskMetadata, parse_task_stats

from .documents import fixture_json

REDIS = "470f831ceac0479b8c6614a7232e707fb24760c350b13ee589dd1d6424315d98"
NULL_STATS = "470f831ceac0479b8c6614a7232e707fb24760c350b13ee589dd1d6424315d42"
CURL = "5fc21e5b015f899d22618f8aede80b6d70d71b2a75465ea49d9462c8f3d2d3af"
PAUSE = "01999f2e5c6cf4df3873f28950e6278813408f281c54778efec860d0caad4854"


def stats_of(document: dict[str, Any]) -> ContainerStats:
    return ContainerStats.from_json(document)


def sample(
    *,
    total: int | None = 300,
    pretotal: int | None = 100,
    system: int | None = 2_000,
    presystem: int | None = 1_000,
    online: int | None = 4,
    percpu: tuple[int, ...] = (),
    memory: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A Docker stats document with the given CPU counters and memory stats."""

    def cpu(usage: int | None, system_usage: int | None) -> dict[str, Any]:
        out: dict[str, Any] = {"cpu_usage": {"percpu_usage": list(percpu)}}
        if usage is not None:
            out["cpu_usage"]["total_usage"] = usage
        if system_usage is not None:
            out["system_cpu_usage"] = system_usage
        if online is not None:
            out["online_cpus"] = online
        return out

    document: dict[str, Any] = {
        "id": "c0ffee",
        "name": "/ecs-app-1-web-abc",
        "cpu_stats": cpu(total, system),
        "precpu_stats": cpu(pretotal, presystem),
    }
    if memory is not None:
        document["memory_stats"] = memory
    return document


def test_v2_redis_matches_hand_computed_figures() -> None:
    """CPU and memory of the Datadog v2 capture, computed by hand from its counters."""
    stats = parse_task_stats(fixture_json("v2_stats_task_datadog.json"))[REDIS]
    assert stats is not None

    usage = compute_usage(stats, docker_id=REDIS, name="redis")

    # (9743590394 - 9742748672) / (3951680000000 - 3949670000000) * 2 CPUs * 100
    assert usage.cpu_percent == pytest.approx(841_722 / 2_010_000_000 * 2 * 100)
    assert usage.cpu_percent == pytest.approx(0.08375343)
    # usage 77254656 minus total_inactive_file 37478400 (cgroup v1)
    assert 39_776_256 == usage.memory_used
    assert 268_435_456 == usage.memory_limit
    assert usage.memory_percent == pytest.approx(14.81781006)
    assert usage.network_rx_bytes_per_sec is None
    assert usage.network_tx_bytes_per_sec is None
    assert "redis" == usage.name


def test_v4_task_stats_match_hand_computed_figures() -> None:
    """The AWS v4 task stats example: the curl container and the pause container."""
    stats = parse_task_stats(fixture_json("v4_stats_task_awsdocs.json"))
    curl, pause = stats[CURL], stats[PAUSE]
    assert curl is not None
    assert pause is not None

    curl_usage = compute_usage(curl, docker_id=CURL)
    pause_usage = compute_usage(pause, docker_id=PAUSE)

    # (379075681 - 378825197) / (13977800000000 - 13975800000000) * 2 * 100
    assert curl_usage.cpu_percent == pytest.approx(0.0250484)
    assert 1_814_528 == curl_usage.memory_used
    assert curl_usage.memory_percent == pytest.approx(1_814_528 / 134_217_728 * 100)
    assert 0 == curl_usage.network_rx_bytes_per_sec
    assert 0 == curl_usage.network_tx_bytes_per_sec
    assert "ecs-curltest-26-curl-c2e5f6e0cf91b0bead01" == curl_usage.name
    # The pause container used no CPU between the samples.
    assert 0.0 == pause_usage.cpu_percent
    assert 532_480 == pause_usage.memory_used
    assert pause_usage.memory_percent == pytest.approx(0.0130722)


def test_v4_container_stats_without_cpu_delta() -> None:
    """An unchanged total_usage gives 0 %, and the stats' own id is the Docker ID."""
    usage = compute_usage(stats_of(fixture_json("v4_stats_container_ec2_bridge_awsdocs.json")))

    assert 0.0 == usage.cpu_percent
    assert CURL == usage.docker_id
    assert 1_806_336 == usage.memory_used
    assert 134_217_728 == usage.memory_limit


def test_online_cpus_missing_counts_percpu_usage() -> None:
    """Without online_cpus the CPUs are counted from percpu_usage, as docker does."""
    usage = compute_usage(stats_of(sample(online=None, percpu=(1, 2, 3))))

    # 200 / 1000 * 3 CPUs * 100
    assert usage.cpu_percent == pytest.approx(60.0)


@pytest.mark.parametrize(
    ("counters", "why"),
    [
        ({"total": 100, "pretotal": 100}, "no CPU time used"),
        ({"total": 100, "pretotal": 300}, "the counter went back (a restart)"),
        ({"system": 1_000, "presystem": 1_000}, "no system time passed"),
        ({"pretotal": None}, "the previous sample has no total_usage"),
        ({"presystem": None}, "the previous sample has no system_cpu_usage"),
    ],
)
def test_cpu_is_zero_without_a_positive_delta(counters: dict[str, Any], why: str) -> None:
    """A missing or non-positive delta gives 0 %, never an error or a negative number."""
    usage = compute_usage(stats_of(sample(**counters)))

    assert 0.0 == usage.cpu_percent, why


def test_cpu_without_precpu_stats_is_zero() -> None:
    """The first sample of a container may have no precpu_stats at all."""
    document = sample()
    del document["precpu_stats"]

    assert 0.0 == compute_usage(stats_of(document)).cpu_percent


def test_cgroup_v2_subtracts_inactive_file() -> None:
    """Under cgroup v2 the cache is inactive_file."""
    memory = {"usage": 10_000, "limit": 40_000, "stats": {"inactive_file": 2_000, "file": 5_000}}

    usage = compute_usage(stats_of(sample(memory=memory)))

    assert 8_000 == usage.memory_used
    assert usage.memory_percent == pytest.approx(20.0)


def test_cache_not_below_usage_is_not_subtracted() -> None:
    """A cache counter at or above the usage is ignored, as docker ignores it."""
    memory = {"usage": 10_000, "limit": 40_000, "stats": {"total_inactive_file": 10_000}}

    assert 10_000 == compute_usage(stats_of(sample(memory=memory))).memory_used


def test_memory_unknown_or_unlimited() -> None:
    """No memory_stats: no memory figures; no limit: no percentage."""
    without = compute_usage(stats_of(sample()))
    unlimited = compute_usage(stats_of(sample(memory={"usage": 1_000, "limit": 0})))

    assert (None, None, None) == (
        without.memory_used,
        without.memory_limit,
        without.memory_percent,
    )
    assert 1_000 == unlimited.memory_used
    assert unlimited.memory_limit is None
    assert unlimited.memory_percent is None


def test_task_usage_names_from_the_task_and_lists_null_stats() -> None:
    """Names come from the task metadata; a container with null stats is listed as such."""
    stats = parse_task_stats(fixture_json("v2_stats_task_datadog.json"))
    task = TaskMetadata.from_json(fixture_json("v2_taskWithTags_datadog.json"))

    usage = task_usage(stats, task)

    assert [REDIS, NULL_STATS] == [row.docker_id for row in usage]
    assert ["redis", None] == [row.name for row in usage]
    assert ContainerUsage(docker_id=NULL_STATS, name=None, has_stats=False) == usage[1]
    assert usage[0].has_stats
    assert usage[0].memory_used == 39_776_256


def test_task_usage_without_a_task_keeps_the_stats_order() -> None:
    """Without task metadata the containers keep the stats' order and their Docker names."""
    stats = parse_task_stats(fixture_json("v4_stats_task_awsdocs.json"))

    usage = task_usage(stats)

    assert [PAUSE, CURL] == [row.docker_id for row in usage]
    assert "ecs-curltest-26-internalecspause-a6bcc3dbadfacfe85300" == usage[0].name


def test_to_dict_is_json_ready() -> None:
    """``to_dict`` holds every figure under its attribute name and encodes as JSON."""
    usage = compute_usage(stats_of(sample(memory={"usage": 1_000, "limit": 4_000})))

    data = usage.to_dict()

    assert {
        "docker_id": "c0ffee",
        "name": "ecs-app-1-web-abc",
        "has_stats": True,
        "cpu_percent": pytest.approx(80.0),
        "memory_used": 1_000,
        "memory_limit": 4_000,
        "memory_percent": pytest.approx(25.0),
        "network_rx_bytes_per_sec": None,
        "network_tx_bytes_per_sec": None,
    } == data
    assert json.loads(json.dumps(data))["memory_used"] == 1_000


@pytest.mark.parametrize(
    ("counters", "expected"),
    [
        ({"total": 101, "pretotal": 100, "system": 2_000, "presystem": 1_000}, 0.4),
        ({"total": 300, "pretotal": 100, "system": 1_001, "presystem": 1_000}, 80_000.0),
        ({"total": 101, "pretotal": 100, "system": 1_001, "presystem": 1_000}, 400.0),
    ],
    ids=["cpu-delta-1", "system-delta-1", "both-deltas-1"],
)
def test_deltas_of_one_are_positive(counters: dict[str, Any], expected: float) -> None:
    """The smallest positive deltas count: 1 ns of CPU or of system time is not "no delta"."""
    usage = compute_usage(stats_of(sample(**counters)))

    # cpu delta / system delta * 4 online CPUs * 100
    assert usage.cpu_percent == pytest.approx(expected)


def test_stats_without_an_id_or_a_name() -> None:
    """No Docker ID given nor in the stats: an empty id; no name anywhere: None."""
    document = sample()
    del document["id"], document["name"]

    usage = compute_usage(stats_of(document))

    assert ("", None) == (usage.docker_id, usage.name)


def test_a_given_name_wins_over_the_docker_name() -> None:
    """The task definition's name, when given, is kept; the stats' Docker name is the fallback."""
    assert "web" == compute_usage(stats_of(sample()), name="web").name


def test_container_usage_is_a_frozen_hashable_value() -> None:
    """A usage row cannot be changed after the fact, and can be kept in a set or as a key."""
    usage = compute_usage(stats_of(sample(memory={"usage": 1_000, "limit": 4_000})))
    with pytest.raises(dataclasses.FrozenInstanceError):
        usage.cpu_percent = 1.0  # type: ignore[misc]
    again = compute_usage(stats_of(sample(memory={"usage": 1_000, "limit": 4_000})))
    assert 1 == len({usage, again})


def test_cgroup_v1_subtracts_total_inactive_file_first() -> None:
    """Under cgroup v1 both counters exist: the hierarchy's total_inactive_file is the cache."""
    memory = {
        "usage": 10_000,
        "limit": 40_000,
        "stats": {"total_inactive_file": 3_000, "inactive_file": 2_000},
    }

    assert 7_000 == compute_usage(stats_of(sample(memory=memory))).memory_used


def test_a_cache_too_large_falls_back_to_the_other_counter() -> None:
    """A total_inactive_file not below the usage is skipped for inactive_file, as docker does."""
    memory = {
        "usage": 10_000,
        "limit": 40_000,
        "stats": {"total_inactive_file": 12_000, "inactive_file": 2_000},
    }

    assert 8_000 == compute_usage(stats_of(sample(memory=memory))).memory_used
