"""create_connection(): the returned socket, timeout and source address handling, trying
every getaddrinfo() result in order, the errors raised when all attempts fail (last error or
ExceptionGroup with ``all_errors=True``, gh-74166) and what propagates unwrapped."""

import _socket
import errno
import gc
import os
import warnings
import weakref
from contextlib import closing

import pytest

from fixtures import peers
from fixtures.peers import PEER_TIMEOUT, recv_exactly, unused_tcp_port
from fixtures.peers import open_fds as _open_fds
from harness.model.spec import spec

#: A lookup that fails on this host alone: a numeric host, and a service no services file has.
UNKNOWN_SERVICE = ("127.0.0.1", "sockspec-no-such-service")
GROUP_MESSAGE = "create_connection failed"




def _accept(listener):
    """Accept one pending connection on a raw listener: (raw peer socket, its address)."""
    listener.settimeout(PEER_TIMEOUT)
    fd, address = listener._accept()
    peer = _socket.socket(listener.family, _socket.SOCK_STREAM, 0, fd)
    peer.settimeout(PEER_TIMEOUT)
    return peer, address


def _has_pending_connection(listener):
    listener.setblocking(False)
    try:
        fd, _ = listener._accept()
    except BlockingIOError:
        return False
    finally:
        listener.settimeout(PEER_TIMEOUT)
    os.close(fd)
    return True


def _v4(port, family=_socket.AF_INET, proto=_socket.IPPROTO_TCP):
    return (family, _socket.SOCK_STREAM, proto, "", ("127.0.0.1", port))


def _v6(port):
    return (_socket.AF_INET6, _socket.SOCK_STREAM, _socket.IPPROTO_TCP, "", ("::1", port, 0, 0))


def _bad_family(port):
    """An entry on which socket() itself fails: an address family no OS knows."""
    return _v4(port, family=12345, proto=0)


@pytest.fixture
def fake_getaddrinfo(impl, monkeypatch):
    """``fake_getaddrinfo(entries)`` makes the implementation's getaddrinfo return ``entries``.

    create_connection() resolves through the module's own ``getaddrinfo`` global, as
    CPython's does; the calls are recorded in the returned list.
    """

    def install(entries):
        calls = []

        def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
            calls.append((host, port, family, type, proto, flags))
            return list(entries)

        monkeypatch.setattr(impl, "getaddrinfo", getaddrinfo)
        return calls

    return install


# -- success -----------------------------------------------------------------------------


@spec("create_connection")
def test_create_connection_returns_connected_implementation_socket(impl, raw_listener):
    address = raw_listener.getsockname()
    with impl.create_connection(address) as sock:
        assert type(sock) is impl.socket
        assert (sock.family, sock.type) == (_socket.AF_INET, _socket.SOCK_STREAM)
        assert sock.getpeername() == address
        peer, peer_address = _accept(raw_listener)
        with closing(peer):
            assert peer_address == sock.getsockname()


@spec("create_connection")
def test_create_connection_carries_data_both_ways(impl, raw_listener):
    with impl.create_connection(raw_listener.getsockname(), PEER_TIMEOUT) as sock:
        peer, _ = _accept(raw_listener)
        with closing(peer):
            sock.sendall(b"hello peer")
            assert recv_exactly(peer, 10) == b"hello peer"
            peer.sendall(b"hello back")
            assert sock.recv(10) == b"hello back"


@spec("create_connection")
def test_create_connection_applies_timeout(impl, raw_listener):
    with impl.create_connection(raw_listener.getsockname(), timeout=3.5) as sock:
        assert sock.gettimeout() == 3.5


class _EqualToAnything(float):
    """A timeout that says it equals every object, and differs from none."""

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = float.__hash__


@spec("create_connection")
def test_create_connection_timeout_is_told_from_the_default_by_identity(
    impl, raw_listener, restore_default_timeout
):
    # Only the omitted argument means "the default timeout": a value that claims to be
    # equal to everything (the module's own marker for "omitted" too) is still set.
    impl.setdefaulttimeout(7.25)
    with impl.create_connection(raw_listener.getsockname(), _EqualToAnything(2.5)) as sock:
        assert sock.gettimeout() == 2.5


@spec("create_connection")
def test_create_connection_without_timeout_uses_default_timeout(
    impl, raw_listener, restore_default_timeout
):
    impl.setdefaulttimeout(7.25)
    with impl.create_connection(raw_listener.getsockname()) as sock:
        assert sock.gettimeout() == 7.25


@spec("create_connection")
def test_create_connection_timeout_none_means_blocking_despite_default(
    impl, raw_listener, restore_default_timeout
):
    impl.setdefaulttimeout(7.25)
    with impl.create_connection(raw_listener.getsockname(), None) as sock:
        assert sock.gettimeout() is None


