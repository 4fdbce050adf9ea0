"""`EcsContext`: the shared, cached metadata of this task, fetched in the background.

Per record, an integration reads one attribute that holds a prebuilt dict. Everything else
happens here, off the logging path: the first fetch, the startup wait, refreshes, backoff,
the views' dicts, and the process's forks.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from ._held_records import holding_http_records
from .errors import MetadataError, MetadataThrottledError, NoMetadataSourceError, printable
from .fields import build_fields
from .settings import ContextSettings, FieldSettings
from .source import Source, find_source

if TYPE_CHECKING:
    from .client import MetadataClient
    from .enricher import Fields
    from .snapshot import Snapshot, Status

    class View(Protocol):
        """What an integration exposes to its context: the dict that its records get."""

        _fields: Fields | None

        def _set_fields(self, fields: Fields | None) -> None: ...

        def _build(self, snapshot: Snapshot | None) -> Fields: ...


__all__ = ["EcsContext"]

logger = logging.getLogger("ecs_log_context")

FIRST_RETRY = 1.0
MAX_RETRY = 60.0
THROTTLED_START = 1  # a 429 is retried after about 2 s, then 4, 8, ...

# Set while this thread fetches: records logged meanwhile (httpx's, ours) never wait for the
# fetch they are part of.
_fetching = threading.local()


def retry_delay(failures: int) -> float:
    """Seconds before the next try after `failures` failures in a row: 1, 2, 4 ... 60, jittered."""
    # The exponent is bounded: 2.0 ** 1024 overflows, after some 17 hours of failures.
    return min(MAX_RETRY, _jitter(FIRST_RETRY * 2 ** min(failures, 10)))


def _jitter(seconds: float, spread: float = 0.5) -> float:
    """`seconds`, give or take `spread` of it: processes started together drift apart."""
    import random  # here, not at import: the package import stays light

    return seconds * random.uniform(1 - spread, 1 + spread)  # noqa: S311 -- not secrets


class EcsContext:
    """The metadata of this task and container, fetched once and kept fresh in the background.

    Most applications never build one: the processor, the filter and the formatter share
    `EcsContext.default()`. Contexts built with the same settings are one and the same.

    Args:
        enabled: ``ECS_LOG_CONTEXT_ENABLED``: False does no I/O at all.
        source: ``ECS_LOG_CONTEXT_SOURCE``: auto, v4, v3, v2 or file.
        v2_endpoint: ``ECS_LOG_CONTEXT_V2_ENDPOINT``.
        container_name: ``ECS_LOG_CONTEXT_CONTAINER_NAME``.
        timeout: ``ECS_LOG_CONTEXT_TIMEOUT``: the HTTP timeout, and the longest the first log
            calls wait for the first answer.
        ttl: ``ECS_LOG_CONTEXT_TTL``: seconds between refreshes; 0 never refreshes.
        with_tags: read the task from the taskWithTags route (default: when
            ``ECS_LOG_CONTEXT_TAGS`` is set). A processor, filter or formatter that asks for
            tags turns it on.
        environ: the environment to read instead of ``os.environ``.

    Raises:
        ConfigurationError: a setting holds a value that cannot be used.
    """

    _shared: ClassVar[dict[tuple[ContextSettings, str | None], EcsContext]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()
    _all: ClassVar[weakref.WeakSet[EcsContext]] = weakref.WeakSet()

    def __init__(
        self,
        *,
        enabled: bool | str | None = None,
        source: str | None = None,
        v2_endpoint: str | None = None,
        container_name: str | None = None,
        timeout: float | str | None = None,
        ttl: float | str | None = None,
        with_tags: bool | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.settings = ContextSettings.resolve(
            enabled=enabled,
            source=source,
            v2_endpoint=v2_endpoint,
            container_name=container_name,
            timeout=timeout,
            ttl=ttl,
            environ=environ,
        )
        self._environ = environ
        self.source: Source | None = None
        self._error: str | None = None
        if self.settings.enabled:
            try:
                self.source = find_source(self.settings, environ)
            except NoMetadataSourceError as exc:
                if self.settings.source != "auto":
                    self._error = str(exc)
                    logger.warning("ECS log context is off: %s", exc)
        self._snapshot: Snapshot | None = None
        self._views: weakref.WeakSet[Any] = weakref.WeakSet()
        if with_tags is None:
            with_tags = bool(FieldSettings.resolve(environ=environ).tags)
        self._want_tags = with_tags
        self._attempts = 0
        self._closed = False
        self._build_errors: list[tuple[View, Exception]] = []
        self._throttled = False
        self._state = (
            "waiting" if self.source else ("off_ecs" if self.settings.enabled else "disabled")
        )
        self._new_process()
        EcsContext._all.add(self)
        if self.source is not None:
            self._start_thread()

    def _new_process(self) -> None:
        """Locks, events, client and thread of this process (again, in a child after fork)."""
        self._lock = threading.Lock()  # publishing: views and snapshot
        self._fetch_lock = threading.Lock()  # single flight
        self._thread_lock = threading.Lock()  # starting the refresher, and its leaving
        self._wake = threading.Event()
        self._stopped = self._closed
        self._first = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: MetadataClient | None = None
        self._deadline = time.monotonic() + self.settings.timeout
        if self.source is None or self._snapshot is not None or self._state == "failing":
            self._first.set()

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def default(cls) -> EcsContext:
        """The context of this process built from the environment, made on first use."""
        return cls.shared(ContextSettings.resolve())

    @classmethod
    def shared(
        cls,
        settings: ContextSettings,
        environ: Mapping[str, str] | None = None,
        *,
        with_tags: bool = False,
    ) -> EcsContext:
        """The one context of this process with these settings.

        Args:
            settings: the context settings.
            environ: the environment it reads instead of ``os.environ``.
            with_tags: the caller needs task tags: a new context fetches them from the start.
        """
        key = (settings, None if environ is None else repr(sorted(environ.items())))
        with cls._shared_lock:
            context = cls._shared.get(key)
            if context is None:
                context = cls(
                    enabled=settings.enabled,
                    source=settings.source,
                    v2_endpoint=settings.v2_endpoint,
                    container_name=settings.container_name,
                    timeout=settings.timeout,
                    ttl=settings.ttl,
                    with_tags=with_tags or None,
                    environ=environ,
                )
                cls._shared[key] = context
            return context

    # -- what users ask ---------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot | None:
        """The last good fetch, or None."""
        return self._snapshot

    def fields(self, settings: FieldSettings | None = None) -> dict[str, Any]:
        """The keys a record gets now, for these field settings (from the environment if None).

        Never waits and never raises for metadata: empty when nothing is known yet.
        """
        snapshot = self._snapshot
        if snapshot is None:
            return {}
        return build_fields(
            snapshot.task,
            snapshot.container,
            settings or FieldSettings.resolve(environ=self._environ),
        )

    def status(self) -> Status:
        """The state, the source, the last error and the last success."""
        from .snapshot import Status

        snapshot = self._snapshot
        return Status(
            state=self._state,
            source=self.source.kind if self.source else None,
            location=self.source.location if self.source else None,
            last_error=self._error,
            last_success=snapshot.fetched_at if snapshot else None,
            fetch_duration=snapshot.duration if snapshot else None,
            attempts=self._attempts,
        )

    def refresh(self) -> Status:
        """Fetch now, in this thread, and return the status: raises nothing."""
        if self.source is not None:
            self._fetch()
        return self.status()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the first answer (or `timeout` seconds); True when fields are known."""
        if self.source is not None:
            self._first.wait(timeout)
        return self._snapshot is not None

    async def wait_ready_async(self, timeout: float | None = None) -> bool:
        """`wait_ready` for asyncio: waits for the first answer without blocking the loop.

        Call it at start-up (``await context.wait_ready_async()``): log calls made after it
        never wait.
        """
        import asyncio

        if self.source is not None and not self._first.is_set():
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._first.wait, timeout)
        return self._snapshot is not None

    def close(self) -> None:
        """Stop refreshing and close connections, here and in forked children.

        The last snapshot stays in use.
        """
        self._closed = self._stopped = True
        self._wake.set()
        self._first.set()  # nobody waits for a first answer that will not come
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def __repr__(self) -> str:
        where = f"{self.source.kind} {self.source.location}" if self.source else "no source"
        return f"<EcsContext {self._state} from {where}>"

    # -- views ------------------------------------------------------------------------------

    def attach(self, view: View, *, wants_tags: bool = False) -> None:
        """Give a view its dict now, and a new one after every successful fetch."""
        with self._lock:
            self._views.add(view)
            view._set_fields(self._view_fields(view))
            refetch = wants_tags and not self._want_tags
            if refetch:
                self._want_tags = True
        self._report_build_errors()
        if refetch and self.source is not None:
            self._wake.set()  # a fetch without tags is done or under way: fetch again now
            self._start_thread()

    def _view_fields(self, view: View) -> Fields | None:
        if self._snapshot is not None or self._first.is_set():
            return self._build(view, self._snapshot)
        return None  # still waiting for the first answer

    def _build(self, view: View, snapshot: Snapshot | None) -> Fields:
        try:
            return view._build(snapshot)
        except Exception as exc:  # noqa: BLE001 -- a bug must not cost a log record
            # Said later, outside the lock: a handler's filter may need this very lock.
            self._build_errors.append((view, exc))
            return view._build(None)

    def _report_build_errors(self) -> None:
        while self._build_errors:
            view, exc = self._build_errors.pop()
            logger.error("ECS log context could not build the fields of %r", view, exc_info=exc)

    def _publish(self, snapshot: Snapshot | None) -> None:
        with self._lock:
            if snapshot is not None:
                self._snapshot = snapshot
            for view in list(self._views):
                view._set_fields(self._build(view, self._snapshot))
            self._first.set()
        self._report_build_errors()

    def wait_for_view(self, view: View) -> Fields:
        """The slow path of a record logged before the first answer: wait, within the bound."""
        if not getattr(_fetching, "active", False):
            remaining = self._deadline - time.monotonic()
            if remaining > 0:
                self._first.wait(remaining)
        with self._lock:
            fields = view._fields
            if fields is None:
                if time.monotonic() < self._deadline and not self._first.is_set():
                    return self._build(view, None)  # this record must not wait: no fields
                fields = self._build(view, self._snapshot)
                view._set_fields(fields)
        self._report_build_errors()
        return fields

    # -- fetching ---------------------------------------------------------------------------

    def _start_thread(self, *, first_delay: float = 0.0) -> None:
        with self._thread_lock:
            if self._stopped or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(
                target=self._run, args=(first_delay,), name="ecs-log-context", daemon=True
            )
            self._thread.start()

    def _leave(self) -> bool:
        """Whether the refresher may end now (ttl 0): not if a new fetch was asked meanwhile."""
        with self._thread_lock:
            if self._wake.is_set():
                return False
            self._thread = None
            return True

    def _run(self, first_delay: float) -> None:
        if first_delay and self._wake.wait(first_delay):
            self._wake.clear()
        failures = 0
        while not self._stopped:
            ok = self._fetch()
            if self._stopped:
                return
            if ok:
                failures = 0
                snapshot = self._snapshot
                if snapshot is not None and snapshot.with_tags == self._want_tags:
                    self._wake.clear()
                if self.settings.ttl == 0 and self._leave():
                    return
                delay = _jitter(self.settings.ttl, 0.1)
            else:
                if self._throttled:  # the agent's 429: start further back than for a blip
                    failures = max(failures, THROTTLED_START)
                delay = retry_delay(failures)
                failures += 1
            self._wake.wait(delay)
            self._wake.clear()

    def _fetch(self) -> bool:
        """One fetch, one at a time; publishes on success. True on success."""
        with self._fetch_lock:
            _fetching.active = True
            first = contextlib.nullcontext() if self._first.is_set() else holding_http_records()
            try:
                with first:
                    return self._fetch_locked()
            except Exception as exc:  # never let a bug kill the refresher or reach a log call
                self._error = f"unexpected error: {type(exc).__name__}: {exc}"
                if not self._first.is_set():
                    self._publish(None)
                state = "stale" if self._snapshot else "failing"
                if state != self._state:  # the traceback once per change of state, like the rest
                    logger.error("ECS log context: unexpected error while fetching", exc_info=True)
                self._set_state(state)
                return False
            finally:
                _fetching.active = False
                if self._stopped:  # closed under this fetch: its client must not outlive it
                    client, self._client = self._client, None
                    if client is not None:
                        client.close()

    def _fetch_locked(self) -> bool:
        # The client (and its models, httpx) load in this background thread, not at import.
        from datetime import datetime, timezone

        from .client import MetadataClient
        from .snapshot import Snapshot

        source = self.source
        if source is None or self._stopped:
            return False
        self._attempts += 1
        with_tags = self._want_tags
        started = time.monotonic()
        try:
            if self._client is None:
                self._client = MetadataClient.from_source(source, self.settings)
            task, container = self._client.task_and_container(with_tags=with_tags)
        except MetadataError as exc:
            if self._stopped:
                return False  # closed under the fetch: nothing to say, nothing will retry
            self._throttled = isinstance(exc, MetadataThrottledError)
            self._error = str(exc)
            if not self._first.is_set():
                self._publish(None)  # the first answer is a failure: nobody waits any longer
            self._set_state("stale" if self._snapshot else "failing")
            return False
        snapshot = Snapshot(
            task=task,
            container=container,
            source=source,
            fetched_at=datetime.now(timezone.utc),  # fetch thread: datetime loads here
            duration=time.monotonic() - started,
            with_tags=with_tags,
        )
        self._error = None
        self._publish(snapshot)
        self._set_state("ready")
        return True

    def _set_state(self, state: str) -> None:
        previous, self._state = self._state, state
        if state == previous:
            return
        snapshot, source = self._snapshot, self.source
        error = printable(self._error or "", 300)
        if state == "ready" and snapshot is not None and source is not None:
            logger.info(
                "ECS log context ready: task %s from %s %s in %.0f ms",
                printable(snapshot.task.task_arn or ""),
                source.kind,
                source.location,
                snapshot.duration * 1000,
            )
        elif state == "stale":
            logger.warning("ECS log context: refresh failed, keeping the last metadata: %s", error)
        else:
            logger.warning("ECS log context: no metadata yet, retrying with backoff: %s", error)

    # -- fork -------------------------------------------------------------------------------

    def _after_fork_in_child(self) -> None:
        # Another thread may have held a lock at fork time: the child gets new ones, keeps
        # the snapshot, and restarts the refresher (the parent's thread does not exist here).
        self._new_process()
        if self.source is None or self._closed:
            return
        if self._snapshot is None:
            self._start_thread()
        elif self.settings.ttl > 0:
            # The inherited snapshot is fresh: a fleet of workers must not all ask again now.
            self._start_thread(first_delay=_jitter(self.settings.ttl, 0.1))


def _reinit_after_fork() -> None:
    EcsContext._shared_lock = threading.Lock()
    for context in list(EcsContext._all):
        context._after_fork_in_child()


def _stop_all() -> None:
    # At exit, refreshers start nothing new; a fetch in flight ends with its timeout.
    for context in list(EcsContext._all):
        context._stopped = True
        context._wake.set()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reinit_after_fork)
atexit.register(_stop_all)
