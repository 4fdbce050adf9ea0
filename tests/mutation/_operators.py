"""The mutants of one module, found in its AST and written back into its own source text.

Each mutant is one edit of the source: a span of characters and its replacement. The rest of
the file stays as it was, comments included, and so do the line numbers (a replacement shorter
than its span is padded with newlines inside its parentheses), so that a traceback from a
mutated copy points at the lines of the real file.

Operators (the ``operator`` of a `Mutant`):

- ``compare``: ``==``/``!=``, ``is``/``is not``, ``in``/``not in`` swapped; ``<`` to ``<=``
  and to ``>=`` (the boundary, then the negation), and likewise for ``<=``, ``>``, ``>=``;
- ``boolean``: ``and``/``or`` swapped;
- ``not``: ``not x`` to ``x``;
- ``number``: an int or float constant to n+1, n-1 and 0;
- ``string``: a string or bytes constant emptied, or changed (``"XX" + s + "XX"``), f-string
  text included; docstrings, ``__all__`` and ``__slots__`` are left alone;
- ``regex``: the pattern given to a ``re`` function (``re.compile`` ...): each ``{m,n}`` bound
  +1/-1, ``+``/``*`` swapped, a ``?`` removed, an anchor (``^``, ``$``, ``\\A``, ``\\Z``)
  removed, a class's ``^`` removed, ``\\d``/``\\s``/``\\w`` negated; only patterns that still
  compile;
- ``constant``: ``True``/``False`` swapped;
- ``return``: ``return x`` to ``return None`` (and a lambda's body to ``None``);
- ``statement``: a statement inside a function replaced by ``pass`` (an expression, an
  assignment, ``raise``, ``assert``, ``del``, ``break``, ``continue``, an ``if`` without
  ``else``);
- ``dataclass``: ``frozen=``, ``kw_only=``, ``slots=`` of ``@dataclass(...)`` flipped.

Annotations are not mutated (they are not run), except the metadata of ``Annotated[...]``
(the models read their JSON keys from it); nor is the body of ``if TYPE_CHECKING:``, nor a
line marked ``# pragma: no mutate``. A mutant whose source does not compile, or equals the
original or an earlier mutant, is dropped.
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["OPERATORS", "Mutant", "mutants_of", "regex_variants"]

OPERATORS = (
    "compare",
    "boolean",
    "not",
    "number",
    "string",
    "regex",
    "constant",
    "return",
    "statement",
    "dataclass",
)

NO_MUTATE = "pragma: no mutate"
_DATACLASS_FLAGS = frozenset({"frozen", "kw_only", "slots"})
_REGEX_FUNCTIONS = frozenset(
    {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer"}
)
_UNNAMED = frozenset({"__all__", "__slots__"})

# Each comparison operator, and what it becomes: the boundary first, then the negation.
_COMPARE: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
_DELETABLE = (
    ast.Expr,
    ast.Assign,
    ast.AugAssign,
    ast.AnnAssign,
    ast.Raise,
    ast.Assert,
    ast.Delete,
    ast.Break,
    ast.Continue,
)


@dataclass(frozen=True)
class Mutant:
    """One change to one module: ``source[start:end]`` becomes ``replacement``.

    Attributes:
        id: stable across runs and across edits elsewhere in the file: a digest of the module,
            the operator, the text replaced and its replacement (and its rank among equal ones).
            Stable for one Python version: ``ast.unparse`` writes some f-strings differently
            on 3.12 and later (the nox session runs 3.11).
        module: the module's name inside the package, e.g. ``_arn`` or ``models.task``.
        path: the file, relative to the repository's root.
        line: the first line of the change (1-based).
        col: its column (0-based, in characters).
        operator: one of `OPERATORS`.
        description: one line saying what changed.
    """

    id: str
    module: str
    path: str
    line: int
    col: int
    operator: str
    description: str
    start: int
    end: int
    replacement: str

    def apply(self, source: str) -> str:
        """The module's source with this change."""
        return source[: self.start] + self.replacement + source[self.end :]

    @property
    def location(self) -> str:
        """``module:line``."""
        return f"{self.module}:{self.line}"


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    replacement: str
    operator: str
    description: str
    line: int
    col: int
    original: str


