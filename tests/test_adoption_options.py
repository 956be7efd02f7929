"""What an adopter's CI needs from `run`: their own expectations on top of an implementation's,
an implementation registered from outside (impl.toml), and results that say what was run."""

from __future__ import annotations

import json
import shutil
import textwrap

from harness.loading import implementations
from tests.conftest import ROOT, run_cli


def _records(folder):
    (path,) = folder.glob("*.json")
    return json.loads(path.read_text())


def _broken_copy(tmp_path):
    """A copy of this Python's socket.py whose repr() names the wrong class."""
    import socket

    with open(socket.__file__, encoding="utf-8") as handle:
        source = handle.read()
    assert "self.__class__.__qualname__" in source
    broken = tmp_path / "broken_socket.py"
    broken.write_text(source.replace("self.__class__.__qualname__", "'wrong'", 1))
    return broken


def test_user_expectations_turn_a_failure_into_xfail(tmp_path):
    broken = _broken_copy(tmp_path)
    out = tmp_path / "first"
    done = run_cli("run", "--impl", str(broken), "-n", "0", "--output", str(out), "--area", "repr")
    assert done.returncode == 1, done.stdout + done.stderr
    failed = [r for r in _records(out)["specs"] if r["outcome"] == "fail"]
    assert failed
    mine = tmp_path / "mine.toml"
    lines = ["format = 2", "[causes.wrong-name]", 'reason = "repr names the class wrong"',
             'link = "none reported"', "[specs]"]
    lines += [f'"{r["id"]}" = {{ cause = "wrong-name" }}' for r in failed]
    mine.write_text("\n".join(lines) + "\n")
    again = tmp_path / "second"
    done = run_cli("run", "--impl", str(broken), "-n", "0", "--output", str(again),
                   "--area", "repr", "--expectations", str(mine))
    assert done.returncode == 0, done.stdout + done.stderr
    document = _records(again)
    xfailed = [r for r in document["specs"] if r["outcome"] == "xfail"]
    assert sorted(r["id"] for r in xfailed) == sorted(r["id"] for r in failed)
    assert {r["expectation"]["cause"] for r in xfailed} == {"wrong-name"}
    assert document["run_info"]["expectations_files"] == [str(mine)]


def test_a_registered_implementations_own_file_still_applies(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text('format = 2\n[specs]\nrepr_base_class_name = { reason = "r", link = "l" }\n')
    done = run_cli("run", "--impl", "stdlib", "-n", "0", "--output", str(tmp_path / "o"),
                   "--area", "repr", "--expectations", str(mine))
    assert done.returncode == 1  # the user's entry names a spec that passes: an xpass
    document = _records(tmp_path / "o")
    assert document["run_info"]["expectations_files"] == [
        str(ROOT / "implementations" / "stdlib" / "expectations.toml"), str(mine)]
    (record,) = [r for r in document["specs"] if r["id"] == "repr_base_class_name"]
    assert record["outcome"] == "xpass"


def test_a_bad_user_file_is_one_line_and_exit_2(tmp_path):
    mine = tmp_path / "mine.toml"
    mine.write_text('format = 2\n[specs]\nx = { cause = "nope" }\n')
    done = run_cli("run", "--impl", "stdlib", "--output", str(tmp_path), "--expectations",
                   str(mine))
    assert done.returncode == 2
    assert done.stderr.strip() == (f"error: {mine}:3: entry for 'x' names an unknown cause "
                                   "'nope' (known: none)")


def test_impl_meta_registers_an_implementation_from_outside(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    marker = tmp_path / "warmed"
    (folder / "impl.toml").write_text(textwrap.dedent("""
        name = "mysocket"
        description = "the standard module, registered from outside"
        module = "socket"
        version = "1.2.3"
        warm_up = "warm_up.py"
    """))
    (folder / "warm_up.py").write_text(
        f"def warm_up():\n    open({str(marker)!r}, 'a').write('x')\n")
    (folder / "expectations.toml").write_text(
        'format = 2\n[specs]\nrepr_base_class_name = { reason = "r", link = "l" }\n')
    done = run_cli("run", "--impl-meta", str(folder / "impl.toml"), "-n", "0",
                   "--output", str(tmp_path / "o"), "--area", "repr")
    assert marker.read_text() == "x"
    info = _records(tmp_path / "o")["run_info"]["implementation"]
    assert (info["name"], info["version"]) == ("mysocket", "1.2.3")
    assert done.returncode == 1  # its own expectations file was read: one xpass
    assert "xpass" in done.stdout


def test_impl_meta_names_a_missing_file(tmp_path):
    done = run_cli("run", "--impl-meta", str(tmp_path / "nope.toml"), "--output", str(tmp_path))
    assert done.returncode == 2
    assert "--impl-meta" in done.stderr and "no such file" in done.stderr


def test_entry_points_register_implementations(tmp_path, monkeypatch):
    package = tmp_path / "theirpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    shutil.copy(ROOT / "implementations" / "reference" / "impl.toml", package / "impl.toml")

    class Point:
        name, value = "theirs", "theirpkg"

    class Points(list):
        def select(self, group):
            return self if group == implementations.ENTRY_POINT_GROUP else []

    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr("importlib.metadata.entry_points", lambda: Points([Point()]))
    assert implementations.metadata_files()["theirs"] == package / "impl.toml"
    assert "theirs" in implementations.registered_names()


def test_results_say_which_selection_ran(tmp_path):
    done = run_cli("run", "--impl", "stdlib", "-n", "0", "--output", str(tmp_path / "part"),
                   "specs/test_repr.py", "--", "-k", "unix")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "a partial run" in done.stdout
    selection = _records(tmp_path / "part")["run_info"]["selection"]
    assert selection == {"full": False, "paths": ["specs/test_repr.py"], "keyword": "unix",
                         "markexpr": None, "deselect": []}


def test_records_carry_a_description(tmp_path):
    done = run_cli("run", "--impl", "stdlib", "-n", "0", "--output", str(tmp_path),
                   "--area", "repr")
    assert done.returncode == 0
    records = {r["id"]: r for r in _records(tmp_path)["specs"]}
    assert records["repr_base_class_name"]["description"] == "repr base class name"
