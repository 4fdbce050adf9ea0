"""``ecs-log-context env``: the fields as environment variables, for processes in any language.

An entrypoint script runs ``eval "$(ecs-log-context env)"`` and then execs its real command, in
whatever language. The values come from the endpoint and are untrusted, and the output goes
to ``eval``: every value is written inside single quotes, where a shell expands nothing, and
a single quote as ``'\\''``. Variable names are never taken from the endpoint as they are:
a key becomes a name only through ``[A-Za-z0-9_]``. On any failure nothing is written to
stdout, so that ``eval`` of the output does nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import quote

from .._text import escape
from ..errors import ConfigurationError, MetadataError
from ._command import PROG, Failure, Subcommands, metadata_client
from ._output import json_text

if TYPE_CHECKING:
    from .._settings import ContextSettings, FieldSettings

__all__ = ["register", "run"]

FORMATS = ("shell", "dotenv", "json", "otel")
OTEL_VARIABLE = "OTEL_RESOURCE_ATTRIBUTES"

_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_]")

# W3C Baggage's baggage-octet: printable ASCII but for space, '"', ',', ';' and '\'. The
# OpenTelemetry specification wants every other character of a value percent-encoded. '%'
# is encoded too, or a decoder would read '%41' in a value as 'A'; and '+', which decoders
# built on HTML form decoding (older Java SDKs) read as a space. Decoders decode any
# percent-escape, so encoding more than needed never changes a value.
_VALUE_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '",;\\%+')
# Keys are not decoded by the SDKs (the Python, Go and Java ones use them as written), so
# a key must be written as it is: printable ASCII without the separators ',' and '=', the
# characters outside baggage-octet, and '%', which a decoder might one day decode.
_KEY_UNSAFE = frozenset('",;\\%=')

_DESCRIPTION = """\
Resolve the metadata as the library does, from this environment, and print the fields as
environment variables, for an entrypoint script and for processes in any language:

  eval "$(ecs-log-context env)"; exec ./server
  eval "$(ecs-log-context env --format otel)"; exec java -jar app.jar

formats:
  shell    one "export NAME='value'" line per flat key (the default)
  dotenv   one "NAME='value'" line per flat key
  json     one JSON object of NAME to value
  otel     one "export OTEL_RESOURCE_ATTRIBUTES='...'" line

NAME is the flat key upper-cased (ecs_cluster: ECS_CLUSTER), with every character outside
A-Z, 0-9 and _ written as _ (a task tag "cost-center" gives ECS_TAG_COST_CENTER); when two
keys give one name, the first is kept and stderr says which was left out. Values are
written between single quotes, a quote in them as '\\'': the output is safe to eval whatever
the endpoint sends, and sh, dash and bash read back exactly the values that log records
get (controls already written as escapes, such as \\n).

