"""The resolver, on the host's own data only: getaddrinfo() at the C level (numeric hosts,
``localhost``, service names, AI_NUMERICHOST/AI_NUMERICSERV/AI_PASSIVE/AI_CANONNAME, gaierror
codes), getnameinfo() and its argument checks, gethostbyname(), gethostbyname_ex(),
gethostbyaddr() on loopback, getservbyname()/getservbyport(), getprotobyname() and gethostname().

No query leaves the machine: hosts are numeric or names /etc/hosts answers (``hosts_localhost``,
``hostname_in_hosts``), services and protocols come from /etc/services and /etc/protocols. The
loopback guard refuses any other lookup. The Python wrapper's enum conversion is in
test_getaddrinfo.py.
"""

import _socket
import os

import pytest

from harness.model.spec import spec

AF_INET = _socket.AF_INET
AF_INET6 = _socket.AF_INET6
SOCK_STREAM = _socket.SOCK_STREAM
SOCK_DGRAM = _socket.SOCK_DGRAM
NUMERIC = _socket.NI_NUMERICHOST | _socket.NI_NUMERICSERV

# Platforms with os.uname() (not Windows).
UNIX = ["linux", "darwin", "freebsd", "openbsd", "netbsd", "sunos", "aix", "cygwin"]


def _gaierror(excinfo, code):
    """The raised error is socket.gaierror with ``code`` as errno and (code, text) as args."""
    error = excinfo.value
    assert type(error) is _socket.gaierror
    assert error.errno == code
    assert error.args[0] == code and isinstance(error.args[1], str) and error.args[1]
    assert error.strerror == error.args[1]
    return error


def _plain_oserror(excinfo, message):
    """A bare OSError (no subclass, no errno) whose only argument is ``message``."""
    error = excinfo.value
    assert type(error) is OSError
    assert error.args == (message,)
    assert error.errno is None


# -- getaddrinfo: numeric hosts ---------------------------------------------------------------


@spec("getaddrinfo")
@pytest.mark.parametrize(
    "kind, proto",
    [(SOCK_STREAM, _socket.IPPROTO_TCP), (SOCK_DGRAM, _socket.IPPROTO_UDP)],
    ids=["stream", "dgram"],
)
def test_resolver_getaddrinfo_numeric_ipv4_gives_one_entry_per_type(impl, kind, proto):
    results = impl.getaddrinfo("127.0.0.1", 80, AF_INET, kind)
    assert [tuple(int(v) if i < 3 else v for i, v in enumerate(r)) for r in results] == [
        (AF_INET, kind, proto, "", ("127.0.0.1", 80))
    ]


@spec("getaddrinfo")
def test_resolver_getaddrinfo_protocol_alone_selects_the_type(impl):
    results = impl.getaddrinfo("127.0.0.1", 53, AF_INET, 0, _socket.IPPROTO_UDP)
    assert [(int(r[1]), r[2], r[4]) for r in results] == [
        (SOCK_DGRAM, _socket.IPPROTO_UDP, ("127.0.0.1", 53))
    ]


@spec("getaddrinfo", needs=["ipv6"])
def test_resolver_getaddrinfo_numeric_ipv6_gives_four_tuple(impl):
    results = impl.getaddrinfo("::1", 80, 0, SOCK_STREAM, 0, _socket.AI_NUMERICHOST)
    assert [(int(r[0]), r[4]) for r in results] == [(AF_INET6, ("::1", 80, 0, 0))]


@spec("getaddrinfo", needs=["ipv6"])
def test_resolver_getaddrinfo_ipv4_mapped_address_is_ipv6(impl):
    results = impl.getaddrinfo("::ffff:127.0.0.1", 80, 0, SOCK_STREAM)
    assert [(int(r[0]), r[4]) for r in results] == [(AF_INET6, ("::ffff:127.0.0.1", 80, 0, 0))]


