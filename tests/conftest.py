"""Shared fixtures: a clean environment, fresh contexts, restored logging, the package's mock
endpoint, loopback servers, the library's own messages."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ecs_log_context.context import EcsContext
from ecs_log_context.installation import uninstall
from ecs_log_context.mock.server import MockEndpoint

from .capture import library_records
from .child_processes import is_ecs_or_proxy
from .loopback import LoopbackServer
from .waiting import settle_threads


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts off ECS: no metadata variables, no proxies."""
    for name in list(os.environ):
        if is_ecs_or_proxy(name):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def fresh_contexts() -> Iterator[None]:
    """Contexts made by a test are stopped and forgotten after it, and `install()` undone."""
    yield
    uninstall()
    EcsContext.reset_all()


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Handlers, filters and levels of the root logger and ours come back as they were."""
    saved = []
    for name in (None, "ecs_log_context", "httpx", "httpcore"):
        log = logging.getLogger(name)
        saved.append((log, list(log.handlers), list(log.filters), log.level, log.propagate))
    yield
    for log, handlers, filters, level, propagate in saved:
        log.handlers[:] = handlers
        log.filters[:] = filters
        log.setLevel(level)
        log.propagate = propagate


@pytest.fixture
def start_mock() -> Iterator[Callable[..., MockEndpoint]]:
    """Start mock endpoints: ``start_mock(**options)`` takes `MockEndpoint`'s options; every
    one started is stopped after the test."""
    started: list[MockEndpoint] = []

    def start(**options: Any) -> MockEndpoint:
        mock = MockEndpoint(**options).start()
        started.append(mock)
        return mock

    try:
        yield start
    finally:
        for mock in started:
            mock.stop()


@pytest.fixture
def mock(request: pytest.FixtureRequest, start_mock: Callable[..., MockEndpoint]) -> MockEndpoint:
    """The package's mock endpoint, started for the test on a free port: the EC2 sample, or
    the launch type the test parametrizes it with,
    ``@pytest.mark.parametrize("mock", ["FARGATE"], indirect=True)``."""
    return start_mock(launch_type=getattr(request, "param", "EC2"))


@pytest.fixture
def mock_on_v4(mock: MockEndpoint, monkeypatch: pytest.MonkeyPatch) -> MockEndpoint:
    """`mock`, with ``ECS_CONTAINER_METADATA_URI_V4`` pointing at it."""
    monkeypatch.setenv("ECS_CONTAINER_METADATA_URI_V4", mock.v4_uri)
    return mock


@pytest.fixture
def loopback() -> Iterator[LoopbackServer]:
    """A loopback server whose answers the test scripts (every path a 404 until then)."""
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def own_messages() -> Iterator[list[logging.LogRecord]]:
    """Every record on the ``ecs_log_context`` logger, INFO and above, from now on (once the
    refreshers of earlier tests have ended)."""
    settle_threads()
    with library_records(logging.INFO) as said:
        yield said.records
