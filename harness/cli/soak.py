"""``python -m harness soak``: run the suite N times in random order; report flakes and leaks.

The work is done by :mod:`harness.soak`; this module only parses the command line.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from harness.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    CommandError,
    add_impl,
    add_output,
    add_persona,
    check_impl,
    positive,
)
from harness.documents.runinfo import run_label
from harness.model import paths
from harness.runner.catalogue import spec_paths
from harness.soak import session
from harness.soak.runs import Options


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
    add_impl(soak)
    soak.add_argument("--runs", type=positive, default=10, metavar="N",
                      help="how many runs (default: 10)")
    soak.add_argument("-n", "--workers", default="auto",
                      help="pytest-xdist workers per run: a number, 'auto' (default) or 0")
    add_persona(soak, what="run every time under a persona")
    soak.add_argument("--area", action="append", default=[], metavar="AREA",
                      help="soak only this area's specs (specs/test_AREA.py); repeatable")
    soak.add_argument("--seed", type=int, default=None,
                      help="seed of the first run (spec order, property specs); run k uses SEED+k-1 "
                           "(default: drawn at random and printed)")
    soak.add_argument("--no-shuffle", dest="shuffle", action="store_false",
                      help="keep the collection order in every run")
    add_output(soak, None, metavar="DIR",
               help="folder for the runs (run-NN/) and summary.json "
                    "(default: reports/soak/<implementation>-<time>)")
    soak.add_argument("--run-timeout", type=float, default=3600.0, metavar="SECONDS",
                      help="stop a run that takes longer than this (default: 3600)")
    soak.add_argument("pytest_args", nargs="*", help="after '--': extra pytest arguments")
    soak.set_defaults(handler=command_soak)


def _absolute_if_file(value: str) -> str:
    """A .py path made absolute: the runs start in the repository root, not here."""
    path = Path(value)
    if (value.endswith(".py") or "/" in value or os.sep in value) and path.is_file():
        return str(path.resolve())
    return value


def command_soak(args) -> int:
    impl = check_impl(args.impl, args.persona)
    try:
        spec_paths(args.area)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    if args.output:
        output = Path(args.output).resolve()
    else:
        output = paths.output_root() / "soak" / run_label(impl.name, args.persona)
    options = Options(
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
    summary = session.soak(options, progress=lambda line: print(line, flush=True))
    return EXIT_OK if summary["clean"] else EXIT_FINDINGS
