"""``sendmsg()``, ``recvmsg()``, ``recvmsg_into()``, ``CMSG_LEN()`` and ``CMSG_SPACE()``.

The implementation's socket makes the call; the other end is a ``_socket`` peer. Ancillary data
is SCM_RIGHTS (and SCM_CREDENTIALS on Linux); every descriptor a spec receives is closed by it.

Each waiting call is pinned twice: with its data already queued, and with data that arrives
while the call waits. For the second, a peer thread waits on an event that the spec sets right
before the call, and then needs the interpreter lock. For the length of the call the switch
interval is raised, so the calling thread gives the lock up only when the call blocks to wait (in
the kernel, in ``poll()``, or in a hub's loop); where Linux shows it, the peer also waits until
the calling thread sleeps. So the peer's data comes while the call waits.
"""

from __future__ import annotations

import _socket
import array
import contextlib
import errno
import os
import struct
import sys
import threading
import time

import pytest

from fixtures import peers
from fixtures.peers import PEER_TIMEOUT, close_fds, open_fds, recv_exactly
from harness.model.spec import spec

INT_SIZE = array.array("i").itemsize
#: A timeout for calls that should time out: nothing comes, so it is all waiting.
TINY_TIMEOUT = 0.02

ARRIVALS = pytest.mark.parametrize(
    "arrival, timeout",
    [("queued", None), ("queued", PEER_TIMEOUT), ("later", None), ("later", PEER_TIMEOUT)],
    ids=["queued-blocking", "queued-timeout", "later-blocking", "later-timeout"],
)


# -- helpers ----------------------------------------------------------------------------------


def _fds_of(ancdata):
    """The descriptors of every SCM_RIGHTS item of ``ancdata``, in order."""
    fds = array.array("i")
    for level, kind, payload in ancdata:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % INT_SIZE])
    return list(fds)


def _rights(fds):
    return (_socket.SOL_SOCKET, _socket.SCM_RIGHTS, array.array("i", fds).tobytes())


def _same_file(fd_a: int, fd_b: int) -> bool:
    a, b = os.fstat(fd_a), os.fstat(fd_b)
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _wait_until_asleep(native_id: int, timeout: float = PEER_TIMEOUT) -> None:
    """Return once the thread ``native_id`` of this process sleeps in the kernel (Linux's
    /proc/self/task/ID/stat); at once where there is no such file.

    The caller holds the interpreter lock, and the calling thread gives it up only to wait (see
    ``_Peers.during_call``): asleep, that thread is in its call's wait, or back from a
    non-waiting attempt and queued for the lock."""
    path = f"/proc/self/task/{native_id}/stat"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path) as handle:
                state = handle.read().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            return
        if state in ("S", "D"):
            return
        os.sched_yield()
    raise TimeoutError(f"thread {native_id} did not wait within {timeout}s")


class _Peers:
    """Peer threads that act once the spec signals that its call is about to start."""

    def __init__(self):
        self._started = []

    def when_waiting(self, action):
        """Run ``action`` in a thread once ``go()`` was called and the calling thread sleeps;
        return ``go``."""
        event = threading.Event()
        errors = []
        caller = threading.get_native_id()

        def run():
            if not event.wait(PEER_TIMEOUT):
                errors.append(TimeoutError("the spec never started its call"))
                return
            try:
                _wait_until_asleep(caller)
                action()
            except BaseException as exc:  # reported by join()
                errors.append(exc)

        thread = threading.Thread(target=run, name="msg-peer", daemon=True)
        self._started.append((thread, event, errors))
        thread.start()
        return event.set

    @contextlib.contextmanager
    def during_call(self, arrival, action):
        """``action`` now (queued), or from a thread while the call in the body waits (later).

        While the body runs, the interpreter does not make the calling thread hand over its lock
        on a clock (the switch interval is raised to ``PEER_TIMEOUT``): the peer thread gets it
        only when the call gives it up to wait."""
        if arrival == "queued":
            action()
            yield
            return
        go = self.when_waiting(action)
        previous = sys.getswitchinterval()
        sys.setswitchinterval(PEER_TIMEOUT)
        try:
            go()
            yield
        finally:
            sys.setswitchinterval(previous)
        self.join()

    def join(self):
        """Wait for every peer thread; re-raise the first error one of them met."""
        problems = []
        for thread, _event, errors in self._started:
            thread.join(PEER_TIMEOUT)
            if thread.is_alive():
                problems.append(RuntimeError("a peer thread did not finish"))
            problems.extend(errors)
        self._started = []
        if problems:
            raise problems[0]

    def release(self):
        for _thread, event, _errors in self._started:
            event.set()


@pytest.fixture
def peer_threads():
    threads = _Peers()
    yield threads
    threads.release()
    threads.join()


@pytest.fixture
def udp_pair(impl):
    """(unconnected implementation UDP socket, unconnected ``_socket`` peer), both on 127.0.0.1."""
    peer = peers.raw_socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    sock = None
    try:
        peer.bind(("127.0.0.1", 0))
        sock = impl.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
    except BaseException:
        peer.close()
        if sock is not None:
            sock.close()
        raise
    yield sock, peer
    sock.close()
    peer.close()


