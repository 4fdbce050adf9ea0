"""The test matrix: `nox` runs the tests on Python 3.10 to 3.13, the linters and the gate."""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "tests", "bench"]
nox.options.reuse_existing_virtualenvs = True
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite, on every supported Python."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff and mypy --strict."""
    session.install("-e", ".[test]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """The benchmark gate in its short mode, with loose bars: fails on gross regressions."""
    session.install("-e", ".[all]", "cachetools")
    session.run("python", "-m", "benchmarks", "--quick", "--check", *session.posargs)
