"""The API surface of an implementation compared with the stdlib module's.

Three parts, each against the running Python's own ``socket`` module:

* the module's public names and ``__all__``;
* the module's functions, Python or builtin (``gethostbyname``, ``inet_pton``, ``CMSG_LEN``...);
* the socket type: every member along the MRO of the ``socket`` class, the C base type
  ``_socket.socket`` included, looked up the way a program does, on an instance, so a class
  that lacks a method or hides it (``__getattribute__`` or ``__getattr__`` refusing it) shows.

Signatures are compared wherever both sides can be introspected (C methods often cannot).
"""

from __future__ import annotations

import inspect
import re
import socket as stdlib_socket
from enum import IntEnum, IntFlag
from typing import Any, Dict, List, Optional, Set

#: The version of the surface object (``run_info.surface``); docs/results.md.
SURFACE_VERSION = 2

#: Classes whose Python-level methods are compared by signature.
CLASSES = ("socket", "SocketIO")

#: Special methods of the socket type that programs call (``with`` blocks, ``repr``).
SPECIAL = ("__init__", "__repr__", "__enter__", "__exit__")

#: The lists of names in a surface object, in the order the probe prints them.
NAME_KINDS = ("missing", "extra", "all_missing", "all_extra", "functions_missing",
              "functions_extra", "socket_missing", "socket_hidden", "socket_extra")


def _public(module) -> Dict[str, Any]:
    """Public names, leaving out imported modules and the enum base classes."""
    names = {}
    for name in dir(module):
        value = getattr(module, name)
        if name.startswith("_") or inspect.ismodule(value) or value in (IntEnum, IntFlag):
            continue
        names[name] = value
    return names


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _signature(obj) -> Optional[str]:
    """The signature as text, without object addresses (default sentinels differ by run)."""
    if not callable(obj) or isinstance(obj, type) and not hasattr(obj, "__init__"):
        return None
    try:
        return _ADDRESS.sub("", str(inspect.signature(obj)))
    except (TypeError, ValueError):
        return None


def _python_members(cls) -> Dict[str, Any]:
    members = {}
    for name, value in vars(cls).items():
        if name.startswith("_") and name not in ("__init__", "__repr__", "__enter__", "__exit__"):
            continue
        if inspect.isfunction(value):
            members[name] = value
    return members


def _is_function(value) -> bool:
    """A module-level function, written in Python or builtin (not a class)."""
    return inspect.isroutine(value) and not isinstance(value, type)


def functions(module) -> Dict[str, Any]:
    """The module's public functions, Python or builtin."""
    return {name: value for name, value in _public(module).items() if _is_function(value)}


def type_members(cls) -> Dict[str, Any]:
    """Public members of ``cls`` and every class of its MRO but ``object`` (C bases included)."""
    members: Dict[str, Any] = {}
    for klass in getattr(cls, "__mro__", (cls,)):
        if klass is object:
            continue
        for name, value in vars(klass).items():
            if (not name.startswith("_") or name in SPECIAL) and name not in members:
                members[name] = value
    return members


def _instance(cls):
    """An unconnected instance to look members up on, or None if none can be made."""
    try:
        return cls()
    except Exception:
        pass
    try:
        return cls.__new__(cls)
    except Exception:
        return None


def _close(instance) -> None:
    try:
        instance.close()
    except Exception:
        pass


def _reachable(instance, name: str) -> bool:
    """Whether a program can get ``name`` from the instance (any exception means no)."""
    try:
        getattr(instance, name)
    except Exception:
        return False
    return True


def _on_class(cls, name: str) -> bool:
    try:
        inspect.getattr_static(cls, name)
    except AttributeError:
        return False
    return True


def _compare_type(theirs: type, mine: type, differences: List[Dict[str, Any]],
                  compared: Set[str]) -> Dict[str, List[str]]:
    """The socket type's members: lacking, hidden from instances, added; C signatures."""
    expected_members = type_members(theirs)
    instance = _instance(mine)
    try:
        missing, hidden = [], []
        for name in sorted(expected_members):
            on_class = _on_class(mine, name)
            reachable = _reachable(instance, name) if instance is not None else on_class
            if reachable:
                continue
            (hidden if on_class else missing).append(name)
        mine_members = set(type_members(mine))
        if instance is not None:
            mine_members |= {n for n in dir(instance) if not n.startswith("_")}
            mine_members = {n for n in mine_members if _reachable(instance, n)}
        extra = sorted(n for n in mine_members - set(expected_members) if not n.startswith("_"))
    finally:
        if instance is not None:
            _close(instance)
    gone = set(missing) | set(hidden)
    for name in sorted(set(expected_members) - gone - compared):
        expected, actual = _signature(getattr(theirs, name, None)), _signature(getattr(mine, name, None))
        if None not in (expected, actual) and expected != actual:
            differences.append({"name": f"socket.{name}", "expected": expected, "actual": actual})
    return {"socket_missing": missing, "socket_hidden": hidden, "socket_extra": extra}


def compare(module, reference=stdlib_socket) -> Dict[str, Any]:
    """Names missing from ``module``, names it adds, and signatures that differ."""
    mine, theirs = _public(module), _public(reference)
    differences = []
    for name in sorted(set(mine) & set(theirs)):
        a, b = theirs[name], mine[name]
        if _is_function(a) or _is_function(b):
            expected, actual = _signature(a), _signature(b)
            if None not in (expected, actual) and expected != actual:
                differences.append({"name": name, "expected": expected, "actual": actual})
    compared: Set[str] = set()
    for cls_name in CLASSES:
        a_cls, b_cls = theirs.get(cls_name), mine.get(cls_name)
        if not (isinstance(a_cls, type) and isinstance(b_cls, type)):
            continue
        b_members = {n: getattr(b_cls, n, None) for n in _python_members(a_cls)}
        for name, a in sorted(_python_members(a_cls).items()):
            if cls_name == "socket":
                compared.add(name)
            expected, actual = _signature(a), _signature(b_members[name])
            if b_members[name] is None:
                differences.append({"name": f"{cls_name}.{name}", "expected": expected, "actual": None})
            elif actual is not None and expected != actual:
                differences.append({"name": f"{cls_name}.{name}", "expected": expected, "actual": actual})
    their_functions, my_functions = functions(reference), functions(module)
    found: Dict[str, Any] = {
        "version": SURFACE_VERSION,
        "functions_missing": sorted(set(their_functions) - set(my_functions)),
        "functions_extra": sorted(set(my_functions) - set(their_functions)),
    }
    a_cls, b_cls = theirs.get("socket"), mine.get("socket")
    if isinstance(a_cls, type) and isinstance(b_cls, type):
        found.update(_compare_type(a_cls, b_cls, differences, compared))
    else:
        found.update({"socket_missing": sorted(type_members(a_cls)) if isinstance(a_cls, type) else [],
                      "socket_hidden": [], "socket_extra": []})
    all_mine = set(getattr(module, "__all__", ()) or ())
    all_theirs = set(getattr(reference, "__all__", ()) or ())
    found.update({
        "missing": sorted(set(theirs) - set(mine)),
        "extra": sorted(set(mine) - set(theirs)),
        "signatures": differences,
        "all_missing": sorted(all_theirs - all_mine),
        "all_extra": sorted(all_mine - all_theirs),
    })
    return found
