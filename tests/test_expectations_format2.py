"""expectations.toml format 2: causes named once, spec entries that refer to them."""

from __future__ import annotations

import textwrap

import pytest

from harness.model import expectations

FORMAT2 = """
    format = 2

    # one cause, several specs
    [causes.no-peer-check]
    reason = "the peer check came with a later patch release"
    link = "https://example.invalid/issue/7"
    python = "<3.12.5"
    fingerprint = { exception = "AttributeError" }

    [causes.other]
    reason = "another reason"
    link = "https://example.invalid/issue/8"

    [specs]
    plain = { cause = "no-peer-check" }
    "with[param]" = { cause = "no-peer-check", fingerprint = { exception = "OSError", errno = "EPIPE" } }
    narrowed = { cause = "other", python = ">=3.11" }
    own = { reason = "described here", link = "https://example.invalid/issue/9" }
    twice = [{ cause = "no-peer-check" }, { cause = "other", os = ["darwin"] }]
    not_windows = { cause = "other", persona = ["!windows"], os = ["!win"] }
    only_some = { cause = "other", persona = ["native", "no-ipv6", "!native"] }

    [specs."as_a_table"]
    cause = "other"
"""


def _write(tmp_path, text):
    path = tmp_path / "expectations.toml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def known(tmp_path):
    return expectations.load(_write(tmp_path, FORMAT2))


def test_entries_take_reason_link_conditions_and_fingerprint_from_their_cause(known):
    entry = known.lookup("plain", {"python": "3.12.1"})
    assert (entry.reason, entry.link, entry.cause) == (
        "the peer check came with a later patch release", "https://example.invalid/issue/7",
        "no-peer-check")
    assert entry.fingerprint == {"exception": "AttributeError"}
    assert known.lookup("plain", {"python": "3.12.5"}) is None
    assert entry.as_dict()["cause"] == "no-peer-check"


def test_an_entry_overrides_the_fingerprint(known):
    entry = known.lookup("with[param]", {"python": "3.8.18"})
    assert entry.fingerprint == {"exception": "OSError", "errno": "EPIPE"}
    assert entry.cause == "no-peer-check"


def test_an_entry_adds_a_python_condition(known):
    assert known.lookup("narrowed", {"python": "3.11.7"}).cause == "other"
    assert known.lookup("narrowed", {"python": "3.10.13"}) is None


def test_an_entry_may_carry_its_own_reason(known):
    entry = known.lookup("own", {})
    assert (entry.reason, entry.cause) == ("described here", None)


def test_a_spec_may_have_several_entries_and_table_form(known):
    assert known.lookup("twice", {"python": "3.13.0", "os": "darwin"}).cause == "other"
    assert known.lookup("twice", {"python": "3.8.18", "os": "linux"}).cause == "no-peer-check"
    assert known.lookup("as_a_table", {}).cause == "other"


def test_a_list_condition_may_exclude_values(known):
    assert known.lookup("not_windows", {"persona": "native", "os": "linux"}).cause == "other"
    assert known.lookup("not_windows", {"persona": "no-unix", "os": "darwin"}).cause == "other"
    assert known.lookup("not_windows", {"persona": "windows", "os": "linux"}) is None
    assert known.lookup("not_windows", {"persona": "native", "os": "win32"}) is None
    # named and excluded: the exclusion wins
    assert known.lookup("only_some", {"persona": "no-ipv6"}).cause == "other"
    assert known.lookup("only_some", {"persona": "native"}) is None
    assert known.lookup("only_some", {"persona": "windows"}) is None


def test_entry_lines_point_at_the_spec(known, tmp_path):
    lines = (tmp_path / "expectations.toml").read_text().splitlines()
    for entry in known.entries:
        assert entry.spec_id.split("[")[0].strip('"') in lines[entry.line - 1], entry


@pytest.mark.parametrize(
    "body, line, words",
    [
        ('format = 3\n', 1, "unknown expectations format 3"),
        ('format = 2\n[specs]\na = { cause = "nope" }\n', 3, "unknown cause 'nope'"),
        ('format = 2\n[causes.c]\nreason = "r"\n', 2, "cause 'c' needs a non-empty 'link'"),
        ('format = 2\n[causes.c]\nreason = "FILL IN: why"\nlink = "l"\n', 3, "placeholder 'reason'"),
        ('format = 2\n[causes.c]\nreason = "r"\nlink = "l"\n[specs]\n'
         'a = { cause = "c", reason = "x" }\n', 6, "names a cause and has its own 'reason'"),
        ('format = 2\n[causes.c]\nreason = "r"\nlink = "l"\nos = "linux"\n', 5,
         "'os' must be a list of strings"),
        ('format = 2\n[causes.c]\nreason = "r"\nlink = "l"\npersona = ["!"]\n', 5,
         "'persona' must be a list of strings"),
        ('format = 2\n\n[extra]\nx = 1\n', 3, "unknown top-level key 'extra'"),
        ('format = 2\n[specs]\na = { cause = "c", colour = "red" }\n', 3, "unknown key 'colour'"),
    ],
)
def test_errors_name_file_and_line(tmp_path, body, line, words):
    path = _write(tmp_path, body)
    with pytest.raises(expectations.ExpectationsError) as caught:
        expectations.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message
    assert "\n" not in message


def test_format_1_files_still_load(tmp_path):
    path = _write(tmp_path, '[a]\nreason = "r"\nlink = "l"\n')
    (entry,) = expectations.load(path).entries
    assert (entry.spec_id, entry.reason, entry.cause, entry.line) == ("a", "r", None, 1)


def test_load_all_puts_the_later_files_first(tmp_path):
    own = tmp_path / "own.toml"
    own.write_text('[a]\nreason = "theirs"\nlink = "l"\n[b]\nreason = "only theirs"\nlink = "l"\n')
    user = tmp_path / "user.toml"
    user.write_text('format = 2\n[specs]\na = { reason = "mine", link = "m" }\n')
    merged = expectations.load_all([own, user])
    assert merged.lookup("a", {}).reason == "mine"
    assert merged.lookup("b", {}).reason == "only theirs"
    assert merged.paths == [own, user]
    assert {e.path for e in merged.entries} == {own, user}
