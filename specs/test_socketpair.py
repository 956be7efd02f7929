"""socketpair(): the native path (``_socket.socketpair`` re-wrapped in the implementation's
class) and the TCP fallback ``_fallback_socketpair`` (argument checks, loopback connection,
peer verification against an interloper: gh-122133 / CVE-2024-3219)."""

import _socket
import contextlib
import errno
import os

import pytest

from fixtures.peers import PEER_TIMEOUT, fd_is_open, recv_exactly
from fixtures.peers import open_fds as _open_fds
from harness.model.spec import case, spec
from harness.runner.state import state_of

AF_UNIX = getattr(_socket, "AF_UNIX", None)

FAMILY_MESSAGE = "Only AF_INET and AF_INET6 socket address families are supported"
TYPE_MESSAGE = "Only SOCK_STREAM socket type is supported"
PROTO_MESSAGE = "Only protocol zero is supported"




def _exchange(a, b):
    """Send one message each way between two connected stream sockets."""
    a.settimeout(PEER_TIMEOUT)
    b.settimeout(PEER_TIMEOUT)
    a.sendall(b"ping from a")
    assert recv_exactly(b, 11) == b"ping from a"
    b.sendall(b"pong from b")
    assert recv_exactly(a, 11) == b"pong from b"


# -- native socketpair -------------------------------------------------------------------


@spec("socketpair")
def test_socketpair_doc_starts_with_its_signature(impl):
    # what help(socket.socketpair) shows, natively and where socketpair is the fallback
    first = impl.socketpair.__doc__.splitlines()[0]
    assert first == "socketpair([family[, type[, proto]]]) -> (socket object, socket object)"


@spec("socketpair", needs=["socketpair_native", "af_unix"])
def test_socketpair_default_family_is_af_unix(impl):
    a, b = impl.socketpair()
    with a, b:
        assert a.family == AF_UNIX
        assert b.family == AF_UNIX


@spec("socketpair", needs=["socketpair_native", "af_unix"])
def test_socketpair_default_type_is_stream_proto_zero(impl):
    a, b = impl.socketpair()
    with a, b:
        assert (a.type, a.proto) == (_socket.SOCK_STREAM, 0)
        assert (b.type, b.proto) == (_socket.SOCK_STREAM, 0)


@spec("socketpair", needs=["socketpair_native", "af_unix"])
def test_socketpair_ends_are_implementation_sockets(impl):
    a, b = impl.socketpair()
    with a, b:
        assert type(a) is impl.socket
        assert type(b) is impl.socket


@spec("socketpair", needs=["socketpair_native", "af_unix"])
def test_socketpair_family_and_type_are_enum_members(impl):
    a, b = impl.socketpair()
    with a, b:
        for end in (a, b):
            assert isinstance(end.family, impl.AddressFamily)
            assert end.family is impl.AddressFamily.AF_UNIX
            assert isinstance(end.type, impl.SocketKind)
            assert end.type is impl.SocketKind.SOCK_STREAM


@spec("socketpair", needs=["socketpair_native", "af_unix"])
@pytest.mark.parametrize("kind", ["SOCK_STREAM", "SOCK_DGRAM"])
def test_socketpair_explicit_unix_pair_has_requested_type(impl, kind):
    a, b = impl.socketpair(AF_UNIX, getattr(_socket, kind))
    with a, b:
        for end in (a, b):
            assert end.family == AF_UNIX
            assert end.type == getattr(_socket, kind)


@spec("socketpair", needs=["socketpair_native", "af_unix"])
def test_socketpair_stream_data_flows_both_ways(impl):
    a, b = impl.socketpair(AF_UNIX, _socket.SOCK_STREAM)
    with a, b:
        _exchange(a, b)


@spec("socketpair", needs=["socketpair_native", "af_unix"])
def test_socketpair_dgram_keeps_message_boundaries_both_ways(impl):
    a, b = impl.socketpair(AF_UNIX, _socket.SOCK_DGRAM)
    with a, b:
        a.settimeout(PEER_TIMEOUT)
        b.settimeout(PEER_TIMEOUT)
        a.send(b"one")
        a.send(b"two")
        assert b.recv(100) == b"one"
        assert b.recv(100) == b"two"
        b.send(b"back")
        assert a.recv(100) == b"back"


