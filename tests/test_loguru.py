"""`EcsContextPatcher` under loguru's own features: bind, contextualize, ``then=``,
``serialize=True`` and ``enqueue=True``, against the mock.

The behaviours every integration shares (styles, sources, renames, tags, start-up) run for
``loguru`` in test_integrations; these are loguru's own.
"""

from __future__ import annotations

import importlib
import io
import json
import sys
from typing import Any

import pytest

from ecs_log_context import ConfigurationError, EcsContextPatcher
from ecs_log_context.mock.server import MockEndpoint

from .child_processes import enriched

pytest.importorskip("loguru")


def new_logger() -> Any:
    """A loguru logger of the test's own, not the process's global one."""
    internals: Any = importlib.import_module("loguru._logger")
    return internals.Logger(internals.Core(), None, 0, *[False] * 4, True, [], {})


def ready(patcher: EcsContextPatcher) -> EcsContextPatcher:
    assert patcher.context.wait_ready(5.0), patcher.context.status()
    return patcher


def test_bound_and_contextualized_keys_win(mock_on_v4: MockEndpoint) -> None:
    logger = new_logger()
    records: list[dict[str, Any]] = []
    logger.configure(
        handlers=[{"sink": lambda m: records.append(m.record), "format": "{message}"}],
        patcher=ready(EcsContextPatcher()),
    )
    with logger.contextualize(ecs_task_family="contextual"):
        logger.bind(ecs_cluster="bound").info("one")
    logger.info("two")
    first, second = (record["extra"] for record in records)
    assert "bound" == first["ecs_cluster"]
    assert "contextual" == first["ecs_task_family"]
    assert mock_on_v4.task["TaskARN"] == first["ecs_task_arn"]
    assert enriched(second, mock_on_v4)


def test_then_is_called_after_with_the_fields(mock_on_v4: MockEndpoint) -> None:
    seen: list[dict[str, Any]] = []

    def mine(record: dict[str, Any]) -> None:
        seen.append(dict(record["extra"]))
        record["extra"]["mine"] = True

    logger = new_logger()
    records: list[dict[str, Any]] = []
    logger.configure(
        handlers=[{"sink": lambda m: records.append(m.record), "format": "{message}"}],
        patcher=ready(EcsContextPatcher(then=mine)),
    )
    logger.info("chained")
    assert enriched(seen[0], mock_on_v4)  # the fields were in before it ran
    assert records[0]["extra"]["mine"] is True


@pytest.mark.parametrize("style", ["nested", "flat"])
def test_then_with_overwrite_and_styles(mock_on_v4: MockEndpoint, style: str) -> None:
    calls: list[str] = []
    patcher = ready(EcsContextPatcher(then=lambda r: calls.append(r["message"]), style=style))
    overwriting = EcsContextPatcher(then=lambda r: calls.append("o"), overwrite=True)
    record: dict[str, Any] = {"message": "m", "extra": {"ecs_cluster": "bound"}}
    patcher(record)
    assert ["m"] == calls
    overwriting(record)
    assert ["m", "o"] == calls
    assert "demo-cluster" == record["extra"]["ecs_cluster"]


def test_then_must_be_callable() -> None:
    with pytest.raises(TypeError, match=r"then='no' cannot be used: expected a patcher"):
        EcsContextPatcher(then="no")  # type: ignore[arg-type]


def test_bad_option_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="bogus"):
        EcsContextPatcher(style="bogus")


def test_serialize_writes_the_fields_in_extra(mock_on_v4: MockEndpoint) -> None:
    logger = new_logger()
    out = io.StringIO()
    logger.configure(
        handlers=[{"sink": out, "serialize": True}], patcher=ready(EcsContextPatcher())
    )
    logger.bind(request_id="r1").info("serialized")
    line = json.loads(out.getvalue().splitlines()[-1])
    extra = line["record"]["extra"]
    assert enriched(extra, mock_on_v4)
    assert "r1" == extra["request_id"]


def test_enqueue_carries_the_fields_through_the_queue(mock_on_v4: MockEndpoint) -> None:
    logger = new_logger()
    records: list[dict[str, Any]] = []
    logger.configure(
        handlers=[{"sink": lambda m: records.append(m.record), "enqueue": True}],
        patcher=ready(EcsContextPatcher()),
    )
    for number in range(20):
        logger.bind(number=number).info("queued")
    logger.complete()
    logger.remove()
    assert 20 == len(records)
    assert all(enriched(record["extra"], mock_on_v4) for record in records)


def test_format_string_with_default_off_ecs() -> None:
    logger = new_logger()
    out = io.StringIO()
    logger.configure(
        handlers=[{"sink": out, "format": "[{extra[ecs_cluster]}] {message}"}],
        patcher=EcsContextPatcher(default="-"),
    )
    logger.info("off ECS")
    assert "[-] off ECS\n" == out.getvalue()


def test_without_the_patcher_nothing_is_added(mock_on_v4: MockEndpoint) -> None:
    logger = new_logger()
    records: list[dict[str, Any]] = []
    logger.configure(handlers=[{"sink": lambda m: records.append(m.record)}])
    logger.info("plain")
    assert not enriched(records[0]["extra"], mock_on_v4)
    assert {} == records[0]["extra"]


def test_repr_names_style_fields_and_then() -> None:
    assert "style='flat'" in repr(EcsContextPatcher())
    assert "then=<built-in function print>" in repr(EcsContextPatcher(then=print))


def test_loguru_is_not_imported_by_the_package() -> None:
    import subprocess

    code = (
        "import sys, ecs_log_context as e; e.EcsContextPatcher(); e.install(); "
        "print('loguru' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "False" == done.stdout.strip()


def test_pickled_as_its_options(mock_on_v4: MockEndpoint) -> None:
    """loguru pickles its logger, configured patcher included, into the processes it is
    passed to: the patcher travels as its options and is rebuilt there."""
    import pickle

    patcher = EcsContextPatcher(style="otel", default="-", then=print)
    again = pickle.loads(pickle.dumps(patcher))  # noqa: S301 -- our own bytes
    assert isinstance(again, EcsContextPatcher)
    assert "otel" == again.settings.style
    assert again.context is patcher.context  # same process, same settings: one context
    logger = new_logger()
    logger.configure(handlers=[{"sink": io.StringIO()}], patcher=patcher)
    pickle.dumps(logger)


def test_with_its_own_context_it_says_why_it_cannot_be_pickled(mock_on_v4: MockEndpoint) -> None:
    import pickle

    from ecs_log_context import EcsContext

    with pytest.raises(TypeError, match="with context= cannot be pickled"):
        pickle.dumps(EcsContextPatcher(context=EcsContext.default()))
