"""The workloads of ``python -m harness bench``: one timed run of each, per variant.

Every workload has two runners: ``impl(module, params)`` drives a socket
module's API, ``floor(params)`` moves the same data with the raw ``_socket`` and
``os`` calls and nothing else. Both return the Timing (wall and CPU seconds) of
the timed part only; set-up and clean-up are not timed. The other end of every
scenario is a raw ``_socket`` object, served by a thread where it must run
concurrently; everything binds and connects on 127.0.0.1 or AF_UNIX.
"""

from __future__ import annotations

import _socket
import array
import dataclasses
import functools
import io
import os
import struct
import threading
import time
from typing import Any, Callable, Dict, NamedTuple, Optional, Tuple

LOOPBACK = "127.0.0.1"
#: How long any peer thread may take before the run is abandoned as broken.
PEER_TIMEOUT = 60.0
READ_CHUNK = 64 * 1024
LINE = b"x" * 79 + b"\n"
WRITE_PIECE = 1024
SEND_BLOCK = 8192  # the block size of socket.sendfile()'s send() fallback
LINGER_RESET = struct.pack("ii", 1, 0)  # close() sends RST: no TIME_WAIT pile-up

perf_counter = time.perf_counter
process_time = time.process_time


class Timing(NamedTuple):
    """One timed run: wall-clock seconds, and CPU seconds (user + system) of the process.

    The process CPU time counts both ends of a scenario (the peer thread too) and
    none of the time other programs hold the CPUs, so it stays steady on a busy
    machine where the wall clock does not.
    """

    wall: float
    cpu: float


class Stopwatch:
    """Started on creation; stop() gives the Timing since then."""

    def __init__(self) -> None:
        self.cpu = process_time()
        self.wall = perf_counter()

    def stop(self) -> Timing:
        wall = perf_counter() - self.wall
        return Timing(wall, process_time() - self.cpu)


class BenchError(RuntimeError):
    """A workload did not move the data it should have."""


# -- plumbing: raw pairs, wrapping, peers ------------------------------------------------


def raw_pair(kind: str) -> Tuple[Any, Any]:
    """Two connected raw ``_socket`` stream sockets: ``unix`` (socketpair) or ``tcp``."""
    if kind == "unix":
        return _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
    listener = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        listener.bind((LOOPBACK, 0))
        listener.listen(1)
        client = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
        client.connect(listener.getsockname())
        fd, _ = listener._accept()
    finally:
        listener.close()
    return _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM, 0, fd), client


def wrap(module, raw):
    """Hand a raw socket's descriptor over to ``module.socket``."""
    family, kind, proto = raw.family, raw.type, raw.proto
    return module.socket(family, kind, proto, fileno=raw.detach())


class Peer:
    """A thread serving the raw end of a scenario; errors resurface on join()."""

    def __init__(self, target: Callable[..., Any], *args: Any) -> None:
        self.result: Any = None
        self.error: Optional[BaseException] = None
        self._thread = threading.Thread(
            target=self._run, args=(target, *args), name="sockspec-bench-peer", daemon=True
        )
        self._thread.start()

    def _run(self, target, *args) -> None:
        try:
            self.result = target(*args)
        except BaseException as exc:  # reported by join()
            self.error = exc

    def join(self) -> Any:
        self._thread.join(PEER_TIMEOUT)
        if self._thread.is_alive():
            raise BenchError(f"peer thread still running after {PEER_TIMEOUT:.0f} s")
        if self.error is not None:
            raise BenchError(f"peer failed: {self.error!r}") from self.error
        return self.result


def send_then_close(raw, payload) -> None:
    try:
        raw.sendall(payload)
    finally:
        raw.close()


def drain(raw) -> int:
    """Receive until EOF; return the byte count."""
    buffer = bytearray(256 * 1024)
    recv_into = raw.recv_into
    total = 0
    try:
        while True:
            got = recv_into(buffer)
            if not got:
                return total
            total += got
    finally:
        raw.close()


def expect(what: str, got: int, wanted: int) -> None:
    if got != wanted:
        raise BenchError(f"{what}: moved {got} bytes, expected {wanted}")


