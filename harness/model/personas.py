"""Personas: run a socket module's platform branches on this host.

A persona executes a socket module's *source* (the reference, or the stdlib
module's own file) under a fresh module name, with substitute ``_socket``,
``os`` and ``sys`` modules handed to its ``import`` statements. The real
modules are never reloaded or changed: other modules hold the real socket
module's timeout sentinel, and the peers of every spec use the real ``_socket``.
"""

from __future__ import annotations

import _socket as real_socket_module
import builtins
import dataclasses
import errno
import io
import os as real_os
import selectors
import struct
import sys as real_sys
import types
from pathlib import Path
from typing import Callable, Dict, Mapping, Tuple


class PersonaError(Exception):
    """A persona that does not exist or cannot apply to this implementation."""


class _Hidden:
    """A class attribute that reads as absent, so ``hasattr(cls, name)`` is False."""

    def __init__(self, name: str):
        self.name = name

    def __get__(self, instance, owner=None):
        raise AttributeError(self.name)


def _module_copy(source: types.ModuleType, drop=(), **changes) -> types.ModuleType:
    """A new module with ``source``'s attributes, less ``drop``, plus ``changes``."""
    copy = types.ModuleType(source.__name__, getattr(source, "__doc__", None))
    for key, value in vars(source).items():
        if key not in drop and key not in ("__name__", "__loader__", "__spec__"):
            setattr(copy, key, value)
    for key, value in changes.items():
        setattr(copy, key, value)
    return copy


class _SysView(types.ModuleType):
    """``sys`` with some attributes replaced; everything else is the real one's."""

    def __init__(self, overrides: Mapping[str, object]):
        super().__init__("sys")
        self.__dict__.update(overrides)

    def __getattr__(self, name):
        return getattr(real_sys, name)


def _fake_socket_module(drop=(), **changes) -> types.ModuleType:
    return _module_copy(real_socket_module, drop=drop, **changes)


# socket.share() on Windows gives the bytes of a WSAPROTOCOL_INFOW structure (628 bytes), and
# socket(..., fileno=those bytes) rebuilds the socket from them: the C layer then takes family,
# type and proto from the structure, whatever the call passed. On this host the structure holds
# the three numbers and a duplicate descriptor, so fromshare() runs here as it does there.
SHARED_INFO_SIZE = 628
_SHARED_INFO = struct.Struct("iiii")


def _windows_socket_type() -> type:
    """_socket.socket as on Windows: no sendmsg/recvmsg, share(), and accept() that hands
    the listener's non-blocking mode on."""

    def share(self, process_id):
        """The bytes another process gives socket(fileno=...) to get this socket."""
        if not isinstance(process_id, int):
            raise TypeError(f"an integer is required (got type {type(process_id).__name__})")
        numbers = _SHARED_INFO.pack(self.family, self.type, self.proto, real_os.dup(self.fileno()))
        return numbers.ljust(SHARED_INFO_SIZE, b"\0")

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if isinstance(fileno, bytes):
            if len(fileno) != SHARED_INFO_SIZE:
                raise ValueError("socket descriptor string has wrong size, should be "
                                 f"{SHARED_INFO_SIZE} bytes.")
            family, type, proto, fileno = _SHARED_INFO.unpack_from(fileno)
        real_socket_module.socket.__init__(self, family, type, proto, fileno)

    def _accept(self):
        """As on Windows (and BSD): the new socket inherits the listener's non-blocking
        mode, which a listener with a timeout has at the OS level."""
        fd, address = real_socket_module.socket._accept(self)
        if self.gettimeout() is not None:
            real_os.set_blocking(fd, False)
        return fd, address

    namespace = {m: _Hidden(m) for m in ("sendmsg", "recvmsg", "recvmsg_into")}
    namespace.update(__module__="_socket", __slots__=(), share=share, __init__=__init__,
                     _accept=_accept)
    return type("socket", (real_socket_module.socket,), namespace)


def _not_a_descriptor(fd, *args):
    """os.get_inheritable() and set_inheritable() given a socket on Windows: a socket is a
    handle, not a C runtime descriptor, so they refuse it."""
    raise OSError(errno.EBADF, real_os.strerror(errno.EBADF))


def _windows_os() -> types.ModuleType:
    # On this host "handles" are descriptors, so the handle functions map onto the fd ones;
    # the fd functions refuse sockets, as Windows' do.
    return _module_copy(
        real_os, drop=("sendfile",), name="nt",
        get_handle_inheritable=real_os.get_inheritable,
        set_handle_inheritable=real_os.set_inheritable,
        get_inheritable=_not_a_descriptor, set_inheritable=_not_a_descriptor,
    )


