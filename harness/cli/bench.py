"""``bench``: implementation benchmarks, or the suite's speed with --suite; ``bench-report``:
the report's build and filter times.

The measurements live in harness.bench (measure with workloads, suite, report_timing); this
module parses the arguments, prints the tables and writes the JSON document (schema in
docs/performance.md).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from harness.bench import measure, mutation_timing, report_timing, suite, workloads
from harness.bench.workloads import BenchError
from harness.cli.common import EXIT_FINDINGS, EXIT_OK, CommandError, add_impl
from harness.documents import results
from harness.loading.implementations import ImplementationError, load_implementation
from harness.model import paths

OUTPUT_DIR = paths.output_root() / "bench"
QUICK_NOTE = "--quick: a smoke test (tiny sizes, few rounds); the goal lines below measure nothing"
COLUMNS = (("line", 44), ("unit", 7), ("A", 10), ("B", 10), ("A/B", 6), ("wall", 6),
           ("floor", 10), ("A/fl", 6), ("B/fl", 6))


def register(commands) -> None:
    """Add the ``bench`` sub-command to the CLI's sub-parsers."""
    parser = commands.add_parser(
        "bench", help="benchmark implementation A against B and the raw floor, or the suite")
    add_impl(parser, default="reference", what="implementation A, or the one --suite runs")
    parser.add_argument("--vs", default="stdlib", metavar="IMPL",
                        help="implementation B, named as --impl is (default: stdlib)")
    parser.add_argument("--json", default=None, metavar="PATH",
                        help="where to write the JSON (default: reports/bench/bench-<kind>-<time>.json)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes and few rounds: a smoke test, not a measurement")
    parser.add_argument("--repeat", type=int, default=None,
                        help="rounds per line (default 21, --suite 3, --quick 2)")
    parser.add_argument("--only", action="append", default=[], metavar="LINE",
                        help="measure only this line id (repeatable)")
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="do not run the implementation benchmarks on one CPU")
    parser.add_argument("--suite", action="store_true",
                        help="time the conformance suite and the harness's per-spec overhead")
    parser.add_argument("--area", action="append", default=[], metavar="AREA",
                        help="with --suite: time only these spec areas (repeatable)")
    parser.add_argument("--mutation", action="store_true",
                        help="time the mutation run: a sample of mutants forked and spawned, "
                             "and with --full every mutant under every persona")
    parser.add_argument("--full", action="store_true",
                        help="with --mutation: also one run of every mutant (minutes)")
    parser.set_defaults(handler=command_bench)

    timing = commands.add_parser("bench-report", help="time building and filtering a large report")
    report_timing.add_arguments(timing)
    timing.set_defaults(handler=report_timing.main)


