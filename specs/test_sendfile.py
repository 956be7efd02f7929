"""socket.sendfile(): the os.sendfile() path, the send() fallback and the checks they share.

The os.sendfile() path is taken with a real binary file (``needs=["os_sendfile"]``). The send()
fallback is forced without naming the implementation's private helpers: the source is a file
object without a usable descriptor (``io.BytesIO`` or a reader whose ``fileno()`` raises
``io.UnsupportedOperation``), so the implementation has to give up on os.sendfile().
The peer is a ``_socket`` socket that reads until EOF once the spec shut the socket down.
"""

from __future__ import annotations

import _socket
import errno
import inspect
import io
import os
import select
import struct
import threading

import pytest

from fixtures import peers
from harness.model.spec import case, spec

#: Timeout used by the specs in which the peer never reads.
SHORT_TIMEOUT = 0.02
#: Large enough to fill the (shrunk) socket buffers many times over.
BIG = 1 << 20


# -- helpers ----------------------------------------------------------------------------------


def _data(size: int) -> bytes:
    return os.urandom(size)


class _NoFilenoReader:
    """A binary reader over bytes whose ``fileno()`` raises ``io.UnsupportedOperation``."""

    def __init__(self, data: bytes, mode: str = "rb"):
        self.mode = mode
        self._buffer = io.BytesIO(data)

    def fileno(self):
        raise io.UnsupportedOperation("fileno")

    def read(self, size=-1):
        return self._buffer.read(size)

    def seek(self, pos, whence=0):
        return self._buffer.seek(pos, whence)

    def tell(self):
        return self._buffer.tell()

    def close(self):
        self._buffer.close()


class _MisleadingReader(_NoFilenoReader):
    """Reads ``data`` but hands out ``fd`` (not readable) as its descriptor."""

    def __init__(self, data: bytes, fd: int):
        super().__init__(data)
        self._fd = fd

    def fileno(self):
        return self._fd


class _PlainReader:
    """A reader over bytes with ``read``, ``seek`` and ``tell`` only: no ``fileno``, no ``mode``."""

    def __init__(self, data: bytes):
        self._buffer = io.BytesIO(data)

    def read(self, size=-1):
        return self._buffer.read(size)

    def seek(self, pos, whence=0):
        return self._buffer.seek(pos, whence)

    def tell(self):
        return self._buffer.tell()


#: How the send() fallback is forced: sources without a usable descriptor.
FALLBACK_SOURCES = {
    "bytesio": io.BytesIO,
    "no_fileno": _NoFilenoReader,
    "no_fileno_attribute": _PlainReader,
}


def _send_and_collect(sock, peer, action, read_after=None):
    """Run ``action()`` while the peer reads; shut ``sock`` down; return (result, received).

    With ``read_after`` (an event), the peer starts reading only once it is set (or once
    ``action()`` has ended, whatever happened)."""
    received = {}

    def reader():
        try:
            if read_after is not None:
                read_after.wait(peers.PEER_TIMEOUT)
            received["data"] = peers.recv_until_eof(peer)
        except BaseException as exc:
            received["error"] = exc

    thread = threading.Thread(target=reader, name="sendfile-peer-reader", daemon=True)
    thread.start()
    try:
        result = action()
    finally:
        if read_after is not None:
            read_after.set()
        try:
            sock.shutdown(_socket.SHUT_WR)
        finally:
            thread.join(peers.PEER_TIMEOUT + 1)
    if "error" in received:
        raise received["error"]
    return result, received["data"]


def _peer_got(sock, peer) -> bytes:
    """Shut ``sock`` down for writing and return everything the peer receives."""
    sock.shutdown(_socket.SHUT_WR)
    return peers.recv_until_eof(peer)


@pytest.fixture
def small_buffer_pair(impl):
    """(implementation socket, ``_socket`` peer) over loopback TCP with shrunk buffers.

    The peer does not read unless the spec makes it, so a sender fills the buffers after a few
    kilobytes.
    """
    listener = peers.raw_socket()
    sock = None
    try:
        listener.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF, 4096)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        sock = impl.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF, 4096)
        sock.settimeout(peers.PEER_TIMEOUT)
        sock.connect(listener.getsockname())
        sock.settimeout(None)
        fd, _addr = listener._accept()
        peer = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM, 0, fd)
        peer.settimeout(peers.PEER_TIMEOUT)
    except BaseException:
        if sock is not None:
            sock.close()
        raise
    finally:
        listener.close()
    yield sock, peer
    sock.close()
    peer.close()


