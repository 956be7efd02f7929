"""The reference socket module against the running interpreter's stdlib module.

The reference is loaded under a fresh module name and compared with ``socket``
name by name: public names, ``__all__``, objects re-exported from ``_socket``,
the enums, and the signature of every callable that the stdlib defines in
Python.  Every difference must be listed in INTENDED below, with its reason and
the Python versions it applies to; a difference not listed, or a listed one
that no longer happens, fails.

A second part runs both modules' source under a Windows persona (substitute
``_socket``, ``os`` and ``sys`` modules) and compares the Windows branches.
"""

import _socket
import builtins
import enum
import importlib.util
import inspect
import os
import socket as stdlib_socket
import sys
import types
from pathlib import Path
from typing import NamedTuple

import pytest

REFERENCE_PATH = Path(__file__).resolve().parent.parent / "implementations" / "reference" / "socket.py"
PY = sys.version_info[:2]
HAS_SENDMSG = hasattr(_socket.socket, "sendmsg")
HAS_RECVMSG = hasattr(_socket.socket, "recvmsg")


class Intended(NamedTuple):
    """A difference from the stdlib module that the reference makes on purpose."""

    kind: str  # "extra-name", "missing-name", "extra-all", "missing-all" or "signature"
    name: str
    versions: tuple  # the (major, minor) versions where the difference shows
    reason: str
    applies: bool = True  # a platform condition, evaluated at import


OLD = ((3, 8), (3, 9), (3, 10))
LAZY = "selectors and array are imported where they are used, as in 3.14 (gh-121423)"
LAZY_IMPORTS = {"selectors", "array"}
NEWEST_FDS = "send_fds/recv_fds (bpo-28724, 3.9) are provided on every Python"

INTENDED = [
    Intended("extra-name", "send_fds", ((3, 8),), NEWEST_FDS, HAS_SENDMSG),
    Intended("extra-name", "recv_fds", ((3, 8),), NEWEST_FDS, HAS_RECVMSG),
    # CPython 3.14 imports these on first use only (gh-121423), so they are no module
    # attributes; the reference does the same on every Python.
    Intended("missing-name", "selectors", tuple((3, m) for m in range(8, 14)), LAZY),
    Intended("missing-name", "array", tuple((3, m) for m in range(9, 14)), LAZY),
    Intended("extra-all", "send_fds", ((3, 8),), NEWEST_FDS, HAS_SENDMSG),
    Intended("extra-all", "recv_fds", ((3, 8),), NEWEST_FDS, HAS_RECVMSG),
    Intended("signature", "create_connection", OLD,
             "the all_errors keyword (gh-74166, 3.11) is provided on every Python"),
]

#: errorTab texts that differ from the stdlib's on purpose, by code.
INTENDED_ERRORTAB = [
    Intended("errortab", "10014", tuple((3, m) for m in range(8, 14)),
             "CPython main's corrected text (gh-148599)"),
    Intended("errortab", "11004", tuple((3, m) for m in range(8, 14)),
             "CPython main's corrected text (gh-148599)"),
    Intended("errortab", "11020", tuple((3, m) for m in range(8, 14)),
             "CPython main's corrected text (gh-148599)"),
    Intended("errortab", "10035", OLD, "the final '.' that 3.11 added"),
]


def expected(table, kind):
    return {d.name for d in table if d.kind == kind and PY in d.versions and d.applies}


# --- loading --------------------------------------------------------------------


def exec_fresh(path, name, builtins_dict=None):
    """Execute *path* as a new module *name* registered in sys.modules; return it."""
    module = types.ModuleType(name)
    module.__file__ = str(path)
    if builtins_dict is not None:
        module.__dict__["__builtins__"] = builtins_dict
    sys.modules[name] = module
    try:
        code = compile(Path(path).read_text(encoding="utf-8"), str(path), "exec")
        exec(code, module.__dict__)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@pytest.fixture(scope="module")
def reference():
    name = "sockspec_selftest_reference"
    spec = importlib.util.spec_from_file_location(name, str(REFERENCE_PATH))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)


@pytest.fixture(scope="module")
def stdlib():
    path = Path(stdlib_socket.__file__).resolve()
    assert path != REFERENCE_PATH, "run without the reference on PYTHONPATH"
    return stdlib_socket


def public_names(module):
    return {name for name in dir(module) if not name.startswith("_")}


def differences(mine, theirs):
    return mine - theirs, theirs - mine


