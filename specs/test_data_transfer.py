"""send, sendall, sendto, recv, recv_into, recvfrom and recvfrom_into, as a program sees them.

Each scenario runs on the kinds of socket it applies to: TCP, UDP, AF_UNIX stream, datagram and
seqpacket. The implementation's socket is one end; the other end is a ``_socket`` peer, so what
the peer receives (or what it sent) is the ground truth. A case that needs a host capability
(AF_UNIX datagram, seqpacket, IPv6) carries it on its own parameter.
"""

import _socket
import array
import errno
import os
import struct
import threading
import time
from contextlib import closing, contextmanager

import pytest

from fixtures.peers import (
    PEER_TIMEOUT,
    WRITABLE_BUFFER_KINDS,
    raw_unix_pair,
    recv_exactly,
    writable_buffer,
)
from harness.model.spec import spec

#: Host capabilities each kind of socket needs.
KIND_NEEDS = {
    "tcp": (),
    "udp": (),
    "unix_stream": ("af_unix",),
    "unix_dgram": ("af_unix_dgram",),
    "unix_seqpacket": ("af_unix_seqpacket",),
}
ALL_KINDS = tuple(KIND_NEEDS)
STREAMS = ("tcp", "unix_stream")
CONNECTED = ("tcp", "unix_stream", "unix_seqpacket")
DATAGRAMS = ("udp", "unix_dgram")
MESSAGES = ("udp", "unix_dgram", "unix_seqpacket")

RECV_CALLS = ("recv", "recv_into", "recvfrom", "recvfrom_into")
INTO_CALLS = ("recv_into", "recvfrom_into")

#: Bound on a call that must return at once: past it the peer sends a byte so that a call that
#: waits wrongly returns, and the spec fails on what it returned instead of hanging.
STUCK_AFTER = 1.0


def over_kinds(kinds, *elements, needs=(), **conditions):
    """Parametrize ``kind`` over ``kinds``; each case carries its own spec metadata (its needs)."""
    return pytest.mark.parametrize(
        "kind",
        [
            pytest.param(
                k, id=k, marks=spec(*elements, needs=[*needs, *KIND_NEEDS[k]], **conditions)
            )
            for k in kinds
        ],
    )


def over_calls(calls, *elements, kind="tcp", needs=(), **conditions):
    """Parametrize ``call`` over receive or send calls; each case covers its own element."""
    return pytest.mark.parametrize(
        "call",
        [
            pytest.param(
                c,
                id=c,
                marks=spec(
                    f"socket.{c}", *elements, needs=[*needs, *KIND_NEEDS[kind]], **conditions
                ),
            )
            for c in calls
        ],
    )


# -- building the two ends ------------------------------------------------------------------


def _close_all(*objects):
    for obj in objects:
        if obj is not None:
            try:
                obj.close()
            except Exception:
                pass


def _tcp(impl):
    listener = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    sock = peer = None
    try:
        listener.settimeout(PEER_TIMEOUT)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        sock = impl.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        sock.settimeout(PEER_TIMEOUT)
        sock.connect(listener.getsockname())
        sock.settimeout(None)
        fd, _addr = listener._accept()
        peer = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM, 0, fd)
        peer.settimeout(PEER_TIMEOUT)
    except BaseException:
        _close_all(sock, peer)
        raise
    finally:
        listener.close()
    return sock, peer


def _udp(impl, family=_socket.AF_INET, host="127.0.0.1"):
    sock = peer = None
    try:
        peer = _socket.socket(family, _socket.SOCK_DGRAM)
        peer.settimeout(PEER_TIMEOUT)
        peer.bind((host, 0))
        sock = impl.socket(family, _socket.SOCK_DGRAM)
        sock.bind((host, 0))
        sock.connect(peer.getsockname())
        peer.connect(sock.getsockname())
    except BaseException:
        _close_all(sock, peer)
        raise
    return sock, peer


def _unix(impl, kind):
    a, peer = raw_unix_pair(kind)
    try:
        sock = impl.socket(_socket.AF_UNIX, kind, 0, a.detach())
    except BaseException:
        _close_all(a, peer)
        raise
    return sock, peer


def connected_pair(impl, kind, timeout=PEER_TIMEOUT):
    """(implementation socket, ``_socket`` peer), connected to each other. The implementation
    socket has ``timeout`` (by default the peers' bound, so that a read that wrongly finds
    nothing fails instead of hanging); the peer has PEER_TIMEOUT."""
    if kind == "tcp":
        sock, peer = _tcp(impl)
    elif kind == "udp":
        sock, peer = _udp(impl)
    else:
        sock, peer = _unix(impl, {
            "unix_stream": _socket.SOCK_STREAM,
            "unix_dgram": _socket.SOCK_DGRAM,
            "unix_seqpacket": _socket.SOCK_SEQPACKET,
        }[kind])
    try:
        sock.settimeout(timeout)
    except BaseException:
        _close_all(sock, peer)
        raise
    return sock, peer


@pytest.fixture
def pair(impl, kind):
    """A connected pair of ``kind``; the implementation socket has a timeout of PEER_TIMEOUT."""
    sock, peer = connected_pair(impl, kind)
    yield sock, peer
    _close_all(sock, peer)


@pytest.fixture
def blocking_pair(impl, kind):
    """A connected pair of ``kind``; the implementation socket is blocking (no timeout)."""
    sock, peer = connected_pair(impl, kind, timeout=None)
    yield sock, peer
    _close_all(sock, peer)


