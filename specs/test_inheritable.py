"""socket.get_inheritable()/set_inheritable(): new sockets are non-inheritable (PEP 446),
whatever made them; the flag round-trips and is what the OS reports; a closed socket gives
EBADF."""

import _socket
import errno
import os
from contextlib import closing

import pytest

from fixtures import peers
from harness.model.spec import spec


@spec("socket.get_inheritable")
def test_inheritable_new_socket_is_not_inheritable(impl):
    with impl.socket() as sock:
        assert sock.get_inheritable() is False
        assert os.get_inheritable(sock.fileno()) is False


@spec("socket.set_inheritable", "socket.get_inheritable")
def test_inheritable_set_true_is_visible_to_the_os(impl):
    with impl.socket() as sock:
        sock.set_inheritable(True)
        assert os.get_inheritable(sock.fileno()) is True
        assert sock.get_inheritable() is True


@spec("socket.set_inheritable", "socket.get_inheritable")
def test_inheritable_set_false_again(impl):
    with impl.socket() as sock:
        sock.set_inheritable(True)
        sock.set_inheritable(False)
        assert os.get_inheritable(sock.fileno()) is False
        assert sock.get_inheritable() is False


@spec("socket.get_inheritable", "socket.set_inheritable")
@pytest.mark.parametrize("method, text", [
    ("get_inheritable", "Get the inheritable flag of the socket"),
    ("set_inheritable", "Set the inheritable flag of the socket"),
], ids=["get", "set"])
def test_inheritable_methods_say_what_they_do(impl, method, text):
    # what help(socket.socket) shows for them
    assert getattr(impl.socket, method).__doc__ == text


@spec("socket.get_inheritable")
def test_inheritable_get_reads_the_os_flag(impl):
    # The flag is not cached in the object: a change made through os is reported.
    with impl.socket() as sock:
        os.set_inheritable(sock.fileno(), True)
        assert sock.get_inheritable() is True
        os.set_inheritable(sock.fileno(), False)
        assert sock.get_inheritable() is False


@spec("socket.set_inheritable")
@pytest.mark.parametrize(
    "value, expected",
    [(1, True), (2, True), (0, False), (True, True)],
    ids=["one", "two", "zero", "true"],
)
def test_inheritable_set_accepts_integers(impl, value, expected):
    with impl.socket() as sock:
        sock.set_inheritable(not expected)
        sock.set_inheritable(value)
        assert os.get_inheritable(sock.fileno()) is expected


@spec("socket.get_inheritable", "socket.set_inheritable")
@pytest.mark.parametrize("method", ["get", "set"])
def test_inheritable_on_closed_socket_raises_ebadf(impl, method):
    sock = impl.socket()
    sock.close()
    with pytest.raises(OSError) as info:
        if method == "get":
            sock.get_inheritable()
        else:
            sock.set_inheritable(True)
    assert info.value.errno == errno.EBADF


@spec("socket.dup", "socket.get_inheritable")
def test_inheritable_dup_of_inheritable_socket_is_not_inheritable(impl):
    with impl.socket() as sock:
        sock.set_inheritable(True)
        with sock.dup() as copy:
            assert os.get_inheritable(copy.fileno()) is False
            copy.set_inheritable(False)
            assert os.get_inheritable(sock.fileno()) is True


@spec("fromfd", "socket.get_inheritable")
def test_inheritable_fromfd_of_inheritable_fd_is_not_inheritable(impl):
    raw = peers.raw_socket()
    with closing(raw):
        os.set_inheritable(raw.fileno(), True)
        with impl.fromfd(raw.fileno(), _socket.AF_INET, _socket.SOCK_STREAM) as sock:
            assert sock.fileno() != raw.fileno()
            assert os.get_inheritable(sock.fileno()) is False
            assert os.get_inheritable(raw.fileno()) is True


@spec("socket.accept", "socket.get_inheritable")
def test_inheritable_accepted_socket_is_not_inheritable(impl):
    with impl.create_server(("127.0.0.1", 0)) as server:
        server.set_inheritable(True)
        server.settimeout(peers.PEER_TIMEOUT)
        client = peers.raw_socket()
        with closing(client):
            client.connect(server.getsockname())
            conn, _ = server.accept()
            with conn:
                assert os.get_inheritable(conn.fileno()) is False


@spec("create_connection", "create_server", "socket.get_inheritable")
def test_inheritable_module_helpers_make_non_inheritable_sockets(impl):
    with impl.create_server(("127.0.0.1", 0)) as server:
        assert os.get_inheritable(server.fileno()) is False
        with impl.create_connection(server.getsockname(), peers.PEER_TIMEOUT) as client:
            assert os.get_inheritable(client.fileno()) is False
