"""Merge results files into one model: the runs, the spec × run matrix and what went wrong.

Reading is hardened: a file that cannot be used (not JSON, truncated, another schema or schema
version, malformed fields, a duplicate of a run already merged) becomes a :class:`Problem` naming
it, and the rest is merged. A spec that one run reports and another does not is ``missing`` in
the other run, so totals never shrink silently.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from harness.documents import results
from harness.model import outcomes

#: One character per outcome, used by the page's filter data and the summary's matrix rows.
CODES = {
    outcomes.PASS: "p", outcomes.FAIL: "f", outcomes.ERROR: "e", outcomes.NA: "n",
    outcomes.XFAIL: "x", outcomes.XPASS: "X", outcomes.TIMEOUT: "t", outcomes.CRASH: "c",
    outcomes.MISSING: "m", outcomes.SKIP: "s",
}

#: Output files of ``harness report`` that a results folder may also hold; never read as results.
OUTPUT_SUFFIXES = (".summary.json",)
OUTPUT_PREFIXES = ("badge-",)

_LABEL = re.compile(
    r"^(?P<impl>.+?)-(?P<persona>native|no-[a-z0-9]+|[a-z0-9]+)-(?P<python>[a-z]+\d+\.\d+)-"
    r"(?P<os>[a-z]+\d*)-\d{8}T\d{6}-\d+$"
)


@dataclasses.dataclass
class Problem:
    """An input that was rejected (``rejected``) or a note about one that was merged."""

    file: str
    message: str
    rejected: bool = True
    role: str = "results"
    guess: Optional[str] = None

    def line(self) -> str:
        what = "rejected" if self.rejected else "note"
        prefix = "" if self.role == "results" else f"{self.role} "
        return f"{prefix}{what}: {self.message}"


@dataclasses.dataclass
class Run:
    id: str
    file: str
    info: Dict[str, Any]
    records: Dict[str, Dict[str, Any]]
    label: str = ""

    @property
    def implementation(self) -> str:
        return self.info["implementation"]["name"]

    @property
    def implementation_version(self) -> str:
        return str(self.info["implementation"].get("version") or "")

    @property
    def persona(self) -> str:
        return self.info.get("persona") or "native"

    @property
    def os(self) -> str:
        return self.info["os"]

    @property
    def python(self) -> str:
        name = self.info.get("python_implementation") or "cpython"
        version = self.info["python_version"]
        return version if name == "cpython" else f"{name} {version}"

    @property
    def start(self) -> str:
        return self.info["start"]

    @property
    def config(self) -> Tuple[str, str, str, str]:
        """What a baseline run is matched on: implementation, persona, OS and Python."""
        return (self.implementation, self.persona, self.os, self.python)


@dataclasses.dataclass
class Spec:
    id: str
    area: str
    elements: List[str]
    nodeid: str
    cells: List[Optional[Dict[str, Any]]]
    outcomes: List[str]

    @property
    def codes(self) -> str:
        return "".join(CODES[o] for o in self.outcomes)


@dataclasses.dataclass
class Merged:
    runs: List[Run]
    specs: List[Spec]
    problems: List[Problem]

    @property
    def rejected(self) -> List[Problem]:
        return [p for p in self.problems if p.rejected]


# -- reading ---------------------------------------------------------------------------------


def json_files(paths: Iterable[Path], wanted: Optional[Callable[[str], bool]] = None
               ) -> Tuple[List[Path], List[Path]]:
    """Files given, and the ``*.json`` inside folders given, at any depth (a folder of
    downloaded artifacts holds one folder per artifact), those whose name ``wanted`` accepts;
    and the folders that held none."""
    files: List[Path] = []
    empty: List[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            files.append(path)
            continue
        found = sorted(p for p in path.rglob("*.json") if wanted is None or wanted(p.name))
        if not found:
            empty.append(path)
        files.extend(found)
    return files, empty


def expand(paths: Iterable[Path]) -> Tuple[List[Path], List[Problem]]:
    """The results files given, or inside folders given; an empty folder is a problem."""
    files, empty = json_files(paths, lambda name: not _is_output(name))
    return files, [Problem(str(p), f"{p}: folder holds no results files (*.json)") for p in empty]


def _is_output(name: str) -> bool:
    return name.endswith(OUTPUT_SUFFIXES) or name.startswith(OUTPUT_PREFIXES)


def guess_run(path: Path) -> Optional[str]:
    """What a results file's name says the run was (``harness run`` names them), or None."""
    match = _LABEL.match(Path(path).stem)
    if match is None:
        return None
    return " ".join(match.group("impl", "persona", "python", "os"))


def _is_text(value: Any, optional: bool = False) -> bool:
    return isinstance(value, str) or (optional and value is None)


def _is_object(value: Any) -> bool:
    return value is None or isinstance(value, dict)


def shape_fault(document: Dict[str, Any]) -> Optional[str]:
    """The first field the report needs that has the wrong type, or None."""
    info = document["run_info"]
    implementation = info["implementation"]
    if not isinstance(implementation, dict) or not _is_text(implementation.get("name")):
        return "run_info.implementation has no name"
    for key in ("os", "python_version", "start"):
        if not _is_text(info[key]):
            return f"run_info.{key} is not a string"
    if not _is_text(info["persona"], optional=True):
        return "run_info.persona is neither a string nor null"
    if not _is_object(info.get("surface")):
        return "run_info.surface is not an object"
    for index, record in enumerate(document["specs"]):
        fault = _record_fault(record)
        if fault:
            return f"specs[{index}] {fault}"
    return None


