"""ECS_LOG_CONTEXT_DEBUG: the library's own messages on stderr, whatever logging's setup."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ecs_log_context.mock.server import MockEndpoint

from .child_processes import base_environ

# Builds the filter before any logging setup (the README's order), logs one line through a
# handler of its own on stdout, and stops: the library's messages can only reach stderr
# through the debug switch.
_APP = """
import logging, sys
from ecs_log_context import EcsContextFilter
log_filter = EcsContextFilter()
log_filter.context.wait_ready(5)
handler = logging.StreamHandler(sys.stdout)
handler.addFilter(log_filter)
logging.basicConfig(level=logging.INFO, handlers=[handler], format="%(message)s")
logging.getLogger("app").info("order placed")
"""


def _run(**environ: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _APP],
        env=base_environ(**environ),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@pytest.mark.parametrize("value", ["true", "1", "ON"])
def test_debug_sends_the_library_s_messages_to_stderr(value: str) -> None:
    """A source forced without its variable warns once; the switch puts it on stderr."""
    done = _run(ECS_LOG_CONTEXT_SOURCE="v4", ECS_LOG_CONTEXT_DEBUG=value)
    lines = [line for line in done.stderr.splitlines() if "ECS_CONTAINER_METADATA_URI_V4" in line]
    assert 1 == len(lines), done.stderr
    assert " ecs_log_context WARNING " in lines[0]
    assert "order placed" == done.stdout.strip()  # not repeated through the root handler


def test_without_debug_the_message_is_not_on_stderr() -> None:
    """The README's order (the filter before basicConfig): the warning reaches nobody."""
    done = _run(ECS_LOG_CONTEXT_SOURCE="v4")
    assert "" == done.stderr
    assert "order placed" == done.stdout.strip()


def test_debug_shows_the_ready_line_at_info(mock: MockEndpoint) -> None:
    """INFO messages too (the logger is set to DEBUG): the ready line names the task."""
    done = _run(ECS_LOG_CONTEXT_DEBUG="true", **mock.environ())
    assert "ECS log context ready: task arn:aws:ecs:" in done.stderr, done.stderr
    assert " INFO " in done.stderr


@pytest.mark.parametrize("value", ["false", "0", "off", ""])
def test_debug_false_is_off(value: str) -> None:
    """false and its spellings leave the library silent."""
    done = _run(ECS_LOG_CONTEXT_SOURCE="v4", ECS_LOG_CONTEXT_DEBUG=value)
    assert "" == done.stderr


def test_a_debug_value_that_cannot_be_used_is_said_once_and_changes_nothing() -> None:
    """The import must not fail: one line on stderr names the variable and what is accepted."""
    done = _run(ECS_LOG_CONTEXT_SOURCE="v4", ECS_LOG_CONTEXT_DEBUG="verbose")
    assert 1 == len(done.stderr.splitlines()), done.stderr
    assert "ECS_LOG_CONTEXT_DEBUG='verbose' cannot be used: expected true or false" in done.stderr
    assert "order placed" == done.stdout.strip()
