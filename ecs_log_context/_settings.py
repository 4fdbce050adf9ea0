"""Settings: keyword argument beats environment variable beats default.

Every setting is read once, at construction. An empty or whitespace-only variable counts as
unset. A value that cannot be used raises `ConfigurationError` (a `ValueError`) naming the
variable, the value and what is accepted.

No ``from __future__ import annotations``: with it, `typing.NamedTuple` compiles each field's
annotation string, ~4 ms of every ``import ecs_log_context`` for the three classes here.
"""

import math
import os
import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from ._urls import check_url as _check_url
from .errors import ConfigurationError

__all__ = [
    "CONTEXT_OPTIONS",
    "FIELD_OPTIONS",
    "ContextSettings",
    "FieldSettings",
    "parse_bool",
    "parse_seconds",
]

SOURCES = ("auto", "v4", "v3", "v2", "file")
STYLES = ("flat", "otel", "nested", "elastic", "datadog")
DEFAULT_NESTED_KEY = "ecs"
DEFAULT_V2_ENDPOINT = "http://169.254.170.2"
MAX_VALUE_LENGTH = 4096

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


# Compiled on first use (re's own cache), not at import: each cost ~4 ms to compile.
KEY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.\-]{0,127}$"
_REGION_PATTERN = r"^[a-z]{2,}(?:-[a-z0-9]+)+-[0-9]+$"


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    if value is None or not value.strip():
        return None
    if len(value) > MAX_VALUE_LENGTH:
        raise ConfigurationError(name, value, f"a value of at most {MAX_VALUE_LENGTH} characters")
    return value.strip()


def _pick(environ: Mapping[str, str], name: str, given: object) -> tuple[object | None, str]:
    """Return (the raw value, the name to report) from the argument, else the environment."""
    if given is not None:
        argument = name.removeprefix("ECS_LOG_CONTEXT_").lower()
        if isinstance(given, str) and len(given) > MAX_VALUE_LENGTH:
            raise ConfigurationError(
                argument, given, f"a value of at most {MAX_VALUE_LENGTH} characters"
            )
        return given, argument
    return _env(environ, name), name


def parse_bool(name: str, value: object) -> bool:
    """Read a boolean: a `bool`, or one of true/false, 1/0, yes/no, on/off (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ConfigurationError(name, value, "true or false (also 1/0, yes/no, on/off)")


def parse_seconds(
    name: str, value: object, *, minimum: float, maximum: float, accepted: str = ""
) -> float:
    """Read a finite number of seconds within [minimum, maximum]; `accepted` is what an error
    says is accepted, when the caller accepts less than the range."""
    accepted = accepted or f"a number of seconds from {minimum:g} to {maximum:g}"
    if isinstance(value, bool) or (isinstance(value, str) and "_" in value):
        raise ConfigurationError(name, value, accepted)
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigurationError(name, value, accepted) from None
    if not math.isfinite(seconds) or not minimum <= seconds <= maximum:
        raise ConfigurationError(name, value, accepted)
    return seconds


def _parse_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    raise ConfigurationError(name, value, "one of " + ", ".join(choices))


def _split_list(name: str, value: object) -> list[str]:
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        raise ConfigurationError(name, value, "a comma-separated string or a list of strings")
    out: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigurationError(name, value, "a comma-separated string or a list of strings")
        if item.strip():
            out.append(item.strip())
    return out


# NamedTuples, not dataclasses: importing dataclasses (and inspect) would double the cost of
# `import ecs_log_context`.
class ContextSettings(NamedTuple):
    """What decides where metadata comes from and when: one shared `EcsContext` per value.

    Attributes:
        enabled: ``ECS_LOG_CONTEXT_ENABLED``.
        source: ``ECS_LOG_CONTEXT_SOURCE``: auto, v4, v3, v2 or file.
        v2_endpoint: ``ECS_LOG_CONTEXT_V2_ENDPOINT``, or None when not set (then the v2 gate
            is ``AWS_EXECUTION_ENV`` alone).
        container_name: ``ECS_LOG_CONTEXT_CONTAINER_NAME``.
        timeout: ``ECS_LOG_CONTEXT_TIMEOUT`` seconds.
        ttl: ``ECS_LOG_CONTEXT_TTL`` seconds; 0 never refreshes.
    """

    enabled: bool = True
    source: str = "auto"
    v2_endpoint: str | None = None
    container_name: str | None = None
    timeout: float = 1.0
    ttl: float = 3600.0

    @classmethod
    def resolve(
        cls,
        *,
        enabled: bool | str | None = None,
        source: str | None = None,
        v2_endpoint: str | None = None,
        container_name: str | None = None,
        timeout: float | str | None = None,
        ttl: float | str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> "ContextSettings":
        """Build settings from arguments, then the environment, then the defaults."""
        given = {
            "enabled": enabled,
            "source": source,
            "v2_endpoint": v2_endpoint,
            "container_name": container_name,
            "timeout": timeout,
            "ttl": ttl,
        }
        values = _resolve(cls._field_defaults, CONTEXT_OPTIONS, given, environ)
        return cls._make(values[field] for field in cls._fields)


ALL_FIELDS = (
    "cluster",
    "task_arn",
    "family",
    "revision",
    "availability_zone",
    "container_name",
    "task_id",
    "container_id",
    "region",
    "account_id",
    "launch_type",
    "container_arn",
    "image",
    "image_digest",
    "task_definition",
    "task_definition_arn",
    "cluster_arn",
    "service_name",
    "availability_zone_id",
    "log_group",
    "log_stream",
)
DEFAULT_FIELDS = ALL_FIELDS[:6]
_FIELDS_ACCEPTED = "field names from " + ", ".join(ALL_FIELDS) + ", or the groups default and all"


def _parse_fields(name: str, value: object) -> tuple[str, ...]:
    chosen: list[str] = []
    for item in _split_list(name, value):
        wanted = item.lower()
        group = {"default": DEFAULT_FIELDS, "all": ALL_FIELDS}.get(wanted)
        if group is None and wanted not in ALL_FIELDS:
            from ._suggest import not_a_field

            hint = not_a_field(item, (*ALL_FIELDS, "default", "all"))
            raise ConfigurationError(name, value, f"{_FIELDS_ACCEPTED}; {hint}")
        for field in group or (wanted,):
            if field not in chosen:
                chosen.append(field)
    if not chosen:
        raise ConfigurationError(name, value, _FIELDS_ACCEPTED + "; the list names none")
    return tuple(chosen)


def _record_attributes() -> set[str]:
    """Names a rename must not take: a LogRecord's own attributes (the filter sets keys)."""
    import logging

    record = logging.LogRecord("", 0, "", 0, "", None, None)
    return set(record.__dict__) | {"message", "asctime"}


