"""The import contracts of harness/ (pyproject.toml, docs/architecture.md) hold, and fail on
an import against them: an upward import, an import between two rooms of one layer, and the
harness importing the specs' fixtures."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT_IMPORTS = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")

pytestmark = pytest.mark.skipif(not Path(LINT_IMPORTS).exists(),
                                reason="import-linter is not installed (requirements/self.txt)")


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT_IMPORTS, "--config", str(root / "pyproject.toml"),
                           "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the packages the contracts name, and the configuration."""
    for name in ("harness", "fixtures"):
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "samples", "templates"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_import(tree: Path, module: str, statement: str) -> None:
    path = tree / (module.replace(".", "/") + ".py")
    path.write_text(path.read_text() + f"\n{statement}  # deliberately against the contracts\n")


def test_the_tree_keeps_its_contracts(tree):
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize("module, statement, contract", [
    # the model may import nothing above it
    ("harness.model.outcomes", "from harness.report import merge", "import downwards only"),
    # the runner may not reach up into the command line
    ("harness.runner.recorder", "from harness.cli import common", "import downwards only"),
    # report and soak are one layer: neither imports the other
    ("harness.report.views", "from harness.soak import analysis", "import downwards only"),
    # the harness never imports the specs' fixtures
    ("harness.runner.guards", "import fixtures.peers", "never imports the specs' fixtures"),
])
def test_an_import_against_the_contracts_fails_the_lint(tree, module, statement, contract):
    _add_import(tree, module, statement)
    result = _lint(tree)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(contract in line for line in broken), result.stdout
    assert module in result.stdout
