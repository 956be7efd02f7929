"""Guards: what a spec leaves behind makes it an error; off-loopback traffic is refused."""

from __future__ import annotations

import _socket

_AF_INET = _socket.AF_INET
_AF_INET6 = _socket.AF_INET6


def test_leaked_descriptor_is_an_error(project):
    project.spec_file("area", """
        import os

        LEAKED = []

        @spec("socket.detach")
        def test_leaks_fd(impl):
            sock = impl.socket()
            LEAKED.append(sock.detach())
            assert LEAKED[0] >= 0
    """)
    result = project.run(subprocess=True)
    record = project.records()["leaks_fd"]
    assert record["outcome"] == "error"
    assert "left 1 file descriptor(s) open" in record["message"]
    assert record["leaks"] == [{"kind": "descriptor", "count": 1, "items": [record["leaks"][0]["items"][0]],
                                "text": record["leaks"][0]["text"]}]
    assert record["leaks"][0]["text"] in record["message"]
    assert result.ret == 1
    # the bench's guards-off runs: the same spec, nothing checked
    result = project.run("--sockspec-no-guards", subprocess=True)
    assert project.records()["leaks_fd"]["outcome"] == "pass"
    assert project.records()["leaks_fd"]["leaks"] == []
    assert result.ret == 0


def test_descriptor_closed_by_the_collector_is_not_a_leak(project):
    project.spec_file("area", """
        @spec("socket.close")
        def test_cycle(impl):
            sock = impl.socket()
            holder = {"sock": sock}
            holder["self"] = holder
    """)
    result = project.run("-W", "ignore::ResourceWarning", subprocess=True)
    assert project.records()["cycle"]["outcome"] == "pass"
    assert result.ret == 0


def test_leaked_thread_is_an_error(project):
    project.spec_file("area", """
        import threading

        STOP = threading.Event()

        @spec("socket.close")
        def test_leaks_thread(impl):
            threading.Thread(target=STOP.wait, args=(30,), name="leaky", daemon=True).start()

        @spec("socket.close")
        def test_zz_releases(impl):
            STOP.set()
    """)
    result = project.run("-p", "no:randomly", subprocess=True)
    records = project.records()
    assert records["leaks_thread"]["outcome"] == "error"
    assert "left 1 thread(s) running: leaky" in records["leaks_thread"]["message"]
    assert result.ret == 1


def test_leaked_child_process_is_an_error(project):
    project.spec_file("area", """
        import subprocess, sys

        CHILDREN = []

        @spec("socket.close")
        def test_leaks_child(impl):
            CHILDREN.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"]))

        @spec("socket.close")
        def test_zz_cleanup(impl):
            for child in CHILDREN:
                child.kill()
                child.wait(10)
    """)
    project.run(subprocess=True)
    records = project.records()
    assert records["leaks_child"]["outcome"] == "error"
    assert "left 1 child process(es)" in records["leaks_child"]["message"]


def test_connect_outside_loopback_is_refused_before_any_traffic(project):
    project.spec_file("area", """
        @spec("create_connection")
        def test_goes_out(impl):
            impl.create_connection(("192.0.2.1", 9), timeout=5)
    """)
    result = project.run(subprocess=True)
    record = project.records()["goes_out"]
    assert record["outcome"] == "error"
    assert "LoopbackViolation" in record["message"]
    assert "socket.connect to ('192.0.2.1', 9) refused" in record["message"]
    assert result.ret == 1


def test_swallowed_violation_still_fails_the_spec(project):
    project.spec_file("area", """
        @spec("socket.sendto")
        def test_swallows(impl):
            sock = impl.socket(impl.AF_INET, impl.SOCK_DGRAM)
            try:
                sock.sendto(b"x", ("198.51.100.7", 9))
            except Exception:
                pass
            finally:
                sock.close()
    """)
    project.run(subprocess=True)
    record = project.records()["swallows"]
    assert record["outcome"] == "error"
    assert "socket.sendto to ('198.51.100.7', 9) refused" in record["message"]


