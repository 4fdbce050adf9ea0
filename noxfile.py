"""The test matrix: `nox` runs the tests on Python 3.10 to 3.13, the linters and the gate.

nox looks for ``python3.10`` ... ``python3.13`` on PATH, where pyenv's shims answer only for the
versions it has selected: on a new machine with all four installed by pyenv, it would find one
and skip the others with a line easy to miss. So this file finds each installed interpreter
itself (pyenv's and uv's own directories, then PATH without the shims), puts it on PATH, and
says which are missing.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests", "bench"]
nox.options.reuse_existing_virtualenvs = True
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name))


def _find_interpreters() -> None:
    """Put every installed Python of `PYTHONS` on PATH; say on stderr which are not installed."""
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
    real = os.pathsep.join(entry for entry in path if "/shims" not in entry)
    roots = [
        Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions",
        Path(os.environ.get("UV_PYTHON_INSTALL_DIR", Path.home() / ".local/share/uv/python")),
    ]
    found: list[str] = []
    for version in PYTHONS:
        name = f"python{version}"
        candidates = [
            Path(candidate)
            for root in roots
            for pattern in (f"{version}.*/bin/{name}", f"cpython-{version}.*/bin/{name}")
            for candidate in glob.glob(str(root / pattern))
        ]
        if candidates:  # pyenv's or uv's builds first: the ones a developer installed for this
            found.append(str(max(candidates, key=_version_key).parent))
        elif not shutil.which(name, path=real):
            print(
                f"noxfile: Python {version} is not installed (not on PATH, nor in pyenv's or uv's"
                f" versions): its tests are skipped; `pyenv install {version}` adds it",
                file=sys.stderr,
            )
    if found:
        os.environ["PATH"] = os.pathsep.join([*found, *path])


_find_interpreters()


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite, on every supported Python."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff, mypy --strict, and twine check of the built distributions."""
    session.install("-e", ".[test]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy")
    # The package's long description, as PyPI will render it.
    session.install("build", "twine")
    with tempfile.TemporaryDirectory() as dist:
        session.run("python", "-m", "build", "--outdir", dist, silent=True)
        session.run("twine", "check", "--strict", *glob.glob(os.path.join(dist, "*")))


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """The benchmark gate in its short mode, with loose bars: fails on gross regressions."""
    session.install("-e", ".[all]", "cachetools", "orjson", "msgspec")
    session.run("python", "-m", "benchmarks", "--quick", "--check", *session.posargs)


# The measurement the changelog and the closing notes give: 50 mutants drawn from each group of
# modules with a fixed seed, two at a time (about 35 minutes on two cores). Every mutant of every
# module is `nox -s mutation -- --jobs 2` (hours).
MUTATION_RUN = ("--per-group", "50", "--seed", "17", "--jobs", "2", "--json", "mutation.json")


@nox.session(python="3.11")
def mutation(session: nox.Session) -> None:
    """Mutation testing of the core modules (not a default session: it takes a while).

    Without arguments it runs `MUTATION_RUN`; ``nox -s mutation -- --modules _arn,_source``
    takes the options of ``python -m tests.mutation --help`` instead.
    """
    session.install("-e", ".[test]")
    session.run("python", "-m", "tests.mutation", *(session.posargs or MUTATION_RUN))
