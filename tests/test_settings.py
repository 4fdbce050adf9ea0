"""ContextSettings and FieldSettings: argument beats environment beats default, bad values raise."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from ecs_log_context._settings import ContextSettings, FieldSettings
from ecs_log_context.errors import ConfigurationError

ALL = (
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
DEFAULT = ("cluster", "task_arn", "family", "revision", "availability_zone", "container_name")


class Row(NamedTuple):
    """One setting: its class, argument, variable and default, and a value of each kind."""

    cls: Any
    argument: str
    variable: str
    default: object
    env_value: str
    env_result: object
    arg: object
    arg_result: object


VARIABLES = [Row(*row) for row in [
    (ContextSettings, "enabled", "ECS_LOG_CONTEXT_ENABLED", True, "false", False, True, True),
    (ContextSettings, "source", "ECS_LOG_CONTEXT_SOURCE", "auto", "v4", "v4", "file", "file"),
    (
        ContextSettings,
        "v2_endpoint",
        "ECS_LOG_CONTEXT_V2_ENDPOINT",
        None,
        "http://127.0.0.1:8080",
        "http://127.0.0.1:8080",
        "https://mock.example:8443/base",
        "https://mock.example:8443/base",
    ),
    (
        ContextSettings,
        "container_name",
        "ECS_LOG_CONTEXT_CONTAINER_NAME",
        None,
        "web",
        "web",
        "worker",
        "worker",
    ),
    (ContextSettings, "timeout", "ECS_LOG_CONTEXT_TIMEOUT", 1.0, "2.5", 2.5, 0.25, 0.25),
    (ContextSettings, "ttl", "ECS_LOG_CONTEXT_TTL", 3600.0, "0", 0.0, 60, 60.0),
    (
        FieldSettings,
        "fields",
        "ECS_LOG_CONTEXT_FIELDS",
        DEFAULT,
        "task_id,cluster",
        ("task_id", "cluster"),
        ["image"],
        ("image",),
    ),
    (FieldSettings, "style", "ECS_LOG_CONTEXT_STYLE", "flat", "otel", "otel", "nested", "nested"),
    (
        FieldSettings, "style", "ECS_LOG_CONTEXT_STYLE",
        "flat", "elastic", "elastic", "datadog", "datadog",
    ),
    (
        FieldSettings, "nested_key", "ECS_LOG_CONTEXT_NESTED_KEY",
        "ecs", "aws_ecs", "aws_ecs", "task", "task",
    ),
    (
        FieldSettings,
        "keys",
        "ECS_LOG_CONTEXT_KEYS",
        (),
        "cluster=cluster_name,task_arn=task",
        (("cluster", "cluster_name"), ("task_arn", "task")),
        {"family": "svc.family"},
        (("family", "svc.family"),),
    ),
    (
        FieldSettings,
        "tags",
        "ECS_LOG_CONTEXT_TAGS",
        (),
        "team,env",
        ("team", "env"),
        ["owner"],
        ("owner",),
    ),
    (FieldSettings, "overwrite", "ECS_LOG_CONTEXT_OVERWRITE", False, "true", True, False, False),
]]  # fmt: skip
IDS = [row.variable for row in VARIABLES]


def test_context_defaults() -> None:
    """With nothing set, ContextSettings has the defaults of PRODUCT.md."""
    expected = ContextSettings(
        enabled=True, source="auto", v2_endpoint=None, container_name=None, timeout=1.0, ttl=3600.0
    )
    assert expected == ContextSettings.resolve(environ={})


def test_field_defaults() -> None:
    """With nothing set, FieldSettings has the default group, flat style, no renames, no tags."""
    expected = FieldSettings(
        fields=DEFAULT,
        style="flat",
        keys=(),
        tags=(),
        overwrite=False,
        nested_key="ecs",
        fallback_region=None,
    )
    assert expected == FieldSettings.resolve(environ={})


@pytest.mark.parametrize("row", VARIABLES, ids=IDS)
def test_default(row: Row) -> None:
    """Each variable has its default when neither argument nor environment gives a value."""
    assert row.default == getattr(row.cls.resolve(environ={}), row.argument)


@pytest.mark.parametrize("row", VARIABLES, ids=IDS)
def test_environment_beats_default(row: Row) -> None:
    """Each variable, when set, replaces its default."""
    settings = row.cls.resolve(environ={row.variable: row.env_value})
    assert row.env_result == getattr(settings, row.argument)


@pytest.mark.parametrize("row", VARIABLES, ids=IDS)
def test_argument_beats_environment(row: Row) -> None:
    """An explicit argument wins over the variable."""
    settings = row.cls.resolve(**{row.argument: row.arg}, environ={row.variable: row.env_value})
    assert row.arg_result == getattr(settings, row.argument)


@pytest.mark.parametrize("row", VARIABLES, ids=IDS)
def test_argument_beats_default(row: Row) -> None:
    """An explicit argument replaces the default when the variable is not set."""
    settings = row.cls.resolve(**{row.argument: row.arg}, environ={})
    assert row.arg_result == getattr(settings, row.argument)


@pytest.mark.parametrize("row", VARIABLES, ids=IDS)
def test_argument_beats_invalid_environment(row: Row) -> None:
    """An explicit argument wins even over a variable whose value could not be used."""
    settings = row.cls.resolve(**{row.argument: row.arg}, environ={row.variable: "?not-valid?"})
    assert row.arg_result == getattr(settings, row.argument)


@pytest.mark.parametrize("blank", ["", " ", "   ", "\t", "\n", " \t\r\n "])
@pytest.mark.parametrize("row", VARIABLES, ids=IDS)
def test_blank_variable_means_default(blank: str, row: Row) -> None:
    """An empty or whitespace-only variable counts as unset."""
    assert row.default == getattr(row.cls.resolve(environ={row.variable: blank}), row.argument)


@pytest.mark.parametrize("row", VARIABLES, ids=IDS)
def test_os_environ_is_read_when_no_environ_given(
    monkeypatch: pytest.MonkeyPatch, row: Row
) -> None:
    """Without an `environ` argument, the process environment is read."""
    monkeypatch.setenv(row.variable, row.env_value)
    assert row.env_result == getattr(row.cls.resolve(), row.argument)


@pytest.mark.parametrize("row", VARIABLES, ids=IDS)
def test_surrounding_whitespace_is_ignored(row: Row) -> None:
    """A variable's value is read without its surrounding whitespace."""
    settings = row.cls.resolve(environ={row.variable: f"  {row.env_value}\n"})
    assert row.env_result == getattr(settings, row.argument)


