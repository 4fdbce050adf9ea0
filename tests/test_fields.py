"""build_fields and field_keys: the keys and values each style gives, for real agent answers."""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Mapping
from typing import Any, NamedTuple, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecs_log_context._fields import build_fields, field_keys
from ecs_log_context._settings import FieldSettings
from ecs_log_context.models import ContainerMetadata, TaskMetadata

from .documents import fixture_json

# --- The fixtures, as the models read them -------------------------------------------------------

EC2_TASK_JSON = fixture_json("v4_task_ec2_awsvpc_awsdocs.json")
EC2_CONTAINER_JSON = fixture_json("v4_container_ec2_awsvpc_awsdocs.json")
FARGATE_TASK_JSON = fixture_json("v4_task_fargate_awsdocs.json")
V2_TASK_JSON = fixture_json("v2_task_nginx_awsdocs.json")
TAGS_TASK_JSON = fixture_json("v4_taskWithTags_awsdocs.json")

EC2_TASK = TaskMetadata.from_json(EC2_TASK_JSON)
EC2_CONTAINER = ContainerMetadata.from_json(EC2_CONTAINER_JSON)
FARGATE_TASK = TaskMetadata.from_json(FARGATE_TASK_JSON)
FARGATE_CONTAINER = FARGATE_TASK.containers[0]
V2_TASK = TaskMetadata.from_json(V2_TASK_JSON)
V2_CONTAINER = next(c for c in V2_TASK.containers if c.name == "nginx-curl")
TAGS_TASK = TaskMetadata.from_json(TAGS_TASK_JSON)
TAGS_CONTAINER = next(c for c in TAGS_TASK.containers if c.name == "curl")

EC2_TASK_ARN = "arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c"
FARGATE_TASK_ARN = (
    "arn:aws:ecs:us-west-2:111122223333:task/default/e9028f8d5d8e4f258373e7b93ce9a3c3"
)
V2_TASK_ARN = "arn:aws:ecs:us-east-2:012345678910:task/9781c248-0edd-4cdb-9a93-f63cb662a5d3"
IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest:latest"


def fields_of(
    task: TaskMetadata,
    container: ContainerMetadata | None,
    **options: Any,
) -> dict[str, object]:
    """build_fields with settings from these options and an empty environment."""
    return build_fields(task, container, FieldSettings.resolve(**options, environ={}))


def task_with(**changes: object) -> TaskMetadata:
    """The EC2 task fixture with some keys replaced (a value of None deletes the key)."""
    document = copy.deepcopy(EC2_TASK_JSON)
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return TaskMetadata.from_json(document)


def container_with(**changes: object) -> ContainerMetadata:
    """The EC2 container fixture with some keys replaced (a value of None deletes the key)."""
    document = copy.deepcopy(EC2_CONTAINER_JSON)
    for key, value in changes.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return ContainerMetadata.from_json(document)


# --- EC2 (awsvpc): v4 task + v4 container --------------------------------------------------------

EC2_FLAT_DEFAULT = {
    "ecs_cluster": "default",
    "ecs_task_arn": EC2_TASK_ARN,
    "ecs_task_family": "curltest",
    "ecs_task_revision": "26",
    "ecs_availability_zone": "us-west-2d",
    "ecs_container_name": "curl",
}
EC2_FLAT_ALL = {
    "ecs_cluster": "default",
    "ecs_task_arn": EC2_TASK_ARN,
    "ecs_task_family": "curltest",
    "ecs_task_revision": "26",
    "ecs_availability_zone": "us-west-2d",
    "ecs_container_name": "curl",
    "ecs_task_id": "158d1c8083dd49d6b527399fd6414f5c",
    "ecs_container_id": "ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66",
    "ecs_region": "us-west-2",
    "ecs_account_id": "111122223333",
    "ecs_launch_type": "EC2",
    "ecs_container_arn": (
        "arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9"
    ),
    "ecs_container_image": IMAGE,
    "ecs_task_definition": "curltest:26",
    "ecs_service_name": "MyService",
    "ecs_log_group": "/ecs/metadata",
    "ecs_log_stream": "ecs/curl/8f03e41243824aea923aca126495f665",
}
EC2_OTEL_DEFAULT = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
    "aws.ecs.task.arn": EC2_TASK_ARN,
    "aws.ecs.task.id": "158d1c8083dd49d6b527399fd6414f5c",
    "aws.ecs.task.family": "curltest",
    "aws.ecs.task.revision": "26",
    "cloud.availability_zone": "us-west-2d",
    "container.name": "curl",
}
EC2_OTEL_ALL = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
    "aws.ecs.task.arn": EC2_TASK_ARN,
    "aws.ecs.task.id": "158d1c8083dd49d6b527399fd6414f5c",
    "aws.ecs.task.family": "curltest",
    "aws.ecs.task.revision": "26",
    "cloud.availability_zone": "us-west-2d",
    "container.name": "curl",
    "container.id": "ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66",
    "cloud.region": "us-west-2",
    "cloud.account.id": "111122223333",
    "aws.ecs.launchtype": "ec2",
    "aws.ecs.container.arn": (
        "arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9"
    ),
    "container.image.name": IMAGE,
    "aws.log.group.names": ("/ecs/metadata",),
    "aws.log.stream.names": ("ecs/curl/8f03e41243824aea923aca126495f665",),
}
EC2_NESTED_DEFAULT = {
    "ecs": {
        "cluster": "default",
        "task_arn": EC2_TASK_ARN,
        "task_family": "curltest",
        "task_revision": "26",
        "availability_zone": "us-west-2d",
        "container_name": "curl",
    }
}
EC2_NESTED_ALL = {
    "ecs": {
        "cluster": "default",
        "task_arn": EC2_TASK_ARN,
        "task_family": "curltest",
        "task_revision": "26",
        "availability_zone": "us-west-2d",
        "container_name": "curl",
        "task_id": "158d1c8083dd49d6b527399fd6414f5c",
        "container_id": "ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66",
        "region": "us-west-2",
        "account_id": "111122223333",
        "launch_type": "EC2",
        "container_arn": (
            "arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9"
        ),
        "container_image": IMAGE,
        "task_definition": "curltest:26",
        "service_name": "MyService",
        "log_group": "/ecs/metadata",
        "log_stream": "ecs/curl/8f03e41243824aea923aca126495f665",
    }
}

