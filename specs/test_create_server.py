"""create_server() and has_dualstack_ipv6(): the listening socket and its options
(SO_REUSEADDR, SO_REUSEPORT, IPV6_V6ONLY), backlog, the bind-error rewrite that names the
address, the ValueError checks and their order, and no descriptor left behind on errors."""

import _socket
import errno
import gc
import os
import warnings
from contextlib import closing

import pytest

from fixtures import peers
from fixtures.peers import PEER_TIMEOUT
from fixtures.peers import open_fds as _open_fds
from harness.model.spec import spec

DUALSTACK_FAMILY_MESSAGE = "dualstack_ipv6 requires AF_INET6 family"
DUALSTACK_UNSUPPORTED_MESSAGE = "dualstack_ipv6 not supported on this platform"




def _accept_one(server):
    server.settimeout(PEER_TIMEOUT)
    conn, address = server.accept()
    conn.close()
    return address


def _v6only(sock):
    return sock.getsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY)


# -- the listening socket ----------------------------------------------------------------------


@spec("create_server")
def test_create_server_returns_listening_implementation_socket(impl):
    with impl.create_server(("127.0.0.1", 0)) as server:
        assert type(server) is impl.socket
        assert (server.family, server.type) == (_socket.AF_INET, _socket.SOCK_STREAM)
        assert server.getsockname()[0] == "127.0.0.1"
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_ACCEPTCONN) != 0


@spec("create_server")
def test_create_server_accepts_a_client(impl):
    with impl.create_server(("127.0.0.1", 0)) as server:
        with closing(peers.raw_client(server.getsockname(), _socket.AF_INET)) as client:
            assert _accept_one(server) == client.getsockname()


@spec("create_server", needs=["ipv6"])
def test_create_server_ipv6_family(impl):
    with impl.create_server(("::1", 0), family=_socket.AF_INET6) as server:
        assert type(server) is impl.socket
        assert server.family == _socket.AF_INET6
        assert server.getsockname()[0] == "::1"
        with closing(peers.raw_client(server.getsockname(), _socket.AF_INET6)) as client:
            assert _accept_one(server)[:2] == client.getsockname()[:2]


@spec("create_server")
@pytest.mark.parametrize(
    "backlog, expected", [(None, ()), (0, (0,)), (7, (7,))], ids=["none", "zero", "seven"]
)
def test_create_server_passes_backlog_to_listen(impl, monkeypatch, backlog, expected):
    calls = []
    real_listen = impl.socket.listen

    def listen(self, *args):
        calls.append(args)
        return real_listen(self, *args)

    monkeypatch.setattr(impl.socket, "listen", listen)
    with impl.create_server(("127.0.0.1", 0), backlog=backlog) as server:
        assert calls == [expected]
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_ACCEPTCONN) != 0


@spec("create_server")
def test_create_server_options_are_keyword_only(impl):
    before = _open_fds()
    with pytest.raises(TypeError) as info:
        impl.create_server(("127.0.0.1", 0), _socket.AF_INET)
    # Checked while the exception (and its traceback) is alive: a socket reachable only
    # from the traceback counts as left open.
    assert _open_fds() == before, info.value


# -- socket options --------------------------------------------------------------------------------


@spec("create_server", platforms=["linux", "darwin"])
def test_create_server_sets_so_reuseaddr_on_posix(impl):
    with impl.create_server(("127.0.0.1", 0)) as server:
        # Linux reports 1; BSD-derived systems may report the option's flag bit instead.
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR) != 0


@spec("create_server", needs=["so_reuseport"])
def test_create_server_reuse_port_sets_so_reuseport(impl):
    with impl.create_server(("127.0.0.1", 0), reuse_port=True) as server:
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEPORT) != 0


@spec("create_server", needs=["so_reuseport"])
def test_create_server_leaves_so_reuseport_unset_by_default(impl):
    with impl.create_server(("127.0.0.1", 0)) as server:
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEPORT) == 0


