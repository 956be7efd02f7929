"""SocketIO, the raw binary stream under makefile(): constructor modes, readinto/write on
blocking, timed-out (issue 7322) and non-blocking sockets, EOF, the closed state, the
unsupported seek/tell, and close(), which gives back the io reference makefile() took.

Two specs hand SocketIO a stand-in socket whose recv_into/send raise a crafted OSError: no real
socket raises an error whose ``errno`` and ``args[0]`` disagree, and that is exactly where the
EAGAIN test changed in 3.10."""

from __future__ import annotations

import _socket
import contextlib
import errno
import gc
import io
import struct
import sys
import weakref

import pytest

from fixtures import peers
from fixtures.peers import PEER_TIMEOUT, fd_is_open, recv_exactly, recv_until_eof
from harness.model.spec import spec

#: A short timeout for the reads that are meant to time out.
SHORT_TIMEOUT = 0.02
#: Bound on the loop that fills a socket's send buffer.
MAX_FILL_CHUNKS = 2000
CHUNK = 65536


@contextlib.contextmanager
def _unraisable_swallowed():
    """Collect what finalisers report while the block runs (and a gc pass at its end)."""
    seen = []
    previous = sys.unraisablehook
    sys.unraisablehook = seen.append
    try:
        yield seen
        gc.collect()
    finally:
        sys.unraisablehook = previous


# -- constructor --------------------------------------------------------------------------

#: mode given -> (mode attribute, readable, writable)
MODES = {
    "r": ("rb", True, False),
    "w": ("wb", False, True),
    "rw": ("rwb", True, True),
    "rb": ("rb", True, False),
    "wb": ("wb", False, True),
    "rwb": ("rwb", True, True),
}


@spec("SocketIO.__init__", "SocketIO.mode", "SocketIO.readable", "SocketIO.writable",
      needs=["af_unix"])
@pytest.mark.parametrize("mode", list(MODES))
def test_socketio_accepts_mode(impl, unix, mode):
    mode_attr, readable, writable = MODES[mode]
    sock, _peer = unix
    with impl.SocketIO(sock, mode) as raw:
        assert raw.mode == mode_attr
        assert raw.readable() is readable
        assert raw.writable() is writable


@spec("SocketIO.__init__", needs=["af_unix"])
@pytest.mark.parametrize("mode", ["", "b", "wr", "bw", "rbb", "rt"], ids=lambda m: repr(m))
def test_socketio_rejects_mode(impl, unix, mode):
    sock, _peer = unix
    with _unraisable_swallowed():  # CPython's half-built object complains when finalised
        with pytest.raises(ValueError) as excinfo:
            impl.SocketIO(sock, mode)
        message = str(excinfo.value)
        del excinfo
    assert message == f"invalid mode: {mode!r}"


@spec("SocketIO.__init__", "socket.close", needs=["af_unix"])
def test_socketio_constructor_takes_no_io_reference(impl, unix):
    sock, _peer = unix
    fd = sock.fileno()
    raw = impl.SocketIO(sock, "rb")
    try:
        sock.close()
        assert not fd_is_open(fd)
    finally:
        raw.close()


# -- reading and writing ------------------------------------------------------------------


@spec("SocketIO.readinto", needs=["af_unix"])
def test_socketio_readinto_returns_count(impl, unix_pair):
    sock, peer = unix_pair  # a blocking socket: no timeout
    peer.sendall(b"abc")
    buf = bytearray(10)
    with impl.SocketIO(sock, "rb") as raw:
        assert raw.readinto(buf) == 3
    assert buf == b"abc" + bytes(7)


@spec("SocketIO.readinto", needs=["af_unix"])
@pytest.mark.parametrize("call", ["read", "readinto"])
def test_socketio_zero_byte_read_returns_at_once(impl, unix_pair, call):
    # Nothing is queued and the peer sends nothing: a read of zero bytes asks recv_into for
    # nothing, which returns at once; an implementation that waits for data meets the timeout.
    sock, _peer = unix_pair
    sock.settimeout(0.05)
    with impl.SocketIO(sock, "rb") as raw:
        try:
            got = raw.read(0) if call == "read" else raw.readinto(bytearray(0))
        except OSError as exc:  # the timeout, or the error after it
            raise AssertionError(f"a zero-byte {call} waited for data: {exc!r}") from exc
    assert got == (b"" if call == "read" else 0)


