"""Behaviour on a real host of a given shape: IPv4-only, or dual-stack with the wildcard free.

Each spec runs its scenario in a fresh network namespace (fixtures/netns.py): a private
host with nothing but its own loopback, where IPv6 can really be off and binding the
wildcard address reaches nobody. Where namespaces are unavailable the specs are n/a; under a
persona too, since the private host is the real thing a persona only imitates.
"""

from __future__ import annotations

import inspect

from fixtures.peers import host_allows_dualstack
from harness.model.spec import spec

LISTEN_V4 = """
srv = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(4)
port = srv.getsockname()[1]
"""


@spec("has_dualstack_ipv6", needs=["netns"], personas=["native"])
def test_isolated_host_dualstack_answer_matches_what_the_host_allows(ipv4_only_host):
    result = ipv4_only_host.result(inspect.getsource(host_allows_dualstack) + """
result = {"answer": impl.has_dualstack_ipv6(), "host": host_allows_dualstack()}
""")
    assert result["answer"] is result["host"]


@spec("create_server", needs=["netns"], personas=["native"])
def test_isolated_host_ipv4_only_create_server_on_ipv4_loopback(ipv4_only_host):
    result = ipv4_only_host.result("""
with impl.create_server(("127.0.0.1", 0)) as server:
    accepting = server.getsockopt(_socket.SOL_SOCKET, _socket.SO_ACCEPTCONN)
    result = {"family": int(server.family), "accepting": accepting,
              "cls": type(server) is impl.socket}
""")
    assert result == {"family": 2, "accepting": 1, "cls": True}


@spec("create_server", needs=["netns"], personas=["native"])
def test_isolated_host_ipv4_only_create_server_ipv6_fails_naming_the_address(ipv4_only_host):
    outcome = ipv4_only_host.run("""
impl.create_server(("::1", 0), family=impl.AF_INET6)
""")
    assert outcome["exception"] == "OSError"
    assert outcome["errno"] == "EADDRNOTAVAIL"
    assert "(while attempting to bind on address ('::1', 0))" in outcome["message"]


@spec("create_connection", needs=["netns"], personas=["native"])
def test_isolated_host_ipv4_only_create_connection_to_localhost(ipv4_only_host):
    result = ipv4_only_host.result(LISTEN_V4 + """
with impl.create_connection(("localhost", port), timeout=10) as conn:
    fd, _ = srv._accept()
    _socket.socket(fileno=fd).close()
    result = {"family": int(conn.family), "peer": list(conn.getpeername())}
srv.close()
""")
    assert result["family"] == 2
    assert result["peer"][0] == "127.0.0.1"


@spec("create_connection", needs=["netns"], personas=["native"])
def test_isolated_host_ipv4_only_create_connection_to_ipv6_loopback_fails(ipv4_only_host):
    outcome = ipv4_only_host.run("""
impl.create_connection(("::1", 9), timeout=10)
""")
    assert outcome["exception"] in ("OSError", "ConnectionRefusedError")
    assert outcome["errno"] in ("EADDRNOTAVAIL", "ENETUNREACH", "ECONNREFUSED")


@spec("create_server", needs=["netns"], personas=["native"])
def test_isolated_host_dualstack_server_accepts_ipv4_and_ipv6_clients(dual_stack_host):
    result = dual_stack_host.result("""
with impl.create_server(("::", 0), family=impl.AF_INET6, dualstack_ipv6=True) as server:
    port = server.getsockname()[1]
    server.settimeout(10)
    peers = []
    for family, host in ((_socket.AF_INET, "127.0.0.1"), (_socket.AF_INET6, "::1")):
        client = _socket.socket(family, _socket.SOCK_STREAM)
        client.settimeout(10)
        client.connect((host, port))
        conn, addr = server.accept()
        with conn:
            peers.append(addr[0])
        client.close()
    v6only = server.getsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY)
    result = {"peers": peers, "v6only": v6only}
""")
    assert result["v6only"] == 0
    assert result["peers"] == ["::ffff:127.0.0.1", "::1"]


@spec("create_server", needs=["netns"], personas=["native"])
def test_isolated_host_ipv6_server_without_dualstack_refuses_ipv4(dual_stack_host):
    result = dual_stack_host.result("""
with impl.create_server(("::", 0), family=impl.AF_INET6) as server:
    port = server.getsockname()[1]
    client = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    client.settimeout(10)
    try:
        client.connect(("127.0.0.1", port))
        refused = False
    except ConnectionRefusedError:
        refused = True
    finally:
        client.close()
    v6only = server.getsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY)
    result = {"refused": refused, "v6only": v6only}
""")
    assert result == {"refused": True, "v6only": 1}


@spec("has_dualstack_ipv6", "create_server", needs=["netns"], personas=["native"])
def test_isolated_host_ipv4_only_dualstack_server_on_wildcard_serves_ipv4(ipv4_only_host):
    # IPv6 switched off by sysctl still lets AF_INET6 sockets be made and IPV6_V6ONLY be
    # cleared: has_dualstack_ipv6() asks about sockets, not addresses, and says True; a
    # dual-stack server on '::' then serves IPv4 clients through IPv4-mapped addresses.
    result = ipv4_only_host.result("""
answer = impl.has_dualstack_ipv6()
with impl.create_server(("::", 0), family=impl.AF_INET6, dualstack_ipv6=True) as server:
    port = server.getsockname()[1]
    server.settimeout(10)
    client = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    client.settimeout(10)
    try:
        client.connect(("127.0.0.1", port))
        conn, addr = server.accept()
        conn.close()
    finally:
        client.close()
result = {"answer": answer, "peer": addr[0]}
""")
    assert result == {"answer": True, "peer": "::ffff:127.0.0.1"}
