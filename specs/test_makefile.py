"""socket.makefile(): accepted and rejected modes, the object returned for each mode and
buffering, text options (encoding, errors, newline), reading and writing over AF_UNIX and TCP,
EOF, closed files, the io-reference protocol that keeps the descriptor open while a file made
by makefile() is open, and reads after a timeout (issue 7322)."""

from __future__ import annotations

import _socket
import codecs
import errno
import gc
import io
import locale
import os

import pytest

from fixtures import fresh
from fixtures.peers import (
    PEER_TIMEOUT,
    fd_is_open,
    recv_exactly,
    recv_until_eof,
    released_by_last,
)
from harness.model.spec import case, spec

#: A short timeout for the reads that are meant to time out.
SHORT_TIMEOUT = 0.02
#: The connections a spec that holds for both runs over: fixtures ``unix`` and ``tcp``.
FAMILIES = [case("unix", id="unix", needs=["af_unix"]), pytest.param("tcp", id="tcp")]


def _pending(peer):
    """What the raw peer can read right now without waiting (None: nothing)."""
    peer.setblocking(False)
    try:
        return peer.recv(65536)
    except BlockingIOError:
        return None
    finally:
        peer.settimeout(PEER_TIMEOUT)


def _send_eof(peer, data=b""):
    if data:
        peer.sendall(data)
    peer.shutdown(_socket.SHUT_WR)


# -- modes --------------------------------------------------------------------------------

TEXT_READER = ("text", io.BufferedReader)
TEXT_WRITER = ("text", io.BufferedWriter)
TEXT_PAIR = ("text", io.BufferedRWPair)
BIN_READER = ("binary", io.BufferedReader)
BIN_WRITER = ("binary", io.BufferedWriter)
BIN_PAIR = ("binary", io.BufferedRWPair)

#: mode -> (kind, buffer class, readable, writable, expected ``mode`` attribute or None)
ACCEPTED_MODES = {
    "": (TEXT_READER, True, False, ""),
    "r": (TEXT_READER, True, False, "r"),
    "w": (TEXT_WRITER, False, True, "w"),
    "rw": (TEXT_PAIR, True, True, "rw"),
    "wr": (TEXT_PAIR, True, True, "wr"),
    "b": (BIN_READER, True, False, "rb"),
    "rb": (BIN_READER, True, False, "rb"),
    "rbb": (BIN_READER, True, False, "rb"),
    "wb": (BIN_WRITER, False, True, "wb"),
    "bw": (BIN_WRITER, False, True, "wb"),
    "rwb": (BIN_PAIR, True, True, None),  # BufferedRWPair has no ``mode``
}


@spec("socket.makefile", needs=["af_unix"])
@pytest.mark.parametrize("mode", list(ACCEPTED_MODES), ids=lambda m: repr(m))
def test_makefile_accepted_mode_object(impl, unix, mode):
    (kind, buffer_class), readable, writable, mode_attr = ACCEPTED_MODES[mode]
    sock, _peer = unix
    f = sock.makefile(mode, encoding="utf-8") if kind == "text" else sock.makefile(mode)
    with f:
        if kind == "text":
            assert isinstance(f, io.TextIOWrapper)
            assert type(f.buffer) is buffer_class
            assert f.encoding == "utf-8"
        else:
            assert type(f) is buffer_class
        assert f.readable() is readable
        assert f.writable() is writable
        if mode_attr is not None:
            assert f.mode == mode_attr


@spec("socket.makefile", needs=["af_unix"])
@pytest.mark.parametrize("mode", ["x", "a", "r+", "rt", "rwx"])
def test_makefile_rejects_invalid_mode(impl, unix, mode):
    sock, _peer = unix
    with pytest.raises(ValueError) as excinfo:
        sock.makefile(mode)
    assert type(excinfo.value) is ValueError
    assert str(excinfo.value) == f"invalid mode {mode!r} (only r, w, b allowed)"


