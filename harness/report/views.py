"""What each view of the report shows, computed from the merged model (harness.report.merge).

A score is passed / applicable: ``pass`` cells over every cell that is not ``n/a``. A ``missing``
cell (a spec a run never reported) is applicable and not passed.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import statistics
from typing import Any, Dict, List, Optional, Tuple

from harness.model import outcomes
from harness.report.merge import Merged, Run, Spec

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


@dataclasses.dataclass
class Score:
    passed: int = 0
    applicable: int = 0

    def add(self, outcome: str) -> None:
        if outcome != outcomes.NA:
            self.applicable += 1
            self.passed += outcome == outcomes.PASS

    @property
    def ratio(self) -> Optional[float]:
        return self.passed / self.applicable if self.applicable else None

    @property
    def percent(self) -> str:
        """Rounded down, so 100% means every applicable cell passed."""
        if self.ratio is None:
            return "n/a"
        return f"{math.floor(self.ratio * 1000) / 10:.1f}%"

    def as_dict(self) -> Dict[str, Any]:
        ratio = None if self.ratio is None else round(self.ratio, 6)
        return {"passed": self.passed, "applicable": self.applicable, "score": ratio}


def tally(values) -> Dict[str, int]:
    counts = {o: 0 for o in outcomes.ALL}
    for value in values:
        counts[value] += 1
    return counts


# -- overview --------------------------------------------------------------------------------


@dataclasses.dataclass
class ImplementationView:
    name: str
    runs: List[Run]
    counts: Dict[str, int]
    score: Score
    areas: Dict[str, Score]
    rejected: int = 0

    @property
    def unexpected(self) -> int:
        return sum(n for o, n in self.counts.items() if o in outcomes.UNEXPECTED)


def run_columns(merged: Merged) -> Dict[str, List[int]]:
    """Implementation name -> indexes of its runs (columns of the matrix)."""
    columns: Dict[str, List[int]] = {}
    for index, run in enumerate(merged.runs):
        columns.setdefault(run.implementation, []).append(index)
    return columns


def run_counts(merged: Merged, index: int) -> Dict[str, int]:
    return tally(spec.outcomes[index] for spec in merged.specs)


def run_score(merged: Merged, index: int) -> Score:
    score = Score()
    for spec in merged.specs:
        score.add(spec.outcomes[index])
    return score


def implementations(merged: Merged) -> List[ImplementationView]:
    views = []
    for name, columns in run_columns(merged).items():
        score, areas, cells = Score(), {}, []
        for spec in merged.specs:
            area = areas.setdefault(spec.area, Score())
            for index in columns:
                cells.append(spec.outcomes[index])
                score.add(spec.outcomes[index])
                area.add(spec.outcomes[index])
        views.append(ImplementationView(
            name=name, runs=[merged.runs[i] for i in columns], counts=tally(cells),
            score=score, areas=areas,
            rejected=sum(1 for p in merged.rejected if p.guess and p.guess.split()[0] == name),
        ))
    return views


def areas(merged: Merged) -> List[str]:
    return sorted({spec.area for spec in merged.specs})


# -- coverage of the API surface -------------------------------------------------------------


@dataclasses.dataclass
class ElementView:
    name: str
    areas: List[str]
    specs: int
    scores: Dict[str, Score]


def elements(merged: Merged) -> List[ElementView]:
    """Per API element: the specs covering it and each implementation's score on them."""
    covering: Dict[str, List[Spec]] = {}
    for spec in merged.specs:
        for element in spec.elements or ["(no element)"]:
            covering.setdefault(element, []).append(spec)
    columns = run_columns(merged)
    views = []
    for name in sorted(covering, key=str.lower):
        specs = covering[name]
        scores = {}
        for impl, indexes in columns.items():
            score = scores[impl] = Score()
            for spec in specs:
                for index in indexes:
                    score.add(spec.outcomes[index])
        views.append(ElementView(name=name, areas=sorted({s.area for s in specs}),
                                 specs=len(specs), scores=scores))
    return views


@dataclasses.dataclass
class SurfaceView:
    """One implementation's API surface against each run's stdlib: name -> run labels."""

    implementation: str
    names: Dict[str, Dict[str, List[str]]]
    signatures: List[Tuple[str, str, str, List[str]]]
    unknown: List[str]
    #: runs whose surface predates version 2: no module functions or socket type members
    partial: List[str] = dataclasses.field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (any(self.names.values()) or self.signatures)


SURFACE_KINDS = (
    ("missing", "names it lacks"),
    ("extra", "names it adds"),
    ("all_missing", "__all__ entries it lacks"),
    ("all_extra", "__all__ entries it adds"),
    ("functions_missing", "module functions it lacks"),
    ("functions_extra", "module functions it adds"),
    ("socket_missing", "socket type members it lacks"),
    ("socket_hidden", "socket type members its instances hide"),
    ("socket_extra", "socket type members it adds"),
)

