"""The suite's own speed: full conformance runs and the harness's per-spec overhead.

Every command is timed from outside, start to exit, by two clocks: the wall
clock, and the CPU seconds (user + system) of the command and all its
descendants (xdist workers included). On a shared machine the CPU figure is
the steady one.

* Full runs: ``python -m harness run --impl X`` serial (``-n 0``), on all cores
  (``-n auto``) and serial with the guards switched off
  (``--sockspec-no-guards``), in interleaved rounds.
* Per-spec overhead: throw-away projects of N no-op specs, run by pytest with the
  sockspec plugins and everything ``harness run`` adds (results JSON, JUnit XML,
  report log), against the same N plain functions under bare pytest, both at
  two sizes. The overhead per spec is the difference of the slopes
  ((plugin(N2) - plugin(N1)) - (bare(N2) - bare(N1))) / (N2 - N1): start-up
  costs cancel out of it and are reported apart.
* Guards in-process: one spec's worth of guard work (snapshot, loopback audit
  on and off, leak check) timed in this process.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from harness.bench import measure
from harness.bench.workloads import BenchError, Timing
from harness.documents import results
from harness.model import paths
from harness.model.paths import ROOT

try:
    import resource
except ImportError:  # Windows: no CPU times of child processes
    resource = None  # type: ignore[assignment]

FULL_RUN_LIMIT = 15.0  # seconds, wall, on the 2-core machine of the issue
OVERHEAD_LIMIT_MS = 2.0
OVERHEAD_CLOCK = "cpu"  # the overhead goal is judged on CPU time: steady on a shared machine
RUN_TIMEOUT = 900
FULL_RUN_MODES = {
    "serial": ["-n", "0"],
    "auto": ["-n", "auto"],
    "serial_no_guards": ["-n", "0", "--", "--sockspec-no-guards"],
}
INI = textwrap.dedent("""\
    [pytest]
    addopts = -p no:cacheprovider
    timeout = 60
    timeout_method = signal
    """)


def _environment() -> Dict[str, str]:
    return paths.child_environment()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: Sequence[str], cwd: Path) -> Tuple[Timing, subprocess.CompletedProcess]:
    """Run a command to its end: wall seconds, and CPU seconds of it and its descendants."""
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run(list(argv), cwd=str(cwd), env=_environment(), capture_output=True,
                          text=True, timeout=RUN_TIMEOUT)
    return Timing(time.perf_counter() - start, _children_cpu() - cpu), done


def clock_figures(timings: List[Timing]) -> Dict[str, Any]:
    walls, cpus = [t.wall for t in timings], [t.cpu for t in timings]
    return {"median_seconds": statistics.median(walls), "seconds": walls,
            "median_cpu_seconds": statistics.median(cpus), "cpu_seconds": cpus}


# -- full conformance runs ---------------------------------------------------------------


def _results_counts(path: Path) -> Optional[Dict[str, int]]:
    try:
        document = results.read(path)
    except results.ResultsError:
        return None
    return {k: v for k, v in results.counts(document["specs"]).items() if v}


def full_run(impl: str, mode: str, output: Path, areas: Sequence[str] = ()) -> Dict[str, Any]:
    """One ``python -m harness run``: wall seconds, exit status and outcome counts."""
    results_path = output / f"{mode}.json"
    head = [*paths.cli(), "run", "--impl", impl, "--output", str(output),
            "--results", str(results_path)]
    head += [arg for area in areas for arg in ("--area", area)]
    timing, done = timed(head + FULL_RUN_MODES[mode], ROOT)
    if done.returncode not in (0, 1):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
        raise BenchError(f"harness run ({mode}) exited {done.returncode}: {' '.join(tail)}")
    return {"timing": timing, "exit": done.returncode, "counts": _results_counts(results_path)}


def full_runs(impl: str, repeat: int, areas: Sequence[str] = ()) -> Dict[str, Any]:
    """Each mode ``repeat`` times, in rounds (serial, auto, no guards; auto, ...)."""
    runs: Dict[str, List[Dict[str, Any]]] = {mode: [] for mode in FULL_RUN_MODES}
    modes = list(FULL_RUN_MODES)
    with tempfile.TemporaryDirectory(prefix="sockspec-bench-suite-") as folder:
        for index in range(repeat):
            shift = index % len(modes)
            for mode in modes[shift:] + modes[:shift]:
                runs[mode].append(full_run(impl, mode, Path(folder), areas))
    figures: Dict[str, Any] = {}
    for mode, samples in runs.items():
        figures[mode] = clock_figures([s["timing"] for s in samples])
        figures[mode]["exit"] = [s["exit"] for s in samples]
        figures[mode]["counts"] = samples[-1]["counts"]
    figures["specs"] = sum((figures["serial"]["counts"] or {}).values())
    return figures


def guard_cost_per_spec(figures: Dict[str, Any], key: str) -> Optional[float]:
    """Milliseconds per spec (by ``key``: median_seconds or median_cpu_seconds) of the guards."""
    if not figures.get("specs"):
        return None
    spent = figures["serial"][key] - figures["serial_no_guards"][key]
    return spent / figures["specs"] * 1000


# -- per-spec overhead with no-op specs ----------------------------------------------------


def sockspec_plugins() -> List[str]:
    """The plugins of every conformance run (the checkout's conftest.py loads these)."""
    return list(paths.PLUGINS)


def noop_project(folder: Path, count: int, with_plugin: bool) -> Path:
    """A project of ``count`` no-op specs, with or without the sockspec plugins."""
    folder.mkdir(parents=True)
    (folder / "pytest.ini").write_text(INI)
    (folder / "specs").mkdir()
    if with_plugin:
        (folder / "conftest.py").write_text(f"pytest_plugins = {sockspec_plugins()!r}\n")
        (folder / "expectations.toml").write_text("")
        header = f"from {paths.module('harness.model.spec')} import spec\n\n"
        body = "".join(f"\n@spec('socket.socket')\ndef test_noop_{i}():\n    pass\n"
                       for i in range(count))
    else:
        header = ""
        body = "".join(f"\ndef test_noop_{i}():\n    pass\n" for i in range(count))
    (folder / "specs" / "test_noop.py").write_text(header + body)
    return folder


def noop_command(project: Path, with_plugin: bool) -> List[str]:
    argv = [sys.executable, "-m", "pytest", "specs", "-q"]
    if with_plugin:  # what python -m harness run adds to pytest
        argv += ["--impl", "stdlib", "--expectations", str(project / "expectations.toml"),
                 "--results", str(project / "results.json"),
                 f"--junitxml={project / 'junit.xml'}", f"--report-log={project / 'log.jsonl'}"]
    return argv


def noop_run(project: Path, with_plugin: bool, count: int) -> Timing:
    timing, done = timed(noop_command(project, with_plugin), project)
    if done.returncode != 0 or f"{count} passed" not in done.stdout:
        tail = done.stdout.strip().splitlines()[-1:] or done.stderr.strip().splitlines()[-1:]
        raise BenchError(f"no-op specs run failed: {' '.join(tail)}")
    return timing


def overhead(sizes: Tuple[int, int], repeat: int) -> Dict[str, Any]:
    """Per-spec and start-up overhead of the plugin over bare pytest, by CPU and wall clock."""
    keys = [(with_plugin, n) for n in sizes for with_plugin in (True, False)]
    samples: Dict[Tuple[bool, int], List[Timing]] = {key: [] for key in keys}
    with tempfile.TemporaryDirectory(prefix="sockspec-bench-noop-") as folder:
        projects = {key: noop_project(Path(folder) / f"{'p' if key[0] else 'b'}{key[1]}",
                                      key[1], key[0]) for key in keys}
        for key in keys:  # warm-up, not kept: compiles and caches the rewritten spec files
            noop_run(projects[key], key[0], key[1])
        for index in range(repeat):
            shift = index % len(keys)
            for key in keys[shift:] + keys[:shift]:
                samples[key].append(noop_run(projects[key], key[0], key[1]))
    figures = {"sizes": list(sizes), "clock": OVERHEAD_CLOCK}
    for clock in ("cpu", "wall"):
        medians = {k: statistics.median(getattr(t, clock) for t in v) for k, v in samples.items()}
        figures[clock] = slopes(sizes, medians)
    figures.update(figures[OVERHEAD_CLOCK])
    figures["runs"] = {f"{'plugin' if p else 'bare'}_{n}": clock_figures(timings)
                       for (p, n), timings in samples.items()}
    return figures


def slopes(sizes: Tuple[int, int], medians: Dict[Tuple[bool, int], float]) -> Dict[str, float]:
    """Per-spec costs (ms) from the medians at two sizes; start-up difference in seconds."""
    small, large = sizes
    plugin_slope = (medians[(True, large)] - medians[(True, small)]) / (large - small)
    bare_slope = (medians[(False, large)] - medians[(False, small)]) / (large - small)
    per_spec = plugin_slope - bare_slope
    start_up = (medians[(True, small)] - medians[(False, small)]) - per_spec * small
    return {
        "per_spec_ms": per_spec * 1000,
        "plugin_per_spec_ms": plugin_slope * 1000,
        "bare_per_spec_ms": bare_slope * 1000,
        "start_up_seconds": start_up,
    }


def guards_in_process(rounds: int = 200) -> float:
    """Milliseconds of one spec's guard work (as harness.runner.plugin does it) in this process."""
    from harness.runner.guards import LoopbackGuard, Snapshot, find_leaks

    start = time.perf_counter()
    for _ in range(rounds):
        before = Snapshot.take()
        LoopbackGuard.begin()
        LoopbackGuard.end()
        find_leaks(before)
    return (time.perf_counter() - start) / rounds * 1000


# -- the document ------------------------------------------------------------------------


def suite_goals(full: Dict[str, Any], cost: Dict[str, Any]) -> List[Dict[str, Any]]:
    auto = full["auto"]["median_seconds"]
    return [
        {"id": "full_run", "text": f"full run (-n auto) under {FULL_RUN_LIMIT:.0f} s wall",
         "value": auto, "limit": FULL_RUN_LIMIT, "met": auto < FULL_RUN_LIMIT},
        {"id": "full_run_serial", "text": f"full run (-n 0) under {FULL_RUN_LIMIT:.0f} s wall",
         "value": full["serial"]["median_seconds"], "limit": FULL_RUN_LIMIT,
         "met": full["serial"]["median_seconds"] < FULL_RUN_LIMIT},
        {"id": "overhead",
         "text": f"harness overhead under {OVERHEAD_LIMIT_MS:.0f} ms per spec ({OVERHEAD_CLOCK})",
         "value": cost["per_spec_ms"], "limit": OVERHEAD_LIMIT_MS,
         "met": cost["per_spec_ms"] < OVERHEAD_LIMIT_MS},
    ]


def run(impl: str, repeat: int, quick: bool = False, areas: Sequence[str] = ()) -> Dict[str, Any]:
    if resource is None:
        raise BenchError("--suite needs resource.getrusage(), which this platform lacks")
    began = measure.begin()
    sizes = (20, 100) if quick else (100, 1000)
    full = full_runs(impl, repeat, areas)
    full["guard_cost_per_spec_ms"] = guard_cost_per_spec(full, "median_seconds")
    full["guard_cpu_per_spec_ms"] = guard_cost_per_spec(full, "median_cpu_seconds")
    cost = overhead(sizes, repeat)
    cost["guards_in_process_ms"] = guards_in_process(20 if quick else 200)
    settings = {"impl": impl, "repeat": repeat, "quick": quick, "areas": list(areas),
                "order": "interleaved rounds; the leading mode rotates each round"}
    return {
        **measure.envelope("suite", began, settings),
        "full_runs": full,
        "overhead": cost,
        "goals": suite_goals(full, cost),
    }