@spec("socket.makefile", "socket.close", needs=["af_unix"])
def test_makefile_invalid_mode_takes_no_io_reference(impl, unix):
    sock, _peer = unix
    fd = sock.fileno()
    with pytest.raises(ValueError):
        sock.makefile("rt")
    sock.close()
    assert not fd_is_open(fd)


@spec("socket.makefile", "SocketIO.mode", needs=["af_unix"])
@pytest.mark.parametrize(
    "mode, raw_mode, readable, writable",
    [("rb", "rb", True, False), ("b", "rb", True, False), ("wb", "wb", False, True),
     ("bw", "wb", False, True), ("rwb", "rwb", True, True)],
)
def test_makefile_unbuffered_returns_raw_socketio(impl, unix, mode, raw_mode, readable,
                                                  writable):
    sock, _peer = unix
    with sock.makefile(mode, buffering=0) as f:
        assert isinstance(f, impl.SocketIO)
        assert f.mode == raw_mode
        assert f.readable() is readable
        assert f.writable() is writable


@spec("socket.makefile", needs=["af_unix"])
@pytest.mark.parametrize("mode", ["r", "w", "rw"])
def test_makefile_unbuffered_text_is_rejected(impl, unix, mode):
    sock, _peer = unix
    with pytest.raises(ValueError) as excinfo:
        sock.makefile(mode, buffering=0, encoding="utf-8")
    assert str(excinfo.value) == "unbuffered streams must be binary"


@spec("socket.makefile", "socket.close", needs=["af_unix"])
def test_makefile_unbuffered_text_rejection_leaves_socket_closable(impl, unix):
    sock, _peer = unix
    fd = sock.fileno()
    with pytest.raises(ValueError) as excinfo:
        sock.makefile("r", buffering=0, encoding="utf-8")
    del excinfo
    gc.collect()  # the half-made raw object, if any, is finalised
    sock.close()
    assert not fd_is_open(fd)


# -- buffering ----------------------------------------------------------------------------


@spec("socket.makefile", needs=["af_unix"])
@pytest.mark.parametrize(
    "buffering, size",
    [(None, io.DEFAULT_BUFFER_SIZE), (-1, io.DEFAULT_BUFFER_SIZE), (-7, io.DEFAULT_BUFFER_SIZE),
     (16, 16)],
)
def test_makefile_read_buffer_size(impl, unix, buffering, size):
    sock, peer = unix
    peer.sendall(b"z" * (io.DEFAULT_BUFFER_SIZE + 100))
    with sock.makefile("rb", buffering=buffering) as f:
        # peek() fills an empty buffer with one raw read of the buffer's size
        assert len(f.peek(1)) == size


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_small_write_buffer_spills_when_full(impl, unix):
    sock, peer = unix
    with sock.makefile("wb", buffering=16) as f:
        f.write(b"x" * 10)
        assert _pending(peer) is None
        f.write(b"y" * 10)
        got = _pending(peer)
        assert got and (b"x" * 10 + b"y" * 10).startswith(got)
        f.flush()
        got += recv_exactly(peer, 20 - len(got))
    assert got == b"x" * 10 + b"y" * 10


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_unbuffered_write_sends_at_once(impl, unix):
    sock, peer = unix
    with sock.makefile("wb", buffering=0) as f:
        assert f.write(b"now") == 3
        assert recv_exactly(peer, 3) == b"now"


# -- reading ------------------------------------------------------------------------------


@spec("socket.makefile")
@pytest.mark.parametrize("family", FAMILIES)
def test_makefile_read_all_until_eof(impl, request, family):
    sock, peer = request.getfixturevalue(family)
    data = bytes(range(256)) * 100
    _send_eof(peer, data)
    with sock.makefile("rb") as f:
        assert f.read() == data
        assert f.read() == b""