@spec("SocketIO.readinto", needs=["af_unix"])
def test_socketio_readinto_returns_zero_at_eof(impl, unix_pair):
    sock, peer = unix_pair
    peer.shutdown(_socket.SHUT_WR)
    with impl.SocketIO(sock, "rb") as raw:
        assert raw.readinto(bytearray(4)) == 0
        assert raw.read(4) == b""


@spec("SocketIO.readinto")
def test_socketio_readinto_tcp_memoryview(impl, tcp_pair):
    sock, peer = tcp_pair
    sock.settimeout(PEER_TIMEOUT)
    peer.sendall(b"0123456789")
    buf = bytearray(12)
    with impl.SocketIO(sock, "rb") as raw:
        got = 0
        while got < 10:
            n = raw.readinto(memoryview(buf)[got:])
            assert n
            got += n
    assert buf[:10] == b"0123456789"


@spec("SocketIO.write", needs=["af_unix"])
def test_socketio_write_returns_count(impl, unix_pair):
    sock, peer = unix_pair
    with impl.SocketIO(sock, "wb") as raw:
        assert raw.write(b"hello") == 5
        assert raw.write(memoryview(b"--world")[2:]) == 5
    assert recv_exactly(peer, 10) == b"helloworld"


@spec("SocketIO.readinto", "SocketIO.write", needs=["af_unix"])
@pytest.mark.parametrize("operation", ["readinto", "write"])
def test_socketio_one_way_object_rejects_other_direction(impl, unix, operation):
    sock, _peer = unix
    mode = "wb" if operation == "readinto" else "rb"
    with impl.SocketIO(sock, mode) as raw:
        with pytest.raises(io.UnsupportedOperation):
            if operation == "readinto":
                raw.readinto(bytearray(1))
            else:
                raw.write(b"x")


@spec("SocketIO.readinto")
def test_socketio_readinto_propagates_connection_reset(impl, tcp_pair):
    sock, peer = tcp_pair
    sock.settimeout(PEER_TIMEOUT)
    peer.setsockopt(_socket.SOL_SOCKET, _socket.SO_LINGER, struct.pack("ii", 1, 0))
    peer.close()  # linger 0: the kernel sends RST
    with impl.SocketIO(sock, "rb") as raw:
        with pytest.raises(ConnectionResetError) as excinfo:
            raw.readinto(bytearray(4))
    assert excinfo.value.errno == errno.ECONNRESET


# -- timeouts -------------------------------------------------------------------------------


@spec("SocketIO.readinto", needs=["af_unix"])
def test_socketio_readinto_timeout_raises_timeout(impl, unix):
    sock, _peer = unix
    sock.settimeout(SHORT_TIMEOUT)
    with impl.SocketIO(sock, "rb") as raw:
        with pytest.raises(impl.timeout) as excinfo:
            raw.readinto(bytearray(4))
    assert str(excinfo.value) == "timed out"


@spec("SocketIO.readinto", needs=["af_unix"])
def test_socketio_timeout_is_sticky(impl, unix):
    sock, peer = unix
    sock.settimeout(SHORT_TIMEOUT)
    with impl.SocketIO(sock, "rb") as raw:
        with pytest.raises(impl.timeout):
            raw.readinto(bytearray(4))
        peer.sendall(b"late")
        sock.settimeout(PEER_TIMEOUT)
        for _ in range(2):
            with pytest.raises(OSError) as excinfo:
                raw.readinto(bytearray(4))
            assert not isinstance(excinfo.value, impl.timeout)
            assert str(excinfo.value) == "cannot read from timed out object"
    assert sock.recv(4) == b"late"  # the data was left in the socket


