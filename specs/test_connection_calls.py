"""Connection calls: ``connect``/``connect_ex``, ``bind``, ``listen``, ``shutdown``,
``getsockname``/``getpeername`` and ``getsockopt``/``setsockopt``.

``connect`` raises the ``OSError`` subclass of the errno (``ConnectionRefusedError``,
``BlockingIOError`` with ``EINPROGRESS``); ``connect_ex`` returns the errno instead, but still
raises for an address it cannot parse. Addresses are checked before any system call, with
messages that name the call (``connect(): port must be 0-65535.``). The names a socket reports
have the shape of its family: ``(host, port)`` for AF_INET, ``(host, port, flowinfo,
scope_id)`` for AF_INET6, a ``str`` path or a ``bytes`` abstract name (or ``''``) for AF_UNIX.
"""

import _socket
import errno
import itertools
import os
import select
import stat
import struct
from contextlib import closing

import pytest

from fixtures.peers import PEER_TIMEOUT, fd_is_open, raw_listener, recv_exactly
from harness.model.spec import case, spec

_abstract_names = itertools.count()


def _abstract_name() -> bytes:
    return b"\0sockspec-cc-%d-%d" % (os.getpid(), next(_abstract_names))


def _accept_raw(listener):
    fd, _addr = listener._accept()
    peer = _socket.socket(listener.family, _socket.SOCK_STREAM, 0, fd)
    peer.settimeout(PEER_TIMEOUT)
    return peer


@pytest.fixture
def listener():
    """A ``_socket`` TCP listener on 127.0.0.1 (kernel port)."""
    sock = raw_listener()
    yield sock
    sock.close()


@pytest.fixture
def connected(impl, listener):
    """(implementation socket connected by ``connect()``, the accepted ``_socket`` peer)."""
    sock = impl.socket()
    try:
        sock.settimeout(PEER_TIMEOUT)
        sock.connect(listener.getsockname())
        peer = _accept_raw(listener)
    except BaseException:
        sock.close()
        raise
    yield sock, peer
    sock.close()
    peer.close()


@pytest.fixture
def unix_path(tmp_path):
    """A path for an AF_UNIX socket; the file is removed afterwards."""
    path = str(tmp_path / "s")
    yield path
    if os.path.exists(path):
        os.unlink(path)


# -- connect / connect_ex ---------------------------------------------------------------------


@spec("socket.connect", "socket.getpeername")
def test_connection_calls_connect_to_listener(impl, connected, listener):
    sock, peer = connected
    assert sock.getpeername() == listener.getsockname()
    assert peer.getpeername() == sock.getsockname()
    sock.sendall(b"hello")
    assert recv_exactly(peer, 5) == b"hello"


@spec("socket.connect")
@pytest.mark.parametrize("timeout", [None, PEER_TIMEOUT], ids=["blocking", "timeout"])
def test_connection_calls_connect_to_closed_port_is_refused(impl, timeout, refusing_port):
    port = refusing_port()
    with impl.socket() as sock:
        sock.settimeout(timeout)
        with pytest.raises(ConnectionRefusedError) as excinfo:
            sock.connect(("127.0.0.1", port))
        assert excinfo.value.errno == errno.ECONNREFUSED


@spec("socket.connect_ex")
def test_connection_calls_connect_ex_returns_zero_on_success(impl, listener):
    with impl.socket() as sock:
        sock.settimeout(PEER_TIMEOUT)
        assert sock.connect_ex(listener.getsockname()) == 0
        assert sock.getpeername() == listener.getsockname()


@spec("socket.connect_ex", needs=["af_unix"])
def test_connection_calls_unix_connect_ex_returns_zero(impl, unix_path):
    server = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        server.bind(unix_path)
        server.listen(1)
        with impl.socket(_socket.AF_UNIX) as sock:
            result = sock.connect_ex(unix_path)
            assert type(result) is int and result == 0
            assert sock.getpeername() == unix_path
    finally:
        server.close()


