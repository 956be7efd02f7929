"""Benchmark of the report: build a page from many synthetic runs, then filter it in Chromium.

``python -m harness bench-report`` (or :func:`run` from other code) merges ``--runs`` results
files of ``--specs`` specs each, times building the page (reading, merging, rendering and
writing it), then opens the page in headless Chromium and times the matrix filter in the page
with ``performance.now()`` (the filter function plus the layout it causes).
"""

from __future__ import annotations

import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from harness.report import build, sample_results

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

#: Queries timed in the page: free text, outcome, column filters, and back to everything.
QUERIES = ("behaviour_04", "outcome:fail", "impl:gevent", "os:win32 py:3.12 outcome:unexpected",
           "")

_TIME_FILTER = """([queries, repeat]) => {
  const input = document.getElementById("q");
  const timed = (query) => {
    input.value = query;
    const start = performance.now();
    const shown = window.sockspecReport.apply();
    document.body.offsetHeight;  // the layout the filter causes is part of its cost
    return [performance.now() - start, shown];
  };
  const times = {};
  for (const query of queries) {
    times[query] = [];
    for (let i = 0; i < repeat; i++) {
      timed(query ? "" : "outcome:fail");
      times[query].push(timed(query));
    }
  }
  timed("");
  return times;
}"""


def launch_chromium(playwright):
    """Debian's Chromium, headless, with no network side channels."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def build_once(paths: List[Path], html: Path) -> Tuple[float, float, float]:
    """Seconds to read and merge the results, to render and write the outputs, and the CPU
    seconds of both (which a busy machine does not inflate)."""
    started, cpu = time.perf_counter(), time.process_time()
    report = build.build(paths)
    built = time.perf_counter()
    build.write(report, html)
    return built - started, time.perf_counter() - built, time.process_time() - cpu


def measure_build(folder: Path, runs: int, specs: int, seed: int, repeat: int) -> Dict[str, Any]:
    paths = sample_results.write_documents(sample_results.synthesise(runs, specs, seed),
                                           folder / "results")
    html = folder / "index.html"
    parts = [build_once(paths, html) for _ in range(repeat)]
    return {"build_seconds": [a + b for a, b, _ in parts],
            "merge_seconds": [a for a, _, _ in parts], "render_seconds": [b for _, b, _ in parts],
            "cpu_seconds": [c for _, _, c in parts], "html": html,
            "html_bytes": html.stat().st_size,
            "input_bytes": sum(p.stat().st_size for p in paths)}


def time_filter(chromium, html: Path, repeat: int) -> Dict[str, Any]:
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    try:
        started = time.perf_counter()
        page.goto(html.resolve().as_uri(), wait_until="load")
        load = time.perf_counter() - started
        times = page.evaluate(_TIME_FILTER, [list(QUERIES), repeat])
    finally:
        page.close()
    return {"load_seconds": load, "filter_ms": times, "chromium": chromium.version}


def measure_filter(html: Path, repeat: int, chromium=None) -> Dict[str, Any]:
    """Filter timings in ``chromium`` (a playwright Browser), or in one launched for this."""
    if chromium is not None:
        return time_filter(chromium, html, repeat)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_chromium(playwright)
        try:
            return time_filter(launched, html, repeat)
        finally:
            launched.close()


def run(runs: int = 50, specs: int = 1000, seed: int = 0, repeat: int = 5, browser: bool = True,
        folder: Optional[Path] = None, chromium=None) -> Dict[str, Any]:
    """Figures of one benchmark; ``folder`` keeps the files (a temporary folder otherwise).

    ``browser=False`` leaves out the Chromium timings; ``chromium`` is a playwright Browser to
    use instead of launching one.
    """
    with tempfile.TemporaryDirectory() as temporary:
        where = Path(folder or temporary)
        figures = {"runs": runs, "specs": specs, "cpus": os.cpu_count(),
                   "load_average": _load_average(),
                   "machine": f"{platform.system()} {platform.machine()}",
                   "python": platform.python_version()}
        figures.update(measure_build(where, runs, specs, seed, repeat))
        if browser:
            figures.update(measure_filter(figures["html"], repeat, chromium))
        figures["html"] = str(figures["html"])
    return figures


def _load_average() -> Optional[float]:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def lines(figures: Dict[str, Any]) -> List[str]:
    build = figures["build_seconds"]
    found = [
        f"{figures['runs']} runs x {figures['specs']} specs, {figures['cpus']} CPUs, "
        f"{figures['machine']}, Python {figures['python']}, load average "
        f"{figures['load_average']} at the start",
        f"input: {figures['input_bytes'] / 1e6:.1f} MB of results; page: "
        f"{figures['html_bytes'] / 1e6:.1f} MB",
        f"build the page: median {statistics.median(build):.2f} s, best {min(build):.2f} s, "
        f"worst {max(build):.2f} s over {len(build)} (median read and merge "
        f"{statistics.median(figures['merge_seconds']):.2f} s, render and write "
        f"{statistics.median(figures['render_seconds']):.2f} s; CPU time median "
        f"{statistics.median(figures['cpu_seconds']):.2f} s)",
    ]
    if "filter_ms" in figures:
        found.append(f"Chromium {figures['chromium']}: page load {figures['load_seconds']:.2f} s")
        for query, samples in figures["filter_ms"].items():
            values = [t for t, _ in samples]
            found.append(f"filter {query!r:45} median {statistics.median(values):7.1f} ms, "
                         f"worst {max(values):7.1f} ms, {samples[0][1]} specs shown")
    return found


def add_arguments(parser) -> None:
    parser.add_argument("--runs", type=int, default=50, help="synthetic runs (default 50)")
    parser.add_argument("--specs", type=int, default=1000, help="specs per run (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic outcomes")
    parser.add_argument("--repeat", type=int, default=5, help="timings of each step (default 5)")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium timings")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the synthetic results and the page in DIR")


def main(args) -> int:
    figures = run(args.runs, args.specs, args.seed, args.repeat, not args.no_browser, args.keep)
    for line in lines(figures):
        print(line)
    return 0
