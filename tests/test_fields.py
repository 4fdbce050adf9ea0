"""build_fields and field_keys: the keys and values each style gives, for real agent answers.

Every expected dict here is written out by hand from PRODUCT.md's field table and the fixture's
JSON, never computed from the library's own table: a key or value the code gets wrong cannot
agree with it by construction.
"""

from __future__ import annotations

import copy
import unicodedata
from collections.abc import Mapping
from typing import Any, NamedTuple, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecs_log_context._enricher import Fields
from ecs_log_context._fields import build_fields, field_keys
from ecs_log_context._metadata_file import read_metadata_file
from ecs_log_context._settings import FieldSettings
from ecs_log_context.errors import ConfigurationError
from ecs_log_context.models import ContainerMetadata, TaskMetadata

from .documents import FIXTURES, fixture_json

STYLES = ("flat", "otel", "nested", "elastic", "datadog")

# --- The fixtures, as the models (and the file source) read them ---------------------------------

EC2_TASK_JSON = fixture_json("v4_task_ec2_awsvpc_awsdocs.json")
EC2_CONTAINER_JSON = fixture_json("v4_container_ec2_awsvpc_awsdocs.json")
FARGATE_TASK_JSON = fixture_json("v4_task_fargate_awsdocs.json")
V3_TASK_JSON = fixture_json("v3_task_awsdocs.json")
V3_CONTAINER_JSON = fixture_json("v3_container_awsdocs.json")
V2_TASK_JSON = fixture_json("v2_task_nginx_awsdocs.json")
TAGS_TASK_JSON = fixture_json("v4_taskWithTags_awsdocs.json")

EC2_TASK = TaskMetadata.from_json(EC2_TASK_JSON)
EC2_CONTAINER = ContainerMetadata.from_json(EC2_CONTAINER_JSON)
FARGATE_TASK = TaskMetadata.from_json(FARGATE_TASK_JSON)
FARGATE_CONTAINER = FARGATE_TASK.containers[0]
V3_TASK = TaskMetadata.from_json(V3_TASK_JSON)
V3_CONTAINER = ContainerMetadata.from_json(V3_CONTAINER_JSON)
V2_TASK = TaskMetadata.from_json(V2_TASK_JSON)
V2_CONTAINER = next(c for c in V2_TASK.containers if c.name == "nginx-curl")
# The file source's own reader, on the file the agent writes once the container runs.
FILE_TASK, FILE_CONTAINER = read_metadata_file(
    str(FIXTURES / "container_metadata_file_ready_awsdocs.json")
)
TAGS_TASK = TaskMetadata.from_json(TAGS_TASK_JSON)
TAGS_CONTAINER = next(c for c in TAGS_TASK.containers if c.name == "curl")


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


def inner(built: Mapping[str, object], key: str = "ecs") -> dict[str, object]:
    """The dict the nested style put under its one key."""
    value = built[key]
    assert isinstance(value, dict)
    return cast("dict[str, object]", value)


# --- EC2 (awsvpc): v4 task + v4 container --------------------------------------------------------

EC2_TASK_ARN = "arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c"
EC2_TASK_ID = "158d1c8083dd49d6b527399fd6414f5c"
EC2_CLUSTER_ARN = "arn:aws:ecs:us-west-2:111122223333:cluster/default"
EC2_TASK_DEFINITION_ARN = "arn:aws:ecs:us-west-2:111122223333:task-definition/curltest:26"
EC2_CONTAINER_ID = "ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66"
EC2_CONTAINER_ARN = (
    "arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9"
)
CURL_IMAGE = "111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest:latest"
CURL_IMAGE_NAME = "111122223333.dkr.ecr.us-west-2.amazonaws.com/curltest"
CURL_IMAGE_ID = "sha256:d691691e9652791a60114e67b365688d20d19940dde7c4736ea30e660d8d3553"
EC2_LOG_STREAM = "ecs/curl/8f03e41243824aea923aca126495f665"
EC2_LOG_GROUP_ARN = "arn:aws:logs:us-west-2:111122223333:log-group:/ecs/metadata"
EC2_LOG_STREAM_ARN = (
    "arn:aws:logs:us-west-2:111122223333:log-group:/ecs/metadata"
    ":log-stream:ecs/curl/8f03e41243824aea923aca126495f665"
)

EC2: dict[str, dict[str, object]] = {
    "flat": {
        "ecs_cluster": "default",
        "ecs_task_arn": EC2_TASK_ARN,
        "ecs_task_family": "curltest",
        "ecs_task_revision": "26",
        "ecs_availability_zone": "us-west-2d",
        "ecs_container_name": "curl",
        "ecs_task_id": EC2_TASK_ID,
        "ecs_container_id": EC2_CONTAINER_ID,
        "ecs_region": "us-west-2",
        "ecs_account_id": "111122223333",
        "ecs_launch_type": "EC2",
        "ecs_container_arn": EC2_CONTAINER_ARN,
        "ecs_container_image": CURL_IMAGE,
        "ecs_container_image_digest": CURL_IMAGE_ID,
        "ecs_task_definition": "curltest:26",
        "ecs_task_definition_arn": EC2_TASK_DEFINITION_ARN,
        "ecs_cluster_arn": EC2_CLUSTER_ARN,
        "ecs_service_name": "MyService",
        "ecs_log_group": "/ecs/metadata",
        "ecs_log_stream": EC2_LOG_STREAM,
    },
    "nested": {
        "ecs": {
            "cluster": "default",
            "task_arn": EC2_TASK_ARN,
            "task_family": "curltest",
            "task_revision": "26",
            "availability_zone": "us-west-2d",
            "container_name": "curl",
            "task_id": EC2_TASK_ID,
            "container_id": EC2_CONTAINER_ID,
            "region": "us-west-2",
            "account_id": "111122223333",
            "launch_type": "EC2",
            "container_arn": EC2_CONTAINER_ARN,
            "container_image": CURL_IMAGE,
            "container_image_digest": CURL_IMAGE_ID,
            "task_definition": "curltest:26",
            "task_definition_arn": EC2_TASK_DEFINITION_ARN,
            "cluster_arn": EC2_CLUSTER_ARN,
            "service_name": "MyService",
            "log_group": "/ecs/metadata",
            "log_stream": EC2_LOG_STREAM,
        }
    },
    "otel": {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.cluster.arn": EC2_CLUSTER_ARN,
        "aws.ecs.task.arn": EC2_TASK_ARN,
        "aws.ecs.task.id": EC2_TASK_ID,
        "aws.ecs.task.family": "curltest",
        "aws.ecs.task.revision": "26",
        "cloud.availability_zone": "us-west-2d",
        "container.name": "curl",
        "container.id": EC2_CONTAINER_ID,
        "cloud.region": "us-west-2",
        "cloud.account.id": "111122223333",
        "aws.ecs.launchtype": "ec2",
        "aws.ecs.container.arn": EC2_CONTAINER_ARN,
        "cloud.resource_id": EC2_CONTAINER_ARN,
        "container.image.name": CURL_IMAGE_NAME,
        "container.image.tags": ("latest",),
        "container.image.id": CURL_IMAGE_ID,
        "aws.ecs.service.name": "MyService",
        "aws.log.group.names": ("/ecs/metadata",),
        "aws.log.group.arns": (EC2_LOG_GROUP_ARN,),
        "aws.log.stream.names": (EC2_LOG_STREAM,),
        "aws.log.stream.arns": (EC2_LOG_STREAM_ARN,),
    },
    "elastic": {
        "cloud.provider": "aws",
        "orchestrator.type": "ecs",
        "orchestrator.resource.type": "task",
        "orchestrator.cluster.name": "default",
        "orchestrator.resource.id": EC2_TASK_ARN,
        "aws.ecs.task.family": "curltest",
        "aws.ecs.task.revision": "26",
        "cloud.availability_zone": "us-west-2d",
        "container.name": "curl",
        "orchestrator.resource.name": EC2_TASK_ID,
        "container.id": EC2_CONTAINER_ID,
        "cloud.region": "us-west-2",
        "cloud.account.id": "111122223333",
        "aws.ecs.launchtype": "ec2",
        "aws.ecs.container.arn": EC2_CONTAINER_ARN,
        "container.image.name": CURL_IMAGE_NAME,
        "container.image.tag": ("latest",),
        "container.image.hash.all": (CURL_IMAGE_ID,),
        "orchestrator.cluster.id": EC2_CLUSTER_ARN,
        "aws.ecs.service.name": "MyService",
        "aws.cloudwatch.log_group": "/ecs/metadata",
        "aws.cloudwatch.log_stream": EC2_LOG_STREAM,
    },
    "datadog": {
        "ecs_cluster_name": "default",
        "task_arn": EC2_TASK_ARN,
        "task_family": "curltest",
        "task_version": "26",
        "availability_zone": "us-west-2d",
        "ecs_container_name": "curl",
        "task_id": EC2_TASK_ID,
        "container_id": EC2_CONTAINER_ID,
        "region": "us-west-2",
        "aws_account": "111122223333",
        "ecs_launch_type": "EC2",
        "ecs_container_arn": EC2_CONTAINER_ARN,
        "docker_image": CURL_IMAGE,
        "image_name": CURL_IMAGE_NAME,
        "image_tag": "latest",
        "image_id": CURL_IMAGE_ID,
        "ecs_task_definition": "curltest:26",
        "task_definition_arn": EC2_TASK_DEFINITION_ARN,
        "ecs_cluster_arn": EC2_CLUSTER_ARN,
        "ecs_service_name": "MyService",
        "ecs_log_group": "/ecs/metadata",
        "ecs_log_stream": EC2_LOG_STREAM,
    },
}

# --- Fargate: Cluster is an ARN, no ServiceName, the own container is the task's only one -------

FARGATE_TASK_ARN = (
    "arn:aws:ecs:us-west-2:111122223333:task/default/e9028f8d5d8e4f258373e7b93ce9a3c3"
)
FARGATE_TASK_ID = "e9028f8d5d8e4f258373e7b93ce9a3c3"
FARGATE_TASK_DEFINITION_ARN = "arn:aws:ecs:us-west-2:111122223333:task-definition/curltest:3"
FARGATE_CONTAINER_ID = "e9028f8d5d8e4f258373e7b93ce9a3c3-2495160603"
FARGATE_CONTAINER_ARN = (
    "arn:aws:ecs:us-west-2:111122223333:container/1bdcca8b-f905-4ee6-885c-4064cb70f6e6"
)
FARGATE_IMAGE_ID = "sha256:25f3695bedfb454a50f12d127839a68ad3caf91e451c1da073db34c542c4d2cb"
FARGATE_LOG_STREAM = "ecs/curl/e9028f8d5d8e4f258373e7b93ce9a3c3"
FARGATE_LOG_GROUP_ARN = "arn:aws:logs:us-west-2:111122223333:log-group:/ecs/containerlogs"
FARGATE_LOG_STREAM_ARN = (
    "arn:aws:logs:us-west-2:111122223333:log-group:/ecs/containerlogs"
    ":log-stream:ecs/curl/e9028f8d5d8e4f258373e7b93ce9a3c3"
)