@spec("socket.connect_ex")
@pytest.mark.parametrize("timeout", [None, PEER_TIMEOUT], ids=["blocking", "timeout"])
def test_connection_calls_connect_ex_returns_econnrefused(impl, timeout, refusing_port):
    port = refusing_port()
    with impl.socket() as sock:
        sock.settimeout(timeout)
        assert sock.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED


@spec("socket.connect_ex")
def test_connection_calls_connect_ex_again_returns_eisconn(impl, listener):
    with impl.socket() as sock:
        assert sock.connect_ex(listener.getsockname()) == 0
        assert sock.connect_ex(listener.getsockname()) == errno.EISCONN


@spec("socket.connect")
def test_connection_calls_connect_again_raises_eisconn(impl, listener):
    with impl.socket() as sock:
        sock.connect(listener.getsockname())
        with pytest.raises(OSError) as excinfo:
            sock.connect(listener.getsockname())
        assert excinfo.value.errno == errno.EISCONN
        assert sock.getpeername() == listener.getsockname()


@spec("socket.connect_ex", "socket.getsockopt")
def test_connection_calls_non_blocking_connect_ex_in_progress(impl, listener):
    with impl.socket() as sock:
        sock.setblocking(False)
        result = sock.connect_ex(listener.getsockname())
        assert result in (errno.EINPROGRESS, errno.EWOULDBLOCK, 0)
        _readable, writable, _ = select.select([], [sock], [], PEER_TIMEOUT)
        assert writable == [sock]
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR) == 0
        # The first call after completion may report it (0); later calls find it connected.
        assert sock.connect_ex(listener.getsockname()) in (0, errno.EISCONN)
        assert sock.connect_ex(listener.getsockname()) == errno.EISCONN
        assert sock.getpeername() == listener.getsockname()


@spec("socket.connect", platforms=["linux"])
def test_connection_calls_non_blocking_connect_raises_einprogress(impl, listener):
    with impl.socket() as sock:
        sock.setblocking(False)
        with pytest.raises(BlockingIOError) as excinfo:
            sock.connect(listener.getsockname())
        assert excinfo.value.errno == errno.EINPROGRESS
        select.select([], [sock], [], PEER_TIMEOUT)
        assert sock.getpeername() == listener.getsockname()


@spec("socket.connect", "socket.getsockopt")
def test_connection_calls_failed_non_blocking_connect_reports_so_error(impl, refusing_port):
    port = refusing_port()
    with impl.socket() as sock:
        sock.setblocking(False)
        result = sock.connect_ex(("127.0.0.1", port))
        if result != errno.ECONNREFUSED:  # the refusal may come at once or later
            assert result in (errno.EINPROGRESS, errno.EWOULDBLOCK)
            select.select([], [sock], [], PEER_TIMEOUT)
            assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR) == errno.ECONNREFUSED
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR) == 0


BAD_ADDRESSES = [
    pytest.param(
        _socket.AF_INET, "127.0.0.1", "{}(): AF_INET address must be tuple, not str", id="inet-str"
    ),
    pytest.param(
        _socket.AF_INET, ("127.0.0.1", 1, 2), "AF_INET address must be a pair (host, port)",
        id="inet-triple",
    ),
    pytest.param(
        _socket.AF_INET6, "::1", "{}(): AF_INET6 address must be tuple, not str", id="inet6-str"
    ),
]


@spec("socket.connect", "socket.connect_ex")
@pytest.mark.parametrize("method", ["connect", "connect_ex"])
@pytest.mark.parametrize("family, address, message", BAD_ADDRESSES)
def test_connection_calls_bad_address_type_raises_type_error(impl, method, family, address,
                                                             message):
    with impl.socket(family) as sock:
        with pytest.raises(TypeError) as excinfo:
            getattr(sock, method)(address)
        assert str(excinfo.value) == message.format(method)


