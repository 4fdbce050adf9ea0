"""``--markdown PATH``: benchmarks/README.md, written from the results of one run.

The file is regenerated whole from the run, except its "Per Python version" section: each
version's table sits between ``<!-- python LABEL -->`` and ``<!-- /python LABEL -->``, and a
run replaces its own label's block (``--python-label``, by default the running CPython's
``X.Y``), keeping the others, sorted by version. Nothing else in the file is read: edit this
module, not the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._harness import Check, GroupResult, Mode, ratio_text

# A run's block in "Per Python version".
_BLOCK = re.compile(
    r"^<!-- python (?P<label>[^ ]+) -->\n(?P<body>.*?)^<!-- /python (?P=label) -->\n",
    re.MULTILINE | re.DOTALL,
)

# What each group times, against what, and its bar: the definitions the tables rely on.
DEFINITIONS = {
    "structlog": (
        "a structlog pipeline (`add_log_level`, `TimeStamper(fmt='iso')`, `JSONRenderer`, a"
        " stream that discards) logging `info('order placed', order_id=42)`. Baseline: that"
        " pipeline; limit: the same with a bare processor doing `event_dict.update(fields)`;"
        " gated: `EcsContextProcessor`'s overhead over the limit's. Reported: a `TTLCache`"
        " looked up under a lock (what users write instead), `bind(**fields)`."
    ),
    "stdlib": (
        "`logging` with one `StreamHandler` to a stream that discards, formatted by"
        " python-json-logger (`'%(asctime)s %(levelname)s %(name)s %(message)s'`). For"
        " `JsonFormatter`: baseline, that handler; limits: a bare `logging.Filter` doing"
        " `record.__dict__.update(fields)` (gating `EcsContextFilter`), and"
        " `JsonFormatter(static_fields=fields)` (gating `EcsJsonFormatter`). For"
        " `OrjsonFormatter` and `MsgspecFormatter`: each has its own baseline (the class without"
        " fields) and limit (the class with `static_fields=fields`), gating `EcsOrjsonFormatter`"
        " and `EcsMsgspecFormatter`. Before timing, every variant's output is checked to be its"
        " baseline's object plus the same six fields. Reported: `LoggerAdapter(extra=fields)`."
    ),
    "install": (
        "`install()`'s `Logger.makeRecord`, records through a `StreamHandler` formatting"
        " `'%(levelname)s %(name)s %(message)s'`. Baseline: a `Logger` with the standard"
        " `makeRecord`; limit: a bare wrapper calling it and `record.__dict__.update(fields)`."
        " Reported: the slow path, a caller's `extra` naming a field, against a baseline logging"
        " the same `extra`."
    ),
    "loguru": (
        "loguru with one sink, a function doing nothing, `format='{message}'`. Baseline: no"
        " patcher; limit: `def patch(record): record['extra'].update(fields)`; gated:"
        " `EcsContextPatcher` as the configured patcher."
    ),
    "styles": (
        "the structlog pipeline above with `fields='all'`: the nested style (each record its"
        " own inner dict) against a bare update with one shared inner dict, and the otel style"
        " (shared tuples) against a bare update with lists. Reported, not gated."
    ),
    "disabled": (
        "direct calls as the chain makes them, off ECS (no metadata variable) and with"
        " `enabled=False`: the processor against a no-op processor of its own kind (a"
        " `functools.partial` subclass), the filter against a no-op `logging.Filter` run by"
        " `Handler.filter`. The bar is in nanoseconds over the no-op; a no-op function and a"
        " plain partial are shown for reference."
    ),
    "import": (
        "`python -X importtime` in fresh interpreters with cached bytecode, the median of the"
        " runs. Gated: `import ecs_log_context` after `import logging, typing` (what the library"
        " adds to an application that logs). Reported: `import ecs_log_context` cold, first thing"
        " in the interpreter (it then pays for `logging`, `typing` and the rest itself), and"
        " without cached bytecode. Neither may import httpx, structlog, python-json-logger,"
        " loguru, OpenTelemetry, orjson or msgspec."
    ),
    "first": (
        "from constructing `EcsContextProcessor` to the first record that carries the fields,"
        " the package's mock on loopback (no throttle, no latency). Cold: a fresh process that"
        " has imported the library (the first fetch imports httpx); warm: a new context in a"
        " process that has. Reported, with the requests each start makes."
    ),
    "fleet": (
        "N processes released at once against the mock throttled as the agent is (40 requests a"
        " second, a burst of 60, per path): each fetching itself, or forked after the parent"
        " fetched. Gated: no request and no unenriched record after a fork."
    ),
    "memory": (
        "the resident set of a fresh process at each step (import, httpx, first fetch) and"
        " tracemalloc growth over records and refreshes. Gated: growth under 64 KiB."
    ),
}


def _us(ns: float) -> str:
    return f"{ns / 1000:.1f} µs"


def _plus_us(ns: float) -> str:
    return f"{ns / 1000:+.2f} µs"


def _met(checks: Mapping[str, Check], name: str) -> str:
    check = checks.get(name)
    if check is None:
        return ""
    return "yes" if check.ok else "**no**"


def _bar(value: float, unit: str = "x") -> str:
    return f"{value:.2f}x" if unit == "x" else f"{value:g} {unit}"


Row = list[str]  # what, measured, x limit, target/bar, met


def _gated_row(
    label: str, group: GroupResult, variant: str, versus: str, checks: Mapping[str, Check]
) -> Row:
    """A gated per-record variant: its overhead, its ratio and interval, its bar, met."""
    entry = group.data["variants"][variant]
    gate = entry["gate"]
    low, high = gate["interval_90"]
    ratio = f"{ratio_text(gate['ratio'], gate['bar'])} {versus} [{low:.2f}..{high:.2f}]"
    if gate["reference"] != entry["limit"]:
        ratio = f"{entry['ratio_to_limit']:.2f}x {_limit_name(entry['limit'])}, " + ratio
    return [
        label,
        _plus_us(entry["overhead_ns"]),
        ratio,
        _bar(gate["bar"]),
        _met(checks, gate["check"]),
    ]


def _limit_name(limit: str) -> str:
    return limit.replace(" (limit)", "").lstrip("+ ")


def _per_record_rows(group: GroupResult, checks: Mapping[str, Check]) -> list[Row]:
    variants = group.data["variants"]
    base = _us(variants["baseline"]["ns_per_record"])
    if group.name == "structlog":
        ttl = variants["+ TTLCache + lock"]
        bind = variants["+ bind(**fields)"]
        return [
            _gated_row(
                f"`EcsContextProcessor` (structlog pipeline of {base})",
                group,
                "+ EcsContextProcessor",
                "bare `event_dict.update`",
                checks,
            ),
            [
                "a `TTLCache` under a lock / `bind(**fields)` (structlog)",
                f"{_plus_us(ttl['overhead_ns'])} / {_plus_us(bind['overhead_ns'])}",
                f"{ttl['ratio_to_limit']:.2f}x / {bind['ratio_to_limit']:.2f}x",
                "",
                "",
            ],
        ]
    if group.name == "stdlib":
        rows = [
            _gated_row(
                f"`EcsContextFilter` (logging + `JsonFormatter`, {base})",
                group,
                "+ EcsContextFilter",
                "bare filter",
                checks,
            ),
            _gated_row(
                "`EcsJsonFormatter`",
                group,
                "EcsJsonFormatter",
                "`JsonFormatter(static_fields)`",
                checks,
            ),
        ]
        for family, ours, theirs in (
            ("orjson", "EcsOrjsonFormatter", "OrjsonFormatter"),
            ("msgspec", "EcsMsgspecFormatter", "MsgspecFormatter"),
        ):
            if ours in variants:
                own_base = _us(variants[f"{theirs} (baseline)"]["ns_per_record"])
                rows.append(
                    _gated_row(
                        f"`{ours}` (logging + `{theirs}`, {own_base})",
                        group,
                        ours,
                        f"`{theirs}(static_fields)`",
                        checks,
                    )
                )
            else:
                reason = group.data.get("skipped", {}).get(family, "not installed")
                rows.append([f"`{ours}`", "skipped", reason, "", ""])
        adapter = variants["LoggerAdapter(extra=fields)"]
        rows.append(
            [
                "`LoggerAdapter(extra=fields)` (logging + `JsonFormatter`)",
                _plus_us(adapter["overhead_ns"]),
                f"{adapter['ratio_to_limit']:.2f}x bare filter",
                "",
                "",
            ]
        )
        return rows
    if group.name == "install":
        slow = variants["+ install(), same extra (slow)"]
        return [
            _gated_row(
                f"`install()` (logging, a format string, {base})",
                group,
                "+ install()",
                "bare `makeRecord` wrapper",
                checks,
            ),
            [
                "`install()`, a caller's `extra` naming a field (slow path)",
                _plus_us(slow["overhead_ns"]),
                f"{slow['ratio_to_limit']:.2f}x bare wrapper",
                "",
                "",
            ],
        ]
    if group.name == "loguru":
        return [
            _gated_row(
                f"`EcsContextPatcher` (loguru, a function sink, {base})",
                group,
                "+ EcsContextPatcher",
                "bare patcher",
                checks,
            )
        ]
    # styles
    nested = variants["+ EcsContextProcessor, nested, own inner dict"]
    lists = variants["+ bare update, otel, lists"]
    tuples = variants["+ EcsContextProcessor, otel, tuples"]
    return [
        [
            "nested style, each record its own inner dict (structlog, `fields='all'`)",
            _plus_us(nested["overhead_ns"]),
            f"{nested['ratio_to_limit']:.2f}x bare update, shared inner dict",
            "",
            "",
        ],
        [
            "otel style, shared tuples (structlog, `fields='all'`)",
            _plus_us(tuples["overhead_ns"]),
            f"{tuples['overhead_ns'] / lists['overhead_ns']:.2f}x bare update, lists",
            "",
            "",
        ],
    ]


def _disabled_rows(group: GroupResult, checks: Mapping[str, Check]) -> list[Row]:
    variants = group.data["variants"]
    names = (
        "EcsContextProcessor off ECS",
        "EcsContextProcessor enabled=False",
        "EcsContextFilter off ECS",
        "EcsContextFilter enabled=False",
    )
    over = [variants[name]["overhead_ns"] for name in names]
    function = [variants[name]["over_function_ns"] for name in names[:2]]
    bar = checks[f"disabled: {names[0]} - no-op"].bar
    met = all(checks[f"disabled: {name} - no-op"].ok for name in names)
    return [
        [
            "off ECS / disabled: processor, filter",
            f"{over[0]:+.0f} / {over[1]:+.0f} ns, {over[2]:+.0f} / {over[3]:+.0f} ns"
            " over a no-op of its kind",
            f"processor {function[0]:+.0f} / {function[1]:+.0f} ns over a no-op function",
            f"{bar:g} ns",
            "yes" if met else "**no**",
        ]
    ]


def _import_rows(group: GroupResult, checks: Mapping[str, Check]) -> list[Row]:
    data = group.data
    totals = data["cumulative_ms"]
    bar = checks["import: added after logging, typing"].bar
    forbidden = checks[next(name for name in checks if name.startswith("import: none of"))]
    return [
        [
            "`import ecs_log_context` after `import logging, typing` (what it adds)",
            f"{data['median_ms']['added']:.1f} ms median ({min(totals['added']):.1f} best)",
            "",
            f"{bar:g} ms",
            _met(checks, "import: added after logging, typing"),
        ],
        [
            "`import ecs_log_context` cold, first thing in a fresh interpreter",
            f"{data['median_ms']['cold']:.1f} ms median ({min(totals['cold']):.1f} best)",
            f"{data['uncached_ms']:.0f} ms without cached bytecode",
            "",
            "",
        ],
        [
            "modules imported: httpx, structlog, python-json-logger, loguru, opentelemetry,"
            " orjson, msgspec",
            ", ".join(data["forbidden_imported"]) or "none",
            "",
            "none",
            "yes" if forbidden.ok else "**no**",
        ],
    ]


def _first_rows(group: GroupResult) -> list[Row]:
    data = group.data
    import statistics

    cold = statistics.median(run["enriched_ms"] for run in data["cold"])
    warm = statistics.median(run["enriched_ms"] for run in data["warm"])
    return [
        [
            "first enriched record, from constructing the processor (mock on loopback)",
            f"{cold:.0f} ms cold (imports httpx), {warm:.1f} ms warm",
            f"{data['cold_requests_per_start']:g} requests per start",
            "",
            "",
        ]
    ]


def _fleet_rows(group: GroupResult, checks: Mapping[str, Check]) -> list[Row]:
    summary = group.data["summary"]
    cold, prefork = summary["cold"], summary["prefork"]
    all_enriched = cold["all_enriched_s"]
    prefork_enriched = prefork["all_enriched_s"]
    met = all(check.ok for name, check in checks.items() if name.startswith("fleet"))
    return [
        [
            f"{cold['processes']} processes starting at once, each fetching",
            f"{cold['requests']} requests, {cold['throttled']} throttled (429), all enriched"
            + (f" after {all_enriched:.1f} s" if all_enriched is not None else ": never"),
            "",
            "",
            "",
        ],
        [
            f"{prefork['processes']} processes forked after the parent fetched",
            f"{prefork['requests']} requests, {prefork['unenriched_records']} unenriched records,"
            + (
                f" all enriched within {prefork_enriched * 1000:.0f} ms"
                if prefork_enriched is not None
                else " never all enriched"
            ),
            "",
            "0 requests, 0 unenriched",
            "yes" if met else "**no**",
        ],
    ]


def _memory_rows(group: GroupResult, checks: Mapping[str, Check]) -> list[Row]:
    data = group.data
    rss = data["rss"]
    mib = 1024 * 1024
    met = all(check.ok for name, check in checks.items() if name.startswith("memory"))
    return [
        [
            "resident memory",
            f"{(rss['import'] - rss['start']) / mib:+.1f} MiB import,"
            f" {(rss['httpx'] - rss['import']) / mib:+.1f} MiB httpx,"
            f" {(rss['fetch'] - rss['httpx']) / mib:+.1f} MiB first fetch",
            "",
            "",
            "",
        ],
        [
            "growth under tracemalloc: records / refreshes",
            f"{data['records_growth']:+,} B / {data['refreshes_growth']:+,} B",
            "",
            "64 KiB",
            "yes" if met else "**no**",
        ],
    ]


def summary_rows(results: Sequence[GroupResult]) -> list[Row]:
    """The summary table of a run: one or a few rows per group, in the groups' order."""
    checks = {check.name: check for result in results for check in result.checks}
    builders: dict[str, Callable[[GroupResult], list[Row]]] = {
        "structlog": lambda g: _per_record_rows(g, checks),
        "stdlib": lambda g: _per_record_rows(g, checks),
        "install": lambda g: _per_record_rows(g, checks),
        "loguru": lambda g: (
            [["`EcsContextPatcher`", "skipped", str(g.data["skipped"]), "", ""]]
            if "skipped" in g.data
            else _per_record_rows(g, checks)
        ),
        "styles": lambda g: _per_record_rows(g, checks),
        "disabled": lambda g: _disabled_rows(g, checks),
        "import": lambda g: _import_rows(g, checks),
        "first": _first_rows,
        "fleet": lambda g: _fleet_rows(g, checks),
        "memory": lambda g: _memory_rows(g, checks),
    }
    rows: list[Row] = []
    for result in results:
        rows.extend(builders[result.name](result))
    return rows


