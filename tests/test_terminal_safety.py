"""Text from outside never reaches a plain-text line raw: ``_text`` and its users.

The escaper over every code point it escapes and the ones next to them; then the field
builder and the library's own warnings.
"""

from __future__ import annotations

import json
import logging
import unicodedata

import pytest

from ecs_log_context import EcsContext, errors
from ecs_log_context._text import escape, escape_json, printable
from ecs_log_context.fields import build_fields
from ecs_log_context.models import TaskMetadata
from ecs_log_context.settings import FieldSettings

from .integrations import settle_threads
from .scripted_server import Answer, ScriptedServer, wait_until

pytestmark = pytest.mark.timeout(60)


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


@pytest.fixture
def own_messages() -> list[logging.LogRecord]:
    """Every record on the ``ecs_log_context`` logger, INFO and above, from now on."""
    settle_threads()
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("ecs_log_context")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    return records


def test_context_warning_escapes_the_endpoints_error(
    scripted: ScriptedServer, own_messages: list[logging.LogRecord]
) -> None:
    """The "no metadata yet" warning quotes the agent's error body escaped, letters kept."""
    body = "\x1b]0;pwned\x07\x1b[2J Zürich \u202efailed\u200b\nsecond line"
    scripted.route("/v4/abc/task", Answer(500, json.dumps(body)))
    context = EcsContext(environ={"ECS_CONTAINER_METADATA_URI_V4": f"{scripted.url}/v4/abc"})
    assert context.wait_ready(10) is False

    assert wait_until(lambda: any("no metadata yet" in r.getMessage() for r in own_messages))
    message = next(r.getMessage() for r in own_messages if "no metadata yet" in r.getMessage())
    assert "HTTP 500: \\x1b]0;pwned\\x07\\x1b[2J Zürich \\u202efailed\\u200b\\nsecond" in message
    assert_safe(message, allow_newline=False)
