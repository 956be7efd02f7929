"""Implementation benchmarks: interleaved repetitions, medians, ratios, goals.

Each workload (harness.bench.workloads) runs for A, B and the raw floor in turn,
round after round (A, B, floor; then B, floor, A; ...), so that a noisy neighbour
slows all three alike. Rates are wall-clock medians over the rounds; each ratio
is the median of the ratios of CPU seconds taken within one round (the CPU time
of the process does not count the time other programs hold the CPUs).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

from harness.bench import workloads
from harness.bench.workloads import FULL, QUICK, Timing, Workload
from harness.documents import runinfo
from harness.documents.bench_document import SCHEMA, SCHEMA_VERSION

RATIO_LIMIT = 1.05
RATIO_AIM = 1.00
SENDFILE_FLOOR_LIMIT = 1.05
SENDFILE_LINE = "sendfile_os"
RATIO_CLOCK = "cpu"
DEFINITIONS = {
    "rate": "work per wall-clock second of one run: MB/s (10^6 bytes), lines/s or ops/s; "
            "higher is faster (cpu_median: per CPU second instead)",
    "median": "median over the rounds of one variant's rates",
    "cpu": "CPU seconds (user + system) of the benchmark process, every thread included",
    "ratio": "A/B cost ratio: median over rounds of (A's CPU seconds / B's CPU seconds) for the "
             "same work in the same round; below 1 means A does less work (wall_median: the "
             "same by the wall clock)",
    "a_vs_floor": "as ratio, A against the floor (the raw loop over _socket/os calls): 1 is "
                  "as cheap as the floor",
    "b_vs_floor": "as a_vs_floor, for B",
    "spread": "[min, max] of the per-round ratios",
}


@dataclasses.dataclass(frozen=True)
class Variant:
    key: str  # "a", "b" or "floor"
    name: str
    module: Any  # None: the raw floor
    info: Dict[str, Any]


def floor_variant() -> Variant:
    info = {"name": "floor", "description": "the raw loop over _socket and os calls"}
    return Variant("floor", "floor", None, info)


def run_once(workload: Workload, variant: Variant) -> Timing:
    if variant.module is None:
        return workload.floor(workload.params)
    return workload.impl(variant.module, workload.params)


def round_orders(variants: Sequence[Variant], repeat: int) -> Iterator[List[Variant]]:
    """A, B, floor; B, floor, A; floor, A, B; ...: each variant leads equally often."""
    count = len(variants)
    for index in range(repeat):
        shift = index % count
        yield list(variants[shift:]) + list(variants[:shift])


def sample(workload: Workload, variants: Sequence[Variant], repeat: int) -> Dict[str, List[Timing]]:
    """Timings per variant key, in round order (one warm-up run each, not kept)."""
    for variant in variants:
        run_once(workload, variant)
    timings: Dict[str, List[Timing]] = {v.key: [] for v in variants}
    for order in round_orders(variants, repeat):
        for variant in order:
            timings[variant.key].append(run_once(workload, variant))
    return timings


def rate(workload: Workload, seconds: float) -> float:
    per_second = workload.amount() / seconds
    return per_second / 1e6 if workload.unit == "MB/s" else per_second


def paired_ratios(top: List[float], bottom: List[float]) -> List[float]:
    return [t / b for t, b in zip(top, bottom)]


def _variant_figures(workload: Workload, timings: List[Timing]) -> Dict[str, Any]:
    walls = [t.wall for t in timings]
    cpus = [t.cpu for t in timings]
    rates = [rate(workload, s) for s in walls]
    return {
        "median": statistics.median(rates),
        "samples": rates,
        "seconds": walls,
        "cpu_median": statistics.median(rate(workload, s) for s in cpus),
        "cpu_seconds": cpus,
    }


def _ratio_figures(top: List[Timing], bottom: List[Timing]) -> Dict[str, Any]:
    ratios = {clock: paired_ratios([getattr(t, clock) for t in top],
                                   [getattr(b, clock) for b in bottom])
              for clock in ("wall", "cpu")}
    main = ratios[RATIO_CLOCK]
    return {
        "median": statistics.median(main),
        "spread": [min(main), max(main)],
        "clock": RATIO_CLOCK,
        "wall_median": statistics.median(ratios["wall"]),
        "cpu_median": statistics.median(ratios["cpu"]),
    }


def summarize(workload: Workload, timings: Dict[str, List[Timing]]) -> Dict[str, Any]:
    """One line of the table: rates, ratios and the goals that concern it."""
    line = {
        "id": workload.id,
        "title": workload.title,
        "unit": workload.unit,
        "amount": workload.amount(),
        "floor_title": workload.floor_title,
    }
    for key in ("a", "b", "floor"):
        line[key] = _variant_figures(workload, timings[key])
    line["ratio"] = _ratio_figures(timings["a"], timings["b"])
    line["a_vs_floor"] = _ratio_figures(timings["a"], timings["floor"])
    line["b_vs_floor"] = _ratio_figures(timings["b"], timings["floor"])
    line["goals"] = line_goals(line)
    return line


def line_goals(line: Dict[str, Any]) -> List[Dict[str, Any]]:
    goals = [
        _goal("ratio", f"A/B ratio <= {RATIO_LIMIT:.2f}", line["ratio"]["median"], RATIO_LIMIT),
        _goal("ratio_aim", f"A/B ratio <= {RATIO_AIM:.2f} (aim)", line["ratio"]["median"], RATIO_AIM),
    ]
    if line["id"] == SENDFILE_LINE:
        for key in ("a", "b"):
            goals.append(_goal(f"{key}_vs_floor", f"{key.upper()} within 5% of os.sendfile loop",
                               line[f"{key}_vs_floor"]["median"], SENDFILE_FLOOR_LIMIT))
    return goals


def _goal(goal_id: str, text: str, value: float, limit: float) -> Dict[str, Any]:
    return {"id": goal_id, "text": text, "value": value, "limit": limit, "met": value <= limit}


def overall_goals(lines: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The issue's goals over all lines: met only where every line meets them."""
    summary = []
    for goal_id in ("ratio", "ratio_aim", "a_vs_floor", "b_vs_floor"):
        found = [(line["id"], g) for line in lines for g in line["goals"] if g["id"] == goal_id]
        if not found:
            continue
        worst_line, worst = max(found, key=lambda pair: pair[1]["value"])
        summary.append({
            "id": goal_id,
            "text": worst["text"] + ("" if len(found) == 1 else " on every line"),
            "met": all(g["met"] for _, g in found),
            "worst_line": worst_line,
            "worst_value": worst["value"],
            "limit": worst["limit"],
        })
    return summary