@spec("create_server", needs=["so_reuseport"])
def test_create_server_reuse_port_lets_two_servers_share_a_port(impl):
    with impl.create_server(("127.0.0.1", 0), reuse_port=True) as first:
        address = first.getsockname()
        with impl.create_server(address, reuse_port=True) as second:
            assert second.getsockname() == address
            assert second.getsockopt(_socket.SOL_SOCKET, _socket.SO_ACCEPTCONN) != 0


@spec("create_server", needs=["ipv6"])
def test_create_server_ipv6_sets_v6only_by_default(impl):
    # (Linux also forces V6ONLY on when binding ::1; the explicit setting before bind() is
    # pinned by test_create_server_v6only_refuses_ipv4_mapped_address.)
    with impl.create_server(("::1", 0), family=_socket.AF_INET6) as server:
        assert _v6only(server) == 1


@spec("create_server", needs=["dualstack_ipv6"])
def test_create_server_dualstack_clears_v6only(impl):
    # Bound to the IPv4-mapped loopback address: Linux turns V6ONLY back on when a socket
    # is bound to a plain IPv6 address such as ::1.
    with impl.create_server(
        ("::ffff:127.0.0.1", 0), family=_socket.AF_INET6, dualstack_ipv6=True
    ) as server:
        assert _v6only(server) == 0


@spec("create_server", needs=["dualstack_ipv6"])
def test_create_server_dualstack_accepts_ipv4_client_on_mapped_address(impl):
    # A dual-stack socket may bind the IPv4-mapped loopback address; IPv4 clients of
    # 127.0.0.1 then reach it and show up as ::ffff:127.0.0.1.
    with impl.create_server(
        ("::ffff:127.0.0.1", 0), family=_socket.AF_INET6, dualstack_ipv6=True
    ) as server:
        port = server.getsockname()[1]
        with closing(peers.raw_client(("127.0.0.1", port), _socket.AF_INET)) as client:
            address = _accept_one(server)
            assert address[:2] == ("::ffff:127.0.0.1", client.getsockname()[1])


@spec("create_server", needs=["ipv6"], platforms=["linux"])
def test_create_server_v6only_refuses_ipv4_mapped_address(impl):
    # Without dualstack_ipv6, V6ONLY is set before bind(), and Linux refuses to bind a
    # V6ONLY socket to an IPv4-mapped address (EINVAL).
    before = _open_fds()
    with pytest.raises(OSError) as info:
        impl.create_server(("::ffff:127.0.0.1", 0), family=_socket.AF_INET6)
    assert info.value.errno == errno.EINVAL
    assert "while attempting to bind on address ('::ffff:127.0.0.1', 0)" in str(info.value)
    assert _open_fds() == before


# -- bind errors --------------------------------------------------------------------------------------


@pytest.fixture
def taken_address():
    """A loopback address with a ``_socket`` listener on it (no SO_REUSEADDR)."""
    listener = peers.raw_listener()
    yield listener.getsockname()
    listener.close()


@spec("create_server")
def test_create_server_bind_error_keeps_errno(impl, taken_address):
    with pytest.raises(OSError) as info:
        impl.create_server(taken_address)
    assert info.value.errno == errno.EADDRINUSE
    assert type(info.value) is OSError


@spec("create_server")
def test_create_server_bind_error_message_names_the_address(impl, taken_address):
    with pytest.raises(OSError) as info:
        impl.create_server(taken_address)
    suffix = f" (while attempting to bind on address {taken_address!r})"
    assert info.value.strerror == os.strerror(errno.EADDRINUSE) + suffix
    assert str(info.value) == f"[Errno {errno.EADDRINUSE}] {info.value.strerror}"


@spec("create_server")
def test_create_server_bind_error_is_raised_from_none(impl, taken_address):
    with pytest.raises(OSError) as info:
        impl.create_server(taken_address)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ is True


