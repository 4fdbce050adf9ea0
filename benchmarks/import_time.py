"""Import: what ``import ecs_log_context`` costs, from ``python -X importtime``.

Two figures, each the median of fresh interpreters reading cached bytecode (see
`_harness.child_environ`), the two kinds of run alternating:

- ``cold``: ``import ecs_log_context`` first thing, so the figure includes the standard
  library modules it needs (``logging``, ``typing``, ``threading``, ...): reported;
- ``added``: ``import logging, typing`` first, as every application that logs has, then
  ``import ecs_log_context``: what the library adds to such an application. Gated: the
  full mode holds its median to the bar, the quick mode its fastest run (see `_harness.BARS`).

Neither may import httpx, structlog, python-json-logger, loguru, OpenTelemetry, orjson or
msgspec: those load when an integration, or the first fetch, needs them.
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
FORBIDDEN = (
    "httpx",
    "structlog",
    "pythonjsonlogger",
    "loguru",
    "opentelemetry",
    "orjson",
    "msgspec",
)
_REPORT = (
    "import sys, json; "
    f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))"
)
# What each kind of run executes before the report: the import timed, and what comes before.
PROBES = {
    "cold": f"import {MODULE}; {_REPORT}",
    "added": f"import logging, typing; import {MODULE}; {_REPORT}",
}
LABELS = {
    "cold": "import ecs_log_context, cold (fresh interpreter)",
    "added": "import ecs_log_context after import logging, typing (what it adds)",
}


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


def _run(probe: str, env: dict[str, str]) -> tuple[float, dict[str, float], list[str]]:
    """One fresh interpreter: our cumulative ms, the self ms of our subtree, forbidden modules."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", probe],
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
    """Median cumulative import times, cold and added, the library's share, forbidden modules."""
    env = child_environ()
    totals: dict[str, list[float]] = {kind: [] for kind in PROBES}
    self_times: dict[str, dict[str, list[float]]] = {kind: {} for kind in PROBES}
    forbidden: set[str] = set()
    for _ in range(mode.import_runs):
        for kind, probe in PROBES.items():
            total, self_ms, imported = _run(probe, env)
            totals[kind].append(total)
            forbidden.update(imported)
            for name, ms in self_ms.items():
                self_times[kind].setdefault(name, []).append(ms)
    # Without cached bytecode (PYTHONDONTWRITEBYTECODE and an empty cache): compiled each time.
    with tempfile.TemporaryDirectory() as empty:
        cold_env = {**env, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": empty}
        uncached = statistics.median(_run(PROBES["cold"], cold_env)[0] for _ in range(3))

    medians = {kind: statistics.median(values) for kind, values in totals.items()}
    own = {
        kind: {name: statistics.median(ms) for name, ms in by_name.items()}
        for kind, by_name in self_times.items()
    }
    library = sum(ms for name, ms in own["cold"].items() if name.split(".")[0] == MODULE)
    # The standard library modules the library imports that an application that logs has not.
    added_modules = sorted(
        name for name in own["added"] if name.split(".")[0] not in (MODULE, *FORBIDDEN)
    )
    heaviest = sorted(own["added"].items(), key=lambda item: -item[1])[:8]
    bar = mode.bars["import_ms"]
    rows = [
        [LABELS["added"], f"{medians['added']:.1f}", f"{bar:g}"],
        [
            "  min .. max",
            f"{min(totals['added']):.1f} .. {max(totals['added']):.1f}",
            "",
        ],
        [LABELS["cold"], f"{medians['cold']:.1f}", ""],
        ["  min .. max", f"{min(totals['cold']):.1f} .. {max(totals['cold']):.1f}", ""],
        ["  of which the library's own modules (self)", f"{library:.1f}", ""],
        ["  cold, without cached bytecode (compiling)", f"{uncached:.1f}", ""],
        [
            ", ".join(FORBIDDEN) + " imported",
            ", ".join(sorted(forbidden)) or "none",
            "none",
        ],
    ]
    data: dict[str, Any] = {
        "runs": mode.import_runs,
        "probes": PROBES,
        "cumulative_ms": totals,
        "median_ms": medians,
        "library_self_ms": library,
        "uncached_ms": uncached,
        "self_ms": own,
        "added_stdlib_modules": added_modules,
        "forbidden": list(FORBIDDEN),
        "forbidden_imported": sorted(forbidden),
    }
    notes = [
        f"{mode.import_runs} runs of each, alternating; cumulative: the -X importtime line of"
        " ecs_log_context, the modules it imports that were not imported yet",
        "after logging, typing, heaviest (self ms): "
        + ", ".join(f"{name} {ms:.1f}" for name, ms in heaviest),
        f"after logging, typing, it still imports {len(added_modules)} other modules: "
        + ", ".join(added_modules[:20])
        + (", ..." if len(added_modules) > 20 else ""),
    ]
    checks = [
        Check(
            "import: added after logging, typing",
            medians["added"],
            bar,
            " ms",
            min(totals["added"]),
            mode.optimistic,
        ),
        Check("import: none of " + ", ".join(FORBIDDEN), not forbidden, True),
    ]
    return GroupResult(
        "import",
        "Import (fresh interpreters, cached bytecode, -X importtime, median)",
        ["", "ms", "bar"],
        rows,
        data,
        checks,
        notes,
    )
