"""Enum views of the constants: AddressFamily, SocketKind (IntEnum), MsgFlag, AddressInfo (IntFlag).

Covers the module globals being members, ``socket.family``/``socket.type`` and ``getaddrinfo``
returning members, ``_intenum_converter`` leaving unknown values as plain ints, ``__all__``,
and the textual forms of members. ``str()`` of a member follows the running Python's ``enum``
module (the reference builds its enums with it too), so only the version-independent forms
(``repr``, ``format``, ``%d``) are pinned for every version; ``str()`` is pinned before 3.11.
"""

import _socket
import enum

import pytest

from harness.model.spec import spec


@spec("AddressFamily", "socket.family")
def test_enums_socket_family_is_addressfamily_member(impl):
    with impl.socket() as sock:
        assert isinstance(sock.family, impl.AddressFamily)
        assert sock.family is impl.AF_INET
        assert sock.family is impl.AddressFamily.AF_INET


@spec("SocketKind", "socket.type")
def test_enums_socket_type_is_socketkind_member(impl):
    with impl.socket(_socket.AF_INET, _socket.SOCK_DGRAM) as sock:
        assert isinstance(sock.type, impl.SocketKind)
        assert sock.type is impl.SOCK_DGRAM
        assert sock.type is impl.SocketKind.SOCK_DGRAM


@spec("AddressFamily", "SocketKind", "socket.family", "socket.type", needs=["af_unix"])
def test_enums_detected_unix_family_and_type_are_members(impl, adopted):
    sock, _fd = adopted(_socket.socket(_socket.AF_UNIX, _socket.SOCK_DGRAM))
    assert sock.family is impl.AF_UNIX
    assert sock.type is impl.SOCK_DGRAM


@spec("AddressFamily", "SocketKind", "getaddrinfo")
def test_enums_getaddrinfo_family_and_type_are_members(impl):
    infos = impl.getaddrinfo("127.0.0.1", 80, _socket.AF_INET, _socket.SOCK_STREAM)
    assert infos
    for family, kind, proto, _canonname, sockaddr in infos:
        assert family is impl.AF_INET
        assert kind is impl.SOCK_STREAM
        assert type(proto) is int
        assert proto == _socket.IPPROTO_TCP
        assert sockaddr == ("127.0.0.1", 80)


@spec("AddressFamily", personas=["native"])
@pytest.mark.parametrize("name", ["AF_INET", "AF_UNIX", "AF_INET6", "AF_UNSPEC"])
def test_enums_af_constants_are_addressfamily_members(impl, name):
    value = getattr(impl, name)
    assert isinstance(value, impl.AddressFamily)
    assert value is impl.AddressFamily[name]
    assert value == getattr(_socket, name)
    assert value.name == name


@spec("SocketKind")
@pytest.mark.parametrize("name", ["SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_SEQPACKET"])
def test_enums_sock_constants_are_socketkind_members(impl, name):
    value = getattr(impl, name)
    assert isinstance(value, impl.SocketKind)
    assert value is impl.SocketKind[name]
    assert value == getattr(_socket, name)


@spec("AddressFamily", "SocketKind")
def test_enums_family_and_kind_are_intenums(impl):
    assert issubclass(impl.AddressFamily, enum.IntEnum)
    assert issubclass(impl.SocketKind, enum.IntEnum)
    assert isinstance(impl.AF_INET, int)
    assert impl.AF_INET + 0 == _socket.AF_INET


@spec("MsgFlag")
@pytest.mark.parametrize("name", ["MSG_PEEK", "MSG_OOB", "MSG_WAITALL", "MSG_DONTWAIT"])
def test_enums_msg_constants_are_msgflag_members(impl, name):
    assert issubclass(impl.MsgFlag, enum.IntFlag)
    value = getattr(impl, name)
    assert isinstance(value, impl.MsgFlag)
    assert value is impl.MsgFlag[name]
    assert value == getattr(_socket, name)


@spec("AddressInfo")
@pytest.mark.parametrize("name", ["AI_PASSIVE", "AI_CANONNAME", "AI_NUMERICHOST"])
def test_enums_ai_constants_are_addressinfo_members(impl, name):
    assert issubclass(impl.AddressInfo, enum.IntFlag)
    value = getattr(impl, name)
    assert isinstance(value, impl.AddressInfo)
    assert value is impl.AddressInfo[name]
    assert value == getattr(_socket, name)


@spec("MsgFlag")
def test_enums_msgflag_combination_stays_msgflag(impl):
    combined = impl.MSG_PEEK | impl.MSG_OOB
    assert isinstance(combined, impl.MsgFlag)
    assert combined == _socket.MSG_PEEK | _socket.MSG_OOB
    assert impl.MSG_PEEK in combined


@spec("_intenum_converter")
def test_enums_intenum_converter_unknown_value_stays_plain_int(impl):
    result = impl._intenum_converter(12345, impl.AddressFamily)
    assert result == 12345
    assert type(result) is int


@spec("_intenum_converter")
def test_enums_intenum_converter_known_value_gives_member(impl):
    assert impl._intenum_converter(int(_socket.SOCK_DGRAM), impl.SocketKind) is impl.SOCK_DGRAM


@spec("_intenum_converter")
def test_enums_intenum_converter_catches_only_valueerror(impl):
    def refusing(value):
        raise TypeError(f"refused {value!r}")

    with pytest.raises(TypeError, match="refused 7"):
        impl._intenum_converter(7, refusing)


@spec("__all__", "AddressFamily", "SocketKind", "MsgFlag", "AddressInfo")
def test_enums_only_family_and_kind_in_all(impl):
    assert "AddressFamily" in impl.__all__
    assert "SocketKind" in impl.__all__
    assert "MsgFlag" not in impl.__all__
    assert "AddressInfo" not in impl.__all__


@spec("AddressFamily", "SocketKind", "MsgFlag")
def test_enums_member_repr(impl):
    assert repr(impl.AF_INET) == f"<AddressFamily.AF_INET: {int(_socket.AF_INET)}>"
    assert repr(impl.SOCK_STREAM) == f"<SocketKind.SOCK_STREAM: {int(_socket.SOCK_STREAM)}>"
    assert repr(impl.MSG_PEEK) == f"<MsgFlag.MSG_PEEK: {int(_socket.MSG_PEEK)}>"


@spec("AddressFamily", "SocketKind")
def test_enums_member_format_is_the_number(impl):
    assert f"{impl.AF_INET}" == str(int(_socket.AF_INET))
    assert format(impl.SOCK_DGRAM) == str(int(_socket.SOCK_DGRAM))
    assert "%d" % impl.AF_INET == str(int(_socket.AF_INET))  # noqa: UP031 - the subject


@spec("AddressFamily", "SocketKind", before="3.11")
def test_enums_member_str_is_qualified_name(impl):
    assert str(impl.AF_INET) == "AddressFamily.AF_INET"
    assert str(impl.SOCK_STREAM) == "SocketKind.SOCK_STREAM"
