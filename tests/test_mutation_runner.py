"""The mutation runner of tests/mutation: its operators on a small source, and its verdicts on a
throwaway package whose tests kill one mutant, time out on another and miss an equivalent one.
"""

from __future__ import annotations

import ast
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from tests.mutation import _map
from tests.mutation.__main__ import sample, sample_groups, select
from tests.mutation._operators import Mutant, mutants_of, regex_variants
from tests.mutation._runner import KILLED, SURVIVED, TIMEOUT, Pool, Target
from tests.mutation.equivalent import EQUIVALENT

SOURCE = '''\
"""Docstring: never mutated."""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

if TYPE_CHECKING:
    HIDDEN = 1

__all__ = ["f"]
PATTERN = re.compile(r"^a{1,3}$")
ENABLED = False


@dataclass(frozen=True, kw_only=True, slots=True)
class Point:
    """Docstring."""

    x: Annotated[int, "X"] = -1


def f(a: int, b: str = "b") -> int | None:
    """Docstring."""
    if a < 2 and not b:
        raise ValueError(f"bad {a}")
    flag = a is None  # pragma: no mutate
    g = lambda: a  # noqa: E731
    return g() or flag
'''

# Every mutant of SOURCE: (operator, line, description). Absent: the docstrings, the body of
# `if TYPE_CHECKING:`, `__all__`, the annotations (but the metadata of Annotated), line 26.
EXPECTED = [
    ("string", 11, "'^a{1,3}$' -> ''"),
    ("string", 11, "'^a{1,3}$' -> wrapped in XX"),
    ("regex", 11, "regex anchor removed: <<^ => >>a{1,3}$"),
    ("regex", 11, "regex bound changed: ^a<<{1,3} => {2,3}>>$"),
    ("regex", 11, "regex bound changed: ^a<<{1,3} => {0,3}>>$"),
    ("regex", 11, "regex bound changed: ^a<<{1,3} => {1,4}>>$"),
    ("regex", 11, "regex bound changed: ^a<<{1,3} => {1,2}>>$"),
    ("regex", 11, "regex anchor removed: ^a{1,3}<<$ => >>"),
    ("constant", 12, "False -> True"),
    ("dataclass", 15, "@dataclass(frozen=True) -> frozen=False"),
    ("dataclass", 15, "@dataclass(kw_only=True) -> kw_only=False"),
    ("dataclass", 15, "@dataclass(slots=True) -> slots=False"),
    ("string", 19, "'X' -> ''"),
    ("string", 19, "'X' -> wrapped in XX"),
    ("number", 19, "-1 -> 0"),
    ("number", 19, "-1 -> -2"),
    ("string", 22, "'b' -> ''"),
    ("string", 22, "'b' -> wrapped in XX"),
    ("statement", 24, "delete `if a < 2 and not b:`"),
    ("boolean", 24, "`a < 2 and (not b)` -> `a < 2 or not b`"),
    ("compare", 24, "`a < 2` -> `a <= 2`"),
    ("compare", 24, "`a < 2` -> `a >= 2`"),
    ("number", 24, "2 -> 3"),
    ("number", 24, "2 -> 1"),
    ("number", 24, "2 -> 0"),
    ("not", 24, "`not b` -> `b`"),
    ("statement", 25, 'delete `raise ValueError(f"bad {a}")`'),
    ("string", 25, "'bad ' -> ''"),
    ("string", 25, "'bad ' -> wrapped in XX"),
    ("statement", 27, "delete `g = lambda: a`"),
    ("return", 27, "lambda `a` -> `None`"),
    ("return", 28, "`return g() or flag` -> `return None`"),
    ("boolean", 28, "`g() or flag` -> `g() and flag`"),
]


def _mutants(source: str = SOURCE) -> list[Mutant]:
    return mutants_of(source, module="sample", path="sample.py")


def _changed_line(mutant: Mutant) -> str:
    """The mutated text of the mutant's first line."""
    return mutant.apply(SOURCE).splitlines()[mutant.line - 1].strip()


