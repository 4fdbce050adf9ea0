"""Image references: every shape ECS reports, the grammar's parts given back, lenient paths, and
None only for empty, overlong or unsafe text."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import ecs_log_context.mock
from ecs_log_context._image import MAX_LENGTH, ImageReference, parse_image

from .documents import FIXTURES

SHA = "sha256:" + "0123456789abcdef" * 4
ECR = "111122223333.dkr.ecr.us-west-2.amazonaws.com"

# distribution/reference's ReferenceRegexp (regexp.go), written out in Python: Go's \w and
# [[:xdigit:]] are ASCII, so they are spelled as ASCII classes here.
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
REFERENCE = re.compile(rf"(?P<name>{_NAME})(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?")


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("nginx", ImageReference("nginx", None, None)),
        ("nginx:1.25", ImageReference("nginx", "1.25", None)),
        ("library/nginx:latest", ImageReference("library/nginx", "latest", None)),
        ("host:5000/team/app:1.2", ImageReference("host:5000/team/app", "1.2", None)),
        ("host:5000/team/app", ImageReference("host:5000/team/app", None, None)),
        (f"app@{SHA}", ImageReference("app", None, SHA)),
        (f"app:1.2@{SHA}", ImageReference("app", "1.2", SHA)),
        (f"host:5000/app:1.2@{SHA}", ImageReference("host:5000/app", "1.2", SHA)),
        (f"host:5000/app@{SHA}", ImageReference("host:5000/app", None, SHA)),
        (f"{ECR}/curltest:latest", ImageReference(f"{ECR}/curltest", "latest", None)),
        (
            "public.ecr.aws/docker/library/busybox:stable",
            ImageReference("public.ecr.aws/docker/library/busybox", "stable", None),
        ),
        (
            "gcr.io/opentelemetry/operator",
            ImageReference("gcr.io/opentelemetry/operator", None, None),
        ),
        ("localhost/app", ImageReference("localhost/app", None, None)),
        ("localhost:5000/app:v1", ImageReference("localhost:5000/app", "v1", None)),
        # The grammar reads a lone ``host:port`` as a name and a tag; so does the parser.
        ("localhost:5000", ImageReference("localhost", "5000", None)),
        ("[::1]:5000/app:tag", ImageReference("[::1]:5000/app", "tag", None)),
        ("[::1]/app", ImageReference("[::1]/app", None, None)),
        ("[2001:db8::1]:443/ns/app", ImageReference("[2001:db8::1]:443/ns/app", None, None)),
        ("amazon/amazon-ecs-pause:0.1.0", ImageReference("amazon/amazon-ecs-pause", "0.1.0", None)),
        ("my_org/my__app-x.y:_v1.0-rc.1", ImageReference("my_org/my__app-x.y", "_v1.0-rc.1", None)),
        # Docker refuses upper case in the path; ECS runs the task definition as written.
        ("MyOrg/MyApp:Prod", ImageReference("MyOrg/MyApp", "Prod", None)),
        (
            f"Registry.Example.COM:8443/Team/App:1@{SHA}",
            ImageReference("Registry.Example.COM:8443/Team/App", "1", SHA),
        ),
        ("nrdlngr/nginx-curl", ImageReference("nrdlngr/nginx-curl", None, None)),
        ("redis", ImageReference("redis", None, None)),
        # Beyond the grammar: read by structure, never refused.
        ("café/app:été", ImageReference("café/app", "été", None)),
        ("app@latest", ImageReference("app", None, "latest")),
        ("app:", ImageReference("app", None, None)),
        ("app::1", ImageReference("app", "1", None)),
        ("app:1::", ImageReference("app", "1", None)),
        ("app@", ImageReference("app", None, None)),
        (f"app:@{SHA}", ImageReference("app", None, SHA)),
        ("host:5000/", ImageReference("host:5000/", None, None)),
        ("app:a/b", ImageReference("app:a/b", None, None)),
        (":latest", ImageReference("", "latest", None)),
        (f"@{SHA}", ImageReference("", None, SHA)),
        (":", ImageReference("", None, None)),
        ("a" * MAX_LENGTH, ImageReference("a" * MAX_LENGTH, None, None)),
    ],
)
def test_shapes(reference: str, expected: ImageReference) -> None:
    assert parse_image(reference) == expected


@pytest.mark.parametrize(
    "reference",
    [
        "",
        " ",
        "nginx ",
        " nginx",
        "nginx\n",
        "ngi\tnx:1",
        "nginx:1.25\r",
        "nginx\x00",
        "nginx\x1b[2J",
        "nginx\x7f",
        "nginx\x85",  # NEL, a C1 control that breaks lines
        "nginx\x9b",  # CSI
        "nginx\xa0",  # no-break space
        "nginx\u3000",
        "nginx\u2028",
        "nginx:\u202elatest",  # right-to-left override
        "ng\u200binx",  # zero-width space
        "\ufeffnginx",
        "nginx\ud800",  # lone surrogate
        "a" * (MAX_LENGTH + 1),
    ],
)
def test_none(reference: str) -> None:
    assert parse_image(reference) is None


@pytest.mark.parametrize(
    "value", [None, 1, b"nginx", ["nginx"], ImageReference("nginx", None, None)]
)
def test_not_a_string(value: Any) -> None:
    assert parse_image(value) is None


def _joined(name: str, tag: str | None, digest: str | None) -> str:
    """The reference ``name[:tag][@digest]``."""
    return (
        name + (f":{tag}" if tag is not None else "") + (f"@{digest}" if digest is not None else "")
    )


def _images(document: Any) -> Iterator[str]:
    """Every ``Image`` (endpoint) and ``ImageName`` (metadata file) in a decoded document."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("Image", "ImageName") and isinstance(value, str):
                yield value
            else:
                yield from _images(value)
    elif isinstance(document, list):
        for item in document:
            yield from _images(item)