@contextlib.contextmanager
def pinned(enabled: bool = True) -> Iterator[Optional[int]]:
    """Run this thread (and the peer threads it starts) on one CPU; yields it, or None.

    On one core the two ends of a scenario take turns, so the system calls per
    byte depend far less on how the scheduler spreads them over busy cores.
    """
    allowed = os.sched_getaffinity(0) if enabled and hasattr(os, "sched_getaffinity") else None
    if not allowed:
        yield None
        return
    cpu = max(allowed)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, allowed)


def machine() -> Dict[str, Any]:
    info = dict(runinfo.host_info())
    info["cpus"] = os.cpu_count()
    info["load_average"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    return info


@dataclasses.dataclass(frozen=True)
class Began:
    """When a benchmark began: its time, its clock and the machine's load then."""

    created: str
    clock: float
    load_average: Optional[List[float]]


def begin() -> Began:
    return Began(runinfo.now(), time.perf_counter(), machine()["load_average"])


def envelope(kind: str, began: Began, settings: Dict[str, Any]) -> Dict[str, Any]:
    """The head every benchmark document of ``kind`` starts with, up to its settings."""
    host = machine()
    host["load_average_before"] = began.load_average
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "created": began.created,
        "elapsed_seconds": time.perf_counter() - began.clock,
        "machine": host,
        "settings": settings,
    }


def run(
    variants: Sequence[Variant],
    repeat: int,
    quick: bool = False,
    only: Optional[Sequence[str]] = None,
    on_line: Callable[[Dict[str, Any]], None] = lambda line: None,
    pin: bool = True,
) -> Dict[str, Any]:
    """Run every workload that A and B both provide; return the JSON document."""
    sizes = QUICK if quick else FULL
    started, clock = runinfo.now(), time.perf_counter()
    load_before = machine()["load_average"]
    lines, skipped = [], []
    with tempfile.TemporaryDirectory(prefix="sockspec-bench-") as folder, pinned(pin) as cpu:
        source = str(Path(folder) / "sendfile.bin")
        workloads.write_sendfile_source(source, sizes.sendfile)
        for workload in workloads.catalogue(sizes, source):
            if only and workload.id not in only:
                continue
            if not all(workload.applies_to(v.module) for v in variants if v.module is not None):
                skipped.append({"id": workload.id, "reason": "missing " + ", ".join(workload.needs)})
                continue
            line = summarize(workload, sample(workload, variants, repeat))
            lines.append(line)
            on_line(line)
    settings = {"repeat": repeat, "quick": quick, "pinned_cpu": cpu,
                "sizes": dataclasses.asdict(sizes)}
    return document(variants, lines, skipped, settings, started, time.perf_counter() - clock,
                    load_before)


def document(variants, lines, skipped, settings, started, elapsed, load_before) -> Dict[str, Any]:
    host = machine()
    host["load_average_before"] = load_before
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "kind": "implementations",
        "created": started,
        "elapsed_seconds": elapsed,
        "machine": host,
        "settings": {
            **settings,
            "warmup_runs": 1,
            "order": "interleaved rounds; the leading variant rotates each round",
            "clocks": {"rates": "wall", "ratios": RATIO_CLOCK},
        },
        "variants": {v.key: v.info for v in variants},
        "definitions": DEFINITIONS,
        "lines": lines,
        "skipped": skipped,
        "goals": overall_goals(lines),
    }
