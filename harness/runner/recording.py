"""Gathering the records of a run (from this process or xdist workers) and writing the results.

The controller (or the only process) registers :class:`Collector`; workers hand their part
of the catalogue back through xdist's ``workeroutput``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from harness.documents import results, runinfo, selection
from harness.model import paths
from harness.model.surface import compare
from harness.runner.state import ITEM_KEY, RunState, stale, state_of, worker_count


class Collector:
    """Controller-side hooks; registered only where results are gathered."""

    def __init__(self, config):
        self.config = config
        self.state = state_of(config)

    def pytest_runtest_logreport(self, report):
        self.state.recorder.add_report(report)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node):
        node.workerinput["sockspec_capabilities"] = self.state.capabilities
        node.workerinput["sockspec_start"] = self.state.start

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        self.state.workers = max(self.state.workers, worker_count(self.config))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        output = getattr(node, "workeroutput", {}) or {}
        self.state.recorder.add_catalogue(output.get("sockspec_catalogue", ()))
        self.state.recorder.add_selected(output.get("sockspec_selected", ()))
        self.state.all_spec_ids.update(output.get("sockspec_spec_ids", {}))
        if output.get("sockspec_spec_run"):
            self.state.spec_run = True


def hand_back(config, session, state: RunState) -> None:
    """A worker's part of the catalogue, for the controller's Collector."""
    config.workeroutput["sockspec_catalogue"] = state.catalogue
    config.workeroutput["sockspec_selected"] = [
        i.nodeid for i in session.items if ITEM_KEY in i.stash
    ]
    config.workeroutput["sockspec_spec_ids"] = state.all_spec_ids
    config.workeroutput["sockspec_spec_run"] = state.spec_run


def run_info(config, state: RunState) -> Dict[str, Any]:
    """The facts about this run that the results document carries."""
    info = runinfo.host_info()
    info.update({
        "implementation": state.impl.info(),
        "git_revision": runinfo.git_revision(),
        "capabilities": state.capabilities,
        "persona": state.persona,
        "start": state.start,
        "end": runinfo.now(),
        "workers": max(state.workers, worker_count(config)),
        "surface": compare(state.impl.module),
        "argv": list(sys.argv),
        "selection": selection.describe(config),
        "expectations_files": [str(p) for p in state.expectations.paths],
    })
    return info


def stale_entries(config, state: RunState) -> List[Dict[str, Any]]:
    return [{"spec": e.spec_id, "line": e.line, "file": str(e.path)} for e in stale(config, state)]


def results_path(config, state: RunState) -> Path:
    explicit = config.getoption("results")
    if explicit:
        return Path(explicit)
    label = runinfo.run_label(state.impl.name, state.persona)
    if paths.INSTALLED:
        return paths.results_dir() / f"{label}.json"
    return Path(str(config.rootpath)) / "reports" / "results" / f"{label}.json"


def write_results(config, state: RunState, records: List[Dict[str, Any]]) -> Path:
    document = results.document(run_info(config, state), records, stale_entries(config, state))
    state.results_path = results.write(results_path(config, state), document)
    return state.results_path
