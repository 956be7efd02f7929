"""Spec power in the report: mutation documents read, shards merged, scores, history, the fall
against a baseline, the rendered view and the command's exit status."""

from __future__ import annotations

import copy
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.cli.common import EXIT_FINDINGS, EXIT_OK
from harness.cli.main import main
from harness.documents import mutation as document
from harness.report import baseline, power, render, sample_results
from harness.report.build import build
from harness.report.sample_results import SAMPLES, sample_mutation

MUTATION = SAMPLES / "mutation"
HOSTILE = "<script>alert(9)</script>"


def _write(folder: Path, name: str, doc) -> Path:
    path = folder / name
    document.write(doc, path)
    return path


def _shards(night=24, implementation="reference", count=3, given=(1, 2, 3)):
    return [sample_mutation(night, implementation, shard=(k, count), minute=k) for k in given]


# -- reading and merging ---------------------------------------------------------------------


def test_shards_of_one_run_merge_into_the_unsharded_run(tmp_path):
    paths = [_write(tmp_path, f"s{i}.json", d) for i, d in enumerate(_shards())]
    found = power.read(paths)
    assert found.problems == []
    (run,) = found.runs
    assert (run.shard_count, run.shards, run.partial) == (3, [1, 2, 3], False)
    whole = sample_mutation(24)
    assert run.scores == whole["scores"]
    assert run.created == "2026-11-24T04:03:00Z" and len(run.files) == 3


def test_a_missing_shard_marks_the_run_partial(tmp_path):
    paths = [_write(tmp_path, f"s{i}.json", d) for i, d in enumerate(_shards(given=(1, 3)))]
    found = power.read(paths)
    (run,) = found.runs
    assert run.partial and run.missing_shards == [2]
    assert run.label.endswith("partial")
    (note,) = found.problems
    assert not note.rejected and "shard 2/3 not given" in note.message
    assert len(run.mutants) == sum(len(d["mutants"]) for d in _shards(given=(1, 3)))


def test_the_samples_hold_nights_shards_and_a_partial_run():
    found = power.read([MUTATION])
    latest = found.latest()
    assert sorted(latest) == ["reference", "stdlib"]
    assert latest["stdlib"].partial and latest["stdlib"].missing_shards == [2]
    assert not latest["reference"].partial and latest["reference"].shard_count == 3
    assert [r.day for r in found.runs if r.implementation == "reference"] == [
        "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"]
    assert found.latest_complete()["reference"] is latest["reference"]
    assert "stdlib" not in found.latest_complete()


def test_the_samples_are_what_the_generator_writes(tmp_path):
    sample_results.write_samples(tmp_path)
    expected = sorted(p.relative_to(MUTATION) for p in MUTATION.glob("*/*.json"))
    assert sorted(p.relative_to(tmp_path / "mutation")
                  for p in (tmp_path / "mutation").glob("*/*.json")) == expected
    for name in expected:
        assert (tmp_path / "mutation" / name).read_bytes() == (MUTATION / name).read_bytes(), \
            f"{name} is stale: python -m harness.report.sample_results"


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(format="other/1"), "format 'other/1'"),
    (lambda d: d.pop("created"), "has no 'created' time"),
    (lambda d: d["mutants"][0].update(element=["x"]), "mutants[0].element is not a string"),
    (lambda d: d["mutants"][0].update(areas="repr"), "mutants[0].areas is not a list"),
    (lambda d: d["mutants"][1].update(column="8"), "mutants[1] has a line or column"),
    (lambda d: d.update(shard={"index": 4, "count": 3}), "shard is not"),
    (lambda d: d["implementation"].pop("name"), "implementation has no name"),
])
def test_unusable_documents_are_rejected_naming_the_file(tmp_path, change, message):
    doc = sample_mutation(23)
    change(doc)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    good = _write(tmp_path, "good.json", sample_mutation(22))
    found = power.read([bad, good])
    (problem,) = found.problems
    assert problem.rejected and problem.role == "mutation" and message in problem.message
    assert problem.message.startswith(str(bad)) and len(found.runs) == 1


def test_truncated_and_missing_files_and_empty_folders_are_rejected(tmp_path):
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps(sample_mutation(23))[:500])
    empty = tmp_path / "empty"
    empty.mkdir()
    found = power.read([cut, tmp_path / "absent.json", empty])
    messages = " | ".join(p.message for p in found.problems)
    assert len(found.problems) == 3
    assert [p.rejected for p in found.problems] == [False, True, True]  # the folder: a note
    assert f"{cut}: not valid JSON (truncated?)" in messages
    assert "absent.json: cannot read" in messages and "holds no mutation documents" in messages


def test_a_duplicate_shard_is_rejected(tmp_path):
    first, second, _ = _shards()
    paths = [_write(tmp_path, "a.json", first), _write(tmp_path, "b.json", first),
             _write(tmp_path, "c.json", second)]
    found = power.read(paths)
    (rejected,) = [p for p in found.problems if p.rejected]
    assert rejected.message == f"{paths[1]}: duplicate of shard 1/3 already merged from " \
                               f"{paths[0]}; ignored"
    (run,) = found.runs
    assert run.shards == [1, 2] and run.missing_shards == [3]


