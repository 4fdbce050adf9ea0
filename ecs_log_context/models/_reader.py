"""One JSON object being read into a model, key by key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from ..errors import InvalidMetadataError
from ._values import WrongType, as_int, as_revision, as_text, invalid, key_repr

T = TypeVar("T")

Item = Callable[["Reader", str, object], T]
"""Reads one JSON value found at a key path inside a `Reader`'s object (or raises)."""


def scalar(convert: Callable[[object], T]) -> Item[T]:
    """The item of a value that ``convert`` checks (one of the ``as_*`` functions)."""
    return lambda r, path, value: r.convert(path, value, convert)


def model(read: Callable[[Reader], T]) -> Item[T]:
    """The item of an object that ``read`` (a model's ``_read``) builds a model from."""
    return lambda r, path, value: read(r.child(path, value))


class Reader:
    """One JSON object being read into a model.

    The getters mark their key as known and return ``None`` (or an empty collection) for a missing
    or ``null`` key; a value of the wrong type raises InvalidMetadataError naming its key path.
    ``rest()`` returns the keys no getter asked for.

    Args:
        value: the decoded JSON value that should be an object.
        what: what is being read, for error messages (``"task metadata"``).
        url: where it came from, for error messages.
        path: the key path of ``value`` in its document (``Containers[1].Limits``).
    """

    __slots__ = ("_data", "_nested", "_path", "_seen", "url", "what")

    def __init__(self, value: object, *, what: str, url: str, path: str = "") -> None:
        if not isinstance(value, dict):
            raise invalid(what, url, path, "a JSON object", value)
        self.what, self.url, self._path = what, url, path
        self._data: dict[str, Any] = value
        self._seen: set[str] = set()
        self._nested: dict[str, Reader] = {}

    def at(self, key: str) -> str:
        """The key path of ``key`` in this object."""
        return f"{self._path}.{key}" if self._path else key

    def convert(self, path: str, value: object, convert: Callable[[object], T]) -> T:
        """``convert(value)``, its WrongType raised as InvalidMetadataError naming ``path``."""
        try:
            return convert(value)
        except WrongType as wrong:
            raise invalid(self.what, self.url, path, wrong.expected, value) from None

    def child(self, path: str, value: object) -> Reader:
        """A reader of ``value``, found at ``path`` of this object's document."""
        return Reader(value, what=self.what, url=self.url, path=path)

    def _get(self, key: str) -> Any:
        self._seen.add(key)
        return self._data.get(key)

    def value(self, key: str, item: Item[T]) -> T | None:
        """The value at ``key``, read by ``item``."""
        value = self._get(key)
        return None if value is None else item(self, self.at(key), value)

    def array(self, key: str, item: Item[T]) -> tuple[T, ...]:
        """An array, each entry read by ``item``."""
        value = self._get(key)
        if value is None:
            return ()
        path = self.at(key)
        if not isinstance(value, list):
            raise invalid(self.what, self.url, path, "a JSON array", value)
        return tuple(item(self, f"{path}[{i}]", entry) for i, entry in enumerate(value))

    def mapping(self, key: str, item: Item[T]) -> Mapping[str, T]:
        """An object of any keys (labels, tags, interfaces), each value read by ``item``."""
        value = self._get(key)
        if value is None:
            return MappingProxyType({})
        path = self.at(key)
        if not isinstance(value, dict):
            raise invalid(self.what, self.url, path, "a JSON object", value)
        return MappingProxyType(
            {k: item(self, f"{path}[{key_repr(k)}]", v) for k, v in value.items()}
        )

    def nested(self, key: str) -> Reader:
        """An object whose keys the model flattens into its own (an empty one if missing).

        Asked again, it is the same reader; its unknown keys come back from ``rest()`` under
        ``key``.
        """
        if key not in self._nested:
            value = self._get(key)
            self._nested[key] = self.child(self.at(key), {} if value is None else value)
        return self._nested[key]

    def rest(self) -> Mapping[str, Any]:
        """The keys that no getter asked for: call it last."""
        unknown = {k: v for k, v in self._data.items() if k not in self._seen}
        for key, child in self._nested.items():
            if extra := child.rest():
                unknown[key] = dict(extra)
        return MappingProxyType(unknown)

    # What the container metadata file, whose keys the models do not declare, reads by hand.

    def text(self, key: str) -> str | None:
        """A string."""
        return self.value(key, scalar(as_text))

    def required_text(self, key: str) -> str:
        """A non-empty string that must be present."""
        value = self.text(key)
        if value:
            return value
        if value is None:
            raise InvalidMetadataError(self.what, self.url, f"{self.at(key)}: missing")
        raise invalid(self.what, self.url, self.at(key), "a non-empty string", value)

    def revision(self, key: str) -> str | None:
        """A string; an integer is accepted and turned into one."""
        return self.value(key, scalar(as_revision))

    def integer(self, key: str) -> int | None:
        """An integer (not a bool)."""
        return self.value(key, scalar(as_int))

    def models(self, key: str, read: Callable[[Reader], T]) -> tuple[T, ...]:
        """An array of objects, each read by ``read``."""
        return self.array(key, model(read))
