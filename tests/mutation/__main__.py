"""``python -m tests.mutation``: mutate the core modules, run their tests, print the scores.

Examples::

    python -m tests.mutation --modules _arn,_source          # every mutant of two modules
    python -m tests.mutation --modules group:context --sample 60 --seed 1
    python -m tests.mutation --modules _arn --list           # the mutants, without running
    python -m tests.mutation --ids arn-1a2b3c4d --tests tests/test_fields.py
    nox -s mutation -- --modules models --json mutation.json

``--modules`` takes module names inside the package (``context``, ``_refresher``,
``models.task``), a package prefix (``models``: every ``models.*``), or ``group:NAME`` for a
group of `_map.GROUPS` (``group:context`` is the context and its refresher, publisher, fetch and
forks). ``--sample N`` draws at most N mutants per module, the same ones for the same seed;
``--per-group N`` draws N from each group's pooled mutants instead (among the modules selected),
so that a group of several modules is measured on as many mutants as a group of one.

The mutants listed in `equivalent.EQUIVALENT` (each with the reason nothing observable changes)
are drawn like the others but not run: the report counts them apart and leaves them out of the
score, which is killed (timeouts included) out of the rest.

Each mutant runs its module's tests (`_map.TESTS`), and if it survives them, its group's wider
tests (`_map.WIDER`): the files that reach the module from further away.

The report: one row per module (and per group, and the total): mutants, killed, timed out (also
killed, counted apart), survived, score; then every survivor as ``module:line  description``.
The exit status is 1 when a module could not be measured (its tests fail unmutated, or do not
import it) or a run ended in an error, else 0: the score itself is for a developer to judge.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from . import _map
from ._operators import Mutant, mutants_of
from ._runner import ERROR, KILLED, SURVIVED, TIMEOUT, ModuleResult, Pool, Target
from .equivalent import EQUIVALENT

ROOT = Path(__file__).resolve().parents[2]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.mutation",
        description="Mutation testing of the package's core modules against their own tests.",
    )
    parser.add_argument("--modules", help="comma-separated modules, prefixes or group:NAME")
    parser.add_argument("--sample", type=int, help="at most N mutants per module, at random")
    parser.add_argument(
        "--per-group", type=int, help="N mutants per group of modules, at random, instead"
    )
    parser.add_argument("--seed", default="0", help="the sample's seed (default 0)")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument(
        "--timeout",
        type=float,
        help="seconds per mutant (default: 3 x the module's baseline + 30, at least 60)",
    )
    parser.add_argument("--json", type=Path, help="write every result to this file")
    parser.add_argument("--ids", help="only these mutant ids (comma-separated)")
    parser.add_argument(
        "--tests", help="run these test files instead of the mapped ones (and no wider ones)"
    )
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    return parser


def select(names: str | None) -> list[str]:
    """The modules that `names` (the ``--modules`` value) designate, in the map's order."""
    if not names:
        return list(_map.TESTS)
    chosen: list[str] = []
    for raw in names.split(","):
        name = raw.strip()
        if not name:
            continue
        if name.startswith("group:") and name[6:] in _map.GROUPS:
            chosen += _map.GROUPS[name[6:]]
        elif name in _map.TESTS:
            chosen.append(name)
        elif prefixed := [module for module in _map.TESTS if module.startswith(name + ".")]:
            chosen += prefixed
        else:
            known = ", ".join([*_map.TESTS, *(f"group:{group}" for group in _map.GROUPS)])
            raise SystemExit(f"unknown module {name!r}; known: {known}")
    return list(dict.fromkeys(chosen))


def sample(mutants: Sequence[Mutant], size: int | None, seed: str, module: str) -> list[Mutant]:
    """At most `size` of `mutants`, the same ones for the same seed and module."""
    if size is None or size >= len(mutants):
        return list(mutants)
    drawn = random.Random(f"{seed}:{module}").sample(range(len(mutants)), size)
    return [mutants[index] for index in sorted(drawn)]


def sample_groups(
    by_module: dict[str, list[Mutant]], size: int, seed: str
) -> dict[str, list[Mutant]]:
    """`size` mutants of each group's pooled mutants (all of a smaller group), module by module.

    The same ones for the same seed and the same modules: a group's pool is its modules' mutants
    in the map's order, and its draw is seeded by the group's name.
    """
    pools: dict[str, list[Mutant]] = {}
    for module, mutants in by_module.items():
        pools.setdefault(_map.group_of(module), []).extend(mutants)
    chosen: dict[str, list[Mutant]] = {module: [] for module in by_module}
    for group, pool in pools.items():
        drawn = list(range(len(pool)))
        if size < len(pool):
            drawn = sorted(random.Random(f"{seed}:group:{group}").sample(drawn, size))
        for index in drawn:
            chosen[pool[index].module].append(pool[index])
    return chosen


def _row(
    name: str, results: Sequence[ModuleResult], errors: bool, equivalent: dict[str, int]
) -> str:
    done = [result for module in results for result in module.results]
    count = {status: sum(1 for r in done if r.status == status) for status in (KILLED, TIMEOUT)}
    survived = sum(1 for r in done if r.status == SURVIVED)
    failed = sum(1 for r in done if r.status == ERROR)
    ran = len(done) - failed
    if problems := [module.problem for module in results if module.problem]:
        score = "not run: " + problems[0][:60]
    elif ran:
        score = f"{100.0 * (count[KILLED] + count[TIMEOUT]) / ran:5.1f}%"
    else:
        score = "-"
    same = sum(equivalent.get(module.target.module, 0) for module in results)
    row = f"{name:<24}{len(done) + same:>8}{count[KILLED]:>8}{count[TIMEOUT]:>11}{survived:>10}"
    return row + f"{same:>12}" + (f"{failed:>8}" if errors else "") + f"  {score}"