def test_configuration_error_is_a_value_error() -> None:
    """ConfigurationError is a ValueError subclass, as PRODUCT.md promises."""
    assert issubclass(ConfigurationError, ValueError)


# (settings class, variable, value, a fragment of what is accepted)
INVALID: list[tuple[Any, str, str, str]] = [
    (ContextSettings, "ECS_LOG_CONTEXT_ENABLED", "maybe", "true or false"),
    (ContextSettings, "ECS_LOG_CONTEXT_ENABLED", "2", "true or false"),
    (ContextSettings, "ECS_LOG_CONTEXT_ENABLED", "tru", "true or false"),
    (ContextSettings, "ECS_LOG_CONTEXT_SOURCE", "v5", "auto, v4, v3, v2, file"),
    (ContextSettings, "ECS_LOG_CONTEXT_SOURCE", "v1", "auto, v4, v3, v2, file"),
    (ContextSettings, "ECS_LOG_CONTEXT_SOURCE", "imds", "auto, v4, v3, v2, file"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "-1", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "0", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "nan", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "NaN", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "inf", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "-inf", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "1e400", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "1e9", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "3600", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "one", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "1s", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TTL", "-1", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TTL", "0.5", "0 (never refresh)"),
    (ContextSettings, "ECS_LOG_CONTEXT_TTL", "0.001", "0 (never refresh)"),
    (ContextSettings, "ECS_LOG_CONTEXT_TTL", "0.999", "0 (never refresh)"),
    (ContextSettings, "ECS_LOG_CONTEXT_TTL", "nan", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TTL", "inf", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TTL", "1e12", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_TTL", "hourly", "seconds"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "file:///etc/passwd", "http://"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "ftp://169.254.170.2", "http://"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "169.254.170.2", "http://"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "http://", "http://"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "http://user:pw@169.254.170.2", "http://"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "http://user@169.254.170.2", "http://"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "http://169.254.170.2/?x=1", "http://"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "http://169.254.170.2/#frag", "http://"),
    (
        ContextSettings,
        "ECS_LOG_CONTEXT_V2_ENDPOINT",
        "http://169.254.170.2/v2/credentials",
        "credentials",
    ),
    (
        ContextSettings,
        "ECS_LOG_CONTEXT_V2_ENDPOINT",
        "http://169.254.170.2/v2/Credentials/abc",
        "credentials",
    ),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "http://169.254.170.2:99999", "http://"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "http://169.254.170.2:port", "http://"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "http://169.254.170.2/a b", "http://"),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "http://169.254.170.2/a\nb", "http://"),
    (FieldSettings, "ECS_LOG_CONTEXT_FIELDS", "cluster,hostname", "task_arn"),
    (FieldSettings, "ECS_LOG_CONTEXT_FIELDS", "everything", "default and all"),
    (FieldSettings, "ECS_LOG_CONTEXT_FIELDS", "ecs_cluster", "default and all"),
    (FieldSettings, "ECS_LOG_CONTEXT_FIELDS", ",", "default and all"),
    (FieldSettings, "ECS_LOG_CONTEXT_STYLE", "json", "flat, otel, nested, elastic, datadog"),
    (FieldSettings, "ECS_LOG_CONTEXT_STYLE", "ecs", "flat, otel, nested, elastic, datadog"),
    (FieldSettings, "ECS_LOG_CONTEXT_KEYS", "cluster", "field=key"),
    (FieldSettings, "ECS_LOG_CONTEXT_KEYS", "cluster:cluster_name", "field=key"),
    (FieldSettings, "ECS_LOG_CONTEXT_KEYS", "hostname=host", "field=key"),
    (FieldSettings, "ECS_LOG_CONTEXT_KEYS", "cluster=my cluster", "field=key"),
    (FieldSettings, "ECS_LOG_CONTEXT_KEYS", "cluster=", "field=key"),
    (FieldSettings, "ECS_LOG_CONTEXT_NESTED_KEY", "msg", "not a logging.LogRecord attribute"),
    (FieldSettings, "ECS_LOG_CONTEXT_NESTED_KEY", "my key", "letters, digits"),
    (FieldSettings, "ECS_LOG_CONTEXT_NESTED_KEY", "ecs/x", "letters, digits"),
    (FieldSettings, "ECS_LOG_CONTEXT_KEYS", "cluster=a,task_arn", "field=key"),
    (FieldSettings, "ECS_LOG_CONTEXT_KEYS", "cluster=a\tb", "field=key"),
    (FieldSettings, "ECS_LOG_CONTEXT_TAGS", "x" * 129, "128 characters"),
    (FieldSettings, "ECS_LOG_CONTEXT_OVERWRITE", "sometimes", "true or false"),
    (FieldSettings, "ECS_LOG_CONTEXT_OVERWRITE", "y", "true or false"),
]


