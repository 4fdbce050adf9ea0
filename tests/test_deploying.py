"""docs/deploying.md and examples/deploy/, as a user on ECS meets them.

1. The image's command: the Dockerfile's ``ENTRYPOINT`` and ``CMD`` (exec form, read from the
   file) run as one process, each console script mapped to this interpreter
   (``python -m ecs_log_context run -- python -m gunicorn -c gunicorn.conf.py app:app``), in
   examples/deploy, with the task definition's environment, against the package's mock
   endpoint serving the task ECS would start from that task definition. Every line gunicorn
   writes must be JSON with the fields the task definition asks for; the same command without
   the ``ENTRYPOINT`` must have none (the fields come from ``run``, not from the test); with the
   agent refusing the task's tags, the fields stay and one warning says why, in the words the
   document quotes.
2. The task definitions: every ``ECS_LOG_CONTEXT_*`` variable they set is one the library reads,
   with a value it accepts and that changes something; the awslogs options the library reads
   are the ones the task definition sets (ECS makes ``awslogs-stream`` of
   ``awslogs-stream-prefix``); the app container is the one the document's commands name; the
   FireLens one routes the app's lines through a Fluent Bit ``awsfirelens`` router. Each check
   is shown to fail on a task definition that breaks it.
3. The document: its Python blocks compile, its JSON blocks parse, its Dockerfile is the file,
   its links into the README name sections that exist.

The figures (lines enriched out of lines logged, requests to the endpoint) are printed; ``-rP``
shows them.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from runpy import run_path
from typing import Any

import pytest

import ecs_log_context.mock
from ecs_log_context._debug import VARIABLE as DEBUG_VARIABLE
from ecs_log_context._fields import build_fields
from ecs_log_context._settings import (
    ALL_FIELDS,
    CONTEXT_OPTIONS,
    FIELD_OPTIONS,
    ContextSettings,
    FieldSettings,
    parse_bool,
)
from ecs_log_context.errors import ConfigurationError
from ecs_log_context.mock.server import MockEndpoint
from ecs_log_context.models import ContainerMetadata, TaskMetadata

from .child_processes import base_environ, enriched
from .test_servers import free_port

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "examples" / "deploy"
DOC = REPO / "docs" / "deploying.md"
README = REPO / "README.md"
DOCKERFILE = DEPLOY / "Dockerfile"
TASK_DEFINITIONS = {
    "awslogs": DEPLOY / "task-definition.json",
    "firelens": DEPLOY / "task-definition-firelens.json",
}
SAMPLE = Path(ecs_log_context.mock.__file__).resolve().parent / "samples" / "ec2_task.json"
TAGS_REFUSED = REPO / "tests" / "fixtures" / "v4_taskWithTags_errors_awsdocs.json"
CONSOLE_SCRIPTS = {"ecs-log-context": "ecs_log_context", "gunicorn": "gunicorn"}
"""The image's console scripts, and the module each runs: ``python -m`` of this interpreter."""
WORKERS: int = run_path(str(DEPLOY / "gunicorn.conf.py"))["workers"]
PER_PROCESS = 3
"""Requests one process makes at most: the task, its own container, and the task with tags."""
TIMEOUT = 30.0
AWSLOGS_READ = ("awslogs-group", "awslogs-region", "awslogs-stream")
"""The awslogs options of the container metadata that the library reads."""
LIBRARY_VARIABLES = frozenset(
    [option.variable for option in (*CONTEXT_OPTIONS.values(), *FIELD_OPTIONS.values())]
    + [DEBUG_VARIABLE]
)

needs_gunicorn = pytest.mark.skipif(
    not hasattr(os, "fork") or os.name != "posix", reason="gunicorn and run need POSIX"
)


# -- the files -----------------------------------------------------------------------------------