# --- Fargate: Cluster is an ARN, the own container is the task's only one ------------------------

FARGATE_CONTAINER_ARN = (
    "arn:aws:ecs:us-west-2:111122223333:container/1bdcca8b-f905-4ee6-885c-4064cb70f6e6"
)
FARGATE_FLAT_DEFAULT = {
    "ecs_cluster": "default",
    "ecs_task_arn": FARGATE_TASK_ARN,
    "ecs_task_family": "curltest",
    "ecs_task_revision": "3",
    "ecs_availability_zone": "us-west-2a",
    "ecs_container_name": "curl",
}
FARGATE_FLAT_ALL = {
    "ecs_cluster": "default",
    "ecs_task_arn": FARGATE_TASK_ARN,
    "ecs_task_family": "curltest",
    "ecs_task_revision": "3",
    "ecs_availability_zone": "us-west-2a",
    "ecs_container_name": "curl",
    "ecs_task_id": "e9028f8d5d8e4f258373e7b93ce9a3c3",
    "ecs_container_id": "e9028f8d5d8e4f258373e7b93ce9a3c3-2495160603",
    "ecs_region": "us-west-2",
    "ecs_account_id": "111122223333",
    "ecs_launch_type": "FARGATE",
    "ecs_container_arn": FARGATE_CONTAINER_ARN,
    "ecs_container_image": IMAGE,
    "ecs_task_definition": "curltest:3",
    "ecs_log_group": "/ecs/containerlogs",
    "ecs_log_stream": "ecs/curl/e9028f8d5d8e4f258373e7b93ce9a3c3",
}
FARGATE_OTEL_DEFAULT = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
    "aws.ecs.task.arn": FARGATE_TASK_ARN,
    "aws.ecs.task.id": "e9028f8d5d8e4f258373e7b93ce9a3c3",
    "aws.ecs.task.family": "curltest",
    "aws.ecs.task.revision": "3",
    "cloud.availability_zone": "us-west-2a",
    "container.name": "curl",
}
FARGATE_OTEL_ALL = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
    "aws.ecs.task.arn": FARGATE_TASK_ARN,
    "aws.ecs.task.id": "e9028f8d5d8e4f258373e7b93ce9a3c3",
    "aws.ecs.task.family": "curltest",
    "aws.ecs.task.revision": "3",
    "cloud.availability_zone": "us-west-2a",
    "container.name": "curl",
    "container.id": "e9028f8d5d8e4f258373e7b93ce9a3c3-2495160603",
    "cloud.region": "us-west-2",
    "cloud.account.id": "111122223333",
    "aws.ecs.launchtype": "fargate",
    "aws.ecs.container.arn": FARGATE_CONTAINER_ARN,
    "container.image.name": IMAGE,
    "aws.log.group.names": ("/ecs/containerlogs",),
    "aws.log.stream.names": ("ecs/curl/e9028f8d5d8e4f258373e7b93ce9a3c3",),
}
FARGATE_NESTED_DEFAULT = {
    "ecs": {
        "cluster": "default",
        "task_arn": FARGATE_TASK_ARN,
        "task_family": "curltest",
        "task_revision": "3",
        "availability_zone": "us-west-2a",
        "container_name": "curl",
    }
}
FARGATE_NESTED_ALL = {
    "ecs": {
        "cluster": "default",
        "task_arn": FARGATE_TASK_ARN,
        "task_family": "curltest",
        "task_revision": "3",
        "availability_zone": "us-west-2a",
        "container_name": "curl",
        "task_id": "e9028f8d5d8e4f258373e7b93ce9a3c3",
        "container_id": "e9028f8d5d8e4f258373e7b93ce9a3c3-2495160603",
        "region": "us-west-2",
        "account_id": "111122223333",
        "launch_type": "FARGATE",
        "container_arn": FARGATE_CONTAINER_ARN,
        "container_image": IMAGE,
        "task_definition": "curltest:3",
        "log_group": "/ecs/containerlogs",
        "log_stream": "ecs/curl/e9028f8d5d8e4f258373e7b93ce9a3c3",
    }
}

# --- v2 (old task ARN format, no LaunchType, no log options, no ContainerARN): nginx-curl --------