@spec("socketpair", needs=["socketpair_native", "af_unix"])
def test_socketpair_accepts_keyword_arguments(impl):
    a, b = impl.socketpair(family=AF_UNIX, type=_socket.SOCK_DGRAM, proto=0)
    with a, b:
        assert (a.family, a.type, a.proto) == (AF_UNIX, _socket.SOCK_DGRAM, 0)
        assert (b.family, b.type, b.proto) == (AF_UNIX, _socket.SOCK_DGRAM, 0)


@spec("socketpair", needs=["socketpair_native", "af_unix"])
def test_socketpair_ends_are_non_inheritable(impl):
    a, b = impl.socketpair()
    with a, b:
        for end in (a, b):
            assert os.get_inheritable(end.fileno()) is False
            assert end.get_inheritable() is False


@spec("socketpair", needs=["socketpair_native", "af_unix"])
def test_socketpair_closing_one_end_gives_eof_to_the_other(impl):
    a, b = impl.socketpair()
    with a, b:
        fd = a.fileno()
        a.close()
        assert not fd_is_open(fd)
        b.settimeout(PEER_TIMEOUT)
        assert b.recv(10) == b""


@spec("socketpair", needs=["socketpair_native", "af_unix"])
def test_socketpair_ends_follow_default_timeout(impl):
    previous = impl.getdefaulttimeout()
    impl.setdefaulttimeout(2.5)
    try:
        a, b = impl.socketpair()
    finally:
        impl.setdefaulttimeout(previous)
    with a, b:
        assert a.gettimeout() == 2.5
        assert b.gettimeout() == 2.5


@spec("socketpair", needs=["socketpair_native"], platforms=["linux"])
def test_socketpair_native_rejects_af_inet_without_leaking(impl):
    # Linux's socketpair(2) supports only AF_UNIX: AF_INET is refused with EOPNOTSUPP
    # (the native path does not fall back to TCP) and nothing stays open.
    before = _open_fds()
    with pytest.raises(OSError) as info:
        impl.socketpair(_socket.AF_INET, _socket.SOCK_STREAM)
    assert info.value.errno == errno.EOPNOTSUPP
    assert _open_fds() == before


# -- the TCP fallback ----------------------------------------------------------------------


def _fallback_name(impl, config) -> str:
    """Where the TCP fallback is: ``_fallback_socketpair``. A module without that name on a
    host with no native socketpair (Windows, and the windows persona) has its fallback as
    ``socketpair`` itself, as CPython had before the gh-122133 backport."""
    if not hasattr(impl, "_fallback_socketpair") and \
            not state_of(config).capabilities.get("socketpair_native", True):
        return "socketpair"
    return "_fallback_socketpair"


@pytest.fixture
def fallback_socketpair(impl, request):
    """The TCP fallback to call (:func:`_fallback_name`). A module without it fails the spec
    where it is called, with the AttributeError of the lookup."""
    name = _fallback_name(impl, request.config)

    def fallback(*args, **kwargs):
        return getattr(impl, name)(*args, **kwargs)

    return fallback


@spec("_fallback_socketpair")
@pytest.mark.parametrize(
    "family", [AF_UNIX if AF_UNIX is not None else 1, 12345], ids=["af_unix", "unknown"]
)
def test_fallback_socketpair_rejects_other_families(family, fallback_socketpair):
    before = _open_fds()
    with pytest.raises(ValueError) as info:
        fallback_socketpair(family)
    assert str(info.value) == FAMILY_MESSAGE
    assert _open_fds() == before


@spec("_fallback_socketpair")
def test_fallback_socketpair_rejects_datagram_type(fallback_socketpair):
    before = _open_fds()
    with pytest.raises(ValueError) as info:
        fallback_socketpair(_socket.AF_INET, _socket.SOCK_DGRAM)
    assert str(info.value) == TYPE_MESSAGE
    assert _open_fds() == before


