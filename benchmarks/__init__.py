"""Benchmarks of ecs-log-context: ``python -m benchmarks`` from the repository's root.

Groups (``--only`` takes their names, comma-separated):

- ``structlog``, ``stdlib``, ``disabled``: the cost per record, every variant of a group
  timed interleaved in one process, each overhead as a ratio to the group's limit (a bare
  ``dict.update`` of the very same fields);
- ``install``: ``install()``'s ``makeRecord`` against a bare wrapper that updates the record's
  ``__dict__`` (and, reported, a caller's ``extra`` naming a field); ``loguru``:
  `EcsContextPatcher` against a bare patcher function (skipped without loguru);
- ``import``: ``import ecs_log_context`` from ``-X importtime``, and the modules it must not
  import;
- ``first``: time from constructing the processor to the first enriched record;
- ``fleet``: N processes starting at once against the throttled mock, and the same fleet
  forked after the parent fetched;
- ``memory``: resident memory the library adds, and no growth over records and refreshes.

``--quick`` is the short mode CI runs with ``--check`` and loose bars; the default full mode
takes a few minutes. Results go to ``benchmarks/results.json`` (not committed).
"""