def _parse_keys(name: str, value: object) -> tuple[tuple[str, str], ...]:
    """A refusal names the pair at fault, by its place and its text, and what is wrong."""
    pairs: list[tuple[str, str, object]]
    if isinstance(value, Mapping):
        pairs = [(str(k), "=", v) for k, v in value.items()]
    else:
        pairs = [item.partition("=") for item in _split_list(name, value)]
    renames: dict[str, str] = {}
    places: dict[str, int] = {}  # field -> the number of the pair that renames it (the last)
    for number, (given, sep, key) in enumerate(pairs, 1):
        field = given.strip().lower()
        if not (
            sep
            and field in ALL_FIELDS
            and isinstance(key, str)
            and re.match(KEY_PATTERN, key.strip())
        ):
            from ._suggest import bad_rename

            raise ConfigurationError(name, value, bad_rename(number, (given, sep, key)))
        renames[field], places[field] = key.strip(), number
    keys = set(renames.values())
    if len(keys) < len(renames) or keys & _record_attributes():
        from ._suggest import bad_renames

        raise ConfigurationError(name, value, bad_renames(renames, places, pairs))
    return tuple(renames.items())


def _parse_nested_key(name: str, value: object) -> str:
    key = value.strip() if isinstance(value, str) else ""
    if not re.match(KEY_PATTERN, key) or key in _record_attributes():
        raise ConfigurationError(
            name, value, "a key of letters, digits, _ . - (not a logging.LogRecord attribute)"
        )
    return key


def _aws_region(environ: Mapping[str, str]) -> str | None:
    """``AWS_REGION``, the fallback of ``region``: not the library's own variable, so a value
    that is not a region is ignored, not refused."""
    value = (environ.get("AWS_REGION") or "").strip()
    return value if re.match(_REGION_PATTERN, value) else None


def _parse_tags(name: str, value: object) -> tuple[str, ...]:
    """Tag keys separated by commas; a string of words separated by spaces, without a comma,
    is refused (see `_suggest.spaced_tags`), while a key with a space inside a comma list, or
    in a list argument, is a key with a space: AWS allows them. Only the space counts: a tag
    key with another whitespace character in it is a key, if a strange one."""
    tags = _split_list(name, value)
    if isinstance(value, str) and "," not in value and " " in value.strip():
        from ._suggest import spaced_tags

        accepted = "tag keys separated by commas, or *; " + spaced_tags(value)
        raise ConfigurationError(name, value, accepted)
    if any(len(tag) > 128 for tag in tags):
        raise ConfigurationError(name, value, "tag keys of at most 128 characters, or *")
    return ("*",) if "*" in tags else tuple(dict.fromkeys(tags))