@spec("_fallback_socketpair")
def test_fallback_socketpair_rejects_nonzero_proto_even_tcp(fallback_socketpair):
    # Even IPPROTO_TCP, the protocol a stream socket would use anyway, is refused.
    before = _open_fds()
    with pytest.raises(ValueError) as info:
        fallback_socketpair(_socket.AF_INET, _socket.SOCK_STREAM, _socket.IPPROTO_TCP)
    assert str(info.value) == PROTO_MESSAGE
    assert _open_fds() == before


@spec("_fallback_socketpair")
@pytest.mark.parametrize(
    "args, message",
    [
        ((12345, 12345, 12345), FAMILY_MESSAGE),
        ((_socket.AF_INET, 12345, 12345), TYPE_MESSAGE),
        ((_socket.AF_INET, 0), TYPE_MESSAGE),
        ((_socket.AF_INET, _socket.SOCK_STREAM, -1), PROTO_MESSAGE),
    ],
    ids=["family_first", "type_before_proto", "type_zero", "proto_minus_one"],
)
def test_fallback_socketpair_checks_family_then_type_then_proto(args, message, fallback_socketpair):
    with pytest.raises(ValueError) as info:
        fallback_socketpair(*args)
    assert str(info.value) == message


@spec("_fallback_socketpair")
def test_fallback_socketpair_default_family_is_af_inet(fallback_socketpair):
    a, b = fallback_socketpair()
    with a, b:
        for end in (a, b):
            assert end.family == _socket.AF_INET
            assert end.type == _socket.SOCK_STREAM
            assert end.getsockname()[0] == "127.0.0.1"


@spec("_fallback_socketpair")
def test_fallback_socketpair_ends_are_implementation_sockets(impl, fallback_socketpair):
    a, b = fallback_socketpair()
    with a, b:
        assert isinstance(a, impl.socket)
        assert isinstance(b, impl.socket)


@spec("_fallback_socketpair")
def test_fallback_socketpair_ends_are_connected_to_each_other(fallback_socketpair):
    a, b = fallback_socketpair(_socket.AF_INET)
    with a, b:
        assert a.getsockname() == b.getpeername()
        assert b.getsockname() == a.getpeername()


@spec("_fallback_socketpair", needs=["ipv6"])
def test_fallback_socketpair_ipv6_ends_are_connected_over_loopback(fallback_socketpair):
    a, b = fallback_socketpair(_socket.AF_INET6)
    with a, b:
        assert a.family == _socket.AF_INET6
        assert b.family == _socket.AF_INET6
        assert a.getsockname()[0] == "::1"
        assert a.getsockname() == b.getpeername()
        assert b.getsockname() == a.getpeername()
        _exchange(a, b)


@spec("_fallback_socketpair")
def test_fallback_socketpair_data_flows_both_ways(fallback_socketpair):
    a, b = fallback_socketpair()
    with a, b:
        _exchange(a, b)


@spec("_fallback_socketpair")
def test_fallback_socketpair_ends_are_blocking(fallback_socketpair):
    # The client end is connected without blocking and must be put back in blocking mode.
    a, b = fallback_socketpair()
    with a, b:
        assert a.gettimeout() is None
        assert b.gettimeout() is None


@spec("_fallback_socketpair")
@pytest.mark.parametrize("default", [0.0, 2.5], ids=["non-blocking", "timeout"])
def test_fallback_socketpair_under_a_default_timeout(
        impl, restore_default_timeout, default, fallback_socketpair):
    # The accepted end takes the default timeout, as a new socket does; the connecting end is
    # put in blocking mode.
    impl.setdefaulttimeout(default)
    a, b = fallback_socketpair()
    impl.setdefaulttimeout(None)
    with a, b:
        assert a.gettimeout() == default
        assert b.gettimeout() is None
        assert a.getpeername() == b.getsockname()
        _exchange(a, b)


@spec("_fallback_socketpair")
def test_fallback_socketpair_returns_accepted_end_first(impl, monkeypatch, fallback_socketpair):
    listening = []
    real_listen = impl.socket.listen

    def listen(self, *args):
        real_listen(self, *args)
        listening.append(self.getsockname())

    monkeypatch.setattr(impl.socket, "listen", listen)
    a, b = fallback_socketpair()
    with a, b:
        assert len(listening) == 1
        assert a.getsockname() == listening[0]
        assert b.getpeername() == listening[0]


