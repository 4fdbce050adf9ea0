"""`EcsContextProcessor`: the structlog processor. structlog itself is never imported here."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from ._enricher import Fields, SlottedEnricher
from ._settings import FieldSettings
from .context import EcsContext

__all__ = ["EcsContextProcessor"]

EventDict = MutableMapping[str, Any]


class _ProcessorFields(SlottedEnricher):
    """The options, the context and the prebuilt dicts of one processor.

    ``_plain`` is the fast path's dict, a plain one (``{**d}`` of a dict subclass costs twice
    as much); None before the first answer, for dotted keys (otel, elastic), which are
    checked against the keys that hold them, and for the nested style, whose records each get
    their own inner dict. The fast path tests it with ``is not None``: ``if plain:`` on a
    dict costs about 20 ns more a record on CPython 3.13.
    """

    __slots__ = ("_plain",)

    def _set_fields(self, fields: Fields | None) -> None:
        plain = None
        if fields is not None and not fields.outer and self._settings.style != "nested":
            plain = dict(fields)
        self._plain = plain
        self._fields = fields


class EcsContextProcessor(functools.partial[EventDict]):
    """Adds the task's identity to every structlog event dict.

    A `functools.partial` of the function for its options, as the loguru patcher: calling it
    costs what calling a function does, where calling an instance's ``__call__`` costs about
    70 ns more a record. A record's event dict is returned as a new dict,
    ``{**fields, **event_dict}``, which costs less than updating it in place and lets the
    event's own keys win without a check.

    Keys the event dict already has win, unless ``overwrite``. Every option mirrors an
    environment variable; an argument wins over the environment, which wins over the default.

    Args:
        context: the `EcsContext` to use; by default, the one shared by the whole process.
        enabled: ``ECS_LOG_CONTEXT_ENABLED``.
        source: ``ECS_LOG_CONTEXT_SOURCE``: auto, v4, v3, v2 or file.
        v2_endpoint: ``ECS_LOG_CONTEXT_V2_ENDPOINT``.
        fields: ``ECS_LOG_CONTEXT_FIELDS``: field names, ``default`` or ``all``.
        style: ``ECS_LOG_CONTEXT_STYLE``: flat, otel, nested, elastic or datadog.
        keys: ``ECS_LOG_CONTEXT_KEYS``: renames, ``"cluster=cluster_name"`` or a mapping.
        tags: ``ECS_LOG_CONTEXT_TAGS``: task tags to add, ``*`` for all.
        container_name: ``ECS_LOG_CONTEXT_CONTAINER_NAME``.
        timeout: ``ECS_LOG_CONTEXT_TIMEOUT`` seconds.
        ttl: ``ECS_LOG_CONTEXT_TTL`` seconds.
        overwrite: ``ECS_LOG_CONTEXT_OVERWRITE``.
        nested_key: ``ECS_LOG_CONTEXT_NESTED_KEY``: the one key of the nested style.
        environ: an environment to read instead of ``os.environ``.

    Raises:
        ConfigurationError: an option or variable holds a value that cannot be used.
    """

    def __new__(
        cls,
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
        environ: Mapping[str, str] | None = None,
    ) -> EcsContextProcessor:
        options = dict(locals())  # the keywords above, as given: first, before any other name
        del options["cls"], options["__class__"]  # super()'s cell is one
        enricher = _ProcessorFields()
        enricher._setup(**options)
        # One function per behaviour, chosen once: no test of the options per record.
        behaviour: Callable[..., EventDict] = _keep
        context = enricher.context
        if context.source is None or not context.settings.enabled:
            behaviour = _pass  # off ECS or disabled, for good: nothing to add, ever
        elif enricher.settings.overwrite:
            behaviour = _overwrite
        elif enricher.settings.style == "nested":
            behaviour = _nested
        self = super().__new__(cls, behaviour, enricher)
        self._enricher = enricher
        return self

    _enricher: _ProcessorFields

    @property
    def context(self) -> EcsContext:
        """The context this takes its fields from."""
        return self._enricher.context

    @property
    def settings(self) -> FieldSettings:
        """The field settings in force."""
        return self._enricher.settings

    @property
    def _fields(self) -> Fields | None:
        """The prebuilt dict records get (None before the first answer)."""
        return self._enricher._fields

    def __repr__(self) -> str:
        settings = self.settings
        return f"EcsContextProcessor(style={settings.style!r}, fields={settings.fields!r})"

    def __reduce__(self) -> Any:
        raise TypeError(
            "an EcsContextProcessor cannot be pickled: its context holds a thread and sockets;"
            " build one in each process"
        )


def _keep(
    enricher: _ProcessorFields, logger: Any, method_name: str, event_dict: EventDict
) -> EventDict:
    """Keys the event dict already has win."""
    plain = enricher._plain
    if plain is not None:
        return {**plain, **event_dict}
    fields = enricher._fields
    if fields is None:
        fields = enricher._wait_fields()
    if fields:
        if fields.guard.isdisjoint(event_dict):
            return {**fields, **event_dict}
        fields.add_to(event_dict)
    return event_dict


def _pass(
    enricher: _ProcessorFields, logger: Any, method_name: str, event_dict: EventDict
) -> EventDict:
    """Off ECS or disabled: the event dict as it came."""
    return event_dict


def _nested(
    enricher: _ProcessorFields, logger: Any, method_name: str, event_dict: EventDict
) -> EventDict:
    """The nested style: every record gets its own inner dict, so an edit stays in it."""
    fields = enricher._fields
    if fields is None:
        fields = enricher._wait_fields()
    if fields:
        if fields.guard.isdisjoint(event_dict):
            return {**fields.for_record(), **event_dict}
        fields.add_to(event_dict, fields.for_record())
    return event_dict


def _overwrite(
    enricher: _ProcessorFields, logger: Any, method_name: str, event_dict: EventDict
) -> EventDict:
    """``overwrite``: the fields replace the keys the event dict already has."""
    plain = enricher._plain
    if plain is not None:
        event_dict.update(plain)
        return event_dict
    fields = enricher._fields
    if fields is None:
        fields = enricher._wait_fields()
    if fields:
        fields.add_to(event_dict, fields.for_record())
    return event_dict
