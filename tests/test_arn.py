"""ARN parsing and the task fields read from ARNs: every partition, both task ARN formats."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecs_log_context._arn import (
    Arn,
    account_id,
    cluster_arn,
    cluster_short_name,
    parse_arn,
    region,
    task_id,
)

from .documents import fixture_json

OLD_TASK = "arn:aws:ecs:us-east-2:012345678910:task/9781c248-0edd-4cdb-9a93-f63cb662a5d3"
NEW_TASK = "arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c"
CN_TASK = "arn:aws-cn:ecs:cn-north-1:123456789012:task/prod/0f3c2a9b8e7d4c6b9a1f2e3d4c5b6a79"
GOV_TASK = "arn:aws-us-gov:ecs:us-gov-west-1:210987654321:task/7d2f0c1e-5b4a-4c3d-9e8f-1a2b3c4d5e6f"
ISO_TASK = (
    "arn:aws-iso-b:ecs:us-isob-east-1:555566667777:task/batch/a1b2c3d4e5f60718293a4b5c6d7e8f90"
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (OLD_TASK, Arn("aws", "ecs", "us-east-2", "012345678910", OLD_TASK.split(":", 5)[5])),
        (
            NEW_TASK,
            Arn(
                "aws",
                "ecs",
                "us-west-2",
                "111122223333",
                "task/default/158d1c8083dd49d6b527399fd6414f5c",
            ),
        ),
        (
            CN_TASK,
            Arn(
                "aws-cn",
                "ecs",
                "cn-north-1",
                "123456789012",
                "task/prod/0f3c2a9b8e7d4c6b9a1f2e3d4c5b6a79",
            ),
        ),
        (
            GOV_TASK,
            Arn(
                "aws-us-gov",
                "ecs",
                "us-gov-west-1",
                "210987654321",
                "task/7d2f0c1e-5b4a-4c3d-9e8f-1a2b3c4d5e6f",
            ),
        ),
        (
            ISO_TASK,
            Arn(
                "aws-iso-b",
                "ecs",
                "us-isob-east-1",
                "555566667777",
                "task/batch/a1b2c3d4e5f60718293a4b5c6d7e8f90",
            ),
        ),
        (
            "arn:aws-iso:ecs:us-iso-east-1:123456789012:cluster/default",
            Arn("aws-iso", "ecs", "us-iso-east-1", "123456789012", "cluster/default"),
        ),
        ("arn:aws:s3:::my-bucket/key", Arn("aws", "s3", "", "", "my-bucket/key")),
        (
            "arn:aws:iam::aws:policy/AdministratorAccess",
            Arn("aws", "iam", "", "aws", "policy/AdministratorAccess"),
        ),
        (
            "arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9",
            Arn(
                "aws",
                "ecs",
                "us-west-2",
                "111122223333",
                "container/0206b271-b33f-47ab-86c6-a0ba208a70a9",
            ),
        ),
    ],
    ids=["old-task", "new-task", "china", "govcloud", "iso-b", "iso", "s3", "iam", "container"],
)
def test_parse_arn_splits_every_partition(value: str, expected: Arn) -> None:
    """Every partition and service parses into its five parts."""
    assert expected == parse_arn(value)


@pytest.mark.parametrize(
    ("value", "resource"),
    [
        ("arn:aws:ecs:us-east-1:123:task/c/x", "task/c/x"),
        ("arn:aws:ecs:us-east-1:123:task-definition/nginx:5", "task-definition/nginx:5"),
        ("arn:aws:ecs:us-east-1:123:task/c/x:y", "task/c/x:y"),
        ("arn:aws:logs:us-east-1:123:log-group:/ecs/app:*", "log-group:/ecs/app:*"),
    ],
)
def test_parse_arn_keeps_colons_and_slashes_in_the_resource(value: str, resource: str) -> None:
    """Everything after the fifth colon is the resource, colons and slashes included."""
    parsed = parse_arn(value)
    assert parsed is not None
    assert resource == parsed.resource


@pytest.mark.parametrize(
    "value",
    [
        "",
        "arn",
        "arn:",
        "arn:aws:ecs",
        "arn:aws:ecs:us-east-1",
        "arn:aws:ecs:us-east-1:123456789012",
        "arn:aws:ecs:us-east-1:123456789012:",
        "ARN:aws:ecs:us-east-1:123456789012:task/x",
        "arn::ecs:us-east-1:123456789012:task/x",
        "arn:azure:ecs:us-east-1:123456789012:task/x",
        "arn:AWS:ecs:us-east-1:123456789012:task/x",
        "arn:aws::us-east-1:123456789012:task/x",
        "arn:aws:ecs:US-EAST-1:123456789012:task/x",
        "arn:aws:ecs:us-east-1:12345678901a:task/x",
        "arn:aws:ecs:us-east-1:123456789012:task/my task",
        " arn:aws:ecs:us-east-1:123456789012:task/x",
        "arn:aws:ecs:us-east-1:123456789012:task/x\n",
        "arn:aws:ecs:us-east-1:123456789012:task/x\x00",
        "default",
        "arn:aws:ecs:us-east-1:123456789012:task/x".replace(":", "/"),
    ],
)
def test_parse_arn_rejects_what_is_not_an_arn(value: str) -> None:
    """Malformed text gives None, never an exception."""
    assert None is parse_arn(value)


def test_arn_str_gives_the_arn_back() -> None:
    """``str()`` of a parsed ARN is the text it came from."""
    assert NEW_TASK == str(parse_arn(NEW_TASK))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (OLD_TASK, "9781c248-0edd-4cdb-9a93-f63cb662a5d3"),
        (NEW_TASK, "158d1c8083dd49d6b527399fd6414f5c"),
        (CN_TASK, "0f3c2a9b8e7d4c6b9a1f2e3d4c5b6a79"),
        (GOV_TASK, "7d2f0c1e-5b4a-4c3d-9e8f-1a2b3c4d5e6f"),
        (ISO_TASK, "a1b2c3d4e5f60718293a4b5c6d7e8f90"),
        ("arn:aws:ecs:us-east-1:123:task/c/x", "x"),
    ],
    ids=["old-format", "new-format", "china", "govcloud", "iso-b", "short"],
)
def test_task_id_reads_both_formats(value: str, expected: str) -> None:
    """The id is the last part, with or without the cluster's name before it."""
    assert expected == task_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "9781c248-0edd-4cdb-9a93-f63cb662a5d3",
        "arn:aws:ecs:us-west-2:111122223333:task/",
        "arn:aws:ecs:us-west-2:111122223333:task//158d1c8083dd49d6b527399fd6414f5c",
        "arn:aws:ecs:us-west-2:111122223333:task/default/",
        "arn:aws:ecs:us-west-2:111122223333:task/a/b/c",
        "arn:aws:ecs:us-east-1:123:task/c/x:y",
        "arn:aws:ecs:us-west-2:111122223333:cluster/default",
        "arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9",
        "arn:aws:ecs:us-west-2:111122223333:task-definition/nginx:5",
        "arn:aws:states:us-west-2:111122223333:task/x",
        "arn:aws:ecs",
    ],
)
def test_task_id_is_none_for_anything_else(value: str) -> None:
    """Only an ECS task ARN of one of the two formats has a task id."""
    assert None is task_id(value)