@spec("_fallback_socketpair")
def test_fallback_socketpair_leaves_only_the_two_ends_open(fallback_socketpair):
    # The temporary listener is closed before returning.
    before = _open_fds()
    a, b = fallback_socketpair()
    with a, b:
        assert _open_fds() - before == {a.fileno(), b.fileno()}


@spec("_fallback_socketpair")
def test_fallback_socketpair_several_pairs_at_once(fallback_socketpair):
    # Each call has a listener of its own on a port the system picks: pairs already made,
    # whose accepted ends keep their listener's address, leave the next call free to listen.
    pairs = [fallback_socketpair() for _ in range(3)]
    try:
        for a, b in pairs:
            assert a.getpeername() == b.getsockname()
            _exchange(a, b)
        assert len({a.getsockname() for a, _ in pairs}) == 3
    finally:
        for pair in pairs:
            for end in pair:
                end.close()


@spec("_fallback_socketpair")
def test_fallback_socketpair_ends_are_non_inheritable(fallback_socketpair):
    a, b = fallback_socketpair()
    with a, b:
        assert os.get_inheritable(a.fileno()) is False
        assert os.get_inheritable(b.fileno()) is False


@spec("_fallback_socketpair")
@pytest.mark.parametrize("step", ["connect", "accept"])
def test_fallback_socketpair_failing_to_connect_closes_what_it_made(
        impl, monkeypatch, step, fallback_socketpair):
    # An error while the two ends are being connected (a refused connect, accept() out of
    # descriptors) propagates as it was raised, and neither the listener nor the connecting
    # end stays open behind it.
    failure = OSError(errno.EMFILE, "injected at " + step)

    def fail(self, *args):
        raise failure

    before = _open_fds()
    monkeypatch.setattr(impl.socket, step, fail)
    with pytest.raises(OSError) as info:
        fallback_socketpair()
    monkeypatch.undo()
    assert info.value is failure
    del info
    assert _open_fds() == before


@contextlib.contextmanager
def _interlopers(impl, monkeypatch):
    """Raw ``_socket`` clients that connect to a fallback socketpair's listener before its own
    client (one a listen() call); closed afterwards. Set up inside the spec: a socket class
    with no listen() to wrap fails the spec itself."""
    made = []
    real_listen = impl.socket.listen

    def listen(self, *args):
        real_listen(self, *args)
        raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        made.append(raw)
        raw.settimeout(PEER_TIMEOUT)
        raw.connect(self.getsockname()[:2])

    monkeypatch.setattr(impl.socket, "listen", listen)
    try:
        yield made
    finally:
        for raw in made:
            raw.close()


@contextlib.contextmanager
def _refused(make):
    """``make()`` raises OSError: the block runs with its ExceptionInfo still alive; whatever
    ``make()`` returned instead is closed."""
    result = None
    try:
        with pytest.raises(OSError) as info:
            result = make()
        yield info
    finally:
        for end in result or ():
            end.close()


@spec("_fallback_socketpair")
def test_fallback_socketpair_rejects_interloper(impl, monkeypatch, fallback_socketpair):
    with _interlopers(impl, monkeypatch) as interlopers:
        with _refused(fallback_socketpair):
            pass
        assert len(interlopers) == 1


