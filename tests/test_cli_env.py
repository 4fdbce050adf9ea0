"""``ecs-log-context env``: run as a user runs it, a separate process against the mock endpoint,
and its output evaluated by real shells (sh, bash, dash) and parsed by the OpenTelemetry SDK.

The hostile task holds, in its family, container name, image, log options, service name and
tags, every character that matters to a shell or to ``OTEL_RESOURCE_ATTRIBUTES``: quotes,
``$(...)``, backticks, ``;``, newlines, backslashes, ``%``, ``=``, ``,``, spaces, non-ASCII.
The oracle for each value is what ``build_fields`` gives for the same task, fetched in this
process from the same mock.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from ecs_log_context._fields import build_fields
from ecs_log_context._settings import FieldSettings
from ecs_log_context.client import MetadataClient
from ecs_log_context.mock.server import MockEndpoint

from .child_processes import base_environ

pytestmark = pytest.mark.timeout(120)

COMMAND = [sys.executable, "-m", "ecs_log_context", "env"]
TIMEOUT = 30.0
OTEL = "OTEL_RESOURCE_ATTRIBUTES"
# The shells that evaluate the output: sh and bash always, the others where installed.
SHELLS = [
    shell
    for shell in ("/bin/sh", "bash", "dash", "zsh", "ksh", "mksh")
    if shell in ("/bin/sh", "bash") or shutil.which(shell)
]
# What every shell sets or changes by itself, whatever it evaluates.
SHELL_OWN = {"_", "PWD", "OLDPWD", "SHLVL", "PS1", "PS2", "PS4", "IFS", "OPTIND", "PPID"}

SAMPLE_ARN = "arn:aws:ecs:eu-west-1:123456789012:task/demo-cluster/76be24d3175828cbe93ade21d8878367"


# -- helpers ---------------------------------------------------------------------------------------


def run_env(*args: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """``ecs-log-context env ARGS`` to completion, its output decoded as UTF-8."""
    return subprocess.run(
        [*COMMAND, *args],
        env=dict(env),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT,
        check=False,
    )


def shell_environment(shell: str, script: Path | None, env: Mapping[str, str]) -> dict[str, str]:
    """The environment a shell exports after ``eval "$(cat SCRIPT)"`` (none: evaluates
    nothing), read NUL-separated so that a value may hold any character."""
    body = 'eval "$(cat "$1")"; ' if script is not None else ""
    result = subprocess.run(
        [shell, "-c", body + "env -0", "shell", str(script or "")],
        env=dict(env),
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert 0 == result.returncode, result.stderr.decode("utf-8", "replace")
    assert b"" == result.stderr
    pairs = [item.partition("=") for item in result.stdout.decode("utf-8").split("\0") if item]
    return {name: value for name, _, value in pairs}


def added_by_eval(shell: str, script: Path, env: Mapping[str, str]) -> dict[str, str | None]:
    """What evaluating `script` changed in the exported environment: every variable whose
    value differs from a shell that evaluated nothing (an unset one maps to ``None``)."""
    before = shell_environment(shell, None, env)
    after = shell_environment(shell, script, env)
    return {
        name: after.get(name)
        for name in before.keys() | after.keys()
        if name not in SHELL_OWN and before.get(name) != after.get(name)
    }


def fetched_fields(mock: MockEndpoint, **options: Any) -> dict[str, object]:
    """What ``build_fields`` gives for the mock's task, fetched in this process (the oracle)."""
    settings = FieldSettings.resolve(**options, environ={})
    with MetadataClient.from_env(mock.environ()) as client:
        task, container = client.task_and_container(with_tags=bool(settings.tags))
    assert container is not None
    return build_fields(task, container, settings)


def names_of(fields: Mapping[str, object]) -> tuple[dict[str, str], list[str]]:
    """The variables the test expects from flat fields, written independently of the code:
    upper-cased, anything but ASCII letters, digits and _ as _, the first of a clash kept.
    Also the keys left out."""
    variables: dict[str, str] = {}
    left_out = []
    for key, value in fields.items():
        assert isinstance(value, str)
        name = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else "_" for ch in key)
        name = name.upper()
        if name in variables:
            left_out.append(key)
        else:
            variables[name] = value
    return variables, left_out


