"""send_fds() and recv_fds(): passing file descriptors over AF_UNIX with SCM_RIGHTS.

The implementation's socket sends (or receives) and the ``_socket`` peer of ``unix_pair`` does the
other half with plain ``sendmsg``/``recvmsg``. Every descriptor a spec receives is closed by it.
Pinned as currently specified: ``flags`` and ``address`` are ignored (gh-107898, gh-127840,
gh-128881), and truncation shows up only in ``msg_flags`` (MSG_CTRUNC).
"""

from __future__ import annotations

import _socket
import array
import inspect
import os

import pytest

from fixtures import fresh, peers
from fixtures.peers import close_fds
from fixtures.peers import open_fds as _open_fds
from harness.model.spec import spec

INT_SIZE = array.array("i").itemsize


# -- helpers ----------------------------------------------------------------------------------


def _same_file(fd_a: int, fd_b: int) -> bool:
    a, b = os.fstat(fd_a), os.fstat(fd_b)
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _peer_send(peer, data: bytes, fds):
    """Send ``data`` with ``fds`` from the raw peer, in one SCM_RIGHTS message."""
    rights = array.array("i", fds)
    return peer.sendmsg([data], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])


def _peer_recv(peer, bufsize: int, maxfds: int):
    """(data, fds, msg_flags) received by the raw peer."""
    data, ancdata, msg_flags, _addr = peer.recvmsg(bufsize, _socket.CMSG_SPACE(maxfds * INT_SIZE))
    fds = array.array("i")
    for level, kind, payload in ancdata:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % INT_SIZE])
    return data, list(fds), msg_flags


def _recv(impl, sock, peer, data: bytes, fds, *args):
    """The raw peer sends ``data`` with ``fds``: what ``impl.recv_fds(sock, *args)`` returns."""
    _peer_send(peer, data, fds)
    sock.settimeout(peers.PEER_TIMEOUT)
    return impl.recv_fds(sock, *args)


def _passed(impl, direction, unix_pair, data: bytes, fds, maxfds: int):
    """``fds`` passed with ``data`` over ``unix_pair`` by the implementation's ``direction``
    (``send_fds``: it sends and the raw peer receives; ``recv_fds``: the other way round):
    (data, descriptors, msg_flags) as received."""
    sock, peer = unix_pair
    if direction == "send_fds":
        impl.send_fds(sock, [data], fds)
        return _peer_recv(peer, 100, maxfds)
    data, received, msg_flags, _addr = _recv(impl, sock, peer, data, fds, 100, maxfds)
    return data, received, msg_flags


@pytest.fixture
def pipe():
    """(read end, write end) of a new pipe, closed afterwards."""
    read_fd, write_fd = os.pipe()
    yield read_fd, write_fd
    close_fds((read_fd, write_fd))


# -- send_fds ---------------------------------------------------------------------------------


@spec("send_fds", since="3.9", needs=["scm_rights"])
def test_fd_passing_functions_are_public(impl):
    assert callable(impl.send_fds)
    assert callable(impl.recv_fds)
    assert "send_fds" in impl.__all__
    assert "recv_fds" in impl.__all__


@spec("send_fds", since="3.9", needs=["scm_rights"])
@pytest.mark.parametrize(
    "buffers, expected", [([b"abc"], 3), ([b"ab", b"cde", b""], 5)], ids=["one", "several"]
)
def test_fd_passing_send_fds_returns_bytes_sent(impl, unix_pair, files, buffers, expected):
    sock, peer = unix_pair
    assert impl.send_fds(sock, buffers, files(1)) == expected
    data, received, _flags = _peer_recv(peer, 100, 4)
    close_fds(received)
    assert data == b"".join(buffers)
    assert len(received) == 1


@spec("send_fds", "recv_fds", since="3.9", needs=["scm_rights"])
@pytest.mark.parametrize("direction", ["send_fds", "recv_fds"])
def test_fd_passing_delivers_data_and_a_new_descriptor_of_the_same_file(impl, unix_pair, pipe,
                                                                        direction):
    read_fd, write_fd = pipe
    data, received, _flags = _passed(impl, direction, unix_pair, b"here is a pipe", [write_fd], 4)
    try:
        assert data == b"here is a pipe"
        assert len(received) == 1
        assert received[0] not in (read_fd, write_fd)
        assert _same_file(received[0], write_fd)
        os.write(received[0], b"through the copy")
        assert os.read(read_fd, 100) == b"through the copy"
    finally:
        close_fds(received)


@spec("send_fds", "recv_fds", since="3.9", needs=["scm_rights"])
@pytest.mark.parametrize("direction, count, maxfds", [("send_fds", 3, 8), ("recv_fds", 4, 4)],
                         ids=["send_fds", "recv_fds"])
