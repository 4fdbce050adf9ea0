"""What `EcsJsonFormatter`, `EcsOrjsonFormatter` and `EcsMsgspecFormatter` share.

python-json-logger's formatters differ only in how they serialise; how a record becomes a
dict is `BaseJsonFormatter.add_fields`, which this mixin replaces with the same steps in the
same order (python-json-logger 3.2 to 4.2, pinned by a test against its own output): the
defaults, the format's fields, the static fields, the message dict, the record's extras,
the timestamp. The only change: the task's fields and the user's ``static_fields`` are one
prebuilt dict, already renamed, merged with one ``dict.update``, where python-json-logger
renames every static key again on every record. So a record costs less than with
``static_fields`` alone.

Before the first answer, with ``overwrite`` and in the nested style, python-json-logger's own
``add_fields`` runs and the fields are merged after it, the record's keys winning.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pythonjsonlogger.core import merge_record_extra

from ._enricher import Enricher, Fields
from ._fields import prefixes
from ._settings import STYLES
from .context import EcsContext
from .errors import ConfigurationError

__all__ = ["EcsFormatter"]

# The fast path's state, swapped whole: the prebuilt dict, the keys of the fields that a key
# of the record holding them beats (key -> its dotted prefixes), and those prefixes.
_Ready = tuple[dict[str, Any], dict[str, tuple[str, ...]], frozenset[str]]


class EcsFormatter(Enricher):
    """Mixin, before a python-json-logger formatter class: ``(EcsFormatter, JsonFormatter)``.

    Every positional and keyword argument of the formatter is accepted as usual; the
    library's own options are keyword-only. ``style`` is `logging.Formatter`'s (``%``,
    ``{``, ``$``); the field style (``ECS_LOG_CONTEXT_STYLE``) is ``ecs_style``.
    """

    if not TYPE_CHECKING:  # on a formatter, which has a __dict__: see Enricher
        __slots__ = ()

    _ready: _Ready | None
    _user_static_fields: dict[str, Any]

    # The formatter's own attributes (BaseJsonFormatter sets them).
    defaults: dict[str, Any]
    rename_fields: dict[str, str]
    rename_fields_keep_missing: bool
    static_fields: dict[str, Any]
    timestamp: bool | str
    _required_fields: list[str]
    _skip_fields: set[str]
    _get_rename: Callable[[str], str]

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
        self._ready = None
        super().__init__(*args, **kwargs)  # the python-json-logger formatter's
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
        if fields is None or self._settings.overwrite or self._settings.style == "nested":
            self._ready = None
            return
        rename = self._get_rename
        # As python-json-logger renames its static fields, in the same order: the fields,
        # then the user's static_fields (which win on an equal key).
        prebuilt: dict[str, Any] = {}
        for key, value in {**fields, **self._user_static_fields}.items():
            prebuilt[rename(key)] = value
        held: dict[str, tuple[str, ...]] = {}
        for key, value in fields.items():
            renamed = rename(key)
            if "." in renamed and prebuilt.get(renamed) is value:
                held[renamed] = tuple(prefixes(renamed))
        # One attribute, replaced whole: a record formatted in another thread meanwhile
        # keeps the state it started with.
        self._ready = (prebuilt, held, frozenset(p for outer in held.values() for p in outer))

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """python-json-logger's steps, with the static fields and the task's as one dict."""
        ready = self._ready
        if ready is None:
            ready = self._slow_path(log_data, record, message_dict)
            if ready is None:
                return
        prebuilt, held, outer = ready
        rename = self._get_rename
        defaults = self.defaults
        for field in defaults:
            log_data[rename(field)] = defaults[field]
        attributes = record.__dict__
        for field in self._required_fields:
            log_data[rename(field)] = attributes.get(field)
        log_data.update(prebuilt)
        for key, value in message_dict.items():
            log_data[rename(key)] = value
        merge_record_extra(
            record, log_data, reserved=self._skip_fields, rename_fields=self.rename_fields
        )
        if self.timestamp:
            key = self.timestamp if isinstance(self.timestamp, str) else "timestamp"
            log_data[rename(key)] = datetime.fromtimestamp(record.created, tz=timezone.utc)
        if self.rename_fields_keep_missing:
            for field in self.rename_fields.values():
                if field not in log_data:
                    log_data[field] = None
        if outer and not outer.isdisjoint(log_data):
            # A key of the record holds one of the fields (container over container.name).
            for key, prefixes in held.items():
                if log_data.get(key) is prebuilt[key] and any(p in log_data for p in prefixes):
                    del log_data[key]

    def _slow_path(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> _Ready | None:
        """A record without the prebuilt dict: formatted here (None), or, when the first
        answer it waited for brings one, that dict, to build it as the later records are."""
        fields = self._fields
        if fields is None:
            # Before the first answer: wait for it first (within the bound).
            fields = self._wait_fields()
            if (ready := self._ready) is not None:
                return ready
        self._add_fields_after(log_data, record, message_dict, fields)
        return None

    def _add_fields_after(
        self,
        log_data: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
        fields: Fields,
    ) -> None:
        """The usual fields, then `fields` (the task's identity), renamed as the fast path
        renames them: for overwrite, the nested style, or a record that waited in vain."""
        super().add_fields(log_data, record, message_dict)  # type: ignore[misc]
        if not fields:
            return
        own: Mapping[str, Any] = fields.for_record() if self._settings.style == "nested" else fields
        if not self.rename_fields:
            if fields.guard.isdisjoint(log_data):
                log_data.update(own)
            else:
                fields.add_to(log_data, own)
            return
        # With renames: keys the record has win (unless overwrite), and so do keys holding
        # one of ours; a placeholder of rename_fields_keep_missing is no key of the record's.
        missing = set(self.rename_fields.values()) if self.rename_fields_keep_missing else set()
        for key, value in own.items():
            renamed = self._get_rename(key)
            taken = renamed in log_data and not (renamed in missing and log_data[renamed] is None)
            if taken and not fields.overwrite:
                continue
            if any(outer in log_data for outer in prefixes(renamed)):
                continue
            log_data[renamed] = value
