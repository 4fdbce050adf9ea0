"""The fault matrix: behaviours 2 to 5, 7 and 8 of PRODUCT.md under every way the endpoint fails.

Each fault runs one scenario against a real loopback server:

1. the server misbehaves; a processor, a filter and a JSON formatter sharing one context point
   at it (timeout 0.6 s) and log from the first instant, every few milliseconds;
2. for 3 s the failing endpoint is watched: no log call raises, every record reaches its sink,
   only the first calls wait (at most the timeout), and the retries back off (a handful of
   requests, not a storm);
3. the endpoint turns healthy: the fields must appear within the pending backoff;
4. the library must have said what happened on its own logger: one warning for the failure,
   one info once ready, nothing else.

The scenarios are independent and mostly sleep, so they run all at once in threads (about
15 s for the whole matrix); each parametrized test then checks its own scenario's record.
``python -m tests.test_faults`` prints the matrix as a table.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import traceback
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import pytest
import structlog
from structlog.testing import CapturingLogger

from ecs_log_context import EcsContextFilter, EcsContextProcessor, EcsJsonFormatter

from .capture import RecordCapture, library_records
from .documents import ENDPOINT_ID, V4_CONTAINER, V4_TASK, healthy_routes
from .loopback import NOT_FOUND, LoopbackServer, RefusingPort, Reply, json_reply

TIMEOUT = 0.6  # the library's timeout in every scenario: over NO_WAIT by a margin
WINDOW = 3.0  # seconds the endpoint fails before it recovers
TICK = 0.03  # seconds between rounds of log calls
MAX_REQUESTS = 8  # requests to the failing endpoint in WINDOW: ~3 with a 1 s, 2 s backoff
STARTUP_MARGIN = 0.6  # added to the timeout for the startup wait: generous, 2 busy cores
NO_WAIT = 0.45  # a log call after the startup window: no I/O, only scheduling noise
CONSTRUCT_BOUND = 1.0  # building three integrations among a dozen busy scenario threads
RECOVERY_MARGIN = 1.5  # added to the pending backoff for the fields to appear

MiB = 1024 * 1024
TEXT = "text/plain; charset=utf-8"
THROTTLED = Reply(429, "You have reached maximum request limit.", TEXT)


def _task(**changes: object) -> str:
    return json.dumps({**V4_TASK, **changes})


@dataclass(frozen=True)
class Fault:
    """One way the endpoint fails.

    Attributes:
        name: the test id.
        version: v4, v3 or v2: which variable points at the server.
        failing: (base URL, route prefix, the other server's URL) -> the failing routes.
        says: what the warning must say (lower case).
        refused: nothing listens at all until recovery.
    """

    name: str
    version: str
    failing: Callable[[str, str, str], Mapping[str, Reply]]
    says: str
    refused: bool = False


def _on_task(reply: Reply) -> Callable[[str, str, str], Mapping[str, Reply]]:
    """The task route fails so; the container route is healthy."""
    return lambda url, prefix, other: {
        prefix + "/task": reply,
        "/v2/metadata": reply,
        prefix: json_reply(V4_CONTAINER),
    }


def _everywhere(reply: Reply) -> Callable[[str, str, str], Mapping[str, Reply]]:
    return lambda url, prefix, other: {prefix + "/task": reply, prefix: reply}


def _redirect(location: Callable[[str, str, str], str]) -> Callable[..., Mapping[str, Reply]]:
    def routes(url: str, prefix: str, other: str) -> Mapping[str, Reply]:
        return {
            prefix + "/task": Reply(301, b"", None, {"Location": location(url, prefix, other)}),
            # The clean path the loop goes through: it redirects back.
            prefix + "/task/": Reply(301, b"", None, {"Location": prefix + "/task"}),
            prefix: json_reply(V4_CONTAINER),
        }

    return routes


def _deep_nesting() -> str:
    return "[" * 100_000 + "]" * 100_000


FAULTS = [
    Fault("refused", "v4", lambda *_: {}, "cannot connect", refused=True),
    Fault("hang", "v4", _on_task(Reply(fault="hang")), "no answer within 0.6 s"),
    # Headers, then one byte every 0.1 s: every read is within the timeout (by four times, so
    # that a loaded machine's stall does not make it a read timeout), the whole body never is
    # (the client abandons an answer after twice the timeout).
    Fault(
        "drip_within_read_timeout",
        "v4",
        _on_task(Reply(200, _task(), fault="drip", drip_every=0.1)),
        "took over 1.2 s",
    ),
    Fault(
        "drip_beyond_read_timeout",
        "v4",
        _on_task(Reply(200, _task(), fault="drip", drip_every=0.9)),
        "no answer within 0.6 s",
    ),
    Fault("close_mid_body", "v4", _on_task(Reply(200, _task(), fault="close")), "connection"),
    Fault("reset", "v4", _on_task(Reply(fault="reset")), "connection"),
    Fault(
        "v4_500_agent_body",
        "v4",
        _on_task(
            json_reply(f"Unable to generate metadata for v4 task: '{V4_TASK['TaskARN']}'", 500)
        ),
        "http 500: unable to generate metadata for v4 task",
    ),
    Fault(
        "v4_404_unknown_id",
        "v4",
        _on_task(
            json_reply(
                "V4 task metadata handler: unable to get task arn from request: "
                f"unable to get task Arn from v3 endpoint ID: {ENDPOINT_ID}",
                404,
            )
        ),
        "http 404: v4 task metadata handler",
    ),
    Fault(
        "v3_500_unknown_id",
        "v3",
        _on_task(
            json_reply(
                "V3 task metadata handler: unable to get task arn from request: "
                f"unable to get task Arn from v3 endpoint ID: {ENDPOINT_ID}",
                500,
            )
        ),
        "http 500: v3 task metadata handler",
    ),
    Fault(
        "v2_400_not_awsvpc",
        "v2",
        _on_task(
            json_reply(
                "Unable to get task arn from request: unable to associate '127.0.0.1' with task",
                400,
            )
        ),
        "http 400: unable to get task arn",
    ),
    Fault("no_route_404_text", "v4", _on_task(NOT_FOUND), "http 404: 404 page not found"),
    Fault("throttled_429_sustained", "v4", _everywhere(THROTTLED), "429: you have reached"),
    Fault(
        "redirect_loop_on_clean_paths",
        "v4",
        _redirect(lambda url, prefix, other: prefix + "/task/"),
        "more than one redirect",
    ),
    Fault(
        "redirect_to_another_host",
        "v4",
        _redirect(lambda url, prefix, other: other + prefix + "/task"),
        "not followed",
    ),
    Fault(
        "redirect_to_credentials",
        "v4",
        _redirect(lambda url, prefix, other: "/v2/credentials/0a1b2c3d"),
        "not followed",
    ),
    Fault("invalid_json", "v4", _on_task(Reply(200, '{"Cluster": "default", ')), "not json"),
    Fault("json_array", "v4", _on_task(json_reply([V4_TASK])), "expected a json object"),
    Fault("json_string", "v4", _on_task(json_reply("task")), "expected a json object"),
    Fault("json_null", "v4", _on_task(Reply(200, "null")), "expected a json object"),
    Fault(
        "revision_a_float",
        "v4",
        _on_task(Reply(200, _task(Revision=26.5))),
        "revision: expected a string or an integer",
    ),
    Fault(
        "containers_an_object",
        "v4",
        _on_task(Reply(200, _task(Containers={"curl": V4_CONTAINER}))),
        "containers: expected a json array",
    ),
    Fault(
        "string_of_10_mb",
        "v4",
        _on_task(Reply(200, _task(Family="f" * (10 * MiB)))),
        "over the cap",
    ),
    Fault(
        "body_64_mb_streamed",
        "v4",
        _on_task(Reply(200, b" ", fault="stream", size=64 * MiB)),
        "over the cap",
    ),
    Fault(
        "body_64_mb_declared",
        "v4",
        _on_task(Reply(200, b" ", fault="declared", size=64 * MiB)),
        "over the cap",
    ),
    Fault("deeply_nested_json", "v4", _on_task(Reply(200, _deep_nesting())), "json"),
    # The agent's error bodies are JSON strings: the client decodes the first 4 KiB of them.
    Fault(
        "error_body_deeply_nested",
        "v4",
        _on_task(Reply(500, "[" * 4096)),
        "http 500",
    ),
]


@dataclass
class Call:
    started: float  # seconds after construction
    duration: float


@dataclass
class Run:
    """What one scenario saw."""

    fault: Fault
    construct: float = 0.0
    construct_requests: int = 0  # requests the endpoint received before the first log call
    calls: list[Call] = field(default_factory=list)
    made: int = 0  # rounds of log calls (one stdlib call and one structlog call each)
    raised: list[str] = field(default_factory=list)
    stdlib_records: int = 0
    json_lines: int = 0
    structlog_events: int = 0
    requests_in_window: int = 0
    attempts_at_flip: int = 0
    state_at_flip: str = ""
    last_error_at_flip: str | None = None
    recovered_after: float | None = None
    bound: float = 0.0
    state_at_end: str = ""
    said: list[logging.LogRecord] = field(default_factory=list)
    other_host_requests: int = 0
    credential_requests: int = 0
    bytes_sent: int = 0
    own_keys_kept: bool = True
    error: str | None = None

    @property
    def first_wait(self) -> float:
        return self.calls[0].duration if self.calls else float("nan")

    @property
    def longest_wait(self) -> float:
        return max((c.duration for c in self.calls), default=0.0)

    @property
    def longest_wait_after_startup(self) -> float:
        late = [c.duration for c in self.calls if c.started > TIMEOUT + 0.1]
        return max(late, default=0.0)

    def levels(self, level: int) -> list[logging.LogRecord]:
        return [r for r in self.said if r.levelno == level]


def _environ(version: str, url: str, prefix: str) -> dict[str, str]:
    if version == "v4":
        return {"ECS_CONTAINER_METADATA_URI_V4": url + prefix}
    if version == "v3":
        return {"ECS_CONTAINER_METADATA_URI": url + prefix}
    return {"ECS_LOG_CONTEXT_V2_ENDPOINT": url, "ECS_LOG_CONTEXT_CONTAINER_NAME": "nginx-curl"}


class _Identity:
    """The last structlog processor: hands the event dict to the capturing logger as is."""

    def __call__(
        self, logger: object, name: str, event_dict: MutableMapping[str, Any]
    ) -> Mapping[str, Any]:
        return event_dict


def _scenario(fault: Fault, said: RecordCapture, run: Run) -> None:  # noqa: PLR0912
    prefix = {"v4": f"/v4/{ENDPOINT_ID}", "v3": f"/v3/{ENDPOINT_ID}", "v2": ""}[fault.version]
    other = LoopbackServer(healthy_routes(fault.version, prefix)).start()  # bait for redirects
    refusing: RefusingPort | None = None
    server: LoopbackServer | None = None
    try:
        if fault.refused:
            refusing = RefusingPort()
            url = refusing.url
        else:
            server = LoopbackServer().start()
            url = server.url
            server.behave(fault.failing(url, prefix, other.url))
        environ = _environ(fault.version, url, prefix)

        # The application's logging: stdlib with the filter on one handler and the JSON
        # formatter on another; structlog with the processor.
        log = logging.getLogger(f"faults.{fault.name}")
        log.propagate = False
        log.setLevel(logging.INFO)
        plain, as_json = RecordCapture(), RecordCapture()
        capture = CapturingLogger()

        started = time.monotonic()
        processor = EcsContextProcessor(environ=environ, timeout=TIMEOUT)
        ecs_filter = EcsContextFilter(environ=environ, timeout=TIMEOUT)
        formatter = EcsJsonFormatter("%(message)s", environ=environ, timeout=TIMEOUT)
        run.construct = time.monotonic() - started
        context = processor.context
        assert ecs_filter.context is context
        assert formatter.context is context
        plain.addFilter(ecs_filter)
        as_json.setFormatter(formatter)
        log.handlers[:] = [plain, as_json]
        slog = structlog.wrap_logger(
            capture,
            processors=[processor, _Identity()],
            wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
        )

        first_call = time.monotonic()
        flip_at = started + WINDOW
        flipped = 0.0
        deadline = started + 60.0
        recovered_rounds = 0
        while time.monotonic() < deadline and recovered_rounds < 5:
            n = run.made
            for emit in (
                lambda n=n: log.info("round %d", n, extra={"round": n, "ecs_cluster": "mine"}),
                lambda n=n: slog.info("round", round=n, ecs_cluster="mine"),
            ):
                t = time.monotonic()
                try:
                    emit()
                except BaseException as exc:
                    run.raised.append(f"{type(exc).__name__}: {exc}")
                run.calls.append(Call(t - started, time.monotonic() - t))
            run.made += 1
            now = time.monotonic()
            if not flipped and now >= flip_at:
                status = context.status()
                run.attempts_at_flip = status.attempts
                run.state_at_flip = status.state
                run.last_error_at_flip = status.last_error
                run.requests_in_window = (
                    status.attempts
                    if server is None
                    else server.count(since=started, until=flip_at)
                )
                healthy = healthy_routes(fault.version, prefix)
                if refusing is not None:
                    refusing.open(healthy)
                elif server is not None:
                    server.behave(healthy)
                flipped = time.monotonic()
                # After the n-th failure the delay is at most 1.5 * 2**(n-1) s (a 429 starts one
                # doubling further back: 1.5 * 2**n s); the attempt in flight may take up to
                # twice the timeout, the good one as much again.
                exponent = run.attempts_at_flip - (0 if "429" in fault.name else 1)
                pending = min(60.0 * 1.5, 1.5 * 2 ** max(0, exponent))
                run.bound = pending + 4 * TIMEOUT + RECOVERY_MARGIN
                deadline = flipped + run.bound + 2.0
            if flipped:
                enriched = (
                    "ecs_task_arn" in plain.records[-1].__dict__
                    and "ecs_task_arn" in json.loads(as_json.lines[-1])
                    and "ecs_task_arn" in capture.calls[-1].kwargs
                )
                if enriched:
                    if run.recovered_after is None:
                        run.recovered_after = now - flipped
                    recovered_rounds += 1
                    # 5. The record's own keys win over the fields.
                    run.own_keys_kept = run.own_keys_kept and (
                        plain.records[-1].__dict__["ecs_cluster"] == "mine"
                        and json.loads(as_json.lines[-1])["ecs_cluster"] == "mine"
                        and capture.calls[-1].kwargs["ecs_cluster"] == "mine"
                    )
            time.sleep(TICK)

        run.stdlib_records = len(plain.records)
        run.json_lines = len(as_json.lines)
        run.structlog_events = len(capture.calls)
        run.state_at_end = context.status().state
        ident = (
            context._refresher.thread.ident if context._refresher.thread else None
        )  # the refresher's records
        run.said = [r for r in said.records if r.thread == ident or url in r.getMessage()]
        run.other_host_requests = other.count()
        if server is not None:
            run.credential_requests = sum("credentials" in p for p in server.paths())
            run.bytes_sent = server.bytes_sent
            run.construct_requests = server.count(until=first_call)
        context.close()
    except BaseException:
        run.error = traceback.format_exc()
    finally:
        other.stop()
        if server is not None:
            server.stop()
        if refusing is not None:
            refusing.close()


def run_matrix(faults: list[Fault]) -> dict[str, Run]:
    """Run the scenarios all at once; their records by fault name."""
    runs = {fault.name: Run(fault) for fault in faults}
    # What the first construction in a process imports (httpx, the client): once, before
    # the scenarios, so that their construction times measure construction alone.
    import ecs_log_context._fetch  # noqa: F401

    with library_records() as said:
        threads = [
            threading.Thread(target=_scenario, args=(f, said, runs[f.name]), name=f.name)
            for f in faults
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
    return runs


_RUNS: dict[str, Run] = {}


@pytest.fixture
def matrix(request: pytest.FixtureRequest) -> dict[str, Run]:
    """The runs of every fault selected in this session, made once, in parallel."""
    if not _RUNS:
        selected = {
            item.callspec.params["fault"].name  # type: ignore[attr-defined]
            for item in request.session.items
            if getattr(item, "originalname", None) == "test_fault_matrix"
        }
        _RUNS.update(run_matrix([f for f in FAULTS if f.name in selected]))
    return _RUNS


def _params() -> list[Any]:
    return [pytest.param(fault, id=fault.name) for fault in FAULTS]


@pytest.mark.parametrize("fault", _params())
def test_fault_matrix(fault: Fault, matrix: dict[str, Run]) -> None:
    run = matrix[fault.name]
    assert run.error is None, run.error

    # 2. No log call raises; no record is lost, in any of the three integrations.
    assert run.raised == []
    assert run.made > 20
    assert run.stdlib_records == run.made
    assert run.json_lines == run.made
    assert run.structlog_events == run.made

    # 3. Building does no I/O; only the first calls wait, together at most the timeout.
    assert run.construct_requests == 0
    assert run.construct < CONSTRUCT_BOUND
    assert run.first_wait <= TIMEOUT + STARTUP_MARGIN
    assert run.longest_wait <= TIMEOUT + STARTUP_MARGIN
    assert run.calls[0].started + run.calls[0].duration <= TIMEOUT + STARTUP_MARGIN
    assert run.longest_wait_after_startup <= NO_WAIT

    # 4. Without a success, retries back off: a handful of requests, not a storm.
    assert run.state_at_flip == "failing"
    assert 1 <= run.attempts_at_flip <= 4
    assert run.requests_in_window < MAX_REQUESTS
    assert fault.says in (run.last_error_at_flip or "").lower()

    # ... and once the endpoint is healthy, the fields come within the pending backoff.
    assert run.recovered_after is not None, "the fields never appeared"
    assert run.recovered_after <= run.bound
    assert run.state_at_end == "ready"
    assert run.own_keys_kept  # 5. the record's own keys won over the fields

    # 7. Said once per change of state, on the library's logger: failing, then ready.
    assert all(r.name == "ecs_log_context" for r in run.said)
    warnings = run.levels(logging.WARNING)
    infos = run.levels(logging.INFO)
    assert [r for r in run.said if r.levelno >= logging.ERROR] == []
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "no metadata yet" in warnings[0].getMessage()
    assert fault.says in warnings[0].getMessage().lower()
    assert len(infos) == 1, [r.getMessage() for r in infos]
    assert "ready" in infos[0].getMessage()

    # 8. Redirects elsewhere are not followed; the credentials route is never asked; a body
    # over the cap is not read to its end.
    assert run.other_host_requests == 0
    assert run.credential_requests == 0
    if fault.name.startswith("body_64_mb"):
        assert run.bytes_sent < run.attempts_at_flip * 24 * MiB


def test_the_matrix_covers_every_fault_of_the_issue() -> None:
    names = {f.name for f in FAULTS}
    for wanted in (
        "refused",
        "hang",
        "drip_within_read_timeout",
        "close_mid_body",
        "v4_500_agent_body",
        "v4_404_unknown_id",
        "v3_500_unknown_id",
        "v2_400_not_awsvpc",
        "throttled_429_sustained",
        "redirect_loop_on_clean_paths",
        "redirect_to_another_host",
        "invalid_json",
        "json_array",
        "json_string",
        "json_null",
        "revision_a_float",
        "containers_an_object",
        "string_of_10_mb",
        "body_64_mb_streamed",
    ):
        assert wanted in names


def _table(runs: Mapping[str, Run]) -> str:
    rows = [
        "| fault | first call waits | longest later call | requests in 3 s | attempts "
        "| warning (once) | recovered after (bound) | outcome |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, run in runs.items():
        warning = run.levels(logging.WARNING)
        errors = [r for r in run.said if r.levelno >= logging.ERROR]
        said = (
            f"{len(warning)}x: "
            + re.sub(r"http://127\.0\.0\.1:\d+", "", warning[0].getMessage().split("backoff: ")[1])
            if warning
            else f"none; {len(errors)} ERROR (traceback each)"
        )
        recovered = (
            f"{run.recovered_after:.2f} s ({run.bound:.1f} s)"
            if run.recovered_after is not None
            else "never"
        )
        outcome = "error: " + run.error.splitlines()[-1] if run.error else run.state_at_end
        rows.append(
            f"| {name} | {run.first_wait:.2f} s | {run.longest_wait_after_startup * 1000:.0f} ms "
            f"| {run.requests_in_window} | {run.attempts_at_flip} | {said} | {recovered} "
            f"| {outcome} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(_table(run_matrix(FAULTS)))
