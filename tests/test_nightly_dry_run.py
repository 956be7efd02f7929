"""A local dry run of the nightly workflow's report job on the sample results.

The hosted runners cannot be reached from here, so the job's own ``run:`` steps are read from
.github/workflows/nightly.yml and executed in order, as the runner would, against a "previous
night" published on a loopback HTTP server: fetch the baseline and history from the site,
merge the night's results with changes and trends, publish the data beside the page, and fail
the night on a new unexpected outcome. ``uses:`` steps are played by the test (the artifacts
are the sample results; setting up Python and installing the wheel are what this environment
already is: ``sockspec`` runs the checkout's CLI).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import ROOT

yaml = pytest.importorskip("yaml")

SAMPLES = ROOT / "harness" / "report" / "samples"
WORKFLOW = ROOT / ".github" / "workflows" / "nightly.yml"


@pytest.fixture
def previous_site(tmp_path):
    """The night before, published as the workflow publishes it, served on 127.0.0.1."""
    site = tmp_path / "published"
    cli = [sys.executable, "-m", "harness"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for command in (
        [*cli, "report", str(SAMPLES / "baseline"), "-o", str(site / "index.html"),
         "--history", str(SAMPLES / "history")],
        [*cli, "publish-site", str(site), "--results", str(SAMPLES / "baseline"),
         "--summary", str(site / "index.summary.json"), "--history", str(SAMPLES / "history"),
         "--night", "2026-11-24", "--mutation", str(SAMPLES / "mutation" / "nights")],
    ):
        done = subprocess.run(command, cwd=str(tmp_path), env=env, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(10)


def _shim(folder: Path) -> Path:
    """A ``sockspec`` command on PATH that runs this checkout's CLI."""
    folder.mkdir()
    script = folder / "sockspec"
    script.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m harness \"$@\"\n")
    script.chmod(0o755)
    return folder


def _play(step, work: Path) -> None:
    """What a ``uses:`` step of the report job does, here."""
    action = step["uses"].split("@")[0]
    if action == "actions/download-artifact":
        if step.get("with", {}).get("pattern") == "results-*":
            for name in ("ubuntu-latest-py3.12",):
                target = work / step["with"]["path"] / f"results-{name}"
                target.mkdir(parents=True)
                for path in (SAMPLES / "current").glob("*.json"):
                    shutil.copy(path, target / path.name)
        elif step.get("with", {}).get("pattern") == "mutation-*":
            for path in (SAMPLES / "mutation" / "tonight").glob("*.json"):
                shard = path.stem.split("-")[2]
                target = work / step["with"]["path"] / f"mutation-shard-{shard}"
                target.mkdir(parents=True)
                shutil.copy(path, target / path.name)
    elif action == "actions/upload-pages-artifact":
        site = work / step["with"]["path"]
        assert (site / "index.html").is_file() and (site / "data" / "manifest.json").is_file()
    else:
        assert action == "actions/setup-python", action


@pytest.mark.skipif(shutil.which("bash") is None, reason="the job's steps are bash")
def test_the_report_job_compares_with_the_published_night_and_fails_on_regressions(
        previous_site, tmp_path):
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["report"]
    work = tmp_path / "runner"
    work.mkdir()
    github_env = tmp_path / "github_env"
    github_env.write_text("")
    env = dict(os.environ, PAGES_URL=previous_site, GITHUB_ENV=str(github_env),
               PATH=f"{_shim(tmp_path / 'bin')}{os.pathsep}{os.environ['PATH']}")
    env.pop("PYTHONPATH", None)
    statuses = {}
    for step in job["steps"]:
        if "uses" in step:
            _play(step, work)
            continue
        script = step["run"]
        if script.startswith("python -m pip install"):
            continue  # installing the wheel: this environment already has what it installs
        for line in github_env.read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        done = subprocess.run(["bash", "-e", "-c", script], cwd=str(work), env=env,
                              capture_output=True, text=True, timeout=300)
        statuses[step.get("name", script)] = (done.returncode, done.stdout + done.stderr)

    fetch = statuses["Fetch the previous night's results, score history and mutation documents"]
    assert fetch[0] == 0 and "baseline:" in fetch[1], fetch[1]
    assert "(3 documents)" in fetch[1]
    assert sorted(p.name for p in (work / "previous" / "results").glob("*.json")) == sorted(
        p.name for p in (SAMPLES / "baseline").glob("*.json"))
    merged = statuses["Merge every run into one page, with changes, trends and spec power"]
    assert merged[0] == 0 and "new unexpected outcome(s) against the baseline" in merged[1]
    assert "FALL spec power of reference, total: 84.6% -> 81.4%" in merged[1], merged[1]
    assert "reference spec power: 81.4% (22/27 mutants killed)" in merged[1]
    page = (work / "site" / "index.html").read_text()
    assert 'id="changes"' in page and "regression" in page
    assert '<section id="power">' in page and 'id="power-falls"' in page
    summary = json.loads((work / "site" / "index.summary.json").read_text())
    assert [f["scope"] for f in summary["mutation_changes"]["falls"]] == ["total", "makefile"]
    manifest = json.loads((work / "site" / "data" / "manifest.json").read_text())
    assert len(manifest["history"]) == len(list((SAMPLES / "history").glob("*.json"))) + 2
    assert sorted(manifest["results"]) == sorted(p.name for p in (SAMPLES / "current").glob("*.json"))
    assert manifest["mutation"] == [
        "2026-11-21-reference-2026-11-21.json", "2026-11-22-reference-2026-11-22.json",
        "2026-11-23-reference-2026-11-23.json", "2026-11-24-reference-shard-1-of-3.json",
        "2026-11-24-reference-shard-2-of-3.json", "2026-11-24-reference-shard-3-of-3.json"]
    final = statuses[
        "A new unexpected outcome or a lower mutation score than the night before fails the night"]
    assert final[0] == 1


