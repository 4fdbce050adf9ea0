"""Refusals that lead somewhere: the nearest field name, the field whose output key was given,
the rename pair at fault, tag keys run together with spaces, one text for every TTL refusal.

Each error keeps the form of every `ConfigurationError`: ``.name`` the variable or argument,
``.value`` the value as given, ``.accepted`` what is accepted followed by the hint, and the
message naming all three.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from ecs_log_context import _cli as cli
from ecs_log_context._fields import STYLE_KEYS
from ecs_log_context._settings import (
    ALL_FIELDS,
    FIELD_OPTIONS,
    TTL_ACCEPTED,
    ContextSettings,
    FieldSettings,
)
from ecs_log_context.errors import ConfigurationError

from .child_processes import base_environ

FIELDS = "ECS_LOG_CONTEXT_FIELDS"
KEYS = "ECS_LOG_CONTEXT_KEYS"
TAGS = "ECS_LOG_CONTEXT_TAGS"
TTL = "ECS_LOG_CONTEXT_TTL"


def refusal(variable: str, value: str) -> ConfigurationError:
    """The error `value` in `variable` raises, checked to have the form of every refusal."""
    cls = ContextSettings if variable == TTL else FieldSettings
    with pytest.raises(ConfigurationError) as caught:
        cls.resolve(environ={variable: value})
    error = caught.value
    assert (variable, value) == (error.name, error.value)
    message = str(error)
    assert message.startswith(f"{variable}={value!r}"[:60])
    assert error.accepted in message
    return error


def argument_refusal(**given: Any) -> ConfigurationError:
    """The error a keyword argument raises (no environment), checked like `refusal`."""
    ((argument, value),) = given.items()
    cls = ContextSettings if argument == "ttl" else FieldSettings
    with pytest.raises(ConfigurationError) as caught:
        cls.resolve(**given, environ={})
    error = caught.value
    assert (argument, value) == (error.name, error.value)
    assert str(error).startswith(f"{argument}=")
    assert error.accepted in str(error)
    return error


# --- field names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "nearest"),
    [
        ("cluter", "cluster"),
        ("Famly", "family"),
        ("regoin", "region"),
        ("task_ard", "task_arn"),
        ("defualt", "default"),  # the groups count as names
        ("cluster,imgae", "image"),  # the bad one of several
        ("ecs_clustr", "cluster"),  # near an output key: the field that writes it
    ],
)
def test_a_wrong_field_name_suggests_the_nearest(value: str, nearest: str) -> None:
    error = refusal(FIELDS, value)
    bad = next(item for item in value.split(",") if item.lower() not in ALL_FIELDS)
    assert f"{bad!r} is not a field name: did you mean {nearest}?" in error.accepted
    assert error.accepted.startswith("field names from cluster, task_arn")  # then the hint


@pytest.mark.parametrize("value", ["hostname", "colour", "x"])
def test_a_name_near_nothing_gets_no_guess(value: str) -> None:
    """No suggestion rather than a wrong one: colour is not near enough to cluster."""
    error = refusal(FIELDS, value)
    assert error.accepted.endswith(f"; {value!r} is not a field name")


@pytest.mark.parametrize(
    ("key", "field", "styles"),
    [
        ("ecs_cluster", "cluster", "the flat style"),
        ("aws.ecs.task.arn", "task_arn", "the otel style"),
        ("container.name", "container_name", "the otel and elastic styles"),
        ("ecs_cluster_name", "cluster", "the datadog style"),
        ("task_family", "family", "the nested and datadog styles"),
        ("orchestrator.resource.id", "task_arn", "the elastic style"),
        # task_arn writes it too, second: the field it is the first key of wins
        ("aws.ecs.task.id", "task_id", "the otel style"),
        ("ECS_CLUSTER", "cluster", "the flat style"),  # field names are read in any case
    ],
)
def test_an_output_key_names_its_field(key: str, field: str, styles: str) -> None:
    error = refusal(FIELDS, key)
    expected = f"{key!r} is an output key of {styles}, not a field name: the field is {field}"
    assert error.accepted.endswith(expected)


def every_output_key() -> list[str]:
    """Every key a style writes that is not also a field name."""
    keys = {key.name for table in STYLE_KEYS.values() for ks in table.values() for key in ks}
    return sorted(keys - set(ALL_FIELDS))


@pytest.mark.parametrize("key", every_output_key())
def test_every_output_key_names_a_field_that_writes_it(key: str) -> None:
    """For the whole table, the field named is one that writes the key, the message stays
    short enough to read, and following the hint is accepted."""
    error = refusal(FIELDS, key)
    field = error.accepted.rpartition("the field is ")[2]
    writes = [style for style, table in STYLE_KEYS.items() if key in _names(table.get(field))]
    assert writes, (key, field)
    assert len(str(error)) < 600
    assert (field,) == FieldSettings.resolve(environ={FIELDS: field}).fields


def _names(keys: object) -> list[str]:
    return [key.name for key in keys] if isinstance(keys, tuple) else []


@pytest.mark.parametrize("value", ["cluster;task_arn", "cluster task_arn", "cluster | task_arn"])
def test_field_names_without_commas_are_shown_with_them(value: str) -> None:
    error = refusal(FIELDS, value)
    expected = "is not a field name; separate field names with commas: cluster,task_arn"
    assert error.accepted.endswith(f"{value!r} {expected}")


def test_a_list_that_names_nothing_says_so() -> None:
    assert refusal(FIELDS, ", ,").accepted.endswith("; the list names none")


def test_the_fields_argument_gets_the_same_hints() -> None:
    error = argument_refusal(fields=["cluster", "ecs_task_id"])
    assert error.accepted.endswith("the field is task_id")


def test_the_command_line_passes_the_hint_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`demo --fields` rebuilds its message from `.accepted`: the suggestion reaches it."""
    for option in FIELD_OPTIONS.values():
        monkeypatch.delenv(option.variable, raising=False)
    assert 2 == cli.main(["demo", "--fields", "cluter"])
    err = capsys.readouterr().err
    assert "--fields 'cluter' cannot be used: expected field names from " in err
    assert err.rstrip().endswith("'cluter' is not a field name: did you mean cluster?")


