"""What every command shares: one error type, one set of exit codes, and the options that
several commands take (``--impl``, ``--persona``, ``--output``), declared once here.

A command handler returns an exit code or raises :class:`CommandError`; harness.cli.main
prints the error as one line and exits with ``EXIT_USAGE``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Optional, Sequence

from harness.loading.implementations import (
    ImplementationError,
    load_implementation,
    register_metadata_file,
    registered_names,
)
from harness.model import expectations
from harness.model.personas import PERSONAS

#: The command did what was asked and found nothing wrong.
EXIT_OK = 0
#: The command ran and found something: an unexpected outcome, a regression, a rejected input,
#: a flaky or leaking spec, a failure reproduced, a benchmark that could not finish.
EXIT_FINDINGS = 1
#: The command could not do what was asked: bad arguments, an unusable implementation or file.
EXIT_USAGE = 2


class CommandError(Exception):
    """A one-line message for the user; the command exits with ``EXIT_USAGE``."""


def add_impl(parser: argparse.ArgumentParser, default: Optional[str] = "stdlib",
             what: str = "implementation under test", default_text: Optional[str] = None,
             modules: bool = True) -> None:
    """``--impl``; ``modules=False`` for a command that takes no dotted module path."""
    names = ", ".join(registered_names())
    shown = default_text or default
    forms = "a dotted module path or a .py file" if modules else "or a .py file"
    parser.add_argument("--impl", default=default, metavar="IMPL",
                        help=f"{what}: a registered name ({names}), {forms} (default: {shown})")


def add_impl_meta(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--impl-meta", default=None, metavar="IMPL_TOML",
                        help="register an implementation from its impl.toml (name, module or "
                             "file, version, warm-up, threads to ignore)")


def add_persona(parser: argparse.ArgumentParser, what: str = "run under a persona") -> None:
    parser.add_argument("--persona", default=None, metavar="PERSONA",
                        help=f"{what}: {', '.join(sorted(PERSONAS))}")


def add_output(parser: argparse.ArgumentParser, default, help: str, metavar: str = "PATH",
               required: bool = False) -> None:
    parser.add_argument("-o", "--output", default=default, metavar=metavar, required=required,
                        help=help)


def check_impl(value: Optional[str], persona: Optional[str] = None, meta=None,
               extra: Sequence[str] = ()):
    """Load the implementation and its expectations once here, so that a fault in either is
    one line and ``EXIT_USAGE`` before pytest starts."""
    try:
        registered = register_metadata_file(meta)
        impl = load_implementation(value or registered or "stdlib", persona)
        expectations.load_all([impl.expectations, *map(Path, extra)])
    except (ImplementationError, expectations.ExpectationsError) as exc:
        raise CommandError(str(exc)) from None
    return impl


def positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return value
