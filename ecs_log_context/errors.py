"""Exceptions: what the client raises, and what bad configuration raises."""

from __future__ import annotations

# Text from outside in a message (an agent's error body, a redirect target) goes through it.
# The "as" marks the re-export for mypy's strict mode, where client and context import it.
from ._text import printable as printable  # noqa: PLC0414

__all__ = [
    "ConfigurationError",
    "InvalidMetadataError",
    "MetadataError",
    "MetadataHTTPError",
    "MetadataThrottledError",
    "MetadataUnavailableError",
    "NoMetadataSourceError",
]


class ConfigurationError(ValueError):
    """A setting (keyword argument or environment variable) has a value that cannot be used.

    The message names the setting, the value and what is accepted.
    """

    def __init__(self, name: str, value: object, accepted: str) -> None:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        super().__init__(f"{name}={shown} cannot be used: expected {accepted}")
        self.name = name
        self.value = value
        self.accepted = accepted


class MetadataError(Exception):
    """Base class of everything the metadata client raises.

    Args:
        what: what was asked, e.g. ``"task metadata"``.
        url: the URL (or file path) that was asked.
        detail: what came back, or what went wrong.
    """

    def __init__(self, what: str, url: str, detail: str) -> None:
        super().__init__(f"{what} from {url}: {detail}")
        self.what = what
        self.url = url
        self.detail = detail


class NoMetadataSourceError(MetadataError):
    """No metadata source is configured: this process does not run on Amazon ECS."""

    def __init__(self, detail: str) -> None:
        Exception.__init__(self, detail)
        self.what = "metadata source"
        self.url = ""
        self.detail = detail


class MetadataUnavailableError(MetadataError):
    """The endpoint could not be reached, did not answer in time, or is not ready yet."""


class MetadataThrottledError(MetadataUnavailableError):
    """The endpoint answered 429: the agent's rate limit. Retry later, with backoff."""


class MetadataHTTPError(MetadataError):
    """The endpoint answered with an HTTP error status.

    Attributes:
        status: the HTTP status code.
        message: the agent's message (its error bodies are JSON-encoded strings).
    """

    def __init__(self, what: str, url: str, status: int, message: str) -> None:
        super().__init__(what, url, f"HTTP {status}: {message}" if message else f"HTTP {status}")
        self.status = status
        self.message = message


class InvalidMetadataError(MetadataError):
    """The endpoint answered, but not with metadata this library can read."""
