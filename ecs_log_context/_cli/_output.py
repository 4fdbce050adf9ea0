"""Output shared by the subcommands: JSON, or an aligned table on a terminal.

Values come from outside (the endpoint, the environment): every table cell goes through
``_text.escape``, and JSON through ``_text.escape_json``, so that nothing printed can drive
the terminal, break a line or hide and reorder text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .._text import escape, escape_json

if TYPE_CHECKING:
    from .._source import Source

__all__ = [
    "aligned",
    "flatten",
    "is_terminal",
    "json_text",
    "print_json",
    "source_dict",
    "wants_json",
]


def wants_json(args: argparse.Namespace) -> bool:
    """JSON when ``--json`` is given or stdout is not a terminal; a table otherwise."""
    return bool(args.json) or not is_terminal()


def is_terminal() -> bool:
    """Whether stdout is a terminal."""
    try:
        return sys.stdout.isatty()
    except ValueError:  # closed
        return False


def json_text(value: object) -> str:
    """A value as indented JSON: non-ASCII letters as they are, unsafe characters escaped."""
    return escape_json(json.dumps(value, indent=2, ensure_ascii=False))


def print_json(value: object) -> None:
    """Print a value as indented JSON."""
    print(json_text(value))


def source_dict(source: Source) -> dict[str, str]:
    """Where the metadata came from, as the JSON reports show it."""
    return {"kind": source.kind, "location": source.location, "variable": source.origin}


def aligned(rows: Sequence[Sequence[str]], indent: str = "") -> str:
    """Columns padded to their widest cell, each cell escaped; the last column is not padded."""
    if not rows:
        return ""
    rows = [[escape(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        cells.append(row[-1])
        lines.append(indent + "  ".join(cells).rstrip())
    return "\n".join(lines)


def flatten(fields: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested fields as ``(dotted.key, text)`` rows; values that are not text as JSON."""
    rows: list[tuple[str, str]] = []
    for key, value in fields.items():
        if isinstance(value, dict):
            rows += flatten(value, f"{prefix}{key}.")
        elif isinstance(value, str):
            rows.append((prefix + key, value))
        else:
            rows.append((prefix + key, json.dumps(value, ensure_ascii=False)))
    return rows