def _peer_send_fds(peer, data, fds):
    return peer.sendmsg([data], [_rights(fds)])


def _peer_recv(peer, bufsize=1024, ancbufsize=None):
    """(data, ancdata, msg_flags) received by the raw peer."""
    if ancbufsize is None:
        ancbufsize = _socket.CMSG_SPACE(16 * INT_SIZE) + _socket.CMSG_SPACE(3 * INT_SIZE)
    data, ancdata, msg_flags, _addr = peer.recvmsg(bufsize, ancbufsize)
    return data, ancdata, msg_flags


def _fill_send_buffer(sock) -> int:
    """Fill the send buffer of the implementation socket ``sock`` through a ``_socket`` copy of its
    descriptor, without touching its blocking mode; return the number of bytes queued."""
    raw = _socket.socket(fileno=os.dup(sock.fileno()))
    try:
        raw.setsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF, 4096)
        filled = 0
        chunk = b"f" * 4096
        while True:
            try:
                filled += raw.send(chunk, _socket.MSG_DONTWAIT)
            except BlockingIOError:
                return filled
    finally:
        raw.close()


# -- CMSG_LEN / CMSG_SPACE ----------------------------------------------------------------------

LENGTHS = [0, 1, 4, 12, 16, 255, 4096]


@spec("CMSG_LEN", needs=["sendmsg"])
@pytest.mark.parametrize("length", LENGTHS)
def test_msg_cmsg_len_is_header_plus_length(impl, length):
    value = impl.CMSG_LEN(length)
    assert type(value) is int
    assert value == _socket.CMSG_LEN(length)
    assert value == impl.CMSG_LEN(0) + length


@spec("CMSG_SPACE", needs=["sendmsg"])
@pytest.mark.parametrize("length", LENGTHS)
def test_msg_cmsg_space_is_aligned_room_for_length(impl, length):
    value = impl.CMSG_SPACE(length)
    assert type(value) is int
    assert value == _socket.CMSG_SPACE(length)
    assert value >= impl.CMSG_LEN(length)
    assert value - impl.CMSG_SPACE(0) >= length


@spec("CMSG_LEN", "CMSG_SPACE", needs=["sendmsg"])
def test_msg_cmsg_of_zero_is_one_header(impl):
    assert impl.CMSG_LEN(0) > 0
    assert impl.CMSG_SPACE(0) == impl.CMSG_LEN(0) == _socket.CMSG_LEN(0)


@spec("CMSG_LEN", "CMSG_SPACE", needs=["sendmsg"])
def test_msg_cmsg_values_are_monotonic(impl):
    lens = [impl.CMSG_LEN(n) for n in range(64)]
    spaces = [impl.CMSG_SPACE(n) for n in range(64)]
    assert all(a < b for a, b in zip(lens, lens[1:]))
    assert all(a <= b for a, b in zip(spaces, spaces[1:]))
    assert all(space >= length for space, length in zip(spaces, lens))


@spec("CMSG_LEN", needs=["sendmsg"])
def test_msg_cmsg_len_largest_length_in_range(impl):
    largest = (2**31 - 1) - _socket.CMSG_LEN(0)
    assert impl.CMSG_LEN(largest) == 2**31 - 1
    with pytest.raises(OverflowError, match=r"CMSG_LEN\(\) argument out of range"):
        impl.CMSG_LEN(largest + 1)


@spec("CMSG_LEN", "CMSG_SPACE", needs=["sendmsg"])
@pytest.mark.parametrize("name", ["CMSG_LEN", "CMSG_SPACE"])
@pytest.mark.parametrize(
    "length",
    [-1, -(2**31), 2**31, sys.maxsize, 2**64],
    ids=["minus_one", "minus_2_31", "2_31", "maxsize", "2_64"],
)
def test_msg_cmsg_out_of_range_is_overflowerror(impl, name, length):
    with pytest.raises(OverflowError):
        getattr(impl, name)(length)


@spec("CMSG_LEN", "CMSG_SPACE", needs=["sendmsg"])
@pytest.mark.parametrize("name", ["CMSG_LEN", "CMSG_SPACE"])
@pytest.mark.parametrize("length", [1.0, "1", None], ids=["float", "str", "none"])
def test_msg_cmsg_non_integer_is_typeerror(impl, name, length):
    with pytest.raises(TypeError):
        getattr(impl, name)(length)


# -- sendmsg: buffers ---------------------------------------------------------------------------


@spec("socket.sendmsg", needs=["sendmsg", "af_unix"])
@pytest.mark.parametrize(
    "buffers",
    [
        [b"abc", b"defg", b"h"],
        [bytearray(b"abc"), bytearray(b"defg"), bytearray(b"h")],
        [memoryview(b"abc"), memoryview(b"xdefgx")[1:5], memoryview(bytearray(b"h"))],
        [b"abc", bytearray(b"defg"), memoryview(b"h")],
        [b"", b"abc", b"", b"defgh", b""],
    ],
    ids=["bytes", "bytearray", "memoryview", "mixed", "with_empty"],
)
def test_msg_sendmsg_gathers_buffers_in_order(impl, unix_pair, buffers):
    sock, peer = unix_pair
    assert sock.sendmsg(buffers) == 8
    assert recv_exactly(peer, 8) == b"abcdefgh"


