"""Runs mutants: each in a copy of the repository, under a fresh ``pytest`` process.

The repository is copied once per job (without ``.git``, virtualenvs and caches) into a
temporary directory. A mutant is written over its module in that copy, the module's tests run
there with ``PYTHONPATH`` set to the copy (the editable install's finder comes after
``sys.path`` on ``sys.meta_path``, so the copy's package is the one imported, in the tests and
in the processes they start), and the original text is written back. The working tree is never
touched, and one copy serves one mutant at a time.

Before its mutants, each module's tests run twice in the copy: unmutated (the baseline: they
must pass, and their duration sets the default timeout), and with a canary, a module that
raises on import (they must fail: otherwise they do not import the copy's module, and no mutant
of it could ever be killed). A module failing either check is reported, and its mutants are not
run.

A mutant the module's tests let through runs again against its target's `wider` tests, if it
has any (their own unmutated run, once, sets their timeout): a mutant counts as killed when any
test that reaches its lines fails, as in the full suite, while most mutants cost only the fast
tests.

A mutant is killed when pytest fails (tests failed, or collection errors); it survives when
pytest passes; a run longer than the timeout is stopped (SIGINT to its process group, so that
fixtures tear down, then SIGKILL) and counted as killed, reported apart: an infinite loop is a
change the tests notice, but also a slow test that could hide a survivor.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ._operators import Mutant

__all__ = [
    "ERROR",
    "KILLED",
    "SURVIVED",
    "TIMEOUT",
    "ModuleResult",
    "Outcome",
    "Pool",
    "Result",
    "Target",
    "Workspace",
]

KILLED = "killed"
TIMEOUT = "timeout"
SURVIVED = "survived"
ERROR = "error"

IGNORED = (
    ".git",
    ".venv",
    ".nox",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
)
PYTEST_ARGS = ("-x", "-q", "-p", "no:cacheprovider", "-p", "no:randomly")
CANARY = '\nraise RuntimeError("mutation canary: the mapped tests must import this copy")\n'
STOP_GRACE = 10.0  # seconds between SIGINT and SIGKILL for a run past its timeout
UNBOUNDED = 3600.0  # the checks' timeout: the unmutated tests are not on trial


@dataclass(frozen=True)
class Outcome:
    """What one pytest run said: a status, its duration, and the line that tells why."""

    status: str
    seconds: float
    detail: str


@dataclass(frozen=True)
class Result:
    """One mutant's fate."""

    mutant: Mutant
    status: str
    seconds: float
    detail: str

    def as_dict(self) -> dict[str, object]:
        """For ``--json``."""
        mutant = self.mutant
        return {
            "id": mutant.id,
            "module": mutant.module,
            "path": mutant.path,
            "line": mutant.line,
            "col": mutant.col,
            "operator": mutant.operator,
            "description": mutant.description,
            "start": mutant.start,
            "end": mutant.end,
            "replacement": mutant.replacement,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Target:
    """A module to mutate: its file, the tests run against it, and the mutants to try.

    `wider` are the tests run second, against the mutants `tests` let through: the files that
    reach the module's lines from further away (the diagnostics, the forks, the integrations),
    too slow to run against every mutant.
    """

    module: str
    path: str
    tests: tuple[str, ...]
    mutants: tuple[Mutant, ...]
    wider: tuple[str, ...] = ()


@dataclass
class ModuleResult:
    """A module's run: its checks, then its mutants' results."""

    target: Target
    baseline: float | None = None
    timeout: float | None = None
    problem: str | None = None  # why its mutants were not run
    results: list[Result] = field(default_factory=list)

    def count(self, status: str) -> int:
        """How many of its mutants ended with `status`."""
        return sum(1 for result in self.results if result.status == status)

    @property
    def score(self) -> float | None:
        """Killed (timeouts included) out of the mutants that ran without error, in percent."""
        ran = len(self.results) - self.count(ERROR)
        if not ran:
            return None
        return 100.0 * (self.count(KILLED) + self.count(TIMEOUT)) / ran


def _last_words(output: str) -> str:
    """The line of pytest's output that says why it failed: its first FAILED/ERROR line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("FAILED ", "ERROR ")):
            return line[:300]
    return lines[-1][:300] if lines else ""


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT to the run's process group (pytest tears its fixtures down), then SIGKILL."""
    try:
        os.killpg(process.pid, signal.SIGINT)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(STOP_GRACE)
    with contextlib.suppress(ProcessLookupError):  # what is left of the group
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


class Workspace:
    """One copy of the repository, where mutants are written one at a time.

    Args:
        root: the repository (or another workspace's copy) to copy.
        package: the package's import name, for the import check.
        python: the interpreter that runs pytest.
        env: variables to set for pytest, over this process's environment.
    """

    def __init__(
        self,
        root: Path,
        *,
        package: str,
        python: str = sys.executable,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._tmp = tempfile.mkdtemp(prefix="mutation-")
        self.root = Path(self._tmp) / root.name
        try:
            shutil.copytree(root, self.root, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED))
        except BaseException:
            self.close()
            raise
        self.package = package
        self.python = python
        self._originals: dict[str, str] = {}
        self.process: subprocess.Popen[bytes] | None = None  # the run in progress
        env = {**os.environ, **(env or {})}
        env["PYTHONPATH"] = os.pathsep.join(
            part for part in (str(self.root), env.get("PYTHONPATH", "")) if part
        )
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # a stale .pyc would run the wrong mutant
        self.env = env

    def close(self) -> None:
        """Remove the copy."""
        shutil.rmtree(self._tmp, ignore_errors=True)

    def source(self, path: str) -> str:
        """The module's original text, as copied."""
        if path not in self._originals:
            self._originals[path] = (self.root / path).read_text(encoding="utf-8")
        return self._originals[path]

    def check_import(self) -> None:
        """Raise unless the package imported in the copy is the copy's own."""
        completed = subprocess.run(
            [self.python, "-c", f"import {self.package}; print({self.package}.__file__)"],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        found = completed.stdout.strip()
        if completed.returncode or not Path(found).resolve().is_relative_to(self.root.resolve()):
            raise RuntimeError(
                f"the copy at {self.root} imports {self.package} from {found or '?'}"
                f" ({completed.stderr.strip()[-300:]}), not from itself"
            )

    def _write(self, path: str, text: str) -> None:
        (self.root / path).write_text(text, encoding="utf-8")
        # A child started with a cleaned environment may have written bytecode after all.
        for cache in (self.root / self.package).rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)

    def run(self, tests: Sequence[str], timeout: float) -> Outcome:
        """Run `tests` (paths relative to the root) in the copy as it is now."""
        command = [self.python, "-m", "pytest", *PYTEST_ARGS, *tests]
        with tempfile.TemporaryFile() as log:  # not a pipe: an orphan could hold it open
            started = time.monotonic()
            self.process = process = subprocess.Popen(
                command,
                cwd=self.root,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                code = process.wait(timeout)
            except subprocess.TimeoutExpired:
                _stop(process)
                return Outcome(TIMEOUT, time.monotonic() - started, f"stopped after {timeout:g} s")
            finally:
                self.process = None
            seconds = time.monotonic() - started
            output = _read(log)
        if code == 0:
            return Outcome(SURVIVED, seconds, _last_words(output))
        # 1 tests failed, 2 collection errors, 3 internal error, 4 conftest.py failed to import
        # (the baseline passed with the same arguments: no usage error), <0 a signal (a crash)
        if code in (1, 2, 3, 4) or code < 0:
            return Outcome(KILLED, seconds, _last_words(output))
        return Outcome(ERROR, seconds, f"pytest exited {code}: {_last_words(output)}")

    def run_text(self, path: str, text: str, tests: Sequence[str], timeout: float) -> Outcome:
        """Run `tests` with `path` holding `text`, then put the original back."""
        original = self.source(path)
        self._write(path, text)
        try:
            return self.run(tests, timeout)
        finally:
            self._write(path, original)

    def run_mutant(self, mutant: Mutant, tests: Sequence[str], timeout: float) -> Result:
        """Run `tests` against `mutant`."""
        outcome = self.run_text(mutant.path, mutant.apply(self.source(mutant.path)), tests, timeout)
        return Result(mutant, outcome.status, outcome.seconds, outcome.detail)


def _read(log: IO[bytes]) -> str:
    log.seek(0)
    return log.read().decode("utf-8", errors="replace")


class Pool:
    """`jobs` workspaces, copied once from `root` (then from the first copy: all the same).

    Args:
        root: the repository.
        package: the package's import name.
        jobs: how many mutants run at once.
        python: the interpreter that runs pytest.
        env: variables to set for pytest, over this process's environment.
    """

    def __init__(
        self,
        root: Path,
        *,
        package: str,
        jobs: int = 1,
        python: str = sys.executable,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.workspaces: list[Workspace] = []
        self._checked: dict[tuple[str, tuple[str, ...]], tuple[float | None, str | None]] = {}
        self._wider: dict[tuple[str, ...], Outcome] = {}
        self._wider_lock = threading.Lock()
        try:
            first = Workspace(root, package=package, python=python, env=env)
            self.workspaces.append(first)
            for _ in range(jobs - 1):
                copy = Workspace(first.root, package=package, python=python, env=env)
                self.workspaces.append(copy)
            for workspace in self.workspaces:
                workspace.check_import()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Remove every copy."""
        for workspace in self.workspaces:
            workspace.close()

    def source(self, path: str) -> str:
        """A module's text as copied: the mutants are made from it."""
        return self.workspaces[0].source(path)

    def check(self, result: ModuleResult, timeout: float | None) -> None:
        """The baseline and the canary of one module (once per pool for the same tests); sets
        its baseline and timeout, or its problem."""
        target = result.target
        key = (target.path, target.tests)
        if key not in self._checked:
            self._checked[key] = self._check(target)
        result.baseline, result.problem = self._checked[key]
        if result.problem is None and result.baseline is not None:
            result.timeout = timeout or max(60.0, 3 * result.baseline + 30)

    def _check(self, target: Target) -> tuple[float | None, str | None]:
        first = self.workspaces[0]
        missing = [test for test in target.tests if not (first.root / test).exists()]
        if missing:
            return None, f"mapped tests not found: {', '.join(missing)}"
        baseline = first.run(target.tests, UNBOUNDED)
        if baseline.status != SURVIVED:
            return baseline.seconds, (
                f"the tests fail unmutated ({baseline.status}): {baseline.detail}"
            )
        canary = first.run_text(
            target.path, first.source(target.path) + CANARY, target.tests, UNBOUNDED
        )
        if canary.status != KILLED:
            return baseline.seconds, (
                f"the tests pass with a module that raises on import: they do not import"
                f" {target.path} from the copy ({canary.detail})"
            )
        return baseline.seconds, None

    def wider_timeout(
        self, workspace: Workspace, tests: tuple[str, ...], timeout: float | None
    ) -> float | None:
        """The timeout for the second tests, after their unmutated run in `workspace` (a clean
        copy this thread holds; once per pool); None when they fail unmutated, and so cannot
        judge a mutant."""
        with self._wider_lock:
            if tests not in self._wider:
                self._wider[tests] = workspace.run(tests, UNBOUNDED)
            baseline = self._wider[tests]
        if baseline.status != SURVIVED:
            return None
        return timeout or max(60.0, 3 * baseline.seconds + 30)

    def run(
        self,
        targets: Sequence[Target],
        *,
        timeout: float | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> list[ModuleResult]:
        """Check each target, then run the mutants of those that passed, `jobs` at a time."""
        say = progress or (lambda _line: None)
        modules = [ModuleResult(target) for target in targets]
        for module in modules:
            if module.target.mutants:
                say(f"checking {module.target.module} with {' '.join(module.target.tests)}")
                self.check(module, timeout)
                if module.problem:
                    say(f"  {module.target.module}: {module.problem}")
                else:
                    say(f"  baseline {module.baseline:.1f} s, timeout {module.timeout:.0f} s")
        work = [
            (module, mutant)
            for module in modules
            if module.problem is None
            for mutant in module.target.mutants
        ]
        free: queue.SimpleQueue[Workspace] = queue.SimpleQueue()
        for workspace in self.workspaces:
            free.put(workspace)
        done = [0]
        counting = threading.Lock()

        def one(module: ModuleResult, mutant: Mutant) -> Result:
            workspace = free.get()
            try:
                assert module.timeout is not None
                result = workspace.run_mutant(mutant, module.target.tests, module.timeout)
                wider = module.target.wider
                if result.status == SURVIVED and wider:
                    if (limit := self.wider_timeout(workspace, wider, timeout)) is None:
                        result = Result(mutant, ERROR, result.seconds, "the wider tests fail")
                    else:
                        second = workspace.run_mutant(mutant, wider, limit)
                        result = Result(
                            mutant,
                            second.status,
                            result.seconds + second.seconds,
                            f"by the wider tests: {second.detail}"
                            if second.status != SURVIVED
                            else second.detail,
                        )
            finally:
                free.put(workspace)
            with counting:
                done[0] += 1
                count = done[0]
            say(
                f"[{count}/{len(work)}] {mutant.location} {result.status}"
                f" {result.seconds:.1f}s  {mutant.description}"
            )
            return result

        executor = ThreadPoolExecutor(max_workers=len(self.workspaces))
        futures: list[tuple[ModuleResult, Future[Result]]] = []
        try:
            futures += [(module, executor.submit(one, module, mutant)) for module, mutant in work]
            for module, future in futures:
                module.results.append(future.result())
        except BaseException:  # Ctrl-C: no new runs, and the runs in flight stopped
            for _, pending in futures:
                pending.cancel()
            for workspace in self.workspaces:
                if (process := workspace.process) is not None:
                    _stop(process)
            raise
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
        return modules
