"""Module level: ``__all__``, the re-exports of ``_socket`` (exceptions, SocketType, has_ipv6,
constants, default timeout), the errno fallbacks and the private names other code relies on
(``_GLOBAL_DEFAULT_TIMEOUT``, ``_LOCALHOST``...). The enums themselves are in test_enums.py."""

import _socket
import errno
import inspect
from contextlib import closing

import pytest

from fixtures import fresh, peers
from harness.model.spec import spec

CORE_NAMES = (
    "fromfd",
    "getfqdn",
    "create_connection",
    "create_server",
    "has_dualstack_ipv6",
    "AddressFamily",
    "SocketKind",
    "socket",
    "socketpair",
    "SocketType",
    "error",
    "timeout",
    "herror",
    "gaierror",
    "getaddrinfo",
    "getdefaulttimeout",
    "setdefaulttimeout",
    "dup",
    "has_ipv6",
    "AF_INET",
    "SOCK_STREAM",
)


def _public_c_names():
    return [name for name in dir(_socket) if not name.startswith("_")]


# -- __all__ --------------------------------------------------------------------------------------------


@spec("__all__")
def test_module_all_contains_core_names(impl):
    missing = [name for name in CORE_NAMES if name not in impl.__all__]
    assert missing == []


@spec("__all__", personas=["native"])
def test_module_all_contains_every_public_c_name(impl):
    missing = [name for name in _public_c_names() if name not in impl.__all__]
    assert missing == []


@spec("__all__")
def test_module_all_names_all_exist(impl):
    absent = [name for name in impl.__all__ if not hasattr(impl, name)]
    assert absent == []


@spec("__all__")
def test_module_all_lists_no_private_name(impl):
    private = [name for name in impl.__all__ if name.startswith("_")]
    assert private == []


@spec("__all__")
def test_module_all_has_no_duplicates(impl):
    assert len(impl.__all__) == len(set(impl.__all__))


@spec("__all__", "MsgFlag", "AddressInfo")
def test_module_all_excludes_msgflag_and_addressinfo(impl):
    assert "MsgFlag" not in impl.__all__
    assert "AddressInfo" not in impl.__all__
    assert hasattr(impl, "MsgFlag")
    assert hasattr(impl, "AddressInfo")


@spec("__all__", "send_fds", "recv_fds", since="3.9", needs=["sendmsg"])
def test_module_all_lists_send_fds_and_recv_fds(impl):
    assert "send_fds" in impl.__all__
    assert "recv_fds" in impl.__all__
    assert callable(impl.send_fds)
    assert callable(impl.recv_fds)


@spec("__all__", before="3.9")
def test_module_all_has_no_send_fds_before_39(impl):
    assert "send_fds" not in impl.__all__
    assert not hasattr(impl, "send_fds")
    assert not hasattr(impl, "recv_fds")


# -- exceptions --------------------------------------------------------------------------------------------


@spec("error")
def test_module_error_is_oserror(impl):
    assert impl.error is OSError


@spec("timeout", since="3.10", needs=["timeout_is_timeouterror"])
def test_module_timeout_is_timeout_error(impl):
    assert impl.timeout is TimeoutError


@spec("timeout", before="3.10")
def test_module_timeout_is_c_timeout_before_310(impl):
    assert impl.timeout is _socket.timeout
    assert issubclass(impl.timeout, OSError)
    assert not issubclass(impl.timeout, TimeoutError)


@spec("herror", "gaierror")
@pytest.mark.parametrize("name", ["herror", "gaierror"])
def test_module_resolver_errors_are_the_c_oserror_subclasses(impl, name):
    cls = getattr(impl, name)
    assert cls is getattr(_socket, name)
    assert issubclass(cls, OSError)
    assert cls is not OSError


# -- re-exports ------------------------------------------------------------------------------------------------


@spec("SocketType", personas=["native"])
def test_module_sockettype_is_the_c_type(impl):
    assert impl.SocketType is _socket.socket
    assert impl.SocketType is not impl.socket
    assert issubclass(impl.socket, impl.SocketType)


@spec("_realsocket", before="3.9")
def test_module_realsocket_alias_before_39(impl):
    assert impl._realsocket is _socket.socket


@spec("has_ipv6", personas=["native"])
def test_module_has_ipv6_is_the_c_bool(impl):
    assert type(impl.has_ipv6) is bool
    assert impl.has_ipv6 is _socket.has_ipv6


