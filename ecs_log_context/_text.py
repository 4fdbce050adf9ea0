"""Text from outside the process made safe to show: the one place that does it.

Metadata, endpoint error messages and environment values end up in plain-text log lines,
warnings and a terminal. A character there that a terminal obeys (ESC starts a sequence that
can retitle the window or clear the screen; C1 controls can too), that breaks the line, that
reorders what the reader sees (bidirectional controls, "Trojan Source", CVE-2021-42574) or
that hides text (zero-width characters) is written as a visible escape instead: ``\\n``,
``\\x1b``, ``\\u202e``. Every other character, ``Zürich``, CJK or emoji, is kept as it is.
"""

from __future__ import annotations

import functools
import re

__all__ = ["escape", "escape_json", "printable", "unsafe"]

# Everything but the C0 controls, which json.dumps escapes itself inside strings.
_UNSAFE_PAST_C0 = (
    "\x7f"  # DEL
    "\x80-\x9f"  # C1 controls: NEL breaks lines, CSI (U+009B) starts a terminal sequence
    "\u2028\u2029"  # line and paragraph separators, which str.splitlines() breaks on too
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls
    "\u200b-\u200d\u2060-\u2064\ufeff"  # zero-width and invisible format characters
    "\ud800-\udfff"  # lone surrogates (valid JSON escapes), which no UTF-8 stream can write
)


@functools.cache
def unsafe() -> re.Pattern[str]:
    """The characters :func:`escape` escapes: C0 controls, DEL and the rest above.

    Compiled on first use, not at import: the classes of ranges cost ~2 ms to compile.
    """
    return re.compile(f"[\x00-\x1f{_UNSAFE_PAST_C0}]")


@functools.cache
def _unsafe_in_json() -> re.Pattern[str]:
    return re.compile(f"[{_UNSAFE_PAST_C0}]")


def _escaped(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def escape(text: str) -> str:
    """`text` with every :func:`unsafe` character escaped, Python-style; the rest unchanged.

    ``"a\\nb"`` becomes ``a\\nb``, ESC ``\\x1b``, U+202E ``\\u202e``. Backslashes are kept as
    they are: the result is for a reader, not for decoding.
    """
    pattern = unsafe()
    if pattern.search(text) is None:
        return text
    return pattern.sub(_escaped, text)


def printable(text: str, limit: int = 200) -> str:
    """Text from outside, safe in a one-line message: escaped, and cut at `limit` characters."""
    text = escape(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def escape_json(encoded: str) -> str:
    """JSON text from ``json.dumps(..., ensure_ascii=False)`` with the :func:`unsafe`
    characters that it leaves raw written as ``\\uXXXX``: the same JSON, the same values.

    ``json.dumps`` escapes C0 controls in strings (a raw newline is its indentation), but not
    DEL, C1, bidirectional or zero-width characters, and it writes lone surrogates raw. JSON
    text is ASCII outside strings, so each of those is inside a string, where ``\\uXXXX``
    stands for that very character.
    """
    pattern = _unsafe_in_json()
    if pattern.search(encoded) is None:
        return encoded
    return pattern.sub(_json_escaped, encoded)