def _record_fault(record: Dict[str, Any]) -> Optional[str]:
    if not (_is_text(record["id"]) and _is_text(record["area"]) and _is_text(record["nodeid"])):
        return "has an id, area or nodeid that is not a string"
    elements = record["elements"]
    if not isinstance(elements, list) or not all(isinstance(e, str) for e in elements):
        return "has elements that are not a list of strings"
    duration = record["duration"]
    if isinstance(duration, bool) or not isinstance(duration, (int, float)):
        return "has a duration that is not a number"
    if not _is_text(record["message"], optional=True):
        return "has a message that is neither a string nor null"
    for key in ("fingerprint", "expectation", "hypothesis"):
        if not _is_object(record.get(key)):
            return f"has a {key} that is neither an object nor null"
    return None


def identity(info: Dict[str, Any]) -> Tuple[str, str, str, str, str]:
    """Two files with the same identity are the same run."""
    return (info["implementation"]["name"], info.get("persona") or "native", info["os"],
            info["python_version"], info["start"])


def read_runs(paths: Sequence[Path], role: str = "results") -> Tuple[List[Run], List[Problem]]:
    """Read every usable results file; each unusable one becomes a rejected Problem."""
    files, problems = expand(paths)
    runs: List[Run] = []
    seen: Dict[Tuple[str, ...], str] = {}
    for path in files:
        document, problem = _read_one(path)
        if problem is None:
            key = identity(document["run_info"])
            if key in seen:
                problem = f"{path}: duplicate of the run already merged from {seen[key]} " \
                          f"({' '.join(key)}); ignored"
        if problem is not None:
            problems.append(Problem(str(path), problem, role=role, guess=guess_run(path)))
            continue
        seen[key] = str(path)
        records, notes = _records(document["specs"], str(path))
        problems.extend(dataclasses.replace(note, role=role) for note in notes)
        runs.append(Run(id="", file=str(path), info=document["run_info"], records=records))
    return runs, problems


def _read_one(path: Path) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    try:
        document = results.read(path)
    except results.ResultsError as exc:
        return None, str(exc)
    fault = shape_fault(document)
    if fault:
        return None, f"{path}: {fault}"
    return document, None


def _records(specs: List[Dict[str, Any]], name: str) -> Tuple[Dict[str, Dict], List[Problem]]:
    records: Dict[str, Dict[str, Any]] = {}
    repeated: List[str] = []
    for record in specs:
        if record["id"] in records:
            repeated.append(record["id"])
            continue
        records[record["id"]] = record
    notes = []
    if repeated:
        shown = ", ".join(repeated[:3]) + (", ..." if len(repeated) > 3 else "")
        notes.append(Problem(name, f"{name}: {len(repeated)} spec id(s) reported twice "
                                   f"({shown}); the first record of each is used", rejected=False))
    return records, notes


# -- merging ---------------------------------------------------------------------------------


def version_key(text: str) -> Tuple:
    """Sortable parts of a Python label such as '3.11.7' or 'pypy 3.9.16' (words before numbers)."""
    return tuple((1, int(p), "") if p.isdigit() else (0, 0, p) for p in re.split(r"[.\s]", text))


def order_runs(runs: List[Run]) -> List[Run]:
    """Sort runs by implementation, OS, Python, persona and start; number and label them."""
    ordered = sorted(runs, key=lambda r: (r.implementation, r.os, version_key(r.python),
                                           r.persona, r.start))
    used: Dict[str, int] = {}
    for number, run in enumerate(ordered, 1):
        run.id = f"r{number}"
        label = f"{run.implementation} · {run.os} · {run.python}"
        if run.persona != "native":
            label += f" · {run.persona}"
        used[label] = used.get(label, 0) + 1
        run.label = label if used[label] == 1 else f"{label} #{used[label]}"
    return ordered


def build_specs(runs: List[Run]) -> List[Spec]:
    """One row per spec id seen in any run; a run that lacks it has ``missing`` there."""
    first: Dict[str, Dict[str, Any]] = {}
    for run in runs:
        for spec_id, record in run.records.items():
            first.setdefault(spec_id, record)
    rows = []
    for spec_id, record in sorted(first.items(), key=lambda item: (item[1]["area"], item[0])):
        cells = [run.records.get(spec_id) for run in runs]
        found = [c["outcome"] if c else outcomes.MISSING for c in cells]
        rows.append(Spec(id=spec_id, area=record["area"], elements=list(record["elements"]),
                         nodeid=record["nodeid"], cells=cells, outcomes=found))
    return rows


def absence_notes(runs: List[Run], specs: List[Spec]) -> List[Problem]:
    """A note for each run that lacks specs other runs reported."""
    notes = []
    for index, run in enumerate(runs):
        absent = sum(1 for spec in specs if spec.cells[index] is None)
        if absent:
            notes.append(Problem(run.file, f"{run.file}: {absent} of {len(specs)} specs absent "
                                           f"from this run ({run.label}); counted as missing",
                                 rejected=False))
    return notes


def merge(paths: Sequence[Path], role: str = "results") -> Merged:
    runs, problems = read_runs(paths, role)
    runs = order_runs(runs)
    specs = build_specs(runs)
    notes = [dataclasses.replace(n, role=role) for n in absence_notes(runs, specs)]
    return Merged(runs=runs, specs=specs, problems=problems + notes)
