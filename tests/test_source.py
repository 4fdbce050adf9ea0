"""find_source: which metadata source the settings and the environment choose."""

from __future__ import annotations

import pytest

from ecs_log_context._settings import ContextSettings
from ecs_log_context._source import Source, find_source
from ecs_log_context.errors import ConfigurationError, NoMetadataSourceError

V4 = "ECS_CONTAINER_METADATA_URI_V4"
V3 = "ECS_CONTAINER_METADATA_URI"
FILE = "ECS_CONTAINER_METADATA_FILE"
EXEC = "AWS_EXECUTION_ENV"
V2_ENDPOINT = "ECS_LOG_CONTEXT_V2_ENDPOINT"
SOURCE = "ECS_LOG_CONTEXT_SOURCE"

V4_URL = "http://169.254.170.2/v4/ea32192c-8553-4b2f-9f59-e9a3f0a1a5d0"
V3_URL = "http://169.254.170.2/v3/9781c248-0edd-4cdb-9a93-f63cb662a5d3"
PATH = "/opt/ecs/metadata/f8ee2e7e-8f0e-4e2b-9c7b-3b7c2f6e1a6b/ecs-container-metadata.json"
MOCK = "http://127.0.0.1:51678"
DEFAULT_V2 = "http://169.254.170.2"


def settings_for(environ: dict[str, str], **options: object) -> ContextSettings:
    """Context settings from this environment and these options."""
    return ContextSettings.resolve(**options, environ=environ)  # type: ignore[arg-type]


def find(environ: dict[str, str], **options: object) -> Source:
    """The source that `environ` (and options) choose."""
    return find_source(settings_for(environ, **options), environ)


def test_nothing_set() -> None:
    """Off ECS, with nothing configured, there is no source, and the message says why."""
    with pytest.raises(NoMetadataSourceError) as caught:
        find({})
    message = str(caught.value)
    for name in (V4, V3, FILE, EXEC):
        assert name in message


def test_v4() -> None:
    """The v4 variable chooses v4."""
    assert Source("v4", V4_URL, V4) == find({V4: V4_URL})


def test_v4_trailing_slash_dropped() -> None:
    """The v4 URL is used without a trailing slash."""
    assert Source("v4", V4_URL, V4) == find({V4: V4_URL + "/"})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        (V4, "http://169.254.170.2/v4/"),
        (V4, "http://169.254.170.2/v4"),
        (V4, "http://169.254.170.2/"),
        (V4, "http://169.254.170.2"),
        (V4, V4_URL + "/task"),
        (V4, V4_URL + "/taskWithTags"),
        (V3, "http://169.254.170.2/v3/"),
        (V3, V3_URL + "/stats"),
    ],
)
def test_a_uri_that_does_not_end_in_the_container_id_is_refused(variable: str, value: str) -> None:
    """``.../v4/`` would ask ``/v4/task``, which the agent reads as container ID "task": the
    URI is refused at construction, naming the variable and the shape ECS gives it."""
    with pytest.raises(ConfigurationError) as caught:
        find({variable: value})
    message = str(caught.value)
    assert variable in message
    assert "ending in the ID" in message


def test_v3() -> None:
    """The v3 variable alone chooses v3."""
    assert Source("v3", V3_URL, V3) == find({V3: V3_URL})


def test_v4_beats_v3() -> None:
    """With both endpoint variables, v4 wins."""
    assert Source("v4", V4_URL, V4) == find({V4: V4_URL, V3: V3_URL})


def test_v4_beats_everything() -> None:
    """v4 wins over v3, the v2 gate, the v2 endpoint override and the metadata file."""
    environ = {V4: V4_URL, V3: V3_URL, EXEC: "AWS_ECS_EC2", V2_ENDPOINT: MOCK, FILE: PATH}
    assert Source("v4", V4_URL, V4) == find(environ)


def test_v3_beats_v2_and_file() -> None:
    """Without v4, v3 wins over the v2 gate, the v2 endpoint override and the file."""
    environ = {V3: V3_URL, EXEC: "AWS_ECS_EC2", V2_ENDPOINT: MOCK, FILE: PATH}
    assert Source("v3", V3_URL, V3) == find(environ)


@pytest.mark.parametrize("execution_env", ["AWS_ECS_EC2", "AWS_ECS_FARGATE", "AWS_ECS_EXTERNAL"])
def test_v2_gate(execution_env: str) -> None:
    """AWS_EXECUTION_ENV starting with AWS_ECS chooses v2 at its default address."""
    assert Source("v2", DEFAULT_V2, EXEC) == find({EXEC: execution_env})