# -- the os.sendfile() path -------------------------------------------------------------------


@spec("socket.sendfile", needs=["os_sendfile"])
@pytest.mark.parametrize(
    "timeout, size",
    [case(None, 200_000, id="blocking"), case(peers.PEER_TIMEOUT, 300_000, id="timeout")],
)
def test_sendfile_os_sends_whole_file(impl, tcp_pair, payload_file, timeout, size):
    sock, peer = tcp_pair
    sock.settimeout(timeout)
    data = _data(size)
    with open(payload_file(data), "rb") as f:
        sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f))
    assert sent == len(data)
    assert received == data


@spec("socket.sendfile", needs=["os_sendfile"])
@pytest.mark.parametrize(
    "offset, count",
    [(1000, None), (0, 1234), (100, 500), (0, 3000 + 50_000), (2990, 100)],
    ids=["offset", "count", "offset_and_count", "count_beyond_eof", "offset_and_count_past_eof"],
)
def test_sendfile_os_sends_the_requested_range(impl, tcp_pair, payload_file, offset, count):
    sock, peer = tcp_pair
    data = _data(3000)
    expected = data[offset:] if count is None else data[offset:offset + count]
    with open(payload_file(data), "rb") as f:
        sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f, offset, count))
    assert sent == len(expected)
    assert received == expected


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_offset_beyond_eof_sends_nothing(impl, tcp_pair, payload_file):
    sock, peer = tcp_pair
    with open(payload_file(_data(100)), "rb") as f:
        sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f, 500))
        position = f.tell()
    assert sent == 0
    assert received == b""
    assert position == 0  # nothing sent: the file is not seeked


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_empty_file_returns_zero(impl, tcp_pair, payload_file):
    sock, peer = tcp_pair
    with open(payload_file(b""), "rb") as f:
        sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f))
    assert sent == 0
    assert received == b""


@spec("socket.sendfile", needs=["os_sendfile"])
@pytest.mark.parametrize(
    "offset, count", [(100, None), (100, 500)], ids=["offset", "offset_and_count"]
)
def test_sendfile_os_file_position_is_offset_plus_sent(impl, tcp_pair, payload_file, offset,
                                                       count):
    sock, peer = tcp_pair
    with open(payload_file(_data(2000)), "rb") as f:
        sent, _received = _send_and_collect(sock, peer, lambda: sock.sendfile(f, offset, count))
        assert sent == (2000 - offset if count is None else count)
        assert f.tell() == offset + sent


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_offset_ignores_current_file_position(impl, tcp_pair, payload_file):
    sock, peer = tcp_pair
    data = _data(1000)
    with open(payload_file(data), "rb") as f:
        f.seek(600)
        sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f))
        position = f.tell()
    assert sent == len(data)
    assert received == data
    assert position == len(data)


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_timeout_raises_timeout(impl, small_buffer_pair, payload_file):
    sock, peer = small_buffer_pair
    sock.settimeout(SHORT_TIMEOUT)
    with open(payload_file(_data(BIG)), "rb") as f:
        with pytest.raises(impl.timeout) as info:
            sock.sendfile(f)
    assert str(info.value) == "timed out"


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_file_position_after_timeout_counts_bytes_sent(impl, small_buffer_pair,
                                                                  payload_file):
    sock, peer = small_buffer_pair
    sock.settimeout(SHORT_TIMEOUT)
    data = _data(BIG)
    offset = 777
    with open(payload_file(data), "rb") as f:
        with pytest.raises(impl.timeout):
            sock.sendfile(f, offset)
        position = f.tell()
    received = _peer_got(sock, peer)
    assert 0 < len(received) < len(data) - offset
    assert received == data[offset:offset + len(received)]
    assert position == offset + len(received)


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_refuses_non_blocking_socket(impl, tcp_pair, payload_file):
    sock, peer = tcp_pair
    sock.setblocking(False)
    with open(payload_file(_data(100)), "rb") as f:
        with pytest.raises(ValueError, match="^non-blocking sockets are not supported$"):
            sock.sendfile(f, 10)
        position = f.tell()
    assert position == 0
    assert _peer_got(sock, peer) == b""


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_empty_file_returns_zero_before_non_blocking_check(impl, tcp_pair,
                                                                      payload_file):
    sock, peer = tcp_pair
    sock.setblocking(False)
    with open(payload_file(b""), "rb") as f:
        assert sock.sendfile(f) == 0
    assert _peer_got(sock, peer) == b""


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_empty_file_still_validates_count(impl, tcp_pair, payload_file):
    sock, _peer = tcp_pair
    with open(payload_file(b""), "rb") as f:
        with pytest.raises(ValueError, match=r"^count must be a positive integer \(got 0\)$"):
            sock.sendfile(f, 0, 0)


