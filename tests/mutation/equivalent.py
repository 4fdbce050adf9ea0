"""Mutants judged equivalent: no test can kill them, because the program behaves the same.

Each entry is a mutant's id (``python -m tests.mutation --list`` prints them; ids are those of
Python 3.11, which the nox session runs) and why nothing observable changes. The runner does
not run them and leaves them out of the score, counting them apart; a mutant not listed here
that survives is a gap in the tests until it is killed or judged and listed.

An entry must say why, precisely enough for a reviewer to check it against the code: "a
redundant check" is not a reason, "``start`` is never negative here: it comes from
``str.find`` after a successful ``in``" is.
"""

from __future__ import annotations

__all__ = ["EQUIVALENT"]

EQUIVALENT: dict[str, str] = {
    "client-3e16a8cb": (
        "client:100 'a URL' -> '': the branch (pragma: no cover) is unreachable: "
        "find_source(ContextSettings(source=X)) for X in v4/v3/file returns a source of kind X "
        "or raises NoMetadataSourceError"
    ),
    "client-4b867ef5": (
        'client:38 TypeVar("_ModelT" -> ""): TypeVar accepts an empty name; it only appears in '
        "typing reprs"
    ),
    "client-ac5e8987": (
        'client:38 TypeVar("_ModelT" -> "XX_ModelTXX"): the TypeVar\'s name only appears in '
        "typing reprs; nothing at run time reads it"
    ),
    "client-ca2a8c90": (
        "client:36 Docker ID regex without its ^ anchor: the pattern is only used with "
        "re.match, which anchors at the start anyway"
    ),
    "context-55e32268": (
        "`self.source is None or self._closed` -> `and` in `_after_fork`: the early return then "
        "never happens for these contexts; equivalent for the reasons of context-c0fcf088."
    ),
    "context-c0fcf088": (
        "delete the statement `if self.source is None or self._closed: return` in `_after_fork` "
        "(the mutant puts `pass` there): without a source there is never a snapshot nor a start "
        "(`_start` returns at once), so `plan_after_fork` gives None and `started` is False: "
        "nothing happens; a closed context's refresher is stopped again by `_new_process` "
        "(`stopped = self._closed`), so `start(first_delay)` starts nothing and `_start()` "
        "returns on `_closed`; the `_pending`/`_started` it sets are read only by fetches, "
        "which return STOPPED for a closed context."
    ),
    "enricher-45aba6f4": (
        "_enricher:20 as enricher-f10be5bb: msg 'XX' instead of '', same attribute names"
    ),
    "enricher-4e0482f4": (
        "_enricher:144 deleting `if self._fields is None: deliver(...)` never re-delivers: as "
        "enricher-5b91ca97"
    ),
    "enricher-5b0a4719": (
        "_enricher:26 holds_no_stock_name() -> None only turns off the fast paths (filter "
        "`_plain`, install `_flat`): the slow path then adds the same keys (a stock record "
        "never meets the guard, so it takes `update(fields)`); a field key is never a stock "
        "attribute (a rename to one and a prefix-less tag named like one are refused), so the "
        "answer is True whenever it is asked: speed only"
    ),
    "enricher-5b91ca97": (
        "_enricher:145 as enricher-e034634f: without the deliver, a record after the startup "
        "bound with no answer gets `None or self._defaults`, the same defaults `_build(None)` "
        "gives; a published snapshot has always reached the subscriber before wait_first() "
        "returns True"
    ),
    "enricher-62c1cb37": (
        "_enricher:20 as enricher-f10be5bb: pathname 'XX' instead of '' (filename and module "
        "are still set), same attribute names"
    ),
    "enricher-6e50e305": (
        "_enricher:49 `'' in key` is True for every key: `inside` gains the undotted keys "
        "mapped to prefixes(key) == (), so `outer` is unchanged and add_to's `any(... for "
        "prefix in ())` is False, as before"
    ),
    "enricher-7011bec7": (
        "_enricher:135 `_build` returning None (first answer failed, or disabled) instead of "
        "the defaults leaves `_fields` None: every record then takes `_wait_fields`, which "
        "returns `self._fields or self._defaults` = the same defaults (wait_first is True at "
        "once: the first answer is in or the context is settled); the same keys, only slower"
    ),
    "enricher-8fd37536": (
        "_enricher:20 as enricher-f10be5bb: the level (1 instead of 0) changes levelname's "
        "value, not which attributes a LogRecord has"
    ),
    "enricher-bb8eec89": (
        "_enricher:26 `and` -> `or`: differs only when fields or their prefixes hold a stock "
        "record attribute, which never happens (renames to one and datadog tags named like one "
        "are refused by _settings/_fields), so both sides are True"
    ),
    "enricher-e034634f": (
        "_enricher:144 `is not None`: the deliver is skipped when `_fields` is still None, "
        "which after wait_first() is True happens only when no answer came within the bound (a "
        "snapshot is delivered to subscribers before `first` is set): `None or self._defaults` "
        "is then what `_build(None)` would have given; when `_fields` is set, re-delivering "
        "rebuilds the same dict"
    ),
    "enricher-e0ba82b0": (
        "_enricher:20 as enricher-f10be5bb: lineno -1 instead of 0, same attribute names"
    ),
    "enricher-f10be5bb": (
        "_enricher:20 builds STOCK_NAMES from a LogRecord's attribute *names*: LogRecord sets "
        "the same attributes whatever its name is ('XX' instead of ''), so the frozenset is "
        "unchanged"
    ),
    "enricher-fb1eac0f": (
        "_enricher:20 as enricher-f10be5bb: level -1 instead of 0, same attribute names"
    ),
    "enricher-fc0f4c1e": (
        "_enricher:20 as enricher-f10be5bb: lineno 1 instead of 0, same attribute names"
    ),
    "fetch-8e1854ae": (
        "`return Outcome.FAILED` -> `return None` in fetch_once's unexpected-error handler: its "
        "only reader is `Refresher.run` -> `Schedule.after`, which treats every outcome other "
        "than STOPPED, OK and THROTTLED as a failure (the backoff branch, as FAILED and "
        "PARTIAL); `refresh()` ignores the return value. Same schedule, same state."
    ),
    "fields-82027094": (
        "_fields:213 `task.task_arn or 'XXXX'`: task_arn is only read by the ARN helpers "
        "(parse_arn, account_id, cluster_arn, task_id, region), and 'XXXX' is no more an ARN "
        "than '': each returns None, and cluster_arn returns the cluster itself when it is an "
        "ARN, for both"
    ),
    "formatter-1f7d20a4": (
        "_formatter:185 without renames the rename loop does what update/add_to do: `renamed == "
        "key`, `missing` is empty, a key the record has is skipped unless overwrite, and a key "
        "with a prefix in log_data is skipped (prefixes(key) == fields.inside[key]); same "
        "object"
    ),
    "formatter-913478e9": (
        "_formatter:167 `outer or not outer.isdisjoint(log_data)`: enters the loop whenever "
        "outer is non-empty; the loop deletes a key only when one of its prefixes is in "
        "log_data, and all those prefixes are in `outer`, so it deletes nothing when outer and "
        "log_data are disjoint (and held is empty when outer is)"
    ),
    "formatter-b2d677d9": (
        "_formatter:81 the default of kwargs.get('style', '') only matters when style is "
        "absent, and neither '' nor 'XXXX' is None: the branch is taken exactly when style=None "
        "was passed"
    ),
    "formatter-b54f514b": (
        "_formatter:46 `__slots__ = ()` on the mixin: every concrete formatter also derives "
        "from python-json-logger's (and logging.Formatter's) classes, which have a __dict__, so "
        "the instances are laid out the same either way"
    ),
    "formatter-ec65e47b": (
        "_formatter:92 `self._ready = None` before super().__init__: python-json-logger's "
        "__init__ never formats, and `_setup` always calls `_set_fields(None)`, which sets "
        "`_ready = None` before anything reads it"
    ),
    "logging_filter-1730bf18": (
        "logging_filter:99 deleting the fast path of filter(): `_add_checked` gives a stock "
        "record `update(fields)` (its keys never meet the guard): the same attributes"
    ),
    "logging_filter-5e11339d": (
        "logging_filter:103 as logging_filter-1730bf18: without the length test every record "
        "takes `_add_checked`"
    ),
    "logging_filter-790fbb03": (
        "logging_filter:73 `and`: off ECS but enabled the filter is no longer swapped, and adds "
        "nothing (empty defaults, as logging_filter-b5d03ad1); disabled contexts have no "
        "source, so they are still swapped"
    ),
    "logging_filter-8a60bae7": (
        "logging_filter:117 `fields or self._nested`: with non-empty fields in a flat/otel "
        "style the nested branch runs add_to(record.__dict__, fields.for_record()): for_record "
        "only copies dict values (none outside nested) and add_to skips exactly the keys the "
        "other branch's guard/add_to skip, so the record gets the same attributes; with empty "
        "fields both branches add nothing"
    ),
    "logging_filter-b5d03ad1": (
        "logging_filter:77 not swapping in `_keep_record` off ECS/disabled without defaults: "
        "the filter's `_fields` is then the empty defaults (delivered at subscribe, the context "
        "being settled), `_plain` == {} and `update({})` adds nothing; always True: speed only"
    ),
    "logging_filter-ba2bbae6": (
        "logging_filter:88 `overwrite` instead of `not overwrite`: with overwrite a stock "
        "record takes update(plain) (it holds no key of the fields), the same as the slow "
        "path's update (guard = prefixes only, none on a stock record); without overwrite the "
        "slow path's update/add_to gives a stock record the same keys as the fast path: speed "
        "only"
    ),
    "logging_filter-c118bc8f": (
        "logging_filter:92 deleting `plain = dict(fields)`: every record takes `_add_checked`, "
        "which gives the same keys (see logging_filter-ba2bbae6): speed only"
    ),
    "metadata_file-476f3f83": (
        "`file.read(max_bytes + 1)` -> `read(max_bytes + 2)`: a file of at most max_bytes is "
        "read whole either way, and a larger one still gives more than max_bytes bytes, refused "
        "by the same `len(data) > max_bytes` with the same message."
    ),
    "metadata_file-4e8e0543": (
        '`getattr(os, "O_NONBLOCK", 0)` -> default 1: the default is used only where `os` has '
        "no O_NONBLOCK (Windows); on every POSIX system the package targets (ECS on Linux) "
        "getattr returns os.O_NONBLOCK."
    ),
    "metadata_file-a228b9a8": (
        '`getattr(os, "O_NONBLOCK", 0)` -> default -1: as above, the default is never used on '
        "POSIX."
    ),
    "own_container-8462109b": (
        "the docstring of MAX_READ (a bare string statement after the assignment) -> '': "
        "a string expression statement has no effect; no code reads it."
    ),
    "own_container-835e8989": (
        "the docstring of MAX_READ wrapped in XX: as own_container-8462109b, no effect."
    ),
    "own_container-02ac79e9": (
        "Docker cgroup rank 2 -> 3: ranks are compared only among the cgroup shapes (0, 0, 1, "
        "2), mountinfo ids are ordered in their own list; 3 keeps the Docker shape strictly "
        "last, and the rank never leaves `_Found` (sources show the line and the shape only)."
    ),
    "own_container-23cb9663": (
        "mountinfo rank of resolv.conf 5 -> 6: 3 < 4 < 6 is the same order as 3 < 4 < 5; the "
        "rank is never shown."
    ),
    "own_container-284e6d06": (
        "mountinfo rank of hostname 3 -> 0: as above, 0 < 4 < 5 is the same order as 3 < 4 < 5, "
        "and the rank is never shown."
    ),
    "own_container-7bf7a8e2": (
        '`data[: data.rfind(b"\\n") + 1]` -> `+ 2` after a read of exactly MAX_READ bytes: the '
        "slice keeps at most one more byte, which is a line of one character after the last "
        "newline (or the first byte when there is none); one character holds neither the two "
        "colons of a cgroup line nor the five fields of a mountinfo line, so no id is found in "
        "it either way; when the data ends with a newline both slices are the whole data."
    ),
    "own_container-8b35956a": (
        'depth `path.count("/", 0, start)` -> `count("/", 1, start)`: it differs only when the '
        'path\'s first character is "/", and then lowers the depth of every id of that path by '
        'one; the kernel writes every cgroup path of /proc/<pid>/cgroup from "/" (even above a '
        'namespace: "/../.."), so all depths drop alike and the order (rank, -depth, line) is '
        "unchanged. Only a relative path, which no kernel writes, would tell them apart."
    ),
    "own_container-9c23c426": ("mountinfo depth 0 -> -1: as above, a constant for every mount."),
    "own_container-bab54968": (
        "mountinfo rank of hostname 3 -> 2: mount ranks are compared only with each other "
        "(hostname 3, hosts 4, resolv.conf 5); 2 keeps hostname strictly first, and the rank is "
        "never shown."
    ),
    "own_container-c2172395": (
        "mountinfo depth 0 -> 1: every mountinfo entry gets the same constant depth, so the "
        "sort key's depth never tells two mounts apart, and depth is never shown."
    ),
    "processor-1d9a848f": (
        "processor:138 deleting the fast path of `_keep`: the slow path gives `{**fields, "
        "**event_dict}` when no event key meets the guard, and for plain (no dotted keys) "
        "fields add_to keeps the event's keys as `{**plain, **event_dict}` does: the same dict "
        "content"
    ),
    "processor-2f98b805": (
        "processor:144 deleting the guard test makes every record take "
        "`fields.add_to(event_dict)`: with no event key in the guard it adds every key, as "
        "`{**fields, **event_dict}` does; same content"
    ),
    "processor-3b744a53": (
        "processor:165 as processor-2f98b805, in `_nested`: add_to(event_dict, for_record()) "
        "adds the nested key when the event lacks it, as the `{**...}` branch"
    ),
    "processor-5e85cc65": (
        "processor:176 deleting the fast path of `_overwrite`: add_to(event_dict, for_record()) "
        "with overwrite sets every key (plain fields have no prefixes to skip), as "
        "update(plain)"
    ),
    "processor-7539993c": (
        "processor:167 the nested style's dict has one key, nested_key: `_nested` reaches "
        "add_to only when the event holds that key or a dotted prefix of it, and add_to then "
        "skips it (not overwrite): the call adds nothing"
    ),
    "processor-faff768e": (
        "processor:33 deleting `plain = dict(fields)` leaves `_plain` None: `_keep` then "
        "returns `{**fields, **event_dict}` (guard disjoint) or add_to -- the same keys -- and "
        "`_overwrite` calls add_to(keep=False) on a plain style without prefixes, the same as "
        "update(plain): speed only"
    ),
    "publisher-14255765": (
        "`return remaining <= 0` -> `return None` in `Publisher.wait_first` (the fetching "
        "thread's branch): while the bound runs, None is falsy like False (the record gets the "
        "placeholders, nothing cached); after the bound, the right code returns True and the "
        "enricher caches the placeholders through `deliver` (snapshot still None), while the "
        "mutant returns None and does not cache them; either way every later record of any "
        "thread gets the placeholders without waiting (the bound passed: `wait_first` returns "
        "True at once for them and `deliver` caches the same placeholders), until the first "
        "publication replaces them. Nothing a record or status shows differs."
    ),
    "publisher-703ec1d0": (
        "`remaining <= 0` -> `remaining < 0` (the fetching thread's branch): differs only when "
        "`remaining` is exactly 0.0, and then only in which record caches the placeholders, as "
        "in publisher-14255765: the records and status are the same."
    ),
    "reader-2180e0d9": ('`TypeVar("T")` -> `TypeVar("XXTXX")`: as above, the name is only a repr.'),
    "reader-b4589bf8": ("the docstring of `Item` wrapped in XX: as above."),
    "reader-c1caf3d0": (
        "the docstring of `Item` (a bare string statement after the assignment) -> '': a string "
        "expression statement has no effect; no code reads it."
    ),
    "reader-c8a8956e": (
        '`T = TypeVar("T")` -> `TypeVar("")`: the TypeVar\'s name is only its repr; it is used '
        "in annotations and in the `Item` alias, neither of which is evaluated against the name "
        "at run time (typing accepts an empty name)."
    ),
    "reader-d17ccf3e": (
        '`Item = Callable[["Reader", str, object], T]` -> `"XXReaderXX"`: the forward reference '
        "is stored unevaluated (typing checks only that it compiles) and nothing calls "
        "get_type_hints on `Item` or on an annotation using it."
    ),
    "refresher-405beecd": (
        "(line 83) `min(self._failures, 10)` -> 11: the delay is capped at MAX_RETRY (60 s) "
        "after the jitter; from 9 failures on, 2**9 = 512 s, jittered by at most half (>= 256 "
        "s), is far above 60, so min() returns 60 either way; the exponent bound only matters "
        "for overflow (2.0 ** 1024), which 11 does not reach. The refresher of a context always "
        "uses `jitter` with RETRY_SPREAD 0.5."
    ),
    "refresher-4546cdaf": (
        'an Outcome token changed ("" or wrapped in XX): same reason as refresher-7ee74028: the '
        "constants are compared only with themselves, by ==, and the changed one collides with "
        "no other outcome."
    ),
    "refresher-4f050418": (
        'an Outcome token changed ("" or wrapped in XX): same reason as refresher-7ee74028: the '
        "constants are compared only with themselves, by ==, and the changed one collides with "
        "no other outcome."
    ),
    "refresher-6d1e81be": (
        'an Outcome token changed ("" or wrapped in XX): same reason as refresher-7ee74028: the '
        "constants are compared only with themselves, by ==, and the changed one collides with "
        "no other outcome."
    ),
    "refresher-785ef650": (
        'an Outcome token changed ("" or wrapped in XX): same reason as refresher-7ee74028: the '
        "constants are compared only with themselves, by ==, and the changed one collides with "
        "no other outcome."
    ),
    "refresher-7ee74028": (
        '`Outcome.OK = "ok"` -> "": the Outcome values are internal tokens: `_fetch` returns '
        "the constants and only `Schedule.after` and `Refresher.run` read them, by `==` against "
        'the same constants; "" is still distinct from "partial", "failed", "throttled" and '
        '"stopped" (one mutation at a time), and no outcome is ever printed, logged or tested '
        "for truth."
    ),
    "refresher-827d1921": (
        "(line 83) `min(self._failures, 10)` -> 9: the delay is capped at MAX_RETRY (60 s) "
        "after the jitter; from 9 failures on, 2**9 = 512 s, jittered by at most half (>= 256 "
        "s), is far above 60, so min() returns 60 either way; the exponent bound only matters "
        "for overflow (2.0 ** 1024), which 11 does not reach. The refresher of a context always "
        "uses `jitter` with RETRY_SPREAD 0.5."
    ),
    "refresher-90c07f79": (
        'an Outcome token changed ("" or wrapped in XX): same reason as refresher-7ee74028: the '
        "constants are compared only with themselves, by ==, and the changed one collides with "
        "no other outcome."
    ),
    "refresher-9f7aa43b": (
        'an Outcome token changed ("" or wrapped in XX): same reason as refresher-7ee74028: the '
        "constants are compared only with themselves, by ==, and the changed one collides with "
        "no other outcome."
    ),
    "refresher-a5bf4fb5": (
        'an Outcome token changed ("" or wrapped in XX): same reason as refresher-7ee74028: the '
        "constants are compared only with themselves, by ==, and the changed one collides with "
        "no other outcome."
    ),
    "refresher-a8c97e85": (
        'an Outcome token changed ("" or wrapped in XX): same reason as refresher-7ee74028: the '
        "constants are compared only with themselves, by ==, and the changed one collides with "
        "no other outcome."
    ),
    "settings-55448825": ("_settings:213 LogRecord lineno 0 -> -1: same reason"),
    "settings-89a3f7d2": ("_settings:213 LogRecord level 0 -> -1: same reason"),
    "settings-ad77b61d": (
        "_settings:213 LogRecord lineno 0 -> 1: the line number is a value; the attribute names "
        "do not depend on it"
    ),
    "settings-e5ef8e2e": (
        '_settings:213 LogRecord("" -> "XX", ...) in _record_attributes: the logger name is a '
        "value, not an attribute name; the set of a record's attribute names is the same "
        "whatever its name"
    ),
    "settings-f6ee78bb": (
        "_settings:213 LogRecord level 0 -> 1: the level is a value; the record's attribute "
        "names do not depend on it"
    ),
    "source-19b72a48": (
        '_source:49 url.rsplit("/", 1)[-1] -> rsplit("/", 2)[-1]: the last element of a right '
        "split is the last segment whatever the number of splits"
    ),
    "source-2adeeaea": (
        '_source:93 (AWS_EXECUTION_ENV or "").startswith("AWS_ECS") -> or "XX": the fallback '
        'for an unset variable only has to not start with AWS_ECS, and "XX" does not either'
    ),
    "usage-720ab798": (
        "`cpu_delta <= 0` -> `cpu_delta <= -1` in cpu_percent: cpu_delta is a difference of "
        "ints (`total_usage` is read by as_int), so the only value let through is 0, which the "
        "formula turns into 0.0, the value of the early return."
    ),
    "usage-b2c893b0": (
        "`cpu_delta <= 0` -> `cpu_delta < 0` in cpu_percent: the only value let through is "
        "cpu_delta == 0 (system_delta > 0 is still required by the other operand), and the "
        "formula then gives 0 / system_delta * online * 100.0 == 0.0, the very value of the "
        "early `return 0.0`."
    ),
    "values-0c4cabd5": (
        "`_repr.maxother = 60` -> 61: maxother bounds only values without a repr_<type> method "
        "of reprlib, which among JSON values are float and bool (str, int, list and dict have "
        'their own); a float\'s repr is at most 24 characters ("-1.7976931348623157e+308"), a '
        "bool's 5, so no shown value reaches 60."
    ),
    "values-257c86f0": ("the docstring of `MAX_STRING` wrapped in XX: as above."),
    "values-430f8e2f": (
        "the docstring of `MAX_STRING` (a bare string statement) -> '': no effect, nothing "
        "reads it."
    ),
    "values-e2ff1077": (
        "`_repr.maxother = 60` -> 59: as above, no float or bool repr is longer than 24 characters."
    ),
}
