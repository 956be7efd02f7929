"""The mutation results document: what it holds, its scores, writing and reading it.

::

    {
      "format": "sockspec-mutation/1",
      "created": "2026-12-02T08:00:00Z",
      "implementation": {"name": "reference", "file": "implementations/reference/socket.py",
                         "sha256": "..."},
      "python": {"implementation": "cpython", "version": "3.11.7"},
      "operators": ["core/AddNot", ...],
      "selection": {"areas": [], "keyword": null, "elements": [], "personas": [names]},
      "shard": null | {"index": K, "count": N},
      "coverage": {"passing_specs": N, "other_specs": N, "lines_executed": N, "seconds": S,
                   "lines_executed_any": N, "configurations": {label: {...the same four}}},
      "timing": {"seconds": S, "workers": N, "load_average": [1m, 5m, 15m]},
      "counts": {"killed": N, "timeout": N, "survived": N, "no-coverage": N, "error": N,
                 "equivalent": N},
      "mutants": [{"id", "file", "line", "column", "element", "operator", "diff", "status",
                   "killers": [node id], "areas": [area], "covering": N, "ran": N,
                   "seconds": S, "configuration": "native" | persona | null (not run),
                   "detail": "...", "equivalent": "reason" (when listed)}],
      "scores": {"total": SCORE, "areas": {area: SCORE}, "elements": {element: SCORE}}
    }

A SCORE is ``{"killed", "timeout", "survived", "no-coverage", "error", "equivalent",
"score"}``; ``score`` is (killed + timeout) / (killed + timeout + survived + no-coverage), or
null when that is 0/0. Equivalent mutants (listed in the equivalents file) and errors are
outside the score. An *area* is a spec file's name without ``test_``: a killed mutant counts
for the area of the spec that killed it, a survivor against every area whose specs reach it
(``areas``); a mutant killed by one area is not counted for the others that reach it (the
first failure ends its run). An *element* is the qualified name of the function or class the
mutant is in (``<module>`` outside any).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from harness.documents.text import read_text

FORMAT = "sockspec-mutation/1"
STATUSES = ("killed", "timeout", "survived", "no-coverage", "error")
SCORE_KEYS = STATUSES + ("equivalent",)
REQUIRED = ("format", "implementation", "python", "operators", "shard", "mutants", "scores")
MUTANT_REQUIRED = ("id", "file", "line", "element", "operator", "diff", "status", "killers")


class DocumentError(Exception):
    """A malformed or truncated mutation document; the message is one line naming the file."""


def area_of(nodeid: str) -> Optional[str]:
    """``specs/test_repr.py::test_x`` -> ``repr``; None for what is not a spec's node id."""
    if "::" not in nodeid:
        return None
    name = nodeid.split("::", 1)[0].replace("\\", "/").rsplit("/", 1)[-1]
    if name.endswith(".py"):
        name = name[:-3]
    return name[5:] if name.startswith("test_") else name


def diff_summary(diff: str) -> str:
    """A mutant's diff on one line: ``- old  + new`` (changed lines joined by `` / ``)."""
    body = diff.splitlines()[3:]
    removed = [text[1:].strip() for text in body if text.startswith("-")]
    added = [text[1:].strip() for text in body if text.startswith("+")]
    return f"- {' / '.join(removed)}  + {' / '.join(added)}"


def survivors(doc: Dict[str, Any], include_uncovered: bool = False) -> List[Dict[str, Any]]:
    """The surviving mutants not listed as equivalent, by file and line."""
    wanted = ("survived", "no-coverage") if include_uncovered else ("survived",)
    return [m for m in doc["mutants"] if m["status"] in wanted and not m.get("equivalent")]


def _empty() -> Dict[str, Any]:
    return {key: 0 for key in SCORE_KEYS}


def _finish(score: Dict[str, Any]) -> Dict[str, Any]:
    killed = score["killed"] + score["timeout"]
    total = killed + score["survived"] + score["no-coverage"]
    score["score"] = round(killed / total, 4) if total else None
    return score


def _bucket(mutant: Dict[str, Any]) -> str:
    return "equivalent" if mutant.get("equivalent") else mutant["status"]


def scores(mutants: Iterable[Dict[str, Any]]) -> Dict[str, Any]:
    """The total, per-area and per-element scores of a list of mutant records."""
    total = _empty()
    areas: Dict[str, Dict[str, Any]] = {}
    elements: Dict[str, Dict[str, Any]] = {}
    for mutant in mutants:
        bucket = _bucket(mutant)
        total[bucket] += 1
        elements.setdefault(mutant["element"], _empty())[bucket] += 1
        if mutant["status"] in ("killed", "timeout") and bucket != "equivalent":
            chosen = {area_of(k) for k in mutant["killers"]} - {None}
        else:
            chosen = set(mutant.get("areas", ()))
        for area in chosen:
            areas.setdefault(area, _empty())[bucket] += 1
    return {
        "total": _finish(total),
        "areas": {k: _finish(v) for k, v in sorted(areas.items())},
        "elements": {k: _finish(v) for k, v in sorted(elements.items())},
    }


