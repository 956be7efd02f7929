"""Merging results files into the report model: hardening, missing specs, scores, comparisons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.documents import results
from harness.model import outcomes
from harness.report import baseline, history, merge, sample_results, views
from harness.report.build import build
from harness.report.sample_results import SAMPLES, document, record, run_info
from tests.conftest import run_cli

START = "2026-11-24T02:00:00+00:00"


def write(folder: Path, name: str, found) -> Path:
    path = folder / name
    path.write_text(found if isinstance(found, str) else json.dumps(found), encoding="utf-8")
    return path


def run_doc(impl="stdlib", os_name="linux", python="3.12.4", start=START, specs=None, **info):
    specs = specs if specs is not None else [
        record("alpha", "area1", ["socket.alpha"]),
        record("beta", "area1", ["socket.beta"], outcomes.FAIL, message="boom",
               fingerprint={"exception": "OSError", "errno": "EBADF"}),
        record("gamma", "area2", ["socket.gamma"], outcomes.NA, na_reason="host lacks ipv6"),
    ]
    return document(run_info(impl, os_name, python, start, **info), specs)


@pytest.fixture
def good(tmp_path) -> Path:
    return write(tmp_path, "stdlib-native-cpython3.12-linux-20261124T020000-1.json", run_doc())


# -- hardening: each kind of bad input is rejected with one line naming the file ---------------


def test_unknown_schema_version_is_rejected_by_name(tmp_path, good):
    found = run_doc(os_name="win32")
    found["schema_version"] = 2
    bad = write(tmp_path, "future.json", found)
    merged = merge.merge([good, bad])
    assert [r.file for r in merged.runs] == [str(good)]
    (problem,) = merged.rejected
    assert problem.message == f"{bad}: unsupported schema_version 2 (this harness reads 1)"
    assert "\n" not in problem.line()


def test_duplicate_run_is_rejected_naming_both_files(tmp_path, good):
    copy = write(tmp_path, "copy.json", good.read_text())
    merged = merge.merge([good, copy])
    assert len(merged.runs) == 1
    (problem,) = merged.rejected
    assert problem.file == str(copy)
    assert f"duplicate of the run already merged from {good}" in problem.message
    assert "stdlib native linux 3.12.4" in problem.message


def test_same_configuration_at_another_time_is_not_a_duplicate(tmp_path, good):
    later = write(tmp_path, "later.json", run_doc(start="2026-11-24T05:00:00+00:00"))
    merged = merge.merge([good, later])
    assert not merged.problems
    assert [r.label for r in merged.runs] == ["stdlib · linux · 3.12.4",
                                             "stdlib · linux · 3.12.4 #2"]


def test_truncated_file_is_rejected(tmp_path, good):
    text = good.read_text()
    bad = write(tmp_path, "gevent-native-cpython3.11-darwin-20261124T020000-7.json",
                text[: text.index(", ", len(text) // 2) + 1])
    merged = merge.merge([good, bad])
    (problem,) = merged.rejected
    assert problem.message.startswith(f"{bad}: truncated (line 1, column ")
    assert problem.guess == "gevent native cpython3.11 darwin"


def test_file_cut_inside_a_string_is_rejected(tmp_path, good):
    text = good.read_text()
    bad = write(tmp_path, "cut.json", text[: text.index('"outcome"') + 4])
    (problem,) = merge.merge([good, bad]).rejected
    assert problem.message.startswith(f"{bad}: ")
    assert "truncated" in problem.message or "not valid JSON" in problem.message


def test_non_json_file_is_rejected(tmp_path, good):
    bad = write(tmp_path, "notes.json", "this is not JSON at all\n")
    (problem,) = merge.merge([good, bad]).rejected
    assert problem.message.startswith(f"{bad}: not valid JSON")


@pytest.mark.parametrize("damage, words", [
    (lambda d: d.pop("complete"), "did not finish writing"),
    (lambda d: d.update(schema="other"), "not a sockspec results document"),
    (lambda d: d["run_info"].update(implementation="stdlib"),
     "run_info.implementation has no name"),
    (lambda d: d["run_info"].update(start=5), "run_info.start is not a string"),
    (lambda d: d["specs"][0].update(elements="socket.alpha"), "specs[0] has elements"),
    (lambda d: d["specs"][1].update(message=["x"]), "specs[1] has a message"),
    (lambda d: d["specs"][2].update(duration="fast"), "specs[2] has a duration"),
    (lambda d: d["specs"][0].update(hypothesis="seed"), "specs[0] has a hypothesis"),
    (lambda d: d["specs"][0].update(outcome="great"), "unknown outcome 'great'"),
])
def test_malformed_documents_are_rejected(tmp_path, good, damage, words):
    found = run_doc(os_name="darwin")
    damage(found)
    bad = write(tmp_path, "bad.json", found)
    merged = merge.merge([good, bad])
    (problem,) = merged.rejected
    assert problem.message.startswith(f"{bad}: ") and words in problem.message
    assert len(merged.runs) == 1


def test_missing_file_and_empty_folder_are_rejected(tmp_path, good):
    empty = tmp_path / "empty"
    empty.mkdir()
    merged = merge.merge([good, tmp_path / "absent.json", empty])
    messages = [p.message for p in merged.rejected]
    assert messages == [f"{empty}: folder holds no results files (*.json)",
                        f"{tmp_path / 'absent.json'}: cannot read: No such file or directory"]


def test_folder_input_skips_report_outputs(tmp_path, good):
    write(tmp_path, "index.summary.json", {"schema": "sockspec-report-summary"})
    write(tmp_path, "badge-stdlib.json", {"schemaVersion": 1})
    merged = merge.merge([tmp_path])
    assert [r.file for r in merged.runs] == [str(good)] and not merged.problems


def test_spec_reported_twice_in_one_run_is_noted(tmp_path):
    specs = [record("alpha", "a", []), record("alpha", "a", [], outcomes.FAIL)]
    path = write(tmp_path, "twice.json", run_doc(specs=specs))
    merged = merge.merge([path])
    (note,) = merged.problems
    assert not note.rejected and "1 spec id(s) reported twice (alpha)" in note.message
    assert merged.specs[0].outcomes == [outcomes.PASS]


# -- merging -----------------------------------------------------------------------------------


def test_spec_absent_from_a_run_is_missing_and_noted(tmp_path, good):
    other = write(tmp_path, "win.json",
                  run_doc(os_name="win32", specs=[record("alpha", "area1", [])]))
    merged = merge.merge([good, other])
    by_id = {s.id: s for s in merged.specs}
    assert by_id["beta"].outcomes == [outcomes.FAIL, outcomes.MISSING]
    assert by_id["gamma"].cells[1] is None
    (note,) = merged.problems
    assert not note.rejected and "2 of 3 specs absent from this run" in note.message


def test_scores_count_missing_as_applicable_and_exclude_na(tmp_path, good):
    other = write(tmp_path, "win.json",
                  run_doc(os_name="win32", specs=[record("alpha", "area1", [])]))
    merged = merge.merge([good, other])
    (impl,) = views.implementations(merged)
    # linux: pass, fail, n/a; win32: pass, missing, missing
    assert (impl.score.passed, impl.score.applicable) == (2, 5)
    assert impl.score.percent == "40.0%"
    assert impl.areas["area2"].as_dict() == {"passed": 0, "applicable": 1, "score": 0.0}
    assert impl.counts[outcomes.MISSING] == 2 and impl.counts[outcomes.NA] == 1


def test_percent_rounds_down_so_100_means_all():
    assert views.Score(passed=9999, applicable=10000).percent == "99.9%"
    assert views.Score(passed=3, applicable=3).percent == "100.0%"
    assert views.Score().percent == "n/a"


def test_rejected_run_is_attributed_to_its_implementation_by_name(tmp_path, good):
    write(tmp_path, "stdlib-native-cpython3.13-win32-20261124T020000-9.json", "{")
    merged = merge.merge([tmp_path])
    (impl,) = views.implementations(merged)
    assert impl.rejected == 1


def test_runs_are_ordered_and_labelled(tmp_path):
    paths = [write(tmp_path, f"{n}.json", run_doc(impl, os_name, python, persona=persona))
             for n, (impl, os_name, python, persona) in enumerate([
                 ("stdlib", "win32", "3.12.4", None), ("gevent", "linux", "3.11.9", None),
                 ("stdlib", "linux", "3.10.1", None), ("stdlib", "linux", "3.9.2", "no-ipv6")])]
    labels = [r.label for r in merge.merge(paths).runs]
    assert labels == ["gevent · linux · 3.11.9", "stdlib · linux · 3.9.2 · no-ipv6",
                      "stdlib · linux · 3.10.1", "stdlib · win32 · 3.12.4"]


def test_surface_groups_runs_and_ignores_address_noise(tmp_path):
    noisy = {"missing": ["send_fds"], "extra": [], "all_missing": [], "all_extra": [],
             "signatures": [{"name": "f", "expected": "(a=<object object at 0x7f01>)",
                             "actual": "(a=<object object at 0x7f99>)"},
                            {"name": "g", "expected": "(a)", "actual": "(a, b)"}]}
    paths = [write(tmp_path, "a.json", run_doc(surface=noisy)),
             write(tmp_path, "b.json", run_doc(os_name="win32", surface=noisy)),
             write(tmp_path, "c.json", run_doc(os_name="darwin"))]
    (found,) = views.surface(merge.merge(paths))
    assert found.names["missing"] == {"send_fds": ["stdlib · linux · 3.12.4",
                                                   "stdlib · win32 · 3.12.4"]}
    assert [s[:3] for s in found.signatures] == [("g", "(a)", "(a, b)")]
    assert found.unknown == ["stdlib · darwin · 3.12.4"]


def test_findings_group_runs_that_agree(tmp_path):
    paths = [write(tmp_path, f"{os_name}.json", run_doc(os_name=os_name))
             for os_name in ("linux", "win32", "darwin")]
    merged = merge.merge(paths)
    beta = next(d for d in views.spec_details(merged) if d.spec.id == "beta")
    (finding,) = [f for f in beta.findings if f.outcome == outcomes.FAIL]
    assert len(finding.runs) == 3 and finding.record["fingerprint"]["errno"] == "EBADF"
    assert beta.durations["runs"] == 3


@pytest.mark.parametrize("url, link", [
    ("https://github.com/python/cpython/issues/1", "https://github.com/python/cpython/issues/1"),
    ("javascript:alert(1)", None), ("data:text/html,x", None), (None, None), (5, None),
])
def test_only_http_links_are_links(url, link):
    assert views.safe_link(url) == link


# -- baseline and history ----------------------------------------------------------------------


@pytest.mark.parametrize("before, after, kind", [
    ("pass", "fail", "regression"), ("xfail", "error", "regression"),
    ("pass", "xfail", "regression"),
    ("n/a", "fail", "regression"), ("pass", "missing", "regression"),
    ("fail", "pass", "improvement"), ("crash", "xfail", "improvement"),
    ("xfail", "pass", "improvement"), ("fail", "error", "other"), ("pass", "n/a", "other"),
    ("fail", "fail", None),
])
def test_classify_changes(before, after, kind):
    assert baseline.classify(before, after) == kind


def test_sample_baseline_comparison():
    current = merge.merge([SAMPLES / "current"])
    before = merge.merge([SAMPLES / "baseline"], role="baseline")
    found = baseline.compare(current, before)
    regressions = {(c.spec, c.run) for c in found.regressions}
    assert ("sendfile_os_timeout_raises_timeout", "gevent · linux · 3.11.9") in regressions
    assert ("repr_unix_bound_path_shown_unquoted", "reference · darwin · 3.13.0") in regressions
    assert [(c.spec, c.before, c.after) for c in found.improvements] == [
        ("makefile_eof_after_peer_shutdown", "fail", "pass")]
    assert found.unmatched_runs == ["stdlib · linux · 3.8.18"]
    assert found.baseline_only_runs == ["eventlet · linux · 3.12.4"]
    assert found.new_specs == ["getfqdn_none_raises_attribute_error"]
    assert found.removed_specs == ["socketpair_old_peer_check"]


def test_history_reads_summaries_and_rejects_others(tmp_path):
    for path in (SAMPLES / "history").glob("*.json"):
        write(tmp_path, path.name, path.read_text())
    write(tmp_path, "broken.json", '{"schema": "sockspec-report-summary", "schema_')
    write(tmp_path, "results.json", run_doc())
    points, problems = history.read(tmp_path)
    assert sorted(points) == ["eventlet", "gevent", "reference", "stdlib"]
    assert len(points["gevent"]) == 5
    assert [p.generated for p in points["gevent"]] == sorted(p.generated for p in points["gevent"])
    found = sorted(p.message for p in problems)
    assert found[0] == f"{tmp_path / 'broken.json'}: truncated (line 1, column 39)"
    assert found[1] == f"{tmp_path / 'results.json'}: not a sockspec report summary"


def test_trend_geometry():
    points = [history.Point("d1", 90, 100), history.Point("d2", 95, 100), history.Point("d3", 0, 0)]
    found = history.trend(points, width=100, height=20, pad=0)
    assert found.polyline == "0.0,20.0 100.0,0.0"
    assert found.high == "95.0%" and found.low == "90.0%"
    assert history.trend([history.Point("d", 0, 0)]) is None


# -- the samples and the command line ----------------------------------------------------------


def test_sample_results_are_valid_and_cover_three_oses_and_every_outcome():
    paths = sorted((SAMPLES / "current").glob("*.json"))
    paths += sorted((SAMPLES / "baseline").glob("*.json"))
    documents = [results.read(p) for p in paths]
    assert {d["run_info"]["os"] for d in documents} == {"linux", "win32", "darwin"}
    assert {d["run_info"]["implementation"]["name"] for d in documents} >= {
        "stdlib", "reference", "gevent"}
    records = [r for d in documents for r in d["specs"]]
    assert {r["outcome"] for r in records} == set(outcomes.ALL)
    assert any(r["hypothesis"] and r["hypothesis"]["reproduce"] for r in records)
    assert any(r["expectation"] and r["outcome"] == outcomes.XFAIL for r in records)
    assert any(r["fingerprint"] and r["outcome"] == outcomes.FAIL for r in records)
    assert any("<script>alert(1)</script>" in (r["message"] or "") for r in records)


def test_sample_results_are_what_the_generator_writes(tmp_path):
    sample_results.write_samples(tmp_path)
    for sub in ("current", "baseline", "history"):
        expected = {p.name: p for p in (SAMPLES / sub).glob("*.json")}
        found = {p.name: p for p in (tmp_path / sub).glob("*.json")}
        assert sorted(found) == sorted(expected), sub
        for name, path in found.items():
            mine, theirs = json.loads(path.read_text()), json.loads(expected[name].read_text())
            mine.pop("harness_version", None)
            theirs.pop("harness_version", None)
            assert mine == theirs, f"{expected[name]} is stale: python -m harness.report.sample_results"


def test_synthesise_makes_valid_distinct_runs():
    found = sample_results.synthesise(runs=80, specs=20, seed=3)
    assert len(found) == 80
    for number, item in enumerate(found):
        results.validate(item, f"synthetic {number}")
    assert len({merge.identity(d["run_info"]) for d in found}) == 80


def test_build_from_samples_writes_summary_fields():
    report = build([SAMPLES / "current"], [SAMPLES / "baseline"], SAMPLES / "history",
                   generated="2026-11-24T03:00:00+00:00")
    found = report.summary
    assert found["inputs"] == {"merged": 10, "rejected": 0}
    assert found["implementations"]["gevent"]["runs"] == ["r1", "r2"]
    assert len(found["matrix"]["specs"]) == 28
    assert all(len(s["outcomes"]) == 10 for s in found["matrix"]["specs"])
    assert found["changes"]["improvements"][0]["spec"] == "makefile_eof_after_peer_shutdown"
    assert set(report.page.trends) == {"eventlet", "gevent", "reference", "stdlib"}


def test_report_command_exits_1_names_each_rejected_file_and_still_writes(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in (SAMPLES / "current").glob("*.json"):
        write(inputs, path.name, path.read_text())
    first = sorted(inputs.glob("*.json"))[0]
    truncated = write(tmp_path, "truncated.json", first.read_text()[:300])
    garbage = write(tmp_path, "garbage.json", "<html>")
    copy = write(tmp_path, "copy.json", first.read_text())
    future = json.loads(first.read_text())
    future["schema_version"] = 99
    future_path = write(tmp_path, "future.json", future)
    out = tmp_path / "out" / "index.html"
    done = run_cli("report", str(inputs), str(truncated), str(garbage), str(copy),
                   str(future_path), "-o", str(out), timeout=120)
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("rejected: ")]
    assert len(lines) == 4
    for path in (truncated, garbage, copy, future_path):
        assert sum(str(path) in line for line in lines) == 1
    assert "Traceback" not in done.stderr
    page = out.read_text()
    assert "4 input files rejected" in page
    for path in (truncated, garbage, copy, future_path):
        assert str(path) in page
    summary = json.loads((out.parent / "index.summary.json").read_text())
    assert summary["inputs"] == {"merged": 10, "rejected": 4}
    assert {p.name for p in out.parent.glob("badge-*.json")} == {
        "badge-gevent.json", "badge-reference.json", "badge-stdlib.json"}


def test_report_command_exits_0_on_clean_input(tmp_path):
    out = tmp_path / "index.html"
    done = run_cli("report", str(SAMPLES / "current"), "-o", str(out),
                   "--baseline", str(SAMPLES / "baseline"), "--history", str(SAMPLES / "history"))
    assert done.returncode == 0, done.stderr
    assert f"report: {out}" in done.stdout
    assert "  reference: " in done.stdout


def test_report_command_with_nothing_usable_still_writes_a_page(tmp_path):
    bad = write(tmp_path, "bad.json", "")
    out = tmp_path / "index.html"
    done = run_cli("report", str(bad), "-o", str(out))
    assert done.returncode == 1
    assert "No usable results" in out.read_text()


def test_write_run_report_writes_html_beside_the_results(tmp_path, good):
    from harness.report.build import write_run_report

    page = write_run_report(good)
    assert page == good.with_suffix(".html") and page.exists()
    assert "stdlib · linux · 3.12.4" in page.read_text()


def test_harness_run_prints_where_its_report_is(tmp_path):
    done = run_cli("run", "--impl", "stdlib", "-n", "0", "--output", str(tmp_path),
                   "--", "-k", "enums_member_format", "-q")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (line,) = [x for x in done.stdout.splitlines() if x.startswith("report: ")]
    page = Path(line[len("report: "):])
    assert page.parent == tmp_path and page.suffix == ".html" and page.exists()


def test_bench_report_command_without_browser(tmp_path):
    done = run_cli("bench-report", "--runs", "2", "--specs", "10", "--repeat", "1",
                   "--no-browser", "--keep", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 runs x 10 specs")
    assert (tmp_path / "index.html").exists() and len(list((tmp_path / "results").iterdir())) == 2


def test_pypy_and_cpython_python_labels_sort_together():
    from harness.report.merge import version_key

    labels = ["3.11.7", "pypy 3.9.16", "3.8.18", "3.13.0"]
    assert sorted(labels, key=version_key) == ["pypy 3.9.16", "3.8.18", "3.11.7", "3.13.0"]