NGINX_ID = "43481a6ce4842eec8fe72fc28500c6b52edcc0917f105b83379f88cac1ff3946"
V2_FLAT_DEFAULT = {
    "ecs_cluster": "default",
    "ecs_task_arn": V2_TASK_ARN,
    "ecs_task_family": "nginx",
    "ecs_task_revision": "5",
    "ecs_availability_zone": "us-east-2b",
    "ecs_container_name": "nginx-curl",
}
V2_FLAT_ALL = {
    "ecs_cluster": "default",
    "ecs_task_arn": V2_TASK_ARN,
    "ecs_task_family": "nginx",
    "ecs_task_revision": "5",
    "ecs_availability_zone": "us-east-2b",
    "ecs_container_name": "nginx-curl",
    "ecs_task_id": "9781c248-0edd-4cdb-9a93-f63cb662a5d3",
    "ecs_container_id": NGINX_ID,
    "ecs_region": "us-east-2",
    "ecs_account_id": "012345678910",
    "ecs_container_image": "nrdlngr/nginx-curl",
    "ecs_task_definition": "nginx:5",
}
V2_OTEL_DEFAULT = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:us-east-2:012345678910:cluster/default",
    "aws.ecs.task.arn": V2_TASK_ARN,
    "aws.ecs.task.id": "9781c248-0edd-4cdb-9a93-f63cb662a5d3",
    "aws.ecs.task.family": "nginx",
    "aws.ecs.task.revision": "5",
    "cloud.availability_zone": "us-east-2b",
    "container.name": "nginx-curl",
}
V2_OTEL_ALL = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:us-east-2:012345678910:cluster/default",
    "aws.ecs.task.arn": V2_TASK_ARN,
    "aws.ecs.task.id": "9781c248-0edd-4cdb-9a93-f63cb662a5d3",
    "aws.ecs.task.family": "nginx",
    "aws.ecs.task.revision": "5",
    "cloud.availability_zone": "us-east-2b",
    "container.name": "nginx-curl",
    "container.id": NGINX_ID,
    "cloud.region": "us-east-2",
    "cloud.account.id": "012345678910",
    "container.image.name": "nrdlngr/nginx-curl",
}
V2_NESTED_DEFAULT = {
    "ecs": {
        "cluster": "default",
        "task_arn": V2_TASK_ARN,
        "task_family": "nginx",
        "task_revision": "5",
        "availability_zone": "us-east-2b",
        "container_name": "nginx-curl",
    }
}
V2_NESTED_ALL = {
    "ecs": {
        "cluster": "default",
        "task_arn": V2_TASK_ARN,
        "task_family": "nginx",
        "task_revision": "5",
        "availability_zone": "us-east-2b",
        "container_name": "nginx-curl",
        "task_id": "9781c248-0edd-4cdb-9a93-f63cb662a5d3",
        "container_id": NGINX_ID,
        "region": "us-east-2",
        "account_id": "012345678910",
        "container_image": "nrdlngr/nginx-curl",
        "task_definition": "nginx:5",
    }
}

# --- v4 taskWithTags, with its curl container ----------------------------------------------------

TAGS_CONTAINER_ID = "ee08638adaaf009d78c248913f629e38299471d45fe7dc944d1039077e3424ca"
TAGS_CONTAINER_ARN = (
    "arn:aws:ecs:us-west-2:111122223333:container/abb51bdd-11b4-467f-8f6c-adcfe1fe059d"
)
TAGS_FLAT_ALL_STAR = {
    "ecs_cluster": "default",
    "ecs_task_arn": EC2_TASK_ARN,
    "ecs_task_family": "curltest",
    "ecs_task_revision": "26",
    "ecs_availability_zone": "us-west-2d",
    "ecs_container_name": "curl",
    "ecs_task_id": "158d1c8083dd49d6b527399fd6414f5c",
    "ecs_container_id": TAGS_CONTAINER_ID,
    "ecs_region": "us-west-2",
    "ecs_account_id": "111122223333",
    "ecs_launch_type": "EC2",
    "ecs_container_arn": TAGS_CONTAINER_ARN,
    "ecs_container_image": IMAGE,
    "ecs_task_definition": "curltest:26",
    "ecs_service_name": "MyService",
    "ecs_log_group": "/ecs/metadata",
    "ecs_log_stream": "ecs/curl/158d1c8083dd49d6b527399fd6414f5c",
    "ecs_tag_tag-use": "task-metadata-endpoint-test",
}
TAGS_OTEL_ALL_STAR = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
    "aws.ecs.task.arn": EC2_TASK_ARN,
    "aws.ecs.task.id": "158d1c8083dd49d6b527399fd6414f5c",
    "aws.ecs.task.family": "curltest",
    "aws.ecs.task.revision": "26",
    "cloud.availability_zone": "us-west-2d",
    "container.name": "curl",
    "container.id": TAGS_CONTAINER_ID,
    "cloud.region": "us-west-2",
    "cloud.account.id": "111122223333",
    "aws.ecs.launchtype": "ec2",
    "aws.ecs.container.arn": TAGS_CONTAINER_ARN,
    "container.image.name": IMAGE,
    "aws.log.group.names": ("/ecs/metadata",),
    "aws.log.stream.names": ("ecs/curl/158d1c8083dd49d6b527399fd6414f5c",),
    "aws.ecs.task.tag.tag-use": "task-metadata-endpoint-test",
}
TAGS_NESTED_ALL_STAR = {
    "ecs": {
        "cluster": "default",
        "task_arn": EC2_TASK_ARN,
        "task_family": "curltest",
        "task_revision": "26",
        "availability_zone": "us-west-2d",
        "container_name": "curl",
        "task_id": "158d1c8083dd49d6b527399fd6414f5c",
        "container_id": TAGS_CONTAINER_ID,
        "region": "us-west-2",
        "account_id": "111122223333",
        "launch_type": "EC2",
        "container_arn": TAGS_CONTAINER_ARN,
        "container_image": IMAGE,
        "task_definition": "curltest:26",
        "service_name": "MyService",
        "log_group": "/ecs/metadata",
        "log_stream": "ecs/curl/158d1c8083dd49d6b527399fd6414f5c",
        "tag_tag-use": "task-metadata-endpoint-test",
    }
}
TAGS_FLAT_DEFAULT_TAG = {
    "ecs_cluster": "default",
    "ecs_task_arn": EC2_TASK_ARN,
    "ecs_task_family": "curltest",
    "ecs_task_revision": "26",
    "ecs_availability_zone": "us-west-2d",
    "ecs_container_name": "curl",
    "ecs_tag_tag-use": "task-metadata-endpoint-test",
}
TAGS_OTEL_DEFAULT_TAG = {
    "cloud.provider": "aws",
    "cloud.platform": "aws_ecs",
    "aws.ecs.cluster.arn": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
    "aws.ecs.task.arn": EC2_TASK_ARN,
    "aws.ecs.task.id": "158d1c8083dd49d6b527399fd6414f5c",
    "aws.ecs.task.family": "curltest",
    "aws.ecs.task.revision": "26",
    "cloud.availability_zone": "us-west-2d",
    "container.name": "curl",
    "aws.ecs.task.tag.tag-use": "task-metadata-endpoint-test",
}
TAGS_NESTED_DEFAULT_TAG = {
    "ecs": {
        "cluster": "default",
        "task_arn": EC2_TASK_ARN,
        "task_family": "curltest",
        "task_revision": "26",
        "availability_zone": "us-west-2d",
        "container_name": "curl",
        "tag_tag-use": "task-metadata-endpoint-test",
    }
}