@pytest.fixture
def udp_ends(impl):
    """(unconnected implementation UDP socket bound to 127.0.0.1, bound ``_socket`` peer)."""
    sock = peer = None
    try:
        peer = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
        peer.settimeout(PEER_TIMEOUT)
        peer.bind(("127.0.0.1", 0))
        sock = impl.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
    except BaseException:
        _close_all(sock, peer)
        raise
    yield sock, peer
    _close_all(sock, peer)


@pytest.fixture
def unix_dgram_path(tmp_path):
    """A factory of unused AF_UNIX socket paths in a fresh directory."""
    counter = iter(range(1000))
    return lambda: str(tmp_path / f"s{next(counter)}")


def _raw_unix_dgram(path=None):
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)
    sock.settimeout(PEER_TIMEOUT)
    if path is not None:
        try:
            sock.bind(path)
        except BaseException:
            sock.close()
            raise
    return sock


# -- calling ---------------------------------------------------------------------------------


def receive(sock, call, size, flags=0):
    """The bytes one receive call returns, whichever of the four it is (nbytes = size)."""
    if call == "recv":
        return sock.recv(size, flags)
    if call == "recvfrom":
        data, _address = sock.recvfrom(size, flags)
        return data
    buffer = bytearray(size)
    if call == "recv_into":
        count = sock.recv_into(buffer, size, flags)
    else:
        count, _address = sock.recvfrom_into(buffer, size, flags)
    assert isinstance(count, int)
    return bytes(buffer[:count])


def peer_send(peer, kind, data):
    if kind in STREAMS:
        peer.sendall(data)
    else:
        assert peer.send(data) == len(data)


def peer_receive(peer, kind, size):
    if kind in STREAMS:
        return recv_exactly(peer, size)
    return peer.recv(65536)


class Release:
    """Bounds a call on a blocking socket that must not wait: if the spec is still inside it after
    STUCK_AFTER seconds, the peer sends ``payload`` (a receive call returns) or, with
    ``hang_up=True``, shuts down (a send call fails), or ``action()`` runs instead, and ``fired``
    is True."""

    def __init__(self, peer=None, payload=b"!", hang_up=False, action=None):
        self.peer = peer
        self.payload = payload
        self.hang_up = hang_up
        self.action = action
        self.fired = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="data-transfer-release")

    def _watch(self):
        if not self._done.wait(STUCK_AFTER):
            self.fired = True
            if self.action is not None:
                self.action()
            elif self.hang_up:
                self.peer.shutdown(_socket.SHUT_RDWR)
            else:
                self.peer.send(self.payload)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join(PEER_TIMEOUT)
        return False


@contextmanager
def later(action):
    """Run ``action`` in a peer thread as soon as the spec calls the function this yields (just
    before the call that is meant to wait for it); the thread always ends before the block does."""
    go = threading.Event()
    failures = []

    def run():
        go.wait(PEER_TIMEOUT)
        try:
            action()
        except BaseException as exc:  # reported to the spec below
            failures.append(exc)

    thread = threading.Thread(target=run, name="data-transfer-peer")
    thread.start()
    try:
        yield go.set
    finally:
        go.set()
        thread.join(PEER_TIMEOUT)
    assert not thread.is_alive(), "the peer thread did not finish"
    if failures:
        raise failures[0]