@spec("socket.sendmsg", needs=["sendmsg", "af_unix"])
def test_msg_sendmsg_accepts_any_iterable_of_buffers(impl, unix_pair):
    sock, peer = unix_pair
    ints = array.array("i", [1, 2])
    size = 3 + len(ints.tobytes())
    assert sock.sendmsg(iter([b"ab", ints, b"c"])) == size
    assert sock.sendmsg((b"d", b"e")) == 2
    assert recv_exactly(peer, size + 2) == b"ab" + ints.tobytes() + b"cde"


@spec("socket.sendmsg", needs=["sendmsg", "af_unix_dgram"])
def test_msg_sendmsg_gathers_into_one_datagram(impl, unix_dgram_pair):
    sock, peer = unix_dgram_pair
    assert sock.sendmsg([b"one ", b"datagram"]) == 12
    assert sock.sendmsg([b"two"]) == 3
    assert peer.recv(100) == b"one datagram"
    assert peer.recv(100) == b"two"


@spec("socket.sendmsg", needs=["sendmsg", "af_unix_dgram"])
def test_msg_sendmsg_without_buffers_sends_empty_datagram(impl, unix_dgram_pair):
    sock, peer = unix_dgram_pair
    assert sock.sendmsg([]) == 0
    assert sock.sendmsg([b"next"]) == 4
    assert peer.recv(100) == b""
    assert peer.recv(100) == b"next"


@spec("socket.sendmsg", needs=["sendmsg"])
def test_msg_sendmsg_to_address_on_unconnected_udp(impl, udp_pair):
    sock, peer = udp_pair
    assert sock.sendmsg([b"to ", b"you"], [], 0, peer.getsockname()) == 6
    data, address = peer.recvfrom(100)
    assert data == b"to you"
    assert address == sock.getsockname()


@spec("socket.sendmsg", needs=["sendmsg"])
def test_msg_sendmsg_without_address_on_unconnected_udp_is_edestaddrreq(impl, udp_pair):
    sock, _peer = udp_pair
    with pytest.raises(OSError) as excinfo:
        sock.sendmsg([b"nowhere"])
    assert excinfo.value.errno == errno.EDESTADDRREQ


@spec("socket.sendmsg", needs=["sendmsg", "linux_abstract_unix", "af_unix_dgram"])
def test_msg_sendmsg_to_address_on_unconnected_unix_datagram(impl):
    peer = peers.raw_socket(_socket.AF_UNIX, _socket.SOCK_DGRAM)
    try:
        peer.bind(b"")  # Linux: an automatic abstract name
        with impl.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM) as sock:
            sock.bind(b"")
            assert sock.sendmsg([b"abstract"], (), 0, peer.getsockname()) == 8
            data, address = peer.recvfrom(100)
            assert data == b"abstract"
            assert address == sock.getsockname()
    finally:
        peer.close()


@spec("socket.sendmsg", needs=["sendmsg", "af_unix"])
@pytest.mark.parametrize("item", [5, "text", None], ids=["int", "str", "none"])
def test_msg_sendmsg_non_buffer_item_is_typeerror(impl, unix_pair, item):
    sock, peer = unix_pair
    with pytest.raises(TypeError):
        sock.sendmsg([b"before", item])
    sock.sendall(b"ok")
    assert recv_exactly(peer, 2) == b"ok"  # nothing of the refused call was sent


@spec("socket.sendmsg", needs=["sendmsg", "af_unix"])
def test_msg_sendmsg_non_iterable_buffers_is_typeerror(impl, unix_pair):
    sock, _peer = unix_pair
    with pytest.raises(TypeError):
        sock.sendmsg(5)


@spec("socket.sendmsg", needs=["sendmsg", "af_unix"])
def test_msg_sendmsg_non_contiguous_buffer_is_buffererror(impl, unix_pair):
    sock, peer = unix_pair
    with pytest.raises(BufferError):
        sock.sendmsg([memoryview(b"abcdef")[::2]])
    sock.sendall(b"ok")
    assert recv_exactly(peer, 2) == b"ok"


@spec("socket.sendmsg", needs=["scm_rights"])
@pytest.mark.parametrize(
    "item",
    [
        (_socket.SOL_SOCKET, _socket.SCM_RIGHTS),
        (_socket.SOL_SOCKET, _socket.SCM_RIGHTS, b"\0" * INT_SIZE, 0),
        _socket.SCM_RIGHTS,
    ],
    ids=["two_items", "four_items", "int"],
)
def test_msg_sendmsg_ancillary_item_not_a_3_tuple_is_typeerror(impl, unix_pair, item):
    sock, _peer = unix_pair
    with pytest.raises(TypeError):
        sock.sendmsg([b"x"], [item])


@spec("socket.sendmsg", needs=["scm_rights"])
def test_msg_sendmsg_ancillary_data_not_a_buffer_is_typeerror(impl, unix_pair):
    sock, _peer = unix_pair
    with pytest.raises(TypeError):
        sock.sendmsg([b"x"], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, "0000")])


