"""Soak: run the specs many times in random order and report what is not stable.

Each run is a separate ``python -m harness run`` process (pytest-xdist as usual) with its own
output folder and its own seed, which orders the specs (``harness.shuffle``) and seeds the
property specs (``--hypothesis-seed``): a run is reproduced from its seed. The runs' results
files are then compared spec by spec:

* a spec whose outcome is not the same in every run is **flaky**, with the rate at which it
  left its usual outcome and the runs (and seeds) where it did;
* a spec whose guard found something left behind (messages ``left N file descriptor(s)
  open``, ``left N thread(s) running``, ``left N child process(es)``) in any run is a **leak**;
* a spec whose outcome is unexpected but the same in every run is listed as **unexpected**:
  a stable finding for the results, not a reliability problem.

The findings are written as one JSON document (schema ``sockspec-soak``, described in
docs/reliability.md); :func:`read_summary` validates one and :func:`flaky_marks` turns
summaries into the ``flaky`` markers of the report.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from harness import outcomes, paths, results, runinfo

SCHEMA = "sockspec-soak"
SCHEMA_VERSION = 1

#: Outcome given, in the soak only, to a spec that is absent from one run's results but present
#: in another's: the set of specs changed during the soak (files edited, another collection).
ABSENT = "absent"

#: The guards' sentences about what a spec left behind (harness.guards.find_leaks).
_LEAK = re.compile(
    r"(?:^|(?<=: )|(?<=; )|(?<=\| ))left (\d+) "
    r"(file descriptor\(s\) open|thread\(s\) running|child process\(es\))(?::\s*([^;|]*))?"
)
_LEAK_KINDS = {
    "file descriptor(s) open": "descriptor",
    "thread(s) running": "thread",
    "child process(es)": "process",
}
_RESULTS_LINE = re.compile(r"^results: (.+\.json)\s*$", re.MULTILINE)
MESSAGE_LIMIT = 500
SUMMARY_KEYS = ("implementation", "runs_requested", "runs", "flaky", "leaks", "unexpected")


class SoakError(ValueError):
    """A soak summary that cannot be used; the message names the file."""


@dataclasses.dataclass
class Run:
    """One run of the suite: its seed, how it ended and its results document (if any)."""

    number: int
    seed: Optional[int]
    exit_status: Optional[int] = None
    seconds: float = 0.0
    results: Optional[str] = None
    document: Optional[Dict[str, Any]] = None
    problem: Optional[str] = None
    output: Optional[str] = None

    def as_dict(self) -> Dict[str, Any]:
        document = self.document or {}
        return {
            "run": self.number,
            "seed": self.seed,
            "exit_status": self.exit_status,
            "seconds": round(self.seconds, 3),
            "results": self.results,
            "output": self.output,
            "summary": document.get("summary"),
            "problem": self.problem,
        }


@dataclasses.dataclass
class Options:
    impl: str = "stdlib"
    #: the implementation's name (for the summary when no run wrote results)
    name: Optional[str] = None
    runs: int = 10
    workers: str = "auto"
    areas: Sequence[str] = ()
    persona: Optional[str] = None
    seed: int = 0
    shuffle: bool = True
    output: Path = paths.output_root() / "soak"
    run_timeout: float = 3600.0
    pytest_args: Sequence[str] = ()


# -- running ---------------------------------------------------------------------------


def run_command(options: Options, seed: Optional[int], output: Path) -> List[str]:
    """The ``python -m harness run`` command line of one soak run."""
    command = [*paths.cli(), "run", "--impl", options.impl,
               "-n", str(options.workers), "--output", str(output)]
    if options.persona:
        command += ["--persona", options.persona]
    for area in options.areas:
        command += ["--area", area]
    command += ["--", "-p", "no:randomly"]
    if seed is not None:
        command += ["-p", paths.module("harness.shuffle"), "--sockspec-shuffle", str(seed),
                    f"--hypothesis-seed={seed}"]
    command += list(options.pytest_args)
    return command


def _environment() -> Dict[str, str]:
    return paths.child_environment()


def _stop(process: subprocess.Popen) -> None:
    """End a run that overstayed: its whole process group (the xdist workers too)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):
        process.kill()
    process.wait()


def _find_results(stdout: str, folder: Path, since: float) -> Optional[Path]:
    found = _RESULTS_LINE.findall(stdout)
    if found:
        path = Path(found[-1].strip())
        return path if path.is_absolute() else Path.cwd() / path
    fresh = [p for p in folder.glob("*.json") if p.stat().st_mtime >= since - 1]
    return max(fresh, key=lambda p: p.stat().st_mtime) if fresh else None