@spec("getaddrinfo")
def test_resolver_getaddrinfo_numerichost_accepts_an_address(impl):
    results = impl.getaddrinfo("127.0.0.2", 8080, AF_INET, SOCK_STREAM, 0, _socket.AI_NUMERICHOST)
    assert [r[4] for r in results] == [("127.0.0.2", 8080)]


@spec("getaddrinfo", needs=["hosts_localhost"])
def test_resolver_getaddrinfo_numerichost_refuses_a_name_with_eai_noname(impl):
    with pytest.raises(OSError) as excinfo:
        impl.getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM, 0, _socket.AI_NUMERICHOST)
    _gaierror(excinfo, _socket.EAI_NONAME)
    assert excinfo.value.errno == impl.EAI_NONAME


@spec("getaddrinfo", needs=["hosts_localhost"])
def test_resolver_getaddrinfo_localhost_from_the_hosts_file(impl):
    results = impl.getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM)
    assert ("127.0.0.1", 80) in [r[4] for r in results]
    assert [r[4] for r in results] == [r[4] for r in _socket.getaddrinfo(
        "localhost", 80, AF_INET, SOCK_STREAM)]


# -- getaddrinfo: services and ports --------------------------------------------------------


@spec("getaddrinfo", needs=["services_db"])
@pytest.mark.parametrize("service", ["http", b"http"], ids=["str", "bytes"])
def test_resolver_getaddrinfo_service_name_gives_its_port(impl, service):
    results = impl.getaddrinfo("127.0.0.1", service, AF_INET, SOCK_STREAM)
    assert [r[4] for r in results] == [("127.0.0.1", 80)]


@spec("getaddrinfo")
def test_resolver_getaddrinfo_numericserv_accepts_a_number_string(impl):
    results = impl.getaddrinfo("127.0.0.1", "8080", AF_INET, SOCK_STREAM, 0, _socket.AI_NUMERICSERV)
    assert [r[4] for r in results] == [("127.0.0.1", 8080)]


@spec("getaddrinfo")
def test_resolver_getaddrinfo_numericserv_refuses_a_service_name(impl):
    with pytest.raises(OSError) as excinfo:
        impl.getaddrinfo("127.0.0.1", "http", AF_INET, SOCK_STREAM, 0, _socket.AI_NUMERICSERV)
    _gaierror(excinfo, _socket.EAI_NONAME)


@spec("getaddrinfo")
def test_resolver_getaddrinfo_unknown_service_is_eai_service(impl):
    with pytest.raises(OSError) as excinfo:
        impl.getaddrinfo("127.0.0.1", "no-such-service-here", AF_INET, SOCK_STREAM)
    _gaierror(excinfo, _socket.EAI_SERVICE)


@spec("getaddrinfo")
@pytest.mark.parametrize("port", [1.5, [80], 80.0], ids=["float", "list", "whole_float"])
def test_resolver_getaddrinfo_port_of_another_type_is_plain_oserror(impl, port):
    with pytest.raises(OSError) as excinfo:
        impl.getaddrinfo("127.0.0.1", port, AF_INET, SOCK_STREAM)
    _plain_oserror(excinfo, "Int or String expected")


@spec("getaddrinfo", needs=["getaddrinfo_port_overflows"])
def test_resolver_getaddrinfo_port_beyond_c_long_overflows(impl):
    with pytest.raises(OverflowError):
        impl.getaddrinfo("127.0.0.1", 2**64, AF_INET, SOCK_STREAM)


@spec("getaddrinfo", needs=["getaddrinfo_port_as_text"])
def test_resolver_getaddrinfo_port_beyond_c_long_is_eai_service(impl):
    # From CPython 3.12 a large int port is passed on as its decimal text, matching no service.
    with pytest.raises(OSError) as excinfo:
        impl.getaddrinfo("127.0.0.1", 2**64, AF_INET, SOCK_STREAM)
    _gaierror(excinfo, _socket.EAI_SERVICE)