@spec("socket.sendmsg", "socket.recvmsg", "socket.recvmsg_into", needs=["recvmsg_into", "af_unix"])
@pytest.mark.parametrize("call", ["sendmsg", "recvmsg", "recvmsg_into"])
def test_msg_calls_on_closed_socket_are_ebadf(impl, call):
    sock = impl.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.close()
    args = {"sendmsg": ([b"x"],), "recvmsg": (10,), "recvmsg_into": ([bytearray(10)],)}[call]
    with pytest.raises(OSError) as excinfo:
        getattr(sock, call)(*args)
    assert excinfo.value.errno == errno.EBADF


# -- sendmsg: ancillary data --------------------------------------------------------------------


@spec("socket.sendmsg", needs=["scm_rights"])
def test_msg_sendmsg_descriptor_arrives_as_the_same_open_file(impl, unix_pair, payload_file):
    sock, peer = unix_pair
    fd = os.open(str(payload_file(b"0123456789")), os.O_RDONLY)
    try:
        assert sock.sendmsg([b"fd"], [_rights([fd])]) == 2
        data, ancdata, _flags = _peer_recv(peer)
        received = _fds_of(ancdata)
        try:
            assert data == b"fd"
            assert len(received) == 1 and received[0] != fd
            assert _same_file(received[0], fd)
            assert os.read(received[0], 4) == b"0123"
            assert os.read(fd, 3) == b"456"  # one open file description: one offset
        finally:
            close_fds(received)
    finally:
        os.close(fd)


@spec("socket.sendmsg", needs=["scm_rights", "linux"])
def test_msg_sendmsg_two_rights_items_arrive_in_order(impl, unix_pair, files):
    sock, peer = unix_pair
    first, second = files(1), files(2)
    assert sock.sendmsg([b"two items"], [_rights(first), _rights(second)]) == 9
    data, ancdata, flags = _peer_recv(peer)
    received = _fds_of(ancdata)
    try:
        assert data == b"two items"
        assert not flags & _socket.MSG_CTRUNC
        assert len(received) == 3
        assert [_same_file(r, s) for r, s in zip(received, first + second)] == [True] * 3
    finally:
        close_fds(received)


@spec("socket.sendmsg", needs=["scm_rights", "scm_credentials", "linux"])
def test_msg_sendmsg_rights_and_credentials(impl, passcred_pair, files):
    sock, peer = passcred_pair
    sent = files(1)
    creds = struct.pack("3i", os.getpid(), os.getuid(), os.getgid())
    ancdata = [_rights(sent), (_socket.SOL_SOCKET, _socket.SCM_CREDENTIALS, creds)]
    assert sock.sendmsg([b"who"], ancdata) == 3
    data, received_anc, _flags = _peer_recv(peer)
    received = _fds_of(received_anc)
    try:
        assert data == b"who"
        assert len(received) == 1 and _same_file(received[0], sent[0])
        got = [d for level, kind, d in received_anc if kind == _socket.SCM_CREDENTIALS]
        assert got == [creds]
    finally:
        close_fds(received)


# -- sendmsg: waiting for room ------------------------------------------------------------------


@spec("socket.sendmsg", needs=["sendmsg", "af_unix"])
@ARRIVALS
def test_msg_sendmsg_waits_for_room(impl, unix_pair, peer_threads, arrival, timeout):
    sock, peer = unix_pair
    sock.settimeout(timeout)
    payload = [b"after ", b"the filler"]
    # queued: room in the buffer, nothing to wait for; later: a full buffer the peer drains
    filled = 0 if arrival == "queued" else _fill_send_buffer(sock)
    with peer_threads.during_call(arrival, lambda: recv_exactly(peer, filled) if filled else None):
        sent = sock.sendmsg(payload)
    assert sent == 16
    assert recv_exactly(peer, sent) == b"after the filler"
    assert sock.gettimeout() == timeout


@spec("socket.sendmsg", needs=["sendmsg", "af_unix"])
def test_msg_sendmsg_full_buffer_times_out(impl, unix_pair):
    sock, peer = unix_pair
    filled = _fill_send_buffer(sock)
    sock.settimeout(TINY_TIMEOUT)
    with pytest.raises(impl.timeout) as excinfo:
        sock.sendmsg([b"no room"])
    assert excinfo.value.args == ("timed out",)
    assert recv_exactly(peer, filled) == b"f" * filled  # nothing of the timed-out call


@spec("socket.sendmsg", needs=["sendmsg", "af_unix"])
def test_msg_sendmsg_full_buffer_non_blocking_is_eagain(impl, unix_pair):
    sock, peer = unix_pair
    filled = _fill_send_buffer(sock)
    sock.setblocking(False)
    with pytest.raises(BlockingIOError) as excinfo:
        sock.sendmsg([b"no room"])
    assert excinfo.value.errno == errno.EAGAIN
    assert recv_exactly(peer, filled) == b"f" * filled


# -- recvmsg: what it returns -------------------------------------------------------------------


