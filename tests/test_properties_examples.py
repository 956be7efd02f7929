"""A failing property's record holds its shrunk example, and the example database of one
implementation is its own.

The example is read from what hypothesis attached to the failure (its notes), so it is whole
whatever hypothesis calls it ("Failing test case:" from 6.15x, "Falsifying example:" before)
and however pytest renders the traceback. Every implementation, persona and Python has its own
database: a clean run of one implementation replays, and would delete, the counterexamples of
another if they shared one.
"""

from __future__ import annotations

from pathlib import Path

from harness.runner import hypothesis_profiles
from harness.runner.hypothesis_info import example_from_notes, hypothesis_details
from tests.test_properties_broken import (
    BROKEN,
    installed_hypothesis,
    intact_copy,
    make_copy,
    run_specs,
)

INTENUM = next(b for b in BROKEN if b.name == "intenum_keeps_negative_ints")
SPEC = f"test_{INTENUM.rejected_by}"


def _database_files(folder: Path) -> dict:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _scope_folder(root: Path, copy: Path) -> Path:
    return root / hypothesis_profiles.database_scope(copy.stem, None, str(copy), registered=False)


def test_the_shrunk_example_and_the_hypothesis_version_are_recorded(tmp_path):
    copy = make_copy(INTENUM, tmp_path)
    code, records, output = run_specs(copy, tmp_path, "-k", SPEC)
    assert code == 1, output
    details = records[INTENUM.rejected_by]["hypothesis"]
    assert details["hypothesis_version"] == installed_hypothesis()
    example = details["example"]
    # Shrunk: the smallest negative number, whole (the closing parenthesis included).
    assert "value=-1," in example, example
    assert example.startswith(SPEC + "(") and example.endswith(")"), example
    assert "E   " not in example


def test_a_run_of_another_implementation_leaves_the_counterexample_in_place(tmp_path):
    broken = make_copy(INTENUM, tmp_path)
    intact = intact_copy(tmp_path)
    root = tmp_path / "hypothesis-db"  # the database root run_specs gives every run

    code, _records, output = run_specs(broken, tmp_path, "-k", SPEC)
    assert code == 1, output
    stored = _database_files(_scope_folder(root, broken))
    assert stored, f"no counterexample stored under {_scope_folder(root, broken)}"

    code, records, output = run_specs(intact, tmp_path, "-k", SPEC)
    assert code == 0, output
    assert records[INTENUM.rejected_by]["outcome"] == "pass"
    assert _database_files(_scope_folder(root, broken)) == stored

    code, records, output = run_specs(broken, tmp_path, "-k", SPEC)
    assert code == 1, output  # found again, from the stored example first
    assert "value=-1," in records[INTENUM.rejected_by]["hypothesis"]["example"]


def test_scopes_differ_by_implementation_persona_and_source():
    scope = hypothesis_profiles.database_scope
    assert scope("reference", None) != scope("stdlib", None)
    assert scope("reference", None) != scope("reference", "windows")
    assert scope("copy", None, "/a/copy.py", registered=False) != scope(
        "copy", None, "/b/copy.py", registered=False
    )
    assert scope("reference", None).endswith("/native/" + _python_tag())


def _python_tag() -> str:
    import sys

    return f"{sys.implementation.name}{sys.version_info[0]}.{sys.version_info[1]}"


class _Failure(Exception):
    pass


def test_example_from_notes_of_current_and_older_hypothesis():
    current = ["Failing test case: f(\n    x=10,\n    ys=[''],\n)",
               "\nYou can reproduce this test case by temporarily adding "
               "@reproduce_failure('6.170.17', b'AEEKAYAA') as a decorator on your test function"]
    assert example_from_notes(current) == "f(\n    x=10,\n    ys=[''],\n)"
    older = ["Falsifying example: f(\n    x=10,\n)"]
    assert example_from_notes(older) == "f(\n    x=10,\n)"
    machine = ["Failing test case: <state machine>", "state = M()", "state.r(n=5)",
               "state.teardown()", "\nYou can reproduce ... @reproduce_failure('6.1.0', b'AA')"]
    assert example_from_notes(machine) == "state = M()\nstate.r(n=5)\nstate.teardown()"
    older_machine = ["Falsifying example:", "state = M()", "state.r(n=5)"]
    assert example_from_notes(older_machine) == "state = M()\nstate.r(n=5)"

    error = _Failure("boom")
    error.__notes__ = current
    details = hypothesis_details(error)
    assert details["example"].startswith("f(")
    assert details["reproduce"] == "@reproduce_failure('6.170.17', b'AEEKAYAA')"
    assert hypothesis_details(_Failure("no notes")) is None
