"""Fixtures for the harness's own tests."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest_plugins = ["pytester"]

PLUGIN_CONFTEST = 'pytest_plugins = ["harness.runner.plugin", "fixtures.plugin"]\n'


class SpecProject:
    """A throw-away project with specs/ run by the sockspec plugin through pytester."""

    def __init__(self, pytester: pytest.Pytester):
        self.pytester = pytester
        self.root = Path(str(pytester.path))
        (self.root / "specs").mkdir()
        (self.root / "conftest.py").write_text(PLUGIN_CONFTEST)
        self.results = self.root / "results.json"

    def spec_file(self, name: str, source: str) -> Path:
        path = self.root / "specs" / f"test_{name}.py"
        header = "import pytest\nfrom harness.model.spec import spec\n\n"
        path.write_text(header + textwrap.dedent(source))
        return path

    def expectations(self, text: str) -> Path:
        path = self.root / "expectations.toml"
        path.write_text(textwrap.dedent(text))
        return path

    def run(self, *args: str, subprocess: bool = False) -> pytest.RunResult:
        argv = ["specs", "--results", str(self.results), "-p", "no:cacheprovider", *args]
        if subprocess:
            return self.pytester.runpytest_subprocess(*argv, timeout=120)
        return self.pytester.runpytest(*argv)

    def records(self) -> dict:
        document = json.loads(self.results.read_text())
        return {r["id"]: r for r in document["specs"]}

    def document(self) -> dict:
        return json.loads(self.results.read_text())


@pytest.fixture
def project(pytester, monkeypatch) -> SpecProject:
    existing = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), existing])))
    monkeypatch.syspath_prepend(str(ROOT))
    # an in-process collection of the real specs (the catalogue tests) leaves test_<area>
    # modules imported; a throw-away project's file of the same name must not meet them
    for name in [n for n in sys.modules if n.startswith("test_")]:
        monkeypatch.delitem(sys.modules, name)
    return SpecProject(pytester)


def run_cli(*args: str, timeout: float = 300, cwd=None, env=None):
    """Run ``python -m harness ...`` in a subprocess; returns CompletedProcess."""
    import subprocess

    merged = dict(os.environ)
    merged["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), merged.get("PYTHONPATH")]))
    merged.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=str(cwd or ROOT), env=merged, capture_output=True, text=True, timeout=timeout,
    )