@spec("create_connection")
def test_create_connection_binds_source_address(impl, raw_listener):
    port = unused_tcp_port()
    with impl.create_connection(
        raw_listener.getsockname(), PEER_TIMEOUT, ("127.0.0.1", port)
    ) as sock:
        assert sock.getsockname() == ("127.0.0.1", port)
        peer, peer_address = _accept(raw_listener)
        with closing(peer):
            assert peer_address == ("127.0.0.1", port)


@spec("create_connection", platforms=["linux"])
def test_create_connection_source_address_on_other_loopback_host(impl, raw_listener):
    # Linux routes all of 127.0.0.0/8 to loopback: the peer sees the chosen source host.
    with impl.create_connection(
        raw_listener.getsockname(), PEER_TIMEOUT, source_address=("127.0.0.2", 0)
    ) as sock:
        assert sock.getsockname()[0] == "127.0.0.2"
        peer, peer_address = _accept(raw_listener)
        with closing(peer):
            assert peer_address == sock.getsockname()


@spec("create_connection")
@pytest.mark.parametrize("source", [None, ()], ids=["none", "empty_tuple"])
def test_create_connection_ignores_falsy_source_address(impl, raw_listener, source):
    # Only a truthy source_address is bound; binding () would raise.
    with impl.create_connection(raw_listener.getsockname(), PEER_TIMEOUT, source) as sock:
        assert sock.getpeername() == raw_listener.getsockname()


# -- trying several addresses ------------------------------------------------------------------


@spec("create_connection")
def test_create_connection_localhost_reaches_ipv4_only_listener(impl, raw_listener):
    # 'localhost' may resolve to ::1 first; nothing listens there, so the IPv4 address
    # must be tried next.
    port = raw_listener.getsockname()[1]
    with impl.create_connection(("localhost", port), PEER_TIMEOUT) as sock:
        assert sock.getpeername() == ("127.0.0.1", port)


@spec("create_connection")
def test_create_connection_tries_addresses_in_order_until_one_connects(
    impl, raw_listener, fake_getaddrinfo, refusing_port
):
    port = raw_listener.getsockname()[1]
    refused = refusing_port()
    calls = fake_getaddrinfo([_v4(refused), _bad_family(refused), _v4(port)])
    before = _open_fds()
    with impl.create_connection(("example.invalid", 4242), PEER_TIMEOUT) as sock:
        assert sock.getpeername() == ("127.0.0.1", port)
        # The sockets of the failed attempts were closed.
        assert _open_fds() - before == {sock.fileno()}
    assert [c[:2] for c in calls] == [("example.invalid", 4242)]


@spec("create_connection", needs=["ipv6"])
def test_create_connection_falls_back_from_ipv6_to_ipv4(
    impl, raw_listener, fake_getaddrinfo, refusing_port
):
    port = raw_listener.getsockname()[1]
    refused6 = refusing_port("::1", _socket.AF_INET6)
    fake_getaddrinfo([_v6(refused6), _v4(port)])
    with impl.create_connection(("localhost", port), PEER_TIMEOUT) as sock:
        assert sock.family == _socket.AF_INET
        assert sock.getpeername() == ("127.0.0.1", port)


@spec("create_connection")
def test_create_connection_stops_at_first_success(impl, fake_getaddrinfo):
    first = peers.raw_listener()
    second = peers.raw_listener()
    try:
        fake_getaddrinfo([_v4(first.getsockname()[1]), _v4(second.getsockname()[1])])
        with impl.create_connection(("example.invalid", 1), PEER_TIMEOUT) as sock:
            assert sock.getpeername() == first.getsockname()
            assert _has_pending_connection(first)
            assert not _has_pending_connection(second)
    finally:
        first.close()
        second.close()


class _Timeout(float):
    """A timeout a weak reference can follow: it lives as long as something holds it."""


