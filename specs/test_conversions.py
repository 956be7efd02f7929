"""Conversions: inet_aton()/inet_ntoa() (with the legacy shorter forms inet_aton accepts),
inet_pton()/inet_ntop() for IPv4 and IPv6 (IPv4-mapped forms, canonical text), the byte-order
functions and their bounds, and the interface-name functions on the loopback interface.

Each invalid input is pinned to the exception a program catches: its class, errno and the
message the C module gives. Range checks that changed between CPython versions (16-bit overflow
in htons/ntohs in 3.10, the 32-bit check of if_indextoname in 3.13) are chosen by capabilities
probed on this Python's ``_socket``, since the reference runs on the C module of any version.
"""

import _socket
import errno
import struct

import pytest

from harness.model.spec import spec

AF_INET = _socket.AF_INET
AF_INET6 = _socket.AF_INET6

BUFFERS = pytest.mark.parametrize(
    "buffer_type", [bytes, bytearray, memoryview], ids=["bytes", "bytearray", "memoryview"]
)

MAPPED = bytes(10) + b"\xff\xff" + b"\x01\x02\x03\x04"


def _plain_oserror(excinfo, message):
    """A bare OSError (no subclass, no errno) whose only argument is ``message``."""
    error = excinfo.value
    assert type(error) is OSError
    assert error.args == (message,)
    assert error.errno is None


# -- inet_aton / inet_ntoa ------------------------------------------------------------------


@spec("inet_aton")
@pytest.mark.parametrize(
    "text, packed",
    [
        ("1.2.3.4", b"\x01\x02\x03\x04"),
        ("0.0.0.0", b"\x00\x00\x00\x00"),
        ("255.255.255.255", b"\xff\xff\xff\xff"),
        ("127.0.0.1", b"\x7f\x00\x00\x01"),
    ],
    ids=["plain", "zero", "broadcast", "loopback"],
)
def test_conversions_inet_aton_dotted_quad(impl, text, packed):
    result = impl.inet_aton(text)
    assert type(result) is bytes
    assert result == packed


@spec("inet_aton")
@pytest.mark.parametrize(
    "text, packed",
    [
        ("1.2.3", b"\x01\x02\x00\x03"),
        ("1.2", b"\x01\x00\x00\x02"),
        ("1", b"\x00\x00\x00\x01"),
        ("4294967295", b"\xff\xff\xff\xff"),
        ("0x7f.1", b"\x7f\x00\x00\x01"),
        ("0177.0.0.1", b"\x7f\x00\x00\x01"),
    ],
    ids=["three_parts", "two_parts", "one_part", "one_part_max", "hex", "octal"],
)
def test_conversions_inet_aton_accepts_legacy_forms(impl, text, packed):
    assert impl.inet_aton(text) == packed


@spec("inet_aton")
@pytest.mark.parametrize(
    "text",
    ["256.1.1.1", "1.2.3.4.5", "", "a.b.c.d", "4294967296", " 1.2.3.4", "1.2.65536"],
    ids=["octet_too_large", "five_parts", "empty", "letters", "one_part_too_large",
         "leading_space", "last_part_too_large"],
)
def test_conversions_inet_aton_rejects_invalid_text(impl, text):
    with pytest.raises(OSError) as excinfo:
        impl.inet_aton(text)
    _plain_oserror(excinfo, "illegal IP address string passed to inet_aton")


@spec("inet_aton")
def test_conversions_inet_aton_embedded_null_is_valueerror(impl):
    with pytest.raises(ValueError) as excinfo:
        impl.inet_aton("1.2.3.4\x00")
    assert str(excinfo.value) == "embedded null character"


@spec("inet_aton")
@pytest.mark.parametrize("value", [b"1.2.3.4", 16909060, None], ids=["bytes", "int", "none"])
def test_conversions_inet_aton_takes_only_str(impl, value):
    with pytest.raises(TypeError):
        impl.inet_aton(value)


@spec("inet_ntoa")
@BUFFERS
def test_conversions_inet_ntoa_accepts_any_buffer(impl, buffer_type):
    result = impl.inet_ntoa(buffer_type(b"\x7f\x00\x00\x01"))
    assert type(result) is str
    assert result == "127.0.0.1"