@dataclasses.dataclass(frozen=True)
class Persona:
    name: str
    description: str
    platform: str
    capabilities: Mapping[str, bool]
    build: Callable[[], Dict[str, types.ModuleType]]
    hidden_builtins: Tuple[str, ...] = ()

    def modules(self) -> Dict[str, types.ModuleType]:
        """The substitute modules, made fresh for each load."""
        return self.build()

    def adjust(self, capabilities: Mapping[str, bool]) -> Dict[str, bool]:
        merged = dict(capabilities)
        merged.update(self.capabilities)
        return merged


def _windows_socket_module() -> types.ModuleType:
    kind = _windows_socket_type()
    return _fake_socket_module(drop=("socketpair",), socket=kind, SocketType=kind)


def _windows() -> Dict[str, types.ModuleType]:
    return {
        "_socket": _windows_socket_module(),
        "os": _windows_os(),
        "sys": _SysView({"platform": "win32"}),
    }


PERSONAS: Dict[str, Persona] = {
    p.name: p
    for p in (
        Persona(
            "windows",
            "os.name 'nt', sys.platform 'win32': no native socketpair (the TCP fallback), no "
            "sendmsg/recvmsg, no os.sendfile, handle-based inheritance, accepted sockets "
            "inheriting the listener's non-blocking mode, socket.share() and fromshare(), "
            "errorTab",
            "win32",
            {"socketpair_native": False, "sendmsg": False, "recvmsg": False,
             "recvmsg_into": False, "scm_rights": False, "os_sendfile": False,
             "linux_abstract_unix": False, "af_unix_dgram": False,
             "af_unix_seqpacket": False},
            _windows,
        ),
        Persona(
            "legacy-python",
            "an interpreter as 3.8-3.10 was: no builtin ExceptionGroup, no io.text_encoding "
            "(runs an implementation's compatibility branches on a newer Python)",
            real_sys.platform,
            {"exception_groups": False},
            lambda: {"io": _module_copy(io, drop=("text_encoding",))},
            hidden_builtins=("ExceptionGroup", "BaseExceptionGroup"),
        ),
        Persona(
            "no-poll", "a selectors module without PollSelector (select() is used instead)",
            real_sys.platform, {},
            lambda: {"selectors": _module_copy(selectors, drop=("PollSelector",))},
        ),
        Persona(
            "no-ipv6", "a host without IPv6 (has_ipv6 False)", real_sys.platform,
            {"ipv6": False, "dualstack_ipv6": False},
            lambda: {"_socket": _fake_socket_module(has_ipv6=False)},
        ),
        Persona(
            "no-v6only",
            "a _socket module with IPPROTO_IPV6 but without IPV6_V6ONLY (builds whose headers "
            "lack the option): no dual-stack, and create_server leaves the option alone",
            real_sys.platform,
            {"dualstack_ipv6": False},
            lambda: {"_socket": _fake_socket_module(drop=("IPV6_V6ONLY",))},
        ),
        Persona(
            "no-unix", "a host without AF_UNIX", real_sys.platform,
            {"af_unix": False, "scm_rights": False, "linux_abstract_unix": False},
            lambda: {"_socket": _fake_socket_module(drop=("AF_UNIX",))},
        ),
        Persona(
            "no-sendfile", "an os module without sendfile", real_sys.platform,
            {"os_sendfile": False},
            lambda: {"os": _module_copy(real_os, drop=("sendfile",))},
        ),
        Persona(
            "no-reuseport", "a _socket module without SO_REUSEPORT", real_sys.platform,
            {"so_reuseport": False},
            lambda: {"_socket": _fake_socket_module(drop=("SO_REUSEPORT",))},
        ),
    )
}


def get(name: str) -> Persona:
    try:
        return PERSONAS[name]
    except KeyError:
        known = ", ".join(sorted(PERSONAS))
        raise PersonaError(f"unknown persona {name!r}; known: {known}") from None


def _importer(substitutes: Mapping[str, types.ModuleType]):
    real_import = builtins.__import__

    def persona_import(name, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and name in substitutes:
            return substitutes[name]
        return real_import(name, globals, locals, fromlist, level)

    return persona_import


def load_source(path: Path, module_name: str, persona: Persona) -> Tuple[types.ModuleType, Dict]:
    """Execute ``path`` as module ``module_name`` with the persona's substitute modules."""
    source = Path(path).read_text(encoding="utf-8")
    code = compile(source, str(path), "exec")
    substitutes = persona.modules()
    module_builtins = dict(vars(builtins))
    module_builtins["__import__"] = _importer(substitutes)
    for name in persona.hidden_builtins:
        module_builtins.pop(name, None)
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    module.__dict__["__builtins__"] = module_builtins
    previous = real_sys.modules.get(module_name)
    real_sys.modules[module_name] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        if previous is None:
            real_sys.modules.pop(module_name, None)
        else:
            real_sys.modules[module_name] = previous
        raise
    return module, substitutes