@spec("socket.sendfile", needs=["os_sendfile"], platforms=["linux"])
def test_sendfile_os_pipe_sends_nothing(impl, tcp_pair):
    # gh-93300: a pipe reports st_size == 0, so nothing is sent and the data stays queued.
    sock, peer = tcp_pair
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, b"queued in the pipe")
    finally:
        os.close(write_fd)  # so that reading the pipe would end, not block
    with open(read_fd, "rb", buffering=0) as f:
        sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f))
        left = f.read()
    assert sent == 0
    assert received == b""
    assert left == b"queued in the pipe"


@spec("socket.sendfile", needs=["os_sendfile"], platforms=["linux"])
def test_sendfile_os_proc_file_sends_nothing(impl, tcp_pair):
    # gh-93300: /proc files report st_size == 0 although reading them gives data.
    sock, peer = tcp_pair
    with open("/proc/self/stat", "rb") as f:
        sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f))
        content = f.read()
    assert sent == 0
    assert received == b""
    assert content != b""


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_error_before_first_byte_falls_back_to_send(impl, tcp_pair, payload_file):
    # The descriptor is not open for reading: os.sendfile() fails before sending anything,
    # and the data then comes from the object's read().
    sock, peer = tcp_pair
    path = payload_file(b"bytes on disk that must not be sent")
    fd = os.open(str(path), os.O_WRONLY)
    try:
        source = _MisleadingReader(b"bytes from read()", fd)
        sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(source))
    finally:
        os.close(fd)
    assert sent == len(b"bytes from read()")
    assert received == b"bytes from read()"


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_unusable_descriptor_falls_back_to_send(impl, tcp_pair):
    # fileno() names a descriptor that is not open: fstat() fails, so os.sendfile() is
    # given up before it starts and the data comes from the object's read().
    sock, peer = tcp_pair
    read_end, write_end = os.pipe()
    os.close(read_end)
    os.close(write_end)
    source = _MisleadingReader(b"bytes from read()", read_end)
    sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(source))
    assert sent == len(b"bytes from read()")
    assert received == b"bytes from read()"


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_closed_socket_raises_value_error(impl, payload_file):
    sock = impl.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    sock.close()
    with open(payload_file(b"data"), "rb") as f:
        with pytest.raises(ValueError, match="^Invalid file descriptor: -1$"):
            sock.sendfile(f)
        assert f.tell() == 0


# -- the send() fallback ----------------------------------------------------------------------


@spec("socket.sendfile")
@pytest.mark.parametrize("source", sorted(FALLBACK_SOURCES))
def test_sendfile_send_whole_source(impl, tcp_pair, source):
    sock, peer = tcp_pair
    data = _data(100_000)  # many 8192-byte blocks
    f = FALLBACK_SOURCES[source](data)
    sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f))
    assert sent == len(data)
    assert received == data


@spec("socket.sendfile")
@pytest.mark.parametrize(
    "offset, count",
    [(1000, None), (0, 20_000), (100, 500), (0, 30_000 + 50_000), (29_990, 100)],
    ids=["offset", "count", "offset_and_count", "count_beyond_eof", "offset_and_count_past_eof"],
)
def test_sendfile_send_sends_the_requested_range(impl, tcp_pair, offset, count):
    sock, peer = tcp_pair
    data = _data(30_000)
    expected = data[offset:] if count is None else data[offset:offset + count]
    f = io.BytesIO(data)
    sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f, offset, count))
    assert sent == len(expected)
    assert received == expected


@spec("socket.sendfile")
def test_sendfile_send_offset_beyond_eof_moves_position(impl, tcp_pair):
    sock, peer = tcp_pair
    f = io.BytesIO(_data(100))
    sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f, 500))
    assert sent == 0
    assert received == b""
    assert f.tell() == 500  # seeked to the offset before reading, never seeked back


