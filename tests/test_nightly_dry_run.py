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
         "--night", "2026-11-24"],
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

    fetch = statuses["Fetch the previous night's results and score history"]
    assert fetch[0] == 0 and "baseline:" in fetch[1], fetch[1]
    assert sorted(p.name for p in (work / "previous" / "results").glob("*.json")) == sorted(
        p.name for p in (SAMPLES / "baseline").glob("*.json"))
    merged = statuses["Merge every run into one page, with changes and trends"]
    assert merged[0] == 0 and "new unexpected outcome(s) against the baseline" in merged[1]
    page = (work / "site" / "index.html").read_text()
    assert 'id="changes"' in page and "regression" in page
    manifest = json.loads((work / "site" / "data" / "manifest.json").read_text())
    assert len(manifest["history"]) == len(list((SAMPLES / "history").glob("*.json"))) + 2
    assert sorted(manifest["results"]) == sorted(p.name for p in (SAMPLES / "current").glob("*.json"))
    final = statuses["A new unexpected outcome against the night before fails the night"]
    assert final[0] == 1


def test_the_first_night_has_nothing_to_compare_with(tmp_path):
    from harness.report import site

    empty = tmp_path / "empty-site"
    empty.mkdir()
    results, history, found = site.fetch(empty.as_uri(), tmp_path / "previous")
    assert (found, list(results.iterdir()), list(history.iterdir())) == (False, [], [])
