"""The package's layers: integrations -> context -> metadata, and nothing depends back up.

Every import in the package, ``TYPE_CHECKING`` ones included, is read from the source: a
module of a lower layer that imports one of a higher layer fails here, as does a module
that no layer names (a new module must say where it belongs).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ecs_log_context"

LAYERS: dict[str, int] = {
    # integrations: per record
    "processor": 3,
    "logging_filter": 3,
    "json_formatter": 3,
    "orjson_formatter": 3,
    "msgspec_formatter": 3,
    "_formatter": 3,
    "installation": 3,
    "loguru_patcher": 3,
    "otel_detector": 3,
    "_enricher": 3,
    # context: the shared snapshot, refreshed in the background
    "context": 2,
    "_publisher": 2,
    "_refresher": 2,
    "_forks": 2,
    "_fetch": 2,
    "_together": 2,
    "_messages": 2,
    "_held_records": 2,
    "_snapshot": 2,
    # metadata: sources, client, models, parsing, own-container resolution, ARNs
    "client": 1,
    "_http": 1,
    "_cache": 1,
    "models": 1,
    "_source": 1,
    "_settings": 1,
    "_fields": 1,
    "_reasons": 1,
    "_own_container": 1,
    "_arn": 1,
    "_image": 1,
    "_urls": 1,
    "_metadata_file": 1,
    "_usage": 1,
    "_suggest": 1,
    # beneath everything
    "errors": 0,
    "_text": 0,
    "_version": 0,
    "_debug": 0,
}
# Beside the layers, using the public names: the package's face, the command line, the mock,
# and the start-up hook of `ecs-log-context run`.
ABOVE = {"__init__", "__main__", "_bootstrap", "_cli", "mock"}


def top_module(path: Path) -> str:
    """The package's first-level module a file belongs to (``models/task.py`` -> models)."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported(path: Path) -> set[str]:
    """The package's first-level modules that `path` imports, however it imports them."""
    tree = ast.parse(path.read_text())
    depth = len(path.relative_to(PACKAGE).parts)  # 1 for a module, 2 inside a subpackage
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                parts = (node.module or "").split(".")
                if parts[0] == "ecs_log_context" and len(parts) > 1:
                    found.add(parts[1])
                continue
            if node.level > depth:
                continue
            base: list[str] = [] if node.level == depth else [top_module(path)]
            module = [*base, *(node.module.split(".") if node.module else [])]
            if module:
                found.add(module[0])
            else:  # from . import x
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "ecs_log_context" and len(parts) > 1:
                    found.add(parts[1])
    return found - {top_module(path)}


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path: Path) -> None:
    """A module imports modules of its own layer or lower ones, never higher."""
    module = top_module(path)
    if module in ABOVE:
        return
    assert module in LAYERS, f"{module} belongs to no layer: add it to LAYERS"
    higher = sorted(
        other for other in imported(path) if other in ABOVE or LAYERS.get(other, 0) > LAYERS[module]
    )
    assert [] == higher


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    """Small modules, one concern each."""
    assert len(path.read_text().splitlines()) <= 400


def test_the_layer_test_sees_imports() -> None:
    """The reader finds what a module really imports (else the test above proves nothing)."""
    assert {"_refresher", "_publisher", "_fields", "_messages", "_forks"} <= imported(
        PACKAGE / "context.py"
    )
    assert "context" in imported(PACKAGE / "_enricher.py")
    assert "context" in imported(PACKAGE / "_forks.py")  # a TYPE_CHECKING import
    assert "errors" in imported(PACKAGE / "models" / "_values.py") or "errors" in imported(
        PACKAGE / "models" / "_reader.py"
    )
