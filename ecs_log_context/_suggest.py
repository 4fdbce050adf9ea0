"""What a refused setting should have said: the nearest field name, the field whose output
key was written where a field name belongs, the part of a rename list that is wrong.

Only a `ConfigurationError` being built imports this module, so that neither it nor difflib
adds to the cost of ``import ecs_log_context``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["bad_rename", "bad_renames", "not_a_field", "quoted", "spaced_tags"]

_SEPARATORS = re.compile(r"[\s;|]+")


def quoted(text: object, limit: int = 40) -> str:
    """`text` as a repr short enough to sit inside a message beside the whole value."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _key_owners(key: str) -> dict[str, list[str]]:
    """Field -> the styles that write `key` for it (a field's first key first)."""
    from ._fields import STYLE_KEYS  # lazily: _fields imports _settings

    owners: dict[str, list[str]] = {}
    for rank in (0, 1):  # aws.ecs.task.id is task_id's own key, and task_arn's second
        for style, table in STYLE_KEYS.items():
            for field, keys in table.items():
                names = [k.name for k in keys]
                if key in (names[:1] if rank == 0 else names[1:]):
                    owners.setdefault(field, []).append(style)
    return owners


def _styles(styles: list[str]) -> str:
    unique = list(dict.fromkeys(styles))
    if len(unique) == 1:
        return f"the {unique[0]} style"
    return "the " + ", ".join(unique[:-1]) + f" and {unique[-1]} styles"


# difflib's default, 0.6, offers cluster for colour; 0.75 still finds cluter, defualt, regoin.
_CUTOFF = 0.75


def not_a_field(given: str, names: Sequence[str]) -> str:
    """Why `given` is not one of `names` (field names and groups), and what to write instead.

    An output key (``ecs_cluster``, ``aws.ecs.task.arn``) names the field it is written for;
    field names run together with spaces or semicolons are shown comma-separated; anything
    else gets the nearest name, if one is near.
    """
    wanted = given.strip().lower()
    owners = _key_owners(wanted)
    if owners:
        field, styles = next(iter(owners.items()))
        return (
            f"{quoted(given)} is an output key of {_styles(styles)}, not a field name: "
            f"the field is {field}"
        )
    parts = [part for part in _SEPARATORS.split(wanted) if part]
    if len(parts) > 1 and all(part in names for part in parts):
        return f"{quoted(given)} is not a field name; separate field names with commas: " + (
            ",".join(parts)
        )
    import difflib

    close = difflib.get_close_matches(wanted, names, n=1, cutoff=_CUTOFF)
    if not close:  # a near miss of an output key: ecs_clustr, aws.ecs.task.famly
        keys = list(dict.fromkeys(_all_keys()))
        near = difflib.get_close_matches(wanted, keys, n=1, cutoff=_CUTOFF)
        close = [next(iter(_key_owners(near[0])))] if near else []
    hint = f"{quoted(given)} is not a field name"
    return hint + f": did you mean {close[0]}?" if close else hint


def _all_keys() -> list[str]:
    from ._fields import STYLE_KEYS

    return [key.name for table in STYLE_KEYS.values() for keys in table.values() for key in keys]


RENAMES = "renames field=key separated by commas"
Pair = tuple[str, str, object]  # field, "=" or "", key: one rename as given


def _where(number: int, pair: Pair) -> str:
    given, sep, key = pair
    return f"pair {number}, " + quoted(given + sep + (key if isinstance(key, str) else repr(key)))


def bad_rename(number: int, pair: Pair) -> str:
    """What is accepted, then which pair is wrong and how: no ``=``, a field that does not
    exist (with the nearest), or a key that is not a plain key."""
    from ._settings import ALL_FIELDS, KEY_PATTERN  # lazily: _settings imports this module

    given, sep, key = pair
    where = _where(number, pair)
    if not sep:
        fix = f": write {quoted(given.replace(':', '=', 1))}" if ":" in given else ""
        return f"{RENAMES}; {where}, has no '='{fix}"
    if given.strip().lower() not in ALL_FIELDS:
        accepted = f"{RENAMES}, field one of " + ", ".join(ALL_FIELDS)
        return f"{accepted}; {where}: {not_a_field(given, ALL_FIELDS)}"
    accepted = (
        f"{RENAMES}; keys of letters, digits, _ . - from a letter or _, at most 128 characters"
    )
    return f"{accepted}; {where}: {_bad_key(key, re.compile(KEY_PATTERN))}"


def bad_renames(renames: dict[str, str], places: dict[str, int], pairs: Sequence[Pair]) -> str:
    """What is accepted, then the two pairs that give one key, or the pair whose key is a
    LogRecord attribute."""
    from ._settings import _record_attributes

    for field, key in renames.items():
        twin = next((other for other, k in renames.items() if k == key and other != field), None)
        if twin is not None:
            first, second = (_where(places[f], pairs[places[f] - 1]) for f in (field, twin))
            return (
                f"{RENAMES}, each to a different key; "
                f"{first}, and {second}, both give the key {quoted(key)}"
            )
    field, key = next((f, k) for f, k in renames.items() if k in _record_attributes())
    where = _where(places[field], pairs[places[field] - 1])
    return f"{RENAMES}, not to a logging.LogRecord attribute such as {key}; {where}: {key} is one"


def _bad_key(key: object, pattern: re.Pattern[str]) -> str:
    """What is wrong with a rename's key that `pattern` refuses."""
    if not isinstance(key, str):
        return f"the key {quoted(key)} is not a string"
    key = key.strip()
    if not key:
        return "the key is empty"
    if len(key) > 128:
        return f"the key has {len(key)} characters"
    if not pattern.fullmatch(key[0]):
        return f"the key {quoted(key)} starts with {key[0]!r}"
    wrong = next((char for char in key if not pattern.fullmatch("a" + char)), key[0])
    return f"the key {quoted(key)} holds {wrong!r}"


def spaced_tags(value: str) -> str:
    """The hint for tag keys separated by spaces (``team env``): both readings, spelled out.

    AWS tag keys may hold spaces, so ``team env`` could be one key; it is far more often two,
    so it is refused, and the hint says how to write either: commas between keys, or a
    trailing comma after one key that has a space in it.
    """
    words = ",".join(word for word in value.split(" ") if word)
    one = value.strip() + ","
    return (
        f"separate tag keys with commas: {words if len(words) <= 60 else words[:57] + '...'} "
        f"(one tag key with a space in it, as AWS allows, ends with a comma: {quoted(one, 60)})"
    )
