"""Differential properties: for generated inputs, the implementation under test gives the same
outcome as CPython's own socket module of the running interpreter (the ``oracle`` fixture) --
the same value, or the same exception type, errno and message.

Covered: makefile() and SocketIO() arguments, sendfile() arguments, create_server() and
create_connection() arguments (loopback only), getaddrinfo() on literal loopback addresses
with AI_NUMERICHOST, _intenum_converter() on arbitrary integers, getfqdn() over a
deterministic fake resolver, and the shape of repr() for generated socket states.

Inputs are restricted to what behaves the same on CPython 3.8 to 3.13, so that the
comparison stays meaningful for an implementation with newer semantics than the running
oracle (docs/properties.md lists what is left out and why). Under a persona the implementation
legitimately differs from the native oracle, so these properties apply natively only.
"""

from __future__ import annotations

import _socket
import errno
import io
import itertools
import math
import os
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import peers
from fixtures.peers import DELIVERY_TIMEOUT, fd_is_open, recv_until_eof
from fixtures.properties import (
    budget,
    module_pair,
    normalise_text,
    outcome,
    pending_bytes,
    quiet_teardown,
)
from harness.model.spec import spec

_names = itertools.count()


def _assert_same(impl, oracle, run):
    """Run ``run(module)`` for the implementation and the oracle; the results must agree."""
    expected = run(oracle)
    actual = run(impl)
    assert actual == expected, f"implementation: {actual!r}\noracle:         {expected!r}"


# -- makefile() -------------------------------------------------------------------------------

MAKEFILE_MODES = st.one_of(
    st.sampled_from(["r", "w", "b", "rb", "wb", "rwb", "rw", "wr", "bw", "rbb", ""]),
    st.text("rwbxat+U", max_size=4),
)
BUFFERINGS = st.one_of(
    st.sampled_from([None, -1, 0, 1, io.DEFAULT_BUFFER_SIZE]),
    st.integers(-3, 70),
    st.sampled_from([True, False, 1.5, "8"]),
)
ENCODINGS = st.sampled_from([None, "utf-8", "latin-1", "utf-16", "no-such-codec"])
ERRORS = st.sampled_from([None, "strict", "replace", "surrogateescape"])
NEWLINES = st.sampled_from([None, "", "\n", "\r", "\r\n", "x"])


def _file_shape(obj, fd):
    """The observable shape of a file object made by makefile()."""
    chain = []
    layer = obj
    while layer is not None and len(chain) < 4:
        chain.append(type(layer).__name__)
        layer = getattr(layer, "buffer", None) or getattr(layer, "raw", None)
    name = getattr(obj, "name", None)
    shape = {
        "classes": chain,
        "mode": getattr(obj, "mode", None),
        "readable": obj.readable(),
        "writable": obj.writable(),
        "closed": obj.closed,
        "name": "fd" if name == fd else name,
    }
    if isinstance(obj, io.TextIOBase):
        shape.update(encoding=obj.encoding, errors=obj.errors, line_buffering=obj.line_buffering)
    return shape


@spec("socket.makefile", needs=["af_unix"], personas=["native"])
@budget(1.0)
@given(
    mode=MAKEFILE_MODES,
    buffering=BUFFERINGS,
    encoding=ENCODINGS,
    errors=ERRORS,
    newline=NEWLINES,
    close_first=st.booleans(),
)
def test_prop_differential_makefile_arguments(
    impl, oracle, mode, buffering, encoding, errors, newline, close_first
):
    def run(module):
        with module_pair(module, "unix") as (sock, _peer):
            fd = sock.fileno()
            if close_first:
                sock.close()

            def describe(obj):
                try:
                    shape = _file_shape(obj, fd)
                    sock.close()
                    shape["fd_open_after_socket_close"] = fd_is_open(fd)
                finally:
                    obj.close()
                shape["fd_open_after_file_close"] = fd_is_open(fd)
                return shape

            with quiet_teardown():
                result = outcome(
                    lambda: sock.makefile(
                        mode, buffering, encoding=encoding, errors=errors, newline=newline
                    ),
                    describe,
                    impl,
                )
            sock.close()
            return result, fd_is_open(fd)

    _assert_same(impl, oracle, run)


