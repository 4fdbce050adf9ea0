"""The process's contexts across ``fork()`` and exit.

Three kinds of fork reach a context:

- ``os.fork()`` (gunicorn, Celery, multiprocessing): Python's at-fork hooks run. Before the
  fork, each context's fetch lock is taken if it is free (never waited for), so the child
  knows whether its inherited HTTP client is safe to close.
- a fork from C that runs no hooks (uWSGI's default mode): a child notices the changed
  process ID on the slow paths (a record waiting for its first fields, ``status()``, ...),
  before taking any lock, and recovers as a hooked child would. Under uWSGI, its own
  post-fork hook is used as well, so that children whose parent already had fields refresh.
- exit: refreshers start nothing new; a fetch in flight ends with its timeout.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .context import EcsContext

__all__ = ["check", "dispose", "track", "tracked"]

_contexts: weakref.WeakSet[EcsContext] = weakref.WeakSet()
_held: list[EcsContext] = []
_abandoned: list[Any] = []  # inherited clients that another thread may have been using
_pid = os.getpid()
_lock = threading.Lock()
_uwsgi_hooked = False


def track(context: EcsContext) -> None:
    """Follow `context` through forks and exit."""
    _contexts.add(context)
    if "uwsgi" in sys.modules:
        _hook_uwsgi()


def tracked() -> list[EcsContext]:
    """Every context of this process that is still referenced."""
    return list(_contexts)


def dispose(client: Any, *, clean: bool) -> None:
    """A child's inherited HTTP client: closed when no fetch was in flight at the fork (its
    sockets are the child's copies); else another thread may have held its locks, so it is
    kept, unclosed and unused, for the child's life (closing it could deadlock)."""
    if client is None:
        return
    if clean:
        with contextlib.suppress(Exception):
            client.close()
    else:
        _abandoned.append(client)


def check() -> None:
    """Recover here if this process was forked without Python's hooks (cheap otherwise)."""
    if os.getpid() != _pid:
        _recover()


def _recover() -> None:
    global _pid  # noqa: PLW0603 -- one process ID per process
    with _lock:
        if os.getpid() == _pid:
            return  # another thread of this child was first
        _pid = os.getpid()
        for context in tracked():
            context._after_fork(clean=False)


def _before_fork() -> None:
    for context in tracked():
        if context._fetch_lock.acquire(blocking=False):
            _held.append(context)


def _after_fork_in_parent() -> None:
    while _held:
        _held.pop()._fetch_lock.release()


def _after_fork_in_child() -> None:
    global _pid, _lock  # noqa: PLW0603 -- the child's own
    from .context import EcsContext

    _pid = os.getpid()
    _lock = threading.Lock()
    EcsContext._shared_lock = threading.Lock()
    clean = set(map(id, _held))
    _held.clear()
    for context in tracked():
        context._after_fork(clean=id(context) in clean)


def _after_uwsgi_fork() -> None:
    """uWSGI's post-fork hook: what Python's hooks would have done."""
    import logging

    if os.getpid() == _pid:
        return  # --py-call-uwsgi-fork-hooks: Python's own hooks ran already
    # A handler's lock held by a thread of the master at the fork would be held for good.
    reinit = getattr(logging, "_after_at_fork_child_reinit_locks", None)
    if reinit is not None:
        reinit()
    _recover()


def _hook_uwsgi() -> None:
    global _uwsgi_hooked  # noqa: PLW0603 -- once per process
    if _uwsgi_hooked:
        return
    _uwsgi_hooked = True
    try:
        import uwsgidecorators  # shipped with uWSGI: its chain is what apps use

        uwsgidecorators.postfork_chain.append(_after_uwsgi_fork)
    except Exception:  # noqa: BLE001 -- no decorators: chain uWSGI's own hook
        try:
            import uwsgi

            previous = getattr(uwsgi, "post_fork_hook", None)

            def hook() -> None:
                if callable(previous):
                    previous()
                _after_uwsgi_fork()

            uwsgi.post_fork_hook = hook
        except Exception:  # noqa: BLE001, S110 -- the process-ID check still recovers
            pass


def _stop_all() -> None:
    for context in tracked():
        context._refresher.stop()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_before_fork,
        after_in_parent=_after_fork_in_parent,
        after_in_child=_after_fork_in_child,
    )
atexit.register(_stop_all)