class Case(NamedTuple):
    """A fixture pair in one style and group, and the exact fields it gives."""

    name: str
    task: TaskMetadata
    container: ContainerMetadata
    style: str
    fields: str
    tags: str | None
    expected: Mapping[str, object]


Row = tuple[str, TaskMetadata, ContainerMetadata, str, str, str | None, Mapping[str, object]]
ROWS: list[Row] = [
    ("ec2-flat-default", EC2_TASK, EC2_CONTAINER, "flat", "default", None, EC2_FLAT_DEFAULT),
    ("ec2-flat-all", EC2_TASK, EC2_CONTAINER, "flat", "all", None, EC2_FLAT_ALL),
    ("ec2-otel-default", EC2_TASK, EC2_CONTAINER, "otel", "default", None, EC2_OTEL_DEFAULT),
    ("ec2-otel-all", EC2_TASK, EC2_CONTAINER, "otel", "all", None, EC2_OTEL_ALL),
    ("ec2-nested-default", EC2_TASK, EC2_CONTAINER, "nested", "default", None, EC2_NESTED_DEFAULT),
    ("ec2-nested-all", EC2_TASK, EC2_CONTAINER, "nested", "all", None, EC2_NESTED_ALL),
    ("fargate-flat-default", FARGATE_TASK, FARGATE_CONTAINER, "flat", "default", None,
     FARGATE_FLAT_DEFAULT),
    ("fargate-flat-all", FARGATE_TASK, FARGATE_CONTAINER, "flat", "all", None, FARGATE_FLAT_ALL),
    ("fargate-otel-default", FARGATE_TASK, FARGATE_CONTAINER, "otel", "default", None,
     FARGATE_OTEL_DEFAULT),
    ("fargate-otel-all", FARGATE_TASK, FARGATE_CONTAINER, "otel", "all", None, FARGATE_OTEL_ALL),
    ("fargate-nested-default", FARGATE_TASK, FARGATE_CONTAINER, "nested", "default", None,
     FARGATE_NESTED_DEFAULT),
    ("fargate-nested-all", FARGATE_TASK, FARGATE_CONTAINER, "nested", "all", None,
     FARGATE_NESTED_ALL),
    ("v2-flat-default", V2_TASK, V2_CONTAINER, "flat", "default", None, V2_FLAT_DEFAULT),
    ("v2-flat-all", V2_TASK, V2_CONTAINER, "flat", "all", None, V2_FLAT_ALL),
    ("v2-otel-default", V2_TASK, V2_CONTAINER, "otel", "default", None, V2_OTEL_DEFAULT),
    ("v2-otel-all", V2_TASK, V2_CONTAINER, "otel", "all", None, V2_OTEL_ALL),
    ("v2-nested-default", V2_TASK, V2_CONTAINER, "nested", "default", None, V2_NESTED_DEFAULT),
    ("v2-nested-all", V2_TASK, V2_CONTAINER, "nested", "all", None, V2_NESTED_ALL),
    ("tags-flat-all-star", TAGS_TASK, TAGS_CONTAINER, "flat", "all", "*", TAGS_FLAT_ALL_STAR),
    ("tags-otel-all-star", TAGS_TASK, TAGS_CONTAINER, "otel", "all", "*", TAGS_OTEL_ALL_STAR),
    ("tags-nested-all-star", TAGS_TASK, TAGS_CONTAINER, "nested", "all", "*",
     TAGS_NESTED_ALL_STAR),
    ("tags-flat-default-named", TAGS_TASK, TAGS_CONTAINER, "flat", "default", "tag-use",
     TAGS_FLAT_DEFAULT_TAG),
    ("tags-otel-default-named", TAGS_TASK, TAGS_CONTAINER, "otel", "default", "tag-use",
     TAGS_OTEL_DEFAULT_TAG),
    ("tags-nested-default-named", TAGS_TASK, TAGS_CONTAINER, "nested", "default", "tag-use",
     TAGS_NESTED_DEFAULT_TAG),
]  # fmt: skip
CASES = [Case(*row) for row in ROWS]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fixture_fields(case: Case) -> None:
    """Each fixture gives exactly the documented keys and values, in each style and group."""
    actual = fields_of(
        case.task, case.container, style=case.style, fields=case.fields, tags=case.tags
    )
    assert case.expected == actual


def test_default_settings_are_flat_default() -> None:
    """FieldSettings() (the defaults) gives the flat default group."""
    assert EC2_FLAT_DEFAULT == build_fields(EC2_TASK, EC2_CONTAINER, FieldSettings())


def test_settings_from_environment() -> None:
    """Settings resolved from the variables drive build_fields."""
    environ = {"ECS_LOG_CONTEXT_STYLE": "otel", "ECS_LOG_CONTEXT_FIELDS": "cluster,launch_type"}
    expected = {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.cluster.arn": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
        "aws.ecs.launchtype": "fargate",
    }
    settings_ = FieldSettings.resolve(environ=environ)
    assert expected == build_fields(FARGATE_TASK, FARGATE_CONTAINER, settings_)


def test_container_name_is_name_not_docker_name() -> None:
    """The container name is `Name`, not `DockerName`."""
    actual = fields_of(EC2_TASK, EC2_CONTAINER, fields="container_name")
    assert {"ecs_container_name": "curl"} == actual


