"""The adopter's route: the wheel installed in a fresh environment outside the repository,
run from another folder against a dotted module and a broken copy of socket.py, its failures
turned into expectations, and a second run with 0 unexpected outcomes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = [
    pytest.mark.skipif(sys.platform.startswith("win"), reason="POSIX venv layout"),
    # building and installing the wheel is minutes of work on a loaded machine, not a hang
    pytest.mark.timeout(600),
]

#: Two behaviours broken in a copy of the interpreter's socket.py: repr() names the wrong
#: class, and makefile()'s error for a bad mode says something else.
BREAKS = [
    ("self.__class__.__qualname__", "'wrong'"),
    ("only r, w, b allowed", "r, w or b only"),
]


def _run(*args, cwd, timeout=600):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(a) for a in args], cwd=str(cwd), env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv's bin folder, the wheel): the wheel built from this tree, installed fresh."""
    base = tmp_path_factory.mktemp("adopter")
    # build from a copy of the tree: parallel workers each build their own, in their own folder
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".tox", ".venv", "reports", "build", "__pycache__", "*.egg-info"))
    built = _run(sys.executable, "-m", "pip", "wheel", source, "--no-deps", "-q", "-w",
                 base / "dist", cwd=base)
    assert built.returncode == 0, built.stderr
    (wheel,) = (base / "dist").glob("sockspec-*.whl")
    made = _run(sys.executable, "-m", "venv", base / "venv", cwd=base)
    assert made.returncode == 0, made.stderr
    bin_dir = base / "venv" / "bin"
    done = _run(bin_dir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
                wheel, cwd=base)
    assert done.returncode == 0, done.stderr
    return bin_dir, wheel


def test_the_wheel_holds_one_top_level_package(installed):
    _bin, wheel = installed
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"sockspec", wheel.name.split("-py3")[0] + ".dist-info"}
    for needed in ("sockspec/specs/test_makefile.py", "sockspec/fixtures/peers.py",
                   "sockspec/implementations/reference/socket.py",
                   "sockspec/implementations/stdlib/expectations.toml",
                   "sockspec/harness/report/templates/report.html", "sockspec/pytest.ini"):
        assert needed in names


def _results(folder: Path):
    (path,) = sorted(folder.glob("*.json"))
    return json.loads(path.read_text())


def test_an_adopter_runs_records_and_accepts_known_failures(installed, tmp_path):
    bin_dir, _wheel = installed
    site = next((bin_dir.parent / "lib").glob("python3*/site-packages")) / "sockspec"
    before = {p: p.stat().st_mtime for p in site.rglob("*")}
    work = tmp_path / "their-project"
    work.mkdir()

    dotted = _run(bin_dir / "sockspec", "run", "--impl", "socket", "--area", "repr",
                  "--area", "makefile", cwd=work)
    assert dotted.returncode in (0, 1), dotted.stderr
    assert _results(work / "sockspec-results")["run_info"]["implementation"]["source"] == "socket"

    import socket

    source = Path(socket.__file__).read_text(encoding="utf-8")
    for find, replace in BREAKS:
        assert find in source
        source = source.replace(find, replace, 1)
    broken = work / "socket.py"
    broken.write_text(source, encoding="utf-8")

    first = work / "first"
    failed = _run(bin_dir / "sockspec", "run", "--impl", broken, "--output", first, cwd=work)
    assert failed.returncode == 1, failed.stdout[-2000:] + failed.stderr
    ids = {r["id"] for r in _results(first)["specs"] if r["outcome"] == "fail"}
    assert any(i.startswith("repr_") for i in ids) and any(i.startswith("makefile_") for i in ids)

    mine = work / "known.toml"
    update = _run(bin_dir / "sockspec", "update-expectations", first, "-o", mine, cwd=work)
    assert update.returncode == 0, update.stderr
    blind = _run(bin_dir / "sockspec", "run", "--impl", broken, "--output", work / "blind",
                 "--expectations", mine, cwd=work)
    assert blind.returncode == 2 and "placeholder" in blind.stderr
    mine.write_text(mine.read_text()
                    .replace("FILL IN: why these specs fail", "our copy breaks repr and dup")
                    .replace("FILL IN: the upstream issue, or a note that none exists",
                             "none: a deliberately broken copy"))

    second = work / "second"
    done = _run(bin_dir / "sockspec", "run", "--impl", broken, "--output", second,
                "--expectations", mine, cwd=work)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    document = _results(second)
    assert document["summary"]["fail"] == 0
    assert {r["id"] for r in document["specs"] if r["outcome"] == "xfail"} == ids

    after = {p: p.stat().st_mtime for p in site.rglob("*")}
    assert after == before, "the run wrote inside the installed package"


def test_plain_pytest_runs_the_installed_specs(installed, tmp_path):
    bin_dir, _wheel = installed
    done = _run(bin_dir / "pytest", "--pyargs", "sockspec.specs.test_repr", "--impl",
                "reference", "-q", "-p", "no:cacheprovider", "--results",
                tmp_path / "r.json", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["pass"] > 10
    other = tmp_path / "other"
    other.mkdir()
    (other / "test_theirs.py").write_text("def test_theirs():\n    assert True\n")
    theirs = _run(bin_dir / "pytest", "-q", "-p", "no:cacheprovider", cwd=other)
    assert theirs.returncode == 0 and "1 passed" in theirs.stdout
    # their run is theirs (pytest may cache its own bytecode there): sockspec wrote nothing
    assert sorted(p.name for p in other.iterdir() if p.name != "__pycache__") == ["test_theirs.py"]


def test_mutate_without_its_extra_says_how_to_install_it(installed, tmp_path):
    bin_dir, _wheel = installed
    done = _run(bin_dir / "sockspec", "mutate", "--impl", "reference", "--dry-run", cwd=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "pip install 'sockspec[mutation]'" in line