def test_fd_passing_many_descriptors_in_order(impl, unix_pair, files, direction, count, maxfds):
    sent = files(count)
    data, received, flags = _passed(impl, direction, unix_pair, b"in order", sent, maxfds)
    try:
        assert data == b"in order"
        assert len(received) == count
        assert not set(received) & set(sent)
        assert [_same_file(r, s) for r, s in zip(received, sent)] == [True] * count
        assert not flags & _socket.MSG_CTRUNC
    finally:
        close_fds(received)


@spec("send_fds", since="3.9", needs=["scm_rights"])
def test_fd_passing_send_fds_keeps_senders_descriptors_open(impl, unix_pair, pipe):
    sock, peer = unix_pair
    read_fd, write_fd = pipe
    impl.send_fds(sock, [b"x"], [read_fd, write_fd])
    _data, received, _flags = _peer_recv(peer, 100, 4)
    close_fds(received)
    assert peers.fd_is_open(read_fd) and peers.fd_is_open(write_fd)
    os.write(write_fd, b"still mine")
    assert os.read(read_fd, 100) == b"still mine"


@spec("send_fds", since="3.9", needs=["scm_rights"])
@pytest.mark.parametrize("ignored, payload", [("address", b"addressed"), ("flags", b"abc")],
                         ids=["address", "flags"])
def test_fd_passing_send_fds_ignores_argument(impl, unix_pair, files, tmp_path, ignored,
                                              payload):
    # address (gh-107898): given to sendmsg() on a connected stream socket it would fail with
    # EISCONN; send_fds() does not pass it on.
    # flags (gh-127840): with MSG_OOB honoured the last byte would go out of band (or sendmsg
    # would fail with EOPNOTSUPP); send_fds() drops the flags, so every byte arrives in band.
    sock, peer = unix_pair
    sent = files(1)
    if ignored == "address":
        extra = (0, str(tmp_path / "no-such-socket"))
    else:
        extra = (_socket.MSG_OOB,)
    assert impl.send_fds(sock, [payload], sent, *extra) == len(payload)
    data, received, _flags = _peer_recv(peer, 100, 4)
    try:
        assert data == payload
        assert len(received) == 1 and _same_file(received[0], sent[0])
    finally:
        close_fds(received)


# -- recv_fds ---------------------------------------------------------------------------------


@spec("recv_fds", since="3.9", needs=["scm_rights"])
def test_fd_passing_recv_fds_return_shape(impl, unix_pair, files):
    sock, peer = unix_pair
    result = _recv(impl, sock, peer, b"shape", files(2), 100, 4)
    try:
        assert isinstance(result, tuple) and len(result) == 4
        data, fds, msg_flags, _addr = result
        assert isinstance(data, bytes) and data == b"shape"
        assert type(fds) is list and len(fds) == 2
        assert all(type(fd) is int for fd in fds)
        assert isinstance(msg_flags, int)
    finally:
        close_fds(result[1])


@spec("recv_fds", since="3.9", needs=["scm_rights"], platforms=["linux"])
def test_fd_passing_recv_fds_address_of_socketpair_is_none(impl, unix_pair, files):
    sock, peer = unix_pair
    _data, fds, _flags, addr = _recv(impl, sock, peer, b"addr", files(1), 100, 4)
    close_fds(fds)
    assert len(fds) == 1
    assert addr is None


@spec("recv_fds", since="3.9", needs=["scm_rights"])
def test_fd_passing_recv_fds_descriptor_outlives_senders_copy(impl, unix_pair, payload_file):
    sock, peer = unix_pair
    fd = os.open(str(payload_file(b"kept alive by the receiver")), os.O_RDONLY)
    try:
        _peer_send(peer, b"f", [fd])
    finally:
        os.close(fd)
    sock.settimeout(peers.PEER_TIMEOUT)
    _data, fds, _flags, _addr = impl.recv_fds(sock, 100, 1)
    try:
        assert len(fds) == 1
        assert os.read(fds[0], 100) == b"kept alive by the receiver"
    finally:
        close_fds(fds)


# A process that only receives descriptors, or only sends them: the call is the first of the
# two the process makes, with nothing of fd passing loaded before it (fixtures.fresh).
_ONLY_RECEIVES = r"""
import os
sock = module.socket(fileno=int(sys.argv[1]))
sock.settimeout(30)
data, fds, msg_flags, _ = module.recv_fds(sock, 64, 2)
seen = (data, len(fds), os.read(fds[0], 64) if fds else b"", msg_flags)
for fd in fds:
    os.close(fd)
sock.close()
print(repr(seen))
"""

