"""getaddrinfo(): the wrapper around ``_socket.getaddrinfo`` that turns family and type into
AddressFamily/SocketKind members and leaves the other fields alone; argument forms (positional,
keyword, str/bytes/None host, int/str/bytes/None port), flags forwarded, and gaierror."""

import _socket

import pytest

from harness.model.spec import spec

AF_INET = _socket.AF_INET
SOCK_STREAM = _socket.SOCK_STREAM


@spec("getaddrinfo")
def test_getaddrinfo_family_and_type_are_enum_members(impl):
    results = impl.getaddrinfo("127.0.0.1", 80, AF_INET, SOCK_STREAM)
    assert results
    for family, kind, _proto, _canonname, _sockaddr in results:
        assert family is impl.AddressFamily.AF_INET
        assert kind is impl.SocketKind.SOCK_STREAM


@spec("getaddrinfo")
def test_getaddrinfo_every_socket_kind_is_an_enum_member(impl):
    results = impl.getaddrinfo("127.0.0.1", 80, AF_INET)
    kinds = [r[1] for r in results]
    assert all(isinstance(kind, impl.SocketKind) for kind in kinds)
    assert impl.SocketKind.SOCK_STREAM in kinds
    assert impl.SocketKind.SOCK_DGRAM in kinds


@spec("getaddrinfo")
@pytest.mark.parametrize(
    "args",
    [
        ("127.0.0.1", 80, AF_INET, SOCK_STREAM),
        ("127.0.0.1", 80, AF_INET),
        ("localhost", 80, AF_INET, SOCK_STREAM, 0, _socket.AI_CANONNAME),
        (None, 80, AF_INET, SOCK_STREAM, 0, _socket.AI_PASSIVE),
        ("127.0.0.1", 0, 0, _socket.SOCK_DGRAM, 0, _socket.AI_NUMERICHOST),
    ],
    ids=["stream", "all_kinds", "canonname", "passive", "numeric_dgram"],
)
def test_getaddrinfo_other_fields_are_unchanged(impl, args):
    expected = _socket.getaddrinfo(*args)
    results = impl.getaddrinfo(*args)
    assert len(results) == len(expected)
    for got, want in zip(results, expected):
        assert len(got) == 5
        assert int(got[0]) == want[0] and int(got[1]) == want[1]
        assert type(got[2]) is int and got[2] == want[2]
        assert got[3] == want[3]
        assert got[4] == want[4]


@spec("getaddrinfo")
@pytest.mark.parametrize("host", ["127.0.0.1", b"127.0.0.1", None], ids=["str", "bytes", "none"])
def test_getaddrinfo_accepts_host_forms(impl, host):
    results = impl.getaddrinfo(host, 80, AF_INET, SOCK_STREAM)
    assert [r[4] for r in results] == [("127.0.0.1", 80)]


@spec("getaddrinfo")
@pytest.mark.parametrize(
    "port, number",
    [(8080, 8080), ("8080", 8080), (b"8080", 8080), (None, 0)],
    ids=["int", "str", "bytes", "none"],
)
def test_getaddrinfo_accepts_port_forms(impl, port, number):
    results = impl.getaddrinfo("127.0.0.1", port, AF_INET, SOCK_STREAM)
    assert [r[4] for r in results] == [("127.0.0.1", number)]


@spec("getaddrinfo")
def test_getaddrinfo_accepts_keyword_arguments(impl):
    by_keyword = impl.getaddrinfo(
        host="127.0.0.1",
        port=80,
        family=AF_INET,
        type=_socket.SOCK_DGRAM,
        proto=_socket.IPPROTO_UDP,
        flags=_socket.AI_NUMERICHOST,
    )
    positional = impl.getaddrinfo(
        "127.0.0.1", 80, AF_INET, _socket.SOCK_DGRAM, _socket.IPPROTO_UDP, _socket.AI_NUMERICHOST
    )
    assert by_keyword == positional
    assert by_keyword == [(AF_INET, _socket.SOCK_DGRAM, _socket.IPPROTO_UDP, "", ("127.0.0.1", 80))]


@spec("getaddrinfo")
def test_getaddrinfo_numeric_host_loopback(impl):
    results = impl.getaddrinfo("127.0.0.1", 80, 0, SOCK_STREAM, 0, _socket.AI_NUMERICHOST)
    assert results == [(AF_INET, SOCK_STREAM, _socket.IPPROTO_TCP, "", ("127.0.0.1", 80))]
    assert results[0][0] is impl.AddressFamily.AF_INET


@spec("getaddrinfo", needs=["ipv6"])
def test_getaddrinfo_ipv6_loopback(impl):
    results = impl.getaddrinfo("::1", 80, _socket.AF_INET6, SOCK_STREAM)
    assert [r[4][:2] for r in results] == [("::1", 80)]
    for family, kind, _proto, _canonname, sockaddr in results:
        assert family is impl.AddressFamily.AF_INET6
        assert kind is impl.SocketKind.SOCK_STREAM
        assert len(sockaddr) == 4


@spec("getaddrinfo")
def test_getaddrinfo_passive_flag_is_forwarded(impl):
    results = impl.getaddrinfo(None, 80, AF_INET, SOCK_STREAM, 0, _socket.AI_PASSIVE)
    assert [r[4] for r in results] == [("0.0.0.0", 80)]


@spec("getaddrinfo")
def test_getaddrinfo_canonname_flag_is_forwarded(impl):
    expected = _socket.getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM, 0, _socket.AI_CANONNAME)
    results = impl.getaddrinfo("localhost", 80, AF_INET, SOCK_STREAM, 0, _socket.AI_CANONNAME)
    assert results[0][3] == expected[0][3]
    assert results[0][3] != ""


@spec("getaddrinfo", needs=["hosts_localhost"])
def test_getaddrinfo_numeric_host_rejects_a_name_with_eai_noname(impl):
    # a name the hosts file answers, so that nothing could leave the machine even without
    # the flag; with AI_NUMERICHOST it is refused before any lookup
    with pytest.raises(OSError) as info:
        impl.getaddrinfo("localhost", 80, 0, 0, 0, _socket.AI_NUMERICHOST)
    assert isinstance(info.value, _socket.gaierror)
    assert info.value.errno == _socket.EAI_NONAME


@spec("getaddrinfo")
def test_getaddrinfo_failed_lookup_raises_gaierror(impl):
    # a numeric host and a service no services file has: the lookup fails on this host alone
    with pytest.raises(OSError) as info:
        impl.getaddrinfo("127.0.0.1", "sockspec-no-such-service")
    assert type(info.value) is _socket.gaierror
    assert isinstance(info.value, impl.gaierror)
    assert info.value.errno == _socket.EAI_SERVICE


@spec("getaddrinfo")
def test_getaddrinfo_unsupported_family_raises_same_gaierror_as_c(impl):
    with pytest.raises(_socket.gaierror) as expected:
        _socket.getaddrinfo("127.0.0.1", 80, 12345)
    with pytest.raises(OSError) as info:
        impl.getaddrinfo("127.0.0.1", 80, 12345)
    assert type(info.value) is _socket.gaierror
    assert info.value.errno == expected.value.errno