@spec("getaddrinfo")
@pytest.mark.parametrize("host", [127, bytearray(b"127.0.0.1")], ids=["int", "bytearray"])
def test_resolver_getaddrinfo_host_of_another_type_is_typeerror(impl, host):
    with pytest.raises(TypeError) as excinfo:
        impl.getaddrinfo(host, 80)
    assert str(excinfo.value) == "getaddrinfo() argument 1 must be string or None"


# -- getaddrinfo: no host, flags and error codes --------------------------------------------


WITHOUT_HOST = pytest.mark.parametrize("flags", [_socket.AI_PASSIVE, 0], ids=["passive", "active"])


@spec("getaddrinfo")
@WITHOUT_HOST
def test_resolver_getaddrinfo_without_host_ipv4_wildcard_or_loopback(impl, flags):
    results = impl.getaddrinfo(None, 80, AF_INET, SOCK_STREAM, 0, flags)
    expected = "0.0.0.0" if flags else "127.0.0.1"
    assert [r[4] for r in results] == [(expected, 80)]


@spec("getaddrinfo", needs=["ipv6"])
@WITHOUT_HOST
def test_resolver_getaddrinfo_without_host_ipv6_wildcard_or_loopback(impl, flags):
    results = impl.getaddrinfo(None, 80, AF_INET6, SOCK_STREAM, 0, flags)
    expected = "::" if flags else "::1"
    assert [r[4] for r in results] == [(expected, 80, 0, 0)]


@spec("getaddrinfo")
def test_resolver_getaddrinfo_canonname_of_numeric_host_is_the_host(impl):
    results = impl.getaddrinfo("127.0.0.1", 80, AF_INET, SOCK_STREAM, 0, _socket.AI_CANONNAME)
    assert [(r[3], r[4]) for r in results] == [("127.0.0.1", ("127.0.0.1", 80))]


@spec("getaddrinfo")
def test_resolver_getaddrinfo_canonname_only_on_the_first_entry(impl):
    results = impl.getaddrinfo("127.0.0.1", 80, AF_INET, 0, 0, _socket.AI_CANONNAME)
    assert len(results) >= 2
    assert [r[3] for r in results] == ["127.0.0.1"] + [""] * (len(results) - 1)


@spec("getaddrinfo")
def test_resolver_getaddrinfo_canonname_without_host_is_eai_badflags(impl):
    with pytest.raises(OSError) as excinfo:
        impl.getaddrinfo(None, 80, AF_INET, SOCK_STREAM, 0, _socket.AI_CANONNAME)
    _gaierror(excinfo, _socket.EAI_BADFLAGS)


@spec("getaddrinfo", needs=["af_unix"])
def test_resolver_getaddrinfo_unsupported_family_is_eai_family(impl):
    with pytest.raises(OSError) as excinfo:
        impl.getaddrinfo("127.0.0.1", 80, _socket.AF_UNIX)
    _gaierror(excinfo, _socket.EAI_FAMILY)


@spec("getaddrinfo")
def test_resolver_getaddrinfo_unknown_socket_type_is_eai_socktype(impl):
    with pytest.raises(OSError) as excinfo:
        impl.getaddrinfo("127.0.0.1", 80, AF_INET, 12345)
    _gaierror(excinfo, _socket.EAI_SOCKTYPE)


@spec("getaddrinfo", platforms=["linux"], needs=["ipv6"])
@pytest.mark.parametrize(
    "host, family", [("127.0.0.1", AF_INET6), ("::1", AF_INET)], ids=["v4_as_v6", "v6_as_v4"]
)
def test_resolver_getaddrinfo_address_of_the_other_family_is_eai_addrfamily(impl, host, family):
    with pytest.raises(OSError) as excinfo:
        impl.getaddrinfo(host, 80, family, SOCK_STREAM)
    _gaierror(excinfo, _socket.EAI_ADDRFAMILY)


# -- getnameinfo ------------------------------------------------------------------------------