def _recorded_images() -> set[str]:
    samples = Path(ecs_log_context.mock.__file__).parent / "samples"
    paths = [*FIXTURES.glob("*.json"), *samples.glob("*.json")]
    return {
        image for path in paths for image in _images(json.loads(path.read_text(encoding="utf-8")))
    }


RECORDED = {
    "amazon/amazon-ecs-pause:0.1.0": ImageReference("amazon/amazon-ecs-pause", "0.1.0", None),
    "nrdlngr/nginx-curl": ImageReference("nrdlngr/nginx-curl", None, None),
    "redis": ImageReference("redis", None, None),
    "httpd:2.4": ImageReference("httpd", "2.4", None),
    f"{ECR}/curltest:latest": ImageReference(f"{ECR}/curltest", "latest", None),
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout-api:1.14.2": ImageReference(
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout-api", "1.14.2", None
    ),
    "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4": ImageReference(
        "public.ecr.aws/aws-observability/aws-for-fluent-bit", "2.32.4", None
    ),
}


def test_recorded_images() -> None:
    """The images of the recorded documents: those written out here, and any added later."""
    recorded = _recorded_images()
    assert set(RECORDED) <= recorded
    for image in recorded:
        parsed = parse_image(image)
        assert parsed is not None, image
        if image in RECORDED:
            assert parsed == RECORDED[image]
        match = REFERENCE.fullmatch(image)
        if match is not None:
            assert parsed == ImageReference(match["name"], match["tag"], match["digest"])
        else:  # Not Docker's grammar (upper case, say): still the parts it was written from.
            assert _joined(*parsed) == image


@given(st.from_regex(REFERENCE, fullmatch=True))
@example(f"[::1]:5000/app:tag@{SHA}")
@example("localhost:5000")
def test_grammar_parts(reference: str) -> None:
    """Any reference the grammar accepts gives the grammar's own name, tag and digest."""
    match = REFERENCE.fullmatch(reference)
    assert match is not None
    expected = ImageReference(match["name"], match["tag"], match["digest"])
    assert parse_image(reference) == expected


# The grammar's parts, built from their pieces (quicker to draw than from their regexps); the
# grammar itself checks what they build, in test_strategies_build_grammar.
_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_HEX = "0123456789abcdefABCDEF"