@pytest.mark.parametrize(
    "name",
    [
        "v2_task_nginx_awsdocs.json",
        "v2_taskWithTags_datadog.json",
        "v3_task_awsdocs.json",
        "v4_task_ec2_awsvpc_awsdocs.json",
        "v4_task_fargate_awsdocs.json",
        "container_metadata_file_ready_awsdocs.json",
    ],
)
def test_task_id_of_every_fixture_is_the_last_part(name: str) -> None:
    """Every task ARN the fixtures carry gives its last path part as the id."""
    task_arn = str(fixture_json(name)["TaskARN"])
    assert task_arn.rsplit("/", 1)[1] == task_id(task_arn)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("arn:aws:ecs:us-west-2:111122223333:cluster/default", "default"),
        ("arn:aws-cn:ecs:cn-northwest-1:123456789012:cluster/my_cluster-2", "my_cluster-2"),
        ("arn:aws-us-gov:ecs:us-gov-east-1:123456789012:cluster/gov", "gov"),
        ("default", "default"),
        ("ecs-cluster", "ecs-cluster"),
        ("", ""),
        (
            "arn:aws:ecs:us-west-2:111122223333:service/default/web",
            "arn:aws:ecs:us-west-2:111122223333:service/default/web",
        ),
        (
            "arn:aws:ecs:us-west-2:111122223333:cluster/",
            "arn:aws:ecs:us-west-2:111122223333:cluster/",
        ),
        (
            "arn:aws:ec2:us-west-2:111122223333:cluster/default",
            "arn:aws:ec2:us-west-2:111122223333:cluster/default",
        ),
    ],
)
def test_cluster_short_name(value: str, expected: str) -> None:
    """An ECS cluster ARN gives its name; a name, or any other text, stays as it is."""
    assert expected == cluster_short_name(value)