_ONLY_SENDS = r"""
sock = module.socket(fileno=int(sys.argv[1]))
sent = module.send_fds(sock, [b"hello"], [int(sys.argv[2])])
sock.close()
print(repr(sent))
"""


@spec("send_fds", "recv_fds", since="3.9", needs=["scm_rights"], personas=["native"])
@pytest.mark.parametrize("role", ["receiver", "sender"])
def test_fd_passing_works_first_thing_in_a_fresh_process(impl, pipe, role):
    read_fd, write_fd = pipe
    os.write(write_fd, b"through the pipe")
    near, far = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        far.settimeout(peers.PEER_TIMEOUT)
        if role == "receiver":
            _peer_send(far, b"hello", [read_fd])
            seen = fresh.run(impl, _ONLY_RECEIVES, str(near.fileno()), pass_fds=[near.fileno()])
            assert seen == (b"hello", 1, b"through the pipe", 0)
        else:
            sent = fresh.run(impl, _ONLY_SENDS, str(near.fileno()), str(read_fd),
                             pass_fds=[near.fileno(), read_fd])
            data, fds, msg_flags = _peer_recv(far, 64, 2)
            try:
                assert (sent, data, len(fds), msg_flags) == (5, b"hello", 1, 0)
                assert os.read(fds[0], 64) == b"through the pipe"
            finally:
                close_fds(fds)
    finally:
        near.close()
        far.close()


@spec("recv_fds", since="3.9", needs=["scm_rights"])
def test_fd_passing_recv_fds_data_only_gives_empty_list(impl, unix_pair):
    sock, peer = unix_pair
    peer.sendall(b"no descriptors")
    sock.settimeout(peers.PEER_TIMEOUT)
    data, fds, msg_flags, _addr = impl.recv_fds(sock, 100, 4)
    assert data == b"no descriptors"
    assert fds == []
    assert not msg_flags & _socket.MSG_CTRUNC


@spec("recv_fds", since="3.9", needs=["scm_rights"])
def test_fd_passing_recv_fds_bufsize_limits_data(impl, unix_pair, files):
    sock, peer = unix_pair
    data, fds, _flags, _addr = _recv(impl, sock, peer, b"abcdef", files(1), 3, 1)
    close_fds(fds)
    assert data == b"abc"
    assert len(fds) == 1
    assert peers.recv_exactly(sock, 3) == b"def"  # the rest stays queued


@spec("recv_fds", since="3.9", needs=["scm_rights"], platforms=["linux"])
@pytest.mark.parametrize("maxfds", [0, 1, 2])
def test_fd_passing_recv_fds_truncates_to_maxfds(impl, unix_pair, files, maxfds):
    # Linux keeps the first maxfds descriptors and discards the others (gh-80931).
    sock, peer = unix_pair
    sent = files(3)
    data, fds, _flags, _addr = _recv(impl, sock, peer, b"three", sent, 100, maxfds)
    try:
        assert data == b"three"
        assert len(fds) == maxfds
        assert [_same_file(r, s) for r, s in zip(fds, sent)] == [True] * maxfds
    finally:
        close_fds(fds)


@spec("recv_fds", since="3.9", needs=["scm_rights"])
@pytest.mark.parametrize("maxfds", [1, 3, 5], ids=["truncated", "exact", "more"])
def test_fd_passing_recv_fds_msg_ctrunc_only_when_truncated(impl, unix_pair, files, maxfds):
    sock, peer = unix_pair
    data, fds, msg_flags, _addr = _recv(impl, sock, peer, b"three", files(3), 100, maxfds)
    close_fds(fds)
    assert data == b"three"
    if maxfds < 3:
        assert msg_flags & _socket.MSG_CTRUNC
    else:
        assert len(fds) == 3
        assert not msg_flags & _socket.MSG_CTRUNC


@spec("recv_fds", since="3.9", needs=["scm_rights"], platforms=["linux"])
def test_fd_passing_recv_fds_truncation_leaks_no_descriptor(impl, unix_pair, files):
    # gh-80931: on Linux the descriptors that did not fit are closed by the kernel.
    sock, peer = unix_pair
    _peer_send(peer, b"three", files(3))
    sock.settimeout(peers.PEER_TIMEOUT)
    before = _open_fds()
    _data, fds, _flags, _addr = impl.recv_fds(sock, 100, 1)
    after = _open_fds()
    close_fds(fds)
    assert len(fds) == 1
    assert after - before == set(fds)
    assert before - after == set()


