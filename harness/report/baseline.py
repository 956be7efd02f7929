"""Regressions and improvements of a merged report against a baseline (an earlier merge), and
falls of the mutation score (spec power) against the baseline's mutation documents.

Runs are matched on implementation, persona, OS and Python (not on their start time); when the
baseline holds several runs of one configuration, the latest is used.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Dict, List, Optional, Set, Tuple

from harness.model import outcomes
from harness.report.merge import Merged, Run
from harness.report.views import Score

if TYPE_CHECKING:  # power reads history, whose summary reads this module
    from harness.report.power import Power

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


# -- spec power --------------------------------------------------------------------------------


@dataclasses.dataclass
class Fall:
    """A mutation score (the total, or an area's) of an implementation lower than the
    baseline's."""

    implementation: str
    scope: str
    before: Score
    after: Score


@dataclasses.dataclass
class PowerComparison:
    falls: List[Fall]
    #: implementation -> why its score was not compared (partial, no baseline run)
    not_compared: Dict[str, str]
    #: (implementation, baseline run's created) of each comparison made
    compared: Dict[str, str]


def lower(after: Score, before: Score) -> bool:
    """Whether ``after`` is a lower ratio than ``before`` (exact: cross-multiplied counts)."""
    if not (after.applicable and before.applicable):
        return False
    return after.passed * before.applicable < before.passed * after.applicable


def compare_power(current: Power, baseline: Power) -> PowerComparison:
    """Each implementation's latest run against the baseline's latest complete run of it: a
    total or area score lower than the baseline's is a fall. A partial run is not compared;
    an area only one of them has is not either."""
    before_runs = baseline.latest_complete()
    falls: List[Fall] = []
    not_compared: Dict[str, str] = {}
    compared: Dict[str, str] = {}
    for name, run in current.latest().items():
        old = before_runs.get(name)
        if run.partial:
            missing = ", ".join(f"{k}/{run.shard_count}" for k in run.missing_shards)
            not_compared[name] = f"partial run (shard {missing} missing)"
            continue
        if old is None:
            not_compared[name] = "no complete baseline run"
            continue
        compared[name] = old.created
        if lower(run.total, old.total):
            falls.append(Fall(name, "total", old.total, run.total))
        old_areas = old.areas
        for area, after in run.areas.items():
            if area in old_areas and lower(after, old_areas[area]):
                falls.append(Fall(name, area, old_areas[area], after))
    return PowerComparison(falls=falls, not_compared=not_compared, compared=compared)
