"""The report's first view: what needs attention, and the known failures by cause.

An adopter's first question is "what broke?", so the unexpected outcomes come first, each with
its message, fingerprint, the spec's one-line description and the expectations entry that
would accept it. Known failures (xfail) are grouped by the cause their expectation names.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, List, Optional

from harness.model import outcomes
from harness.model.expectations_update import snippet
from harness.report.merge import Merged, Spec


@dataclasses.dataclass
class Unexpected:
    """One spec of one implementation that ended the same unexpected way in some runs."""

    spec: Spec
    outcome: str
    record: Dict[str, Any]
    runs: List[str]

    @property
    def message(self) -> Optional[str]:
        return self.record.get("message")

    @property
    def fingerprint(self) -> Dict[str, Any]:
        return self.record.get("fingerprint") or {}

    @property
    def description(self) -> Optional[str]:
        return self.record.get("description")

    @property
    def entry(self) -> Optional[str]:
        """A format-2 entry that would make this failure a known one (failures only: an
        expectation cannot turn an error, a timeout or a crash into an xfail)."""
        if self.outcome != outcomes.FAIL:
            return None
        return snippet(self.spec.id, self.fingerprint)


@dataclasses.dataclass
class Cause:
    """Known failures of one implementation that share one explanation."""

    name: Optional[str]
    reason: str
    link: str
    specs: List[str]
    runs: int


@dataclasses.dataclass
class ImplementationAttention:
    name: str
    unexpected: List[Unexpected]
    causes: List[Cause]


def _key(outcome: str, record: Dict[str, Any]) -> str:
    return json.dumps([outcome, record.get("message"), record.get("fingerprint")],
                      sort_keys=True, default=str)


def attention(merged: Merged) -> List[ImplementationAttention]:
    """Per implementation: its unexpected outcomes (worst first) and its causes of xfail."""
    found: Dict[str, Dict[str, Unexpected]] = {}
    causes: Dict[str, Dict[str, Cause]] = {}
    for spec in merged.specs:
        for run, outcome, record in zip(merged.runs, spec.outcomes, spec.cells):
            impl = run.implementation
            found.setdefault(impl, {})
            causes.setdefault(impl, {})
            record = record or {}
            if outcome in outcomes.UNEXPECTED:
                key = spec.id + "\0" + _key(outcome, record)
                item = found[impl].setdefault(key, Unexpected(spec, outcome, record, []))
                item.runs.append(run.label)
            elif outcome == outcomes.XFAIL:
                expectation = record.get("expectation") or {}
                reason = str(expectation.get("reason") or "")
                link = str(expectation.get("link") or "")
                name = expectation.get("cause")
                cause = causes[impl].setdefault(
                    json.dumps([name, reason, link]), Cause(name, reason, link, [], 0))
                if spec.id not in cause.specs:
                    cause.specs.append(spec.id)
                cause.runs += 1
    order = {o: i for i, o in enumerate(outcomes.ALL)}
    return [
        ImplementationAttention(
            name=impl,
            unexpected=sorted(items.values(), key=lambda u: (order[u.outcome], u.spec.id)),
            causes=sorted(causes[impl].values(), key=lambda c: (-len(c.specs), c.reason)),
        )
        for impl, items in found.items()
    ]
