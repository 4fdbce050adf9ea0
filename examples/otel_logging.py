"""OpenTelemetry's logging handler: the task's identity as attributes of every OTel log record.

OpenTelemetry's ``LoggingHandler`` turns each ``logging`` record into an OTel log record and
copies every attribute of the record that is not one of ``logging``'s own (``extra=``, and so
the fields that `install()` sets) into the log record's ``attributes``. So `install()` is all
it takes: ``ecs_cluster``, ``ecs_task_arn``, ... reach the exporter on every record
(``ECS_LOG_CONTEXT_STYLE=otel``: under the semantic conventions' names, ``aws.ecs.task.arn``,
``cloud.availability_zone``, ...). Keep to the ``flat`` or ``otel`` style: ``nested`` makes one
attribute a dict, which older SDKs reject with a warning that goes through this handler too,
on a record that carries the dict as well, until ``RecursionError`` (1.25, for one). Off ECS
nothing is added.

These are attributes of each log record. The task's identity as attributes of the *resource*
(the service, once for all its logs, traces and metrics) is the job of the resource detector
`EcsResourceDetector` (coming), which shares this process's one fetch.

The handler moved from opentelemetry-sdk (deprecated there since 1.40) to
opentelemetry-instrumentation-logging; either works. This script exports to the console, one
JSON object per line; a service would use ``BatchLogRecordProcessor`` with an OTLP exporter.

Run it against the mock endpoint: ``ecs-log-context serve`` in one terminal, its ``export``
lines in another, then ``python examples/otel_logging.py``. On ECS the agent sets the variables.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

from ecs_log_context import install

try:
    from opentelemetry.instrumentation.logging.handler import LoggingHandler
except ImportError:  # without opentelemetry-instrumentation-logging: the SDK's own
    from opentelemetry.sdk._logs import LoggingHandler

try:
    from opentelemetry.sdk._logs.export import ConsoleLogRecordExporter as ConsoleExporter
except ImportError:  # older opentelemetry-sdk
    from opentelemetry.sdk._logs.export import ConsoleLogExporter as ConsoleExporter


if TYPE_CHECKING:
    from opentelemetry.sdk._logs.export import LogRecordExporter


def otel_handler(exporter: LogRecordExporter) -> tuple[LoggerProvider, logging.Handler]:
    """A ``LoggerProvider`` exporting to `exporter`, and the ``logging`` handler feeding it."""
    provider = LoggerProvider()  # the resource: EcsResourceDetector's job
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    return provider, LoggingHandler(logger_provider=provider)


def main() -> None:
    install()  # options as keywords, or the ECS_LOG_CONTEXT_* variables

    exporter = ConsoleExporter(formatter=lambda record: record.to_json(indent=None) + os.linesep)
    provider, handler = otel_handler(exporter)
    set_logger_provider(provider)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # httpx logs every request at INFO, the library's fetch of the metadata among them.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    log = logging.getLogger("app")
    log.info("order placed", extra={"order_id": 1042})
    try:
        raise TimeoutError("database did not answer")
    except TimeoutError:
        logging.getLogger("app.db").exception("slow query")
    log.info("shutting down")
    # Taken out before the provider shuts down, and so gone at exit: on Python 3.12.0 to
    # 3.12.2 a LoggingHandler still alive then fails in its flush (opentelemetry-python#4752).
    root.removeHandler(handler)
    provider.shutdown()  # flushes the exporter


if __name__ == "__main__":
    main()