# On a private host whose listeners queue one connection (net.core.somaxconn 0), an interloper
# that reached the fallback's listener first leaves no room for its own end. That end's
# connect() is not waited for (no build ever waited: the connection is started, then
# accepted), and the peer check finds the end unconnected and raises at once. A connect()
# that waited would give up only after its SYN retries (one here: net.ipv4.tcp_syn_retries
# 1) with TimeoutError. FALLBACK names the function (_fallback_name).
_FULL_QUEUE = """
import errno, os

def _sysctl(name, value):
    with open("/proc/sys/net/" + name, "w") as handle:
        handle.write(value)

_sysctl("core/somaxconn", "0")
_sysctl("ipv4/tcp_syn_retries", "1")
interlopers = []
real_listen = impl.socket.listen

def listen(self, *args):
    real_listen(self, *args)
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    interlopers.append(raw)
    raw.settimeout(10)
    raw.connect(self.getsockname())

impl.socket.listen = listen
def sockets():
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + fd).startswith("socket:"):
                found.add(fd)
        except FileNotFoundError:  # the listing's own descriptor, closed by now
            pass
    return found

before = sockets()
try:
    for end in getattr(impl, FALLBACK)():
        end.close()
    result = {"raised": None}
except OSError as exc:
    result = {"raised": type(exc).__name__, "errno": errno.errorcode.get(exc.errno)}
for raw in interlopers:
    raw.close()
result["interlopers"] = len(interlopers)
result["left_open"] = sorted(sockets() - before)
"""


def _with_full_queue(impl, host, config):
    """What the fallback did on a private host whose listener's queue was full."""
    name = _fallback_name(impl, config)
    # what the private host will call and wrap, looked up here first
    assert callable(getattr(impl, name)) and callable(impl.socket.listen)
    return host.result(f"FALLBACK = {name!r}\n" + _FULL_QUEUE)


@spec("_fallback_socketpair", "socketpair", needs=["netns"], personas=["native", "windows"])
def test_fallback_socketpair_with_its_listener_full_does_not_wait_for_its_connection(
        impl, ipv4_only_host, request):
    result = _with_full_queue(impl, ipv4_only_host, request.config)
    assert result["raised"] != "TimeoutError", result
    assert (result["interlopers"], result["left_open"]) == (1, [])


@spec("_fallback_socketpair", "socketpair", needs=["netns"], personas=["native", "windows"])
def test_fallback_socketpair_with_its_listener_full_finds_its_end_unconnected(
        impl, ipv4_only_host, request):
    result = _with_full_queue(impl, ipv4_only_host, request.config)
    assert result == {"raised": "OSError", "errno": "ENOTCONN", "interlopers": 1,
                      "left_open": []}


def _assert_refused_by_the_peer_check(fallback, ends):
    """``fallback()`` raises the peer check's ConnectionError, and the one connecting end it
    made (``ends``) is closed."""
    with pytest.raises(ConnectionError) as info:
        fallback()
    assert str(info.value) == "Unexpected peer connection"
    assert len(ends) == 1 and ends[0].fileno() == -1


def _bind_beside(sock, port, step):
    """Bind ``sock`` to the first free loopback port from ``port + step`` on, ``step`` apart."""
    for candidate in range(port + step, port + 64 * step, step):
        if 1024 <= candidate < 65536:
            try:
                sock.bind(("127.0.0.1", candidate))
                return
            except OSError:
                continue
    pytest.fail(f"no free loopback port near {port}")


@spec("_fallback_socketpair")
@pytest.mark.parametrize("step", [-1, 1], ids=["own_end_below", "own_end_above"])
def test_fallback_socketpair_compares_the_accepted_peer_with_its_own_end(
        impl, monkeypatch, step, fallback_socketpair):
    # Where closing the listener does not at once reset the connection still waiting in its
    # backlog (here: it stays open until the call returns), the connecting end is still
    # connected when the check runs: only comparing the accepted end's peer with the
    # connecting end's own address tells the interloper apart, whichever port is the lower.
    listeners, interlopers, ends = [], [], []
    real_listen, real_connect, real_close = (
        impl.socket.listen, impl.socket.connect, impl.socket.close)

    def listen(self, *args):
        real_listen(self, *args)
        listeners.append(self)
        raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        interlopers.append(raw)
        raw.settimeout(PEER_TIMEOUT)
        raw.connect(self.getsockname())

    def connect(self, address):
        ends.append(self)
        _bind_beside(self, interlopers[0].getsockname()[1], step)
        real_connect(self, address)

    def close(self):
        if self not in listeners:
            real_close(self)

    monkeypatch.setattr(impl.socket, "listen", listen)
    monkeypatch.setattr(impl.socket, "connect", connect)
    monkeypatch.setattr(impl.socket, "close", close)
    try:
        _assert_refused_by_the_peer_check(fallback_socketpair, ends)
    finally:
        for listener in listeners:
            real_close(listener)
        for raw in interlopers:
            raw.close()


