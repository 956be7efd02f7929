"""Where sockspec's own files are, and where what it writes goes.

sockspec runs two ways. From a checkout, the packages are the repository's top-level folders
(``harness``, ``fixtures``, ``specs``) and output goes under ``reports/``. Installed from its
wheel, the same files are the one package ``sockspec`` (``sockspec.harness``, ...; the build
maps them, see setup.py) and output goes to ``./sockspec-results/`` in the current folder:
nothing is ever written inside the installed package.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, List, Optional

#: The folder holding harness/, fixtures/, specs/ and implementations/.
ROOT = Path(__file__).resolve().parents[2]
#: True when running from the wheel, where this module is ``sockspec.harness.model.paths``.
INSTALLED = __name__ != "harness.model.paths"
#: What module names of ours start with: "" in a checkout, "sockspec." when installed.
PREFIX = __name__[: -len("harness.model.paths")]
#: The pytest configuration the specs run with.
CONFIG = ROOT / ("pytest.ini" if INSTALLED else "pyproject.toml")
#: The pytest plugins of a conformance run, in order (the checkout's conftest.py uses these).
PLUGINS = [PREFIX + name for name in (
    "harness.runner.plugin", "harness.runner.properties",
    "fixtures.plugin", "fixtures.netns", "fixtures.properties",
)]


def module(name: str) -> str:
    """The importable name of one of our modules, such as ``harness.runner.shuffle``."""
    return PREFIX + name


def cli() -> List[str]:
    """The command line that runs our CLI in a child process."""
    return [sys.executable, "-m", "sockspec" if INSTALLED else "harness"]


def output_root() -> Path:
    """Where output goes by default: reports/ of a checkout, ./sockspec-results/ installed."""
    return Path.cwd() / "sockspec-results" if INSTALLED else ROOT / "reports"


def results_dir() -> Path:
    return output_root() if INSTALLED else output_root() / "results"


def child_environment(base: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The environment of a child run: a checkout's packages on PYTHONPATH (an installed
    sockspec is found by the interpreter itself)."""
    env = dict(os.environ if base is None else base)
    if not INSTALLED:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env
