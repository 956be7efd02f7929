"""getfqdn(): which names mean "this host" ('', '0.0.0.0', '::' from gh-100374), stripping,
the choice among gethostbyaddr()'s names (first one containing a dot), and the failure paths.

Most specs replace the module's ``gethostbyaddr``/``gethostname`` globals (which getfqdn looks
up at call time, as CPython's does) with fakes, so the answer does not depend on the host's
resolver configuration.
"""

import _socket

import pytest

from harness.model.spec import spec

FAKE_HOSTNAME = "sockspec-host"


@pytest.fixture
def resolver(impl, monkeypatch):
    """Fake ``gethostname``/``gethostbyaddr``; ``resolver.answer`` is what lookups return
    (a triple, or an exception instance to raise); ``resolver.lookups`` records names."""

    class Resolver:
        answer = ("answer-host", [], ["127.0.0.1"])
        lookups = []

    def gethostbyaddr(name):
        Resolver.lookups.append(name)
        if isinstance(Resolver.answer, BaseException):
            raise Resolver.answer
        return Resolver.answer

    monkeypatch.setattr(impl, "gethostname", lambda: FAKE_HOSTNAME)
    monkeypatch.setattr(impl, "gethostbyaddr", gethostbyaddr)
    return Resolver


# -- choosing among the names --------------------------------------------------------------------


@spec("getfqdn")
def test_getfqdn_returns_first_alias_containing_a_dot(impl, resolver):
    resolver.answer = ("short", ["alias", "first.example", "second.example"], ["127.0.0.1"])
    assert impl.getfqdn("name.test") == "first.example"


@spec("getfqdn")
def test_getfqdn_prefers_dotted_primary_hostname(impl, resolver):
    resolver.answer = ("primary.example", ["alias.example"], ["127.0.0.1"])
    assert impl.getfqdn("name.test") == "primary.example"
    # before every alias, not only the last
    resolver.answer = ("primary.example", ["alias.example", "other.example", "last"], [])
    assert impl.getfqdn("name.test") == "primary.example"


@spec("getfqdn")
def test_getfqdn_without_dotted_name_returns_primary_hostname(impl, resolver):
    resolver.answer = ("primary", ["alias", "other"], ["127.0.0.1"])
    assert impl.getfqdn("name.test") == "primary"


@spec("getfqdn")
def test_getfqdn_with_no_aliases_returns_primary_hostname(impl, resolver):
    resolver.answer = ("primary", [], [])
    assert impl.getfqdn("name") == "primary"


@spec("getfqdn")
def test_getfqdn_looks_up_the_stripped_name(impl, resolver):
    resolver.answer = ("primary.example", [], ["127.0.0.1"])
    assert impl.getfqdn("  \tname.test \n") == "primary.example"
    assert resolver.lookups == ["name.test"]


# -- this host ------------------------------------------------------------------------------------------


@spec("getfqdn")
@pytest.mark.parametrize(
    "name", ["", "0.0.0.0", "   ", " 0.0.0.0\n"], ids=["empty", "any4", "blank", "any4_padded"]
)
def test_getfqdn_local_host_names_use_gethostname(impl, resolver, name):
    resolver.answer = ("me.example", [], ["127.0.0.1"])
    assert impl.getfqdn(name) == "me.example"
    assert resolver.lookups == [FAKE_HOSTNAME]


@spec("getfqdn", since="3.10")
@pytest.mark.parametrize("name", ["::", "  ::  "], ids=["any6", "any6_padded"])
def test_getfqdn_ipv6_any_address_means_local_host(impl, resolver, name):
    # gh-100374 (3.10.10+, 3.11+): '::' is treated like '0.0.0.0'.
    resolver.answer = ("me.example", [], ["::1"])
    assert impl.getfqdn(name) == "me.example"
    assert resolver.lookups == [FAKE_HOSTNAME]


@spec("getfqdn")
def test_getfqdn_default_argument_means_local_host(impl, resolver):
    resolver.answer = ("me", ["me.example"], ["127.0.0.1"])
    assert impl.getfqdn() == "me.example"
    assert resolver.lookups == [FAKE_HOSTNAME]


@spec("getfqdn")
def test_getfqdn_local_host_lookup_failure_returns_hostname(impl, resolver):
    resolver.answer = _socket.herror(1, "Unknown host")
    assert impl.getfqdn("") == FAKE_HOSTNAME


# -- failures ---------------------------------------------------------------------------------------------


@spec("getfqdn")
@pytest.mark.parametrize(
    "error",
    [
        _socket.herror(1, "Unknown host"),
        _socket.gaierror(-2, "Name or service not known"),
        OSError(99, "anything"),
        TimeoutError("timed out"),
    ],
    ids=["herror", "gaierror", "oserror", "timeout"],
)
def test_getfqdn_lookup_error_returns_stripped_name(impl, resolver, error):
    resolver.answer = error
    assert impl.getfqdn("  name.test  ") == "name.test"


@spec("getfqdn")
def test_getfqdn_non_oserror_from_lookup_propagates(impl, resolver):
    resolver.answer = RuntimeError("not a socket error")
    with pytest.raises(RuntimeError, match="not a socket error"):
        impl.getfqdn("name.test")


@spec("getfqdn")
def test_getfqdn_none_raises_attribute_error(impl):
    with pytest.raises(AttributeError):
        impl.getfqdn(None)


# -- the real resolver -------------------------------------------------------------------------------------


@spec("getfqdn", needs=["hosts_localhost"])
@pytest.mark.parametrize("name", ["localhost", "  localhost\t"], ids=["plain", "padded"])
def test_getfqdn_hosts_file_name_is_looked_up_stripped(impl, name):
    hostname, aliases, _ = _socket.gethostbyaddr("localhost")
    expected = next((n for n in [hostname, *aliases] if "." in n), hostname)
    assert impl.getfqdn(name) == expected


@spec("getfqdn")
def test_getfqdn_loopback_address_matches_gethostbyaddr(impl):
    hostname, aliases, _ = _socket.gethostbyaddr("127.0.0.1")
    expected = next((n for n in [hostname, *aliases] if "." in n), hostname)
    assert impl.getfqdn("127.0.0.1") == expected


@spec("getfqdn")
def test_getfqdn_overlong_label_raises_unicode_error(impl):
    # The IDNA encoding of a 64-character label fails before any lookup; the error is not
    # an OSError, so it is not turned into "return the name".
    with pytest.raises(UnicodeError):
        impl.getfqdn("a" * 64 + ".invalid")