@pytest.mark.parametrize(
    "execution_env", ["AWS_Lambda_python3.12", "AWS_Lambda_java21", "EC2", "XAWS_ECS_EC2", " "]
)
def test_no_v2_gate(execution_env: str) -> None:
    """AWS_EXECUTION_ENV of Lambda or anything not starting with AWS_ECS does not choose v2."""
    with pytest.raises(NoMetadataSourceError):
        find({EXEC: execution_env})


def test_lambda_with_file() -> None:
    """Under Lambda's AWS_EXECUTION_ENV, the metadata file still counts."""
    assert Source("file", PATH, FILE) == find({EXEC: "AWS_Lambda_python3.12", FILE: PATH})


def test_v2_endpoint_alone_chooses_v2() -> None:
    """ECS_LOG_CONTEXT_V2_ENDPOINT alone chooses v2 at that address."""
    assert Source("v2", MOCK, V2_ENDPOINT) == find({V2_ENDPOINT: MOCK})


def test_v2_endpoint_overrides_the_gate_address() -> None:
    """With the gate and the override, v2 uses the override's address."""
    assert Source("v2", MOCK, V2_ENDPOINT) == find({EXEC: "AWS_ECS_EC2", V2_ENDPOINT: MOCK})


def test_v2_endpoint_argument() -> None:
    """The v2_endpoint argument chooses v2 at that address, over the variable."""
    environ = {V2_ENDPOINT: "http://127.0.0.1:1"}
    assert Source("v2", MOCK, V2_ENDPOINT) == find(environ, v2_endpoint=MOCK + "/")


def test_v2_beats_file() -> None:
    """The v2 gate comes before the metadata file, as PRODUCT.md orders them."""
    assert Source("v2", DEFAULT_V2, EXEC) == find({EXEC: "AWS_ECS_EC2", FILE: PATH})


def test_v2_endpoint_beats_file() -> None:
    """The v2 endpoint override comes before the metadata file."""
    assert Source("v2", MOCK, V2_ENDPOINT) == find({V2_ENDPOINT: MOCK, FILE: PATH})


def test_file() -> None:
    """The metadata file variable alone chooses the file."""
    assert Source("file", PATH, FILE) == find({FILE: PATH})


@pytest.mark.parametrize("blank", ["", " ", "\t\n"])
def test_blank_variables_are_unset(blank: str) -> None:
    """Empty or whitespace-only ECS variables count as unset."""
    environ = {V4: blank, V3: blank, EXEC: blank, V2_ENDPOINT: blank, FILE: blank}
    with pytest.raises(NoMetadataSourceError):
        find(environ)


def test_blank_v4_falls_back_to_v3() -> None:
    """A whitespace-only v4 variable is skipped for v3."""
    assert Source("v3", V3_URL, V3) == find({V4: "  ", V3: V3_URL})


def test_variables_read_without_surrounding_whitespace() -> None:
    """The URL of an ECS variable is used without surrounding whitespace."""
    assert Source("v4", V4_URL, V4) == find({V4: f" {V4_URL}\n"})


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({V4: V4_URL, V3: V3_URL}, Source("v4", V4_URL, V4)),
        ({V4: V4_URL}, Source("v4", V4_URL, V4)),
    ],
)
def test_forced_v4(environ: dict[str, str], expected: Source) -> None:
    """ECS_LOG_CONTEXT_SOURCE=v4 uses the v4 variable."""
    assert expected == find({**environ, SOURCE: "v4"})


def test_forced_v3_skips_v4() -> None:
    """ECS_LOG_CONTEXT_SOURCE=v3 uses v3 even when v4 is set."""
    assert Source("v3", V3_URL, V3) == find({V4: V4_URL, V3: V3_URL, SOURCE: "v3"})


def test_forced_file_skips_the_endpoints() -> None:
    """ECS_LOG_CONTEXT_SOURCE=file uses the file even when endpoints are set."""
    environ = {V4: V4_URL, V3: V3_URL, EXEC: "AWS_ECS_EC2", FILE: PATH, SOURCE: "file"}
    assert Source("file", PATH, FILE) == find(environ)


def test_forced_v2_without_any_variable() -> None:
    """ECS_LOG_CONTEXT_SOURCE=v2 needs no variable: the default address."""
    assert Source("v2", DEFAULT_V2, SOURCE) == find({SOURCE: "v2"})


