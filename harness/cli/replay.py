"""``python -m harness replay``: re-run a failed property spec from its recorded example.

A failing hypothesis property leaves in the results file (the record's ``hypothesis``
field, see :mod:`harness.runner.hypothesis_info`) the reproduction hypothesis printed: the
``@reproduce_failure(VERSION, BLOB)`` decorator text and/or a seed. This command re-runs
that one spec with it::

    python -m harness replay RESULTS_JSON SPEC_ID [--impl IMPL]

The spec runs alone, against the implementation the results file names (or ``--impl``),
without the implementation's expectations, so that the raw outcome shows. The reproduction
reaches the property through the pytest option ``--sockspec-reproduce`` (or
``--hypothesis-seed``), applied by ``fixtures/properties.py``.

Exit status: 1 when the spec fails again (reproduced), 0 when it passes (the recorded example
does not fail here), 2 when it cannot be replayed (no such spec, nothing recorded, another
hypothesis version, the spec is n/a here, ...).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional

from harness.cli.common import EXIT_FINDINGS, EXIT_OK, CommandError, add_impl
from harness.model import paths
from harness.runner.hypothesis_info import parse_reproduction

#: The failure happened again.
EXIT_REPRODUCED = EXIT_FINDINGS
EXIT_NOT_REPRODUCED = EXIT_OK
FAILING = ("fail", "error", "timeout", "crash", "xfail")


class ReplayError(Exception):
    """The replay cannot be done; the message is one line for the user (exit status 2)."""


def register(commands) -> None:
    """Add the ``replay`` sub-command to the CLI's sub-parsers."""
    replay = commands.add_parser(
        "replay",
        help="re-run one failed property spec with the hypothesis example recorded in a "
             "results file",
        description="Re-run one property spec with the hypothesis reproduction recorded in a "
                    "results file. Exit status: 1 reproduced, 0 not reproduced, 2 cannot "
                    "replay.",
    )
    replay.add_argument("results", metavar="RESULTS_JSON", help="the results file of the run")
    replay.add_argument("spec", metavar="SPEC_ID", help="the spec id (or its pytest node id)")
    add_impl(replay, default=None, what="implementation to replay against",
             default_text="the one the results file names")
    replay.add_argument(
        "--profile", default=None,
        help="hypothesis profile, used only when replaying from a seed (default: ci)",
    )
    replay.set_defaults(handler=command_replay)


def find_record(document: Dict[str, Any], spec: str) -> Dict[str, Any]:
    """The record of ``spec`` (an id, an id with ``test_``, or a node id)."""
    wanted = {spec, spec[5:] if spec.startswith("test_") else spec}
    for record in document["specs"]:
        if record["id"] in wanted or record["nodeid"] == spec:
            return record
    known = sorted(r["id"] for r in document["specs"] if r.get("hypothesis"))
    hint = f"; specs with a recorded example: {', '.join(known)}" if known else ""
    raise ReplayError(f"no spec {spec!r} in the results file{hint}")


def recorded_implementation(document: Dict[str, Any]) -> str:
    """The ``--impl`` value that loads the implementation the results file names."""
    from harness.loading.implementations import registered_names
    from harness.model.paths import ROOT

    info = document["run_info"].get("implementation") or {}
    name, source = info.get("name"), info.get("source") or ""
    if name in registered_names():
        return name
    for candidate in (Path(source), ROOT / source):
        if source and candidate.is_file():
            return str(candidate)
    raise ReplayError(
        f"the run tested implementation {name!r} from {source!r}, which is not here; "
        "give --impl"
    )


def reproduction_arguments(details: Optional[Dict[str, Any]], profile: Optional[str]) -> List[str]:
    """The pytest arguments that replay ``details`` (the record's ``hypothesis`` field)."""
    details = details or {}
    reproduce = details.get("reproduce")
    if reproduce:
        try:
            version, _blob = parse_reproduction(reproduce)
        except ValueError as exc:
            raise ReplayError(f"the results file's reproduction is unusable: {exc}") from None
        installed = _hypothesis_version()
        if version != installed:
            raise ReplayError(
                f"the example was recorded with hypothesis {version}, this Python has "
                f"{installed}: install hypothesis=={version} to replay it"
            )
        return [f"--sockspec-reproduce={reproduce}"]
    if details.get("seed") is not None:
        return [f"--hypothesis-seed={details['seed']}", f"--sockspec-profile={profile or 'ci'}"]
    raise ReplayError("the results file records no hypothesis reproduction for this spec")


def _hypothesis_version() -> str:
    """The installed hypothesis version, read without importing hypothesis (pytest should be
    the first to import it, so that its assertion rewriting applies)."""
    from importlib.metadata import version

    return version("hypothesis")


def _first_line(text: Optional[str]) -> str:
    return (text or "").strip().splitlines()[0][:300] if (text or "").strip() else ""


def _replayed_record(path: Path, nodeid: str) -> Optional[Dict[str, Any]]:
    from harness.documents import results

    try:
        document = results.read(path)
    except results.ResultsError:
        return None
    for record in document["specs"]:
        if record["nodeid"] == nodeid:
            return record
    return None


def replay(results_path: Path, spec: str, impl: Optional[str] = None,
           profile: Optional[str] = None) -> int:
    """Replay one spec; returns the exit status. Raises ReplayError when it cannot."""
    import pytest

    from harness.documents import results
    from harness.model.paths import ROOT

    try:
        document = results.read(results_path)
    except results.ResultsError as exc:
        raise ReplayError(str(exc)) from None
    record = find_record(document, spec)
    extra = reproduction_arguments(record.get("hypothesis"), profile)
    impl = impl or recorded_implementation(document)
    details = record.get("hypothesis") or {}
    print(f"replaying {record['nodeid']} against {impl}")
    print(f"  recorded outcome: {record['outcome']}: {_first_line(record.get('message'))}")
    if details.get("example"):
        print(f"  recorded example: {details['example']}"[:2000])
    print(f"  reproduction: {details.get('reproduce') or 'seed ' + str(details.get('seed'))}")
    with tempfile.TemporaryDirectory(prefix="sockspec-replay-") as folder:
        replayed = Path(folder) / "replay.json"
        no_expectations = Path(folder) / "no-expectations.toml"
        no_expectations.write_text("", encoding="utf-8")
        arguments = [
            str(ROOT / record["nodeid"]),
            "--rootdir", str(ROOT),
            "-c", str(paths.CONFIG),
            "--impl", impl,
            "--results", str(replayed),
            "--expectations", str(no_expectations),
            "-p", "no:cacheprovider",
            *extra,
        ]
        code = pytest.main(arguments)
        outcome = _replayed_record(replayed, record["nodeid"])
    if outcome is None:
        raise ReplayError(f"the spec did not run (pytest exit code {int(code)})")
    if outcome["outcome"] in FAILING:
        print(f"reproduced: {outcome['id']} {outcome['outcome']}s again: "
              f"{_first_line(outcome.get('message'))}")
        return EXIT_REPRODUCED
    if outcome["outcome"] == "pass":
        print(f"not reproduced: {outcome['id']} passes with the recorded example")
        return EXIT_NOT_REPRODUCED
    raise ReplayError(
        f"{outcome['id']} was {outcome['outcome']} here"
        + (f" ({outcome['na_reason']})" if outcome.get("na_reason") else "")
    )


def command_replay(args) -> int:
    try:
        return replay(Path(args.results), args.spec, args.impl, args.profile)
    except ReplayError as exc:
        raise CommandError(str(exc)) from None
