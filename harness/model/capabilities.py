"""Host capability probes, run once per run with the trusted ``_socket`` module.

Each probe answers one question about this host; a spec lists the ones it
needs in ``needs=[...]`` and is ``n/a`` where any is missing.
"""

from __future__ import annotations

import _socket
import builtins
import os
import shutil
import signal
import subprocess
import sys
from typing import Callable, Dict

from harness.model.hosts import hosts_file


def _closing_probe(family: int, kind: int, use: Callable[[object], None]) -> bool:
    try:
        sock = _socket.socket(family, kind)
    except (OSError, AttributeError):
        return False
    try:
        use(sock)
        return True
    except OSError:
        return False
    finally:
        sock.close()


def _ipv6() -> bool:
    if not _socket.has_ipv6:
        return False
    return _closing_probe(_socket.AF_INET6, _socket.SOCK_STREAM, lambda s: s.bind(("::1", 0)))


def _dualstack_ipv6() -> bool:
    names = ("IPPROTO_IPV6", "IPV6_V6ONLY")
    if not _ipv6() or not all(hasattr(_socket, n) for n in names):
        return False

    def clear_v6only(sock):
        sock.setsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY, 0)

    return _closing_probe(_socket.AF_INET6, _socket.SOCK_STREAM, clear_v6only)


def _af_unix() -> bool:
    family = getattr(_socket, "AF_UNIX", None)
    return family is not None and _closing_probe(family, _socket.SOCK_STREAM, lambda s: None)


def _scm_rights() -> bool:
    return (
        _af_unix()
        and hasattr(_socket, "SCM_RIGHTS")
        and hasattr(_socket.socket, "sendmsg")
        and hasattr(_socket.socket, "recvmsg")
    )


def _so_reuseport() -> bool:
    option = getattr(_socket, "SO_REUSEPORT", None)
    if option is None:
        return False

    def set_reuseport(sock):
        sock.setsockopt(_socket.SOL_SOCKET, option, 1)

    return _closing_probe(_socket.AF_INET, _socket.SOCK_STREAM, set_reuseport)


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _netns() -> bool:
    if not (sys.platform.startswith("linux") and _is_root()):
        return False
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    try:
        done = subprocess.run(["unshare", "--net", "--", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _unix_kind(kind_name: str) -> bool:
    kind = getattr(_socket, kind_name, None)
    family = getattr(_socket, "AF_UNIX", None)
    if kind is None or family is None or not hasattr(_socket, "socketpair"):
        return False
    try:
        a, b = _socket.socketpair(family, kind)
    except OSError:
        return False
    a.close()
    b.close()
    return True


def _file_has_line(path: str, words) -> bool:
    """True when a line of the text file ``path`` starts with the given words (the host's own
    name databases: /etc/hosts, /etc/services, /etc/protocols)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                fields = line.split("#", 1)[0].split()
                if fields[: len(words)] == list(words):
                    return True
    except OSError:
        return False
    return False


def _hosts_localhost() -> bool:
    """``localhost`` is answered by the host's own files: /etc/hosts maps it to 127.0.0.1."""
    try:
        with open("/etc/hosts", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                fields = line.split("#", 1)[0].split()
                if fields and fields[0] == "127.0.0.1" and "localhost" in fields[1:]:
                    return True
    except OSError:
        return False
    return False


def _loopback_interface() -> bool:
    if not hasattr(_socket, "if_nametoindex"):
        return False
    try:
        return _socket.if_nametoindex("lo") > 0
    except OSError:
        return False


def _c_raises(exception, function: str, *args) -> bool:
    """Whether ``_socket.<function>(*args)`` raises ``exception`` (warnings silenced): how this
    Python's C module treats an out-of-range argument."""
    import warnings

    call = getattr(_socket, function, None)
    if call is None:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            call(*args)
        except exception:
            return True
        except Exception:
            return False
    return False


_HUGE_PORT_LOOKUP = ("getaddrinfo", "127.0.0.1", 2**64, _socket.AF_INET, _socket.SOCK_STREAM)


CAPABILITIES: Dict[str, Callable[[], bool]] = {
    "ipv6": _ipv6,
    "dualstack_ipv6": _dualstack_ipv6,
    "af_unix": _af_unix,
    "scm_rights": _scm_rights,
    "os_sendfile": lambda: hasattr(os, "sendfile"),
    "so_reuseport": _so_reuseport,
    "socketpair_native": lambda: hasattr(_socket, "socketpair"),
    "sendmsg": lambda: hasattr(_socket.socket, "sendmsg"),
    "linux_abstract_unix": lambda: sys.platform.startswith("linux") and _af_unix(),
    "exception_groups": lambda: hasattr(builtins, "ExceptionGroup"),
    # PEP 597 (3.10): EncodingWarning and the interpreter's -X warn_default_encoding
    "encoding_warning": lambda: hasattr(builtins, "EncodingWarning"),
    # The C module raises _socket.timeout; only from 3.10 is that TimeoutError itself.
    "timeout_is_timeouterror": lambda: _socket.timeout is TimeoutError,
    # CPython's C setblocking() takes any object for its truth value from 3.12 (int before).
    "setblocking_any_truth_value": lambda: (
        sys.implementation.name == "cpython" and sys.version_info >= (3, 12)
    ),
    "root": _is_root,
    "netns": _netns,
    "af_unix_dgram": lambda: _unix_kind("SOCK_DGRAM"),
    "af_unix_seqpacket": lambda: _unix_kind("SOCK_SEQPACKET"),
    "recvmsg": lambda: hasattr(_socket.socket, "recvmsg"),
    "recvmsg_into": lambda: hasattr(_socket.socket, "recvmsg_into"),
    "sigalrm": lambda: hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM"),
    "linux": lambda: sys.platform.startswith("linux"),
    "scm_credentials": lambda: {"SO_PASSCRED", "SCM_CREDENTIALS"} <= set(dir(_socket)),
    # names the host's own files answer (no query leaves the machine)
    "hosts_localhost": _hosts_localhost,
    "services_db": lambda: _file_has_line("/etc/services", ("http", "80/tcp")),
    "protocols_db": lambda: _file_has_line("/etc/protocols", ("tcp", "6")),
    "loopback_interface": _loopback_interface,
    # the files answer this host's own name (IPv4) and the reverse lookup of ::1
    "hostname_in_hosts": lambda: hosts_file().answers_name(_socket.gethostname(), _socket.AF_INET),
    "hosts_ipv6_loopback": lambda: _file_has_line("/etc/hosts", ("::1",)),
    # C-level range checks that changed between versions (3.10, 3.12, 3.13), both ways round
    "htons_overflow_is_error": lambda: _c_raises(OverflowError, "htons", 0x10001),
    "htons_overflow_truncates": lambda: not _c_raises(OverflowError, "htons", 0x10001),
    "getaddrinfo_port_as_text": lambda: not _c_raises(OverflowError, *_HUGE_PORT_LOOKUP),
    "getaddrinfo_port_overflows": lambda: _c_raises(OverflowError, *_HUGE_PORT_LOOKUP),
    "if_indextoname_checks_32_bits": lambda: _c_raises(OverflowError, "if_indextoname", 2**32 + 1),
    "if_indextoname_truncates": lambda: not _c_raises(OverflowError, "if_indextoname", 2**32 + 1),
}


def probe_all() -> Dict[str, bool]:
    """Every capability of this host, by name."""
    return {name: bool(probe()) for name, probe in CAPABILITIES.items()}