# --- otel specifics ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task_arn", "cluster", "expected"),
    [
        (
            "arn:aws:ecs:eu-west-1:123456789012:task/prod/0123456789abcdef0123456789abcdef",
            "prod",
            "arn:aws:ecs:eu-west-1:123456789012:cluster/prod",
        ),
        (
            "arn:aws-cn:ecs:cn-north-1:123456789012:task/prod/0123456789abcdef0123456789abcdef",
            "prod",
            "arn:aws-cn:ecs:cn-north-1:123456789012:cluster/prod",
        ),
        (
            "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task/a-b_c/0123456789abcdef",
            "a-b_c",
            "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:cluster/a-b_c",
        ),
        (
            "arn:aws:ecs:us-east-2:012345678910:task/9781c248-0edd-4cdb-9a93-f63cb662a5d3",
            "default",
            "arn:aws:ecs:us-east-2:012345678910:cluster/default",
        ),
        (
            "arn:aws:ecs:us-west-2:111122223333:task/default/e9028f8d5d8e4f258373e7b93ce9a3c3",
            "arn:aws:ecs:us-west-2:111122223333:cluster/default",
            "arn:aws:ecs:us-west-2:111122223333:cluster/default",
        ),
    ],
)
def test_otel_cluster_arn(task_arn: str, cluster: str, expected: str) -> None:
    """Under otel, a short cluster name becomes a full ARN from the task ARN's partition,
    region and account; an ARN stays as it is."""
    task = TaskMetadata.from_json({"TaskARN": task_arn, "Cluster": cluster})
    actual = fields_of(task, None, style="otel", fields="cluster")
    assert {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.cluster.arn": expected,
    } == (actual)


@pytest.mark.parametrize(
    ("task_arn", "cluster"),
    [("not-an-arn", "prod"), ("arn:aws:ec2:us-east-1:123456789012:instance/i-1", "prod")],
)
def test_otel_cluster_arn_unknown(task_arn: str, cluster: str) -> None:
    """Under otel, a short cluster name without an ECS task ARN to build from is left out."""
    task = TaskMetadata.from_json({"TaskARN": task_arn, "Cluster": cluster})
    assert {} == fields_of(task, None, style="otel", fields="cluster")


def test_flat_cluster_from_arn() -> None:
    """Under flat, a cluster ARN is reduced to its name."""
    task = task_with(Cluster="arn:aws:ecs:us-west-2:111122223333:cluster/my-cluster_1")
    assert {"ecs_cluster": "my-cluster_1"} == fields_of(task, None, fields="cluster")


def test_otel_task_id_comes_with_task_arn() -> None:
    """Under otel, aws.ecs.task.id is added with aws.ecs.task.arn even when not asked for."""
    expected = {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.task.arn": EC2_TASK_ARN,
        "aws.ecs.task.id": "158d1c8083dd49d6b527399fd6414f5c",
    }
    assert expected == fields_of(EC2_TASK, EC2_CONTAINER, style="otel", fields="task_arn")


def test_flat_task_arn_alone() -> None:
    """Under flat, task_arn alone adds no task id."""
    expected = {"ecs_task_arn": EC2_TASK_ARN}
    assert expected == fields_of(EC2_TASK, EC2_CONTAINER, fields="task_arn")


def test_otel_task_id_without_arn() -> None:
    """Under otel, task_id alone does not bring the task ARN."""
    expected = {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.task.id": "158d1c8083dd49d6b527399fd6414f5c",
    }
    assert expected == fields_of(EC2_TASK, EC2_CONTAINER, style="otel", fields="task_id")


def test_otel_leaves_out_task_definition_and_service_name() -> None:
    """task_definition and service_name have no otel key: asked for alone, nothing is added."""
    actual = fields_of(EC2_TASK, EC2_CONTAINER, style="otel", fields="task_definition,service_name")
    assert {} == actual


def test_otel_launch_type_lower_case() -> None:
    """Under otel the launch type is lower case; under flat it is as the endpoint gives it."""
    otel = fields_of(FARGATE_TASK, None, style="otel", fields="launch_type")
    flat = fields_of(FARGATE_TASK, None, fields="launch_type")
    expected = (
        {"cloud.provider": "aws", "cloud.platform": "aws_ecs", "aws.ecs.launchtype": "fargate"},
        {"ecs_launch_type": "FARGATE"},
    )
    assert expected == (otel, flat)


def test_otel_log_names_are_one_element_lists() -> None:
    """Under otel, log group and stream are one-element lists."""
    expected = {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.log.group.names": ("/ecs/metadata",),
        "aws.log.stream.names": ("ecs/curl/8f03e41243824aea923aca126495f665",),
    }
    actual = fields_of(EC2_TASK, EC2_CONTAINER, style="otel", fields="log_group,log_stream")
    assert expected == actual


def test_otel_constants_absent_when_nothing_known() -> None:
    """cloud.provider and cloud.platform come with the fields, not alone."""
    assert {} == fields_of(V2_TASK, None, style="otel", fields="container_name,log_group")


# --- renames -------------------------------------------------------------------------------------


def test_rename_flat() -> None:
    """Renamed fields take the new key under flat; the others keep theirs."""
    expected = {
        "cluster_name": "default",
        "task": EC2_TASK_ARN,
        "ecs_task_family": "curltest",
        "ecs_task_revision": "26",
        "ecs_availability_zone": "us-west-2d",
        "ecs_container_name": "curl",
    }
    actual = fields_of(EC2_TASK, EC2_CONTAINER, keys="cluster=cluster_name,task_arn=task")
    assert expected == actual


def test_rename_otel() -> None:
    """Renamed fields take the new key under otel, with their otel values."""
    expected = {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "cluster": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
        "aws.ecs.task.arn": EC2_TASK_ARN,
        "aws.ecs.task.id": "158d1c8083dd49d6b527399fd6414f5c",
        "launch": "ec2",
        "logs": ("/ecs/metadata",),
    }
    actual = fields_of(
        EC2_TASK,
        EC2_CONTAINER,
        style="otel",
        fields="cluster,task_arn,launch_type,log_group",
        keys={"cluster": "cluster", "launch_type": "launch", "log_group": "logs"},
    )
    assert expected == actual


