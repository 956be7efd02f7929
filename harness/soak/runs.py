"""One run of a soak: ``python -m harness run`` in a child process, in its own folder.

Each run is a separate process (pytest-xdist as usual) with its own output folder and its own
seed, which orders the specs (``harness.runner.shuffle``) and seeds the property specs
(``--hypothesis-seed``): a run is reproduced from its seed. The run writes its results to the
path it is given (``--results``), which is all the soak reads of it besides its exit status.
harness.soak.analysis compares the runs; harness.soak.session runs them all.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from harness.documents import results
from harness.model import paths

MESSAGE_LIMIT = 500
#: The file each run writes its results to, inside its own folder.
RESULTS_FILE = "results.json"


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
               "-n", str(options.workers), "--output", str(output),
               "--results", str(output / RESULTS_FILE)]
    if options.persona:
        command += ["--persona", options.persona]
    for area in options.areas:
        command += ["--area", area]
    command += ["--", "-p", "no:randomly"]
    if seed is not None:
        command += ["-p", paths.module("harness.runner.shuffle"), "--sockspec-shuffle", str(seed),
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


def run_once(options: Options, number: int, seed: Optional[int], folder: Path) -> Run:
    """Run the suite once into ``folder``; never raises for what the run itself does."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / RESULTS_FILE).unlink(missing_ok=True)  # only this run's results count
    log = folder / "output.txt"
    run = Run(number=number, seed=seed, output=str(log))
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
    path = folder / RESULTS_FILE
    if not path.exists():
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
