"""What every group shares: results, checks, interleaved timing, null streams, the machine."""

from __future__ import annotations

import atexit
import gc
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Bars of the gate. Full mode: the targets of issue #15, each ratio an overhead divided by the
# overhead of its limit (see `per_record`), held at its median. Quick mode (CI, a loaded 2-core
# machine, a few seconds per group) must never flake: its bars are loose, and each figure is
# held at its optimistic end, where noise cannot push it (a ratio at the low end of its 90%
# bootstrap interval, the import at its fastest run): a run fails only when even that end is
# over the bar, as a gross regression (a lost fast path, a slow import) puts it. On a loaded
# 2-core machine one quick run measured the filter's median at 1.94x its limit, its interval
# -46..9.9: a median bar of 1.5 flakes there.
BARS = {
    "full": {
        "processor_ratio": 1.05,  # EcsContextProcessor / a bare event_dict.update processor
        "filter_ratio": 1.05,  # EcsContextFilter / a bare record.__dict__.update filter
        "formatter_ratio": 1.00,  # each Ecs*Formatter / its class with static_fields=fields
        "install_ratio": 1.10,  # install() / a bare makeRecord wrapper
        "loguru_ratio": 1.10,  # EcsContextPatcher / a bare patcher function
        "disabled_ns": 20.0,  # off ECS or disabled, over a no-op of the same kind
        "import_ms": 15.0,  # import ecs_log_context after logging and typing, median
    },
    # A loguru record costs ~25 us and the patchers ~0.8 us of it: their median ratio swung from
    # 0.89x to 1.64x between quick runs of the same code, so CI's bar for it is looser still.
    "quick": {
        "processor_ratio": 1.50,
        "filter_ratio": 1.50,
        "formatter_ratio": 1.50,
        "install_ratio": 1.50,
        "loguru_ratio": 2.00,
        "disabled_ns": 150.0,
        "import_ms": 40.0,
    },
}


@dataclass(frozen=True)
class Mode:
    """How long and how big: the full mode, or the short one CI runs."""

    name: str  # "full" or "quick"
    optimistic: bool  # checks hold a figure's optimistic end (low end, fastest run), not its median
    seconds_per_group: float  # timing budget of each per-record group
    batch: int  # records per sample
    import_runs: int
    cold_starts: int  # time to first record, fresh processes
    warm_starts: int  # time to first record, fresh contexts in this process
    fleet: int  # processes started at once
    hold: float  # seconds a fleet process keeps logging once enriched
    records: int  # memory: records logged under tracemalloc
    refreshes: int  # memory: refreshes under tracemalloc

    @property
    def bars(self) -> dict[str, float]:
        return BARS[self.name]


FULL = Mode("full", False, 40.0, 100, 21, 15, 200, 64, 2.0, 1_000_000, 1_000)
QUICK = Mode("quick", True, 4.0, 100, 7, 4, 40, 16, 1.0, 100_000, 100)


@dataclass
class Check:
    """One figure held to a bar: ``value <= bar`` passes (or ``value`` is True for a flag).

    ``low`` is the figure's optimistic end (the low end of a ratio's 90% interval, an import's
    fastest run); with ``on_low`` (the quick mode), ``low <= bar`` passes.
    """

    name: str
    value: float | bool
    bar: float | bool
    unit: str = ""
    low: float | None = None
    on_low: bool = False

    @property
    def judged(self) -> float | bool:
        """The figure held to the bar."""
        return self.low if self.on_low and self.low is not None else self.value

    @property
    def ok(self) -> bool:
        if isinstance(self.bar, bool):
            return bool(self.value) is self.bar
        return float(self.judged) <= self.bar

    def describe(self) -> str:
        if isinstance(self.bar, bool):
            return f"{self.value} (want {self.bar})"
        text = f"{_num(float(self.value))}{self.unit}"
        bar = f"bar {_num(float(self.bar))}{self.unit}"
        if self.low is None:
            return f"{text} ({bar})"
        held = "optimistic end" if self.on_low else "median"
        return f"{text}, optimistic end {_num(self.low)}{self.unit} ({bar} on the {held})"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "low": self.low,
            "judged": "low" if self.on_low and self.low is not None else "value",
            "bar": self.bar,
            "unit": self.unit,
            "ok": self.ok,
        }


def ratio_text(value: float, bar: float) -> str:
    """A ratio to two decimals, up to four where fewer would show it equal to its bar."""
    for digits in (2, 3, 4):
        text = f"{value:.{digits}f}"
        if text != f"{bar:.{digits}f}" or value == bar:
            break
    return text + "x"


def _num(value: float) -> str:
    if value == int(value) and (abs(value) >= 1 or value == 0):
        return f"{value:.0f}"
    return f"{value:.2f}" if abs(value) < 10 else f"{value:.0f}"


@dataclass
class GroupResult:
    """A group's table (``columns`` and ``rows`` of text), its raw data and its checks."""

    name: str
    title: str
    columns: list[str]
    rows: list[list[str]]
    data: dict[str, Any]
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0


# -- interleaved timing ----------------------------------------------------------------------