@spec("socket.connect", "socket.connect_ex", "socket.bind", needs=["af_unix"])
@pytest.mark.parametrize("method", ["connect", "connect_ex", "bind"])
def test_connection_calls_unix_path_too_long(impl, tmp_path, method):
    path = str(tmp_path / ("x" * 200))
    with impl.socket(_socket.AF_UNIX) as sock:
        with pytest.raises(OSError) as excinfo:
            getattr(sock, method)(path)
        assert str(excinfo.value) == "AF_UNIX path too long"
        assert excinfo.value.errno is None
        assert not os.path.exists(path)


@spec("socket.connect", "socket.connect_ex", "socket.bind")
@pytest.mark.parametrize("method", ["connect", "connect_ex", "bind"])
@pytest.mark.parametrize("port", [65536, -1], ids=["too-big", "negative"])
def test_connection_calls_port_out_of_range_raises_overflow_error(impl, method, port):
    with impl.socket() as sock:
        with pytest.raises(OverflowError) as excinfo:
            getattr(sock, method)(("127.0.0.1", port))
        assert str(excinfo.value) == f"{method}(): port must be 0-65535."


@spec("socket.bind", needs=["ipv6"])
def test_connection_calls_inet6_flowinfo_out_of_range(impl):
    with impl.socket(_socket.AF_INET6) as sock:
        with pytest.raises(OverflowError) as excinfo:
            sock.bind(("::1", 0, 1 << 20))
        assert str(excinfo.value) == "bind(): flowinfo must be 0-1048575."


@spec("socket.connect", needs=["af_unix"])
def test_connection_calls_unix_connect_to_missing_path(impl, unix_path):
    with impl.socket(_socket.AF_UNIX) as sock:
        with pytest.raises(FileNotFoundError) as excinfo:
            sock.connect(unix_path)
        assert excinfo.value.errno == errno.ENOENT


# -- bind -------------------------------------------------------------------------------------


@spec("socket.bind", "socket.getsockname")
def test_connection_calls_bind_port_zero_gets_a_kernel_port(impl):
    with impl.socket() as sock:
        assert sock.bind(("127.0.0.1", 0)) is None
        host, port = sock.getsockname()
        assert host == "127.0.0.1"
        assert type(port) is int and 0 < port <= 65535


@spec("socket.bind")
def test_connection_calls_bind_twice_raises_einval(impl):
    with impl.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        with pytest.raises(OSError) as excinfo:
            sock.bind(("127.0.0.1", 0))
        assert excinfo.value.errno == errno.EINVAL


@spec("socket.bind")
@pytest.mark.parametrize("listening", [False, True], ids=["bound", "listening"])
def test_connection_calls_bind_to_used_port_raises_eaddrinuse(impl, listening):
    holder = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", 0))
        if listening:
            holder.listen(1)
        with impl.socket() as sock:
            with pytest.raises(OSError) as excinfo:
                sock.bind(holder.getsockname())
            assert type(excinfo.value) is OSError
            assert excinfo.value.errno == errno.EADDRINUSE
            assert sock.getsockname() == ("0.0.0.0", 0)
    finally:
        holder.close()


@spec("socket.bind", "socket.getsockname", needs=["af_unix"])
@pytest.mark.parametrize("as_bytes", [False, True], ids=["str", "bytes"])
def test_connection_calls_unix_bind_to_path(impl, unix_path, as_bytes):
    with impl.socket(_socket.AF_UNIX) as sock:
        sock.bind(os.fsencode(unix_path) if as_bytes else unix_path)
        assert sock.getsockname() == unix_path
        assert stat.S_ISSOCK(os.stat(unix_path).st_mode)


@spec("socket.bind", needs=["af_unix"])
def test_connection_calls_unix_bind_to_existing_path_raises_eaddrinuse(impl, unix_path):
    with impl.socket(_socket.AF_UNIX) as first, impl.socket(_socket.AF_UNIX) as second:
        first.bind(unix_path)
        with pytest.raises(OSError) as excinfo:
            second.bind(unix_path)
        assert excinfo.value.errno == errno.EADDRINUSE