def _markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return lines


def _machine(env: Mapping[str, Any], load_end: Sequence[float]) -> str:
    return (
        f"{env['cpu']}, {env['cores']} cores, load average {_load(env['load_average'])} at the"
        f" start, {_load(load_end)} at the end"
    )


def _load(values: Sequence[float]) -> str:
    return " / ".join(f"{value:.2f}" for value in values)


def _packages(env: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{name} {version or 'not installed'}" for name, version in env["packages"].items()
    )


def _version_block(
    label: str,
    env: Mapping[str, Any],
    mode: Mode,
    results: Sequence[GroupResult],
    load_end: Sequence[float],
) -> str:
    checks = [check for result in results for check in result.checks]
    passed = sum(check.ok for check in checks)
    lines = [
        f"<!-- python {label} -->",
        f"### {env['python']}",
        "",
        f"{env['date']}, {mode.name} mode, groups {', '.join(r.name for r in results)};"
        f" {_machine(env, load_end)}; revision {env['revision']}, library sources"
        f" {env['library_digest']}; {passed}/{len(checks)} checks pass.",
        "",
        *_markdown_table(
            ["what", "measured", "x limit", "target" if mode.name == "full" else "bar", "met"],
            summary_rows(results),
        ),
        "",
        f"<!-- /python {label} -->",
        "",
    ]
    return "\n".join(lines)