# -- SocketIO() -------------------------------------------------------------------------------

SOCKETIO_MODES = st.one_of(
    st.sampled_from(["r", "w", "rw", "rb", "wb", "rwb", "b", "", "wr", "rbw", "r+", None, b"r"]),
    st.text("rwb+xa", max_size=4),
)


@spec("SocketIO.__init__", "SocketIO.mode", needs=["af_unix"], personas=["native"])
@budget(1.0)
@given(mode=SOCKETIO_MODES)
def test_prop_differential_socketio_modes(impl, oracle, mode):
    def run(module):
        with module_pair(module, "unix") as (sock, _peer):
            fd = sock.fileno()

            def describe(raw):
                shape = {
                    "class": type(raw).__name__,
                    "mode": raw.mode,
                    "readable": raw.readable(),
                    "writable": raw.writable(),
                    "seekable": raw.seekable(),
                    "name": "fd" if raw.name == fd else raw.name,
                }
                raw.close()
                shape["name_after_close"] = raw.name
                shape["fd_open_after_close"] = fd_is_open(fd)
                sock.close()
                shape["fd_open_after_socket_close"] = fd_is_open(fd)
                return shape

            with quiet_teardown():
                return outcome(lambda: module.SocketIO(sock, mode), describe, impl)

    _assert_same(impl, oracle, run)


# -- sendfile() arguments ---------------------------------------------------------------------


class _BytesWithMode(io.BytesIO):
    """An in-memory source that claims a ``mode``, like a file object opened by open()."""

    def __init__(self, data, mode):
        super().__init__(data)
        self.mode = mode


@st.composite
def sendfile_cases(draw):
    source = draw(st.sampled_from(["rb", "rb0", "r", "bytesio", "bytesio_mode"]))
    return {
        "source": source,
        "content": draw(st.binary(max_size=24)),
        "mode": draw(st.text("rwbt+", max_size=3)) if source == "bytesio_mode" else None,
        "transport": draw(st.sampled_from(["unix", "tcp", "unix_dgram"])),
        "timeout": draw(st.sampled_from([None, 0.0, 5.0])),
        "offset": draw(st.one_of(st.integers(-2, 30), st.just("1"))),
        "count": draw(
            st.one_of(st.none(), st.integers(-2, 30), st.sampled_from([True, False, 1.5, "3"]))
        ),
    }


def _open_source(case, path):
    source = case["source"]
    if source == "rb":
        return open(path, "rb")
    if source == "rb0":
        return open(path, "rb", buffering=0)
    if source == "r":
        return open(path, encoding="latin-1")
    if source == "bytesio":
        return io.BytesIO(case["content"])
    return _BytesWithMode(case["content"], case["mode"])


@spec(
    "socket.sendfile", "socket._sendfile_use_sendfile", "socket._sendfile_use_send",
    personas=["native"],
)
@budget(1.0)
@given(case=sendfile_cases())
def test_prop_differential_sendfile_arguments(impl, oracle, prop_tmp, case):
    path = prop_tmp / f"sendfile-{next(_names)}.bin"
    path.write_bytes(case["content"])

    def run(module):
        transport, kind = case["transport"], _socket.SOCK_STREAM
        if transport == "unix_dgram":
            transport, kind = "unix", _socket.SOCK_DGRAM
        with module_pair(module, transport, kind) as (sock, peer):
            sock.settimeout(case["timeout"])
            with _open_source(case, path) as source:
                with quiet_teardown():
                    result = outcome(
                        lambda: sock.sendfile(source, case["offset"], case["count"]),
                        lambda sent: sent,
                        impl,
                    )
                position = source.tell()
            if kind == _socket.SOCK_STREAM:
                sock.close()
                received = recv_until_eof(peer, DELIVERY_TIMEOUT)
            else:
                received = pending_bytes(peer)
            return result, received, position

    try:
        _assert_same(impl, oracle, run)
    finally:
        path.unlink()


