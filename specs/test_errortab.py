"""errorTab: the Windows-only table of WSA/Win32 error codes to messages. It must be absent
(and not exported) elsewhere; on Windows it is a dict of int -> str listed in ``__all__``.

The Windows specs run on a real Windows host; a persona that simulates the Windows branch on
another OS is expected to reuse them later.
"""

from harness.model.spec import spec

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