def test_rename_nested() -> None:
    """Renamed fields take the new key inside `ecs` under nested."""
    expected = {
        "ecs": {"cluster_name": "default", "task_family": "curltest", "zone.id": "us-west-2d"}
    }
    actual = fields_of(
        EC2_TASK,
        EC2_CONTAINER,
        style="nested",
        fields="cluster,family,availability_zone",
        keys="cluster=cluster_name,availability_zone=zone.id",
    )
    assert expected == actual


def test_rename_of_a_field_not_asked_for() -> None:
    """A rename of a field not in the field list adds nothing."""
    expected = {"ecs_cluster": "default"}
    assert expected == fields_of(EC2_TASK, EC2_CONTAINER, fields="cluster", keys="image=img")


# --- tags ----------------------------------------------------------------------------------------


def test_tags_only_named_ones() -> None:
    """Only the tags asked for are added; missing ones and container instance tags are not."""
    expected = {"ecs_cluster": "default", "ecs_tag_tag-use": "task-metadata-endpoint-test"}
    actual = fields_of(TAGS_TASK, TAGS_CONTAINER, fields="cluster", tags="tag-use,missing,tag_key")
    assert expected == actual


def test_tags_missing() -> None:
    """A tag the task does not have is left out."""
    assert {"ecs_cluster": "default"} == fields_of(
        TAGS_TASK, TAGS_CONTAINER, fields="cluster", tags="tag_key,Tag-Use"
    )


def test_tags_without_tags_in_the_task() -> None:
    """A task without TaskTags (the plain task route) adds no tag keys, even for `*`."""
    assert EC2_FLAT_DEFAULT == fields_of(EC2_TASK, EC2_CONTAINER, tags="*")


def test_tags_star_several() -> None:
    """`*` adds every task tag."""
    task = task_with(TaskTags={"team": "payments", "env": "prod", "aws:ecs:serviceName": "web"})
    expected = {
        "ecs_cluster": "default",
        "ecs_tag_team": "payments",
        "ecs_tag_env": "prod",
        "ecs_tag_aws:ecs:serviceName": "web",
    }
    assert expected == fields_of(task, None, fields="cluster", tags="*")


def test_tags_with_empty_values_left_out() -> None:
    """A tag with an empty value is left out."""
    task = task_with(TaskTags={"team": "", "env": "prod"})
    expected = {"ecs_cluster": "default", "ecs_tag_env": "prod"}
    assert expected == fields_of(task, None, fields="cluster", tags="*")


# --- the own container unknown, values unknown ---------------------------------------------------


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (
            "flat",
            {
                "ecs_cluster": "default",
                "ecs_task_arn": EC2_TASK_ARN,
                "ecs_task_family": "curltest",
                "ecs_task_revision": "26",
                "ecs_availability_zone": "us-west-2d",
                "ecs_task_id": "158d1c8083dd49d6b527399fd6414f5c",
                "ecs_region": "us-west-2",
                "ecs_account_id": "111122223333",
                "ecs_launch_type": "EC2",
                "ecs_task_definition": "curltest:26",
                "ecs_service_name": "MyService",
            },
        ),
        (
            "otel",
            {
                "cloud.provider": "aws",
                "cloud.platform": "aws_ecs",
                "aws.ecs.cluster.arn": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
                "aws.ecs.task.arn": EC2_TASK_ARN,
                "aws.ecs.task.id": "158d1c8083dd49d6b527399fd6414f5c",
                "aws.ecs.task.family": "curltest",
                "aws.ecs.task.revision": "26",
                "cloud.availability_zone": "us-west-2d",
                "cloud.region": "us-west-2",
                "cloud.account.id": "111122223333",
                "aws.ecs.launchtype": "ec2",
            },
        ),
        (
            "nested",
            {
                "ecs": {
                    "cluster": "default",
                    "task_arn": EC2_TASK_ARN,
                    "task_family": "curltest",
                    "task_revision": "26",
                    "availability_zone": "us-west-2d",
                    "task_id": "158d1c8083dd49d6b527399fd6414f5c",
                    "region": "us-west-2",
                    "account_id": "111122223333",
                    "launch_type": "EC2",
                    "task_definition": "curltest:26",
                    "service_name": "MyService",
                }
            },
        ),
    ],
)
def test_no_container(style: str, expected: dict[str, object]) -> None:
    """With the own container unknown (None), the container fields are left out."""
    assert expected == fields_of(EC2_TASK, None, style=style, fields="all")


def test_only_container_fields_without_container() -> None:
    """Container fields alone, without a container, give nothing at all, in every style."""
    fields = "container_name,container_id,container_arn,image,log_group,log_stream"
    actual = [fields_of(EC2_TASK, None, style=s, fields=fields) for s in ("flat", "otel", "nested")]
    assert [{}, {}, {}] == actual


def test_minimal_task() -> None:
    """A task with its ARN only gives what the ARN tells."""
    task = TaskMetadata.from_json({"TaskARN": EC2_TASK_ARN})
    expected = {
        "ecs_task_arn": EC2_TASK_ARN,
        "ecs_task_id": "158d1c8083dd49d6b527399fd6414f5c",
        "ecs_region": "us-west-2",
        "ecs_account_id": "111122223333",
    }
    assert expected == fields_of(task, None, fields="all")


def test_task_arn_not_an_arn() -> None:
    """A TaskARN that is not an ARN gives no id, region or account."""
    task = task_with(TaskARN="not-an-arn")
    expected = {"ecs_task_arn": "not-an-arn"}
    assert expected == fields_of(task, None, fields="task_arn,task_id,region,account_id")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"Cluster": ""},
            {
                "ecs_task_family": "curltest",
                "ecs_task_revision": "26",
                "ecs_task_definition": "curltest:26",
            },
        ),
        ({"Family": ""}, {"ecs_cluster": "default", "ecs_task_revision": "26"}),
        ({"Revision": None}, {"ecs_cluster": "default", "ecs_task_family": "curltest"}),
    ],
)
def test_blank_values_left_out(changes: dict[str, object], expected: dict[str, object]) -> None:
    """An empty or missing value is left out, and so is a task definition missing a part."""
    task = task_with(**changes)
    assert expected == fields_of(task, None, fields="cluster,family,revision,task_definition")