@spec("socket.sendfile")
def test_sendfile_send_empty_source_returns_zero(impl, tcp_pair):
    sock, peer = tcp_pair
    f = io.BytesIO(b"")
    sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f))
    assert sent == 0
    assert received == b""


@spec("socket.sendfile")
@pytest.mark.parametrize(
    "offset, count", [(100, None), (100, 9000)], ids=["offset", "offset_and_count"]
)
def test_sendfile_send_file_position_is_offset_plus_sent(impl, tcp_pair, offset, count):
    sock, peer = tcp_pair
    f = io.BytesIO(_data(20_000))
    sent, _received = _send_and_collect(sock, peer, lambda: sock.sendfile(f, offset, count))
    assert sent == (20_000 - offset if count is None else count)
    assert f.tell() == offset + sent


@spec("socket.sendfile")
def test_sendfile_send_zero_offset_reads_from_current_position(impl, tcp_pair):
    # With offset=0 the fallback does not seek: it reads on from where the file is.
    sock, peer = tcp_pair
    data = _data(1000)
    f = io.BytesIO(data)
    f.seek(600)
    sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f))
    assert sent == 400
    assert received == data[600:]


@spec("socket.sendfile")
def test_sendfile_send_zero_offset_leaves_position_at_sent_count(impl, tcp_pair):
    # ... and afterwards seeks to offset + sent = 0 + 400, not to where it stopped reading.
    sock, peer = tcp_pair
    f = io.BytesIO(_data(1000))
    f.seek(600)
    sent, _received = _send_and_collect(sock, peer, lambda: sock.sendfile(f))
    assert sent == 400
    assert f.tell() == 400


@spec("socket.sendfile")
@pytest.mark.parametrize("source", sorted(FALLBACK_SOURCES))
def test_sendfile_send_timeout_raises_timeout(impl, small_buffer_pair, source):
    sock, peer = small_buffer_pair
    sock.settimeout(SHORT_TIMEOUT)
    f = FALLBACK_SOURCES[source](_data(BIG))
    with pytest.raises(impl.timeout) as info:
        sock.sendfile(f)
    assert str(info.value) == "timed out"


@spec("socket.sendfile")
def test_sendfile_send_file_position_after_timeout_counts_bytes_sent(impl, small_buffer_pair):
    sock, peer = small_buffer_pair
    sock.settimeout(SHORT_TIMEOUT)
    data = _data(BIG)
    offset = 777
    f = io.BytesIO(data)
    with pytest.raises(impl.timeout):
        sock.sendfile(f, offset)
    received = _peer_got(sock, peer)
    assert 0 < len(received) < len(data) - offset
    assert received == data[offset:offset + len(received)]
    assert f.tell() == offset + len(received)


@spec("socket.sendfile")
def test_sendfile_send_refuses_non_blocking_socket(impl, tcp_pair):
    sock, peer = tcp_pair
    sock.settimeout(0)
    f = _NoFilenoReader(_data(100))
    with pytest.raises(ValueError, match="^non-blocking sockets are not supported$"):
        sock.sendfile(f, 10)
    assert f.tell() == 0  # refused before seeking to the offset
    assert _peer_got(sock, peer) == b""


@spec("socket.sendfile")
def test_sendfile_send_empty_source_refused_on_non_blocking_socket(impl, tcp_pair):
    # Unlike the os.sendfile() path, the fallback checks the socket before looking at the data.
    sock, _peer = tcp_pair
    sock.setblocking(False)
    with pytest.raises(ValueError, match="^non-blocking sockets are not supported$"):
        sock.sendfile(io.BytesIO(b""))


@spec("socket.sendfile", needs=["af_unix"], platforms=["linux"])
def test_sendfile_send_seqpacket_socket_is_accepted(impl):
    # The stream check is a bit test (type & SOCK_STREAM): SOCK_SEQPACKET (5) passes it.
    a, peer = peers.raw_unix_pair(_socket.SOCK_SEQPACKET)
    try:
        sock = impl.socket(_socket.AF_UNIX, _socket.SOCK_SEQPACKET, 0, a.detach())
        with sock:
            assert sock.sendfile(io.BytesIO(b"one record")) == 10
            assert peer.recv(100) == b"one record"
    finally:
        a.close()
        peer.close()