# -- create_server() --------------------------------------------------------------------------

_FAMILIES = {"inet": _socket.AF_INET, "inet6": _socket.AF_INET6, "unix": _socket.AF_UNIX}
_LOOPBACK = {"inet": "127.0.0.1", "inet6": "::1", "unix": "127.0.0.1"}


@st.composite
def server_cases(draw):
    family = draw(st.sampled_from(["inet", "inet6", "unix"]))
    host = _LOOPBACK[family]
    if family == "inet":
        host = draw(st.sampled_from(["127.0.0.1", "127.0.0.1", "127.0.0.2", b"127.0.0.1"]))
    address = draw(
        st.sampled_from(["free", "free", "busy", "port", "short", "long", "none", "string"])
    )
    port = draw(st.sampled_from([-1, 65536, "80", 1.5, None]))
    return {
        "family": family,
        "host": host,
        "address": address,
        "port": port,
        "reuse_port": draw(st.booleans()),
        "dualstack_ipv6": draw(st.booleans()),
        "backlog": draw(st.one_of(st.none(), st.integers(-2, 5), st.sampled_from(["5", 1.5]))),
    }


def _server_address(case, busy_port):
    host, kind = case["host"], case["address"]
    if kind == "free":
        return (host, 0)
    if kind == "busy":
        return (host, busy_port)
    if kind == "port":
        return (host, case["port"])
    if kind == "short":
        return (host,)
    if kind == "long":
        return (host, 0, 1 << 20, 0) if case["family"] == "inet6" else (host, 0, 0)
    if kind == "string" and case["family"] != "unix":
        return "127.0.0.1:0"  # never for AF_UNIX: that would be a path in the working folder
    return None


def _server_shape(server):
    with server:
        name = server.getsockname()
        shape = {
            "class": type(server).__name__,
            "family": int(server.family),
            "type": int(server.type),
            "host": name[0],
            "port_chosen": name[1] != 0,
            "listening": server.getsockopt(_socket.SOL_SOCKET, _socket.SO_ACCEPTCONN),
            "reuseaddr": bool(server.getsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEADDR)),
            "timeout": server.gettimeout(),
            "inheritable": server.get_inheritable(),
        }
        if hasattr(_socket, "SO_REUSEPORT"):
            shape["reuseport"] = bool(
                server.getsockopt(_socket.SOL_SOCKET, _socket.SO_REUSEPORT)
            )
        if server.family == _socket.AF_INET6:
            shape["v6only"] = server.getsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY)
        return shape


@spec("create_server", personas=["native"])
@budget(1.0)
@given(case=server_cases())
def test_prop_differential_create_server_arguments(impl, oracle, case):
    family = _FAMILIES[case["family"]]
    busy = None
    if case["address"] == "busy" and case["family"] != "unix":
        try:
            busy = peers.raw_listener(family, _LOOPBACK[case["family"]])
        except OSError:
            busy = None  # no IPv6 on this host: both modules meet the same bind error
    busy_port = busy.getsockname()[1] if busy is not None else 1

    def run(module):
        with quiet_teardown():
            return outcome(
                lambda: module.create_server(
                    _server_address(case, busy_port),
                    family=family,
                    backlog=case["backlog"],
                    reuse_port=case["reuse_port"],
                    dualstack_ipv6=case["dualstack_ipv6"],
                ),
                _server_shape,
                impl,
            )

    try:
        _assert_same(impl, oracle, run)
    finally:
        if busy is not None:
            busy.close()


# -- create_connection() ----------------------------------------------------------------------

_OMITTED = object()


@st.composite
def connection_cases(draw):
    target = draw(st.sampled_from(["inet", "inet", "inet6", "none"]))
    return {
        "target": target,
        "port": draw(st.sampled_from(["listener", "listener", "refused", -1, 65536, 1.5, None])),
        "shape": draw(st.sampled_from(["pair", "pair", "pair", "list", "short", "long", "none",
                                       "text"])),
        "timeout": draw(st.sampled_from([_OMITTED, None, 5.0, -1, "x", math.nan])),
        "source": draw(st.sampled_from(["none", "empty", "own", "other", "bad_port", "bad_type"])),
    }