FARGATE: dict[str, dict[str, object]] = {
    "flat": {
        "ecs_cluster": "default",
        "ecs_task_arn": FARGATE_TASK_ARN,
        "ecs_task_family": "curltest",
        "ecs_task_revision": "3",
        "ecs_availability_zone": "us-west-2a",
        "ecs_container_name": "curl",
        "ecs_task_id": FARGATE_TASK_ID,
        "ecs_container_id": FARGATE_CONTAINER_ID,
        "ecs_region": "us-west-2",
        "ecs_account_id": "111122223333",
        "ecs_launch_type": "FARGATE",
        "ecs_container_arn": FARGATE_CONTAINER_ARN,
        "ecs_container_image": CURL_IMAGE,
        "ecs_container_image_digest": FARGATE_IMAGE_ID,
        "ecs_task_definition": "curltest:3",
        "ecs_task_definition_arn": FARGATE_TASK_DEFINITION_ARN,
        "ecs_cluster_arn": EC2_CLUSTER_ARN,
        "ecs_log_group": "/ecs/containerlogs",
        "ecs_log_stream": FARGATE_LOG_STREAM,
    },
    "nested": {
        "ecs": {
            "cluster": "default",
            "task_arn": FARGATE_TASK_ARN,
            "task_family": "curltest",
            "task_revision": "3",
            "availability_zone": "us-west-2a",
            "container_name": "curl",
            "task_id": FARGATE_TASK_ID,
            "container_id": FARGATE_CONTAINER_ID,
            "region": "us-west-2",
            "account_id": "111122223333",
            "launch_type": "FARGATE",
            "container_arn": FARGATE_CONTAINER_ARN,
            "container_image": CURL_IMAGE,
            "container_image_digest": FARGATE_IMAGE_ID,
            "task_definition": "curltest:3",
            "task_definition_arn": FARGATE_TASK_DEFINITION_ARN,
            "cluster_arn": EC2_CLUSTER_ARN,
            "log_group": "/ecs/containerlogs",
            "log_stream": FARGATE_LOG_STREAM,
        }
    },
    "otel": {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.cluster.arn": EC2_CLUSTER_ARN,
        "aws.ecs.task.arn": FARGATE_TASK_ARN,
        "aws.ecs.task.id": FARGATE_TASK_ID,
        "aws.ecs.task.family": "curltest",
        "aws.ecs.task.revision": "3",
        "cloud.availability_zone": "us-west-2a",
        "container.name": "curl",
        "container.id": FARGATE_CONTAINER_ID,
        "cloud.region": "us-west-2",
        "cloud.account.id": "111122223333",
        "aws.ecs.launchtype": "fargate",
        "aws.ecs.container.arn": FARGATE_CONTAINER_ARN,
        "cloud.resource_id": FARGATE_CONTAINER_ARN,
        "container.image.name": CURL_IMAGE_NAME,
        "container.image.tags": ("latest",),
        "container.image.id": FARGATE_IMAGE_ID,
        "aws.log.group.names": ("/ecs/containerlogs",),
        "aws.log.group.arns": (FARGATE_LOG_GROUP_ARN,),
        "aws.log.stream.names": (FARGATE_LOG_STREAM,),
        "aws.log.stream.arns": (FARGATE_LOG_STREAM_ARN,),
    },
    "elastic": {
        "cloud.provider": "aws",
        "orchestrator.type": "ecs",
        "orchestrator.resource.type": "task",
        "orchestrator.cluster.name": "default",
        "orchestrator.resource.id": FARGATE_TASK_ARN,
        "aws.ecs.task.family": "curltest",
        "aws.ecs.task.revision": "3",
        "cloud.availability_zone": "us-west-2a",
        "container.name": "curl",
        "orchestrator.resource.name": FARGATE_TASK_ID,
        "container.id": FARGATE_CONTAINER_ID,
        "cloud.region": "us-west-2",
        "cloud.account.id": "111122223333",
        "aws.ecs.launchtype": "fargate",
        "aws.ecs.container.arn": FARGATE_CONTAINER_ARN,
        "container.image.name": CURL_IMAGE_NAME,
        "container.image.tag": ("latest",),
        "container.image.hash.all": (FARGATE_IMAGE_ID,),
        "orchestrator.cluster.id": EC2_CLUSTER_ARN,
        "aws.cloudwatch.log_group": "/ecs/containerlogs",
        "aws.cloudwatch.log_stream": FARGATE_LOG_STREAM,
    },
    "datadog": {
        "ecs_cluster_name": "default",
        "task_arn": FARGATE_TASK_ARN,
        "task_family": "curltest",
        "task_version": "3",
        "availability_zone": "us-west-2a",
        "ecs_container_name": "curl",
        "task_id": FARGATE_TASK_ID,
        "container_id": FARGATE_CONTAINER_ID,
        "region": "us-west-2",
        "aws_account": "111122223333",
        "ecs_launch_type": "FARGATE",
        "ecs_container_arn": FARGATE_CONTAINER_ARN,
        "docker_image": CURL_IMAGE,
        "image_name": CURL_IMAGE_NAME,
        "image_tag": "latest",
        "image_id": FARGATE_IMAGE_ID,
        "ecs_task_definition": "curltest:3",
        "task_definition_arn": FARGATE_TASK_DEFINITION_ARN,
        "ecs_cluster_arn": EC2_CLUSTER_ARN,
        "ecs_log_group": "/ecs/containerlogs",
        "ecs_log_stream": FARGATE_LOG_STREAM,
    },
}

# --- v3 task + v3 container, and v2 task with its nginx-curl container: the same documented task.
# Old task ARN format; no LaunchType, ServiceName, ContainerARN or LogOptions; an image without tag.

NGINX_TASK_ARN = "arn:aws:ecs:us-east-2:012345678910:task/9781c248-0edd-4cdb-9a93-f63cb662a5d3"
NGINX_TASK_ID = "9781c248-0edd-4cdb-9a93-f63cb662a5d3"
NGINX_CLUSTER_ARN = "arn:aws:ecs:us-east-2:012345678910:cluster/default"
NGINX_TASK_DEFINITION_ARN = "arn:aws:ecs:us-east-2:012345678910:task-definition/nginx:5"
NGINX_ID = "43481a6ce4842eec8fe72fc28500c6b52edcc0917f105b83379f88cac1ff3946"
NGINX_IMAGE_ID = "sha256:2e00ae64383cfc865ba0a2ba37f61b50a120d2d9378559dcd458dc0de47bc165"

NGINX: dict[str, dict[str, object]] = {
    "flat": {
        "ecs_cluster": "default",
        "ecs_task_arn": NGINX_TASK_ARN,
        "ecs_task_family": "nginx",
        "ecs_task_revision": "5",
        "ecs_availability_zone": "us-east-2b",
        "ecs_container_name": "nginx-curl",
        "ecs_task_id": NGINX_TASK_ID,
        "ecs_container_id": NGINX_ID,
        "ecs_region": "us-east-2",
        "ecs_account_id": "012345678910",
        "ecs_container_image": "nrdlngr/nginx-curl",
        "ecs_container_image_digest": NGINX_IMAGE_ID,
        "ecs_task_definition": "nginx:5",
        "ecs_task_definition_arn": NGINX_TASK_DEFINITION_ARN,
        "ecs_cluster_arn": NGINX_CLUSTER_ARN,
    },
    "nested": {
        "ecs": {
            "cluster": "default",
            "task_arn": NGINX_TASK_ARN,
            "task_family": "nginx",
            "task_revision": "5",
            "availability_zone": "us-east-2b",
            "container_name": "nginx-curl",
            "task_id": NGINX_TASK_ID,
            "container_id": NGINX_ID,
            "region": "us-east-2",
            "account_id": "012345678910",
            "container_image": "nrdlngr/nginx-curl",
            "container_image_digest": NGINX_IMAGE_ID,
            "task_definition": "nginx:5",
            "task_definition_arn": NGINX_TASK_DEFINITION_ARN,
            "cluster_arn": NGINX_CLUSTER_ARN,
        }
    },
    "otel": {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.cluster.arn": NGINX_CLUSTER_ARN,
        "aws.ecs.task.arn": NGINX_TASK_ARN,
        "aws.ecs.task.id": NGINX_TASK_ID,
        "aws.ecs.task.family": "nginx",
        "aws.ecs.task.revision": "5",
        "cloud.availability_zone": "us-east-2b",
        "container.name": "nginx-curl",
        "container.id": NGINX_ID,
        "cloud.region": "us-east-2",
        "cloud.account.id": "012345678910",
        "container.image.name": "nrdlngr/nginx-curl",
        "container.image.id": NGINX_IMAGE_ID,
    },
    "elastic": {
        "cloud.provider": "aws",
        "orchestrator.type": "ecs",
        "orchestrator.resource.type": "task",
        "orchestrator.cluster.name": "default",
        "orchestrator.resource.id": NGINX_TASK_ARN,
        "aws.ecs.task.family": "nginx",
        "aws.ecs.task.revision": "5",
        "cloud.availability_zone": "us-east-2b",
        "container.name": "nginx-curl",
        "orchestrator.resource.name": NGINX_TASK_ID,
        "container.id": NGINX_ID,
        "cloud.region": "us-east-2",
        "cloud.account.id": "012345678910",
        "container.image.name": "nrdlngr/nginx-curl",
        "container.image.hash.all": (NGINX_IMAGE_ID,),
        "orchestrator.cluster.id": NGINX_CLUSTER_ARN,
    },
    "datadog": {
        "ecs_cluster_name": "default",
        "task_arn": NGINX_TASK_ARN,
        "task_family": "nginx",
        "task_version": "5",
        "availability_zone": "us-east-2b",
        "ecs_container_name": "nginx-curl",
        "task_id": NGINX_TASK_ID,
        "container_id": NGINX_ID,
        "region": "us-east-2",
        "aws_account": "012345678910",
        "docker_image": "nrdlngr/nginx-curl",
        "image_name": "nrdlngr/nginx-curl",
        "image_id": NGINX_IMAGE_ID,
        "ecs_task_definition": "nginx:5",
        "task_definition_arn": NGINX_TASK_DEFINITION_ARN,
        "ecs_cluster_arn": NGINX_CLUSTER_ARN,
    },
}

# --- The container metadata file (EC2): its own key names, no launch type, ARN or log options ----
# The documentation's example has a us-west-2 task in zone us-east-1b: both are kept as written.

FILE_TASK_ARN = (
    "arn:aws:ecs:us-west-2:012345678910:task/default/2b88376d-aba3-4950-9ddf-bcb0f388a40c"
)
FILE_TASK_ID = "2b88376d-aba3-4950-9ddf-bcb0f388a40c"
FILE_CLUSTER_ARN = "arn:aws:ecs:us-west-2:012345678910:cluster/default"
FILE_TASK_DEFINITION_ARN = (
    "arn:aws:ecs:us-west-2:012345678910:task-definition/console-sample-app-static:1"
)
FILE_CONTAINER_ID = "aec2557997f4eed9b280c2efd7afccdcedfda4ac399f7480cae870cfc7e163fd"
FILE_IMAGE_ID = "sha256:2ae34abc2ed0a22e280d17e13f9c01aaf725688b09b7a1525d1a2750e2c0d1de"

