"""Faults that used to cost records, each against a real loopback endpoint.

- the refresher outlives a user's filter or handler that raises on the library's messages;
- a record's nested values (``nested``'s inner dict, ``otel``'s lists) are its own;
- a failing container route costs only the container's fields; tags never put the fields at
  risk (a slow, failing or refusing taskWithTags route);
- the refresher thread imports nothing (a fork can never cut an import in half);
- a forked child closes the HTTP client it inherited (no ResourceWarning);
- ``status()`` never says ``waiting`` once records are enriched;
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import structlog

from ecs_log_context import EcsContext, EcsContextFilter, EcsContextProcessor, EcsJsonFormatter

from .capture import RecordCapture
from .documents import ENDPOINT_ID, V4_CONTAINER, V4_TASK, fixture_json, healthy_routes
from .loopback import LoopbackServer, Reply, json_reply
from .waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
PREFIX = f"/v4/{ENDPOINT_ID}"
V4 = "ECS_CONTAINER_METADATA_URI_V4"
TASK_KEYS = ("ecs_cluster", "ecs_task_arn", "ecs_task_family", "ecs_task_revision")


def environ(server: LoopbackServer, **more: str) -> dict[str, str]:
    return {V4: server.url + PREFIX, **more}


def stdlib_pipeline(name: str, ecs_filter: logging.Filter) -> tuple[logging.Logger, RecordCapture]:
    handler = RecordCapture()
    handler.addFilter(ecs_filter)
    log = logging.getLogger(name)
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    return log, handler


# -- the refresher and the user's logging -----------------------------------------------------


class Raising(logging.Filter):
    """A user's filter with a bug that only the library's records trigger."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("ecs_log_context"):
            raise RuntimeError("a bug in the user's filter")
        return True


@pytest.mark.parametrize("where", ["logger", "handler"])
def test_the_refresher_outlives_a_user_filter_that_raises_on_its_messages(where: str) -> None:
    """The library's own INFO and WARNING records meet a filter that raises: the refresher
    goes on refreshing (TTL 1 s) and ``status()`` follows the endpoint."""
    with LoopbackServer(healthy_routes("v4", PREFIX)) as server:
        ours = logging.getLogger("ecs_log_context")
        handler = RecordCapture()
        if where == "logger":
            ours.addFilter(Raising())
        else:
            handler.addFilter(Raising())
        ours.addHandler(handler)
        ours.setLevel(logging.INFO)
        try:
            context = EcsContext(environ=environ(server), ttl=1)
            assert context.wait_ready(5)
            # Ready was said (and raised); three refreshes later it still runs.
            assert wait_until(lambda: server.count(path=PREFIX + "/task") >= 4, 15)
            server.behave({})  # the endpoint goes away: the refresher notices
            assert wait_until(lambda: context.status().state == "stale", 15)
        finally:
            ours.filters.clear()
            ours.removeHandler(handler)


# -- a record's nested values are its own -------------------------------------------------------


def _structlog_events(processor: EcsContextProcessor) -> list[dict[str, Any]]:
    captured: list[dict[str, Any]] = []

    def capture(logger: Any, name: str, event_dict: Any) -> str:
        captured.append(event_dict)
        return ""

    log = structlog.wrap_logger(
        structlog.ReturnLogger(), processors=[processor, capture], cache_logger_on_first_use=False
    )
    log.info("one")
    log.info("two")
    return captured