@spec("socket.bind", "socket.getsockname", needs=["linux_abstract_unix"])
@pytest.mark.parametrize("as_str", [False, True], ids=["bytes", "str"])
def test_connection_calls_unix_bind_to_abstract_name(impl, as_str):
    name = _abstract_name()
    with impl.socket(_socket.AF_UNIX) as sock:
        sock.bind(name.decode() if as_str else name)
        assert sock.getsockname() == name


@spec("socket.bind", "socket.getsockname", needs=["ipv6"])
def test_connection_calls_inet6_bind_reports_four_tuple(impl):
    with impl.socket(_socket.AF_INET6) as sock:
        sock.bind(("::1", 0))
        name = sock.getsockname()
        assert len(name) == 4
        host, port, flowinfo, scope_id = name
        assert host == "::1" and 0 < port <= 65535
        assert (flowinfo, scope_id) == (0, 0)


# -- listen -----------------------------------------------------------------------------------


@spec("socket.listen", "socket.accept")
@pytest.mark.parametrize("backlog", [None, 0, 5, -1], ids=["default", "zero", "five", "negative"])
def test_connection_calls_listen_accepts_a_client(impl, backlog):
    with impl.socket() as server:
        server.bind(("127.0.0.1", 0))
        assert (server.listen() if backlog is None else server.listen(backlog)) is None
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_ACCEPTCONN) == 1
        client = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        try:
            client.settimeout(PEER_TIMEOUT)
            client.connect(server.getsockname())
            server.settimeout(PEER_TIMEOUT)
            conn, addr = server.accept()
            with conn:
                assert addr == client.getsockname()
        finally:
            client.close()


