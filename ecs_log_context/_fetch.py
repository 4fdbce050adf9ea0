"""One fetch of what records need, route by route: a failing route costs only its own part.

The task route is the one that must answer; the container route (v3, v4) and the tags route
are parts of their own: when one fails, the snapshot comes without it, says why in
``missing``, and names it in ``retry``. Tags are fetched after the fields are published, so
that a slow taskWithTags route (two ECS API calls inside the agent) never holds them up.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from ._held_records import holding_http_records, prepare_holding
from ._messages import UNEXPECTED, say
from ._refresher import Outcome
from ._snapshot import Snapshot
from ._source import Source
from ._together import task_and_container
from .client import MetadataClient
from .errors import MetadataError, MetadataThrottledError, printable

if TYPE_CHECKING:
    from .context import EcsContext

__all__ = ["fetch_fields", "fetch_once", "fetch_round", "fetch_tags", "prepare"]


def fetch_round(
    client: MetadataClient,
    source: Source,
    last: Snapshot | None,
    pending: frozenset[str] | None,
    *,
    want_tags: bool,
    publish: Callable[[Snapshot], None],
    together: bool = True,
) -> Snapshot:
    """One round: the parts still `pending` (None: all), the fields published before the tags.

    `together`: the task and the container routes at once (`_together`); False after the
    task route failed.

    Raises:
        MetadataError: the task route (or the metadata file) failed.
    """
    started = time.monotonic()
    if last is None or pending is None or pending - {"tags"}:
        snapshot = fetch_fields(client, source, last, started, together=together)
        if want_tags:  # the fields first: tags never hold them up
            publish(snapshot)
    else:
        snapshot = last
    if want_tags:
        snapshot = fetch_tags(client, snapshot, started)
    return snapshot


def fetch_fields(
    client: MetadataClient,
    source: Source,
    last: Snapshot | None,
    started: float,
    *,
    together: bool = True,
) -> Snapshot:
    """The task and this container; the tags of `last` are kept until they are fetched again.

    On v3 and v4 the two routes are asked at once, unless `together` is False.

    Raises:
        MetadataError: the task route (or the metadata file) failed.
    """
    missing: dict[str, str] = {}
    retry: set[str] = set()
    if source.kind == "file":
        task, container = client.task_and_container()
    elif source.kind == "v2":
        task = client.task()
        container = client.own_container(task)
        if container is None:
            why = client.explain_own_container(task)
            if "ECS_LOG_CONTEXT_CONTAINER_NAME" not in why:
                why += "; set ECS_LOG_CONTEXT_CONTAINER_NAME to its name"
            missing["container"] = f"cannot tell which of the task's containers this is: {why}"
    else:
        task, container, failure = task_and_container(client, together=together)
        if failure is not None:
            container = last.container if last is not None else None
            retry.add("container")
            if container is None:
                missing["container"] = f"the container route failed: {failure}"
    tags = None
    if last is not None:
        tags = last.tags
        if "tags" in last.missing:
            missing["tags"] = last.missing["tags"]
        retry |= last.retry & {"tags"}
    return Snapshot(
        task=task,
        container=container,
        source=source,
        fetched_at=datetime.now(timezone.utc),
        duration=time.monotonic() - started,
        tags=tags,
        missing=missing,
        retry=frozenset(retry),
    )


def fetch_tags(client: MetadataClient, snapshot: Snapshot, started: float) -> Snapshot:
    """`snapshot` with the task's tags, or with the reason they are missing."""
    missing = {part: why for part, why in snapshot.missing.items() if part != "tags"}
    retry = set(snapshot.retry) - {"tags"}
    tags = snapshot.tags
    try:
        tagged = client.task_with_tags()
    except MetadataError as exc:
        retry.add("tags")
        if tags is None:  # a failed refresh keeps the tags it had
            missing["tags"] = f"the taskWithTags route failed: {exc}"
    else:
        tags = dict(tagged.task_tags)
        errors = [e for e in tagged.errors if e.error_field in (None, "TaskTags")]
        if errors and not tags:
            missing["tags"] = agent_tag_error(errors[0].error_code, errors[0].error_message)
    return Snapshot(
        task=snapshot.task,
        container=snapshot.container,
        source=snapshot.source,
        fetched_at=snapshot.fetched_at,
        duration=time.monotonic() - started,
        tags=tags,
        missing=missing,
        retry=frozenset(retry),
    )