@spec("getnameinfo")
def test_resolver_getnameinfo_numeric_host_and_service(impl):
    assert impl.getnameinfo(("127.0.0.1", 8080), NUMERIC) == ("127.0.0.1", "8080")


@spec("getnameinfo", needs=["services_db"])
def test_resolver_getnameinfo_port_gives_the_service_name(impl):
    assert impl.getnameinfo(("127.0.0.1", 80), _socket.NI_NUMERICHOST) == ("127.0.0.1", "http")


@spec("getnameinfo", needs=["hosts_localhost"])
@pytest.mark.parametrize(
    "flags", [_socket.NI_NUMERICSERV, _socket.NI_NAMEREQD | _socket.NI_NUMERICSERV],
    ids=["plain", "namereqd"],
)
def test_resolver_getnameinfo_loopback_name_from_the_hosts_file(impl, flags):
    name = _socket.gethostbyaddr("127.0.0.1")[0]
    assert impl.getnameinfo(("127.0.0.1", 80), flags) == (name, "80")


@spec("getnameinfo", needs=["ipv6", "hosts_ipv6_loopback"])
def test_resolver_getnameinfo_ipv6_numeric(impl):
    assert impl.getnameinfo(("::1", 80, 0, 0), NUMERIC) == ("::1", "80")
    assert impl.getnameinfo(("::1", 80), NUMERIC) == ("::1", "80")


@spec("getnameinfo", needs=["hosts_localhost"])
def test_resolver_getnameinfo_host_name_is_not_looked_up(impl):
    with pytest.raises(OSError) as excinfo:
        impl.getnameinfo(("localhost", 80), NUMERIC)
    _gaierror(excinfo, _socket.EAI_NONAME)


@spec("getnameinfo")
def test_resolver_getnameinfo_ipv4_four_tuple_is_plain_oserror(impl):
    with pytest.raises(OSError) as excinfo:
        impl.getnameinfo(("127.0.0.1", 80, 0, 0), NUMERIC)
    _plain_oserror(excinfo, "IPv4 sockaddr must be 2 tuple")


@spec("getnameinfo")
@pytest.mark.parametrize(
    "sockaddr",
    [("127.0.0.1",), ("127.0.0.1", 80, 0, 0, 0), (127, 80), ()],
    ids=["one", "five", "int_host", "empty"],
)
def test_resolver_getnameinfo_malformed_sockaddr_is_typeerror(impl, sockaddr):
    with pytest.raises(TypeError) as excinfo:
        impl.getnameinfo(sockaddr, NUMERIC)
    assert str(excinfo.value) == "getnameinfo(): illegal sockaddr argument"


@spec("getnameinfo")
@pytest.mark.parametrize("sockaddr", [["127.0.0.1", 80], "127.0.0.1"], ids=["list", "str"])
def test_resolver_getnameinfo_sockaddr_must_be_a_tuple(impl, sockaddr):
    with pytest.raises(TypeError) as excinfo:
        impl.getnameinfo(sockaddr, NUMERIC)
    assert str(excinfo.value) == "getnameinfo() argument 1 must be a tuple"


FLOWINFO = pytest.mark.parametrize("flowinfo", [2**20, -1], ids=["too_large", "negative"])


def _flowinfo_overflows(impl, sockaddr):
    with pytest.raises(OverflowError) as excinfo:
        impl.getnameinfo(sockaddr, NUMERIC)
    assert str(excinfo.value) == "getnameinfo(): flowinfo must be 0-1048575."


# The audit event carries no flags, so the guard lets getnameinfo(('::1', ...)) through only
# where /etc/hosts answers the reverse lookup of ::1.
@spec("getnameinfo", needs=["ipv6", "hosts_ipv6_loopback"])
@FLOWINFO
def test_resolver_getnameinfo_flowinfo_out_of_range_overflows(impl, flowinfo):
    _flowinfo_overflows(impl, ("::1", 80, flowinfo, 0))


