"""``run``: the conformance specs against one implementation, with its results and report."""

from __future__ import annotations

from pathlib import Path

from harness.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    CommandError,
    add_impl,
    add_impl_meta,
    add_output,
    add_persona,
    check_impl,
)
from harness.documents import results
from harness.documents.runinfo import run_label
from harness.model import outcomes, paths
from harness.report.build import write_run_report


def register(commands) -> None:
    run = commands.add_parser("run", help="run the conformance specs against one implementation")
    add_impl(run, default=None, default_text="stdlib, or the one --impl-meta registers")
    add_impl_meta(run)
    run.add_argument("--expectations", action="append", default=[], metavar="TOML",
                     help="your known failures, on top of the implementation's own; repeatable")
    add_persona(run)
    run.add_argument("--area", action="append", default=[], metavar="AREA",
                     help="run only this area's specs (specs/test_AREA.py); repeatable")
    run.add_argument("-n", "--workers", default="auto",
                     help="pytest-xdist workers: a number, 'auto' (default) or 0 for none")
    add_output(run, str(paths.results_dir()), metavar="DIR",
               help="folder for the results JSON, JUnit XML, report log and page (default: "
                    "reports/results/ of a checkout, ./sockspec-results/ when installed)")
    run.add_argument("--results", default=None, metavar="PATH",
                     help="the results JSON to write (default: <output>/<run label>.json)")
    run.add_argument("pytest_args", nargs="*",
                     help="spec files, folders or node ids to run (all of specs/ by default), "
                          "and after '--' any pytest arguments (-k EXPR, -x, ...)")
    run.set_defaults(handler=command_run)


def _xdist_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("xdist") is not None


def command_run(args) -> int:
    import pytest

    from harness.runner.catalogue import base_args, split_selection

    impl = check_impl(args.impl, args.persona, args.impl_meta, args.expectations)
    selectors, extra = split_selection(args.pytest_args)
    try:
        pytest_args = base_args(impl.name if args.impl is None else args.impl,
                                areas=args.area, selectors=selectors)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    out_dir = Path(args.output)
    label = run_label(impl.name, args.persona)
    results_path = Path(args.results) if args.results else out_dir / f"{label}.json"
    pytest_args += ["--persona", args.persona] if args.persona else []
    pytest_args += ["--impl-meta", args.impl_meta] if args.impl_meta else []
    for path in args.expectations:
        pytest_args += ["--expectations", path]
    pytest_args += [
        "--results", str(results_path),
        f"--junitxml={out_dir / (label + '.junit.xml')}",
        f"--report-log={out_dir / (label + '.reportlog.jsonl')}",
    ]
    workers = args.workers
    if workers != "0" and _xdist_available():
        pytest_args += ["-n", workers]
    pytest_args += extra
    code = pytest.main(pytest_args)
    if code in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR,
                pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
        raise CommandError(f"pytest stopped with exit code {int(code)} ({code.name.lower()})")
    try:
        document = results.read(results_path)
    except results.ResultsError as exc:
        raise CommandError(f"no usable results: {exc}") from None
    records = document["specs"]
    bad = results.unexpected(records)
    for record in bad:
        print(f"UNEXPECTED {record['outcome']}: {record['id']} ({record['nodeid']})")
    print(f"results: {results_path}")
    page = write_run_report(results_path)
    if page is not None:
        print(f"report: {page}")
    print(outcomes.summary_line(results.counts(records)))
    return EXIT_FINDINGS if bad else EXIT_OK