def expected_otel(fields: Mapping[str, object], existing: Mapping[str, str]) -> dict[str, str]:
    """The attributes the SDK must read back: the existing ones, then every field whose key
    is not among them and can be written (printable ASCII without , = % ; \\ " or space);
    a list value as its elements joined by commas."""
    out = dict(existing)
    for key, value in fields.items():
        writable = all(0x21 <= ord(ch) <= 0x7E and ch not in ',=%;\\"' for ch in key)
        if key in existing or not writable:
            continue
        if isinstance(value, str):
            out[key] = value
        else:
            assert isinstance(value, tuple)
            out[key] = ",".join(str(item) for item in value)
    return out


def sdk_attributes(value: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    """``OTELResourceDetector().detect()`` of the SDK, with the variable set to `value`."""
    from opentelemetry.sdk.resources import OTELResourceDetector

    monkeypatch.setenv(OTEL, value)
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    return dict(OTELResourceDetector().detect().attributes)


# -- the hostile task ----------------------------------------------------------------------------

NEWLINE_TAG = "two\nlines"


def hostile_strings(marker: Path) -> dict[str, str]:
    """Values that would run `touch MARKER`, or break the output, if written carelessly."""
    return {
        "quote": "it's \"quoted\" '\\'' and ''",
        "subst": f"$(touch {marker})",
        "backtick": f"`touch {marker}`",
        "semicolon": f"x; touch {marker}; #",
        "braces": "${HOME} $HOME $0 $$ ${x:-$(touch " + str(marker) + ")}",
        "backslash": "C:\\new\\table\\",
        "percent": "100% = a,b;c %41 %zz + plus",
        "spaces": "  padded  \t end ",
        "unicode": "Zürich 東京 🚀 ß",
        "newline": NEWLINE_TAG,
        "redirect": f"> {marker} < /dev/null | cat &",
        "bang": "!! !$ ~root * ?",
    }


def hostile_task(marker: Path) -> dict[str, Any]:
    """The EC2 sample with hostile values in every text field that becomes a field, and
    task tags whose keys and values are hostile (two of them give one variable name)."""
    task: dict[str, Any] = MockEndpoint(launch_type="EC2").task
    values = hostile_strings(marker)
    task["Family"] = "fam'" + values["subst"] + values["backtick"]
    task["Revision"] = "7;" + values["semicolon"]
    task["ServiceName"] = values["braces"]
    own = next(c for c in task["Containers"] if c["Type"] == "NORMAL")
    own["Name"] = "api'\"" + values["redirect"]
    own["Image"] = "registry.example/app:1.0'" + values["subst"]
    own["LogOptions"]["awslogs-group"] = values["percent"]
    own["LogOptions"]["awslogs-stream"] = values["unicode"] + values["backslash"]
    task["TaskTags"] = {
        **{f"t-{name}": value for name, value in values.items()},
        "a-b": "first of the clash",
        "a.b": "second of the clash",
        "has space": "tag key with a space",
        "k=v,x": "tag key with = and ,",
        "Zürich": "non-ASCII tag key",
        "aws:ecs:serviceName": "checkout-api",
        "$(id)": "tag key that is a command",
        "`id`": "tag key in backticks",
    }
    return task


@pytest.fixture
def marker(tmp_path: Path) -> Iterator[Path]:
    """The file a hostile value would create if any shell ran it: must never exist."""
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a value from the endpoint ran as a command"


@pytest.fixture
def hostile_mock(
    tmp_path: Path, marker: Path, start_mock: Callable[..., MockEndpoint]
) -> MockEndpoint:
    """The mock endpoint serving the hostile task, from a task file."""
    task_file = tmp_path / "hostile_task.json"
    task_file.write_text(json.dumps(hostile_task(marker), ensure_ascii=False), encoding="utf-8")
    return start_mock(task_file=str(task_file))


# -- shell, dotenv, json against hostile metadata ------------------------------------------------


def test_the_oracle_holds_the_hostile_values(hostile_mock: MockEndpoint, marker: Path) -> None:
    """The hostile characters reach build_fields, so the tests below evaluate them: a newline
    arrives as backslash and n (escaped for log lines), every other character as it is."""
    fields = fetched_fields(hostile_mock, fields="all", tags="*")
    values = hostile_strings(marker)
    assert "fam'" + values["subst"] + values["backtick"] == fields["ecs_task_family"]
    assert "api'\"" + values["redirect"] == fields["ecs_container_name"]
    assert values["percent"] == fields["ecs_log_group"]
    assert values["backslash"] == fields["ecs_tag_t-backslash"]
    assert values["spaces"].replace("\t", "\\t") == fields["ecs_tag_t-spaces"]
    assert "two\\nlines" == fields["ecs_tag_t-newline"]
    assert "first of the clash" == fields["ecs_tag_a-b"]
    assert "second of the clash" == fields["ecs_tag_a.b"]


@pytest.mark.parametrize("shell", SHELLS)
def test_shell_output_round_trips_exactly_and_runs_nothing(
    shell: str, hostile_mock: MockEndpoint, tmp_path: Path
) -> None:
    """Evaluated by a real shell, the output exports exactly the variables expected, each
    with exactly build_fields' value, changes nothing else, and runs nothing (the marker
    fixture checks that no file was created). The one clash is reported on one stderr line."""
    env = base_environ(**hostile_mock.environ())
    before = hostile_mock.request_count
    result = run_env("--fields", "all", "--tags", "*", env=env)
    assert 0 == result.returncode, result.stderr
    assert 2 == hostile_mock.request_count - before  # taskWithTags and the container
    expected, left_out = names_of(fetched_fields(hostile_mock, fields="all", tags="*"))
    assert ["ecs_tag_a.b"] == left_out
    assert "first of the clash" == expected["ECS_TAG_A_B"]

    script = tmp_path / "out.sh"
    script.write_text(result.stdout, encoding="utf-8")
    assert expected == added_by_eval(shell, script, env)

    stderr = result.stderr.splitlines()
    assert 1 == len(stderr), result.stderr
    assert "ecs_tag_a.b" in stderr[0]
    assert "ECS_TAG_A_B" in stderr[0]


@pytest.mark.parametrize("shell", SHELLS)
def test_dotenv_output_sourced_by_a_shell_round_trips(
    shell: str, hostile_mock: MockEndpoint, tmp_path: Path
) -> None:
    """``set -a; . FILE`` reads the dotenv output back exactly, and runs nothing."""
    env = base_environ(**hostile_mock.environ())
    result = run_env("--format", "dotenv", "--fields", "all", "--tags", "*", env=env)
    assert 0 == result.returncode, result.stderr
    assert not any(line.startswith("export ") for line in result.stdout.splitlines())
    expected, _ = names_of(fetched_fields(hostile_mock, fields="all", tags="*"))

    dotenv = tmp_path / "ecs.env"
    dotenv.write_text(result.stdout, encoding="utf-8")
    script = tmp_path / "source.sh"
    script.write_text(f"set -a; . {dotenv}; set +a\n", encoding="utf-8")
    assert expected == added_by_eval(shell, script, env)


def test_json_output_is_the_same_variables(hostile_mock: MockEndpoint) -> None:
    """One JSON object of the same names to the same values as the shell output."""
    env = base_environ(**hostile_mock.environ())
    result = run_env("--format", "json", "--fields", "all", "--tags", "*", env=env)
    assert 0 == result.returncode, result.stderr
    expected, _ = names_of(fetched_fields(hostile_mock, fields="all", tags="*"))
    decoded = json.loads(result.stdout)
    assert expected == decoded
    assert list(expected) == list(decoded)  # in the fields' order


def test_output_is_utf8_whatever_the_locale(hostile_mock: MockEndpoint) -> None:
    """Under the C locale, without Python's UTF-8 mode, the values are still written as
    UTF-8, as the shell that reads them gets them from the environment."""
    env = base_environ(
        **hostile_mock.environ(), LC_ALL="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0"
    )
    env.pop("PYTHONIOENCODING", None)
    result = run_env("--format", "json", "--fields", "all", "--tags", "*", env=env)
    assert 0 == result.returncode, result.stderr
    expected, _ = names_of(fetched_fields(hostile_mock, fields="all", tags="*"))
    assert expected == json.loads(result.stdout)
    assert "Zürich 東京 🚀 ß" in expected.values()


@pytest.mark.parametrize("shell", SHELLS)
def test_any_value_survives_the_quoting(shell: str, tmp_path: Path, marker: Path) -> None:
    """The quoting itself, for values that build_fields never lets through (raw newlines,
    carriage returns, a trailing newline, a lone quote) but an existing
    OTEL_RESOURCE_ATTRIBUTES could hold: each one reads back exactly."""
    from ecs_log_context._cli._env import shell_output

    values = [
        *hostile_strings(marker).values(),
        "raw\nnewline",
        "trailing newline\n",
        "\n",
        "carriage\rreturn",
        "'",
        "''",
        "\\'",
        "'\\''",
        "",
        "end with a quote'",
    ]
    variables = {f"V_{i}": value for i, value in enumerate(values)}
    script = tmp_path / "out.sh"
    script.write_text(shell_output(variables), encoding="utf-8")
    assert variables == added_by_eval(shell, script, base_environ())


# -- the exact shapes on the EC2 sample ----------------------------------------------------------

SHELL_DEFAULT = f"""\
export ECS_CLUSTER='demo-cluster'
export ECS_TASK_ARN='{SAMPLE_ARN}'
export ECS_TASK_FAMILY='checkout-api'
export ECS_TASK_REVISION='7'
export ECS_AVAILABILITY_ZONE='eu-west-1a'
export ECS_CONTAINER_NAME='checkout-api'
"""

DOTENV_WITH_TAGS = f"""\
ECS_CLUSTER='demo-cluster'
ECS_TASK_ARN='{SAMPLE_ARN}'
ECS_TASK_FAMILY='checkout-api'
ECS_TASK_REVISION='7'
ECS_AVAILABILITY_ZONE='eu-west-1a'
ECS_CONTAINER_NAME='checkout-api'
ECS_TAG_AWS_ECS_CLUSTERNAME='demo-cluster'
ECS_TAG_AWS_ECS_SERVICENAME='checkout-api'
ECS_TAG_ENVIRONMENT='staging'
ECS_TAG_TEAM='payments'
"""

JSON_SOME = """\
{
  "ECS_TASK_ID": "76be24d3175828cbe93ade21d8878367",
  "ECS_LAUNCH_TYPE": "EC2",
  "ECS_LOG_GROUP": "/ecs/checkout-api"
}
"""

OTEL_DEFAULT = (
    "export OTEL_RESOURCE_ATTRIBUTES='"
    "cloud.provider=aws,cloud.platform=aws_ecs,"
    "aws.ecs.cluster.arn=arn:aws:ecs:eu-west-1:123456789012:cluster/demo-cluster,"
    f"aws.ecs.task.arn={SAMPLE_ARN},"
    "aws.ecs.task.id=76be24d3175828cbe93ade21d8878367,"
    "aws.ecs.task.family=checkout-api,aws.ecs.task.revision=7,"
    "cloud.availability_zone=eu-west-1a,container.name=checkout-api'\n"
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), SHELL_DEFAULT),
        (("--format", "shell"), SHELL_DEFAULT),
        (("--format", "dotenv", "--tags", "*"), DOTENV_WITH_TAGS),
        (("--format", "json", "--fields", "task_id,launch_type,log_group"), JSON_SOME),
        (("--format", "otel", "--fields", "default"), OTEL_DEFAULT),
    ],
    ids=["default", "shell", "dotenv", "json", "otel"],
)
def test_each_format_on_the_ec2_sample(
    mock: MockEndpoint, args: tuple[str, ...], expected: str
) -> None:
    """Byte for byte, each format's output for the built-in EC2 sample; nothing on stderr."""
    result = run_env(*args, env=base_environ(**mock.environ()))
    assert 0 == result.returncode, result.stderr
    assert expected == result.stdout
    assert "" == result.stderr