@dataclass
class Timing:
    """Per-record nanoseconds of every variant, one sample per round, rounds aligned."""

    samples: dict[str, list[float]]
    rounds: int

    def median(self, name: str) -> float:
        return statistics.median(self.samples[name])

    def deciles(self, name: str) -> tuple[float, float]:
        """The 10th and 90th percentiles of a variant's samples."""
        cuts = statistics.quantiles(self.samples[name], n=10)
        return cuts[0], cuts[-1]

    def paired(self, name: str, baseline: str) -> list[float]:
        """The round-by-round difference to the baseline of the same round."""
        return [v - b for v, b in zip(self.samples[name], self.samples[baseline], strict=True)]

    def ratio_interval(
        self, name: str, reference: str, baseline: str, resamples: int = 200
    ) -> tuple[float, float]:
        """A 90% bootstrap interval of overhead(name) / overhead(reference), rounds resampled."""
        over = self.paired(name, baseline)
        ref = self.paired(reference, baseline)
        rng = random.Random(7)
        ratios = []
        for _ in range(resamples):
            picks = [rng.randrange(self.rounds) for _ in range(self.rounds)]
            ratios.append(
                statistics.median([over[i] for i in picks])
                / statistics.median([ref[i] for i in picks])
            )
        cuts = statistics.quantiles(ratios, n=20)
        return cuts[0], cuts[-1]

    def overhead(self, name: str, baseline: str) -> tuple[float, float, float]:
        """Median of the paired differences, and its quartiles."""
        diffs = self.paired(name, baseline)
        q1, _, q3 = statistics.quantiles(diffs, n=4)
        return statistics.median(diffs), q1, q3


def interleaved(
    variants: Mapping[str, Callable[[int], object]],
    *,
    batch: int,
    seconds: float,
    min_rounds: int = 30,
    warmup_rounds: int = 5,
    seed: int = 20240601,
) -> Timing:
    """Time every variant in every round, in shuffled order, GC off while timing.

    Each variant is a function that logs ``n`` records. A round times one batch of each; the
    rounds go on until ``seconds`` have passed (and at least ``min_rounds``).
    """
    names = list(variants)
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(warmup_rounds):
        for name in names:
            variants[name](batch)
    clock = time.perf_counter_ns
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        deadline = time.perf_counter() + seconds
        rounds = 0
        while rounds < min_rounds or time.perf_counter() < deadline:
            order = names[:]
            rng.shuffle(order)
            for name in order:
                run = variants[name]
                start = clock()
                run(batch)
                samples[name].append((clock() - start) / batch)
            rounds += 1
            if rounds % 64 == 0:  # outside the timed batches: keep the heap as it was
                gc.collect()
    finally:
        if was_enabled:
            gc.enable()
    return Timing(samples, rounds)


# -- sinks -----------------------------------------------------------------------------------


class NullStream:
    """A text stream whose writes go nowhere: handlers and loggers do no I/O."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


# -- the machine -----------------------------------------------------------------------------


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _git_revision() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty", "--abbrev=12"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _library_digest() -> str:
    """A digest of the library's sources: which code was measured, committed or not."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "ecs_log_context").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def environment() -> dict[str, Any]:
    """Date, machine, Python and package versions: what the figures were measured on."""
    return {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "revision": _git_revision(),
        "library_digest": _library_digest(),
        "packages": {
            name: _version(name)
            for name in (
                "ecs-log-context",
                "structlog",
                "python-json-logger",
                "loguru",
                "orjson",
                "msgspec",
                "httpx",
                "cachetools",
            )
        },
    }


# -- processes -------------------------------------------------------------------------------


_bytecode_cache: str | None = None


def child_environ(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: no ECS variable but ``extra``, and cached bytecode.

    Children read and write bytecode under one temporary ``PYTHONPYCACHEPREFIX`` (nothing is
    written into the repository), as an installed package has it: without it, every import
    would compile the sources again (``PYTHONDONTWRITEBYTECODE`` is common in containers).
    """
    global _bytecode_cache  # noqa: PLW0603 -- one cache directory per run
    if _bytecode_cache is None:
        _bytecode_cache = tempfile.mkdtemp(prefix="ecs-log-context-bench-pycache-")
        atexit.register(shutil.rmtree, _bytecode_cache, ignore_errors=True)
        warm = clean_environ()
        warm.pop("PYTHONDONTWRITEBYTECODE", None)
        warm["PYTHONPYCACHEPREFIX"] = _bytecode_cache
        subprocess.run(
            [sys.executable, "-c", WARM_IMPORTS],
            cwd=ROOT,
            env=warm,
            check=True,
            timeout=120,
        )
    env = clean_environ()
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = _bytecode_cache
    env.update(extra or {})
    return env


# Everything a child imports, compiled once into the bytecode cache.
WARM_IMPORTS = (
    "import ecs_log_context, ecs_log_context.client, ecs_log_context.json_formatter, "
    "ecs_log_context.mock.server, httpx, structlog, pythonjsonlogger.json, cachetools, "
    "benchmarks._workers"
)


def run_module(
    module: str,
    *args: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 300.0,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m benchmarks.<module> args`` from the repository's root, in `child_environ`."""
    return subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", *args],
        cwd=ROOT,
        env=child_environ(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


def last_json_line(output: str) -> Any:
    """The last line of a child's standard output, decoded (children print one JSON line)."""
    lines = [line for line in output.splitlines() if line.strip()]
    return json.loads(lines[-1])


def clean_environ() -> dict[str, str]:
    """``os.environ`` without any ECS or library variable: nothing points anywhere."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("ECS_", "AWS_EXECUTION_ENV"))}
