"""``socket.__repr__``: class name, fd, family/type/proto text, laddr/raddr, the closed states.

The form is ``<module.qualname[ [closed]] fd=N, family=F, type=T, proto=P[, laddr=A][, raddr=B]>``.
Family and type are formatted with ``%s``: ``family=2, type=1`` from 3.11 (the enum ``str()``
change), ``family=AddressFamily.AF_INET, type=SocketKind.SOCK_STREAM`` before.
"""

import _socket
import errno
import os

import pytest

from fixtures.peers import fd_is_open, raw_unix_pair
from harness.model.spec import case, spec


def _head(sock):
    cls = type(sock)
    return f"<{cls.__module__}.{cls.__qualname__}"


def _numbers(family, kind, proto=0):
    return f"family={int(family)}, type={int(kind)}, proto={proto}"


#: How repr() writes family and type: numbers from 3.11, enum member names before.
STYLES = [case("numbers", id="numbers", since="3.11"),
          case("enum_names", id="enum_names", before="3.11")]


def _fields(style, family_name, kind_name):
    """The ``family=..., type=..., proto=0`` part of a repr() in ``style`` (see STYLES)."""
    if style == "numbers":
        return _numbers(getattr(_socket, family_name), getattr(_socket, kind_name))
    return f"family=AddressFamily.{family_name}, type=SocketKind.{kind_name}, proto=0"


def _assert_without_addresses(text, head):
    """``text`` starts with ``head`` then ``family=``, ends at the proto, and has no address."""
    assert text.startswith(f"{head}family=")
    assert text.endswith(", proto=0>")
    assert "laddr" not in text
    assert "raddr" not in text


@spec("socket.__repr__")
@pytest.mark.parametrize("style", STYLES)
def test_repr_unbound_inet_shows_wildcard_laddr(impl, style):
    with impl.socket() as sock:
        fd = sock.fileno()
        expected = (
            f"{_head(sock)} fd={fd}, {_fields(style, 'AF_INET', 'SOCK_STREAM')}, "
            "laddr=('0.0.0.0', 0)>"
        )
        assert repr(sock) == expected