FILE: dict[str, dict[str, object]] = {
    "flat": {
        "ecs_cluster": "default",
        "ecs_task_arn": FILE_TASK_ARN,
        "ecs_task_family": "console-sample-app-static",
        "ecs_task_revision": "1",
        "ecs_availability_zone": "us-east-1b",
        "ecs_container_name": "simple-app",
        "ecs_task_id": FILE_TASK_ID,
        "ecs_container_id": FILE_CONTAINER_ID,
        "ecs_region": "us-west-2",
        "ecs_account_id": "012345678910",
        "ecs_container_image": "httpd:2.4",
        "ecs_container_image_digest": FILE_IMAGE_ID,
        "ecs_task_definition": "console-sample-app-static:1",
        "ecs_task_definition_arn": FILE_TASK_DEFINITION_ARN,
        "ecs_cluster_arn": FILE_CLUSTER_ARN,
    },
    "nested": {
        "ecs": {
            "cluster": "default",
            "task_arn": FILE_TASK_ARN,
            "task_family": "console-sample-app-static",
            "task_revision": "1",
            "availability_zone": "us-east-1b",
            "container_name": "simple-app",
            "task_id": FILE_TASK_ID,
            "container_id": FILE_CONTAINER_ID,
            "region": "us-west-2",
            "account_id": "012345678910",
            "container_image": "httpd:2.4",
            "container_image_digest": FILE_IMAGE_ID,
            "task_definition": "console-sample-app-static:1",
            "task_definition_arn": FILE_TASK_DEFINITION_ARN,
            "cluster_arn": FILE_CLUSTER_ARN,
        }
    },
    "otel": {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.cluster.arn": FILE_CLUSTER_ARN,
        "aws.ecs.task.arn": FILE_TASK_ARN,
        "aws.ecs.task.id": FILE_TASK_ID,
        "aws.ecs.task.family": "console-sample-app-static",
        "aws.ecs.task.revision": "1",
        "cloud.availability_zone": "us-east-1b",
        "container.name": "simple-app",
        "container.id": FILE_CONTAINER_ID,
        "cloud.region": "us-west-2",
        "cloud.account.id": "012345678910",
        "container.image.name": "httpd",
        "container.image.tags": ("2.4",),
        "container.image.id": FILE_IMAGE_ID,
    },
    "elastic": {
        "cloud.provider": "aws",
        "orchestrator.type": "ecs",
        "orchestrator.resource.type": "task",
        "orchestrator.cluster.name": "default",
        "orchestrator.resource.id": FILE_TASK_ARN,
        "aws.ecs.task.family": "console-sample-app-static",
        "aws.ecs.task.revision": "1",
        "cloud.availability_zone": "us-east-1b",
        "container.name": "simple-app",
        "orchestrator.resource.name": FILE_TASK_ID,
        "container.id": FILE_CONTAINER_ID,
        "cloud.region": "us-west-2",
        "cloud.account.id": "012345678910",
        "container.image.name": "httpd",
        "container.image.tag": ("2.4",),
        "container.image.hash.all": (FILE_IMAGE_ID,),
        "orchestrator.cluster.id": FILE_CLUSTER_ARN,
    },
    "datadog": {
        "ecs_cluster_name": "default",
        "task_arn": FILE_TASK_ARN,
        "task_family": "console-sample-app-static",
        "task_version": "1",
        "availability_zone": "us-east-1b",
        "ecs_container_name": "simple-app",
        "task_id": FILE_TASK_ID,
        "container_id": FILE_CONTAINER_ID,
        "region": "us-west-2",
        "aws_account": "012345678910",
        "docker_image": "httpd:2.4",
        "image_name": "httpd",
        "image_tag": "2.4",
        "image_id": FILE_IMAGE_ID,
        "ecs_task_definition": "console-sample-app-static:1",
        "task_definition_arn": FILE_TASK_DEFINITION_ARN,
        "ecs_cluster_arn": FILE_CLUSTER_ARN,
    },
}

# --- v4 taskWithTags, with its curl container and every task tag (`*`) ---------------------------
# ContainerInstanceTags (tag_key) are not task tags: no style adds them.

TAGS_CONTAINER_ID = "ee08638adaaf009d78c248913f629e38299471d45fe7dc944d1039077e3424ca"
TAGS_CONTAINER_ARN = (
    "arn:aws:ecs:us-west-2:111122223333:container/abb51bdd-11b4-467f-8f6c-adcfe1fe059d"
)
TAGS_LOG_STREAM = "ecs/curl/158d1c8083dd49d6b527399fd6414f5c"
TAGS_LOG_STREAM_ARN = (
    "arn:aws:logs:us-west-2:111122223333:log-group:/ecs/metadata"
    ":log-stream:ecs/curl/158d1c8083dd49d6b527399fd6414f5c"
)
TAG_VALUE = "task-metadata-endpoint-test"

TAGS: dict[str, dict[str, object]] = {
    "flat": {
        "ecs_cluster": "default",
        "ecs_task_arn": EC2_TASK_ARN,
        "ecs_task_family": "curltest",
        "ecs_task_revision": "26",
        "ecs_availability_zone": "us-west-2d",
        "ecs_container_name": "curl",
        "ecs_task_id": EC2_TASK_ID,
        "ecs_container_id": TAGS_CONTAINER_ID,
        "ecs_region": "us-west-2",
        "ecs_account_id": "111122223333",
        "ecs_launch_type": "EC2",
        "ecs_container_arn": TAGS_CONTAINER_ARN,
        "ecs_container_image": CURL_IMAGE,
        "ecs_container_image_digest": CURL_IMAGE_ID,
        "ecs_task_definition": "curltest:26",
        "ecs_task_definition_arn": EC2_TASK_DEFINITION_ARN,
        "ecs_cluster_arn": EC2_CLUSTER_ARN,
        "ecs_service_name": "MyService",
        "ecs_log_group": "/ecs/metadata",
        "ecs_log_stream": TAGS_LOG_STREAM,
        "ecs_tag_tag-use": TAG_VALUE,
    },
    "nested": {
        "ecs": {
            "cluster": "default",
            "task_arn": EC2_TASK_ARN,
            "task_family": "curltest",
            "task_revision": "26",
            "availability_zone": "us-west-2d",
            "container_name": "curl",
            "task_id": EC2_TASK_ID,
            "container_id": TAGS_CONTAINER_ID,
            "region": "us-west-2",
            "account_id": "111122223333",
            "launch_type": "EC2",
            "container_arn": TAGS_CONTAINER_ARN,
            "container_image": CURL_IMAGE,
            "container_image_digest": CURL_IMAGE_ID,
            "task_definition": "curltest:26",
            "task_definition_arn": EC2_TASK_DEFINITION_ARN,
            "cluster_arn": EC2_CLUSTER_ARN,
            "service_name": "MyService",
            "log_group": "/ecs/metadata",
            "log_stream": TAGS_LOG_STREAM,
            "tag_tag-use": TAG_VALUE,
        }
    },
    "otel": {
        "cloud.provider": "aws",
        "cloud.platform": "aws_ecs",
        "aws.ecs.cluster.arn": EC2_CLUSTER_ARN,
        "aws.ecs.task.arn": EC2_TASK_ARN,
        "aws.ecs.task.id": EC2_TASK_ID,
        "aws.ecs.task.family": "curltest",
        "aws.ecs.task.revision": "26",
        "cloud.availability_zone": "us-west-2d",
        "container.name": "curl",
        "container.id": TAGS_CONTAINER_ID,
        "cloud.region": "us-west-2",
        "cloud.account.id": "111122223333",
        "aws.ecs.launchtype": "ec2",
        "aws.ecs.container.arn": TAGS_CONTAINER_ARN,
        "cloud.resource_id": TAGS_CONTAINER_ARN,
        "container.image.name": CURL_IMAGE_NAME,
        "container.image.tags": ("latest",),
        "container.image.id": CURL_IMAGE_ID,
        "aws.ecs.service.name": "MyService",
        "aws.log.group.names": ("/ecs/metadata",),
        "aws.log.group.arns": (EC2_LOG_GROUP_ARN,),
        "aws.log.stream.names": (TAGS_LOG_STREAM,),
        "aws.log.stream.arns": (TAGS_LOG_STREAM_ARN,),
        "aws.ecs.task.tag.tag-use": TAG_VALUE,
    },
    "elastic": {
        "cloud.provider": "aws",
        "orchestrator.type": "ecs",
        "orchestrator.resource.type": "task",
        "orchestrator.cluster.name": "default",
        "orchestrator.resource.id": EC2_TASK_ARN,
        "aws.ecs.task.family": "curltest",
        "aws.ecs.task.revision": "26",
        "cloud.availability_zone": "us-west-2d",
        "container.name": "curl",
        "orchestrator.resource.name": EC2_TASK_ID,
        "container.id": TAGS_CONTAINER_ID,
        "cloud.region": "us-west-2",
        "cloud.account.id": "111122223333",
        "aws.ecs.launchtype": "ec2",
        "aws.ecs.container.arn": TAGS_CONTAINER_ARN,
        "container.image.name": CURL_IMAGE_NAME,
        "container.image.tag": ("latest",),
        "container.image.hash.all": (CURL_IMAGE_ID,),
        "orchestrator.cluster.id": EC2_CLUSTER_ARN,
        "aws.ecs.service.name": "MyService",
        "aws.cloudwatch.log_group": "/ecs/metadata",
        "aws.cloudwatch.log_stream": TAGS_LOG_STREAM,
        "aws.ecs.task.tag.tag-use": TAG_VALUE,
    },
    "datadog": {
        "ecs_cluster_name": "default",
        "task_arn": EC2_TASK_ARN,
        "task_family": "curltest",
        "task_version": "26",
        "availability_zone": "us-west-2d",
        "ecs_container_name": "curl",
        "task_id": EC2_TASK_ID,
        "container_id": TAGS_CONTAINER_ID,
        "region": "us-west-2",
        "aws_account": "111122223333",
        "ecs_launch_type": "EC2",
        "ecs_container_arn": TAGS_CONTAINER_ARN,
        "docker_image": CURL_IMAGE,
        "image_name": CURL_IMAGE_NAME,
        "image_tag": "latest",
        "image_id": CURL_IMAGE_ID,
        "ecs_task_definition": "curltest:26",
        "task_definition_arn": EC2_TASK_DEFINITION_ARN,
        "ecs_cluster_arn": EC2_CLUSTER_ARN,
        "ecs_service_name": "MyService",
        "ecs_log_group": "/ecs/metadata",
        "ecs_log_stream": TAGS_LOG_STREAM,
        "tag-use": TAG_VALUE,
    },
}

# --- the default group: these keys of each style (of the nested dict, for nested) ----------------

