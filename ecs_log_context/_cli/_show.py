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
            "fields that would be added, the source and how long the fetch took, and for "
            "each field and tag asked for and not added, why: a table on a terminal, JSON "
            "otherwise. Exit status 1, with the reason on stderr, off ECS or when the "
            "metadata cannot be read; 2 when a setting cannot be used."
        ),
    )
    show.add_argument("--json", action="store_true", help="print JSON, also on a terminal")
    show.add_argument(
        "--all", action="store_true", help="also print the full task and container metadata"
    )
    show.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print each request made: method, URL, status, bytes and milliseconds",
    )
    show.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """``show``: fetch as the library would, and print the fields, the source, the time, and
    why each field and tag asked for and not added is missing.

    The routes are asked as the library asks them (`_fetch`): the tags apart, so that a
    failing or slow taskWithTags route costs the tags only, and says why.

    Raises:
        Failure: off ECS or the task route failed (1), a setting cannot be used (2), or the
            own container is not known (1, after printing what it could).
    """
    from .._fetch import fetch_fields, fetch_tags
    from .._fields import build_fields
    from .._reasons import missing_reasons

    settings, field_settings = resolve_settings()
    requests: list[dict[str, Any]] = []
    source, client = metadata_client(settings)
    if args.verbose:  # each GET (a redirect is one of its own), or the exception that ended it
        client._transport.on_request = requests.append
    explanation = None
    if source.kind != "file":
        # Built ahead (httpx imported, the client made), so that the time shown is the
        # fetch's and not the import's.
        client._client()
    started = time.perf_counter()
    try:
        with client:
            snapshot = fetch_fields(client, source, None, time.monotonic())
            if field_settings.tags and source.kind != "file":  # the file has no tags
                snapshot = fetch_tags(client, snapshot, time.monotonic())
            elapsed = time.perf_counter() - started
            if source.kind == "v2":
                explanation = client.explain_own_container(snapshot.task)
    except MetadataError as exc:
        raise Failure(1, str(exc)) from None
    task, container = snapshot.task, snapshot.container
    fields = build_fields(task, container, field_settings, tags=snapshot.tags)
    missing = {
        **snapshot.missing,
        **missing_reasons(
            task,
            container,
            field_settings,
            source_kind=source.kind,
            part_missing=snapshot.missing,
            tags=snapshot.tags,
        ),
    }
    report: dict[str, Any] = {
        "fields": fields,
        "missing": missing,
        "source": source_dict(source),
        "fetch_ms": round(elapsed * 1000, 1),
        "style": field_settings.style,
        "container": container.name if container else None,
    }
    if explanation is not None:
        report["container_resolution"] = explanation
    if args.verbose:
        report["requests"] = requests
    if args.all:
        report["task_metadata"] = task.to_dict()
        report["container_metadata"] = container.to_dict() if container else None
    if wants_json(args):
        print_json(report)
    else:
        print(_table(report, task, container, all_=args.all))
    if container is None:
        if source.kind == "v2" or "container" not in snapshot.missing:
            raise Failure(1, _unknown_container(explanation, settings.container_name))
        raise Failure(1, f"the container fields are left out: {snapshot.missing['container']}")
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
    if report["missing"]:
        rows = [(f"{name}:", reason) for name, reason in report["missing"].items()]
        parts += ["", "missing:", aligned(rows, indent="  ")]
    if "requests" in report:
        parts += ["", *_requests_table(report["requests"], source["kind"])]
    if all_:
        parts += ["", "task metadata:", json_text(task.to_dict())]
        if container is not None:
            parts += ["", "container metadata:", json_text(container.to_dict())]
    return "\n".join(parts)


def _requests_table(requests: list[dict[str, Any]], kind: str) -> list[str]:
    if not requests:
        said = "the metadata file is read, not asked" if kind == "file" else "none"
        return [f"requests: {said}"]
    rows = [
        (
            request["method"],
            request["url"],
            str(request["status"]) if request["status"] is not None else request["error"],
            f"{request['bytes']} B" if request["bytes"] is not None else "-",
            f"{request['ms']:.1f} ms",
        )
        for request in requests
    ]
    return ["requests:", aligned(rows, indent="  ")]