# -- the checks both paths share --------------------------------------------------------------


def _text_source(kind, payload_file):
    if kind == "text_file":
        return open(payload_file(b"text"), encoding="ascii")
    if kind == "write_text_file":
        return open(payload_file(b""), "w", encoding="ascii")
    return _NoFilenoReader(b"text", mode="r")


@spec("socket.sendfile")
@pytest.mark.parametrize("kind", ["text_file", "write_text_file", "no_fileno_text_mode"])
def test_sendfile_rejects_text_mode_file(impl, tcp_pair, payload_file, kind):
    sock, peer = tcp_pair
    f = _text_source(kind, payload_file)
    try:
        with pytest.raises(ValueError, match="^file should be opened in binary mode$"):
            sock.sendfile(f)
    finally:
        f.close()
    assert _peer_got(sock, peer) == b""


@spec("socket.sendfile")
def test_sendfile_rejects_datagram_socket(impl, payload_file):
    sock = impl.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        with open(payload_file(b"data"), "rb") as f:
            with pytest.raises(ValueError, match="^only SOCK_STREAM type sockets are supported$"):
                sock.sendfile(f)
    finally:
        sock.close()


@spec("socket.sendfile")
@pytest.mark.parametrize(
    "count, shown", [("10", "'10'"), (1.5, "1.5")], ids=["str", "float"]
)
def test_sendfile_count_of_wrong_type_raises_type_error(impl, tcp_pair, payload_file, count,
                                                        shown):
    sock, peer = tcp_pair
    with open(payload_file(b"data"), "rb") as f:
        with pytest.raises(TypeError) as info:
            sock.sendfile(f, 0, count)
    assert str(info.value) == f"count must be a positive integer (got {shown})"
    assert _peer_got(sock, peer) == b""


@spec("socket.sendfile")
@pytest.mark.parametrize("count", [0, -1, False], ids=["zero", "minus_one", "false"])
def test_sendfile_count_not_positive_raises_value_error(impl, tcp_pair, payload_file, count):
    # count=0 does not mean "everything" (gunicorn issue 2692).
    sock, peer = tcp_pair
    with open(payload_file(b"data"), "rb") as f:
        with pytest.raises(ValueError) as info:
            sock.sendfile(f, 0, count)
        assert f.tell() == 0
    assert str(info.value) == f"count must be a positive integer (got {count!r})"
    assert _peer_got(sock, peer) == b""


@spec("socket.sendfile")
def test_sendfile_checks_binary_mode_before_socket_type(impl, payload_file):
    sock = impl.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        with open(payload_file(b"text"), encoding="ascii") as f:
            with pytest.raises(ValueError, match="^file should be opened in binary mode$"):
                sock.sendfile(f)
    finally:
        sock.close()


@spec("socket.sendfile")
def test_sendfile_checks_binary_mode_before_count(impl, tcp_pair, payload_file):
    sock, _peer = tcp_pair
    with open(payload_file(b"text"), encoding="ascii") as f:
        with pytest.raises(ValueError, match="^file should be opened in binary mode$"):
            sock.sendfile(f, 0, "not a count")


@spec("socket.sendfile")
def test_sendfile_checks_socket_type_before_count(impl, payload_file):
    sock = impl.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    try:
        with open(payload_file(b"data"), "rb") as f:
            with pytest.raises(ValueError, match="^only SOCK_STREAM type sockets are supported$"):
                sock.sendfile(f, 0, 0)
    finally:
        sock.close()


@spec("socket.sendfile")
def test_sendfile_checks_count_before_non_blocking(impl, tcp_pair):
    sock, _peer = tcp_pair
    sock.setblocking(False)
    with pytest.raises(ValueError, match=r"^count must be a positive integer \(got -5\)$"):
        sock.sendfile(io.BytesIO(b"data"), 0, -5)


# -- without os.sendfile (Windows): regular files go through send() ------------------------


@spec("socket.sendfile", platforms=["win32"])
def test_sendfile_windows_regular_file_goes_through_send(impl, tcp_pair, payload_file):
    sock, peer = tcp_pair
    data = _data(50_000)
    with open(payload_file(data), "rb") as f:
        sent = _send_and_collect(sock, peer, lambda: sock.sendfile(f, 1000, 20_000))
        assert f.tell() == 21_000
    assert sent == (20_000, data[1000:21_000])