def test_a_second_run_of_the_day_is_another_run(tmp_path):
    """A run again the same day (with the same source): its shards, created later, do not
    join the first run's; nor does a document sharded otherwise."""
    again = [dict(d, created=d["created"].replace("T04", "T09")) for d in _shards()]
    other = sample_mutation(24, shard=(2, 4))
    paths = [_write(tmp_path, f"a{i}.json", d) for i, d in enumerate(_shards())]
    paths += [_write(tmp_path, f"b{i}.json", d) for i, d in enumerate(again)]
    paths.append(_write(tmp_path, "c.json", other))
    found = power.read(paths)
    assert [p for p in found.problems if p.rejected] == []
    runs = sorted(found.runs, key=lambda r: (r.shard_count, r.created))
    assert [(r.shard_count, r.shards) for r in runs] == [(3, [1, 2, 3]), (3, [1, 2, 3]),
                                                          (4, [2])]
    assert found.latest()["reference"].created.startswith("2026-11-24T09")
    assert runs[2].missing_shards == [1, 3, 4]


def test_runs_of_other_days_or_sources_are_not_shards_of_one_run(tmp_path):
    changed = sample_mutation(24)
    changed["implementation"]["sha256"] = "cd" * 32
    found = power.read([_write(tmp_path, "a.json", sample_mutation(23)),
                        _write(tmp_path, "b.json", sample_mutation(24)),
                        _write(tmp_path, "c.json", changed)])
    assert found.problems == [] and len(found.runs) == 3


# -- the view's model ------------------------------------------------------------------------


def test_view_shows_the_latest_run_its_survivors_equivalents_and_history():
    (view, stdlib) = power.views(power.read([MUTATION]))
    assert view.implementation == "reference" and view.run.day == "2026-11-24"
    assert view.run.total.passed == 22 and view.run.total.applicable == 27
    survivors = {m["status"] for m in view.survivors}
    assert survivors == {"survived", "no-coverage"} and len(view.survivors) == 5
    assert all(not m.get("equivalent") for m in view.survivors)
    (equivalent,) = view.equivalents
    assert "<b>__init__</b>" in equivalent["equivalent"]
    assert [a.name for a in view.areas] == sorted(a.name for a in view.areas)
    total = view.history[0]
    assert total.name == "total" and len(total.points) == 4 and total.trend is not None
    assert [p.generated[:10] for p in total.points][-1] == "2026-11-24"
    assert {s.name for s in view.history[1:]} >= {"makefile", "repr"}
    assert stdlib.history == []  # one run: no history


def test_scores_are_killed_over_scored():
    found = power.score({"killed": 3, "timeout": 1, "survived": 2, "no-coverage": 2,
                         "error": 5, "equivalent": 4})
    assert (found.passed, found.applicable, found.percent) == (4, 8, "50.0%")


# -- falls against the baseline --------------------------------------------------------------


def test_a_lower_total_or_area_score_is_a_fall():
    current = power.read([MUTATION / "tonight"])
    before = power.read([MUTATION / "nights"])
    comparison = baseline.compare_power(current, before)
    assert [(f.implementation, f.scope) for f in comparison.falls] == [
        ("reference", "total"), ("reference", "makefile")]
    fall = comparison.falls[0]
    assert (fall.before.passed, fall.before.applicable) == (22, 26)
    assert comparison.compared == {"reference": "2026-11-23T04:00:00Z"}


def test_an_equal_or_higher_score_is_no_fall(tmp_path):
    same = power.read([MUTATION / "nights" / "reference-2026-11-23.json"])
    assert baseline.compare_power(same, same).falls == []
    better = power.read([MUTATION / "nights" / "reference-2026-11-22.json"])
    older = power.read([MUTATION / "nights" / "reference-2026-11-21.json"])
    assert baseline.compare_power(better, older).falls == []


def test_a_partial_run_or_one_without_baseline_is_not_compared():
    current = power.read([MUTATION / "partial", MUTATION / "tonight"])
    before = power.read([MUTATION / "partial"])
    comparison = baseline.compare_power(current, before)
    assert comparison.falls == []
    assert "partial run (shard 2/3 missing)" in comparison.not_compared["stdlib"]
    assert comparison.not_compared["reference"] == "no complete baseline run"


def test_lower_compares_exactly():
    from harness.report.views import Score

    assert baseline.lower(Score(2, 3), Score(3, 4))
    assert not baseline.lower(Score(6, 8), Score(3, 4))
    assert not baseline.lower(Score(0, 0), Score(3, 4))


# -- the page, the summary, the command ------------------------------------------------------


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def _report(**extra):
    return build([SAMPLES / "current"], mutation=[MUTATION],
                 mutation_baseline=[MUTATION / "nights"], generated="2026-11-24T05:00:00+00:00",
                 **extra)