@spec("socket.makefile")
def test_makefile_read_n_returns_short_only_at_eof(impl, tcp):
    sock, peer = tcp
    _send_eof(peer, b"abc")
    with sock.makefile("rb") as f:
        assert f.read(2) == b"ab"
        assert f.read(10) == b"c"
        assert f.read(10) == b""


@spec("socket.makefile")
def test_makefile_read1_returns_what_is_available(impl, tcp):
    sock, peer = tcp
    peer.sendall(b"abc")
    with sock.makefile("rb") as f:
        assert f.read1(10) == b"abc"


@spec("socket.makefile", "SocketIO.readinto")
def test_makefile_unbuffered_read_returns_what_is_available(impl, tcp):
    sock, peer = tcp
    peer.sendall(b"abc")
    with sock.makefile("rb", buffering=0) as f:
        assert f.read(10) == b"abc"


@spec("socket.makefile")
def test_makefile_readline_binary(impl, tcp):
    sock, peer = tcp
    _send_eof(peer, b"line1\nline2\n\nlast")
    with sock.makefile("rb") as f:
        assert f.readline() == b"line1\n"
        assert f.readline() == b"line2\n"
        assert f.readline() == b"\n"
        assert f.readline() == b"last"
        assert f.readline() == b""


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_readlines_binary(impl, unix):
    sock, peer = unix
    _send_eof(peer, b"a\nbb\nccc")
    with sock.makefile("rb") as f:
        assert f.readlines() == [b"a\n", b"bb\n", b"ccc"]


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_iteration_yields_lines(impl, unix):
    sock, peer = unix
    _send_eof(peer, b"one\ntwo\nthree\n")
    with sock.makefile("rb") as f:
        assert list(f) == [b"one\n", b"two\n", b"three\n"]


@spec("socket.makefile", "SocketIO.readinto", needs=["af_unix"])
def test_makefile_readinto_fills_buffer(impl, unix):
    sock, peer = unix
    _send_eof(peer, b"hello")
    buf = bytearray(8)
    with sock.makefile("rb") as f:
        assert f.readinto(buf) == 5
        assert bytes(buf[:5]) == b"hello"
        assert f.readinto(buf) == 0


@spec("socket.makefile", "SocketIO.readinto", needs=["af_unix"])
def test_makefile_eof_after_peer_shutdown(impl, unix):
    sock, peer = unix
    peer.shutdown(_socket.SHUT_WR)
    with sock.makefile("rb") as f:
        assert f.read(1) == b""
        assert f.readline() == b""
        assert f.read() == b""


@spec("socket.makefile", "SocketIO.readinto")
def test_makefile_eof_after_peer_close(impl, tcp):
    sock, peer = tcp
    peer.sendall(b"tail")
    peer.close()
    with sock.makefile("rb") as f:
        assert f.read() == b"tail"
        assert f.read(1) == b""


@spec("socket.makefile", "SocketIO.readinto", needs=["af_unix"])
def test_makefile_nonblocking_read_returns_none(impl, unix):
    sock, _peer = unix
    sock.setblocking(False)
    with sock.makefile("rb") as f:
        assert f.read(4) is None


@spec("socket.makefile", needs=["af_unix"])
@pytest.mark.parametrize("mode, operation", [("rb", "write"), ("wb", "read")])
def test_makefile_one_way_file_rejects_other_direction(impl, unix, mode, operation):
    sock, _peer = unix
    with sock.makefile(mode) as f:
        with pytest.raises(io.UnsupportedOperation):
            if operation == "write":
                f.write(b"x")
            else:
                f.read(1)


# -- writing ------------------------------------------------------------------------------


