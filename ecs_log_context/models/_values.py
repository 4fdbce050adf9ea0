"""What a JSON value may be in a typed field, and the message when it is not.

Each ``as_*`` function checks one decoded JSON value and returns it as the field's type, or raises
`WrongType` saying what was expected; the reader turns that into an `InvalidMetadataError` that
names the key path.
"""

from __future__ import annotations

import math
import re
import reprlib
from datetime import datetime, timedelta, timezone

from ..errors import InvalidMetadataError

MAX_STRING = 64 * 1024
"""Longest string accepted in a typed field: anything longer is not metadata."""

_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?([Zz]|[+-][0-9]{2}:?[0-5][0-9])"
)

_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60


class WrongType(Exception):
    """A value is not what its field holds; ``expected`` says what would be."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def describe(value: object) -> str:
    """A short form of ``value`` and its type, for an error message."""
    if value is None:
        return "null"
    try:
        shown = _repr.repr(value)
    except ValueError:  # an int longer than sys.get_int_max_str_digits()
        shown = "a huge number"
    return f"{shown} ({type(value).__name__})"


def invalid(what: str, url: str, path: str, expected: str, value: object) -> InvalidMetadataError:
    """The error for ``value`` at ``path``, which should have been ``expected``."""
    where = f"{path}: " if path else ""
    return InvalidMetadataError(what, url, f"{where}expected {expected}, got {describe(value)}")


def key_repr(key: str) -> str:
    """An object key as a key path shows it (``['eth0']``), shortened if it is long."""
    return repr(key if len(key) <= 100 else key[:97] + "...")


def as_text(value: object) -> str:
    """A string of at most `MAX_STRING` characters."""
    if not isinstance(value, str):
        raise WrongType("a string")
    if len(value) > MAX_STRING:
        raise WrongType(f"a string of at most {MAX_STRING} characters")
    return value


def as_int(value: object) -> int:
    """An integer, not a bool."""
    # Integral floats are accepted: some JSON encoders write 512.0.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise WrongType("an integer")


def as_number(value: object) -> float:
    """An integer or a finite float, kept as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise WrongType("a finite number" if isinstance(value, float) else "a number")


def as_bool(value: object) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise WrongType("true or false")
    return value


def as_revision(value: object) -> str:
    """A string; an integer is accepted and turned into one."""
    if isinstance(value, str):
        return as_text(value)
    try:
        return str(as_int(value))
    except WrongType:
        raise WrongType("a string or an integer") from None


def as_time(value: object) -> datetime:
    """An RFC 3339 timestamp, as an aware datetime in UTC truncated to the microsecond.

    Parsed here: Python 3.10's ``fromisoformat`` rejects nanoseconds and ``Z``.
    """
    match = _TIMESTAMP.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise WrongType("an RFC 3339 timestamp")
    *parts, fraction, zone = match.groups()
    year, month, day, hour, minute, second = map(int, parts)
    microsecond = int((fraction or "0")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if zone not in ("Z", "z"):
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = -offset if zone[0] == "-" else offset
    try:
        local = datetime(
            year, month, day, hour, minute, second, microsecond, tzinfo=timezone(offset)
        )
        return local.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise WrongType("an RFC 3339 timestamp within years 1 to 9999") from None