def test_page_shows_the_view_scores_beside_conformance_and_the_falls():
    page = render.render(_report().page)
    assert 'id="power"' in page and 'href="#power"' in page
    assert 'id="power-falls"' in page and 'id="power-elements-0"' in page
    assert "81.4%" in page and "partial" in page
    assert 'class="power sortable"' in page and 'data-sort="num"' in page
    assert "shard 2/3 not given" in page
    assert "reference total 84.6% → 81.4%" in page  # in the Changes section too
    assert "&lt;b&gt;__init__&lt;/b&gt;" in page  # an equivalent's reason
    assert "</pre><script>alert(1)</script>" not in page
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_hostile_mutation_documents_render_as_text(tmp_path):
    doc = sample_mutation(24)
    doc["implementation"]["name"] = f"<img src=x onerror=alert(1)>{HOSTILE}"
    doc["implementation"]["file"] = "<svg onload=alert(2)>"
    for mutant in doc["mutants"]:
        mutant["element"] = f"<b>{mutant['element']}</b>"
        mutant["diff"] = mutant["diff"].replace("pass", f"</pre>{HOSTILE}")
        mutant["areas"] = [f"<u>{a}</u>" for a in mutant["areas"]]
        mutant["killers"] = [k.replace("specs/test_", "specs/test_<i>") for k in mutant["killers"]]
    document.apply_equivalents(doc, {doc["mutants"][0]["id"]: f"<iframe>{HOSTILE}"})
    report = build([SAMPLES / "current"], mutation=[_write(tmp_path, "h.json", doc)])
    page = render.render(report.page)
    assert HOSTILE not in page and "&lt;script&gt;alert(9)&lt;/script&gt;" in page
    parser = Tags()
    parser.feed(page)
    assert not set(parser.tags) & {"img", "svg", "b", "u", "iframe"}
    assert parser.tags.count("script") == 2


def test_without_mutation_documents_there_is_no_view():
    page = render.render(build([SAMPLES / "current"]).page)
    assert '<section id="power">' not in page and 'href="#power"' not in page


def test_summary_holds_the_spec_power_and_its_falls():
    found = _report().summary
    reference = found["mutation"]["reference"]
    assert (reference["passed"], reference["applicable"], reference["partial"]) == (22, 27, False)
    assert found["mutation"]["stdlib"]["missing_shards"] == [2]
    falls = found["mutation_changes"]["falls"]
    assert [(f["implementation"], f["scope"]) for f in falls] == [
        ("reference", "total"), ("reference", "makefile")]


def _cli(tmp_path, *extra):
    return main(["report", str(SAMPLES / "current"), "-o", str(tmp_path / "index.html"),
                 "--mutation", str(MUTATION), *extra])


def test_a_fall_fails_the_report_with_fail_on_regression(tmp_path, capsys):
    code = _cli(tmp_path, "--mutation-baseline", str(MUTATION / "nights"),
                "--fail-on-regression")
    err = capsys.readouterr().err
    assert code == EXIT_FINDINGS
    assert "FALL spec power of reference, total: 84.6% -> 81.4%" in err
    assert "2 mutation score(s) lower than the baseline's" in err


def test_no_fall_passes(tmp_path, capsys):
    code = _cli(tmp_path, "--mutation-baseline", str(MUTATION / "tonight"),
                "--fail-on-regression")
    out, err = capsys.readouterr()
    assert code == EXIT_OK, err
    assert "reference spec power: 81.4% (22/27 mutants killed)" in out
    assert "stdlib spec power: 80.0% (12/15 mutants killed, partial: shard 2 of 3 missing)" in out


def test_a_rejected_mutation_document_is_a_finding(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "sockspec-mutation/1"')
    assert _cli(tmp_path, str(bad)) == EXIT_FINDINGS
    assert f"mutation rejected: {bad}: not valid JSON (truncated?)" in capsys.readouterr().err


def test_mutation_baseline_needs_mutation(tmp_path, capsys):
    code = main(["report", str(SAMPLES / "current"), "-o", str(tmp_path / "i.html"),
                 "--mutation-baseline", str(MUTATION)])
    assert code == 2
    assert "--mutation-baseline needs --mutation" in capsys.readouterr().err


def test_documents_are_not_changed_by_reading(tmp_path):
    doc = sample_mutation(24)
    kept = copy.deepcopy(doc)
    power.read([_write(tmp_path, "a.json", doc)])
    assert doc == kept


def test_a_site_keeps_the_mutation_documents_of_the_last_nights(tmp_path):
    from harness.report import site

    paths = [_write(tmp_path, f"reference-{night}.json", sample_mutation(night))
             for night in (21, 22, 23)]
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    chosen, skipped = site.recent_mutation([*paths, bad], nights=2)
    assert sorted(chosen) == ["2026-11-22-reference-22.json", "2026-11-23-reference-23.json"]
    assert len(skipped) == 1 and skipped[0].startswith(str(bad))
    again, _ = site.recent_mutation(
        [_write(tmp_path, "2026-11-23-reference-23.json", sample_mutation(23))])
    assert list(again) == ["2026-11-23-reference-23.json"]  # named once by its day