def shown(value: object) -> str:
    """How a value appears in an error: as its repr, with any URL password masked."""
    if isinstance(value, str) and "@" in value:
        scheme, _, rest = value.partition("://")
        return repr(f"{scheme}://***@{rest.partition('@')[2]}")
    return repr(value)


def test_url_passwords_are_not_repeated() -> None:
    """An endpoint URL with user:password fails without the password in the message."""
    with pytest.raises(ConfigurationError) as caught:
        ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_V2_ENDPOINT": "http://u:s3cret@h"})
    assert "s3cret" not in str(caught.value)
    assert "'http://***@h'" in str(caught.value)


@pytest.mark.parametrize(
    ("cls", "variable", "value", "accepted"),
    INVALID,
    ids=[f"{row[1]}={row[2][:40]!r}" for row in INVALID],
)
def test_invalid_variable(cls: Any, variable: str, value: str, accepted: str) -> None:
    """A value that cannot be used raises, naming the variable, the value and what is accepted."""
    with pytest.raises(ConfigurationError) as caught:
        cls.resolve(environ={variable: value})
    message = str(caught.value)
    assert variable in message
    assert shown(value)[:40] in message
    assert accepted in message


@pytest.mark.parametrize(
    ("cls", "variable"),
    [(row.cls, row.variable) for row in VARIABLES],
    ids=IDS,
)
def test_ten_thousand_characters(cls: Any, variable: str) -> None:
    """A 10,000-character value of any variable raises, naming it and the value's start."""
    value = "x" * 10_000
    with pytest.raises(ConfigurationError) as caught:
        cls.resolve(environ={variable: value})
    message = str(caught.value)
    assert variable in message
    assert "'" + "x" * 40 in message
    assert "characters" in message
    assert len(message) < 1000