# --- ECS_LOG_CONTEXT_KEYS -------------------------------------------------------------------

RENAMES = "renames field=key separated by commas"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("cluster=a,task_arn", "; pair 2, 'task_arn', has no '='"),
        ("cluster=a,,task_arn", "; pair 2, 'task_arn', has no '='"),  # blanks are no pair
        ("cluster:cluster_name", "; pair 1, 'cluster:cluster_name', has no '=': write "
         "'cluster=cluster_name'"),
        ("cluster=a,cluter=b", ": did you mean cluster?"),
        ("task_arn=t,ecs_cluster=c", "; pair 2, 'ecs_cluster=c': 'ecs_cluster' is an output key "
         "of the flat style, not a field name: the field is cluster"),
        ("hostname=host", "; pair 1, 'hostname=host': 'hostname' is not a field name"),
        ("cluster=my cluster", "; pair 1, 'cluster=my cluster': the key 'my cluster' holds ' '"),
        ("cluster=", "; pair 1, 'cluster=': the key is empty"),
        ("family=f,cluster=1st", "; pair 2, 'cluster=1st': the key '1st' starts with '1'"),
        ("cluster=a\tb", "the key 'a\\tb' holds '\\t'"),
        ("cluster=" + "k" * 200, ": the key has 200 characters"),
        ("family=f,cluster=msg", "; pair 2, 'cluster=msg': msg is one"),
        ("cluster=a,task_id=t,family=a",
         "; pair 1, 'cluster=a', and pair 3, 'family=a', both give the key 'a'"),
        # the pair that counts is the one that won: CLUSTER=a is the last rename of cluster
        ("cluster=x,family=a,CLUSTER=a", "pair 3, 'CLUSTER=a', and pair 2, 'family=a'"),
    ],
)  # fmt: skip
def test_a_bad_rename_names_its_pair_and_what_is_wrong(value: str, problem: str) -> None:
    error = refusal(KEYS, value)
    assert error.accepted.startswith(RENAMES)
    assert problem in error.accepted


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("hostname=host", f"{RENAMES}, field one of " + ", ".join(ALL_FIELDS) + "; pair 1"),
        ("cluster=a b", f"{RENAMES}; keys of letters, digits, _ . - from a letter or _, at most"),
        ("cluster=levelname", f"{RENAMES}, not to a logging.LogRecord attribute such as levelname"),
        ("cluster=a,family=a", f"{RENAMES}, each to a different key; pair 1"),
    ],
)
def test_a_bad_rename_says_what_is_accepted_before_the_fault(value: str, accepted: str) -> None:
    assert refusal(KEYS, value).accepted.startswith(accepted)


