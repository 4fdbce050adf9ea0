"""Amazon ECS task metadata on every log record: structlog, logging and python-json-logger.

Importing the package is light: httpx is imported by the first fetch, python-json-logger by
the first use of `EcsJsonFormatter`, and structlog never.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from .context import EcsContext
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
from .processor import EcsContextProcessor

if TYPE_CHECKING:
    from .client import MetadataClient
    from .json_formatter import EcsJsonFormatter
    from .models import ContainerMetadata, ContainerStats, TaskMetadata
    from .snapshot import Snapshot, Status

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


# Loaded on first use: the models alone take ~20 ms to import, the formatter needs
# python-json-logger, and a log call needs neither.
_LAZY = {
    "ContainerMetadata": "models",
    "ContainerStats": "models",
    "EcsJsonFormatter": "json_formatter",
    "MetadataClient": "client",
    "Snapshot": "snapshot",
    "Status": "snapshot",
    "TaskMetadata": "models",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name == "__version__":
        from ._version import version

        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
