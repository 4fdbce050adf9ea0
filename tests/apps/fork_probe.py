"""Fork at a chosen moment of start-up, from a fresh interpreter, and say what each side got.

Run by tests/test_startup_forks.py as ``python fork_probe.py KIND DELAY_MS FORK``:

- KIND: ``filter``, ``formatter`` or ``processor``: what the "application" builds at import,
  a logger whose handler carries `EcsContextFilter`, a handler formatting with
  `EcsJsonFormatter`, or structlog with `EcsContextProcessor`;
- DELAY_MS: milliseconds between building it and the fork; nothing is logged before the fork,
  as an application preloaded by gunicorn, Celery or uWSGI logs nothing before its workers start;
- FORK: ``os`` (`os.fork`, which runs Python's at-fork hooks) or ``raw`` (libc's fork() through
  ctypes, which does not: what uWSGI does by default; ctypes releases the GIL around the call, as
  uWSGI's master does around its fork).

Both processes then log a record every 50 ms until one carries the task's fields, for at most
PROBE_DEADLINE seconds (default 8), read `EcsContext.default().status()`, and print one JSON line
each on stdout: ``{"who": "parent"|"child", "enriched": ..., ...}``, then the parent prints how
the child ended, ``{"who": "exit", "child_status": ..., "killed": ...}``. A child that hangs
dumps its threads' stacks to stderr and ends with status 1 (faulthandler's watchdog); one that
cannot even run its watchdog (it never got the GIL back after the fork) is killed by the parent.
After a raw fork the dumps also list the parent's other threads, frozen where the fork found
them: their states were copied, the threads themselves were not.

The metadata endpoint is the environment's (``ECS_CONTAINER_METADATA_URI_V4``).
"""

from __future__ import annotations

import ctypes
import faulthandler
import json
import logging
import os
import signal
import sys
import time

KIND, DELAY_MS, FORK = sys.argv[1], float(sys.argv[2]), sys.argv[3]
DEADLINE = float(os.environ.get("PROBE_DEADLINE", "8"))
HARD_LIMIT = DEADLINE + 4  # the child's own budget: logging, then status()
ARN_KEY = "ecs_task_arn"

raw_fork = ctypes.CDLL(None).fork  # resolved now: nothing to look up in the child
faulthandler.enable(all_threads=True)  # a crash (SIGSEGV, abort) says where, in both

# -- the "application": its logging, built at import, nothing logged --------------------------

if KIND == "processor":
    import structlog

    from ecs_log_context import EcsContext, EcsContextProcessor

    structlog.configure(
        processors=[EcsContextProcessor(), structlog.processors.JSONRenderer()],
        logger_factory=structlog.ReturnLoggerFactory(),
        cache_logger_on_first_use=False,
    )
    _slog = structlog.get_logger("app")

    def log_one() -> dict[str, object]:
        return dict(json.loads(_slog.info("probe")))

else:
    from ecs_log_context import EcsContext, EcsContextFilter, EcsJsonFormatter

    class Keep(logging.Handler):
        """Keeps the last record, formatted when the formatter is the library's."""

        last: dict[str, object] = {}  # noqa: RUF012 -- one handler per process

        def emit(self, record: logging.LogRecord) -> None:
            if KIND == "formatter":
                Keep.last = json.loads(self.format(record))
            else:
                Keep.last = {k: v for k, v in vars(record).items() if k.startswith("ecs_")}

    handler = Keep()
    if KIND == "formatter":
        handler.setFormatter(EcsJsonFormatter("%(message)s"))
    else:
        handler.addFilter(EcsContextFilter())
    _log = logging.getLogger("app")
    _log.propagate = False
    _log.setLevel(logging.INFO)
    _log.addHandler(handler)

    def log_one() -> dict[str, object]:
        _log.info("probe")
        return dict(Keep.last)


built = time.monotonic()


def probe(who: str) -> dict[str, object]:
    """Log until a record is enriched (within DEADLINE), then read the status."""
    first = log_one()
    records, out, t0 = 1, first, time.monotonic()
    while not out.get(ARN_KEY) and time.monotonic() - t0 < DEADLINE:
        time.sleep(0.05)
        out = log_one()
        records += 1
    waited = time.monotonic() - t0
    if not out.get(ARN_KEY):  # say where every thread is, the refresher's included
        faulthandler.dump_traceback(all_threads=True)
    status = EcsContext.default().status()
    return {
        "who": who,
        "pid": os.getpid(),
        "enriched": bool(out.get(ARN_KEY)),
        "first_enriched": bool(first.get(ARN_KEY)),
        "task_arn": out.get(ARN_KEY),
        "fields": {k: v for k, v in out.items() if str(k).startswith("ecs_")},
        "records": records,
        "seconds": round(waited, 3),
        "state": status.state,
        "attempts": status.attempts,
        "last_error": (status.last_error or "")[:400] or None,
    }


def say(result: dict[str, object]) -> None:
    os.write(1, (json.dumps(result, default=str) + "\n").encode())


if DELAY_MS:
    time.sleep(DELAY_MS / 1000)
forked_at = round((time.monotonic() - built) * 1000, 1)
pid = raw_fork() if FORK == "raw" else os.fork()

if pid == 0:  # the child: never return into anything but os._exit
    code = 0
    try:
        # A hang dumps every thread's stack to stderr, then ends the child with status 1.
        faulthandler.dump_traceback_later(HARD_LIMIT, exit=True)
        result = probe("child")
        result["forked_ms_after_build"] = forked_at
        faulthandler.cancel_dump_traceback_later()
        say(result)
    except BaseException as exc:
        say({"who": "child", "error": f"{type(exc).__name__}: {exc}"[:600]})
        code = 3
    os._exit(code)

say(probe("parent") | {"forked_ms_after_build": forked_at})
limit = time.monotonic() + HARD_LIMIT + 3
killed = False
while True:
    done, status = os.waitpid(pid, os.WNOHANG)
    if done:
        break
    if time.monotonic() > limit:  # not even its watchdog ran: it never ran Python again
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        killed = True
        break
    time.sleep(0.02)
say({"who": "exit", "child_status": os.waitstatus_to_exitcode(status), "killed": killed})
sys.stdout.flush()
os._exit(0)
