"""Guards around every spec: leaked descriptors, threads and child processes, and
an audit hook that refuses network operations outside loopback and AF_UNIX, and name
lookups the host's own files cannot answer."""

from __future__ import annotations

import _socket
import dataclasses
import gc
import ipaddress
import os
import re
import sys
import threading
import time
from typing import Dict, FrozenSet, List, Optional, Sequence

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
HOSTS_FILE = "/etc/hosts"
NSSWITCH_FILE = "/etc/nsswitch.conf"


class GuardError(Exception):
    """A spec left something behind or went off loopback."""


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

_AF_INET = _socket.AF_INET
_AF_INET6 = getattr(_socket, "AF_INET6", None)
_AF_UNSPEC = _socket.AF_UNSPEC
_LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class HostsFile:
    """What the host's own files answer: names by address version, and the addresses."""

    names: Dict[str, FrozenSet[int]]
    addresses: FrozenSet[object]

    @classmethod
    def read(cls, hosts: str = HOSTS_FILE, nsswitch: str = NSSWITCH_FILE) -> HostsFile:
        if not _files_answer_first(nsswitch):
            return cls({}, frozenset())
        names: Dict[str, set] = {}
        addresses = set()
        try:
            with open(hosts, encoding="utf-8", errors="replace") as handle:
                lines = handle.readlines()
        except OSError:
            lines = []
        for line in lines:
            fields = line.split("#", 1)[0].split()
            if len(fields) < 2:
                continue
            address = _parse_address(fields[0])
            if address is None:
                continue
            addresses.add(address)
            for name in fields[1:]:
                names.setdefault(name.lower(), set()).add(address.version)
        return cls({n: frozenset(v) for n, v in names.items()}, frozenset(addresses))

    def answers_name(self, name: str, family: int = _AF_UNSPEC) -> bool:
        versions = self.names.get(name.lower(), frozenset())
        if family == _AF_UNSPEC:
            return bool(versions)
        wanted = 4 if family == _AF_INET else 6 if family == _AF_INET6 else None
        return wanted in versions

    def answers_address(self, host: str) -> bool:
        address = _parse_address(host)
        return address is not None and address in self.addresses


def _files_answer_first(path: str) -> bool:
    """Whether hosts lookups consult the files before any other source (no nsswitch.conf:
    yes, as on macOS and musl)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.readlines()
    except OSError:
        return True
    for line in lines:
        fields = line.split("#", 1)[0].split()
        if fields and fields[0] == "hosts:":
            return len(fields) > 1 and fields[1] == "files"
    return False


def _parse_address(text: str):
    try:
        return ipaddress.ip_address(text.split("%", 1)[0] if ":" in text else text)
    except ValueError:
        return None


def _host_text(host) -> Optional[str]:
    if isinstance(host, (bytes, bytearray)):
        return bytes(host).decode("ascii", "replace")
    return host if isinstance(host, str) else None


def host_is_numeric(host: str) -> bool:
    """An address the resolver parses without asking anyone (IPv4, IPv6, inet_aton forms)."""
    if _parse_address(host) is not None:
        return True
    if not _LEGACY_IPV4.match(host):
        return False
    try:
        _socket.inet_aton(host)
    except (OSError, ValueError):
        return False
    return True


_HOSTS: List[HostsFile] = []


def hosts_file() -> HostsFile:
    """The host's own files, read once per process."""
    if not _HOSTS:
        _HOSTS.append(HostsFile.read())
    return _HOSTS[0]


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
        host = _host_text(sockaddr[0])
        if host is None:
            return None
        shown = sockaddr
    else:
        host = _host_text(args[0]) if args else None
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