def _short(text: str, limit: int = 60) -> str:
    """One line of at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _compiles(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        return False
    return True


_QUANTIFIER = re.compile(r"\{(\d*)(,?)(\d*)\}")


class _Regex:
    """A left-to-right scan of one pattern, noting each mutant on the way.

    ``atom``: the last token can take a quantifier; ``quantified``: it was one (a ``?`` after
    it makes it lazy, it is no quantifier of its own).
    """

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.found: list[tuple[str, str]] = []
        self.seen = {pattern}
        self.atom = self.quantified = False

    def add(self, start: int, end: int, new: str, what: str) -> None:
        pattern = self.pattern
        candidate = pattern[:start] + new + pattern[end:]
        if candidate not in self.seen and _compiles(candidate):
            self.seen.add(candidate)
            before = pattern[max(0, start - 15) : start]
            after = pattern[end : end + 15]
            self.found.append(
                (candidate, f"regex {what}: {before}<<{pattern[start:end]} => {new}>>{after}")
            )

    def scan(self) -> list[tuple[str, str]]:
        i = 0
        while i < len(self.pattern):
            char = self.pattern[i]
            if char == "\\":
                i = self._escape(i)
            elif char == "[":
                i = self._class(i)
            elif char == "(":
                i += 2 if self.pattern[i + 1 : i + 2] == "?" else 1
                self.atom = self.quantified = False
            elif char == "{" and (match := _QUANTIFIER.match(self.pattern, i)) and self.atom:
                i = self._bounds(i, match)
            else:
                self._plain(i, char)
                i += 1
        return self.found

    def _escape(self, i: int) -> int:
        escape = self.pattern[i : i + 2]
        if escape in ("\\A", "\\Z"):
            self.add(i, i + 2, "", "anchor removed")
            self.atom = False
        elif escape in ("\\b", "\\B"):
            self.atom = False
        else:
            if len(escape) == 2 and escape[1] in "dswDSW":
                self.add(i, i + 2, "\\" + escape[1].swapcase(), "class negated")
            self.atom = True
        self.quantified = False
        return i + 2

    def _class(self, i: int) -> int:
        """A ``[...]`` class, from its ``[``; returns the index after its ``]``."""
        i += 1
        if self.pattern[i : i + 1] == "^":
            self.add(i, i + 1, "", "class negation removed")
            i += 1
        body = i  # a "]" right here is a literal
        while i < len(self.pattern):
            char = self.pattern[i]
            if char == "\\":
                if self.pattern[i + 1 : i + 2] in tuple("dswDSW"):
                    self.add(i, i + 2, "\\" + self.pattern[i + 1].swapcase(), "class negated")
                i += 2
                continue
            i += 1
            if char == "]" and i - 1 > body:
                break
        self.atom, self.quantified = True, False
        return i

    def _bounds(self, i: int, match: re.Match[str]) -> int:
        low, comma, high = match.groups()
        for index, number in ((0, low), (2, high)):
            for value in (int(number) + 1, int(number) - 1) if number else ():
                if value >= 0:
                    parts = [low, comma, high]
                    parts[index] = str(value)
                    self.add(i, match.end(), "{" + "".join(parts) + "}", "bound changed")
        self.atom, self.quantified = False, True
        return match.end()

    def _plain(self, i: int, char: str) -> None:
        if char in "^$":
            self.add(i, i + 1, "", "anchor removed")
            self.atom = self.quantified = False
        elif char in "*+":
            if self.atom:
                self.add(i, i + 1, "+" if char == "*" else "*", "quantifier changed")
            self.atom, self.quantified = False, True
        elif char == "?":
            if self.atom and not self.quantified:
                self.add(i, i + 1, "", "optional made required")
            self.atom, self.quantified = False, True
        elif char == "|":
            self.atom = self.quantified = False
        else:
            self.atom, self.quantified = True, False


def regex_variants(pattern: str) -> list[tuple[str, str]]:
    """The mutants of a regular expression: (the new pattern, what changed), each compiling."""
    return _Regex(pattern).scan()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _named(node: ast.expr, name: str) -> bool:
    return (isinstance(node, ast.Name) and node.id == name) or (
        isinstance(node, ast.Attribute) and node.attr == name
    )


class _Collector(ast.NodeVisitor):
    """Walks one module and records every edit the operators make."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tree = ast.parse(source)
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for text in self.lines:
            self.starts.append(self.starts[-1] + len(text))
        self.skipped = {n for n, text in enumerate(self.lines, 1) if NO_MUTATE in text}
        self.edits: list[_Edit] = []
        self.scopes: list[str] = ["module"]
        self.fstring: ast.JoinedStr | None = None  # the f-string being walked, if any
        self.regexes: set[int] = set()  # ids of the Constant nodes that are regex patterns
        self.parents: dict[int, tuple[ast.AST, str, int | None]] = {}
        for parent in ast.walk(self.tree):
            for field, value in ast.iter_fields(parent):
                if isinstance(value, list):
                    for index, child in enumerate(value):
                        if isinstance(child, ast.AST):
                            self.parents[id(child)] = (parent, field, index)
                elif isinstance(value, ast.AST):
                    self.parents[id(value)] = (parent, field, None)

    # -- positions and edits ------------------------------------------------------------------

    def _offset(self, line: int, col: int) -> int:
        """Character offset of the AST's (line, UTF-8 byte column)."""
        text = self.lines[line - 1]
        return self.starts[line - 1] + len(text.encode("utf-8")[:col].decode("utf-8"))

    def _span(self, node: ast.expr | ast.stmt) -> tuple[int, int, int]:
        end_line = node.end_lineno or node.lineno
        end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        start = self._offset(node.lineno, node.col_offset)
        return start, self._offset(end_line, end_col), end_line - node.lineno

    def _add(
        self, node: ast.expr | ast.stmt, replacement: str, operator: str, description: str
    ) -> None:
        if node.lineno in self.skipped:
            return
        start, end, _ = self._span(node)
        col = start - self.starts[node.lineno - 1]
        self.edits.append(
            _Edit(
                start,
                end,
                replacement,
                operator,
                description,
                node.lineno,
                col,
                self.source[start:end],
            )
        )

    def _swap(self, node: ast.expr, new: ast.expr, operator: str, description: str) -> None:
        """Replace expression `node` by `new`: in place, or inside its f-string."""
        anchor: ast.expr = node
        if self.fstring is not None and node is not self.fstring:
            anchor = self.fstring
            parent, field, index = self.parents[id(node)]
            if index is None:
                setattr(parent, field, new)
            else:
                getattr(parent, field)[index] = new
            try:
                text = ast.unparse(anchor)
            finally:
                if index is None:
                    setattr(parent, field, node)
                else:
                    getattr(parent, field)[index] = node
        else:
            text = ast.unparse(new)
        _, _, extra = self._span(anchor)
        self._add(anchor, "(" + text + "\n" * extra + ")", operator, description)

    def _replace_statement(
        self, node: ast.stmt, text: str, operator: str, description: str
    ) -> None:
        _, _, extra = self._span(node)
        self._add(node, text + "\n" * extra, operator, description)

    # -- statements ---------------------------------------------------------------------------

    def _body(self, statements: Sequence[ast.stmt], *, docstring: bool = False) -> None:
        for index, statement in enumerate(statements):
            if docstring and index == 0 and _is_docstring(statement):
                continue
            if self.scopes[-1] == "function" and self._deletable(statement):
                first = ast.get_source_segment(self.source, statement) or ast.unparse(statement)
                self._replace_statement(
                    statement,
                    "pass",
                    "statement",
                    f"delete `{_short(first.splitlines()[0])}`",
                )
            self.visit(statement)

    @staticmethod
    def _deletable(statement: ast.stmt) -> bool:
        if isinstance(statement, ast.Expr):
            return not isinstance(statement.value, ast.Constant)
        if isinstance(statement, ast.AnnAssign):
            return statement.value is not None
        if isinstance(statement, ast.If):
            return not statement.orelse and not _is_type_checking(statement.test)
        return isinstance(statement, _DELETABLE)

    def generic_visit(self, node: ast.AST) -> None:
        for _, value in ast.iter_fields(node):
            if isinstance(value, list):
                if value and all(isinstance(item, ast.stmt) for item in value):
                    self._body(value)
                else:
                    for item in value:
                        if isinstance(item, ast.AST):
                            self.visit(item)
            elif isinstance(value, ast.AST):
                self.visit(value)

    def visit_Module(self, node: ast.Module) -> None:
        self._body(node.body, docstring=True)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        self.scopes.append("function")
        self._body(node.body, docstring=True)
        self.scopes.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._function(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._function(node)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        for default in [*node.args.defaults, *node.args.kw_defaults]:
            if default is not None:
                self.visit(default)
        if not (isinstance(node.body, ast.Constant) and node.body.value is None):
            self._swap(
                node.body,
                ast.Constant(None),
                "return",
                f"lambda `{_short(ast.unparse(node.body), 40)}` -> `None`",
            )
        self.scopes.append("function")
        self.visit(node.body)
        self.scopes.pop()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and _named(decorator.func, "dataclass"):
                for keyword in decorator.keywords:
                    value = keyword.value
                    if (
                        keyword.arg in _DATACLASS_FLAGS
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, bool)
                    ):
                        self._swap(
                            value,
                            ast.Constant(not value.value),
                            "dataclass",
                            f"@dataclass({keyword.arg}={value.value}) -> "
                            f"{keyword.arg}={not value.value}",
                        )
                    else:
                        self.visit(value)
            else:
                self.visit(decorator)
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword.value)
        self.scopes.append("class")
        self._body(node.body, docstring=True)
        self.scopes.pop()

    def _annotation(self, annotation: ast.expr) -> None:
        """Only the metadata of ``Annotated[...]`` runs: the rest is a type."""
        for node in ast.walk(annotation):
            if (
                isinstance(node, ast.Subscript)
                and _named(node.value, "Annotated")
                and isinstance(node.slice, ast.Tuple)
            ):
                for metadata in node.slice.elts[1:]:
                    self.visit(metadata)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._annotation(node.annotation)
        if node.value is not None:
            self.visit(node.value)

    def visit_Assign(self, node: ast.Assign) -> None:
        if self.scopes[-1] != "function" and any(
            isinstance(target, ast.Name) and target.id in _UNNAMED for target in node.targets
        ):
            return
        self.generic_visit(node)

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self._body(node.orelse)
            return
        self.generic_visit(node)

    def visit_Match(self, node: ast.Match) -> None:
        self.visit(node.subject)
        for case in node.cases:  # patterns are not expressions: they stay
            if case.guard is not None:
                self.visit(case.guard)
            self._body(case.body)

    def visit_Return(self, node: ast.Return) -> None:
        value = node.value
        if value is not None and not (isinstance(value, ast.Constant) and value.value is None):
            self._replace_statement(
                node,
                "return None",
                "return",
                f"`return {_short(ast.unparse(value), 40)}` -> `return None`",
            )
            self.visit(value)

    # -- expressions --------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "re"
            and func.attr in _REGEX_FUNCTIONS
        ):
            patterns = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "pattern")]
            self.regexes.update(id(pattern) for pattern in patterns)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        for index, op in enumerate(node.ops):
            for new_op in _COMPARE[type(op)]:
                ops = [*node.ops[:index], new_op(), *node.ops[index + 1 :]]
                new = ast.Compare(left=node.left, ops=ops, comparators=node.comparators)
                self._swap(
                    node,
                    new,
                    "compare",
                    f"`{_short(ast.unparse(node), 50)}` -> `{_short(ast.unparse(new), 50)}`",
                )
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        new = ast.BoolOp(op=ast.Or() if isinstance(node.op, ast.And) else ast.And(), values=[])
        new.values = node.values
        self._swap(
            node,
            new,
            "boolean",
            f"`{_short(ast.unparse(node), 50)}` -> `{_short(ast.unparse(new), 50)}`",
        )
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:
        if isinstance(node.op, ast.Not):
            self._swap(
                node,
                node.operand,
                "not",
                f"`{_short(ast.unparse(node), 50)}` -> `{_short(ast.unparse(node.operand), 50)}`",
            )
        elif (
            isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
            and isinstance(node.operand.value, (int, float))
            and not isinstance(node.operand.value, bool)
        ):
            self._number(node, -node.operand.value)
            return
        self.generic_visit(node)

    def _number(self, node: ast.expr, value: float) -> None:
        for new in dict.fromkeys((value + 1, value - 1, 0 * value)):
            if new != value:
                self._swap(node, ast.Constant(new), "number", f"{value!r} -> {new!r}")

    def visit_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if isinstance(value, bool):
            self._swap(node, ast.Constant(not value), "constant", f"{value} -> {not value}")
        elif isinstance(value, (int, float)):
            self._number(node, value)
        elif isinstance(value, (str, bytes)):
            self._string(node, value)
            if isinstance(value, str) and id(node) in self.regexes:
                for pattern, what in regex_variants(value):
                    self._swap(node, ast.Constant(pattern), "regex", what)

    def _string(self, node: ast.Constant, value: str | bytes) -> None:
        changes: Iterable[str | bytes]
        if isinstance(value, str):
            changes = ("", "XX" + value + "XX")
        else:
            changes = (b"", b"XX" + value + b"XX")
        shown = _short(repr(value))
        for new in changes:
            if new != value:
                text = f"{new!r}" if not new else "wrapped in XX"
                self._swap(node, ast.Constant(new), "string", f"{shown} -> {text}")

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        outer = self.fstring
        if outer is None:
            self.fstring = node
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                self._string(part, part.value)
            elif isinstance(part, ast.FormattedValue):
                self.visit(part.value)  # not its format spec
        self.fstring = outer


