"""Benchmarks of ecs-log-context: ``python -m benchmarks`` from the repository's root.

Groups (``--only`` takes their names, comma-separated):

- ``structlog``, ``stdlib``, ``disabled``: the cost per record, every variant of a group
  timed interleaved in one process, each overhead as a ratio to its limit (a bare
  ``dict.update`` of the very same fields; for ``EcsJsonFormatter``, ``EcsOrjsonFormatter``
  and ``EcsMsgspecFormatter``, the same python-json-logger class with ``static_fields``);
  ``disabled``: off ECS and disabled, in nanoseconds over a no-op of the same kind;
- ``install``: ``install()``'s ``makeRecord`` against a bare wrapper that updates the record's
  ``__dict__`` (and, reported, a caller's ``extra`` naming a field); ``loguru``:
  `EcsContextPatcher` against a bare patcher function (skipped without loguru);
- ``styles``: the cost of nested's per-record inner dict and otel's tuples, reported;
- ``import``: from ``-X importtime``, what ``import ecs_log_context`` adds after
  ``import logging, typing`` (gated) and what it costs cold (reported), and the modules it
  must not import;
- ``first``: time from constructing the processor to the first enriched record, and the
  requests it takes;
- ``fleet``: N processes starting at once against the throttled mock, and the same fleet
  forked after the parent fetched;
- ``memory``: resident memory the library adds, and no growth over records and refreshes.

``--quick`` is the short mode CI runs with ``--check``: loose bars, each held at the figure's
optimistic end (see `_harness.BARS`); the default full mode takes several minutes and holds
the medians to the targets. Results go to ``benchmarks/results.json`` (not committed);
``--markdown benchmarks/README.md`` writes the README from the run (see `_markdown`).
"""