@spec("SocketIO.readinto", "SocketIO.write", needs=["af_unix"])
def test_socketio_timeout_does_not_block_writes(impl, unix):
    sock, peer = unix
    sock.settimeout(SHORT_TIMEOUT)
    with impl.SocketIO(sock, "rwb") as raw:
        with pytest.raises(impl.timeout):
            raw.readinto(bytearray(4))
        assert raw.write(b"still") == 5
    assert recv_exactly(peer, 5) == b"still"


# -- non-blocking sockets -----------------------------------------------------------------


@spec("SocketIO.readinto", needs=["af_unix"])
def test_socketio_nonblocking_readinto_returns_none(impl, unix):
    sock, peer = unix
    sock.setblocking(False)
    buf = bytearray(4)
    with impl.SocketIO(sock, "rb") as raw:
        assert raw.readinto(buf) is None
        assert buf == bytes(4)
        peer.sendall(b"go")
        assert raw.readinto(buf) == 2  # AF_UNIX: the data is there once sendall returns
    assert buf[:2] == b"go"


@spec("SocketIO.write", needs=["af_unix"])
def test_socketio_nonblocking_write_returns_none_when_full(impl, unix):
    sock, peer = unix
    sock.setblocking(False)
    results = []
    with impl.SocketIO(sock, "wb") as raw:
        for _ in range(MAX_FILL_CHUNKS):
            result = raw.write(b"x" * CHUNK)
            results.append(result)
            if result is None:
                break
        assert results[-1] is None, "the send buffer never filled up"
        counts = results[:-1]
        assert all(isinstance(n, int) and 0 < n <= CHUNK for n in counts)
        sock.shutdown(_socket.SHUT_WR)
    # the counts are exactly what was sent, partial sends included
    assert len(recv_until_eof(peer)) == sum(counts)


# -- the errno test (3.10 changed e.args[0] to e.errno) -------------------------------------


class _FailingSocket:
    """A stand-in socket whose recv_into and send raise ``error``."""

    def __init__(self, error):
        self.error = error
        self.decrefs = 0

    def recv_into(self, buffer, *args):
        raise self.error

    def send(self, data, *args):
        raise self.error

    def fileno(self):
        return -1

    def _decref_socketios(self):
        self.decrefs += 1


def _errno_only():
    exc = OSError("crafted")  # args[0] is not an errno ...
    exc.errno = errno.EAGAIN  # ... but errno says EAGAIN
    return exc


def _args_only():
    return OSError(errno.EAGAIN)  # args[0] is EAGAIN, errno is None


def _call(raw, operation):
    if operation == "readinto":
        return raw.readinto(bytearray(4))
    return raw.write(b"data")


@spec("SocketIO.readinto", "SocketIO.write", since="3.10")
@pytest.mark.parametrize("operation", ["readinto", "write"])
def test_socketio_eagain_is_read_from_errno(impl, operation):
    with impl.SocketIO(_FailingSocket(_errno_only()), "rwb") as raw:
        assert _call(raw, operation) is None
    error = _args_only()
    with impl.SocketIO(_FailingSocket(error), "rwb") as raw:
        with pytest.raises(OSError) as excinfo:
            _call(raw, operation)
    assert excinfo.value is error


@spec("SocketIO.readinto", "SocketIO.write", before="3.10")
@pytest.mark.parametrize("operation", ["readinto", "write"])
def test_socketio_eagain_is_read_from_args(impl, operation):
    with impl.SocketIO(_FailingSocket(_args_only()), "rwb") as raw:
        assert _call(raw, operation) is None
    error = _errno_only()
    with impl.SocketIO(_FailingSocket(error), "rwb") as raw:
        with pytest.raises(OSError) as excinfo:
            _call(raw, operation)
    assert excinfo.value is error


# -- state before and after close ---------------------------------------------------------


@spec("SocketIO.fileno", "SocketIO.name", "SocketIO.seekable", needs=["af_unix"])
def test_socketio_open_state(impl, unix):
    sock, _peer = unix
    with impl.SocketIO(sock, "rwb") as raw:
        assert raw.closed is False
        assert raw.fileno() == sock.fileno()
        assert raw.name == sock.fileno()
        assert raw.seekable() is False
        assert raw.isatty() is False


