"""`install()` and `uninstall()`: every record that any logger makes, against the mock.

The behaviours every integration shares (styles, sources, renames, tags, start-up, overwrite)
run for ``install`` in test_integrations; these are the ones of its own: loggers with their
own handlers, a caller's ``extra``, other libraries' record factories and ``makeRecord``
wrappers, idempotence, and what ``uninstall()`` leaves behind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ecs_log_context import ConfigurationError, EcsContext, install, uninstall
from ecs_log_context.installation import installed
from ecs_log_context.mock.server import MockEndpoint

from .capture import RecordCapture
from .child_processes import DEFAULT_KEYS, enriched, run_in_fork
from .waiting import ecs_threads

STDLIB_MAKE_RECORD = logging.Logger.__dict__["makeRecord"]


@pytest.fixture(autouse=True)
def stdlib_make_record() -> Iterator[None]:
    """Every test starts and ends with the standard library's own ``makeRecord`` and factory."""
    factory = logging.getLogRecordFactory()
    assert logging.Logger.__dict__["makeRecord"] is STDLIB_MAKE_RECORD
    yield
    uninstall()
    logging.Logger.makeRecord = STDLIB_MAKE_RECORD  # type: ignore[method-assign]
    logging.setLogRecordFactory(factory)


def own_logger(name: str) -> tuple[logging.Logger, RecordCapture]:
    """A logger as gunicorn's and uvicorn's are: its own handler, no filter, not propagating."""
    logger = logging.getLogger(name)
    handler = RecordCapture()
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, handler


def attributes(record: logging.LogRecord) -> dict[str, Any]:
    return dict(record.__dict__)


def ready() -> EcsContext:
    enricher = installed()
    assert enricher is not None
    assert enricher.context.wait_ready(5.0), enricher.context.status()
    return enricher.context


def test_loggers_with_their_own_handlers_are_enriched(mock_on_v4: MockEndpoint) -> None:
    access, handler = own_logger("tests.install.access")
    access.info("before")
    install()
    ready()
    access.info("after")
    later, later_handler = own_logger("tests.install.made.later")  # made after install()
    later.warning("later")
    assert not enriched(attributes(handler.records[0]), mock_on_v4)
    assert enriched(attributes(handler.records[1]), mock_on_v4)
    assert enriched(attributes(later_handler.records[0]), mock_on_v4)


def test_format_string_reads_the_fields(mock_on_v4: MockEndpoint) -> None:
    logger, handler = own_logger("tests.install.format")
    handler.setFormatter(logging.Formatter("%(ecs_cluster)s %(ecs_task_family)s %(message)s"))
    install()
    ready()
    logger.info("hello")
    assert ["demo-cluster checkout-api hello"] == handler.lines


def test_default_keeps_format_strings_working_off_ecs() -> None:
    logger, handler = own_logger("tests.install.default")
    handler.setFormatter(logging.Formatter("[%(ecs_cluster)s] %(message)s"))
    before = ecs_threads()  # earlier tests' refreshers may still be ending
    install(default="-")
    logger.info("hello")
    assert ["[-] hello"] == handler.lines
    assert set() == ecs_threads() - before  # off ECS: nothing started


def test_callers_extra_wins_and_never_raises(mock_on_v4: MockEndpoint) -> None:
    logger, handler = own_logger("tests.install.extra")
    install()
    ready()
    logger.info("mine", extra={"ecs_cluster": "callers", "other": 1})
    record = handler.records[-1]
    assert "callers" == record.__dict__["ecs_cluster"]
    assert 1 == record.__dict__["other"]
    assert mock_on_v4.task["TaskARN"] == record.__dict__["ecs_task_arn"]
    with pytest.raises(KeyError, match="Attempt to overwrite 'message'"):
        logger.info("reserved", extra={"message": "x"})  # the standard library's own rule


def test_overwrite_lets_the_fields_win_over_extra(mock_on_v4: MockEndpoint) -> None:
    logger, handler = own_logger("tests.install.overwrite")
    install(overwrite=True)
    ready()
    logger.info("mine", extra={"ecs_cluster": "callers"})
    assert "demo-cluster" == handler.records[-1].__dict__["ecs_cluster"]


