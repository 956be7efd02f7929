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
from harness.model.personas import PERSONAS
from harness.model.spec import case, spec

DUALSTACK_FAMILY_MESSAGE = "dualstack_ipv6 requires AF_INET6 family"
DUALSTACK_UNSUPPORTED_MESSAGE = "dualstack_ipv6 not supported on this platform"
REUSEPORT_UNSUPPORTED_MESSAGE = "SO_REUSEPORT not supported on this platform"


def _accept_one(server):
    server.settimeout(PEER_TIMEOUT)
    conn, address = server.accept()
    conn.close()
    return address


def _v6only(sock):
    return sock.getsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY)


REUSEADDR = (_socket.SOL_SOCKET, _socket.SO_REUSEADDR)
V6ONLY = (_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY)
#: where the module has IPV6_V6ONLY: every configuration but the no-v6only persona
WITH_IPV6_V6ONLY = ["native", *(name for name in PERSONAS if name != "no-v6only")]


def _record_socket_calls(impl, monkeypatch, refuse=()):
    """Record (socket, method, args) of each setsockopt/bind/listen call on the module's
    sockets; a setsockopt whose (level, option, value) is in ``refuse`` fails with EINVAL
    (the option is recorded all the same)."""
    calls = []

    def recording(name):
        real = getattr(impl.socket, name)

        def method(self, *args):
            calls.append((self, name, args))
            if name == "setsockopt" and tuple(args) in refuse:
                raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
            return real(self, *args)

        return method

    for name in ("setsockopt", "bind", "listen"):
        monkeypatch.setattr(impl.socket, name, recording(name))
    return calls


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
    # By keyword, family is taken; positionally, the call itself is refused.
    with impl.create_server(("127.0.0.1", 0), family=_socket.AF_INET) as server:
        assert server.family == _socket.AF_INET
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


@spec("create_server", platforms=["linux", "darwin"])
@pytest.mark.parametrize(
    "host, options, expected",
    [
        ("127.0.0.1", {}, [REUSEADDR + (1,)]),
        case("127.0.0.1", {"reuse_port": True},
             [REUSEADDR + (1,), (_socket.SOL_SOCKET, getattr(_socket, "SO_REUSEPORT", -1), 1)],
             id="reuse_port", needs=["so_reuseport"]),
        case("::1", {"family": _socket.AF_INET6}, [REUSEADDR + (1,), V6ONLY + (1,)],
             id="ipv6", needs=["ipv6"], personas=WITH_IPV6_V6ONLY),
        case("::ffff:127.0.0.1", {"family": _socket.AF_INET6, "dualstack_ipv6": True},
             [REUSEADDR + (1,), V6ONLY + (0,)], id="dualstack", needs=["dualstack_ipv6"]),
    ],
    ids=["default", "reuse_port", "ipv6", "dualstack"],
)
def test_create_server_sets_its_options_before_bind(impl, monkeypatch, host, options, expected):
    # Each option is set once, to 1 (on) or 0 (off), before bind() and listen().
    calls = _record_socket_calls(impl, monkeypatch)
    with impl.create_server((host, 0), **options) as server:
        made = [(name, args) for sock, name, args in calls if sock is server]
    assert made == [("setsockopt", option) for option in expected] + [
        ("bind", ((host, 0),)), ("listen", ())]


#: a family number above AF_INET6 that the system does not have (AF_VSOCK, AF_TIPC and
#: AF_BLUETOOTH are the real ones on Linux); the spec below makes it open an AF_UNIX socket
ABOVE_AF_INET6 = max(value for name, value in vars(_socket).items() if name.startswith("AF_")) + 1


def _family_opens_unix(impl, monkeypatch, number):
    """Make the module's socket class open an AF_UNIX socket when asked for family ``number``,
    as if the system had a stream family of that number."""
    real = impl.socket.__init__

    def init(self, family=-1, *args, **kwargs):
        real(self, _socket.AF_UNIX if family == number else family, *args, **kwargs)

    monkeypatch.setattr(impl.socket, "__init__", init)


@spec("create_server", needs=["af_unix"], platforms=["linux", "darwin"])
@pytest.mark.parametrize("family", [getattr(_socket, "AF_UNIX", 1), ABOVE_AF_INET6],
                         ids=["af_unix", "above_af_inet6"])
def test_create_server_sets_no_ipv6_option_on_other_families(impl, monkeypatch, tmp_path,
                                                             family):
    # IPV6_V6ONLY is for AF_INET6 alone: a stream socket of any other family, numbered below
    # AF_INET6 or above it, gets SO_REUSEADDR and nothing else before bind() and listen().
    _family_opens_unix(impl, monkeypatch, ABOVE_AF_INET6)
    calls = _record_socket_calls(impl, monkeypatch)
    path = str(tmp_path / "s")
    with impl.create_server(path, family=family) as server:
        assert server.family == _socket.AF_UNIX
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_ACCEPTCONN) != 0
        made = [(name, args) for sock, name, args in calls if sock is server]
    assert made == [("setsockopt", REUSEADDR + (1,)), ("bind", (path,)), ("listen", ())]


@spec("create_server", platforms=["linux", "darwin"])
def test_create_server_binds_even_if_so_reuseaddr_is_refused(impl, monkeypatch):
    # SO_REUSEADDR is a convenience: where the system refuses it, the server is made anyway.
    calls = _record_socket_calls(impl, monkeypatch, refuse={REUSEADDR + (1,)})
    with impl.create_server(("127.0.0.1", 0)) as server:
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_ACCEPTCONN) != 0
        made = [name for sock, name, _ in calls if sock is server]
    assert made == ["setsockopt", "bind", "listen"]


