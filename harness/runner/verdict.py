"""What one phase of a spec came to: its outcome, and the expectation's verdict on it.

The plugin hands each pytest report here and applies what comes back; nothing in this module
touches pytest's objects beyond reading the exception a phase raised.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional

from harness.model import outcomes
from harness.runner import time_limit

MESSAGE_LIMIT = 2000
#: The fingerprint exception of a known failure that is the loopback guard's refusal.
REFUSAL = "LoopbackViolation"


def timed_out(exc, seen=None) -> bool:
    """The time limit's exception is ``exc``, or is inside it (an exception group, the cause or
    context of another error): the harness's own :class:`~harness.runner.time_limit.SpecTimeout`,
    or pytest-timeout's ``Failed: Timeout`` where pytest-timeout keeps the timer (a spec outside
    the main thread). pytest-timeout raises pytest's plain ``Failed`` for it, so only its text
    tells it apart."""
    seen = set() if seen is None else seen
    if exc is None or id(exc) in seen:
        return False
    seen.add(id(exc))
    if time_limit.is_spec_timeout(exc):
        return True
    if type(exc).__name__ == "Failed" and str(exc).startswith("Timeout"):
        return True
    inner = list(getattr(exc, "exceptions", None) or ())
    inner += [exc.__cause__, exc.__context__]
    return any(timed_out(e, seen) for e in inner)


def message(excinfo) -> Optional[str]:
    if excinfo is None:
        return None
    text = excinfo.exconly().strip()
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + "..."


def phase_outcome(when: str, passed: bool, skipped: bool, excinfo, na_reason) -> Optional[str]:
    """The outcome one phase (setup, call, teardown) gives the spec; None where it adds none."""
    failed = not passed and not skipped
    late = outcomes.TIMEOUT if excinfo is not None and timed_out(excinfo.value) else None
    if when == "setup":
        if skipped:
            return outcomes.NA if na_reason else outcomes.SKIP
        return (late or outcomes.ERROR) if failed else None
    if when == "teardown":
        return (late or outcomes.ERROR) if failed else None
    if passed:
        return outcomes.PASS
    if skipped:
        return outcomes.SKIP
    return late or outcomes.FAIL


@dataclasses.dataclass
class Verdict:
    """The expectation's verdict on a spec's call phase.

    ``outcome`` replaces the phase's outcome (xfail, xpass, or fail for a known refusal);
    ``shown`` is how pytest should show the report (``skipped`` for xfail, ``failed`` for
    xpass, None to leave it); ``note`` is the text pytest shows with it.
    """

    outcome: str
    expectation: Dict[str, Any]
    message: Optional[str] = None
    fingerprint: Optional[Dict[str, Any]] = None
    shown: Optional[str] = None
    note: Optional[str] = None
    #: the failure is the loopback guard's refusal, which the guard must then not report again
    refused: bool = False


def judge(spec_id: str, phase: Dict[str, Any], entry, violations: List[str]) -> Optional[Verdict]:
    """The known failure ``entry`` (or None) applied to a call phase's outcome."""
    if entry is None or phase["outcome"] not in (outcomes.PASS, outcomes.FAIL):
        return None
    expectation = entry.as_dict()
    outcome, text, fingerprint = phase["outcome"], phase["message"], phase["fingerprint"]
    refused = bool(entry.fingerprint and entry.fingerprint.get("exception") == REFUSAL
                   and violations)
    if refused:
        # the lookup it tried is the divergence, whatever the implementation then did with the
        # refusal (swallowed it, or let the spec's own assertion meet it)
        refusal = "; ".join(violations)
        text = refusal if outcome == outcomes.PASS else f"{refusal} | {text}"
        outcome, fingerprint = outcomes.FAIL, {"exception": REFUSAL, "errno": None}
    where = f"{entry.reason} ({entry.link})"
    if outcome == outcomes.PASS:
        text = f"known failure did not happen: {where}"
        return Verdict(outcomes.XPASS, expectation, text, fingerprint, shown="failed",
                       note=f"[XPASS] {spec_id}: {text}")
    if entry.matches_failure(fingerprint):
        return Verdict(outcomes.XFAIL, expectation, text, fingerprint, shown="skipped",
                       note=where, refused=refused)
    text = (f"fails differently from its known failure: expected {dict(entry.fingerprint)}, "
            f"got {fingerprint}; {text}")
    return Verdict(outcomes.FAIL, expectation, text, fingerprint, note=text)