def _version_key(label: str) -> tuple[int, tuple[int, ...], str]:
    parts = label.split(".")
    if all(part.isdigit() for part in parts):
        return (0, tuple(int(part) for part in parts), label)
    return (1, (), label)


def _kept_blocks(path: Path) -> dict[str, str]:
    """The per-version blocks already in the file, by label."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    return {match["label"]: match.group(0) for match in _BLOCK.finditer(text)}


def write_markdown(
    path: Path,
    *,
    label: str,
    env: Mapping[str, Any],
    mode: Mode,
    results: Sequence[GroupResult],
    elapsed: float,
    load_end: Sequence[float],
) -> None:
    """Write the file from this run, keeping the other labels' per-version blocks."""
    blocks = _kept_blocks(path)
    blocks[label] = _version_block(label, env, mode, results, load_end)
    checks = [check for result in results for check in result.checks]
    passed = sum(check.ok for check in checks)
    bars = ", ".join(f"{name} {value:g}" for name, value in mode.bars.items())
    lines = [
        "# Benchmarks",
        "",
        "<!-- Written by `python -m benchmarks --markdown benchmarks/README.md`"
        " (benchmarks/_markdown.py): edit that module, not this file. Each Python's block under"
        ' "Per Python version" is kept from the last run that wrote its label. -->',
        "",
        "What ecs-log-context costs per record, at start-up and in memory, each integration",
        "measured against the least code that adds the same fields. The figures are the run of",
        f"{env['date']} ({mode.name} mode, {elapsed / 60:.1f} minutes); the ratios are targets,",
        "checked on every run, not timed tests.",
        "",
        "## How to run",
        "",
        "```sh",
        "python -m benchmarks                                  # full mode: the targets as bars",
        "python -m benchmarks --quick --check                  # CI (nox -s bench): loose bars",
        "python -m benchmarks --markdown benchmarks/README.md  # full mode, then write this file",
        "python -m benchmarks --only stdlib,import             # some groups only",
        "```",
        "",
        "`--check` exits 1 when a figure is over its bar; `--json PATH` writes every figure",
        "(default `benchmarks/results.json`, not committed). `--markdown PATH` writes this file",
        'from the run: every section but "Per Python version" is the run\'s; there, the run',
        "replaces its own Python's block (`--python-label`, by default the running `X.Y`) and",
        "keeps the others. To add a version, run it from a virtual environment of that version:",
        "",
        "```sh",
        'python3.12 -m venv "$VENV"  # outside the repository',
        "\"$VENV/bin/pip\" install -e '.[all]' cachetools orjson msgspec",
        '"$VENV/bin/python" -m benchmarks --markdown benchmarks/README.md --python-label 3.12',
        "```",
        "",
        "The full mode takes several minutes and wants a quiet machine (see the load average",
        "below): it holds each median to its target. The quick mode runs a few seconds a group",
        "on CI's loaded machine and must never flake: its bars are loose, and each figure is",
        "held at its optimistic end (the low end of a ratio's 90% interval, an import's fastest",
        "run), which a run's noise cannot push over the bar and a gross regression does.",
        "",
        "## This run",
        "",
        f"- date: {env['date']}",
        f"- machine: {_machine(env, load_end)} ({env['platform']})",
        f"- Python: {env['python']}",
        f"- packages: {_packages(env)}",
        f"- code: revision {env['revision']}, library sources {env['library_digest']}",
        f"- {mode.name} mode bars: {bars}; {passed}/{len(checks)} checks pass",
        "",
        "## Groups",
        "",
        "Every per-record group times its variants interleaved in one process: rounds of 100",
        "records per variant, in shuffled order, the garbage collector off while timing. A",
        "variant's overhead is the median of its round-by-round differences to the same round's",
        "baseline (the same pipeline adding nothing); its ratio (x limit) is that overhead over",
        "the limit's overhead, the limit being the least code that adds the very same six",
        "fields (the default group, flat style, fetched from the package's mock), with a 90%",
        "bootstrap interval over the rounds in brackets. So 1.00x is the cost of the fields",
        "themselves, most of it serialising six more keys. The interval is that of one",
        "process: a fresh process of the same code (its own memory layout) can land a few",
        "hundredths to a tenth or more away, so read a ratio near its target over several runs.",
        "",
    ]
    for result in results:
        lines.append(f"- **{result.name}**: {DEFINITIONS[result.name]}")
    lines += [
        "",
        "## Results",
        "",
        f"{env['python']}, {_machine(env, load_end)}.",
        "",
        *_markdown_table(
            ["what", "measured", "x limit", "target" if mode.name == "full" else "bar", "met"],
            summary_rows(results),
        ),
        "",
        "### Each group",
        "",
    ]
    for result in results:
        lines += [f"#### {result.title}", "", *_markdown_table(result.columns, result.rows), ""]
        lines += [f"- {note}" for note in result.notes]
        lines.append("")
    lines += [
        "## Per Python version",
        "",
        "The summary of the last run of each version that wrote this file (same columns as",
        "above; compare the library sources' digest to see whether two ran the same code).",
        "",
    ]
    for key in sorted(blocks, key=_version_key):
        lines.append(blocks[key])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