def test_nested_records_each_get_their_own_inner_dict() -> None:
    """A downstream processor editing ``event_dict["ecs"]`` in place changes that record only,
    through the processor, the filter and the formatter."""
    with LoopbackServer(healthy_routes("v4", PREFIX)) as server:
        env = environ(server)
        processor = EcsContextProcessor(environ=env, style="nested")
        assert processor.context.wait_ready(5)
        first, second = _structlog_events(processor)
        first["ecs"]["cluster"] = "edited"
        assert "edited" != second["ecs"]["cluster"]
        assert "edited" != _structlog_events(processor)[0]["ecs"]["cluster"]

        log, handler = stdlib_pipeline(
            "tests.nested", EcsContextFilter(environ=env, style="nested")
        )
        log.info("one")
        log.info("two")
        one, two = handler.records
        one.ecs["cluster"] = "edited"  # type: ignore[attr-defined]
        assert "edited" != two.ecs["cluster"]  # type: ignore[attr-defined]

        class Editing(EcsJsonFormatter):
            def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
                log_data["ecs"]["cluster"] = "edited"  # a user's hook, editing in place
                return log_data

        editing = Editing("%(message)s", environ=env, ecs_style="nested")
        plain = EcsJsonFormatter("%(message)s", environ=env, ecs_style="nested")
        record = logging.makeLogRecord({"msg": "x"})
        assert "edited" == json.loads(editing.format(record))["ecs"]["cluster"]
        assert "edited" != json.loads(plain.format(record))["ecs"]["cluster"]


def test_otel_lists_refuse_in_place_edits() -> None:
    """Under ``otel`` the one-element lists are tuples: shared by every record, edits fail
    loudly instead of reaching the next record."""
    with LoopbackServer(healthy_routes("v4", PREFIX)) as server:
        processor = EcsContextProcessor(environ=environ(server), style="otel", fields="all")
        assert processor.context.wait_ready(5)
        first, second = _structlog_events(processor)
        assert ("/ecs/metadata",) == first["aws.log.group.names"]
        with pytest.raises(AttributeError):
            first["aws.log.group.names"].append("x")
        assert ("/ecs/metadata",) == second["aws.log.group.names"]


# -- one route's failure costs only that route's fields ---------------------------------------


CONTAINER_500 = json_reply("unable to generate metadata for container 'x'", 500)


@pytest.mark.parametrize("kind", ["structlog", "filter", "formatter"])
def test_a_failing_container_route_costs_only_the_container_fields(kind: str) -> None:
    """The container route answers 500 for good: the task's fields come at once, the
    container's are missing, ``status()`` says why, and they come once the route heals."""
    routes = {**healthy_routes("v4", PREFIX), PREFIX: CONTAINER_500}
    with LoopbackServer(routes) as server:
        env = environ(server)
        if kind == "structlog":
            processor = EcsContextProcessor(environ=env)
            context = processor.context

            def log() -> dict[str, Any]:
                return dict(processor(None, "info", {"event": "x"}))

        else:
            handler = RecordCapture()
            if kind == "filter":
                enricher: Any = EcsContextFilter(environ=env)
                handler.addFilter(enricher)
            else:
                enricher = EcsJsonFormatter("%(message)s", environ=env)
                handler.setFormatter(enricher)
            context = enricher.context
            log_ = logging.getLogger(f"tests.route.{kind}")
            log_.handlers[:] = [handler]
            log_.propagate = False
            log_.setLevel(logging.INFO)

            def log() -> dict[str, Any]:
                log_.info("x")
                if kind == "formatter":
                    return dict(json.loads(handler.lines[-1]))
                return dict(handler.records[-1].__dict__)

        assert context.wait_ready(5)
        out = log()
        assert [V4_TASK["TaskARN"]] == [out.get("ecs_task_arn")]
        assert all(key in out for key in TASK_KEYS)
        assert "ecs_container_name" not in out
        status = context.status()
        assert "ready" == status.state
        assert "500" in status.missing["container"]
        server.behave(healthy_routes("v4", PREFIX))
        assert wait_until(lambda: "ecs_container_name" in log(), 10)
        assert V4_CONTAINER["Name"] == log()["ecs_container_name"]
        assert {} == dict(context.status().missing)