def dockerfile_instruction(keyword: str) -> list[str]:
    """The Dockerfile's one `keyword` instruction, in exec form: a JSON list of strings."""
    found = [
        line.split(maxsplit=1)[1]
        for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
        if line.split(maxsplit=1)[:1] == [keyword]
    ]
    assert 1 == len(found), f"expected one {keyword} in {DOCKERFILE}, found {found}"
    try:
        argv = json.loads(found[0])
    except ValueError:
        argv = None
    # The shell form would put /bin/sh in gunicorn's place: it would take ECS's SIGTERM.
    assert isinstance(argv, list), f"{keyword} is not in exec (JSON) form: {found[0]}"
    assert argv, found[0]
    assert all(isinstance(part, str) for part in argv), found[0]
    return argv


def here(argv: list[str]) -> list[str]:
    """`argv` of the image, its console script run by this interpreter instead."""
    assert argv[0] in CONSOLE_SCRIPTS, f"{argv[0]!r} is not a console script this test knows"
    return [sys.executable, "-m", CONSOLE_SCRIPTS[argv[0]], *argv[1:]]


def load(kind: str) -> dict[str, Any]:
    definition = json.loads(TASK_DEFINITIONS[kind].read_text(encoding="utf-8"))
    assert isinstance(definition, dict)
    return definition


def app_container(definition: dict[str, Any]) -> dict[str, Any]:
    """The one container that is not a FireLens log router."""
    apps = [c for c in definition["containerDefinitions"] if "firelensConfiguration" not in c]
    assert 1 == len(apps), f"expected one app container, found {[c['name'] for c in apps]}"
    container: dict[str, Any] = apps[0]
    return container


def environment(container: dict[str, Any]) -> dict[str, str]:
    return {pair["name"]: pair["value"] for pair in container.get("environment", [])}


def doc_text() -> str:
    return DOC.read_text(encoding="utf-8")


def documented_container() -> str:
    """The container that the document's ``execute-command`` names."""
    names = set(re.findall(r"aws ecs execute-command .*?--container (\S+)", doc_text()))
    assert 1 == len(names), f"the document names these containers: {names}"
    return str(names.pop())


def task_for(definition: dict[str, Any], *, tags_refused: bool = False) -> dict[str, Any]:
    """The task ECS would start from `definition`, as the v4 routes report it.

    The mock's EC2 sample, with the task definition's family, and its app container's name,
    image and log configuration in place of the sample's. awslogs options come back as set,
    but ``awslogs-stream-prefix``, which ECS turns into ``awslogs-stream``:
    ``<prefix>/<container name>/<task id>`` (the sample's and AWS's examples show it so).
    `tags_refused`: no tags, and the agent's ``Errors`` of AWS's example instead.
    """
    task: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    declared = app_container(definition)
    [own] = [c for c in task["Containers"] if c["Type"] == "NORMAL" and c.get("LogOptions")][:1]
    task["Containers"] = [c for c in task["Containers"] if c["Type"] != "NORMAL"] + [own]
    task["Family"] = definition["family"]
    task_id = task["TaskARN"].rsplit("/", 1)[1]
    own["Name"] = declared["name"]
    own["Image"] = declared["image"]
    own["Labels"]["com.amazonaws.ecs.container-name"] = declared["name"]
    for container in task["Containers"]:
        container["Labels"]["com.amazonaws.ecs.task-definition-family"] = definition["family"]
    logging_ = declared["logConfiguration"]
    own["LogDriver"] = logging_["logDriver"]
    options = dict(logging_.get("options", {}))
    if logging_["logDriver"] == "awslogs" and "awslogs-stream-prefix" in options:
        prefix = options.pop("awslogs-stream-prefix")
        options["awslogs-stream"] = f"{prefix}/{declared['name']}/{task_id}"
    own["LogOptions"] = options
    if tags_refused:
        task.pop("TaskTags", None)
        task["Errors"] = json.loads(TAGS_REFUSED.read_text(encoding="utf-8"))["Errors"]
    return task


