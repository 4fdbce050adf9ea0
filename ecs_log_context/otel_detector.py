"""`EcsResourceDetector`: the task's identity as an OpenTelemetry resource.

The only module of the package that imports opentelemetry (the ``[otel]`` extra): the entry
point ``ecs_log_context`` of the group ``opentelemetry_resource_detector`` names this module,
so ``import ecs_log_context`` stays free of it, and the SDK loads it only where a user turned
it on (``OTEL_EXPERIMENTAL_RESOURCE_DETECTORS=ecs_log_context``).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._enricher import Enricher
from ._settings import DEFAULT_NESTED_KEY, parse_bool
from .context import EcsContext
from .errors import MetadataUnavailableError, NoMetadataSourceError

try:
    from opentelemetry.sdk.resources import Resource, ResourceDetector
except ModuleNotFoundError as exc:
    if exc.name not in ("opentelemetry", "opentelemetry.sdk", "opentelemetry.sdk.resources"):
        raise
    # One name whether opentelemetry is absent or only its API is installed (common: libraries
    # depend on the API alone), so that the package's lazy import names the extra to install.
    raise ModuleNotFoundError(
        "EcsResourceDetector needs opentelemetry-sdk: pip install 'ecs-log-context[otel]'",
        name="opentelemetry.sdk",
    ) from None

if TYPE_CHECKING:
    from opentelemetry.util.types import AttributeValue

    from ._snapshot import Snapshot

__all__ = ["EcsResourceDetector"]

_FIELDS_VARIABLE = "ECS_LOG_CONTEXT_FIELDS"


class EcsResourceDetector(Enricher, ResourceDetector):
    """Detects the Amazon ECS task and container this process runs in, as resource attributes.

    The attributes are the ``otel`` keys of the field table (all fields unless asked for
    fewer), the task tags asked for, ``cloud.provider`` and ``cloud.platform``. It shares the
    process's one `EcsContext` with the log integrations, so an application that logs and
    traces fetches the metadata once.

    Only the options that choose *what* is detected are read from the environment: the style
    is always ``otel`` (the semantic conventions' keys are the point of a resource), and
    ``ECS_LOG_CONTEXT_STYLE``, ``ECS_LOG_CONTEXT_KEYS``, ``ECS_LOG_CONTEXT_OVERWRITE`` and
    ``ECS_LOG_CONTEXT_NESTED_KEY``, which say how *log records* are shaped, are not read: a
    service that logs in the flat style must still get a correct resource.

    Args:
        raise_on_error: as the SDK defines it: `detect` raises instead of returning an empty
            resource, and the SDK's ``get_aggregated_resources`` re-raises. Off ECS it still
            returns an empty resource (see `detect`).
        context: the `EcsContext` to use; by default, the one shared by the whole process.
        enabled: ``ECS_LOG_CONTEXT_ENABLED``.
        source: ``ECS_LOG_CONTEXT_SOURCE``: auto, v4, v3, v2 or file.
        v2_endpoint: ``ECS_LOG_CONTEXT_V2_ENDPOINT``.
        fields: ``ECS_LOG_CONTEXT_FIELDS``; by default ``all`` (not the log records'
            ``default``): a resource is sent once, not on every record.
        keys: renames of the otel keys, ``"cluster=ecs.cluster"`` or a mapping; none by default
            (``ECS_LOG_CONTEXT_KEYS`` is the log records' and is not read).
        tags: ``ECS_LOG_CONTEXT_TAGS``: task tags to add, ``*`` for all.
        container_name: ``ECS_LOG_CONTEXT_CONTAINER_NAME``.
        timeout: ``ECS_LOG_CONTEXT_TIMEOUT`` seconds: the longest `detect` waits.
        ttl: ``ECS_LOG_CONTEXT_TTL`` seconds.
        environ: an environment to read instead of ``os.environ``.

    Raises:
        ConfigurationError: an option or variable holds a value that cannot be used.
        TypeError: an unknown option (the declarative configuration builds ``cls(**config)``:
            a misspelt option must not pass silently).
    """

    _complete: threading.Event

    def __init__(
        self,
        raise_on_error: bool | str = False,
        *,
        context: EcsContext | None = None,
        enabled: bool | str | None = None,
        source: str | None = None,
        v2_endpoint: str | None = None,
        fields: str | list[str] | tuple[str, ...] | None = None,
        keys: str | Mapping[str, str] | None = None,
        tags: str | list[str] | tuple[str, ...] | None = None,
        container_name: str | None = None,
        timeout: float | str | None = None,
        ttl: float | str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        # A declarative configuration may give "true" as text: read it as the other booleans.
        ResourceDetector.__init__(self, raise_on_error=parse_bool("raise_on_error", raise_on_error))
        env = os.environ if environ is None else environ
        if fields is None and not (env.get(_FIELDS_VARIABLE) or "").strip():
            fields = "all"
        # Set before subscribing: the context may call `_receive` from `_setup` at once.
        self._complete = threading.Event()
        self._setup(
            context=context,
            enabled=enabled,
            source=source,
            v2_endpoint=v2_endpoint,
            container_name=container_name,
            timeout=timeout,
            ttl=ttl,
            fields=fields,
            style="otel",
            keys={} if keys is None else keys,
            tags=tags,
            overwrite=False,
            nested_key=DEFAULT_NESTED_KEY,  # not read: the nested style is never the detector's
            environ=environ,
        )

    def _receive(self, snapshot: Snapshot | None) -> None:
        """The context's callback; also notes when the tags asked for are in (or will not be).

        The fields are published before the task's tags are fetched, so that records never
        wait on the slow taskWithTags route; a resource is built once and cannot take the tags
        later, so `detect` waits for them too, within the same bound.
        """
        super()._receive(snapshot)
        if (
            snapshot is None
            or not self._settings.tags
            or snapshot.with_tags
            or "tags" in snapshot.missing
        ):
            self._complete.set()

    def detect(self) -> Resource:
        """The resource of this task and container; waits at most the timeout, once.

        Returns a `Resource` built directly (never ``Resource.create()``, which runs the
        detectors and would recurse). It is empty off ECS (at once, with no I/O), when
        disabled, and when nothing came within the timeout.

        With ``raise_on_error``, the last failure is raised instead of an empty resource,
        except off ECS: ``OTEL_EXPERIMENTAL_RESOURCE_DETECTORS`` is set in images that also
        run outside ECS (a laptop, CI), where no metadata is the expected answer and not an
        error. A source forced by ``ECS_LOG_CONTEXT_SOURCE`` whose variable is not set is a
        misconfiguration, and raises.

        Raises:
            MetadataError: only with ``raise_on_error``: `MetadataUnavailableError` when
                nothing came in time (the message holds the last failure),
                `NoMetadataSourceError` when the forced source is not configured.
        """
        deadline = time.monotonic() + self._context.settings.timeout
        fields = self._fields
        if fields is None:
            fields = self._wait_fields()
        if not self._complete.is_set():
            self._complete.wait(max(0.0, deadline - time.monotonic()))
            fields = self._fields or fields
        attributes = _attributes(fields)
        if not attributes and self.raise_on_error:
            self._raise_failure()
        return Resource(attributes) if attributes else Resource.get_empty()

    def _raise_failure(self) -> None:
        """With ``raise_on_error`` and nothing detected: raise, unless that is no failure."""
        status = self._context.status()
        if status.state in ("disabled", "ready", "stale"):
            return  # asked to do nothing; or metadata came and none of the fields asked is in it
        if status.state == "off_ecs":
            if status.last_error:
                raise NoMetadataSourceError(status.last_error)
            return
        # The context keeps its last failure as a sentence: it is carried in the message.
        timeout = self._context.settings.timeout
        detail = f"nothing within the {timeout:g} s timeout (ECS_LOG_CONTEXT_TIMEOUT)"
        if status.last_error:
            detail += f"; the last attempt: {status.last_error}"
        raise MetadataUnavailableError("Amazon ECS task metadata", status.location or "", detail)

    def is_process_dependent(self) -> bool:
        """False: a forked child runs in the same task and container, with the same identity."""
        return False

    def __repr__(self) -> str:
        return (
            f"EcsResourceDetector(fields={self._settings.fields!r}, "
            f"raise_on_error={self.raise_on_error!r})"
        )


def _attributes(fields: Mapping[str, object]) -> dict[str, AttributeValue]:
    """The fields as attribute values: text, or sequences of text (as tuples).

    The field builder gives only those; anything else is left out rather than handed to the
    SDK, which would drop it with a warning per attribute.
    """
    out: dict[str, AttributeValue] = {}
    for key, value in fields.items():
        if isinstance(value, str):
            out[key] = value
        elif isinstance(value, (tuple, list)) and all(isinstance(item, str) for item in value):
            out[key] = tuple(value)
    return out
