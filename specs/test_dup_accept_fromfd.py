"""``socket.dup()``, ``socket.accept()`` and ``fromfd()``: the new socket's class, timeout and fd.

``dup()`` keeps the subclass and copies the timeout; ``accept()`` always returns the base
``socket`` class and, when there is no default timeout, a blocking socket even from a listener
with a timeout (issue 7995); ``fromfd()`` wraps a duplicate and trusts the family it is given.
All new descriptors are non-inheritable.
"""

import _socket
import errno
import os
from contextlib import closing

import pytest

from fixtures.peers import PEER_TIMEOUT, fd_is_open, raw_client, recv_exactly
from harness.model.spec import spec


@pytest.fixture
def default_timeout_guard(impl):
    """Restore the module's default timeout to None after the spec, whatever happens."""
    assert impl.getdefaulttimeout() is None
    yield
    impl.setdefaulttimeout(None)


def _listener(cls, timeout=PEER_TIMEOUT):
    sock = cls(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        sock.settimeout(timeout)
    except BaseException:
        sock.close()
        raise
    return sock


# -- dup ------------------------------------------------------------------------------------


@spec("socket.dup")
def test_dup_keeps_the_subclass(impl):
    class Sub(impl.socket):
        __slots__ = ()

    with Sub() as sock, sock.dup() as copy:
        assert type(copy) is Sub


@spec("socket.dup")
def test_dup_of_base_socket_is_base_class(impl):
    with impl.socket() as sock, sock.dup() as copy:
        assert type(copy) is impl.socket


@spec("socket.dup")
@pytest.mark.parametrize("timeout", [None, 0.0, 2.5], ids=["blocking", "nonblocking", "timeout"])
def test_dup_copies_the_timeout(impl, timeout):
    with impl.socket() as sock:
        sock.settimeout(timeout)
        with sock.dup() as copy:
            assert copy.gettimeout() == timeout


@spec("socket.dup")
@pytest.mark.parametrize(
    "kind, proto",
    [(_socket.SOCK_DGRAM, _socket.IPPROTO_UDP), (_socket.SOCK_STREAM, _socket.IPPROTO_TCP)],
    ids=["udp", "tcp"],
)
def test_dup_keeps_family_type_proto(impl, kind, proto):
    # AF_INET and SOCK_DGRAM are the same number (2): the tcp case tells family from type
    with impl.socket(_socket.AF_INET, kind, proto) as sock:
        with sock.dup() as copy:
            assert (copy.family, copy.type, copy.proto) == (_socket.AF_INET, kind, proto)
            assert copy.family is impl.AF_INET


@spec("socket.dup")
def test_dup_descriptor_is_new_and_not_inheritable(impl):
    with impl.socket() as sock:
        sock.set_inheritable(True)
        with sock.dup() as copy:
            assert copy.fileno() != sock.fileno()
            assert copy.get_inheritable() is False
            assert os.get_inheritable(copy.fileno()) is False


@spec("socket.dup")
def test_dup_closing_the_copy_leaves_the_original_open(impl, tcp_pair):
    sock, peer = tcp_pair
    copy = sock.dup()
    copy_fd = copy.fileno()
    copy.close()
    assert not fd_is_open(copy_fd)
    assert fd_is_open(sock.fileno())
    sock.sendall(b"orig")
    assert recv_exactly(peer, 4) == b"orig"


@spec("socket.dup")
def test_dup_shares_the_connection(impl, tcp_pair):
    sock, peer = tcp_pair
    with sock.dup() as copy:
        assert copy.getsockname() == sock.getsockname()
        assert copy.getpeername() == peer.getsockname()
        copy.sendall(b"via dup")
        assert recv_exactly(peer, 7) == b"via dup"
        peer.sendall(b"back")
        sock.settimeout(PEER_TIMEOUT)
        assert sock.recv(4) == b"back"


# -- accept ---------------------------------------------------------------------------------


@spec("socket.accept")
def test_accept_returns_socket_and_peer_address(impl):
    with _listener(impl.socket) as listener:
        with closing(raw_client(listener.getsockname())) as client:
            conn, addr = listener.accept()
            with conn:
                assert addr == client.getsockname()
                assert conn.getpeername() == client.getsockname()
                assert conn.getsockname() == listener.getsockname()
                client.sendall(b"hello")
                assert conn.recv(5) == b"hello"


@spec("socket.accept")
def test_accept_on_subclass_listener_returns_base_class(impl):
    class Sub(impl.socket):
        __slots__ = ()

    with _listener(Sub) as listener:
        with closing(raw_client(listener.getsockname())):
            conn, _addr = listener.accept()
            with conn:
                assert type(conn) is impl.socket
                assert not isinstance(conn, Sub)


@spec("socket.accept")
def test_accept_result_has_enum_family_and_type(impl):
    with _listener(impl.socket) as listener:
        with closing(raw_client(listener.getsockname())):
            conn, _addr = listener.accept()
            with conn:
                assert conn.family is impl.AF_INET
                assert conn.type is impl.SOCK_STREAM
                assert conn.proto == listener.proto


@spec("socket.accept")
def test_accept_descriptor_is_not_inheritable(impl):
    with _listener(impl.socket) as listener:
        listener.set_inheritable(True)
        with closing(raw_client(listener.getsockname())):
            conn, _addr = listener.accept()
            with conn:
                assert conn.get_inheritable() is False
                assert os.get_inheritable(conn.fileno()) is False


@spec("socket.accept")
def test_accept_from_listener_with_timeout_is_blocking(impl, default_timeout_guard):
    with _listener(impl.socket, timeout=PEER_TIMEOUT) as listener:
        with closing(raw_client(listener.getsockname())):
            conn, _addr = listener.accept()
            with conn:
                assert conn.gettimeout() is None
                assert conn.getblocking() is True
                assert os.get_blocking(conn.fileno()) is True


@spec("socket.accept")
def test_accept_uses_default_timeout_when_set(impl, default_timeout_guard):
    with _listener(impl.socket, timeout=PEER_TIMEOUT) as listener:
        impl.setdefaulttimeout(3.5)
        with closing(raw_client(listener.getsockname())):
            conn, _addr = listener.accept()
            with conn:
                assert conn.gettimeout() == 3.5
                assert os.get_blocking(conn.fileno()) is False


@spec("socket.accept")
def test_accept_from_blocking_listener_with_default_timeout(impl, default_timeout_guard):
    with _listener(impl.socket, timeout=None) as listener:
        impl.setdefaulttimeout(4.5)
        with closing(raw_client(listener.getsockname())):
            conn, _addr = listener.accept()
            with conn:
                assert conn.gettimeout() == 4.5


@spec("socket.accept")
def test_accept_does_not_change_listener_timeout(impl, default_timeout_guard):
    with _listener(impl.socket, timeout=7.0) as listener:
        with closing(raw_client(listener.getsockname())):
            conn, _addr = listener.accept()
            conn.close()
        assert listener.gettimeout() == 7.0


# -- fromfd ---------------------------------------------------------------------------------


@spec("fromfd")
def test_fromfd_wraps_a_new_descriptor(impl, tcp_pair):
    sock, _peer = tcp_pair
    with impl.fromfd(sock.fileno(), _socket.AF_INET, _socket.SOCK_STREAM) as copy:
        assert type(copy) is impl.socket
        assert copy.fileno() != sock.fileno()
        assert copy.getsockname() == sock.getsockname()


@spec("fromfd")
def test_fromfd_descriptor_is_not_inheritable(impl):
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    with closing(raw):
        os.set_inheritable(raw.fileno(), True)
        with impl.fromfd(raw.fileno(), _socket.AF_INET, _socket.SOCK_STREAM) as copy:
            assert copy.get_inheritable() is False
            assert os.get_inheritable(copy.fileno()) is False
        assert os.get_inheritable(raw.fileno()) is True


@spec("fromfd")
def test_fromfd_leaves_the_original_open(impl):
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    with closing(raw):
        copy = impl.fromfd(raw.fileno(), _socket.AF_INET, _socket.SOCK_STREAM)
        copy_fd = copy.fileno()
        copy.close()
        assert not fd_is_open(copy_fd)
        assert fd_is_open(raw.fileno())
        assert raw.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE) == _socket.SOCK_STREAM


