"""Guards around every spec: leaked descriptors, threads and child processes, and
an audit hook that refuses network operations outside loopback and AF_UNIX, and name
lookups the host's own files cannot answer."""

from __future__ import annotations

import dataclasses
import gc
import ipaddress
import os
import sys
import threading
import time
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Tuple

from harness.model.hosts import HOSTS_FILE, HostsFile, host_is_numeric, host_text, hosts_file

#: How long threads started by a spec get to finish after its teardown.
THREAD_GRACE_SECONDS = 2.0

GUARDED_EVENTS = frozenset({"socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"})
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})

#: The resolver's audit events the guard judges (``socket.getservbyname``/``getservbyport`` and
#: ``socket.gethostname`` read only the host's own databases and pass).
RESOLVER_EVENTS = frozenset({
    "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr", "socket.getnameinfo",
    "socket.sethostname",
})


@dataclasses.dataclass(frozen=True)
class Leak:
    """What a spec left behind of one kind: ``descriptor``, ``thread`` or ``process``."""

    kind: str
    #: what was left: descriptors described (``5 (socket)``), thread names, process ids
    items: Tuple[str, ...]

    @property
    def text(self) -> str:
        what = LEAK_KINDS[self.kind]
        return f"left {len(self.items)} {what}: {', '.join(self.items)}"

    def as_dict(self) -> Dict[str, Any]:
        return {"kind": self.kind, "count": len(self.items), "items": list(self.items),
                "text": self.text}


#: How each kind of leak is said to a person.
LEAK_KINDS = {"descriptor": "file descriptor(s) open", "thread": "thread(s) running",
              "process": "child process(es)"}


class GuardError(Exception):
    """A spec left something behind or went off loopback: the refusal and the leaks, as data."""

    def __init__(self, violation: Optional[str], leaks: Sequence[Leak] = ()):
        self.violation = violation
        self.leaks = tuple(leaks)
        super().__init__("; ".join(([violation] if violation else []) + [leak.text for leak in leaks]))


class LoopbackViolation(RuntimeError):
    """Raised inside a socket call whose address is not loopback or AF_UNIX, or a lookup
    the host's own files cannot answer.

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


def find_leaks(before: Snapshot, ignore_threads: Sequence[str] = ()) -> List[Leak]:
    """What the code run since ``before`` left behind."""
    leaks = []
    fds = open_fds() - before.fds
    for _ in range(3):  # PyPy: finalizers that close sockets may need more than one pass
        if not fds:
            break
        gc.collect()  # sockets in reference cycles are closed by the collector
        fds = open_fds() - before.fds
    if fds:
        leaks.append(Leak("descriptor", tuple(_describe_fd(fd) for fd in sorted(fds))))
    threads = _surviving_threads(before, ignore_threads)
    if threads:
        leaks.append(Leak("thread", tuple(sorted(t.name for t in threads))))
    children = child_pids() - before.children
    if children:
        leaks.append(Leak("process", tuple(map(str, sorted(children)))))
    return leaks


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


# -- resolver ----------------------------------------------------------------------------
#
# A lookup stays on the machine when the host's own files answer it. The audit events carry
# the host (and for getaddrinfo the family) but no flags, so the guard judges the host alone:
#
# * a numeric host (IPv4, IPv6 with an optional %scope, or an inet_aton form such as 127.1)
#   is never sent anywhere by a forward lookup, so getaddrinfo() and gethostbyname() accept
#   any of them, loopback or not (and getaddrinfo(None or '') too);
# * a name is accepted only where /etc/hosts lists it, and only when nsswitch.conf (if there
#   is one) consults the files first. The family is not judged: asked for a family the file
#   has no line of (localhost with AF_INET6 where only 127.0.0.1 is listed) glibc goes on to
#   the DNS server, but the same call with AI_NUMERICHOST makes no query, and the guard cannot
#   tell the two apart;
# * a reverse lookup (gethostbyaddr(), getnameinfo() whatever its flags) is accepted only for
#   an address /etc/hosts lists, or a name it lists;
# * sethostname() is always refused.

def lookup_refusal(event: str, args, hosts: Optional[HostsFile] = None) -> Optional[str]:
    """Why the resolver call behind audit ``event`` could leave the machine, or None."""
    if event not in RESOLVER_EVENTS:
        return None
    if event == "socket.sethostname":
        return "socket.sethostname refused: specs never rename the host"
    hosts = hosts or hosts_file()
    if event == "socket.getnameinfo":
        sockaddr = args[0] if args else None
        if not isinstance(sockaddr, (tuple, list)) or not sockaddr:
            return None  # no host in it to look up (PyPy audits before checking the shape)
        host = host_text(sockaddr[0])
        if host is None:
            return None
        shown = sockaddr
    else:
        host = host_text(args[0]) if args else None
        shown = args[0] if args else None
    if event == "socket.getaddrinfo":
        if args[0] is None or host == "" or (host is not None and host_is_numeric(host)):
            return None
        if host is not None and hosts.answers_name(host):
            return None
    elif event == "socket.gethostbyname":
        if host is not None and (host in ("", "<broadcast>") or host_is_numeric(host)):
            return None
        if host is not None and hosts.answers_name(host):
            return None
    else:  # gethostbyaddr, getnameinfo: a reverse lookup
        if host is not None and (hosts.answers_address(host) or hosts.answers_name(host)):
            return None
    return (
        f"{event} of {shown!r} refused: specs look up only numeric addresses and names "
        f"the host's own files answer ({HOSTS_FILE})"
    )


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
        if not cls.active or cls.allow_any_address:
            return
        if event in RESOLVER_EVENTS:
            message = lookup_refusal(event, args)
            if message is None:
                return
        elif event in GUARDED_EVENTS:
            address = args[1] if len(args) > 1 else None
            if address_is_allowed(address):
                return
            message = f"{event} to {address!r} refused: specs use only loopback and AF_UNIX"
        else:
            return
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
