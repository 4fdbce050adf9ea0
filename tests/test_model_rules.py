"""The rules every model keeps: frozen, keyword-only, slotted values, and the longest string.

The fixtures and the wrong-type tables of ``test_models`` read documents; these tests pin what
the declarations themselves promise, for every model class, so that a model declared without
one of them is caught even when no document would show it.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from typing import Annotated, Any

import pytest

import ecs_log_context.models
from ecs_log_context.errors import InvalidMetadataError
from ecs_log_context.models import (
    AgentError,
    ContainerMetadata,
    ContainerStats,
    TaskMetadata,
    parse_task_stats,
)
from ecs_log_context.models._schema import Key, Model, empty
from ecs_log_context.models._values import as_revision

MODEL_CLASSES: list[type[Any]] = [
    value
    for value in map(ecs_log_context.models.__dict__.get, ecs_log_context.models.__all__)
    if isinstance(value, type)
]
"""Every model the package exports (``test_models`` checks that list against the fixtures)."""

MAX_STRING = 64 * 1024
"""The longest string a typed field accepts, as the models document it (64 KiB)."""


def build(cls: type[Any]) -> Any:
    """An instance of ``cls`` with every field at its default (``TaskMetadata`` needs its ARN)."""
    return cls(task_arn="arn:t") if cls is TaskMetadata else cls()


def first_field(cls: type[Any]) -> str:
    return dataclasses.fields(cls)[0].name


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
def test_every_model_is_frozen(cls: type[Any]) -> None:
    """No attribute of a model can be set once it is built: models are shared between threads."""
    model = build(cls)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(model, first_field(cls), None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.raw = {}


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
def test_every_model_is_built_by_keyword_only(cls: type[Any]) -> None:
    """A positional argument is refused: adding a field can never shift another's value."""
    with pytest.raises(TypeError):
        cls(None)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
def test_every_model_is_slotted(cls: type[Any]) -> None:
    """Models keep no per-instance dict: one fetch builds dozens of them, every refresh again."""
    assert not hasattr(build(cls), "__dict__")


STATS_MODELS = frozenset(
    [
        "ContainerStats",
        "CpuStats",
        "MemoryStats",
        "NetworkStats",
        "NetworkRateStats",
        "ThrottlingData",
    ]
)


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda cls: cls.__name__)
def test_every_model_read_alone_names_what_it_reads(cls: type[Any]) -> None:
    """Read on its own, a model's error says which document it is, and ``<document>`` as URL.

    The stats models say ``container stats``, the container ``container metadata``, and the
    task with its parts ``task metadata``.
    """
    if cls.__name__ in STATS_MODELS:
        expected = "container stats"
    elif cls is ContainerMetadata:
        expected = "container metadata"
    else:
        expected = "task metadata"
    with pytest.raises(InvalidMetadataError) as caught:
        cls.from_json([])
    assert (expected, "<document>", "expected a JSON object, got [] (list)") == (
        caught.value.what,
        caught.value.url,
        caught.value.detail,
    )


@pytest.mark.parametrize(
    ("parse", "document"),
    [
        (TaskMetadata.from_json, lambda text: {"TaskARN": "arn:t", "Cluster": text}),
        (TaskMetadata.from_json, lambda text: {"TaskARN": text}),
        (ContainerMetadata.from_json, lambda text: {"Labels": {"k": text}}),
        (ContainerStats.from_json, lambda text: {"networks": {"eth0": {}}, "name": text}),
        (lambda d: parse_task_stats(d)["c"], lambda text: {"c": {"id": text}}),
    ],
    ids=["optional", "required", "mapping-value", "stats", "task-stats"],
)
def test_the_longest_string_is_64_kib(parse: Any, document: Any) -> None:
    """A string of exactly 65,536 characters is read whole; one character more is refused."""
    longest = "x" * MAX_STRING
    model = parse(document(longest))
    assert longest in repr(model)
    with pytest.raises(InvalidMetadataError) as caught:
        parse(document(longest + "x"))
    assert "expected a string of at most 65536 characters, got 'xxx" in caught.value.detail