def _call_keeps_alive(call):
    """``call(timeout)``: whether it leaves the timeout it was given alive once it is over,
    and the type of the error it raised (None if none).

    The garbage collector is off meanwhile: a reference cycle through the call's frames
    (the frames of an error's traceback hold the arguments) is not broken behind the
    spec's back. The error the call raises is dropped before looking.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        timeout = _Timeout(PEER_TIMEOUT)
        alive = weakref.ref(timeout)
        raised = None
        try:
            call(timeout)
        except Exception as error:
            raised = type(error)
        del timeout
        return alive() is not None, raised
    finally:
        if was_enabled:
            gc.enable()


@spec("create_connection")
def test_create_connection_success_after_failures_leaves_no_reference_cycle(
    impl, raw_listener, fake_getaddrinfo, refusing_port
):
    # The errors of the failed attempts refer to the call's frame through their tracebacks;
    # once the call has returned its socket, nothing of it is kept alive.
    refused = refusing_port()
    fake_getaddrinfo([_v4(refused), _bad_family(refused), _v4(raw_listener.getsockname()[1])])
    made = []
    outcome = _call_keeps_alive(
        lambda timeout: made.append(impl.create_connection(("example.invalid", 1), timeout)))
    peers_seen = [sock.getpeername() for sock in made]
    for sock in made:
        sock.close()
    assert outcome == (False, None)
    assert peers_seen == [raw_listener.getsockname()]


@spec("create_connection")
def test_create_connection_failure_leaves_no_reference_cycle(impl, fake_getaddrinfo, refusing_port):
    refused = refusing_port()
    fake_getaddrinfo([_v4(refused), _bad_family(refused), _v4(refused)])
    assert _call_keeps_alive(
        lambda timeout: impl.create_connection(("example.invalid", 1), timeout)
    ) == (False, ConnectionRefusedError)


@spec("create_connection", since="3.11")
@pytest.mark.parametrize("succeeds", [True, False], ids=["success", "failure"])
def test_create_connection_all_errors_leaves_no_reference_cycle(
    impl, raw_listener, fake_getaddrinfo, succeeds, refusing_port
):
    refused = refusing_port()
    last = raw_listener.getsockname()[1] if succeeds else refused
    fake_getaddrinfo([_v4(refused), _bad_family(refused), _v4(last)])
    made = []
    kept, raised = _call_keeps_alive(lambda timeout: made.append(
        impl.create_connection(("example.invalid", 1), timeout, all_errors=True)))
    for sock in made:
        sock.close()
    assert not kept
    assert len(made) == succeeds
    assert (raised is None) is succeeds


# -- failure -------------------------------------------------------------------------------


@spec("create_connection")
def test_create_connection_refused_raises_connection_refused_error(impl, refusing_port):
    port = refusing_port()
    before = _open_fds()
    with pytest.raises(ConnectionRefusedError) as info:
        impl.create_connection(("127.0.0.1", port), PEER_TIMEOUT)
    assert info.value.errno == errno.ECONNREFUSED
    assert _open_fds() == before


@spec("create_connection")
def test_create_connection_failed_lookup_raises_gaierror(impl):
    with pytest.raises(OSError) as info:
        impl.create_connection(UNKNOWN_SERVICE, PEER_TIMEOUT)
    assert type(info.value) is _socket.gaierror
    assert info.value.errno == _socket.EAI_SERVICE


@spec("create_connection", since="3.11")
def test_create_connection_gaierror_is_not_grouped_with_all_errors(impl):
    with pytest.raises(OSError) as info:
        impl.create_connection(UNKNOWN_SERVICE, PEER_TIMEOUT, all_errors=True)
    assert type(info.value) is _socket.gaierror
    assert info.value.errno == _socket.EAI_SERVICE


@spec("create_connection")
@pytest.mark.parametrize("order", ["refused_last", "bad_family_last"])
def test_create_connection_raises_the_last_error(impl, fake_getaddrinfo, order, refusing_port):
    refused = refusing_port()
    entries = [_bad_family(refused), _v4(refused)]
    if order == "bad_family_last":
        entries.reverse()
    fake_getaddrinfo(entries)
    with pytest.raises(OSError) as info:
        impl.create_connection(("example.invalid", 1), PEER_TIMEOUT)
    if order == "refused_last":
        assert type(info.value) is ConnectionRefusedError
        assert info.value.errno == errno.ECONNREFUSED
    else:
        assert type(info.value) is OSError
        assert info.value.errno == errno.EAFNOSUPPORT


@spec("create_connection")
def test_create_connection_empty_getaddrinfo_raises_oserror(impl, fake_getaddrinfo):
    fake_getaddrinfo([])
    with pytest.raises(OSError) as info:
        impl.create_connection(("example.invalid", 1), PEER_TIMEOUT)
    assert type(info.value) is OSError
    assert info.value.args == ("getaddrinfo returns an empty list",)


@spec("create_connection", since="3.11")
def test_create_connection_empty_getaddrinfo_not_grouped_with_all_errors(impl, fake_getaddrinfo):
    fake_getaddrinfo([])
    with pytest.raises(OSError) as info:
        impl.create_connection(("example.invalid", 1), PEER_TIMEOUT, all_errors=True)
    assert type(info.value) is OSError
    assert info.value.args == ("getaddrinfo returns an empty list",)


@spec("create_connection")
def test_create_connection_non_oserror_propagates(impl, raw_listener):
    with pytest.raises(TypeError) as info:
        impl.create_connection(raw_listener.getsockname(), "not a timeout")
    assert not _has_pending_connection(raw_listener)
    # CPython leaves the half-made socket to the garbage collector (only OSError closes
    # it); collect it here so its ResourceWarning, if any, is not reported elsewhere.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        del info
        gc.collect()


@spec("create_connection")
@pytest.mark.parametrize(
    "address, error",
    [
        (("127.0.0.1",), ValueError),
        (("::1", 80, 0, 0), ValueError),
        (80, TypeError),
        (None, TypeError),
    ],
    ids=["one_item", "four_items", "int", "none"],
)
def test_create_connection_address_must_be_a_pair(impl, address, error):
    before = _open_fds()
    with pytest.raises(error) as info:
        impl.create_connection(address, PEER_TIMEOUT)
    assert _open_fds() == before, info.value


# -- all_errors=True -----------------------------------------------------------------------------


@spec("create_connection", since="3.11")
def test_create_connection_all_errors_raises_group_of_each_error(
    impl, fake_getaddrinfo, refusing_port
):
    refused = refusing_port()
    fake_getaddrinfo([_v4(refused), _bad_family(refused)])
    before = _open_fds()
    with pytest.raises(Exception) as info:
        impl.create_connection(("example.invalid", 1), PEER_TIMEOUT, all_errors=True)
    group = info.value
    assert group.args[0] == GROUP_MESSAGE
    assert group.message == GROUP_MESSAGE
    errors = list(group.exceptions)
    assert [type(e) for e in errors] == [ConnectionRefusedError, OSError]
    assert [e.errno for e in errors] == [errno.ECONNREFUSED, errno.EAFNOSUPPORT]
    assert str(group) == f"{GROUP_MESSAGE} (2 sub-exceptions)"
    assert _open_fds() == before


@spec("create_connection", since="3.11", needs=["exception_groups"])
def test_create_connection_all_errors_group_is_builtin_exception_group(
    impl, fake_getaddrinfo, refusing_port
):
    refused = refusing_port()
    fake_getaddrinfo([_v4(refused), _v4(refused)])
    with pytest.raises(ExceptionGroup) as info:  # noqa: F821 - builtin from 3.11
        impl.create_connection(("example.invalid", 1), PEER_TIMEOUT, all_errors=True)
    assert str(info.value) == "create_connection failed (2 sub-exceptions)"
    assert info.value.subgroup(ConnectionRefusedError) is not None


@spec("create_connection", since="3.11")
def test_create_connection_all_errors_groups_even_a_single_error(impl, refusing_port):
    port = refusing_port()
    with pytest.raises(Exception) as info:
        impl.create_connection(("127.0.0.1", port), PEER_TIMEOUT, all_errors=True)
    assert not isinstance(info.value, OSError)
    assert info.value.args[0] == GROUP_MESSAGE
    (only,) = info.value.exceptions
    assert str(info.value) == f"{GROUP_MESSAGE} (1 sub-exception)"
    assert type(only) is ConnectionRefusedError
    assert only.errno == errno.ECONNREFUSED


@spec("create_connection", since="3.11")
def test_create_connection_all_errors_group_args_list_is_emptied(
    impl, fake_getaddrinfo, refusing_port
):
    # CPython clears its list of errors after raising, to break reference cycles; the
    # group's args keep that (now empty) list while .exceptions keeps its own copy.
    refused = refusing_port()
    fake_getaddrinfo([_v4(refused), _v4(refused)])
    with pytest.raises(Exception) as info:
        impl.create_connection(("example.invalid", 1), PEER_TIMEOUT, all_errors=True)
    assert list(info.value.args[1]) == []
    assert len(info.value.exceptions) == 2


@spec("create_connection", since="3.11")
def test_create_connection_all_errors_success_after_failures_returns_socket(
    impl, raw_listener, fake_getaddrinfo, refusing_port
):
    refused = refusing_port()
    fake_getaddrinfo([_v4(refused), _v4(raw_listener.getsockname()[1])])
    with impl.create_connection(("example.invalid", 1), PEER_TIMEOUT, all_errors=True) as sock:
        assert sock.getpeername() == raw_listener.getsockname()


@spec("create_connection", since="3.11")
def test_create_connection_all_errors_is_keyword_only(impl, raw_listener):
    with pytest.raises(TypeError):
        impl.create_connection(raw_listener.getsockname(), PEER_TIMEOUT, None, True)
    assert not _has_pending_connection(raw_listener)