@spec("socket.sendfile", platforms=["win32"])
def test_sendfile_windows_empty_file_refused_on_non_blocking_socket(impl, tcp_pair, payload_file):
    # The send() path checks for non-blocking sockets first, even for an empty file.
    sock, _peer = tcp_pair
    sock.setblocking(False)
    with open(payload_file(b""), "rb") as f:
        with pytest.raises(ValueError) as info:
            sock.sendfile(f)
    assert str(info.value) == "non-blocking sockets are not supported"


class _RecordingReader(_NoFilenoReader):
    """A reader without a descriptor that records the size of every read()."""

    def __init__(self, data):
        super().__init__(data)
        self.sizes = []

    def read(self, size=-1):
        self.sizes.append(size)
        return super().read(size)


@spec("socket.sendfile")
@pytest.mark.parametrize(
    "count, sizes",
    [(None, [8192] * 5), (20_000, [8192, 8192, 3616]), (100, [100])],
    ids=["whole", "count", "small_count"],
)
def test_sendfile_send_reads_blocks_of_8192_bytes(impl, tcp_pair, count, sizes):
    sock, peer = tcp_pair
    f = _RecordingReader(_data(30_000))
    _send_and_collect(sock, peer, lambda: sock.sendfile(f, 0, count))
    assert f.sizes == sizes


@spec("socket.sendfile")
def test_sendfile_send_resends_the_rest_of_a_partial_send(impl, tcp_pair):
    sock, peer = tcp_pair

    class Dribbling(impl.socket):
        __slots__ = ()

        def send(self, data, flags=0):  # at most 1000 bytes per call
            return super().send(bytes(data[:1000]), flags)

    data = _data(30_000)
    with Dribbling(sock.family, sock.type, sock.proto, sock.detach()) as dribbling:
        sent, received = _send_and_collect(
            dribbling, peer, lambda: dribbling.sendfile(_NoFilenoReader(data)))
    assert sent == len(data)
    assert received == data


@spec("socket.sendfile")
def test_sendfile_send_never_sends_nothing(impl, tcp_pair):
    # the fallback hands the socket's own send() each block, then the unsent rest of it;
    # once a block has gone out whole, it reads the next one, with no empty send between
    sock, peer = tcp_pair
    sizes = []

    class Recording(impl.socket):
        __slots__ = ()

        def send(self, data, flags=0):
            sizes.append(len(data))
            return super().send(data, flags)

    data = _data(30_000)
    with Recording(sock.family, sock.type, sock.proto, sock.detach()) as recording:
        sent, received = _send_and_collect(
            recording, peer, lambda: recording.sendfile(_NoFilenoReader(data)))
    assert (sent, received) == (len(data), data)
    assert sizes and 0 not in sizes


@spec("socket.sendfile", needs=["os_sendfile"])
@pytest.mark.parametrize("count", [None, 2 ** 31], ids=["whole", "count"])
def test_sendfile_os_block_size_is_at_most_1_gib(impl, tcp_pair, tmp_path, monkeypatch, count):
    sock, _peer = tcp_pair
    # Bounded: an implementation that never calls os.sendfile would really send the 1 GiB
    # to a peer that does not read; it then times out instead of hanging.
    sock.settimeout(peers.PEER_TIMEOUT)
    path = tmp_path / "sparse.bin"
    with open(path, "wb") as f:
        f.truncate(2 ** 30 + 4096)  # sparse: no data blocks are written
    calls = []

    def fake_sendfile(out_fd, in_fd, offset, blocksize):
        calls.append(blocksize)
        return 0  # end of file at once: nothing is sent

    monkeypatch.setattr(os, "sendfile", fake_sendfile)
    with open(path, "rb") as f:
        assert sock.sendfile(f, 0, count) == 0
    assert calls == [2 ** 30]


# -- partial transfers, full buffers and errors on the way ------------------------------------


def _short_moving_sendfile(real, most):
    """os.sendfile() as a socket with little room sees it: each call moves at most ``most``
    bytes. A count of 0 sends up to end of file, as on macOS and FreeBSD."""

    def sendfile(out_fd, in_fd, offset, count):
        if count == 0:
            count = max(os.fstat(in_fd).st_size - offset, 0)
        return real(out_fd, in_fd, offset, min(count, most))

    return sendfile


