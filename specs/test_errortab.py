"""errorTab: the Windows-only table of WSA/Win32 error codes to messages. It must be absent
(and not exported) elsewhere; on Windows it is a dict of int -> str listed in ``__all__``.

The Windows specs run on a Windows host, and under the windows persona (the implementation's
Windows branch, loaded on this host).
"""

from harness.model.spec import spec

#: The texts that change between versions: 10035 gains its period in 3.11, and gh-148599
#: corrects 10014, 11004 and 11020 on main. Each has a spec of its own below.
VERSIONED_CODES = frozenset({10014, 10035, 11004, 11020})

#: Every other entry, the same in every CPython version from 3.8 to main.
UNCHANGING_TABLE = {
    6: "Specified event object handle is invalid.",
    8: "Insufficient memory available.",
    87: "One or more parameters are invalid.",
    995: "Overlapped operation aborted.",
    996: "Overlapped I/O event object not in signaled state.",
    997: "Overlapped operation will complete later.",
    10004: "The operation was interrupted.",
    10009: "A bad file handle was passed.",
    10013: "Permission denied.",
    10022: "An invalid operation was attempted.",
    10024: "Too many open files.",
    10036: "A blocking operation is already in progress.",
    10037: "Operation already in progress.",
    10038: "Socket operation on nonsocket.",
    10039: "Destination address required.",
    10040: "Message too long.",
    10041: "Protocol wrong type for socket.",
    10042: "Bad protocol option.",
    10043: "Protocol not supported.",
    10044: "Socket type not supported.",
    10045: "Operation not supported.",
    10046: "Protocol family not supported.",
    10047: "Address family not supported by protocol family.",
    10048: "The network address is in use.",
    10049: "Cannot assign requested address.",
    10050: "Network is down.",
    10051: "Network is unreachable.",
    10052: "Network dropped connection on reset.",
    10053: "Software caused connection abort.",
    10054: "The connection has been reset.",
    10055: "No buffer space available.",
    10056: "Socket is already connected.",
    10057: "Socket is not connected.",
    10058: "The network has been shut down.",
    10059: "Too many references.",
    10060: "The operation timed out.",
    10061: "Connection refused.",
    10062: "Cannot translate name.",
    10063: "The name is too long.",
    10064: "The host is down.",
    10065: "The host is unreachable.",
    10066: "Directory not empty.",
    10067: "Too many processes.",
    10068: "User quota exceeded.",
    10069: "Disk quota exceeded.",
    10070: "Stale file handle reference.",
    10071: "Item is remote.",
    10091: "Network subsystem is unavailable.",
    10092: "Winsock.dll version out of range.",
    10093: "Successful WSAStartup not yet performed.",
    10101: "Graceful shutdown in progress.",
    10102: "No more results from WSALookupServiceNext.",
    10103: "Call has been canceled.",
    10104: "Procedure call table is invalid.",
    10105: "Service provider is invalid.",
    10106: "Service provider failed to initialize.",
    10107: "System call failure.",
    10108: "Service not found.",
    10109: "Class type not found.",
    10110: "No more results from WSALookupServiceNext.",
    10111: "Call was canceled.",
    10112: "Database query was refused.",
    11001: "Host not found.",
    11002: "Nonauthoritative host not found.",
    11003: "This is a nonrecoverable error.",
    11005: "QoS receivers.",
    11006: "QoS senders.",
    11007: "No QoS senders.",
    11008: "QoS no receivers.",
    11009: "QoS request confirmed.",
    11010: "QoS admission error.",
    11011: "QoS policy failure.",
    11012: "QoS bad style.",
    11013: "QoS bad object.",
    11014: "QoS traffic control error.",
    11015: "QoS generic error.",
    11016: "QoS service type error.",
    11017: "QoS flowspec error.",
    11018: "Invalid QoS provider buffer.",
    11019: "Invalid QoS filter style.",
    11021: "Incorrect QoS filter count.",
    11022: "Invalid QoS object length.",
    11023: "Incorrect QoS flow count.",
    11024: "Unrecognized QoS object.",
    11025: "Invalid QoS policy object.",
    11026: "Invalid QoS flow descriptor.",
    11027: "Invalid QoS provider-specific flowspec.",
    11028: "Invalid QoS provider-specific filterspec.",
    11029: "Invalid QoS shape discard mode object.",
    11030: "Invalid QoS shaping rate object.",
    11031: "Reserved policy QoS element type.",
}

#: Entries whose text is the same in every CPython version from 3.8 to 3.13 (and on main).
STABLE_ENTRIES = {
    10004: "The operation was interrupted.",
    10009: "A bad file handle was passed.",
    10013: "Permission denied.",
    10048: "The network address is in use.",
    10054: "The connection has been reset.",
    10060: "The operation timed out.",
    10061: "Connection refused.",
    11001: "Host not found.",
}


@spec("errorTab", platforms=["linux", "darwin"])
def test_errortab_absent_outside_windows(impl):
    assert not hasattr(impl, "errorTab")


@spec("errorTab", platforms=["linux", "darwin"])
def test_errortab_not_in_all_outside_windows(impl):
    assert "errorTab" not in impl.__all__


@spec("errorTab", platforms=["linux", "darwin"])
def test_errortab_not_bound_by_star_import_outside_windows(impl):
    namespace = {}
    exec(f"from {impl.__name__} import *", namespace)  # a star import, on purpose
    assert "errorTab" not in namespace
    assert "create_connection" in namespace


@spec("errorTab", platforms=["win32"])
def test_errortab_is_a_dict_of_codes_to_messages_on_windows(impl):
    table = impl.errorTab
    assert type(table) is dict
    assert table
    assert all(type(code) is int and type(text) is str and text for code, text in table.items())


@spec("errorTab", platforms=["win32"])
def test_errortab_listed_in_all_on_windows(impl):
    assert "errorTab" in impl.__all__


@spec("errorTab", platforms=["win32"])
def test_errortab_common_wsa_messages_on_windows(impl):
    assert {code: impl.errorTab.get(code) for code in STABLE_ENTRIES} == STABLE_ENTRIES


@spec("errorTab", platforms=["win32"], since="3.11")
def test_errortab_would_block_message_ends_with_period_on_windows(impl):
    assert impl.errorTab[10035] == "The socket operation would block."


@spec("errorTab", platforms=["win32"], before="3.11")
def test_errortab_would_block_message_without_period_before_311_on_windows(impl):
    assert impl.errorTab[10035] == "The socket operation would block"


@spec("errorTab", platforms=["win32"], since="3.15")
def test_errortab_texts_corrected_on_main(impl):
    # gh-148599: the three texts of CPython 3.8-3.14 described the wrong error or misspelled it.
    assert {code: impl.errorTab[code] for code in (10014, 11004, 11020)} == {
        10014: "An invalid pointer was passed.",
        11004: "Valid name, no data record of requested type.",
        11020: "Invalid QoS filter type.",
    }


@spec("errorTab", platforms=["win32"])
def test_errortab_holds_exactly_the_windows_codes(impl):
    # Every code (a mistyped or missing one makes .get() answer None for a real error) and
    # every text but the versioned four.
    table = impl.errorTab
    assert set(table) == set(UNCHANGING_TABLE) | VERSIONED_CODES
    assert {code: text for code, text in table.items() if code not in VERSIONED_CODES} == (
        UNCHANGING_TABLE)
