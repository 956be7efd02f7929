"""The ``socket`` constructor: defaults, -1 values, detection from a descriptor, bad arguments.

Also the class itself: a subclass of the C type exported as ``SocketType``, with ``__slots__``
(``__weakref__``, ``_io_refs``, ``_closed``) and no instance ``__dict__``.
"""

import _socket
import decimal
import errno
import fractions
import os
import weakref

import pytest

from fixtures.peers import fd_is_open, open_fds
from harness.model.spec import case, spec


def _raw_fd(family, kind):
    """A descriptor made by the trusted ``_socket`` module (the caller owns it)."""
    return _socket.socket(family, kind).detach()


@spec("socket.__init__")
def test_constructor_defaults_to_inet_stream_proto_0(impl):
    with impl.socket() as sock:
        assert (sock.family, sock.type, sock.proto) == (_socket.AF_INET, _socket.SOCK_STREAM, 0)
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE) == _socket.SOCK_STREAM
        assert sock.getsockname() == ("0.0.0.0", 0)


@spec("socket.__init__")
def test_constructor_explicit_minus_one_means_defaults(impl):
    with impl.socket(-1, -1, -1) as sock:
        assert (sock.family, sock.type, sock.proto) == (_socket.AF_INET, _socket.SOCK_STREAM, 0)
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE) == _socket.SOCK_STREAM


@spec("socket.__init__")
def test_constructor_keyword_arguments(impl):
    with impl.socket(family=_socket.AF_INET, type=_socket.SOCK_DGRAM, proto=0) as sock:
        assert (sock.family, sock.type) == (_socket.AF_INET, _socket.SOCK_DGRAM)
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE) == _socket.SOCK_DGRAM


@spec("socket.__init__")
def test_constructor_explicit_proto_is_kept(impl):
    with impl.socket(_socket.AF_INET, _socket.SOCK_STREAM, _socket.IPPROTO_TCP) as sock:
        assert sock.proto == _socket.IPPROTO_TCP


@spec("socket.__init__")
def test_constructor_only_family_defaults_type_and_proto(impl):
    with impl.socket(_socket.AF_INET) as sock:
        assert (sock.type, sock.proto) == (_socket.SOCK_STREAM, 0)
        assert sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE) == _socket.SOCK_STREAM


@spec("socket.__init__", platforms=["linux"])
@pytest.mark.parametrize(
    "family_name, kind_name, proto, args",
    [
        case("AF_UNIX", "SOCK_STREAM", 0, (), id="unix_stream", needs=["af_unix"]),
        case("AF_UNIX", "SOCK_DGRAM", 0, (), id="unix_dgram", needs=["af_unix"]),
        pytest.param("AF_INET", "SOCK_STREAM", _socket.IPPROTO_TCP, (), id="tcp"),
        pytest.param("AF_INET", "SOCK_DGRAM", _socket.IPPROTO_UDP, (), id="udp"),
        case("AF_INET6", "SOCK_STREAM", _socket.IPPROTO_TCP, (), id="inet6", needs=["ipv6"]),
        pytest.param("AF_INET", "SOCK_DGRAM", _socket.IPPROTO_UDP, (-1, -1, -1),
                     id="explicit_minus_one"),
    ],
)
def test_constructor_fileno_detects_family_type_proto(impl, adopted, family_name, kind_name,
                                                      proto, args):
    family, kind = getattr(_socket, family_name), getattr(_socket, kind_name)
    sock, fd = adopted(_socket.socket(family, kind), *args)
    assert sock.fileno() == fd
    assert (sock.family, sock.type, sock.proto) == (family, kind, proto)


@spec("socket.__init__")
def test_constructor_fileno_wraps_the_same_descriptor(impl, adopted):
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    raw.bind(("127.0.0.1", 0))
    name = raw.getsockname()
    sock, fd = adopted(raw)
    with sock:
        assert sock.fileno() == fd
        assert sock.getsockname() == name
    assert not fd_is_open(fd)


@spec("socket.__init__")
def test_constructor_bad_family_raises_eafnosupport(impl):
    with pytest.raises(OSError) as info:
        impl.socket(12345, _socket.SOCK_STREAM)
    assert info.value.errno == errno.EAFNOSUPPORT


def _system_refusal(args):
    """The errno with which the system refuses a socket of these numbers (``_socket``)."""
    try:
        _socket.socket(*args).close()
    except OSError as exc:
        return type(exc), exc.errno
    return None


@spec("socket.__init__")
@pytest.mark.parametrize(
    "args",
    [(-2,), (0,), (_socket.AF_INET, -2), (_socket.AF_INET, 0),
     (_socket.AF_INET, _socket.SOCK_STREAM, -2), (_socket.AF_INET, _socket.SOCK_STREAM, 1)],
    ids=["family_minus_2", "family_0", "type_minus_2", "type_0", "proto_minus_2", "proto_1"],
)
def test_constructor_numbers_other_than_minus_one_reach_the_system(impl, args):
    # Only -1 means "the default"; any other family, type or protocol number, 0 and other
    # negative numbers included, is the system's to accept or refuse, as _socket would.
    refusal = _system_refusal(args)
    assert refusal is not None, f"the system accepts socket{args}; the spec needs a refusal"
    before = open_fds()
    with pytest.raises(OSError) as info:
        impl.socket(*args)
    assert (type(info.value), info.value.errno) == refusal
    assert open_fds() == before


