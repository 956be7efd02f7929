"""The mutation document: round trip, scores, equivalents, shards merged, one-line errors."""

from __future__ import annotations

import copy
import json

import pytest

from harness.documents import mutation as document
from harness.mutation import equivalents


def _mutant(mutant_id, status, killers=(), areas=(), element="socket.send", **extra):
    record = {"id": mutant_id, "file": "socket.py", "line": 10, "column": 4,
              "element": element, "operator": "core/NumberReplacer",
              "diff": "--- a/socket.py\n+++ b/socket.py\n@@ -10,1 +10,1 @@\n-x = 1\n+x = 2\n",
              "status": status, "killers": list(killers), "areas": list(areas),
              "covering": len(areas), "ran": 1, "seconds": 1.0}
    record.update(extra)
    return record


MUTANTS = [
    _mutant("aaaaaaaaaaa1", "killed", ["specs/test_repr.py::test_a"], ["repr", "module"]),
    _mutant("aaaaaaaaaaa2", "survived", [], ["repr", "module"]),
    _mutant("aaaaaaaaaaa3", "timeout", ["specs/test_module.py::test_b"], ["module"],
            element="socket.recv"),
    _mutant("aaaaaaaaaaa4", "no-coverage", element="<module>"),
    _mutant("aaaaaaaaaaa5", "survived", [], ["repr"]),
    _mutant("aaaaaaaaaaa6", "error", [], ["repr"], detail="pytest exit 3"),
]


def _document(mutants=MUTANTS, shard=None):
    return document.build(
        implementation={"name": "reference", "file": "socket.py", "sha256": "ab" * 32},
        operators=["core/NumberReplacer"], selection={"areas": [], "keyword": None},
        shard=shard, coverage={"passing_specs": 2}, timing={"seconds": 1.0},
        mutants=copy.deepcopy(mutants), created="2026-12-02T08:00:00Z")


def test_round_trip(tmp_path):
    doc = _document()
    path = tmp_path / "m.json"
    document.write(doc, path)
    assert document.read(path) == doc
    assert doc["format"] == document.FORMAT
    assert doc["python"]["version"]


def test_scores_by_total_area_and_element():
    scores = _document()["scores"]
    total = scores["total"]
    assert (total["killed"], total["timeout"], total["survived"], total["no-coverage"],
            total["error"]) == (1, 1, 2, 1, 1)
    assert total["score"] == pytest.approx(2 / 5, abs=1e-4)
    # killed counts for the killer's area only; a survivor against every area that reaches it
    assert scores["areas"]["repr"]["killed"] == 1 and scores["areas"]["repr"]["survived"] == 2
    assert scores["areas"]["module"]["killed"] == 0 and scores["areas"]["module"]["timeout"] == 1
    assert scores["areas"]["module"]["survived"] == 1
    assert scores["elements"]["socket.recv"]["score"] == 1.0
    assert scores["elements"]["<module>"]["score"] == 0.0


def test_equivalents_leave_the_score():
    doc = _document()
    before = doc["scores"]["areas"]["repr"]["score"]
    document.apply_equivalents(doc, {"aaaaaaaaaaa2": "the same on every platform"})
    assert doc["counts"]["equivalent"] == 1 and doc["counts"]["survived"] == 1
    assert doc["scores"]["areas"]["repr"]["score"] > before
    assert doc["scores"]["total"]["score"] == pytest.approx(2 / 4, abs=1e-4)


def test_shards_merge_into_one_document():
    first = _document(MUTANTS[:3], shard={"index": 1, "count": 2})
    second = _document(MUTANTS[3:], shard={"index": 2, "count": 2})
    merged = document.merge([first, second], ["a.json", "b.json"])
    assert merged["shard"] is None
    assert merged["scores"] == _document()["scores"]
    with pytest.raises(document.DocumentError, match="overlap"):
        document.merge([first, first], ["a.json", "a2.json"])


def _write(tmp_path, text):
    path = tmp_path / "doc.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_truncated_document_is_named_and_said_so(tmp_path):
    text = json.dumps(_document(), indent=1)
    path = _write(tmp_path, text[: len(text) // 2])
    with pytest.raises(document.DocumentError) as caught:
        document.read(path)
    message = str(caught.value)
    assert str(path) in message and "truncated" in message and "\n" not in message


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.update(format="other/1"), "format 'other/1'"),
    (lambda d: d.pop("scores"), "missing key 'scores'"),
    (lambda d: d["mutants"][0].pop("status"), "mutants[0]: missing key 'status'"),
    (lambda d: d["mutants"][1].update(status="maybe"), "unknown status 'maybe'"),
    (lambda d: d["mutants"][1].update(id=d["mutants"][0]["id"]), "appears twice"),
    (lambda d: d.update(shard=3), "'shard' must be"),
    (lambda d: d.update(mutants={}), "'mutants' must be a list"),
])
def test_malformed_documents_are_one_line_errors(tmp_path, change, expected):
    doc = _document()
    change(doc)
    path = _write(tmp_path, json.dumps(doc))
    with pytest.raises(document.DocumentError) as caught:
        document.read(path)
    assert expected in str(caught.value) and str(path) in str(caught.value)


