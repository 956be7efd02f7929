"""The spec catalogue: every spec with its metadata, collected without running anything."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import pytest

from harness.model import paths
from harness.model.paths import ROOT
from harness.runner.plugin import ITEM_KEY


class _Catcher:
    def __init__(self) -> None:
        self.specs: List[Dict[str, Any]] = []

    def pytest_collection_finish(self, session):
        self.specs = [dict(item.stash[ITEM_KEY]) for item in session.items if ITEM_KEY in item.stash]


def collect(impl: str = "stdlib", extra_args=()) -> List[Dict[str, Any]]:
    """Collect specs/ for ``impl``; raise RuntimeError with pytest's output on failure."""
    catcher = _Catcher()
    args = base_args(impl) + ["--collect-only", "-p", "no:terminal", *extra_args]
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = pytest.main(args, plugins=[catcher])
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        lines = [line for line in output.getvalue().splitlines() if line.strip()]
        raise RuntimeError(lines[-1] if lines else f"collection failed with exit code {int(code)}")
    return catcher.specs


def spec_paths(areas=()) -> List[str]:
    """specs/, or the files of the given areas; ValueError names an unknown area."""
    if not areas:
        return [str(ROOT / "specs")]
    paths = []
    for area in areas:
        path = ROOT / "specs" / f"test_{area}.py"
        if not path.is_file():
            raise ValueError(f"unknown area {area!r}: there is no specs/test_{area}.py")
        paths.append(str(path))
    return paths


def is_selector(argument: str) -> bool:
    """Whether a pytest argument names specs (a file, folder or node id), not an option."""
    if argument.startswith("-"):
        return False
    path = argument.split("::", 1)[0]
    return "::" in argument or path.endswith(".py") or Path(path).exists()


def resolve_selector(argument: str) -> str:
    """A spec file, folder or node id, as pytest should get it: relative to the current folder
    when it is there, else to the suite's own folder (``specs/test_x.py`` or ``test_x.py``).
    ValueError names a selector that matches no file."""
    path, sep, rest = argument.partition("::")
    for candidate in (Path(path), ROOT / path, ROOT / "specs" / path):
        if candidate.exists():
            return str(candidate.resolve()) + sep + rest
    raise ValueError(f"no spec file or folder {path!r} (looked in the current folder and in "
                     f"{ROOT / 'specs'})")


def split_selection(arguments: Sequence[str]) -> Tuple[List[str], List[str]]:
    """(selectors, other pytest arguments): a positional argument names specs unless it is the
    value of the option before it (``-k makefile``)."""
    selectors, others = [], []
    takes_value = {"-k", "-m", "--deselect", "-p", "-W", "--timeout", "--maxfail", "-o",
                   "--hypothesis-profile", "--hypothesis-seed", "--tb", "-r"}
    previous = None
    for argument in arguments:
        if previous in takes_value or not is_selector(argument):
            others.append(argument)
        else:
            selectors.append(argument)
        previous = argument
    return selectors, others


def base_args(impl: str, areas=(), selectors=()) -> List[str]:
    """The pytest arguments that point at the specs and this project's configuration: the
    given selectors (files, folders, node ids) and areas, or the whole of specs/."""
    chosen = [resolve_selector(s) for s in selectors]
    if areas or not chosen:
        chosen = spec_paths(areas) + chosen
    quiet = ["-W", "ignore::pytest.PytestAssertRewriteWarning"] if paths.INSTALLED else []
    return [
        *chosen,
        "--rootdir", str(ROOT),
        "-c", str(paths.CONFIG),
        "--impl", impl,
        # installed, the CLI has imported the package before pytest could rewrite it
        *quiet,
    ]


def by_area(specs: List[Dict[str, Any]]) -> Dict[str, Dict[str, List[Dict[str, Any]]]]:
    """{area: {element: [spec, ...]}}, sorted."""
    result: Dict[str, Dict[str, List[Dict[str, Any]]]] = {}
    for spec in sorted(specs, key=lambda s: (s["area"], s["id"])):
        for element in spec["elements"]:
            result.setdefault(spec["area"], {}).setdefault(element, []).append(spec)
    return result
