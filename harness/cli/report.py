"""``report``: merge results files into one HTML page, with its summary and badges; with
``--mutation``, the spec power of mutation documents beside them."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.cli.common import EXIT_FINDINGS, EXIT_OK, CommandError, add_output
from harness.model import paths
from harness.report.build import TITLE, build, new_unexpected, power_falls, write


def register(commands) -> None:
    """Add the ``report`` sub-command to the CLI's sub-parsers."""
    report = commands.add_parser(
        "report", help="merge results files into one HTML report",
        description="Merge results files (or folders of them) into one self-contained HTML page, "
                    "with a JSON summary and shields.io badges beside it. Exits 1 when an input "
                    "was rejected (the page is written for the rest).")
    report.add_argument("results", nargs="+", type=Path, metavar="RESULTS",
                        help="results files, or folders holding them (*.json)")
    add_output(report, paths.output_root() / "index.html", metavar="HTML",
               help="the HTML file to write (default: reports/index.html)")
    report.add_argument("--baseline", nargs="+", type=Path, metavar="RESULTS",
                        help="results of an earlier night: regressions and improvements")
    report.add_argument("--history", type=Path, metavar="DIR",
                        help="folder of earlier *.summary.json files: score trends")
    report.add_argument("--flaky", nargs="+", type=Path, metavar="SUMMARY",
                        help="soak summaries (python -m harness soak): mark flaky specs")
    report.add_argument("--bench", nargs="+", type=Path, metavar="BENCH_JSON",
                        help="benchmark documents (python -m harness bench): a Benchmarks section")
    report.add_argument("--mutation", nargs="+", type=Path, metavar="MUTATION_JSON",
                        help="mutation documents (python -m harness mutate), or folders of "
                             "them; shards of one run are merged: a Spec power section")
    report.add_argument("--mutation-baseline", nargs="+", type=Path, metavar="MUTATION_JSON",
                        help="mutation documents of an earlier night: a total or area score "
                             "lower now is a regression")
    report.add_argument("--title", default=TITLE, help="the page title")
    report.add_argument("--fail-on-regression", action="store_true",
                        help="exit 1 when a cell is unexpected now and was not in the baseline, "
                             "or a mutation score is lower than the baseline's (the page is "
                             "written all the same)")
    report.set_defaults(handler=command_report)


def command_report(args) -> int:
    if args.mutation_baseline and not args.mutation:
        raise CommandError("--mutation-baseline needs --mutation: the documents to compare")
    report = build(args.results, args.baseline, args.history, title=args.title,
                   flaky=args.flaky, bench=args.bench, mutation=args.mutation,
                   mutation_baseline=args.mutation_baseline)
    for problem in report.problems:
        print(problem.line(), file=sys.stderr)
    try:
        written = write(report, Path(args.output))
    except OSError as exc:
        raise CommandError(f"cannot write the report {args.output}: {exc.strerror or exc}") from None
    print(f"report: {written[0]}")
    print(f"summary: {written[1]}")
    for impl in report.page.implementations:
        print(f"  {impl.name}: {impl.score.percent} ({impl.score.passed}/{impl.score.applicable}"
              f" over {len(impl.runs)} run{'s' if len(impl.runs) != 1 else ''})")
    if report.page.power:
        for name, run in report.page.power.latest().items():
            partial = f", partial: shard {', '.join(map(str, run.missing_shards))} of " \
                      f"{run.shard_count} missing" if run.partial else ""
            print(f"  {name} spec power: {run.total.percent} ({run.total.passed}/"
                  f"{run.total.applicable} mutants killed{partial})")
    if report.rejected:
        print(f"{len(report.rejected)} input file(s) rejected; the report notes them",
              file=sys.stderr)
        return EXIT_FINDINGS
    fresh = new_unexpected(report)
    falls = power_falls(report)
    if args.fail_on_regression and (fresh or falls):
        for change in fresh:
            print(f"NEW {change.after}: {change.spec} on {change.run} (was {change.before})",
                  file=sys.stderr)
        for fall in falls:
            print(f"FALL spec power of {fall.implementation}, {fall.scope}: "
                  f"{fall.before.percent} -> {fall.after.percent}", file=sys.stderr)
        if fresh:
            print(f"{len(fresh)} new unexpected outcome(s) against the baseline",
                  file=sys.stderr)
        if falls:
            print(f"{len(falls)} mutation score(s) lower than the baseline's", file=sys.stderr)
        return EXIT_FINDINGS
    return EXIT_OK
