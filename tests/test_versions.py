"""CPython 3.14 and 3.15, final or pre-release, read expectation conditions and spec gates right."""

from __future__ import annotations

from unittest import mock

import pytest

from harness.loading import implementations
from harness.model.applicability import not_applicable_reason
from harness.model.spec import build_meta
from harness.model.versions import release, version_matches


@pytest.mark.parametrize("version, specifier, matches", [
    ("3.14.0", ">=3.11.8", True),
    ("3.15.0a2", ">=3.11.8", True),
    ("3.14.0b1", ">=3.14", True),
    ("3.14.0rc2", "<3.14", False),
    ("3.15.0a0+", ">=3.15", True),
    ("3.14.1", "<3.12.5", False),
    ("3.14.1", ["<3.11.8", ">=3.12,<3.12.2"], False),
    ("3.15.0", [">=3.8,<3.8.20", ">=3.12,<3.12.5"], False),
    ("3.12.4", "<3.12.5", True),
    ("not a version", ">=3", False),
])
def test_newest_pythons_read_expectation_conditions_as_their_release(version, specifier, matches):
    choices = specifier if isinstance(specifier, list) else [specifier]
    assert any(version_matches(version, choice) for choice in choices) is matches


def test_release_drops_pre_release_and_branch_marks():
    assert str(release("3.15.0a2")) == "3.15.0" and str(release("3.14.0rc1+")) == "3.14.0"


@pytest.mark.parametrize("running", [(3, 14, 0), (3, 14, 2), (3, 15, 0)])
def test_stdlib_on_314_and_later_claims_that_python_so_since_314_specs_apply(running):
    with mock.patch.object(implementations, "running_python", return_value=running):
        stdlib = implementations.load_registered("stdlib")
    assert stdlib.semantics == running
    assert not_applicable_reason(build_meta(("socket",), since="3.14"), stdlib.semantics, {}) is None
    gate = not_applicable_reason(build_meta(("socket",), before="3.14"), stdlib.semantics, {})
    assert gate and gate.startswith("behaviour before CPython 3.14")


def test_stdlib_on_313_leaves_since_314_specs_out():
    with mock.patch.object(implementations, "running_python", return_value=(3, 13, 0)):
        stdlib = implementations.load_registered("stdlib")
    reason = not_applicable_reason(build_meta(("socket",), since="3.14"), stdlib.semantics, {})
    assert reason == "behaviour of CPython 3.14+, implementation has 3.13.0"