def test_a_slow_tags_route_never_holds_up_the_fields() -> None:
    """taskWithTags answers after 3 s (past the 0.5 s timeout): the first records get every
    field but the tags at once, and the tags' reason is in ``status()``."""
    routes = {
        **healthy_routes("v4", PREFIX),
        PREFIX + "/taskWithTags": Reply(200, json.dumps(V4_TASK), delay=3.0),
    }
    with LoopbackServer(routes) as server:
        ecs_filter = EcsContextFilter(environ=environ(server), tags="team", timeout=0.5)
        log, handler = stdlib_pipeline("tests.slowtags", ecs_filter)
        started = time.monotonic()
        log.info("first")
        waited = time.monotonic() - started
        record = handler.records[-1].__dict__
        assert all(key in record for key in TASK_KEYS), record
        assert waited < 0.5 + 1.0  # at most the timeout, with margin for a loaded machine
        context = ecs_filter.context
        assert wait_until(lambda: "tags" in context.status().missing, 10)
        assert "taskWithTags" in context.status().missing["tags"]


def test_the_agents_tag_error_keeps_the_fields_and_says_why() -> None:
    """taskWithTags answers with the agent's ``Errors`` (AccessDenied on
    ecs:ListTagsForResource): the fields come, the tags are missing, and the reason, in the
    agent's words with the fix, is in ``status()`` and said once as a warning."""
    tagged = fixture_json("v4_taskWithTags_errors_awsdocs.json")
    routes = {**healthy_routes("v4", PREFIX), PREFIX + "/taskWithTags": json_reply(tagged)}
    with LoopbackServer(routes) as server:
        said = RecordCapture()
        ours = logging.getLogger("ecs_log_context")
        ours.addHandler(said)
        ours.setLevel(logging.INFO)
        try:
            processor = EcsContextProcessor(environ=environ(server), tags="*")
            assert processor.context.wait_ready(5)
            out = processor(None, "info", {"event": "x"})
            assert tagged["TaskARN"] == out["ecs_task_arn"]
            assert not [key for key in out if key.startswith("ecs_tag_")]
            reason = processor.context.status().missing["tags"]
            assert "AccessDeniedException" in reason
            assert "ecs:ListTagsForResource" in reason
            warnings = [r for r in said.records if r.levelno == logging.WARNING]
            assert 1 == len(warnings)
            assert "ListTagsForResource" in warnings[0].getMessage()
        finally:
            ours.removeHandler(said)


def test_a_refusing_tags_route_keeps_the_fields() -> None:
    """taskWithTags answers 500 for good: the fields stay, tags are retried with backoff."""
    routes = {**healthy_routes("v4", PREFIX), PREFIX + "/taskWithTags": json_reply("boom", 500)}
    with LoopbackServer(routes) as server:
        processor = EcsContextProcessor(environ=environ(server), tags="team")
        assert processor.context.wait_ready(5)
        out = processor(None, "info", {"event": "x"})
        assert all(key in out for key in TASK_KEYS)
        assert "500" in processor.context.status().missing["tags"]
        server.behave(healthy_routes("v4", PREFIX))
        assert wait_until(lambda: "ecs_tag_team" in processor(None, "info", {"event": "x"}), 10)


# -- the refresher thread imports nothing ---------------------------------------------------


IMPORTS_SCRIPT = textwrap.dedent(
    """
    import sys, threading
    imported = []
    def hook(event, args):
        if event == "import" and threading.current_thread().name == "ecs-log-context":
            imported.append(args[0])
    sys.addaudithook(hook)
    import logging
    from ecs_log_context import {cls}
    logging.basicConfig(level=logging.DEBUG)  # httpx's DEBUG records too
    enricher = {cls}({args})
    assert enricher.context.wait_ready(10), enricher.context.status()
    enricher.context.refresh()
    print("IMPORTED", sorted(set(imported)))
    """
)