def _pattern(size):
    return (bytes(range(251)) * (size // 251 + 1))[:size]


# -- round trips -----------------------------------------------------------------------------


@over_kinds(ALL_KINDS, "socket.send")
def test_data_transfer_send_returns_count_and_peer_receives(impl, pair, kind):
    sock, peer = pair
    assert sock.send(b"hello, peer") == 11
    assert peer_receive(peer, kind, 11) == b"hello, peer"


@over_kinds(ALL_KINDS, "socket.sendall")
def test_data_transfer_sendall_returns_none_and_peer_receives(impl, pair, kind):
    sock, peer = pair
    assert sock.sendall(b"all of it") is None
    assert peer_receive(peer, kind, 9) == b"all of it"


@over_kinds(ALL_KINDS, "socket.recv")
def test_data_transfer_recv_returns_queued_bytes(impl, pair, kind):
    sock, peer = pair
    peer_send(peer, kind, b"queued")
    data = sock.recv(64)
    assert type(data) is bytes
    assert data == b"queued"


@over_kinds(ALL_KINDS, "socket.recv_into")
def test_data_transfer_recv_into_fills_the_start_of_the_buffer(impl, pair, kind):
    sock, peer = pair
    peer_send(peer, kind, b"abcde")
    buffer = bytearray(b"." * 10)
    assert sock.recv_into(buffer) == 5
    assert buffer == bytearray(b"abcde.....")


@over_kinds(ALL_KINDS, "socket.recvfrom", platforms=["linux"])
def test_data_transfer_recvfrom_returns_data_and_sender_address(impl, pair, kind):
    sock, peer = pair
    peer_send(peer, kind, b"from peer")
    data, address = sock.recvfrom(64)
    assert data == b"from peer"
    # Connected stream and socketpair ends carry no sender address: CPython gives None.
    assert address == (peer.getsockname() if kind == "udp" else None)


@over_kinds(ALL_KINDS, "socket.recvfrom_into", platforms=["linux"])
def test_data_transfer_recvfrom_into_returns_count_and_sender_address(impl, pair, kind):
    sock, peer = pair
    peer_send(peer, kind, b"into")
    buffer = bytearray(8)
    count, address = sock.recvfrom_into(buffer)
    assert count == 4
    assert buffer == bytearray(b"into\0\0\0\0")
    assert address == (peer.getsockname() if kind == "udp" else None)


@over_kinds(STREAMS, "socket.sendall", "socket.recv")
def test_data_transfer_large_round_trip_keeps_every_byte_in_order(impl, pair, kind):
    sock, peer = pair
    payload = _pattern(1 << 20)
    received = []

    def read():
        received.append(recv_exactly(peer, len(payload)))

    thread = threading.Thread(target=read)
    thread.start()
    try:
        sock.sendall(payload)
    finally:
        thread.join(PEER_TIMEOUT)
    assert received and received[0] == payload


@over_kinds(ALL_KINDS, "socket.recv")
def test_data_transfer_recv_waits_for_data_sent_later(impl, pair, kind):
    sock, peer = pair
    with later(lambda: peer_send(peer, kind, b"late")) as about_to_wait:
        about_to_wait()
        data = sock.recv(16)
    assert data == b"late"


@over_calls(RECV_CALLS, kind="unix_stream")
def test_data_transfer_each_receive_call_waits_for_data_sent_later(impl, call):
    sock, peer = connected_pair(impl, "unix_stream")
    with closing(sock), closing(peer):
        with later(lambda: peer.sendall(b"arrives")) as about_to_wait:
            about_to_wait()
            data = receive(sock, call, 7)
        assert data == b"arrives"


def _queued_bytes(fd):
    import fcntl
    import termios

    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


def _wait_until(condition, timeout=PEER_TIMEOUT):
    """Poll ``condition`` (a state of the kernel no event reports) until true, at most ``timeout``."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        pause.wait(0.0005)


@over_kinds(STREAMS, "socket.recv", platforms=["linux"])
def test_data_transfer_recv_waitall_waits_for_the_whole_amount(impl, blocking_pair, kind):
    sock, peer = blocking_pair
    peer.sendall(b"abc")
    fd = sock.fileno()

    def rest_once_the_first_piece_is_taken():
        _wait_until(lambda: _queued_bytes(fd) == 0)
        peer.sendall(b"def")

    with later(rest_once_the_first_piece_is_taken) as about_to_wait:
        about_to_wait()
        data = sock.recv(6, _socket.MSG_WAITALL)
    assert data == b"abcdef"


@over_kinds(("tcp",), "socket.recv")
def test_data_transfer_recv_returns_what_is_queued_without_waiting_for_more(impl, blocking_pair, kind):
    sock, peer = blocking_pair
    peer.sendall(b"short")
    with Release(peer) as release:
        data = sock.recv(4096)
    assert data == b"short"
    assert not release.fired


# -- flags: MSG_PEEK and MSG_DONTWAIT ----------------------------------------------------------


@over_kinds(ALL_KINDS, "socket.recv")
def test_data_transfer_peek_leaves_the_data_queued(impl, pair, kind):
    sock, peer = pair
    peer_send(peer, kind, b"peeked")
    assert sock.recv(64, _socket.MSG_PEEK) == b"peeked"
    assert sock.recv(64) == b"peeked"


@over_calls(RECV_CALLS)
def test_data_transfer_peek_works_with_every_receive_call(impl, tcp_pair, call):
    sock, peer = tcp_pair
    peer.sendall(b"look")
    assert receive(sock, call, 4, _socket.MSG_PEEK) == b"look"
    sock.settimeout(PEER_TIMEOUT)
    assert receive(sock, call, 4) == b"look"


@over_calls(RECV_CALLS, platforms=["linux"])
def test_data_transfer_dontwait_on_empty_blocking_socket_raises_eagain(impl, tcp_pair, call):
    sock, peer = tcp_pair
    assert sock.gettimeout() is None
    with Release(peer), pytest.raises(BlockingIOError) as info:
        receive(sock, call, 16, _socket.MSG_DONTWAIT)
    assert info.value.errno == errno.EAGAIN
    assert sock.gettimeout() is None
    assert os.get_blocking(sock.fileno()) is True


@over_kinds(ALL_KINDS, "socket.recv", platforms=["linux"])
def test_data_transfer_dontwait_raises_eagain_on_every_kind(impl, blocking_pair, kind):
    sock, peer = blocking_pair
    with Release(peer), pytest.raises(BlockingIOError) as info:
        sock.recv(16, _socket.MSG_DONTWAIT)
    assert info.value.errno == errno.EAGAIN


@over_kinds(("tcp",), "socket.recv", platforms=["linux"])
def test_data_transfer_dontwait_returns_queued_data(impl, blocking_pair, kind):
    sock, peer = blocking_pair
    peer.sendall(b"ready")
    assert sock.recv(16, _socket.MSG_DONTWAIT) == b"ready"


@over_kinds(("unix_stream",), "socket.send", platforms=["linux"])
def test_data_transfer_send_dontwait_on_full_buffer_raises_eagain(impl, blocking_pair, kind):
    sock, peer = blocking_pair
    sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF, 4096)
    chunk = _pattern(100_003)
    sent = 0
    with Release(peer, hang_up=True), pytest.raises(BlockingIOError) as info:
        for _ in range(10_000):
            sent += sock.send(chunk, _socket.MSG_DONTWAIT)
    assert info.value.errno == errno.EAGAIN
    assert sent > 0
    assert sock.gettimeout() is None


@over_calls(("recv", "recvfrom"), kind="udp")
def test_data_transfer_peek_on_datagram_keeps_the_whole_datagram(impl, call):
    sock, peer = connected_pair(impl, "udp")
    with closing(sock), closing(peer):
        peer.send(b"0123456789")
        assert receive(sock, call, 4, _socket.MSG_PEEK) == b"0123"
        assert receive(sock, call, 64) == b"0123456789"


# -- nbytes and buffers ----------------------------------------------------------------------


@over_calls(INTO_CALLS)
def test_data_transfer_nbytes_limits_the_read_and_leaves_the_rest(impl, tcp_pair, call):
    sock, peer = tcp_pair
    peer.sendall(b"0123456789")
    buffer = bytearray(b"." * 10)
    if call == "recv_into":
        count = sock.recv_into(buffer, 3)
    else:
        count, _address = sock.recvfrom_into(buffer, 3)
    assert count == 3
    assert buffer == bytearray(b"012.......")
    assert recv_exactly(sock, 7) == b"3456789"


@over_calls(INTO_CALLS)
def test_data_transfer_nbytes_zero_means_the_whole_buffer(impl, tcp_pair, call):
    sock, peer = tcp_pair
    peer.sendall(b"abcdefgh")
    buffer = bytearray(8)
    if call == "recv_into":
        count = sock.recv_into(buffer, 0)
    else:
        count, _address = sock.recvfrom_into(buffer, 0)
    assert (count, bytes(buffer)) == (8, b"abcdefgh")


@over_calls(INTO_CALLS)
def test_data_transfer_into_calls_take_keyword_arguments(impl, tcp_pair, call):
    sock, peer = tcp_pair
    peer.sendall(b"keyword")
    buffer = bytearray(16)
    result = getattr(sock, call)(buffer=buffer, nbytes=3, flags=_socket.MSG_PEEK)
    count = result if call == "recv_into" else result[0]
    assert count == 3
    assert bytes(buffer[:3]) == b"key"
    assert recv_exactly(sock, 7) == b"keyword"


@pytest.mark.parametrize(
    "call, message",
    [
        pytest.param(
            "recv_into",
            "buffer too small for requested bytes",
            id="recv_into",
            marks=spec("socket.recv_into"),
        ),
        pytest.param(
            "recvfrom_into",
            "nbytes is greater than the length of the buffer",
            id="recvfrom_into",
            marks=spec("socket.recvfrom_into"),
        ),
    ],
)
def test_data_transfer_nbytes_larger_than_buffer_is_valueerror(impl, tcp_pair, call, message):
    sock, peer = tcp_pair
    peer.sendall(b"stays")
    with pytest.raises(ValueError) as info:
        getattr(sock, call)(bytearray(4), 5)
    assert str(info.value) == message
    assert recv_exactly(sock, 5) == b"stays"


@over_calls(INTO_CALLS)
def test_data_transfer_negative_nbytes_is_valueerror(impl, tcp_pair, call):
    sock, peer = tcp_pair
    peer.sendall(b"stays")
    with Release(peer), pytest.raises(ValueError) as info:
        getattr(sock, call)(bytearray(4), -1)
    assert str(info.value) == f"negative buffersize in {call}"
    assert recv_exactly(sock, 5) == b"stays"


@over_calls(("recv", "recvfrom"))
def test_data_transfer_negative_bufsize_is_valueerror(impl, tcp_pair, call):
    sock, peer = tcp_pair
    peer.sendall(b"stays")
    with pytest.raises(ValueError) as info:
        getattr(sock, call)(-1)
    assert str(info.value) == f"negative buffersize in {call}"
    assert recv_exactly(sock, 5) == b"stays"


@spec("socket.recv_into")
@pytest.mark.parametrize("kind_of_buffer", WRITABLE_BUFFER_KINDS)
def test_data_transfer_recv_into_writable_buffers(impl, tcp_pair, kind_of_buffer):
    sock, peer = tcp_pair
    peer.sendall(b"data")
    target, held = writable_buffer(kind_of_buffer, 8)
    assert sock.recv_into(target) == 4
    expected = b"[data....]" if kind_of_buffer == "memoryview_slice" else b"data...."
    assert held() == expected


@spec("socket.recv_into")
def test_data_transfer_recv_into_counts_bytes_of_a_multibyte_array(impl, tcp_pair):
    sock, peer = tcp_pair
    peer.sendall(_pattern(12))
    target = array.array("i", [0, 0])
    assert sock.recv_into(target) == 2 * target.itemsize
    assert target.tobytes() == _pattern(12)[: 2 * target.itemsize]


_READ_ONLY = {
    "bytes": (lambda: b"abcd", "bytes"),
    "readonly_memoryview": (lambda: memoryview(b"abcd"), "memoryview"),
    "noncontiguous_memoryview": (lambda: memoryview(bytearray(8))[::2], "memoryview"),
    "str": (lambda: "abcd", "str"),
}


@pytest.mark.parametrize(
    "call, buffer_kind",
    [
        pytest.param(call, name, id=f"{call}-{name}", marks=spec(f"socket.{call}"))
        for call in INTO_CALLS
        for name in _READ_ONLY
    ],
)
def test_data_transfer_into_calls_refuse_buffers_they_cannot_write(impl, tcp_pair, call, buffer_kind):
    sock, peer = tcp_pair
    peer.sendall(b"stays")
    make, type_name = _READ_ONLY[buffer_kind]
    with pytest.raises(TypeError) as info:
        getattr(sock, call)(make())
    assert str(info.value) == (
        f"{call}() argument 1 must be read-write bytes-like object, not {type_name}"
    )
    assert recv_exactly(sock, 5) == b"stays"


_SENDABLE = {
    "bytes": lambda data: data,
    "bytearray": bytearray,
    "memoryview": lambda data: memoryview(bytearray(data)),
    "array": lambda data: array.array("B", data),
    "memoryview_slice": lambda data: memoryview(b"<<" + data + b">>")[2:-2],
}


@pytest.mark.parametrize(
    "call, buffer_kind",
    [
        pytest.param(call, name, id=f"{call}-{name}", marks=spec(f"socket.{call}"))
        for call in ("send", "sendall")
        for name in _SENDABLE
    ],
)
def test_data_transfer_send_accepts_bytes_like_objects(impl, tcp_pair, call, buffer_kind):
    sock, peer = tcp_pair
    result = getattr(sock, call)(_SENDABLE[buffer_kind](b"payload"))
    assert result == (7 if call == "send" else None)
    assert recv_exactly(peer, 7) == b"payload"


@spec("socket.sendto")
@pytest.mark.parametrize("buffer_kind", ["bytearray", "memoryview_slice"])
def test_data_transfer_sendto_accepts_bytes_like_objects(impl, udp_ends, buffer_kind):
    sock, peer = udp_ends
    assert sock.sendto(_SENDABLE[buffer_kind](b"dgram"), peer.getsockname()) == 5
    assert peer.recv(64) == b"dgram"


@spec("socket.send")
def test_data_transfer_send_counts_bytes_of_a_multibyte_memoryview(impl, tcp_pair):
    sock, peer = tcp_pair
    values = array.array("i", [1, 2, 3])
    assert sock.send(memoryview(values)) == 3 * values.itemsize
    assert recv_exactly(peer, 3 * values.itemsize) == values.tobytes()


@pytest.mark.parametrize(
    "call",
    [pytest.param(c, id=c, marks=spec(f"socket.{c}")) for c in ("send", "sendall", "sendto")],
)
def test_data_transfer_send_of_str_is_typeerror(impl, udp_ends, call):
    sock, peer = udp_ends
    sock.connect(peer.getsockname())
    args = ("text", peer.getsockname()) if call == "sendto" else ("text",)
    with pytest.raises(TypeError) as info:
        getattr(sock, call)(*args)
    assert str(info.value) == "a bytes-like object is required, not 'str'"


@pytest.mark.parametrize(
    "call",
    [pytest.param(c, id=c, marks=spec(f"socket.{c}")) for c in ("send", "sendall")],
)
def test_data_transfer_send_of_noncontiguous_memoryview_is_buffererror(impl, tcp_pair, call):
    sock, peer = tcp_pair
    with pytest.raises(BufferError) as info:
        getattr(sock, call)(memoryview(bytearray(b"abcdefgh"))[::2])
    assert str(info.value) == "memoryview: underlying buffer is not C-contiguous"
    sock.sendall(b"next")
    assert recv_exactly(peer, 4) == b"next"


# -- zero-length reads and writes --------------------------------------------------------------


@over_kinds(ALL_KINDS, "socket.recv")
def test_data_transfer_recv_zero_returns_empty_bytes_without_waiting(impl, blocking_pair, kind):
    sock, peer = blocking_pair
    with Release(peer) as release:
        data = sock.recv(0)
    assert data == b""
    assert not release.fired


@over_kinds(("tcp", "unix_dgram"), "socket.recv_into")
def test_data_transfer_recv_into_empty_buffer_returns_zero_without_waiting(impl, blocking_pair, kind):
    sock, peer = blocking_pair
    with Release(peer) as release:
        count = sock.recv_into(bytearray(0))
    assert count == 0
    assert not release.fired


@over_kinds(DATAGRAMS, "socket.recv")
def test_data_transfer_recv_zero_leaves_a_queued_datagram(impl, pair, kind):
    sock, peer = pair
    peer.send(b"kept")
    assert sock.recv(0) == b""
    assert sock.recv(64) == b"kept"


@over_kinds(STREAMS, "socket.send")
def test_data_transfer_send_empty_returns_zero_and_sends_nothing(impl, pair, kind):
    sock, peer = pair
    assert sock.send(b"") == 0
    assert sock.send(b"x") == 1
    assert recv_exactly(peer, 1) == b"x"


@over_kinds(MESSAGES, "socket.send")
def test_data_transfer_send_empty_on_message_socket_sends_an_empty_message(impl, pair, kind):
    sock, peer = pair
    assert sock.send(b"") == 0
    assert sock.send(b"next") == 4
    assert peer.recv(64) == b""
    assert peer.recv(64) == b"next"


@over_kinds(("tcp",), "socket.sendall")
def test_data_transfer_sendall_empty_returns_none(impl, pair, kind):
    sock, peer = pair
    assert sock.sendall(b"") is None
    sock.sendall(b"y")
    assert recv_exactly(peer, 1) == b"y"


@spec("socket.sendto")
def test_data_transfer_sendto_empty_sends_an_empty_datagram(impl, udp_ends):
    sock, peer = udp_ends
    assert sock.sendto(b"", peer.getsockname()) == 0
    data, address = peer.recvfrom(64)
    assert (data, address) == (b"", sock.getsockname())


# -- end of file -------------------------------------------------------------------------------


def _shut_down(peer):
    peer.shutdown(_socket.SHUT_WR)


def _closed(peer):
    peer.close()


@pytest.mark.parametrize("how", ["shutdown", "close"])
@over_kinds(CONNECTED, "socket.recv")
def test_data_transfer_recv_returns_empty_bytes_at_eof(impl, pair, kind, how):
    sock, peer = pair
    peer_send(peer, kind, b"last")
    (_shut_down if how == "shutdown" else _closed)(peer)
    assert sock.recv(64) == b"last"
    assert sock.recv(64) == b""
    assert sock.recv(64) == b""


@pytest.mark.parametrize(
    "call, expected",
    [
        pytest.param("recv_into", 0, id="recv_into", marks=spec("socket.recv_into")),
        pytest.param("recvfrom", (b"", None), id="recvfrom", marks=spec("socket.recvfrom")),
        pytest.param(
            "recvfrom_into", (0, None), id="recvfrom_into", marks=spec("socket.recvfrom_into")
        ),
    ],
)
def test_data_transfer_other_receive_calls_at_eof(impl, tcp_pair, call, expected):
    sock, peer = tcp_pair
    peer.shutdown(_socket.SHUT_WR)
    sock.settimeout(PEER_TIMEOUT)
    buffer = bytearray(b"untouched")
    args = (buffer,) if call.endswith("_into") else (64,)
    assert getattr(sock, call)(*args) == expected
    assert buffer == bytearray(b"untouched")


@over_kinds(STREAMS, "socket.recv")
def test_data_transfer_eof_while_recv_waits(impl, pair, kind):
    sock, peer = pair
    with later(lambda: peer.shutdown(_socket.SHUT_WR)) as about_to_wait:
        about_to_wait()
        data = sock.recv(64)
    assert data == b""


# -- message boundaries and truncation ---------------------------------------------------------


@over_kinds(MESSAGES, "socket.recv")
def test_data_transfer_message_boundaries_are_kept(impl, pair, kind):
    sock, peer = pair
    peer.send(b"one")
    peer.send(b"two")
    assert sock.recv(64) == b"one"
    assert sock.recv(64) == b"two"


@over_kinds(MESSAGES, "socket.recv")
def test_data_transfer_short_read_truncates_the_message_and_drops_the_rest(impl, pair, kind):
    sock, peer = pair
    peer.send(b"0123456789")
    peer.send(b"next")
    assert sock.recv(4) == b"0123"
    assert sock.recv(64) == b"next"


@over_calls(("recv_into", "recvfrom", "recvfrom_into"), kind="unix_dgram")
def test_data_transfer_every_receive_call_truncates_datagrams(impl, call):
    sock, peer = connected_pair(impl, "unix_dgram")
    with closing(sock), closing(peer):
        peer.send(b"0123456789")
        peer.send(b"next")
        assert receive(sock, call, 3) == b"012"
        assert receive(sock, call, 64) == b"next"


@over_kinds(STREAMS, "socket.recv")
def test_data_transfer_stream_short_read_leaves_the_rest(impl, pair, kind):
    sock, peer = pair
    peer.sendall(b"0123456789")
    assert recv_exactly(sock, 4) == b"0123"
    assert recv_exactly(sock, 6) == b"456789"


# -- sender addresses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [pytest.param(c, id=c, marks=spec(f"socket.{c}")) for c in ("recvfrom", "recvfrom_into")],
)
def test_data_transfer_udp_recvfrom_tells_each_sender(impl, udp_ends, call):
    sock, peer = udp_ends
    with closing(peer), closing(_socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)) as other:
        other.bind(("127.0.0.1", 0))
        peer.sendto(b"a", sock.getsockname())
        other.sendto(b"b", sock.getsockname())
        sock.settimeout(PEER_TIMEOUT)
        got = []
        for _ in range(2):
            if call == "recvfrom":
                got.append(sock.recvfrom(8))
            else:
                buffer = bytearray(8)
                count, address = sock.recvfrom_into(buffer)
                got.append((bytes(buffer[:count]), address))
        assert got == [(b"a", peer.getsockname()), (b"b", other.getsockname())]


@spec("socket.recvfrom", needs=["ipv6"])
def test_data_transfer_udp6_recvfrom_address_has_four_fields(impl):
    sock, peer = _udp(impl, _socket.AF_INET6, "::1")
    with closing(sock), closing(peer):
        peer.send(b"six")
        data, address = sock.recvfrom(8)
        assert data == b"six"
        assert address == peer.getsockname()
        host, port, flowinfo, scope_id = address
        assert (host, flowinfo, scope_id) == ("::1", 0, 0)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(c, id=c, marks=spec(f"socket.{c}", needs=["af_unix_dgram"], platforms=["linux"]))
        for c in ("recvfrom", "recvfrom_into")
    ],
)
@pytest.mark.parametrize("sender", ["unbound", "bound"])
def test_data_transfer_unix_dgram_recvfrom_sender_address(impl, unix_dgram_path, call, sender):
    path = unix_dgram_path()
    sender_path = unix_dgram_path() if sender == "bound" else None
    with closing(impl.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)) as sock:
        sock.bind(path)
        sock.settimeout(PEER_TIMEOUT)
        with closing(_raw_unix_dgram(sender_path)) as raw:
            raw.sendto(b"hi", path)
            if call == "recvfrom":
                data, address = sock.recvfrom(8)
            else:
                buffer = bytearray(8)
                count, address = sock.recvfrom_into(buffer)
                data = bytes(buffer[:count])
    assert data == b"hi"
    # An unbound sender has no address: CPython gives None (not '').
    assert address == sender_path


@spec("socket.recvfrom", needs=["af_unix_dgram", "linux_abstract_unix"])
def test_data_transfer_unix_dgram_recvfrom_abstract_sender_is_bytes(impl, unix_dgram_path):
    path = unix_dgram_path()
    name = b"\0sockspec-data-transfer-%d" % os.getpid()
    with closing(impl.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)) as sock:
        sock.bind(path)
        sock.settimeout(PEER_TIMEOUT)
        with closing(_raw_unix_dgram(name)) as raw:
            raw.sendto(b"abs", path)
            data, address = sock.recvfrom(8)
    assert (data, address) == (b"abs", name)


# -- sendto ------------------------------------------------------------------------------------


@spec("socket.sendto")
@pytest.mark.parametrize("form", ["address", "flags_address"])
def test_data_transfer_sendto_on_unconnected_udp(impl, udp_ends, form):
    sock, peer = udp_ends
    args = (peer.getsockname(),) if form == "address" else (0, peer.getsockname())
    assert sock.sendto(b"to you", *args) == 6
    assert peer.recvfrom(64) == (b"to you", sock.getsockname())


@spec("socket.sendto", needs=["af_unix_dgram"])
@pytest.mark.parametrize("form", ["address", "flags_address"])
def test_data_transfer_sendto_on_unconnected_unix_dgram(impl, unix_dgram_path, form):
    path = unix_dgram_path()
    with closing(_raw_unix_dgram(path)) as raw:
        with closing(impl.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)) as sock:
            args = (path,) if form == "address" else (0, path)
            assert sock.sendto(b"unix", *args) == 4
        assert raw.recv(64) == b"unix"


@spec("socket.sendto", platforms=["linux"])
def test_data_transfer_sendto_dontwait_flag_on_udp(impl, udp_ends):
    sock, peer = udp_ends
    assert sock.sendto(b"flagged", _socket.MSG_DONTWAIT, peer.getsockname()) == 7
    assert peer.recv(64) == b"flagged"


@spec("socket.sendto", "socket.send")
def test_data_transfer_sendto_on_connected_udp_reaches_the_given_address(impl, udp_ends):
    sock, peer = udp_ends
    with closing(_socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)) as other:
        other.bind(("127.0.0.1", 0))
        other.settimeout(PEER_TIMEOUT)
        sock.connect(peer.getsockname())
        assert sock.sendto(b"same", peer.getsockname()) == 4
        assert sock.sendto(b"elsewhere", other.getsockname()) == 9
        assert sock.send(b"default") == 7
        assert peer.recv(64) == b"same"
        assert other.recv(64) == b"elsewhere"
        assert peer.recv(64) == b"default"


@spec("socket.sendto", platforms=["linux"])
def test_data_transfer_sendto_on_connected_tcp_ignores_the_address(impl, tcp_pair):
    sock, peer = tcp_pair
    assert sock.sendto(b"ignored", ("127.0.0.1", 9)) == 7
    assert recv_exactly(peer, 7) == b"ignored"


@spec("socket.sendto", needs=["af_unix"], platforms=["linux"])
def test_data_transfer_sendto_on_connected_unix_stream_is_eisconn(impl, unix_pair, unix_dgram_path):
    sock, peer = unix_pair
    with pytest.raises(OSError) as info:
        sock.sendto(b"no", unix_dgram_path())
    assert info.value.errno == errno.EISCONN
    sock.sendall(b"ok")
    assert recv_exactly(peer, 2) == b"ok"


@spec("socket.sendto", needs=["af_unix_seqpacket"], platforms=["linux"])
def test_data_transfer_sendto_on_seqpacket_ignores_the_address(impl, unix_dgram_path):
    sock, peer = connected_pair(impl, "unix_seqpacket")
    with closing(sock), closing(peer):
        assert sock.sendto(b"seq", unix_dgram_path()) == 3
        assert peer.recv(64) == b"seq"


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param((b"x",), "sendto() takes 2 or 3 arguments (1 given)", id="one"),
        pytest.param((b"x", 0, ("127.0.0.1", 9), 0), "sendto() takes 2 or 3 arguments (4 given)", id="four"),
    ],
)
@spec("socket.sendto")
def test_data_transfer_sendto_argument_count_is_typeerror(impl, udp_ends, args, message):
    sock, _peer = udp_ends
    with pytest.raises(TypeError) as info:
        sock.sendto(*args)
    assert str(info.value) == message


@spec("socket.sendto")
@pytest.mark.parametrize("address, type_name", [("nowhere", "str"), (None, "NoneType")])
def test_data_transfer_sendto_inet_address_must_be_a_tuple(impl, udp_ends, address, type_name):
    sock, _peer = udp_ends
    with pytest.raises(TypeError) as info:
        sock.sendto(b"x", address)
    assert str(info.value) == f"sendto(): AF_INET address must be tuple, not {type_name}"


@spec("socket.send", platforms=["linux"])
def test_data_transfer_send_on_unconnected_udp_is_edestaddrreq(impl, udp_ends):
    sock, _peer = udp_ends
    with pytest.raises(OSError) as info:
        sock.send(b"where?")
    assert info.value.errno == errno.EDESTADDRREQ


@spec("socket.send", needs=["af_unix_dgram"], platforms=["linux"])
def test_data_transfer_send_on_unconnected_unix_dgram_is_enotconn(impl):
    with closing(impl.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)) as sock:
        with pytest.raises(OSError) as info:
            sock.send(b"where?")
        assert info.value.errno == errno.ENOTCONN


# -- partial sends, sendall and its timeout ----------------------------------------------------


@over_kinds(STREAMS, "socket.send")
def test_data_transfer_nonblocking_send_on_full_buffer_is_partial(impl, pair, kind):
    sock, peer = pair
    sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF, 4096)
    sock.setblocking(False)
    chunk = _pattern(100_003)
    counts = []
    with pytest.raises(BlockingIOError) as info:
        for _ in range(10_000):
            counts.append(sock.send(chunk))
    assert info.value.errno == errno.EAGAIN
    assert any(0 < count < len(chunk) for count in counts), counts
    expected = b"".join(chunk[:count] for count in counts)
    assert recv_exactly(peer, len(expected)) == expected


@pytest.mark.parametrize("timeout", [None, PEER_TIMEOUT], ids=["blocking", "timeout"])
@over_kinds(STREAMS, "socket.sendall")
def test_data_transfer_sendall_sends_everything_to_a_reader(impl, pair, kind, timeout):
    sock, peer = pair
    sock.settimeout(timeout)
    payload = _pattern(2 << 20)
    received = []
    with later(lambda: received.append(recv_exactly(peer, len(payload)))) as about_to_send:
        about_to_send()
        assert sock.sendall(memoryview(payload)) is None
    assert received == [payload]


@over_kinds(STREAMS, "socket.sendall")
def test_data_transfer_sendall_times_out_on_a_peer_that_does_not_read(impl, pair, kind):
    sock, _peer = pair
    sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF, 4096)
    sock.settimeout(0.02)
    with pytest.raises(impl.timeout) as info:
        sock.sendall(bytes(32 << 20))
    assert str(info.value) == "timed out"
    assert sock.gettimeout() == 0.02


@spec("socket.sendall", needs=["timeout_is_timeouterror"])
def test_data_transfer_sendall_timeout_is_timeouterror(impl, tcp_pair):
    sock, _peer = tcp_pair
    sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF, 4096)
    sock.settimeout(0.02)
    with pytest.raises(TimeoutError) as info:
        sock.sendall(bytes(32 << 20))
    assert info.value.errno is None


# -- errors ------------------------------------------------------------------------------------


_CLOSED_CALLS = {
    "send": lambda s: s.send(b"x"),
    "sendall": lambda s: s.sendall(b"x"),
    "sendto": lambda s: s.sendto(b"x", ("127.0.0.1", 9)),
    "recv": lambda s: s.recv(1),
    "recv_into": lambda s: s.recv_into(bytearray(1)),
    "recvfrom": lambda s: s.recvfrom(1),
    "recvfrom_into": lambda s: s.recvfrom_into(bytearray(1)),
}


@pytest.mark.parametrize(
    "call", [pytest.param(c, id=c, marks=spec(f"socket.{c}")) for c in _CLOSED_CALLS]
)
def test_data_transfer_calls_on_a_closed_socket_raise_ebadf(impl, call):
    sock = impl.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    sock.close()
    with pytest.raises(OSError) as info:
        _CLOSED_CALLS[call](sock)
    assert info.value.errno == errno.EBADF
    assert sock.fileno() == -1


@spec("socket.sendall")
def test_data_transfer_sendall_empty_on_a_closed_socket_raises_ebadf(impl):
    sock = impl.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    sock.close()
    with pytest.raises(OSError) as info:
        sock.sendall(b"")
    assert info.value.errno == errno.EBADF


@spec("socket.recv", platforms=["linux"])
def test_data_transfer_recv_on_unconnected_tcp_is_enotconn(impl):
    with closing(impl.socket(_socket.AF_INET, _socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.05)
        # Nothing can arrive on an unconnected socket: a call still inside after STUCK_AFTER is
        # released by closing the socket under it.
        with Release(action=sock.close) as release, pytest.raises(OSError) as info:
            sock.recv(1)
        assert info.value.errno == errno.ENOTCONN
        assert not release.fired


@pytest.mark.parametrize(
    "call", [pytest.param(c, id=c, marks=spec(f"socket.{c}", platforms=["linux"])) for c in ("send", "sendall")]
)
def test_data_transfer_send_on_unconnected_tcp_is_broken_pipe(impl, call):
    with closing(impl.socket(_socket.AF_INET, _socket.SOCK_STREAM)) as sock:
        sock.settimeout(0.05)
        with pytest.raises(BrokenPipeError) as info:
            getattr(sock, call)(b"x")
        assert info.value.errno == errno.EPIPE
