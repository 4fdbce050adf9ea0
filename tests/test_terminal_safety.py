"""Text from outside never reaches a terminal or a plain-text line raw: ``_text`` and its users.

The escaper over every code point it escapes and the ones next to them; then the field
builder, the library's own warnings and the command line (``show``, ``show --all``, ``stats``,
``serve``) against a mock endpoint serving a task whose ARN, container name, family and tags
hold terminal sequences, bidirectional overrides, zero-width characters and newlines.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import socket
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecs_log_context import EcsContext, errors
from ecs_log_context._fields import build_fields
from ecs_log_context._settings import FieldSettings
from ecs_log_context._text import escape, escape_json, printable
from ecs_log_context.mock import MockEndpoint
from ecs_log_context.models import TaskMetadata

from .loopback import LoopbackServer, Reply
from .waiting import wait_until

pytestmark = pytest.mark.timeout(60)

COMMAND = [sys.executable, "-m", "ecs_log_context"]
TIMEOUT = 30.0


def assert_safe(text: str, *, allow_newline: bool = True) -> None:
    """No control, format, separator or surrogate character in `text` but newlines.

    An oracle independent of ``_text``: Unicode's own categories. No text checked here holds
    a soft hyphen, a format character that ``_text`` rightly keeps.
    """
    unsafe = [
        f"U+{ord(char):04X}"
        for char in text
        if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs")
        and not (allow_newline and char == "\n")
    ]
    assert [] == unsafe, text


# -- the escaper ---------------------------------------------------------------------------------

# Every range the escaper must escape, as (first, last) code points.
ESCAPED_RANGES = [
    (0x00, 0x1F),  # C0 controls
    (0x7F, 0x7F),  # DEL
    (0x80, 0x9F),  # C1 controls
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x200B, 0x200D),  # ZERO WIDTH SPACE, NON-JOINER, JOINER
    (0x200E, 0x200F),  # LEFT-TO-RIGHT and RIGHT-TO-LEFT MARK
    (0x2028, 0x2029),  # LINE and PARAGRAPH SEPARATOR
    (0x202A, 0x202E),  # LRE, RLE, PDF, LRO, RLO
    (0x2060, 0x2064),  # WORD JOINER and the invisible operators
    (0x2066, 0x2069),  # LRI, RLI, FSI, PDI
    (0xD800, 0xDFFF),  # surrogates (lone, as JSON escapes can give them)
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE (BOM)
]
ESCAPED = {chr(c) for first, last in ESCAPED_RANGES for c in range(first, last + 1)}

# The neighbours of those ranges, and other text that must come out as it went in.
KEPT = [
    " ",  # U+0020, right after C0
    "~",  # U+007E, right before DEL
    "\u00a0",  # NO-BREAK SPACE, right after C1
    "\u00ad",  # SOFT HYPHEN: a format character, but not one that hides or reorders text
    "\u061b",
    "\u061d",
    "\u200a",  # HAIR SPACE, right before ZERO WIDTH SPACE
    "\u2010",  # HYPHEN, right after RIGHT-TO-LEFT MARK
    "\u2027",
    "\u202f",  # NARROW NO-BREAK SPACE, right after RLO
    "\u205f",
    "\u2065",
    "\u206a",
    "\ud7ff",
    "\ue000",
    "\ufefe",
    "\uff00",
    "\\",  # a backslash stays one backslash
    "Zürich",
    "São Paulo",
    "東京",
    "Ελλάδα",
    "עברית",  # right-to-left letters are text; only the controls that force a direction go
    "e\u0301",  # a combining accent
    "😀",
    "\U0010ffff",
]


def test_escapes_exactly_the_listed_characters_of_the_bmp() -> None:
    """Over every code point of the BMP, exactly the listed ones are escaped."""
    changed = {chr(c) for c in range(0x10000) if escape(chr(c)) != chr(c)}
    assert ESCAPED == changed


@pytest.mark.parametrize(
    "char",
    sorted({chr(c) for first, last in ESCAPED_RANGES for c in {first, (first + last) // 2, last}}),
    ids=lambda char: f"U+{ord(char):04X}",
)
def test_escaped_range_boundaries(char: str) -> None:
    """The first, middle and last code point of each range become an ASCII escape."""
    escaped = escape(f"a{char}b")
    assert escaped.startswith("a\\")
    assert escaped.endswith("b")
    assert escaped.isascii()
    assert escaped.isprintable()


@pytest.mark.parametrize("text", KEPT)
def test_other_text_is_kept(text: str) -> None:
    """Neighbours of the ranges, non-ASCII letters, CJK, emoji and backslashes are unchanged."""
    assert text == escape(text)


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("nul\x00", "nul\\x00"),
        ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),
        ("\x1b[2J", "\\x1b[2J"),
        ("del\x7f", "del\\x7f"),
        ("nel\x85 csi\x9b", "nel\\x85 csi\\x9b"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("in\u200bvisible", "in\\u200bvisible"),
        ("\ufeffbom", "\\ufeffbom"),
        ("line\u2028end", "line\\u2028end"),
        ("lone \ud800", "lone \\ud800"),
        ("Zürich\x1b[2J", "Zürich\\x1b[2J"),
    ],
)
def test_escape_forms(raw: str, escaped: str) -> None:
    """Escapes are written as Python writes them: ``\\n``, ``\\x1b``, ``\\u202e``."""
    assert escaped == escape(raw)


def test_escape_is_idempotent() -> None:
    """What escape gives is safe already: escaping it again changes nothing."""
    once = escape("".join(sorted(ESCAPED)))
    assert once == escape(once)


def test_printable_escapes_then_cuts() -> None:
    """``printable`` escapes, keeps letters, and cuts at `limit` characters with "..."."""
    assert "Zürich \\x1b[2J" == printable("Zürich \x1b[2J")
    assert "ü" * 200 == printable("ü" * 200)
    cut = printable("ü" * 201)
    assert 200 == len(cut)
    assert cut.endswith("ü...")
    assert "\\x1b\\x1..." == printable("\x1b" * 10, limit=10)
    assert "\\u202e" == printable("\u202e", limit=6)


def test_errors_printable_is_the_same_function() -> None:
    """``errors.printable``, which the client and the context call, is ``_text.printable``."""
    assert printable is errors.printable


def test_escape_json_keeps_json() -> None:
    """JSON text with the unsafe characters as ``\\uXXXX``: valid, and decoding to the same."""
    value = {"a\u202e": ["x\x1b\x7f\x9b\u200b\u2028\ufeff\ud800", "Zürich 東京 😀"], "n": 1}
    encoded = escape_json(json.dumps(value, indent=2, ensure_ascii=False))
    assert value == json.loads(encoded)
    assert "Zürich 東京 😀" in encoded
    assert "\\u202e" in encoded
    assert "\\u009b" in encoded
    assert encoded.count("\n") == json.dumps(value, indent=2).count("\n")
    assert_safe(encoded)


# -- the field builder ---------------------------------------------------------------------------


def test_fields_escape_bidi_and_invisible_characters() -> None:
    """A field value or tag with bidi and zero-width characters reaches a record escaped."""
    task = TaskMetadata.from_json(
        {
            "Cluster": "default",
            "TaskARN": "arn:aws:ecs:us-east-1:111122223333:task/default/abc",
            "Family": "pay\u202eyap\u200b",
            "Revision": "1",
            "TaskTags": {"city": "Zürich", "t\u2066ag": "v\u2069"},
        }
    )
    settings = FieldSettings.resolve(fields="family", tags="*", environ={})
    fields = build_fields(task, None, settings)
    assert {
        "ecs_task_family": "pay\\u202eyap\\u200b",
        "ecs_tag_city": "Zürich",
        "ecs_tag_t\\u2066ag": "v\\u2069",
    } == fields


# -- the library's own warnings ------------------------------------------------------------------


def test_context_warning_escapes_the_endpoints_error(
    loopback: LoopbackServer, own_messages: list[logging.LogRecord]
) -> None:
    """The "no metadata yet" warning quotes the agent's error body escaped, letters kept."""
    body = "\x1b]0;pwned\x07\x1b[2J Zürich \u202efailed\u200b\nsecond line"
    loopback.route("/v4/abc/task", Reply(500, json.dumps(body)))
    context = EcsContext(environ={"ECS_CONTAINER_METADATA_URI_V4": f"{loopback.url}/v4/abc"})
    assert context.wait_ready(10) is False

    assert wait_until(lambda: any("no metadata yet" in r.getMessage() for r in own_messages))
    message = next(r.getMessage() for r in own_messages if "no metadata yet" in r.getMessage())
    assert "HTTP 500: \\x1b]0;pwned\\x07\\x1b[2J Zürich \\u202efailed\\u200b\\nsecond" in message
    assert_safe(message, allow_newline=False)


