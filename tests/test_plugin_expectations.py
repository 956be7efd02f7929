"""Known failures: xfail when failing the known way, unexpected otherwise; stale and malformed entries."""

from __future__ import annotations

import sys

import pytest

from harness.model import expectations

SPECS = """
    import errno

    @spec("socket.close")
    def test_known_broken(impl):
        raise ConnectionRefusedError(errno.ECONNREFUSED, "refused")

    @spec("socket.close")
    def test_known_but_passes(impl):
        pass

    @spec("socket.close")
    def test_fails_differently(impl):
        assert 1 == 2
"""


def _entry(spec_id: str, extra: str = "") -> str:
    return f"""
        [{spec_id}]
        reason = "known to fail"
        link = "https://example.invalid/issue/1"
        {extra}
    """


def test_known_failure_failing_the_known_way_is_xfail(project):
    project.spec_file("area", SPECS)
    known = project.expectations(
        _entry("known_broken", 'fingerprint = { exception = "ConnectionRefusedError", errno = "ECONNREFUSED" }')
    )
    result = project.run("--impl", "socket", "--expectations", str(known), "-k", "known_broken")
    record = project.records()["known_broken"]
    assert record["outcome"] == "xfail"
    assert record["expectation"]["link"] == "https://example.invalid/issue/1"
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*1 xfailed*"])


def test_known_failure_that_passes_is_unexpected(project):
    project.spec_file("area", SPECS)
    known = project.expectations(_entry("known_but_passes"))
    result = project.run("--impl", "socket", "--expectations", str(known), "-k", "known_but_passes")
    record = project.records()["known_but_passes"]
    assert record["outcome"] == "xpass"
    assert "known failure did not happen" in record["message"]
    assert result.ret == 1


def test_fingerprint_mismatch_is_a_failure(project):
    project.spec_file("area", SPECS)
    known = project.expectations(
        _entry("fails_differently", 'fingerprint = { exception = "TypeError" }')
    )
    result = project.run("--impl", "socket", "--expectations", str(known), "-k", "fails_differently")
    record = project.records()["fails_differently"]
    assert record["outcome"] == "fail"
    assert "fails differently from its known failure" in record["message"]
    assert "TypeError" in record["message"] and "AssertionError" in record["message"]
    assert result.ret == 1


def test_errno_is_part_of_the_fingerprint(project):
    project.spec_file("area", SPECS)
    known = project.expectations(
        _entry("known_broken", 'fingerprint = { exception = "ConnectionRefusedError", errno = "EPIPE" }')
    )
    project.run("--impl", "socket", "--expectations", str(known), "-k", "known_broken")
    assert project.records()["known_broken"]["outcome"] == "fail"


def test_conditions_limit_where_an_entry_applies(project):
    project.spec_file("area", SPECS)
    known = project.expectations(
        _entry("known_broken", 'python = "<3.0"') + _entry("fails_differently", 'os = ["nosuchos"]')
    )
    project.run("--impl", "socket", "--expectations", str(known), "-k", "known_broken or fails_differently")
    records = project.records()
    assert records["known_broken"]["outcome"] == "fail"
    assert records["fails_differently"]["outcome"] == "fail"


def test_stale_entry_is_reported(project):
    project.spec_file("area", SPECS)
    known = project.expectations(_entry("no_such_spec") + _entry("known_broken"))
    result = project.run("--impl", "socket", "--expectations", str(known))
    result.stdout.fnmatch_lines([f"*STALE {known}:2: no spec has id 'no_such_spec'*"])
    stale = project.document()["stale_expectations"]
    assert [(s["spec"], s["line"]) for s in stale] == [("no_such_spec", 2)]


def test_malformed_toml_names_file_and_line(project):
    project.spec_file("area", SPECS)
    known = project.expectations('[a]\nreason = "x"\nlink = \n')
    result = project.run("--impl", "socket", "--expectations", str(known))
    assert result.ret == 4
    result.stderr.fnmatch_lines([f"*{known}:3: malformed TOML*"])


