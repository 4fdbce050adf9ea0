"""Amazon Resource Names: parse them, and read a task's cluster, id, region and account from them.

Pure functions without I/O. None of them raises, whatever the text: what is not a well-formed ARN
gives ``None`` (or, for :func:`cluster_short_name`, the text unchanged). Every partition is
accepted (``aws``, ``aws-cn``, ``aws-us-gov``, ``aws-iso``, ``aws-iso-b``, ...), and both task ARN
formats: ``arn:aws:ecs:<region>:<account>:task/<id>`` (old) and ``...:task/<cluster>/<id>`` (new).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Arn",
    "account_id",
    "cluster_arn",
    "cluster_short_name",
    "parse_arn",
    "region",
    "task_id",
]

_ARN = re.compile(
    r"arn"
    r":(?P<partition>aws(?:-[a-z0-9]+)*)"
    r":(?P<service>[a-z0-9][a-z0-9-]*)"
    r":(?P<region>[a-z0-9-]*)"
    r":(?P<account_id>[0-9]*|aws)"
    # The resource is everything after the fifth colon, colons and slashes included
    # (``task-definition/nginx:5``); it never holds whitespace or control characters.
    r":(?P<resource>[^\s\x00-\x1f\x7f]+)"
)
_CLUSTER_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
_CLUSTER_RESOURCE = re.compile(r"cluster/(?P<name>[A-Za-z0-9_-]{1,255})")
# A colon after the id would be a qualifier (as in ``task-definition/nginx:5``), never part of it.
_TASK_RESOURCE = re.compile(r"task/(?:[^/:]+/)?(?P<id>[^/:]+)")


@dataclass(frozen=True, slots=True)
class Arn:
    """The parts of an ARN: ``arn:<partition>:<service>:<region>:<account_id>:<resource>``.

    ``region`` and ``account_id`` are empty strings for the services whose ARNs have none (S3, and
    IAM for the region); ``resource`` keeps its own colons and slashes.
    """

    partition: str
    service: str
    region: str
    account_id: str
    resource: str

    def __str__(self) -> str:
        return (
            f"arn:{self.partition}:{self.service}:{self.region}:{self.account_id}:{self.resource}"
        )


def parse_arn(value: str) -> Arn | None:
    """Split an ARN into its parts.

    Args:
        value: The text to read, for instance
            ``arn:aws-cn:ecs:cn-north-1:123456789012:task/default/0123456789abcdef``.

    Returns:
        The parts, or None when ``value`` is not a well-formed ARN (no surrounding whitespace is
        tolerated).
    """
    if not isinstance(value, str):
        return None
    match = _ARN.fullmatch(value)
    if match is None:
        return None
    return Arn(
        partition=match["partition"],
        service=match["service"],
        region=match["region"],
        account_id=match["account_id"],
        resource=match["resource"],
    )


def cluster_short_name(cluster: str) -> str:
    """The cluster's name, whether the endpoint gave a name (EC2) or an ARN (Fargate).

    Args:
        cluster: The task's ``Cluster``: ``default`` or
            ``arn:aws:ecs:us-west-2:111122223333:cluster/default``.

    Returns:
        The name after ``cluster/`` for an ECS cluster ARN; anything else unchanged.
    """
    parsed = parse_arn(cluster)
    if parsed is None or parsed.service != "ecs":
        return cluster
    match = _CLUSTER_RESOURCE.fullmatch(parsed.resource)
    return match["name"] if match else cluster


def cluster_arn(cluster: str, task_arn: str | None) -> str | None:
    """The cluster's ARN, built from its short name and the task's ARN when needed.

    Args:
        cluster: The task's ``Cluster``, a short name or an ARN.
        task_arn: The task's ``TaskARN``, which gives the partition, region and account of a
            cluster known by its short name only.

    Returns:
        ``cluster`` itself when it is an ECS cluster ARN;
        ``arn:<partition>:ecs:<region>:<account>:cluster/<name>`` for a valid short name and an
        ECS task ARN with a region and an account; otherwise None.
    """
    parsed = parse_arn(cluster)
    if parsed is not None:
        if parsed.service == "ecs" and _CLUSTER_RESOURCE.fullmatch(parsed.resource):
            return cluster
        return None
    if not isinstance(cluster, str) or not _CLUSTER_NAME.fullmatch(cluster):
        return None
    task = parse_arn(task_arn) if task_arn else None
    if task is None or task.service != "ecs" or not task.region or not task.account_id:
        return None
    return f"arn:{task.partition}:ecs:{task.region}:{task.account_id}:cluster/{cluster}"


def task_id(task_arn: str) -> str | None:
    """The task's id, the last part of its ARN, in either format.

    Args:
        task_arn: ``arn:aws:ecs:us-east-2:012345678910:task/9781c248-0edd-4cdb-9a93-f63cb662a5d3``
            (old format) or ``arn:aws:ecs:us-west-2:111122223333:task/default/158d1c80...``
            (new format, with the cluster's name).

    Returns:
        The id, or None when ``task_arn`` is not an ECS task ARN.
    """
    parsed = parse_arn(task_arn)
    if parsed is None or parsed.service != "ecs":
        return None
    match = _TASK_RESOURCE.fullmatch(parsed.resource)
    return match["id"] if match else None


def region(arn: str) -> str | None:
    """The region of any ARN.

    Args:
        arn: The ARN to read.

    Returns:
        The region, or None when ``arn`` is not an ARN or has no region.
    """
    parsed = parse_arn(arn)
    return parsed.region if parsed is not None and parsed.region else None


def account_id(arn: str) -> str | None:
    """The account id of any ARN.

    Args:
        arn: The ARN to read.

    Returns:
        The account id, or None when ``arn`` is not an ARN or has no account.
    """
    parsed = parse_arn(arn)
    return parsed.account_id if parsed is not None and parsed.account_id else None
