"""Stateful property: the life of a connected socket, its duplicates and its file objects.

A hypothesis RuleBasedStateMachine drives up to three loopback TCP connections (a ``_socket``
peer at the other end of each) through any interleaving of makefile() in binary and text modes
with several bufferings, dup(), new connections, detach(), close() of sockets, of file objects
and of detached descriptors, reads, writes, direct sendall(), settimeout() and operations after
close. A model tracks, for every socket object, whether close() or detach() was called and how
many of its file objects are open. After every step it checks:

* a descriptor is open exactly while its socket is neither detached nor closed with all of its
  file objects closed (a detached descriptor stays open until its new owner closes it), and
  fileno() is the descriptor while it is open and -1 afterwards;
* file objects report ``closed`` as modelled;
* repr() shows ``[closed]`` exactly after close()/detach(), the real descriptor while it is
  open (``fd=-1`` once released), and the addresses only while the socket is not closed.

The rules themselves check that reads and writes carry the bytes, that closed file objects
raise ValueError (with SocketIO's own messages for unbuffered ones) and that a released socket
raises OSError(EBADF).
"""

from __future__ import annotations

import _socket
import errno
import os
import selectors
import string

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from fixtures.peers import PEER_TIMEOUT, fd_is_open, recv_exactly
from fixtures.properties import DELIVERY_TIMEOUT, raw_tcp_pair, run_machine
from harness.model.spec import spec

MODES = ["rb", "wb", "rwb", "b", "r", "w", "rw", ""]
BUFFERINGS = [None, 0, 1, 16, 4096]
TIMEOUTS = [None, 0.0, PEER_TIMEOUT]
PICK = st.integers(0, 63)
PAYLOADS = st.text(string.ascii_letters + string.digits + "\n", min_size=1, max_size=48)
LIFECYCLE = [
    "makefile", "dup", "connect_another", "close_socket", "close_file", "detach", "close_detached",
]
#: How often each action is drawn: detach() and closing its descriptor end a socket's story,
#: so they come up half as often as the others.
LIFECYCLE_DRAWS = [a for a in LIFECYCLE for _ in range(1 if "detach" in a else 2)]
MAX_CONNECTIONS = 3
MAX_SOCKETS = 5
MAX_FILES = 8


class SocketModel:
    def __init__(self, obj, timeout, peer):
        self.obj = obj
        self.fd = obj.fileno()
        self.timeout = timeout
        self.peer = peer  # the ``_socket`` end of this socket's connection
        self.closed = False  # close() or detach() was called
        self.detached = False
        self.files = 0  # open file objects made by makefile()

    @property
    def fd_open(self):
        return not self.detached and not (self.closed and self.files == 0)


class FileModel:
    def __init__(self, obj, sock, mode, buffering):
        self.obj = obj
        self.sock = sock
        self.mode = mode
        self.text = "b" not in mode
        self.raw = buffering == 0
        self.writable = "w" in mode
        self.readable = "r" in mode or not self.writable
        self.closed = False


def _pick(candidates, index):
    """Newest first: 0 (the value hypothesis draws most) names the object made last."""
    return candidates[-1 - index % len(candidates)]