class FieldSettings(NamedTuple):
    """What one processor, filter or formatter adds, and how.

    Attributes:
        fields: field names, in order (``ECS_LOG_CONTEXT_FIELDS``).
        style: flat, otel, nested, elastic or datadog (``ECS_LOG_CONTEXT_STYLE``).
        keys: renames, field -> key (``ECS_LOG_CONTEXT_KEYS``).
        tags: task tag keys to add, or ``("*",)`` for all (``ECS_LOG_CONTEXT_TAGS``).
        overwrite: the fields replace keys the record already has (``ECS_LOG_CONTEXT_OVERWRITE``).
        nested_key: the one key of the nested style (``ECS_LOG_CONTEXT_NESTED_KEY``).
        fallback_region: ``AWS_REGION``, for ``region`` when the task ARN gives none; read
            from the environment only, as it is not the library's own variable.
    """

    fields: tuple[str, ...] = DEFAULT_FIELDS
    style: str = "flat"
    keys: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    overwrite: bool = False
    nested_key: str = DEFAULT_NESTED_KEY
    fallback_region: str | None = None

    @classmethod
    def resolve(
        cls,
        *,
        fields: str | list[str] | tuple[str, ...] | None = None,
        style: str | None = None,
        keys: str | Mapping[str, str] | None = None,
        tags: str | list[str] | tuple[str, ...] | None = None,
        overwrite: bool | str | None = None,
        nested_key: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> "FieldSettings":
        """Build settings from arguments, then the environment, then the defaults.

        Raises:
            ConfigurationError: a value cannot be used, or the renames of ``keys`` would
                give one key twice or a key inside another (``container`` and
                ``container.name``).
        """
        given = {
            "fields": fields,
            "style": style,
            "keys": keys,
            "tags": tags,
            "overwrite": overwrite,
            "nested_key": nested_key,
        }
        values = _resolve(cls._field_defaults, FIELD_OPTIONS, given, environ)
        values["fallback_region"] = _aws_region(os.environ if environ is None else environ)
        settings = cls._make(values[field] for field in cls._fields)
        if settings.keys:
            from ._fields import check_keys  # the table of keys is _fields's

            check_keys(settings, "keys" if keys is not None else "ECS_LOG_CONTEXT_KEYS")
        return settings


def _parse_container_name(name: str, value: object) -> str | None:
    if not isinstance(value, str):
        raise ConfigurationError(name, value, "a container name from the task definition")
    return value.strip() or None


def _parse_timeout(name: str, value: object) -> float:
    return parse_seconds(name, value, minimum=0.001, maximum=60)


TTL_ACCEPTED = "0 (never refresh) or a number of seconds from 1 to 604800 (a week)"


def _parse_ttl(name: str, value: object) -> float:
    """Every refusal says the same accepted text, whatever is wrong with the value."""
    ttl = parse_seconds(name, value, minimum=0, maximum=7 * 86400, accepted=TTL_ACCEPTED)
    if 0 < ttl < 1:
        raise ConfigurationError(name, value, TTL_ACCEPTED)
    return ttl


class Option(NamedTuple):
    """One setting: its environment variable and how a given value is read.

    Its keyword is the key it has in `CONTEXT_OPTIONS` or `FIELD_OPTIONS`; its default is
    the field default of `ContextSettings` or `FieldSettings`.
    """

    variable: str
    parse: Callable[[str, object], object]


CONTEXT_OPTIONS: dict[str, Option] = {
    "enabled": Option("ECS_LOG_CONTEXT_ENABLED", parse_bool),
    "source": Option("ECS_LOG_CONTEXT_SOURCE", lambda n, v: _parse_choice(n, v, SOURCES)),
    "v2_endpoint": Option("ECS_LOG_CONTEXT_V2_ENDPOINT", _check_url),
    "container_name": Option("ECS_LOG_CONTEXT_CONTAINER_NAME", _parse_container_name),
    "timeout": Option("ECS_LOG_CONTEXT_TIMEOUT", _parse_timeout),
    "ttl": Option("ECS_LOG_CONTEXT_TTL", _parse_ttl),
}
FIELD_OPTIONS: dict[str, Option] = {
    "fields": Option("ECS_LOG_CONTEXT_FIELDS", _parse_fields),
    "style": Option("ECS_LOG_CONTEXT_STYLE", lambda n, v: _parse_choice(n, v, STYLES)),
    "keys": Option("ECS_LOG_CONTEXT_KEYS", _parse_keys),
    "tags": Option("ECS_LOG_CONTEXT_TAGS", _parse_tags),
    "overwrite": Option("ECS_LOG_CONTEXT_OVERWRITE", parse_bool),
    "nested_key": Option("ECS_LOG_CONTEXT_NESTED_KEY", _parse_nested_key),
}


def _resolve(
    defaults: Mapping[str, object],
    options: Mapping[str, Option],
    given: Mapping[str, object],
    environ: Mapping[str, str] | None,
) -> dict[str, object]:
    """Each option from its argument, else its variable, else its default."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for keyword, option in options.items():
        value, name = _pick(env, option.variable, given.get(keyword))
        values[keyword] = defaults[keyword] if value is None else option.parse(name, value)
    return values
