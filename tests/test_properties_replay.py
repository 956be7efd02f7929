"""A property failure replays from the results file with one command.

A broken copy of the reference makes a property fail; the results file holds the failure's
hypothesis reproduction; ``python -m harness replay RESULTS SPEC`` re-runs that spec with it
and fails the same way (exit 1), while against the intact implementation it passes (exit 0).
Both a @given property and the stateful machine are replayed.
"""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import run_cli
from tests.test_properties_broken import BROKEN, intact_copy, make_copy, run_specs

REPLAYED = {b.name: b for b in BROKEN if b.name in ("send_fds_drops_duplicates",
                                                   "dup_copies_io_refs",
                                                   "intenum_keeps_negative_ints")}


@pytest.mark.parametrize("name", sorted(REPLAYED))
def test_replay_reproduces_a_recorded_failure(name, tmp_path):
    broken = REPLAYED[name]
    if sys.version_info[:2] < broken.since:
        pytest.skip(f"{broken.rejected_by} applies from Python {broken.since} on")
    copy = make_copy(broken, tmp_path)
    code, records, output = run_specs(
        copy, tmp_path, "-k", f"test_{broken.rejected_by}", profile="nightly"
    )
    assert code == 1, output
    record = records[broken.rejected_by]
    assert record["outcome"] == "fail"
    details = record["hypothesis"]
    assert details["reproduce"].startswith("@reproduce_failure("), details
    results = next(
        p for p in sorted(tmp_path.glob("run-*/*.json"))
        if broken.rejected_by in {r["id"] for r in json.loads(p.read_text())["specs"]}
    )

    again = run_cli("replay", str(results), broken.rejected_by)
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"reproduced: {broken.rejected_by} fails again" in again.stdout
    assert f"replaying {record['nodeid']} against {copy}" in again.stdout

    intact = run_cli(
        "replay", str(results), broken.rejected_by, "--impl", str(intact_copy(tmp_path))
    )
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert f"not reproduced: {broken.rejected_by} passes" in intact.stdout


def test_replay_of_a_spec_without_a_recorded_example_exits_2(tmp_path):
    broken = REPLAYED["intenum_keeps_negative_ints"]
    copy = make_copy(broken, tmp_path)
    _code, records, output = run_specs(copy, tmp_path, "-k", "test_enums.py")
    assert records, output
    results = next(iter(sorted(tmp_path.glob("run-*/*.json"))))
    spec = sorted(records)[0]
    done = run_cli("replay", str(results), spec)
    assert done.returncode == 2
    assert "records no hypothesis reproduction" in done.stderr


def test_replay_of_an_unknown_spec_exits_2(tmp_path):
    broken = REPLAYED["intenum_keeps_negative_ints"]
    copy = make_copy(broken, tmp_path)
    run_specs(copy, tmp_path, "-k", f"test_{broken.rejected_by}", profile="nightly")
    results = next(iter(sorted(tmp_path.glob("run-*/*.json"))))
    done = run_cli("replay", str(results), "no_such_spec")
    assert done.returncode == 2
    assert "no spec 'no_such_spec' in the results file" in done.stderr
    assert broken.rejected_by in done.stderr  # names the specs that can be replayed
