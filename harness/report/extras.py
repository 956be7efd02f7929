"""Optional inputs of ``python -m harness report``: soak summaries and benchmark documents.

``--flaky`` reads soak summaries (``python -m harness soak``, docs/reliability.md) through
:func:`harness.soak.flaky_marks`; ``--bench`` reads the documents of ``python -m harness bench``
(schema ``sockspec-bench``, kinds ``implementations`` and ``suite``, docs/performance.md). A file
that cannot be used becomes a rejected :class:`~harness.merge.Problem` naming it (role ``soak``
or ``bench``); the others are still shown.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from harness.documents import bench_document, soak_summary
from harness.documents.bench_document import BenchDocumentError
from harness.report.merge import Merged, Problem

Mark = Dict[str, Any]
Marks = Dict[Tuple[str, str], Mark]

#: The suite's full runs, in the order they are shown, with what each one is.
SUITE_RUNS = (
    ("serial", "full run, -n 0"),
    ("auto", "full run, -n auto"),
    ("serial_no_guards", "full run, -n 0, no guards"),
)


# --- flaky marks -------------------------------------------------------------------------------


def read_flaky(paths: Sequence[Path]) -> Tuple[Marks, List[Problem]]:
    """Marks of every usable summary in ``paths``, and a problem for each one that is not.

    Each summary is read on its own so that one bad file does not hide the others; where two
    summaries mark the same spec, the higher rate wins (as in :func:`soak_summary.flaky_marks`).
    """
    marks: Marks = {}
    problems: List[Problem] = []
    for path in paths:
        try:
            found = soak_summary.flaky_marks([Path(path)])
        except soak_summary.SoakError as exc:
            problems.append(Problem(file=str(path), message=str(exc), role="soak"))
            continue
        for key, mark in found.items():
            if key not in marks or marks[key]["rate"] < mark["rate"]:
                marks[key] = mark
    return marks, problems


def flaky_rows(marks: Marks, merged: Merged) -> List[Dict[str, Any]]:
    """The rows of the *Flaky specs* table: ``index`` is the spec's row in the matrix, or None."""
    index = {spec.id: i for i, spec in enumerate(merged.specs)}
    rows = [{"implementation": impl, "spec": spec, "index": index.get(spec), **mark}
            for (impl, spec), mark in marks.items()]
    return sorted(rows, key=lambda row: (row["implementation"], row["spec"]))


def matrix_marks(marks: Marks, merged: Merged) -> Dict[int, str]:
    """{matrix row: the marks' texts, one ``implementation: text`` per implementation}."""
    index = {spec.id: i for i, spec in enumerate(merged.specs)}
    found: Dict[int, List[str]] = {}
    for (impl, spec), mark in sorted(marks.items()):
        if spec in index:
            found.setdefault(index[spec], []).append(f"{impl}: {mark['text']}")
    return {row: "; ".join(texts) for row, texts in found.items()}


# --- benchmark documents ----------------------------------------------------------------------


@dataclasses.dataclass
class BenchTable:
    """One benchmark document, as the *Benchmarks* section shows it."""

    file: str
    kind: str
    created: str
    machine: str
    a: str = ""
    b: str = ""
    lines: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    skipped: List[Dict[str, str]] = dataclasses.field(default_factory=list)
    runs: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    overhead: Dict[str, Any] = dataclasses.field(default_factory=dict)
    goals: List[Dict[str, Any]] = dataclasses.field(default_factory=list)


def read_bench(paths: Sequence[Path]) -> Tuple[List[BenchTable], List[Problem]]:
    """A table per usable benchmark document, and a problem for each one that is not."""
    tables: List[BenchTable] = []
    problems: List[Problem] = []
    for path in paths:
        try:
            tables.append(bench_table(Path(path)))
        except BenchDocumentError as exc:
            problems.append(Problem(file=str(path), message=f"{path}: {exc}", role="bench"))
    return tables, problems