def _connection_source(case):
    v6 = case["target"] == "inet6"
    host = "::1" if v6 else "127.0.0.1"
    kind = case["source"]
    if kind == "none":
        return None
    if kind == "empty":
        return ()
    if case["target"] == "none":
        return None  # the candidates mix families: no source address can fit them all
    if kind == "own":
        return (host, 0)
    if kind == "other":
        return ("::1", 0) if v6 else ("127.0.0.2", 0)
    if kind == "bad_port":
        return (host, -1)
    return (host, "x")


def _connection_address(case, listener_port, refused_port):
    host = {"inet": "127.0.0.1", "inet6": "::1", "none": None}[case["target"]]
    port = {"listener": listener_port, "refused": refused_port}.get(case["port"], case["port"])
    shape = case["shape"]
    if shape == "pair":
        return (host, port)
    if shape == "list":
        return [host, port]
    if shape == "short":
        return (host,)
    if shape == "long":
        return (host, port, 0, 0, 0)
    if shape == "text":
        return "127.0.0.1"  # more than two characters: fails to unpack without a lookup
    return None


def _hold(family, host, port=0, listen=False):
    """A ``_socket`` bound to (host, port). Not listening, it refuses connections, and while it
    is held no other process (another xdist worker, say) can listen on that port."""
    sock = peers.raw_socket(family)
    try:
        sock.bind((host, port))
        if listen:
            sock.listen(8)
    except BaseException:
        sock.close()
        raise
    return sock


def _hold_ipv6_twin(port, held):
    """For a host of None, getaddrinfo() gives ::1 before 127.0.0.1: hold ::1 at the same port,
    so that attempt is refused for both modules. False if that port is taken on ::1."""
    try:
        held.append(_hold(_socket.AF_INET6, "::1", port))
    except OSError as exc:
        return exc.errno != errno.EADDRINUSE  # no IPv6 at all: both modules fail alike
    return True


def _connection_targets(family, host, both_families, held):
    """(listener or None, refused port), every port held for the whole comparison."""
    listener = None
    for _attempt in range(20):
        try:
            candidate = _hold(family, host, listen=True)
        except OSError:
            break  # no IPv6 here: both modules meet the same error
        held.append(candidate)
        if not both_families or _hold_ipv6_twin(candidate.getsockname()[1], held):
            listener = candidate
            break
    refused_port = 1
    for _attempt in range(20):
        try:
            blocker = _hold(family, host)
        except OSError:
            break
        held.append(blocker)
        if not both_families or _hold_ipv6_twin(blocker.getsockname()[1], held):
            refused_port = blocker.getsockname()[1]
            break
    return listener, refused_port


def _close_all(sockets):
    for sock in sockets:
        sock.close()


def _drain(listener):
    listener.setblocking(False)
    try:
        while True:
            try:
                fd, _addr = listener._accept()
            except (BlockingIOError, InterruptedError):
                return
            os.close(fd)
    finally:
        listener.settimeout(peers.PEER_TIMEOUT)


@spec("create_connection", personas=["native"])
@budget(1.0)
@given(case=connection_cases())
def test_prop_differential_create_connection_arguments(impl, oracle, case):
    family = _socket.AF_INET6 if case["target"] == "inet6" else _socket.AF_INET
    host = "::1" if case["target"] == "inet6" else "127.0.0.1"
    held = []
    try:
        listener, refused_port = _connection_targets(family, host, case["target"] == "none", held)
    except BaseException:
        _close_all(held)
        raise
    listener_port = listener.getsockname()[1] if listener is not None else 1

    def describe(conn):
        with conn:
            peer = conn.getpeername()
            local = conn.getsockname()
            return {
                "class": type(conn).__name__,
                "family": int(conn.family),
                "type": int(conn.type),
                "timeout": conn.gettimeout(),
                "peer": (peer[0], peer[1] == listener_port),
                "local_host": local[0],
            }

    def run(module):
        address = _connection_address(case, listener_port, refused_port)
        kwargs = {"source_address": _connection_source(case)}
        if case["timeout"] is not _OMITTED:
            kwargs["timeout"] = case["timeout"]
        with quiet_teardown():
            result = outcome(
                lambda: module.create_connection(address, **kwargs), describe, impl
            )
        if listener is not None:
            _drain(listener)
        return result

    try:
        _assert_same(impl, oracle, run)
    finally:
        _close_all(held)