@spec("socket.sendfile", needs=["os_sendfile"])
@pytest.mark.parametrize(
    "offset, count",
    [(0, 2500), (700, 2500), (300, None), (5500, 2500)],
    ids=["count", "offset_and_count", "whole", "count_past_eof"],
)
def test_sendfile_os_partial_moves_never_go_past_count(impl, tcp_pair, payload_file, monkeypatch,
                                                       offset, count):
    # gh-114077: after partial moves each os.sendfile() call asks for what is left of count,
    # never for more and never for 0 (which would mean "to end of file" on macOS and FreeBSD).
    sock, peer = tcp_pair
    data = _data(6000)
    expected = data[offset:] if count is None else data[offset:offset + count]
    monkeypatch.setattr(os, "sendfile", _short_moving_sendfile(os.sendfile, 1000))
    with open(payload_file(data), "rb") as f:
        sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f, offset, count))
        position = f.tell()
    assert sent == len(expected)
    assert received == expected
    assert position == offset + len(expected)


def _over_non_blocking_descriptor(cls, sock):
    """``sock``'s connection in a new socket of ``cls`` (the implementation's socket class or a
    subclass) whose timeout is None although its descriptor is non-blocking (as fromfd() of a
    non-blocking descriptor gives): a full send buffer makes the system calls fail with EAGAIN
    instead of waiting."""
    sock.setblocking(False)
    adopted = cls(sock.family, sock.type, sock.proto, sock.detach())
    assert adopted.gettimeout() is None
    return adopted


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_waits_for_room_on_a_non_blocking_descriptor(
        impl, small_buffer_pair, payload_file, monkeypatch, restore_default_timeout):
    # The peer reads only once os.sendfile() has failed with EAGAIN. Then sendfile() sleeps
    # until the socket can take more data, rather than calling os.sendfile() again at once,
    # and in the end the whole file arrives.
    impl.setdefaulttimeout(None)
    raw, peer = small_buffer_pair
    data = _data(BIG)
    real = os.sendfile
    refused = threading.Event()
    refusals = []  # the offsets at which os.sendfile() failed with EAGAIN
    last_refused = []  # whether the previous call failed with EAGAIN
    retries_while_full = []

    def watching(out_fd, in_fd, offset, count):
        if last_refused and not select.select([], [out_fd], [], 0)[1]:
            retries_while_full.append(offset)
        last_refused.clear()
        try:
            return real(out_fd, in_fd, offset, count)
        except BlockingIOError:
            last_refused.append(True)
            refusals.append(offset)
            refused.set()
            raise

    monkeypatch.setattr(os, "sendfile", watching)
    with _over_non_blocking_descriptor(impl.socket, raw) as sock, \
            open(payload_file(data), "rb") as f:
        sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f), refused)
    assert refusals
    assert sent == len(data)
    assert received == data
    assert retries_while_full == []


@spec("socket.sendfile")
def test_sendfile_send_retries_on_a_non_blocking_descriptor(impl, small_buffer_pair,
                                                            restore_default_timeout):
    # send() fails with BlockingIOError once the buffers are full (the peer reads only then):
    # the fallback sends the same bytes again until they go, and the whole source arrives.
    impl.setdefaulttimeout(None)
    raw, peer = small_buffer_pair
    refused = threading.Event()
    refusals = []  # the sizes of the sends that failed with EAGAIN

    class Watching(impl.socket):
        __slots__ = ()

        def send(self, data, flags=0):
            try:
                return super().send(data, flags)
            except BlockingIOError:
                refusals.append(len(data))
                refused.set()
                raise

    data = _data(BIG)
    with _over_non_blocking_descriptor(Watching, raw) as sock:
        sent, received = _send_and_collect(
            sock, peer, lambda: sock.sendfile(_NoFilenoReader(data)), refused)
    assert refusals
    assert sent == len(data)
    assert received == data


