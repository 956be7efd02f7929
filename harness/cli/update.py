"""``update-expectations``: write an implementation's known failures from its results.

    python -m harness update-expectations RESULTS... -o FILE [--prune]
    python -m harness update-expectations --migrate FILE [-o OUT]
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import List

from harness.cli.common import EXIT_OK, CommandError, add_output
from harness.documents import results
from harness.model import renames
from harness.model.expectations import PLACEHOLDER, ExpectationsError
from harness.model.expectations_update import migrate, update


def _results_files(paths: List[str]) -> List[Path]:
    found: List[Path] = []
    for name in paths:
        path = Path(name)
        found.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    return found


def _write(path: Path, text: str) -> None:
    """Replace ``path`` at once: a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def command_update(args) -> int:
    try:
        if args.migrate:
            source = Path(args.migrate)
            target = Path(args.output) if args.output else source
            _write(target, migrate(source))
            print(f"wrote {target} in format 2")
            return EXIT_OK
        if not args.results:
            raise CommandError("give one or more results files (or folders of them)")
        if not args.output:
            raise CommandError("-o FILE names the expectations file to write")
        documents = [results.read(path) for path in _results_files(args.results)]
        if not documents:
            raise CommandError("no results files in " + ", ".join(args.results))
        target = Path(args.output)
        change = update(documents, target, prune=args.prune, renames=renames.load())
    except (results.ResultsError, ExpectationsError, renames.RenamesError) as exc:
        raise CommandError(str(exc)) from None
    _write(target, change.text)
    for old, new in change.renamed:
        print(f"RENAMED {target}: {old} -> {new}")
    for entry in change.stale:
        state = "removed" if entry in change.pruned else "no longer fails"
        print(f"STALE {target}:{entry.line}: {entry.spec_id} {state}")
    if change.added:
        print(f"added {len(change.added)} entries under cause {change.placeholder_cause!r} in "
              f"{target}: replace its {PLACEHOLDER!r} reason and link before the next run")
    else:
        print(f"no new unexpected failures; {target} written")
    return EXIT_OK


def register(commands) -> None:
    parser = commands.add_parser(
        "update-expectations",
        help="add entries for unexpected failures in results files; report stale ones",
    )
    parser.add_argument("results", nargs="*", metavar="RESULTS",
                        help="results JSON files, or folders of them")
    add_output(parser, None, metavar="FILE",
               help="the expectations file to update (made if absent)")
    parser.add_argument("--prune", action="store_true",
                        help="remove the entries whose specs no longer fail")
    parser.add_argument("--migrate", default=None, metavar="FILE",
                        help="rewrite a format-1 expectations file in format 2 (to -o, or in place)")
    parser.set_defaults(handler=command_update)