def expected_fields(definition: dict[str, Any], task: dict[str, Any]) -> dict[str, str]:
    """The flat keys, and their values, that every line must carry: those of the fields that
    the task definition asks for, written out from the task definition itself."""
    declared = app_container(definition)
    options = declared["logConfiguration"]["options"]
    task_id = task["TaskARN"].rsplit("/", 1)[1]
    stream = f"{options.get('awslogs-stream-prefix')}/{declared['name']}/{task_id}"
    by_field = {
        "task_arn": ("ecs_task_arn", task["TaskARN"]),
        "family": ("ecs_task_family", definition["family"]),
        "container_name": ("ecs_container_name", declared["name"]),
        "task_id": ("ecs_task_id", task_id),
        "image": ("ecs_container_image", declared["image"]),
        "log_group": ("ecs_log_group", options.get("awslogs-group")),
        "log_stream": ("ecs_log_stream", stream),
    }
    asked = FieldSettings.resolve(environ=environment(declared)).fields
    return dict(by_field[name] for name in asked if name in by_field)


# -- 1: the image's command against the mock -------------------------------------------------------


@dataclass
class Served:
    """What one run of the image's command gave."""

    booted: set[int] = field(default_factory=set)  # the workers gunicorn said it booted
    answered: set[int] = field(default_factory=set)  # the workers that answered a request
    lines: list[str] = field(default_factory=list)  # stdout
    stderr: str = ""
    returncode: int | None = None
    endpoint_requests: int = 0

    def records(self) -> list[dict[str, Any]]:
        """Every line, as JSON; fails on the first that is not a JSON object."""
        parsed = []
        for line in self.lines:
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            assert isinstance(record, dict), f"not a JSON object: {line!r}\n{self.stderr}"
            parsed.append(record)
        return parsed