@spec("socket.__repr__", since="3.11")
def test_repr_bound_inet_shows_laddr(impl):
    with impl.socket(_socket.AF_INET, _socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        expected = (
            f"{_head(sock)} fd={sock.fileno()}, {_numbers(_socket.AF_INET, _socket.SOCK_DGRAM)}, "
            f"laddr=('127.0.0.1', {port})>"
        )
        assert repr(sock) == expected


@spec("socket.__repr__", needs=["af_unix"])
@pytest.mark.parametrize("made_by", ["socket", "socketpair"])
def test_repr_unix_has_no_empty_addresses(impl, request, made_by):
    if made_by == "socket":
        sock = impl.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        request.addfinalizer(sock.close)
    else:
        sock, _peer = request.getfixturevalue("unix_pair")
    _assert_without_addresses(repr(sock), f"{_head(sock)} fd={sock.fileno()}, ")


@spec("socket.__repr__")
@pytest.mark.parametrize("style", STYLES)
def test_repr_connected_shows_laddr_and_raddr(impl, tcp_pair, style):
    sock, peer = tcp_pair
    laddr = sock.getsockname()
    raddr = peer.getsockname()
    expected = (
        f"{_head(sock)} fd={sock.fileno()}, {_fields(style, 'AF_INET', 'SOCK_STREAM')}, "
        f"laddr={laddr}, raddr={raddr}>"
    )
    assert repr(sock) == expected


@spec("socket.__repr__", needs=["af_unix"])
def test_repr_unix_bound_path_shown_unquoted(impl, tmp_path):
    path = str(tmp_path / "r.sock")
    with impl.socket(_socket.AF_UNIX, _socket.SOCK_STREAM) as sock:
        sock.bind(path)
        text = repr(sock)
        assert text.startswith(f"{_head(sock)} fd={sock.fileno()}, family=")
        assert text.endswith(f", proto=0, laddr={path}>")


@spec("socket.__repr__", since="3.11", needs=["af_unix"])
def test_repr_unix_bound_path_full_text(impl, tmp_path):
    path = str(tmp_path / "f.sock")
    with impl.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        expected = (
            f"{_head(sock)} fd={sock.fileno()}, "
            f"{_numbers(_socket.AF_UNIX, _socket.SOCK_DGRAM)}, laddr={path}>"
        )
        assert repr(sock) == expected


@spec("socket.__repr__", "socket.close")
def test_repr_closed_with_open_makefile_shows_real_fd_without_addresses(impl, tcp_pair):
    sock, _peer = tcp_pair
    fd = sock.fileno()
    reader = sock.makefile("rb")
    try:
        sock.close()
        assert fd_is_open(fd)
        _assert_without_addresses(repr(sock), f"{_head(sock)} [closed] fd={fd}, ")
    finally:
        reader.close()
    assert not fd_is_open(fd)


@spec("socket.__repr__", "socket.close", since="3.11")
def test_repr_closed_with_open_makefile_full_text(impl, tcp_pair):
    sock, _peer = tcp_pair
    fd = sock.fileno()
    reader = sock.makefile("rb")
    try:
        sock.close()
        expected = (
            f"{_head(sock)} [closed] fd={fd}, {_numbers(_socket.AF_INET, _socket.SOCK_STREAM)}>"
        )
        assert repr(sock) == expected
    finally:
        reader.close()


@spec("socket.__repr__", "socket.close")
@pytest.mark.parametrize("style", STYLES)
def test_repr_really_closed_shows_minus_one_and_no_laddr(impl, style):
    sock = impl.socket()
    sock.bind(("127.0.0.1", 0))
    sock.close()
    expected = f"{_head(sock)} [closed] fd=-1, {_fields(style, 'AF_INET', 'SOCK_STREAM')}>"
    assert repr(sock) == expected


@spec("socket.__repr__", "socket.detach", needs=["af_unix"])
def test_repr_detached_shows_closed_and_minus_one(impl):
    a, b = raw_unix_pair()
    try:
        sock = impl.socket(_socket.AF_UNIX, _socket.SOCK_STREAM, 0, a.detach())
        fd = sock.detach()
        try:
            text = repr(sock)
            assert text.startswith(f"{_head(sock)} [closed] fd=-1, family=")
            assert text.endswith(", proto=0>")
            assert fd_is_open(fd)
        finally:
            os.close(fd)
    finally:
        b.close()


@spec("socket.__repr__")
def test_repr_subclass_uses_its_module_and_qualname(impl):
    class Sub(impl.socket):
        __slots__ = ()

    with Sub() as sock:
        text = repr(sock)
        assert text.startswith(f"<{Sub.__module__}.{Sub.__qualname__} fd={sock.fileno()}, ")
        assert "test_repr_subclass_uses_its_module_and_qualname.<locals>.Sub fd=" in text
        assert text.endswith(", proto=0, laddr=('0.0.0.0', 0)>")


@spec("socket.__repr__", "socket.close")
def test_repr_closed_subclass_keeps_its_name(impl):
    class Sub(impl.socket):
        __slots__ = ()

    sock = Sub()
    sock.close()
    assert repr(sock).startswith(f"<{Sub.__module__}.{Sub.__qualname__} [closed] fd=-1, ")


@spec("socket.__repr__")
def test_repr_base_class_name(impl):
    with impl.socket() as sock:
        assert repr(sock).startswith(
            f"<{impl.socket.__module__}.{impl.socket.__qualname__} fd={sock.fileno()}, "
        )


@spec("socket.__repr__")
def test_repr_proto_from_detected_descriptor(impl, adopted):
    sock, _fd = adopted(_socket.socket(_socket.AF_INET, _socket.SOCK_STREAM))
    assert f", proto={_socket.IPPROTO_TCP}, " in repr(sock)


def _repr_when_failing(impl, sock, method):
    """repr() of a copy of the connected TCP ``sock`` in a subclass of the implementation's
    socket whose ``method`` (getsockname or getpeername) raises OSError(ENOTCONN)."""

    def failing(self):
        raise OSError(errno.ENOTCONN, f"no {method}")

    cls = type("Failing", (impl.socket,), {"__slots__": (), method: failing})
    with cls(_socket.AF_INET, _socket.SOCK_STREAM, 0, os.dup(sock.fileno())) as dup:
        text = repr(dup)
        assert text.startswith(f"{_head(dup)} fd={dup.fileno()}, family=")
    return text


@spec("socket.__repr__")
def test_repr_swallows_oserror_from_getsockname(impl, tcp_pair):
    # the peer's address is still shown: each address is looked up on its own
    sock, _peer = tcp_pair
    text = _repr_when_failing(impl, sock, "getsockname")
    assert text.endswith(f", proto=0, raddr={sock.getpeername()}>")
    assert "laddr" not in text


@spec("socket.__repr__")
@pytest.mark.parametrize("style", STYLES)
def test_repr_of_an_object_never_initialised(impl, style):
    """socket.__new__ without __init__: no descriptor, family 0, and not shown as closed."""
    sock = impl.socket.__new__(impl.socket)
    family = "0" if style == "numbers" else "AddressFamily.AF_UNSPEC"
    assert repr(sock) == f"{_head(sock)} fd=-1, family={family}, type=0, proto=0>"


@spec("socket.__repr__")
def test_repr_swallows_oserror_from_getpeername(impl, tcp_pair):
    sock, _peer = tcp_pair
    text = _repr_when_failing(impl, sock, "getpeername")
    assert text.endswith(f", proto=0, laddr={sock.getsockname()}>")
    assert "raddr" not in text


def _repr_without(impl, method, swallowed, addresses):
    """repr() of a new socket of a subclass whose ``method`` raises AttributeError (as on
    WASI): the text ends with ``addresses`` when it is swallowed, else the error propagates."""

    def missing(self):
        raise AttributeError(method)

    cls = type("Wasi", (impl.socket,), {"__slots__": (), method: missing})
    with cls() as sock:
        if swallowed:
            expected = (
                f"{_head(sock)} fd={sock.fileno()}, "
                f"{_numbers(_socket.AF_INET, _socket.SOCK_STREAM)}{addresses}>"
            )
            assert repr(sock) == expected
        else:
            with pytest.raises(AttributeError, match=method):
                repr(sock)


@spec("socket.__repr__")
@pytest.mark.parametrize(
    "swallowed",
    [case(True, id="swallowed", since="3.11"), case(False, id="propagated", before="3.11")],
)
def test_repr_attributeerror_from_getsockname(impl, swallowed):
    """Since 3.11 repr() leaves laddr out when getsockname() raises AttributeError (WASI);
    before, the AttributeError propagates."""
    _repr_without(impl, "getsockname", swallowed, "")


@spec("socket.__repr__")
@pytest.mark.parametrize(
    "swallowed",
    [case(True, id="swallowed", since="3.11"), case(False, id="propagated", before="3.11")],
)
def test_repr_attributeerror_from_getpeername(impl, swallowed):
    """The same for getpeername(): since 3.11 raddr is left out and laddr still shown; before,
    the AttributeError propagates."""
    _repr_without(impl, "getpeername", swallowed, ", laddr=('0.0.0.0', 0)")
