"""`EcsContextProcessor`: the structlog processor. structlog itself is never imported here."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from ._enricher import Enricher
from .context import EcsContext

__all__ = ["EcsContextProcessor"]


class EcsContextProcessor(Enricher):
    """Adds the task's identity to every structlog event dict.

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

    __slots__ = ()

    def __init__(
        self,
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
    ) -> None:
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
            environ=environ,
        )
        if self._settings.style == "nested":
            self.__class__ = _NestedEcsContextProcessor

    def __call__(
        self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        fields = self._fields
        if fields is None:
            fields = self._wait_fields()
        if fields:
            if fields.guard.isdisjoint(event_dict):
                event_dict.update(fields)
            else:
                fields.add_to(event_dict)
        return event_dict

    def __repr__(self) -> str:
        return (
            f"EcsContextProcessor(style={self._settings.style!r}, fields={self._settings.fields!r})"
        )


class _NestedEcsContextProcessor(EcsContextProcessor):
    """The nested style: every record gets its own inner dict, so an edit stays in it."""

    __slots__ = ()

    def __call__(
        self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        fields = self._fields
        if fields is None:
            fields = self._wait_fields()
        if fields:
            if fields.guard.isdisjoint(event_dict):
                event_dict.update(fields.for_record())
            else:
                fields.add_to(event_dict, fields.for_record())
        return event_dict