# (settings class, argument, value, a fragment of what is accepted)
INVALID_ARGUMENTS: list[tuple[Any, str, object, str]] = [
    (ContextSettings, "enabled", "maybe", "true or false"),
    (ContextSettings, "enabled", 1, "true or false"),
    (ContextSettings, "source", "v5", "auto, v4, v3, v2, file"),
    (ContextSettings, "source", 4, "auto, v4, v3, v2, file"),
    (ContextSettings, "v2_endpoint", "ftp://169.254.170.2", "http://"),
    (ContextSettings, "v2_endpoint", "http://u:p@169.254.170.2", "http://"),
    (ContextSettings, "container_name", 42, "container name"),
    (ContextSettings, "timeout", -1.0, "seconds"),
    (ContextSettings, "timeout", float("nan"), "seconds"),
    (ContextSettings, "timeout", float("inf"), "seconds"),
    (ContextSettings, "timeout", 10**9, "seconds"),
    (ContextSettings, "timeout", True, "seconds"),
    (ContextSettings, "timeout", "soon", "seconds"),
    (ContextSettings, "ttl", 0.5, "0 (never refresh)"),
    (ContextSettings, "ttl", -5, "seconds"),
    (FieldSettings, "fields", "cluster,nope", "default and all"),
    (FieldSettings, "fields", ["cluster", 3], "comma-separated"),
    (FieldSettings, "fields", 3, "comma-separated"),
    (FieldSettings, "fields", [], "default and all"),
    (FieldSettings, "style", "pretty", "flat, otel, nested, elastic, datadog"),
    (FieldSettings, "keys", "cluster", "field=key"),
    (FieldSettings, "keys", {"nope": "x"}, "field=key"),
    (FieldSettings, "keys", {"cluster": "a b"}, "field=key"),
    (FieldSettings, "keys", {"cluster": 3}, "field=key"),
    (FieldSettings, "tags", 3, "comma-separated"),
    (FieldSettings, "overwrite", "sometimes", "true or false"),
    (FieldSettings, "nested_key", 3, "letters, digits"),
    (FieldSettings, "nested_key", "levelname", "not a logging.LogRecord attribute"),
]


@pytest.mark.parametrize(
    ("cls", "argument", "value", "accepted"),
    INVALID_ARGUMENTS,
    ids=[f"{row[1]}={row[2]!r}" for row in INVALID_ARGUMENTS],
)
def test_invalid_argument(cls: Any, argument: str, value: object, accepted: str) -> None:
    """A bad keyword argument raises, naming the argument, the value and what is accepted."""
    with pytest.raises(ConfigurationError) as caught:
        cls.resolve(**{argument: value}, environ={})
    message = str(caught.value)
    assert message.startswith(argument + "=")
    assert shown(value)[:40] in message
    assert accepted in message


@pytest.mark.parametrize(
    ("argument", "value"),
    [("container_name", "x" * 10_000), ("v2_endpoint", "http://" + "a" * 10_000)],
    ids=["container_name", "v2_endpoint"],
)
def test_ten_thousand_character_argument(argument: str, value: str) -> None:
    """A 10,000-character argument raises like the same value in the variable."""
    with pytest.raises(ConfigurationError):
        ContextSettings.resolve(**{argument: value}, environ={})


def test_configuration_error_attributes() -> None:
    """The error keeps the name, the value and what is accepted as attributes."""
    with pytest.raises(ConfigurationError) as caught:
        ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_TIMEOUT": "-3"})
    expected = ("ECS_LOG_CONTEXT_TIMEOUT", "-3", "a number of seconds from 0.001 to 60")
    assert expected == (caught.value.name, caught.value.value, caught.value.accepted)


