"""`EcsContextFilter`: the standard library's `logging.Filter`."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ._enricher import STOCK, Enricher, Fields, holds_no_stock_name
from .context import EcsContext

__all__ = ["EcsContextFilter"]


class EcsContextFilter(Enricher, logging.Filter):
    """Sets the task's identity as attributes of every record; never drops a record.

    Attach it to handlers (``handler.addFilter(EcsContextFilter())``, or a handler's
    ``filters`` in `dictConfig`), not to loggers: a logger's filters do not see records
    propagated from its children. A caller's ``extra`` wins, unless ``overwrite``.

    Args:
        name: as `logging.Filter`: only records of this logger and its children are
            enriched ("" for all).
        default: a value for every key not known yet, so that ``%(ecs_cluster)s`` in a
            plain format string never fails (flat and otel styles).
        context, enabled, source, v2_endpoint, fields, style, keys, tags, container_name,
            timeout, ttl, overwrite, nested_key, environ: as `EcsContextProcessor`.

    Raises:
        ConfigurationError: an option or variable holds a value that cannot be used.
    """

    def __init__(
        self,
        name: str = "",
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
        logging.Filter.__init__(self, name)
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
            nested_key=nested_key,
            default=default,
            environ=environ,
        )
        self._nested = self._settings.style == "nested"  # decided once, not per record
        context = self._context
        if (context.source is None or not context.settings.enabled) and not self._defaults:
            # Off ECS or disabled, for good: nothing to add, ever. An instance attribute, a
            # plain function: `Handler.filter` calls it without binding, cheaper than a no-op
            # Filter's method (a class swapped in `__init__` cost 40-80 ns more a record).
            self.filter = _keep_record  # type: ignore[method-assign]

    def _set_fields(self, fields: Fields | None) -> None:
        # The fast path's dict, plain (dict.update of a dict subclass looks its keys up
        # first), for a stock record; None before the first answer, for a named filter, with
        # overwrite, nested, or keys a stock record has. Tested with `is not None`: `if plain`
        # on a dict costs about 20 ns more a record on CPython 3.13.
        plain = None
        if (
            fields is not None
            and not self.name
            and not self._settings.overwrite
            and self._settings.style != "nested"
            and holds_no_stock_name(fields)
        ):
            plain = dict(fields)
        self._plain = plain
        self._fields = fields

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the fields to the record; always True."""
        plain = self._plain
        if plain is not None:
            attributes = record.__dict__
            # A record with a stock record's attributes only holds no key of the fields:
            # no other check is needed before the update.
            if len(attributes) == STOCK:
                attributes.update(plain)
                return True
        return self._add_checked(record)

    def _add_checked(self, record: logging.LogRecord) -> bool:
        """The slow path: before the first answer, a named filter, overwrite, or a record
        with more attributes than a stock one (``extra``, another filter's): keys it has
        win, unless ``overwrite``, and so do keys that hold one of the fields."""
        if self.name and not logging.Filter.filter(self, record):
            return True
        fields = self._fields
        if fields is None:
            fields = self._wait_fields()
        if fields and self._nested:
            # Every record gets its own inner dict, so an edit stays in it.
            fields.add_to(record.__dict__, fields.for_record())
        elif fields:
            attributes = record.__dict__
            # keys().isdisjoint(a frozenset) walks the few guarded keys, not every attribute.
            if attributes.keys().isdisjoint(fields.guard):
                attributes.update(fields)
            else:
                fields.add_to(attributes)
        return True

    def __repr__(self) -> str:
        return f"EcsContextFilter(style={self._settings.style!r}, fields={self._settings.fields!r})"


def _keep_record(record: logging.LogRecord) -> bool:
    """The filter off ECS or disabled: every record passes, as it came."""
    return True
