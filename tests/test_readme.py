"""The README says what the code does: its field table is the library's own."""

from __future__ import annotations

from ecs_log_context._settings import ALL_FIELDS

from . import field_table


def test_the_readme_field_table_is_the_code_s() -> None:
    """README.md holds the table `python -m tests.field_table` generates from the code."""
    text = field_table.README.read_text(encoding="utf-8")
    block = field_table.current(text)
    assert block is not None, "the field table's markers are missing from README.md"
    assert block == field_table.render(), "README.md is stale: run python -m tests.field_table"


def test_the_table_has_a_row_per_field_and_a_column_per_style() -> None:
    """Every field and every style appear, so that a new one cannot be left out."""
    rendered = field_table.render()
    rows = [line for line in rendered.splitlines() if line.startswith("| `")]
    assert len(rows) == len(ALL_FIELDS)
    header = rendered.splitlines()[1]
    for style in ("flat", "nested", "otel", "elastic", "datadog"):
        assert f"`{style}`" in header