@spec("recv_fds", since="3.9", needs=["scm_rights"])
def test_fd_passing_recv_fds_ignores_msg_peek(impl, unix_pair, files):
    # gh-107898: MSG_PEEK is not passed on, so the message is consumed, not peeked at.
    sock, peer = unix_pair
    sent = files(1)
    data, fds, _flags, _addr = _recv(impl, sock, peer, b"first", sent, 100, 1, _socket.MSG_PEEK)
    try:
        assert data == b"first"
        assert len(fds) == 1 and _same_file(fds[0], sent[0])
    finally:
        close_fds(fds)
    peer.sendall(b"second")
    assert peers.recv_exactly(sock, 6) == b"second"


@spec("recv_fds", since="3.9", needs=["scm_rights", "scm_credentials", "linux"])
@pytest.mark.parametrize("count", [0, 1], ids=["data-only", "one-descriptor"])
def test_fd_passing_recv_fds_takes_descriptors_from_scm_rights_only(impl, passcred_pair, files,
                                                                    count):
    # With SO_PASSCRED the kernel attaches an SCM_CREDENTIALS message (pid, uid, gid: three
    # ints) to what arrives: those are not descriptors.
    sock, peer = passcred_pair
    sent = files(count)
    data, fds, msg_flags, _addr = _recv(impl, sock, peer, b"creds", sent, 100, 16)
    try:
        assert data == b"creds"
        assert not msg_flags & _socket.MSG_CTRUNC
        assert len(fds) == count
        assert [_same_file(r, s) for r, s in zip(fds, sent)] == [True] * count
    finally:
        close_fds(fds)


class _Number(int):
    """An int equal to the kernel's but not the same object (as an enum member would be)."""


def _relaying_socket(impl, sock, strays):
    """``sock`` as an instance of a subclass of ``impl.socket`` whose ``recvmsg`` relays the
    kernel's answer with its levels and kinds as ``_Number``s and the items ``strays`` added
    after each SCM_RIGHTS item: what a wrapper that logs or adapts ``recvmsg`` may return."""

    class Relaying(impl.socket):
        def recvmsg(self, *args):
            data, ancillary, flags, address = super().recvmsg(*args)
            relayed = []
            for level, kind, payload in ancillary:
                relayed.append((_Number(level), _Number(kind), payload))
                if (level, kind) == (_socket.SOL_SOCKET, _socket.SCM_RIGHTS):
                    relayed.extend(strays(payload))
            return data, relayed, flags, address

    return Relaying(_socket.AF_UNIX, _socket.SOCK_STREAM, 0, sock.detach())


@spec("recv_fds", since="3.9", needs=["scm_rights"])
def test_fd_passing_recv_fds_reads_only_whole_descriptors_of_scm_rights_items(impl, unix_pair,
                                                                              files):
    # recv_fds() is built on sock.recvmsg(): of what it returns, only SOL_SOCKET/SCM_RIGHTS
    # items hold descriptors (compared by value), and bytes short of a whole int are dropped.
    level, rights = _socket.SOL_SOCKET, _socket.SCM_RIGHTS

    def strays(payload):
        return [(level - 1, rights, payload), (level + 1, rights, payload),
                (level, rights - 1, payload), (level, rights + 1, payload),
                (level, rights, payload + b"\x01\x02")]

    raw, peer = unix_pair
    sock = _relaying_socket(impl, raw, strays)
    try:
        sent = files(2)
        data, fds, _flags, _addr = _recv(impl, sock, peer, b"relayed", sent, 100, 4)
        try:
            assert data == b"relayed"
            assert len(fds) == 4  # the kernel's two, and the stray SCM_RIGHTS item's two
            assert fds[:2] == fds[2:]
            assert [_same_file(r, s) for r, s in zip(fds, sent)] == [True, True]
        finally:
            close_fds(set(fds))
    finally:
        sock.close()


@spec("send_fds", "recv_fds", since="3.9", needs=["scm_rights"])
def test_fd_passing_optional_parameters_by_name_and_default(impl, unix_pair, files):
    # Callers pass flags and address by keyword, and read the defaults from help(); a call
    # that leaves them out works.
    def described(function):
        return [(p.name, p.default) for p in inspect.signature(function).parameters.values()]

    empty = inspect.Parameter.empty
    assert described(impl.send_fds) == [("sock", empty), ("buffers", empty), ("fds", empty),
                                        ("flags", 0), ("address", None)]
    assert described(impl.recv_fds) == [("sock", empty), ("bufsize", empty),
                                        ("maxfds", empty), ("flags", 0)]
    sock, peer = unix_pair
    sent = files(1)
    assert impl.send_fds(sock, [b"out"], sent) == 3
    data, fds, _flags = _peer_recv(peer, 100, 4)
    close_fds(fds)
    assert (data, len(fds)) == (b"out", 1)
    data, fds, _flags, _addr = _recv(impl, sock, peer, b"in", sent, 100, 4)
    close_fds(fds)
    assert (data, len(fds)) == (b"in", 1)
