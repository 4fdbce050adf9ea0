"""`EcsContextPatcher`: a loguru patcher. loguru itself is never imported here."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from ._enricher import Fields, SlottedEnricher
from ._settings import FieldSettings
from .context import EcsContext

__all__ = ["EcsContextPatcher"]

Patcher = Callable[[Any], Any]
"""What loguru calls with every record (a dict; ``record["extra"]`` holds the bound keys)."""


class _PatcherFields(SlottedEnricher):
    """The options, the context and the prebuilt dict of one patcher.

    ``_plain`` is that dict as a plain dict: ``{**d}`` of a dict subclass costs twice as much.
    It is None before the first answer, and for dotted keys (the otel and elastic styles),
    which are checked against the keys that hold them (``container`` over ``container.name``).
    """

    __slots__ = ("_plain",)

    def _set_fields(self, fields: Fields | None) -> None:
        self._plain = None if fields is None or fields.outer else dict(fields)
        self._fields = fields


class EcsContextPatcher(functools.partial[None]):
    """Puts the task's identity in ``record["extra"]`` of every loguru record.

    ``logger.configure(patcher=EcsContextPatcher())``. Keys already in ``extra`` (from
    ``bind()``, ``contextualize()`` or the call) win, unless ``overwrite``. loguru keeps one
    configured patcher: give the one you had as ``then``, and it is called after this one.

    A `functools.partial` of the function for its options: calling it costs what calling a
    function does, where calling an instance's ``__call__`` costs about 0.13 us more a record.

    Args:
        then: a patcher to call after this one, with the same record.
        default: a value for every key not known yet, so that ``{extra[ecs_cluster]}`` in a
            format string never fails (flat and otel styles).
        context, enabled, source, v2_endpoint, fields, style, keys, tags, container_name,
            timeout, ttl, overwrite, nested_key, environ: as `EcsContextProcessor`.

    Raises:
        ConfigurationError: an option or variable holds a value that cannot be used.
        TypeError: ``then`` is not callable.
    """

    def __new__(
        cls,
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
        nested_key: str | None = None,
        default: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> EcsContextPatcher:
        options = dict(locals())  # the keywords above, as given: first, before any other name
        del options["cls"], options["then"], options["__class__"]  # super()'s cell is one
        if then is not None and not callable(then):
            raise TypeError(
                f"then={then!r} cannot be used: expected a patcher, a callable taking the record"
            )
        enricher = _PatcherFields()
        enricher._setup(**options)
        # One function per behaviour, chosen once: no test of the options per record.
        settings = enricher.settings
        behaviour = _keep
        if settings.overwrite:
            behaviour = _overwrite
        elif settings.style == "nested":
            behaviour = _nested
        if then is None:
            self = super().__new__(cls, behaviour, enricher)
        else:
            self = super().__new__(cls, _then, behaviour, enricher, then)
        self._enricher = enricher
        self._then = then
        if environ is not None:
            options["environ"] = dict(environ)  # os.environ itself does not pickle
        self._options = {"then": then, **options}
        return self

    _enricher: _PatcherFields
    _then: Patcher | None
    _options: dict[str, Any]

    @property
    def context(self) -> EcsContext:
        """The context this takes its fields from."""
        return self._enricher.context

    @property
    def settings(self) -> FieldSettings:
        """The field settings in force."""
        return self._enricher.settings

    def __repr__(self) -> str:
        settings = self.settings
        then = f", then={self._then!r}" if self._then is not None else ""
        return f"EcsContextPatcher(style={settings.style!r}, fields={settings.fields!r}{then})"

    def __reduce__(self) -> Any:
        """Pickled as its options, rebuilt from them where it is unpickled: loguru pickles
        its logger, configured patcher included, into the processes it is passed to."""
        if self._options["context"] is not None:
            raise TypeError(
                "an EcsContextPatcher with context= cannot be pickled: a context holds a "
                "thread and sockets; give the options instead, or build one in each process"
            )
        return (_rebuild, (self._options,))


def _rebuild(options: dict[str, Any]) -> EcsContextPatcher:
    """`EcsContextPatcher.__reduce__`'s other half."""
    return EcsContextPatcher(**options)


def _keep(enricher: _PatcherFields, record: dict[str, Any]) -> None:
    """Keys already in ``extra`` win."""
    plain = enricher._plain
    if plain is not None:
        # A new dict, the record's keys winning, whether or not any are bound: testing
        # whether extra is empty (to update it in place) costs more than it saves.
        record["extra"] = {**plain, **record["extra"]}
        return
    fields = enricher._fields
    if fields is None:
        fields = enricher._wait_fields()
    if fields:
        extra = record["extra"]
        if fields.guard.isdisjoint(extra):
            record["extra"] = {**fields, **extra}
        else:
            record["extra"] = extra = dict(extra)
            fields.add_to(extra)


def _nested(enricher: _PatcherFields, record: dict[str, Any]) -> None:
    """The nested style: every record gets its own inner dict, so an edit stays in it."""
    fields = enricher._fields
    if fields is None:
        fields = enricher._wait_fields()
    if fields:
        record["extra"] = {**fields.for_record(), **record["extra"]}


def _overwrite(enricher: _PatcherFields, record: dict[str, Any]) -> None:
    """``overwrite``: the fields replace the keys that ``extra`` already has."""
    fields = enricher._fields
    if fields is None:
        fields = enricher._wait_fields()
    if fields:
        fields.add_to(record["extra"], fields.for_record())


def _then(
    behaviour: Callable[[_PatcherFields, dict[str, Any]], None],
    enricher: _PatcherFields,
    then: Patcher,
    record: dict[str, Any],
) -> None:
    """`behaviour`, then the patcher given as ``then``."""
    behaviour(enricher, record)
    then(record)