def test_forced_v2_skips_v4() -> None:
    """ECS_LOG_CONTEXT_SOURCE=v2 uses v2 even when v4 and v3 are set."""
    environ = {V4: V4_URL, V3: V3_URL, SOURCE: "v2"}
    assert Source("v2", DEFAULT_V2, SOURCE) == find(environ)


def test_forced_v2_with_endpoint() -> None:
    """ECS_LOG_CONTEXT_SOURCE=v2 with an override uses the override's address."""
    assert Source("v2", MOCK, V2_ENDPOINT) == find({SOURCE: "v2", V2_ENDPOINT: MOCK})


def test_forced_by_argument() -> None:
    """The source argument forces a source over ECS_LOG_CONTEXT_SOURCE."""
    environ = {V4: V4_URL, V3: V3_URL, SOURCE: "v4"}
    assert Source("v3", V3_URL, V3) == find(environ, source="v3")


@pytest.mark.parametrize(
    ("forced", "variable", "environ"),
    [
        ("v4", V4, {}),
        ("v4", V4, {V3: V3_URL, EXEC: "AWS_ECS_EC2", FILE: PATH}),
        ("v3", V3, {}),
        ("v3", V3, {V4: V4_URL, FILE: PATH}),
        ("file", FILE, {}),
        ("file", FILE, {V4: V4_URL, V3: V3_URL, EXEC: "AWS_ECS_FARGATE"}),
    ],
)
def test_forced_without_its_variable(forced: str, variable: str, environ: dict[str, str]) -> None:
    """A forced source whose variable is not set fails, naming the variable; no fallback."""
    with pytest.raises(NoMetadataSourceError) as caught:
        find({**environ, SOURCE: forced})
    message = str(caught.value)
    assert variable + " is not set" in message
    assert f"{SOURCE}={forced}" in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        (V4, "not a url"),
        (V4, "169.254.170.2/v4/abc"),
        (V4, "file:///etc/passwd"),
        (V4, "ftp://169.254.170.2/v4/abc"),
        (V4, "http://user:pw@169.254.170.2/v4/abc"),
        (V4, "http://169.254.170.2/v4/abc?x=1"),
        (V4, "http://169.254.170.2/v2/credentials/abc"),
        (V4, "http://"),
        (V3, "not a url"),
        (V3, "gopher://169.254.170.2/v3/abc"),
    ],
)
def test_endpoint_variable_not_a_url(variable: str, value: str) -> None:
    """An endpoint variable holding something that is not a usable URL raises, naming it."""
    with pytest.raises(ConfigurationError) as caught:
        find({variable: value})
    message = str(caught.value)
    assert variable + "=" in message
    assert (repr(value)[:30] if "@" not in value else "***@169.254.170.2") in message
    assert "http://" in message


def test_bad_v4_does_not_fall_back() -> None:
    """A v4 variable that is not a URL raises rather than silently choosing v3."""
    with pytest.raises(ConfigurationError, match=V4):
        find({V4: "not a url", V3: V3_URL})


def test_v4_percent_encoded_credentials_path() -> None:
    """A v4 URL to a percent-encoded credentials route is refused."""
    with pytest.raises(ConfigurationError, match=V4):
        find({V4: "http://169.254.170.2/v2/%63redentials/abc"})


def test_file_path_with_nul() -> None:
    """A metadata file path with a NUL byte raises, naming the variable."""
    with pytest.raises(ConfigurationError, match=FILE):
        find({FILE: "/opt/ecs/a\x00b"})


def test_settings_read_from_environ_when_none() -> None:
    """Without settings, the environment given decides the forced source too."""
    environ = {V4: V4_URL, V3: V3_URL, SOURCE: "v3"}
    assert Source("v3", V3_URL, V3) == find_source(None, environ)


def test_bad_source_variable_when_settings_none() -> None:
    """Without settings, a bad ECS_LOG_CONTEXT_SOURCE raises ConfigurationError."""
    with pytest.raises(ConfigurationError, match=SOURCE):
        find_source(None, {SOURCE: "v9"})


def test_os_environ_when_nothing_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """With neither settings nor environ, the process environment decides."""
    monkeypatch.setenv(V3, V3_URL)
    monkeypatch.setenv(FILE, PATH)
    assert Source("v3", V3_URL, V3) == find_source()


def test_autouse_fixture_leaves_no_source() -> None:
    """The test environment is off ECS: nothing is found from os.environ."""
    with pytest.raises(NoMetadataSourceError):
        find_source()
