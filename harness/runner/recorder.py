"""Turns pytest reports (from this process or from xdist workers) into spec records."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

from harness.model import outcomes
from harness.model.spec import split_nodeid

META_PROPERTY = "sockspec"
PHASE_PROPERTY = "sockspec_phase"
_CRASH = re.compile(r"worker '?[\w-]+'? crashed while running")


def _property(report, key: str):
    for name, value in getattr(report, "user_properties", ()) or ():
        if name == key:
            return value
    return None


class Recorder:
    def __init__(self) -> None:
        self._records: Dict[str, Dict[str, Any]] = {}
        self.catalogue: Dict[str, Dict[str, Any]] = {}
        self.selected: set = set()

    # -- input -------------------------------------------------------------------------

    def add_catalogue(self, entries: Iterable[Dict[str, Any]]) -> None:
        for entry in entries:
            self.catalogue.setdefault(entry["nodeid"], entry)

    def add_selected(self, nodeids: Iterable[str]) -> None:
        self.selected.update(nodeids)

    def add_report(self, report) -> None:
        phase = _property(report, PHASE_PROPERTY)
        if phase is None:
            text = str(getattr(report, "longrepr", "") or "")
            if report.failed and _CRASH.search(text):
                phase = {"outcome": outcomes.CRASH, "message": text.splitlines()[0],
                         "fingerprint": None}
            else:
                return
        record = self._record(report.nodeid, _property(report, META_PROPERTY))
        record["phases"].append(phase)
        record["duration"] += float(getattr(report, "duration", 0.0) or 0.0)

    def _record(self, nodeid: str, meta: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        record = self._records.get(nodeid)
        if record is None:
            record = self._records[nodeid] = {"nodeid": nodeid, "meta": meta, "phases": [],
                                              "duration": 0.0}
        elif record["meta"] is None and meta is not None:
            record["meta"] = meta
        return record

    # -- output ------------------------------------------------------------------------

    def _meta_for(self, nodeid: str, meta: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        if meta is None:
            meta = self.catalogue.get(nodeid)
        if meta is None:
            area, spec_id = split_nodeid(nodeid)
            meta = {"id": spec_id, "area": area, "elements": []}
        return meta

    def records(self) -> List[Dict[str, Any]]:
        result = []
        for nodeid, raw in self._records.items():
            meta = self._meta_for(nodeid, raw["meta"])
            if raw["meta"] is None and self.catalogue and nodeid not in self.catalogue:
                continue  # a crash of something that is not a spec
            result.append(self._finish(nodeid, meta, raw["phases"], raw["duration"]))
        for nodeid in sorted(self.selected - set(self._records)):
            meta = self._meta_for(nodeid, None)
            phase = {"outcome": outcomes.MISSING, "message": "never ran", "fingerprint": None}
            result.append(self._finish(nodeid, meta, [phase], 0.0))
        result.sort(key=lambda r: (r["area"], r["id"]))
        return result

    @staticmethod
    def _finish(nodeid, meta, phases, duration) -> Dict[str, Any]:
        outcome = outcomes.worst(p["outcome"] for p in phases)
        decisive = next((p for p in phases if p["outcome"] == outcome), {})
        messages = [p["message"] for p in phases if p.get("message")]
        return {
            "id": meta["id"],
            "nodeid": nodeid,
            "area": meta["area"],
            "elements": list(meta.get("elements", [])),
            "description": meta.get("description"),
            "outcome": outcome,
            "duration": round(duration, 6),
            "fingerprint": decisive.get("fingerprint"),
            "message": " | ".join(messages) if messages else None,
            "na_reason": decisive.get("na_reason"),
            "expectation": decisive.get("expectation"),
            "hypothesis": decisive.get("hypothesis"),
            "leaks": [leak for p in phases for leak in p.get("leaks", ())],
        }