@pytest.mark.parametrize(
    "body, line, words",
    [
        ('[a]\nreason = "r"\nlink = "l"\nreson = "typo"\n', 4, "unknown key 'reson'"),
        ('[a]\nlink = "l"\n', 1, "needs a non-empty 'reason'"),
        ('[a]\nreason = "r"\nlink = "l"\n\n[b]\nreason = "r"\nlink = "l"\nos = "linux"\n', 8,
         "'os' must be a list of strings"),
        ('[a]\nreason = "r"\nlink = "l"\npython = "3.x!"\n', 4, "not a version specifier"),
        ('[a]\nreason = "r"\nlink = "l"\nfingerprint = { type = "X" }\n', 4, "fingerprint key 'type'"),
        ('[[a]]\nreason = "r"\nlink = "l"\n[[a]]\nreason = "r"\n', 4, "needs a non-empty 'link'"),
    ],
)
def test_invalid_entries_name_file_and_line(tmp_path, body, line, words):
    path = tmp_path / "expectations.toml"
    path.write_text(body)
    with pytest.raises(expectations.ExpectationsError) as caught:
        expectations.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message
    assert "\n" not in message


def test_entry_matching_by_context():
    entry = expectations.KnownFailure(
        spec_id="x", reason="r", link="l", line=1,
        conditions={"os": ["linux"], "python": ">=3.8,<3.12.5", "python_implementation": ["cpython"]},
    )
    context = {"os": "linux", "python": "3.12.1", "python_implementation": "cpython"}
    assert entry.applies(context)
    assert not entry.applies(dict(context, python="3.12.5"))
    assert not entry.applies(dict(context, os="darwin"))
    assert not entry.applies(dict(context, python_implementation="pypy"))


@pytest.mark.skipif(sys.platform.startswith("win"), reason="uses a POSIX path")
def test_unreadable_file_is_reported(tmp_path):
    with pytest.raises(expectations.ExpectationsError, match="cannot read"):
        expectations.load(tmp_path / "absent.toml")


def test_python_condition_may_list_one_range_per_line_of_python():
    entry = expectations.KnownFailure(
        spec_id="x", reason="r", link="l", line=1,
        conditions={"python": [">=3.11,<3.11.10", ">=3.12,<3.12.5"]},
    )
    assert entry.applies({"python": "3.11.7"})
    assert entry.applies({"python": "3.12.1"})
    assert not entry.applies({"python": "3.11.10"})
    assert not entry.applies({"python": "3.13.0"})


def test_entry_under_a_renamed_id_applies_to_the_new_id_and_says_so(project):
    # specs/renamed.toml: lifecycle_exit_calls_close_when_open became
    # lifecycle_exit_closes_exactly_once[open]
    project.spec_file("lifecycle", """
        @spec("socket.__exit__")
        @pytest.mark.parametrize("state", ["open"])
        def test_lifecycle_exit_closes_exactly_once(impl, state):
            raise ConnectionRefusedError(111, "refused")
    """)
    known = project.expectations(_entry("lifecycle_exit_calls_close_when_open"))
    result = project.run("--impl", "socket", "--expectations", str(known))
    record = project.records()["lifecycle_exit_closes_exactly_once[open]"]
    assert record["outcome"] == "xfail"
    assert project.document()["stale_expectations"] == []
    assert (f"RENAMED {known}:2: 'lifecycle_exit_calls_close_when_open' is now "
            "'lifecycle_exit_closes_exactly_once[open]'") in result.stdout.str()
    assert result.ret == 0


def test_renames_follow_chains_and_refuse_circles(tmp_path):
    from harness.model import renames

    path = tmp_path / "renamed.toml"
    path.write_text('[renamed]\na = "b"\nb = "c"\n')
    assert renames.load(path) == {"a": "c", "b": "c"}
    path.write_text('[renamed]\na = "b"\nb = "a"\n')
    with pytest.raises(renames.RenamesError, match="circle"):
        renames.load(path)
    path.write_text('[renamed]\na = 1\n')
    with pytest.raises(renames.RenamesError, match=str(path)):
        renames.load(path)


def test_every_rename_names_a_spec_that_exists():
    from harness.model import renames
    from harness.runner import catalogue

    known = {entry["id"] for entry in catalogue.collect()}
    table = renames.load()
    assert table, "specs/renamed.toml lists the ids that changed"
    assert sorted(new for new in set(table.values()) if new not in known) == []
    assert sorted(old for old in table if old in known) == []


def test_of_two_entries_the_one_whose_fingerprint_matches_applies():
    entries = [
        expectations.KnownFailure("x", "r", "l", 1, {}, {"exception": "AssertionError"}),
        expectations.KnownFailure("x", "r", "l", 2, {}, {"exception": "ValueError"}),
    ]
    known = expectations.Expectations(None, entries)
    assert known.lookup("x", {}, {"exception": "ValueError", "errno": None}).line == 2
    assert known.lookup("x", {}, {"exception": "OSError", "errno": None}).line == 1
    assert known.lookup("x", {}).line == 1
