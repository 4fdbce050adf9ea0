"""`EcsJsonFormatter`: python-json-logger's `JsonFormatter`, adding the fields itself.

Once the metadata is known, the fields and the user's ``static_fields`` are one prebuilt dict
that each record gets with one ``dict.update`` (see `_formatter`): a record costs less than
with python-json-logger's own ``static_fields``, with no filter and no per-attribute walk.
"""

from __future__ import annotations

from pythonjsonlogger.json import JsonFormatter

from ._formatter import EcsFormatter

__all__ = ["EcsJsonFormatter"]


class EcsJsonFormatter(EcsFormatter, JsonFormatter):
    """A python-json-logger ``JsonFormatter`` that adds the task's identity to every object.

    Every positional and keyword argument of ``JsonFormatter`` is accepted as usual; the
    library's own options are keyword-only. Keys the record already has (``extra``,
    ``static_fields``) win, unless ``overwrite``.

    ``style`` is `logging.Formatter`'s (``%``, ``{``, ``$``): the field style
    (``ECS_LOG_CONTEXT_STYLE``) is ``ecs_style``.

    Args:
        args, kwargs: as ``pythonjsonlogger.json.JsonFormatter``.
        ecs_style: ``ECS_LOG_CONTEXT_STYLE``: flat, otel, nested, elastic or datadog.
        context, enabled, source, v2_endpoint, fields, keys, tags, container_name,
            timeout, ttl, overwrite, nested_key, environ: as `EcsContextProcessor`.

    Raises:
        ConfigurationError: an option or variable holds a value that cannot be used.
    """