@spec("setdefaulttimeout", "getdefaulttimeout")
@pytest.mark.parametrize("value", [3.5, 0.0, None], ids=["seconds", "zero", "none"])
def test_module_default_timeout_round_trips(impl, restore_default_timeout, value):
    impl.setdefaulttimeout(value)
    assert impl.getdefaulttimeout() == value
    with impl.socket() as sock:
        assert sock.gettimeout() == value


@spec("setdefaulttimeout", "getdefaulttimeout")
def test_module_default_timeout_is_shared_with_c_module(impl, restore_default_timeout):
    impl.setdefaulttimeout(4.25)
    assert _socket.getdefaulttimeout() == 4.25
    _socket.setdefaulttimeout(1.75)
    assert impl.getdefaulttimeout() == 1.75


@spec("AF_INET", "SOCK_STREAM", personas=["native"])
def test_module_int_constants_equal_c_values(impl):
    constants = {
        name: value
        for name, value in vars(_socket).items()
        if name.isupper() and not name.startswith("_") and type(value) is int
    }
    assert constants
    different = {
        n: getattr(impl, n, None) for n, v in constants.items() if getattr(impl, n, None) != v
    }
    assert different == {}


@spec("EBADF", "EAGAIN", "EWOULDBLOCK")
def test_module_errno_attributes(impl):
    assert impl.EBADF == errno.EBADF
    assert impl.EAGAIN == errno.EAGAIN
    assert impl.EWOULDBLOCK == errno.EWOULDBLOCK


# -- private names other modules rely on ---------------------------------------------------------------------------


@spec("_GLOBAL_DEFAULT_TIMEOUT")
def test_module_global_default_timeout_is_a_plain_sentinel(impl):
    sentinel = impl._GLOBAL_DEFAULT_TIMEOUT
    assert type(sentinel) is object
    default = inspect.signature(impl.create_connection).parameters["timeout"].default
    assert default is sentinel


@spec("_GLOBAL_DEFAULT_TIMEOUT", "create_connection")
def test_module_global_default_timeout_passed_explicitly_means_default(
    impl, restore_default_timeout
):
    # http.client and others pass socket._GLOBAL_DEFAULT_TIMEOUT explicitly.
    listener = peers.raw_listener()
    with closing(listener):
        impl.setdefaulttimeout(6.5)
        with impl.create_connection(listener.getsockname(), impl._GLOBAL_DEFAULT_TIMEOUT) as sock:
            assert sock.gettimeout() == 6.5


@spec("_LOCALHOST", "_LOCALHOST_V6")
def test_module_localhost_constants(impl):
    assert impl._LOCALHOST == "127.0.0.1"
    assert impl._LOCALHOST_V6 == "::1"


# -- what importing the module loads (3.14) ----------------------------------------

# Run in a fresh interpreter (fixtures.fresh): which of the two modules are loaded after each
# step.
_PROBE = r"""
import _socket, os
data_path = sys.argv[1]
loaded = lambda: sorted(name for name in ("selectors", "array") if name in sys.modules)
seen = {"after_import": loaded()}
a, peer = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
sock = module.socket(fileno=a.detach())
with open(data_path, "rb") as f:
    seen["sent"] = sock.sendfile(f)
seen["received"] = peer.recv(64)
seen["after_sendfile"] = loaded()
r, w = os.pipe()
module.send_fds(sock, [b"fd"], [r])
data, fds, _, _ = module.recv_fds(peer, 16, 1)
seen["fd_message"] = (data, len(fds))
seen["after_fds"] = loaded()
for fd in (r, w, *fds):
    os.close(fd)
sock.close()
peer.close()
print(repr(seen))
"""


@spec("socket.sendfile", "send_fds", "recv_fds", since="3.14")
def test_module_selectors_and_array_are_no_module_attributes(impl):
    # gh-121423 (3.14): imported where they are used, not when the module is imported
    names = vars(impl)
    assert ("selectors" in names, "array" in names) == (False, False)
    assert {"selectors", "array"}.isdisjoint(dir(impl))


@spec("socket.sendfile", "send_fds", "recv_fds", since="3.14",
      needs=["af_unix", "scm_rights", "os_sendfile"], personas=["native"])
def test_module_import_loads_neither_selectors_nor_array(impl, tmp_path):
    data = tmp_path / "data.bin"
    data.write_bytes(b"lazy import")
    seen = fresh.run(impl, _PROBE, str(data))
    assert seen == {
        "after_import": [],
        "sent": 11,
        "received": b"lazy import",
        "after_sendfile": ["selectors"],
        "fd_message": (b"fd", 1),
        "after_fds": ["array", "selectors"],
    }