def _ask(port: int, path: str) -> int:
    """GET `path` over HTTP/1.0: the pid of the worker that answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        return _answer(connection)


def _answer(connection: socket.socket) -> int:
    with connection.makefile("rb") as response:
        answer = response.read()  # HTTP/1.0: until the worker closes
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith((b"HTTP/1.1 200", b"HTTP/1.0 200")), answer
    return int(body.split()[-1])


def _round(port: int, number: int) -> set[int]:
    """One request held half-sent (the sync worker that took it waits for the rest), others
    meanwhile, then the held one completed: every worker that is up answers one."""
    held = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        held.sendall(f"GET /held/{number} HTTP/1.0\r\n".encode())
        answers = {_ask(port, f"/r/{number}/{i}") for i in range(WORKERS)}
        held.sendall(b"Host: 127.0.0.1\r\n\r\n")
        answers.add(_answer(held))
    finally:
        held.close()
    return answers


def _booted(process: subprocess.Popen[bytes], out: Path, err: Path, deadline: float) -> set[int]:
    """The workers gunicorn says it booted, once there are all of them."""
    while True:
        pids = {int(p) for p in re.findall(r"Booting worker with pid: (\d+)", out.read_text())}
        if len(pids) >= WORKERS:
            return pids
        assert process.poll() is None, f"gunicorn ended ({process.returncode}):\n{err.read_text()}"
        assert time.monotonic() < deadline, f"gunicorn's workers did not boot:\n{err.read_text()}"
        time.sleep(0.05)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole group, as ECS stops a task; SIGKILL if it has not stopped in time
    (which fails)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        raise AssertionError(f"gunicorn did not stop within {TIMEOUT} s of SIGTERM") from None


def _tags_in_every_worker(out: Path, workers: set[int]) -> bool:
    tagged = set()
    for line in out.read_text().splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if record.get("name") == "app" and "ecs_tag_environment" in record:
                tagged.add(record.get("process"))
    return workers <= tagged


def serve(
    command: list[str],
    environ: dict[str, str],
    mock: MockEndpoint,
    tmp_path: Path,
    *,
    until: Callable[[Path, set[int]], bool] | None = None,
) -> Served:
    """Run `command` in examples/deploy in its own process group, have every worker answer
    (and then keep asking, a round every 0.2 s, until `until` holds or the time is up), stop
    it with SIGTERM, and read what it wrote."""
    port = free_port()
    args = f"--bind 127.0.0.1:{port}"
    if tuple(int(part) for part in version("gunicorn").split(".")[:2]) >= (25, 1):
        args += " --no-control-socket"  # no socket left in the user's home
    # GUNICORN_CMD_ARGS wins over gunicorn.conf.py: the command stays the image's, word for word.
    environ = {**environ, "GUNICORN_CMD_ARGS": args}
    out_path, err_path = tmp_path / "stdout", tmp_path / "stderr"
    served = Served()
    mock.reset_counts()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        process = subprocess.Popen(
            command, cwd=DEPLOY, env=environ, stdout=out, stderr=err, start_new_session=True
        )
        try:
            deadline = time.monotonic() + TIMEOUT
            served.booted = _booted(process, out_path, err_path, deadline)
            # A worker that answered has set up its signal handlers: SIGTERM reaches it.
            for number in range(30):
                served.answered |= _round(port, number)
                if served.booted <= served.answered:
                    break
            while until is not None and not until(out_path, served.booted):
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
                served.answered |= _round(port, 100)
        finally:
            _stop(process)
    served.returncode = process.returncode
    served.endpoint_requests = mock.request_count
    served.lines = [line for line in out_path.read_text().splitlines() if line.strip()]
    served.stderr = err_path.read_text()
    return served


@contextlib.contextmanager
def serving(task: dict[str, Any], name: str, tmp_path: Path) -> Iterator[MockEndpoint]:
    """The mock endpoint serving `task`, with `name` as "this" container."""
    task_file = tmp_path / "task.json"
    task_file.write_text(json.dumps(task), encoding="utf-8")
    with MockEndpoint(task_file=str(task_file), container_name=name, throttle=False) as mock:
        yield mock


def image_environ(mock: MockEndpoint, definition: dict[str, Any]) -> dict[str, str]:
    """What the container sees: the agent's variables and the task definition's environment.

    The start-up wait is raised to 10 s: a busy machine's first fetch still lands before the
    first line (the task definition leaves the default of 1 s, plenty for the agent).
    """
    return base_environ(
        **mock.environ(),
        **environment(app_container(definition)),
        ECS_LOG_CONTEXT_TIMEOUT="10",
    )


def summary(what: str, served: Served, records: list[dict[str, Any]], good: int) -> str:
    kinds: dict[str, int] = {}
    for record in records:
        kinds[str(record.get("name"))] = kinds.get(str(record.get("name")), 0) + 1
    text = (
        f"{what}: {good}/{len(records)} lines enriched ({kinds}), "
        f"{len(served.answered)} of {len(served.booted)} workers answered, "
        f"{served.endpoint_requests} requests to the endpoint, exit status {served.returncode}"
    )
    print(text)
    return text


@needs_gunicorn
def test_the_images_command_enriches_every_line(tmp_path: Path) -> None:
    """ENTRYPOINT + CMD, one process, the task definition's environment: every line that
    gunicorn's master and workers write (error log, access log, the app's own) is JSON with the
    six default fields of the task served and the fields the task definition adds (task ID,
    image, awslogs group and stream as ECS names them), every worker gets the task's tags, the
    exit status is gunicorn's 0 after SIGTERM, and the whole fleet asks the endpoint at most
    three times per process."""
    definition = load("awslogs")
    task = task_for(definition)
    command = here(dockerfile_instruction("ENTRYPOINT")) + here(dockerfile_instruction("CMD"))
    with serving(task, app_container(definition)["name"], tmp_path) as mock:
        served = serve(
            command, image_environ(mock, definition), mock, tmp_path, until=_tags_in_every_worker
        )
        records = served.records()
        wanted = expected_fields(definition, task)
        assert {"ecs_task_id", "ecs_log_group", "ecs_log_stream"} <= set(wanted), wanted
        good = [r for r in records if enriched(r, mock) and wanted.items() <= r.items()]
        text = summary("ENTRYPOINT + CMD", served, records, len(good))
    tail = "\n".join(served.lines[-3:]) + "\n" + served.stderr[-2000:]

    assert 0 == served.returncode, f"{text}\n{tail}"
    assert served.booted <= served.answered, text
    names = {r.get("name") for r in records}
    assert {"gunicorn.error", "gunicorn.access", "app"} <= names, text
    assert served.booted <= {r["process"] for r in records if r.get("name") == "app"}, text
    bare = [r for r in records if r not in good]
    assert not bare, f"{text}: lines without the fields {wanted}: {bare[:2]}"
    assert _tags_in_every_worker(tmp_path / "stdout", served.booted), f"{text}\n{tail}"
    assert served.endpoint_requests <= PER_PROCESS * (1 + WORKERS), text


@needs_gunicorn
def test_without_the_entrypoint_no_line_has_fields(tmp_path: Path) -> None:
    """The control: the CMD alone, same environment and mock, writes the same JSON lines
    without any ECS field and asks the endpoint nothing. The fields come from the ENTRYPOINT."""
    definition = load("awslogs")
    with serving(task_for(definition), app_container(definition)["name"], tmp_path) as mock:
        served = serve(
            here(dockerfile_instruction("CMD")), image_environ(mock, definition), mock, tmp_path
        )
        records = served.records()
        text = summary("CMD alone", served, records, sum(enriched(r, mock) for r in records))

    assert 0 == served.returncode, text
    assert {"gunicorn.error", "gunicorn.access", "app"} <= {r.get("name") for r in records}
    assert not [r for r in records if any(key.startswith("ecs_") for key in r)], text
    assert 0 == served.endpoint_requests, text


@needs_gunicorn
def test_tags_refused_leave_the_fields_and_one_warning_says_why(tmp_path: Path) -> None:
    """The agent answers taskWithTags with AWS's AccessDenied ``Errors`` (the role lacks
    ecs:ListTagsForResource): every line still has its fields and none a tag, and the log
    stream carries the library's warning, word for word the one docs/deploying.md quotes."""
    definition = load("awslogs")
    task = task_for(definition, tags_refused=True)
    command = here(dockerfile_instruction("ENTRYPOINT")) + here(dockerfile_instruction("CMD"))
    with serving(task, app_container(definition)["name"], tmp_path) as mock:
        served = serve(command, image_environ(mock, definition), mock, tmp_path)
        records = served.records()
        lines = [r for r in records if r.get("name") != "ecs_log_context"]
        warnings = [r for r in records if r.get("name") == "ecs_log_context"]
        what = f"tags refused ({len(warnings)} warning line(s) besides)"
        text = summary(what, served, lines, sum(enriched(r, mock) for r in lines))
    quoted = documented_warning()

    assert 0 == served.returncode, text
    assert lines, text
    assert all(enriched(r, mock) for r in lines), text
    assert not [r for r in records if any(key.startswith("ecs_tag_") for key in r)], text
    assert warnings, f"no warning on the library's logger: {text}"
    for warning in warnings:
        assert "WARNING" == warning["levelname"], warning
        assert quoted["message"] == warning["message"], warning


