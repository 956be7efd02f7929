"""update-expectations: entries from results, placeholders that block the run, stale entries,
comments kept; --migrate turns a format-1 file into format 2 with the same meaning."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.documents import results
from harness.model import expectations

RUN_INFO = {key: None for key in results.RUN_INFO_KEYS}


def _document(python, outcomes_by_id, fingerprint=None):
    specs = [
        {"id": spec_id, "nodeid": f"specs/test_area.py::test_{spec_id}", "area": "area",
         "elements": ["socket.close"], "outcome": outcome, "duration": 0.0,
         "fingerprint": fingerprint if outcome == "fail" else None, "message": None}
        for spec_id, outcome in outcomes_by_id.items()
    ]
    return {"schema": results.SCHEMA, "schema_version": results.SCHEMA_VERSION,
            "run_info": dict(RUN_INFO, python_version=python), "specs": specs, "complete": True}


def _write(tmp_path, name, document):
    path = tmp_path / name
    path.write_text(json.dumps(document))
    return path


def test_new_failures_get_a_placeholder_cause_that_fails_validation(tmp_path, capsys):
    fingerprint = {"exception": "OSError", "errno": "EPIPE"}
    old = _write(tmp_path, "a.json", _document("3.11.7", {"broken": "fail", "fine": "pass",
                                                          "old_only": "fail"}, fingerprint))
    new = _write(tmp_path, "b.json", _document("3.12.1", {"broken": "fail", "fine": "pass",
                                                          "old_only": "pass"}, fingerprint))
    target = tmp_path / "mine.toml"
    assert main.main(["update-expectations", str(old), str(new), "-o", str(target)]) == 0
    assert "added 2 entries under cause 'new-1'" in capsys.readouterr().out
    with pytest.raises(expectations.ExpectationsError, match="placeholder 'reason'"):
        expectations.load(target)
    filled = target.read_text().replace("FILL IN: why these specs fail", "EPIPE on close")
    target.write_text(filled.replace("FILL IN: the upstream issue, or a note that none exists",
                                     "none reported"))
    known = expectations.load(target)
    broken = known.lookup("broken", {"python": "3.12.1"})
    assert (broken.cause, broken.fingerprint) == ("new-1", fingerprint)
    assert broken.conditions == {}
    assert known.lookup("old_only", {"python": "3.11.7"}).conditions == {"python": "==3.11.*"}
    assert known.lookup("old_only", {"python": "3.12.1"}) is None
    assert known.lookup("fine", {}) is None


def test_stale_entries_are_reported_and_pruned_and_comments_stay(tmp_path, capsys):
    target = tmp_path / "mine.toml"
    target.write_text(
        "# my known failures\nformat = 2\n\n[causes.c]  # keep me\nreason = \"r\"\nlink = \"l\"\n"
        "\n[specs]\nnow_passes = { cause = \"c\" }  # fixed upstream\n"
        "still_fails = { cause = \"c\" }\n")
    doc = _write(tmp_path, "r.json", _document("3.13.0", {"now_passes": "xpass",
                                                          "still_fails": "xfail"}))
    assert main.main(["update-expectations", str(doc), "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"STALE {target}:9: now_passes no longer fails" in out
    assert "now_passes" in target.read_text()
    assert main.main(["update-expectations", str(doc), "-o", str(target), "--prune"]) == 0
    text = target.read_text()
    assert "now_passes" not in text and "still_fails" in text
    assert "# my known failures" in text and "# keep me" in text
    assert [e.spec_id for e in expectations.load(target).entries] == ["still_fails"]


def test_a_truncated_results_file_is_one_line_naming_it(tmp_path, capsys):
    bad = tmp_path / "cut.json"
    bad.write_text('{"schema": "sockspec-results", "specs": [')
    assert main.main(["update-expectations", str(bad), "-o", str(tmp_path / "x.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"error: {bad}: truncated") and "\n" not in err
    assert not (tmp_path / "x.toml").exists()


def test_migrate_keeps_every_entry_and_its_meaning(tmp_path):
    source = tmp_path / "old.toml"
    source.write_text(
        "# header\n\n# section one\n[a]\nreason = \"shared\"\nlink = \"l\"\n"
        "fingerprint = { exception = \"OSError\" }\n\n"
        "[b]\nreason = \"shared\"\nlink = \"l\"\nfingerprint = { exception = \"OSError\" }\n"
        "python = \"<3.11\"\n\n[[c]]\nreason = \"other\"\nlink = \"m\"\n"
        "[[c]]\nreason = \"shared\"\nlink = \"l\"\nos = [\"darwin\"]\n")
    target = tmp_path / "new.toml"
    assert main.main(["update-expectations", "--migrate", str(source), "-o", str(target)]) == 0
    before, after = expectations.load(source), expectations.load(target)

    def meaning(known):
        return sorted((e.spec_id, e.reason, e.link, repr(sorted(e.conditions.items())),
                       repr(e.fingerprint)) for e in known.entries)

    assert meaning(before) == meaning(after)
    text = target.read_text()
    assert text.count("[causes.") == 2 and "format = 2" in text
    assert text.index("# section one") < text.index("[causes.")


def test_registered_expectations_are_in_format_2():
    from harness.model import toml
    from harness.model.paths import ROOT

    for path in sorted((ROOT / "implementations").glob("*/expectations.toml")):
        assert toml.loads(path.read_text()).get("format") == 2, path
        assert expectations.load(path).entries


def test_entries_under_renamed_ids_move_to_the_new_id(tmp_path, capsys):
    # specs/renamed.toml: makefile_rwb_round_trip_tcp became makefile_rwb_round_trip[tcp]
    target = tmp_path / "mine.toml"
    target.write_text(
        "format = 2\n\n[causes.c]\nreason = \"r\"\nlink = \"l\"\n\n[specs]\n"
        "makefile_rwb_round_trip_tcp = { cause = \"c\" }  # my note\n")
    doc = _write(tmp_path, "r.json", _document("3.13.0", {"makefile_rwb_round_trip[tcp]": "xfail"}))
    assert main.main(["update-expectations", str(doc), "-o", str(target)]) == 0
    out = capsys.readouterr().out
    assert f"RENAMED {target}: makefile_rwb_round_trip_tcp -> makefile_rwb_round_trip[tcp]" in out
    assert "STALE" not in out
    assert [(e.spec_id, e.cause) for e in expectations.load(target).entries] == [
        ("makefile_rwb_round_trip[tcp]", "c")]
    assert "# my note" in target.read_text()