DEFAULT_KEYS: dict[str, tuple[str, ...]] = {
    "flat": (
        "ecs_cluster",
        "ecs_task_arn",
        "ecs_task_family",
        "ecs_task_revision",
        "ecs_availability_zone",
        "ecs_container_name",
    ),
    "nested": (
        "cluster",
        "task_arn",
        "task_family",
        "task_revision",
        "availability_zone",
        "container_name",
    ),
    "otel": (
        "cloud.provider",
        "cloud.platform",
        "aws.ecs.cluster.arn",
        "aws.ecs.task.arn",
        "aws.ecs.task.id",  # always with aws.ecs.task.arn
        "aws.ecs.task.family",
        "aws.ecs.task.revision",
        "cloud.availability_zone",
        "container.name",
    ),
    "elastic": (
        "cloud.provider",
        "orchestrator.type",
        "orchestrator.resource.type",
        "orchestrator.cluster.name",
        "orchestrator.resource.id",
        "aws.ecs.task.family",
        "aws.ecs.task.revision",
        "cloud.availability_zone",
        "container.name",
    ),
    "datadog": (
        "ecs_cluster_name",
        "task_arn",
        "task_family",
        "task_version",
        "availability_zone",
        "ecs_container_name",
    ),
}
# The key of the task tag tag-use in each style.
TAG_KEYS = {
    "flat": "ecs_tag_tag-use",
    "nested": "tag_tag-use",
    "otel": "aws.ecs.task.tag.tag-use",
    "elastic": "aws.ecs.task.tag.tag-use",
    "datadog": "tag-use",
}


def pick(all_fields: Mapping[str, object], style: str, *keys: str) -> dict[str, object]:
    """These keys of an expected `all` dict (KeyError if one is missing from it)."""
    if style == "nested":
        return {"ecs": {key: inner(all_fields)[key] for key in keys}}
    return {key: all_fields[key] for key in keys}


class Case(NamedTuple):
    """A fixture pair in one style and group, and the exact fields it gives."""

    name: str
    task: TaskMetadata
    container: ContainerMetadata
    style: str
    fields: str
    tags: str | None
    expected: Mapping[str, object]