@spec("socket.listen")
def test_connection_calls_listen_on_datagram_socket_raises_eopnotsupp(impl):
    with impl.socket(_socket.AF_INET, _socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        with pytest.raises(OSError) as excinfo:
            sock.listen(1)
        assert excinfo.value.errno == errno.EOPNOTSUPP


@spec("socket.listen", platforms=["linux"])
def test_connection_calls_listen_on_connected_socket_raises_einval(impl, connected):
    sock, _peer = connected
    with pytest.raises(OSError) as excinfo:
        sock.listen(1)
    assert excinfo.value.errno == errno.EINVAL


# -- shutdown ---------------------------------------------------------------------------------


@spec("socket.shutdown")
def test_connection_calls_shutdown_wr_peer_reads_eof(impl, connected):
    sock, peer = connected
    sock.sendall(b"last")
    assert sock.shutdown(_socket.SHUT_WR) is None
    assert recv_exactly(peer, 4) == b"last"
    assert peer.recv(16) == b""


@spec("socket.shutdown", "socket.send")
def test_connection_calls_send_after_shutdown_wr_raises_epipe(impl, connected):
    sock, _peer = connected
    sock.shutdown(_socket.SHUT_WR)
    with pytest.raises(BrokenPipeError) as excinfo:
        sock.send(b"x")
    assert excinfo.value.errno == errno.EPIPE


@spec("socket.shutdown", "socket.recv")
@pytest.mark.parametrize(
    "how, data",
    [
        case(_socket.SHUT_WR, b"reply", id="wr"),
        case(_socket.SHUT_RD, b"still writes", id="rd"),
    ],
)
def test_connection_calls_shutdown_one_way_keeps_the_other_way(impl, connected, how, data):
    """The shut direction reads EOF (the peer after SHUT_WR, the socket itself after SHUT_RD);
    that end can still send, and the other end receives it."""
    sock, peer = connected
    sock.shutdown(how)
    shut, other = (peer, sock) if how == _socket.SHUT_WR else (sock, peer)
    assert shut.recv(16) == b""
    shut.sendall(data)
    assert recv_exactly(other, len(data)) == data


@spec("socket.shutdown", "socket.recv")
def test_connection_calls_shutdown_rdwr_both_sides_see_eof(impl, connected):
    sock, peer = connected
    sock.shutdown(_socket.SHUT_RDWR)
    assert peer.recv(16) == b""
    assert sock.recv(16) == b""
    with pytest.raises(BrokenPipeError):
        sock.send(b"x")


@spec("socket.shutdown")
def test_connection_calls_shutdown_keeps_the_descriptor_open(impl, connected):
    sock, _peer = connected
    fd = sock.fileno()
    sock.shutdown(_socket.SHUT_RDWR)
    assert sock.fileno() == fd
    assert fd_is_open(fd)
    assert sock.getsockname()[0] == "127.0.0.1"


@spec("socket.shutdown")
@pytest.mark.parametrize("how", ["SHUT_RD", "SHUT_WR", "SHUT_RDWR"])
def test_connection_calls_shutdown_unconnected_raises_enotconn(impl, how):
    with impl.socket() as sock:
        with pytest.raises(OSError) as excinfo:
            sock.shutdown(getattr(_socket, how))
        assert excinfo.value.errno == errno.ENOTCONN


@spec("socket.shutdown")
@pytest.mark.parametrize("how", [3, -1, 7], ids=["3", "-1", "7"])
def test_connection_calls_shutdown_invalid_how_raises_einval(impl, connected, how):
    sock, peer = connected
    with pytest.raises(OSError) as excinfo:
        sock.shutdown(how)
    assert excinfo.value.errno == errno.EINVAL
    sock.sendall(b"ok")
    assert recv_exactly(peer, 2) == b"ok"


@spec("socket.shutdown")
def test_connection_calls_shutdown_constants(impl):
    assert (impl.SHUT_RD, impl.SHUT_WR, impl.SHUT_RDWR) == (
        _socket.SHUT_RD,
        _socket.SHUT_WR,
        _socket.SHUT_RDWR,
    )


# -- getsockname / getpeername ----------------------------------------------------------------


@spec("socket.getsockname", "socket.getpeername")
def test_connection_calls_inet_names_are_host_port_pairs(impl, connected, listener):
    sock, peer = connected
    local, remote = sock.getsockname(), sock.getpeername()
    assert type(local) is tuple and type(remote) is tuple
    assert [type(part) for part in local + remote] == [str, int, str, int]
    assert local == peer.getpeername()
    assert remote == listener.getsockname()


@spec("socket.getsockname")
def test_connection_calls_unbound_inet_name_is_any_port_zero(impl):
    with impl.socket() as sock:
        assert sock.getsockname() == ("0.0.0.0", 0)


@spec("socket.getsockname", "socket.getpeername", needs=["ipv6"])
def test_connection_calls_inet6_peer_name_is_four_tuple(impl):
    server = raw_listener(_socket.AF_INET6, host="::1")
    try:
        with impl.socket(_socket.AF_INET6) as sock:
            sock.settimeout(PEER_TIMEOUT)
            sock.connect(("::1", server.getsockname()[1]))
            peer = _accept_raw(server)
            with closing(peer):
                assert sock.getpeername() == ("::1", server.getsockname()[1], 0, 0)
                assert sock.getsockname() == peer.getpeername()
                assert len(sock.getsockname()) == 4
    finally:
        server.close()


@spec("socket.getsockname", "socket.getpeername")
@pytest.mark.parametrize("kind", [case("path", id="path", needs=["af_unix"]),
                                  case("abstract", id="abstract", needs=["linux_abstract_unix"])])
def test_connection_calls_unix_peer_name(impl, request, kind):
    """The peer's name comes back as it was bound: a path as str, an abstract name as bytes;
    the unbound client's own name is ''."""
    name = request.getfixturevalue("unix_path") if kind == "path" else _abstract_name()
    server = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        server.bind(name)
        server.listen(1)
        with impl.socket(_socket.AF_UNIX) as sock:
            sock.settimeout(PEER_TIMEOUT)
            sock.connect(name)
            peer = _accept_raw(server)
            with closing(peer):
                assert sock.getpeername() == name
                assert type(sock.getpeername()) is type(name)
                assert sock.getsockname() == ""
    finally:
        server.close()


@spec("socket.getsockname", "socket.getpeername", needs=["af_unix", "socketpair_native"])
def test_connection_calls_unix_socketpair_names_are_empty(impl):
    a, b = impl.socketpair()
    with a, b:
        assert a.getsockname() == "" and b.getsockname() == ""
        assert a.getpeername() == "" and b.getpeername() == ""


@spec("socket.getsockname", needs=["af_unix"])
def test_connection_calls_unbound_unix_name_is_empty_str(impl):
    with impl.socket(_socket.AF_UNIX) as sock:
        assert sock.getsockname() == ""


@spec("socket.getpeername")
@pytest.mark.parametrize(
    "family",
    [pytest.param(_socket.AF_INET, id="inet"), pytest.param(_socket.AF_UNIX, id="unix")],
)
def test_connection_calls_getpeername_unconnected_raises_enotconn(impl, family):
    with impl.socket(family) as sock:
        with pytest.raises(OSError) as excinfo:
            sock.getpeername()
        assert excinfo.value.errno == errno.ENOTCONN


@spec("socket.getpeername")
def test_connection_calls_getpeername_on_listener_raises_enotconn(impl):
    with impl.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        with pytest.raises(OSError) as excinfo:
            sock.getpeername()
        assert excinfo.value.errno == errno.ENOTCONN


# -- getsockopt / setsockopt ------------------------------------------------------------------


@spec("socket.setsockopt", "socket.getsockopt")
@pytest.mark.parametrize("value", [1, True, 0, False], ids=["1", "True", "0", "False"])
def test_connection_calls_int_option_round_trips(impl, value):
    with impl.socket() as sock:
        assert sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, value) is None
        result = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR)
        assert type(result) is int
        assert bool(result) is bool(value)