@spec("SocketIO.seek", "SocketIO.tell", needs=["af_unix"])
@pytest.mark.parametrize("operation", ["seek", "tell"])
def test_socketio_cannot_seek(impl, unix, operation):
    sock, _peer = unix
    with impl.SocketIO(sock, "rb") as raw:
        with pytest.raises(io.UnsupportedOperation):
            if operation == "seek":
                raw.seek(0)
            else:
                raw.tell()


@spec("SocketIO.readable", "SocketIO.writable", "SocketIO.seekable", needs=["af_unix"])
@pytest.mark.parametrize("query", ["readable", "writable", "seekable"])
def test_socketio_closed_queries_raise(impl, unix, query):
    sock, _peer = unix
    raw = impl.SocketIO(sock, "rwb")
    raw.close()
    with pytest.raises(ValueError) as excinfo:
        getattr(raw, query)()
    assert str(excinfo.value) == "I/O operation on closed socket."


@spec("SocketIO.fileno", "SocketIO.name", needs=["af_unix"])
def test_socketio_closed_fileno_and_name(impl, unix):
    sock, _peer = unix
    raw = impl.SocketIO(sock, "rb")
    raw.close()
    assert raw.closed is True
    with pytest.raises(ValueError) as excinfo:
        raw.fileno()
    assert str(excinfo.value) == "I/O operation on closed file."
    assert raw.name == -1
    assert raw.mode == "rb"


@spec("SocketIO.readinto", "SocketIO.write", needs=["af_unix"])
@pytest.mark.parametrize("operation", ["readinto", "write"])
def test_socketio_closed_io_raises_value_error(impl, unix, operation):
    sock, peer = unix
    raw = impl.SocketIO(sock, "rwb")
    raw.close()
    peer.sendall(b"unread")
    with pytest.raises(ValueError) as info:
        if operation == "readinto":
            raw.readinto(bytearray(4))
        else:
            raw.write(b"x")
    # the closed check of io comes first, before the mode's own check (which says "socket")
    assert str(info.value) == "I/O operation on closed file."
    assert sock.recv(6) == b"unread"


# -- close and io references --------------------------------------------------------------


@spec("SocketIO.close", "socket._decref_socketios", needs=["af_unix"])
def test_socketio_close_releases_closed_socket(impl, unix):
    sock, _peer = unix
    fd = sock.fileno()
    raw = sock.makefile("rb", buffering=0)
    peers.released_by_last(fd, sock.close, raw.close)


@spec("SocketIO.close", needs=["af_unix"])
@pytest.mark.parametrize("buffering", [0, None], ids=["raw", "buffered"])
def test_socketio_close_lets_go_of_the_socket(impl, buffering):
    # A closed SocketIO, still referenced itself, no longer keeps its socket alive.
    end, peer = peers.raw_unix_pair()
    with contextlib.closing(peer):
        sock = impl.socket(_socket.AF_UNIX, _socket.SOCK_STREAM, 0, end.detach())
        f = sock.makefile("rb", buffering=buffering)
        alive = weakref.ref(sock)
        sock.close()
        f.close()
        del sock
        assert alive() is None
        assert f.closed


@spec("SocketIO.close", "socket._decref_socketios", needs=["af_unix"])
def test_socketio_close_is_idempotent(impl, unix):
    sock, _peer = unix
    fd = sock.fileno()
    first = sock.makefile("rb", buffering=0)
    second = sock.makefile("wb", buffering=0)
    sock.close()
    first.close()
    first.close()  # must not give back a second reference
    assert first.closed
    assert fd_is_open(fd)
    second.close()
    assert not fd_is_open(fd)


@spec("SocketIO.close", "socket._decref_socketios", needs=["af_unix"])
def test_socketio_io_references_never_go_negative(impl, unix):
    sock, _peer = unix
    fd = sock.fileno()
    impl.SocketIO(sock, "rb").close()  # gives back a reference it never took
    f = sock.makefile("rb")
    sock.close()
    assert fd_is_open(fd)
    f.close()
    assert not fd_is_open(fd)