SOURCES: dict[str, tuple[TaskMetadata, ContainerMetadata, dict[str, dict[str, object]]]] = {
    "ec2": (EC2_TASK, EC2_CONTAINER, EC2),
    "fargate": (FARGATE_TASK, FARGATE_CONTAINER, FARGATE),
    "v3": (V3_TASK, V3_CONTAINER, NGINX),
    "v2": (V2_TASK, V2_CONTAINER, NGINX),
    "file": (FILE_TASK, FILE_CONTAINER, FILE),
}
CASES = [
    Case(f"{source}-{style}-all", task, container, style, "all", None, table[style])
    for source, (task, container, table) in SOURCES.items()
    for style in STYLES
]
CASES += [
    Case(
        f"{source}-{style}-default",
        task,
        container,
        style,
        "default",
        None,
        pick(table[style], style, *DEFAULT_KEYS[style]),
    )
    for source, (task, container, table) in SOURCES.items()
    for style in STYLES
]
CASES += [
    Case(f"tags-{style}-all-star", TAGS_TASK, TAGS_CONTAINER, style, "all", "*", TAGS[style])
    for style in STYLES
]
CASES += [
    Case(
        f"tags-{style}-default-named",
        TAGS_TASK,
        TAGS_CONTAINER,
        style,
        "default",
        "tag-use",
        pick(TAGS[style], style, *DEFAULT_KEYS[style], TAG_KEYS[style]),
    )
    for style in STYLES
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_fixture_fields(case: Case) -> None:
    """Each fixture gives exactly the documented keys and values, in each style and group."""
    actual = fields_of(
        case.task, case.container, style=case.style, fields=case.fields, tags=case.tags
    )
    assert case.expected == actual


def test_v2_and_v3_read_the_same_task() -> None:
    """The v2 and v3 cases share one table: that holds only because the fixtures agree."""
    assert (V2_TASK.task_arn, V2_CONTAINER.docker_id, V2_CONTAINER.image_id) == (
        V3_TASK.task_arn,
        V3_CONTAINER.docker_id,
        V3_CONTAINER.image_id,
    )


@pytest.mark.parametrize(
    ("source", "style", "absent"),
    [
        # No fixture has AvailabilityZoneID.
        ("ec2", "flat", "ecs_availability_zone_id"),
        ("ec2", "datadog", "ecs_availability_zone_id"),
        ("fargate", "nested", "availability_zone_id"),
        # Fargate's documented task has no ServiceName.
        ("fargate", "flat", "ecs_service_name"),
        ("fargate", "otel", "aws.ecs.service.name"),
        ("fargate", "elastic", "aws.ecs.service.name"),
        ("fargate", "datadog", "ecs_service_name"),
        # v3: no LaunchType, ContainerARN or LogOptions, and an image without a tag.
        ("v3", "otel", "aws.ecs.launchtype"),
        ("v3", "otel", "cloud.resource_id"),
        ("v3", "otel", "aws.log.group.arns"),
        ("v3", "otel", "container.image.tags"),
        ("v3", "elastic", "container.image.tag"),
        ("v3", "datadog", "image_tag"),
        ("v2", "flat", "ecs_launch_type"),
        ("v2", "datadog", "ecs_log_group"),
        # The metadata file has none of these either.
        ("file", "flat", "ecs_container_arn"),
        ("file", "elastic", "aws.cloudwatch.log_group"),
        ("file", "nested", "log_stream"),
    ],
)
def test_keys_of_missing_values_are_absent(source: str, style: str, absent: str) -> None:
    """A value the fixture lacks gives no key at all (not "" nor None), with fields=all."""
    task, container, _ = SOURCES[source]
    built = fields_of(task, container, style=style, fields="all")
    keys = inner(built) if style == "nested" else built
    assert absent not in keys
    assert len(keys) > 10  # the other fields are there


def test_default_settings_are_flat_default() -> None:
    """FieldSettings() (the defaults) gives the flat default group."""
    expected = {
        "ecs_cluster": "default",
        "ecs_task_arn": EC2_TASK_ARN,
        "ecs_task_family": "curltest",
        "ecs_task_revision": "26",
        "ecs_availability_zone": "us-west-2d",
        "ecs_container_name": "curl",
    }
    assert expected == build_fields(EC2_TASK, EC2_CONTAINER, FieldSettings())


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


def test_availability_zone_id() -> None:
    """AvailabilityZoneID has a flat, nested and datadog key, and none under otel or elastic."""
    task = task_with(AvailabilityZoneID="usw2-az4")
    actual = {s: fields_of(task, None, style=s, fields="availability_zone_id") for s in STYLES}
    assert {
        "flat": {"ecs_availability_zone_id": "usw2-az4"},
        "nested": {"ecs": {"availability_zone_id": "usw2-az4"}},
        "datadog": {"ecs_availability_zone_id": "usw2-az4"},
        "otel": {},
        "elastic": {},
    } == actual


# --- otel specifics ------------------------------------------------------------------------------

OTEL = {"cloud.provider": "aws", "cloud.platform": "aws_ecs"}
ELASTIC = {
    "cloud.provider": "aws",
    "orchestrator.type": "ecs",
    "orchestrator.resource.type": "task",
}


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
def test_cluster_arn_in_every_style(task_arn: str, cluster: str, expected: str) -> None:
    """A short cluster name becomes a full ARN from the task ARN's partition, region and
    account (an ARN stays as it is): otel's aws.ecs.cluster.arn, elastic's
    orchestrator.cluster.id, and the cluster_arn field of flat and datadog."""
    task = TaskMetadata.from_json({"TaskARN": task_arn, "Cluster": cluster})
    actual = {
        "otel": fields_of(task, None, style="otel", fields="cluster"),
        "elastic": fields_of(task, None, style="elastic", fields="cluster_arn"),
        "flat": fields_of(task, None, fields="cluster_arn"),
        "datadog": fields_of(task, None, style="datadog", fields="cluster_arn"),
    }
    assert {
        "otel": {**OTEL, "aws.ecs.cluster.arn": expected},
        "elastic": {**ELASTIC, "orchestrator.cluster.id": expected},
        "flat": {"ecs_cluster_arn": expected},
        "datadog": {"ecs_cluster_arn": expected},
    } == actual


@pytest.mark.parametrize(
    ("task_arn", "cluster"),
    [("not-an-arn", "prod"), ("arn:aws:ec2:us-east-1:123456789012:instance/i-1", "prod")],
)
def test_cluster_arn_unknown(task_arn: str, cluster: str) -> None:
    """A short cluster name without an ECS task ARN to build from gives no cluster ARN."""
    task = TaskMetadata.from_json({"TaskARN": task_arn, "Cluster": cluster})
    assert ({}, {}, {}) == (
        fields_of(task, None, style="otel", fields="cluster"),
        fields_of(task, None, style="elastic", fields="cluster_arn"),
        fields_of(task, None, fields="cluster_arn"),
    )


def test_flat_cluster_from_arn() -> None:
    """Under flat, a cluster ARN is reduced to its name."""
    task = task_with(Cluster="arn:aws:ecs:us-west-2:111122223333:cluster/my-cluster_1")
    assert {"ecs_cluster": "my-cluster_1"} == fields_of(task, None, fields="cluster")


def test_otel_task_id_comes_with_task_arn() -> None:
    """Under otel, aws.ecs.task.id is added with aws.ecs.task.arn even when not asked for;
    no other style does that."""
    assert {
        "otel": {**OTEL, "aws.ecs.task.arn": EC2_TASK_ARN, "aws.ecs.task.id": EC2_TASK_ID},
        "elastic": {**ELASTIC, "orchestrator.resource.id": EC2_TASK_ARN},
        "flat": {"ecs_task_arn": EC2_TASK_ARN},
        "datadog": {"task_arn": EC2_TASK_ARN},
    } == {
        style: fields_of(EC2_TASK, EC2_CONTAINER, style=style, fields="task_arn")
        for style in ("otel", "elastic", "flat", "datadog")
    }


def test_otel_task_id_without_arn() -> None:
    """Under otel, task_id alone does not bring the task ARN."""
    expected = {**OTEL, "aws.ecs.task.id": EC2_TASK_ID}
    assert expected == fields_of(EC2_TASK, EC2_CONTAINER, style="otel", fields="task_id")


@pytest.mark.parametrize("style", ["otel", "elastic"])
def test_fields_without_a_key_in_the_style(style: str) -> None:
    """task_definition, task_definition_arn and availability_zone_id have no otel or elastic
    key, nor has cluster_arn under otel (the cluster is the ARN there): asked for alone,
    nothing at all is added, not even the constants."""
    task = task_with(AvailabilityZoneID="usw2-az4")
    names = "task_definition,task_definition_arn,availability_zone_id"
    if style == "otel":
        names += ",cluster_arn"
    assert {} == fields_of(task, EC2_CONTAINER, style=style, fields=names)


def test_otel_service_name() -> None:
    """service_name has an otel key, the collector's aws.ecs.service.name."""
    expected = {**OTEL, "aws.ecs.service.name": "MyService"}
    assert expected == fields_of(EC2_TASK, None, style="otel", fields="service_name")


def test_otel_launch_type_lower_case() -> None:
    """Under otel and elastic the launch type is lower case; under flat and datadog it is as
    the endpoint gives it."""
    assert (
        {**OTEL, "aws.ecs.launchtype": "fargate"},
        {**ELASTIC, "aws.ecs.launchtype": "fargate"},
        {"ecs_launch_type": "FARGATE"},
        {"ecs_launch_type": "FARGATE"},
    ) == (
        fields_of(FARGATE_TASK, None, style="otel", fields="launch_type"),
        fields_of(FARGATE_TASK, None, style="elastic", fields="launch_type"),
        fields_of(FARGATE_TASK, None, fields="launch_type"),
        fields_of(FARGATE_TASK, None, style="datadog", fields="launch_type"),
    )


def test_otel_image_name_and_tags() -> None:
    """Under otel, container.image.name is the reference without its tag, and
    container.image.tags a one-element tuple of the tag."""
    expected = {
        **OTEL,
        "container.image.name": CURL_IMAGE_NAME,
        "container.image.tags": ("latest",),
    }
    assert expected == fields_of(EC2_TASK, EC2_CONTAINER, style="otel", fields="image")


def test_otel_image_without_tag_has_no_tags() -> None:
    """An image without a tag gives container.image.name alone: no tags key, no empty tuple."""
    expected = {**OTEL, "container.image.name": "nrdlngr/nginx-curl"}
    assert expected == fields_of(V2_TASK, V2_CONTAINER, style="otel", fields="image")


def test_otel_image_id_is_image_id() -> None:
    """container.image.id is the container's ImageID, not anything of the reference."""
    container = container_with(
        Image=f"app:1.2@{'sha256:' + 'a' * 64}", ImageID="sha256:" + "b" * 64
    )
    expected = {**OTEL, "container.image.id": "sha256:" + "b" * 64}
    assert expected == fields_of(EC2_TASK, container, style="otel", fields="image_digest")


def test_otel_resource_id_is_the_container_arn() -> None:
    """cloud.resource_id is the container's ARN, next to aws.ecs.container.arn."""
    expected = {
        **OTEL,
        "aws.ecs.container.arn": EC2_CONTAINER_ARN,
        "cloud.resource_id": EC2_CONTAINER_ARN,
    }
    assert expected == fields_of(EC2_TASK, EC2_CONTAINER, style="otel", fields="container_arn")


PARTITION_TASKS = {
    "aws-cn": "arn:aws-cn:ecs:cn-north-1:123456789012:task/prod/0123456789abcdef0123456789abcdef",
    "aws-us-gov": (
        "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task/prod/0123456789abcdef0123456789abcdef"
    ),
}


@pytest.mark.parametrize(
    ("partition", "log_options", "group_arn", "stream_arn"),
    [
        (
            "aws-cn",
            {
                "awslogs-group": "/ecs/web",
                "awslogs-region": "cn-northwest-1",
                "awslogs-stream": "s/1",
            },
            "arn:aws-cn:logs:cn-northwest-1:123456789012:log-group:/ecs/web",
            "arn:aws-cn:logs:cn-northwest-1:123456789012:log-group:/ecs/web:log-stream:s/1",
        ),
        (
            "aws-us-gov",
            {"awslogs-group": "/ecs/web", "awslogs-stream": "s/1"},  # the task's region
            "arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/ecs/web",
            "arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/ecs/web:log-stream:s/1",
        ),
    ],
)
def test_otel_log_arns_partition_aware(
    partition: str, log_options: dict[str, str], group_arn: str, stream_arn: str
) -> None:
    """aws.log.group.arns and aws.log.stream.arns are one-element tuples of ARNs in the task's
    partition and account, in awslogs-region or else the task's region."""
    task = task_with(TaskARN=PARTITION_TASKS[partition])
    container = container_with(LogOptions=log_options)
    expected = {
        **OTEL,
        "aws.log.group.names": ("/ecs/web",),
        "aws.log.group.arns": (group_arn,),
        "aws.log.stream.names": ("s/1",),
        "aws.log.stream.arns": (stream_arn,),
    }
    assert expected == fields_of(task, container, style="otel", fields="log_group,log_stream")


def test_otel_log_stream_without_group_has_no_arns() -> None:
    """A stream without a group has its name but no ARN: the ARN needs the group."""
    container = container_with(LogOptions={"awslogs-stream": "s/1", "awslogs-region": "us-west-2"})
    expected = {**OTEL, "aws.log.stream.names": ("s/1",)}
    assert expected == fields_of(EC2_TASK, container, style="otel", fields="log_group,log_stream")


def test_otel_log_arns_need_the_task_arn() -> None:
    """Without a task ARN there is no partition or account: names only, no ARNs."""
    task = task_with(TaskARN="not-an-arn")
    expected = {
        **OTEL,
        "aws.log.group.names": ("/ecs/metadata",),
        "aws.log.stream.names": (EC2_LOG_STREAM,),
    }
    assert expected == fields_of(task, EC2_CONTAINER, style="otel", fields="log_group,log_stream")


def test_otel_constants_absent_when_nothing_known() -> None:
    """The constants of otel and elastic come with the fields, not alone."""
    fields = "container_name,log_group"
    assert ({}, {}) == (
        fields_of(V2_TASK, None, style="otel", fields=fields),
        fields_of(V2_TASK, None, style="elastic", fields=fields),
    )


# --- elastic specifics ---------------------------------------------------------------------------


def test_elastic_constants() -> None:
    """Under elastic, cloud.provider, orchestrator.type and orchestrator.resource.type come
    with any field, and otel's cloud.platform does not."""
    expected = {
        "cloud.provider": "aws",
        "orchestrator.type": "ecs",
        "orchestrator.resource.type": "task",
        "aws.ecs.task.family": "curltest",
    }
    assert expected == fields_of(EC2_TASK, None, style="elastic", fields="family")


def test_elastic_image_tag_and_hash_are_one_element_tuples() -> None:
    """container.image.tag and container.image.hash.all are one-element tuples."""
    expected = {
        **ELASTIC,
        "container.image.name": CURL_IMAGE_NAME,
        "container.image.tag": ("latest",),
        "container.image.hash.all": (CURL_IMAGE_ID,),
    }
    actual = fields_of(EC2_TASK, EC2_CONTAINER, style="elastic", fields="image,image_digest")
    assert expected == actual


def test_elastic_cluster_name_and_id() -> None:
    """orchestrator.cluster.name is the short name, orchestrator.cluster.id the ARN built from
    the task ARN when Cluster is a short name."""
    expected = {
        **ELASTIC,
        "orchestrator.cluster.name": "default",
        "orchestrator.cluster.id": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
    }
    assert expected == fields_of(EC2_TASK, None, style="elastic", fields="cluster,cluster_arn")


def test_elastic_task_names() -> None:
    """Under elastic, the task is the orchestrator's resource: id the ARN, name the task id."""
    expected = {
        **ELASTIC,
        "orchestrator.resource.id": EC2_TASK_ARN,
        "orchestrator.resource.name": EC2_TASK_ID,
    }
    assert expected == fields_of(EC2_TASK, None, style="elastic", fields="task_arn,task_id")


# --- datadog specifics ---------------------------------------------------------------------------


def test_datadog_image() -> None:
    """docker_image is the reference whole, image_name without the tag, image_tag the tag."""
    expected = {
        "docker_image": CURL_IMAGE,
        "image_name": CURL_IMAGE_NAME,
        "image_tag": "latest",
        "image_id": CURL_IMAGE_ID,
    }
    actual = fields_of(EC2_TASK, EC2_CONTAINER, style="datadog", fields="image,image_digest")
    assert expected == actual


def test_datadog_agent_names() -> None:
    """The names the Datadog agent gives ECS tags: aws_account, task_version, task_family..."""
    expected = {
        "aws_account": "111122223333",
        "task_version": "26",
        "task_family": "curltest",
        "ecs_cluster_name": "default",
    }
    actual = fields_of(EC2_TASK, None, style="datadog", fields="account_id,revision,family,cluster")
    assert expected == actual


def test_datadog_tags_under_their_own_key() -> None:
    """Under datadog, a task tag is its own key, as the agent tags it; one named like a field
    key or a LogRecord attribute (name, msg, levelname) is not added, and the field keeps its
    value."""
    task = task_with(
        TaskTags={
            "team": "payments",
            "region": "tag-region",
            "task_family": "tag-family",
            "name": "tag-name",
            "msg": "tag-msg",
            "levelname": "tag-level",
        }
    )
    expected = {"task_family": "curltest", "region": "us-west-2", "team": "payments"}
    assert expected == fields_of(task, None, style="datadog", fields="family,region", tags="*")


def test_datadog_named_tag_like_a_record_attribute_is_not_added() -> None:
    """A tag asked for by name is still refused when it would be a LogRecord attribute."""
    task = task_with(TaskTags={"msg": "tag-msg", "team": "payments"})
    expected = {"task_family": "curltest", "team": "payments"}
    actual = fields_of(task, None, style="datadog", fields="family", tags="msg,team")
    assert expected == actual


def test_prefixed_styles_keep_a_tag_named_like_a_record_attribute() -> None:
    """Under flat, a tag named msg is ecs_tag_msg: its prefix keeps it apart, so it is added."""
    task = task_with(TaskTags={"msg": "tag-msg"})
    expected = {"ecs_task_family": "curltest", "ecs_tag_msg": "tag-msg"}
    assert expected == fields_of(task, None, fields="family", tags="*")


# --- derived values: task definition ARN, region ------------------------------------------------


@pytest.mark.parametrize(
    ("task_arn", "expected"),
    [
        (
            PARTITION_TASKS["aws-cn"],
            "arn:aws-cn:ecs:cn-north-1:123456789012:task-definition/curltest:26",
        ),
        (
            PARTITION_TASKS["aws-us-gov"],
            "arn:aws-us-gov:ecs:us-gov-west-1:123456789012:task-definition/curltest:26",
        ),
        (EC2_TASK_ARN, EC2_TASK_DEFINITION_ARN),
    ],
)
def test_task_definition_arn_partition_aware(task_arn: str, expected: str) -> None:
    """task_definition_arn is built in the task ARN's partition, region and account."""
    task = task_with(TaskARN=task_arn)
    assert (
        {"ecs_task_definition_arn": expected},
        {"task_definition_arn": expected},
    ) == (
        fields_of(task, None, fields="task_definition_arn"),
        fields_of(task, None, style="datadog", fields="task_definition_arn"),
    )


@pytest.mark.parametrize(
    "changes", [{"TaskARN": "not-an-arn"}, {"Family": None}, {"Revision": None}]
)
def test_task_definition_arn_unknown(changes: dict[str, object]) -> None:
    """Without a parsable task ARN, a family or a revision, there is no task definition ARN."""
    assert {} == fields_of(task_with(**changes), None, fields="task_definition_arn")


def region_fields(task: TaskMetadata, aws_region: str, style: str = "flat") -> dict[str, object]:
    """build_fields of `region` with AWS_REGION (and nothing else) in the environment."""
    settings_ = FieldSettings.resolve(
        fields="region", style=style, environ={"AWS_REGION": aws_region}
    )
    return build_fields(task, None, settings_)


@pytest.mark.parametrize("task_arn", ["not-an-arn", "arn:aws:ecs::111122223333:task/x/abc"])
def test_region_falls_back_to_aws_region(task_arn: str) -> None:
    """When the task ARN gives no region, region is AWS_REGION, in every style."""
    task = task_with(TaskARN=task_arn)
    assert (
        {"ecs_region": "eu-west-1"},
        {**OTEL, "cloud.region": "eu-west-1"},
        {"region": "eu-west-1"},
    ) == (
        region_fields(task, "eu-west-1"),
        region_fields(task, "eu-west-1", "otel"),
        region_fields(task, "eu-west-1", "datadog"),
    )


def test_region_from_the_task_arn_wins_over_aws_region() -> None:
    """The task ARN's region is the task's own: AWS_REGION does not replace it."""
    assert {"ecs_region": "us-west-2"} == region_fields(EC2_TASK, "eu-west-1")


@pytest.mark.parametrize("value", ["EU-WEST-1", "eu-west", "not a region", "eu-west-1;id", "x"])
def test_malformed_aws_region_is_ignored(value: str) -> None:
    """AWS_REGION is not the library's variable: a value that is no region is ignored, not
    refused, and region is left out."""
    assert {} == region_fields(task_with(TaskARN="not-an-arn"), value)


def test_aws_region_read_from_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without environ, AWS_REGION comes from os.environ."""
    monkeypatch.setenv("AWS_REGION", "ap-southeast-2")
    settings_ = FieldSettings.resolve(fields="region", style="flat")
    assert {"ecs_region": "ap-southeast-2"} == build_fields(
        task_with(TaskARN="not-an-arn"), None, settings_
    )


def test_aws_region_does_not_make_arns() -> None:
    """The fallback region is the region field's only: without a parsable task ARN there is
    still no account, hence no task definition or cluster ARN."""
    task = task_with(TaskARN="not-an-arn")
    settings_ = FieldSettings.resolve(
        fields="region,task_definition_arn,cluster_arn", environ={"AWS_REGION": "eu-west-1"}
    )
    assert {"ecs_region": "eu-west-1"} == build_fields(task, None, settings_)


# --- the nested key -----------------------------------------------------------------------------


def test_nested_under_a_custom_key() -> None:
    """nested_key names the one key the nested style puts the fields under."""
    expected = {"aws_ecs": {"cluster": "default", "task_family": "curltest"}}
    actual = fields_of(
        EC2_TASK, None, style="nested", fields="cluster,family", nested_key="aws_ecs"
    )
    assert expected == actual


def test_nested_key_from_the_environment() -> None:
    """ECS_LOG_CONTEXT_NESTED_KEY sets it; an argument wins over the variable."""
    environ = {"ECS_LOG_CONTEXT_NESTED_KEY": "ecs_meta", "ECS_LOG_CONTEXT_STYLE": "nested"}
    from_env = FieldSettings.resolve(fields="cluster", environ=environ)
    argument = FieldSettings.resolve(fields="cluster", nested_key="meta.ecs", environ=environ)
    assert (
        {"ecs_meta": {"cluster": "default"}},
        {"meta.ecs": {"cluster": "default"}},
    ) == (
        build_fields(EC2_TASK, None, from_env),
        build_fields(EC2_TASK, None, argument),
    )


def test_nested_key_default_is_ecs() -> None:
    """Without the option, the nested key is ecs."""
    assert {"ecs": {"cluster": "default"}} == fields_of(
        EC2_TASK, None, style="nested", fields="cluster"
    )


@pytest.mark.parametrize("value", ["msg", "name", "levelname", "has space", "1st", "a/b"])
def test_bad_nested_key_refused(value: str) -> None:
    """A nested key that is a LogRecord attribute or not a plain key is refused, naming the
    option or the variable."""
    with pytest.raises(ConfigurationError) as argument:
        FieldSettings.resolve(style="nested", nested_key=value, environ={})
    with pytest.raises(ConfigurationError) as variable:
        FieldSettings.resolve(environ={"ECS_LOG_CONTEXT_NESTED_KEY": value})
    assert ("nested_key", "ECS_LOG_CONTEXT_NESTED_KEY") == (
        argument.value.name,
        variable.value.name,
    )


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
    """A rename under otel names the field's first key only; its other keys stay."""
    expected = {
        **OTEL,
        "cluster": "arn:aws:ecs:us-west-2:111122223333:cluster/default",
        "aws.ecs.task.arn": EC2_TASK_ARN,
        "aws.ecs.task.id": EC2_TASK_ID,
        "launch": "ec2",
        "logs": ("/ecs/metadata",),
        "aws.log.group.arns": (EC2_LOG_GROUP_ARN,),
    }
    actual = fields_of(
        EC2_TASK,
        EC2_CONTAINER,
        style="otel",
        fields="cluster,task_arn,launch_type,log_group",
        keys={"cluster": "cluster", "launch_type": "launch", "log_group": "logs"},
    )
    assert expected == actual


def test_rename_datadog_image_names_the_first_key() -> None:
    """Under datadog, image=img renames docker_image; image_name and image_tag stay."""
    expected = {"img": CURL_IMAGE, "image_name": CURL_IMAGE_NAME, "image_tag": "latest"}
    actual = fields_of(EC2_TASK, EC2_CONTAINER, style="datadog", fields="image", keys="image=img")
    assert expected == actual


def test_rename_of_a_field_the_style_leaves_out() -> None:
    """A renamed field that the style has no key for gets its flat value under the new key."""
    expected = {**OTEL, "td": "curltest:26"}
    actual = fields_of(
        EC2_TASK, None, style="otel", fields="task_definition", keys="task_definition=td"
    )
    assert expected == actual


def test_rename_nested() -> None:
    """Renamed fields take the new key inside the nested key."""
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


def test_rename_inside_another_key_refused() -> None:
    """keys="cluster=container" under otel would put container next to container.name: it
    is refused, naming the option and both keys."""
    with pytest.raises(ConfigurationError) as caught:
        FieldSettings.resolve(style="otel", keys="cluster=container", environ={})
    message = str(caught.value)
    assert ("keys", True, True) == (
        caught.value.name,
        "'container'" in message,
        "'container.name'" in message,
    )
    assert {"cluster": "container"} == caught.value.value
    assert (
        "renames that do not put one key inside another"
        " ('container' and 'container.name' under the otel style)"
    ) == caught.value.accepted


def test_rename_inside_another_key_refused_from_the_environment() -> None:
    """From ECS_LOG_CONTEXT_KEYS, the error names the variable."""
    environ = {"ECS_LOG_CONTEXT_STYLE": "otel", "ECS_LOG_CONTEXT_KEYS": "cluster=container"}
    with pytest.raises(ConfigurationError) as caught:
        FieldSettings.resolve(environ=environ)
    assert "ECS_LOG_CONTEXT_KEYS" == caught.value.name


@pytest.mark.parametrize(
    ("options", "outer", "inside"),
    [
        # The constants count: orchestrator.type and orchestrator.resource.type come with
        # every elastic field.
        ({"style": "elastic", "fields": "family", "keys": "family=orchestrator"},
         "orchestrator", ("orchestrator.type", "orchestrator.resource.type")),
        # So do the tags asked for by name.
        ({"style": "otel", "fields": "cluster", "tags": "team",
          "keys": "cluster=aws.ecs.task.tag"}, "aws.ecs.task.tag", ("aws.ecs.task.tag.team",)),
        # And a rename that goes inside a key of the table.
        ({"style": "elastic", "fields": "cluster,task_arn",
          "keys": "cluster=orchestrator.resource.id.x"},
         "orchestrator.resource.id", ("orchestrator.resource.id.x",)),
    ],
)  # fmt: skip
def test_rename_clashes_refused(
    options: dict[str, str], outer: str, inside: tuple[str, ...]
) -> None:
    """Every key the settings produce counts, constants and named tags included; the error
    names the outer key and one inside it."""
    with pytest.raises(ConfigurationError) as caught:
        FieldSettings.resolve(**options, environ={})
    message = str(caught.value)
    assert (True, True) == (
        f"'{outer}'" in message,
        any(f"'{key}'" in message for key in inside),
    )


def test_rename_without_a_clash_is_allowed() -> None:
    """cluster=container is fine under otel when container_name is not asked for."""
    settings_ = FieldSettings.resolve(
        style="otel", fields="cluster", keys="cluster=container", environ={}
    )
    expected = {**OTEL, "container": EC2_CLUSTER_ARN}
    assert expected == build_fields(EC2_TASK, EC2_CONTAINER, settings_)


def dotted_prefixes(key: str) -> list[str]:
    """``a.b.c`` -> ``["a", "a.b"]``, written here, not taken from the library."""
    parts = key.split(".")
    return [".".join(parts[:n]) for n in range(1, len(parts))]


@pytest.mark.parametrize("style", STYLES)
def test_no_key_of_the_table_is_inside_another(style: str) -> None:
    """With fields=all (and a named tag), no key is a dotted prefix of another, so the prefix
    rule never fires between the library's own keys."""
    settings_ = FieldSettings.resolve(style=style, fields="all", tags="team", environ={})
    keys = field_keys(settings_)
    assert len(keys) >= 20
    assert [] == [(key, p) for key in keys for p in dotted_prefixes(key) if p in keys]


def test_dotted_prefixes_helper() -> None:
    """The helper of the table-wide test finds a clash where there is one."""
    keys = ["container", "container.name", "cloud.region"]
    assert [("container.name", "container")] == [
        (key, p) for key in keys for p in dotted_prefixes(key) if p in keys
    ]


# --- image references of every shape ------------------------------------------------------------

SHA = "sha256:" + "0123456789abcdef" * 4


@pytest.mark.parametrize(
    ("image", "name", "tag"),
    [
        ("host:5000/team/app:1.2", "host:5000/team/app", "1.2"),
        ("host:5000/team/app", "host:5000/team/app", None),
        (f"app@{SHA}", "app", None),
        (f"app:1.2@{SHA}", "app", "1.2"),
        (f"host:5000/team/app:1.2@{SHA}", "host:5000/team/app", "1.2"),
        ("nginx", "nginx", None),
        ("nginx:1.25", "nginx", "1.25"),
        ("public.ecr.aws/docker/library/busybox:stable", "public.ecr.aws/docker/library/busybox",
         "stable"),
        ("[::1]:5000/app:v1", "[::1]:5000/app", "v1"),
    ],
)  # fmt: skip
def test_image_references(image: str, name: str, tag: str | None) -> None:
    """Each style splits the reference into name (no tag, no digest) and tag, the registry's
    port kept in the name; a reference without a tag has no tag key at all."""
    container = container_with(Image=image)
    otel: dict[str, object] = {**OTEL, "container.image.name": name}
    elastic: dict[str, object] = {**ELASTIC, "container.image.name": name}
    datadog: dict[str, object] = {"docker_image": image, "image_name": name}
    if tag is not None:
        otel["container.image.tags"] = (tag,)
        elastic["container.image.tag"] = (tag,)
        datadog["image_tag"] = tag
    actual = {s: fields_of(EC2_TASK, container, style=s, fields="image") for s in STYLES}
    assert {
        "otel": otel,
        "elastic": elastic,
        "datadog": datadog,
        "flat": {"ecs_container_image": image},
        "nested": {"ecs": {"container_image": image}},
    } == actual


# --- Fields: the prebuilt dict and the prefix rule -----------------------------------------------

DOTTED = {
    "container.name": "web",
    "container.id": "d1",
    "cloud.region": "us-west-2",
    "aws.ecs.task.arn": EC2_TASK_ARN,
    "ecs_cluster": "default",
}


def test_fields_guard_holds_keys_and_prefixes() -> None:
    """guard: every key and every dotted prefix of one; outer: the prefixes alone."""
    fields = Fields(DOTTED, overwrite=False)
    prefixes_ = {"container", "cloud", "aws", "aws.ecs", "aws.ecs.task"}
    assert (frozenset(prefixes_), frozenset(prefixes_ | set(DOTTED))) == (
        fields.outer,
        fields.guard,
    )
    assert {
        "container.name": ("container",),
        "container.id": ("container",),
        "cloud.region": ("cloud",),
        "aws.ecs.task.arn": ("aws", "aws.ecs", "aws.ecs.task"),
    } == fields.inside


def test_fields_guard_with_overwrite_is_the_prefixes() -> None:
    """With overwrite, an equal key no longer matters, a prefix still does: guard = outer."""
    fields = Fields(DOTTED, overwrite=True)
    expected = frozenset({"container", "cloud", "aws", "aws.ecs", "aws.ecs.task"})
    assert (expected, expected) == (fields.guard, fields.outer)


def test_fields_without_dots() -> None:
    """Flat keys have no prefixes: outer is empty, guard the keys (nothing with overwrite)."""
    flat = {"ecs_cluster": "default", "ecs_task_family": "curltest"}
    kept, replaced = Fields(flat, overwrite=False), Fields(flat, overwrite=True)
    assert (frozenset(), frozenset(flat), frozenset(), {}) == (
        kept.outer,
        kept.guard,
        replaced.guard,
        kept.inside,
    )


def test_add_to_skips_equal_keys_and_keys_under_a_record_key() -> None:
    """A record key wins over an equal key and over every key inside it, at any depth."""
    target: dict[str, object] = {"container": "mine", "ecs_cluster": "own", "aws.ecs": "x"}
    Fields(DOTTED, overwrite=False).add_to(target)
    assert {
        "container": "mine",
        "ecs_cluster": "own",
        "aws.ecs": "x",
        "cloud.region": "us-west-2",
    } == target


def test_add_to_keeps_an_equal_dotted_key() -> None:
    """Without overwrite, a record's own cloud.region stays."""
    target: dict[str, object] = {"cloud.region": "mine"}
    Fields(DOTTED, overwrite=False).add_to(target)
    assert {
        "cloud.region": "mine",
        "container.name": "web",
        "container.id": "d1",
        "aws.ecs.task.arn": EC2_TASK_ARN,
        "ecs_cluster": "default",
    } == target


def test_add_to_with_overwrite_still_skips_keys_under_a_record_key() -> None:
    """Overwrite replaces equal keys, but a record key that holds a prefix still wins."""
    target: dict[str, object] = {"container": "mine", "cloud.region": "mine", "ecs_cluster": "own"}
    Fields(DOTTED, overwrite=True).add_to(target)
    assert {
        "container": "mine",
        "cloud.region": "us-west-2",
        "ecs_cluster": "default",
        "aws.ecs.task.arn": EC2_TASK_ARN,
    } == target


def test_add_to_given_fields() -> None:
    """add_to adds the dict it is given (a per-record copy), with the same rules."""
    fields = Fields({"ecs": {"cluster": "default"}, "ecs_cluster": "c"}, overwrite=False)
    target: dict[str, object] = {"ecs_cluster": "own"}
    copied = fields.for_record()
    fields.add_to(target, copied)
    assert ({"ecs_cluster": "own", "ecs": {"cluster": "default"}}, True, False) == (
        target,
        target["ecs"] is copied["ecs"],
        target["ecs"] is fields["ecs"],
    )


def test_built_fields_meet_the_prefix_rule() -> None:
    """The otel fields of a fixture, against a record holding container and cloud: no key
    under either is added, every other is."""
    built = fields_of(EC2_TASK, EC2_CONTAINER, style="otel", fields="default,region,task_id")
    target: dict[str, object] = {"container": "web", "cloud": {"mine": True}}
    Fields(built, overwrite=False).add_to(target)
    assert {
        "container": "web",
        "cloud": {"mine": True},
        "aws.ecs.cluster.arn": EC2_CLUSTER_ARN,
        "aws.ecs.task.arn": EC2_TASK_ARN,
        "aws.ecs.task.id": EC2_TASK_ID,
        "aws.ecs.task.family": "curltest",
        "aws.ecs.task.revision": "26",
    } == target


# --- the own container unknown, values unknown ---------------------------------------------------

# The keys each style has for the container's fields (PRODUCT.md's table).
CONTAINER_KEYS = {
    "flat": (
        "ecs_container_name",
        "ecs_container_id",
        "ecs_container_arn",
        "ecs_container_image",
        "ecs_container_image_digest",
        "ecs_log_group",
        "ecs_log_stream",
    ),
    "nested": (
        "container_name",
        "container_id",
        "container_arn",
        "container_image",
        "container_image_digest",
        "log_group",
        "log_stream",
    ),
    "otel": (
        "container.name",
        "container.id",
        "aws.ecs.container.arn",
        "cloud.resource_id",
        "container.image.name",
        "container.image.tags",
        "container.image.id",
        "aws.log.group.names",
        "aws.log.group.arns",
        "aws.log.stream.names",
        "aws.log.stream.arns",
    ),
    "elastic": (
        "container.name",
        "container.id",
        "aws.ecs.container.arn",
        "container.image.name",
        "container.image.tag",
        "container.image.hash.all",
        "aws.cloudwatch.log_group",
        "aws.cloudwatch.log_stream",
    ),
    "datadog": (
        "ecs_container_name",
        "container_id",
        "ecs_container_arn",
        "docker_image",
        "image_name",
        "image_tag",
        "image_id",
        "ecs_log_group",
        "ecs_log_stream",
    ),
}


def without(all_fields: Mapping[str, object], style: str, keys: tuple[str, ...]) -> object:
    """An expected `all` dict without these keys (each of which it must have)."""
    source = inner(all_fields) if style == "nested" else dict(all_fields)
    missing = [key for key in keys if key not in source]
    assert [] == missing
    kept = {key: value for key, value in source.items() if key not in keys}
    return {"ecs": kept} if style == "nested" else kept


@pytest.mark.parametrize("style", STYLES)
def test_no_container(style: str) -> None:
    """With the own container unknown (None), the container fields are left out."""
    expected = without(EC2[style], style, CONTAINER_KEYS[style])
    assert expected == fields_of(EC2_TASK, None, style=style, fields="all")


def test_only_container_fields_without_container() -> None:
    """Container fields alone, without a container, give nothing at all, in every style."""
    fields = "container_name,container_id,container_arn,image,image_digest,log_group,log_stream"
    actual = [fields_of(EC2_TASK, None, style=s, fields=fields) for s in STYLES]
    assert [{}] * len(STYLES) == actual


def test_minimal_task() -> None:
    """A task with its ARN only gives what the ARN tells."""
    task = TaskMetadata.from_json({"TaskARN": EC2_TASK_ARN})
    expected = {
        "ecs_task_arn": EC2_TASK_ARN,
        "ecs_task_id": EC2_TASK_ID,
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


def test_empty_image_id_left_out() -> None:
    """The pause container's ImageID is "": no digest key in any style."""
    container = container_with(ImageID="")
    actual = [fields_of(EC2_TASK, container, style=s, fields="image_digest") for s in STYLES]
    assert [{}] * len(STYLES) == actual


def test_unreasonably_long_value_left_out() -> None:
    """A value of more than 2048 characters is not metadata: it is left out."""
    task = task_with(Family="f" * 5000)
    assert {"ecs_cluster": "default"} == fields_of(task, None, fields="cluster,family")


FAMILY_KEYS = {
    "flat": "ecs_task_family",
    "nested": "task_family",
    "otel": "aws.ecs.task.family",
    "elastic": "aws.ecs.task.family",
    "datadog": "task_family",
}


@pytest.mark.parametrize("style", STYLES)
def test_value_length_limit_is_2048_characters(style: str) -> None:
    """2,048 characters is the longest value kept, in every style; 2,049 is left out, as a
    missing value is (the other fields stay)."""

    def built(family: str) -> dict[str, object]:
        out = fields_of(task_with(Family=family), None, style=style, fields="cluster,family")
        return inner(out) if style == "nested" else out

    kept, dropped = built("f" * 2048), built("f" * 2049)
    assert "f" * 2048 == kept.pop(FAMILY_KEYS[style])
    assert kept == dropped
    assert kept, "the cluster stays"


def test_the_limit_is_on_the_value_as_given_not_as_escaped() -> None:
    """A value of 2,048 control characters is kept: it is escaped after the length check,
    to twice that length."""
    task = task_with(Family="\n" * 2048)
    assert "\\n" * 2048 == fields_of(task, None, fields="family")["ecs_task_family"]


def test_a_one_character_value_is_kept_an_empty_one_left_out() -> None:
    """The shortest value kept is one character; an empty value is unknown."""
    assert {"ecs_task_family": "f"} == fields_of(task_with(Family="f"), None, fields="family")
    assert {} == fields_of(task_with(Family=""), None, fields="family")


def test_tag_keys_and_values_obey_the_value_rules() -> None:
    """A task tag is kept when its key and its value are each text of 1 to 2,048 characters:
    an empty, too long or non-text key or value leaves the tag out."""
    settings = FieldSettings.resolve(environ={}, fields="cluster", tags="*")
    longest, too_long = "k" * 2048, "k" * 2049
    tags: dict[str, Any] = {
        "short": "v",
        "longest": "v" * 2048,
        longest: "v",
        "too-long": "v" * 2049,
        too_long: "v",
        "empty": "",
        "": "v",
        "number": 5,
    }
    built = build_fields(EC2_TASK, None, settings, tags=tags)
    assert {
        "ecs_cluster": "default",
        "ecs_tag_short": "v",
        "ecs_tag_longest": "v" * 2048,
        "ecs_tag_" + longest: "v",
    } == built


# --- tags ----------------------------------------------------------------------------------------


def test_tags_only_named_ones() -> None:
    """Only the tags asked for are added; missing ones and container instance tags are not."""
    expected = {"ecs_cluster": "default", "ecs_tag_tag-use": TAG_VALUE}
    actual = fields_of(TAGS_TASK, TAGS_CONTAINER, fields="cluster", tags="tag-use,missing,tag_key")
    assert expected == actual


def test_tags_missing() -> None:
    """A tag the task does not have is left out."""
    assert {"ecs_cluster": "default"} == fields_of(
        TAGS_TASK, TAGS_CONTAINER, fields="cluster", tags="tag_key,Tag-Use"
    )


def test_tags_without_tags_in_the_task() -> None:
    """A task without TaskTags (the plain task route) adds no tag keys, even for `*`."""
    expected = pick(EC2["flat"], "flat", *DEFAULT_KEYS["flat"])
    assert expected == fields_of(EC2_TASK, EC2_CONTAINER, tags="*")


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


@pytest.mark.parametrize(
    ("style", "tags", "expected"),
    [
        ("otel", {"team": "a", "team.lead": "b"},
         {**OTEL, "aws.ecs.cluster.arn": EC2_CLUSTER_ARN, "aws.ecs.task.tag.team": "a"}),
        ("elastic", {"team.lead": "b", "team": "a"},
         {**ELASTIC, "orchestrator.cluster.name": "default", "aws.ecs.task.tag.team": "a"}),
        ("nested", {"team": "a", "team.lead": "b"},
         {"ecs": {"cluster": "default", "tag_team": "a"}}),
        # Under datadog a tag can sit inside a field's own key: the field stays.
        ("datadog", {"ecs_cluster_name.x": "b", "team": "a"},
         {"ecs_cluster_name": "default", "team": "a"}),
    ],
)  # fmt: skip
def test_tag_inside_another_key_left_out(
    style: str, tags: dict[str, str], expected: dict[str, object]
) -> None:
    """Task tags come from outside: one that would sit inside another key (``team.lead``
    next to ``team``) is left out, whatever the order, and the outer key stays."""
    assert expected == fields_of(
        task_with(TaskTags=tags), None, style=style, fields="cluster", tags="*"
    )


def test_tags_given_apart_from_the_task() -> None:
    """build_fields takes the tags of taskWithTags when given, instead of the task's own."""
    settings_ = FieldSettings.resolve(fields="cluster", style="elastic", tags="*", environ={})
    built = build_fields(TAGS_TASK, None, settings_, tags={"team": "payments"})
    expected = {
        **ELASTIC,
        "orchestrator.cluster.name": "default",
        "aws.ecs.task.tag.team": "payments",
    }
    assert expected == built


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
    assert list(DEFAULT_KEYS["flat"]) == field_keys(FieldSettings())


FIELD_KEYS_ALL = {
    "flat": [
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
        "ecs_container_image_digest",
        "ecs_task_definition",
        "ecs_task_definition_arn",
        "ecs_cluster_arn",
        "ecs_service_name",
        "ecs_availability_zone_id",
        "ecs_log_group",
        "ecs_log_stream",
    ],
    "nested": [
        "cluster",
        "task_arn",
        "task_family",
        "task_revision",
        "availability_zone",
        "container_name",
        "task_id",
        "container_id",
        "region",
        "account_id",
        "launch_type",
        "container_arn",
        "container_image",
        "container_image_digest",
        "task_definition",
        "task_definition_arn",
        "cluster_arn",
        "service_name",
        "availability_zone_id",
        "log_group",
        "log_stream",
    ],
    # The constants first; aws.ecs.task.id once, with the task ARN; no key for
    # task_definition, task_definition_arn, cluster_arn or availability_zone_id.
    "otel": [
        "cloud.provider",
        "cloud.platform",
        "aws.ecs.cluster.arn",
        "aws.ecs.task.arn",
        "aws.ecs.task.id",
        "aws.ecs.task.family",
        "aws.ecs.task.revision",
        "cloud.availability_zone",
        "container.name",
        "container.id",
        "cloud.region",
        "cloud.account.id",
        "aws.ecs.launchtype",
        "aws.ecs.container.arn",
        "cloud.resource_id",
        "container.image.name",
        "container.image.tags",
        "container.image.id",
        "aws.ecs.service.name",
        "aws.log.group.names",
        "aws.log.group.arns",
        "aws.log.stream.names",
        "aws.log.stream.arns",
    ],
    "elastic": [
        "cloud.provider",
        "orchestrator.type",
        "orchestrator.resource.type",
        "orchestrator.cluster.name",
        "orchestrator.resource.id",
        "aws.ecs.task.family",
        "aws.ecs.task.revision",
        "cloud.availability_zone",
        "container.name",
        "orchestrator.resource.name",
        "container.id",
        "cloud.region",
        "cloud.account.id",
        "aws.ecs.launchtype",
        "aws.ecs.container.arn",
        "container.image.name",
        "container.image.tag",
        "container.image.hash.all",
        "orchestrator.cluster.id",
        "aws.ecs.service.name",
        "aws.cloudwatch.log_group",
        "aws.cloudwatch.log_stream",
    ],
    "datadog": [
        "ecs_cluster_name",
        "task_arn",
        "task_family",
        "task_version",
        "availability_zone",
        "ecs_container_name",
        "task_id",
        "container_id",
        "region",
        "aws_account",
        "ecs_launch_type",
        "ecs_container_arn",
        "docker_image",
        "image_name",
        "image_tag",
        "image_id",
        "ecs_task_definition",
        "task_definition_arn",
        "ecs_cluster_arn",
        "ecs_service_name",
        "ecs_availability_zone_id",
        "ecs_log_group",
        "ecs_log_stream",
    ],
}


@pytest.mark.parametrize("style", STYLES)
def test_field_keys_all(style: str) -> None:
    """field_keys gives every key of `all` in the style, in the table's order."""
    settings_ = FieldSettings.resolve(style=style, fields="all", environ={})
    assert FIELD_KEYS_ALL[style] == field_keys(settings_)


@pytest.mark.parametrize("style", STYLES)
def test_field_keys_default(style: str) -> None:
    """field_keys of the default group: the keys the default cases give, in order."""
    settings_ = FieldSettings.resolve(style=style, environ={})
    assert list(DEFAULT_KEYS[style]) == field_keys(settings_)


def test_field_keys_renames_and_tags() -> None:
    """field_keys uses renamed keys and adds named tags, but not `*`."""
    named = FieldSettings.resolve(
        fields="cluster,task_id", keys="cluster=c", tags="team,env", environ={}
    )
    star = FieldSettings.resolve(fields="cluster", tags="*", environ={})
    expected = (["c", "ecs_task_id", "ecs_tag_team", "ecs_tag_env"], ["ecs_cluster"])
    assert expected == (field_keys(named), field_keys(star))


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("otel", ["cloud.provider", "cloud.platform", "aws.ecs.task.family",
                  "aws.ecs.task.tag.team"]),
        ("elastic", ["cloud.provider", "orchestrator.type", "orchestrator.resource.type",
                     "aws.ecs.task.family", "aws.ecs.task.tag.team"]),
        ("datadog", ["task_family", "team"]),
        ("nested", ["task_family", "tag_team"]),
    ],
)  # fmt: skip
def test_field_keys_tags(style: str, expected: list[str]) -> None:
    """Named tags are listed with their style's prefix (none under datadog)."""
    settings_ = FieldSettings.resolve(style=style, fields="family", tags="team", environ={})
    assert expected == field_keys(settings_)