def _joined_by(
    pieces: st.SearchStrategy[str], separators: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """``piece (separator piece)*``."""
    return st.builds(
        lambda first, rest: first + "".join(sep + piece for sep, piece in rest),
        pieces,
        st.lists(st.tuples(separators, pieces), max_size=3),
    )


_domain_component = st.text(_ALNUM + _ALNUM.upper(), min_size=1, max_size=6) | st.builds(
    lambda a, middle, b: a + middle + b,
    st.sampled_from(_ALNUM + "XYZ"),
    st.text(_ALNUM + "XYZ-", max_size=6),
    st.sampled_from(_ALNUM + "XYZ"),
)
_domain = st.one_of(
    st.just("localhost"),
    _joined_by(_domain_component, st.just(".")),
    st.text(_HEX + ":", min_size=1, max_size=12).map(lambda address: f"[{address}]"),
)
_port = st.just("") | st.integers(0, 99999).map(lambda port: f":{port}")
_strict_path = _joined_by(
    _joined_by(
        st.text(_ALNUM, min_size=1, max_size=6), st.sampled_from([".", "_", "__", "-", "--"])
    ),
    st.just("/"),
)
# Upper case in the path, which Docker refuses and ECS reports anyway.
_path = _joined_by(
    _joined_by(
        st.text(_ALNUM + "ABCXYZ", min_size=1, max_size=6),
        st.sampled_from([".", "_", "__", "-", "--"]),
    ),
    st.just("/"),
)
_registry = st.builds(lambda domain, port: domain + port, _domain, _port)
_strict_name = _strict_path | st.builds(lambda r, path: f"{r}/{path}", _registry, _strict_path)
_name = _path | st.builds(lambda r, path: f"{r}/{path}", _registry, _path)
_tags = st.none() | st.builds(
    lambda first, rest: first + rest,
    st.sampled_from(_ALNUM + "ABZ_"),
    st.text(_ALNUM + "ABZ_.-", max_size=127),
)
_algorithm = _joined_by(
    st.builds(
        lambda a, b: a + b, st.sampled_from("abcsxyzABZ"), st.text(_ALNUM + "AZ", max_size=6)
    ),
    st.sampled_from("-_+."),
)
_digests = st.none() | st.builds(
    lambda algorithm, digits: f"{algorithm}:{digits}",
    _algorithm,
    st.text(_HEX, min_size=32, max_size=128),
)


@given(_strict_name, _tags, _digests)
def test_strategies_build_grammar(name: str, tag: str | None, digest: str | None) -> None:
    """These strategies build what the grammar accepts, so the tests using them test the grammar."""
    match = REFERENCE.fullmatch(_joined(name, tag, digest))
    assert match is not None
    assert (match["name"], match["tag"], match["digest"]) == (name, tag, digest)


@given(_name, _tags, _digests)
def test_parts_given_back(name: str, tag: str | None, digest: str | None) -> None:
    """name[:tag][@digest] from valid parts, upper case allowed in the path, gives them back."""
    assert parse_image(_joined(name, tag, digest)) == ImageReference(name, tag, digest)


def _shown(exclude: str = "") -> st.SearchStrategy[str]:
    """Characters but whitespace, controls, format characters and surrogates, and `exclude`."""
    return st.characters(
        exclude_characters=exclude, exclude_categories=("Cc", "Cf", "Cs", "Zs", "Zl", "Zp")
    )


_safe = _shown()
_segment = st.text(_shown(exclude=":/@"), min_size=1)


@given(st.text(_safe), _segment, st.none() | _segment, st.none() | st.text(_safe, min_size=1))
def test_lenient_parts_given_back(
    prefix: str, last: str, tag: str | None, digest: str | None
) -> None:
    """Whatever the characters, a name whose last segment has no colon (and no ``@`` anywhere),
    a tag without ``:``, ``/`` and ``@``, and any digest come back as they were joined."""
    name = f"{prefix.replace('@', '')}/{last}" if prefix else last
    reference = _joined(name, tag, digest)
    if len(reference) <= MAX_LENGTH:
        assert parse_image(reference) == ImageReference(name, tag, digest)


@given(st.one_of(st.text(), st.text(":/@[]aZ9.-_")))
@example("::")
@example("a:b:")
def test_never_raises_and_is_stable(reference: str) -> None:
    """Any text: no exception; a name never ending with ``:``; no empty tag or digest; and the
    parts, joined again, parse to themselves."""
    parsed = parse_image(reference)
    if parsed is None:
        return
    assert not parsed.name.endswith(":")
    assert parsed.tag is None or (parsed.tag and not set(parsed.tag) & set(":/@"))
    assert parsed.digest is None or parsed.digest
    assert "@" not in parsed.name
    joined = _joined(*parsed)
    if joined:
        assert parse_image(joined) == parsed
    else:  # Stray colons and an empty digest: text, so not None, but naming nothing.
        assert re.fullmatch(":*@?", reference)


_unsafe = st.one_of(
    st.sampled_from(
        " \t\n\r\x0b\x0c\x00\x1b\x7f\x85\x9b\xa0\u2028\u2029\u202e\u2066\u200b\ufeff\ud800"
    ),
    st.characters(categories=("Cc", "Zs", "Zl", "Zp")),
)


@given(_name, _tags, _digests, _unsafe, st.integers(min_value=0))
def test_whitespace_and_controls_give_none(
    name: str, tag: str | None, digest: str | None, char: str, where: int
) -> None:
    """One whitespace or control character anywhere in a valid reference makes it None."""
    reference = _joined(name, tag, digest)
    at = where % (len(reference) + 1)
    assert parse_image(reference[:at] + char + reference[at:]) is None
