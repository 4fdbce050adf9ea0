"""Import: ``import ecs_log_context``, cumulative, from ``python -X importtime``.

Every run is a fresh interpreter reading cached bytecode (see `_harness.child_environ`); the
figure is the median of the runs. It must not import httpx, structlog or python-json-logger.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from typing import Any

from ._harness import ROOT, Check, GroupResult, Mode, child_environ

MODULE = "ecs_log_context"
FORBIDDEN = ("httpx", "structlog", "pythonjsonlogger")
_PROBE = (
    "import sys, ecs_log_context, json; "
    f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))"
)


def _parse(stderr: str) -> tuple[list[tuple[str, int, int, int]], int]:
    """The ``-X importtime`` lines as (name, depth, self us, cumulative us), and our line."""
    lines: list[tuple[str, int, int, int]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip(" ")) - 1) // 2
        lines.append((name.strip(), depth, int(own), int(cumulative)))
    ours = next(i for i, (name, depth, _, _) in enumerate(lines) if name == MODULE and depth == 0)
    return lines, ours


def _subtree(lines: list[tuple[str, int, int, int]], ours: int) -> list[tuple[str, int, int, int]]:
    """Every module imported under ours: the lines before it, back to the previous top level."""
    start = ours
    while start > 0 and lines[start - 1][1] > 0:
        start -= 1
    return lines[start : ours + 1]


def _run(env: dict[str, str]) -> tuple[float, dict[str, float], list[str]]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines, ours = _parse(done.stderr)
    subtree = _subtree(lines, ours)
    self_ms = {name: own / 1000 for name, _, own, _ in subtree}
    return lines[ours][3] / 1000, self_ms, json.loads(done.stdout)


def import_group(mode: Mode) -> GroupResult:
    """Median cumulative import time, the library's own share, and the forbidden modules."""
    env = child_environ()
    totals: list[float] = []
    self_times: dict[str, list[float]] = {}
    forbidden: set[str] = set()
    for _ in range(mode.import_runs):
        total, self_ms, imported = _run(env)
        totals.append(total)
        forbidden.update(imported)
        for name, ms in self_ms.items():
            self_times.setdefault(name, []).append(ms)
    # Without cached bytecode (PYTHONDONTWRITEBYTECODE and an empty cache): compiled each time.
    with tempfile.TemporaryDirectory() as empty:
        cold_env = {**env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": empty}
        uncached = statistics.median(_run(cold_env)[0] for _ in range(3))

    median = statistics.median(totals)
    own = {name: statistics.median(ms) for name, ms in self_times.items()}
    library = sum(ms for name, ms in own.items() if name.split(".")[0] == MODULE)
    heaviest = sorted(own.items(), key=lambda item: -item[1])[:8]
    bar = mode.bars["import_ms"]
    rows = [
        ["import ecs_log_context (cumulative, median)", f"{median:.1f}", f"{bar:g}"],
        ["  min .. max", f"{min(totals):.1f} .. {max(totals):.1f}", ""],
        ["  of which the library's own modules (self)", f"{library:.1f}", ""],
        ["  without cached bytecode (compiling)", f"{uncached:.1f}", ""],
        [
            "httpx, structlog, python-json-logger imported",
            ", ".join(sorted(forbidden)) or "none",
            "none",
        ],
    ]
    data: dict[str, Any] = {
        "runs": mode.import_runs,
        "cumulative_ms": totals,
        "median_ms": median,
        "library_self_ms": library,
        "uncached_ms": uncached,
        "self_ms": own,
        "forbidden_imported": sorted(forbidden),
    }
    notes = ["heaviest (self ms): " + ", ".join(f"{name} {ms:.1f}" for name, ms in heaviest)]
    checks = [
        Check("import: cumulative", median, bar, " ms"),
        Check("import: no httpx, structlog, python-json-logger", not forbidden, True),
    ]
    return GroupResult(
        "import",
        "Import (fresh interpreter, -X importtime)",
        ["", "ms", "bar"],
        rows,
        data,
        checks,
        notes,
    )