# -- options from the environment and as flags ---------------------------------------------------


def test_options_come_from_the_environment(mock: MockEndpoint) -> None:
    """ECS_LOG_CONTEXT_FIELDS, _KEYS and _TAGS apply as the library reads them; _STYLE does
    not (the names are the flat keys')."""
    env = base_environ(
        **mock.environ(),
        ECS_LOG_CONTEXT_FIELDS="cluster,task_id",
        ECS_LOG_CONTEXT_KEYS="cluster=cluster_name",
        ECS_LOG_CONTEXT_TAGS="team",
        ECS_LOG_CONTEXT_STYLE="nested",
    )
    result = run_env(env=env)
    assert 0 == result.returncode, result.stderr
    assert (
        "export CLUSTER_NAME='demo-cluster'\n"
        "export ECS_TASK_ID='76be24d3175828cbe93ade21d8878367'\n"
        "export ECS_TAG_TEAM='payments'\n"
    ) == result.stdout


def test_flags_override_the_environment(mock: MockEndpoint) -> None:
    """--fields, --keys and --tags take the variables' place; an empty one turns them off."""
    env = base_environ(
        **mock.environ(),
        ECS_LOG_CONTEXT_FIELDS="all",
        ECS_LOG_CONTEXT_KEYS="cluster=cluster_name",
        ECS_LOG_CONTEXT_TAGS="*",
    )
    result = run_env("--fields", "cluster,family", "--keys", "", "--tags", "", env=env)
    assert 0 == result.returncode, result.stderr
    assert "export ECS_CLUSTER='demo-cluster'\nexport ECS_TASK_FAMILY='checkout-api'\n" == (
        result.stdout
    )
    result = run_env("--fields", "family", "--keys", "family=app", "--tags", "team", env=env)
    assert "export APP='checkout-api'\nexport ECS_TAG_TEAM='payments'\n" == result.stdout