@spec("getnameinfo")
@FLOWINFO
def test_resolver_getnameinfo_flowinfo_is_checked_before_the_family(impl, flowinfo):
    _flowinfo_overflows(impl, ("127.0.0.1", 80, flowinfo, 0))


@spec("getnameinfo")
def test_resolver_getnameinfo_flags_are_required(impl):
    with pytest.raises(TypeError):
        impl.getnameinfo(("127.0.0.1", 80))


# -- gethostbyname, gethostbyname_ex ----------------------------------------------------------


@spec("gethostbyname")
@pytest.mark.parametrize(
    "host", ["127.0.0.1", b"127.0.0.1", bytearray(b"127.0.0.1")], ids=["str", "bytes", "bytearray"]
)
def test_resolver_gethostbyname_numeric_address(impl, host):
    assert impl.gethostbyname(host) == "127.0.0.1"


@spec("gethostbyname", platforms=["linux"])
@pytest.mark.parametrize("host", ["127.1", "0x7f.0.0.1", "2130706433"], ids=["short", "hex", "int"])
def test_resolver_gethostbyname_accepts_inet_aton_forms(impl, host):
    assert impl.gethostbyname(host) == "127.0.0.1"


@spec("gethostbyname")
@pytest.mark.parametrize(
    "host, address", [("", "0.0.0.0"), ("<broadcast>", "255.255.255.255")], ids=["empty", "broadcast"]
)
def test_resolver_gethostbyname_special_names(impl, host, address):
    assert impl.gethostbyname(host) == address


@spec("gethostbyname", needs=["hosts_localhost"])
def test_resolver_gethostbyname_localhost(impl):
    assert impl.gethostbyname("localhost") == _socket.gethostbyname("localhost")
    assert impl.gethostbyname("localhost").startswith("127.")


@spec("gethostbyname", "gethostname", needs=["hostname_in_hosts"])
def test_resolver_gethostbyname_own_hostname_from_the_hosts_file(impl):
    name = impl.gethostname()
    assert impl.gethostbyname(name) == _socket.gethostbyname(name)


@spec("gethostbyname", "gethostbyname_ex", platforms=["linux"], needs=["ipv6"])
@pytest.mark.parametrize("function", ["gethostbyname", "gethostbyname_ex"])
def test_resolver_gethostbyname_ipv6_literal_is_eai_addrfamily(impl, function):
    with pytest.raises(OSError) as excinfo:
        getattr(impl, function)("::1")
    _gaierror(excinfo, _socket.EAI_ADDRFAMILY)


@spec("gethostbyname", "gethostbyname_ex", "gethostbyaddr")
@pytest.mark.parametrize("function", ["gethostbyname", "gethostbyname_ex", "gethostbyaddr"])
def test_resolver_gethostby_none_is_typeerror(impl, function):
    with pytest.raises(TypeError) as excinfo:
        getattr(impl, function)(None)
    assert str(excinfo.value) == (
        f"{function}() argument 1 must be str, bytes or bytearray, not None"
    )


@spec("gethostbyname_ex")
def test_resolver_gethostbyname_ex_numeric_address(impl):
    assert impl.gethostbyname_ex("127.0.0.1") == ("127.0.0.1", [], ["127.0.0.1"])


@spec("gethostbyname_ex", needs=["hosts_localhost"])
def test_resolver_gethostbyname_ex_localhost(impl):
    name, aliases, addresses = impl.gethostbyname_ex("localhost")
    assert (name, aliases, addresses) == _socket.gethostbyname_ex("localhost")
    assert type(name) is str and type(aliases) is list and type(addresses) is list
    assert "127.0.0.1" in addresses


# -- gethostbyaddr ----------------------------------------------------------------------------