@spec("socket.sendfile", needs=["os_sendfile"])
def test_sendfile_os_error_after_bytes_went_out_propagates(impl, small_buffer_pair, payload_file):
    # The peer resets the connection once some bytes arrived: the error is raised as it is
    # (its context suppressed), not answered with the send() fallback, and the file position
    # says how far the sending got.
    sock, peer = small_buffer_pair
    got_some = threading.Event()

    def reset_after_first_bytes():
        try:
            if peer.recv(1):
                got_some.set()
        finally:
            peer.setsockopt(_socket.SOL_SOCKET, _socket.SO_LINGER, struct.pack("ii", 1, 0))
            peer.close()  # with unread data and a zero linger: a reset

    thread = threading.Thread(target=reset_after_first_bytes, name="sendfile-resetter",
                              daemon=True)
    offset = 100
    with open(payload_file(_data(BIG)), "rb") as f:
        thread.start()
        try:
            with pytest.raises(OSError) as info:
                sock.sendfile(f, offset)
        finally:
            thread.join(peers.PEER_TIMEOUT + 1)
        position = f.tell()
    assert got_some.is_set()
    assert info.value.errno in (errno.EPIPE, errno.ECONNRESET)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True
    assert offset < position < offset + BIG


class _ShortReader(_NoFilenoReader):
    """A reader without a descriptor whose read() returns at most ``most`` bytes."""

    def __init__(self, data, most):
        super().__init__(data)
        self._most = most

    def read(self, size=-1):
        return super().read(self._most if size < 0 else min(size, self._most))


class _OversizedReader(_NoFilenoReader):
    """A reader without a descriptor whose read() ignores the size and returns ``chunk`` bytes."""

    def __init__(self, data, chunk):
        super().__init__(data)
        self._chunk = chunk

    def read(self, size=-1):
        return super().read(self._chunk)


@spec("socket.sendfile")
@pytest.mark.parametrize("offset", [0, 700], ids=["count", "offset_and_count"])
def test_sendfile_send_short_reads_never_go_past_count(impl, tcp_pair, offset):
    # read() may return less than asked: the fallback then asks for what is left of count.
    sock, peer = tcp_pair
    data = _data(6000)
    f = _ShortReader(data, 1000)
    sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f, offset, 2500))
    assert sent == 2500
    assert received == data[offset:offset + 2500]
    assert f.tell() == offset + 2500


@spec("socket.sendfile")
def test_sendfile_send_stops_once_count_is_reached_or_passed(impl, tcp_pair):
    # A read() that returns more than asked: what it returned is sent whole, and sending stops
    # as soon as count bytes went out.
    sock, peer = tcp_pair
    data = _data(6000)
    f = _OversizedReader(data, 1500)
    sent, received = _send_and_collect(sock, peer, lambda: sock.sendfile(f, 0, 1000))
    assert sent == 1500
    assert received == data[:1500]
    assert f.tell() == 1500


# -- the two strategies, called directly (as ssl.SSLSocket and other subclasses do) ----------


@spec("socket._sendfile_use_sendfile", needs=["os_sendfile"])
def test_sendfile_use_sendfile_defaults_send_the_whole_file(impl, tcp_pair, payload_file):
    sock, peer = tcp_pair
    data = _data(3000)
    with open(payload_file(data), "rb") as f:
        sent, received = _send_and_collect(sock, peer, lambda: sock._sendfile_use_sendfile(f))
        position = f.tell()
    assert sent == len(data)
    assert received == data
    assert position == len(data)


@spec("socket._sendfile_use_sendfile", "socket._sendfile_use_send")
def test_sendfile_strategies_take_offset_and_count_with_their_defaults(impl):
    # Subclasses (ssl.SSLSocket among them) call the two strategies on the socket with the
    # parameters of sendfile() itself, by position or by name, and leave them out to send the
    # whole file: the same names and defaults where os.sendfile() exists and where it does not.
    empty = inspect.Parameter.empty
    with impl.socket() as sock:
        for strategy in (sock._sendfile_use_sendfile, sock._sendfile_use_send):
            parameters = inspect.signature(strategy).parameters.values()
            assert [(p.name, p.default) for p in parameters] == [
                ("file", empty), ("offset", 0), ("count", None)], strategy


@spec("socket._sendfile_use_send")
def test_sendfile_use_send_defaults_send_the_whole_source(impl, tcp_pair):
    sock, peer = tcp_pair
    data = _data(3000)
    f = io.BytesIO(data)
    sent, received = _send_and_collect(sock, peer, lambda: sock._sendfile_use_send(f))
    assert sent == len(data)
    assert received == data
    assert f.tell() == len(data)