def test_otel_takes_the_detectors_options(mock: MockEndpoint) -> None:
    """otel, as the resource detector: every field by default, ECS_LOG_CONTEXT_FIELDS when
    set; ECS_LOG_CONTEXT_KEYS (the log records' renames) does not apply, --keys does."""
    renames = {"ECS_LOG_CONTEXT_KEYS": "cluster=cluster_name,family=app"}
    result = run_env("--format", "otel", env=base_environ(**mock.environ(), **renames))
    assert 0 == result.returncode, result.stderr
    value = result.stdout.removeprefix(f"export {OTEL}='").removesuffix("'\n")
    keys = [pair.partition("=")[0] for pair in value.split(",")]
    expected = fetched_fields(mock, fields="all", style="otel")
    assert list(expected) == keys
    assert {"cloud.region", "container.id", "aws.log.group.names"} <= set(keys)

    env = base_environ(**mock.environ(), **renames, ECS_LOG_CONTEXT_FIELDS="default")
    assert OTEL_DEFAULT == run_env("--format", "otel", env=env).stdout

    renamed = run_env("--format", "otel", "--keys", "cluster=ecs.cluster", env=env)
    assert 0 == renamed.returncode, renamed.stderr
    renamed_default = OTEL_DEFAULT.replace("aws.ecs.cluster.arn=", "ecs.cluster=")
    assert renamed_default != OTEL_DEFAULT
    assert renamed_default == renamed.stdout