@pytest.mark.parametrize(
    ("cls", "args"),
    [
        ("EcsContextFilter", ""),
        ("EcsContextProcessor", "tags='*', style='otel', fields='all'"),
        ("EcsJsonFormatter", "'%(message)s'"),
    ],
)
def test_the_refresher_thread_imports_nothing(cls: str, args: str) -> None:
    """Every module a fetch needs is imported by the constructor, in the caller's thread: a
    fork at any moment can never leave a child a half-initialised module."""
    with LoopbackServer(healthy_routes("v4", PREFIX)) as server:
        done = subprocess.run(
            [sys.executable, "-c", IMPORTS_SCRIPT.format(cls=cls, args=args)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", V4: server.url + PREFIX},
            check=False,
        )
    assert 0 == done.returncode, done.stderr
    assert "IMPORTED []" in done.stdout, done.stdout


# -- a forked child closes what it inherited --------------------------------------------------


FORK_SCRIPT = textwrap.dedent(
    """
    import gc, logging, os, sys, warnings
    warnings.simplefilter("always", ResourceWarning)
    from ecs_log_context import EcsContextFilter
    f = EcsContextFilter()
    assert f.context.wait_ready(10)
    pid = os.fork()
    if pid == 0:
        f.context.status()
        gc.collect()
        sys.stderr.flush()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    print("CHILD", status)
    """
)


def test_a_forked_child_closes_the_client_it_inherited() -> None:
    """gunicorn's and Celery's workers: the parent's HTTP client is closed in the child, not
    dropped unclosed (ResourceWarning: unclosed socket)."""
    with LoopbackServer(healthy_routes("v4", PREFIX)) as server:
        done = subprocess.run(
            [sys.executable, "-X", "dev", "-c", FORK_SCRIPT],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            env={"PATH": "/usr/bin:/bin", V4: server.url + PREFIX},
            check=False,
        )
    assert 0 == done.returncode, done.stderr
    assert "CHILD 0" in done.stdout
    assert "ResourceWarning" not in done.stderr, done.stderr


# -- status() and enriched records agree ------------------------------------------------------


def _state_when_first_enriched(server: LoopbackServer) -> str:
    context = EcsContext(environ=environ(server), timeout=2)
    processor = EcsContextProcessor(context=context)
    seen: list[str] = []

    def watch() -> None:
        while not seen:
            if processor._fields:
                seen.append(context.status().state)

    watcher = threading.Thread(target=watch)
    watcher.start()
    assert context.wait_ready(5)
    watcher.join(5)
    context.close()
    return seen[0]


def test_status_is_never_waiting_once_a_record_is_enriched() -> None:
    """The state is set before the snapshot is published: a thread that sees fields on its
    record never reads ``waiting`` right after (threads switched as often as can be)."""
    routes = {
        **healthy_routes("v4", PREFIX),
        PREFIX + "/task": Reply(200, json.dumps(V4_TASK), delay=0.1),
    }
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with LoopbackServer(routes) as server:
            states = [_state_when_first_enriched(server) for _ in range(10)]
    finally:
        sys.setswitchinterval(interval)
    assert ["ready"] * 10 == states


# -- the package's names ----------------------------------------------------------------------

BLOCKED_SCRIPT = textwrap.dedent(
    """
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == "pythonjsonlogger":
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None
    sys.meta_path.insert(0, Block())
    from ecs_log_context import *
    import ecs_log_context
    assert "EcsContextFilter" in dir(ecs_log_context) and "MetadataClient" in dir(ecs_log_context)
    try:
        ecs_log_context.EcsJsonFormatter
    except ModuleNotFoundError as exc:
        print("SAID", exc)
    """
)


def test_star_import_works_without_python_json_logger() -> None:
    """``from ecs_log_context import *`` without the ``[json]`` extra imports what it can;
    ``EcsJsonFormatter`` then says which extra it needs; ``dir()`` lists the lazy names."""
    done = subprocess.run(
        [sys.executable, "-c", BLOCKED_SCRIPT],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert 0 == done.returncode, done.stderr
    assert "ecs-log-context[json]" in done.stdout