@spec("socket.makefile", needs=["af_unix"])
@pytest.mark.parametrize("mode, options, written, sent", [
    pytest.param("wb", {}, b"buffered", b"buffered", id="binary"),
    pytest.param("w", {"encoding": "utf-8", "newline": "\n"}, "caf\u00e9\n", b"caf\xc3\xa9\n",
                 id="text"),
])
def test_makefile_write_reaches_peer_only_after_flush(impl, unix, mode, options, written, sent):
    sock, peer = unix
    with sock.makefile(mode, **options) as f:
        assert f.write(written) == len(written)
        assert _pending(peer) is None
        f.flush()
        assert recv_exactly(peer, len(sent)) == sent


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_close_flushes_pending_writes(impl, unix):
    sock, peer = unix
    f = sock.makefile("wb")
    f.write(b"bye")
    f.close()
    assert recv_exactly(peer, 3) == b"bye"


@spec("socket.makefile")
def test_makefile_write_large_tcp(impl, tcp):
    sock, peer = tcp
    data = bytes(range(256)) * 400  # 100 KiB: larger than the write buffer
    with sock.makefile("wb") as f:
        f.write(data)
        f.flush()
    sock.shutdown(_socket.SHUT_WR)
    assert recv_until_eof(peer) == data


@spec("socket.makefile")
@pytest.mark.parametrize("family", FAMILIES)
def test_makefile_rwb_round_trip(impl, request, family):
    sock, peer = request.getfixturevalue(family)
    with sock.makefile("rwb") as f:
        f.write(b"ping\n")
        f.flush()
        assert recv_exactly(peer, 5) == b"ping\n"
        peer.sendall(b"pong\n")
        assert f.readline() == b"pong\n"


# -- text ---------------------------------------------------------------------------------


@spec("socket.makefile", needs=["af_unix"])
@pytest.mark.parametrize(
    "newline, lines",
    [(None, ["a\n", "b\n", "c\n"]), ("", ["a\r\n", "b\r", "c\n"]), ("\n", ["a\r\n", "b\rc\n"])],
    ids=["none", "empty", "lf"],
)
def test_makefile_text_newline_on_read(impl, unix, newline, lines):
    sock, peer = unix
    _send_eof(peer, b"a\r\nb\rc\n")
    with sock.makefile("r", encoding="ascii", newline=newline) as f:
        assert f.readlines() == lines


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_text_newline_crlf_on_write(impl, unix):
    sock, peer = unix
    with sock.makefile("w", encoding="ascii", newline="\r\n") as f:
        f.write("a\nb\n")
    assert recv_exactly(peer, 6) == b"a\r\nb\r\n"


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_text_errors_replace(impl, unix):
    sock, peer = unix
    _send_eof(peer, b"ok\xff\n")
    with sock.makefile("r", encoding="utf-8", errors="replace") as f:
        assert f.readline() == "ok\ufffd\n"


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_text_errors_strict_by_default(impl, unix):
    sock, peer = unix
    _send_eof(peer, b"ok\xff\n")
    with sock.makefile("r", encoding="utf-8") as f:
        with pytest.raises(UnicodeDecodeError):
            f.read()


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_text_latin1_round_trip(impl, unix):
    sock, peer = unix
    with sock.makefile("rw", encoding="latin-1", newline="") as f:
        f.write("caf\u00e9")
        f.flush()
        assert recv_exactly(peer, 4) == b"caf\xe9"
        _send_eof(peer, b"na\xefve")
        assert f.read() == "na\u00efve"


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_text_default_encoding_is_locale(impl, unix):
    sock, _peer = unix
    expected = codecs.lookup(locale.getpreferredencoding(False)).name
    with sock.makefile("r") as f:
        assert codecs.lookup(f.encoding).name == expected


# PEP 597 (3.10): under -X warn_default_encoding, makefile() without an encoding warns, and the
# warning points at the code that called makefile(), not into the socket module. Only a new
# interpreter has the option (fixtures.fresh).
_DEFAULT_ENCODING_WARNING = r"""
import _socket, warnings
a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
sock = module.socket(fileno=a.detach())
seen = []
for mode in ("r", "w", "rb"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sock.makefile(mode).close()
    seen.append((mode, [(w.category.__name__, w.filename) for w in caught]))
sock.close()
b.close()
print(repr(seen))
"""