def test_a_fall_of_the_mutation_score_alone_fails_the_night(previous_site, tmp_path):
    """The night's results equal the night before's; only the spec power fell."""
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["report"]
    (step,) = [s for s in job["steps"] if s.get("name", "").startswith("Merge every run")]
    work = tmp_path / "runner"
    env = dict(os.environ, PATH=f"{_shim(tmp_path / 'bin')}{os.pathsep}{os.environ['PATH']}",
               GITHUB_ENV=str(tmp_path / "github_env"))
    env.pop("PYTHONPATH", None)
    (work / "downloaded").mkdir(parents=True)
    for path in (SAMPLES / "baseline").glob("*.json"):
        shutil.copy(path, work / "downloaded" / path.name)
    shutil.copytree(SAMPLES / "baseline", work / "previous" / "results")
    shutil.copytree(SAMPLES / "history", work / "previous" / "history")
    shutil.copytree(SAMPLES / "mutation" / "nights", work / "previous" / "mutation")
    for tonight in (True, False):
        shutil.rmtree(work / "mutation", ignore_errors=True)
        if tonight:
            shutil.copytree(SAMPLES / "mutation" / "tonight", work / "mutation")
        done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=str(work), env=env,
                              capture_output=True, text=True, timeout=300)
        status = (tmp_path / "github_env").read_text().splitlines()[-1]
        assert done.returncode == 0, done.stderr
        if tonight:
            assert status == "report_status=1" and "FALL spec power" in done.stderr
        else:  # no shard came: the night before is the latest run, and nothing fell
            assert status == "report_status=0", done.stderr


def test_the_mutation_job_runs_each_shard_of_the_reference(tmp_path):
    job = yaml.safe_load(WORKFLOW.read_text())["jobs"]["mutation"]
    shards = job["strategy"]["matrix"]["shard"]
    assert shards == [1, 2, 3, 4] and job["strategy"]["fail-fast"] is False
    listed = []
    for shard in shards:
        env = dict(os.environ, SHARD=str(shard), SHARDS=str(len(shards)), PYTHONPATH=str(ROOT))
        for step in job["steps"]:
            if "uses" in step:
                action = step["uses"].split("@")[0]
                assert action in ("actions/checkout", "actions/setup-python",
                                  "actions/upload-artifact"), action
                if action == "actions/upload-artifact":
                    assert step["with"]["path"] == "mutation/*.json"
                    assert step["with"]["name"] == "mutation-shard-${{ matrix.shard }}"
                continue
            script = step["run"]
            if script.startswith("python -m pip install"):
                assert "-r requirements/mutation.txt" in script
                continue  # this environment has them
            assert step["env"] == {"SHARD": "${{ matrix.shard }}",
                                   "SHARDS": "${{ strategy.job-total }}"}
            assert "--impl reference" in script and "mutation/reference-shard-" in script
            script = script.replace("python -m harness mutate",
                                    f"{sys.executable} -m harness mutate --dry-run")
            done = subprocess.run(["bash", "-e", "-c", script], cwd=str(ROOT), env=env,
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, done.stdout + done.stderr
            listed.append(int(done.stdout.strip().splitlines()[-1].split()[0]))
    generated = int(done.stdout.strip().splitlines()[-1].split("(")[1].split()[0])
    assert len(listed) == 4 and sum(listed) == generated  # the shards split every mutant


def test_the_first_night_has_nothing_to_compare_with(tmp_path):
    from harness.report import site

    empty = tmp_path / "empty-site"
    empty.mkdir()
    results, history, found = site.fetch(empty.as_uri(), tmp_path / "previous")
    assert (found, list(results.iterdir()), list(history.iterdir())) == (False, [], [])