@spec("inet_ntoa")
@pytest.mark.parametrize("packed", [b"", b"\x7f\x00\x00", b"\x7f\x00\x00\x01\x00", bytes(16)],
                         ids=["empty", "three", "five", "sixteen"])
def test_conversions_inet_ntoa_wrong_length(impl, packed):
    with pytest.raises(OSError) as excinfo:
        impl.inet_ntoa(packed)
    _plain_oserror(excinfo, "packed IP wrong length for inet_ntoa")


@spec("inet_ntoa")
@pytest.mark.parametrize("value", ["abcd", 16909060], ids=["str", "int"])
def test_conversions_inet_ntoa_needs_a_bytes_like_object(impl, value):
    with pytest.raises(TypeError):
        impl.inet_ntoa(value)


@spec("inet_aton", "inet_ntoa")
@pytest.mark.parametrize("text", ["0.0.0.0", "1.2.3.4", "10.0.255.1", "255.255.255.255"])
def test_conversions_inet_ntoa_reverses_inet_aton(impl, text):
    assert impl.inet_ntoa(impl.inet_aton(text)) == text


@spec("inet_aton", "inet_ntoa")
def test_conversions_inet_ntoa_of_legacy_form_is_dotted_quad(impl):
    assert impl.inet_ntoa(impl.inet_aton("127.1")) == "127.0.0.1"


# -- inet_pton --------------------------------------------------------------------------------


@spec("inet_pton")
@pytest.mark.parametrize(
    "text", ["1.2.3.4", "0.0.0.0", "255.255.255.255"], ids=["plain", "zero", "broadcast"]
)
def test_conversions_inet_pton_ipv4(impl, text):
    result = impl.inet_pton(AF_INET, text)
    assert type(result) is bytes
    assert result == bytes(int(part) for part in text.split("."))


@spec("inet_pton")
@pytest.mark.parametrize(
    "text",
    ["1.2.3", "01.2.3.4", "256.1.1.1", "", "1.2.3.4 ", "0x7f.0.0.1", "::1"],
    ids=["three_parts", "leading_zero", "octet_too_large", "empty", "trailing_space", "hex",
         "ipv6"],
)
def test_conversions_inet_pton_ipv4_rejects_what_inet_aton_may_accept(impl, text):
    with pytest.raises(OSError) as excinfo:
        impl.inet_pton(AF_INET, text)
    _plain_oserror(excinfo, "illegal IP address string passed to inet_pton")


@spec("inet_pton", needs=["ipv6"])
@pytest.mark.parametrize(
    "text, packed",
    [
        ("::1", bytes(15) + b"\x01"),
        ("::", bytes(16)),
        ("2001:db8::1", b"\x20\x01\x0d\xb8" + bytes(11) + b"\x01"),
        ("2001:DB8::1", b"\x20\x01\x0d\xb8" + bytes(11) + b"\x01"),
        ("1:2:3:4:5:6:7:8", b"".join(struct.pack("!H", n) for n in range(1, 9))),
        ("::ffff:1.2.3.4", MAPPED),
        ("::FFFF:1.2.3.4", MAPPED),
    ],
    ids=["loopback", "any", "documentation", "upper_case", "full", "mapped", "mapped_upper"],
)
def test_conversions_inet_pton_ipv6(impl, text, packed):
    result = impl.inet_pton(AF_INET6, text)
    assert type(result) is bytes
    assert result == packed


@spec("inet_pton", needs=["ipv6"])
@pytest.mark.parametrize(
    "text",
    ["1:2:3:4:5:6:7:8:9", "1::2::3", ":::", "12345::", "::1%lo", "1.2.3.4", "::ffff:1.2.3", ""],
    ids=["nine_groups", "two_gaps", "three_colons", "group_too_long", "scope", "ipv4",
         "short_mapped", "empty"],
)
def test_conversions_inet_pton_ipv6_rejects_invalid_text(impl, text):
    with pytest.raises(OSError) as excinfo:
        impl.inet_pton(AF_INET6, text)
    _plain_oserror(excinfo, "illegal IP address string passed to inet_pton")