def test_integer_revision_is_a_string() -> None:
    """A revision the endpoint gives as a number is added as a string."""
    task = task_with(Revision=26)
    expected = {"ecs_task_revision": "26", "ecs_task_definition": "curltest:26"}
    assert expected == fields_of(task, None, fields="revision,task_definition")


def test_empty_log_options_left_out() -> None:
    """An awslogs option that is empty is left out."""
    container = container_with(LogOptions={"awslogs-group": "", "awslogs-stream": "s"})
    expected = {"ecs_log_stream": "s"}
    assert expected == fields_of(EC2_TASK, container, fields="log_group,log_stream")


def test_unreasonably_long_value_left_out() -> None:
    """A value of more than 2048 characters is not metadata: it is left out."""
    task = task_with(Family="f" * 5000)
    assert {"ecs_cluster": "default"} == fields_of(task, None, fields="cluster,family")


# --- escaping ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("nul\x00", "nul\\x00"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("del\x7f", "del\\x7f"),
        ("plain é ü 日本", "plain é ü 日本"),
    ],
)
def test_control_characters_escaped(raw: str, escaped: str) -> None:
    """Control characters in a value (C0 and DEL) are escaped; other text is kept."""
    task = task_with(Family=raw, TaskTags={"team": raw})
    expected = {"ecs_task_family": escaped, "ecs_tag_team": escaped}
    assert expected == fields_of(task, None, fields="family", tags="team")


def test_control_characters_in_tag_keys_escaped() -> None:
    """A control character in a tag key is escaped in the output key too."""
    task = task_with(TaskTags={"a\nb": "v"})
    expected = {"ecs_cluster": "default", "ecs_tag_a\\nb": "v"}
    assert expected == fields_of(task, None, fields="cluster", tags="*")


@pytest.mark.parametrize("char", ["\x85", "\x9b", "\x80", "\x9f"])
def test_c1_control_characters_escaped(char: str) -> None:
    """C1 control characters (Unicode category Cc) are escaped like C0 ones."""
    task = task_with(Family=f"a{char}b")
    value = fields_of(task, None, fields="family")["ecs_task_family"]
    assert isinstance(value, str)
    assert char not in value


@pytest.mark.parametrize("char", ["\u2028", "\u2029"])
def test_unicode_line_separators_escaped(char: str) -> None:
    """Unicode line and paragraph separators are escaped, so a value stays on one line."""
    task = task_with(Family=f"a{char}b")
    value = fields_of(task, None, fields="family")["ecs_task_family"]
    assert isinstance(value, str)
    assert [value] == value.splitlines()


# --- field_keys ----------------------------------------------------------------------------------


def test_field_keys_flat_default() -> None:
    """field_keys gives the flat keys of the default group, in order."""
    expected = [
        "ecs_cluster",
        "ecs_task_arn",
        "ecs_task_family",
        "ecs_task_revision",
        "ecs_availability_zone",
        "ecs_container_name",
    ]
    assert expected == field_keys(FieldSettings())


def test_field_keys_flat_all() -> None:
    """field_keys gives every flat key of `all`, in the table's order."""
    expected = [
        "ecs_cluster",
        "ecs_task_arn",
        "ecs_task_family",
        "ecs_task_revision",
        "ecs_availability_zone",
        "ecs_container_name",
        "ecs_task_id",
        "ecs_container_id",
        "ecs_region",
        "ecs_account_id",
        "ecs_launch_type",
        "ecs_container_arn",
        "ecs_container_image",
        "ecs_task_definition",
        "ecs_service_name",
        "ecs_log_group",
        "ecs_log_stream",
    ]
    assert expected == field_keys(FieldSettings.resolve(fields="all", environ={}))


def test_field_keys_otel_default() -> None:
    """Under otel, field_keys adds aws.ecs.task.id after the default group."""
    expected = [
        "aws.ecs.cluster.arn",
        "aws.ecs.task.arn",
        "aws.ecs.task.family",
        "aws.ecs.task.revision",
        "cloud.availability_zone",
        "container.name",
        "aws.ecs.task.id",
    ]
    keys = field_keys(FieldSettings.resolve(style="otel", environ={}))
    assert expected == [k for k in keys if k not in ("cloud.provider", "cloud.platform")]


def test_field_keys_otel_all_skips_fields_without_a_key() -> None:
    """Under otel, task_definition and service_name have no key."""
    keys = field_keys(FieldSettings.resolve(style="otel", fields="all", environ={}))
    expected = [
        "aws.ecs.cluster.arn",
        "aws.ecs.task.arn",
        "aws.ecs.task.family",
        "aws.ecs.task.revision",
        "cloud.availability_zone",
        "container.name",
        "aws.ecs.task.id",
        "container.id",
        "cloud.region",
        "cloud.account.id",
        "aws.ecs.launchtype",
        "aws.ecs.container.arn",
        "container.image.name",
        "aws.log.group.names",
        "aws.log.stream.names",
    ]
    assert expected == [k for k in keys if k not in ("cloud.provider", "cloud.platform")]


def test_field_keys_nested() -> None:
    """Under nested, field_keys gives the keys inside `ecs`, without the prefix."""
    settings_ = FieldSettings.resolve(style="nested", fields="cluster,image", environ={})
    assert ["cluster", "container_image"] == field_keys(settings_)


def test_field_keys_renames_and_tags() -> None:
    """field_keys uses renamed keys and adds named tags, but not `*`."""
    named = FieldSettings.resolve(
        fields="cluster,task_id", keys="cluster=c", tags="team,env", environ={}
    )
    star = FieldSettings.resolve(fields="cluster", tags="*", environ={})
    expected = (["c", "ecs_task_id", "ecs_tag_team", "ecs_tag_env"], ["ecs_cluster"])
    assert expected == (field_keys(named), field_keys(star))