dotenv is the shell's own syntax without "export": exact for "set -a; . ./ecs.env; set +a".
Other dotenv readers (docker compose's env_file, python-dotenv) read the same values when
a value holds no ', \\ or $, which AWS's rules keep out of cluster, family, container and
image names and of tags; they differ on those three (python-dotenv expands ${...} even
between single quotes). It is not for "docker run --env-file", which keeps the quotes as
part of the value: use json and a tool of your own there.

otel prints what the resource detector adds: the OpenTelemetry keys of the fields (all of
them unless --fields or ECS_LOG_CONTEXT_FIELDS says otherwise), the tags asked for,
cloud.provider and cloud.platform; ECS_LOG_CONTEXT_KEYS, which renames the keys of log
records, does not apply (--keys does, as the detector's keys option). The value is
key=value pairs separated by commas, values percent-encoded as the OpenTelemetry
specification asks (everything outside W3C Baggage's baggage-octet, and % and +); a list
value (log group names) is its one element, several joined by commas. The pairs that
OTEL_RESOURCE_ATTRIBUTES already holds come first, as they are, and win: a key already
there is not added again.
A tag whose key cannot be written as a key (a space, a comma, =, %, non-ASCII) is left
out, and stderr says so.

--fields, --tags and --keys take the place of ECS_LOG_CONTEXT_FIELDS, ECS_LOG_CONTEXT_TAGS
and ECS_LOG_CONTEXT_KEYS; an empty one ("--tags ''") turns off what the variable asks for.
ECS_LOG_CONTEXT_STYLE does not apply: the names come from the flat keys, and otel from the
OpenTelemetry ones.

Exit status 1, with one sentence on stderr and nothing on stdout, off ECS, when disabled,
when the metadata cannot be read or this container cannot be told apart; 2 when an option
or a setting cannot be used. "eval" does not report the status of what it evaluates: to
stop on a failure, write 'vars="$(ecs-log-context env)" && eval "$vars"'.
"""


def register(commands: Subcommands) -> None:
    """Add ``env`` and its options."""
    env = commands.add_parser(
        "env",
        help="print the fields as environment variables, for eval in an entrypoint script",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    env.add_argument(
        "--format",
        choices=FORMATS,
        default="shell",
        help="what to print (default: shell)",
    )
    env.add_argument(
        "--fields",
        metavar="NAMES",
        help="comma-separated field names, or the groups default and all (default: "
        "ECS_LOG_CONTEXT_FIELDS, else default; for otel, else all)",
    )
    env.add_argument(
        "--tags",
        metavar="KEYS",
        help="task tags to add, comma-separated, or * for all (default: ECS_LOG_CONTEXT_TAGS)",
    )
    env.add_argument(
        "--keys",
        metavar="RENAMES",
        help="renames field=key separated by commas (default: ECS_LOG_CONTEXT_KEYS; for "
        "otel, none)",
    )
    env.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """``env``: fetch as the library would, and print the fields in the format asked for.

    Raises:
        Failure: off ECS, disabled, the fetch failed or this container is not known (1); an
            option or a setting cannot be used (2). Nothing is printed on stdout then.
    """
    from .._fields import build_fields

    context_settings, field_settings = _settings(args)
    source, client = metadata_client(context_settings)
    explanation = None
    try:
        with client:
            task, container = client.task_and_container(with_tags=bool(field_settings.tags))
            if container is None and source.kind == "v2":
                explanation = client.explain_own_container(task)
    except MetadataError as exc:
        raise Failure(1, str(exc)) from None
    if container is None:
        raise Failure(
            1,
            "cannot tell which of the task's containers this process runs in: "
            f"{explanation or 'the source does not say'}; set ECS_LOG_CONTEXT_CONTAINER_NAME "
            "to this container's name",
        )
    fields = build_fields(task, container, field_settings)
    notes: list[str] = []
    if not fields:
        notes.append("the metadata has none of the fields asked for: nothing to print")
    if args.format == "otel":
        text = otel_output(fields, os.environ.get(OTEL_VARIABLE), notes)
    else:
        variables = variables_of(fields, notes)
        text = _FLAT_FORMATS[args.format](variables)
    for note in notes:
        print(f"{PROG} env: {escape(note)}", file=sys.stderr)
    _write(text)
    return 0


def _settings(args: argparse.Namespace) -> tuple[ContextSettings, FieldSettings]:
    """The context settings from the environment; the field settings from the flags, else
    the environment, with the style that the format implies."""
    from .._settings import FIELD_OPTIONS, ContextSettings, FieldSettings

    try:
        context_settings = ContextSettings.resolve()
    except ConfigurationError as exc:
        raise Failure(2, str(exc)) from None
    fields: str | None = args.fields
    if args.format == "otel":
        # As the resource detector: ECS_LOG_CONTEXT_KEYS shapes log records and is not read;
        # --keys is the detector's keys= option.
        style, keys = "otel", "" if args.keys is None else args.keys
        variable = FIELD_OPTIONS["fields"].variable
        if fields is None and not os.environ.get(variable, "").strip():
            fields = "all"  # the resource detector's default
    else:
        style, keys = "flat", args.keys
    try:
        field_settings = FieldSettings.resolve(
            fields=fields, style=style, keys=keys, tags=args.tags
        )
    except ConfigurationError as exc:
        flag = exc.name in ("fields", "keys", "tags")
        raise Failure(2, ("--" if flag else "") + str(exc)) from None
    return context_settings, field_settings


# -- shell, dotenv, json -----------------------------------------------------------------------


def variable_name(key: str) -> str:
    """The environment variable a flat key becomes: ``ecs_tag_cost-center`` gives
    ``ECS_TAG_COST_CENTER``; a name that would start with a digit gets a leading ``_``."""
    name = _NOT_IN_NAME.sub("_", key).upper()
    return "_" + name if not name or name[0].isdigit() else name


def variables_of(fields: Mapping[str, object], notes: list[str]) -> dict[str, str]:
    """The flat fields as NAME -> value; a key whose name is already taken is left out, with
    one note saying which."""
    variables: dict[str, str] = {}
    owners: dict[str, str] = {}
    clashes: list[str] = []
    for key, value in fields.items():
        name = variable_name(key)
        if name in variables:
            clashes.append(f"{key} (its name {name} is {owners[name]}'s)")
            continue
        variables[name] = _text_of(value)
        owners[name] = key
    if clashes:
        notes.append("left out " + ", ".join(clashes))
    return variables


def shell_quoted(value: str) -> str:
    """`value` between single quotes, where a shell expands nothing; a quote as ``'\\''``."""
    return "'" + value.replace("'", "'\\''") + "'"


def shell_output(variables: Mapping[str, str]) -> str:
    """``export NAME='value'`` lines."""
    return "".join(f"export {name}={shell_quoted(value)}\n" for name, value in variables.items())


def dotenv_output(variables: Mapping[str, str]) -> str:
    """``NAME='value'`` lines: the shell's syntax without ``export``."""
    return "".join(f"{name}={shell_quoted(value)}\n" for name, value in variables.items())


def json_output(variables: Mapping[str, str]) -> str:
    """One JSON object, NAME -> value (``{}`` when there is none)."""
    return json_text(dict(variables)) + "\n"


_FLAT_FORMATS: dict[str, Callable[[Mapping[str, str]], str]] = {
    "shell": shell_output,
    "dotenv": dotenv_output,
    "json": json_output,
}


# -- otel --------------------------------------------------------------------------------------


def otel_key_ok(key: str) -> bool:
    """Whether a key can be written in OTEL_RESOURCE_ATTRIBUTES as it is, and read back."""
    return bool(key) and all("\x21" <= ch <= "\x7e" and ch not in _KEY_UNSAFE for ch in key)


def otel_value(value: object) -> str:
    """A value percent-encoded for OTEL_RESOURCE_ATTRIBUTES (UTF-8, then %XX)."""
    return quote(_text_of(value), safe=_VALUE_SAFE)


def existing_keys(existing: str) -> set[str]:
    """The keys of the pairs an OTEL_RESOURCE_ATTRIBUTES value holds, as the SDKs split it."""
    keys = set()
    for item in existing.split(","):
        key, sep, _ = item.partition("=")
        if sep:
            keys.add(key.strip())
    return keys


def otel_attributes(
    fields: Mapping[str, object], existing: str | None, notes: list[str]
) -> str | None:
    """The variable's new value: the existing pairs as they are, then ours that they lack;
    None when there is nothing of ours to add."""
    before = (existing or "").rstrip(" \t,")
    if not before.strip():
        before = ""
    taken = existing_keys(before)
    pairs: list[str] = []
    unwritable: list[str] = []
    for key, value in fields.items():
        if not otel_key_ok(key):
            unwritable.append(key)
        elif key not in taken:
            pairs.append(f"{key}={otel_value(value)}")
    if unwritable:
        notes.append(
            "left out " + ", ".join(unwritable) + ": a key in OTEL_RESOURCE_ATTRIBUTES must "
            'be printable ASCII without spaces or any of , = % ; \\ "'
        )
    if not pairs:
        return None
    return ",".join([before, *pairs] if before else pairs)


def otel_output(fields: Mapping[str, object], existing: str | None, notes: list[str]) -> str:
    """``export OTEL_RESOURCE_ATTRIBUTES='...'``, or nothing when there is nothing to add."""
    value = otel_attributes(fields, existing, notes)
    return "" if value is None else f"export {OTEL_VARIABLE}={shell_quoted(value)}\n"


# -- shared ------------------------------------------------------------------------------------


def _text_of(value: object) -> str:
    """A field's value as text: a list (the conventions' one-element lists) joined by commas."""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return ",".join(str(item) for item in value)
    return str(value)


def _write(text: str) -> None:
    """Write the output as UTF-8 whatever the locale: the values are the endpoint's, and an
    existing OTEL_RESOURCE_ATTRIBUTES may hold bytes that are not UTF-8 (written back as
    they came, through surrogateescape)."""
    if not text:
        return
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a stream without bytes (a caller's StringIO)
        sys.stdout.write(text)
    else:
        buffer.write(text.encode("utf-8", "surrogateescape"))
    sys.stdout.flush()