@functools.lru_cache(maxsize=8)
def payload(size: int) -> bytes:
    """``size`` bytes of a repeating pattern (not zeros: nothing may shortcut them)."""
    pattern = bytes(range(256))
    return (pattern * (size // 256 + 1))[:size]


@functools.lru_cache(maxsize=2)
def lines(size: int) -> bytes:
    return LINE * (size // len(LINE))


def _close_all(*things) -> None:
    for thing in things:
        if thing is not None:
            thing.close()


# -- makefile('rb'): bulk read and readline ----------------------------------------------


def _drain_reads(read) -> int:
    """Call ``read(READ_CHUNK)`` until end of file; the bytes read."""
    got = 0
    while True:
        chunk = read(READ_CHUNK)
        if not chunk:
            return got
        got += len(chunk)


def _count_lines(reader) -> int:
    readline, count = reader.readline, 0
    while readline():
        count += 1
    return count


def _timed_receive(theirs, data: bytes, consume: Callable[[], int]) -> Tuple[Timing, int]:
    """The time ``consume()`` takes to take in ``data``, sent by a peer thread over ``theirs``
    which then closes; with what ``consume`` returned."""
    clock = Stopwatch()
    peer = Peer(send_then_close, theirs, data)
    result = consume()
    elapsed = clock.stop()
    peer.join()
    return elapsed, result


def read_impl(module, params) -> Timing:
    ours, theirs = raw_pair(params["transport"])
    sock = wrap(module, ours)
    reader = sock.makefile("rb")
    try:
        elapsed, got = _timed_receive(theirs, payload(params["size"]),
                                      lambda: _drain_reads(reader.read))
    finally:
        _close_all(reader, sock, theirs)
    expect("makefile read", got, params["size"])
    return elapsed


def read_floor(params) -> Timing:
    ours, theirs = raw_pair(params["transport"])
    try:
        elapsed, got = _timed_receive(theirs, payload(params["size"]),
                                      lambda: _drain_reads(ours.recv))
    finally:
        _close_all(ours, theirs)
    expect("recv loop", got, params["size"])
    return elapsed


def _timed_readlines(label, params, reader, ours, theirs) -> Timing:
    """Time ``reader`` reading lines that ``theirs`` sends; then close reader, ours, theirs."""
    text = lines(params["size"])
    try:
        elapsed, count = _timed_receive(theirs, text, lambda: _count_lines(reader))
    finally:
        _close_all(reader, ours, theirs)
    expect(label, count, len(text) // len(LINE))
    return elapsed


def readline_impl(module, params) -> Timing:
    ours, theirs = raw_pair(params["transport"])
    sock = wrap(module, ours)
    return _timed_readlines("makefile readline (lines)", params, sock.makefile("rb"), sock, theirs)


def readline_floor(params) -> Timing:
    """readline() of io.BufferedReader over read(2) on the descriptor: no Python in the loop."""
    ours, theirs = raw_pair(params["transport"])
    reader = open(ours.fileno(), "rb", closefd=False)
    return _timed_readlines("os read readline (lines)", params, reader, ours, theirs)


# -- makefile('wb'): writes ----------------------------------------------------------------


def write_impl(module, params) -> Timing:
    ours, theirs = raw_pair(params["transport"])
    sock = wrap(module, ours)
    writer = sock.makefile("wb")
    piece = payload(WRITE_PIECE)
    try:
        clock = Stopwatch()
        peer = Peer(drain, theirs)
        write = writer.write
        for _ in range(params["size"] // WRITE_PIECE):
            write(piece)
        writer.flush()
        sock.shutdown(_socket.SHUT_WR)
        got = peer.join()
        elapsed = clock.stop()
    finally:
        _close_all(writer, sock, theirs)
    expect("makefile write", got, params["size"] // WRITE_PIECE * WRITE_PIECE)
    return elapsed


def write_floor(params) -> Timing:
    """sendall() of io.DEFAULT_BUFFER_SIZE blocks: the calls a perfect buffered writer makes."""
    ours, theirs = raw_pair(params["transport"])
    total = params["size"] // WRITE_PIECE * WRITE_PIECE
    block = payload(io.DEFAULT_BUFFER_SIZE)
    try:
        clock = Stopwatch()
        peer = Peer(drain, theirs)
        sendall, left = ours.sendall, total
        while left >= len(block):
            sendall(block)
            left -= len(block)
        if left:
            sendall(block[:left])
        ours.shutdown(_socket.SHUT_WR)
        got = peer.join()
        elapsed = clock.stop()
    finally:
        _close_all(ours, theirs)
    expect("sendall loop", got, total)
    return elapsed


# -- sendfile over loopback TCP ------------------------------------------------------------


class NoFileno:
    """A binary file whose fileno() raises io.UnsupportedOperation: forces send()."""

    mode = "rb"

    def __init__(self, file) -> None:
        self.read = file.read
        self.seek = file.seek
        self.tell = file.tell

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")


def _sendfile(module, params, fallback: bool) -> Timing:
    ours, theirs = raw_pair("tcp")
    sock = wrap(module, ours)
    with open(params["path"], "rb") as file:
        source = NoFileno(file) if fallback else file
        try:
            clock = Stopwatch()
            peer = Peer(drain, theirs)
            sent = sock.sendfile(source)
            sock.shutdown(_socket.SHUT_WR)
            got = peer.join()
            elapsed = clock.stop()
        finally:
            _close_all(sock, theirs)
    expect("sendfile (sent)", sent, params["size"])
    expect("sendfile (received)", got, params["size"])
    return elapsed


def sendfile_impl(module, params) -> Timing:
    return _sendfile(module, params, fallback=False)


def sendfile_send_impl(module, params) -> Timing:
    return _sendfile(module, params, fallback=True)


def _time_raw_sender(params, send: Callable[[Any, int, int], int]) -> Timing:
    ours, theirs = raw_pair("tcp")
    fd = os.open(params["path"], os.O_RDONLY)
    try:
        clock = Stopwatch()
        peer = Peer(drain, theirs)
        sent = send(ours, fd, params["size"])
        ours.shutdown(_socket.SHUT_WR)
        got = peer.join()
        elapsed = clock.stop()
    finally:
        os.close(fd)
        _close_all(ours, theirs)
    expect("raw sender (sent)", sent, params["size"])
    expect("raw sender (received)", got, params["size"])
    return elapsed


def _os_sendfile_loop(sock, fd: int, size: int) -> int:
    sendfile, sockno, offset = os.sendfile, sock.fileno(), 0
    while offset < size:
        sent = sendfile(sockno, fd, offset, size - offset)
        if not sent:
            break
        offset += sent
    return offset


def _read_send_loop(sock, fd: int, size: int) -> int:
    read, sendall, total = os.read, sock.sendall, 0
    while True:
        data = read(fd, SEND_BLOCK)
        if not data:
            return total
        sendall(data)
        total += len(data)


def sendfile_floor(params) -> Timing:
    return _time_raw_sender(params, _os_sendfile_loop)


def sendfile_send_floor(params) -> Timing:
    return _time_raw_sender(params, _read_send_loop)


# -- operations: socketpair(), create_connection + accept, send_fds/recv_fds ----------------


def _pairs_made_and_closed(make, count: int) -> Timing:
    clock = Stopwatch()
    for _ in range(count):
        a, b = make()
        a.close()
        b.close()
    return clock.stop()


def socketpair_impl(module, params) -> Timing:
    return _pairs_made_and_closed(module.socketpair, params["count"])


def socketpair_floor(params) -> Timing:
    return _pairs_made_and_closed(_socket.socketpair, params["count"])


def _raw_listener():
    listener = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    listener.bind((LOOPBACK, 0))
    listener.listen(128)
    return listener


def connect_accept_impl(module, params) -> Timing:
    listener = wrap(module, _raw_listener())
    address = listener.getsockname()
    connect, accept = module.create_connection, listener.accept
    sol, linger = _socket.SOL_SOCKET, _socket.SO_LINGER
    try:
        clock = Stopwatch()
        for _ in range(params["count"]):
            client = connect(address)
            server, _ = accept()
            server.setsockopt(sol, linger, LINGER_RESET)
            server.close()
            client.close()
        return clock.stop()
    finally:
        listener.close()


def connect_accept_floor(params) -> Timing:
    """getaddrinfo, socket, connect, accept and close on ``_socket``: create_connection's calls."""
    listener = _raw_listener()
    host, port = listener.getsockname()
    resolve, make, accept = _socket.getaddrinfo, _socket.socket, listener._accept
    stream, sol, linger = _socket.SOCK_STREAM, _socket.SOL_SOCKET, _socket.SO_LINGER
    try:
        clock = Stopwatch()
        for _ in range(params["count"]):
            family, kind, proto, _, address = resolve(host, port, 0, stream)[0]
            client = make(family, kind, proto)
            client.connect(address)
            fd, _ = accept()
            server = make(family, kind, proto, fd)
            server.setsockopt(sol, linger, LINGER_RESET)
            server.close()
            client.close()
        return clock.stop()
    finally:
        listener.close()


def fd_passing_impl(module, params) -> Timing:
    left, right = raw_pair("unix")
    sender, receiver = wrap(module, left), wrap(module, right)
    send_fds, recv_fds = module.send_fds, module.recv_fds
    passed = os.open(os.devnull, os.O_RDONLY)
    close = os.close
    try:
        clock = Stopwatch()
        for _ in range(params["count"]):
            send_fds(sender, [b"x"], [passed])
            _, fds, _, _ = recv_fds(receiver, 1, 1)
            for fd in fds:
                close(fd)
        return clock.stop()
    finally:
        close(passed)
        _close_all(sender, receiver)


def fd_passing_floor(params) -> Timing:
    """sendmsg/recvmsg with SCM_RIGHTS on ``_socket``: the ancillary data built once."""
    sender, receiver = raw_pair("unix")
    passed = os.open(os.devnull, os.O_RDONLY)
    ancillary = [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, array.array("i", [passed]))]
    space = _socket.CMSG_LEN(array.array("i").itemsize)
    sendmsg, recvmsg, close = sender.sendmsg, receiver.recvmsg, os.close
    try:
        clock = Stopwatch()
        for _ in range(params["count"]):
            sendmsg([b"x"], ancillary)
            _, ancdata, _, _ = recvmsg(1, space)
            for _, _, data in ancdata:
                for fd in array.array("i", data):
                    close(fd)
        return clock.stop()
    finally:
        close(passed)
        _close_all(sender, receiver)


# -- the catalogue ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Workload:
    """One line of the benchmark table."""

    id: str
    title: str
    unit: str  # "MB/s" (amount in bytes) or "ops/s" (amount in operations)
    impl: Callable[[Any, Dict[str, Any]], Timing]
    floor: Callable[[Dict[str, Any]], Timing]
    floor_title: str
    params: Dict[str, Any]
    needs: Tuple[str, ...] = ()  # module attributes the workload calls

    def amount(self) -> int:
        """Units moved by one run: bytes for MB/s lines, operations for ops/s lines."""
        if "lines" in self.params:
            return self.params["lines"]
        return self.params["size"] if self.unit == "MB/s" else self.params["count"]

    def applies_to(self, module) -> bool:
        return all(hasattr(module, name) for name in self.needs)


@dataclasses.dataclass(frozen=True)
class Sizes:
    stream: int  # bytes per makefile read/write run
    lines: int  # bytes of 80-byte lines per readline run
    sendfile: int  # size of the file sendfile() sends
    pairs: int  # socketpair() calls per run
    connections: int  # create_connection + accept per run
    fd_messages: int  # send_fds + recv_fds per run


FULL = Sizes(stream=32 << 20, lines=8 << 20, sendfile=64 << 20, pairs=2000,
             connections=400, fd_messages=4000)
QUICK = Sizes(stream=256 << 10, lines=64 << 10, sendfile=1 << 20, pairs=50,
              connections=20, fd_messages=50)


def catalogue(sizes: Sizes, sendfile_path: str) -> Tuple[Workload, ...]:
    """Every workload at the given sizes; ``sendfile_path`` is a file of sizes.sendfile bytes."""
    line_count = sizes.lines // len(LINE)
    transports = (("unix", "socketpair"), ("tcp", "loopback TCP"))
    streams = []
    for transport, label in transports:
        stream = {"transport": transport, "size": sizes.stream}
        streams += [
            Workload(f"makefile_read_{transport}", f"makefile('rb').read(64 KiB), {label}",
                     "MB/s", read_impl, read_floor, "_socket recv(64 KiB) loop", stream),
            Workload(f"makefile_readline_{transport}", f"makefile('rb').readline(), {label}",
                     "lines/s", readline_impl, readline_floor,
                     "io.BufferedReader over read(2) on the fd",
                     {"transport": transport, "size": sizes.lines, "lines": line_count}),
            Workload(f"makefile_write_{transport}", f"makefile('wb').write(1 KiB), {label}",
                     "MB/s", write_impl, write_floor, "_socket sendall(8 KiB) loop", stream),
        ]
    sendfile = {"path": sendfile_path, "size": sizes.sendfile}
    return (
        *streams,
        Workload("sendfile_os", "sendfile(), os.sendfile path, loopback TCP", "MB/s",
                 sendfile_impl, sendfile_floor, "os.sendfile loop", sendfile),
        Workload("sendfile_send", "sendfile(), send() fallback, loopback TCP", "MB/s",
                 sendfile_send_impl, sendfile_send_floor, "os.read(8 KiB) + sendall loop",
                 sendfile),
        Workload("socketpair", "socketpair() + close both", "ops/s", socketpair_impl,
                 socketpair_floor, "_socket.socketpair + close", {"count": sizes.pairs}),
        Workload("create_connection_accept", "create_connection() + accept() + close",
                 "ops/s", connect_accept_impl, connect_accept_floor,
                 "_socket getaddrinfo/connect/accept/close", {"count": sizes.connections}),
        Workload("send_recv_fds", "send_fds() + recv_fds() of one fd, AF_UNIX", "ops/s",
                 fd_passing_impl, fd_passing_floor, "_socket sendmsg/recvmsg SCM_RIGHTS",
                 {"count": sizes.fd_messages}, needs=("send_fds", "recv_fds")),
    )


def write_sendfile_source(path: str, size: int) -> None:
    """Write the file sendfile() sends, in 1 MiB blocks, and flush it to the page cache."""
    block = payload(min(size, 1 << 20))
    with open(path, "wb") as handle:
        left = size
        while left > 0:
            handle.write(block[:left])
            left -= len(block)