def report(
    modules: Sequence[ModuleResult],
    seconds: float,
    jobs: int,
    equivalent: dict[str, int] | None = None,
) -> str:
    """The per-module table, the groups, the total, the time, and every survivor.

    `equivalent` is how many mutants of each module were drawn but set aside as equivalent.
    """
    same = equivalent or {}
    errors = any(result.status == ERROR for module in modules for result in module.results)
    header = f"{'module':<24}{'mutants':>8}{'killed':>8}{'timed out':>11}{'survived':>10}"
    lines = [header + f"{'equivalent':>12}" + (f"{'errors':>8}" if errors else "") + "  score"]
    lines += [_row(module.target.module, [module], errors, same) for module in modules]
    by_name = {module.target.module: module for module in modules}
    for group, members in _map.GROUPS.items():
        present = [by_name[member] for member in members if member in by_name]
        if len(present) > 1:
            lines.append(_row(f"{group} (group)", present, errors, same))
    if len(modules) > 1:
        lines.append(_row("total", modules, errors, same))
    done = [result for module in modules for result in module.results]
    if done:
        per = sum(result.seconds for result in done) / len(done)
        lines.append(
            f"\n{len(done)} mutants in {seconds:.0f} s with {jobs} job(s):"
            f" {per:.1f} s per mutant run"
        )
    survivors = [result for result in done if result.status == SURVIVED]
    if survivors:
        lines.append(f"\nSurvivors ({len(survivors)}), as module:line  description [id]:")
        lines += [
            f"{r.mutant.location}  {r.mutant.description}  [{r.mutant.id}]" for r in survivors
        ]
    failures = [result for result in done if result.status == ERROR]
    if failures:
        lines.append(f"\nErrors ({len(failures)}):")
        lines += [f"{r.mutant.location}  {r.mutant.id}  {r.detail}" for r in failures]
    return "\n".join(lines)


def _as_json(
    modules: Sequence[ModuleResult],
    args: argparse.Namespace,
    seconds: float,
    equivalent: Sequence[dict[str, object]],
) -> object:
    return {
        "python": sys.version.split()[0],
        "sample": args.sample,
        "per_group": args.per_group,
        "seed": args.seed,
        "jobs": args.jobs,
        "seconds": round(seconds, 1),
        "modules": [
            {
                "module": module.target.module,
                "group": _map.group_of(module.target.module),
                "path": module.target.path,
                "tests": list(module.target.tests),
                "baseline_seconds": module.baseline,
                "timeout": module.timeout,
                "problem": module.problem,
                "mutants": len(module.results),
                "killed": module.count(KILLED),
                "timed_out": module.count(TIMEOUT),
                "survived": module.count(SURVIVED),
                "errors": module.count(ERROR),
                "score": module.score,
            }
            for module in modules
        ],
        "results": [result.as_dict() for module in modules for result in module.results],
        "equivalent": equivalent,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status."""
    args = _parser().parse_args(argv)
    modules = select(args.modules)
    ids = {name.strip() for name in args.ids.split(",")} if args.ids else None
    tests = tuple(name.strip() for name in args.tests.split(",")) if args.tests else None
    started = time.monotonic()
    with Pool(ROOT, package=_map.PACKAGE, jobs=args.jobs) as pool:
        drawn: dict[str, list[Mutant]] = {}
        for module in modules:
            path = _map.module_path(module)
            mutants = mutants_of(pool.source(path), module=module, path=path)
            if ids is not None:
                mutants = [mutant for mutant in mutants if mutant.id in ids]
            drawn[module] = sample(mutants, args.sample, args.seed, module)
        if args.per_group is not None:
            drawn = sample_groups(drawn, args.per_group, args.seed)
        targets, set_aside = [], []
        for module, mutants in drawn.items():
            kept = [mutant for mutant in mutants if mutant.id not in EQUIVALENT]
            set_aside += [mutant for mutant in mutants if mutant.id in EQUIVALENT]
            if mutants or ids is None:
                path = _map.module_path(module)
                wider = () if tests else _map.WIDER.get(_map.group_of(module), ())
                mapped = tests or _map.TESTS[module]
                targets.append(Target(module, path, mapped, tuple(kept), wider))
        if args.list:
            for mutant in [mutant for mutants in drawn.values() for mutant in mutants]:
                same = "  (equivalent)" if mutant.id in EQUIVALENT else ""
                print(
                    f"{mutant.id}  {mutant.location}  {mutant.operator}  {mutant.description}"
                    + same
                )
            return 0
        results = pool.run(
            targets,
            timeout=args.timeout,
            progress=lambda line: print(line, file=sys.stderr, flush=True),
        )
    seconds = time.monotonic() - started
    counts: dict[str, int] = {}
    for mutant in set_aside:
        counts[mutant.module] = counts.get(mutant.module, 0) + 1
    print(report(results, seconds, args.jobs, counts))
    if args.json:
        aside: list[dict[str, object]] = [
            {
                "id": m.id,
                "location": m.location,
                "description": m.description,
                "reason": EQUIVALENT[m.id],
            }
            for m in set_aside
        ]
        document = _as_json(results, args, seconds, aside)
        args.json.write_text(json.dumps(document, indent=2) + "\n")
    failed = any(module.problem for module in results) or any(
        result.status == ERROR for module in results for result in module.results
    )
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the runs in flight were stopped, the copies removed
        print("interrupted", file=sys.stderr)
        sys.exit(130)
