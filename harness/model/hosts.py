"""What the host's own files answer: /etc/hosts as nsswitch.conf lets it be consulted.

A lookup stays on the machine when these files answer it; the loopback guard, the host
capabilities and the isolated-host fixtures all ask this module.
"""

from __future__ import annotations

import _socket
import dataclasses
import ipaddress
import re
from typing import Dict, FrozenSet, List, Optional

HOSTS_FILE = "/etc/hosts"
NSSWITCH_FILE = "/etc/nsswitch.conf"

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
            address = parse_address(fields[0])
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
        address = parse_address(host)
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


def parse_address(text: str):
    try:
        return ipaddress.ip_address(text.split("%", 1)[0] if ":" in text else text)
    except ValueError:
        return None


def host_text(host) -> Optional[str]:
    if isinstance(host, (bytes, bytearray)):
        return bytes(host).decode("ascii", "replace")
    return host if isinstance(host, str) else None


def host_is_numeric(host: str) -> bool:
    """An address the resolver parses without asking anyone (IPv4, IPv6, inet_aton forms)."""
    if parse_address(host) is not None:
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