def test_error_names_the_first_bad_variable_only() -> None:
    """With several bad variables, the error is about one of them, by name."""
    environ = {"ECS_LOG_CONTEXT_ENABLED": "maybe", "ECS_LOG_CONTEXT_TTL": "never"}
    with pytest.raises(ConfigurationError) as caught:
        ContextSettings.resolve(environ=environ)
    assert "ECS_LOG_CONTEXT_ENABLED" == caught.value.name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("TRUE", True),
        ("True", True),
        ("1", True),
        ("yes", True),
        ("on", True),
        ("ON", True),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("OFF", False),
    ],
)
def test_booleans(value: str, expected: bool) -> None:
    """true/false, 1/0, yes/no and on/off are read in any case, for both boolean variables."""
    context = ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_ENABLED": value})
    fields = FieldSettings.resolve(environ={"ECS_LOG_CONTEXT_OVERWRITE": value})
    assert (expected, expected) == (context.enabled, fields.overwrite)


@pytest.mark.parametrize(
    ("value", "expected"), [("0.001", 0.001), ("60", 60.0), ("1", 1.0), (" 0.5 ", 0.5)]
)
def test_timeout_bounds(value: str, expected: float) -> None:
    """The timeout accepts 0.001 to 60 seconds, both ends included."""
    settings = ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_TIMEOUT": value})
    assert expected == settings.timeout


@pytest.mark.parametrize("value", ["0.0009", "60.001", "61"])
def test_timeout_outside_bounds(value: str) -> None:
    """A timeout just outside 0.001 to 60 seconds raises."""
    with pytest.raises(ConfigurationError, match="ECS_LOG_CONTEXT_TIMEOUT"):
        ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_TIMEOUT": value})


@pytest.mark.parametrize(
    ("value", "expected"), [("0", 0.0), ("0.0", 0.0), ("1", 1.0), ("604800", 604800.0)]
)
def test_ttl_bounds(value: str, expected: float) -> None:
    """The TTL accepts 0 (never refresh) and 1 to 604800 seconds."""
    assert expected == ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_TTL": value}).ttl


def test_ttl_above_a_week() -> None:
    """A TTL above a week raises."""
    with pytest.raises(ConfigurationError, match="ECS_LOG_CONTEXT_TTL"):
        ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_TTL": "604801"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("auto", "auto"), ("v4", "v4"), ("v3", "v3"), ("v2", "v2"), ("file", "file"), ("V4", "v4")],
)
def test_sources(value: str, expected: str) -> None:
    """Every source of PRODUCT.md is accepted, in any case."""
    assert expected == ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_SOURCE": value}).source


@pytest.mark.parametrize(
    ("value", "expected"),
    [("flat", "flat"), ("otel", "otel"), ("nested", "nested"), ("OTel", "otel")],
)
def test_styles(value: str, expected: str) -> None:
    """The three styles are accepted, in any case."""
    assert expected == FieldSettings.resolve(environ={"ECS_LOG_CONTEXT_STYLE": value}).style


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://169.254.170.2", "http://169.254.170.2"),
        ("http://169.254.170.2/", "http://169.254.170.2"),
        ("http://127.0.0.1:51678", "http://127.0.0.1:51678"),
        ("https://mock.internal/prefix/", "https://mock.internal/prefix"),
        ("http://[::1]:8080", "http://[::1]:8080"),
    ],
)
def test_v2_endpoints(value: str, expected: str) -> None:
    """An http(s) base URL with a host is accepted, without its trailing slash."""
    settings = ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_V2_ENDPOINT": value})
    assert expected == settings.v2_endpoint


@pytest.mark.parametrize(
    "value", ["http://169.254.170.2/v2/%63redentials", "http://169.254.170.2/v2/cred%65ntials"]
)
def test_v2_endpoint_percent_encoded_credentials_path(value: str) -> None:
    """A credentials path is refused even when percent-encoded."""
    with pytest.raises(ConfigurationError, match="ECS_LOG_CONTEXT_V2_ENDPOINT"):
        ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_V2_ENDPOINT": value})


def test_container_name_is_stripped() -> None:
    """The container name is read without surrounding whitespace."""
    settings = ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_CONTAINER_NAME": " nginx-curl "})
    assert "nginx-curl" == settings.container_name