# -- the command line ----------------------------------------------------------------------------

RAW_ARN = "arn:aws:ecs:us-east-2:111122223333:task/default/\x1b]0;pwned\x07" + "5ee6\x1b[2J"
RAW_NAME = "checkout\u202eipa-\u200bapi\x1b[2J"
RAW_FAMILY = "checkout\x1b]0;pwned\x07-Zürich"
RAW_NOTE = "first line\nsecond\x1b]0;pwned\x07 \u202e"
ESCAPED_ARN = "arn:aws:ecs:us-east-2:111122223333:task/default/\\x1b]0;pwned\\x075ee6\\x1b[2J"
ESCAPED_NAME = "checkout\\u202eipa-\\u200bapi\\x1b[2J"
ESCAPED_FAMILY = "checkout\\x1b]0;pwned\\x07-Zürich"
ESCAPED_NOTE = "first line\\nsecond\\x1b]0;pwned\\x07 \\u202e"


@pytest.fixture(scope="module")
def task_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in EC2 sample, its ARN, family, own container name and tags made hostile."""
    task: dict[str, Any] = MockEndpoint(launch_type="EC2").task
    task["TaskARN"] = RAW_ARN
    task["Family"] = RAW_FAMILY
    own = next(c for c in task["Containers"] if c["Type"] == "NORMAL")
    own["Name"] = RAW_NAME
    task["TaskTags"] = {"city": "Zürich", "note": RAW_NOTE}
    path = tmp_path_factory.mktemp("hostile") / "task.json"
    path.write_text(json.dumps(task), encoding="utf-8")
    return path


@pytest.fixture
def hostile(task_file: Path) -> Iterator[MockEndpoint]:
    """The mock endpoint serving the hostile task, on a free loopback port."""
    endpoint = MockEndpoint(port=0, task_file=str(task_file)).start()
    try:
        yield endpoint
    finally:
        endpoint.stop()


def environment(mock: MockEndpoint, **extra: str) -> dict[str, str]:
    """This process's environment without ECS variables, pointed at `mock`, every tag asked."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ECS_") and name != "AWS_EXECUTION_ENV"
    }
    env.update(mock.environ(), ECS_LOG_CONTEXT_TAGS="*", PYTHONIOENCODING="utf-8")
    env.update(extra)
    return env


