"""``python -m benchmarks [--quick] [--check] [--only GROUPS] [--json PATH] [--markdown PATH]``.

Prints a table per group and the gate's checks, writes every figure as JSON; with
``--check``, exits 1 when a check is over its bar (the bars of ``--quick`` are loose, for CI);
with ``--markdown``, writes benchmarks/README.md from the run (see `_markdown`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from ._harness import FULL, QUICK, ROOT, GroupResult, Mode, environment

GROUPS = (
    "structlog",
    "stdlib",
    "install",
    "loguru",
    "styles",
    "disabled",
    "import",
    "first",
    "fleet",
    "memory",
)


def _run_groups(
    names: list[str], mode: Mode, report: Callable[[GroupResult], None]
) -> list[GroupResult]:
    from . import (
        first_record,
        fleet,
        import_time,
        installation,
        loguru_patcher,
        memory,
        per_record,
        styles,
    )

    results: list[GroupResult] = []

    def done(result: GroupResult, started: float) -> None:
        result.seconds = time.perf_counter() - started
        results.append(result)
        report(result)

    enrichers = None
    for name in names:
        started = time.perf_counter()
        if name in ("structlog", "stdlib"):
            enrichers = enrichers or per_record.ready_enrichers()
            group = per_record.structlog_group if name == "structlog" else per_record.stdlib_group
            done(group(mode, enrichers), started)
        elif name == "install":
            done(installation.install_group(mode), started)
        elif name == "loguru":
            done(loguru_patcher.loguru_group(mode), started)
        elif name == "styles":
            done(styles.styles_group(mode), started)
        elif name == "disabled":
            done(per_record.disabled_group(mode), started)
        elif name == "import":
            done(import_time.import_group(mode), started)
        elif name == "first":
            done(first_record.first_record_group(mode), started)
        elif name == "fleet":
            done(fleet.fleet_group(mode), started)
        else:
            done(memory.memory_group(mode), started)
    return results


def _table(columns: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [columns, *rows]) for i in range(len(columns))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(columns), line(["-" * w for w in widths]), *(line(row) for row in rows)]


def _print_group(result: GroupResult) -> None:
    print(f"\n## {result.title}  [{result.seconds:.0f} s]")
    for text in _table(result.columns, result.rows):
        print("   " + text)
    for note in result.notes:
        print(f"   - {note}")
    sys.stdout.flush()


def _print_header(env: dict[str, object], mode: Mode) -> None:
    packages = env["packages"]
    assert isinstance(packages, dict)
    print(f"# ecs-log-context benchmarks ({mode.name} mode), {env['date']}")
    print(f"  {env['platform']}, {env['cpu']}, {env['cores']} cores")
    print(f"  {env['python']}; " + ", ".join(f"{k} {v}" for k, v in packages.items()))
    print(
        f"  revision {env['revision']} (library sources {env['library_digest']});"
        f" load average {env['load_average']}"
    )
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short mode with loose bars (CI)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a check passes its bar")
    parser.add_argument("--only", help="comma-separated groups: " + ", ".join(GROUPS))
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "benchmarks" / "results.json",
        help="where to write the results (default: benchmarks/results.json)",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        help="write this Markdown file from the run (benchmarks/README.md), keeping the other"
        " Pythons' blocks",
    )
    parser.add_argument(
        "--python-label",
        default=f"{sys.version_info.major}.{sys.version_info.minor}",
        help="the block of --markdown's per-version section this run replaces (default: X.Y)",
    )
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[A-Za-z0-9._+-]+", args.python_label):
        parser.error(f"--python-label {args.python_label!r}: letters, digits and . _ + - only")
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if args.markdown is not None and args.python_label.split("-")[0] != running:
        print(f"warning: --python-label {args.python_label} on CPython {running}", file=sys.stderr)
    names = list(GROUPS)
    if args.only:
        names = [name.strip() for name in args.only.split(",") if name.strip()]
        unknown = sorted(set(names) - set(GROUPS))
        if unknown:
            parser.error(f"unknown group(s) {', '.join(unknown)}; groups: {', '.join(GROUPS)}")
    mode = QUICK if args.quick else FULL
    env = environment()
    _print_header(env, mode)
    started = time.perf_counter()
    results = _run_groups(names, mode, _print_group)

    checks = [check for result in results for check in result.checks]
    failed = [check for check in checks if not check.ok]
    bars = ", ".join(f"{k} {v:g}" for k, v in mode.bars.items())
    print(f"\n## Gate ({mode.name} bars: {bars})")
    for check in checks:
        print(f"   {'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.describe()}")
    elapsed = time.perf_counter() - started
    load = [round(value, 2) for value in os.getloadavg()]
    print(f"\n{len(checks) - len(failed)}/{len(checks)} checks pass; {elapsed:.0f} s in all")
    print(f"load average at the end: {load}")

    document = {
        "environment": env,
        "mode": mode.name,
        "bars": mode.bars,
        "seconds": elapsed,
        "load_average_at_end": load,
        "groups": {
            r.name: {"title": r.title, "seconds": r.seconds, "notes": r.notes, "data": r.data}
            for r in results
        },
        "checks": [check.to_json() for check in checks],
        "passed": not failed,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"results written to {args.json}")
    if args.markdown is not None:
        from ._markdown import write_markdown

        write_markdown(
            args.markdown,
            label=args.python_label,
            env=env,
            mode=mode,
            results=results,
            elapsed=elapsed,
            load_end=load,
        )
        print(f"{args.markdown} written (block {args.python_label})")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