@spec("socket.setsockopt", "socket.getsockopt")
@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_connection_calls_bytes_like_option_value(impl, kind):
    with impl.socket() as sock:
        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_LINGER, kind(struct.pack("ii", 1, 3)))
        raw = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_LINGER, struct.calcsize("ii"))
        assert type(raw) is bytes
        assert struct.unpack("ii", raw) == (1, 3)


@spec("socket.setsockopt", "socket.getsockopt", platforms=["linux"])
def test_connection_calls_rcvtimeo_struct_round_trips(impl):
    timeval = struct.pack("ll", 1, 500000)
    with impl.socket() as sock:
        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVTIMEO, timeval)
        raw = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_RCVTIMEO, len(timeval))
        assert struct.unpack("ll", raw) == (1, 500000)
        assert sock.gettimeout() is None


@spec("socket.getsockopt")
def test_connection_calls_getsockopt_buflen_returns_bytes(impl):
    with impl.socket() as sock:
        raw = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE, 4)
        assert type(raw) is bytes and len(raw) == 4
        assert struct.unpack("i", raw) == (_socket.SOCK_STREAM,)


@spec("socket.getsockopt")
def test_connection_calls_getsockopt_buflen_zero_returns_int(impl):
    with impl.socket() as sock:
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE, 0) == _socket.SOCK_STREAM


@spec("socket.getsockopt")
@pytest.mark.parametrize("buflen", [-1, 1025], ids=["negative", "too-big"])
def test_connection_calls_getsockopt_buflen_out_of_range(impl, buflen):
    with impl.socket() as sock:
        with pytest.raises(OSError) as excinfo:
            sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_LINGER, buflen)
        assert str(excinfo.value) == "getsockopt buflen out of range"
        assert excinfo.value.errno is None


#: SO_BINDTODEVICE on Linux (asm-generic/socket.h); not every _socket exports the name.
SO_BINDTODEVICE = 25


@spec("socket.setsockopt", platforms=["linux"])
def test_connection_calls_setsockopt_none_with_optlen(impl):
    with impl.socket() as sock:
        assert sock.setsockopt(_socket.SOL_SOCKET, SO_BINDTODEVICE, None, 0) is None
        assert sock.getsockopt(_socket.SOL_SOCKET, SO_BINDTODEVICE, 16) == b""