def run(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run the command line with stdout on a pipe (JSON): status, stdout, stderr."""
    result = subprocess.run(
        [*COMMAND, *args], env=env, capture_output=True, timeout=TIMEOUT, check=False
    )
    return result.returncode, result.stdout.decode("utf-8"), result.stderr.decode("utf-8")


def run_on_terminal(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    """Run the command line with stdout on a pseudo-terminal (a table): status, out, err."""
    import pty
    import termios

    controller, terminal = pty.openpty()
    attributes = termios.tcgetattr(terminal)
    attributes[1] &= ~termios.ONLCR  # keep "\n" as "\n", not "\r\n"
    termios.tcsetattr(terminal, termios.TCSANOW, attributes)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(controller, 65536)
            except OSError:  # EIO: the terminal side is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    try:
        with subprocess.Popen(
            [*COMMAND, *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=subprocess.PIPE,
        ) as process:
            os.close(terminal)
            reader.start()
            _, stderr = process.communicate(timeout=TIMEOUT)
            reader.join(TIMEOUT)
    finally:
        os.close(controller)
    return process.returncode, b"".join(chunks).decode("utf-8"), stderr.decode("utf-8")


def test_show_json_escapes_the_hostile_task(hostile: MockEndpoint) -> None:
    """``show`` (JSON on a pipe): fields escaped, nothing raw, Zürich as it is."""
    status, out, err = run("show", env=environment(hostile))

    assert 0 == status, err
    assert_safe(out)
    assert_safe(err)
    assert "Zürich" in out
    report = json.loads(out)
    assert {
        "ecs_cluster": "demo-cluster",
        "ecs_task_arn": ESCAPED_ARN,
        "ecs_task_family": ESCAPED_FAMILY,
        "ecs_task_revision": "7",
        "ecs_availability_zone": "eu-west-1a",
        "ecs_container_name": ESCAPED_NAME,
        "ecs_tag_city": "Zürich",
        "ecs_tag_note": ESCAPED_NOTE,
    } == report["fields"]
    assert RAW_NAME == report["container"]  # JSON stays JSON: escaped in the text, exact value
    assert "\\u202e" in out


def test_show_all_json_keeps_the_values_and_escapes_the_text(hostile: MockEndpoint) -> None:
    """``show --all`` (JSON): the metadata decodes to the raw values; its text is safe."""
    status, out, err = run("show", "--all", env=environment(hostile))

    assert 0 == status, err
    assert_safe(out)
    assert_safe(err)
    report = json.loads(out)
    assert RAW_ARN == report["task_metadata"]["TaskARN"]
    assert RAW_FAMILY == report["task_metadata"]["Family"]
    assert RAW_NAME == report["container_metadata"]["Name"]
    assert "\\u001b]0;pwned\\u0007" in out
    assert "\\u202eipa-\\u200bapi" in out
    assert "checkout\\u001b]0;pwned\\u0007-Zürich" in out


def test_stats_json_is_safe(hostile: MockEndpoint) -> None:
    """``stats`` (JSON): the task ARN and container name are escaped in the text."""
    status, out, err = run("stats", env=environment(hostile))

    assert 0 == status, err
    assert_safe(out)
    assert_safe(err)
    usage = json.loads(out)
    assert RAW_ARN == usage["task_arn"]
    assert RAW_NAME in [c["name"] for c in usage["containers"]]


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_show_table_on_a_terminal_escapes_every_value(hostile: MockEndpoint) -> None:
    """``show`` on a terminal: the table's task, container and fields are escaped."""
    status, out, err = run_on_terminal("show", env=environment(hostile))

    assert 0 == status, err
    assert_safe(out)
    assert_safe(err)
    assert not out.lstrip().startswith("{")  # the table, not JSON
    lines = out.splitlines()
    assert f"task        {ESCAPED_ARN}" in lines
    assert f"container   {ESCAPED_NAME}" in lines
    assert f"  ecs_task_family        {ESCAPED_FAMILY}" in lines
    assert f"  ecs_tag_note           {ESCAPED_NOTE}" in lines
    assert "  ecs_tag_city           Zürich" in lines


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_show_all_table_on_a_terminal(hostile: MockEndpoint) -> None:
    """``show --all`` on a terminal: the metadata as JSON text, escaped, letters kept."""
    status, out, err = run_on_terminal("show", "--all", env=environment(hostile))

    assert 0 == status, err
    assert_safe(out)
    assert_safe(err)
    assert "task metadata:" in out
    assert '"TaskARN": "arn:aws:ecs:us-east-2:111122223333:task/default/\\u001b]0;pwned' in out
    assert '"Family": "checkout\\u001b]0;pwned\\u0007-Zürich"' in out
    assert '"Name": "checkout\\u202eipa-\\u200bapi\\u001b[2J"' in out


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_stats_table_on_a_terminal(hostile: MockEndpoint) -> None:
    """``stats`` on a terminal: the container name is escaped in its row."""
    status, out, err = run_on_terminal("stats", env=environment(hostile))

    assert 0 == status, err
    assert_safe(out)
    assert_safe(err)
    assert out.startswith("NAME")
    assert [ESCAPED_NAME] == [line.split()[0] for line in out.splitlines() if "api" in line]


def test_show_failure_on_stderr_is_escaped(hostile: MockEndpoint) -> None:
    """On v2, a container that cannot be told: the sentence on stderr names them escaped."""
    env = environment(hostile, ECS_LOG_CONTEXT_CONTAINER_NAME="\x1b]0;pwned\x07\u202e")
    for name in ("ECS_CONTAINER_METADATA_URI_V4", "ECS_CONTAINER_METADATA_URI"):
        env.pop(name)

    status, out, err = run("show", env=env)

    assert 1 == status
    assert_safe(out)
    assert_safe(err)
    assert 1 == len(err.splitlines())
    assert "\\x1b]0;pwned\\x07\\u202e" in err
    assert "\\u202eipa-\\u200bapi" in err


def test_show_failure_quoting_the_environment_is_escaped(hostile: MockEndpoint) -> None:
    """A URI variable with bidi and zero-width characters: the one-line error shows them."""
    env = environment(hostile)
    env["ECS_CONTAINER_METADATA_URI_V4"] += "x\u202e\u200b"

    status, out, err = run("show", env=env)

    assert 1 == status
    assert "" == out
    assert_safe(err)
    assert 1 == len(err.splitlines())
    assert f"from {hostile.v4_uri}x\\u202e\\u200b/task: HTTP 404" in err


def test_show_bad_variable_is_escaped(hostile: MockEndpoint) -> None:
    """A URI variable holding a terminal sequence: status 2, the value quoted escaped."""
    env = environment(hostile)
    env["ECS_CONTAINER_METADATA_URI_V4"] += "/\x1b]0;pwned\x07"

    status, out, err = run("show", env=env)

    assert 2 == status
    assert "" == out
    assert_safe(err)
    assert 1 == len(err.splitlines())
    assert "/\\x1b]0;pwned\\" in err


def serve_environment() -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("ECS_") and name != "AWS_EXECUTION_ENV"
    }
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def test_serve_says_what_it_serves_escaped(task_file: Path) -> None:
    """``serve --task-file``: the "serving task family:revision" line on stderr is escaped."""
    with subprocess.Popen(
        [*COMMAND, "serve", "--port", "0", "--task-file", str(task_file)],
        env=serve_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        try:
            assert process.stderr is not None
            line = process.stderr.readline().decode("utf-8")
        finally:
            process.terminate()
            process.communicate(timeout=TIMEOUT)

    assert line.startswith(f"# serving task {ESCAPED_FAMILY}:7 ")
    assert_safe(line)


def test_serve_verbose_escapes_the_request_lines_it_logs() -> None:
    """``serve -v`` logs each request line; a client's terminal sequence in one is escaped."""
    with subprocess.Popen(
        [*COMMAND, "serve", "--port", "0", "-v"],
        env=serve_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline().decode() for _ in range(4)]
            exports = dict(shlex.split(line)[1].split("=", 1) for line in lines)
            port = int(exports["ECS_CONTAINER_METADATA_URI_V4"].split(":")[2].split("/")[0])
            with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as client:
                client.sendall(b"GET /\x1b]0;pwned\x07\x1b[2J HTTP/1.1\r\nHost: x\r\n\r\n")
                client.recv(65536)
        finally:
            process.terminate()
            _, stderr = process.communicate(timeout=TIMEOUT)

    err = stderr.decode("utf-8")
    assert "GET /\\x1b]0;pwned\\x07\\x1b[2J HTTP/1.1" in err
    assert_safe(err)