def run_once(options: Options, number: int, seed: Optional[int], folder: Path) -> Run:
    """Run the suite once into ``folder``; never raises for what the run itself does."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "output.txt"
    run = Run(number=number, seed=seed, output=str(log))
    started = time.time()
    clock = time.monotonic()
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(
            run_command(options, seed, folder), env=_environment(),
            stdout=out, stderr=subprocess.STDOUT, start_new_session=hasattr(os, "killpg"),
        )
        try:
            process.wait(timeout=options.run_timeout)
        except subprocess.TimeoutExpired:
            _stop(process)
            run.problem = f"did not finish within {options.run_timeout:g} s; stopped"
        except BaseException:
            _stop(process)
            raise
    run.seconds = time.monotonic() - clock
    run.exit_status = process.returncode
    try:
        stdout = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        stdout = ""
    path = _find_results(stdout, folder, started)
    if path is None:
        run.problem = run.problem or _no_results(process.returncode, log)
        return run
    run.results = str(path)
    try:
        run.document = results.read(path)
    except results.ResultsError as exc:
        run.problem = str(exc)
    return run


def _no_results(status: Optional[int], log: Path) -> str:
    last = ""
    try:
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
        last = lines[-1].strip() if lines else ""
    except OSError:
        pass
    if status is not None and status < 0:
        why = f"killed by signal {-status}"
    else:
        why = f"exit status {status}"
    return f"no results file ({why}){': ' + last[:MESSAGE_LIMIT] if last else ''}"


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


# -- analysis --------------------------------------------------------------------------


def leak_findings(message: Optional[str]) -> List[Tuple[str, str]]:
    """(kind, sentence) for every guard leak finding in a spec's message."""
    if not message:
        return []
    found = []
    for match in _LEAK.finditer(message):
        found.append((_LEAK_KINDS[match.group(2)], match.group(0).strip()))
    return found


def _usual(counter: collections.Counter) -> str:
    rank = {o: i for i, o in enumerate(outcomes.ALL)}
    return min(counter, key=lambda o: (-counter[o], rank.get(o, len(rank))))


def _clip(text: Optional[str]) -> Optional[str]:
    if text is None or len(text) <= MESSAGE_LIMIT:
        return text
    return text[:MESSAGE_LIMIT] + "..."


def analyse(runs: Sequence[Run]) -> Dict[str, List[Dict[str, Any]]]:
    """Flaky specs, leaks and stable unexpected outcomes over the runs that have results."""
    done = [run for run in runs if run.document is not None]
    by_run: List[Dict[str, Dict[str, Any]]] = [
        {record["id"]: record for record in run.document["specs"]} for run in done
    ]
    ids = sorted({spec_id for records in by_run for spec_id in records})
    flaky, leaks, unexpected = [], [], []
    for spec_id in ids:
        seen = [records.get(spec_id) for records in by_run]
        first = next(r for r in seen if r is not None)
        where = {"id": spec_id, "nodeid": first["nodeid"], "area": first["area"]}
        outcome_of = [r["outcome"] if r is not None else ABSENT for r in seen]
        counter = collections.Counter(outcome_of)
        if len(counter) > 1:
            usual = _usual(counter)
            changed = [
                {"run": run.number, "seed": run.seed, "outcome": outcome,
                 "message": _clip(record.get("message") if record else "absent from the results")}
                for run, outcome, record in zip(done, outcome_of, seen) if outcome != usual
            ]
            flaky.append({
                **where,
                "usual": usual,
                "outcomes": dict(sorted(counter.items())),
                "runs": len(done),
                "changed": len(changed),
                "rate": round(len(changed) / len(done), 4),
                "changed_in": changed,
            })
        elif outcome_of[0] in outcomes.UNEXPECTED:
            unexpected.append({**where, "outcome": outcome_of[0], "runs": len(done),
                               "message": _clip(first.get("message"))})
        leaked = [
            (run, leak_findings(record.get("message")))
            for run, record in zip(done, seen) if record is not None
        ]
        leaked = [(run, found) for run, found in leaked if found]
        if leaked:
            leaks.append({
                **where,
                "kinds": sorted({kind for _, found in leaked for kind, _ in found}),
                "runs": len(done),
                "leaked": len(leaked),
                "rate": round(len(leaked) / len(done), 4),
                "leaked_in": [
                    {"run": run.number, "seed": run.seed, "findings": [s for _, s in found]}
                    for run, found in leaked
                ],
            })
    return {"flaky": flaky, "leaks": leaks, "unexpected": unexpected}


