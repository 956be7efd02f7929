"""The surface probe: module names, module functions and the socket type's C-level members."""

from __future__ import annotations

import importlib.util
import json
import socket as stdlib_socket
import textwrap
from pathlib import Path

import pytest

from harness.model import surface
from harness.report import merge, render, views
from harness.report.build import build
from harness.report.sample_results import document, record, run_info
from tests.conftest import run_cli

START = "2026-11-24T02:00:00+00:00"

#: A socket module whose socket class wraps the stdlib one: it forwards every member of the
#: stdlib type but ``sendmsg`` (lacking) and refuses ``recv_into`` on its instances (hiding);
#: the module lacks ``if_nameindex``, adds ``resolve`` and turns ``inet_pton`` into Python.
FAKE = '''
import socket as _stdlib
from socket import *  # noqa: F401,F403
from socket import SocketIO, socketpair  # noqa: F401

_FORWARDED = [n for n in dir(_stdlib.socket)
              if (not n.startswith("_") or n in ("__enter__", "__exit__")) and n != "sendmsg"]


class socket:
    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        object.__setattr__(self, "_sock", _stdlib.socket(family, type, proto, fileno))

    def __getattribute__(self, name):
        if name == "recv_into":
            raise AttributeError(name)
        return object.__getattribute__(self, name)


def _forward(name):
    def method(self, *args, **kwargs):
        return getattr(self._sock, name)(*args, **kwargs)
    method.__name__ = name
    return method


for _name in _FORWARDED:
    setattr(socket, _name, _forward(_name))
socket.close = lambda self: self._sock.close()
del if_nameindex


def inet_pton(family, text):
    return _stdlib.inet_pton(family, text)


def resolve(name):
    return _stdlib.gethostbyname(name)
'''


@pytest.fixture
def fake_path(tmp_path) -> Path:
    path = tmp_path / "hiding_socket.py"
    path.write_text(textwrap.dedent(FAKE))
    return path


@pytest.fixture
def fake(fake_path):
    spec = importlib.util.spec_from_file_location("sockspec_hiding_socket", str(fake_path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stdlib_module_matches_itself():
    found = surface.compare(stdlib_socket)
    assert found["version"] == surface.SURFACE_VERSION
    assert all(found[kind] == [] for kind in surface.NAME_KINDS), found
    assert found["signatures"] == []


def test_the_socket_type_members_include_the_c_base_type():
    members = surface.type_members(stdlib_socket.socket)
    assert {"recv", "recv_into", "settimeout", "getblocking", "fileno", "timeout"} <= set(members)
    assert {"makefile", "sendfile", "__enter__", "__exit__"} <= set(members)
    if hasattr(stdlib_socket.socket, "sendmsg"):
        assert {"sendmsg", "recvmsg", "recvmsg_into"} <= set(members)


def test_module_functions_are_python_or_builtin():
    found = surface.functions(stdlib_socket)
    assert {"gethostbyname", "inet_pton", "getaddrinfo", "create_connection"} <= set(found)
    assert "socket" not in found and "SocketIO" not in found and "AF_INET" not in found
    if hasattr(stdlib_socket, "CMSG_LEN"):
        assert "CMSG_LEN" in found


def test_a_hidden_and_a_lacking_method_are_listed(fake):
    found = surface.compare(fake)
    assert "recv_into" in found["socket_hidden"]
    assert "recv_into" not in found["socket_missing"]
    if hasattr(stdlib_socket.socket, "sendmsg"):
        assert "sendmsg" in found["socket_missing"]
    assert "recv" not in found["socket_missing"] + found["socket_hidden"]
    if hasattr(stdlib_socket, "if_nameindex"):
        assert "if_nameindex" in found["functions_missing"] and "if_nameindex" in found["missing"]
    assert found["functions_extra"] == ["resolve"]
    names = {d["name"] for d in found["signatures"]}
    assert "socket.__init__" not in names  # the same signature as the stdlib's
    assert "socket.makefile" in names  # (self, *args, **kwargs)


def test_a_member_an_instance_offers_through_getattr_is_not_missing(tmp_path):
    path = tmp_path / "delegating_socket.py"
    path.write_text(textwrap.dedent('''
        import socket as _stdlib
        from socket import *  # noqa: F401,F403

        class socket:
            def __init__(self, *args):
                self._sock = _stdlib.socket(*args)
            def __getattr__(self, name):
                return getattr(self.__dict__["_sock"], name)
            def close(self):
                self._sock.close()
    '''))
    spec = importlib.util.spec_from_file_location("sockspec_delegating_socket", str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = surface.compare(module)
    assert found["socket_missing"] == [] and found["socket_hidden"] == []


def test_probe_lists_them(fake_path):
    done = run_cli("probe", "--impl", str(fake_path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    (hidden,) = [line for line in lines if "socket type members hidden from instances:" in line]
    assert hidden.split(": ", 1)[1] == "recv_into"
    (missing,) = [line for line in lines if "socket type members missing:" in line]
    if hasattr(stdlib_socket.socket, "sendmsg"):
        assert "sendmsg" in missing.split(": ", 1)[1].split(", ")
    assert any(line.strip() == "module functions extra:   resolve" for line in lines)
    done = run_cli("probe", "--impl", str(fake_path), "--json")
    found = json.loads(done.stdout)["surface"]
    assert found["version"] == surface.SURFACE_VERSION and found["socket_hidden"] == ["recv_into"]


def _results(tmp_path, name, found, python="3.12.4"):
    info = run_info("hiding", "linux", python, START, surface=found)
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(document(info, [record("alpha", "area1", ["socket.recv_into"])])))
    return path


def test_the_report_data_lists_them(tmp_path, fake):
    found = json.loads(json.dumps(surface.compare(fake)))  # as a results file stores it
    old = {"missing": [], "extra": [], "signatures": [], "all_missing": [], "all_extra": []}
    paths = [_results(tmp_path, "new", found), _results(tmp_path, "old", old, python="3.11.7")]
    (view,) = views.surface(merge.merge(paths))
    assert view.names["socket_hidden"] == {"recv_into": ["hiding · linux · 3.12.4"]}
    if hasattr(stdlib_socket.socket, "sendmsg"):
        assert view.names["socket_missing"]["sendmsg"] == ["hiding · linux · 3.12.4"]
    assert view.partial == ["hiding · linux · 3.11.7"] and not view.empty
    page = render.render(build(paths, generated="2026-11-24T03:00:00+00:00").page)
    assert "socket type members its instances hide" in page and "<code>recv_into</code>" in page
    assert "Module functions and socket type members not compared by: hiding · linux · 3.11.7" in page
