"""Regressions and improvements of a merged report against a baseline (an earlier merge).

Runs are matched on implementation, persona, OS and Python (not on their start time); when the
baseline holds several runs of one configuration, the latest is used.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, List, Optional, Set, Tuple

from harness.model import outcomes
from harness.report.merge import Merged, Run

GOOD = frozenset({outcomes.PASS, outcomes.XFAIL})


@dataclasses.dataclass
class Change:
    spec: str
    spec_index: int
    area: str
    run: str
    before: str
    after: str
    message: Optional[str]


@dataclasses.dataclass
class Comparison:
    regressions: List[Change]
    improvements: List[Change]
    other: List[Change]
    unmatched_runs: List[str]
    baseline_only_runs: List[str]
    new_specs: List[str]
    removed_specs: List[str]
    baseline_files: int

    @property
    def changed(self) -> bool:
        return bool(self.regressions or self.improvements or self.other)


def classify(before: str, after: str) -> Optional[str]:
    """'regression', 'improvement', 'other' or None when nothing changed."""
    if before == after:
        return None
    if after in outcomes.UNEXPECTED and before not in outcomes.UNEXPECTED:
        return "regression"
    if before == outcomes.PASS and after == outcomes.XFAIL:
        return "regression"
    if before in outcomes.UNEXPECTED and after in GOOD:
        return "improvement"
    if before == outcomes.XFAIL and after == outcomes.PASS:
        return "improvement"
    return "other"


def latest_by_config(runs: List[Run]) -> Dict[Tuple[str, ...], Run]:
    chosen: Dict[Tuple[str, ...], Run] = {}
    for run in runs:
        if run.config not in chosen or run.start > chosen[run.config].start:
            chosen[run.config] = run
    return chosen


def compare(current: Merged, baseline: Merged) -> Comparison:
    before_runs = latest_by_config(baseline.runs)
    known: Set[str] = {spec.id for spec in baseline.specs}
    found = {"regression": [], "improvement": [], "other": []}
    unmatched = []
    for column, run in enumerate(current.runs):
        old = before_runs.get(run.config)
        if old is None:
            unmatched.append(run.label)
            continue
        for index, spec in enumerate(current.specs):
            if spec.id not in known:
                continue
            record = old.records.get(spec.id)
            before = record["outcome"] if record else outcomes.MISSING
            after = spec.outcomes[column]
            kind = classify(before, after)
            if kind:
                cell = spec.cells[column] or {}
                found[kind].append(Change(spec.id, index, spec.area, run.label, before, after,
                                          cell.get("message") or cell.get("na_reason")))
    current_configs = {run.config for run in current.runs}
    current_ids = {spec.id for spec in current.specs}
    return Comparison(
        regressions=found["regression"],
        improvements=found["improvement"],
        other=found["other"],
        unmatched_runs=unmatched,
        baseline_only_runs=[run.label for config, run in sorted(before_runs.items())
                            if config not in current_configs],
        new_specs=sorted(current_ids - known),
        removed_specs=sorted(known - current_ids),
        baseline_files=len(baseline.runs),
    )