@spec("gethostbyaddr", needs=["hosts_localhost"])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"], ids=["address", "name"])
def test_resolver_gethostbyaddr_loopback(impl, host):
    name, aliases, addresses = impl.gethostbyaddr(host)
    assert (name, aliases, addresses) == _socket.gethostbyaddr("127.0.0.1")
    assert type(name) is str and type(aliases) is list
    assert addresses == ["127.0.0.1"]


# -- getservbyname, getservbyport ---------------------------------------------------------------


@spec("getservbyname", needs=["services_db"])
@pytest.mark.parametrize("args", [("http",), ("http", "tcp")], ids=["any_proto", "tcp"])
def test_resolver_getservbyname_gives_the_port(impl, args):
    assert impl.getservbyname(*args) == 80


@spec("getservbyname")
@pytest.mark.parametrize(
    "args",
    [("no-such-service-here",), ("no-such-service-here", "tcp"), ("http", "no-such-proto")],
    ids=["unknown", "unknown_tcp", "unknown_proto"],
)
def test_resolver_getservbyname_unknown_is_plain_oserror(impl, args):
    with pytest.raises(OSError) as excinfo:
        impl.getservbyname(*args)
    _plain_oserror(excinfo, "service/proto not found")


@spec("getservbyname")
@pytest.mark.parametrize("name", [b"http", 80], ids=["bytes", "int"])
def test_resolver_getservbyname_name_must_be_str(impl, name):
    with pytest.raises(TypeError):
        impl.getservbyname(name)


@spec("getservbyport", needs=["services_db"])
@pytest.mark.parametrize("args", [(80,), (80, "tcp")], ids=["any_proto", "tcp"])
def test_resolver_getservbyport_gives_the_name(impl, args):
    assert impl.getservbyport(*args) == "http"


@spec("getservbyport")
@pytest.mark.parametrize("args", [(0,), (80, "no-such-proto")], ids=["port_zero", "unknown_proto"])
def test_resolver_getservbyport_unknown_is_plain_oserror(impl, args):
    with pytest.raises(OSError) as excinfo:
        impl.getservbyport(*args)
    _plain_oserror(excinfo, "port/proto not found")


@spec("getservbyport")
@pytest.mark.parametrize("port", [65536, -1], ids=["too_large", "negative"])
def test_resolver_getservbyport_port_out_of_range_overflows(impl, port):
    with pytest.raises(OverflowError) as excinfo:
        impl.getservbyport(port)
    assert str(excinfo.value) == "getservbyport: port must be 0-65535."


@spec("getservbyport")
def test_resolver_getservbyport_port_must_be_an_int(impl):
    with pytest.raises(TypeError):
        impl.getservbyport("80")


# -- getprotobyname, gethostname --------------------------------------------------------------


@spec("getprotobyname", needs=["protocols_db"])
@pytest.mark.parametrize(
    "name, number", [("tcp", _socket.IPPROTO_TCP), ("udp", _socket.IPPROTO_UDP)], ids=["tcp", "udp"]
)
def test_resolver_getprotobyname_gives_the_number(impl, name, number):
    assert impl.getprotobyname(name) == number
    assert type(impl.getprotobyname(name)) is int


@spec("getprotobyname")
def test_resolver_getprotobyname_unknown_is_plain_oserror(impl):
    with pytest.raises(OSError) as excinfo:
        impl.getprotobyname("no-such-proto")
    _plain_oserror(excinfo, "protocol not found")


@spec("getprotobyname")
@pytest.mark.parametrize("name", [b"tcp", 6], ids=["bytes", "int"])
def test_resolver_getprotobyname_name_must_be_str(impl, name):
    with pytest.raises(TypeError):
        impl.getprotobyname(name)


@spec("gethostname", platforms=UNIX)
def test_resolver_gethostname_is_the_node_name(impl):
    name = impl.gethostname()
    assert type(name) is str
    assert name == os.uname().nodename


@spec("gethostname")
def test_resolver_gethostname_takes_no_arguments(impl):
    with pytest.raises(TypeError):
        impl.gethostname("extra")
