"""Which spec executes which line of the implementation: {line: [spec node ids]}.

The specs run once against the original implementation under coverage, in child processes
(``python -m harness.mutation.coverage_map``), the spec files split between them. A pytest
plugin switches coverage's dynamic context to each spec's node id for the spec's setup, call
and teardown, so a line is attributed to every spec that ran it; what runs outside any spec
(the module's import, at pytest's configure) is in the empty context: a line run there, such as
the body of a function the module calls while it loads, changes what every spec sees, so
every passing spec reaches it, as module-level code does. The plugin also records
each spec's outcome and duration: only the specs that pass on the original can kill a mutant,
and the engine runs the quickest first.

A spec may run the implementation in a Python process of its own (what a fresh interpreter
loads, or sees first). Those lines count as the spec's too: ``COVERAGE_PROCESS_START`` names
settings that write each child's data to a folder of its own, and what the children ran is
read back when the spec ends. ``fixtures.fresh`` starts coverage in its child itself, on every
Python; any other child Python is measured where coverage's ``.pth`` file is installed
(coverage 7.13 and later).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set

import pytest

from harness.model import paths

#: The context of lines run outside any spec.
NO_SPEC = ""


@dataclasses.dataclass
class CoverageMap:
    #: line -> node ids of the passing specs that ran it
    lines: Dict[int, List[str]]
    #: every line run at all, in a spec or not (the module's import)
    executed: Set[int]
    #: node id -> seconds, of the specs that passed on the original
    passed: Dict[str, float]
    #: node id -> outcome, of the specs that did not pass (failed, skipped, n/a, xfail)
    other: Dict[str, str]
    seconds: float = 0.0
    #: lines run outside any spec: while the module loads
    loaded: Set[int] = dataclasses.field(default_factory=set)

    def to_json(self) -> dict:
        return {"lines": {str(k): v for k, v in sorted(self.lines.items())},
                "executed": sorted(self.executed), "passed": self.passed,
                "other": self.other, "seconds": self.seconds, "loaded": sorted(self.loaded)}

    @classmethod
    def from_json(cls, data: dict) -> CoverageMap:
        return cls({int(k): list(v) for k, v in data["lines"].items()}, set(data["executed"]),
                   dict(data["passed"]), dict(data["other"]), float(data.get("seconds", 0)),
                   set(data.get("loaded", ())))

    def merge(self, other: CoverageMap) -> None:
        for line, specs in other.lines.items():
            self.lines.setdefault(line, []).extend(specs)
        self.executed |= other.executed
        self.loaded |= other.loaded
        self.passed.update(other.passed)
        self.other.update(other.other)

    def specs_for(self, lines: Optional[Sequence[int]], statement_line: int) -> List[str]:
        """The passing specs that reach a mutant, quickest first (see generate.Mutant)."""
        if lines is None or self.loaded.intersection(lines):
            # module-level code, or code the module runs as it loads: every spec sees it
            reached = statement_line in self.executed if lines is None else True
            chosen = set(self.passed) if reached else set()
        else:
            chosen = {spec for line in lines for spec in self.lines.get(line, ())}
        return sorted(chosen, key=lambda spec: (self.passed.get(spec, 0.0), spec))


class _Contexts:
    """A pytest plugin: coverage's context is the running spec's node id, and the lines the
    spec's child Python processes ran (written to ``children``) are the spec's."""

    def __init__(self, cov, source: str, children: Path) -> None:
        self.cov = cov
        self.source = source
        self.children = children
        self.seconds: Dict[str, float] = {}
        self.outcome: Dict[str, str] = {}
        #: node id -> lines of the source its child processes ran
        self.in_children: Dict[str, Set[int]] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.cov.switch_context(item.nodeid)
        try:
            yield
        finally:
            self.cov.switch_context(NO_SPEC)
            lines = self._collect_children()
            if lines:
                self.in_children.setdefault(item.nodeid, set()).update(lines)

    def _collect_children(self) -> Set[int]:
        import coverage

        lines: Set[int] = set()
        for path in sorted(self.children.glob(".coverage.*")):
            data = coverage.CoverageData(basename=str(path))
            data.read()
            for measured in data.measured_files():
                if os.path.realpath(measured) == self.source:
                    lines.update(data.lines(measured) or ())
            path.unlink()
        return lines

    def pytest_runtest_logreport(self, report):
        self.seconds[report.nodeid] = self.seconds.get(report.nodeid, 0.0) + report.duration
        previous = self.outcome.get(report.nodeid, "passed")
        if report.failed:
            self.outcome[report.nodeid] = "failed"
        elif report.skipped and previous == "passed":
            self.outcome[report.nodeid] = "xfail" if hasattr(report, "wasxfail") else "skipped"
        else:
            self.outcome.setdefault(report.nodeid, "passed")


def _child(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.mutation.coverage_map")
    parser.add_argument("--source", required=True, help="the implementation's source file")
    parser.add_argument("--output", required=True, help="where to write the map (JSON)")
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    import coverage

    source = str(Path(args.source).resolve())
    data_file = args.output + ".coverage"
    cov = coverage.Coverage(data_file=data_file, include=[source], config_file=False,
                            concurrency=["thread"])
    children = Path(args.output + ".children")
    children.mkdir(exist_ok=True)
    settings = children / "coveragerc"
    settings.write_text(f"[run]\nparallel = True\ndata_file = {children / '.coverage'}\n"
                        f"include = {source}\n", encoding="utf-8")
    os.environ["COVERAGE_PROCESS_START"] = str(settings)
    contexts = _Contexts(cov, source, children)
    started = time.monotonic()
    cov.start()
    try:
        code = pytest.main([a for a in args.pytest_args if a != "--"], plugins=[contexts])
    finally:
        cov.stop()
    cov.save()
    data = cov.get_data()
    by_line = data.contexts_by_lineno(source) if source in data.measured_files() else {}
    by_line = {line: set(found) for line, found in by_line.items()}
    for node, ran in contexts.in_children.items():
        for line in ran:
            by_line.setdefault(line, set()).add(node)
    passed = {n: s for n, s in contexts.seconds.items()
              if contexts.outcome.get(n) == "passed"}
    lines = {line: sorted(c for c in found if c in passed) for line, found in by_line.items()}
    result = CoverageMap(
        lines={line: specs for line, specs in lines.items() if specs},
        executed=set(by_line),
        passed=passed,
        other={n: o for n, o in contexts.outcome.items() if o != "passed"},
        seconds=time.monotonic() - started,
        loaded={line for line, found in by_line.items() if NO_SPEC in found},
    )
    Path(args.output).write_text(json.dumps(dict(result.to_json(), exit=int(code))),
                                 encoding="utf-8")
    os.unlink(data_file) if os.path.exists(data_file) else None
    shutil.rmtree(children, ignore_errors=True)
    return 0


class CoverageError(Exception):
    """The coverage run failed; one line for the user."""


def build(source: Path, groups: Sequence[Sequence[str]], common_args: Sequence[str],
          workdir: Path, env: Dict[str, str], cwd: Path, timeout: float = 3600) -> CoverageMap:
    """Run each group of spec selectors in a child process under coverage, in parallel, and
    merge their maps."""
    started = time.monotonic()
    children = []
    for number, group in enumerate(groups):
        output = workdir / f"coverage-{number}.json"
        args = [sys.executable, "-m", paths.module("harness.mutation.coverage_map"),
                "--source", str(source),
                "--output", str(output), "--", *group, *common_args,
                "--results", str(workdir / f"coverage-{number}.results.json")]
        log = open(workdir / f"coverage-{number}.log", "w", encoding="utf-8")
        children.append((subprocess.Popen(args, cwd=str(cwd), env=env, stdout=log,
                                          stderr=subprocess.STDOUT), output, log))
    merged = CoverageMap({}, set(), {}, {})
    problems = []
    for process, output, log in children:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if not output.is_file():
            tail = Path(log.name).read_text(encoding="utf-8").strip().splitlines()[-1:]
            problems.append(f"{log.name}: {tail[0] if tail else 'no output'}")
            continue
        data = json.loads(output.read_text(encoding="utf-8"))
        if data.get("exit") not in (0, 1):
            tail = Path(log.name).read_text(encoding="utf-8").strip().splitlines()[-1:]
            problems.append(f"{log.name}: pytest exit {data.get('exit')}: "
                            f"{tail[0] if tail else ''}")
        merged.merge(CoverageMap.from_json(data))
    if problems:
        raise CoverageError("the coverage run failed: " + "; ".join(problems))
    for specs in merged.lines.values():
        specs.sort()
    merged.seconds = time.monotonic() - started
    return merged


def split(files: Sequence[Path], count: int) -> List[List[str]]:
    """Spec files in ``count`` groups of about the same size (largest first, greedy)."""
    groups: List[List[str]] = [[] for _ in range(max(1, count))]
    sizes = [0] * len(groups)
    for path in sorted(files, key=lambda p: (-p.stat().st_size, str(p))):
        smallest = sizes.index(min(sizes))
        groups[smallest].append(str(path))
        sizes[smallest] += path.stat().st_size
    return [g for g in groups if g]


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