def test_each_operator_yields_its_mutants_and_nothing_else() -> None:
    assert EXPECTED == [(m.operator, m.line, m.description) for m in _mutants()]


def test_a_mutant_changes_only_its_span_and_keeps_the_line_numbers() -> None:
    for mutant in _mutants():
        mutated = mutant.apply(SOURCE)
        ast.parse(mutated)
        assert SOURCE.count("\n") == mutated.count("\n"), mutant
        before, after = SOURCE.splitlines(), mutated.splitlines()
        changed = [
            n for n, (old, new) in enumerate(zip(before, after, strict=True), 1) if old != new
        ]
        last = mutant.line + SOURCE[mutant.start : mutant.end].count("\n")
        assert changed, mutant
        assert [mutant.line, last] == [changed[0], changed[-1]], mutant
    by_description = {m.description: m for m in _mutants()}
    assert "if (a <= 2) and not b:" == _changed_line(by_description["`a < 2` -> `a <= 2`"])
    assert "return None" == _changed_line(by_description["`return g() or flag` -> `return None`"])
    assert "pass  # noqa: E731" == _changed_line(by_description["delete `g = lambda: a`"])
    assert "@dataclass(frozen=(False), kw_only=True, slots=True)" == _changed_line(
        by_description["@dataclass(frozen=True) -> frozen=False"]
    )
    assert "raise ValueError((f'XXbad XX{a}'))" == _changed_line(
        by_description["'bad ' -> wrapped in XX"]
    )


def test_ids_are_stable_when_other_lines_move() -> None:
    ids = [mutant.id for mutant in _mutants()]
    assert len(set(ids)) == len(ids)
    shifted = _mutants(SOURCE.replace("ENABLED = False\n", "ENABLED = False\nOTHER = None\n\n"))
    assert ids == [mutant.id for mutant in shifted]
    assert [m.line + 2 if m.line > 12 else m.line for m in _mutants()] == [m.line for m in shifted]


def test_regex_variants_each_compile_and_name_the_change() -> None:
    variants = dict(regex_variants(r"[^b]+\d?x*"))
    assert {
        r"[b]+\d?x*",
        r"[^b]*\d?x*",
        r"[^b]+\D?x*",
        r"[^b]+\dx*",
        r"[^b]+\d?x+",
    } == set(variants)
    assert "regex quantifier changed: [^b]+\\d?x<<* => +>>" == variants[r"[^b]+\d?x+"]
    assert [] == regex_variants(r"(?P<name>ab)")  # nothing to change: no quantifier, class, anchor


def test_the_map_names_existing_modules_and_tests() -> None:
    root = Path(__file__).resolve().parents[1]
    for module, tests in _map.TESTS.items():
        assert (root / _map.module_path(module)).is_file(), module
        assert tests, module
        for test in tests:
            assert (root / test).is_file(), (module, test)
    for group, modules in _map.GROUPS.items():
        assert set(modules) <= set(_map.TESTS), group
    assert set(_map.WIDER) == set(_map.GROUPS)
    for group, tests in _map.WIDER.items():
        for test in tests:
            assert (root / test).is_file(), (group, test)
    assert ["_arn"] == select("_arn")
    assert list(_map.GROUPS["context"]) == select("group:context")
    assert "models.__init__" in select("models")
    with pytest.raises(SystemExit):
        select("no_such_module")


def test_a_sample_is_the_same_for_the_same_seed() -> None:
    mutants = _mutants()
    first = sample(mutants, 5, "1", "sample")
    assert 5 == len(first)
    assert first == sample(mutants, 5, "1", "sample")
    assert first != sample(mutants, 5, "2", "sample")
    assert mutants == sample(mutants, None, "1", "sample")