@spec("inet_pton")
@pytest.mark.parametrize(
    "family", [getattr(_socket, "AF_UNIX", 1), 12345], ids=["unix", "unknown"]
)
def test_conversions_inet_pton_unsupported_family_is_eafnosupport(impl, family):
    with pytest.raises(OSError) as excinfo:
        impl.inet_pton(family, "1.2.3.4")
    assert type(excinfo.value) is OSError
    assert excinfo.value.errno == errno.EAFNOSUPPORT
    assert excinfo.value.args == (errno.EAFNOSUPPORT, excinfo.value.strerror)


@spec("inet_pton")
@pytest.mark.parametrize(
    "args", [(AF_INET, b"1.2.3.4"), (AF_INET, 16909060), ("2", "1.2.3.4")],
    ids=["bytes_text", "int_text", "str_family"],
)
def test_conversions_inet_pton_argument_types(impl, args):
    with pytest.raises(TypeError):
        impl.inet_pton(*args)


@spec("inet_pton")
def test_conversions_inet_pton_embedded_null_is_valueerror(impl):
    with pytest.raises(ValueError) as excinfo:
        impl.inet_pton(AF_INET, "1.2.3.4\x00")
    assert str(excinfo.value) == "embedded null character"


# -- inet_ntop --------------------------------------------------------------------------------


@spec("inet_ntop")
@BUFFERS
def test_conversions_inet_ntop_ipv4_accepts_any_buffer(impl, buffer_type):
    result = impl.inet_ntop(AF_INET, buffer_type(b"\x01\x02\x03\x04"))
    assert type(result) is str
    assert result == "1.2.3.4"


@spec("inet_ntop", needs=["ipv6"])
@pytest.mark.parametrize(
    "packed, text",
    [
        (bytes(15) + b"\x01", "::1"),
        (bytes(16), "::"),
        (b"\x20\x01\x0d\xb8" + bytes(11) + b"\x01", "2001:db8::1"),
        (b"\x00\x01" * 8, "1:1:1:1:1:1:1:1"),
        (b"\x00\x01" + bytes(4) + b"\x00\x01" + bytes(6) + b"\x00\x01", "1:0:0:1::1"),
        (MAPPED, "::ffff:1.2.3.4"),
    ],
    ids=["loopback", "any", "documentation", "no_zeros", "longest_run", "mapped"],
)
def test_conversions_inet_ntop_ipv6_canonical_text(impl, packed, text):
    assert impl.inet_ntop(AF_INET6, packed) == text
    assert impl.inet_ntop(AF_INET6, memoryview(bytearray(packed))) == text


@spec("inet_ntop")
@pytest.mark.parametrize(
    "family, size",
    [(AF_INET, 3), (AF_INET, 5), (AF_INET, 16), (AF_INET6, 4), (AF_INET6, 15), (AF_INET6, 17)],
    ids=["v4_3", "v4_5", "v4_16", "v6_4", "v6_15", "v6_17"],
)
def test_conversions_inet_ntop_wrong_length_is_valueerror(impl, family, size):
    with pytest.raises(ValueError) as excinfo:
        impl.inet_ntop(family, bytes(size))
    assert type(excinfo.value) is ValueError
    assert str(excinfo.value) == "invalid length of packed IP address string"


@spec("inet_ntop")
@pytest.mark.parametrize("family", [getattr(_socket, "AF_UNIX", 1), 12345], ids=["unix", "unknown"])
def test_conversions_inet_ntop_unknown_family_is_valueerror(impl, family):
    with pytest.raises(ValueError) as excinfo:
        impl.inet_ntop(family, bytes(4))
    assert str(excinfo.value) == f"unknown address family {family}"


@spec("inet_ntop")
@pytest.mark.parametrize("value", ["1234", 16909060], ids=["str", "int"])
def test_conversions_inet_ntop_needs_a_bytes_like_object(impl, value):
    with pytest.raises(TypeError):
        impl.inet_ntop(AF_INET, value)