@spec("fromfd")
def test_fromfd_shares_the_connection(impl, tcp_pair):
    sock, peer = tcp_pair
    with impl.fromfd(sock.fileno(), _socket.AF_INET, _socket.SOCK_STREAM) as copy:
        copy.sendall(b"via fromfd")
        assert recv_exactly(peer, 10) == b"via fromfd"
        peer.sendall(b"reply")
        copy.settimeout(PEER_TIMEOUT)
        assert recv_exactly(copy, 5) == b"reply"


@spec("fromfd", needs=["af_unix"])
@pytest.mark.parametrize("kind", ["SOCK_DGRAM", "SOCK_RAW"])
def test_fromfd_trusts_the_given_family_and_type(impl, unix_pair, kind):
    # AF_INET is 2 and so is SOCK_DGRAM: SOCK_RAW (3) tells the family from the type
    sock, _peer = unix_pair
    with impl.fromfd(sock.fileno(), _socket.AF_INET, getattr(_socket, kind)) as copy:
        assert copy.family is impl.AF_INET
        assert copy.type is getattr(impl, kind)
        assert copy.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE) == _socket.SOCK_STREAM


@spec("fromfd")
def test_fromfd_proto_defaults_to_zero(impl):
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM, _socket.IPPROTO_TCP)
    with closing(raw):
        with impl.fromfd(raw.fileno(), _socket.AF_INET, _socket.SOCK_STREAM) as copy:
            assert copy.proto == 0
        proto = _socket.IPPROTO_TCP
        with impl.fromfd(raw.fileno(), _socket.AF_INET, _socket.SOCK_STREAM, proto) as copy:
            assert copy.proto == proto


@spec("fromfd")
def test_fromfd_of_closed_descriptor_raises_ebadf(impl):
    fd = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM).detach()
    os.close(fd)
    with pytest.raises(OSError) as info:
        impl.fromfd(fd, _socket.AF_INET, _socket.SOCK_STREAM)
    assert info.value.errno == errno.EBADF


# -- fromshare: Windows sockets shared through WSADuplicateSocket ---------------------------


@spec("fromshare", "__all__", platforms=["linux", "darwin"])
def test_fromshare_absent_without_socket_share(impl):
    assert not hasattr(_socket.socket, "share")
    assert not hasattr(impl, "fromshare")
    assert "fromshare" not in impl.__all__


@spec("fromshare", platforms=["win32"])
def test_fromshare_rebuilds_a_shared_socket_of_the_implementation_class(impl, tcp_pair):
    # On Windows itself, and under the windows persona (whose _socket.socket shares a
    # duplicate descriptor as Windows shares a WSAPROTOCOL_INFOW structure).
    sock, peer = tcp_pair
    shared = sock.share(os.getpid())
    assert isinstance(shared, bytes)
    copy = impl.fromshare(shared)
    try:
        assert type(copy) is impl.socket
        assert copy.family == sock.family and copy.type == sock.type
        assert copy.fileno() != sock.fileno()
        copy.sendall(b"through the shared copy")
        assert recv_exactly(peer, 23) == b"through the shared copy"
        assert "fromshare" in impl.__all__
    finally:
        copy.close()