def test_same_options_again_does_nothing_other_options_replace(mock_on_v4: MockEndpoint) -> None:
    logger, handler = own_logger("tests.install.again")
    install(style="flat")
    first = logging.Logger.__dict__["makeRecord"]
    enricher = installed()
    install(style="flat")
    assert logging.Logger.__dict__["makeRecord"] is first
    assert installed() is enricher
    install(style="otel")
    ready()
    assert installed() is not enricher
    logger.info("otel")
    record = attributes(handler.records[-1])
    assert "aws.ecs.task.arn" in record
    assert not set(DEFAULT_KEYS) & set(record)  # the flat keys are gone with the first
    uninstall()
    assert logging.Logger.__dict__["makeRecord"] is STDLIB_MAKE_RECORD


def test_bad_option_keeps_the_installation_in_force(mock_on_v4: MockEndpoint) -> None:
    install()
    before = logging.Logger.__dict__["makeRecord"]
    with pytest.raises(ConfigurationError, match="style"):
        install(style="bogus")
    assert logging.Logger.__dict__["makeRecord"] is before
    logger, handler = own_logger("tests.install.bad")
    ready()
    logger.info("still")
    assert enriched(attributes(handler.records[-1]), mock_on_v4)


def test_uninstall_restores_makerecord_and_is_idempotent(mock_on_v4: MockEndpoint) -> None:
    uninstall()  # not installed: nothing to do
    install()
    ready()
    uninstall()
    uninstall()
    assert logging.Logger.__dict__["makeRecord"] is STDLIB_MAKE_RECORD
    logger, handler = own_logger("tests.install.undone")
    logger.info("plain")
    assert not set(DEFAULT_KEYS) & set(attributes(handler.records[-1]))