def summarise(runs: Sequence[Run], options: Options, start: str = "", end: str = "",
              wall_seconds: float = 0.0) -> Dict[str, Any]:
    """The soak summary document (schema ``sockspec-soak``)."""
    done = [run for run in runs if run.document is not None]
    info = done[0].document["run_info"] if done else {}
    findings = analyse(runs)
    failed = [run.as_dict() for run in runs if run.document is None]
    clean = (bool(done) and len(done) == options.runs and not failed
             and not findings["flaky"] and not findings["leaks"])
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "implementation": info.get("implementation") or {"name": options.name or options.impl},
        "impl_argument": options.impl,
        "persona": options.persona,
        "python_implementation": info.get("python_implementation"),
        "python_version": info.get("python_version"),
        "os": info.get("os"),
        "git_revision": info.get("git_revision"),
        "areas": list(options.areas),
        "workers": str(options.workers),
        "workers_used": info.get("workers"),
        "shuffle": options.shuffle,
        "base_seed": options.seed if options.shuffle else None,
        "pytest_args": list(options.pytest_args),
        "runs_requested": options.runs,
        "runs_completed": len(done),
        "start": start,
        "end": end,
        "wall_seconds": round(wall_seconds, 3),
        "specs": len({r["id"] for run in done for r in run.document["specs"]}),
        "clean": clean,
        "runs": [run.as_dict() for run in runs],
        "failed_runs": failed,
        **findings,
        "complete": True,
    }


def finding_lines(summary: Dict[str, Any]) -> List[str]:
    """What a person reads at the end of a soak: one line per finding, then the verdict."""
    lines = []
    for run in summary["failed_runs"]:
        lines.append(f"FAILED RUN {run['run']} (seed {run['seed']}): {run['problem']}")
    for entry in summary["flaky"]:
        counts = ", ".join(f"{o} {n}/{entry['runs']}" for o, n in entry["outcomes"].items())
        seeds = ", ".join(str(c["seed"]) for c in entry["changed_in"][:5])
        lines.append(f"FLAKY {entry['id']}: {counts} (changed in {entry['rate']:.0%} of runs; "
                     f"seeds {seeds})")
    for entry in summary["leaks"]:
        first = entry["leaked_in"][0]["findings"][0]
        lines.append(f"LEAK {entry['id']}: {first} (in {entry['leaked']}/{entry['runs']} runs)")
    for entry in summary["unexpected"]:
        lines.append(f"STABLE {entry['outcome'].upper()} {entry['id']} "
                     f"(the same in all {entry['runs']} runs)")
    name = summary["implementation"].get("name", summary["impl_argument"])
    lines.append(
        f"soak: {summary['runs_completed']}/{summary['runs_requested']} runs of {name} "
        f"({summary['specs']} specs) in {summary['wall_seconds']:.0f} s: "
        f"{len(summary['flaky'])} changed outcome, {len(summary['leaks'])} leaked, "
        f"{len(summary['failed_runs'])} runs without results"
    )
    return lines


# -- reading summaries (for the report) --------------------------------------------------


def read_summary(path: Path) -> Dict[str, Any]:
    """A soak summary, validated; SoakError names the file and the fault."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SoakError(f"{path}: cannot read: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SoakError(f"{path}: not a JSON document") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise SoakError(f"{path}: not a sockspec soak summary")
    if document.get("schema_version") != SCHEMA_VERSION:
        raise SoakError(f"{path}: unsupported schema_version {document.get('schema_version')!r} "
                        f"(this harness reads {SCHEMA_VERSION})")
    lacking = [key for key in SUMMARY_KEYS if key not in document]
    if lacking:
        raise SoakError(f"{path}: lacks {', '.join(lacking)}")
    for index, entry in enumerate(document["flaky"]):
        if not isinstance(entry, dict) or not {"id", "rate", "outcomes", "runs"} <= set(entry):
            raise SoakError(f"{path}: flaky[{index}] lacks id, rate, outcomes or runs")
    if document.get("complete") is not True:
        raise SoakError(f"{path}: incomplete (no 'complete')")
    return document


def flaky_marks(paths: Iterable[Path]) -> Dict[Tuple[str, str], Dict[str, Any]]:
    """{(implementation name, spec id): mark} from soak summaries, for the report.

    A mark is ``{"rate", "runs", "outcomes", "usual", "text", "summary"}``; ``text`` is a
    short label such as ``flaky: timeout 1/20``. When several summaries name the same spec,
    the higher rate wins.
    """
    marks: Dict[Tuple[str, str], Dict[str, Any]] = {}
    for path in paths:
        summary = read_summary(path)
        name = summary["implementation"].get("name") or summary.get("impl_argument", "?")
        for entry in summary["flaky"]:
            odd = ", ".join(f"{o} {n}/{entry['runs']}" for o, n in entry["outcomes"].items()
                            if o != entry.get("usual"))
            mark = {
                "rate": entry["rate"],
                "runs": entry["runs"],
                "outcomes": entry["outcomes"],
                "usual": entry.get("usual"),
                "text": f"flaky: {odd}" if odd else "flaky",
                "summary": str(path),
            }
            key = (name, entry["id"])
            if key not in marks or marks[key]["rate"] < mark["rate"]:
                marks[key] = mark
    return marks
