"""The one declaration each model field makes, and the reading and writing derived from it.

A field of a model declares its JSON key once, in its annotation::

    memory: Annotated[int | None, "Memory"] = None

and its type says what the key may hold:

==========================  ==============================================================
``str | None``              a string of at most 64 KiB
``str``                     a non-empty string that must be present (``TaskARN``)
``int | None``              an integer (``512.0`` too), not a bool
``float | None``            an integer or a finite float, kept as it is
``bool | None``             ``true`` or ``false``
``datetime | None``         an RFC 3339 timestamp, up to nine fractional digits
``SomeModel | None``        an object, read by that model
``tuple[X, ...]``           an array of X
``Mapping[str, X]``         an object of any keys, each value an X
==========================  ==============================================================

A dotted key (``"cpu_usage.total_usage"``) is a key of an object the model flattens into its own.
A `Key` says more than the name: another spelling read when the key is missing, or a check of its
own. ``from_json``, ``to_dict`` and ``raw`` (the keys no field declares) all follow from these
declarations, gathered on a model's first use. The model modules do not postpone their
annotations (no ``from __future__ import annotations``): made at import they cost little, where
evaluating strings on the first fetch cost about 0.1 ms a field.
"""

from __future__ import annotations

import copy
import inspect
import types
from collections.abc import Callable, Mapping
from dataclasses import field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin, get_type_hints

from ._reader import Item, Reader, model, scalar
from ._values import as_bool, as_int, as_number, as_text, as_time

if TYPE_CHECKING:
    from typing_extensions import Self

_CHECKS: dict[object, Callable[[object], Any]] = {
    str: as_text,
    int: as_int,
    float: as_number,
    bool: as_bool,
    datetime: as_time,
}

_UNIONS: tuple[object, ...] = (Union, types.UnionType)


class Key:
    """A field's JSON key, when the name alone does not say everything.

    Args:
        name: the key the field is read from and written to.
        fallback: another spelling, read only when ``name`` is missing, never written.
        check: the check of the key's values, instead of the one its type implies (one of the
            ``as_*`` functions of ``_values``).
    """

    __slots__ = ("check", "fallback", "name")

    def __init__(
        self,
        name: str,
        *,
        fallback: str | None = None,
        check: Callable[[object], Any] | None = None,
    ) -> None:
        self.name, self.fallback, self.check = name, fallback, check


def empty() -> Any:
    """The default of a mapping field and of ``raw``: an empty read-only mapping."""
    return field(default_factory=lambda: MappingProxyType({}))


class _Field:
    """One field of a model: its attribute, its key path, and how its value is read."""

    __slots__ = ("attribute", "fallback", "key", "parents", "read_key")

    def __init__(self, attribute: str, hint: Any) -> None:
        declared = hint.__metadata__[0]
        key = declared if isinstance(declared, Key) else Key(declared)
        *parents, self.key = key.name.split(".")
        self.attribute, self.parents, self.fallback = attribute, tuple(parents), key.fallback
        self.read_key = _reading(hint.__origin__, key.check, attribute)

    def read(self, r: Reader) -> Any:
        for parent in self.parents:
            r = r.nested(parent)
        value = self.read_key(r, self.key)
        if value is None and self.fallback is not None:
            value = self.read_key(r, self.fallback)
        return value

    def write(self, out: dict[str, Any], value: Any) -> None:
        for parent in self.parents:
            out = out.setdefault(parent, {})
        out[self.key] = value


def _reading(
    hint: Any, check: Callable[[object], Any] | None, attribute: str
) -> Callable[[Reader, str], Any]:
    """How a field of type ``hint`` reads its key."""
    origin, args = get_origin(hint), get_args(hint)
    if origin in _UNIONS and len(args) == 2 and type(None) in args:
        item = _item(args[0] if args[1] is type(None) else args[1], check, attribute)
        return lambda r, key: r.value(key, item)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _item(args[0], check, attribute)
        return lambda r, key: r.array(key, item)
    if origin is Mapping and args[0] is str:
        item = _item(args[1], check, attribute)
        return lambda r, key: r.mapping(key, item)
    if hint is str and check is None:
        return Reader.required_text
    raise TypeError(f"{attribute}: no JSON form for {hint!r}")


def _item(hint: Any, check: Callable[[object], Any] | None, attribute: str) -> Item[Any]:
    if check is not None:
        return scalar(check)
    if isinstance(hint, type) and issubclass(hint, Model):
        return model(hint._read)
    if hint in _CHECKS:
        return scalar(_CHECKS[hint])
    raise TypeError(f"{attribute}: no JSON form for {hint!r}")


_fields_of: dict[type, tuple[_Field, ...]] = {}


def fields_of(cls: type[Model]) -> tuple[_Field, ...]:
    """The JSON fields of a model, in declaration order (which is also the order of reading)."""
    try:
        return _fields_of[cls]
    except KeyError:
        hints: dict[str, Any] = inspect.get_annotations(cls)
        if any(isinstance(hint, str) for hint in hints.values()):
            # Postponed annotations (see above): right, but slow to evaluate.
            hints = get_type_hints(cls, include_extras=True)
        fields = tuple(
            _Field(name, hint) for name, hint in hints.items() if get_origin(hint) is Annotated
        )
        return _fields_of.setdefault(cls, fields)


def _to_json(value: object) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_to_json(item) for item in value]
    if isinstance(value, Mapping):
        return {k: _to_json(v) for k, v in value.items()}
    return value


def _merge(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(into.get(key), dict) and isinstance(value, Mapping):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


class Model:
    """What every model has: ``from_json``, ``to_dict`` and ``raw``, all from its declarations."""

    __slots__ = ()
    _what = "task metadata"
    if TYPE_CHECKING:
        raw: Mapping[str, Any]

    @classmethod
    def from_json(cls, obj: object, *, url: str = "<document>") -> Self:
        """Validate a decoded JSON document and build the model from it.

        Args:
            obj: the document, as ``json.loads`` returns it.
            url: where the document came from, for error messages.

        Returns:
            The model; keys it does not know are in its ``raw``.

        Raises:
            InvalidMetadataError: ``obj`` is not a JSON object, a known key holds a value of the
                wrong type, or a required key is missing.
        """
        return cls._read(Reader(obj, what=cls._what, url=url))

    @classmethod
    def _read(cls, r: Reader) -> Self:
        build: Callable[..., Self] = cls
        values = {f.attribute: f.read(r) for f in fields_of(cls)}
        return build(**values, raw=r.rest())

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON-ready data, with the original key names, merged with ``raw``.

        Timestamps are ISO 8601 strings in UTC ending in ``Z``; attributes that are ``None`` or
        empty are left out, as the agent leaves them out.
        """
        out: dict[str, Any] = {}
        for f in fields_of(type(self)):
            value = _to_json(getattr(self, f.attribute))
            if value is not None and not (isinstance(value, (list, dict)) and not value):
                f.write(out, value)
        _merge(out, self.raw)
        return out
