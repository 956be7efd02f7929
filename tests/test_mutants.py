"""The suite rejects every deliberately broken copy of the reference in tests/mutants.toml."""

from __future__ import annotations

import pytest

from tests import mutation

MUTANTS = mutation.load()


def test_there_are_enough_mutants_across_areas():
    assert len(MUTANTS) >= 40
    assert len({m.name for m in MUTANTS}) == len(MUTANTS)


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_suite_rejects_mutant(mutant, tmp_path):
    code, rejected, output = mutation.run(mutant, tmp_path)
    assert code == 1, f"the run of {mutant.name} exited {code}:\n{output[-3000:]}"
    assert rejected, f"no spec rejected {mutant.name}:\n{output[-3000:]}"
