"""Run each mutant's covering specs against it, in child processes, in parallel.

A mutant's source goes into a folder of its own with an impl.toml registering it under the
original's name (:mod:`harness.mutation.target`); the specs that reach it (the coverage map)
run in the order :class:`KillOrder` gives (the killers of its line first, then by duration
over kills), stopping at the first failure, with no cache and no xdist, and
:mod:`harness.mutation.killer` logs which spec ran and which failed. How the run starts is
``Runner.mode``: by default each worker thread keeps, per configuration, a session server
(:mod:`harness.mutation.session_server`) that collected the specs once and forks a child per
mutant; ``fork`` forks a whole ``pytest.main`` from a server with pytest imported
(:mod:`harness.mutation.forkserver`); ``spawn``, and any system without ``os.fork``, starts a
child ``python -m pytest``.

Statuses: ``killed`` (``killers`` names the spec that failed first; ``<load>`` when the module
does not even import, ``<session>`` when the run failed with no spec failing), ``timeout``
(the spec's time limit or the mutant's ended it; ``killers`` names the spec that was running),
``survived`` (every covering spec passed), ``no-coverage`` (no passing spec reaches the line;
not run) and ``error`` (the run itself went wrong: ``detail`` says how).

Each mutant's time limit is ``TIME_FACTOR`` times what its covering specs took on the
original plus ``TIME_ALLOWANCE`` seconds for pytest's start; each spec's own limit is
``SPEC_TIME_FACTOR`` times its duration on the original plus ``SPEC_TIME_ALLOWANCE``.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

from harness.model import paths
from harness.mutation import forkserver, killer
from harness.mutation.coverage_map import CoverageMap
from harness.mutation.generate import Mutant
from harness.mutation.target import Target

TIME_FACTOR = 3.0
TIME_ALLOWANCE = 20.0
SPEC_TIME_FACTOR = 10.0
SPEC_TIME_ALLOWANCE = 10.0

#: seconds a session server may take to collect every spec before it counts as broken
SESSION_START_LIMIT = 300.0
#: how a mutant's run starts (Runner.mode)
SESSION, FORK, SPAWN = "session", "fork", "spawn"

#: the label of the configuration that is the host as it is (the others are personas)
NATIVE = "native"

KILLED, SURVIVED, TIMEOUT, NO_COVERAGE, ERROR = (
    "killed", "survived", "timeout", "no-coverage", "error")
STATUSES = (KILLED, TIMEOUT, SURVIVED, NO_COVERAGE, ERROR)
LOAD_FAILURE, SESSION_FAILURE = "<load>", "<session>"

_LOAD_TEXTS = ("failed to load", "cannot be imported", "is not a socket module",
               "syntax error at")


@dataclasses.dataclass
class Outcome:
    status: str
    killers: List[str] = dataclasses.field(default_factory=list)
    covering: int = 0
    ran: int = 0
    seconds: float = 0.0
    detail: str = ""
    #: the configuration of the run that decided the status (None: not run)
    configuration: Optional[str] = None


@dataclasses.dataclass
class Configuration:
    """One way of running the specs: the host as it is, or under a persona."""

    label: str
    #: pytest arguments of this configuration (``--persona NAME``)
    args: List[str]
    cmap: CoverageMap


def covering(configurations: Sequence[Configuration], mutant: Mutant) -> List[str]:
    """Every spec that reaches the mutant in some configuration."""
    found = set()
    for configuration in configurations:
        found.update(configuration.cmap.specs_for(mutant.coverage_lines, mutant.statement_line))
    return sorted(found)


@dataclasses.dataclass
class Runner:
    """How to run the specs of one mutation run."""

    target: Target
    original_source: str
    workdir: Path
    #: pytest arguments after the node ids (rootdir, config, -k ...)
    common_args: Sequence[str]
    env: Dict[str, str]
    cwd: Path
    keep: bool = False

    #: how each mutant's run starts: forked from a session server that collected the specs
    #: (``session``), forked from a server with pytest imported (``fork``), or as a child
    #: ``python -m pytest`` (``spawn``, and wherever there is no ``os.fork``)
    mode: str = SESSION
    #: the impl.toml registering the original (the session servers collect with it)
    original_meta: Optional[Path] = None

    def __post_init__(self):
        self._local = threading.local()
        self._servers: List[ForkServer] = []
        self._lock = threading.Lock()
        if not forkserver.available():
            self.mode = SPAWN
        if self.mode == SESSION and self.original_meta is None:
            self.mode = FORK

    @property
    def fork(self) -> bool:
        return self.mode != SPAWN

    def pytest_args(self, meta: Path, specs: Sequence[str], spec_limit: float,
                    results: Path, extra: Sequence[str] = ()) -> List[str]:
        return [*specs, *self.common_args, *extra,
                "--impl-meta", str(meta), "-x", "-q", "-p", "no:cacheprovider", "-n", "0",
                "-p", paths.module("harness.mutation.killer"), "--timeout", f"{spec_limit:.0f}",
                "--results", str(results)]

    def command(self, meta: Path, specs: Sequence[str], spec_limit: float,
                results: Path) -> List[str]:
        return [sys.executable, "-m", "pytest", *self.pytest_args(meta, specs, spec_limit,
                                                                   results)]

    def _server(self) -> ForkServer:
        server = getattr(self._local, "server", None)
        if server is None or not server.alive():
            server = ForkServer(self.env, self.cwd)
            self._local.server = server
            with self._lock:
                self._servers.append(server)
        return server

    def session_args(self, files: Sequence[str], extra: Sequence[str], results: Path) -> List[str]:
        """The pytest arguments of a session server: every spec file of the configuration."""
        return [*files, *self.common_args, *extra, "--impl-meta", str(self.original_meta),
                "-x", "-q", "-p", "no:cacheprovider", "-n", "0",
                "-p", paths.module("harness.mutation.killer"), "--results", str(results)]

    def _session(self, extra: Sequence[str], seconds: Dict[str, float]) -> ForkServer:
        """This thread's session server for the configuration ``extra`` names."""
        sessions = getattr(self._local, "sessions", None)
        if sessions is None:
            sessions = self._local.sessions = {}
        key = tuple(extra)
        server = sessions.get(key)
        if server is None or not server.alive():
            with self._lock:
                number = len(self._servers)
            folder = self.workdir / "sessions"
            folder.mkdir(parents=True, exist_ok=True)
            files = sorted({nodeid.split("::", 1)[0] for nodeid in seconds})
            argv = [sys.executable, "-m", paths.module("harness.mutation.session_server"),
                    *self.session_args(files, extra, folder / f"{number}.json")]
            server = ForkServer(self.env, self.cwd, argv, folder / f"{number}.log",
                                start_limit=SESSION_START_LIMIT)
            sessions[key] = server
            with self._lock:
                self._servers.append(server)
        return server

    def close(self) -> None:
        with self._lock:
            servers, self._servers = self._servers, []
        for server in servers:
            server.close()

    def _execute(self, folder: Path, args: List[str], extra_env: Dict[str, str],
                 limit: float):
        """(exit code or None for the time limit, output) of one pytest run."""
        if self.fork:
            output = folder / "pytest.out"
            code = self._server().run(args, extra_env, output, limit)
            return code, _read(output)
        process = subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=str(self.cwd),
                                   env=dict(self.env, **extra_env), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            output, _ = process.communicate(timeout=limit)
            return process.returncode, output
        except subprocess.TimeoutExpired:
            _kill_group(process)
            output, _ = process.communicate()
            return None, output

    def run(self, mutant: Mutant, specs: Sequence[str], seconds: Dict[str, float],
            extra: Sequence[str] = ()) -> Outcome:
        folder = self.workdir / "mutants" / mutant.id
        if folder.exists():
            shutil.rmtree(folder)
        source = folder / self.target.source.name
        folder.mkdir(parents=True)
        source.write_text(mutant.source(self.original_source), encoding="utf-8")
        meta = self.target.register(folder, source)
        log = folder / "killer.log"
        baseline = sum(seconds.get(s, 0.0) for s in specs)
        limit = TIME_FACTOR * baseline + TIME_ALLOWANCE
        spec_limit = SPEC_TIME_FACTOR * max([seconds.get(s, 0.0) for s in specs] or [0.0]) \
            + SPEC_TIME_ALLOWANCE
        started = time.monotonic()
        if self.mode == SESSION:
            output_path = folder / "pytest.out"
            code = self._session(extra, seconds).request({
                "specs": list(specs), "meta": str(meta), "spec_limit": round(spec_limit),
                "limit": limit, "output": str(output_path), "env": {killer.LOG_ENV: str(log)}})
            output = _read(output_path)
        else:
            args = self.pytest_args(meta, specs, spec_limit, folder / "results.json", extra)
            code, output = self._execute(folder, args, {killer.LOG_ENV: str(log)}, limit)
        elapsed = time.monotonic() - started
        outcome = classify(code, output, killer.read(log))
        outcome.covering = len(specs)
        outcome.seconds = round(elapsed, 3)
        if not self.keep:
            shutil.rmtree(folder, ignore_errors=True)
        return outcome


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


