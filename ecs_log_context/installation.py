"""`install()` and `uninstall()`: the fields on every `LogRecord` that any logger makes.

A handler's filter sees only the records that reach that handler; gunicorn's, uvicorn's and
Celery's loggers have handlers of their own and do not propagate. So `install()` enriches
records where they are made, in `logging.Logger.makeRecord`, after the caller's ``extra`` is
applied: a key of ``extra`` wins over a field of the same key, and nothing raises. (A record
factory, the other hook, runs before ``extra`` is applied, and ``makeRecord`` then raises
``KeyError("Attempt to overwrite ...")`` for any ``extra`` that names a field.)
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any

from . import _held_records
from ._enricher import STOCK, Fields, SlottedEnricher, holds_no_stock_name
from .context import EcsContext

__all__ = ["install", "installed", "uninstall"]

_MakeRecord = Callable[..., logging.LogRecord]


class _State:
    """The process's one installation, and the lock that orders `install()` calls."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.current: _Installation | None = None


_state = _State()


_STDLIB_MAKE_RECORD = logging.Logger.__dict__["makeRecord"]


class _RecordEnricher(SlottedEnricher):
    """Holds the fields that `install()`'s ``makeRecord`` adds; empty once uninstalled.

    ``_flat`` is the fast path's dict: a plain one (``dict.update`` of a dict subclass looks
    its ``keys`` up first), for a record with a stock record's attributes only; None before
    the first answer and for the nested style (each record its own inner dict).
    """

    __slots__ = ("_active", "_flat")

    def __init__(self, **options: Any) -> None:
        self._active = True
        self._flat: dict[str, Any] | None = None
        self._setup(**options)

    def _set_fields(self, fields: Fields | None) -> None:
        flat = None
        if fields is not None and self._settings.style != "nested" and holds_no_stock_name(fields):
            flat = dict(fields)
        self._flat = flat
        self._fields = fields
        if not self._active:  # deactivated, before or during this: stay empty
            self._flat = None
            self._fields = _NOTHING

    def add_to(self, attributes: dict[str, Any]) -> None:
        """The slow path: before the first answer, nested, or a record with more than a stock
        record's attributes (a caller's ``extra``, another factory's): keys it has win."""
        fields = self._fields
        if fields is None:
            fields = self._wait_fields()
        if fields:
            added = fields.for_record() if self._settings.style == "nested" else fields
            # keys().isdisjoint(a frozenset) walks the few guarded keys, not every attribute.
            if attributes.keys().isdisjoint(fields.guard):
                attributes.update(added)
            else:
                fields.add_to(attributes, added)

    def retouch(self, record: logging.LogRecord) -> None:
        """Add the fields to a record made before the first answer and held until it (the
        fetching thread's own httpx records): keys it has win, as in ``makeRecord``, but not
        the placeholders of ``default``, which it got for want of the fields."""
        fields = self._fields
        if fields:
            attributes, defaults = record.__dict__, self._defaults
            added = fields.for_record() if self._settings.style == "nested" else fields
            for key, value in added.items():
                if any(outer in attributes for outer in fields.inside.get(key, ())):
                    continue  # a key of the record holds this one: it wins
                if (
                    key not in fields.guard
                    or key not in attributes
                    or (key in defaults and attributes[key] is defaults[key])
                ):
                    attributes[key] = value

    def deactivate(self) -> None:
        """Add nothing from now on (a ``makeRecord`` of another library wraps ours)."""
        self._active = False
        self._flat = None
        self._fields = _NOTHING


_NOTHING = Fields({}, overwrite=False)


class _Installation:
    """One `install()`: its enricher, its ``makeRecord`` and the one it replaced."""

    __slots__ = ("enricher", "make_record", "previous")

    previous: _MakeRecord
    make_record: _MakeRecord

    def __init__(self, options: dict[str, Any]) -> None:
        self.enricher = _RecordEnricher(**options)  # raises before anything changes

    def same_as(self, other: _Installation) -> bool:
        """The same settings, context and placeholders: installing `other` changes nothing.

        The resolved settings, not the keywords: under ``ecs-log-context run`` the start-up
        ``install()`` read the environment, and an application's own call after it changes a
        variable must take effect.
        """
        mine, theirs = self.enricher, other.enricher
        return (
            mine.settings == theirs.settings
            and mine.context is theirs.context
            and mine._defaults == theirs._defaults
        )

    def on_top(self) -> bool:
        """Ours is ``Logger.makeRecord`` itself: no other library wrapped it since."""
        return logging.Logger.__dict__.get("makeRecord") is self.make_record

    def replace(self, current: _Installation) -> None:
        """Take `current`'s place in one store, so that no record is made between the two
        without fields; records already inside `current`'s function finish with its own."""
        self.previous = current.previous
        self.make_record = _enriching(self.previous, self.enricher)
        _held_records.retouch(self.enricher.retouch)
        logging.Logger.makeRecord = self.make_record  # type: ignore[method-assign]
        _held_records.retouch(current.enricher.retouch, on=False)

    def put_in(self) -> None:
        """Replace ``Logger.makeRecord`` with ours, wrapping whatever is there now."""
        self.previous = logging.Logger.__dict__["makeRecord"]
        self.make_record = _enriching(self.previous, self.enricher)
        logging.Logger.makeRecord = self.make_record  # type: ignore[method-assign]
        _held_records.retouch(self.enricher.retouch)

    def take_out(self) -> None:
        """Put back what ours replaced, or, where another library wrapped ours since, leave
        ours in the chain passing records through unchanged (taking ours out would take
        theirs with it)."""
        self.enricher.deactivate()
        _held_records.retouch(self.enricher.retouch, on=False)
        if self.on_top():
            logging.Logger.makeRecord = self.previous  # type: ignore[method-assign]