def counts(mutants: Iterable[Dict[str, Any]]) -> Dict[str, int]:
    result = _empty()
    for mutant in mutants:
        result[_bucket(mutant)] += 1
    return result


def python_info() -> Dict[str, str]:
    return {"implementation": sys.implementation.name, "version": platform.python_version()}


def build(*, implementation: Dict[str, Any], operators: List[str], selection: Dict[str, Any],
          shard: Optional[Dict[str, int]], coverage: Dict[str, Any], timing: Dict[str, Any],
          mutants: List[Dict[str, Any]], created: str) -> Dict[str, Any]:
    """A complete document; counts and scores are computed from ``mutants``."""
    mutants = sorted(mutants, key=lambda m: (m["file"], m["line"], m.get("column", 0), m["id"]))
    return {
        "format": FORMAT,
        "created": created,
        "implementation": implementation,
        "python": python_info(),
        "operators": list(operators),
        "selection": selection,
        "shard": shard,
        "coverage": coverage,
        "timing": timing,
        "counts": counts(mutants),
        "mutants": mutants,
        "scores": scores(mutants),
    }


def apply_equivalents(document: Dict[str, Any], equivalents: Dict[str, str]) -> Dict[str, Any]:
    """Mark the listed mutants equivalent (their reason) and compute counts and scores anew."""
    for mutant in document["mutants"]:
        reason = equivalents.get(mutant["id"])
        if reason:
            mutant["equivalent"] = reason
        else:
            mutant.pop("equivalent", None)
    document["counts"] = counts(document["mutants"])
    document["scores"] = scores(document["mutants"])
    return document


def write(document: Dict[str, Any], path: Path) -> None:
    """Write atomically: a reader never sees half a document."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=str(path.parent), prefix=path.name, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        json.dump(document, stream, indent=1, sort_keys=False)
        stream.write("\n")
    os.replace(temporary, path)


def read(path: Path) -> Dict[str, Any]:
    """A mutation document, checked; DocumentError (one line, naming the file) otherwise."""
    path = Path(path)
    text = read_text(path, DocumentError)
    if not text.strip():
        raise DocumentError(f"{path}: empty file (truncated?)")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = " (truncated?)" if exc.pos >= len(text.rstrip()) - 1 else ""
        raise DocumentError(f"{path}: not valid JSON{hint}: {exc.msg} at line {exc.lineno} "
                            f"column {exc.colno}") from None
    check(data, str(path))
    return data


def check(data: Any, name: str) -> None:
    if not isinstance(data, dict):
        raise DocumentError(f"{name}: not a mutation document (a JSON object is expected)")
    if data.get("format") != FORMAT:
        raise DocumentError(f"{name}: format {data.get('format')!r} is not {FORMAT!r}")
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise DocumentError(f"{name}: missing key {missing[0]!r}")
    if not isinstance(data["mutants"], list):
        raise DocumentError(f"{name}: 'mutants' must be a list")
    seen = set()
    for number, mutant in enumerate(data["mutants"]):
        where = f"{name}: mutants[{number}]"
        if not isinstance(mutant, dict):
            raise DocumentError(f"{where}: not an object")
        absent = [key for key in MUTANT_REQUIRED if key not in mutant]
        if absent:
            raise DocumentError(f"{where}: missing key {absent[0]!r}")
        if mutant["status"] not in STATUSES:
            raise DocumentError(f"{where}: unknown status {mutant['status']!r}")
        if not isinstance(mutant["killers"], list):
            raise DocumentError(f"{where}: 'killers' must be a list")
        if mutant["id"] in seen:
            raise DocumentError(f"{where}: mutant id {mutant['id']!r} appears twice")
        seen.add(mutant["id"])
    shard = data["shard"]
    if shard is not None and not (isinstance(shard, dict) and {"index", "count"} <= set(shard)):
        raise DocumentError(f"{name}: 'shard' must be null or {{index, count}}")


def merge(documents: List[Dict[str, Any]], names: List[str]) -> Dict[str, Any]:
    """One document from the shards of a run (same implementation source and operators)."""
    if not documents:
        raise DocumentError("nothing to merge")
    first = documents[0]
    mutants: List[Dict[str, Any]] = []
    for document, name in zip(documents, names):
        if document["implementation"].get("sha256") != first["implementation"].get("sha256"):
            raise DocumentError(f"{name}: another source of the implementation than {names[0]}")
        if document["operators"] != first["operators"]:
            raise DocumentError(f"{name}: other operators than {names[0]}")
        mutants += document["mutants"]
    ids = [m["id"] for m in mutants]
    if len(ids) != len(set(ids)):
        raise DocumentError(f"{', '.join(names)}: the shards overlap")
    merged = dict(first, mutants=sorted(mutants, key=lambda m: (m["file"], m["line"],
                                                                m.get("column", 0), m["id"])))
    merged["shard"] = None
    merged["counts"] = counts(merged["mutants"])
    merged["scores"] = scores(merged["mutants"])
    return merged
