"""The soak: outcome changes and leaks across runs, the summary file, random order."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from harness.documents import soak_summary
from harness.runner.shuffle import shuffled
from harness.soak import analysis
from harness.soak.runs import Options, Run
from tests.conftest import ROOT, run_cli

GUARD = "harness.runner.guards.GuardError: "


def _record(spec_id, outcome, message=None, area="area", leaks=()):
    return {"id": spec_id, "nodeid": f"specs/test_{area}.py::test_{spec_id}", "area": area,
            "elements": ["socket.close"], "outcome": outcome, "duration": 0.01,
            "fingerprint": None, "message": message, "leaks": list(leaks)}


def _leak(kind, *items):
    what = {"descriptor": "file descriptor(s) open", "thread": "thread(s) running",
            "process": "child process(es)"}[kind]
    return {"kind": kind, "count": len(items), "items": list(items),
            "text": f"left {len(items)} {what}: {', '.join(items)}"}


def _run(number, *records, seed=None):
    document = {"run_info": {"implementation": {"name": "demo"}, "python_version": "3.12.1",
                             "os": "linux", "python_implementation": "cpython"},
                "summary": {}, "specs": list(records)}
    return Run(number=number, seed=100 + number if seed is None else seed, exit_status=0,
                    document=document)


def _options(count, **changes):
    return Options(impl="demo", runs=count, seed=101, **changes)


# -- analysis of synthetic runs ------------------------------------------------------------


def test_stable_runs_have_no_findings():
    runs = [_run(n, _record("a", "pass"), _record("b", "n/a"), _record("c", "xfail"))
            for n in (1, 2, 3)]
    summary = analysis.summarise(runs, _options(3))
    assert summary["flaky"] == [] and summary["leaks"] == [] and summary["unexpected"] == []
    assert summary["clean"] is True
    assert summary["specs"] == 3 and summary["runs_completed"] == 3


def test_outcome_change_is_flaky_with_its_rate_runs_and_seeds():
    runs = [_run(n, _record("a", "pass"), _record("b", "pass")) for n in range(1, 5)]
    runs[2].document["specs"][1] = _record("b", "timeout", "Failed: Timeout (>60.0s)")
    findings = analysis.analyse(runs)
    (entry,) = findings["flaky"]
    assert entry["id"] == "b" and entry["area"] == "area"
    assert entry["usual"] == "pass"
    assert entry["outcomes"] == {"pass": 3, "timeout": 1}
    assert entry["runs"] == 4 and entry["changed"] == 1 and entry["rate"] == 0.25
    assert entry["changed_in"] == [
        {"run": 3, "seed": 103, "outcome": "timeout", "message": "Failed: Timeout (>60.0s)"}
    ]
    assert analysis.summarise(runs, _options(4))["clean"] is False


def test_a_spec_absent_from_one_run_is_absent_there():
    runs = [_run(1, _record("a", "pass"), _record("b", "pass")), _run(2, _record("a", "pass"))]
    (entry,) = analysis.analyse(runs)["flaky"]
    assert entry["id"] == "b" and entry["outcomes"] == {"absent": 1, "pass": 1}
    assert entry["changed_in"][0]["message"] == "absent from the results"


def test_a_tie_is_broken_towards_the_milder_outcome():
    runs = [_run(1, _record("a", "fail", "boom")), _run(2, _record("a", "pass"))]
    (entry,) = analysis.analyse(runs)["flaky"]
    assert entry["usual"] == "pass" and entry["changed_in"][0]["outcome"] == "fail"


def test_guard_findings_are_leaks_with_their_kind():
    leaks = [_leak("descriptor", "7 (socket:[1234])"), _leak("thread", "Thread-3", "worker")]
    message = GUARD + "; ".join(leak["text"] for leak in leaks)
    runs = [_run(1, _record("a", "error", message, leaks=leaks)), _run(2, _record("a", "pass")),
            _run(3, _record("a", "pass"))]
    findings = analysis.analyse(runs)
    (leak,) = findings["leaks"]
    assert leak["id"] == "a" and leak["kinds"] == ["descriptor", "thread"]
    assert leak["leaked"] == 1 and leak["rate"] == round(1 / 3, 4)
    assert leak["leaked_in"] == [{"run": 1, "seed": 101, "findings": [
        "left 1 file descriptor(s) open: 7 (socket:[1234])",
        "left 2 thread(s) running: Thread-3, worker",
    ]}]
    assert findings["flaky"][0]["id"] == "a"  # error in one run of three: also flaky


def test_a_leak_in_every_run_is_a_leak_and_a_stable_error():
    leak = _leak("process", "4242")
    message = "Failed: boom | " + GUARD + leak["text"]
    runs = [_run(n, _record("a", "error", message, leaks=[leak])) for n in (1, 2)]
    findings = analysis.analyse(runs)
    assert findings["flaky"] == []
    assert findings["leaks"][0]["kinds"] == ["process"]
    assert findings["unexpected"] == [{"id": "a", "nodeid": "specs/test_area.py::test_a",
                                       "area": "area", "outcome": "error", "runs": 2,
                                       "message": message}]
    assert analysis.summarise(runs, _options(2))["clean"] is False


@pytest.mark.parametrize("message", [
    None,
    "AssertionError: the peer left 1 byte unread",
    "AssertionError: left 1 file descriptor(s) open: 9",
    GUARD + "socket.connect to ('192.0.2.1', 9) refused: specs use only loopback and AF_UNIX",
])
def test_only_the_guards_leak_records_are_leaks_whatever_the_message_says(message):
    assert analysis.leak_findings(_record("a", "error", message)) == []
    leak = _leak("descriptor", "9")
    assert analysis.leak_findings(_record("a", "error", message, leaks=[leak])) == [
        ("descriptor", "left 1 file descriptor(s) open: 9")
    ]


def test_a_run_without_results_makes_the_soak_unclean():
    runs = [_run(1, _record("a", "pass")),
            Run(number=2, seed=102, exit_status=-9, problem="no results file")]
    summary = analysis.summarise(runs, _options(2))
    assert summary["clean"] is False and summary["runs_completed"] == 1
    assert summary["failed_runs"][0]["problem"] == "no results file"
    assert summary["flaky"] == []
    assert any(line.startswith("FAILED RUN 2") for line in analysis.finding_lines(summary))


# -- the summary file and the report's flaky marks -----------------------------------------


def _written_summary(tmp_path, name="summary.json"):
    runs = [_run(n, _record("a", "pass"), _record("b", "pass")) for n in range(1, 11)]
    runs[4].document["specs"][0] = _record("a", "crash", "worker 'gw0' crashed")
    runs[7].document["specs"][0] = _record("a", "timeout", "Timeout")
    summary = analysis.summarise(runs, _options(10))
    path = tmp_path / name
    path.write_text(json.dumps(summary))
    return path


def test_summary_round_trip_and_flaky_marks(tmp_path):
    path = _written_summary(tmp_path)
    summary = soak_summary.read_summary(path)
    assert summary["schema"] == "sockspec-soak" and summary["schema_version"] == 1
    marks = soak_summary.flaky_marks([path])
    assert set(marks) == {("demo", "a")}
    mark = marks[("demo", "a")]
    assert mark["rate"] == 0.2 and mark["runs"] == 10 and mark["usual"] == "pass"
    assert mark["text"] == "flaky: crash 1/10, timeout 1/10"
    assert mark["summary"] == str(path)


@pytest.mark.parametrize("text, words", [
    ("{", "not a JSON document"),
    ('{"schema": "sockspec-results"}', "not a sockspec soak summary"),
    ('{"schema": "sockspec-soak", "schema_version": 9}', "unsupported schema_version 9"),
    ('{"schema": "sockspec-soak", "schema_version": 1}', "lacks implementation"),
])
def test_unusable_summaries_are_named(tmp_path, text, words):
    path = tmp_path / "summary.json"
    path.write_text(text)
    with pytest.raises(soak_summary.SoakError) as info:
        soak_summary.read_summary(path)
    assert str(path) in str(info.value) and words in str(info.value)


def test_incomplete_summary_is_refused(tmp_path):
    path = _written_summary(tmp_path)
    document = json.loads(path.read_text())
    del document["complete"]
    path.write_text(json.dumps(document))
    with pytest.raises(soak_summary.SoakError, match="incomplete"):
        soak_summary.read_summary(path)


# -- random order --------------------------------------------------------------------------


class _Item:
    def __init__(self, nodeid):
        self.nodeid = nodeid


def test_shuffle_depends_only_on_the_seed_and_the_node_ids():
    items = [_Item(f"specs/test_a.py::test_{n}") for n in range(50)]
    first = [i.nodeid for i in shuffled(items, 7)]
    assert first == [i.nodeid for i in shuffled(list(reversed(items)), 7)]
    assert first != [i.nodeid for i in shuffled(items, 8)]
    assert sorted(first) == sorted(i.nodeid for i in items)


def _collected(*args):
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "specs/test_repr.py", "--collect-only", "-q",
         "-p", "no:cacheprovider", *args],
        cwd=str(ROOT), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if "::" in line]


def test_shuffle_option_reorders_the_collected_specs():
    plain = _collected()
    one = _collected("-p", "harness.runner.shuffle", "--sockspec-shuffle", "1")
    assert sorted(one) == sorted(plain) and one != plain
    assert _collected("-p", "harness.runner.shuffle", "--sockspec-shuffle", "1") == one
    assert _collected("-p", "harness.runner.shuffle", "--sockspec-shuffle", "2") != one


def test_shuffle_option_needs_an_integer():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "specs/test_repr.py", "--collect-only", "-q",
         "-p", "no:cacheprovider", "-p", "harness.runner.shuffle", "--sockspec-shuffle", "many"],
        cwd=str(ROOT), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 4
    assert "--sockspec-shuffle takes an integer seed" in done.stderr


# -- the command ---------------------------------------------------------------------------


def test_two_run_soak_over_one_area(tmp_path):
    done = run_cli("soak", "--impl", "reference", "--runs", "2", "--area", "repr", "-n", "2",
                   "--seed", "41", "--output", str(tmp_path), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "run 1/2 (seed 41" in done.stdout and "run 2/2 (seed 42" in done.stdout
    summary = soak_summary.read_summary(tmp_path / "summary.json")
    assert summary["clean"] is True and summary["runs_completed"] == 2
    assert summary["flaky"] == [] and summary["leaks"] == []
    assert summary["implementation"]["name"] == "reference"
    assert [r["seed"] for r in summary["runs"]] == [41, 42]
    assert summary["specs"] > 10
    for run in summary["runs"]:
        assert Path(run["results"]).parent == tmp_path / f"run-{run['run']}"
        assert run["summary"]["pass"] > 0
    assert "sockspec: random spec order, seed 41" in (tmp_path / "run-1" / "output.txt").read_text()


FIRST_RUN_ONLY = textwrap.dedent('''
    """The stdlib module; in a soak's first run only, get_inheritable() returns an int and
    set_inheritable() leaks a descriptor."""
    import os
    import sys

    from tests.doubles.misbehaving import copy_stdlib_socket

    _Socket = copy_stdlib_socket(globals())
    _FIRST = any(arg.endswith("run-1") for arg in sys.argv)


    class socket(_Socket):
        __slots__ = ()

        def get_inheritable(self):
            value = super().get_inheritable()
            return int(value) if _FIRST else value

        def set_inheritable(self, inheritable):
            super().set_inheritable(inheritable)
            if _FIRST:
                os.open(os.devnull, os.O_RDONLY)
''')


def test_soak_reports_outcome_changes_and_leaks(tmp_path):
    impl = tmp_path / "socket_first_run_only.py"
    impl.write_text(FIRST_RUN_ONLY)
    output = tmp_path / "soak"
    done = run_cli("soak", "--impl", str(impl), "--runs", "2", "--area", "inheritable",
                   "-n", "0", "--seed", "5", "--output", str(output), timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    summary = soak_summary.read_summary(output / "summary.json")
    flaky = {e["id"]: e for e in summary["flaky"]}
    entry = flaky["inheritable_new_socket_is_not_inheritable"]
    assert entry["outcomes"] == {"fail": 1, "pass": 1} and entry["rate"] == 0.5
    leaks = {e["id"]: e for e in summary["leaks"]}
    leak = leaks["inheritable_set_true_is_visible_to_the_os"]
    assert leak["kinds"] == ["descriptor"] and leak["leaked_in"][0]["run"] == 1
    assert "(/dev/null)" in leak["leaked_in"][0]["findings"][0]
    assert "FLAKY inheritable_new_socket_is_not_inheritable: fail 1/2, pass 1/2" in done.stdout
    assert "LEAK inheritable_set_true_is_visible_to_the_os: left 1 file descriptor(s)" in done.stdout
    marks = soak_summary.flaky_marks([output / "summary.json"])
    assert ("socket_first_run_only", "inheritable_new_socket_is_not_inheritable") in marks


@pytest.mark.parametrize("args, words", [
    (["--impl", "nosuchimpl"], "cannot be imported"),
    (["--area", "nosucharea"], "unknown area 'nosucharea'"),
    (["--runs", "0"], "at least 1"),
])
def test_soak_usage_errors_exit_2(args, words):
    done = run_cli("soak", *args)
    assert done.returncode == 2
    assert words in done.stderr


def _processes_with(marker: str):
    """Processes whose environment holds ``marker`` (inherited from the soak, workers too)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker.encode() in environment:
            found.append(entry.name)
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_a_run_past_its_time_is_stopped_with_its_workers(tmp_path):
    output = tmp_path / "soak"
    hang = ROOT / "tests" / "doubles" / "misbehaving" / "socket_hang.py"
    marker = f"SOCKSPEC_SOAK_TEST_MARK={tmp_path.name}"
    done = run_cli("soak", "--impl", str(hang), "--runs", "1", "--area", "inheritable",
                   "-n", "2", "--run-timeout", "8", "--output", str(output), "--",
                   "--timeout", "600", timeout=120,
                   env={"SOCKSPEC_SOAK_TEST_MARK": tmp_path.name})
    assert done.returncode == 1, done.stdout + done.stderr
    summary = soak_summary.read_summary(output / "summary.json")
    assert summary["runs_completed"] == 0 and summary["clean"] is False
    (failed,) = summary["failed_runs"]
    assert failed["problem"] == "did not finish within 8 s; stopped"
    assert "FAILED RUN 1" in done.stdout
    assert _processes_with(marker) == []  # the run and its xdist workers are gone