@spec("create_server")
def test_create_server_bind_error_closes_the_socket(impl, taken_address):
    before = _open_fds()
    with pytest.raises(OSError) as info:
        impl.create_server(taken_address)
    # Checked while the exception (and its traceback) is alive: a socket reachable only
    # from the traceback counts as left open.
    assert _open_fds() == before, info.value


@spec("create_server")
def test_create_server_bad_address_type_propagates_type_error(impl):
    # Only OSError is rewritten (and closes the socket); other errors propagate as they are.
    with pytest.raises(TypeError) as info:
        impl.create_server(("127.0.0.1", "not a port"))
    assert "while attempting to bind" not in str(info.value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        del info
        gc.collect()


# -- ValueError checks ---------------------------------------------------------------------------------


@spec("create_server", needs=["dualstack_ipv6"])
def test_create_server_dualstack_requires_af_inet6(impl):
    before = _open_fds()
    with pytest.raises(ValueError) as info:
        impl.create_server(("127.0.0.1", 0), family=_socket.AF_INET, dualstack_ipv6=True)
    assert str(info.value) == DUALSTACK_FAMILY_MESSAGE
    assert _open_fds() == before


@spec("create_server", "has_dualstack_ipv6")
@pytest.mark.parametrize("family", ["AF_INET", "AF_INET6"])
def test_create_server_dualstack_unsupported_is_checked_before_family(impl, monkeypatch, family):
    # create_server asks the module's has_dualstack_ipv6() (a global, as in CPython); when
    # it says no, that is reported whatever the family.
    monkeypatch.setattr(impl, "has_dualstack_ipv6", lambda: False)
    before = _open_fds()
    with pytest.raises(ValueError) as info:
        impl.create_server(("127.0.0.1", 0), family=getattr(_socket, family), dualstack_ipv6=True)
    assert str(info.value) == DUALSTACK_UNSUPPORTED_MESSAGE
    assert _open_fds() == before


# -- has_dualstack_ipv6 ----------------------------------------------------------------------------------


@spec("has_dualstack_ipv6", personas=["native"])
def test_has_dualstack_ipv6_matches_host_capability(impl):
    result = impl.has_dualstack_ipv6()
    assert type(result) is bool
    assert result is peers.host_allows_dualstack()


@spec("has_dualstack_ipv6", needs=["dualstack_ipv6"])
def test_has_dualstack_ipv6_true_where_supported(impl):
    assert impl.has_dualstack_ipv6() is True


@spec("has_dualstack_ipv6")
def test_has_dualstack_ipv6_leaves_no_descriptor_open(impl):
    before = _open_fds()
    impl.has_dualstack_ipv6()
    assert _open_fds() == before


@spec("has_dualstack_ipv6", needs=["dualstack_ipv6"])
def test_has_dualstack_ipv6_false_without_has_ipv6_and_not_cached(impl, monkeypatch):
    # It reads the module's has_ipv6 on every call: nothing is cached.
    assert impl.has_dualstack_ipv6() is True
    monkeypatch.setattr(impl, "has_ipv6", False)
    assert impl.has_dualstack_ipv6() is False
    monkeypatch.undo()
    assert impl.has_dualstack_ipv6() is True


@spec("create_server", platforms=["win32"])
def test_create_server_leaves_reuseaddr_off_on_windows(impl):
    # On Windows SO_REUSEADDR would let a second socket steal the port, so it is not set.
    with impl.create_server(("127.0.0.1", 0)) as server:
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR) == 0
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_ACCEPTCONN) == 1


@spec("has_dualstack_ipv6", needs=["ipv6"])
def test_has_dualstack_ipv6_closes_its_probe_socket(impl, monkeypatch):
    probes = []
    real_setsockopt = impl.socket.setsockopt

    def setsockopt(self, *args):
        probes.append(self)
        return real_setsockopt(self, *args)

    monkeypatch.setattr(impl.socket, "setsockopt", setsockopt)
    impl.has_dualstack_ipv6()
    assert probes
    assert all(probe.fileno() == -1 for probe in probes)
