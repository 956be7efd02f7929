"""`run` selects specs the way pytest users expect: files, node ids, -k and --area; anything
else is the whole suite."""

from __future__ import annotations

import json

import pytest

from harness.model.paths import ROOT
from harness.runner.catalogue import base_args, split_selection
from tests.conftest import run_cli

REPR = str((ROOT / "specs" / "test_repr.py").resolve())


@pytest.mark.parametrize(
    "arguments, selectors, others",
    [
        (["specs/test_repr.py"], ["specs/test_repr.py"], []),
        (["-k", "makefile"], [], ["-k", "makefile"]),
        (["specs/test_repr.py::test_x", "-x"], ["specs/test_repr.py::test_x"], ["-x"]),
        (["-k", "test_repr.py"], [], ["-k", "test_repr.py"]),
        ([], [], []),
    ],
)
def test_split_selection(arguments, selectors, others):
    assert split_selection(arguments) == (selectors, others)


def test_a_selector_replaces_the_whole_suite():
    args = base_args("stdlib", selectors=["specs/test_repr.py"])
    assert args[0] == REPR and str(ROOT / "specs") not in args


def test_a_bare_file_name_is_found_in_the_suite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert base_args("stdlib", selectors=["test_repr.py::test_y"])[0] == REPR + "::test_y"


def test_no_selector_means_every_spec():
    assert base_args("stdlib")[0] == str(ROOT / "specs")


def test_unknown_selector_is_one_line():
    with pytest.raises(ValueError, match="no spec file or folder 'test_nope.py'"):
        base_args("stdlib", selectors=["test_nope.py"])


def test_run_of_one_file_runs_only_its_specs(tmp_path):
    done = run_cli("run", "--impl", "stdlib", "-n", "0", "--output", str(tmp_path),
                   "specs/test_repr.py")
    assert done.returncode == 0, done.stdout + done.stderr
    (path,) = tmp_path.glob("*.json")
    records = json.loads(path.read_text())["specs"]
    assert records and {r["area"] for r in records} == {"repr"}
