"""Closing a socket: ``with``, ``close()``, ``detach()``, makefile references, use after close.

``close()`` marks the socket closed and releases the descriptor only once no makefile object
uses it any more (the ``_io_refs`` protocol, bpo-31520/gh-76219); it touches no module globals
(issue 808164); closing twice is harmless; ``detach()`` hands the descriptor over.
"""

import _socket
import errno
import os
import sys
from contextlib import closing

import pytest

from fixtures.peers import fd_is_open, recv_exactly
from harness.model.spec import spec


@spec("socket.__enter__", "socket.__exit__")
def test_lifecycle_with_closes_socket_and_descriptor(impl):
    with impl.socket() as sock:
        fd = sock.fileno()
        assert fd_is_open(fd)
    assert sock.fileno() == -1
    assert not fd_is_open(fd)


@spec("socket.__enter__")
def test_lifecycle_enter_returns_the_socket_itself(impl):
    sock = impl.socket()
    try:
        assert sock.__enter__() is sock
    finally:
        sock.close()


@spec("socket.__exit__")
def test_lifecycle_with_propagates_exception_and_closes(impl):
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        with impl.socket() as sock:
            fd = sock.fileno()
            raise Boom
    assert sock.fileno() == -1
    assert not fd_is_open(fd)


@spec("socket.close", "socket.__exit__")
@pytest.mark.parametrize("second", ["close", "exit"])
def test_lifecycle_closing_a_closed_socket_is_harmless(impl, second):
    """A second close(), or __exit__ (which returns a false value), on a closed socket."""
    sock = impl.socket()
    fd = sock.fileno()
    sock.close()
    if second == "exit":
        assert not sock.__exit__(None, None, None)
    else:
        sock.close()
    assert sock.fileno() == -1
    assert not fd_is_open(fd)


@spec("socket.__exit__", "socket.close", needs=["af_unix"])
def test_lifecycle_exit_after_close_with_makefile_keeps_descriptor(impl, unix_pair):
    sock, peer = unix_pair
    fd = sock.fileno()
    reader = sock.makefile("rb")
    try:
        with sock:
            sock.close()
        assert fd_is_open(fd)
        peer.sendall(b"still\n")
        assert reader.readline() == b"still\n"
    finally:
        reader.close()
    assert not fd_is_open(fd)


@spec("socket.__exit__")
@pytest.mark.parametrize("closed_in_block", [True, False], ids=["already_closed", "open"])
def test_lifecycle_exit_closes_exactly_once(impl, closed_in_block):
    calls = []

    class Counting(impl.socket):
        __slots__ = ()

        def close(self):
            calls.append("close")
            super().close()

    with Counting() as sock:
        fd = sock.fileno()
        if closed_in_block:
            sock.close()
    assert calls == ["close"]
    assert not fd_is_open(fd)


@spec("socket.close")
def test_lifecycle_second_close_leaves_reused_descriptor_alone(impl):
    sock = impl.socket()
    fd = sock.fileno()
    sock.close()
    r, w = os.pipe()
    try:
        sock.close()
        assert fd_is_open(r)
        assert fd_is_open(w)
        os.write(w, b"x")
        assert os.read(r, 1) == b"x"
    finally:
        os.close(r)
        os.close(w)
    assert sock.fileno() == -1
    assert fd in (r, w) or not fd_is_open(fd)


@spec("socket.close")
def test_lifecycle_fileno_after_close_is_minus_one(impl):
    sock = impl.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    sock.close()
    assert sock.fileno() == -1


@spec("socket.close")
def test_lifecycle_close_sets_closed_flag(impl):
    sock = impl.socket()
    assert sock._closed is False
    sock.close()
    assert sock._closed is True


@spec("socket.close")
def test_lifecycle_close_releases_descriptor_peer_sees_eof(impl, tcp_pair):
    sock, peer = tcp_pair
    fd = sock.fileno()
    sock.close()
    assert not fd_is_open(fd)
    assert peer.recv(16) == b""