def bench_table(path: Path) -> BenchTable:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BenchDocumentError(f"cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BenchDocumentError("not a JSON document") from None
    if not isinstance(document, dict) or document.get("schema") != bench_document.SCHEMA:
        raise BenchDocumentError("not a sockspec benchmark document")
    if document.get("schema_version") != bench_document.SCHEMA_VERSION:
        raise BenchDocumentError(f"unsupported schema_version {document.get('schema_version')!r} "
                         f"(this harness reads {bench_document.SCHEMA_VERSION})")
    kind = document.get("kind")
    if kind not in bench_document.KINDS:
        raise BenchDocumentError(f"unknown kind {kind!r}")
    try:
        table = BenchTable(file=str(path), kind=kind, created=_text(document.get("created")),
                           machine=_machine(document.get("machine")),
                           goals=_goals(document.get("goals", [])))
        if kind == "implementations":
            _implementations(document, table)
        elif kind == "suite":
            _suite(document, table)
        else:
            _mutation(document, table)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BenchDocumentError(f"malformed {kind} document ({type(exc).__name__}: {exc})") from None
    return table


def _implementations(document: Dict[str, Any], table: BenchTable) -> None:
    variants = document["variants"]
    table.a, table.b = _text(variants["a"]["name"]), _text(variants["b"]["name"])
    for line in _list(document["lines"]):
        unit = _text(line["unit"])
        table.lines.append({
            "id": _text(line["id"]),
            "title": _text(line.get("title") or line["id"]),
            "unit": unit,
            "a": _number(line["a"]["median"]),
            "b": _number(line["b"]["median"]),
            "ratio": _number(line["ratio"]["median"]),
            "a_vs_floor": _number(line["a_vs_floor"]["median"]),
            "b_vs_floor": _number(line["b_vs_floor"]["median"]),
            "goals": _goals(line.get("goals", [])),
        })
    table.skipped = [{"id": _text(s["id"]), "reason": _text(s.get("reason"))}
                     for s in _list(document.get("skipped", []))]


def _suite(document: Dict[str, Any], table: BenchTable) -> None:
    full = document["full_runs"]
    table.a = _text(document.get("settings", {}).get("impl"))
    for key, title in SUITE_RUNS:
        if key in full:
            table.runs.append({"id": key, "title": title,
                               "wall": _number(full[key]["median_seconds"]),
                               "cpu": _optional(full[key].get("median_cpu_seconds"))})
    cost = document["overhead"]
    table.overhead = {
        "specs": full.get("specs"),
        "clock": _text(cost.get("clock", "")),
        "per_spec_ms": _number(cost["per_spec_ms"]),
        "plugin_per_spec_ms": _optional(cost.get("plugin_per_spec_ms")),
        "bare_per_spec_ms": _optional(cost.get("bare_per_spec_ms")),
        "start_up_seconds": _optional(cost.get("start_up_seconds")),
        "guard_cost_per_spec_ms": _optional(full.get("guard_cost_per_spec_ms")),
        "guard_cpu_per_spec_ms": _optional(full.get("guard_cpu_per_spec_ms")),
    }


def _mutation(document: Dict[str, Any], table: BenchTable) -> None:
    result = document["mutation"]
    table.a = _text(document.get("settings", {}).get("impl"))
    sample = result["sample"]
    for key, title in (("session", "a mutant forked from a collected session"),
                       ("fork", "a mutant forked from the server"),
                       ("spawn", "a mutant in a new python -m pytest")):
        if f"{key}_seconds_per_mutant" not in sample:  # documents older than --runs session
            continue
        table.runs.append({"id": key, "title": title,
                           "wall": _number(sample[f"{key}_seconds_per_mutant"]), "cpu": None})
    full = result.get("full")
    if full:
        table.runs.append({"id": "full", "title": "every mutant under every persona",
                           "wall": _number(full["wall_seconds"]),
                           "cpu": _optional(full.get("cpu_seconds"))})


def _goals(goals: Any) -> List[Dict[str, Any]]:
    return [{"text": _text(g["text"]), "met": _flag(g["met"]),
             "value": _optional(g.get("value", g.get("worst_value"))),
             "limit": _optional(g.get("limit")), "worst_line": g.get("worst_line")}
            for g in _list(goals)]


def _list(value: Any) -> List[Any]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list, found {type(value).__name__}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"expected a number, found {value!r}"[:120])
    return float(value)


def _optional(value: Any) -> Optional[float]:
    return None if value is None else _number(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, found {value!r}"[:120])
    return value


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _machine(info: Any) -> str:
    if not isinstance(info, dict):
        return ""
    parts = [info.get("os_name") or info.get("os"), info.get("arch"),
             info.get("python_implementation"), info.get("python_version")]
    cpus = info.get("cpus")
    return " · ".join(str(p) for p in parts if p) + (f" · {cpus} CPUs" if cpus else "")


def rate(value: float) -> str:
    """A throughput with three significant figures at least, without a needless exponent."""
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value >= 1 else f"{value:.3f}"