@spec("inet_pton", "inet_ntop", needs=["ipv6"])
@pytest.mark.parametrize(
    "family, text",
    [(AF_INET, "192.0.2.33"), (AF_INET6, "fe80::1:2"), (AF_INET6, "::ffff:127.0.0.1"),
     (AF_INET6, "2001:db8:0:1:1:1:1:1")],
    ids=["v4", "v6", "v6_mapped", "v6_single_zero"],
)
def test_conversions_inet_ntop_reverses_inet_pton(impl, family, text):
    assert impl.inet_ntop(family, impl.inet_pton(family, text)) == text


# -- byte order -------------------------------------------------------------------------------


@spec("htons", "ntohs")
@pytest.mark.parametrize("value", [0, 1, 0x1234, 0xFF00, 65535])
def test_conversions_htons_ntohs_swap_to_network_order(impl, value):
    network = struct.unpack("=H", struct.pack("!H", value))[0]
    assert impl.htons(value) == network
    assert impl.ntohs(network) == value
    assert type(impl.htons(value)) is int


@spec("htonl", "ntohl")
@pytest.mark.parametrize("value", [0, 1, 0x12345678, 0xFF000000, 2**32 - 1])
def test_conversions_htonl_ntohl_swap_to_network_order(impl, value):
    network = struct.unpack("=I", struct.pack("!I", value))[0]
    assert impl.htonl(value) == network
    assert impl.ntohl(network) == value
    assert type(impl.htonl(value)) is int


@spec("htons", "ntohs")
@pytest.mark.parametrize("name", ["htons", "ntohs"])
def test_conversions_short_negative_overflows(impl, name):
    with pytest.raises(OverflowError) as excinfo:
        getattr(impl, name)(-1)
    assert str(excinfo.value) == (
        f"{name}: can't convert negative Python int to C 16-bit unsigned integer"
    )


@spec("htons", "ntohs", needs=["htons_overflow_is_error"])
@pytest.mark.parametrize("name", ["htons", "ntohs"])
@pytest.mark.parametrize("value", [65536, 2**31 - 1], ids=["17_bits", "int_max"])
def test_conversions_short_above_16_bits_overflows(impl, name, value):
    with pytest.raises(OverflowError) as excinfo:
        getattr(impl, name)(value)
    assert str(excinfo.value) == (
        f"{name}: Python int too large to convert to C 16-bit unsigned integer"
    )


@spec("htons", "ntohs", needs=["htons_overflow_truncates"])
@pytest.mark.parametrize("name", ["htons", "ntohs"])
def test_conversions_short_above_16_bits_truncates_with_deprecation_warning(impl, name):
    with pytest.warns(DeprecationWarning) as warned:
        result = getattr(impl, name)(0x10001)
    assert result == getattr(impl, name)(1)
    assert [str(w.message) for w in warned] == [
        f"{name}: Python int too large to convert to C 16-bit unsigned integer "
        "(The silent truncation is deprecated)"
    ]


@spec("htons", "ntohs")
@pytest.mark.parametrize("name", ["htons", "ntohs"])
@pytest.mark.parametrize("value", [2**32, 2**64], ids=["33_bits", "65_bits"])
def test_conversions_short_beyond_c_int_overflows(impl, name, value):
    with pytest.raises(OverflowError):
        getattr(impl, name)(value)


@spec("htonl", "ntohl")
@pytest.mark.parametrize("name", ["htonl", "ntohl"])
@pytest.mark.parametrize(
    "value, message",
    [(2**32, "int larger than 32 bits"), (-1, "can't convert negative value to unsigned int")],
    ids=["33_bits", "negative"],
)
def test_conversions_long_out_of_range_overflows(impl, name, value, message):
    with pytest.raises(OverflowError) as excinfo:
        getattr(impl, name)(value)
    assert str(excinfo.value) == message


@spec("htonl", "ntohl")
@pytest.mark.parametrize("name", ["htonl", "ntohl"])
def test_conversions_long_beyond_c_long_overflows(impl, name):
    with pytest.raises(OverflowError):
        getattr(impl, name)(2**64)


@spec("htons", "ntohs", "htonl", "ntohl")
@pytest.mark.parametrize("name", ["htons", "ntohs", "htonl", "ntohl"])
@pytest.mark.parametrize("value", [1.0, "1", None], ids=["float", "str", "none"])
def test_conversions_byte_order_needs_an_int(impl, name, value):
    with pytest.raises(TypeError):
        getattr(impl, name)(value)


