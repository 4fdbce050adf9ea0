"""What every subcommand shares: the program's name, the failure it reports, common options,
and the settings and client that ``show`` and ``stats`` resolve as the library does."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, TypeAlias

from ..errors import ConfigurationError, NoMetadataSourceError

if TYPE_CHECKING:
    from .._settings import ContextSettings, FieldSettings
    from .._source import Source
    from ..client import MetadataClient

__all__ = [
    "LAUNCH_TYPES",
    "PROG",
    "Failure",
    "Subcommands",
    "launch_type",
    "metadata_client",
    "resolve_settings",
]

PROG = "ecs-log-context"
LAUNCH_TYPES = ("EC2", "FARGATE")

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What a subcommand module's ``register(commands)`` adds its parser to."""


class Failure(Exception):
    """A subcommand cannot do its work: one sentence for stderr, and the exit status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def launch_type(text: str) -> str:
    """``--launch-type``: EC2 or FARGATE, in any case."""
    value = text.strip().upper()
    if value not in LAUNCH_TYPES:
        raise argparse.ArgumentTypeError(f"{text!r} cannot be used: expected EC2 or FARGATE")
    return value


def resolve_settings() -> tuple[ContextSettings, FieldSettings]:
    """The settings from the environment, as the library reads them.

    Raises:
        Failure: a variable cannot be used (2).
    """
    from .._settings import ContextSettings, FieldSettings

    try:
        return ContextSettings.resolve(), FieldSettings.resolve()
    except ConfigurationError as exc:
        raise Failure(2, str(exc)) from None


def metadata_client(settings: ContextSettings) -> tuple[Source, MetadataClient]:
    """The source the library would read, and a client for it.

    Raises:
        Failure: disabled or off ECS (1), or a setting of the source cannot be used (2).
    """
    from .._source import find_source
    from ..client import MetadataClient

    if not settings.enabled:
        raise Failure(
            1,
            "ECS_LOG_CONTEXT_ENABLED is false: the library adds nothing and reads no metadata "
            "(unset it to see what it would add)",
        )
    try:
        source = find_source(settings)
        return source, MetadataClient.from_source(source, settings)
    except NoMetadataSourceError as exc:
        serve = (
            f"{PROG} serve --metadata-file ./metadata.json"
            if settings.source == "file"
            else f"{PROG} serve"
        )
        hint = f"; to try it locally, run '{serve}' and export the lines it prints"
        raise Failure(1, str(exc) + hint) from None
    except ConfigurationError as exc:
        raise Failure(2, str(exc)) from None
