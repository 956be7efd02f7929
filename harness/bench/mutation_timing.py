"""The mutation run's own speed: every mutant of an implementation against the goal, and what
forking from a server saves over starting pytest for each mutant.

* The sample: the mutants of a few elements (``SAMPLE_ELEMENTS``), on the host as it is, run
  by ``python -m harness mutate`` three times a round, once per way of starting a mutant's
  run (``--runs``): forked from a session that collected the specs once (``session``, the
  default), forked from a server with pytest imported (``fork``), and a ``python -m pytest``
  per mutant (``spawn``), the order turned each round. What is compared is the seconds per
  mutant of the mutation phase, from each run's mutation document; the ratio of session (and
  fork) to spawn in one round is the figure that holds on a shared machine.
* ``full``: one run of every mutant under every persona, as the nightly runs it, against
  ``FULL_GOAL_SECONDS`` of wall time (the 2-core machine of the goal).
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Sequence

from harness.bench import measure
from harness.bench.suite import timed
from harness.bench.workloads import BenchError
from harness.documents import mutation as mutation_document
from harness.model import paths
from harness.model.paths import ROOT

FULL_GOAL_SECONDS = 600.0
SAMPLE_ELEMENTS = ("SocketIO.*", "socket.__repr__")
QUICK_ELEMENTS = ("socket.__repr__",)
MODES = {"session": ["--runs", "session"], "fork": ["--runs", "fork"],
         "spawn": ["--runs", "spawn"]}


def _mutate(impl: str, arguments: Sequence[str], output: Path) -> Dict[str, Any]:
    argv = [*paths.cli(), "mutate", "-q", "--impl", impl, "--output", str(output), *arguments]
    timing, done = timed(argv, ROOT)
    if done.returncode not in (0, 1):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        raise BenchError(f"mutate {' '.join(arguments)} exited {done.returncode}: "
                         f"{' '.join(tail)}")
    try:
        document = mutation_document.read(output)
    except mutation_document.DocumentError as exc:
        raise BenchError(str(exc)) from None
    ran = sum(1 for m in document["mutants"] if m["status"] != "no-coverage")
    seconds = document["timing"]["mutation_seconds"]
    return {"wall_seconds": timing.wall, "cpu_seconds": timing.cpu,
            "mutation_seconds": seconds, "mutants_run": ran,
            "seconds_per_mutant": seconds / ran if ran else None,
            "counts": document["counts"], "score": document["scores"]["total"]["score"]}


def sample(impl: str, repeat: int, elements: Sequence[str], folder: Path) -> Dict[str, Any]:
    selection = ["--personas", "none"] + [a for e in elements for a in ("--element", e)]
    rounds: List[Dict[str, Any]] = []
    modes = list(MODES)
    for index in range(repeat):
        shift = index % len(modes)
        figures = {}
        for mode in modes[shift:] + modes[:shift]:
            output = folder / f"sample-{index}-{mode}.json"
            figures[mode] = _mutate(impl, [*selection, *MODES[mode]], output)
        spawn = figures["spawn"]["seconds_per_mutant"]
        for mode, key in (("session", "ratio"), ("fork", "fork_ratio")):
            mine = figures[mode]["seconds_per_mutant"]
            figures[key] = mine / spawn if mine and spawn else None
        rounds.append(figures)

    def median(key):
        values = [r[key] for r in rounds if r[key] is not None]
        return statistics.median(values) if values else None

    summary = {
        "elements": list(elements),
        "mutants": rounds[0]["session"]["mutants_run"] if rounds else 0,
        "rounds": rounds,
        "ratio": median("ratio"),
        "fork_ratio": median("fork_ratio"),
    }
    for mode in modes:
        summary[f"{mode}_seconds_per_mutant"] = statistics.median(
            r[mode]["seconds_per_mutant"] for r in rounds)
    return summary


def goals(result: Dict[str, Any]) -> List[Dict[str, Any]]:
    found = []
    ratio = result["sample"]["ratio"]
    if ratio is not None:
        found.append({"id": "fork_server",
                      "text": "forking the run of each mutant from a collected session costs "
                              "less per mutant than starting pytest",
                      "value": ratio, "limit": 1.0, "met": ratio < 1.0})
    if result.get("full"):
        seconds = result["full"]["wall_seconds"]
        found.append({"id": "full_mutation", "text": f"every mutant under every persona in under "
                      f"{FULL_GOAL_SECONDS:.0f} s wall", "value": seconds,
                      "limit": FULL_GOAL_SECONDS, "met": seconds < FULL_GOAL_SECONDS})
    return found


def run(impl: str, repeat: int, quick: bool = False, full: bool = False) -> Dict[str, Any]:
    began = measure.begin()
    elements = QUICK_ELEMENTS if quick else SAMPLE_ELEMENTS
    with tempfile.TemporaryDirectory(prefix="sockspec-bench-mutation-") as name:
        folder = Path(name)
        result: Dict[str, Any] = {"sample": sample(impl, repeat, elements, folder)}
        if full:
            result["full"] = _mutate(impl, [], folder / "full.json")
    settings = {"impl": impl, "repeat": repeat, "quick": quick, "full": full,
                "order": "interleaved rounds; the leading mode turns each round"}
    return {
        **measure.envelope("mutation", began, settings),
        "mutation": result,
        "goals": goals(result),
    }