# -- getaddrinfo() on literal loopback addresses ----------------------------------------------

_AI_OPTIONAL = [
    "AI_PASSIVE", "AI_CANONNAME", "AI_V4MAPPED", "AI_ALL", "AI_ADDRCONFIG", "AI_NUMERICSERV",
]


@st.composite
def loopback_literals(draw):
    return draw(
        st.one_of(
            st.sampled_from(["127.0.0.1", "::1", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1",
                             "localhost", "", "127.1", None, b"127.0.0.1"]),
            st.builds(
                "127.{}.{}.{}".format,
                st.integers(0, 255), st.integers(0, 255), st.integers(0, 255),
            ),
        )
    )


@st.composite
def getaddrinfo_cases(draw):
    flags = _socket.AI_NUMERICHOST
    for name in draw(st.sets(st.sampled_from(_AI_OPTIONAL))):
        flags |= getattr(_socket, name, 0)
    port = draw(
        st.one_of(
            st.none(),
            st.integers(0, 65535),
            st.integers(0, 65535).map(str),
            st.sampled_from([b"80", "x", ""]),
        )
    )
    if isinstance(port, (str, bytes)) and not port.isdigit():
        flags |= _socket.AI_NUMERICSERV  # never look a service name up
    return {
        "host": draw(loopback_literals()),
        "port": port,
        "family": draw(st.sampled_from([0, _socket.AF_INET, _socket.AF_INET6,
                                        getattr(_socket, "AF_UNIX", 1), 12345])),
        "type": draw(st.sampled_from([0, _socket.SOCK_STREAM, _socket.SOCK_DGRAM,
                                      _socket.SOCK_RAW, 99])),
        "proto": draw(st.sampled_from([0, _socket.IPPROTO_TCP, _socket.IPPROTO_UDP, 200])),
        "flags": flags,
    }


def _tagged(value):
    return (type(value).__name__, int(value)) if isinstance(value, int) else value


@spec("getaddrinfo", personas=["native"])
@budget(2.0)
@given(case=getaddrinfo_cases())
def test_prop_differential_getaddrinfo_numeric_loopback(impl, oracle, case):
    def describe(entries):
        return [
            (_tagged(family), _tagged(kind), _tagged(proto), canonname, sockaddr)
            for family, kind, proto, canonname, sockaddr in entries
        ]

    def run(module):
        return outcome(
            lambda: module.getaddrinfo(
                case["host"], case["port"], case["family"], case["type"], case["proto"],
                case["flags"],
            ),
            describe,
            impl,
        )

    _assert_same(impl, oracle, run)


# -- _intenum_converter() ---------------------------------------------------------------------

_ENUMS = ["AddressFamily", "SocketKind", "MsgFlag", "AddressInfo"]


def _known_values():
    values = set()
    for name in dir(_socket):
        if name.split("_", 1)[0] in ("AF", "SOCK", "MSG", "AI") and name.isupper():
            value = getattr(_socket, name)
            if isinstance(value, int):
                values.add(value)
    return sorted(values)


ENUM_VALUES = st.one_of(
    st.sampled_from(_known_values()),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([None, 1.5, 2.0, "2", True]),
)


