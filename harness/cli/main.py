"""``python -m harness`` (``sockspec`` when installed): one sub-command a module.

Each module of harness.cli registers its sub-command and handles it; harness.cli.common holds
what they share. A handler returns an exit code (``EXIT_OK``, ``EXIT_FINDINGS``) or raises
CommandError, which is printed here as one line with ``EXIT_USAGE``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from harness.cli import bench, listing, mutate, probe, replay, report, run, site, soak, update
from harness.cli.common import EXIT_USAGE, CommandError
from harness.model import paths

#: The sub-commands, in the order ``--help`` lists them.
COMMANDS = (run, listing, probe, report, replay, bench, soak, mutate, update, site)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sockspec" if paths.INSTALLED else "python -m harness",
        description="sockspec: run the socket-module conformance specs against an implementation.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for command in COMMANDS:
        command.register(commands)
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