# -- otel against hostile metadata, through the SDK's own parser ---------------------------------

EXISTING = "service.name=checkout, aws.ecs.task.family=from-operator,owner=o'brien%2Feu"
EXISTING_DECODED = {
    "service.name": "checkout",
    "aws.ecs.task.family": "from-operator",
    "owner": "o'brien/eu",
}


@pytest.mark.parametrize("shell", ["/bin/sh", "bash"])
def test_otel_round_trips_through_the_sdk_parser(
    shell: str, hostile_mock: MockEndpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Evaluated by a shell and read by the SDK's OTELResourceDetector, the variable holds
    exactly the existing attributes and every field of ours that they lack, hostile values
    included; the existing pairs come first as they were and win; tag keys that cannot be
    written are left out, said on one stderr line."""
    env = base_environ(**hostile_mock.environ(), **{OTEL: EXISTING})
    result = run_env("--format", "otel", "--tags", "*", env=env)
    assert 0 == result.returncode, result.stderr

    script = tmp_path / "out.sh"
    script.write_text(result.stdout, encoding="utf-8")
    value = added_by_eval(shell, script, env)[OTEL]
    assert value is not None
    assert value.startswith(EXISTING + ",")
    assert 1 == value.count("aws.ecs.task.family=")

    fields = fetched_fields(hostile_mock, fields="all", style="otel", tags="*")
    attributes = sdk_attributes(value, monkeypatch)
    assert expected_otel(fields, EXISTING_DECODED) == attributes
    assert "from-operator" == attributes["aws.ecs.task.family"]
    assert fields["container.name"] == attributes["container.name"]
    assert "100% = a,b;c %41 %zz + plus" == attributes["aws.log.group.names"]
    for left_out in ("has space", "k=v,x", "Zürich"):
        assert f"aws.ecs.task.tag.{left_out}" not in attributes
    assert "checkout-api" == attributes["aws.ecs.task.tag.aws:ecs:serviceName"]

    stderr = result.stderr.splitlines()
    assert 1 == len(stderr), result.stderr
    assert "aws.ecs.task.tag.has space" in stderr[0]


def test_otel_values_are_percent_encoded_as_the_specification_says(
    hostile_mock: MockEndpoint,
) -> None:
    """Between the pairs' separators, only baggage-octets stand as they are: no space, no
    '"', ',', ';' or '\\', nothing outside ASCII, and every '%' starts an escape."""
    result = run_env("--format", "otel", "--tags", "*", env=base_environ(**hostile_mock.environ()))
    assert 0 == result.returncode, result.stderr
    value = result.stdout.removeprefix(f"export {OTEL}='").removesuffix("'\n")
    value = value.replace("'\\''", "'")
    for pair in value.split(","):
        key, sep, encoded = pair.partition("=")
        assert sep, pair
        assert re.fullmatch(r"[\x21\x23-\x2b\x2d-\x3a\x3c\x3e-\x5b\x5d-\x7e]+", key), pair
        assert "%" not in key, pair
        assert re.fullmatch(r"(?:[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e])*", encoded), pair
        assert re.fullmatch(r"(?:[^%]|%[0-9A-F]{2})*", encoded), pair
        assert "+" not in encoded, pair
        unquote(encoded, errors="strict")


def test_otel_adds_nothing_when_every_key_is_already_set(mock: MockEndpoint) -> None:
    """When the variable already holds every key, nothing is printed: eval keeps it as is."""
    fields = fetched_fields(mock, style="otel")
    existing = ",".join(f"{key}=x" for key in fields)
    env = base_environ(**mock.environ(), **{OTEL: existing})
    result = run_env("--format", "otel", "--fields", "default", env=env)
    assert 0 == result.returncode, result.stderr
    assert "" == result.stdout


# -- failures: nothing on stdout -----------------------------------------------------------------


@pytest.mark.parametrize("output", ["shell", "dotenv", "json", "otel"])
def test_off_ecs_prints_nothing_and_fails(output: str, tmp_path: Path) -> None:
    """Off ECS: status 1, one line on stderr, empty stdout, whose eval changes nothing."""
    env = base_environ()
    result = run_env("--format", output, env=env)
    assert 1 == result.returncode
    assert "" == result.stdout
    assert 1 == len(result.stderr.splitlines()), result.stderr
    assert result.stderr.startswith("ecs-log-context env: ")

    script = tmp_path / "out.sh"
    script.write_text(result.stdout, encoding="utf-8")
    assert {} == added_by_eval("/bin/sh", script, env)


def test_disabled_reads_nothing_and_fails(mock: MockEndpoint) -> None:
    """ECS_LOG_CONTEXT_ENABLED=false: status 1, no request to the endpoint, empty stdout."""
    result = run_env(env=base_environ(**mock.environ(), ECS_LOG_CONTEXT_ENABLED="false"))
    assert 1 == result.returncode
    assert "" == result.stdout
    assert "ECS_LOG_CONTEXT_ENABLED" in result.stderr
    assert 0 == mock.request_count


def test_a_failing_endpoint_prints_nothing(start_mock: Callable[..., MockEndpoint]) -> None:
    """Every answer a 500: status 1, the reason on one line, empty stdout."""
    failing = start_mock(error_rate=1.0)
    result = run_env("--format", "otel", env=base_environ(**failing.environ()))
    assert 1 == result.returncode
    assert "" == result.stdout
    assert 1 == len(result.stderr.splitlines()), result.stderr
    assert failing.request_count >= 1


@pytest.mark.parametrize(
    ("args", "variables", "named"),
    [
        ((), {"ECS_LOG_CONTEXT_TIMEOUT": "soon"}, "ECS_LOG_CONTEXT_TIMEOUT"),
        ((), {"ECS_LOG_CONTEXT_FIELDS": "cluster,nope"}, "ECS_LOG_CONTEXT_FIELDS"),
        (("--fields", "nope"), {}, "--fields"),
        (("--keys", "cluster"), {}, "--keys"),
    ],
)
def test_a_setting_that_cannot_be_used_is_status_2(
    mock: MockEndpoint, args: tuple[str, ...], variables: dict[str, str], named: str
) -> None:
    """A bad variable or flag: status 2, named on stderr, nothing fetched or printed."""
    result = run_env(*args, env=base_environ(**mock.environ(), **variables))
    assert 2 == result.returncode
    assert "" == result.stdout
    assert named in result.stderr
    assert 0 == mock.request_count


def test_help_documents_the_formats() -> None:
    """--help names every format, the name mapping and the dotenv dialects."""
    result = run_env("--help", env=base_environ())
    assert 0 == result.returncode
    text = " ".join(result.stdout.split())
    for word in ("shell", "dotenv", "json", "otel", "ECS_TAG_COST_CENTER", "docker run"):
        assert word in text