class ForkServer:
    """One server process and its request pipe: ``python -m harness.mutation.forkserver``, or
    the ``argv`` given (``python -m harness.mutation.session_server ...``), whose stderr then
    goes to ``log``."""

    #: how long past a run's own limit the server may take to answer before it counts as hung
    GRACE = 30.0

    def __init__(self, env: Dict[str, str], cwd: Path, argv: Optional[Sequence[str]] = None,
                 log: Optional[Path] = None, start_limit: float = 120.0):
        self.log = log
        errors = open(log, "w", encoding="utf-8") if log is not None else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                list(argv or [sys.executable, "-m", paths.module("harness.mutation.forkserver")]),
                cwd=str(cwd), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=errors, text=True, start_new_session=True)
        finally:
            if log is not None:
                errors.close()
        try:
            line = self._answer(start_limit)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}{self._last_words()}") from None
        if line.strip() != forkserver.READY:
            self.close()
            raise RuntimeError(f"the fork server did not start ({line.strip()[:200]!r})"
                               f"{self._last_words()}")

    def _last_words(self) -> str:
        """The last line of the server's log, for the error that says it did not start."""
        if self.log is None:
            return ""
        lines = [line for line in _read(self.log).splitlines() if line.strip()]
        return f": {lines[-1].strip()[:300]} (log: {self.log})" if lines else f" (log: {self.log})"

    def request(self, request: Dict[str, object]) -> Optional[int]:
        """Send one request; the exit code of the run it asked for (None: its time limit)."""
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self._answer(float(request["limit"]) + self.GRACE))["code"]

    def alive(self) -> bool:
        return self.process.poll() is None

    def _answer(self, limit: float) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], limit)
        if not ready:
            self.close()
            raise RuntimeError(f"the fork server gave no answer within {limit:.0f} s")
        line = self.process.stdout.readline()
        if not line:
            self.close()
            raise RuntimeError("the fork server ended")
        return line

    def run(self, args: List[str], env: Dict[str, str], output: Path,
            limit: float) -> Optional[int]:
        return self.request({"args": args, "env": env, "output": str(output), "limit": limit})

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
            except OSError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                _kill_group(self.process)
                self.process.wait()


