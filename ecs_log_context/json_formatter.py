"""`EcsJsonFormatter`: python-json-logger's `JsonFormatter`, adding the fields itself.

Once the metadata is known, the fields are the formatter's ``static_fields`` (under the user's
own): per record they cost what ``static_fields`` cost, with no filter and no per-attribute
walk of the record. Before the first answer, with ``overwrite`` and in the nested style, an
``add_fields`` that merges them after the record's own keys is used instead. Which of the two
is an instance attribute that is set, never deleted: deleting one would turn CPython's compact
instance dict into an ordinary one and slow every attribute lookup of the formatter.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from ._enricher import Enricher, Fields
from ._settings import STYLES
from .context import EcsContext
from .errors import ConfigurationError

__all__ = ["EcsJsonFormatter"]


class EcsJsonFormatter(Enricher, JsonFormatter):
    """A python-json-logger ``JsonFormatter`` that adds the task's identity to every object.

    Every positional and keyword argument of ``JsonFormatter`` is accepted as usual; the
    library's own options are keyword-only. Keys the record already has (``extra``,
    ``static_fields``) win, unless ``overwrite``.

    ``style`` is `logging.Formatter`'s (``%``, ``{``, ``$``): the field style
    (``ECS_LOG_CONTEXT_STYLE``) is ``ecs_style``.

    Args:
        args, kwargs: as ``pythonjsonlogger.json.JsonFormatter``.
        ecs_style: ``ECS_LOG_CONTEXT_STYLE``: flat, otel, nested, elastic or datadog.
        context, enabled, source, v2_endpoint, fields, keys, tags, container_name,
            timeout, ttl, overwrite, nested_key, environ: as `EcsContextProcessor`.

    Raises:
        ConfigurationError: an option or variable holds a value that cannot be used.
    """

    def __init__(
        self,
        *args: Any,
        context: EcsContext | None = None,
        enabled: bool | str | None = None,
        source: str | None = None,
        v2_endpoint: str | None = None,
        fields: str | list[str] | tuple[str, ...] | None = None,
        ecs_style: str | None = None,
        keys: str | Mapping[str, str] | None = None,
        tags: str | list[str] | tuple[str, ...] | None = None,
        container_name: str | None = None,
        timeout: float | str | None = None,
        ttl: float | str | None = None,
        overwrite: bool | str | None = None,
        nested_key: str | None = None,
        environ: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        if kwargs.get("style", "") is None:
            del kwargs["style"]  # dictConfig-style "not given"
        # logging's style, by keyword or third by position (as fileConfig passes it).
        format_style = kwargs.get("style", args[2] if len(args) > 2 else None)
        if isinstance(format_style, str) and format_style.lower() in STYLES:
            raise ConfigurationError(
                "style",
                format_style,
                "a logging format style (%, { or $); the field style is the option ecs_style"
                " (ECS_LOG_CONTEXT_STYLE)",
            )
        self._plain_add_fields = self.add_fields  # JsonFormatter's own, bound
        JsonFormatter.__init__(self, *args, **kwargs)
        self._user_static_fields = dict(self.static_fields)
        try:
            self._setup(
                context=context,
                enabled=enabled,
                source=source,
                v2_endpoint=v2_endpoint,
                container_name=container_name,
                timeout=timeout,
                ttl=ttl,
                fields=fields,
                style=ecs_style,
                keys=keys,
                tags=tags,
                overwrite=overwrite,
                nested_key=nested_key,
                environ=environ,
            )
        except ConfigurationError as error:
            if error.name != "style":
                raise
            # On a formatter, "style" is logging's: name the option that was wrong.
            raise ConfigurationError("ecs_style", error.value, error.accepted) from None

    def _set_fields(self, fields: Fields | None) -> None:
        self._fields = fields
        # Swapping whole attributes, never mutating them: a record being formatted in another
        # thread keeps the dict it started with.
        if fields is None or self._settings.overwrite or self._settings.style == "nested":
            self.static_fields = self._user_static_fields
            self.add_fields = self._add_fields_after  # type: ignore[method-assign]
        else:
            self.static_fields = {**fields, **self._user_static_fields}
            if fields.outer:
                self.add_fields = self._add_fields_dotted  # type: ignore[method-assign]
            else:
                self.add_fields = self._plain_add_fields  # type: ignore[method-assign]

    def _add_fields_after(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """The usual fields, then the task's identity (waiting for it at start-up)."""
        JsonFormatter.add_fields(self, log_data, record, message_dict)
        fields = self._fields
        if fields is None:
            fields = self._wait_fields()
        if fields:
            own = fields.for_record() if self._settings.style == "nested" else fields
            if fields.guard.isdisjoint(log_data):
                log_data.update(own)
            else:
                fields.add_to(log_data, own)

    def _add_fields_dotted(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """The fields as ``static_fields``, then out again where a key of the record holds
        them (``container`` over ``container.name``): dotted styles only."""
        self._plain_add_fields(log_data, record, message_dict)
        fields = self._fields
        if fields and not fields.outer.isdisjoint(log_data):
            for key, outer in fields.inside.items():
                if log_data.get(key) is fields[key] and any(p in log_data for p in outer):
                    del log_data[key]
