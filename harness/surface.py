"""The API surface of an implementation compared with the stdlib module's."""

from __future__ import annotations

import inspect
import re
import socket as stdlib_socket
from enum import IntEnum, IntFlag
from typing import Any, Dict, List, Optional

#: Classes whose Python-level methods are compared by signature.
CLASSES = ("socket", "SocketIO")


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


def compare(module, reference=stdlib_socket) -> Dict[str, List[Any]]:
    """Names missing from ``module``, names it adds, and signatures that differ."""
    mine, theirs = _public(module), _public(reference)
    differences = []
    for name in sorted(set(mine) & set(theirs)):
        a, b = theirs[name], mine[name]
        if inspect.isfunction(a) or inspect.isfunction(b):
            expected, actual = _signature(a), _signature(b)
            if None not in (expected, actual) and expected != actual:
                differences.append({"name": name, "expected": expected, "actual": actual})
    for cls_name in CLASSES:
        a_cls, b_cls = theirs.get(cls_name), mine.get(cls_name)
        if not (isinstance(a_cls, type) and isinstance(b_cls, type)):
            continue
        b_members = {n: getattr(b_cls, n, None) for n in _python_members(a_cls)}
        for name, a in sorted(_python_members(a_cls).items()):
            expected, actual = _signature(a), _signature(b_members[name])
            if b_members[name] is None:
                differences.append({"name": f"{cls_name}.{name}", "expected": expected, "actual": None})
            elif actual is not None and expected != actual:
                differences.append({"name": f"{cls_name}.{name}", "expected": expected, "actual": actual})
    all_mine = set(getattr(module, "__all__", ()) or ())
    all_theirs = set(getattr(reference, "__all__", ()) or ())
    return {
        "missing": sorted(set(theirs) - set(mine)),
        "extra": sorted(set(mine) - set(theirs)),
        "signatures": differences,
        "all_missing": sorted(all_theirs - all_mine),
        "all_extra": sorted(all_mine - all_theirs),
    }
