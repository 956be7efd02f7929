"""The mutation operators: cosmic-ray's core operators, and the few kinds it has none for.

cosmic-ray's operators work on parso trees: ``mutation_positions(node)`` yields one position
per possible mutation of that node and ``mutate(node, index)`` returns the node with the
index-th of them applied (or None: the node is removed). The operators written here follow
the same protocol (they derive from cosmic-ray's ``Operator``), so one walk serves both:

- ``sockspec/RemoveStatement``: an expression, assignment, ``raise``, ``del`` or ``assert``
  statement becomes ``pass`` (removed statements and calls);
- ``sockspec/SwapArguments``: two neighbouring positional arguments of a call change places;
- ``sockspec/ReplaceReturnValue``: ``return X`` becomes ``return None``;
- ``sockspec/DropSliceBound``: ``x[a:b]`` loses its start or its stop.

Operators are named ``provider/Name`` as cosmic-ray names them (``core/NumberReplacer``).
cosmic-ray's ``VariableReplacer`` and ``VariableInserter`` draw at random, so they are left out:
the same source must always give the same mutants.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Dict, Iterable, List, Sequence

from cosmic_ray.operators.operator import Example, Operator
from cosmic_ray.plugins import get_operator, operator_names
from parso.python.tree import Keyword

OWN_PROVIDER = "sockspec"

#: cosmic-ray operators never used: random choices make the mutants differ from run to run.
EXCLUDED = ("core/VariableReplacer", "core/VariableInserter")

#: The name cosmic-ray's ExceptionReplacer writes into an ``except`` clause for an exception
#: nothing raises. The mutant says the same without a name that whatever process loads it (a
#: spec's fresh interpreter or private host as much as the run itself) would have to define:
#: the exception leaves the tuple it is in, and a lone one becomes ``()``, which matches nothing.
TESTING_EXCEPTION = "CosmicRayTestingException"
_IN_A_TUPLE = re.compile(rf"\s*,\s*{TESTING_EXCEPTION}\b|\b{TESTING_EXCEPTION}\s*,\s*")


def without_testing_exception(code: str) -> str:
    """``code`` with cosmic-ray's testing exception taken out of its ``except`` clause."""
    return _IN_A_TUPLE.sub("", code, count=1).replace(TESTING_EXCEPTION, "()")


class UnknownOperator(ValueError):
    """An operator name or pattern that matches no operator."""


def _code(node) -> str:
    return node.get_code(include_prefix=False)


_STATEMENT_TYPES = {"expr_stmt", "raise_stmt", "del_stmt", "assert_stmt", "atom_expr", "power"}


class RemoveStatement(Operator):
    """Replace one simple statement (not a docstring, import, return or pass) with ``pass``."""

    def mutation_positions(self, node):
        if node.type in _STATEMENT_TYPES and node.parent is not None \
                and node.parent.type == "simple_stmt":
            yield (node.start_pos, node.end_pos)

    def mutate(self, node, index):
        assert index == 0
        return Keyword("pass", node.start_pos, prefix=node.get_first_leaf().prefix)

    @classmethod
    def examples(cls):
        return (Example("x = f(1)\n", "pass\n"), Example("f(1)\n", "pass\n"),
                Example("raise E\n", "pass\n"))


def _positional_arguments(arglist) -> List[int]:
    """Indexes in ``arglist.children`` of the positional arguments (no name=, * or **)."""
    indexes = []
    for number, child in enumerate(arglist.children):
        if child.type == "operator" and child.value == ",":
            continue
        if child.type == "argument" or child.type == "star_expr":
            return indexes  # keywords and unpacking come after the positional ones
        if child.type == "operator":  # a bare * or ** of an unpacking
            return indexes
        indexes.append(number)
    return indexes


#: Calls whose positional arguments commute: exchanging them changes nothing.
COMMUTATIVE_CALLS = frozenset({"min", "max"})


def _called_name(trailer) -> str:
    """The name called by ``trailer`` when it directly follows a plain name (``min(...)``)."""
    parent = trailer.parent
    if parent is None or parent.type not in ("power", "atom_expr"):
        return ""
    # by position: generation mutates a copy of the trailer, which its parent does not hold
    if len(parent.children) < 2 or parent.children[1].start_pos != trailer.start_pos:
        return ""
    if parent.children[0].type != "name":
        return ""
    return parent.children[0].value