def test_default_then_all() -> None:
    """`default,all` gives the default group, then the rest of `all`, each once."""
    settings = FieldSettings.resolve(environ={"ECS_LOG_CONTEXT_FIELDS": "default,all"})
    assert ALL == settings.fields


def test_all_is_every_field_in_table_order() -> None:
    """`all` is every field of PRODUCT.md, in the table's order."""
    assert ALL == FieldSettings.resolve(fields="all", environ={}).fields


def test_all_then_default() -> None:
    """`all,default` adds nothing after `all`."""
    assert ALL == FieldSettings.resolve(fields="all,default", environ={}).fields


def test_default_group() -> None:
    """`default` is the six starred fields."""
    assert DEFAULT == FieldSettings.resolve(fields="default", environ={}).fields


def test_fields_keep_order_and_drop_duplicates() -> None:
    """Named fields keep their order; a field named twice, or again in a group, appears once."""
    settings = FieldSettings.resolve(
        environ={"ECS_LOG_CONTEXT_FIELDS": " task_id , IMAGE,task_id,,default,cluster "}
    )
    expected = ("task_id", "image", *DEFAULT)
    assert expected == settings.fields


def test_fields_as_a_list() -> None:
    """The `fields` argument may be a list, groups included."""
    settings = FieldSettings.resolve(fields=["region", "default"], environ={})
    assert ("region", *DEFAULT) == settings.fields


def test_renames_last_wins() -> None:
    """A field renamed twice takes the last key; field names are read in any case."""
    settings = FieldSettings.resolve(
        environ={"ECS_LOG_CONTEXT_KEYS": "cluster=a, CLUSTER = b ,task_id=task.id-x"}
    )
    assert (("cluster", "b"), ("task_id", "task.id-x")) == settings.keys


def test_tags_star() -> None:
    """`*` asks for every tag, whatever else is listed."""
    assert ("*",) == FieldSettings.resolve(environ={"ECS_LOG_CONTEXT_TAGS": "*"}).tags
    assert ("*",) == FieldSettings.resolve(environ={"ECS_LOG_CONTEXT_TAGS": "team,*,env"}).tags


def test_tags_drop_duplicates() -> None:
    """Tag keys keep their order and appear once; blanks between commas are skipped."""
    settings = FieldSettings.resolve(environ={"ECS_LOG_CONTEXT_TAGS": "team, env,,team"})
    assert ("team", "env") == settings.tags


def test_tag_key_of_128_characters() -> None:
    """A tag key of 128 characters, the AWS limit, is accepted."""
    assert ("k" * 128,) == FieldSettings.resolve(tags=["k" * 128], environ={}).tags


def test_settings_are_frozen() -> None:
    """Settings cannot be changed after construction."""
    settings = FieldSettings.resolve(environ={})
    with pytest.raises(AttributeError):
        settings.style = "otel"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("eu-west-1", "eu-west-1"),
        (" cn-north-1 ", "cn-north-1"),
        ("us-gov-west-1", "us-gov-west-1"),
        ("us-iso-east-1", "us-iso-east-1"),
        ("", None),
        ("EU-WEST-1", None),
        ("eu-west", None),
        ("west-1", None),
        ("eu-west-1; rm -rf /", None),
    ],
)
def test_aws_region_is_the_fallback_region_when_it_is_one(value: str, expected: str | None) -> None:
    """AWS_REGION is read for the region fallback; a value that is not a region is ignored
    (it is not the library's own variable, so it is never refused)."""
    settings = FieldSettings.resolve(environ={"AWS_REGION": value})
    assert expected == settings.fallback_region


def test_a_rename_that_puts_a_key_inside_another_is_refused() -> None:
    """Under otel, cluster=container would sit next to container.name: refused, named."""
    with pytest.raises(ConfigurationError, match=r"'container' and 'container\.name'") as caught:
        FieldSettings.resolve(keys="cluster=container", style="otel", environ={})
    assert "keys" == caught.value.name
    with pytest.raises(ConfigurationError) as caught:
        FieldSettings.resolve(
            environ={"ECS_LOG_CONTEXT_KEYS": "family=cloud", "ECS_LOG_CONTEXT_STYLE": "elastic"}
        )
    assert "ECS_LOG_CONTEXT_KEYS" == caught.value.name


