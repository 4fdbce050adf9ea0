"""``ecs-log-context show``: the fields this environment would add, and where they come from."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING, Any

from ..errors import MetadataError
from ._command import Failure, Subcommands, metadata_client, resolve_settings
from ._output import aligned, flatten, json_text, print_json, source_dict, wants_json

if TYPE_CHECKING:
    from ..models import ContainerMetadata, TaskMetadata

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    """Add ``show`` and its options."""
    show = commands.add_parser(
        "show",
        help="show the fields this environment would add, and where they come from",
        description=(
            "Resolve the metadata as the library does, from this environment, and print the "
            "fields that would be added, the source and how long the fetch took: a table on a "
            "terminal, JSON otherwise. Exit status 1, with the reason on stderr, off ECS or "
            "when the metadata cannot be read; 2 when a setting cannot be used."
        ),
    )
    show.add_argument("--json", action="store_true", help="print JSON, also on a terminal")
    show.add_argument(
        "--all", action="store_true", help="also print the full task and container metadata"
    )
    show.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """``show``: fetch as the library would, and print the fields, the source and the time.

    Raises:
        Failure: off ECS or the fetch failed (1), a setting cannot be used (2), or v2
            cannot tell which container this is (1, after printing what it could).
    """
    from .._fields import build_fields

    settings, field_settings = resolve_settings()
    source, client = metadata_client(settings)
    explanation = None
    if source.kind != "file":
        # Imported ahead, so that the time shown is the fetch's and not the import's.
        import httpx  # noqa: F401
    started = time.perf_counter()
    try:
        with client:
            task, container = client.task_and_container(with_tags=bool(field_settings.tags))
            elapsed = time.perf_counter() - started
            if source.kind == "v2":
                explanation = client.explain_own_container(task)
    except MetadataError as exc:
        raise Failure(1, str(exc)) from None
    fields = build_fields(task, container, field_settings)
    report: dict[str, Any] = {
        "fields": fields,
        "source": source_dict(source),
        "fetch_ms": round(elapsed * 1000, 1),
        "style": field_settings.style,
        "container": container.name if container else None,
    }
    if explanation is not None:
        report["container_resolution"] = explanation
    if args.all:
        report["task_metadata"] = task.to_dict()
        report["container_metadata"] = container.to_dict() if container else None
    if wants_json(args):
        print_json(report)
    else:
        print(_table(report, task, container, all_=args.all))
    if container is None:
        raise Failure(1, _unknown_container(explanation, settings.container_name))
    return 0


def _unknown_container(explanation: str | None, container_name: str | None) -> str:
    sentence = (
        "cannot tell which of the task's containers this process runs in, so the container "
        f"fields are left out: {explanation or 'the source does not say'}"
    )
    if container_name:
        sentence += "; set ECS_LOG_CONTEXT_CONTAINER_NAME to one of the names listed"
    elif "ECS_LOG_CONTEXT_CONTAINER_NAME" not in sentence:
        sentence += "; set ECS_LOG_CONTEXT_CONTAINER_NAME to this container's name"
    return sentence


def _table(
    report: dict[str, Any],
    task: TaskMetadata,
    container: ContainerMetadata | None,
    *,
    all_: bool,
) -> str:
    source = report["source"]
    about = [
        ("source", f"{source['kind']}  {source['location']}"),
        ("chosen by", source["variable"]),
        ("fetched in", f"{report['fetch_ms']:.1f} ms"),
        ("task", task.task_arn),
        ("container", report["container"] or "unknown"),
    ]
    if "container_resolution" in report:
        about.append(("resolution", report["container_resolution"]))
    fields = flatten(report["fields"])
    parts = [aligned(about), ""]
    if fields:
        parts += [f"fields added ({report['style']} style):", aligned(fields, indent="  ")]
    else:
        parts.append("fields added: none (the metadata has none of the fields asked for)")
    if all_:
        parts += ["", "task metadata:", json_text(task.to_dict())]
        if container is not None:
            parts += ["", "container metadata:", json_text(container.to_dict())]
    return "\n".join(parts)