class SwapArguments(Operator):
    """Exchange two neighbouring positional arguments of a call (not of ``min``/``max``,
    whose arguments commute)."""

    def _pairs(self, node):
        if node.type != "trailer" or node.children[0].value != "(" or len(node.children) != 3:
            return []
        if _called_name(node) in COMMUTATIVE_CALLS:
            return []
        arglist = node.children[1]
        if arglist.type != "arglist":
            return []
        indexes = _positional_arguments(arglist)
        return [(a, b) for a, b in zip(indexes, indexes[1:])
                if _code(arglist.children[a]) != _code(arglist.children[b])]

    def mutation_positions(self, node):
        for first, second in self._pairs(node):
            arglist = node.children[1]
            yield (arglist.children[first].start_pos, arglist.children[second].end_pos)

    def mutate(self, node, index):
        first, second = self._pairs(node)[index]
        arglist = node.children[1]
        children = list(arglist.children)
        a, b = children[first], children[second]
        prefix_a, prefix_b = a.get_first_leaf().prefix, b.get_first_leaf().prefix
        a.get_first_leaf().prefix, b.get_first_leaf().prefix = prefix_b, prefix_a
        children[first], children[second] = b, a
        arglist.children = children
        return node

    @classmethod
    def examples(cls):
        return (Example("f(a, b)", "f(b, a)"), Example("f(a, b, c)", "f(a, c, b)", occurrence=1))


class ReplaceReturnValue(Operator):
    """``return X`` (X not None) becomes ``return None``."""

    def mutation_positions(self, node):
        if node.type == "return_stmt" and len(node.children) == 2:
            value = node.children[1]
            if not (isinstance(value, Keyword) and value.value == "None"):
                yield (value.start_pos, value.end_pos)

    def mutate(self, node, index):
        assert index == 0
        value = node.children[1]
        node.children[1] = Keyword("None", value.start_pos, prefix=value.get_first_leaf().prefix)
        return node

    @classmethod
    def examples(cls):
        return (Example("def f():\n    return x + 1\n", "def f():\n    return None\n"),)


class DropSliceBound(Operator):
    """``x[a:b]`` becomes ``x[:b]`` or ``x[a:]`` (each bound that is there)."""

    def _bounds(self, node):
        if node.type != "subscript":
            return []
        children = node.children
        colons = [i for i, c in enumerate(children) if c.type == "operator" and c.value == ":"]
        if not colons:
            return []
        colon = colons[0]
        bounds = []
        if colon > 0:
            bounds.append(colon - 1)
        if colon + 1 < len(children) and children[colon + 1].type != "sliceop":
            bounds.append(colon + 1)
        return bounds

    def mutation_positions(self, node):
        for bound in self._bounds(node):
            child = node.children[bound]
            yield (child.start_pos, child.end_pos)

    def mutate(self, node, index):
        bound = self._bounds(node)[index]
        children = list(node.children)
        removed = children.pop(bound)
        if bound == 0:
            children[0].prefix = removed.get_first_leaf().prefix
        node.children = children
        return node

    @classmethod
    def examples(cls):
        return (Example("x[a:b]", "x[:b]"), Example("x[a:b]", "x[a:]", occurrence=1))


OWN_OPERATORS: Dict[str, type] = {
    f"{OWN_PROVIDER}/{cls.__name__}": cls
    for cls in (RemoveStatement, SwapArguments, ReplaceReturnValue, DropSliceBound)
}


def all_names() -> List[str]:
    """Every operator name this engine can use, cosmic-ray's first, in a fixed order."""
    names = [n for n in operator_names() if n not in EXCLUDED]
    return sorted(names) + sorted(OWN_OPERATORS)


def select(patterns: Sequence[str] = ()) -> List[str]:
    """The operator names matching any of the shell-style patterns (all without any)."""
    names = all_names()
    if not patterns:
        return names
    chosen = []
    for pattern in patterns:
        matched = [n for n in names if fnmatch.fnmatchcase(n, pattern)
                   or fnmatch.fnmatchcase(n.split("/", 1)[1], pattern)]
        if not matched:
            raise UnknownOperator(f"operator {pattern!r} matches none of the "
                                  f"{len(names)} operators (see --list-operators)")
        chosen += [n for n in matched if n not in chosen]
    return [n for n in names if n in chosen]


def instances(names: Iterable[str]) -> List[tuple]:
    """[(name, operator instance)] for the given names."""
    result = []
    for name in names:
        cls = OWN_OPERATORS.get(name) or get_operator(name)
        result.append((name, cls()))
    return result


# A parse tree helper shared with generate: is this node a docstring (a lone string statement)?
def is_docstring(node) -> bool:
    parent = node.parent
    return (node.type == "string" and parent is not None and parent.type == "simple_stmt"
            and len(parent.children) == 2)