def command_bench(args) -> int:
    repeat = args.repeat if args.repeat is not None else (
        2 if args.quick else 3 if args.suite or args.mutation else 21)
    try:
        variants = _check(args, repeat)
    except (ImplementationError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    try:
        if args.mutation:
            document = mutation_timing.run(args.impl, repeat, args.quick, args.full)
            print_mutation(document, args.quick)
        elif args.suite:
            document = suite.run(args.impl, repeat, args.quick, args.area)
            print_suite(document, args.quick)
        else:
            print_header(variants)
            document = measure.run(variants, repeat, args.quick, args.only, print_line, args.pin)
            print_goals(document["goals"], args.quick)
    except BenchError as exc:
        print(f"error: the benchmark failed: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    path = results.write(_json_path(args.json, document["kind"]), document)
    print(f"json: {path}")
    return EXIT_OK


def _check(args, repeat: int) -> List[measure.Variant]:
    """The variants to measure (none for --suite); ValueError or ImplementationError if unusable."""
    from harness.runner.catalogue import spec_paths

    if repeat < 1:
        raise ValueError("--repeat must be at least 1")
    if args.full and not args.mutation:
        raise ValueError("--full goes with --mutation")
    if args.mutation:
        if args.suite:
            raise ValueError("--mutation and --suite are two benchmarks: choose one")
        return []
    if args.suite:
        load_implementation(args.impl)
        spec_paths(args.area)  # names an unknown area
        return []
    known = [w.id for w in workloads.catalogue(workloads.QUICK, "")]
    unknown = [line for line in args.only if line not in known]
    if unknown:
        raise ValueError(f"unknown line {unknown[0]!r}; lines: {', '.join(known)}")
    return [_variant("a", args.impl), _variant("b", args.vs), measure.floor_variant()]


def _variant(key: str, value: str) -> measure.Variant:
    impl = load_implementation(value)
    return measure.Variant(key, impl.name, impl.module, impl.info())


def _json_path(explicit: Optional[str], kind: str) -> Path:
    if explicit:
        return Path(explicit)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return OUTPUT_DIR / f"bench-{kind}-{stamp}.json"


# -- the implementation table -------------------------------------------------------------


def _row(cells: List[str]) -> str:
    parts = []
    for (name, width), cell in zip(COLUMNS, cells):
        parts.append(cell.ljust(width) if name in ("line", "unit") else cell.rjust(width))
    return " ".join(parts).rstrip()


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def print_header(variants: List[measure.Variant]) -> None:
    names = {v.key: v.name for v in variants}
    print(f"A = {names['a']}, B = {names['b']}, floor = the raw _socket/os loop. Rates: medians "
          "of interleaved rounds, wall clock.")
    print("A/B, A/fl, B/fl: median per-round ratios of process CPU seconds for the same work "
          "(below 1: the first is cheaper); wall: A/B by the wall clock.")
    print(_row([name for name, _ in COLUMNS]))


def format_line(line: Dict[str, Any]) -> str:
    missed = [g["text"] for g in line["goals"] if not g["met"] and g["id"] != "ratio_aim"]
    text = _row([
        line["title"], line["unit"], _number(line["a"]["median"]), _number(line["b"]["median"]),
        f"{line['ratio']['median']:.3f}", f"{line['ratio']['wall_median']:.2f}",
        _number(line["floor"]["median"]),
        f"{line['a_vs_floor']['median']:.2f}", f"{line['b_vs_floor']['median']:.2f}",
    ])
    return text + ("  MISSED: " + "; ".join(missed) if missed else "")


def print_line(line: Dict[str, Any]) -> None:
    print(format_line(line), flush=True)


def print_goals(goals: List[Dict[str, Any]], quick: bool = False) -> None:
    if quick:
        print(QUICK_NOTE)
    for goal in goals:
        mark = "met" if goal["met"] else "NOT met"
        where = f" (worst: {goal['worst_line']}, {goal['worst_value']:.3f})" if "worst_line" in goal else ""
        print(f"goal {mark}: {goal['text']}{where}")


# -- the mutation table -----------------------------------------------------------------------


def print_mutation(document: Dict[str, Any], quick: bool = False) -> None:
    result = document["mutation"]
    figures = result["sample"]
    print(f"mutation run, --impl {document['settings']['impl']}: {figures['mutants']} mutants of "
          f"{', '.join(figures['elements'])}, {document['settings']['repeat']} interleaved rounds")
    for index, round_ in enumerate(figures["rounds"]):
        ratio = "n/a" if round_["ratio"] is None else f"{round_['ratio']:.2f}"
        times = ", ".join(f"{mode} {round_[mode]['seconds_per_mutant']:.3f} s"
                          for mode in mutation_timing.MODES if mode in round_)
        print(f"  round {index + 1}: {times} per mutant; session/spawn {ratio}")
    if result.get("full"):
        full = result["full"]
        print(f"every mutant: {full['mutants_run']} run in {full['wall_seconds']:.0f} s wall "
              f"({full['cpu_seconds']:.0f} s CPU); score {full['score']:.1%}")
    if quick:
        print(QUICK_NOTE)
    for goal in document["goals"]:
        mark = "met" if goal["met"] else "NOT met"
        print(f"goal {mark}: {goal['text']} ({goal['value']:.2f})")


# -- the suite table --------------------------------------------------------------------------


def print_suite(document: Dict[str, Any], quick: bool = False) -> None:
    full, cost = document["full_runs"], document["overhead"]
    print(f"full conformance run, --impl {document['settings']['impl']} ({full['specs']} specs); "
          f"medians over interleaved rounds: {document['settings']['repeat']}")
    print(f"  {'mode':18} {'wall s':>7} {'CPU s':>7}   wall samples")
    for mode in suite.FULL_RUN_MODES:
        figures = full[mode]
        samples = ", ".join(f"{s:.1f}" for s in figures["seconds"])
        print(f"  {mode:18} {figures['median_seconds']:7.1f} {figures['median_cpu_seconds']:7.1f}"
              f"   ({samples})")
    if full["guard_cpu_per_spec_ms"] is not None:
        print(f"  guards on the real specs: {full['guard_cpu_per_spec_ms']:.2f} ms CPU, "
              f"{full['guard_cost_per_spec_ms']:.2f} ms wall per spec")
    small, large = cost["sizes"]
    print(f"harness overhead over bare pytest, no-op specs at {small} and {large}:")
    for clock in ("cpu", "wall"):
        figures = cost[clock]
        print(f"  {clock:4} {figures['per_spec_ms']:6.2f} ms per spec (plugin "
              f"{figures['plugin_per_spec_ms']:.2f}, bare {figures['bare_per_spec_ms']:.2f}); "
              f"start-up {figures['start_up_seconds']:+.2f} s")
    print(f"  guards in-process: {cost['guards_in_process_ms']:.2f} ms per spec")
    if quick:
        print(QUICK_NOTE)
    for goal in document["goals"]:
        mark = "met" if goal["met"] else "NOT met"
        print(f"goal {mark}: {goal['text']} ({goal['value']:.2f})")
