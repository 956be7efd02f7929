"""Guards: what a spec leaves behind makes it an error; off-loopback traffic is refused."""

from __future__ import annotations


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
    assert result.ret == 1


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