@spec("socket.makefile", since="3.10", needs=["af_unix", "encoding_warning"], personas=["native"])
def test_makefile_default_encoding_warning_points_at_the_caller(impl):
    seen = fresh.run(impl, _DEFAULT_ENCODING_WARNING, options=["-X", "warn_default_encoding"])
    warned = [("EncodingWarning", "<string>")]
    assert seen == [("r", warned), ("w", warned), ("rb", [])]


# -- attributes ---------------------------------------------------------------------------


@spec("socket.makefile", "SocketIO.name", needs=["af_unix"])
@pytest.mark.parametrize("mode", ["rb", "wb", "r"])
def test_makefile_name_is_fileno(impl, unix, mode):
    sock, _peer = unix
    with sock.makefile(mode, encoding=None if "b" in mode else "utf-8") as f:
        assert f.name == sock.fileno()
        assert f.fileno() == sock.fileno()


@spec("socket.makefile", "SocketIO.name", needs=["af_unix"])
def test_makefile_name_after_close_is_minus_one(impl, unix):
    sock, _peer = unix
    f = sock.makefile("rb")
    f.close()
    assert f.closed
    assert f.name == -1


# -- closed files -------------------------------------------------------------------------


@spec("socket.makefile", needs=["af_unix"])
@pytest.mark.parametrize("mode", ["rb", "r", "wb", "rb0"])
def test_makefile_io_after_file_close_raises_value_error(impl, unix, mode):
    sock, _peer = unix
    if mode == "rb0":
        f = sock.makefile("rb", buffering=0)
    else:
        f = sock.makefile(mode, encoding=None if "b" in mode else "utf-8")
    f.close()
    with pytest.raises(ValueError):
        if "w" in mode:
            f.write(b"x")
        else:
            f.read(1)
    assert f.closed


@spec("socket.makefile", "SocketIO.close", "socket._decref_socketios")
@pytest.mark.parametrize(
    "family, buffering",
    [case("unix", None, id="unix", needs=["af_unix"]), pytest.param("tcp", None, id="tcp"),
     case("unix", 0, id="unix-unbuffered", needs=["af_unix"])],
)
def test_makefile_file_close_leaves_socket_open(impl, request, family, buffering):
    sock, peer = request.getfixturevalue(family)
    fd = sock.fileno()
    sock.makefile("wb" if buffering == 0 else "rb", buffering=buffering).close()
    assert sock._io_refs == 0
    assert sock._closed is False
    assert fd_is_open(fd)
    assert sock.fileno() == fd
    sock.sendall(b"still")
    assert recv_exactly(peer, 5) == b"still"


# -- io references --------------------------------------------------------------------------


@spec("socket.makefile", "socket.close", "socket._decref_socketios", needs=["af_unix"])
def test_makefile_descriptor_survives_socket_close(impl, unix):
    sock, _peer = unix
    fd = sock.fileno()
    f = sock.makefile("rb")
    sock.close()
    assert fd_is_open(fd)
    f.close()
    assert not fd_is_open(fd)


@spec("socket.makefile", "socket.close")
@pytest.mark.parametrize("family", FAMILIES)
def test_makefile_file_usable_after_socket_close(impl, request, family):
    sock, peer = request.getfixturevalue(family)
    f = sock.makefile("rwb")
    try:
        sock.close()
        f.write(b"out")
        f.flush()
        assert recv_exactly(peer, 3) == b"out"
        peer.sendall(b"in\n")
        assert f.readline() == b"in\n"
    finally:
        f.close()
    assert peer.recv(16) == b""