def tagging_factory(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.trace_id = "abc"
        return record

    return factory


@pytest.mark.parametrize("factory_first", [True, False], ids=["factory-first", "install-first"])
def test_another_librarys_record_factory(mock_on_v4: MockEndpoint, *, factory_first: bool) -> None:
    """A factory set before or after install() keeps working, with and without us."""
    logger, handler = own_logger("tests.install.factory")
    if factory_first:
        logging.setLogRecordFactory(tagging_factory(logging.getLogRecordFactory()))
    install()
    if not factory_first:
        logging.setLogRecordFactory(tagging_factory(logging.getLogRecordFactory()))
    theirs = logging.getLogRecordFactory()
    ready()
    logger.info("both")
    record = attributes(handler.records[-1])
    assert "abc" == record["trace_id"]
    assert enriched(record, mock_on_v4)
    uninstall()
    assert logging.getLogRecordFactory() is theirs
    logger.info("theirs only")
    record = attributes(handler.records[-1])
    assert "abc" == record["trace_id"]
    assert not set(DEFAULT_KEYS) & set(record)


def test_another_librarys_makerecord_wrapper_installed_after_ours(mock_on_v4: MockEndpoint) -> None:
    """uninstall() cannot take ours out from under theirs: ours stays and adds nothing."""
    logger, handler = own_logger("tests.install.wrapped")
    install()
    ours = logging.Logger.__dict__["makeRecord"]

    def theirs(self: logging.Logger, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = ours(self, *args, **kwargs)
        record.span_id = "s1"
        return record

    logging.Logger.makeRecord = theirs  # type: ignore[method-assign]
    ready()
    logger.info("both")
    assert enriched(attributes(handler.records[-1]), mock_on_v4)
    uninstall()
    assert logging.Logger.__dict__["makeRecord"] is theirs
    logger.info("theirs only")
    record = attributes(handler.records[-1])
    assert "s1" == record["span_id"]
    assert not set(DEFAULT_KEYS) & set(record)
    install()  # on top of theirs again
    ready()
    logger.info("again")
    record = attributes(handler.records[-1])
    assert enriched(record, mock_on_v4)
    assert "s1" == record["span_id"]


def test_logger_subclass_calling_super(mock_on_v4: MockEndpoint) -> None:
    class AppLogger(logging.Logger):
        def makeRecord(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
            record = super().makeRecord(*args, **kwargs)
            record.app = "yes"
            return record

    install()
    ready()
    logger = AppLogger("tests.install.subclass", logging.DEBUG)
    handler = RecordCapture()
    logger.addHandler(handler)
    logger.info("sub")
    record = attributes(handler.records[-1])
    assert "yes" == record["app"]
    assert enriched(record, mock_on_v4)


def test_nested_style_gives_every_record_its_own_dict(mock_on_v4: MockEndpoint) -> None:
    logger, handler = own_logger("tests.install.nested")
    install(style="nested")
    ready()
    logger.info("one")
    logger.info("two")
    first, second = (record.ecs for record in handler.records)  # type: ignore[attr-defined]
    assert first == second
    assert first is not second
    first["cluster"] = "edited"
    logger.info("three")
    assert "demo-cluster" == handler.records[-1].ecs["cluster"]  # type: ignore[attr-defined]


def test_threads_installing_and_logging_never_raise(mock_on_v4: MockEndpoint) -> None:
    logger, handler = own_logger("tests.install.threads")
    errors: list[BaseException] = []
    stop = threading.Event()

    def log() -> None:
        try:
            while not stop.is_set():
                logger.info("x", extra={"ecs_cluster": "callers"})
        except BaseException as exc:
            errors.append(exc)

    def flip() -> None:
        try:
            for number in range(200):
                install(style="otel" if number % 2 else "flat")
                if number % 3 == 0:
                    uninstall()
        except BaseException as exc:
            errors.append(exc)

    loggers = [threading.Thread(target=log) for _ in range(4)]
    flippers = [threading.Thread(target=flip) for _ in range(2)]
    for thread in loggers + flippers:
        thread.start()
    for thread in flippers:
        thread.join(60)
    stop.set()
    for thread in loggers:
        thread.join(60)
    assert [] == errors
    assert all(record.__dict__["ecs_cluster"] == "callers" for record in handler.records)
    assert len(handler.records) > 0


@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_forked_child_keeps_the_installation(mock_on_v4: MockEndpoint) -> None:
    """A child forked right after install(), before any record, is enriched."""
    install()

    def child() -> dict[str, Any]:
        logger, handler = own_logger("tests.install.child")
        logger.info("in the child")
        return {k: v for k, v in attributes(handler.records[-1]).items() if k in DEFAULT_KEYS}

    record = run_in_fork(child)
    assert enriched(record, mock_on_v4)


def test_one_fetch_for_install_structlog_and_loguru(mock_on_v4: MockEndpoint) -> None:
    from ecs_log_context import EcsContextPatcher, EcsContextProcessor

    install()
    processor = EcsContextProcessor()
    patcher = EcsContextPatcher()
    context = ready()
    assert processor.context is context
    assert patcher.context is context
    logger, handler = own_logger("tests.install.shared")
    logger.info("one")
    assert enriched(attributes(handler.records[-1]), mock_on_v4)
    task_requests = [r for r in mock_on_v4.requests if r.path.endswith("/task")]
    assert 1 == len(task_requests)


def test_httpx_records_of_the_first_fetch_are_enriched(mock_on_v4: MockEndpoint) -> None:
    """The fetch's own records are held until the answer is in; then they get the fields."""
    handler = RecordCapture()
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    install()
    logging.getLogger("tests.install.app").info("first")
    ready()
    fetches = [record for record in handler.records if record.name == "httpx"]
    assert fetches, [record.name for record in handler.records]
    assert all(enriched(attributes(record), mock_on_v4) for record in fetches)
    assert enriched(attributes(handler.records[-1]), mock_on_v4)


def test_the_inlined_makerecord_is_the_standard_librarys() -> None:
    """install() writes the standard library's makeRecord out rather than calling it: its
    source must still be what was copied (the same on 3.10 to 3.13); a new Python that
    changes it fails here, not in a user's log call."""
    import inspect
    import textwrap

    body = textwrap.dedent(inspect.getsource(STDLIB_MAKE_RECORD)).split('"""')[-1]
    expected = """
        rv = _logRecordFactory(name, level, fn, lno, msg, args, exc_info, func,
                             sinfo)
        if extra is not None:
            for key in extra:
                if (key in ["message", "asctime"]) or (key in rv.__dict__):
                    raise KeyError("Attempt to overwrite %r in LogRecord" % key)
                rv.__dict__[key] = extra[key]
        return rv
"""
    assert expected.split() == body.split()


@pytest.mark.parametrize("key", ["message", "asctime", "name", "levelno"])
def test_extra_naming_a_record_attribute_raises_as_without_install(
    mock_on_v4: MockEndpoint, key: str
) -> None:
    logger, _ = own_logger("tests.install.reserved")
    with pytest.raises(KeyError) as without:
        logger.info("x", extra={key: "v"})
    install()
    ready()
    with pytest.raises(KeyError) as with_install:
        logger.info("x", extra={key: "v"})
    assert str(without.value) == str(with_install.value)


def test_a_factorys_attribute_with_a_fields_key_is_kept(mock_on_v4: MockEndpoint) -> None:
    """A record with more than the stock attributes takes the checked path: its keys win."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.ecs_cluster = "from-factory"
        return record

    logging.setLogRecordFactory(factory)
    logger, handler = own_logger("tests.install.factory-key")
    install()
    ready()
    logger.info("x")
    record = attributes(handler.records[-1])
    assert "from-factory" == record["ecs_cluster"]
    assert mock_on_v4.task["TaskARN"] == record["ecs_task_arn"]


def test_switching_options_leaves_no_record_bare(mock_on_v4: MockEndpoint) -> None:
    """install() with other options takes the first one's place in one store: a thread
    making records meanwhile gets the old fields or the new, never none."""
    import sys

    logger = logging.Logger("tests.install.switch")
    install(style="flat")
    ready()
    stop = threading.Event()
    keys = ("ecs_task_arn", "aws.ecs.task.arn")
    made: list[int] = []
    bare: list[int] = []

    def make() -> None:
        count = missing = 0
        while not stop.is_set():
            record = logger.makeRecord("x", logging.INFO, "f", 1, "m", (), None)
            count += 1
            missing += not any(key in record.__dict__ for key in keys)
        made.append(count)
        bare.append(missing)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    threads = [threading.Thread(target=make) for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        for number in range(1000):
            install(style="otel" if number % 2 else "flat")
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        sys.setswitchinterval(interval)
    assert sum(made) > 0
    assert [0, 0, 0] == bare, f"{sum(bare)} of {sum(made)} records without fields"


def test_install_again_after_the_environment_changed(
    mock_on_v4: MockEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same keywords, another environment: the new settings take effect (under run, the
    start-up install() read the environment before the application changed it)."""
    logger, handler = own_logger("tests.install.environment")
    install()
    monkeypatch.setenv("ECS_LOG_CONTEXT_STYLE", "otel")
    install()
    ready()
    logger.info("otel now")
    record = attributes(handler.records[-1])
    assert "aws.ecs.task.arn" in record
    assert "ecs_task_arn" not in record


def test_httpx_records_get_the_fields_not_the_placeholders(mock_on_v4: MockEndpoint) -> None:
    """With default=, the fetch's own records are made with the placeholders; once the answer
    is in they get the fields, as every other record does."""
    handler = RecordCapture()
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    install(default="-")
    logging.getLogger("tests.install.app").info("first")
    ready()
    fetches = [attributes(r) for r in handler.records if r.name == "httpx"]
    assert fetches
    assert ["demo-cluster"] * len(fetches) == [r["ecs_cluster"] for r in fetches]


def test_the_mocks_own_debug_lines_do_not_hold_up_the_first_fetch(
    mock_on_v4: MockEndpoint,
) -> None:
    """The in-process mock logs each request at DEBUG from its own thread: under install()
    that record must not wait for the answer the same thread is serving."""
    handler = RecordCapture()
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    install(timeout=5)
    logger, app = own_logger("tests.install.debug")
    logger.info("first")
    assert enriched(attributes(app.records[-1]), mock_on_v4)
    served = [r for r in handler.records if r.getMessage().startswith("mock endpoint:")]
    assert served
