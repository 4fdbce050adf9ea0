"""`EcsOrjsonFormatter`: python-json-logger's `OrjsonFormatter`, adding the fields itself.

`EcsJsonFormatter` serialised by orjson (the ``[orjson]`` extra): the same options and the same
object, the fields merged by the same prebuilt dict (see `_formatter`).
"""

from __future__ import annotations

import sys

try:
    from pythonjsonlogger.orjson import OrjsonFormatter
except ImportError as exc:
    if isinstance(exc, ModuleNotFoundError) and (exc.name or "").startswith("pythonjsonlogger"):
        raise ModuleNotFoundError(
            f"EcsOrjsonFormatter needs python-json-logger>=3.1 ({exc.name} is missing):"
            " pip install 'ecs-log-context[orjson]'",
            name=exc.name,
        ) from None
    # From 3.2, python-json-logger looks for orjson itself and raises its MissingPackageError, an
    # ImportError naming no module; the package's lazy import names the extra to install only
    # from a ModuleNotFoundError naming the module, as a missing orjson gives before 3.2.
    _exceptions = sys.modules.get("pythonjsonlogger.exception")
    if (
        not isinstance(exc, getattr(_exceptions, "MissingPackageError", ()))
        and (exc.name or "").split(".")[0] != "orjson"
    ):
        raise
    raise ModuleNotFoundError(
        "EcsOrjsonFormatter needs orjson: pip install 'ecs-log-context[orjson]'", name="orjson"
    ) from None

from ._formatter import EcsFormatter

__all__ = ["EcsOrjsonFormatter"]


class EcsOrjsonFormatter(EcsFormatter, OrjsonFormatter):
    """A python-json-logger ``OrjsonFormatter`` that adds the task's identity to every object.

    What `EcsJsonFormatter` writes, serialised by orjson. Every positional and keyword argument
    of ``OrjsonFormatter`` is accepted as usual (``json_indent`` is orjson's, a bool); the
    library's own options are keyword-only. Keys the record already has (``extra``,
    ``static_fields``) win, unless ``overwrite``.

    ``style`` is `logging.Formatter`'s (``%``, ``{``, ``$``): the field style
    (``ECS_LOG_CONTEXT_STYLE``) is ``ecs_style``.

    Args:
        args, kwargs: as ``pythonjsonlogger.orjson.OrjsonFormatter``.
        ecs_style: ``ECS_LOG_CONTEXT_STYLE``: flat, otel, nested, elastic or datadog.
        context, enabled, source, v2_endpoint, fields, keys, tags, container_name,
            timeout, ttl, overwrite, nested_key, environ: as `EcsContextProcessor`.

    Raises:
        ConfigurationError: an option or variable holds a value that cannot be used.
    """
