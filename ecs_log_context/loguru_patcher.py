"""`EcsContextPatcher`: a loguru patcher. loguru itself is never imported here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._enricher import Enricher
from .context import EcsContext

__all__ = ["EcsContextPatcher"]

Patcher = Callable[[Any], Any]
"""What loguru calls with every record (a dict; ``record["extra"]`` holds the bound keys)."""


class EcsContextPatcher(Enricher):
    """Puts the task's identity in ``record["extra"]`` of every loguru record.

    ``logger.configure(patcher=EcsContextPatcher())``. Keys already in ``extra`` (from
    ``bind()``, ``contextualize()`` or the call) win, unless ``overwrite``. loguru keeps one
    configured patcher: give the one you had as ``then``, and it is called after this one.

    Args:
        then: a patcher to call after this one, with the same record.
        default: a value for every key not known yet, so that ``{extra[ecs_cluster]}`` in a
            format string never fails (flat and otel styles).
        context, enabled, source, v2_endpoint, fields, style, keys, tags, container_name,
            timeout, ttl, overwrite, environ: as `EcsContextProcessor`.

    Raises:
        ConfigurationError: an option or variable holds a value that cannot be used.
        TypeError: ``then`` is not callable.
    """

    __slots__ = ("_then",)

    def __init__(
        self,
        *,
        then: Patcher | None = None,
        context: EcsContext | None = None,
        enabled: bool | str | None = None,
        source: str | None = None,
        v2_endpoint: str | None = None,
        fields: str | list[str] | tuple[str, ...] | None = None,
        style: str | None = None,
        keys: str | Mapping[str, str] | None = None,
        tags: str | list[str] | tuple[str, ...] | None = None,
        container_name: str | None = None,
        timeout: float | str | None = None,
        ttl: float | str | None = None,
        overwrite: bool | str | None = None,
        default: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if then is not None and not callable(then):
            raise TypeError(
                f"then={then!r} cannot be used: expected a patcher, a callable taking the record"
            )
        self._then = then
        self._setup(
            context=context,
            enabled=enabled,
            source=source,
            v2_endpoint=v2_endpoint,
            container_name=container_name,
            timeout=timeout,
            ttl=ttl,
            fields=fields,
            style=style,
            keys=keys,
            tags=tags,
            overwrite=overwrite,
            default=default,
            environ=environ,
        )
        # One class per behaviour, chosen once: no test of the options per record.
        nested = self._settings.style == "nested"
        if self._settings.overwrite:
            self.__class__ = _OVERWRITING[nested, then is not None]
        elif nested or then is not None:
            self.__class__ = _KEEPING[nested, then is not None]

    def __call__(self, record: dict[str, Any]) -> None:
        fields = self._fields
        if fields is None:
            fields = self._wait_fields()
        if fields:
            record["extra"] = {**fields, **record["extra"]}

    def __repr__(self) -> str:
        return (
            f"EcsContextPatcher(style={self._settings.style!r}, fields={self._settings.fields!r}"
            + (f", then={self._then!r})" if self._then is not None else ")")
        )


class _Nested(EcsContextPatcher):
    """The nested style: every record gets its own inner dict, so an edit stays in it."""

    __slots__ = ()

    def __call__(self, record: dict[str, Any]) -> None:
        fields = self._fields
        if fields is None:
            fields = self._wait_fields()
        if fields:
            record["extra"] = {**fields.for_record(), **record["extra"]}


class _Overwriting(EcsContextPatcher):
    """``overwrite``: the fields replace the keys that ``extra`` already has."""

    __slots__ = ()

    def __call__(self, record: dict[str, Any]) -> None:
        fields = self._fields
        if fields is None:
            fields = self._wait_fields()
        if fields:
            record["extra"].update(fields.for_record())


class _Then(EcsContextPatcher):
    __slots__ = ()

    def __call__(self, record: dict[str, Any]) -> None:
        EcsContextPatcher.__call__(self, record)
        self._then(record)  # type: ignore[misc]


class _NestedThen(_Nested):
    __slots__ = ()

    def __call__(self, record: dict[str, Any]) -> None:
        _Nested.__call__(self, record)
        self._then(record)  # type: ignore[misc]


class _OverwritingThen(_Overwriting):
    __slots__ = ()

    def __call__(self, record: dict[str, Any]) -> None:
        _Overwriting.__call__(self, record)
        self._then(record)  # type: ignore[misc]


_KEEPING: dict[tuple[bool, bool], type[EcsContextPatcher]] = {
    (True, False): _Nested,
    (False, True): _Then,
    (True, True): _NestedThen,
}
_OVERWRITING: dict[tuple[bool, bool], type[EcsContextPatcher]] = {
    (False, False): _Overwriting,
    (True, False): _Overwriting,
    (False, True): _OverwritingThen,
    (True, True): _OverwritingThen,
}
