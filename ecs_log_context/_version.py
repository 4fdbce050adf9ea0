"""The installed version, read once from the distribution's metadata."""

from __future__ import annotations

from functools import cache


@cache
def version() -> str:
    """The version of the installed ``ecs-log-context`` distribution."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as distribution_version

    try:
        return distribution_version("ecs-log-context")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


def user_agent() -> str:
    """The User-Agent header of the client's requests."""
    return f"ecs-log-context/{version()}"
