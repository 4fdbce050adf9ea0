"""Which metadata source this process has: v4, v3, v2, the metadata file, or none.

Without ``from __future__ import annotations``, as `_settings`: a `typing.NamedTuple` of
string annotations compiles each of them at import.
"""

import os
from collections.abc import Mapping
from typing import NamedTuple

from ._settings import DEFAULT_V2_ENDPOINT, ContextSettings
from ._urls import check_url as _check_url
from .errors import ConfigurationError, NoMetadataSourceError

__all__ = ["Source", "find_source"]

V4_VARIABLE = "ECS_CONTAINER_METADATA_URI_V4"
V3_VARIABLE = "ECS_CONTAINER_METADATA_URI"
FILE_VARIABLE = "ECS_CONTAINER_METADATA_FILE"
EXECUTION_ENV_VARIABLE = "AWS_EXECUTION_ENV"

_NOTHING = (
    f"no Amazon ECS metadata source: none of {V4_VARIABLE}, {V3_VARIABLE} or {FILE_VARIABLE} "
    f"is set, and {EXECUTION_ENV_VARIABLE} does not start with AWS_ECS (is this running on ECS?)"
)


class Source(NamedTuple):
    """A metadata source.

    Attributes:
        kind: ``v4``, ``v3``, ``v2`` or ``file``.
        location: the base URL (v3/v4: the container's endpoint URI; v2: the endpoint's base
            URL) or the metadata file's path.
        origin: what chose it, e.g. ``"ECS_CONTAINER_METADATA_URI_V4"``.
    """

    kind: str
    location: str
    origin: str


_NOT_A_CONTAINER = ("", "v3", "v4", "task", "taskWithTags", "stats")


def _container_uri(variable: str, value: str) -> str:
    """A v3/v4 URI as ECS sets it: the routes are asked below it, so it must end in an ID."""
    url = _check_url(variable, value)
    last = url.rsplit("/", 1)[-1] if url.count("/") > 2 else ""
    if last in _NOT_A_CONTAINER:
        version = "v4" if variable == V4_VARIABLE else "v3"
        raise ConfigurationError(
            variable,
            value,
            f"the container's endpoint URI as ECS sets it, http://169.254.170.2/{version}/<id>,"
            f" ending in the ID, not in {last + '/' if last else '/'!r}: the routes are asked"
            f" below it ({url}/task)",
        )
    return url


def _value(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def find_source(
    settings: ContextSettings | None = None, environ: Mapping[str, str] | None = None
) -> Source:
    """Pick the source as the settings and the environment say.

    Args:
        settings: the context settings (their ``source`` and ``v2_endpoint``); from the
            environment when None.
        environ: the environment; ``os.environ`` when None.

    Raises:
        NoMetadataSourceError: nothing is configured (off ECS), or the forced source's
            variable is not set.
        ConfigurationError: a variable set by ECS holds something that is not a usable URL.
    """
    env = os.environ if environ is None else environ
    if settings is None:
        settings = ContextSettings.resolve(environ=env)
    wanted = settings.source
    v4 = _value(env, V4_VARIABLE)
    v3 = _value(env, V3_VARIABLE)
    path = _value(env, FILE_VARIABLE)
    if wanted in ("auto", "v4") and v4:
        return Source("v4", _container_uri(V4_VARIABLE, v4), V4_VARIABLE)
    if wanted in ("auto", "v3") and v3:
        return Source("v3", _container_uri(V3_VARIABLE, v3), V3_VARIABLE)
    v2_gate = (_value(env, EXECUTION_ENV_VARIABLE) or "").startswith("AWS_ECS")
    if wanted == "v2" or (wanted == "auto" and (v2_gate or settings.v2_endpoint)):
        if settings.v2_endpoint:
            return Source("v2", settings.v2_endpoint, "ECS_LOG_CONTEXT_V2_ENDPOINT")
        origin = EXECUTION_ENV_VARIABLE if v2_gate else "ECS_LOG_CONTEXT_SOURCE"
        return Source("v2", DEFAULT_V2_ENDPOINT, origin)
    if wanted in ("auto", "file") and path:
        if "\x00" in path or len(path) > 4096:
            raise ConfigurationError(FILE_VARIABLE, path, "a file path")
        return Source("file", path, FILE_VARIABLE)
    if wanted == "auto":
        raise NoMetadataSourceError(_NOTHING)
    variable = {"v4": V4_VARIABLE, "v3": V3_VARIABLE, "file": FILE_VARIABLE}[wanted]
    raise NoMetadataSourceError(
        f"ECS_LOG_CONTEXT_SOURCE={wanted} asks for the {wanted} source, but {variable} is not set"
    )
