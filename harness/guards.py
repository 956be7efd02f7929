"""Guards around every spec: leaked descriptors, threads and child processes, and
an audit hook that refuses network operations outside loopback and AF_UNIX."""

from __future__ import annotations

import dataclasses
import gc
import ipaddress
import os
import sys
import threading
import time
from typing import FrozenSet, List, Optional, Sequence

#: How long threads started by a spec get to finish after its teardown.
THREAD_GRACE_SECONDS = 2.0

GUARDED_EVENTS = frozenset({"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class GuardError(Exception):
    """A spec left something behind or went off loopback."""


class LoopbackViolation(RuntimeError):
    """Raised inside a socket call whose address is not loopback or AF_UNIX.

    Deliberately not an OSError, so that code retrying other addresses on
    OSError cannot swallow it.
    """


# -- descriptors, threads, children -----------------------------------------------------


def open_fds() -> FrozenSet[int]:
    for listing in ("/proc/self/fd", "/dev/fd"):
        try:
            names = os.listdir(listing)
        except OSError:
            continue
        fds = set()
        for name in names:
            fd = int(name)
            try:
                os.fstat(fd)
            except OSError:
                continue  # the descriptor listdir itself used
            fds.add(fd)
        return frozenset(fds)
    found = set()
    for fd in range(0, 2048):
        try:
            os.fstat(fd)
        except OSError:
            continue
        found.add(fd)
    return frozenset(found)


def child_pids() -> FrozenSet[int]:
    """Children of this process (Linux only; empty elsewhere)."""
    pids = set()
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return frozenset()
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/children") as handle:
                pids.update(int(p) for p in handle.read().split())
        except OSError:
            continue
    return frozenset(pids)


def _describe_fd(fd: int) -> str:
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return str(fd)
    return f"{fd} ({target})"


@dataclasses.dataclass
class Snapshot:
    fds: FrozenSet[int]
    threads: FrozenSet[threading.Thread]
    children: FrozenSet[int]

    @classmethod
    def take(cls) -> Snapshot:
        return cls(open_fds(), frozenset(threading.enumerate()), child_pids())


def find_leaks(before: Snapshot, ignore_threads: Sequence[str] = ()) -> List[str]:
    """What the code run since ``before`` left behind, as sentences."""
    problems = []
    fds = open_fds() - before.fds
    for _ in range(3):  # PyPy: finalizers that close sockets may need more than one pass
        if not fds:
            break
        gc.collect()  # sockets in reference cycles are closed by the collector
        fds = open_fds() - before.fds
    if fds:
        listed = ", ".join(_describe_fd(fd) for fd in sorted(fds))
        problems.append(f"left {len(fds)} file descriptor(s) open: {listed}")
    threads = _surviving_threads(before, ignore_threads)
    if threads:
        names = ", ".join(sorted(t.name for t in threads))
        problems.append(f"left {len(threads)} thread(s) running: {names}")
    children = child_pids() - before.children
    if children:
        listed = ", ".join(map(str, sorted(children)))
        problems.append(f"left {len(children)} child process(es): {listed}")
    return problems


def _surviving_threads(before: Snapshot, ignore: Sequence[str]) -> List[threading.Thread]:
    def new_threads():
        return [
            t for t in threading.enumerate()
            if t not in before.threads and t.is_alive()
            and not any(t.name.startswith(prefix) for prefix in ignore)
        ]

    deadline = time.monotonic() + THREAD_GRACE_SECONDS
    for thread in new_threads():
        thread.join(max(0.0, deadline - time.monotonic()))
    return new_threads()


# -- loopback ----------------------------------------------------------------------------


def _host_is_loopback(host) -> bool:
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    host = host.split("%", 1)[0].strip().lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or bool(mapped and mapped.is_loopback)


def address_is_allowed(address) -> bool:
    """Loopback (127.0.0.0/8, ::1) or an AF_UNIX path; nothing else."""
    if address is None:
        return True  # sendmsg on a connected socket
    if isinstance(address, (str, bytes, bytearray, memoryview)):
        return True  # AF_UNIX path or abstract name
    if isinstance(address, tuple) and address:
        return _host_is_loopback(address[0])
    return False


class LoopbackGuard:
    """A process-wide audit hook (hooks cannot be removed), active only around specs."""

    _installed = False
    active = False
    allow_any_address = False
    violations: List[str] = []

    @classmethod
    def install(cls) -> None:
        if not cls._installed:
            sys.addaudithook(cls._hook)
            cls._installed = True

    @classmethod
    def _hook(cls, event: str, args) -> None:
        if not cls.active or cls.allow_any_address or event not in GUARDED_EVENTS:
            return
        address = args[1] if len(args) > 1 else None
        if address_is_allowed(address):
            return
        message = f"{event} to {address!r} refused: specs use only loopback and AF_UNIX"
        cls.violations.append(message)
        raise LoopbackViolation(message)

    @classmethod
    def begin(cls) -> None:
        cls.violations = []
        cls.active = True

    @classmethod
    def end(cls) -> Optional[str]:
        cls.active = False
        found, cls.violations = cls.violations, []
        return "; ".join(found) if found else None