def _kill_group(process: subprocess.Popen) -> None:
    """End the child and whatever it started (its own session)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()


def classify(code: Optional[int], output: str, log: Sequence[tuple]) -> Outcome:
    """A mutant's status from its run's exit code (None: the time limit), output and log."""
    started = [nodeid for kind, nodeid in log if kind == "start"]
    failures = [(kind, nodeid) for kind, nodeid in log if kind in ("fail", "timeout")]
    ran = len(dict.fromkeys(started))
    if code is None:
        return Outcome(TIMEOUT, started[-1:], ran=ran, detail="the mutant's time limit")
    if failures:
        kind, nodeid = failures[0]
        return Outcome(TIMEOUT if kind == "timeout" else KILLED, [nodeid], ran=ran)
    if code == 0:
        return Outcome(SURVIVED, ran=ran)
    lines = [line for line in output.splitlines() if line.strip()]
    if any(text in output for text in _LOAD_TEXTS):
        detail = next((x for x in lines if any(t in x for t in _LOAD_TEXTS)), "")
        return Outcome(KILLED, [LOAD_FAILURE], ran=ran, detail=detail.strip()[:300])
    if code == 1:
        return Outcome(KILLED, [SESSION_FAILURE], ran=ran,
                       detail=(lines[-1] if lines else "")[:300])
    return Outcome(ERROR, ran=ran,
                   detail=f"pytest exit {code}: {(lines[-1] if lines else '')[:300]}")


class KillOrder:
    """The order a mutant's covering specs run in, learnt from the kills of the run so far.

    A spec that already killed a mutant of the same line goes first (the mutants of a line
    mostly fall to the same spec); the others run by their duration on the original divided
    by one more than the mutants they killed, so a spec that kills often runs before quick
    specs that never do. Every covering spec still runs on a survivor; but where specs meet
    through the module's own state (a lazily imported module kept in a global, which the
    first spec to import it sets for the rest), the order can decide whether a mutant is
    seen, so a survivor is confirmed with ``--mutant ID --runs spawn``."""

    def __init__(self) -> None:
        self.kills: Dict[str, int] = {}
        self.by_line: Dict[tuple, Dict[str, int]] = {}

    def arrange(self, mutant: Mutant, specs: Sequence[str],
                seconds: Dict[str, float]) -> List[str]:
        here = self.by_line.get((mutant.file, mutant.line), {})
        return sorted(specs, key=lambda spec: (-here.get(spec, 0),
                                               seconds.get(spec, 0.0) / (1 + self.kills.get(spec, 0)),
                                               spec))

    def learn(self, mutant: Mutant, outcome: Outcome) -> None:
        if outcome.status != KILLED or not outcome.killers:
            return
        spec = outcome.killers[0]
        if spec in (LOAD_FAILURE, SESSION_FAILURE):
            return
        self.kills[spec] = self.kills.get(spec, 0) + 1
        here = self.by_line.setdefault((mutant.file, mutant.line), {})
        here[spec] = here.get(spec, 0) + 1


def run_all(runner: Runner, mutants: Sequence[Mutant],
            configurations: Sequence[Configuration], workers: int,
            progress: Optional[Callable[[int, int, Mutant, Outcome], None]] = None
            ) -> Dict[str, Outcome]:
    """Every mutant's outcome by id: the uncovered at once, the others in ``workers``
    threads. A mutant runs in each configuration whose specs reach it, in order, until one
    kills it: one that survives the host as it is may still fall under a persona."""
    outcomes: Dict[str, Outcome] = {}
    todo = []
    for mutant in mutants:
        plan = [(c, c.cmap.specs_for(mutant.coverage_lines, mutant.statement_line))
                for c in configurations]
        plan = [(c, specs) for c, specs in plan if specs]
        if plan:
            todo.append((mutant, plan))
        else:
            outcomes[mutant.id] = Outcome(NO_COVERAGE)
    lock = threading.Lock()
    done_count = [len(outcomes)]
    total = len(mutants)
    order = KillOrder()

    def one(item):
        mutant, plan = item
        ran = 0
        seconds = 0.0
        for configuration, specs in plan:
            with lock:
                specs = order.arrange(mutant, specs, configuration.cmap.passed)
            try:
                outcome = runner.run(mutant, specs, configuration.cmap.passed, configuration.args)
            except Exception as exc:  # the engine's own fault: one mutant's error, not the run's
                outcome = Outcome(ERROR, covering=len(specs),
                                  detail=f"{type(exc).__name__}: {exc}")
            outcome.configuration = configuration.label
            ran += outcome.ran
            seconds += outcome.seconds
            if outcome.status != SURVIVED:
                break
        outcome.ran = ran
        outcome.seconds = round(seconds, 3)
        outcome.covering = len({s for _, specs in plan for s in specs})
        with lock:
            order.learn(mutant, outcome)
            outcomes[mutant.id] = outcome
            done_count[0] += 1
            if progress is not None:
                progress(done_count[0], total, mutant, outcome)
        return outcome

    # the longest-covered first, so that the slowest do not end the run alone
    todo.sort(key=lambda item: -sum(item[1][0][0].cmap.passed.get(s, 0.0) for s in item[1][0][1]))
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            list(pool.map(one, todo))
    finally:
        runner.close()
    return outcomes


def child_env(workdir: Path, root: Path) -> Dict[str, str]:
    """The environment of every child run: our package importable, no example database, no
    bytecode written next to a mutant."""
    env = dict(os.environ)
    if not paths.INSTALLED:  # a checkout: its folder is where our packages are
        env["PYTHONPATH"] = os.pathsep.join(
            [str(root)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["SOCKSPEC_HYPOTHESIS_DATABASE"] = "none"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop(killer.LOG_ENV, None)
    return env