# --- names ------------------------------------------------------------------------


def test_loaded_under_its_fresh_name(reference):
    assert reference.__name__ == "sockspec_selftest_reference"
    assert reference.socket.__module__ == reference.__name__
    assert reference.AddressFamily.__module__ == reference.__name__


def test_public_names(reference, stdlib):
    extra, missing = differences(public_names(reference), public_names(stdlib))
    assert extra == expected(INTENDED, "extra-name")
    assert missing == expected(INTENDED, "missing-name")


def test_all(reference, stdlib):
    assert len(reference.__all__) == len(set(reference.__all__))
    extra, missing = differences(set(reference.__all__), set(stdlib.__all__))
    assert extra == expected(INTENDED, "extra-all")
    assert missing == expected(INTENDED, "missing-all")


def test_reexports_are_the_c_objects(reference, stdlib):
    shared = public_names(reference) & public_names(stdlib)
    for name in sorted(shared):
        theirs = getattr(stdlib, name)
        if theirs is getattr(_socket, name, None):
            assert getattr(reference, name) is theirs, name
    assert reference.SocketType is _socket.SocketType
    assert reference.error is OSError
    assert reference.timeout is _socket.timeout


def test_private_names_other_modules_use(reference):
    assert reference._LOCALHOST == "127.0.0.1"
    assert reference._LOCALHOST_V6 == "::1"
    assert type(reference._GLOBAL_DEFAULT_TIMEOUT) is object
    assert issubclass(reference._GiveupOnSendfile, Exception)
    assert reference._blocking_errnos == {reference.EAGAIN, reference.EWOULDBLOCK}
    assert callable(reference._intenum_converter)
    assert callable(reference._fallback_socketpair)


@pytest.mark.parametrize("enum_name, base", [
    ("AddressFamily", enum.IntEnum), ("SocketKind", enum.IntEnum),
    ("MsgFlag", enum.IntFlag), ("AddressInfo", enum.IntFlag),
])
def test_enums(reference, stdlib, enum_name, base):
    mine, theirs = getattr(reference, enum_name), getattr(stdlib, enum_name)
    assert issubclass(mine, base)
    assert {n: int(v) for n, v in mine.__members__.items()} == {
        n: int(v) for n, v in theirs.__members__.items()}
    for member_name in mine.__members__:
        assert getattr(reference, member_name) is mine[member_name]


# --- signatures ---------------------------------------------------------------------


def normalised(callable_, module):
    """The signature as text, with defaults that are module objects made comparable."""
    params = []
    for param in inspect.signature(callable_).parameters.values():
        default = param.default
        if default is getattr(module, "_GLOBAL_DEFAULT_TIMEOUT", None):
            default = "<_GLOBAL_DEFAULT_TIMEOUT>"
        elif isinstance(default, enum.Enum):
            default = f"{type(default).__name__}.{default.name}"
        elif default is not inspect.Parameter.empty:
            default = repr(default)
        params.append((param.name, param.kind, default))
    return params


def python_functions(namespace):
    return {name: value for name, value in namespace.items() if inspect.isfunction(value)}


def test_function_signatures(reference, stdlib):
    functions = python_functions(vars(stdlib))
    functions.update(python_functions({"socket": stdlib.socket, "SocketIO": stdlib.SocketIO}))
    differing = set()
    for name in functions:
        if name.startswith("_") and not hasattr(reference, name):
            continue  # a private helper the reference does without
        mine = getattr(reference, name)
        assert inspect.isfunction(mine) or inspect.isclass(mine), name
        if normalised(mine, reference) != normalised(functions[name], stdlib):
            differing.add(name)
    assert differing == expected(INTENDED, "signature")


def test_class_signatures(reference, stdlib):
    for name in ("socket", "SocketIO"):
        assert normalised(getattr(reference, name), reference) == normalised(
            getattr(stdlib, name), stdlib)


@pytest.mark.parametrize("class_name", ["socket", "SocketIO"])
def test_method_signatures(reference, stdlib, class_name):
    mine, theirs = getattr(reference, class_name), getattr(stdlib, class_name)
    for name, method in python_functions(vars(theirs)).items():
        assert name in vars(mine), f"{class_name}.{name} is missing"
        assert normalised(vars(mine)[name], reference) == normalised(method, stdlib), name
    extra_public = {n for n in python_functions(vars(mine)) if not n.startswith("_")}
    assert extra_public <= set(vars(theirs)), "public methods the stdlib lacks"