def test_field_keys_otel_tags() -> None:
    """Under otel, named tags are listed as aws.ecs.task.tag.<key>."""
    keys = field_keys(FieldSettings.resolve(style="otel", fields="family", tags="team", environ={}))
    expected = ["aws.ecs.task.family", "aws.ecs.task.tag.team"]
    assert expected == [k for k in keys if k not in ("cloud.provider", "cloud.platform")]


NAMED_TAG_CASES = [case for case in CASES if case.tags != "*"]


@pytest.mark.parametrize("case", NAMED_TAG_CASES, ids=[case.name for case in NAMED_TAG_CASES])
def test_field_keys_cover_built_keys(case: Case) -> None:
    """Every field key that build_fields produces is one that field_keys lists."""
    settings_ = FieldSettings.resolve(
        style=case.style, fields=case.fields, tags=case.tags, environ={}
    )
    built = build_fields(case.task, case.container, settings_)
    inner = built["ecs"] if case.style == "nested" else built
    assert isinstance(inner, dict)
    produced = [k for k in inner if k not in ("cloud.provider", "cloud.platform")]
    assert [] == [k for k in produced if k not in field_keys(settings_)]


def test_field_keys_otel_constants() -> None:
    """Under otel, field_keys lists cloud.provider and cloud.platform, which build_fields adds."""
    settings_ = FieldSettings.resolve(style="otel", environ={})
    built = build_fields(EC2_TASK, EC2_CONTAINER, settings_)
    assert [] == [k for k in built if k not in field_keys(settings_)]


# --- never "" or None, never a raw newline: tasks built from fixtures with keys removed ----------

TASK_KEYS = [
    "Cluster",
    "Family",
    "Revision",
    "AvailabilityZone",
    "LaunchType",
    "ServiceName",
    "TaskTags",
]
CONTAINER_KEYS = ["DockerId", "Name", "Image", "ContainerARN", "LogOptions"]
PAIRS = [
    (EC2_TASK_JSON, EC2_CONTAINER_JSON),
    (FARGATE_TASK_JSON, FARGATE_TASK_JSON["Containers"][0]),
    (V2_TASK_JSON, V2_TASK_JSON["Containers"][1]),
    (TAGS_TASK_JSON, TAGS_TASK_JSON["Containers"][1]),
]
ANY_TEXT = st.one_of(
    st.sampled_from(["", " ", "\n", "x\ny", "\x00", "a\x1b[0m", "\r\n"]),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=20),
)


def walk(value: object) -> list[object]:
    """Every leaf value of a built dict (lists and nested dicts opened)."""
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in walk(item)]
    if isinstance(value, (list, tuple)):
        return [None] if not value else [leaf for item in value for leaf in walk(item)]
    return [value]


def mutate(document: dict[str, Any], keys: list[str], data: st.DataObject) -> dict[str, Any]:
    """A copy with some keys deleted, blanked or replaced by hostile text."""
    document = copy.deepcopy(document)
    for key in keys:
        action = data.draw(st.sampled_from(["keep", "delete", "blank", "text"]))
        if action == "delete":
            document.pop(key, None)
        elif action == "blank":
            document[key] = {} if key in ("TaskTags", "LogOptions") else ""
        elif action == "text" and key == "TaskTags":
            document[key] = data.draw(st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=3))
        elif action == "text" and key == "LogOptions":
            document[key] = {
                "awslogs-group": data.draw(ANY_TEXT),
                "awslogs-stream": data.draw(ANY_TEXT),
            }
        elif action == "text":
            document[key] = data.draw(ANY_TEXT)
    return document


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pair=st.sampled_from(PAIRS),
    style=st.sampled_from(["flat", "otel", "nested"]),
    with_container=st.booleans(),
    arn=st.sampled_from([None, "not-an-arn", "arn:aws:ecs::", "arn:aws:ecs:us-east-1:1:task/"]),
    data=st.data(),
)
def test_never_empty_none_or_raw_newline(
    pair: tuple[dict[str, Any], dict[str, Any]],
    style: str,
    with_container: bool,
    arn: str | None,
    data: st.DataObject,
) -> None:
    """Whatever keys are missing, blank or odd, no value is "" or None, no list is empty, and no
    value holds a raw newline or C0 control character."""
    task_json = mutate(pair[0], TASK_KEYS, data)
    if arn is not None:
        task_json["TaskARN"] = arn
    task = TaskMetadata.from_json(task_json)
    container = (
        ContainerMetadata.from_json(mutate(pair[1], CONTAINER_KEYS, data))
        if with_container
        else None
    )
    built = fields_of(task, container, style=style, fields="all", tags="*")
    leaves = walk(built)
    assert [] == [leaf for leaf in leaves if leaf in ("", None)]
    assert [] == [leaf for leaf in leaves if not isinstance(leaf, str)]
    bad = [v for v in leaves if isinstance(v, str) and any(ord(c) < 32 or ord(c) == 127 for c in v)]
    assert [] == bad
    keys = (
        list(cast("dict[str, object]", built["ecs"]))
        if style == "nested" and built
        else list(built)
    )
    assert [] == [k for k in keys if any(ord(c) < 32 or ord(c) == 127 for c in k)]
    if style == "nested":
        assert list(built) in ([], ["ecs"])
    if style == "otel" and built:
        assert ("aws", "aws_ecs") == (built["cloud.provider"], built["cloud.platform"])


@settings(max_examples=200, deadline=None)
@given(text=st.text(min_size=1, max_size=50))
def test_any_text_value_has_no_line_break_or_c0(text: str) -> None:
    """Any text in a value comes out without \\n, \\r or another C0 control character."""
    task = task_with(Family=text)
    built = fields_of(task, None, fields="family")
    value = built.get("ecs_task_family")
    assert value is None or not any(
        unicodedata.category(c) == "Cc" and ord(c) < 0x80 for c in str(value)
    )