def test_cluster_short_name_of_the_fixtures() -> None:
    """The Fargate fixture's ARN and the EC2 fixtures' short name both give ``default``."""
    fargate = str(fixture_json("v4_task_fargate_awsdocs.json")["Cluster"])
    ec2 = str(fixture_json("v4_task_ec2_awsvpc_awsdocs.json")["Cluster"])
    assert ("default", "default") == (cluster_short_name(fargate), cluster_short_name(ec2))


@pytest.mark.parametrize(
    ("cluster", "task_arn", "expected"),
    [
        (
            "arn:aws:ecs:us-west-2:111122223333:cluster/default",
            None,
            "arn:aws:ecs:us-west-2:111122223333:cluster/default",
        ),
        (
            "arn:aws:ecs:us-west-2:111122223333:cluster/default",
            CN_TASK,
            "arn:aws:ecs:us-west-2:111122223333:cluster/default",
        ),
        ("default", NEW_TASK, "arn:aws:ecs:us-west-2:111122223333:cluster/default"),
        ("default", OLD_TASK, "arn:aws:ecs:us-east-2:012345678910:cluster/default"),
        ("prod", CN_TASK, "arn:aws-cn:ecs:cn-north-1:123456789012:cluster/prod"),
        ("gov_1", GOV_TASK, "arn:aws-us-gov:ecs:us-gov-west-1:210987654321:cluster/gov_1"),
        ("batch", ISO_TASK, "arn:aws-iso-b:ecs:us-isob-east-1:555566667777:cluster/batch"),
        ("default", None, None),
        ("default", "", None),
        ("default", "not an arn", None),
        ("default", "arn:aws:s3:::bucket", None),
        ("default", "arn:aws:iam::111122223333:role/x", None),
        ("", NEW_TASK, None),
        ("my cluster", NEW_TASK, None),
        ("a/b", NEW_TASK, None),
        ("x" * 256, NEW_TASK, None),
        ("arn:aws:ecs:us-west-2:111122223333:service/default/web", NEW_TASK, None),
        ("arn:aws:ecs", NEW_TASK, None),
    ],
)
def test_cluster_arn(cluster: str, task_arn: str | None, expected: str | None) -> None:
    """An ARN stays; a short name takes the task ARN's partition, region and account."""
    assert expected == cluster_arn(cluster, task_arn)


@pytest.mark.parametrize(
    ("value", "expected_region", "expected_account"),
    [
        (OLD_TASK, "us-east-2", "012345678910"),
        (NEW_TASK, "us-west-2", "111122223333"),
        (CN_TASK, "cn-north-1", "123456789012"),
        (GOV_TASK, "us-gov-west-1", "210987654321"),
        (ISO_TASK, "us-isob-east-1", "555566667777"),
        ("arn:aws:s3:::my-bucket", None, None),
        ("arn:aws:iam::111122223333:role/task-role", None, "111122223333"),
        ("", None, None),
        ("us-west-2", None, None),
        ("arn:aws:ecs", None, None),
    ],
)
def test_region_and_account_id(
    value: str, expected_region: str | None, expected_account: str | None
) -> None:
    """Region and account come from the ARN; None where it has none or is no ARN."""
    assert (expected_region, expected_account) == (region(value), account_id(value))