@spec("socket.__init__")
@pytest.mark.parametrize("position", ["family", "type", "proto"])
@pytest.mark.parametrize("value", [-1.0, fractions.Fraction(-1), decimal.Decimal(-1)],
                         ids=["float", "fraction", "decimal"])
def test_constructor_anything_equal_to_minus_one_asks_for_the_default(impl, position, value):
    # For a new socket, a family, type or protocol that compares equal to -1 means the
    # default, as -1 does: the C layer, which refuses a float, a Fraction or a Decimal with
    # TypeError, never sees it.
    with impl.socket(**{position: value}) as sock:
        assert (sock.family, sock.type, sock.proto) == (
            _socket.AF_INET, _socket.SOCK_STREAM, 0)
        assert fd_is_open(sock.fileno())


@spec("socket.__init__")
@pytest.mark.parametrize("position", ["family", "type", "proto"])
def test_constructor_over_a_descriptor_passes_numbers_on(impl, position):
    # Over a descriptor nothing is replaced: -1.0 reaches the C layer, which refuses it
    # before it touches the descriptor.
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        with pytest.raises(TypeError):
            impl.socket(**{position: -1.0, "fileno": raw.fileno()})
        assert fd_is_open(raw.fileno())
        assert raw.getsockopt(_socket.SOL_SOCKET, _socket.SO_TYPE) == _socket.SOCK_STREAM
    finally:
        raw.close()


@spec("socket.__init__")
@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("inet",), id="family_str"),
        pytest.param((_socket.AF_INET, "stream"), id="type_str"),
        pytest.param((_socket.AF_INET, _socket.SOCK_STREAM, "tcp"), id="proto_str"),
        pytest.param((-1, -1, -1, "3"), id="fileno_str"),
        pytest.param((-1, -1, -1, 3.0), id="fileno_float"),
        pytest.param((2.0,), id="family_float"),
    ],
)
def test_constructor_wrong_argument_types_raise_typeerror(impl, args):
    with pytest.raises(TypeError):
        impl.socket(*args)


@spec("socket.__init__")
def test_constructor_fileno_of_closed_descriptor_raises_ebadf(impl):
    fd = _raw_fd(_socket.AF_INET, _socket.SOCK_STREAM)
    os.close(fd)
    with pytest.raises(OSError) as info:
        impl.socket(fileno=fd)
    assert info.value.errno == errno.EBADF


@spec("socket.__init__")
@pytest.mark.parametrize("fileno", [-1, -5])
def test_constructor_negative_fileno_raises_valueerror(impl, fileno):
    with pytest.raises(ValueError, match="negative file descriptor"):
        impl.socket(fileno=fileno)


@spec("socket.__init__", platforms=["linux"])
def test_constructor_fileno_of_non_socket_raises_enotsock(impl):
    r, w = os.pipe()
    try:
        with pytest.raises(OSError) as info:
            impl.socket(fileno=r)
        assert info.value.errno == errno.ENOTSOCK
        assert fd_is_open(r)
    finally:
        os.close(r)
        os.close(w)


@spec("socket.__init__")
def test_constructor_descriptor_is_not_inheritable(impl):
    with impl.socket() as sock:
        assert os.get_inheritable(sock.fileno()) is False
        assert sock.get_inheritable() is False


@spec("socket.__init__")
def test_constructor_uses_default_timeout(impl):
    assert impl.getdefaulttimeout() is None
    impl.setdefaulttimeout(2.5)
    try:
        with impl.socket() as sock:
            assert sock.gettimeout() == 2.5
            assert os.get_blocking(sock.fileno()) is False
    finally:
        impl.setdefaulttimeout(None)
    with impl.socket() as sock:
        assert sock.gettimeout() is None


@spec("socket.__init__", platforms=["linux"])
def test_constructor_sock_nonblock_flag_masked_from_type(impl):
    kind = _socket.SOCK_STREAM | _socket.SOCK_NONBLOCK
    with impl.socket(_socket.AF_INET, kind) as sock:
        assert sock.type == _socket.SOCK_STREAM
        assert sock.gettimeout() == 0.0
        assert os.get_blocking(sock.fileno()) is False


@spec("socket.__init__")
def test_constructor_initial_io_refs_and_closed_slots(impl):
    with impl.socket() as sock:
        assert sock._io_refs == 0
        assert sock._closed is False


@spec("socket.__init__")
def test_constructor_instances_have_no_dict(impl):
    with impl.socket() as sock:
        assert not hasattr(sock, "__dict__")
        with pytest.raises(AttributeError):
            sock.sockspec_extra = 1


@spec("socket.__init__")
def test_constructor_instances_are_weak_referenceable(impl):
    sock = impl.socket()
    with sock:
        ref = weakref.ref(sock)
        assert ref() is sock


@spec("socket", "SocketType", personas=["native"])
def test_constructor_class_subclasses_sockettype(impl):
    assert impl.SocketType is _socket.socket
    assert issubclass(impl.socket, impl.SocketType)
    assert impl.socket is not impl.SocketType
    with impl.socket() as sock:
        assert isinstance(sock, _socket.socket)


@spec("socket.__init__")
def test_constructor_subclass_keeps_its_class(impl):
    class Sub(impl.socket):
        __slots__ = ()

    with Sub() as sock:
        assert type(sock) is Sub
        assert (sock.family, sock.type, sock.proto) == (_socket.AF_INET, _socket.SOCK_STREAM, 0)
        assert sock._io_refs == 0
        assert sock._closed is False