def test_wildcard_bind_is_refused(project):
    project.spec_file("area", """
        @spec("socket.bind")
        def test_binds_everywhere(impl):
            with impl.socket() as sock:
                sock.bind(("0.0.0.0", 0))
    """)
    project.run(subprocess=True)
    record = project.records()["binds_everywhere"]
    assert record["outcome"] == "error"
    assert "socket.bind to ('0.0.0.0', 0) refused" in record["message"]


def test_loopback_and_unix_are_allowed(project, tmp_path):
    project.spec_file("area", f"""
        @spec("socket.bind")
        def test_local(impl):
            with impl.socket() as tcp:
                tcp.bind(("127.0.0.2", 0))
                assert tcp.getsockname()[0] == "127.0.0.2"
            with impl.socket(impl.AF_UNIX) as unix:
                unix.bind({str(tmp_path / "sock")!r})
    """)
    result = project.run(subprocess=True)
    assert project.records()["local"]["outcome"] == "pass"
    assert result.ret == 0


def test_lookup_of_a_name_the_host_files_do_not_answer_is_refused_before_the_query(project):
    # The audit hook raises inside the call, before the C resolver runs: the spec meets the
    # guard's LoopbackViolation, not the gaierror a lookup that was made would give.
    project.spec_file("area", """
        from harness.runner.guards import LoopbackViolation

        SEEN = []

        @spec("gethostbyname")
        def test_looks_up_a_name(impl):
            try:
                impl.gethostbyname("example.invalid")
            except BaseException as exc:
                SEEN.append(exc)
                raise

        @spec("gethostbyname")
        def test_zz_what_it_met(impl):
            assert [type(e) for e in SEEN] == [LoopbackViolation]
    """)
    result = project.run("-p", "no:randomly", subprocess=True)
    records = project.records()
    record = records["looks_up_a_name"]
    assert record["outcome"] == "error"
    assert "socket.gethostbyname of 'example.invalid' refused" in record["message"]
    assert "names the host's own files answer" in record["message"]
    assert records["zz_what_it_met"]["outcome"] == "pass"
    assert result.ret == 1


def test_swallowed_lookup_refusal_still_fails_the_spec(project):
    project.spec_file("area", """
        import _socket

        @spec("getaddrinfo")
        def test_swallows_lookup(impl):
            try:
                impl.getaddrinfo("example.invalid", 80, _socket.AF_INET, _socket.SOCK_STREAM)
            except Exception:
                pass
    """)
    project.run(subprocess=True)
    record = project.records()["swallows_lookup"]
    assert record["outcome"] == "error"
    assert "socket.getaddrinfo of 'example.invalid' refused" in record["message"]


def test_reverse_lookup_of_an_address_the_host_files_do_not_list_is_refused(project):
    # 192.0.2.1 is in no hosts file: its reverse lookup would be a DNS query.
    project.spec_file("area", """
        @spec("gethostbyaddr")
        def test_reverse(impl):
            impl.gethostbyaddr("192.0.2.1")
    """)
    project.run(subprocess=True)
    record = project.records()["reverse"]
    assert record["outcome"] == "error"
    assert "socket.gethostbyaddr of '192.0.2.1' refused" in record["message"]


def test_numeric_lookups_make_no_query_and_are_allowed(project):
    project.spec_file("area", """
        import _socket

        @spec("getaddrinfo", "gethostbyname")
        def test_numeric(impl):
            found = impl.getaddrinfo(
                "192.0.2.1", 80, _socket.AF_INET, _socket.SOCK_STREAM, 0, _socket.AI_NUMERICHOST
            )
            assert [r[4] for r in found] == [("192.0.2.1", 80)]
            assert impl.gethostbyname("127.0.0.1") == "127.0.0.1"
            assert isinstance(impl.gethostname(), str)
    """)
    result = project.run(subprocess=True)
    assert project.records()["numeric"]["outcome"] == "pass"
    assert result.ret == 0