def documented_warning() -> dict[str, Any]:
    """The warning line that docs/deploying.md shows, as JSON."""
    [found] = [b for b in json_blocks(doc_text()) if b.get("name") == "ecs_log_context"]
    return found


# -- 2: the task definitions -------------------------------------------------------------------


def problems(definition: dict[str, Any], kind: str) -> list[str]:
    """What in `definition` the library would not read as it is meant, or the document names
    otherwise; empty when nothing."""
    try:
        container = app_container(definition)
    except AssertionError as exc:
        return [str(exc)]
    found = _environment_problems(container)
    if container["name"] != documented_container():
        found.append(f"the app container is {container['name']!r}; the document names another")
    logging_ = container.get("logConfiguration", {})
    if kind == "awslogs":
        found += _awslogs_problems(logging_)
    else:
        found += _firelens_problems(definition, container)
    return found


def _environment_problems(container: dict[str, Any]) -> list[str]:
    found = []
    env = environment(container)
    for name, value in env.items():
        if name.startswith("ECS_LOG_CONTEXT_") and name not in LIBRARY_VARIABLES:
            found.append(f"{name} is not a variable the library reads")
        elif name in LIBRARY_VARIABLES and not _changes_a_setting(name, value):
            found.append(f"{name}={value!r} is the default, or refused")
    if env.get("ECS_LOG_CONTEXT_CONTAINER_NAME", container["name"]) != container["name"]:
        found.append("ECS_LOG_CONTEXT_CONTAINER_NAME is not the container's name")
    return found