@spec("socket.makefile", "socket.close", "socket._decref_socketios", needs=["af_unix"])
def test_makefile_descriptor_released_by_last_file(impl, unix):
    sock, _peer = unix
    fd = sock.fileno()
    first = sock.makefile("rb")
    second = sock.makefile("w", encoding="utf-8")
    released_by_last(fd, sock.close, first.close, second.close)


@spec("socket.makefile", "socket.close", needs=["af_unix"])
def test_makefile_socket_closes_normally_after_files(impl, unix):
    sock, _peer = unix
    fd = sock.fileno()
    released_by_last(
        fd,
        lambda: sock.makefile("rb").close(),
        lambda: sock.makefile("wb", buffering=0).close(),
        sock.close,
    )


@spec("socket.makefile", "socket.__repr__", needs=["af_unix"])
def test_makefile_socket_repr_closed_keeps_real_fd(impl, unix):
    sock, _peer = unix
    fd = sock.fileno()
    assert "[closed]" not in repr(sock)
    f = sock.makefile("rb")
    try:
        sock.close()
        text = repr(sock)
        assert " [closed] " in text
        assert f" fd={fd}," in text
    finally:
        f.close()
    text = repr(sock)
    assert " [closed] " in text
    assert " fd=-1," in text


@spec("socket.makefile", needs=["af_unix"])
def test_makefile_on_closed_socket_is_not_checked(impl, unix):
    sock, _peer = unix
    sock.close()
    f = sock.makefile("rb")
    try:
        assert f.name == -1
        with pytest.raises(OSError) as excinfo:
            f.read(1)
        assert excinfo.value.errno == errno.EBADF
    finally:
        f.close()


@spec("socket.makefile", "socket.detach", needs=["af_unix"])
def test_makefile_file_after_detach(impl, unix):
    sock, _peer = unix
    f = sock.makefile("rb")
    fd = sock.detach()
    try:
        assert f.fileno() == -1
        f.close()
        assert fd_is_open(fd)  # the detached descriptor belongs to the caller now
    finally:
        f.close()
        if fd_is_open(fd):
            os.close(fd)


# -- timeouts -------------------------------------------------------------------------------


@spec("socket.makefile", "SocketIO.readinto", needs=["af_unix"])
def test_makefile_read_timeout_raises_timeout(impl, unix):
    sock, _peer = unix
    sock.settimeout(SHORT_TIMEOUT)
    with sock.makefile("rb") as f:
        with pytest.raises(impl.timeout) as excinfo:
            f.read(4)
    assert str(excinfo.value) == "timed out"


@spec("socket.makefile", "SocketIO.readinto", since="3.10",
      needs=["af_unix", "timeout_is_timeouterror"])
def test_makefile_read_timeout_is_timeout_error(impl, unix):
    sock, _peer = unix
    sock.settimeout(SHORT_TIMEOUT)
    with sock.makefile("rb") as f:
        with pytest.raises(TimeoutError):
            f.readline()


@spec("socket.makefile", "SocketIO.readinto", needs=["af_unix"])
def test_makefile_read_after_timeout_fails(impl, unix):
    sock, peer = unix
    sock.settimeout(SHORT_TIMEOUT)
    with sock.makefile("rb") as f:
        with pytest.raises(impl.timeout):
            f.read(4)
        peer.sendall(b"late")  # issue 7322: data arriving later must not be read
        with pytest.raises(OSError) as excinfo:
            f.read(4)
        assert not isinstance(excinfo.value, impl.timeout)
        assert str(excinfo.value) == "cannot read from timed out object"


@spec("socket.makefile", "SocketIO.readinto", needs=["af_unix"])
def test_makefile_new_file_reads_after_timeout(impl, unix):
    sock, peer = unix
    sock.settimeout(SHORT_TIMEOUT)
    with sock.makefile("rb") as f:
        with pytest.raises(impl.timeout):
            f.read(4)
    peer.sendall(b"late")
    sock.settimeout(PEER_TIMEOUT)
    with sock.makefile("rb") as f:
        assert f.read(4) == b"late"