@spec("socket.recvmsg", needs=["recvmsg", "af_unix"], platforms=["linux"])
def test_msg_recvmsg_return_shape_unix_stream(impl, unix_pair):
    sock, peer = unix_pair
    peer.sendall(b"shape")
    result = sock.recvmsg(100)
    assert type(result) is tuple and len(result) == 4
    data, ancdata, msg_flags, address = result
    assert type(data) is bytes and data == b"shape"
    assert ancdata == [] and type(ancdata) is list
    assert type(msg_flags) is int and msg_flags == 0
    assert address is None


@spec("socket.recvmsg", needs=["recvmsg", "af_unix_dgram"], platforms=["linux"])
def test_msg_recvmsg_return_shape_unix_datagram(impl, unix_dgram_pair):
    sock, peer = unix_dgram_pair
    peer.send(b"datagram")
    data, ancdata, msg_flags, address = sock.recvmsg(100)
    assert (data, ancdata, msg_flags, address) == (b"datagram", [], 0, None)


@spec("socket.recvmsg", needs=["recvmsg"])
def test_msg_recvmsg_return_shape_udp(impl, udp_pair):
    sock, peer = udp_pair
    peer.sendto(b"from the peer", sock.getsockname())
    sock.settimeout(PEER_TIMEOUT)
    data, ancdata, msg_flags, address = sock.recvmsg(100)
    assert (data, ancdata, msg_flags) == (b"from the peer", [], 0)
    assert address == peer.getsockname()
    assert type(address) is tuple


@spec("socket.recvmsg", needs=["scm_rights"])
def test_msg_recvmsg_ancillary_items_are_level_type_data_tuples(impl, unix_pair, files):
    sock, peer = unix_pair
    sent = files(2)
    _peer_send_fds(peer, b"fds", sent)
    data, ancdata, msg_flags, _address = sock.recvmsg(100, impl.CMSG_SPACE(2 * INT_SIZE))
    received = _fds_of(ancdata)
    try:
        assert data == b"fds"
        assert not msg_flags & _socket.MSG_CTRUNC
        assert len(ancdata) == 1
        item = ancdata[0]
        assert type(item) is tuple and len(item) == 3
        level, kind, payload = item
        assert (level, kind) == (_socket.SOL_SOCKET, _socket.SCM_RIGHTS)
        assert type(payload) is bytes and len(payload) == 2 * INT_SIZE
    finally:
        close_fds(received)


@spec("socket.recvmsg", needs=["recvmsg", "af_unix"])
def test_msg_recvmsg_stream_leaves_the_rest_queued(impl, unix_pair):
    sock, peer = unix_pair
    peer.sendall(b"abcdef")
    data, _anc, msg_flags, _address = sock.recvmsg(4)
    assert data == b"abcd"
    assert not msg_flags & _socket.MSG_TRUNC
    assert sock.recvmsg(100)[0] == b"ef"


@spec("socket.recvmsg", needs=["recvmsg", "af_unix"])
def test_msg_recvmsg_peek_leaves_data_queued(impl, unix_pair):
    sock, peer = unix_pair
    peer.sendall(b"peeked")
    assert sock.recvmsg(100, 0, _socket.MSG_PEEK)[0] == b"peeked"
    assert sock.recvmsg(100)[0] == b"peeked"


@spec("socket.recvmsg", needs=["recvmsg", "af_unix"])
def test_msg_recvmsg_at_eof_returns_empty_data(impl, unix_pair):
    sock, peer = unix_pair
    peer.sendall(b"last")
    peer.shutdown(_socket.SHUT_WR)
    assert sock.recvmsg(100)[0] == b"last"
    data, ancdata, msg_flags, _address = sock.recvmsg(100)
    assert (data, ancdata, msg_flags) == (b"", [], 0)


@pytest.fixture(params=["unix", "udp"])
def datagram_pair(request, impl):
    """(implementation socket, function sending one datagram to it) for AF_UNIX and UDP."""
    if request.param == "unix":
        sock, peer = request.getfixturevalue("unix_dgram_pair")
        send = peer.send
    else:
        sock, peer = request.getfixturevalue("udp_pair")

        def send(data):
            return peer.sendto(data, sock.getsockname())

    sock.settimeout(PEER_TIMEOUT)
    return sock, send


@spec("socket.recvmsg", needs=["recvmsg", "af_unix_dgram"])
def test_msg_recvmsg_truncated_datagram_sets_msg_trunc(impl, datagram_pair):
    sock, send = datagram_pair
    send(b"a datagram longer than the buffer")
    send(b"next")
    data, _anc, msg_flags, _address = sock.recvmsg(10)
    assert data == b"a datagram"
    assert msg_flags & _socket.MSG_TRUNC
    data, _anc, msg_flags, _address = sock.recvmsg(100)  # the rest was discarded
    assert data == b"next"
    assert not msg_flags & _socket.MSG_TRUNC


# -- recvmsg: descriptors -----------------------------------------------------------------------


