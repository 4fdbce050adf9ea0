"""Amazon ECS task metadata on every log record: structlog, logging and python-json-logger.

Importing the package is light: httpx is imported by the first fetch, python-json-logger by
the first use of `EcsJsonFormatter`, and structlog never.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from . import _debug
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
    from ._snapshot import Snapshot, Status
    from .client import MetadataClient
    from .installation import install, uninstall
    from .json_formatter import EcsJsonFormatter
    from .loguru_patcher import EcsContextPatcher
    from .models import ContainerMetadata, ContainerStats, TaskMetadata
    from .msgspec_formatter import EcsMsgspecFormatter
    from .orjson_formatter import EcsOrjsonFormatter
    from .otel_detector import EcsResourceDetector

__all__ = [
    "ConfigurationError",
    "ContainerMetadata",
    "ContainerStats",
    "EcsContext",
    "EcsContextFilter",
    "EcsContextPatcher",
    "EcsContextProcessor",
    "EcsJsonFormatter",
    "EcsMsgspecFormatter",
    "EcsOrjsonFormatter",
    "EcsResourceDetector",
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
    "install",
    "uninstall",
]

# `from ecs_log_context import *` asks __getattr__ for __all__, which leaves out the names
# whose extra is not installed; looking that up costs ~5 ms, so it is done then only.
_PUBLIC = __all__
del __all__

# The library's own messages go to this logger, never to the root logger; to stderr as well
# with ECS_LOG_CONTEXT_DEBUG=true.
logging.getLogger(__name__).addHandler(logging.NullHandler())
_debug.setup(logging.getLogger(__name__))


# Loaded on first use: the models alone take ~20 ms to import, the formatter needs
# python-json-logger, and a log call needs neither.
_LAZY = {
    "ContainerMetadata": "models",
    "ContainerStats": "models",
    "EcsContextPatcher": "loguru_patcher",
    "EcsJsonFormatter": "json_formatter",
    "EcsMsgspecFormatter": "msgspec_formatter",
    "EcsOrjsonFormatter": "orjson_formatter",
    "EcsResourceDetector": "otel_detector",
    "MetadataClient": "client",
    "Snapshot": "_snapshot",
    "Status": "_snapshot",
    "TaskMetadata": "models",
    "install": "installation",
    "uninstall": "installation",
}


def __getattr__(name: str) -> Any:
    if name == "__all__":
        # `from ecs_log_context import *` asks for it: without an extra, its names are left
        # out (asking for one by name says which extra it needs).
        public = [n for n in _PUBLIC if n not in _EXTRAS or all(map(_installed, _EXTRAS[n][0]))]
        globals()["__all__"] = public
        return public
    if name in _LAZY:
        try:
            module = importlib.import_module(f".{_LAZY[name]}", __name__)
        except ModuleNotFoundError as exc:
            if name not in _EXTRAS or exc.name not in _EXTRAS[name][0]:
                raise
            extra = _EXTRAS[name][1]
            raise ModuleNotFoundError(
                f"{name} needs {exc.name}: pip install 'ecs-log-context[{extra}]'", name=exc.name
            ) from None
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name == "__version__":
        from ._version import version

        return version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


# A name whose extra is not installed stays importable by name (with an ImportError that
# says which extra), but out of `from ecs_log_context import *`, which must not fail.
_EXTRAS: dict[str, tuple[tuple[str, ...], str]] = {
    # Every module the name needs: orjson is often installed without python-json-logger.
    "EcsJsonFormatter": (("pythonjsonlogger",), "json"),
    "EcsMsgspecFormatter": (("pythonjsonlogger", "msgspec"), "msgspec"),
    "EcsOrjsonFormatter": (("pythonjsonlogger", "orjson"), "orjson"),
    # opentelemetry.sdk, not opentelemetry: with the API alone installed, the detector cannot load.
    "EcsResourceDetector": (("opentelemetry.sdk",), "otel"),
}


def _installed(module: str) -> bool:
    import importlib.util  # here: it costs ~5 ms, and only `import *` needs it

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