def mutants_of(source: str, *, module: str, path: str) -> list[Mutant]:
    """Every mutant of one module's source, in the order of the source.

    Args:
        source: the module's text.
        module: its name inside the package, for the report.
        path: its path relative to the repository's root, for the runner.
    """
    collector = _Collector(source)
    collector.visit(collector.tree)
    # In the source's order; the edits of one f-string, all over its span, in their own order.
    order = {id(edit): index for index, edit in enumerate(collector.edits)}
    edits = sorted(collector.edits, key=lambda e: (e.start, order[id(e)]))
    mutants: list[Mutant] = []
    sources = {source}
    ranks: dict[tuple[str, str, str], int] = {}
    for edit in edits:
        mutated = source[: edit.start] + edit.replacement + source[edit.end :]
        if mutated in sources:
            continue
        try:
            compile(mutated, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            continue
        sources.add(mutated)
        key = (edit.operator, edit.original, edit.replacement)
        rank = ranks[key] = ranks.get(key, -1) + 1
        digest = hashlib.sha1(
            "\0".join((path, *key, str(rank))).encode("utf-8"), usedforsecurity=False
        ).hexdigest()
        stem = module.rsplit(".", 1)[-1].strip("_") or module
        mutants.append(
            Mutant(
                id=f"{stem}-{digest[:8]}",
                module=module,
                path=path,
                line=edit.line,
                col=edit.col,
                operator=edit.operator,
                description=edit.description,
                start=edit.start,
                end=edit.end,
                replacement=edit.replacement,
            )
        )
    return mutants