@spec("socket.recvmsg", needs=["scm_rights"])
def test_msg_recvmsg_descriptors_arrive_in_order_as_the_same_files(impl, unix_pair, files):
    sock, peer = unix_pair
    read_fd, write_fd = os.pipe()
    sent = [write_fd, *files(2), read_fd]
    try:
        _peer_send_fds(peer, b"four", sent)
        data, ancdata, _flags, _address = sock.recvmsg(100, impl.CMSG_SPACE(4 * INT_SIZE))
        received = _fds_of(ancdata)
        try:
            assert data == b"four"
            assert len(received) == 4
            assert not set(received) & set(sent)
            assert [_same_file(r, s) for r, s in zip(received, sent)] == [True] * 4
            os.write(received[0], b"through the copy")
            assert os.read(received[3], 100) == b"through the copy"
            assert os.read(received[1], 4) == b"file"
            assert os.read(sent[1], 7) == b" number"  # the same open file description
        finally:
            close_fds(received)
    finally:
        close_fds((read_fd, write_fd))


@spec("socket.recvmsg", needs=["scm_rights", "linux"])
@pytest.mark.parametrize(
    "ancbufsize, kept",
    [(0, 0), (_socket.CMSG_LEN(0) - 1, 0), (_socket.CMSG_LEN(INT_SIZE), 1)],
    ids=["no_room", "short_of_a_header", "room_for_one"],
)
def test_msg_recvmsg_ctrunc_discards_what_does_not_fit(impl, unix_pair, files, ancbufsize, kept):
    # Linux closes the descriptors that do not fit: none of them is left open here.
    sock, peer = unix_pair
    sent = files(3)
    _peer_send_fds(peer, b"three", sent)
    before = open_fds()
    data, ancdata, msg_flags, _address = sock.recvmsg(100, ancbufsize)
    after = open_fds()
    received = _fds_of(ancdata)
    close_fds(received)
    assert data == b"three"
    assert msg_flags & _socket.MSG_CTRUNC
    assert len(received) == kept
    assert after - before == set(received)
    assert before - after == set()


@spec("socket.recvmsg", needs=["scm_rights", "scm_credentials", "linux"])
def test_msg_recvmsg_rights_and_credentials(impl, passcred_pair, files):
    sock, peer = passcred_pair
    sent = files(2)
    creds = struct.pack("3i", os.getpid(), os.getuid(), os.getgid())
    peer.sendmsg(
        [b"both"], [_rights(sent), (_socket.SOL_SOCKET, _socket.SCM_CREDENTIALS, creds)]
    )
    ancbufsize = impl.CMSG_SPACE(2 * INT_SIZE) + impl.CMSG_SPACE(len(creds))
    data, ancdata, msg_flags, _address = sock.recvmsg(100, ancbufsize)
    received = _fds_of(ancdata)
    try:
        assert data == b"both"
        assert not msg_flags & _socket.MSG_CTRUNC
        assert sorted(kind for _level, kind, _data in ancdata) == sorted(
            [_socket.SCM_RIGHTS, _socket.SCM_CREDENTIALS]
        )
        assert all(level == _socket.SOL_SOCKET for level, _kind, _data in ancdata)
        got = [d for _level, kind, d in ancdata if kind == _socket.SCM_CREDENTIALS]
        assert got == [creds]
        assert [_same_file(r, s) for r, s in zip(received, sent)] == [True, True]
    finally:
        close_fds(received)


# -- recvmsg: argument errors -------------------------------------------------------------------


@spec("socket.recvmsg", needs=["recvmsg", "af_unix"])
def test_msg_recvmsg_negative_bufsize_is_valueerror(impl, unix_pair):
    sock, peer = unix_pair
    peer.sendall(b"kept")
    with pytest.raises(ValueError, match=r"^negative buffer size in recvmsg\(\)$"):
        sock.recvmsg(-1)
    assert sock.recvmsg(100)[0] == b"kept"


@spec("socket.recvmsg", "socket.recvmsg_into", needs=["recvmsg_into", "af_unix"])
@pytest.mark.parametrize("call", ["recvmsg", "recvmsg_into"])
def test_msg_negative_ancbufsize_is_valueerror(impl, unix_pair, call):
    sock, peer = unix_pair
    peer.sendall(b"kept")
    first = 100 if call == "recvmsg" else [bytearray(100)]
    with pytest.raises(ValueError, match=r"^invalid ancillary data buffer length$"):
        getattr(sock, call)(first, -1)
    assert sock.recvmsg(100)[0] == b"kept"


# -- recvmsg and recvmsg_into: waiting for data ---------------------------------------------------


@spec("socket.recvmsg", needs=["recvmsg", "af_unix"])
@ARRIVALS
def test_msg_recvmsg_gets_data(impl, unix_pair, peer_threads, arrival, timeout):
    sock, peer = unix_pair
    sock.settimeout(timeout)
    with peer_threads.during_call(arrival, lambda: peer.sendall(b"waited for")):
        data, ancdata, msg_flags, _address = sock.recvmsg(100)
    assert (data, ancdata, msg_flags) == (b"waited for", [], 0)
    assert sock.gettimeout() == timeout


@spec("socket.recvmsg_into", needs=["recvmsg_into", "af_unix"])
@ARRIVALS
def test_msg_recvmsg_into_gets_data(impl, unix_pair, peer_threads, arrival, timeout):
    sock, peer = unix_pair
    sock.settimeout(timeout)
    first, second = bytearray(4), bytearray(10)
    with peer_threads.during_call(arrival, lambda: peer.sendall(b"waited for")):
        nbytes, ancdata, msg_flags, _address = sock.recvmsg_into([first, second])
    assert (nbytes, ancdata, msg_flags) == (10, [], 0)
    assert (bytes(first), bytes(second)) == (b"wait", b"ed for" + bytes(4))


