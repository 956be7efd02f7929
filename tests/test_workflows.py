"""The GitHub workflows pass actionlint."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def _actionlint():
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.is_file() else shutil.which("actionlint")
    if found is None and not os.environ.get("CI"):
        pytest.skip("actionlint is not installed (pip install -r requirements/self.txt)")
    assert found, "actionlint must be installed in CI (requirements/self.txt)"
    return found


def test_there_are_a_nightly_and_a_push_workflow():
    names = {p.name for p in WORKFLOWS}
    assert {"nightly.yml", "ci.yml"} <= names


def test_workflows_pass_actionlint():
    done = subprocess.run(
        [_actionlint(), *map(str, WORKFLOWS)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_nightly_runs_every_os_python_and_implementation():
    text = (ROOT / ".github" / "workflows" / "nightly.yml").read_text()
    for os_name in ("ubuntu-latest", "macos-latest", "windows-latest"):
        assert os_name in text
    for python in ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15"):
        assert f'"{python}"' in text
    assert "allow-prereleases: true" in text
    assert "tox -e pypy3-stdlib,pypy3-reference" in text and "apt-get install -y -q pypy3" in text
    tox = (ROOT / "tox.ini").read_text()
    for impl in ("stdlib", "reference", "gevent", "eventlet"):
        for python in ("38", "39", "310", "311", "312", "313", "314", "315"):
            assert f"py{python}-{impl}" in tox


def _tox_config():
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini", encoding="utf-8")
    return parser


def test_tox_maps_every_python_to_its_environments_and_skips_missing_interpreters():
    config = _tox_config()
    assert config["tox"]["skip_missing_interpreters"].strip() == "true"
    rows = dict(line.split(" = ") for line in config["gh"]["python"].strip().splitlines())
    for minor in range(8, 16):
        envs = [e.strip() for e in rows[f"3.{minor}"].split(",")]
        assert envs == [f"py3{minor}-{impl}" for impl in ("stdlib", "reference", "gevent", "eventlet")]
    assert "pypy3-{stdlib,reference}" in config["tox"]["envlist"]


def test_ci_self_tests_name_their_environments():
    """.ci/run asks for lint and self by name: skipping missing interpreters cannot hide them."""
    text = (ROOT / ".ci" / "run").read_text()
    assert "tox -e lint,self" in text


def test_nightly_installs_the_wheel_it_built_and_publishes_the_report():
    text = (ROOT / ".github" / "workflows" / "nightly.yml").read_text()
    assert "python -m pip wheel . --no-deps -w dist" in text
    assert "python -m pip install dist/*.whl" in text and 'sockspec run --impl "$impl"' in text
    assert "sockspec fetch-site" in text and "--fail-on-regression" in text
    assert "sockspec publish-site" in text and "actions/deploy-pages@" in text


def test_nightly_measures_the_spec_power_in_shards_and_fails_on_a_fall():
    text = (ROOT / ".github" / "workflows" / "nightly.yml").read_text()
    assert "python -m pip install -r requirements/run.txt -r requirements/mutation.txt" in text
    assert 'python -m harness mutate --impl reference --shard "$SHARD/$SHARDS"' in text
    assert "pattern: mutation-*" in text and "--mutation-baseline previous/mutation/" in text
    assert "needs: [wheel, conformance, personas, pypy, mutation]" in text
