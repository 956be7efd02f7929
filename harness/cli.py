"""``python -m harness``: run the specs, list them, probe the host and an implementation."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import List, Optional

from harness import (
    bench_command,
    expectations,
    outcomes,
    paths,
    replay_command,
    report_command,
    results,
    site_command,
    soak_command,
    update_command,
)
from harness.capabilities import probe_all
from harness.elements import PROPERTY_AREA_PREFIX, uncovered
from harness.loading import (
    ImplementationError,
    load_implementation,
    register_metadata_file,
)
from harness.runinfo import run_label
from harness.surface import compare

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2


class CommandError(Exception):
    """A one-line message for the user; the command exits with status 2."""


def _check_impl(value: Optional[str], persona: Optional[str] = None, meta=None, extra=()):
    """Load the implementation and its expectations once here, so that a fault in either is
    one line and exit status 2 before pytest starts."""
    try:
        registered = register_metadata_file(meta)
        impl = load_implementation(value or registered or "stdlib", persona)
        expectations.load_all([impl.expectations, *map(Path, extra)])
    except (ImplementationError, expectations.ExpectationsError) as exc:
        raise CommandError(str(exc)) from None
    return impl


def _xdist_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("xdist") is not None


def command_run(args) -> int:
    import pytest

    from harness.catalogue import base_args, split_selection

    impl = _check_impl(args.impl, args.persona, args.impl_meta, args.expectations)
    selectors, extra = split_selection(args.pytest_args)
    try:
        pytest_args = base_args(impl.name if args.impl is None else args.impl,
                                areas=args.area, selectors=selectors)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    out_dir = Path(args.output)
    label = run_label(impl.name, args.persona)
    results_path = out_dir / f"{label}.json"
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
    page = report_command.write_run_report(results_path)
    if page is not None:
        print(f"report: {page}")
    print(outcomes.summary_line(results.counts(records)))
    return EXIT_UNEXPECTED if bad else EXIT_OK


def command_list(args) -> int:
    from harness.catalogue import by_area, collect

    _check_impl(args.impl)
    try:
        specs = collect(args.impl)
    except RuntimeError as exc:
        raise CommandError(f"cannot collect the specs: {exc}") from None
    if args.json:
        print(json.dumps(specs, indent=1))
        return EXIT_OK
    areas = by_area(specs)
    for area, elements in areas.items():
        count = len({s["id"] for spec_list in elements.values() for s in spec_list})
        print(f"{area} ({count} specs)")
        for element, spec_list in elements.items():
            na = sum(1 for s in spec_list if s["na_reason"])
            note = f", {na} n/a for {args.impl}" if na else ""
            print(f"  {element}: {len(spec_list)}{note}")
            if args.verbose:
                for spec in spec_list:
                    suffix = f"  [n/a: {spec['na_reason']}]" if spec["na_reason"] else ""
                    print(f"    {spec['id']}{suffix}")
    total = len(specs)
    applicable = sum(1 for s in specs if not s["na_reason"])
    scenarios = sum(1 for s in specs if not s["area"].startswith(PROPERTY_AREA_PREFIX))
    missing = uncovered(specs)
    print("API elements without a spec: " + (", ".join(missing) or "none"))
    print(f"{total} specs ({scenarios} scenarios, {total - scenarios} properties) in "
          f"{len(areas)} areas; {applicable} apply to {args.impl} here")
    return EXIT_OK


def command_probe(args) -> int:
    impl = _check_impl(args.impl)
    report = {
        "capabilities": probe_all(),
        "implementation": impl.info(),
        "surface": compare(impl.module),
    }
    if args.json:
        print(json.dumps(report, indent=1))
        return EXIT_OK
    print("host capabilities:")
    for name, present in sorted(report["capabilities"].items()):
        print(f"  {name:20} {'yes' if present else 'no'}")
    info = report["implementation"]
    print(f"implementation: {info['name']} {info['version']} ({info['source']}), "
          f"CPython semantics {info['semantics']}")
    surface = report["surface"]
    print("API surface against this Python's stdlib socket module:")
    print("  missing names: " + (", ".join(surface["missing"]) or "none"))
    print("  extra names:   " + (", ".join(surface["extra"]) or "none"))
    print("  __all__ missing: " + (", ".join(surface["all_missing"]) or "none"))
    print("  __all__ extra:   " + (", ".join(surface["all_extra"]) or "none"))
    print("  module functions missing: " + (", ".join(surface["functions_missing"]) or "none"))
    print("  module functions extra:   " + (", ".join(surface["functions_extra"]) or "none"))
    print("  socket type members missing: " + (", ".join(surface["socket_missing"]) or "none"))
    print("  socket type members hidden from instances: "
          + (", ".join(surface["socket_hidden"]) or "none"))
    print("  socket type members extra:   " + (", ".join(surface["socket_extra"]) or "none"))
    if surface["signatures"]:
        print("  signature differences:")
        for diff in surface["signatures"]:
            print(f"    {diff['name']}: stdlib {diff['expected']}, implementation {diff['actual']}")
    else:
        print("  signature differences: none")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sockspec" if paths.INSTALLED else "python -m harness",
        description="sockspec: run the socket-module conformance specs against an implementation.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser("run", help="run the conformance specs against one implementation")
    run.add_argument("--impl", default=None,
                     help="registered name, dotted module path or .py file (default: stdlib, "
                          "or the implementation --impl-meta registers)")
    run.add_argument("--impl-meta", default=None, metavar="IMPL_TOML",
                     help="register an implementation from its impl.toml (name, module or file, "
                          "version, warm-up, threads to ignore)")
    run.add_argument("--expectations", action="append", default=[], metavar="TOML",
                     help="your known failures, on top of the implementation's own; repeatable")
    run.add_argument("--persona", default=None,
                     help="run under a persona: windows, no-ipv6, no-unix, no-sendfile, no-reuseport")
    run.add_argument("--area", action="append", default=[], metavar="AREA",
                     help="run only this area's specs (specs/test_AREA.py); repeatable")
    run.add_argument("-n", "--workers", default="auto",
                     help="pytest-xdist workers: a number, 'auto' (default) or 0 for none")
    run.add_argument("--output", default=str(paths.results_dir()),
                     help="folder for the results JSON, JUnit XML and report log (default: "
                          "reports/results/ of a checkout, ./sockspec-results/ when installed)")
    run.add_argument("pytest_args", nargs="*",
                     help="spec files, folders or node ids to run (all of specs/ by default), "
                          "and after '--' any pytest arguments (-k EXPR, -x, ...)")
    run.set_defaults(handler=command_run)

    listing = commands.add_parser("list", help="print the spec catalogue by area and element")
    listing.add_argument("--impl", default="stdlib", help="implementation deciding what is n/a")
    listing.add_argument("-v", "--verbose", action="store_true", help="list every spec id")
    listing.add_argument("--json", action="store_true", help="print the catalogue as JSON")
    listing.set_defaults(handler=command_list)

    probe = commands.add_parser("probe", help="print host capabilities and the API surface")
    probe.add_argument("--impl", default="stdlib", help="implementation to compare with stdlib")
    probe.add_argument("--json", action="store_true", help="print as JSON")
    probe.set_defaults(handler=command_probe)

    report_command.register(commands)
    replay_command.register(commands)
    bench_command.register(commands)
    soak_command.register(commands)
    update_command.register(commands)
    site_command.register(commands)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    if paths.INSTALLED:
        # nothing is written inside the installed package, by this process or its workers
        sys.dont_write_bytecode = True
        os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