@pytest.mark.parametrize("class_name", ["socket", "SocketIO"])
def test_class_layout(reference, stdlib, class_name):
    mine, theirs = getattr(reference, class_name), getattr(stdlib, class_name)
    assert [b.__name__ for b in mine.__bases__] == [b.__name__ for b in theirs.__bases__]
    properties = {n for n, v in vars(theirs).items() if isinstance(v, property)}
    assert properties == {n for n, v in vars(mine).items() if isinstance(v, property)}
    assert getattr(mine, "__slots__", None) == getattr(theirs, "__slots__", None)


# --- the Windows branches, under a persona ----------------------------------------------


class Absent:
    """A class attribute that reads as missing, so hasattr() on the class is False."""

    def __get__(self, instance, owner=None):
        raise AttributeError("absent")


def windows_modules():
    socket_type = type("socket", (_socket.socket,), {
        "__module__": "_socket", "__slots__": (), "sendmsg": Absent(), "recvmsg": Absent()})
    fake_socket = types.ModuleType("_socket")
    fake_socket.__dict__.update(
        {k: v for k, v in vars(_socket).items() if k not in ("socketpair", "__name__")})
    fake_socket.socket = fake_socket.SocketType = socket_type
    fake_os = types.ModuleType("os")
    fake_os.__dict__.update({k: v for k, v in vars(os).items() if k not in ("sendfile", "__name__")})
    fake_os.name = "nt"
    fake_os.get_handle_inheritable = os.get_inheritable
    fake_os.set_handle_inheritable = os.set_inheritable
    fake_sys = types.ModuleType("sys")
    fake_sys.__dict__.update({k: v for k, v in vars(sys).items() if k != "__name__"})
    fake_sys.platform = "win32"
    return {"_socket": fake_socket, "os": fake_os, "sys": fake_sys}


def load_as_windows(path, name):
    substitutes = windows_modules()
    real_import = builtins.__import__

    def persona_import(module, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and module in substitutes:
            return substitutes[module]
        return real_import(module, globals, locals, fromlist, level)

    fake_builtins = dict(vars(builtins), __import__=persona_import)
    return exec_fresh(path, name, fake_builtins)


@pytest.fixture(scope="module")
def windows_pair():
    names = ("sockspec_selftest_windows_reference", "sockspec_selftest_windows_stdlib")
    try:
        yield (load_as_windows(REFERENCE_PATH, names[0]),
               load_as_windows(stdlib_socket.__file__, names[1]))
    finally:
        for name in names:
            sys.modules.pop(name, None)


def test_windows_names_and_all(windows_pair):
    reference, stdlib = windows_pair
    assert public_names(reference) == public_names(stdlib) - LAZY_IMPORTS
    assert set(reference.__all__) == set(stdlib.__all__)
    assert "errorTab" in reference.__all__ and "socketpair" in reference.__all__
    assert not hasattr(reference, "send_fds") and not hasattr(reference, "recv_fds")


def test_windows_error_table(windows_pair):
    reference, stdlib = windows_pair
    assert reference.errorTab.keys() == stdlib.errorTab.keys()
    differing = {str(code) for code, text in reference.errorTab.items()
                 if stdlib.errorTab[code] != text}
    assert differing == expected(INTENDED_ERRORTAB, "errortab")
    assert reference.errorTab[10014] == "An invalid pointer was passed."
    assert reference.errorTab[11004] == "Valid name, no data record of requested type."
    assert reference.errorTab[11020] == "Invalid QoS filter type."
    assert reference.errorTab[10035] == "The socket operation would block."


def test_windows_branches_run(windows_pair, tmp_path):
    reference, _ = windows_pair
    assert reference.socketpair is reference._fallback_socketpair
    a, b = reference.socketpair()
    try:
        assert a.family == reference.AF_INET and type(a) is reference.socket
        assert a.get_inheritable() is False
        a.set_inheritable(True)
        assert a.get_inheritable() is True
        data = tmp_path / "data.bin"
        data.write_bytes(b"windows persona")
        with data.open("rb") as f:
            assert a.sendfile(f) == 15  # no os.sendfile: the send() path
        b.settimeout(10)
        assert b.recv(100) == b"windows persona"
    finally:
        a.close()
        b.close()
    server = reference.create_server(("127.0.0.1", 0))
    try:
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR) == 0
    finally:
        server.close()
