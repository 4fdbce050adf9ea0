"""The recorded metadata documents of ``tests/fixtures`` (see its README), and the routes of a
healthy loopback endpoint that serves the AWS documentation's examples of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .loopback import Reply, json_reply

__all__ = [
    "ENDPOINT_ID",
    "FIXTURES",
    "V2_TASK",
    "V3_CONTAINER",
    "V3_TASK",
    "V4_CONTAINER",
    "V4_TASK",
    "V4_TASK_ARN",
    "fixture_json",
    "fixture_text",
    "healthy_routes",
]

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_text(name: str) -> str:
    """The text of a file in tests/fixtures."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def fixture_json(name: str) -> Any:
    """The decoded JSON of a file in tests/fixtures."""
    return json.loads(fixture_text(name))


V4_TASK: dict[str, Any] = fixture_json("v4_task_ec2_awsvpc_awsdocs.json")
V4_CONTAINER: dict[str, Any] = fixture_json("v4_container_ec2_awsvpc_awsdocs.json")
V3_TASK: dict[str, Any] = fixture_json("v3_task_awsdocs.json")
V3_CONTAINER: dict[str, Any] = fixture_json("v3_container_awsdocs.json")
V2_TASK: dict[str, Any] = fixture_json("v2_task_nginx_awsdocs.json")
V4_TASK_ARN: str = V4_TASK["TaskARN"]
ENDPOINT_ID = "f0e1d2c3b4a5-1234567890"


def healthy_routes(version: str, prefix: str) -> dict[str, Reply]:
    """The routes of a healthy endpoint of this version under ``prefix`` (``/v4/<id>``)."""
    tags = {"TaskTags": {"team": "logs"}}
    if version == "v4":
        return {
            prefix + "/task": json_reply(V4_TASK),
            prefix + "/taskWithTags": json_reply({**V4_TASK, **tags}),
            prefix: json_reply(V4_CONTAINER),
        }
    if version == "v3":
        return {
            prefix + "/task": json_reply(V3_TASK),
            prefix + "/taskWithTags": json_reply({**V3_TASK, **tags}),
            prefix: json_reply(V3_CONTAINER),
        }
    if version == "v2":
        return {
            "/v2/metadata": json_reply(V2_TASK),
            "/v2/metadataWithTags": json_reply({**V2_TASK, **tags}),
        }
    raise ValueError(version)
