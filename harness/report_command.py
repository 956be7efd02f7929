"""``python -m harness report``: merge results files into one HTML page (see docs/report.md).

Also the single-run report that ``python -m harness run`` writes beside its results, and the
``bench-report`` command (harness.report_bench).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from harness import baseline as baseline_module
from harness import history, merge, outcomes, paths, render, report_extras, summary, views
from harness.runinfo import now

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_REGRESSED = 1
EXIT_USAGE = 2
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
          bench: Optional[Sequence[Path]] = None) -> Report:
    """Merge ``paths`` (and compare, add history, soak marks, benchmarks) into a report."""
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
        page.flaky, found = report_extras.read_flaky(flaky)
        page.problems += found
    if bench:
        page.bench, found = report_extras.read_bench(bench)
        page.problems += found
    document = summary.build(merged, impls, page.comparison, generated, page.problems)
    badges = {v.name: summary.badge(v) for v in impls}
    return Report(page=page, summary=document, badges=badges)


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


def command_report(args) -> int:
    report = build(args.results, args.baseline, args.history, title=args.title,
                   flaky=args.flaky, bench=args.bench)
    for problem in report.problems:
        print(problem.line(), file=sys.stderr)
    try:
        written = write(report, Path(args.output))
    except OSError as exc:
        print(f"error: cannot write the report {args.output}: {exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_USAGE
    print(f"report: {written[0]}")
    print(f"summary: {written[1]}")
    for impl in report.page.implementations:
        print(f"  {impl.name}: {impl.score.percent} ({impl.score.passed}/{impl.score.applicable}"
              f" over {len(impl.runs)} run{'s' if len(impl.runs) != 1 else ''})")
    if report.rejected:
        print(f"{len(report.rejected)} input file(s) rejected; the report notes them",
              file=sys.stderr)
        return EXIT_REJECTED
    fresh = new_unexpected(report)
    if args.fail_on_regression and fresh:
        for change in fresh:
            print(f"NEW {change.after}: {change.spec} on {change.run} (was {change.before})",
                  file=sys.stderr)
        print(f"{len(fresh)} new unexpected outcome(s) against the baseline", file=sys.stderr)
        return EXIT_REGRESSED
    return EXIT_OK


def new_unexpected(report: Report) -> List[baseline_module.Change]:
    """Cells that are unexpected now and were not in the baseline."""
    comparison = report.page.comparison
    if comparison is None:
        return []
    return [c for c in comparison.regressions if c.after in outcomes.UNEXPECTED]


def command_bench(args) -> int:
    from harness import report_bench

    return report_bench.main(args)


def register(commands) -> None:
    """Add the ``report`` and ``bench-report`` sub-commands to the CLI's sub-parsers."""
    report = commands.add_parser(
        "report", help="merge results files into one HTML report",
        description="Merge results files (or folders of them) into one self-contained HTML page, "
                    "with a JSON summary and shields.io badges beside it. Exits 1 when an input "
                    "was rejected (the page is written for the rest).")
    report.add_argument("results", nargs="+", type=Path, metavar="RESULTS",
                        help="results files, or folders holding them (*.json)")
    report.add_argument("-o", "--output", type=Path, default=paths.output_root() / "index.html",
                        help="the HTML file to write (default: reports/index.html)")
    report.add_argument("--baseline", nargs="+", type=Path, metavar="RESULTS",
                        help="results of an earlier night: regressions and improvements")
    report.add_argument("--history", type=Path, metavar="DIR",
                        help="folder of earlier *.summary.json files: score trends")
    report.add_argument("--flaky", nargs="+", type=Path, metavar="SUMMARY",
                        help="soak summaries (python -m harness soak): mark flaky specs")
    report.add_argument("--bench", nargs="+", type=Path, metavar="BENCH_JSON",
                        help="benchmark documents (python -m harness bench): a Benchmarks section")
    report.add_argument("--title", default=TITLE, help="the page title")
    report.add_argument("--fail-on-regression", action="store_true",
                        help="exit 1 when a cell is unexpected now and was not in the baseline "
                             "(the page is written all the same)")
    report.set_defaults(handler=command_report)

    bench = commands.add_parser("bench-report", help="time building and filtering a large report")
    from harness import report_bench

    report_bench.add_arguments(bench)
    bench.set_defaults(handler=command_bench)


def write_run_report(results_path: Path) -> Path:
    """Write the single-run report next to ``results_path`` (same name, ``.html``)."""
    results_path = Path(results_path)
    report = build([results_path], title=f"sockspec run {results_path.stem}")
    return render.write(report.page, results_path.with_suffix(".html"))