def test_field_keys_datadog_rename() -> None:
    """A datadog rename replaces the first key of the field only."""
    settings_ = FieldSettings.resolve(style="datadog", fields="image", keys="image=img", environ={})
    assert ["img", "image_name", "image_tag"] == field_keys(settings_)


NAMED_TAG_CASES = [case for case in CASES if case.tags != "*"]


@pytest.mark.parametrize("case", NAMED_TAG_CASES, ids=[case.name for case in NAMED_TAG_CASES])
def test_field_keys_cover_built_keys(case: Case) -> None:
    """Every key that build_fields produces (constants included) is one that field_keys lists."""
    settings_ = FieldSettings.resolve(
        style=case.style, fields=case.fields, tags=case.tags, environ={}
    )
    built = build_fields(case.task, case.container, settings_)
    produced = inner(built) if case.style == "nested" else built
    assert [] == [k for k in produced if k not in field_keys(settings_)]


# --- never "" or None, never a raw newline: tasks built from fixtures with keys removed ----------

TASK_KEYS = [
    "Cluster",
    "Family",
    "Revision",
    "AvailabilityZone",
    "AvailabilityZoneID",
    "LaunchType",
    "ServiceName",
    "TaskTags",
]
CONTAINER_KEYS_JSON = ["DockerId", "Name", "Image", "ImageID", "ContainerARN", "LogOptions"]
PAIRS = [
    (EC2_TASK_JSON, EC2_CONTAINER_JSON),
    (FARGATE_TASK_JSON, FARGATE_TASK_JSON["Containers"][0]),
    (V2_TASK_JSON, V2_TASK_JSON["Containers"][1]),
    (TAGS_TASK_JSON, TAGS_TASK_JSON["Containers"][1]),
]
ANY_TEXT = st.one_of(
    st.sampled_from(["", " ", "\n", "x\ny", "\x00", "a\x1b[0m", "\r\n", ":", "@", "a:b@c"]),
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
                "awslogs-region": data.draw(ANY_TEXT),
            }
        elif action == "text":
            document[key] = data.draw(ANY_TEXT)
    return document


