"""What the plugin keeps for one pytest run, and the keys it stashes on items."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from harness.documents import selection
from harness.loading.implementations import LOADED_KEY, LoadedImplementation
from harness.model.expectations import Expectations
from harness.runner.guards import Snapshot
from harness.runner.recorder import Recorder


@dataclasses.dataclass
class RunState:
    impl: LoadedImplementation
    expectations: Expectations
    capabilities: Dict[str, bool]
    persona: Optional[str]
    context: Dict[str, str]
    is_worker: bool
    start: str
    ignore_threads: List[str]
    platform: str = sys.platform
    recorder: Optional[Recorder] = None
    all_spec_ids: Dict[str, str] = dataclasses.field(default_factory=dict)
    catalogue: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    results_path: Optional[Path] = None
    workers: int = 1
    spec_run: bool = False
    guards: bool = True


STATE_KEY = pytest.StashKey[RunState]()
#: A spec's metadata and applicability, set at collection on every spec item.
ITEM_KEY = pytest.StashKey[Dict[str, Any]]()
#: The descriptors, threads and children before a spec ran (set up to teardown).
SNAPSHOT_KEY = pytest.StashKey[Snapshot]()
#: Set on a spec whose known failure is a lookup or connection the loopback guard refused.
KNOWN_REFUSAL_KEY = pytest.StashKey[bool]()


def state_of(config) -> RunState:
    return config.stash[STATE_KEY]


def use_implementation(config, impl: LoadedImplementation) -> None:
    """Put ``impl`` in the place of the implementation the run loaded, for the specs that run
    from now on (a mutant's run forked from a session that collected the specs once)."""
    config.stash[LOADED_KEY] = impl
    state_of(config).impl = impl


def worker_count(config) -> int:
    value = getattr(config.option, "numprocesses", None)
    return value if isinstance(value, int) and value > 0 else 1


def stale(config, state: RunState):
    """Entries naming no spec of the suite; only a run that collected the whole suite knows."""
    if not state.all_spec_ids or not selection.describe(config)["full"]:
        return []
    return state.expectations.stale(state.all_spec_ids)
