"""`EcsContext` itself: states, fields, refresh, waits, TTL, backoff, and its own messages.

End to end against the package's mock endpoint or a loopback server on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ecs_log_context import EcsContext, EcsContextFilter, Status
from ecs_log_context._settings import FieldSettings
from ecs_log_context.mock.server import MockEndpoint

from .capture import RecordCapture
from .child_processes import run_in_fork
from .documents import FIXTURES
from .integrations import (
    expected_fields,
    sample_task,
    serve_fault,
    serve_task,
    v4_uri,
)
from .loopback import LoopbackServer, Reply
from .waiting import wait_until

V4 = "ECS_CONTAINER_METADATA_URI_V4"
EC2_DEFAULT = expected_fields("EC2")
AGENT_500 = Reply(500, json.dumps("Unable to generate metadata for v4 task"))
AGENT_429 = Reply(429, "You have reached maximum request limit.", "text/plain; charset=utf-8")


def ready_context(**options: object) -> EcsContext:
    """A context that has had its first answer."""
    context = EcsContext(**options)  # type: ignore[arg-type]
    assert context.wait_ready(5), context.status()
    return context


# -- states --------------------------------------------------------------------------------------


def test_disabled(mock_on_v4: MockEndpoint, own_messages: list[logging.LogRecord]) -> None:
    """Disabled: state ``disabled``, no source, no fields, no request, no message."""
    context = EcsContext(enabled=False)
    assert Status("disabled", None, None, None, None, None, 0) == context.status()
    assert {} == context.fields()
    assert Status("disabled", None, None, None, None, None, 0) == context.refresh()
    assert context.wait_ready() is False
    assert [] == mock_on_v4.requests
    assert [] == own_messages


def test_off_ecs(own_messages: list[logging.LogRecord]) -> None:
    """Off ECS with nothing configured: ``off_ecs``, at once, silently, without I/O."""
    context = EcsContext()
    started = time.monotonic()
    assert Status("off_ecs", None, None, None, None, None, 0) == context.status()
    assert Status("off_ecs", None, None, None, None, None, 0) == context.refresh()
    assert context.wait_ready() is False
    assert asyncio.run(context.wait_ready_async()) is False
    assert {} == context.fields()
    assert time.monotonic() - started < 2.0
    assert [] == own_messages


def test_forced_source_without_its_variable(
    monkeypatch: pytest.MonkeyPatch, own_messages: list[logging.LogRecord]
) -> None:
    """A forced source whose variable is missing is off, and says why, once."""
    monkeypatch.setenv("ECS_LOG_CONTEXT_SOURCE", "v4")
    status = EcsContext().status()
    assert ("off_ecs", None) == (status.state, status.source)
    assert status.last_error is not None
    assert V4 in status.last_error
    assert [logging.WARNING] == [r.levelno for r in own_messages]


def test_waiting(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the first answer: ``waiting``, with the source known and no fields."""
    serve_fault(loopback, Reply(fault="hang"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "5")
    context = EcsContext()
    status = context.status()
    assert ("waiting", "v4", v4_uri(loopback)) == (status.state, status.source, status.location)
    assert (None, None, None) == (status.last_error, status.last_success, status.fetch_duration)
    assert {} == context.fields()


def test_ready(mock_on_v4: MockEndpoint) -> None:
    """After the first answer: ``ready``, where from, when, and how long it took."""
    before = datetime.now(timezone.utc)
    context = ready_context()
    status = context.status()
    assert ("ready", "v4", mock_on_v4.v4_uri, None, 1) == (
        status.state,
        status.source,
        status.location,
        status.last_error,
        status.attempts,
    )
    assert status.last_success is not None
    assert before - timedelta(seconds=1) <= status.last_success <= datetime.now(timezone.utc)
    assert status.fetch_duration is not None
    assert 0 <= status.fetch_duration < 5
    assert EC2_DEFAULT == context.fields()


def test_failing(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """No success yet: ``failing``, the error says which URL answered what; no fields."""
    serve_fault(loopback, AGENT_500)
    monkeypatch.setenv(V4, v4_uri(loopback))
    context = EcsContext()
    assert wait_until(lambda: context.status().state == "failing", timeout=5.0)
    status = context.status()
    assert status.last_error is not None
    assert v4_uri(loopback) + "/task" in status.last_error
    assert "500" in status.last_error
    assert (None, None) == (status.last_success, status.fetch_duration)
    assert {} == context.fields()
    assert context.wait_ready(5) is False


def test_failed_refresh_keeps_the_last_snapshot(mock_on_v4: MockEndpoint) -> None:
    """A failed refresh after a success: ``stale``, the same fields and the same snapshot."""
    context = ready_context()
    fields, snapshot = context.fields(), context.snapshot
    mock_on_v4.error_rate = 1.0
    status = context.refresh()
    assert "stale" == status.state
    assert status.last_error is not None
    assert "500" in status.last_error
    assert fields == context.fields()
    assert snapshot is context.snapshot
    assert snapshot is not None
    assert snapshot.fetched_at == status.last_success
    mock_on_v4.error_rate = 0.0
    assert ("ready", None) == (context.refresh().state, context.status().last_error)


# -- fields, refresh, waits --------------------------------------------------------------------


def test_fields_follow_the_settings(
    mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``fields()`` builds from the environment's field settings now, or from those given."""
    context = ready_context()
    assert EC2_DEFAULT == context.fields()
    otel = context.fields(FieldSettings.resolve(style="otel", fields="all"))
    assert expected_fields("EC2", "otel", "all") == json.loads(json.dumps(otel))
    monkeypatch.setenv("ECS_LOG_CONTEXT_STYLE", "nested")
    assert expected_fields("EC2", "nested") == context.fields()


def test_refresh_fetches_now(mock_on_v4: MockEndpoint) -> None:
    """``refresh()`` fetches in the calling thread: a changed answer shows at once."""
    context = ready_context()
    mock_on_v4.task["Family"] = "checkout-api-canary"
    status = context.refresh()
    assert ("ready", 2) == (status.state, status.attempts)
    assert "checkout-api-canary" == context.fields()["ecs_task_family"]


def test_wait_ready_is_bounded(loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """``wait_ready(timeout)`` returns False within its bound when the endpoint hangs."""
    serve_fault(loopback, Reply(fault="hang"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "5")
    context = EcsContext()
    started = time.monotonic()
    assert context.wait_ready(0.2) is False
    assert time.monotonic() - started < 2.0


def test_wait_ready_returns_after_a_failed_first_answer(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``wait_ready()`` without a timeout ends with the first answer, even a failure."""
    serve_fault(loopback, Reply(fault="hang"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "0.2")
    context = EcsContext()
    started = time.monotonic()
    assert context.wait_ready() is False
    assert time.monotonic() - started < 3.0
    assert "failing" == context.status().state


def test_wait_ready_async_keeps_the_loop_running(
    start_mock: Callable[..., MockEndpoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``await wait_ready_async()`` waits for the first answer while the loop runs on."""
    mock = start_mock(launch_type="EC2", latency=0.3)
    monkeypatch.setenv(V4, mock.v4_uri)
    context = EcsContext()

    async def main() -> tuple[bool, int, bool]:
        ticks = 0
        done = False

        async def ticker() -> None:
            nonlocal ticks
            while not done:
                await asyncio.sleep(0.01)
                ticks += 1

        ticking = asyncio.create_task(ticker())
        ok = await context.wait_ready_async(10)
        done = True
        await ticking
        again = await asyncio.wait_for(context.wait_ready_async(), timeout=1.0)
        return ok, ticks, again

    ok, ticks, again = asyncio.run(main())
    assert (True, True) == (ok, again)
    assert ticks >= 10  # the fetch takes two 0.3 s answers: some 50 ticks
    assert EC2_DEFAULT == context.fields()


def test_wait_ready_async_is_bounded(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``await wait_ready_async(timeout)`` returns False within its bound on a hung endpoint."""
    serve_fault(loopback, Reply(fault="hang"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TIMEOUT", "5")
    context = EcsContext()
    started = time.monotonic()
    assert asyncio.run(context.wait_ready_async(0.2)) is False
    assert time.monotonic() - started < 2.0


def test_default_is_one_per_process(mock_on_v4: MockEndpoint) -> None:
    """``EcsContext.default()`` is the same object every time."""
    assert EcsContext.default() is EcsContext.default()


# -- refreshing and retrying -------------------------------------------------------------------


def test_ttl_refresh_shows_a_changed_answer(mock_on_v4: MockEndpoint) -> None:
    """With ttl=1, a changed answer shows within a few seconds, without anyone asking."""
    context = ready_context(ttl=1)
    mock_on_v4.task["Revision"] = "8"
    assert wait_until(lambda: context.fields().get("ecs_task_revision") == "8", timeout=5.0)
    assert "ready" == context.status().state


def test_proxies_and_credentials(mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    """Proxy variables are ignored (the mock is reached directly); no credentials route is
    ever asked."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, dead)
    context = ready_context()
    assert EC2_DEFAULT == context.fields()
    assert 0 == mock_on_v4.credentials_request_count


# -- the library's own messages ------------------------------------------------------------------


def test_messages_once_per_change_of_state(
    loopback: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    own_messages: list[logging.LogRecord],
) -> None:
    """failing, ready, stale, ready: one message on ``ecs_log_context`` per change, none for
    the repeats."""
    serve_fault(loopback, AGENT_500)
    monkeypatch.setenv(V4, v4_uri(loopback))
    monkeypatch.setenv("ECS_LOG_CONTEXT_TTL", "0")
    context = EcsContext()
    assert wait_until(lambda: context.status().state == "failing", timeout=5.0)
    assert ["failing", "failing"] == [context.refresh().state for _ in range(2)]
    serve_task(loopback, sample_task("EC2"))
    assert ["ready", "ready"] == [context.refresh().state for _ in range(2)]
    serve_fault(loopback, AGENT_500)
    assert ["stale", "stale"] == [context.refresh().state for _ in range(2)]
    serve_task(loopback, sample_task("EC2"))
    assert "ready" == context.refresh().state
    assert [
        ("ecs_log_context", logging.WARNING),
        ("ecs_log_context", logging.INFO),
        ("ecs_log_context", logging.WARNING),
        ("ecs_log_context", logging.INFO),
    ] == [(r.name, r.levelno) for r in own_messages]
    first, _, stale, _ = (r.getMessage() for r in own_messages)
    assert "500" in first
    assert "500" in stale
    assert first != stale


def test_messages_stay_off_root_handlers_when_propagation_is_off(
    loopback: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    own_messages: list[logging.LogRecord],
) -> None:
    """The messages are records of ``ecs_log_context`` itself: with its propagation off, the
    root logger's handlers see none of them."""
    root_handler = RecordCapture()
    seen_by_root = root_handler.records
    logging.getLogger().addHandler(root_handler)
    logging.getLogger("ecs_log_context").propagate = False
    serve_fault(loopback, AGENT_500)
    monkeypatch.setenv(V4, v4_uri(loopback))
    context = EcsContext()
    assert wait_until(lambda: context.status().state == "failing", timeout=5.0)
    assert wait_until(lambda: len(own_messages) == 1, timeout=2.0)
    assert [] == [r for r in seen_by_root if r.name.startswith("ecs_log_context")]


def test_metadata_file_becomes_ready(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_messages: list[logging.LogRecord]
) -> None:
    """A metadata file the agent has not finished: failing, then ready within the backoff
    once the agent writes READY."""
    path = tmp_path / "ecs-container-metadata.json"
    shutil.copy(FIXTURES / "container_metadata_file_initial_awsdocs.json", path)
    monkeypatch.setenv("ECS_CONTAINER_METADATA_FILE", str(path))
    context = EcsContext()
    assert context.wait_ready(5) is False
    status = context.status()
    assert ("failing", "file", str(path)) == (status.state, status.source, status.location)
    assert "READY" in (status.last_error or "")
    shutil.copy(FIXTURES / "container_metadata_file_ready_awsdocs.json", path)
    assert wait_until(lambda: context.status().state == "ready", timeout=5.0)
    assert "simple-app" == context.fields()["ecs_container_name"]
    assert [logging.WARNING, logging.INFO] == [r.levelno for r in own_messages]


def test_close_keeps_the_last_snapshot(mock_on_v4: MockEndpoint) -> None:
    """``close()`` stops refreshing; the fields stay in use."""
    context = ready_context()
    context.close()
    assert EC2_DEFAULT == context.fields()
    assert "ready" == context.status().state


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork() is not available")
@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
def test_forked_child_refreshes_after_its_ttl(
    loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked child keeps the inherited snapshot, then refreshes on its own after the TTL."""
    serve_task(loopback, sample_task("EC2"))
    monkeypatch.setenv(V4, v4_uri(loopback))
    context = ready_context(ttl=1)
    changed = sample_task("EC2")
    changed["Revision"] = "8"

    def child() -> list[str | None]:
        first = context.fields().get("ecs_task_revision")
        wait_until(lambda: context.fields().get("ecs_task_revision") == "8", timeout=5.0)
        return [first, context.fields().get("ecs_task_revision")]

    serve_task(loopback, changed)  # the parent may refresh too: the child's snapshot is its own
    assert ["7", "8"] == run_in_fork(child)


# -- found in review ------------------------------------------------------------------------


def test_a_failing_field_build_never_deadlocks_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug building the fields is logged outside the context's lock: no log call hangs.

    The library's own error record reaches a handler whose filter is still waiting for the
    first answer; it used to take the lock the fetching thread held, forever.
    """
    from ecs_log_context import _enricher as enricher

    def broken(*args: object) -> dict[str, object]:
        raise RuntimeError("bug in the field builder")

    monkeypatch.setattr(enricher, "build_fields", broken)
    with MockEndpoint(latency=0.2) as mock:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.addFilter(EcsContextFilter(environ=mock.environ(), timeout=0.5))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        done = threading.Event()

        def log_twice() -> None:
            logging.getLogger("app").info("one")
            logging.getLogger("app").info("two")
            done.set()

        threading.Thread(target=log_twice, daemon=True).start()
        assert done.wait(10)
        assert wait_until(lambda: "could not build the fields" in stream.getvalue(), 10)
    assert "one\n" in stream.getvalue()


def test_close_during_the_first_fetch_releases_waiters() -> None:
    """close() before the first answer: wait_ready() returns at once; refresh() asks nothing."""
    with MockEndpoint(latency=0.5) as mock:
        context = EcsContext(environ=mock.environ())
        context.close()
        started = time.monotonic()
        assert context.wait_ready() is False
        assert time.monotonic() - started < 0.4
        assert wait_until(lambda: not context._fetch_lock.locked(), 10)  # the fetch in flight
        asked = mock.request_count
        context.refresh()
        assert asked == mock.request_count
        assert context._client is None
