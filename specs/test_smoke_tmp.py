from harness.spec import spec
from fixtures.peers import fd_is_open


@spec("socketpair")
def test_tmp_socketpair_roundtrip(impl):
    a, b = impl.socketpair()
    with a, b:
        a.sendall(b"hi")
        assert b.recv(2) == b"hi"


@spec("socket.close", since="3.14")
def test_tmp_future(impl):
    assert False


@spec("socket.makefile", needs=["af_unix"])
def test_tmp_makefile(impl, unix_pair):
    sock, peer = unix_pair
    f = sock.makefile("rb")
    peer.sendall(b"line\n")
    assert f.readline() == b"line\n"
    fd = sock.fileno()
    sock.close()
    assert fd_is_open(fd)
    f.close()
    assert not fd_is_open(fd)