@spec("htons", "htonl")
def test_conversions_byte_order_accepts_bool(impl):
    assert impl.htons(True) == impl.htons(1)
    assert impl.htonl(True) == impl.htonl(1)


# -- interface names --------------------------------------------------------------------------


@spec("if_nameindex", needs=["loopback_interface"])
def test_conversions_if_nameindex_lists_the_loopback_interface(impl):
    entries = impl.if_nameindex()
    assert type(entries) is list
    assert all(type(i) is int and type(name) is str for i, name in entries)
    assert (_socket.if_nametoindex("lo"), "lo") in entries


@spec("if_nameindex", "if_nametoindex", "if_indextoname", needs=["loopback_interface"])
def test_conversions_if_nameindex_entries_round_trip(impl):
    for index, name in impl.if_nameindex():
        assert impl.if_nametoindex(name) == index
        assert impl.if_indextoname(index) == name


@spec("if_nameindex", needs=["loopback_interface"])
def test_conversions_if_nameindex_takes_no_arguments(impl):
    with pytest.raises(TypeError):
        impl.if_nameindex(1)


@spec("if_nametoindex", "if_indextoname", needs=["loopback_interface"])
@pytest.mark.parametrize("name", ["lo", b"lo"], ids=["str", "bytes"])
def test_conversions_if_nametoindex_loopback_round_trips(impl, name):
    index = impl.if_nametoindex(name)
    assert type(index) is int and index > 0
    assert index == _socket.if_nametoindex("lo")
    assert impl.if_indextoname(index) == "lo"


@spec("if_nametoindex", needs=["loopback_interface"])
@pytest.mark.parametrize("name", ["nosuchif0", "", "x" * 100], ids=["unknown", "empty", "long"])
def test_conversions_if_nametoindex_unknown_name(impl, name):
    with pytest.raises(OSError) as excinfo:
        impl.if_nametoindex(name)
    _plain_oserror(excinfo, "no interface with this name")


@spec("if_nametoindex", needs=["loopback_interface"])
@pytest.mark.parametrize("name", [1, None], ids=["int", "none"])
def test_conversions_if_nametoindex_needs_a_name(impl, name):
    with pytest.raises(TypeError):
        impl.if_nametoindex(name)


@spec("if_indextoname", needs=["loopback_interface"])
@pytest.mark.parametrize("index", [0, 2**32 - 1], ids=["zero", "uint_max"])
def test_conversions_if_indextoname_no_such_index_is_enxio(impl, index):
    with pytest.raises(OSError) as excinfo:
        impl.if_indextoname(index)
    assert type(excinfo.value) is OSError
    assert excinfo.value.errno == errno.ENXIO


@spec("if_indextoname", needs=["loopback_interface"])
@pytest.mark.parametrize("index", [-1, 2**64], ids=["negative", "65_bits"])
def test_conversions_if_indextoname_out_of_range_overflows(impl, index):
    with pytest.raises(OverflowError):
        impl.if_indextoname(index)


@spec("if_indextoname", needs=["loopback_interface", "if_indextoname_checks_32_bits"])
def test_conversions_if_indextoname_above_32_bits_overflows(impl):
    with pytest.raises(OverflowError) as excinfo:
        impl.if_indextoname(2**32 + 1)
    assert str(excinfo.value) == "index is too large"


@spec("if_indextoname", needs=["loopback_interface", "if_indextoname_truncates"])
def test_conversions_if_indextoname_above_32_bits_is_truncated(impl):
    # CPython before 3.13 cuts the index to its low 32 bits: 2**32 + lo's index names lo.
    index = _socket.if_nametoindex("lo")
    assert impl.if_indextoname(2**32 + index) == "lo"


@spec("if_indextoname", needs=["loopback_interface"])
@pytest.mark.parametrize("index", ["1", 1.0, None], ids=["str", "float", "none"])
def test_conversions_if_indextoname_needs_an_int(impl, index):
    with pytest.raises(TypeError):
        impl.if_indextoname(index)
