"""A whole soak: the runs one after another, then the summary, written and told."""

from __future__ import annotations

import time
from typing import Any, Callable, Dict, List

from harness.documents import results, runinfo
from harness.model import outcomes
from harness.soak.analysis import finding_lines, summarise
from harness.soak.runs import Options, Run, run_once


def soak(options: Options, progress: Callable[[str], None] = print) -> Dict[str, Any]:
    """Run the suite ``options.runs`` times; return the summary (also written to disk)."""
    options.output.mkdir(parents=True, exist_ok=True)
    width = len(str(options.runs))
    runs: List[Run] = []
    start = runinfo.now()
    clock = time.monotonic()
    interrupted = False
    for number in range(1, options.runs + 1):
        seed = options.seed + number - 1 if options.shuffle else None
        folder = options.output / f"run-{number:0{width}d}"
        try:
            run = run_once(options, number, seed, folder)
        except KeyboardInterrupt:
            interrupted = True
            progress(f"soak: interrupted during run {number}; summarising the runs before it")
            break
        runs.append(run)
        progress(_run_line(run, options.runs))
    summary = summarise(runs, options, start=start, end=runinfo.now(),
                        wall_seconds=time.monotonic() - clock)
    summary["interrupted"] = interrupted
    path = results.write(options.output / "summary.json", summary)
    for line in finding_lines(summary):
        progress(line)
    progress(f"soak summary: {path}")
    return summary


def _run_line(run: Run, total: int) -> str:
    order = f"seed {run.seed}" if run.seed is not None else "collection order"
    head = f"run {run.number}/{total} ({order}, {run.seconds:.1f} s): "
    if run.document is None:
        return head + f"NO RESULTS: {run.problem}"
    return head + outcomes.summary_line(run.document["summary"])