def _enriching(previous: _MakeRecord, enricher: _RecordEnricher) -> _MakeRecord:
    """``Logger.makeRecord``, adding the fields after ``previous`` has applied ``extra``.

    Where ``previous`` is the standard library's own, its six lines (the same on 3.10 to
    3.13) are written out here instead of called: one Python call fewer per record.
    """
    stock = STOCK
    if previous is _STDLIB_MAKE_RECORD:

        def makeRecord(  # noqa: PLR0917 -- the signature of the method it replaces
            self: logging.Logger,
            name: str,
            level: int,
            fn: str,
            lno: int,
            msg: object,
            args: Any,
            exc_info: Any,
            func: str | None = None,
            extra: Mapping[str, object] | None = None,
            sinfo: str | None = None,
        ) -> logging.LogRecord:
            record: logging.LogRecord = logging._logRecordFactory(  # type: ignore[attr-defined]
                name, level, fn, lno, msg, args, exc_info, func, sinfo
            )
            attributes = record.__dict__
            if extra is not None:
                for key in extra:
                    if key in {"message", "asctime"} or key in attributes:
                        raise KeyError(f"Attempt to overwrite {key!r} in LogRecord")
                    attributes[key] = extra[key]
            flat = enricher._flat
            if flat is not None and len(attributes) == stock:
                attributes.update(flat)
            else:
                enricher.add_to(attributes)
            return record

    else:

        def makeRecord(  # noqa: PLR0917 -- the signature of the method it replaces
            self: logging.Logger,
            name: str,
            level: int,
            fn: str,
            lno: int,
            msg: object,
            args: Any,
            exc_info: Any,
            func: str | None = None,
            extra: Mapping[str, object] | None = None,
            sinfo: str | None = None,
        ) -> logging.LogRecord:
            record = previous(self, name, level, fn, lno, msg, args, exc_info, func, extra, sinfo)
            attributes = record.__dict__
            flat = enricher._flat
            if flat is not None and len(attributes) == stock:
                attributes.update(flat)
            else:
                enricher.add_to(attributes)
            return record

    makeRecord.__qualname__ = "Logger.makeRecord"
    makeRecord.__doc__ = previous.__doc__
    return makeRecord


def install(
    *,
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
) -> None:
    """From now on, every `LogRecord` that any logger makes carries the fields as attributes.

    Whatever handlers, filters and formatters a record then meets (gunicorn's, uvicorn's,
    Celery's, loggers made later, loggers that do not propagate), it has the fields. A
    caller's ``extra`` with a field's key wins (unless ``overwrite``) and never raises.
    Calling it again with the same options does nothing; with other options, they replace
    the first ones. `uninstall` puts ``makeRecord`` back.

    Args:
        context, enabled, source, v2_endpoint, fields, style, keys, tags, container_name,
            timeout, ttl, overwrite, nested_key, default, environ: as `EcsContextFilter`.

    Raises:
        ConfigurationError: an option or variable holds a value that cannot be used; then
            nothing is installed, and a previous `install()` stays in force.
    """
    options = dict(locals())  # the keywords above, as given: first, before any other name
    with _state.lock:
        current = _state.current
        installation = _Installation(options)
        if current is not None and current.same_as(installation):
            return
        if current is not None and current.on_top():
            installation.replace(current)
        else:
            if current is not None:
                current.take_out()
            installation.put_in()
        _state.current = installation


def uninstall() -> None:
    """Undo `install()`: records are made as they were before it. Does nothing if not installed."""
    with _state.lock:
        if _state.current is not None:
            _state.current.take_out()
            _state.current = None


def installed() -> SlottedEnricher | None:
    """What `install()` put in force (its ``context`` and ``settings``), or None."""
    current = _state.current
    return current.enricher if current is not None else None


def _reset_lock() -> None:
    _state.lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # a child of a fork inside install() must not deadlock
    os.register_at_fork(after_in_child=_reset_lock)
