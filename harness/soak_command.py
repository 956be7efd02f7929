"""``python -m harness soak``: run the suite N times in random order; report flakes and leaks.

The work is done by :mod:`harness.soak`; this module only parses the command line.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from harness import paths

EXIT_CLEAN = 0
EXIT_FINDINGS = 1


def register(commands) -> None:
    """Add the ``soak`` sub-command to the CLI's sub-parsers."""
    soak = commands.add_parser(
        "soak",
        help="run the specs N times in random order; report outcome changes and leaks",
        description="Run the conformance specs N times (pytest-xdist, random order, one "
                    "process per run) and report every spec whose outcome changed between "
                    "runs, with its rate, and every leaked descriptor, thread or process. "
                    "Exits 0 when every run has results and nothing changed or leaked.",
    )
    soak.add_argument("--impl", default="stdlib",
                      help="registered name, dotted module path or .py file (default: stdlib)")
    soak.add_argument("--runs", type=_positive, default=10, metavar="N",
                      help="how many runs (default: 10)")
    soak.add_argument("-n", "--workers", default="auto",
                      help="pytest-xdist workers per run: a number, 'auto' (default) or 0")
    soak.add_argument("--persona", default=None, help="run every time under this persona")
    soak.add_argument("--area", action="append", default=[], metavar="AREA",
                      help="soak only this area's specs (specs/test_AREA.py); repeatable")
    soak.add_argument("--seed", type=int, default=None,
                      help="seed of the first run (spec order, property specs); run k uses SEED+k-1 "
                           "(default: drawn at random and printed)")
    soak.add_argument("--no-shuffle", dest="shuffle", action="store_false",
                      help="keep the collection order in every run")
    soak.add_argument("--output", default=None,
                      help="folder for the runs (run-NN/) and summary.json "
                           "(default: reports/soak/<implementation>-<time>)")
    soak.add_argument("--run-timeout", type=float, default=3600.0, metavar="SECONDS",
                      help="stop a run that takes longer than this (default: 3600)")
    soak.add_argument("pytest_args", nargs="*", help="after '--': extra pytest arguments")
    soak.set_defaults(handler=command_soak)


def _positive(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return value


def _absolute_if_file(value: str) -> str:
    """A .py path made absolute: the runs start in the repository root, not here."""
    path = Path(value)
    if (value.endswith(".py") or "/" in value or os.sep in value) and path.is_file():
        return str(path.resolve())
    return value


def command_soak(args) -> int:
    from harness import soak
    from harness.catalogue import spec_paths
    from harness.cli import CommandError, _check_impl
    from harness.runinfo import run_label

    impl = _check_impl(args.impl, args.persona)
    try:
        spec_paths(args.area)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    if args.output:
        output = Path(args.output).resolve()
    else:
        output = paths.output_root() / "soak" / run_label(impl.name, args.persona)
    options = soak.Options(
        impl=_absolute_if_file(args.impl),
        name=impl.name,
        runs=args.runs,
        workers=args.workers,
        areas=tuple(args.area),
        persona=args.persona,
        seed=seed,
        shuffle=args.shuffle,
        output=output,
        run_timeout=args.run_timeout,
        pytest_args=tuple(args.pytest_args),
    )
    order = f"random order from seed {seed}" if args.shuffle else "collection order"
    print(f"soak: {args.runs} runs of {impl.name}, {order}, output {output}", flush=True)
    summary = soak.soak(options, progress=lambda line: print(line, flush=True))
    return EXIT_CLEAN if summary["clean"] else EXIT_FINDINGS