CONSTANT_VALUES = {
    "otel": {"cloud.provider": "aws", "cloud.platform": "aws_ecs"},
    "elastic": {
        "cloud.provider": "aws",
        "orchestrator.type": "ecs",
        "orchestrator.resource.type": "task",
    },
}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pair=st.sampled_from(PAIRS),
    style=st.sampled_from(STYLES),
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
    value holds a raw newline or C0 control character; the constants come with any field."""
    task_json = mutate(pair[0], TASK_KEYS, data)
    if arn is not None:
        task_json["TaskARN"] = arn
    task = TaskMetadata.from_json(task_json)
    container = (
        ContainerMetadata.from_json(mutate(pair[1], CONTAINER_KEYS_JSON, data))
        if with_container
        else None
    )
    built = fields_of(task, container, style=style, fields="all", tags="*")
    leaves = walk(built)
    assert [] == [leaf for leaf in leaves if leaf in ("", None)]
    assert [] == [leaf for leaf in leaves if not isinstance(leaf, str)]
    bad = [v for v in leaves if isinstance(v, str) and any(ord(c) < 32 or ord(c) == 127 for c in v)]
    assert [] == bad
    keys = list(inner(built)) if style == "nested" and built else list(built)
    assert [] == [k for k in keys if any(ord(c) < 32 or ord(c) == 127 for c in k)]
    if style == "nested":
        assert list(built) in ([], ["ecs"])
    constants = CONSTANT_VALUES.get(style, {})
    if built and constants:
        assert constants == {key: built[key] for key in constants}
        assert len(built) > len(constants)


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