def _awslogs_problems(logging_: dict[str, Any]) -> list[str]:
    found = []
    if logging_.get("logDriver") != "awslogs":
        found.append(f"the app logs with {logging_.get('logDriver')!r}, not awslogs")
    options = logging_.get("options", {})
    # ECS sets awslogs-stream itself, from the prefix: the task definition gives that.
    for option in (*AWSLOGS_READ[:-1], "awslogs-stream-prefix"):
        if not options.get(option):
            found.append(f"the awslogs options lack {option}")
    return found


def _firelens_problems(definition: dict[str, Any], container: dict[str, Any]) -> list[str]:
    found = []
    driver = container.get("logConfiguration", {}).get("logDriver")
    if driver != "awsfirelens":
        found.append(f"the app logs with {driver!r}, not awsfirelens")
    routers = [c for c in definition["containerDefinitions"] if "firelensConfiguration" in c]
    if [r["firelensConfiguration"].get("type") for r in routers] != ["fluentbit"]:
        found.append("there is not exactly one log router, of type fluentbit")
    # Without awslogs the container metadata has no awslogs options: nothing to read.
    try:
        fields = FieldSettings.resolve(environ=environment(container)).fields
    except ConfigurationError:
        fields = ()
    asked_for_logs = [name for name in fields if name in ("log_group", "log_stream")]
    found += [f"{name} is asked for, and only awslogs gives it" for name in asked_for_logs]
    return found


def _changes_a_setting(name: str, value: str) -> bool:
    """The value is accepted, and the settings it gives are not the defaults."""
    try:
        if name == DEBUG_VARIABLE:
            return parse_bool(name, value)
        return ContextSettings.resolve(environ={name: value}) != ContextSettings.resolve(
            environ={}
        ) or FieldSettings.resolve(environ={name: value}) != FieldSettings.resolve(environ={})
    except ConfigurationError:
        return False


@pytest.mark.parametrize("kind", sorted(TASK_DEFINITIONS))
def test_the_task_definition_is_what_the_library_reads(kind: str) -> None:
    """The task definition parses, and no check of `problems` finds anything in it; its
    environment resolves as the library resolves it, without an error."""
    definition = load(kind)
    env = environment(app_container(definition))
    assert any(name.startswith("ECS_LOG_CONTEXT_") for name in env), env
    ContextSettings.resolve(environ=env)
    FieldSettings.resolve(environ=env)
    assert [] == problems(definition, kind)


