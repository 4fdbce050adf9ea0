"""Amazon ECS task metadata on every log record: structlog, logging and python-json-logger.

Importing the package is light: httpx is imported by the first fetch, python-json-logger by
the first use of `EcsJsonFormatter`, and structlog never.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .client import MetadataClient
from .context import EcsContext, Snapshot, Status
from .errors import (
    ConfigurationError,
    InvalidMetadataError,
    MetadataError,
    MetadataHTTPError,
    MetadataThrottledError,
    MetadataUnavailableError,
    NoMetadataSourceError,
)
from .logging_filter import EcsContextFilter
from .models import ContainerMetadata, ContainerStats, TaskMetadata
from .processor import EcsContextProcessor

if TYPE_CHECKING:
    from .json_formatter import EcsJsonFormatter

__all__ = [
    "ConfigurationError",
    "ContainerMetadata",
    "ContainerStats",
    "EcsContext",
    "EcsContextFilter",
    "EcsContextProcessor",
    "EcsJsonFormatter",
    "InvalidMetadataError",
    "MetadataClient",
    "MetadataError",
    "MetadataHTTPError",
    "MetadataThrottledError",
    "MetadataUnavailableError",
    "NoMetadataSourceError",
    "Snapshot",
    "Status",
    "TaskMetadata",
    "__version__",
]

# The library's own messages go to this logger, never to the root logger.
logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name: str) -> Any:
    if name == "EcsJsonFormatter":
        from .json_formatter import EcsJsonFormatter

        return EcsJsonFormatter
    if name == "__version__":
        from ._version import version

        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