@spec("socket.close", "socket.makefile", "SocketIO.close", needs=["af_unix"])
def test_lifecycle_close_with_makefile_keeps_descriptor_until_last_file(impl, unix_pair):
    sock, peer = unix_pair
    fd = sock.fileno()
    reader = sock.makefile("rb")
    writer = sock.makefile("wb")
    try:
        assert sock._io_refs == 2
        sock.close()
        assert sock._closed is True
        assert fd_is_open(fd)
        assert sock.fileno() == fd
        reader.close()
        assert sock._io_refs == 1
        assert fd_is_open(fd)
    finally:
        reader.close()
        writer.close()
    assert sock._io_refs == 0
    assert not fd_is_open(fd)
    assert sock.fileno() == -1
    assert peer.recv(16) == b""


@spec("SocketIO.close", "socket._decref_socketios", needs=["af_unix"])
def test_lifecycle_makefile_closed_twice_counts_once(impl, unix_pair):
    sock, peer = unix_pair
    fd = sock.fileno()
    first = sock.makefile("rb", buffering=0)
    second = sock.makefile("rb", buffering=0)
    try:
        sock.close()
        first.close()
        first.close()
        assert sock._io_refs == 1
        assert fd_is_open(fd)
    finally:
        second.close()
    assert not fd_is_open(fd)


@spec("socket._decref_socketios")
def test_lifecycle_decref_socketios_floors_at_zero(impl):
    sock = impl.socket()
    try:
        sock._decref_socketios()
        assert sock._io_refs == 0
        assert sock.fileno() != -1
    finally:
        sock.close()


@spec("socket.detach")
def test_lifecycle_detach_returns_descriptor_and_leaves_it_open(impl, raw_listener):
    sock = impl.socket()
    sock.settimeout(10)
    sock.connect(raw_listener.getsockname())
    expected = sock.fileno()
    fd = sock.detach()
    try:
        assert fd == expected
        assert fd_is_open(fd)
        assert sock.fileno() == -1
        assert sock._closed is True
        sock.close()
        assert fd_is_open(fd)
        conn_fd, _addr = raw_listener._accept()
        with closing(_socket.socket(fileno=conn_fd)) as conn:
            os.write(fd, b"raw")
            conn.settimeout(10)
            assert recv_exactly(conn, 3) == b"raw"
    finally:
        os.close(fd)


@spec("socket.detach", "SocketIO.fileno", needs=["af_unix"])
def test_lifecycle_detach_with_open_makefile_reports_minus_one(impl, unix_pair):
    sock, _peer = unix_pair
    reader = sock.makefile("rb")
    fd = sock.detach()
    try:
        assert reader.fileno() == -1
        reader.close()
        assert fd_is_open(fd)
    finally:
        os.close(fd)


@spec("socket.close")
@pytest.mark.parametrize(
    "method, args",
    [
        pytest.param("getsockname", (), id="getsockname"),
        pytest.param("send", (b"x",), id="send"),
        pytest.param("sendall", (b"x",), id="sendall"),
        pytest.param("recv", (1,), id="recv"),
        pytest.param("getsockopt", (_socket.SOL_SOCKET, _socket.SO_TYPE), id="getsockopt"),
        pytest.param("bind", (("127.0.0.1", 0),), id="bind"),
        pytest.param("listen", (), id="listen"),
        pytest.param("dup", (), id="dup"),
        pytest.param("setblocking", (False,), id="setblocking"),
        pytest.param("get_inheritable", (), id="get_inheritable"),
    ],
)
def test_lifecycle_operations_after_close_raise_ebadf(impl, method, args):
    sock = impl.socket()
    sock.close()
    with pytest.raises(OSError) as info:
        getattr(sock, method)(*args)
    assert info.value.errno == errno.EBADF


def _patched_globals(impl):
    """A MonkeyPatch context replacing every non-dunder global of the socket class's module."""
    module = sys.modules[impl.socket.__module__]
    mp = pytest.MonkeyPatch()
    for name in list(vars(module)):
        if not (name.startswith("__") and name.endswith("__")):
            mp.setattr(module, name, None)
    return mp


@spec("socket.close", "socket.__exit__")
@pytest.mark.parametrize("how", ["close", "exit"])
def test_lifecycle_closing_touches_no_module_globals(impl, how):
    sock = impl.socket()
    fd = sock.fileno()
    try:
        if how == "exit":
            sock.__enter__()
        mp = _patched_globals(impl)
        try:
            if how == "exit":
                sock.__exit__(None, None, None)
            else:
                sock.close()
        finally:
            mp.undo()
        assert sock.fileno() == -1
        assert not fd_is_open(fd)
    finally:
        sock.close()