@spec(
    "_intenum_converter", "AddressFamily", "SocketKind", "MsgFlag", "AddressInfo",
    personas=["native"],
)
@budget(3.0)
@given(value=ENUM_VALUES, enum=st.sampled_from(_ENUMS))
def test_prop_differential_intenum_converter(impl, oracle, value, enum):
    def run(module):
        return outcome(
            lambda: module._intenum_converter(value, getattr(module, enum)),
            lambda result: (type(result).__name__, repr(result), result == value),
            impl,
        )

    _assert_same(impl, oracle, run)


# -- getfqdn() over a fake resolver -----------------------------------------------------------

_LABEL = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=10)
INVALID_NAMES = st.lists(_LABEL, min_size=0, max_size=3).map(lambda ls: ".".join(ls + ["invalid"]))
DOTLESS_NAMES = _LABEL
NUMERIC_LOOPBACK = st.builds(
    "127.{}.{}.{}".format, st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)
)
WHITESPACE = st.sampled_from(["", " ", "\t", "\n ", "  "])
#: '::' is left out: it means "this host" only from 3.10 (gh-100374).
FQDN_ARGUMENTS = st.one_of(
    st.builds(lambda a, n, b: a + n + b, WHITESPACE, st.one_of(INVALID_NAMES, NUMERIC_LOOPBACK,
                                                               DOTLESS_NAMES), WHITESPACE),
    st.sampled_from(["", " ", "0.0.0.0", " 0.0.0.0 ", "localhost.invalid", None]),
)
RESOLVER_ANSWERS = st.one_of(
    st.tuples(
        st.one_of(INVALID_NAMES, DOTLESS_NAMES),
        st.lists(st.one_of(INVALID_NAMES, DOTLESS_NAMES), max_size=3),
        st.lists(NUMERIC_LOOPBACK, min_size=1, max_size=2),
    ),
    st.sampled_from(["herror", "gaierror", "oserror", "unicodeerror"]),
)


def _fake_resolver(answers, this_host, calls):
    def gethostbyaddr(name):
        calls.append(("gethostbyaddr", name))
        answer = answers.get(name, "herror")
        if answer == "herror":
            raise _socket.herror(1, "Unknown host")
        if answer == "gaierror":
            raise _socket.gaierror(_socket.EAI_NONAME, "Name or service not known")
        if answer == "oserror":
            raise OSError(5, "Input/output error")
        if answer == "unicodeerror":
            raise UnicodeError("label too long")
        hostname, aliases, addresses = answer
        return hostname, list(aliases), list(addresses)

    def gethostname():
        calls.append(("gethostname",))
        return this_host

    return gethostbyaddr, gethostname


@spec("getfqdn", personas=["native"])
@budget(1.5)
@given(
    name=FQDN_ARGUMENTS,
    this_host=st.one_of(INVALID_NAMES, DOTLESS_NAMES),
    answer_for_name=RESOLVER_ANSWERS,
    answer_for_host=RESOLVER_ANSWERS,
)
def test_prop_differential_getfqdn_fake_resolver(
    impl, oracle, name, this_host, answer_for_name, answer_for_host
):
    answers = {this_host: answer_for_host}
    if isinstance(name, str):
        answers.setdefault(name.strip(), answer_for_name)

    def run(module):
        calls = []
        gethostbyaddr, gethostname = _fake_resolver(answers, this_host, calls)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(module, "gethostbyaddr", gethostbyaddr)
            patch.setattr(module, "gethostname", gethostname)
            result = outcome(lambda: module.getfqdn(name), lambda value: value, impl)
        return result, calls

    _assert_same(impl, oracle, run)


# -- repr() shapes ----------------------------------------------------------------------------

_REPR = re.compile(
    r"^<(?P<cls>[\w.]+)(?P<closed> \[closed\])? fd=(?P<fd>-?\d+), family=(?P<family>[\w.]+), "
    r"type=(?P<type>[\w.]+), proto=(?P<proto>-?\d+)(?P<rest>.*)>$",
    re.S,
)
_PORT = re.compile(r"(?<=, )[1-9]\d*(?=[,)])")
_SUBCLASSES = {}


