"""What the processor, the filter and the formatter share: options, context and their dict."""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from ._fields import build_fields, field_keys, prefixes
from ._settings import CONTEXT_OPTIONS, FIELD_OPTIONS, ContextSettings, FieldSettings
from .context import EcsContext

if TYPE_CHECKING:
    from ._snapshot import Snapshot

__all__ = ["STOCK", "Enricher", "Fields", "SlottedEnricher", "holds_no_stock_name"]

# A record as LogRecord makes it has these attributes and no others: a record with no more
# holds no key of the fields (a rename to one is refused), so its length is the whole check.
STOCK_NAMES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)))
STOCK = len(STOCK_NAMES)


def holds_no_stock_name(fields: Fields) -> bool:
    """No key of `fields`, nor one that holds a key of them, is a stock record attribute."""
    return STOCK_NAMES.isdisjoint(fields) and STOCK_NAMES.isdisjoint(fields.outer)


class Fields(dict[str, Any]):
    """The prebuilt dict a record gets, with the keys a record's own keys are checked against.

    A record's key wins over an equal key (unless ``overwrite``), and over every key inside
    it: ``container`` over ``container.name``, ``cloud`` over ``cloud.region``, so that a
    formatter that turns dotted keys into objects (Elastic's ecs-logging) never meets an
    object and a string under one name.

    ``guard`` holds every key a record could hold to change what it gets: the keys (none with
    ``overwrite``) and their dotted prefixes (``outer``). Per record,
    ``guard.isdisjoint(event_dict)`` walks the few event keys (or, for a LogRecord, the guard)
    instead of a keys view walking every record attribute; only a record that meets the guard
    takes the slow path, `add_to`.
    """

    __slots__ = ("guard", "inside", "outer", "overwrite")

    def __init__(self, fields: dict[str, Any], *, overwrite: bool) -> None:
        super().__init__(fields)
        self.overwrite = overwrite
        self.inside = {key: tuple(prefixes(key)) for key in fields if "." in key}
        self.outer = frozenset(prefix for outer in self.inside.values() for prefix in outer)
        self.guard = self.outer if overwrite else frozenset(fields) | self.outer

    def for_record(self) -> dict[str, Any]:
        """A copy whose nested dicts are the record's own (the nested style's inner dict)."""
        return {
            key: dict(value) if isinstance(value, dict) else value for key, value in self.items()
        }

    def add_to(
        self, target: MutableMapping[str, Any], fields: Mapping[str, Any] | None = None
    ) -> None:
        """The slow path: add ``fields`` (these, by default) to a record's ``target`` dict,
        but not a key it has (unless ``overwrite``), nor a key inside one it has."""
        inside, keep = self.inside, not self.overwrite
        for key, value in (self if fields is None else fields).items():
            if keep and key in target:
                continue
            if inside and any(prefix in target for prefix in inside.get(key, ())):
                continue
            target[key] = value


class Enricher:
    """Mixin: resolves the options once and holds the prebuilt dict its records get.

    The integration subscribes to its context, which calls `_receive` with every new
    snapshot; the dict is built then, not per record. ``_fields`` is None only before the
    first answer (records then wait, within the startup bound); afterwards it is a dict,
    replaced whole, never changed in place, so every record gets one consistent snapshot.

    No slots of its own: on a class whose instances have a ``__dict__`` (a `logging.Filter`,
    a formatter), a mixin's slots make every ``self.x`` of the instance slower on CPython 3.13
    (152 ns against 92 ns for a method reading one attribute, in one process); the classes
    without a ``__dict__`` (the processor's and the patcher's state) take `SlottedEnricher`.
    """

    if not TYPE_CHECKING:  # mypy would take an empty __slots__ for "no __dict__"
        __slots__ = ()

    _context: EcsContext
    _defaults: Fields
    _fields: Fields | None
    _settings: FieldSettings

    def _setup(
        self,
        *,
        context: EcsContext | None,
        environ: Mapping[str, str] | None,
        default: str | None = None,
        **options: Any,
    ) -> None:
        """Resolve the options (the keywords of `CONTEXT_OPTIONS` and `FIELD_OPTIONS`)."""
        field_options = {name: options.pop(name) for name in FIELD_OPTIONS}
        self._settings = FieldSettings.resolve(**field_options, environ=environ)
        defaults = {}
        if default is not None and self._settings.style != "nested":
            defaults = dict.fromkeys(field_keys(self._settings), default)
        self._defaults = Fields(defaults, overwrite=self._settings.overwrite)
        if context is None:
            settings = ContextSettings.resolve(**options, environ=environ)
            context = EcsContext.shared(settings, environ, with_tags=bool(self._settings.tags))
        elif any(value is not None for value in options.values()):
            raise TypeError(
                f"give either context or its options ({', '.join(CONTEXT_OPTIONS)}), not both"
            )
        self._context = context
        self._set_fields(None)
        context.subscribe(
            self._receive, wants_tags=bool(self._settings.tags), settings=self._settings
        )

    def _set_fields(self, fields: Fields | None) -> None:
        """Take a new dict (None: waiting for the first answer)."""
        self._fields = fields

    def _receive(self, snapshot: Snapshot | None) -> None:
        """The context's callback: build the dict of this snapshot, once."""
        self._set_fields(self._build(snapshot))

    def _build(self, snapshot: Snapshot | None) -> Fields:
        if snapshot is None or not self._context.settings.enabled:
            # Placeholders are the user's constants, not metadata: they keep a format string
            # such as %(ecs_cluster)s working, disabled or not.
            return self._defaults
        built = build_fields(snapshot.task, snapshot.container, self._settings, tags=snapshot.tags)
        return Fields({**self._defaults, **built}, overwrite=self._settings.overwrite)

    def _wait_fields(self) -> Fields:
        """The slow path of a record before the first answer: wait, within the bound."""
        try:
            if not self._context.wait_first():
                return self._defaults  # the fetching thread's own record: no waiting, no cache
            if self._fields is None:
                self._context.deliver(self._receive)
            return self._fields or self._defaults
        except Exception:  # noqa: BLE001 -- nothing in a log call raises
            return self._defaults

    @property
    def context(self) -> EcsContext:
        """The context this takes its fields from."""
        return self._context

    @property
    def settings(self) -> FieldSettings:
        """The field settings in force."""
        return self._settings


class SlottedEnricher(Enricher):
    """`Enricher` as an object of its own, without a ``__dict__``: the state that the
    processor, the patcher and `install()` hold beside their callable."""

    __slots__ = ("__weakref__", "_context", "_defaults", "_fields", "_settings")
