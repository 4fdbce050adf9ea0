"""`EcsContext`: the shared, cached metadata of this task, fetched in the background.

The context knows nothing of the integrations above it: they subscribe a callback, which it
calls with every new `Snapshot`, and they wait (bounded) for the first one. The schedule lives
in the `Refresher`; the fetch itself, the state and the process's forks live here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from . import _forks
from ._fields import build_fields
from ._held_records import NEVER_WAIT
from ._messages import MissingReasons, say, tell
from ._settings import ContextSettings, FieldSettings
from ._source import Source, find_source
from .errors import NoMetadataSourceError

if TYPE_CHECKING:
    from ._publisher import Publisher
    from ._refresher import Refresher
    from ._snapshot import Snapshot, Status
    from .client import MetadataClient

    Subscriber = Callable[[Snapshot | None], None]

__all__ = ["NEVER_WAIT", "EcsContext"]


class EcsContext:
    """The metadata of this task and container, fetched once and kept fresh in the background.

    Most applications never build one: the processor, the filter and the formatter share
    `EcsContext.default()` (or `EcsContext.shared(settings)`), one per process and settings.
    A context built directly is a context of its own, with its own fetch.

    Args:
        enabled: ``ECS_LOG_CONTEXT_ENABLED``: False does no I/O at all.
        source: ``ECS_LOG_CONTEXT_SOURCE``: auto, v4, v3, v2 or file.
        v2_endpoint: ``ECS_LOG_CONTEXT_V2_ENDPOINT``.
        container_name: ``ECS_LOG_CONTEXT_CONTAINER_NAME``.
        timeout: ``ECS_LOG_CONTEXT_TIMEOUT``: the HTTP timeout, and the longest the first log
            calls wait for the first answer.
        ttl: ``ECS_LOG_CONTEXT_TTL``: seconds between refreshes; 0 never refreshes.
        with_tags: fetch the task's tags too (default: when ``ECS_LOG_CONTEXT_TAGS`` is set).
            A subscriber that asks for tags turns it on.
        environ: the environment to read instead of ``os.environ``.

    Raises:
        ConfigurationError: a setting holds a value that cannot be used.
    """

    _shared: ClassVar[dict[tuple[ContextSettings, str | None], EcsContext]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

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
                    say(logging.WARNING, "ECS log context is off: %s", exc)
        if with_tags is None:
            with_tags = bool(FieldSettings.resolve(environ=environ).tags)
        self._want_tags = with_tags
        # Imported by the first context, not by `import ecs_log_context`.
        from ._publisher import Publisher
        from ._refresher import Refresher

        self._publisher: Publisher = Publisher()
        self._pending: frozenset[str] | None = None  # parts to fetch again; None: all
        self._told_missing: Mapping[str, str] = {}
        self._reasons = MissingReasons(environ)  # what subscribers ask for, and what was said
        self._attempts = 0
        self._closed = False
        self._fetcher: int | None = None  # the ident of the thread (or greenlet) fetching
        self._client: MetadataClient | None = None
        self._state = (
            "waiting" if self.source else ("off_ecs" if self.settings.enabled else "disabled")
        )
        self._refresher: Refresher = Refresher(self._fetch, ttl=self.settings.ttl)
        self._started = False
        self._new_process()
        _forks.track(self)
        if self.source is not None:
            # Everything a fetch needs is imported here, in the constructing thread: a fork
            # while the refresher imported would leave the child half-initialised modules.
            from ._fetch import prepare

            prepare()

    def _start(self) -> None:
        """Start fetching, on first demand: a record, `wait_ready()`, `status()`, `fields()`.

        Not at construction: a preforking server whose app logs nothing before the fork has
        no thread of ours when it forks, and a fork from C that runs no hooks (uWSGI) cannot
        copy a thread's half-held locks, or the GIL, into its workers.
        """
        if self._started or self.source is None or self._closed:
            return
        self._started = True
        self._publisher.restart_deadline(self.settings.timeout)
        self._refresher.start()

    def _new_process(self) -> None:
        """Locks, events and the startup bound of this process (again, in a forked child)."""
        self._fetch_lock = threading.Lock()  # single flight
        self._reasons.reset()
        self._fetcher = None
        self._refresher.reset()
        self._refresher.stopped = self._closed
        settled = self.source is None or self._state == "failing" or self._closed
        self._publisher.reset(
            self.settings.timeout, settled=settled or self._publisher.snapshot is not None
        )

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
                context = cls(**settings._asdict(), with_tags=with_tags or None, environ=environ)
                cls._shared[key] = context
            return context

    @classmethod
    def reset_all(cls) -> None:
        """Close every context of this process and forget the shared ones.

        For tests, as structlog's ``reset_defaults()``: integrations built afterwards get new
        contexts, built from the environment as it is then.
        """
        for context in _forks.tracked():
            context.close()
        with cls._shared_lock:
            cls._shared.clear()

    # -- what users ask ---------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot | None:
        """The last good fetch, or None."""
        return self._publisher.snapshot

    def fields(self, settings: FieldSettings | None = None) -> dict[str, Any]:
        """The keys a record gets now, for these field settings (from the environment if None).

        Never waits and never raises for metadata: empty when nothing is known yet.
        """
        _forks.check()
        self._start()
        snapshot = self._publisher.snapshot
        if snapshot is None:
            return {}
        return build_fields(
            snapshot.task,
            snapshot.container,
            settings or FieldSettings.resolve(environ=self._environ),
            tags=snapshot.tags,
        )

    def status(self) -> Status:
        """The state, the source, the last error, the last success, and what is missing."""
        from ._snapshot import Status

        _forks.check()
        self._start()
        snapshot = self._publisher.snapshot
        return Status(
            state=self._state,
            source=self.source.kind if self.source else None,
            location=self.source.location if self.source else None,
            last_error=self._error,
            last_success=snapshot.fetched_at if snapshot else None,
            fetch_duration=snapshot.duration if snapshot else None,
            attempts=self._attempts,
            missing=self._reasons.missing(snapshot) if snapshot else {},
        )

    def refresh(self) -> Status:
        """Fetch now, in this thread, and return the status: raises nothing."""
        _forks.check()
        if self.source is not None:
            self._pending = None
            self._fetch()
            self._start()
        return self.status()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until the first fetch is done (or `timeout` seconds); True when fields are known.

        The first fetch includes the task's tags when they are asked for: a preloaded server
        that waits here before forking gives its workers everything.
        """
        _forks.check()
        if self.source is not None:
            self._start()
            self._publisher.first_round.wait(timeout)
        return self._publisher.snapshot is not None

    async def wait_ready_async(self, timeout: float | None = None) -> bool:
        """`wait_ready` for asyncio: waits for the first answer without blocking the loop.

        Call it at start-up (``await context.wait_ready_async()``): log calls made after it
        never wait.
        """
        import asyncio

        _forks.check()
        self._start()
        if self.source is not None and not self._publisher.first_round.is_set():
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._publisher.first_round.wait, timeout)
        return self._publisher.snapshot is not None

    def close(self) -> None:
        """Stop refreshing and close connections, here and in forked children.

        The last snapshot stays in use.
        """
        self._closed = True
        self._refresher.stop()
        self._publisher.settle()  # nobody waits for a first answer that will not come
        if self._fetch_lock.acquire(blocking=False):  # else the fetch in flight closes it
            try:
                self._close_client()
            finally:
                self._fetch_lock.release()

    def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def __repr__(self) -> str:
        where = f"{self.source.kind} {self.source.location}" if self.source else "no source"
        return f"<EcsContext {self._state} from {where}>"

    # -- subscribers ------------------------------------------------------------------------

    def subscribe(
        self,
        on_snapshot: Subscriber,
        *,
        wants_tags: bool = False,
        settings: FieldSettings | None = None,
    ) -> None:
        """Call `on_snapshot` with every new snapshot, from now on.

        It is called at once when the first answer is in (with None when it failed), and
        after every fetch that brings something new; never with an older snapshot than the
        last it got. A bound method is held weakly: the subscriber may be garbage collected.
        It must not log or block: it runs under the context's lock. `settings`: the fields
        and tags it adds; `status()` says why each one it does not get is missing.
        """
        _forks.check()
        new_settings = settings is not None and self._reasons.want(settings)
        refetch = wants_tags and not self._want_tags

        def want_tags() -> None:
            if refetch:
                self._want_tags = True
                if self._publisher.snapshot is not None:
                    self._pending = frozenset({"tags"})

        self._publisher.subscribe(on_snapshot, then=want_tags)
        if refetch and self._started:
            self._refresher.wake()  # a fetch without tags is done or under way: fetch again
        if new_settings and self._state == "ready":  # else the next publication says them
            self._reasons.tell(self._publisher.snapshot)

    def wait_first(self) -> bool:
        """The slow path of a record logged before the first answer: wait, within the bound.

        Returns True when waiting is over for good (the first answer is in, or the startup
        bound passed); False for a record of the fetching thread itself (httpx's, ours),
        which must not wait for the fetch it is part of.
        """
        _forks.check()
        self._start()
        # Looked up per call, not captured at import: gevent may patch threading later.
        ident = threading.get_ident()
        return self._publisher.wait_first(fetching=self._fetcher == ident or ident in NEVER_WAIT)

    def deliver(self, on_snapshot: Subscriber) -> None:
        """Call `on_snapshot` with the current snapshot, ordered with every publication."""
        self._publisher.deliver(on_snapshot)

    def _publish(self, snapshot: Snapshot | None, state: str) -> None:
        previous = self._state

        def set_state() -> None:  # a record enriched by this snapshot never reads "waiting"
            self._state = state

        self._publisher.publish(snapshot, before=set_state)
        self._told_missing = tell(
            previous,
            state,
            snapshot=self._publisher.snapshot,
            source=self.source,
            error=self._error,
            told_missing=self._told_missing,
        )
        if state == "ready":
            self._reasons.tell(self._publisher.snapshot)

    # -- fetching ---------------------------------------------------------------------------

    def _fetch(self) -> str:
        """One fetch, one at a time; publishes what it got (see `_fetch.fetch_once`)."""
        from ._fetch import fetch_once

        return fetch_once(self)

    # -- fork -------------------------------------------------------------------------------

    def _after_fork(self, *, clean: bool) -> None:
        """In a child: new locks, the inherited snapshot, and a refresher of its own.

        Args:
            clean: no fetch was in flight at the fork: the inherited client may be closed.
        """
        client, self._client = self._client, None
        self._new_process()
        _forks.dispose(client, clean=clean)
        started, self._started = self._started, False
        if self.source is None or self._closed:
            return
        from ._refresher import plan_after_fork

        plan = plan_after_fork(
            self._publisher.snapshot, want_tags=self._want_tags, ttl=self.settings.ttl
        )
        if plan is None:
            if started:  # the parent was fetching: so does the child, at once
                self._start()
            return
        delay, self._pending = plan
        self._started = True
        if delay is not None:
            self._refresher.start(first_delay=delay)
