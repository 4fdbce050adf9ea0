"""Which tests run against the mutants of which module, and how modules group in the report.

The mapping is static and hand-kept: each module gets the test files that exercise it directly,
its own first (``pytest -x`` stops at the first failure, so the test most likely to kill runs
first), and none of the slow files that start servers or many processes (``test_servers``,
``test_processes``, the recipes, the CLI), so that a surviving mutant costs seconds to a minute.
A survivor here may still be killed by a test outside the map: before counting it as a gap,
run it against the file that should have caught it (``--json`` gives its id and edit).

When a test file is renamed or a module is split, update this file: a module whose mapped
tests do not import it fails the runner's canary check, and a mapped file that no longer
exists fails the baseline run, so neither goes unnoticed.
"""

from __future__ import annotations

__all__ = ["GROUPS", "PACKAGE", "TESTS", "WIDER", "group_of", "module_path"]

PACKAGE = "ecs_log_context"

_CONTEXT = ("tests/test_context_rules.py", "tests/test_context.py")
_INTEGRATIONS = ("tests/test_integration_rules.py", "tests/test_integrations.py")
_MODELS = ("tests/test_model_rules.py", "tests/test_models.py", "tests/test_usage.py")

# module (inside the package) -> the test files run against its mutants, in this order
TESTS: dict[str, tuple[str, ...]] = {
    # context and the refresher
    "context": (*_CONTEXT, "tests/test_faults.py"),
    "_refresher": ("tests/test_refresher.py", *_CONTEXT),
    "_publisher": (*_CONTEXT, "tests/test_round_trip.py"),
    "_fetch": (*_CONTEXT, "tests/test_faults.py", "tests/test_round_trip.py"),
    "_forks": (*_CONTEXT, "tests/test_startup_forks.py"),
    # the client
    "client": (
        "tests/test_client_rules.py",
        "tests/test_client.py",
        "tests/test_client_cache.py",
        "tests/test_hostile_input.py",
    ),
    "_http": (
        "tests/test_client_rules.py",
        "tests/test_client.py",
        "tests/test_hostile_input.py",
        "tests/test_client_cache.py",
    ),
    "_cache": ("tests/test_client_cache.py", "tests/test_client_rules.py"),
    # the models
    "models.__init__": _MODELS,
    "models._reader": _MODELS,
    "models._schema": _MODELS,
    "models._values": _MODELS,
    "models.container": _MODELS,
    "models.stats": _MODELS,
    "models.task": _MODELS,
    # the rest of the core
    "_own_container": ("tests/test_identity.py", "tests/test_client.py"),
    "_settings": (
        "tests/test_settings.py",
        "tests/test_setting_messages.py",
        "tests/test_source.py",
        "tests/test_source_rules.py",
    ),
    "_source": (
        "tests/test_source_rules.py",
        "tests/test_source.py",
        "tests/test_hostile_input.py",
    ),
    "_fields": (
        "tests/test_fields.py",
        "tests/test_terminal_safety.py",
        "tests/test_readme.py",
    ),
    # test_hostile_input: a FIFO as the file (O_NONBLOCK), through a whole context
    "_metadata_file": (
        "tests/test_metadata_file.py",
        "tests/test_fields.py",
        "tests/test_hostile_input.py",
    ),
    "_arn": ("tests/test_arn.py", "tests/test_model_rules.py", "tests/test_fields.py"),
    "_usage": ("tests/test_usage.py",),
    # the integrations
    "_enricher": ("tests/test_formatters.py", "tests/test_install.py", *_INTEGRATIONS),
    "processor": (*_INTEGRATIONS, "tests/test_install.py"),
    "logging_filter": (*_INTEGRATIONS, *_CONTEXT),
    "json_formatter": ("tests/test_formatters.py", *_INTEGRATIONS),
    "_formatter": ("tests/test_formatters.py", *_INTEGRATIONS),
}

# group -> the tests run second, against the mutants its modules' own tests let through: the
# files that reach its lines from further away (each slower than the mapped ones; none of them
# starts a server)
_FAR = ("tests/test_diagnostics.py", "tests/test_platforms.py")
WIDER: dict[str, tuple[str, ...]] = {
    "context": (
        *_FAR,
        "tests/test_reliability.py",
        "tests/test_startup_forks.py",
        "tests/test_round_trip.py",
        "tests/test_debug.py",
        "tests/test_integrations.py",
    ),
    "client": (*_FAR, "tests/test_reliability.py", "tests/test_mock_server.py"),
    "models": (*_FAR, "tests/test_fields.py", "tests/test_client.py"),
    "identity": (*_FAR, "tests/test_fields.py"),
    "settings": (*_FAR, "tests/test_debug.py", "tests/test_integrations.py"),
    "source": (*_FAR, "tests/test_client.py", "tests/test_context.py"),
    "fields": (*_FAR, "tests/test_integrations.py", "tests/test_formatters.py"),
    "metadata_file": (*_FAR, "tests/test_source.py", "tests/test_context.py"),
    "arn": (*_FAR, "tests/test_models.py", "tests/test_otel_detector.py"),
    "usage": (*_FAR, "tests/test_client.py"),
    "integrations": (
        *_FAR,
        "tests/test_install.py",
        "tests/test_reliability.py",
        "tests/test_startup_forks.py",
        "tests/test_loguru.py",
    ),
}

# the core modules -> the modules they are made of (the report's groups, and the unit
# that `--per-group` samples from)
GROUPS: dict[str, tuple[str, ...]] = {
    "context": ("context", "_refresher", "_publisher", "_fetch", "_forks"),
    "client": ("client", "_http", "_cache"),
    "models": tuple(name for name in TESTS if name.startswith("models.")),
    "identity": ("_own_container",),
    "settings": ("_settings",),
    "source": ("_source",),
    "fields": ("_fields",),
    "metadata_file": ("_metadata_file",),
    "arn": ("_arn",),
    "usage": ("_usage",),
    "integrations": ("_enricher", "processor", "logging_filter", "json_formatter", "_formatter"),
}


def module_path(module: str) -> str:
    """The module's file, relative to the repository's root (``models.__init__`` included)."""
    return "/".join((PACKAGE, *module.split("."))) + ".py"


def group_of(module: str) -> str:
    """The group a module is reported under (itself if it is in none)."""
    for group, modules in GROUPS.items():
        if module in modules:
            return group
    return module
