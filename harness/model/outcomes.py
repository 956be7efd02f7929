"""Outcomes of a spec and the fingerprint of a failure."""

from __future__ import annotations

import errno as errno_module
from typing import Dict, Iterable, Optional

PASS = "pass"
FAIL = "fail"
ERROR = "error"
NA = "n/a"
XFAIL = "xfail"
XPASS = "xpass"
TIMEOUT = "timeout"
CRASH = "crash"
MISSING = "missing"
SKIP = "skip"

#: Every outcome, in the order summaries print them.
ALL = (PASS, FAIL, ERROR, NA, XFAIL, XPASS, TIMEOUT, CRASH, MISSING, SKIP)

#: Outcomes that make a run fail. A spec may not skip itself: it is n/a or it runs.
UNEXPECTED = frozenset({FAIL, ERROR, XPASS, TIMEOUT, CRASH, MISSING, SKIP})

#: When one spec has several phase outcomes, the most severe wins.
_SEVERITY = {o: i for i, o in enumerate((PASS, NA, XFAIL, SKIP, FAIL, XPASS, ERROR, TIMEOUT, CRASH))}


def worst(outcomes: Iterable[str]) -> str:
    return max(outcomes, key=lambda o: _SEVERITY.get(o, len(_SEVERITY)), default=MISSING)


def fingerprint(exc: Optional[BaseException]) -> Optional[Dict[str, Optional[str]]]:
    """{'exception': type name, 'errno': errno name or None} for a raised exception."""
    if exc is None:
        return None
    number = getattr(exc, "errno", None)
    name = errno_module.errorcode.get(number) if isinstance(number, int) else None
    return {"exception": type(exc).__name__, "errno": name}


def summary_line(counts: Dict[str, int]) -> str:
    """'N passed, N failed' followed by every other non-zero count."""
    words = {
        ERROR: "errors",
        NA: "n/a",
        XFAIL: "xfailed",
        XPASS: "xpassed",
        TIMEOUT: "timed out",
        CRASH: "crashed",
        MISSING: "missing",
        SKIP: "skipped",
    }
    parts = [f"{counts.get(PASS, 0)} passed", f"{counts.get(FAIL, 0)} failed"]
    parts += [f"{counts[o]} {words[o]}" for o in ALL[2:] if counts.get(o)]
    return ", ".join(parts)