@spec("socket.recvmsg", needs=["scm_rights"])
@ARRIVALS
def test_msg_recvmsg_gets_descriptors(impl, unix_pair, files, peer_threads, arrival, timeout):
    sock, peer = unix_pair
    sock.settimeout(timeout)
    sent = files(2)
    with peer_threads.during_call(arrival, lambda: _peer_send_fds(peer, b"fds", sent)):
        data, ancdata, msg_flags, _address = sock.recvmsg(100, impl.CMSG_SPACE(2 * INT_SIZE))
    received = _fds_of(ancdata)
    try:
        assert data == b"fds"
        assert not msg_flags & _socket.MSG_CTRUNC
        assert [_same_file(r, s) for r, s in zip(received, sent)] == [True, True]
        assert len(received) == 2
    finally:
        close_fds(received)


@spec("socket.recvmsg", needs=["recvmsg"])
@pytest.mark.parametrize("arrival, timeout", [("later", None), ("later", PEER_TIMEOUT)],
                         ids=["later-blocking", "later-timeout"])
def test_msg_recvmsg_udp_gets_datagram_and_address(impl, udp_pair, peer_threads, arrival, timeout):
    sock, peer = udp_pair
    sock.settimeout(timeout)
    with peer_threads.during_call(arrival, lambda: peer.sendto(b"late datagram", sock.getsockname())):
        data, _anc, msg_flags, address = sock.recvmsg(100)
    assert (data, msg_flags) == (b"late datagram", 0)
    assert address == peer.getsockname()


@spec("socket.recvmsg", "socket.recvmsg_into", needs=["recvmsg_into", "af_unix"])
@pytest.mark.parametrize("call", ["recvmsg", "recvmsg_into"])
def test_msg_recv_timeout_then_data(impl, unix_pair, call):
    sock, peer = unix_pair
    sock.settimeout(TINY_TIMEOUT)
    buffer = bytearray(100)
    receive = (lambda: sock.recvmsg(100)) if call == "recvmsg" else (
        lambda: sock.recvmsg_into([buffer])
    )
    with pytest.raises(impl.timeout) as excinfo:
        receive()
    assert excinfo.value.args == ("timed out",)
    peer.sendall(b"after the timeout")
    sock.settimeout(PEER_TIMEOUT)
    result = receive()
    got = result[0] if call == "recvmsg" else bytes(buffer[: result[0]])
    assert got == b"after the timeout"


@spec("socket.recvmsg", "socket.recvmsg_into", needs=["recvmsg_into", "af_unix"])
@pytest.mark.parametrize("call", ["recvmsg", "recvmsg_into"])
def test_msg_recv_non_blocking_empty_is_eagain(impl, unix_pair, call):
    sock, _peer = unix_pair
    sock.setblocking(False)
    with pytest.raises(BlockingIOError) as excinfo:
        if call == "recvmsg":
            sock.recvmsg(100)
        else:
            sock.recvmsg_into([bytearray(100)])
    assert excinfo.value.errno == errno.EAGAIN
    assert os.get_blocking(sock.fileno()) is False


@spec("socket.recvmsg", "socket.recvmsg_into", needs=["recvmsg_into", "af_unix", "linux"])
@pytest.mark.parametrize("call", ["recvmsg", "recvmsg_into"])
def test_msg_recv_dontwait_on_blocking_socket_is_eagain(impl, unix_pair, peer_threads, call):
    # MSG_DONTWAIT makes this one call non-blocking: with nothing queued it fails at once. The
    # peer sends once this thread sleeps, so a call that waits gets data instead of the error.
    sock, peer = unix_pair
    assert sock.gettimeout() is None
    with pytest.raises(BlockingIOError) as excinfo:
        with peer_threads.during_call("later", lambda: peer.sendall(b"late")):
            if call == "recvmsg":
                sock.recvmsg(100, 0, _socket.MSG_DONTWAIT)
            else:
                sock.recvmsg_into([bytearray(100)], 0, _socket.MSG_DONTWAIT)
    assert excinfo.value.errno == errno.EAGAIN
    assert sock.gettimeout() is None


@spec("socket.sendmsg", needs=["sendmsg", "af_unix", "linux"])
def test_msg_sendmsg_dontwait_full_buffer_on_blocking_socket_is_eagain(impl, unix_pair):
    sock, peer = unix_pair
    filled = _fill_send_buffer(sock)
    assert sock.gettimeout() is None
    with pytest.raises(BlockingIOError) as excinfo:
        sock.sendmsg([b"no room"], [], _socket.MSG_DONTWAIT)
    assert excinfo.value.errno == errno.EAGAIN
    assert recv_exactly(peer, filled) == b"f" * filled


# -- recvmsg_into: buffers ----------------------------------------------------------------------


