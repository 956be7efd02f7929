"""Building the report: results files merged, compared, with history, soak marks and benchmarks,
into one page with its JSON summary and badges (docs/report.md). Also the single-run page that
``python -m harness run`` writes beside its results."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from harness.documents.runinfo import now
from harness.model import outcomes
from harness.report import baseline as baseline_module
from harness.report import extras, history, merge, power, render, summary, views

TITLE = "sockspec conformance report"


@dataclasses.dataclass
class Report:
    page: render.Page
    summary: Dict
    badges: Dict[str, Dict]

    @property
    def problems(self) -> List[merge.Problem]:
        return self.page.problems

    @property
    def rejected(self) -> List[merge.Problem]:
        return self.page.rejected


def _compare(current: merge.Merged, paths: Sequence[Path]):
    before = merge.merge(paths, role="baseline")
    comparison = baseline_module.compare(current, before) if before.runs else None
    return comparison, before.problems


def _trends(impls: List[views.ImplementationView], folder: Path, generated: str):
    points, problems = history.read(folder)
    current = {v.name: history.Point(generated, v.score.passed, v.score.applicable)
               for v in impls}
    series = history.with_current(points, current)
    trends = {name: history.trend(found) for name, found in series.items()}
    return series, {k: v for k, v in trends.items() if v}, problems


def build(paths: Sequence[Path], baseline: Optional[Sequence[Path]] = None,
          history_dir: Optional[Path] = None, title: str = TITLE,
          generated: Optional[str] = None, flaky: Optional[Sequence[Path]] = None,
          bench: Optional[Sequence[Path]] = None, mutation: Optional[Sequence[Path]] = None,
          mutation_baseline: Optional[Sequence[Path]] = None) -> Report:
    """Merge ``paths`` (and compare, add history, soak marks, benchmarks, spec power) into a
    report."""
    generated = generated or now()
    merged = merge.merge(paths)
    impls = views.implementations(merged)
    page = render.Page(title=title, generated=generated, merged=merged, implementations=impls,
                       problems=list(merged.problems), baseline_given=bool(baseline))
    if baseline:
        page.comparison, found = _compare(merged, baseline)
        page.problems += found
    if history_dir is not None:
        page.history, page.trends, found = _trends(impls, Path(history_dir), generated)
        page.history_dir = str(history_dir)
        page.problems += found
    if flaky:
        page.flaky, found = extras.read_flaky(flaky)
        page.problems += found
    if bench:
        page.bench, found = extras.read_bench(bench)
        page.problems += found
    if mutation:
        page.power = power.read(mutation)
        page.problems += page.power.problems
        if mutation_baseline:
            before = power.read(mutation_baseline, role="mutation baseline")
            page.problems += before.problems
            page.power_comparison = baseline_module.compare_power(page.power, before)
    document = summary.build(merged, impls, page.comparison, generated, page.problems,
                             page.power, page.power_comparison)
    badges = {v.name: summary.badge(v) for v in impls}
    return Report(page=page, summary=document, badges=badges)


def power_falls(report: Report) -> List[baseline_module.Fall]:
    """Mutation scores lower than the baseline's."""
    comparison = report.page.power_comparison
    return comparison.falls if comparison else []


def summary_path(html: Path) -> Path:
    return html.with_name(html.stem + ".summary.json")


def write(report: Report, html: Path) -> List[Path]:
    """The page, its JSON summary and one badge per implementation, side by side."""
    html = Path(html)
    written = [render.write(report.page, html)]
    outputs = {summary_path(html): report.summary}
    outputs.update({html.with_name(summary.badge_name(k)): v for k, v in report.badges.items()})
    for path, content in outputs.items():
        path.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written


def new_unexpected(report: Report) -> List[baseline_module.Change]:
    """Cells that are unexpected now and were not in the baseline."""
    comparison = report.page.comparison
    if comparison is None:
        return []
    return [c for c in comparison.regressions if c.after in outcomes.UNEXPECTED]


def write_run_report(results_path: Path) -> Path:
    """Write the single-run report next to ``results_path`` (same name, ``.html``)."""
    results_path = Path(results_path)
    report = build([results_path], title=f"sockspec run {results_path.stem}")
    return render.write(report.page, results_path.with_suffix(".html"))