def test_a_group_sample_draws_from_the_pool_of_its_modules() -> None:
    mutants = _mutants()  # 33 of them, spread over two modules of one group and one of another
    by_module = {
        "_fetch": [replace(m, module="_fetch") for m in mutants[:20]],
        "context": [replace(m, module="context") for m in mutants[20:]],
        "_arn": [replace(m, module="_arn") for m in mutants[:4]],
    }
    drawn = sample_groups(by_module, 10, "1")
    assert 10 == len(drawn["_fetch"]) + len(drawn["context"])
    assert drawn["_fetch"]  # 10 of 33 in one pool: from both modules (for this seed)
    assert drawn["context"]
    assert by_module["_arn"] == drawn["_arn"]  # a group smaller than the sample: all of it
    assert drawn == sample_groups(by_module, 10, "1")
    assert drawn != sample_groups(by_module, 10, "2")
    assert all(m.module == module for module, ms in drawn.items() for m in ms)


def test_every_equivalent_mutant_exists_and_says_why() -> None:
    root = Path(__file__).resolve().parents[1]
    known = {
        mutant.id
        for module in _map.TESTS
        for mutant in mutants_of(
            (root / _map.module_path(module)).read_text(encoding="utf-8"),
            module=module,
            path=_map.module_path(module),
        )
    }
    for mutant_id, reason in EQUIVALENT.items():
        assert mutant_id in known or sys.version_info[:2] != (3, 11), mutant_id
        assert len(reason.split()) >= 8, mutant_id


PACKAGE = {
    "pytest.ini": "[pytest]\n",
    "pkg/__init__.py": "",
    "pkg/mod.py": """\
        def double(x):
            return 2 * x


        def clamp(x):
            return x if x >= 0 else 0


        def countdown(n):
            while n > 0:
                n -= 1
            return n


        def negative(x):
            return x < 0
    """,
    "pkg/unused.py": "VALUE = 1\n",
    "tests/test_mod.py": """\
        from pkg.mod import clamp, countdown, double


        def test_double():
            assert double(4) == 8


        def test_clamp():
            assert clamp(5) == 5
            assert clamp(-3) == 0
            assert clamp(0) == 0


        def test_countdown():
            assert countdown(3) == 0
    """,
    "tests/test_far.py": """\
        from pkg.mod import negative


        def test_zero_is_not_negative():
            assert negative(-1)
            assert not negative(0)
    """,
}


def test_the_runner_kills_a_broken_mutant_and_lets_an_equivalent_one_survive(
    tmp_path: Path,
) -> None:
    for name, text in PACKAGE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    original = (tmp_path / "pkg/mod.py").read_text()
    mutants = {m.description: m for m in mutants_of(original, module="mod", path="pkg/mod.py")}
    broken = mutants["`return 2 * x` -> `return None`"]
    equivalent = mutants["`x >= 0` -> `x > 0`"]  # clamp(0) is 0 either way
    endless = mutants["delete `n -= 1`"]
    far = mutants["`x < 0` -> `x <= 0`"]  # only the wider tests call negative()
    tests = ("tests/test_mod.py",)
    # Without the plugins of this environment: pytest starts in half the time.
    with Pool(tmp_path, package="pkg", env={"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}) as pool:
        copy = pool.workspaces[0].root
        assert tmp_path != copy
        mod, unused = pool.run(
            [
                Target(
                    "mod", "pkg/mod.py", tests, (broken, equivalent, far), ("tests/test_far.py",)
                ),
                Target("unused", "pkg/unused.py", tests, tuple(_mutants())),
            ]
        )
        # The bound is the mutants' only: the checks (done once, above) have none.
        (looping,) = pool.run([Target("mod", "pkg/mod.py", tests, (endless,))], timeout=1.0)
    assert not copy.exists()
    assert original == (tmp_path / "pkg/mod.py").read_text()
    assert mod.problem is None
    assert [KILLED, SURVIVED, KILLED] == [result.status for result in mod.results]
    assert "test_double" in mod.results[0].detail
    assert mod.results[2].detail.startswith("by the wider tests: FAILED tests/test_far.py")
    assert 200 / 3 == mod.score
    assert [TIMEOUT] == [result.status for result in looping.results]
    assert 100.0 == looping.score  # a timeout counts as killed
    # The canary: tests that never import the module could not kill any of its mutants.
    assert unused.problem is not None
    assert "do not import pkg/unused.py" in unused.problem
    assert [] == unused.results