@spec("socket.recvmsg_into", needs=["recvmsg_into", "af_unix"])
def test_msg_recvmsg_into_scatters_in_order(impl, unix_pair):
    sock, peer = unix_pair
    peer.sendall(b"abcdefghij")
    first, second, third = bytearray(3), bytearray(4), bytearray(10)
    nbytes, ancdata, msg_flags, _address = sock.recvmsg_into([first, second, third])
    assert (nbytes, ancdata, msg_flags) == (10, [], 0)
    assert bytes(first) == b"abc"
    assert bytes(second) == b"defg"
    assert bytes(third) == b"hij" + bytes(7)


@spec("socket.recvmsg_into", needs=["recvmsg_into", "af_unix"])
@pytest.mark.parametrize("kind", peers.WRITABLE_BUFFER_KINDS)
def test_msg_recvmsg_into_writable_buffer_kinds(impl, unix_pair, kind):
    sock, peer = unix_pair
    peer.sendall(b"12345678")
    target, held = peers.writable_buffer(kind, 8)
    nbytes, _anc, _flags, _address = sock.recvmsg_into([target])
    assert nbytes == 8
    assert held() == (b"[12345678]" if kind == "memoryview_slice" else b"12345678")


@spec("socket.recvmsg_into", needs=["recvmsg_into", "af_unix"])
def test_msg_recvmsg_into_short_data_leaves_later_buffers_untouched(impl, unix_pair):
    sock, peer = unix_pair
    peer.sendall(b"abcde")
    first, second, third = bytearray(b"***"), bytearray(b"****"), bytearray(b"**")
    nbytes, _anc, _flags, _address = sock.recvmsg_into([first, second, third])
    assert nbytes == 5
    assert (first, second, third) == (b"abc", b"de**", b"**")


@spec("socket.recvmsg_into", needs=["recvmsg_into", "af_unix"])
def test_msg_recvmsg_into_without_buffers_leaves_stream_data_queued(impl, unix_pair):
    sock, peer = unix_pair
    peer.sendall(b"still here")
    nbytes, ancdata, _flags, _address = sock.recvmsg_into([])
    assert (nbytes, ancdata) == (0, [])
    assert sock.recvmsg(100)[0] == b"still here"


@spec("socket.recvmsg_into", needs=["recvmsg_into", "af_unix_dgram"])
def test_msg_recvmsg_into_without_buffers_consumes_a_datagram(impl, unix_dgram_pair):
    sock, peer = unix_dgram_pair
    peer.send(b"dropped")
    peer.send(b"next")
    nbytes, ancdata, msg_flags, _address = sock.recvmsg_into([])
    assert (nbytes, ancdata) == (0, [])
    assert msg_flags & _socket.MSG_TRUNC
    assert sock.recvmsg(100)[0] == b"next"


@spec("socket.recvmsg_into", needs=["recvmsg_into", "af_unix_dgram"])
def test_msg_recvmsg_into_truncated_datagram_fills_every_buffer(impl, datagram_pair):
    sock, send = datagram_pair
    send(b"0123456789")
    first, second = bytearray(3), bytearray(4)
    nbytes, _anc, msg_flags, _address = sock.recvmsg_into([first, second])
    assert nbytes == 7
    assert msg_flags & _socket.MSG_TRUNC
    assert (first, second) == (b"012", b"3456")


@spec("socket.recvmsg_into", needs=["recvmsg_into"])
def test_msg_recvmsg_into_return_shape_udp(impl, udp_pair):
    sock, peer = udp_pair
    peer.sendto(b"into", sock.getsockname())
    sock.settimeout(PEER_TIMEOUT)
    buffer = bytearray(10)
    result = sock.recvmsg_into([buffer])
    assert type(result) is tuple and len(result) == 4
    nbytes, ancdata, msg_flags, address = result
    assert type(nbytes) is int and nbytes == 4
    assert (ancdata, msg_flags) == ([], 0)
    assert address == peer.getsockname()
    assert buffer[:4] == b"into"


@spec("socket.recvmsg_into", needs=["recvmsg_into", "af_unix"])
@pytest.mark.parametrize(
    "buffers", [[bytes(4)], [bytearray(2), b"...."], 5], ids=["bytes", "mixed", "not_iterable"]
)
def test_msg_recvmsg_into_unwritable_buffers_is_typeerror(impl, unix_pair, buffers):
    sock, peer = unix_pair
    peer.sendall(b"kept")
    with pytest.raises(TypeError):
        sock.recvmsg_into(buffers)
    assert sock.recvmsg(100)[0] == b"kept"


@spec("socket.recvmsg_into", needs=["scm_rights", "recvmsg_into"])
def test_msg_recvmsg_into_with_descriptors(impl, unix_pair, files):
    sock, peer = unix_pair
    sent = files(1)
    _peer_send_fds(peer, b"into+fd", sent)
    buffer = bytearray(16)
    nbytes, ancdata, msg_flags, _address = sock.recvmsg_into([buffer], impl.CMSG_SPACE(INT_SIZE))
    received = _fds_of(ancdata)
    try:
        assert nbytes == 7 and buffer[:7] == b"into+fd"
        assert not msg_flags & _socket.MSG_CTRUNC
        assert len(received) == 1 and _same_file(received[0], sent[0])
    finally:
        close_fds(received)
