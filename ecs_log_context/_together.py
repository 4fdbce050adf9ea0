"""The task and this container at once (v3, v4): the first records wait one answer, not two.

The task route is asked in a short-lived thread of the fetch. If it has not answered within a
head start of 20 ms, the container route is asked meanwhile, and the fetch takes about one
answer. A quick answer (a healthy agent's, or a throttling agent's 429) is followed by the
container's request only when it was good, as when the routes were asked in turn; and after a
failed task route the routes are asked in turn until it answers: a failing or throttled agent
gets no more requests than before.

The thread imports nothing (the caller has loaded every module it runs), counts as the
fetching thread for the library's logging (`joining_fetch`), and never outlives the call: a
fork after a fetch finds no thread of it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Generic, TypeVar

from ._held_records import joining_fetch
from .errors import MetadataError

if TYPE_CHECKING:
    from collections.abc import Callable

    from .client import MetadataClient
    from .models import ContainerMetadata, TaskMetadata

__all__ = ["HEAD_START", "task_and_container"]

HEAD_START = 0.02  # seconds: a healthy agent answers (or refuses) in a few milliseconds
_T = TypeVar("_T")


def task_and_container(
    client: MetadataClient, *, together: bool = True
) -> tuple[TaskMetadata, ContainerMetadata | None, MetadataError | None]:
    """The task; this container, or why its route failed (a good task is never lost).

    `together` False asks the routes in turn, the task first (after a failed task route).

    Raises:
        MetadataError: the task route failed.
    """
    if together:
        client._client()  # built here, not in the thread: it imports httpx
        asking = _Beside(client.task, threading.get_ident())
        if asking.started:
            came: tuple[ContainerMetadata | None, MetadataError | None] | None = None
            try:
                if not asking.wait(min(HEAD_START, client.timeout / 4)):
                    came = _container_or_error(client)  # while the task's answer comes
                task = asking.result()
            finally:
                asking.join()  # on any exit: the thread never outlives the call
            return (task, *(came or _container_or_error(client)))
    task = client.task()
    return (task, *_container_or_error(client))


def _container_or_error(
    client: MetadataClient,
) -> tuple[ContainerMetadata | None, MetadataError | None]:
    try:
        return client.container(), None
    except MetadataError as exc:
        return None, exc


class _Beside(Generic[_T]):
    """`target()` in a thread of its own that works for the fetch of thread `fetcher`.

    `started` is False where no thread can be started (at interpreter exit): the caller then
    does the work itself.
    """

    __slots__ = ("_done", "_error", "_fetcher", "_target", "_thread", "_value", "started")

    def __init__(self, target: Callable[[], _T], fetcher: int) -> None:
        self._target = target
        self._fetcher = fetcher
        self._value: _T | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ecs-log-context-task", daemon=True)
        try:
            self._thread.start()
        except RuntimeError:  # "can't create new thread at interpreter shutdown"
            self.started = False
        else:
            self.started = True

    def _run(self) -> None:
        try:
            with joining_fetch(self._fetcher):
                self._value = self._target()
        except BaseException as exc:  # noqa: BLE001 -- raised again in the caller
            self._error = exc
        finally:
            self._done.set()

    def wait(self, timeout: float) -> bool:
        """Wait at most `timeout` seconds for `target` to end: True if it has."""
        return self._done.wait(timeout)

    def join(self) -> None:
        """Wait for the thread (it ends with its request's own timeout)."""
        self._thread.join()

    def result(self) -> _T:
        """What `target` returned, or raise what it raised."""
        self.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._value  # type: ignore[return-value]  # set when no error was raised