def _broken(kind: str, change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    definition = copy.deepcopy(load(kind))
    change(definition)
    return definition


def _set_env(name: str, value: str) -> Callable[[dict[str, Any]], None]:
    def change(definition: dict[str, Any]) -> None:
        app_container(definition)["environment"].append({"name": name, "value": value})

    return change


def _log_options(definition: dict[str, Any]) -> dict[str, str]:
    options: dict[str, str] = app_container(definition)["logConfiguration"]["options"]
    return options


BREAKAGES: dict[str, tuple[str, Callable[[dict[str, Any]], object]]] = {
    "a misspelt variable": ("awslogs", _set_env("ECS_LOG_CONTEXT_FEILDS", "all")),
    "a refused value": ("awslogs", _set_env("ECS_LOG_CONTEXT_STYLE", "json")),
    "a value that is the default": ("awslogs", _set_env("ECS_LOG_CONTEXT_TTL", "3600")),
    "another container name": (
        "awslogs",
        lambda d: app_container(d).update(name="web"),
    ),
    "no awslogs-group": (
        "awslogs",
        lambda d: _log_options(d).pop("awslogs-group"),
    ),
    "no stream prefix": (
        "awslogs",
        lambda d: _log_options(d).pop("awslogs-stream-prefix"),
    ),
    "log_group under FireLens": ("firelens", _set_env("ECS_LOG_CONTEXT_FIELDS", "all")),
    "a fluentd router": (
        "firelens",
        lambda d: d["containerDefinitions"][0]["firelensConfiguration"].update(type="fluentd"),
    ),
    "the app on awslogs under FireLens": (
        "firelens",
        lambda d: app_container(d)["logConfiguration"].update(logDriver="awslogs"),
    ),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_each_check_fails_on_a_task_definition_that_breaks_it(breakage: str) -> None:
    """The checks can fail: each broken copy of a task definition has a problem."""
    kind, change = BREAKAGES[breakage]
    assert problems(_broken(kind, change), kind), breakage


def test_the_awslogs_options_read_are_these() -> None:
    """The library's log fields change when, and only when, one of `AWSLOGS_READ` changes:
    each, taken out of the container's options, costs a key (its name, or its ARN under
    otel, which takes the region of awslogs-region); the task definition's other options, and
    awslogs-create-group, cost nothing even where the metadata holds them."""
    definition = load("awslogs")
    declared = definition["containerDefinitions"][0]["logConfiguration"]["options"]
    others = set(declared) - set(AWSLOGS_READ) | {"awslogs-create-group"}
    task = task_for(definition)
    container = next(c for c in task["Containers"] if c.get("LogOptions"))
    container["LogOptions"].update(dict.fromkeys(others, "true"))
    container["LogOptions"]["awslogs-region"] = "us-east-1"  # not the task's: ARNs tell them apart
    settings = FieldSettings(fields=ALL_FIELDS, style="otel")

    def fields_without(option: str | None) -> dict[str, object]:
        changed = copy.deepcopy(task)
        own = next(c for c in changed["Containers"] if c.get("LogOptions"))
        if option is not None:
            del own["LogOptions"][option]
        return build_fields(
            TaskMetadata.from_json(changed), ContainerMetadata.from_json(own), settings
        )

    whole = fields_without(None)
    assert ("arn:aws:logs:us-east-1:123456789012:log-group:/ecs/checkout-api",) == whole[
        "aws.log.group.arns"
    ]
    for option in AWSLOGS_READ:
        assert fields_without(option) != whole, f"{option} is not read"
    assert {"awslogs-stream-prefix", "awslogs-create-group"} <= others
    for option in sorted(others):
        assert fields_without(option) == whole, f"{option} is read"


# -- 3: the document -----------------------------------------------------------------------------


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.DOTALL | re.MULTILINE)


def json_blocks(text: str) -> list[dict[str, Any]]:
    return [json.loads(block) for block in blocks(text, "json")]


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation out, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors_of(text: str) -> set[str]:
    """The anchors of a Markdown text's headings (a ``#`` line inside a code block is none)."""
    prose = re.sub(r"^```.*?^```$", "", text, flags=re.DOTALL | re.MULTILINE)
    return {slug(heading) for heading in re.findall(r"^#{1,6} (.+)$", prose, flags=re.M)}


def readme_anchors() -> set[str]:
    return anchors_of(README.read_text(encoding="utf-8"))


def test_the_documents_code_blocks_are_valid() -> None:
    """Every Python block compiles, every JSON block parses, and there are some of each."""
    text = doc_text()
    python = blocks(text, "python")
    assert python
    for number, source in enumerate(python):
        compile(source, f"{DOC.name}, python block {number}", "exec")
    assert json_blocks(text)


def _within(part: object, whole: object) -> bool:
    """`part` is `whole` with some keys of its objects left out."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(
            key in whole and _within(value, whole[key]) for key, value in part.items()
        )
    return part == whole


def test_the_documents_excerpts_are_the_task_definitions() -> None:
    """Each app container the document shows is the one of its task definition, keys left
    out but none changed: awslogs's and FireLens's."""
    shown = {
        block["logConfiguration"]["logDriver"]: block
        for block in json_blocks(doc_text())
        if "logConfiguration" in block
    }
    assert {"awslogs", "awsfirelens"} == set(shown)
    assert _within(shown["awslogs"], app_container(load("awslogs")))
    assert _within(shown["awsfirelens"], app_container(load("firelens")))
    assert not _within({"name": "web"}, app_container(load("awslogs")))


def test_the_documents_dockerfile_is_the_file() -> None:
    """The document shows examples/deploy/Dockerfile as it is."""
    assert [DOCKERFILE.read_text(encoding="utf-8")] == blocks(doc_text(), "dockerfile")


def test_the_documents_links_into_the_readme_exist() -> None:
    """Each ``../README.md#anchor`` names a heading of the README (the slug is GitHub's, and
    checked against the README's own table of contents); each relative file link exists."""
    readme = README.read_text(encoding="utf-8")
    anchors = readme_anchors()
    own_contents = set(re.findall(r"\]\(#([^)]+)\)", readme))
    assert own_contents
    assert own_contents <= anchors, own_contents - anchors
    links = re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]+))?\)", doc_text())
    into_readme = [anchor for target, anchor in links if target == "../README.md" and anchor]
    assert into_readme
    assert [] == [anchor for anchor in into_readme if anchor not in anchors]
    local = [t for t, _ in links if t and not t.startswith(("http://", "https://", "mailto:"))]
    assert [] == [t for t in local if not (DOC.parent / t).exists()]
    own = anchors_of(doc_text())
    assert "the-agents-rate-limit" in own, own
    assert [] == [anchor for target, anchor in links if not target and anchor not in own]


