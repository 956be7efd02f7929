"""Machine-readable outputs of a report: the merged JSON summary and shields.io badges.

The summary's layout is documented in docs/report.md; earlier summaries are the input of the
report's history view (harness.report.history).
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, List, Optional

import harness
from harness.report.baseline import Change, Comparison, PowerComparison
from harness.report.merge import CODES, Merged, Problem
from harness.report.views import ImplementationView, Score, run_counts, run_score

SCHEMA = "sockspec-report-summary"
SCHEMA_VERSION = 1

#: Badge colours by score, best first: (lowest score, shields.io colour).
COLOURS = ((1.0, "brightgreen"), (0.95, "green"), (0.9, "yellowgreen"), (0.8, "yellow"),
           (0.6, "orange"), (0.0, "red"))


def _change(change: Change) -> Dict[str, Any]:
    return {"spec": change.spec, "run": change.run, "before": change.before,
            "after": change.after}


def changes(comparison: Optional[Comparison]) -> Optional[Dict[str, Any]]:
    if comparison is None:
        return None
    return {
        "regressions": [_change(c) for c in comparison.regressions],
        "improvements": [_change(c) for c in comparison.improvements],
        "other": [_change(c) for c in comparison.other],
        "unmatched_runs": comparison.unmatched_runs,
        "baseline_only_runs": comparison.baseline_only_runs,
        "new_specs": comparison.new_specs,
        "removed_specs": comparison.removed_specs,
    }


def runs(merged: Merged) -> List[Dict[str, Any]]:
    found = []
    for index, run in enumerate(merged.runs):
        found.append({
            "id": run.id, "label": run.label, "file": run.file,
            "implementation": run.implementation,
            "implementation_version": run.implementation_version,
            "persona": run.persona, "os": run.os, "python": run.python, "start": run.start,
            "counts": run_counts(merged, index), **run_score(merged, index).as_dict(),
        })
    return found


def implementations(views: List[ImplementationView]) -> Dict[str, Any]:
    return {
        view.name: {
            "runs": [run.id for run in view.runs],
            "counts": view.counts,
            **view.score.as_dict(),
            "areas": {area: score.as_dict() for area, score in sorted(view.areas.items())},
            "rejected_inputs": view.rejected,
        }
        for view in views
    }


def power_changes(comparison: Optional[PowerComparison]) -> Optional[Dict[str, Any]]:
    if comparison is None:
        return None
    return {
        "falls": [{"implementation": f.implementation, "scope": f.scope,
                   "before": f.before.as_dict(), "after": f.after.as_dict()}
                  for f in comparison.falls],
        "compared": comparison.compared,
        "not_compared": comparison.not_compared,
    }


def build(merged: Merged, views: List[ImplementationView], comparison: Optional[Comparison],
          generated: str, problems: List[Problem], power=None,
          power_comparison: Optional[PowerComparison] = None) -> Dict[str, Any]:
    """The summary; ``power`` (harness.report.power.Power) adds ``mutation``."""
    from harness.report import power as power_module  # power reads history, which reads this

    mutation = None if power is None else power_module.summary(power)
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generated": generated,
        "harness_version": harness.__version__,
        "inputs": {"merged": len(merged.runs), "rejected": sum(p.rejected for p in problems)},
        "outcome_codes": CODES,
        "runs": runs(merged),
        "implementations": implementations(views),
        "matrix": {
            "runs": [run.id for run in merged.runs],
            "specs": [{"id": s.id, "area": s.area, "outcomes": s.codes} for s in merged.specs],
        },
        "changes": changes(comparison),
        "mutation": mutation,
        "mutation_changes": power_changes(power_comparison),
        "problems": [dataclasses.asdict(p) for p in problems],
    }


def colour(score: Score) -> str:
    if score.ratio is None:
        return "lightgrey"
    return next(name for lowest, name in COLOURS if score.ratio >= lowest)


def badge(view: ImplementationView) -> Dict[str, Any]:
    """A shields.io endpoint document for one implementation."""
    message = f"{view.score.percent} ({view.score.passed}/{view.score.applicable})"
    if view.rejected:
        message += f", {view.rejected} run(s) rejected"
    return {"schemaVersion": 1, "label": f"sockspec {view.name}", "message": message,
            "color": colour(view.score)}


def badge_name(implementation: str) -> str:
    """The badge's file name: ``badge-<implementation>.json``, safe on every file system."""
    return "badge-" + (re.sub(r"[^A-Za-z0-9._-]+", "_", implementation).strip(".") or "_") + ".json"