_partitions = st.sampled_from(["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-eusc"])
_names = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
_regions = st.from_regex(r"[a-z0-9-]{0,20}", fullmatch=True)
_accounts = st.from_regex(r"[0-9]{0,12}", fullmatch=True)
_resources = st.text(
    alphabet=st.characters(blacklist_categories=("Z", "C")), min_size=1, max_size=60
)


@given(
    partition=_partitions,
    service=_names,
    region_=_regions,
    account=_accounts,
    resource=_resources,
)
def test_parse_arn_round_trips(
    partition: str, service: str, region_: str, account: str, resource: str
) -> None:
    """Any well-formed ARN parses back into the parts it was built from."""
    text = f"arn:{partition}:{service}:{region_}:{account}:{resource}"
    assert Arn(partition, service, region_, account, resource) == parse_arn(text)


_arnish = st.one_of(
    st.text(),
    st.builds(
        lambda parts: ":".join(["arn", *parts]),
        st.lists(st.text(alphabet="aws-cn:ecs/01task", max_size=12), max_size=7),
    ),
)


@given(value=_arnish, other=st.one_of(st.none(), _arnish))
def test_arn_functions_never_raise(value: str, other: str | None) -> None:
    """Arbitrary text gives a value of the promised type, never an exception."""
    parsed = parse_arn(value)
    assert parsed is None or str(parsed) == value
    assert isinstance(cluster_short_name(value), str)
    built = cluster_arn(value, other)
    assert built is None or parse_arn(built) is not None
    for result in (task_id(value), region(value), account_id(value)):
        assert result is None or (isinstance(result, str) and result)


# -- the rules at their edges ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws-:ecs:us-east-1:123456789012:task/x",
        "arn:aws--cn:ecs:us-east-1:123456789012:task/x",
        "arn:aws-cn-:ecs:us-east-1:123456789012:task/x",
    ],
)
def test_a_partition_with_an_empty_part_is_refused(value: str) -> None:
    """``aws-`` and ``aws--cn`` are no partition: every part after a dash has a character."""
    assert None is parse_arn(value)
    assert None is task_id(value)


@pytest.mark.parametrize("value", [None, 5, b"arn:aws:ecs:us-east-1:1:task/x", ["arn"]])
def test_what_is_not_text_is_no_arn(value: object) -> None:
    """A value that is not a string (``None``, a number, bytes) gives None, not a TypeError."""
    assert None is parse_arn(value)  # type: ignore[arg-type]


LONGEST = "c" * 255


@pytest.mark.parametrize(
    ("cluster", "expected"),
    [
        ("a", "arn:aws:ecs:us-west-2:111122223333:cluster/a"),
        (LONGEST, f"arn:aws:ecs:us-west-2:111122223333:cluster/{LONGEST}"),
        (LONGEST + "c", None),
    ],
    ids=["1-char", "255-chars", "256-chars"],
)
def test_cluster_arn_of_names_at_the_length_bounds(cluster: str, expected: str | None) -> None:
    """ECS cluster names are 1 to 255 characters: both ends make an ARN, one more does not."""
    assert expected == cluster_arn(cluster, NEW_TASK)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a", "a"), (LONGEST, LONGEST), (LONGEST + "c", None)],
    ids=["1-char", "255-chars", "256-chars"],
)
def test_cluster_arn_names_at_the_length_bounds(name: str, expected: str | None) -> None:
    """A cluster ARN's name of 1 or 255 characters is read; one of 256 is not a cluster's.

    ``cluster_short_name`` gives the name, or the text unchanged; ``cluster_arn`` keeps a
    valid cluster ARN and refuses the other.
    """
    arn = f"arn:aws:ecs:us-west-2:111122223333:cluster/{name}"
    assert (arn if expected is None else expected) == cluster_short_name(arn)
    assert (None if expected is None else arn) == cluster_arn(arn, None)


def test_arn_is_a_frozen_hashable_value() -> None:
    """A parsed ARN cannot be changed, has no room for stray attributes, and can be a key."""
    parsed = parse_arn(NEW_TASK)
    assert parsed is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.region = "eu-west-1"  # type: ignore[misc]
    assert not hasattr(parsed, "__dict__")
    again = parse_arn(NEW_TASK)
    assert {parsed: "task"} == {again: "task"}
    assert 1 == len({parsed, again})
