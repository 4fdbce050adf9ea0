"""find_source's rules pinned whole: the exact sentences it says, and the bounds it applies.

tests/test_source.py checks which source wins; here each refusal is compared as the full
sentence a user reads, and each bound is tried on both sides of its edge, so that a message
losing a word or a bound moving by one fails.
"""

from __future__ import annotations

import pytest

from ecs_log_context._settings import ContextSettings
from ecs_log_context._source import Source, find_source
from ecs_log_context.errors import ConfigurationError, NoMetadataSourceError

V4 = "ECS_CONTAINER_METADATA_URI_V4"
V3 = "ECS_CONTAINER_METADATA_URI"
FILE = "ECS_CONTAINER_METADATA_FILE"
SOURCE = "ECS_LOG_CONTEXT_SOURCE"


def find(environ: dict[str, str]) -> Source:
    """The source this environment chooses, with the settings it gives."""
    return find_source(ContextSettings.resolve(environ=environ), environ)


def refusal(environ: dict[str, str]) -> str:
    """The message of the ConfigurationError this environment gives."""
    with pytest.raises(ConfigurationError) as caught:
        find(environ)
    return str(caught.value)


def test_nothing_set_says_the_whole_sentence() -> None:
    """Off ECS the message lists the three variables and the v2 gate, in a readable sentence:
    each piece of it is there, in order, with its separators."""
    with pytest.raises(NoMetadataSourceError) as caught:
        find({})
    assert str(caught.value) == (
        "no Amazon ECS metadata source: none of ECS_CONTAINER_METADATA_URI_V4, "
        "ECS_CONTAINER_METADATA_URI or ECS_CONTAINER_METADATA_FILE is set, and "
        "AWS_EXECUTION_ENV does not start with AWS_ECS (is this running on ECS?)"
    )


@pytest.mark.parametrize(
    ("forced", "variable"), [("v4", V4), ("v3", V3), ("file", FILE)], ids=["v4", "v3", "file"]
)
def test_forced_source_without_its_variable_says_the_whole_sentence(
    forced: str, variable: str
) -> None:
    """A forced source whose variable is unset names the setting, the source and the variable
    that each source reads (not another source's)."""
    with pytest.raises(NoMetadataSourceError) as caught:
        find({SOURCE: forced})
    assert str(caught.value) == (
        f"ECS_LOG_CONTEXT_SOURCE={forced} asks for the {forced} source, but {variable} is not set"
    )


def test_v4_version_uri_refusal_says_the_whole_sentence() -> None:
    """``.../v4`` (no ID) is refused: the message shows the v4 shape, names ``'v4/'`` as the
    wrong ending and the route that would be asked."""
    value = "http://169.254.170.2/v4"
    assert refusal({V4: value}) == (
        f"{V4}='http://169.254.170.2/v4' cannot be used: expected the container's endpoint URI"
        " as ECS sets it, http://169.254.170.2/v4/<id>, ending in the ID, not in 'v4/': the"
        " routes are asked below it (http://169.254.170.2/v4/task)"
    )


def test_v3_refusal_shows_the_v3_shape() -> None:
    """The v3 variable's refusal shows the v3 URI, not the v4 one."""
    message = refusal({V3: "http://169.254.170.2/v3/"})
    assert message == (
        f"{V3}='http://169.254.170.2/v3/' cannot be used: expected the container's endpoint URI"
        " as ECS sets it, http://169.254.170.2/v3/<id>, ending in the ID, not in 'v3/': the"
        " routes are asked below it (http://169.254.170.2/v3/task)"
    )


def test_bare_host_refusal_names_the_slash() -> None:
    """A URI with no path at all ends in ``'/'``, which is what the message says it ends in."""
    assert refusal({V4: "http://169.254.170.2"}).endswith(
        "ending in the ID, not in '/': the routes are asked below it (http://169.254.170.2/task)"
    )


@pytest.mark.parametrize("value", ["http://127.0.0.1:51678/abc", "http://host/c0ffee"])
def test_a_one_segment_path_ending_in_an_id_is_accepted(value: str) -> None:
    """``http://host/<id>`` (three slashes) is a container URI: the mock endpoint's own shape.
    Only two slashes (no path) is refused."""
    assert find({V4: value}) == Source("v4", value, V4)


@pytest.mark.parametrize(
    "value", ["http://host/x/v4", "http://host/x/task", "http://host/stats", "http://host/v3"]
)
def test_a_route_or_version_as_the_last_segment_is_refused(value: str) -> None:
    """Whatever comes before it, a last segment that is a version or a route is refused."""
    assert "ending in the ID" in refusal({V4: value})


def test_metadata_file_path_of_4096_characters_is_accepted() -> None:
    """4,096 characters is the longest path accepted."""
    path = "/" + "p" * 4095
    assert find({FILE: path}) == Source("file", path, FILE)


def test_metadata_file_path_of_4097_characters_is_refused() -> None:
    """One more is refused, with the sentence that names the variable and 'a file path'."""
    path = "/" + "p" * 4096
    assert refusal({FILE: path}) == (
        f"{FILE}={repr(path)[:77]}... cannot be used: expected a file path"
    )


def test_metadata_file_path_with_nul_says_the_whole_sentence() -> None:
    """A NUL in a short path is refused however short it is."""
    assert refusal({FILE: "/a\x00b"}) == f"{FILE}='/a\\x00b' cannot be used: expected a file path"


def test_nul_at_the_edges_of_the_path_is_refused() -> None:
    """The NUL check looks at the whole path, not only its middle."""
    assert "expected a file path" in refusal({FILE: "\x00/a"})
    assert "expected a file path" in refusal({FILE: "/a\x00"})