def test_contributing_gives_the_readmes_commands_and_its_links_exist() -> None:
    """CONTRIBUTING.md opens with the README's first code block, its two set-up commands,
    and its links into the README name sections that exist."""
    readme = README.read_text(encoding="utf-8")
    contributing = (REPO / "CONTRIBUTING.md").read_text(encoding="utf-8")
    first = blocks(readme, "sh")[0]
    assert 2 == len(first.strip().splitlines()), first
    assert first == blocks(contributing, "sh")[0]
    anchors = re.findall(r"\]\(README\.md#([^)\s]+)\)", contributing)
    assert anchors
    assert set(anchors) <= readme_anchors()


def test_show_says_why_the_tags_are_missing_in_the_documents_words(tmp_path: Path) -> None:
    """``ecs-log-context show --json`` in the container of the task definition, the agent
    refusing the tags: exit 0, the fields, no tag, and under ``missing`` the reason for the
    tags and for each tag asked for, the very sentence docs/deploying.md prints."""
    definition = load("awslogs")
    with serving(task_for(definition, tags_refused=True), "app", tmp_path) as mock:
        done = subprocess.run(
            [sys.executable, "-m", "ecs_log_context", "show", "--json"],
            env=image_environ(mock, definition),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    assert 0 == done.returncode, done.stderr
    report = json.loads(done.stdout)
    assert "app" == report["fields"]["ecs_container_name"]
    assert not [key for key in report["fields"] if key.startswith("ecs_tag_")], report
    reason = report["missing"]["tags"]
    assert "ecs:ListTagsForResource" in reason
    asked = FieldSettings.resolve(environ=environment(app_container(definition))).tags
    assert {f"tag:{tag}": reason for tag in asked}.items() <= report["missing"].items(), report
    [shown] = [b for b in blocks(doc_text(), "text") if b.startswith("missing:")]
    assert f"  tags:             {reason}\n" in shown
    assert documented_warning()["message"].endswith(reason)


def test_the_documents_logconfig_dict_puts_the_fields_on_gunicorns_lines(
    mock_on_v4: MockEndpoint, capsys: pytest.CaptureFixture[str]
) -> None:
    """The document's code-level alternative: its ``logconfig_dict``, given to ``dictConfig``
    as gunicorn does, writes gunicorn's error and access lines and the app's as JSON with the
    six default fields, through the filter on the one handler."""
    import logging.config

    [source] = [b for b in blocks(doc_text(), "python") if "logconfig_dict = {" in b]
    namespace: dict[str, Any] = {}
    exec(compile(source, DOC.name, "exec"), namespace)  # noqa: S102 -- the document's own code
    names = ("gunicorn.error", "gunicorn.access", "app")
    loggers = [logging.getLogger(name) for name in names]
    saved = [(log, list(log.handlers), log.level, log.propagate) for log in loggers]
    try:
        logging.config.dictConfig(namespace["logconfig_dict"])
        for log in loggers:
            log.info("from %s", log.name)
    finally:
        for log, handlers, level, propagate in saved:
            log.handlers[:] = handlers
            log.setLevel(level)
            log.propagate = propagate
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    assert list(names) == [r["name"] for r in records], records
    assert all(enriched(r, mock_on_v4) for r in records), records