def agent_tag_error(code: str | None, message: str | None) -> str:
    """The agent's own tag error, in its words, with the fix when it is the usual one."""
    said = printable(f"{code or 'error'}: {message or 'no message'}", 400)
    text = f"the agent could not read the task's tags ({said})"
    if code and "AccessDenied" in code:
        text += (
            "; allow ecs:ListTagsForResource to the role the agent calls ECS with "
            "(on EC2, the container instance role)"
        )
    return text


def prepare() -> None:
    """Import what a fetch needs, in the calling thread, never in the refresher's.

    About 0.2 s, once per process (httpx and the models), and only where a source exists.
    A fork while the refresher imported would leave the child half-initialised modules.
    """
    import datetime  # noqa: F401 -- the snapshot's timestamp
    import random  # noqa: F401 -- the jitter

    import httpx

    from . import _arn as arn  # noqa: F401 -- the field builder's ARNs
    from . import _image  # noqa: F401 -- and its image references
    from ._version import user_agent

    user_agent()  # importlib.metadata
    "localhost".encode("idna")  # httpx encodes host names: the codec loads on first use
    "\n".encode("unicode_escape")  # errors.printable's codec
    prepare_holding()
    global _PREPARED_FLAG  # noqa: PLW0603 -- once per process
    if not _PREPARED_FLAG:
        # Building a client imports httpcore, h11, certifi ... : once, here, then dropped.
        httpx.Client(trust_env=False, verify=False).close()  # noqa: S501 -- never used
        _PREPARED_FLAG = True


_PREPARED_FLAG = False


def fetch_once(self: EcsContext) -> str:
    """One fetch of `self`, one at a time; publishes what it got.

    The context's own fetch, kept here with the routes it asks: only the context calls it.
    """
    with self._fetch_lock:
        self._fetcher = threading.get_ident()
        holding = (
            contextlib.nullcontext() if self._publisher.first.is_set() else holding_http_records()
        )
        try:
            with holding:
                return _fetch_locked(self)
        except Exception as exc:  # noqa: BLE001 -- a bug must not kill the refresher
            self._error = f"unexpected error: {type(exc).__name__}: {exc}"
            state = "stale" if self._publisher.snapshot else "failing"
            if state != self._state:  # the traceback once per change of state
                say(logging.ERROR, UNEXPECTED, exc_info=exc)
            self._publish(None, state)
            return Outcome.FAILED
        finally:
            self._fetcher = None
            self._publisher.first_round.set()
            if self._refresher.stopped:  # closed under this fetch: its client must go
                self._close_client()


def _fetch_locked(self: EcsContext) -> str:
    source = self.source
    if source is None or self._refresher.stopped:
        return Outcome.STOPPED
    if self._client is None:
        self._client = MetadataClient.from_source(source, self.settings)
    self._attempts += 1
    try:
        snapshot = fetch_round(
            self._client,
            source,
            self._publisher.snapshot,
            self._pending,
            want_tags=self._want_tags,
            publish=lambda snapshot: _fields_in(self, snapshot),
            together=self._error is None,  # after a failed task route: in turn
        )
    except MetadataError as exc:
        if self._refresher.stopped:
            return Outcome.STOPPED  # closed under the fetch: nothing to say
        self._error = str(exc)
        self._publish(None, "stale" if self._publisher.snapshot else "failing")
        if isinstance(exc, MetadataThrottledError):
            return Outcome.THROTTLED
        return Outcome.FAILED
    self._error = None
    self._publish(snapshot, "ready")
    self._pending = snapshot.retry or None
    return Outcome.PARTIAL if snapshot.retry else Outcome.OK


def _fields_in(self: EcsContext, snapshot: Snapshot) -> None:
    """The fields came (the tags are asked next): publish them now."""
    self._error = None
    self._publish(snapshot, "ready")
