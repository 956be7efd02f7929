"""The mutants of one Python source file.

The file is parsed once with parso (cosmic-ray's parser). A pre-order walk offers every node
to every operator; each position an operator yields is one mutant. The mutation is applied
to a copy of that node's subtree, so the tree stays the original for the rest of the walk,
and the mutant's source is the original text with that node's span replaced by the copy's
code. A mutant whose source does not compile, or that changes nothing, is dropped.

A mutant's id is stable under edits elsewhere in the file: it hashes the operator, the
enclosing element (qualified name of the function or class, ``<module>`` outside any), the
text of the mutated line, where on that line the mutation starts, the mutated text, and how
many earlier mutants had all of these the same.

Each mutant also says which lines' coverage decides whether a spec reaches it
(``coverage_lines``): the lines of its statement (of the header, in ``if``, ``while`` and
the like); for a part of a ``def`` line or a
decorator, which runs at import, the lines of that function's body; for a statement in a
class body, the lines of the class; and ``None`` for code at module level (every spec).
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import hashlib
import warnings
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import parso
from cosmic_ray.ast import ast_nodes
from parso.utils import split_lines

from harness.documents.mutation import diff_summary
from harness.mutation import operators as operators_module

MODULE_ELEMENT = "<module>"


@dataclasses.dataclass(frozen=True)
class Mutant:
    id: str
    file: str
    line: int
    column: int
    element: str
    operator: str
    #: the original text of the mutated node and what replaces it (prefixes included)
    original: str
    replacement: str
    start: int
    end: int
    diff: str
    #: lines whose specs reach the mutant; None: code that runs at import (every spec)
    coverage_lines: Optional[Tuple[int, ...]]
    #: first line of the mutated statement (the line coverage records for it)
    statement_line: int

    def source(self, original_source: str) -> str:
        return original_source[: self.start] + self.replacement + original_source[self.end:]

    def summary(self) -> str:
        """The diff on one line: ``-old +new`` of the changed lines."""
        return diff_summary(self.diff)


def _clone(node, parent):
    new = copy.copy(node)
    new.parent = parent
    children = getattr(node, "children", None)
    if children is not None:
        new.children = [_clone(child, new) for child in children]
    return new


class _Offsets:
    def __init__(self, source: str) -> None:
        self.lines = split_lines(source, keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def of(self, position: Tuple[int, int]) -> int:
        line, column = position
        return self.starts[line - 1] + column

    def line_text(self, line: int) -> str:
        return self.lines[line - 1]


def _element(node) -> str:
    names = []
    scope = node.parent
    while scope is not None:
        if scope.type in ("funcdef", "classdef"):
            names.append(scope.name.value)
        scope = scope.parent
    return ".".join(reversed(names)) or MODULE_ELEMENT


def _enclosing(node, types):
    scope = node.parent
    while scope is not None and scope.type not in types:
        scope = scope.parent
    return scope


def _body_lines(scope) -> Tuple[int, ...]:
    suite = scope.children[-1]
    return tuple(range(suite.start_pos[0], suite.end_pos[0] + 1))


def _coverage_lines(node, line: int) -> Optional[Tuple[int, ...]]:
    """Which lines' coverage reaches this node's code (module docstring)."""
    child = node
    while True:
        if child.type == "decorator":
            decorated = _enclosing(child, ("decorated",))
            return _body_lines(decorated.children[-1])
        parent = child.parent
        if parent is None:
            return None
        if parent.type in ("funcdef", "classdef"):
            if child is not parent.children[-1] or parent.type == "classdef":
                # a def line runs at import: defaults, annotations; a class body too
                return _body_lines(parent)
            return _statement_lines(node)
        child = parent


#: statements with a header (``if x:``) and a body
_COMPOUND = ("if_stmt", "while_stmt", "for_stmt", "try_stmt", "with_stmt", "async_stmt",
             "funcdef", "classdef")


def _statement_lines(node) -> Tuple[int, ...]:
    """Every line of the node's statement, or of the header part it is in: which of them a
    tracer reports for a statement that spans lines differs across Pythons (3.12 reports the
    second line of ``if (`` ... ``):``)."""
    statement = node if node.type == "simple_stmt" else _enclosing(node, ("simple_stmt",))
    if statement is None and node.type in _COMPOUND:  # the statement itself: its header
        suite = next((c for c in node.children if c.type == "suite"), node.children[-1])
        return tuple(range(node.start_pos[0], suite.get_previous_leaf().end_pos[0] + 1))
    if statement is None:
        statement = node
        while statement.parent is not None and statement.parent.type not in _COMPOUND:
            statement = statement.parent
    first, (last, column) = statement.start_pos[0], statement.end_pos
    if column == 0 and last > first:  # ends with its newline
        last -= 1
    return tuple(range(first, last + 1))


def _statement_line(node, line: int) -> int:
    statement = node if node.type == "simple_stmt" else _enclosing(node, ("simple_stmt",))
    return statement.start_pos[0] if statement is not None else line


def _diff(name: str, offsets: _Offsets, start: int, end: int, replacement: str,
          source: str) -> Tuple[str, int]:
    """A unified diff with no context lines of the one changed region, and its first line."""
    first = bisect.bisect_right(offsets.starts, start)
    last = bisect.bisect_left(offsets.starts, max(end, start + 1))
    last = min(last, len(offsets.lines))
    region_start = offsets.starts[first - 1]
    region_end = offsets.starts[last]
    old = source[region_start:region_end]
    new = source[region_start:start] + replacement + source[end:region_end]
    old_lines = old.splitlines() or [""]
    new_lines = new.splitlines()
    header = (f"--- a/{name}\n+++ b/{name}\n"
              f"@@ -{first},{len(old_lines)} +{first},{len(new_lines)} @@\n")
    body = "".join(f"-{text}\n" for text in old_lines)
    body += "".join(f"+{text}\n" for text in new_lines)
    return header + body, first


def _ident(parts: Sequence[str]) -> str:
    return hashlib.sha1("\0".join(parts).encode("utf-8")).hexdigest()[:12]


def _compiles(source: str, name: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `x is "text"` is a fine mutant, not a warning
        try:
            compile(source, name, "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def _skip(node) -> bool:
    """Nodes never mutated: docstrings and whatever is inside them."""
    return operators_module.is_docstring(node)


def generate_source(source: str, name: str, operator_names: Sequence[str]) -> List[Mutant]:
    """The mutants of ``source`` (shown as ``name``) by the given operators, in walk order."""
    tree = parso.parse(source)
    offsets = _Offsets(source)
    chosen = operators_module.instances(operator_names)
    mutants: List[Mutant] = []
    seen_sources = set()
    ordinals: Dict[Tuple[str, ...], int] = {}
    for node in ast_nodes(tree):
        if _skip(node):
            continue
        for op_name, operator in chosen:
            positions = list(operator.mutation_positions(node))
            for index, position in enumerate(positions):
                mutant = _make(node, operator, op_name, index, position, source, name, offsets)
                if mutant is None:
                    continue
                key, fields = mutant
                if key in seen_sources:
                    continue
                seen_sources.add(key)
                ordinal = ordinals.get(fields, 0)
                ordinals[fields] = ordinal + 1
                mutants.append(fields_to_mutant(fields, ordinal, key, name, source, offsets,
                                                node, position))
    return mutants


def _make(node, operator, op_name, index, position, source, name, offsets):
    copy_ = _clone(node, node.parent)
    try:
        mutated = operator.mutate(copy_, index)
    except Exception:  # an operator that cannot handle this form (cosmic-ray's
        return None    # ExceptionReplacer and a dotted name in a tuple): no mutant here
    start = offsets.of(node.get_start_pos_of_prefix())
    end = offsets.of(node.end_pos)
    if mutated is None:  # removed: its lines go, the blank lines and comments before it stay
        prefix = node.get_first_leaf().prefix
        replacement = prefix[: prefix.rfind("\n") + 1]
    else:
        prefix = node.get_first_leaf().prefix
        if not hasattr(mutated, "children") and not mutated.prefix \
                and mutated.value.startswith(" "):
            # cosmic-ray's NumberReplacer makes a leaf " 3" without the old leaf's prefix: keep
            # the prefix (the line break before it) and drop the space
            mutated.prefix, mutated.value = prefix, mutated.value.lstrip(" ")
        replacement = operators_module.without_testing_exception(
            mutated.get_code(include_prefix=True))
    original = source[start:end]
    if replacement == original:
        return None
    # only the part that changes: the diff and the id do not carry unchanged prefixes
    same = 0
    while same < min(len(original), len(replacement)) and original[same] == replacement[same]:
        same += 1
    tail = 0
    while tail < min(len(original), len(replacement)) - same \
            and original[-1 - tail] == replacement[-1 - tail]:
        tail += 1
    start, end = start + same, end - tail
    replacement = replacement[same:len(replacement) - tail]
    # the top-level statement holding the node compiles on its own exactly when the whole
    # module would (and is much quicker to compile)
    top = node
    while top.parent is not None and top.parent.parent is not None:
        top = top.parent
    piece_start = min(offsets.of(top.get_start_pos_of_prefix()), start)
    piece_end = max(offsets.of(top.end_pos), end)
    if not _compiles(source[piece_start:start] + replacement + source[end:piece_end], name):
        return None
    line, column = position[0]
    line_text = offsets.line_text(line)
    indent = len(line_text) - len(line_text.lstrip())
    fields = (op_name, _element(node), line_text.strip(), str(column - indent), replacement)
    return (start, end, replacement), fields


def fields_to_mutant(fields, ordinal, key, name, source, offsets, node, position) -> Mutant:
    start, end, replacement = key
    op_name, element = fields[0], fields[1]
    diff, _ = _diff(name, offsets, start, end, replacement, source)
    line, column = position[0]
    return Mutant(
        id=_ident([*fields, str(ordinal)]),
        file=name,
        line=line,
        column=column,
        element=element,
        operator=op_name,
        original=source[start:end],
        replacement=replacement,
        start=start,
        end=end,
        diff=diff,
        coverage_lines=_coverage_lines(node, line),
        statement_line=_statement_line(node, line),
    )


def generate_file(path: Path, operator_names: Sequence[str], name: Optional[str] = None
                  ) -> List[Mutant]:
    source = Path(path).read_text(encoding="utf-8")
    return generate_source(source, name or str(path), operator_names)


def in_shard(mutant_id: str, shard: Optional[Tuple[int, int]]) -> bool:
    """Whether a mutant belongs to shard K of N (K from 1): its id, as a number, modulo N."""
    if shard is None:
        return True
    index, count = shard
    return int(mutant_id, 16) % count == index - 1


def parse_shard(text: str) -> Tuple[int, int]:
    """``K/N`` as (K, N); ValueError with a one-line message otherwise."""
    try:
        index_text, count_text = text.split("/")
        index, count = int(index_text), int(count_text)
    except ValueError:
        raise ValueError(f"--shard {text!r}: give K/N, such as 1/4") from None
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text!r}: K must be between 1 and N")
    return index, count