def test_a_rename_to_a_record_attribute_that_a_later_pair_replaces_is_fine() -> None:
    """Only the renames that stand are checked against the LogRecord's attributes."""
    settings = FieldSettings.resolve(environ={KEYS: "cluster=msg,cluster=b"})
    assert (("cluster", "b"),) == settings.keys


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ({"cluster": 3}, "pair 1, 'cluster=3': the key 3 is not a string"),
        ({"family": "f", "nope": "x"}, "pair 2, 'nope=x': 'nope' is not a field name"),
        ({"cluster": "a", "family": "a"}, "both give the key 'a'"),
    ],
)
def test_the_keys_argument_names_its_pair_too(keys: dict[str, object], problem: str) -> None:
    assert problem in argument_refusal(keys=keys).accepted


# --- ECS_LOG_CONTEXT_TAGS -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "commas"),
    [
        ("team env", "team,env"),
        ("team  env owner", "team,env,owner"),
        ("Cost Center", "Cost,Center"),
    ],
)
def test_tag_keys_separated_by_spaces_are_refused_with_both_readings(
    value: str, commas: str
) -> None:
    """AWS tag keys may hold spaces, so "team env" might be one key; far more often it is
    two. It is refused, and the hint spells out either reading; both are accepted."""
    error = refusal(TAGS, value)
    assert error.accepted.startswith("tag keys separated by commas, or *; ")
    assert f"separate tag keys with commas: {commas} " in error.accepted
    one = value + ","
    assert f"as AWS allows, ends with a comma: {one!r}" in error.accepted
    assert tuple(commas.split(",")) == FieldSettings.resolve(environ={TAGS: commas}).tags
    assert (value,) == FieldSettings.resolve(environ={TAGS: one}).tags


@pytest.mark.parametrize(
    ("given", "tags"),
    [
        ("Cost Center,team", ("Cost Center", "team")),  # a space inside a comma list: one key
        ("team, env", ("team", "env")),
        ("Cost Center,", ("Cost Center",)),
        ("a\tb", ("a\tb",)),  # only the space separates words: a tab is part of a key
        ("team", ("team",)),
    ],
)
def test_tag_keys_with_commas_keep_their_spaces(given: str, tags: tuple[str, ...]) -> None:
    assert tags == FieldSettings.resolve(environ={TAGS: given}).tags


def test_the_tags_argument() -> None:
    """A string argument is read like the variable; in a list each item is one key."""
    assert "team,env" in argument_refusal(tags="team env").accepted
    assert ("Cost Center",) == FieldSettings.resolve(tags=["Cost Center"], environ={}).tags


# --- ECS_LOG_CONTEXT_TTL --------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "0.5", "0.999", "604801", "hourly", "nan", "1_0", "1e12"])
def test_every_ttl_refusal_says_the_same(value: str) -> None:
    """Out of range, between 0 and 1, or not a number: one accepted text."""
    assert TTL_ACCEPTED == refusal(TTL, value).accepted


@pytest.mark.parametrize("value", [-5, 0.5, True, "never", float("inf")])
def test_every_ttl_argument_refusal_says_the_same(value: object) -> None:
    assert TTL_ACCEPTED == argument_refusal(ttl=value).accepted


def test_the_ttl_text_names_both_forms() -> None:
    assert "0 (never refresh)" in TTL_ACCEPTED
    assert "from 1 to 604800" in TTL_ACCEPTED
    assert 604800.0 == ContextSettings.resolve(environ={TTL: "604800"}).ttl


# --- cost ----------------------------------------------------------------------------------


def test_the_hints_are_imported_only_to_build_an_error() -> None:
    """Importing the package and reading good settings, renames included, loads neither
    difflib nor the hint module."""
    modules = "('difflib', 'ecs_log_context._suggest')"
    script = (
        "import sys\n"
        "from ecs_log_context._settings import FieldSettings\n"
        "FieldSettings.resolve(fields='all', keys='cluster=c', tags='team,env', environ={})\n"
        f"print(sorted(m for m in {modules} if m in sys.modules))\n"
        "try:\n"
        "    FieldSettings.resolve(fields='cluter', environ={})\n"
        "except ValueError:\n"
        f"    print(sorted(m for m in {modules} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=base_environ(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert 0 == result.returncode, result.stderr
    expected = "[]\n['difflib', 'ecs_log_context._suggest']\n"
    assert expected == result.stdout
