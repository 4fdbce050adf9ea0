"""The shapes the per-record paths rely on for their speed (measured in `benchmarks`).

Each rule here came from a measurement: a mixin's slots on a class with a ``__dict__`` made
every ``self.x`` slower on CPython 3.13 (152 against 92 ns for a method reading one
attribute); a class swapped in ``__init__`` cost a filter 40-80 ns a record; ``if plain:`` on
a dict costs about 20 ns more than ``is not None`` on 3.13. These tests keep the shapes; the
benchmarks keep the figures.
"""

from __future__ import annotations

import logging
import types

import pytest

from ecs_log_context import (
    EcsContextFilter,
    EcsContextPatcher,
    EcsContextProcessor,
    EcsJsonFormatter,
    EcsMsgspecFormatter,
    EcsOrjsonFormatter,
)
from ecs_log_context.mock.server import MockEndpoint

from .child_processes import DEFAULT_KEYS

WITH_DICT = [EcsContextFilter, EcsJsonFormatter, EcsOrjsonFormatter, EcsMsgspecFormatter]


@pytest.mark.parametrize("cls", WITH_DICT, ids=lambda cls: cls.__name__)
def test_no_class_of_ours_adds_slots_to_an_instance_with_a_dict(cls: type) -> None:
    ours = [c for c in cls.__mro__ if c.__module__.startswith("ecs_log_context")]
    slotted = {
        c.__name__: name
        for c in ours
        for name, value in vars(c).items()
        if isinstance(value, types.MemberDescriptorType)
    }
    assert {} == slotted


def _record() -> logging.LogRecord:
    return logging.LogRecord("t", logging.INFO, __file__, 1, "m", None, None)


def _nothing_to_add(case: str, mock: MockEndpoint) -> dict[str, str]:
    """Off ECS (no variable at all), or disabled where the endpoint does answer."""
    return {} if case == "off-ecs" else {**mock.environ(), "ECS_LOG_CONTEXT_ENABLED": "false"}


NOTHING_TO_ADD = pytest.mark.parametrize("case", ["off-ecs", "disabled"])


@NOTHING_TO_ADD
def test_a_filter_with_nothing_to_add_ever_passes_records_untouched(
    case: str, mock: MockEndpoint
) -> None:
    environ = _nothing_to_add(case, mock)
    ecs_filter = EcsContextFilter(environ=environ)
    record = _record()
    before = dict(record.__dict__)
    assert ecs_filter.filter(record) is True
    assert before == record.__dict__
    assert type(ecs_filter) is EcsContextFilter  # no class swapped in
    assert "filter" in vars(ecs_filter)  # the pass-through, without binding


def test_a_disabled_filter_with_a_default_still_adds_it() -> None:
    ecs_filter = EcsContextFilter(environ={"ECS_LOG_CONTEXT_ENABLED": "false"}, default="-")
    record = _record()
    assert ecs_filter.filter(record) is True
    assert all(record.__dict__[key] == "-" for key in DEFAULT_KEYS)
    assert "filter" not in vars(ecs_filter)


def test_an_enabled_filter_keeps_its_class_method(mock: MockEndpoint) -> None:
    ecs_filter = EcsContextFilter(environ=mock.environ())
    assert "filter" not in vars(ecs_filter)
    record = _record()
    ecs_filter.filter(record)
    assert mock.task["TaskARN"] == record.__dict__["ecs_task_arn"]


def test_the_nested_filter_keeps_its_class_and_gives_each_record_its_own_dict(
    mock: MockEndpoint,
) -> None:
    ecs_filter = EcsContextFilter(environ={**mock.environ(), "ECS_LOG_CONTEXT_STYLE": "nested"})
    assert type(ecs_filter) is EcsContextFilter
    first, second = _record(), _record()
    ecs_filter.filter(first)
    ecs_filter.filter(second)
    assert first.__dict__["ecs"] == second.__dict__["ecs"]
    assert first.__dict__["ecs"] is not second.__dict__["ecs"]
    first.__dict__["ecs"]["cluster"] = "edited"
    assert second.__dict__["ecs"]["cluster"] != "edited"


@NOTHING_TO_ADD
def test_a_processor_with_nothing_to_add_ever_returns_the_event_dict_itself(
    case: str, mock: MockEndpoint
) -> None:
    environ = _nothing_to_add(case, mock)
    processor = EcsContextProcessor(environ=environ)
    event_dict = {"event": "x"}
    assert processor(None, "info", event_dict) is event_dict
    assert {"event": "x"} == event_dict
    assert "_pass" == processor.func.__name__


def test_an_enabled_processor_with_fields_returns_a_new_dict(mock: MockEndpoint) -> None:
    processor = EcsContextProcessor(environ=mock.environ())
    event_dict = {"event": "x"}
    got = processor(None, "info", event_dict)
    assert got is not event_dict
    assert {"event": "x"} == event_dict
    assert mock.task["TaskARN"] == got["ecs_task_arn"]
    own = processor(None, "info", {"event": "x", "ecs_cluster": "mine"})
    assert "mine" == own["ecs_cluster"]
    assert "_keep" == processor.func.__name__


def test_the_patcher_off_ecs_leaves_extra_as_it_was() -> None:
    patcher = EcsContextPatcher(environ={})
    record = {"extra": {"mine": 1}}
    patcher(record)
    assert {"extra": {"mine": 1}} == record