@spec("create_server")
@pytest.mark.parametrize(
    "host, options, refused",
    [
        case("127.0.0.1", {"reuse_port": True},
             (_socket.SOL_SOCKET, getattr(_socket, "SO_REUSEPORT", -1), 1),
             id="reuse_port", needs=["so_reuseport"]),
        case("::1", {"family": _socket.AF_INET6}, V6ONLY + (1,),
             id="ipv6", needs=["ipv6"], personas=WITH_IPV6_V6ONLY),
        case("::ffff:127.0.0.1", {"family": _socket.AF_INET6, "dualstack_ipv6": True},
             V6ONLY + (0,), id="dualstack", needs=["ipv6"], personas=WITH_IPV6_V6ONLY),
    ],
)
def test_create_server_refused_option_propagates_and_closes(impl, monkeypatch, host, options,
                                                            refused):
    # Unlike SO_REUSEADDR, SO_REUSEPORT (asked for) and IPV6_V6ONLY (which decides who can
    # connect) are not optional: the system's refusal propagates as it is, before bind().
    monkeypatch.setattr(impl, "has_dualstack_ipv6", lambda: True)
    calls = _record_socket_calls(impl, monkeypatch, refuse={refused})
    before = _open_fds()
    with pytest.raises(OSError) as info:
        impl.create_server((host, 0), **options)
    assert type(info.value) is OSError
    assert str(info.value) == f"[Errno {errno.EINVAL}] {os.strerror(errno.EINVAL)}"
    assert [args for _, name, args in calls if name == "setsockopt"][-1] == refused
    assert "bind" not in [name for _, name, _ in calls]
    assert _open_fds() == before, info.value


@spec("create_server", personas=["no-reuseport"])
def test_create_server_reuse_port_unsupported_raises_value_error(impl):
    # Where the module has no SO_REUSEPORT, asking for it is refused before any socket is made.
    before = _open_fds()
    with pytest.raises(ValueError) as info:
        impl.create_server(("127.0.0.1", 0), reuse_port=True)
    assert str(info.value) == REUSEPORT_UNSUPPORTED_MESSAGE
    assert _open_fds() == before


@spec("create_server", needs=["ipv6"], personas=["no-v6only"])
def test_create_server_ipv6_without_ipv6_v6only_leaves_the_option_alone(impl, monkeypatch):
    # Where the module has no IPV6_V6ONLY, an AF_INET6 server is made without setting it.
    calls = _record_socket_calls(impl, monkeypatch)
    with impl.create_server(("::1", 0), family=_socket.AF_INET6) as server:
        assert server.family == _socket.AF_INET6
        assert server.getsockopt(_socket.SOL_SOCKET, _socket.SO_ACCEPTCONN) != 0
        made = [args[:2] for sock, name, args in calls if sock is server and name == "setsockopt"]
    assert V6ONLY not in made


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


@spec("create_server", needs=["ipv6"], platforms=["linux"], personas=WITH_IPV6_V6ONLY)
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


@spec("create_server", needs=["dualstack_ipv6"])
@pytest.mark.parametrize(
    "family",
    [getattr(_socket, "AF_UNIX", 1),
     max(value for name, value in vars(_socket).items() if name.startswith("AF_"))],
    ids=["af_unix", "largest_family"],
)
def test_create_server_dualstack_rejects_every_other_family(impl, family):
    # Smaller or larger than AF_INET6, any other family is refused before a socket is made.
    before = _open_fds()
    with pytest.raises(ValueError) as info:
        impl.create_server(("127.0.0.1", 0), family=family, dualstack_ipv6=True)
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


@spec("has_dualstack_ipv6", needs=["ipv6"], personas=WITH_IPV6_V6ONLY)
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


@spec("has_dualstack_ipv6", needs=["ipv6"], personas=WITH_IPV6_V6ONLY)
def test_has_dualstack_ipv6_false_where_v6only_cannot_be_cleared(impl, monkeypatch):
    # As where IPv6 sockets are always IPv6-only (OpenBSD): the probe's attempt to clear
    # IPV6_V6ONLY fails, and the answer is False, not the error.
    calls = _record_socket_calls(impl, monkeypatch, refuse={V6ONLY + (0,)})
    before = _open_fds()
    assert impl.has_dualstack_ipv6() is False
    assert _open_fds() == before
    assert [args for _, name, args in calls] == [V6ONLY + (0,)]
    assert all(sock.fileno() == -1 for sock, _, _ in calls)


@spec("has_dualstack_ipv6", personas=["no-v6only"])
def test_has_dualstack_ipv6_false_without_ipv6_v6only(impl, monkeypatch):
    # Without the option's number there is nothing to clear: False, and no probe socket.
    calls = _record_socket_calls(impl, monkeypatch)
    before = _open_fds()
    assert impl.has_dualstack_ipv6() is False
    assert _open_fds() == before
    assert calls == []
    with pytest.raises(ValueError) as info:
        impl.create_server(("::1", 0), family=_socket.AF_INET6, dualstack_ipv6=True)
    assert str(info.value) == DUALSTACK_UNSUPPORTED_MESSAGE


@spec("has_dualstack_ipv6", needs=["ipv6"],
      platforms=["linux", "darwin", "freebsd", "openbsd", "netbsd"])
def test_has_dualstack_ipv6_false_when_no_probe_socket_can_be_made(impl):
    # Out of descriptors (RLIMIT_NOFILE lowered to 0), as where the kernel has no IPv6: the
    # probe socket cannot be made, and the answer is False, not the error.
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (0, hard))
    try:
        try:
            _socket.socket(_socket.AF_INET6, _socket.SOCK_STREAM).close()
        except OSError as exc:
            refused = exc.errno
        else:
            refused = None
        answer = impl.has_dualstack_ipv6()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert refused == errno.EMFILE
    assert answer is False
