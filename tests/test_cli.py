"""The command line: bad implementations get one clear line and exit 2; broken ones fail the run."""

from __future__ import annotations

import inspect
import socket as stdlib_socket

import pytest

from tests.conftest import run_cli


def _one_error_line(done) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.mark.parametrize(
    "value, words",
    [
        ("nosuchimpl", "cannot be imported: No module named 'nosuchimpl'"),
        ("no/such/file.py", "implementation file 'no/such/file.py' does not exist"),
        ("not a name", "is neither a registered name"),
    ],
)
def test_unusable_impl_values_exit_2_with_one_line(value, words):
    done = run_cli("run", "--impl", value)
    assert done.returncode == 2
    assert words in _one_error_line(done)


def test_syntax_error_in_impl_file(tmp_path):
    broken = tmp_path / "broken_socket.py"
    broken.write_text("import _socket\ndef oops(:\n")
    done = run_cli("run", "--impl", str(broken))
    assert done.returncode == 2
    line = _one_error_line(done)
    assert f"syntax error at {broken}:2" in line


def test_impl_raising_at_import(tmp_path):
    broken = tmp_path / "raising_socket.py"
    broken.write_text("raise RuntimeError('boom at import')\n")
    done = run_cli("list", "--impl", str(broken))
    assert done.returncode == 2
    assert "failed to load: RuntimeError: boom at import" in _one_error_line(done)


def test_impl_missing_names(tmp_path):
    empty = tmp_path / "empty_socket.py"
    empty.write_text("from _socket import AF_INET\n")
    done = run_cli("probe", "--impl", str(empty))
    assert done.returncode == 2
    assert "is not a socket module: missing socket, socketpair" in _one_error_line(done)


def test_uninstalled_registered_impl_names_how_to_install(monkeypatch, tmp_path):
    from harness.loading import implementations

    folder = tmp_path / "ghost"
    folder.mkdir()
    (folder / "impl.toml").write_text(
        'name = "ghost"\ndescription = "d"\nmodule = "ghost_socket_not_installed"\n'
        'install = "pip install ghost"\n'
    )
    monkeypatch.setattr(implementations, "IMPLEMENTATIONS_DIR", tmp_path)
    with pytest.raises(implementations.ImplementationError) as caught:
        implementations.load_implementation("ghost")
    assert "install it with: pip install ghost" in str(caught.value)


def test_pytest_direct_reports_bad_impl_as_usage_error(pytester):
    pytester.makeconftest('pytest_plugins = ["harness.runner.plugin", "fixtures.plugin"]')
    result = pytester.runpytest("--impl", "nosuchimpl")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*implementation 'nosuchimpl' cannot be imported*"])


def test_broken_copy_of_stdlib_fails_the_run_and_names_the_spec(tmp_path):
    source = inspect.getsource(stdlib_socket)
    check = 'if not set(mode) <= {"r", "w", "b"}:'
    assert check in source
    broken = tmp_path / "socket_broken.py"
    broken.write_text(source.replace(check, 'if not set(mode) <= {"r", "w", "b", "x"}:'))
    done = run_cli("run", "--impl", str(broken), "-n", "0", "--output", str(tmp_path),
                   "--", "-k", "makefile", "-q")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "UNEXPECTED fail: makefile_" in done.stdout
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("0 passed") is False and " failed" in last


def test_list_prints_areas_elements_and_counts():
    done = run_cli("list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert "API elements without a spec: none" in lines
    assert " scenarios, " in lines[-1] and " areas; " in lines[-1]
    assert any(line.startswith("makefile (") for line in lines)
    assert any(line.strip().startswith("socket.makefile: ") for line in lines)


def test_probe_prints_capabilities_and_surface():
    done = run_cli("probe", "--impl", "reference")
    assert done.returncode == 0, done.stderr
    assert "host capabilities:" in done.stdout
    assert "API surface against this Python's stdlib socket module:" in done.stdout