def _subclass(module):
    cls = _SUBCLASSES.get(module.__name__)
    if cls is None:
        cls = type("PropertySocket", (module.socket,), {"__module__": __name__})
        cls.__qualname__ = "PropertySocket"
        _SUBCLASSES[module.__name__] = cls
    return cls


def _enum_number(text, oracle):
    """'AddressFamily.AF_INET' (before 3.11) and '2' (from 3.11) both give '2'."""
    if "." in text:
        enum_name, member = text.split(".", 1)
        return str(int(getattr(oracle, enum_name)[member]))
    return text


def _normalised_repr(text, sock_fd, module, oracle, paths):
    match = _REPR.match(text)
    assert match is not None, f"repr does not have the documented shape: {text!r}"
    assert int(match["fd"]) == sock_fd, f"repr shows fd={match['fd']}, fileno() is {sock_fd}"
    rest = match["rest"]
    for path, label in paths.items():
        rest = rest.replace(str(path), label)
    rest = _PORT.sub("PORT", rest)
    return (
        normalise_text(match["cls"], module),
        bool(match["closed"]),
        "-1" if sock_fd == -1 else "FD",
        _enum_number(match["family"], oracle),
        _enum_number(match["type"], oracle),
        match["proto"],
        rest,
    )


@st.composite
def socket_states(draw):
    family = draw(st.sampled_from(["inet", "unix"]))
    kind = draw(st.sampled_from(["stream", "dgram"]))
    setups = ["fresh", "bound", "connected"] + (["listening"] if kind == "stream" else [])
    return {
        "family": family,
        "kind": kind,
        "subclass": draw(st.booleans()),
        "setup": draw(st.sampled_from(setups)),
        "end": draw(st.sampled_from(["open", "closed_with_file", "closed", "detached"])),
    }


class _Resources:
    """What one repr scenario opened, closed in reverse order."""

    def __init__(self):
        self.items = []
        self.paths = []

    def add(self, obj):
        self.items.append(obj)
        return obj

    def close(self):
        for obj in reversed(self.items):
            try:
                obj.close()
            except Exception:
                pass
        for path in self.paths:
            try:
                os.unlink(path)
            except OSError:
                pass


def _build_state(module, state, tmp, res):
    """Make a socket of ``module`` in the generated state; return (socket, {path: label})."""
    family = _socket.AF_INET if state["family"] == "inet" else _socket.AF_UNIX
    kind = _socket.SOCK_STREAM if state["kind"] == "stream" else _socket.SOCK_DGRAM
    cls = _subclass(module) if state["subclass"] else module.socket
    paths = {}

    def new_path(label):
        path = str(tmp / f"r{next(_names)}")
        res.paths.append(path)
        paths[path] = label
        return path

    own_address = ("127.0.0.1", 0) if family == _socket.AF_INET else None
    sock = res.add(cls(family, kind))
    setup = state["setup"]
    if setup in ("bound", "listening"):
        sock.bind(own_address or new_path("OWN"))
        if setup == "listening":
            sock.listen()
    elif setup == "connected":
        target = res.add(_socket.socket(family, kind))
        target.bind(own_address or new_path("PEER"))
        if kind == _socket.SOCK_STREAM:
            target.listen()
        sock.connect(target.getsockname())
        if kind == _socket.SOCK_STREAM:
            fd, _addr = target._accept()
            res.add(_socket.socket(family, kind, 0, fd))
    return sock, paths


@spec("socket.__repr__", personas=["native"])
@budget(1.0)
@given(state=socket_states())
def test_prop_differential_repr_shape(impl, oracle, prop_tmp, state):
    def run(module):
        res = _Resources()
        try:
            sock, paths = _build_state(module, state, prop_tmp, res)
            end = state["end"]
            if end == "closed_with_file":
                res.items.insert(0, sock.makefile("rb"))  # closed after the socket's repr
                sock.close()
            elif end == "closed":
                sock.close()
            elif end == "detached":
                os.close(sock.detach())
            return _normalised_repr(repr(sock), sock.fileno(), module, oracle, paths)
        finally:
            res.close()

    _assert_same(impl, oracle, run)