def test_a_dotted_rename_is_fine_where_nothing_sits_under_it() -> None:
    """flat keys have no dots: a rename to a dotted key clashes with nothing."""
    settings = FieldSettings.resolve(keys="cluster=service.cluster", environ={})
    assert (("cluster", "service.cluster"),) == settings.keys


# -- the rules pinned whole: defaults, the length bound, every refusal's sentence ----------------

URL_ACCEPTED = (
    "an http:// or https:// URL with a host and no user:password, query or credentials path"
)
BOOL_ACCEPTED = "true or false (also 1/0, yes/no, on/off)"
TIMEOUT_ACCEPTED = "a number of seconds from 0.001 to 60"
TTL_TEXT = "0 (never refresh) or a number of seconds from 1 to 604800 (a week)"
LIST_ACCEPTED = "a comma-separated string or a list of strings"
FIELDS_ACCEPTED = "field names from " + ", ".join(ALL) + ", or the groups default and all"
NESTED_ACCEPTED = "a key of letters, digits, _ . - (not a logging.LogRecord attribute)"
LENGTH_ACCEPTED = "a value of at most 4096 characters"


def test_bare_settings_have_the_documented_defaults() -> None:
    """``ContextSettings()`` and ``FieldSettings()``, built without `resolve`, hold the same
    defaults as PRODUCT.md's: the tuple's own defaults, which `resolve` also falls back to."""
    assert tuple(ContextSettings()) == (True, "auto", None, None, 1.0, 3600.0)
    assert tuple(FieldSettings()) == (DEFAULT, "flat", (), (), False, "ecs", None)


@pytest.mark.parametrize(
    ("cls", "variable"), [(row.cls, row.variable) for row in VARIABLES], ids=IDS
)
def test_a_variable_of_4097_characters_is_refused_by_its_length(cls: Any, variable: str) -> None:
    """One character past 4,096 is refused for its length, before it is read, in a sentence
    naming the variable and the bound."""
    value = "x" * 4097
    with pytest.raises(ConfigurationError) as caught:
        cls.resolve(environ={variable: value})
    assert str(caught.value) == (
        f"{variable}='{'x' * 76}... cannot be used: expected {LENGTH_ACCEPTED}"
    )
    assert (caught.value.name, caught.value.value) == (variable, value)


@pytest.mark.parametrize(
    ("cls", "variable"), [(row.cls, row.variable) for row in VARIABLES], ids=IDS
)
def test_a_variable_of_4096_characters_is_not_refused_by_its_length(
    cls: Any, variable: str
) -> None:
    """4,096 characters pass the length bound: the value is read (and may be refused for
    what it is, never for its length)."""
    refused: ConfigurationError | None = None
    try:
        cls.resolve(environ={variable: "x" * 4096})
    except ConfigurationError as error:
        refused = error
    assert refused is None or refused.accepted != LENGTH_ACCEPTED


def test_a_container_name_of_4096_characters_is_kept() -> None:
    """At the bound, from the variable or the argument, the value is used as given."""
    name = "n" * 4096
    assert (
        ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_CONTAINER_NAME": name}).container_name
        == name
    )
    assert ContextSettings.resolve(container_name=name, environ={}).container_name == name


@pytest.mark.parametrize("argument", ["container_name", "v2_endpoint", "source"])
def test_an_argument_of_4097_characters_is_refused_naming_the_argument(argument: str) -> None:
    """A string argument past the bound is refused like a variable, named as the argument."""
    value = "x" * 4097
    with pytest.raises(ConfigurationError) as caught:
        ContextSettings.resolve(**{argument: value}, environ={})
    assert str(caught.value) == (
        f"{argument}='{'x' * 76}... cannot be used: expected {LENGTH_ACCEPTED}"
    )


def test_a_long_list_argument_is_not_a_long_string() -> None:
    """The bound is on text: a list of more than 4,096 items is read item by item."""
    assert FieldSettings.resolve(fields=["cluster"] * 5000, environ={}).fields == ("cluster",)


def test_a_long_blank_variable_is_unset() -> None:
    """Blank counts as unset whatever its length: no refusal for 5,000 spaces."""
    settings = ContextSettings.resolve(environ={"ECS_LOG_CONTEXT_CONTAINER_NAME": " " * 5000})
    assert settings.container_name is None


