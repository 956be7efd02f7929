"""Mutant generation: deterministic, stable ids, the operators, the lines that reach a mutant,
and sharding."""

from __future__ import annotations

import textwrap

import pytest

pytest.importorskip("cosmic_ray")

from harness.mutation import generate, operators

SOURCE = textwrap.dedent('''\
    """A docstring, never mutated."""

    LIMIT = 10


    def clamp(value, low=0):
        """Docstring."""
        if value < low or value > LIMIT:
            raise ValueError("out of range")
        total = value + 1
        return total


    class Box:
        size = 2

        @staticmethod
        def pair(a, b):
            items = [a, b][0:1]
            return divmod(a, b), max(a, b)
    ''')


def _mutants(source=SOURCE, names=None):
    return generate.generate_source(source, "mod.py", names or operators.select())


def test_generation_is_deterministic_and_ids_unique():
    first, second = _mutants(), _mutants()
    assert [m.id for m in first] == [m.id for m in second]
    assert [m.diff for m in first] == [m.diff for m in second]
    assert len({m.id for m in first}) == len(first) > 20


def test_ids_survive_edits_elsewhere_in_the_file():
    before = {m.id: m for m in _mutants()}
    edited = SOURCE.replace('LIMIT = 10\n', 'LIMIT = 10\nOTHER = 3\n\n\ndef extra(x):\n'
                                            '    return x * 2\n')
    after = {m.id: m for m in _mutants(edited)}
    assert set(before) <= set(after)
    for mutant_id, mutant in before.items():
        assert after[mutant_id].line == mutant.line + (5 if mutant.line > 3 else 0)
        assert after[mutant_id].operator == mutant.operator


def test_every_mutant_compiles_and_changes_one_place():
    source_lines = SOURCE.splitlines()
    for mutant in _mutants():
        text = mutant.source(SOURCE)
        compile(text, "mod.py", "exec")
        assert text != SOURCE
        assert mutant.diff.startswith("--- a/mod.py\n+++ b/mod.py\n@@ -")
        removed = [x[1:] for x in mutant.diff.splitlines()[3:] if x.startswith("-")]
        assert removed == source_lines[mutant.line - 1: mutant.line - 1 + len(removed)]


def test_docstrings_are_left_alone():
    assert not any("docstring" in m.original.lower() for m in _mutants())


def test_elements_are_qualified_names():
    elements = {m.element for m in _mutants()}
    assert elements == {"<module>", "clamp", "Box", "Box.pair"}


def test_our_operators_mutate_as_described():
    def only(name):
        return [m.source(SOURCE) for m in _mutants(names=[name])]

    assert any("    pass\n    return total" in s for s in only("sockspec/RemoveStatement"))
    swapped = only("sockspec/SwapArguments")
    assert any("return divmod(b, a), max(a, b)" in s for s in swapped)
    assert not any("max(b, a)" in s for s in swapped)  # max's arguments commute
    assert any("    return None\n" in s for s in only("sockspec/ReplaceReturnValue"))
    sliced = only("sockspec/DropSliceBound")
    assert any("[a, b][:1]" in s for s in sliced) and any("[a, b][0:]" in s for s in sliced)


def test_an_exception_nothing_raises_needs_no_name():
    # cosmic-ray's ExceptionReplacer names an exception nothing raises; the mutant instead
    # leaves the exception out of its tuple, or catches () alone: whatever process loads the
    # mutant (a spec's fresh interpreter, a private host) runs it without that name
    source = textwrap.dedent('''\
        def read(f):
            try:
                return f()
            except (ValueError, KeyError):
                return 1
            except OSError as exc:
                return exc
        ''')
    found = sorted(m.source(source).splitlines()[3:6:2] for m in
                   _mutants(source, ["core/ExceptionReplacer"]))
    assert found == [["    except (KeyError):", "    except OSError as exc:"],
                     ["    except (ValueError):", "    except OSError as exc:"],
                     ["    except (ValueError, KeyError):", "    except () as exc:"]]
    for mutant in _mutants(source, ["core/ExceptionReplacer"]):
        namespace = {}
        exec(compile(mutant.source(source), "mod.py", "exec"), namespace)
        assert namespace["read"](lambda: 0) == 0