#: The first surface version with module functions and the socket type's members.
SURFACE_TYPE_VERSION = 2


def _strip_address(text: Optional[str]) -> str:
    return "(absent)" if text is None else _ADDRESS.sub("", str(text))


def surface(merged: Merged) -> List[SurfaceView]:
    views = []
    for impl, indexes in run_columns(merged).items():
        names: Dict[str, Dict[str, List[str]]] = {kind: {} for kind, _ in SURFACE_KINDS}
        signatures: Dict[Tuple[str, str, str], List[str]] = {}
        unknown, partial = [], []
        for index in indexes:
            run = merged.runs[index]
            found = run.info.get("surface")
            if not isinstance(found, dict):
                unknown.append(run.label)
                continue
            version = found.get("version")
            if not (isinstance(version, int) and version >= SURFACE_TYPE_VERSION):
                partial.append(run.label)
            for kind, _ in SURFACE_KINDS:
                for name in found.get(kind) or ():
                    names[kind].setdefault(str(name), []).append(run.label)
            for diff in found.get("signatures") or ():
                if not isinstance(diff, dict):
                    continue
                expected = _strip_address(diff.get("expected"))
                actual = _strip_address(diff.get("actual"))
                if expected != actual:
                    key = (str(diff.get("name")), expected, actual)
                    signatures.setdefault(key, []).append(run.label)
        views.append(SurfaceView(
            implementation=impl,
            names={k: dict(sorted(v.items())) for k, v in names.items()},
            signatures=[(*key, labels) for key, labels in sorted(signatures.items())],
            unknown=unknown,
            partial=partial,
        ))
    return views


# -- per-spec detail -------------------------------------------------------------------------


@dataclasses.dataclass
class Finding:
    """Runs where a spec ended the same way (outcome, message, fingerprint, ...)."""

    outcome: str
    record: Dict[str, Any]
    runs: List[str]

    def __post_init__(self) -> None:
        get = self.record.get
        self.message = get("message")
        self.na_reason = get("na_reason")
        self.fingerprint = get("fingerprint") or {}
        self.hypothesis = get("hypothesis") or {}
        self.expectation = get("expectation") or {}

    @property
    def runs_text(self) -> str:
        return ", ".join(self.runs)


@dataclasses.dataclass
class SpecDetail:
    spec: Spec
    counts: Dict[str, int]
    findings: List[Finding]
    durations: Optional[Dict[str, Any]]

    @property
    def tally(self) -> List[Tuple[str, int]]:
        """(outcome, count) of the outcomes this spec had, in the usual order."""
        return [(o, self.counts[o]) for o in outcomes.ALL if self.counts[o]]


def _finding_key(outcome: str, record: Optional[Dict[str, Any]]) -> str:
    if record is None:
        return json.dumps([outcome])
    fields = ("message", "na_reason", "fingerprint", "expectation", "hypothesis")
    return json.dumps([outcome] + [record.get(f) for f in fields], sort_keys=True, default=str)


def findings(spec: Spec, runs: List[Run]) -> List[Finding]:
    """Every cell that is not a plain pass, grouped by what it says; worst first."""
    groups: Dict[str, Finding] = {}
    for run, outcome, record in zip(runs, spec.outcomes, spec.cells):
        if outcome == outcomes.PASS and not (record or {}).get("message"):
            continue
        key = _finding_key(outcome, record)
        if key not in groups:
            groups[key] = Finding(outcome=outcome, record=record or {}, runs=[])
        groups[key].runs.append(run.label)
    order = {o: i for i, o in enumerate(outcomes.ALL)}
    return sorted(groups.values(), key=lambda f: (outcome_rank(f.outcome), order[f.outcome]))


def outcome_rank(outcome: str) -> int:
    """0 for outcomes that fail a run, 1 for xfail, 2 for n/a, 3 for pass."""
    if outcome in outcomes.UNEXPECTED:
        return 0
    return {outcomes.XFAIL: 1, outcomes.NA: 2}.get(outcome, 3)


def durations(spec: Spec, runs: List[Run]) -> Optional[Dict[str, Any]]:
    timed = [(float(c["duration"]), run.label) for run, c in zip(runs, spec.cells)
             if c is not None and c["outcome"] != outcomes.NA]
    if not timed:
        return None
    values = sorted(t for t, _ in timed)
    slowest = max(timed)
    return {"runs": len(values), "min": values[0], "median": statistics.median(values),
            "max": slowest[0], "slowest": slowest[1]}


def spec_details(merged: Merged) -> List[SpecDetail]:
    return [SpecDetail(spec=spec, counts=tally(spec.outcomes),
                       findings=findings(spec, merged.runs),
                       durations=durations(spec, merged.runs))
            for spec in merged.specs]


def safe_link(url: Any) -> Optional[str]:
    """An expectation's link when it is http(s); anything else is shown as text only."""
    if isinstance(url, str) and re.match(r"^https?://", url.strip(), re.I):
        return url.strip()
    return None