# (settings class, variable, value, what the message says is accepted: the whole text)
EXACT_REFUSALS: list[tuple[Any, str, str, str]] = [
    (ContextSettings, "ECS_LOG_CONTEXT_ENABLED", "maybe", BOOL_ACCEPTED),
    (FieldSettings, "ECS_LOG_CONTEXT_OVERWRITE", "y", BOOL_ACCEPTED),
    (ContextSettings, "ECS_LOG_CONTEXT_SOURCE", "v5", "one of auto, v4, v3, v2, file"),
    (FieldSettings, "ECS_LOG_CONTEXT_STYLE", "json", "one of flat, otel, nested, elastic, datadog"),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "61", TIMEOUT_ACCEPTED),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "1_0", TIMEOUT_ACCEPTED),
    (ContextSettings, "ECS_LOG_CONTEXT_TIMEOUT", "nan", TIMEOUT_ACCEPTED),
    (ContextSettings, "ECS_LOG_CONTEXT_TTL", "604801", TTL_TEXT),
    (ContextSettings, "ECS_LOG_CONTEXT_TTL", "0.5", TTL_TEXT),
    (ContextSettings, "ECS_LOG_CONTEXT_V2_ENDPOINT", "ftp://169.254.170.2", URL_ACCEPTED),
    (FieldSettings, "ECS_LOG_CONTEXT_FIELDS", ",", FIELDS_ACCEPTED + "; the list names none"),
    (FieldSettings, "ECS_LOG_CONTEXT_TAGS", "t" * 129, "tag keys of at most 128 characters, or *"),
    (FieldSettings, "ECS_LOG_CONTEXT_NESTED_KEY", "message", NESTED_ACCEPTED),
    (FieldSettings, "ECS_LOG_CONTEXT_NESTED_KEY", "asctime", NESTED_ACCEPTED),
    (FieldSettings, "ECS_LOG_CONTEXT_NESTED_KEY", "k" * 129, NESTED_ACCEPTED),
]


@pytest.mark.parametrize(
    ("cls", "variable", "value", "accepted"),
    EXACT_REFUSALS,
    ids=[f"{row[1]}={row[2][:20]!r}" for row in EXACT_REFUSALS],
)
def test_each_refusal_says_the_whole_sentence(
    cls: Any, variable: str, value: str, accepted: str
) -> None:
    """Each kind of refusal compared as the sentence a user reads, not a fragment of it."""
    with pytest.raises(ConfigurationError) as caught:
        cls.resolve(environ={variable: value})
    shown_value = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
    assert str(caught.value) == f"{variable}={shown_value} cannot be used: expected {accepted}"


@pytest.mark.parametrize(
    ("cls", "argument", "value", "accepted"),
    [
        (ContextSettings, "container_name", 42, "a container name from the task definition"),
        (FieldSettings, "fields", 3, LIST_ACCEPTED),
        (FieldSettings, "fields", ["cluster", 3], LIST_ACCEPTED),
        (FieldSettings, "tags", {"team": 1}, LIST_ACCEPTED),
        (ContextSettings, "enabled", 1, BOOL_ACCEPTED),
        (ContextSettings, "timeout", True, TIMEOUT_ACCEPTED),
        (ContextSettings, "timeout", [1], TIMEOUT_ACCEPTED),
    ],
    ids=[
        "container_name=42",
        "fields=3",
        "fields-list",
        "tags-dict",
        "enabled=1",
        "timeout=True",
        "timeout-list",
    ],
)
def test_each_argument_refusal_says_the_whole_sentence(
    cls: Any, argument: str, value: object, accepted: str
) -> None:
    """Arguments of the wrong type are refused with the same sentences, named as arguments."""
    with pytest.raises(ConfigurationError) as caught:
        cls.resolve(**{argument: value}, environ={})
    assert str(caught.value) == f"{argument}={value!r} cannot be used: expected {accepted}"


@pytest.mark.parametrize("key", ["k", "k" * 128, "_a.b-c"])
def test_nested_keys_up_to_128_characters_are_kept(key: str) -> None:
    """A nested key of 1 to 128 letters, digits, _ . - (starting with a letter or _) is used."""
    assert FieldSettings.resolve(nested_key=f" {key} ", environ={}).nested_key == key