def test_unreadable_and_empty_files(tmp_path):
    with pytest.raises(document.DocumentError, match="cannot read"):
        document.read(tmp_path / "missing.json")
    with pytest.raises(document.DocumentError, match="empty file"):
        document.read(_write(tmp_path, ""))
    with pytest.raises(document.DocumentError, match="a JSON object"):
        document.read(_write(tmp_path, "[1, 2]"))


def test_area_of_a_node_id():
    assert document.area_of("specs/test_repr.py::test_x[1]") == "repr"
    assert document.area_of("/tmp/x/specs/test_tiny.py::test_y") == "tiny"
    assert document.area_of("<load>") is None


def test_equivalents_file(tmp_path):
    path = tmp_path / "equivalent-mutants.toml"
    assert equivalents.load(path) == {}
    path.write_text('[equivalent]\n"0123456789ab" = "no program can tell"\n')
    assert equivalents.load(path) == {"0123456789ab": "no program can tell"}
    for text, expected in [('[equivalent]\n"xyz" = "r"\n', "not a mutant id"),
                           ('[equivalent]\n"0123456789ab" = ""\n', "non-empty"),
                           ('[other]\n', "unknown key"), ("[equivalent\n", "malformed TOML")]:
        path.write_text(text)
        with pytest.raises(equivalents.EquivalentsError, match=expected):
            equivalents.load(path)


def test_equivalents_hold_on_the_pythons_they_name(tmp_path):
    path = tmp_path / "equivalent-mutants.toml"
    path.write_text('[equivalent]\n'
                    '"000000000001" = "everywhere"\n'
                    '"000000000002" = {reason = "from 3.12", python = ">=3.12"}\n'
                    '"000000000003" = {reason = "3.11 or 3.13", python = ["~=3.11.0", "~=3.13.0"]}\n'
                    '"000000000004" = {reason = "any Python"}\n')
    assert equivalents.load(path, "3.11.7") == {
        "000000000001": "everywhere", "000000000003": "3.11 or 3.13", "000000000004": "any Python"}
    assert sorted(equivalents.load(path, "3.12.1")) == ["000000000001", "000000000002",
                                                        "000000000004"]
    assert sorted(equivalents.load(path, "3.13.0")) == ["000000000001", "000000000002",
                                                        "000000000003", "000000000004"]
    for entry, expected in [('{python = ">=3.12"}', r":2: mutant 0123456789ab: the reason"),
                            ('{reason = "r", python = "3.12+"}', "not a version specifier"),
                            ('{reason = "r", python = 3}', "python must be"),
                            ('{reason = "r", os = "linux"}', "unknown key 'os'")]:
        path.write_text(f'[equivalent]\n"0123456789ab" = {entry}\n')
        with pytest.raises(equivalents.EquivalentsError, match=expected):
            equivalents.load(path, "3.13.0")


def test_the_equivalents_files_of_the_suite_read():
    from harness.model.paths import ROOT

    for name in ("reference", "stdlib"):
        path = ROOT / "implementations" / name / equivalents.FILE_NAME
        assert path.is_file()
        for python in ("3.8.0", "3.11.7", "3.13.0", "3.15.0"):
            table = equivalents.load(path, python)
            assert table and all(len(key) == 12 for key in table)


def test_the_command_merges_shards(tmp_path, capsys):
    pytest.importorskip("cosmic_ray")
    from harness.cli.main import main

    first, second = tmp_path / "1.json", tmp_path / "2.json"
    document.write(_document(MUTANTS[:3], shard={"index": 1, "count": 2}), first)
    document.write(_document(MUTANTS[3:], shard={"index": 2, "count": 2}), second)
    table = tmp_path / "equivalent-mutants.toml"
    table.write_text('[equivalent]\n"aaaaaaaaaaa5" = "no program can tell"\n')
    out = tmp_path / "all.json"
    assert main(["mutate", "--merge", str(first), "--merge", str(second), "--output", str(out),
                 "--equivalents", str(table)]) == 0
    merged = document.read(out)
    assert len(merged["mutants"]) == len(MUTANTS) and merged["shard"] is None
    assert merged["counts"]["equivalent"] == 1
    assert "document:" in capsys.readouterr().out
    broken = tmp_path / "broken.json"
    broken.write_text(first.read_text()[:100])
    assert main(["mutate", "--merge", str(broken), "--output", str(out)]) == 2
    assert str(broken) in capsys.readouterr().err