class SocketLifecycle(RuleBasedStateMachine):
    """The spec gives a subclass whose ``impl`` is the implementation under test."""

    impl = None

    def __init__(self):
        super().__init__()
        self.peers = []
        self.sockets = []
        self.files = []
        self.detached = []  # descriptors handed out by detach(), still open
        self.tracked = set()

    # -- helpers ------------------------------------------------------------------------------

    def _add_socket(self, obj, timeout, peer):
        model = SocketModel(obj, timeout, peer)
        self.sockets.append(model)
        self.tracked.add(model.fd)
        return model

    def _open_sockets(self):
        return [s for s in self.sockets if s.fd_open]

    def _usable_files(self, want):
        return [
            f for f in self.files
            if not f.closed and getattr(f, want) and not f.sock.detached
        ]

    def _wait_readable(self, model):
        """Wait (bounded) until the peer's bytes are there. Even a socket whose timeout is
        None may sit on a non-blocking descriptor: dup()s share the open file description,
        O_NONBLOCK included, so settimeout() on one of them changes it for all."""
        with selectors.DefaultSelector() as selector:
            selector.register(model.fd, selectors.EVENT_READ)
            assert selector.select(DELIVERY_TIMEOUT), "the peer's bytes did not arrive"

    # -- rules --------------------------------------------------------------------------------

    @initialize(timeout=st.sampled_from(TIMEOUTS))
    def first_connection(self, timeout):
        self._connect(timeout)

    def _connect(self, timeout):
        client, peer = raw_tcp_pair()
        self.peers.append(peer)
        sock = self.impl.socket(_socket.AF_INET, _socket.SOCK_STREAM, 0, client.detach())
        sock.settimeout(timeout)
        self._add_socket(sock, timeout, peer)

    @rule(
        action=st.sampled_from(LIFECYCLE_DRAWS),
        pick=PICK,
        mode=st.sampled_from(MODES),
        buffering=st.sampled_from(BUFFERINGS),
    )
    def lifecycle(self, action, pick, mode, buffering):
        """makefile(), dup(), a new connection, close() of a socket, a file object or a
        descriptor, detach().

        One rule for all of them (rather than one rule each), so that every run can interleave
        all of them; an action that is not possible now gives way to the next one.
        """
        start = LIFECYCLE.index(action)
        for action in LIFECYCLE[start:] + LIFECYCLE[:start]:
            if getattr(self, "_can_" + action)():
                getattr(self, "_" + action)(pick, mode, buffering)
                return

    def _can_makefile(self):
        open_files = sum(1 for f in self.files if not f.closed)
        return self._open_sockets() and open_files < MAX_FILES

    def _makefile(self, pick, mode, buffering):
        model = _pick(self._open_sockets(), pick)
        text = "b" not in mode
        if text and buffering == 0:
            try:
                model.obj.makefile(mode, buffering)
            except ValueError as exc:
                assert str(exc) == "unbuffered streams must be binary"
            else:
                raise AssertionError("makefile() accepted an unbuffered text mode")
            return
        options = {"encoding": "ascii", "newline": ""} if text else {}
        obj = model.obj.makefile(mode, buffering, **options)
        model.files += 1
        self.files.append(FileModel(obj, model, mode, buffering))

    def _can_dup(self):
        return 0 < len(self._open_sockets()) < MAX_SOCKETS

    def _dup(self, pick, mode, buffering):
        model = _pick(self._open_sockets(), pick)
        copy = model.obj.dup()
        assert type(copy) is type(model.obj)
        assert copy.gettimeout() == model.timeout
        self._add_socket(copy, model.timeout, model.peer)

    def _can_connect_another(self):
        live = {id(s.peer) for s in self.sockets if s.fd_open or s.detached}
        return len(live) < MAX_CONNECTIONS and len(self._open_sockets()) < MAX_SOCKETS

    def _connect_another(self, pick, mode, buffering):
        self._connect(TIMEOUTS[pick % len(TIMEOUTS)])

    def _can_detach(self):
        return any(not s.detached for s in self.sockets)

    def _detach(self, pick, mode, buffering):
        model = _pick([s for s in self.sockets if not s.detached], pick)
        fd = model.obj.detach()
        if model.fd_open:
            assert fd == model.fd
            self.detached.append(fd)
        else:
            assert fd == -1
        model.closed = model.detached = True

    def _can_close_socket(self):
        return any(not s.closed for s in self.sockets)

    def _close_socket(self, pick, mode, buffering):
        model = _pick([s for s in self.sockets if not s.closed], pick)
        model.obj.close()
        model.closed = True

    def _can_close_file(self):
        return any(not f.closed for f in self.files)

    def _close_file(self, pick, mode, buffering):
        handle = _pick([f for f in self.files if not f.closed], pick)
        handle.obj.close()
        if not handle.closed:
            handle.closed = True
            handle.sock.files -= 1

    def _can_close_detached(self):
        return bool(self.detached)

    def _close_detached(self, pick, mode, buffering):
        fd = _pick(self.detached, pick)
        self.detached.remove(fd)
        os.close(fd)

    @precondition(lambda self: self._open_sockets() or self._released_or_closed())
    @rule(
        action=st.sampled_from(["write", "read", "send", "settimeout", "use_after_close"]),
        pick=PICK,
        payload=PAYLOADS,
        timeout=st.sampled_from(TIMEOUTS),
        misuse=st.integers(0, 5),
    )
    def use(self, action, pick, payload, timeout, misuse):
        """Bytes through a file object (or the socket itself) to the peer and back,
        settimeout(), or an operation on a released socket or a closed file object."""
        if action == "use_after_close" and self._released_or_closed():
            self._use_after_close(pick, misuse)
        elif not self._open_sockets():
            self._use_after_close(pick, misuse)
        elif action == "write" and self._usable_files("writable"):
            self._write(_pick(self._usable_files("writable"), pick), payload)
        elif action == "read" and self._usable_files("readable"):
            self._read(_pick(self._usable_files("readable"), pick), payload)
        elif action == "settimeout":
            model = _pick(self._open_sockets(), pick)
            model.obj.settimeout(timeout)
            model.timeout = timeout
            assert model.obj.gettimeout() == timeout
        else:  # close() with file objects open leaves the socket usable
            model = _pick(self._open_sockets(), pick)
            data = payload.encode("ascii")
            model.obj.sendall(data)
            assert recv_exactly(model.peer, len(data), DELIVERY_TIMEOUT) == data

    def _released_or_closed(self):
        return any(s.closed for s in self.sockets) or any(f.closed for f in self.files)

    def _write(self, handle, payload):
        data = payload.encode("ascii")
        if handle.text:
            assert handle.obj.write(payload) == len(payload)
        elif handle.raw:
            view = memoryview(data)
            while view:
                count = handle.obj.write(view)
                assert count and 0 < count <= len(view), count
                view = view[count:]
        else:
            assert handle.obj.write(data) == len(data)
        handle.obj.flush()
        assert recv_exactly(handle.sock.peer, len(data), DELIVERY_TIMEOUT) == data

    def _read(self, handle, payload):
        data = payload.encode("ascii")
        handle.sock.peer.sendall(data)
        self._wait_readable(handle.sock)
        if handle.text:
            assert handle.obj.read(len(payload)) == payload
        elif handle.raw:
            got = b""
            while len(got) < len(data):
                chunk = handle.obj.read(len(data) - len(got))
                assert chunk, f"EOF or nothing after {len(got)} of {len(data)} bytes"
                got += chunk
            assert got == data
        else:
            assert handle.obj.read(len(data)) == data

    def _use_after_close(self, pick, misuse):
        """After close(): a released socket raises OSError(EBADF) and a closed file object
        ValueError; closing again changes nothing, even for a socket whose file objects
        still hold its descriptor."""
        released = [s for s in self.sockets if not s.fd_open]
        held = [s for s in self.sockets if s.closed and s.fd_open]
        closed = [f for f in self.files if f.closed]
        groups = [g for g in (released, held, closed) if g]
        group = groups[pick % len(groups)]
        target = _pick(group, pick // len(groups))
        if group is released:
            operation = ["send", "getsockname", "dup", "settimeout", "close", "detach"][misuse]
            self._use_released_socket(target, operation)
        elif group is held:
            target.obj.close()  # a second close() while file objects are open
        else:
            operation = ["io", "readable", "writable", "fileno", "close", "io"][misuse]
            self._use_closed_file(target, operation)

    def _use_released_socket(self, model, operation):
        if operation == "close":
            model.obj.close()
            return
        if operation == "detach":
            assert model.obj.detach() == -1
            model.detached = True
            return
        calls = {
            "send": lambda: model.obj.send(b"x"),
            "getsockname": model.obj.getsockname,
            "dup": model.obj.dup,
            "settimeout": lambda: model.obj.settimeout(model.timeout),
        }
        with pytest.raises(OSError) as caught:
            calls[operation]()
        assert caught.value.errno == errno.EBADF

    def _use_closed_file(self, handle, operation):
        obj = handle.obj
        if operation == "close":
            obj.close()
            return
        if not handle.raw and operation in ("readable", "writable"):
            operation = "io"  # io's buffered and text objects do not all check these
        if operation == "io":
            if handle.readable:
                call = lambda: obj.read(1)  # noqa: E731
            else:
                call = lambda: obj.write("x" if handle.text else b"x")  # noqa: E731
        else:
            call = getattr(obj, operation)
        with pytest.raises(ValueError) as caught:
            call()
        if handle.raw and operation in ("readable", "writable"):
            assert str(caught.value) == "I/O operation on closed socket."
        if handle.raw and operation in ("io", "fileno"):
            assert str(caught.value) == "I/O operation on closed file."
        if handle.raw:
            assert obj.name == -1

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def descriptors_follow_the_model(self):
        expected = {s.fd for s in self.sockets if s.fd_open} | set(self.detached)
        peers = {p.fileno() for p in self.peers}  # a released number may be a new peer's
        for fd in sorted(self.tracked):
            if fd in expected:
                assert fd_is_open(fd), f"descriptor {fd} was released; the model expects it open"
            elif fd not in peers:
                assert not fd_is_open(fd), (
                    f"descriptor {fd} is open; the model expects it released"
                )
        for model in self.sockets:
            assert model.obj.fileno() == (model.fd if model.fd_open else -1)

    @invariant()
    def files_follow_the_model(self):
        for handle in self.files:
            assert handle.obj.closed == handle.closed

    @invariant()
    def repr_reflects_the_state(self):
        for model in self.sockets:
            text = repr(model.obj)
            fd = model.fd if model.fd_open else -1
            assert (" [closed]" in text) == model.closed, text
            assert f" fd={fd}," in text, text
            assert ("laddr=" in text) == (not model.closed), text
            assert ("raddr=" in text) == (not model.closed), text

    def teardown(self):
        for handle in self.files:
            try:
                handle.obj.close()
            except Exception:  # a failed step may leave unflushed data behind
                pass
        for model in self.sockets:
            model.obj.close()
            if model.obj.fileno() != -1:  # a failed example: release what the model lost
                _socket.socket.close(model.obj)
        for fd in self.detached:
            os.close(fd)
        for peer in self.peers:
            peer.close()

@spec(
    "socket.close", "socket.makefile", "socket.dup", "socket.detach", "socket.__repr__",
    "socket._decref_socketios", "SocketIO.close",
)
def test_prop_stateful_descriptor_lifecycle(impl):
    machine = type("SocketLifecycle", (SocketLifecycle,), {"impl": impl})
    run_machine(machine)
