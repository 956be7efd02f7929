"""The report's optional inputs: flaky marks from soak summaries, benchmark tables."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.bench import measure, suite
from harness.bench.workloads import Timing, Workload
from harness.documents import soak_summary as soak_document
from harness.report import extras, render
from harness.report.build import build
from harness.report.sample_results import SAMPLES
from tests.conftest import run_cli
from tests.test_report_render import Tags

HOSTILE = "<script>alert(1)</script>"
IN_MATRIX = "constructor_explicit_proto_is_kept"  # a spec of the sample results
GENERATED = "2026-11-24T03:00:00+00:00"


# -- synthetic inputs, each checked by the harness's own reader or writer ---------------------


def soak_summary(tmp_path: Path, name: str, flaky, impl: str = "stdlib") -> Path:
    document = {
        "schema": soak_document.SCHEMA, "schema_version": soak_document.SCHEMA_VERSION,
        "implementation": {"name": impl, "version": "1"}, "impl_argument": impl,
        "runs_requested": 20, "runs": [], "flaky": flaky, "leaks": [], "unexpected": [],
        "complete": True,
    }
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    soak_document.read_summary(path)  # a valid summary
    return path


def flaky_entry(spec_id: str, odd: str = "timeout", count: int = 1, runs: int = 20):
    return {"id": spec_id, "rate": count / runs, "runs": runs, "usual": "pass",
            "outcomes": {"pass": runs - count, odd: count}}


def _workload(line_id: str, unit: str = "MB/s") -> Workload:
    def unused(*_args):
        raise AssertionError("not run")
    return Workload(id=line_id, title=f"{line_id} <b>title</b>", unit=unit, impl=unused,
                    floor=unused, floor_title="floor loop", params={"size": 10_000_000, "count": 1})


def implementations_document() -> dict:
    variants = [measure.Variant("a", "a", None, {"name": "ref<i>A</i>"}),
                measure.Variant("b", "b", None, {"name": "stdlib"}), measure.floor_variant()]
    fast = [Timing(0.010, 0.010), Timing(0.010, 0.010)]
    slow = [Timing(0.020, 0.020), Timing(0.021, 0.020)]
    lines = [
        measure.summarize(_workload("sendfile_os"), {"a": fast, "b": fast, "floor": fast}),
        measure.summarize(_workload("socketpair", "ops/s"), {"a": slow, "b": fast, "floor": fast}),
    ]
    settings = {"repeat": 2, "quick": True, "pinned_cpu": None, "sizes": {}}
    document = measure.document(variants, lines, [{"id": "send_recv_fds", "reason": "missing x"}],
                              settings, GENERATED, 1.0, None)
    return json.loads(json.dumps(document))


def suite_document() -> dict:
    full = {key: {"median_seconds": seconds, "median_cpu_seconds": seconds / 3}
            for key, seconds in (("serial", 12.5), ("auto", 17.25), ("serial_no_guards", 11.0))}
    full.update(specs=560, guard_cost_per_spec_ms=2.5, guard_cpu_per_spec_ms=0.25)
    cost = {"clock": "cpu", "per_spec_ms": 0.741, "plugin_per_spec_ms": 1.342,
            "bare_per_spec_ms": 0.601, "start_up_seconds": 0.149}
    return {"schema": measure.SCHEMA, "schema_version": measure.SCHEMA_VERSION, "kind": "suite",
            "created": GENERATED, "machine": {"os": "linux", "cpus": 2},
            "settings": {"impl": "reference"}, "full_runs": full, "overhead": cost,
            "goals": suite.suite_goals(full, cost)}


def mutation_bench_document(full: bool = True) -> dict:
    from harness.bench import mutation_timing

    def figures(per_mutant):
        return {"wall_seconds": 40.0, "cpu_seconds": 70.0, "mutation_seconds": per_mutant * 60,
                "mutants_run": 60, "seconds_per_mutant": per_mutant, "counts": {},
                "score": 0.95}

    sample = {"elements": ["socket.__repr__"], "mutants": 60,
              "rounds": [{"session": figures(0.1), "fork": figures(0.2), "spawn": figures(0.9),
                          "ratio": 0.1 / 0.9, "fork_ratio": 0.2 / 0.9}],
              "session_seconds_per_mutant": 0.1, "fork_seconds_per_mutant": 0.2,
              "spawn_seconds_per_mutant": 0.9, "ratio": 0.1 / 0.9, "fork_ratio": 0.2 / 0.9}
    result = {"sample": sample}
    if full:
        result["full"] = dict(figures(0.25), wall_seconds=512.0, cpu_seconds=900.0)
    return {"schema": measure.SCHEMA, "schema_version": measure.SCHEMA_VERSION,
            "kind": "mutation", "created": GENERATED, "machine": {"os": "linux", "cpus": 2},
            "settings": {"impl": "reference"}, "mutation": result,
            "goals": mutation_timing.goals(result)}


def written(tmp_path: Path, name: str, document) -> Path:
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document),
                    encoding="utf-8")
    return path


def page_of(**options) -> tuple:
    report = build([SAMPLES / "current"], generated=GENERATED, **options)
    return report, render.render(report.page)


# -- flaky marks -------------------------------------------------------------------------------


def test_flaky_marks_are_listed_and_shown_in_the_matrix(tmp_path):
    summary = soak_summary(tmp_path, "stdlib.json", [flaky_entry(IN_MATRIX, count=3)])
    report, page = page_of(flaky=[summary])
    assert not [p for p in report.problems if p.role == "soak"]
    index = next(i for i, s in enumerate(report.page.merged.specs) if s.id == IN_MATRIX)
    section = page[page.index('<section id="flaky">'):]
    assert f'<a href="#s{index}">{IN_MATRIX}</a>' in section
    assert "flaky: timeout 3/20" in section and "15.0%" in section
    row = re.search(rf'<div class="m-row" role="row" data-i="{index}">.*?</div>', page).group(0)
    assert '<span class="flaky" title="stdlib: flaky: timeout 3/20">flaky</span>' in row
    assert page.count('<span class="flaky" title=') == 1
    assert 'href="#flaky">Flaky specs' in page


def test_the_higher_rate_wins_and_specs_outside_the_matrix_are_not_links(tmp_path):
    low = soak_summary(tmp_path, "low.json", [flaky_entry(IN_MATRIX, count=1)])
    high = soak_summary(tmp_path, "high.json", [flaky_entry(IN_MATRIX, "crash", count=4),
                                                flaky_entry("not_a_sample_spec")])
    marks, problems = extras.read_flaky([low, high])
    assert problems == []
    assert marks[("stdlib", IN_MATRIX)]["text"] == "flaky: crash 4/20"
    _, page = page_of(flaky=[low, high])
    assert "not_a_sample_spec <span class=\"muted small\">(not in the matrix)</span>" in page


def test_flaky_marks_are_escaped(tmp_path):
    summary = soak_summary(tmp_path, "hostile.json",
                           [flaky_entry(IN_MATRIX, odd=HOSTILE), flaky_entry(HOSTILE)],
                           impl='"><img src=x onerror=alert(2)>')
    report, page = page_of(flaky=[summary])
    assert HOSTILE not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    parser = Tags()
    parser.feed(page)
    assert not {tag for tag, _ in parser.tags} & {"img"}
    assert [a.get("type") for t, a in parser.tags if t == "script"] == ["application/json", None]
    for _tag, attributes in parser.tags:
        assert not any(name.startswith("on") for name in attributes)
    (badge,) = [a for t, a in parser.tags if t == "span" and a.get("class") == "flaky"
                and "title" in a]
    assert HOSTILE in badge["title"] and "onerror" in badge["title"]


@pytest.mark.parametrize("text, words", [
    ("{", "not a JSON document"),
    ('{"schema": "sockspec-results"}', "not a sockspec soak summary"),
    ('{"schema": "sockspec-soak", "schema_version": 1}', "lacks implementation"),
])
def test_a_bad_summary_is_a_problem_and_the_good_ones_still_count(tmp_path, text, words):
    bad = written(tmp_path, "bad.json", text)
    good = soak_summary(tmp_path, "good.json", [flaky_entry(IN_MATRIX)])
    report, page = page_of(flaky=[bad, good])
    (problem,) = [p for p in report.problems if p.role == "soak"]
    assert problem.rejected and problem.file == str(bad)
    assert str(bad) in problem.message and words in problem.message
    assert problem.line().startswith(f"soak rejected: {bad}")
    assert problem in report.rejected
    assert "flaky: timeout 1/20" in page and words in page


def test_no_flaky_section_without_the_option():
    _, page = page_of()
    assert 'id="flaky"' not in page and 'class="flaky"' not in page
    assert 'id="benchmarks"' not in page


# -- benchmarks -------------------------------------------------------------------------------


def test_implementations_table(tmp_path):
    path = written(tmp_path, "impl.json", implementations_document())
    tables, problems = extras.read_bench([path])
    assert problems == []
    (table,) = tables
    assert (table.kind, table.a, table.b) == ("implementations", "ref<i>A</i>", "stdlib")
    sendfile, pair = table.lines
    assert sendfile["ratio"] == pytest.approx(1.0) and pair["ratio"] == pytest.approx(2.0)
    assert pair["a"] == pytest.approx((1 / 0.020 + 1 / 0.021) / 2)  # the median of the rates
    assert pair["unit"] == "ops/s"
    assert [g["met"] for g in pair["goals"]] == [False, False]
    assert len(sendfile["goals"]) == 4 and all(g["met"] for g in sendfile["goals"])
    _, page = page_of(bench=[path])
    section = page[page.index('<section id="benchmarks">'):]
    assert "A ref&lt;i&gt;A&lt;/i&gt; · B stdlib" in section and "<i>A" not in section
    assert "sendfile_os &lt;b&gt;title&lt;/b&gt;" in section
    assert "1,000 MB/s" in section  # 10^7 bytes in 10 ms
    assert "48.8 ops/s" in section and "100 ops/s" in section
    assert "2.000" in section and "1.000" in section
    assert "not met: A/B ratio &lt;= 1.05" in section and "met: A within 5% of os.sendfile" in section
    assert "send_recv_fds (missing x)" in section
    assert 'href="#benchmarks">Benchmarks' in page


def test_suite_table(tmp_path):
    path = written(tmp_path, "suite.json", suite_document())
    _, page = page_of(bench=[path])
    section = page[page.index('<section id="benchmarks">'):]
    assert "suite: reference" in section
    for title, wall in (("full run, -n 0", "12.50 s"), ("full run, -n auto", "17.25 s"),
                        ("full run, -n 0, no guards", "11.00 s")):
        assert f"<tr><td>{title}</td><td class=\"num\">{wall}</td>" in section
    assert "Harness overhead per spec (cpu): <strong>0.741 ms</strong>" in section
    assert "560 specs" in section
    assert "not met: full run (-n auto) under 15 s wall" in section
    assert "met: harness overhead under 2 ms per spec (cpu)" in section


def _malformed_line():
    document = implementations_document()
    del document["lines"][0]["ratio"]
    return document


def _text_rate():
    document = implementations_document()
    document["lines"][1]["a"]["median"] = "<b>fast</b>"
    return document


@pytest.mark.parametrize("content, words", [
    ("{", "not a JSON document"),
    ("[1, 2]", "not a sockspec benchmark document"),
    ({"schema": "sockspec-soak", "schema_version": 1}, "not a sockspec benchmark document"),
    ({"schema": "sockspec-bench", "schema_version": 7, "kind": "suite"},
     "unsupported schema_version 7"),
    ({"schema": "sockspec-bench", "schema_version": 1, "kind": "<b>x</b>"}, "unknown kind"),
    ({"schema": "sockspec-bench", "schema_version": 1, "kind": "suite"}, "malformed suite"),
    (_malformed_line(), "malformed implementations"),
    (_text_rate(), "expected a number"),
])
def test_a_bad_benchmark_document_is_a_problem(tmp_path, content, words):
    bad = written(tmp_path, "bad.json", content)
    good = written(tmp_path, "suite.json", suite_document())
    report, page = page_of(bench=[bad, good])
    (problem,) = [p for p in report.problems if p.role == "bench"]
    assert problem.rejected and problem.file == str(bad)
    assert problem.message.startswith(f"{bad}: ") and words in problem.message
    assert problem.line().startswith(f"bench rejected: {bad}")
    assert "0.741 ms" in page and "<b>x</b>" not in page and "<b>fast" not in page


def test_a_missing_benchmark_file_is_a_problem(tmp_path):
    tables, (problem,) = extras.read_bench([tmp_path / "absent.json"])
    assert tables == [] and "absent.json: cannot read" in problem.message


# -- the command -----------------------------------------------------------------------------


def test_command_notes_bad_extras_exits_1_and_writes_the_page(tmp_path):
    output = tmp_path / "index.html"
    good_soak = soak_summary(tmp_path, "soak.json", [flaky_entry(IN_MATRIX)])
    bad_soak = written(tmp_path, "bad-soak.json", "{")
    good_bench = written(tmp_path, "impl.json", implementations_document())
    bad_bench = written(tmp_path, "bad-bench.json", {"schema": "other"})
    result = run_cli("report", str(SAMPLES / "current"), "-o", str(output),
                     "--flaky", str(good_soak), str(bad_soak),
                     "--bench", str(good_bench), str(bad_bench), timeout=120)
    assert result.returncode == 1, result.stderr
    assert f"soak rejected: {bad_soak}: not a JSON document" in result.stderr
    assert f"bench rejected: {bad_bench}: not a sockspec benchmark document" in result.stderr
    page = output.read_text(encoding="utf-8")
    assert "flaky: timeout 1/20" in page and "socketpair" in page


def test_command_with_good_extras_exits_0(tmp_path):
    output = tmp_path / "index.html"
    result = run_cli("report", str(SAMPLES / "current"), "-o", str(output),
                     "--flaky", str(soak_summary(tmp_path, "soak.json", [])),
                     "--bench", str(written(tmp_path, "suite.json", suite_document())),
                     timeout=120)
    # the sample results merge with notes only, so nothing is rejected
    assert result.returncode == 0, result.stderr
    page = output.read_text(encoding="utf-8")
    assert "mark no spec flaky" in page and "0.741 ms" in page


def test_mutation_table(tmp_path):
    path = written(tmp_path, "mutation.json", mutation_bench_document())
    _, page = page_of(bench=[path])
    section = page[page.index('<section id="benchmarks">'):]
    assert "mutation: reference" in section
    forked = section[section.index("<td>a mutant forked from the server</td>"):]
    assert "200.0 ms" in forked.split("</tr>")[0]
    collected = section[section.index("<td>a mutant forked from a collected session</td>"):]
    assert "100.0 ms" in collected.split("</tr>")[0]
    full = section[section.index("<td>every mutant under every persona</td>"):]
    assert "512" in full.split("</tr>")[0]
    assert "met: every mutant under every persona in under 600 s wall" in section
    assert ("met: forking the run of each mutant from a collected session costs less per mutant "
            "than starting pytest") in section
    assert "Harness overhead" not in section


def test_mutation_goals_without_the_full_run():
    from harness.bench import mutation_timing

    document = mutation_bench_document(full=False)
    assert [g["id"] for g in document["goals"]] == ["fork_server"]
    slow = mutation_timing.goals({"sample": {"ratio": 1.5}, "full": {"wall_seconds": 700.0}})
    assert [(g["id"], g["met"]) for g in slow] == [("fork_server", False), ("full_mutation", False)]