@spec("_fallback_socketpair", platforms=["linux"])
@pytest.mark.parametrize("step", [-1, 1], ids=["elsewhere_below", "elsewhere_above"])
def test_fallback_socketpair_compares_its_own_end_with_the_accepted_address(
        impl, monkeypatch, step, fallback_socketpair):
    # The connecting end is bound to the interloper's very address (SO_REUSEADDR lets two
    # unconnected TCP sockets share it on Linux) but connected to another listener, on a port
    # below or above the real one: the accepted end's peer then matches the connecting end's
    # address, and only comparing the connecting end's peer with the accepted end's own
    # address tells them apart.
    listeners, others, interlopers, ends = [], [], [], []
    real_listen, real_connect = impl.socket.listen, impl.socket.connect

    def listen(self, *args):
        real_listen(self, *args)
        listeners.append(self)

    def connect(self, address):
        ends.append(self)
        other = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        others.append(other)
        _bind_beside(other, listeners[0].getsockname()[1], step)
        other.listen(1)
        raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        interlopers.append(raw)
        raw.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
        raw.bind(("127.0.0.1", 0))
        raw.settimeout(PEER_TIMEOUT)
        raw.connect(address)
        self.setsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1)
        self.bind(raw.getsockname())
        real_connect(self, other.getsockname())

    monkeypatch.setattr(impl.socket, "listen", listen)
    monkeypatch.setattr(impl.socket, "connect", connect)
    try:
        _assert_refused_by_the_peer_check(fallback_socketpair, ends)
    finally:
        for raw in interlopers + others:
            raw.close()


@spec("_fallback_socketpair", "socketpair")
@pytest.mark.parametrize(
    "call",
    [pytest.param("_fallback_socketpair", id="fallback"),
     case("socketpair", id="without_native", platforms=["win32"])],
)
def test_socketpair_interloper_leaves_no_descriptor_open(impl, monkeypatch, call,
                                                         fallback_socketpair):
    make = fallback_socketpair if call == "_fallback_socketpair" else impl.socketpair
    with _interlopers(impl, monkeypatch) as interlopers:
        before = _open_fds()
        with _refused(make) as info:
            assert len(interlopers) == 1
            # Checked while the exception (and its traceback) is still alive, so sockets
            # only reachable from the traceback count as left open.
            assert _open_fds() == before | {interlopers[0].fileno()}, info.value


# -- without a native socketpair (Windows): socketpair is the fallback ---------------------


@spec("socketpair", platforms=["win32"])
def test_socketpair_without_native_defaults_to_af_inet_over_loopback(impl):
    a, b = impl.socketpair()
    with a, b:
        assert a.family is impl.AF_INET and b.family is impl.AF_INET
        assert a.type is impl.SOCK_STREAM
        assert a.getsockname()[0] == "127.0.0.1"
        assert a.getpeername() == b.getsockname()
        _exchange(a, b)


@spec("socketpair", "__all__", platforms=["win32"])
def test_socketpair_without_native_is_listed_in_all(impl):
    assert "socketpair" in impl.__all__
    assert callable(impl.socketpair)


@spec("socketpair", platforms=["win32"])
def test_socketpair_without_native_rejects_unix_family(impl):
    with pytest.raises(ValueError) as info:
        impl.socketpair(AF_UNIX if AF_UNIX is not None else 1)
    assert str(info.value) == FAMILY_MESSAGE


@spec("_fallback_socketpair")
def test_fallback_socketpair_closes_its_listener(impl, monkeypatch, fallback_socketpair):
    listeners = []
    real_listen = impl.socket.listen

    def listen(self, *args):
        listeners.append(self)
        return real_listen(self, *args)

    monkeypatch.setattr(impl.socket, "listen", listen)
    a, b = fallback_socketpair()
    with a, b:
        assert len(listeners) == 1
        assert listeners[0].fileno() == -1