def test_names_are_judged_by_the_host_files(tmp_path):
    from harness.model.hosts import HostsFile
    from harness.runner.guards import lookup_refusal

    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost box # comment\n::1 ip6-localhost\n10.0.0.7 lan\n")
    nsswitch = tmp_path / "nsswitch.conf"
    nsswitch.write_text("hosts: files dns\n")
    files = HostsFile.read(str(hosts), str(nsswitch))

    def refused(event, *args):
        return lookup_refusal(event, args, files) is not None

    assert not refused("socket.getaddrinfo", "localhost", 80, 0, 0, 0)
    assert not refused("socket.getaddrinfo", "LOCALHOST", 80, _AF_INET, 0, 0)
    assert not refused("socket.getaddrinfo", "localhost", 80, _AF_INET6, 0, 0)  # family not judged
    assert not refused("socket.getaddrinfo", "", 80, 0, 0, 0)
    assert not refused("socket.getaddrinfo", "ip6-localhost", 80, _AF_INET6, 0, 0)
    assert refused("socket.getaddrinfo", "localhost.", 80, 0, 0, 0)
    assert refused("socket.getaddrinfo", "example.invalid", 80, 0, 0, 0)
    assert not refused("socket.getaddrinfo", None, 80, 0, 0, 0)
    assert not refused("socket.getaddrinfo", "198.51.100.1", 80, 0, 0, 0)
    assert not refused("socket.getaddrinfo", b"fe80::1%lo", 80, 0, 0, 0)
    assert not refused("socket.gethostbyname", "127.1")
    assert not refused("socket.gethostbyname", "")
    assert refused("socket.gethostbyname", "ip6-localhost.")
    assert refused("socket.gethostbyname", "1.2.3.4.5")
    assert not refused("socket.gethostbyaddr", "127.0.0.1")
    assert not refused("socket.gethostbyaddr", "10.0.0.7")
    assert not refused("socket.gethostbyaddr", "box")
    assert refused("socket.gethostbyaddr", "127.0.0.2")
    assert refused("socket.gethostbyaddr", "")
    assert not refused("socket.getnameinfo", ("::1", 80, 0, 0))
    assert refused("socket.getnameinfo", ("192.0.2.1", 80))
    assert refused("socket.getnameinfo", ["192.0.2.1", 80])  # PyPy audits before the shape check
    assert not refused("socket.getnameinfo", ())
    assert not refused("socket.getnameinfo", (127, 80))
    assert not refused("socket.getservbyname", "http", None)
    assert not refused("socket.gethostname")
    assert refused("socket.sethostname", "renamed")

    nsswitch.write_text("hosts: dns files\n")
    dns_first = HostsFile.read(str(hosts), str(nsswitch))
    assert lookup_refusal("socket.getaddrinfo", ("localhost", 80, 0, 0, 0), dns_first)
    assert lookup_refusal("socket.getaddrinfo", ("127.0.0.1", 80, 0, 0, 0), dns_first) is None


def test_a_known_refused_lookup_is_an_xfail_and_no_guard_error(project):
    # an implementation whose divergence is a lookup the guard refuses (eventlet's getfqdn
    # asks the host's resolver instead of the module's functions): the refusal is its
    # known failure, whether it propagates or is swallowed
    project.spec_file("area", """
        @spec("gethostbyname")
        def test_refusal_propagates(impl):
            impl.gethostbyname("sockspec-refused.invalid")

        @spec("gethostbyname")
        def test_refusal_swallowed(impl):
            try:
                impl.gethostbyname("sockspec-refused.invalid")
            except Exception:
                pass

        @spec("gethostbyname")
        def test_refusal_not_known(impl):
            impl.gethostbyname("sockspec-refused.invalid")
    """)
    known = project.expectations("""
        format = 2
        [causes.asks-the-resolver]
        reason = "asks the host's resolver"
        link = "none reported"
        fingerprint = { exception = "LoopbackViolation" }
        [specs]
        refusal_propagates = { cause = "asks-the-resolver" }
        refusal_swallowed = { cause = "asks-the-resolver" }
    """)
    result = project.run("--impl", "socket", "--expectations", str(known), subprocess=True)
    records = project.records()
    assert records["refusal_propagates"]["outcome"] == "xfail"
    assert records["refusal_swallowed"]["outcome"] == "xfail"
    assert records["refusal_swallowed"]["fingerprint"] == {"exception": "LoopbackViolation",
                                                          "errno": None}
    assert records["refusal_not_known"]["outcome"] == "error"
    assert "refused" in records["refusal_not_known"]["message"]
    assert result.ret == 1