def test_an_int_too_long_to_print_is_still_a_wrong_type() -> None:
    """An int beyond Python's digit limit in a text field is an InvalidMetadataError, shown short.

    ``repr`` of such an int raises ValueError: the message names it instead of failing.
    """
    with pytest.raises(InvalidMetadataError) as caught:
        TaskMetadata.from_json({"TaskARN": "arn:t", "Cluster": 10**5000})
    assert "Cluster: expected a string, got a huge number (int)" == caught.value.detail


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ("k" * 100, "k" * 100),
        ("k" * 101, "k" * 97 + "..."),
        ("k" * 5000, "k" * 97 + "..."),
    ],
    ids=["100-chars", "101-chars", "5000-chars"],
)
def test_a_long_key_is_shortened_in_the_key_path(key: str, shown: str) -> None:
    """A key of up to 100 characters is named whole; a longer one is cut to 97 and ``...``."""
    with pytest.raises(InvalidMetadataError) as caught:
        ContainerMetadata.from_json({"Labels": {key: 5}})
    assert f"Labels[{shown!r}]: expected a string, got 5 (int)" == caught.value.detail


# -- what a field may declare ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class NoneFirst(Model):
    """An optional written with ``None`` first: the same field as ``int | None``."""

    count: Annotated[None | int, "Count"] = None  # noqa: RUF036 -- the order under test
    raw: Mapping[str, Any] = empty()


def test_an_optional_may_name_none_first() -> None:
    """``None | int`` reads and checks an int, as ``int | None`` does."""
    assert 3 == NoneFirst.from_json({"Count": 3}).count
    with pytest.raises(InvalidMetadataError) as caught:
        NoneFirst.from_json({"Count": "3"})
    assert "Count: expected an integer, got '3' (str)" == caught.value.detail


def declared(name: str, hint: Any) -> type[Model]:
    """A model with one field ``value`` declared as ``hint`` (annotations are objects here)."""
    cls = type(name, (Model,), {"__annotations__": {"value": hint, "raw": Mapping[str, Any]}})
    cls.value = None  # type: ignore[attr-defined]
    cls.raw = empty()  # type: ignore[attr-defined]
    return dataclasses.dataclass(frozen=True, slots=True, kw_only=True)(cls)


@pytest.mark.parametrize(
    ("hint", "shown"),
    [
        (Annotated[int | str | None, "Value"], "int | str | None"),
        (Annotated[int | str, "Value"], "int | str"),
        (Annotated[tuple[int, int], "Value"], "tuple[int, int]"),
        (Annotated[tuple[int], "Value"], "tuple[int]"),
        (Annotated[Mapping[int, str], "Value"], "collections.abc.Mapping[int, str]"),
        (Annotated[int, "Value"], "<class 'int'>"),
        (Annotated[str, Key("Value", check=as_revision)], "<class 'str'>"),
        (Annotated[list[int] | None, "Value"], "list[int]"),
        (Annotated[tuple[bytes, ...], "Value"], "<class 'bytes'>"),
    ],
    ids=[
        "two-types-and-none",
        "two-types",
        "fixed-tuple",
        "one-tuple",
        "int-keys",
        "required-int",
        "required-str-with-check",
        "list",
        "bytes-items",
    ],
)
def test_a_field_of_no_json_form_is_refused(hint: Any, shown: str) -> None:
    """A declaration the reader has no rule for is a TypeError naming the field, on first use.

    Only the forms of the table in ``_schema`` are read; anything else is a mistake in the
    model, never a value silently read under another rule.
    """
    cls = declared("Odd", hint)
    with pytest.raises(TypeError) as caught:
        cls.from_json({"Value": 1})
    assert f"value: no JSON form for {shown}" == str(caught.value)


# -- messages and the package's own names ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("a" * 58, "'" + "a" * 58 + "'"),
        ("a" * 59, "'" + "a" * 27 + "..." + "a" * 28 + "'"),
    ],
    ids=["fits-in-60", "one-over"],
)
def test_a_wrong_string_is_shown_in_at_most_60_characters(value: str, shown: str) -> None:
    """A wrong value is quoted whole up to 60 characters (quotes included), else cut in two."""
    with pytest.raises(InvalidMetadataError) as caught:
        ContainerMetadata.from_json({"ExitCode": value})
    assert f"ExitCode: expected an integer, got {shown} (str)" == caught.value.detail
    assert len(shown) <= 60


def test_the_deprecated_name_warns_where_it_is_used() -> None:
    """``TaskMetadataError`` warns once per use, pointing at the line that used it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        former = ecs_log_context.models.TaskMetadataError
    assert former is AgentError
    assert [(DeprecationWarning, __file__)] == [(w.category, w.filename) for w in caught]


def test_an_unknown_name_of_the_package_is_an_attribute_error() -> None:
    """Any other missing name fails as a module's missing attribute does."""
    with pytest.raises(AttributeError) as caught:
        _ = ecs_log_context.models.TaskMetadataErrors  # type: ignore[attr-defined]
    assert "module 'ecs_log_context.models' has no attribute 'TaskMetadataErrors'" == str(
        caught.value
    )
