"""File descriptor passing properties: send_fds() and recv_fds() over AF_UNIX.

* Any list of up to 24 descriptors (duplicates allowed, of pipes, regular files and sockets),
  sent with any payload over a stream, datagram or seqpacket socket pair, arrives whole: the
  same payload, as many new descriptors, each referring to the same open file as the one sent
  in its place (same inode, shared file status flags and offset), and no MSG_CTRUNC.
* With ``maxfds`` smaller than the list, Linux delivers the first ``maxfds`` of them, sets
  MSG_CTRUNC in the returned flags, and leaves none of the others open in the receiver.
"""

from __future__ import annotations

import _socket
import os
import tempfile

from hypothesis import given
from hypothesis import strategies as st

from fixtures.properties import DELIVERY_TIMEOUT, budget, open_descriptors
from harness.model.spec import spec

MAX_FDS = 24
KINDS = {
    "stream": _socket.SOCK_STREAM,
    "dgram": _socket.SOCK_DGRAM,
    "seqpacket": getattr(_socket, "SOCK_SEQPACKET", _socket.SOCK_STREAM),
}


class _Pool:
    """Open files of several kinds whose descriptors the properties send."""

    def __init__(self, folder):
        self.closers = []
        read_end, write_end = os.pipe()
        handle, path = tempfile.mkstemp(dir=str(folder))
        os.unlink(path)
        os.write(handle, b"0123456789")
        a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
        self.fds = [read_end, write_end, handle, a.fileno()]
        self.regular = handle
        self.closers = [lambda: os.close(read_end), lambda: os.close(write_end),
                        lambda: os.close(handle), a.close, b.close]

    def close(self):
        for close in self.closers:
            try:
                close()
            except OSError:
                pass


def _same_open_file(sent, received, pool):
    """``received`` refers to the open file description behind ``sent``."""
    mine, theirs = os.fstat(sent), os.fstat(received)
    assert (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino), (sent, received)
    blocking = os.get_blocking(sent)
    os.set_blocking(sent, not blocking)  # file status flags belong to the open file
    try:
        assert os.get_blocking(received) == (not blocking), (sent, received)
    finally:
        os.set_blocking(sent, blocking)
    if sent == pool.regular:
        os.lseek(sent, 3, os.SEEK_SET)  # so does the offset
        assert os.lseek(received, 0, os.SEEK_CUR) == 3


def _pair(impl, kind):
    a, b = _socket.socketpair(_socket.AF_UNIX, KINDS[kind])
    first = impl.socket(_socket.AF_UNIX, KINDS[kind], 0, a.detach())
    second = impl.socket(_socket.AF_UNIX, KINDS[kind], 0, b.detach())
    second.settimeout(DELIVERY_TIMEOUT)  # its bytes were sent before every wait
    return first, second


def _close_all(fds):
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


@st.composite
def passing_cases(draw):
    return {
        "kind": draw(st.sampled_from(sorted(KINDS))),
        "payload": draw(st.binary(min_size=1, max_size=64)),
        "picks": draw(st.lists(st.integers(0, 3), max_size=MAX_FDS)),
        "spare": draw(st.integers(0, 4)),
        "bufsize_extra": draw(st.integers(0, 16)),
    }


@spec("send_fds", "recv_fds", since="3.9", needs=["scm_rights"])
@budget(1.0)
@given(case=passing_cases())
def test_prop_fd_passing_roundtrip(impl, prop_tmp, case):
    pool = _Pool(prop_tmp)
    sender, receiver = _pair(impl, case["kind"])
    received = []
    try:
        fds = [pool.fds[i] for i in case["picks"]]
        payload = case["payload"]
        assert impl.send_fds(sender, [payload], fds) == len(payload)
        data, received, flags, _address = impl.recv_fds(
            receiver, len(payload) + case["bufsize_extra"], len(fds) + case["spare"]
        )
        assert data == payload
        assert len(received) == len(fds), (fds, received)
        assert not flags & _socket.MSG_CTRUNC
        assert len(set(received)) == len(received)
        assert not set(received) & set(pool.fds)
        for sent, got in zip(fds, received):
            _same_open_file(sent, got, pool)
    finally:
        _close_all(received)
        sender.close()
        receiver.close()
        pool.close()


@st.composite
def truncation_cases(draw):
    picks = draw(st.lists(st.integers(0, 3), min_size=1, max_size=MAX_FDS))
    return {
        "kind": draw(st.sampled_from(sorted(KINDS))),
        "picks": picks,
        "maxfds": draw(st.integers(0, len(picks) - 1)),
    }


@spec("recv_fds", since="3.9", platforms=["linux"], needs=["scm_rights"])
@budget(1.0)
@given(case=truncation_cases())
def test_prop_fd_passing_truncation_sets_ctrunc(impl, prop_tmp, case):
    pool = _Pool(prop_tmp)
    sender, receiver = _pair(impl, case["kind"])
    received = []
    try:
        fds = [pool.fds[i] for i in case["picks"]]
        before = open_descriptors()
        impl.send_fds(sender, [b"x"], fds)
        data, received, flags, _address = impl.recv_fds(receiver, 16, case["maxfds"])
        assert data == b"x"
        assert flags & _socket.MSG_CTRUNC, flags
        assert len(received) == case["maxfds"], (fds, received)
        for sent, got in zip(fds, received):
            _same_open_file(sent, got, pool)
        assert open_descriptors() - before == set(received), "descriptors that did not fit leaked"
    finally:
        _close_all(received)
        sender.close()
        receiver.close()
        pool.close()