def test_cosmic_ray_operators_are_used():
    used = {m.operator for m in _mutants()}
    assert {"core/NumberReplacer", "core/ReplaceOrWithAnd", "core/RemoveDecorator",
            "core/ReplaceComparisonOperator_Lt_LtE", "core/ReplaceBinaryOperator_Add_Sub"} <= used
    assert not any("Variable" in name for name in operators.all_names())


def test_operator_selection():
    assert operators.select(["NumberReplacer"]) == ["core/NumberReplacer"]
    assert len(operators.select(["ReplaceComparisonOperator_*"])) > 10
    with pytest.raises(operators.UnknownOperator, match="matches none"):
        operators.select(["NoSuchOperator"])


def test_the_lines_that_reach_a_mutant():
    by_text = {}
    for mutant in _mutants():
        by_text.setdefault((mutant.operator, mutant.line), mutant)
    lines = SOURCE.splitlines()
    body = tuple(range(lines.index('    """Docstring."""') + 1, lines.index("class Box:")))
    default = by_text[("core/NumberReplacer", lines.index("def clamp(value, low=0):") + 1)]
    assert default.coverage_lines[0] <= body[0] and default.coverage_lines[-1] >= body[-2]
    raise_line = lines.index('        raise ValueError("out of range")') + 1
    assert by_text[("sockspec/RemoveStatement", raise_line)].coverage_lines == (raise_line,)
    assert by_text[("core/NumberReplacer", 3)].coverage_lines is None  # module level
    decorator = by_text[("core/RemoveDecorator", lines.index("    @staticmethod") + 1)]
    assert lines.index("        return divmod(a, b), max(a, b)") + 1 in decorator.coverage_lines
    class_attribute = by_text[("core/NumberReplacer", lines.index("    size = 2") + 1)]
    assert class_attribute.coverage_lines is not None  # the class's lines


SPREAD = textwrap.dedent('''\
    def check(a, b):
        if (
            a != b
            or b > 2
        ):
            raise ValueError(
                "different",
            )
        return a
    ''')


def test_a_statement_over_several_lines_is_reached_from_any_of_them():
    # 3.12 reports the second line of a parenthesised condition, 3.11 its first
    by_text = {(m.operator, m.line): m for m in _mutants(SPREAD)}
    header = (2, 3, 4, 5)
    assert by_text[("core/ReplaceComparisonOperator_NotEq_Eq", 3)].coverage_lines == header
    assert by_text[("core/ReplaceOrWithAnd", 4)].coverage_lines == header
    assert by_text[("sockspec/RemoveStatement", 6)].coverage_lines == (6, 7, 8)
    assert by_text[("core/AddNot", 2)].coverage_lines == header
    assert by_text[("sockspec/ReplaceReturnValue", 9)].coverage_lines == (9,)


def test_shards_partition_the_mutants():
    mutants = _mutants()
    ids = [m.id for m in mutants]
    shards = [[i for i in ids if generate.in_shard(i, (k, 3))] for k in (1, 2, 3)]
    assert sorted(sum(shards, [])) == sorted(ids)
    assert all(shards)
    assert all(generate.in_shard(i, None) for i in ids)
    assert shards == [[i for i in ids if generate.in_shard(i, (k, 3))] for k in (1, 2, 3)]


@pytest.mark.parametrize("text", ["0/2", "3/2", "x", "1/0", "1-2"])
def test_bad_shards_are_one_line_errors(text):
    with pytest.raises(ValueError, match="--shard"):
        generate.parse_shard(text)


def test_reference_mutants_are_many_and_stable():
    from harness.model.paths import ROOT

    path = ROOT / "implementations" / "reference" / "socket.py"
    first = generate.generate_file(path, operators.select(["NumberReplacer", "sockspec/*"]))
    second = generate.generate_file(path, operators.select(["NumberReplacer", "sockspec/*"]))
    assert len(first) > 300
    assert [m.id for m in first] == [m.id for m in second]