@spec("socket.setsockopt")
def test_connection_calls_setsockopt_none_without_optlen_raises_type_error(impl):
    with impl.socket() as sock:
        with pytest.raises(TypeError):
            sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, None)


@spec("socket.setsockopt")
def test_connection_calls_setsockopt_int_with_optlen_raises_type_error(impl):
    with impl.socket() as sock:
        with pytest.raises(TypeError):
            sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1, 4)
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR) == 0


@spec("socket.setsockopt")
@pytest.mark.parametrize("value", ["1", 1.5, [1]], ids=["str", "float", "list"])
def test_connection_calls_setsockopt_wrong_type_raises_type_error(impl, value):
    with impl.socket() as sock:
        with pytest.raises(TypeError):
            sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, value)
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR) == 0


@spec("socket.getsockopt")
@pytest.mark.parametrize(
    "kind", [_socket.SOCK_STREAM, _socket.SOCK_DGRAM], ids=["stream", "dgram"]
)
def test_connection_calls_so_type_reads_back(impl, kind):
    with impl.socket(_socket.AF_INET, kind) as sock:
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE) == kind


@spec("socket.getsockopt")
def test_connection_calls_so_error_is_zero_on_a_new_socket(impl):
    with impl.socket() as sock:
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_ERROR) == 0


@spec("socket.getsockopt", "socket.setsockopt", platforms=["linux"])
@pytest.mark.parametrize("call", ["getsockopt", "setsockopt"])
def test_connection_calls_unknown_option_raises_enoprotoopt(impl, call):
    with impl.socket() as sock:
        with pytest.raises(OSError) as excinfo:
            if call == "getsockopt":
                sock.getsockopt(_socket.SOL_SOCKET, 9999)
            else:
                sock.setsockopt(_socket.SOL_SOCKET, 9999, 1)
        assert excinfo.value.errno == errno.ENOPROTOOPT


@spec("socket.setsockopt", "socket.getsockopt")
def test_connection_calls_buffer_size_option_is_applied(impl):
    with impl.socket() as sock:
        sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF, 8192)
        raw = _socket.socket(fileno=os.dup(sock.fileno()))
        try:
            assert raw.getsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF) == sock.getsockopt(
                _socket.SOL_SOCKET, _socket.SO_RCVBUF
            )
        finally:
            raw.close()
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF) >= 8192


# -- on a closed socket -----------------------------------------------------------------------

CLOSED_CALLS = [
    pytest.param(lambda s: s.connect(("127.0.0.1", 9)), id="connect"),
    pytest.param(lambda s: s.bind(("127.0.0.1", 0)), id="bind"),
    pytest.param(lambda s: s.listen(1), id="listen"),
    pytest.param(lambda s: s.shutdown(_socket.SHUT_RDWR), id="shutdown"),
    pytest.param(lambda s: s.getsockname(), id="getsockname"),
    pytest.param(lambda s: s.getpeername(), id="getpeername"),
    pytest.param(lambda s: s.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE), id="getsockopt"),
    pytest.param(
        lambda s: s.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1), id="setsockopt"
    ),
]


@spec("socket.connect", "socket.bind", "socket.listen", "socket.shutdown", "socket.getsockname",
      "socket.getpeername", "socket.getsockopt", "socket.setsockopt")
@pytest.mark.parametrize("call", CLOSED_CALLS)
def test_connection_calls_closed_socket_raises_ebadf(impl, call):
    sock = impl.socket()
    sock.close()
    with pytest.raises(OSError) as excinfo:
        call(sock)
    assert excinfo.value.errno == errno.EBADF


@spec("socket.connect_ex")
def test_connection_calls_connect_ex_on_closed_socket_returns_ebadf(impl):
    sock = impl.socket()
    sock.close()
    assert sock.connect_ex(("127.0.0.1", 9)) == errno.EBADF
