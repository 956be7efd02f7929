"""Spec power in the report: mutation documents (``sockspec-mutation/1``, written by
``python -m harness mutate``, harness.documents.mutation) read, their shards merged into runs,
and what the *Spec power* view shows of them.

Reading is hardened like the results' (harness.report.merge): a document that cannot be used
becomes a :class:`~harness.report.merge.Problem` naming it (role ``mutation``), and the rest is
merged. Documents are *shards of one run* when they share the implementation (name and the
source's sha256), the Python, the operators, the selection and the day of ``created``; their
mutants are merged and scored anew (harness.documents.mutation.merge). A run split in N shards
of which some were not given is *partial*: its score is over the shards given, marked so, and
the missing shards are named.

Per implementation, the run with the latest ``created`` is the one shown; every run of the
implementation gives a point of the history of its total and per-area score.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from harness.documents import mutation as document
from harness.report.history import Point, Trend, trend
from harness.report.merge import Problem, json_files
from harness.report.views import Score

ROLE = "mutation"


@dataclasses.dataclass
class PowerRun:
    """One mutation run: its shards' documents merged."""

    implementation: str
    source: str
    sha256: str
    python: str
    operators: List[str]
    selection: Dict[str, Any]
    created: str
    files: List[str]
    #: the number of shards the run was split in (None: not sharded) and those given
    shard_count: Optional[int]
    shards: List[int]
    mutants: List[Dict[str, Any]]
    scores: Dict[str, Any]

    @property
    def day(self) -> str:
        return self.created[:10]

    @property
    def missing_shards(self) -> List[int]:
        if not self.shard_count:
            return []
        return [k for k in range(1, self.shard_count + 1) if k not in self.shards]

    @property
    def partial(self) -> bool:
        return bool(self.missing_shards)

    @property
    def total(self) -> Score:
        return score(self.scores["total"])

    @property
    def areas(self) -> Dict[str, Score]:
        return {area: score(found) for area, found in self.scores["areas"].items()}

    @property
    def label(self) -> str:
        text = f"{self.implementation} · {self.created}"
        return text + (" · partial" if self.partial else "")


@dataclasses.dataclass
class Power:
    runs: List[PowerRun]
    problems: List[Problem]

    def latest(self) -> Dict[str, PowerRun]:
        """Per implementation, its run with the latest ``created``."""
        chosen: Dict[str, PowerRun] = {}
        for run in self.runs:
            if run.implementation not in chosen or run.created > chosen[run.implementation].created:
                chosen[run.implementation] = run
        return dict(sorted(chosen.items()))

    def latest_complete(self) -> Dict[str, PowerRun]:
        """Per implementation, its latest run that lacks no shard."""
        return Power([r for r in self.runs if not r.partial], []).latest()


def score(found: Dict[str, Any]) -> Score:
    """A document's SCORE as a report Score: killed (and timed out) over the scored mutants."""
    killed = found["killed"] + found["timeout"]
    return Score(passed=killed, applicable=killed + found["survived"] + found["no-coverage"])


# -- reading ---------------------------------------------------------------------------------


def expand(paths: Iterable[Path]) -> Tuple[List[Path], List[Problem]]:
    """The mutation documents given, or inside folders given; an empty folder is a note, not
    a rejection (an earlier night's folder may be empty: the first night has none)."""
    files, empty = json_files(paths)
    return files, [Problem(str(p), f"{p}: folder holds no mutation documents (*.json)",
                           rejected=False, role=ROLE) for p in empty]


def _text(value: Any) -> bool:
    return isinstance(value, str)


def shape_fault(data: Dict[str, Any]) -> Optional[str]:
    """The first field the report needs that has the wrong type, or None (document.check has
    passed already)."""
    impl = data["implementation"]
    if not isinstance(impl, dict) or not _text(impl.get("name")):
        return "implementation has no name"
    if not _text(data.get("created")):
        return "has no 'created' time"
    if not isinstance(data["python"], dict):
        return "python is not an object"
    if not isinstance(data["operators"], list) or not all(map(_text, data["operators"])):
        return "operators is not a list of names"
    if not isinstance(data.get("selection", {}), dict):
        return "selection is not an object"
    shard = data["shard"]
    if shard is not None and not (
            all(type(shard[k]) is int for k in ("index", "count"))
            and 1 <= shard["index"] <= shard["count"]):
        return "shard is not {index, count} with 1 <= index <= count"
    for number, mutant in enumerate(data["mutants"]):
        for key in ("id", "file", "element", "operator", "diff"):
            if not _text(mutant[key]):
                return f"mutants[{number}].{key} is not a string"
        if type(mutant["line"]) is not int or type(mutant.get("column", 0)) is not int:
            return f"mutants[{number}] has a line or column that is not a number"
        for key in ("killers", "areas"):
            value = mutant.get(key, [])
            if not isinstance(value, list) or not all(map(_text, value)):
                return f"mutants[{number}].{key} is not a list of strings"
        if "equivalent" in mutant and not _text(mutant["equivalent"]):
            return f"mutants[{number}].equivalent is not a reason"
    return None


def read_documents(paths: Sequence[Path], role: str = ROLE
                   ) -> Tuple[List[Tuple[str, Dict[str, Any]]], List[Problem]]:
    """(file, document) of every usable mutation document; a Problem for each other file."""
    files, problems = expand(paths)
    problems = [dataclasses.replace(p, role=role) for p in problems]
    found = []
    for path in files:
        try:
            data = document.read(path)
            fault = shape_fault(data)
        except document.DocumentError as exc:
            fault, message = None, str(exc)
        else:
            message = f"{path}: {fault}" if fault else None
        if message:
            problems.append(Problem(str(path), message, role=role))
            continue
        found.append((str(path), data))
    return found, problems


def run_key(data: Dict[str, Any]) -> Tuple[str, ...]:
    """What the shards of one run share."""
    impl = data["implementation"]
    python = data["python"]
    return (impl["name"], str(impl.get("sha256")),
            f"{python.get('implementation')} {python.get('version')}",
            json.dumps(data["operators"]), json.dumps(data.get("selection"), sort_keys=True),
            data["created"][:10])


def _describe(shard: Optional[Dict[str, int]]) -> str:
    return "an unsharded run" if shard is None else f"shard {shard['index']}/{shard['count']}"


def duplicate_of(data: Dict[str, Any], runs: List[List[Tuple[str, Dict[str, Any]]]]
                 ) -> Optional[str]:
    """The file of the same shard (or unsharded run) with the same ``created``, or None."""
    for group in runs:
        for name, other in group:
            if other["shard"] == data["shard"] and other["created"] == data["created"]:
                return name
    return None


def fits(data: Dict[str, Any], group: List[Tuple[str, Dict[str, Any]]]) -> bool:
    """Whether a document is another shard of the run ``group`` holds: sharded alike, a shard
    not there yet, no mutant in common."""
    shard = data["shard"]
    ids = {m["id"] for m in data["mutants"]}
    for _, other in group:
        theirs = other["shard"]
        if shard is None or theirs is None or shard["count"] != theirs["count"] \
                or shard["index"] == theirs["index"]:
            return False
        if ids & {m["id"] for m in other["mutants"]}:
            return False
    return True


def _run(group: List[Tuple[str, Dict[str, Any]]]) -> PowerRun:
    names = [name for name, _ in group]
    merged = document.merge([data for _, data in group], names)
    first = group[0][1]
    shards = sorted(d["shard"]["index"] for _, d in group if d["shard"] is not None)
    python = first["python"]
    return PowerRun(
        implementation=first["implementation"]["name"],
        source=str(first["implementation"].get("file") or ""),
        sha256=str(first["implementation"].get("sha256") or ""),
        python=f"{python.get('implementation')} {python.get('version')}",
        operators=list(first["operators"]), selection=dict(first.get("selection") or {}),
        created=max(data["created"] for _, data in group), files=names,
        shard_count=first["shard"]["count"] if first["shard"] else None, shards=shards,
        mutants=merged["mutants"], scores=merged["scores"])


def read(paths: Sequence[Path], role: str = ROLE) -> Power:
    """Every usable document of ``paths``, shards of one run merged; runs by implementation
    and ``created``."""
    found, problems = read_documents(paths, role)
    keyed: Dict[Tuple[str, ...], List[List[Tuple[str, Dict[str, Any]]]]] = {}
    for name, data in found:
        runs_of_key = keyed.setdefault(run_key(data), [])
        earlier = duplicate_of(data, runs_of_key)
        if earlier:
            problems.append(Problem(name, f"{name}: duplicate of {_describe(data['shard'])} "
                                          f"already merged from {earlier}; ignored", role=role))
            continue
        group = next((g for g in runs_of_key if fits(data, g)), None)
        if group is None:  # another run of that day: a shard it has already, or not sharded
            runs_of_key.append([(name, data)])
        else:
            group.append((name, data))
    runs = [_run(group) for groups in keyed.values() for group in groups]
    for run in runs:
        if run.partial:
            missing = ", ".join(f"{k}/{run.shard_count}" for k in run.missing_shards)
            problems.append(Problem(run.files[0], f"{run.implementation} mutation run of "
                                    f"{run.day}: shard {missing} not given; its score is "
                                    f"partial", rejected=False, role=role))
    runs.sort(key=lambda r: (r.implementation, r.created))
    return Power(runs=runs, problems=problems)


# -- what the view shows ---------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    """A line of the per-area or per-element table."""

    name: str
    score: Score
    counts: Dict[str, int]


@dataclasses.dataclass
class Series:
    """The history of one score (the total, or an area's) across an implementation's runs."""

    name: str
    points: List[Point]
    trend: Optional[Trend]


@dataclasses.dataclass
class PowerView:
    run: PowerRun
    areas: List[Row]
    elements: List[Row]
    survivors: List[Dict[str, Any]]
    equivalents: List[Dict[str, Any]]
    history: List[Series]

    @property
    def implementation(self) -> str:
        return self.run.implementation


def _rows(scores: Dict[str, Dict[str, Any]]) -> List[Row]:
    return [Row(name, score(found), {k: found[k] for k in document.SCORE_KEYS})
            for name, found in scores.items()]


def point(run: PowerRun, found: Dict[str, Any]) -> Point:
    shown = score(found)
    return Point(run.created, shown.passed, shown.applicable)


def history(runs: List[PowerRun]) -> List[Series]:
    """The total's series, then each area's, over ``runs`` oldest first; empty for one run."""
    runs = sorted(runs, key=lambda r: r.created)
    if len(runs) < 2:
        return []
    found = [Series("total", [point(r, r.scores["total"]) for r in runs], None)]
    areas = sorted({area for r in runs for area in r.scores["areas"]})
    for area in areas:
        points = [point(r, r.scores["areas"][area]) for r in runs if area in r.scores["areas"]]
        found.append(Series(area, points, None))
    for series in found:
        series.trend = trend(series.points)
    return found


def views(power: Power) -> List[PowerView]:
    """One view per implementation: its latest run, with the history of all its runs."""
    shown = []
    for name, run in power.latest().items():
        every = [r for r in power.runs if r.implementation == name]
        chosen = {"mutants": run.mutants}
        shown.append(PowerView(
            run=run, areas=_rows(run.scores["areas"]), elements=_rows(run.scores["elements"]),
            survivors=document.survivors(chosen, include_uncovered=True),
            equivalents=[m for m in run.mutants if m.get("equivalent")],
            history=history(every)))
    return shown


def summary(power: Power) -> Dict[str, Any]:
    """The summary JSON's ``mutation``: each implementation's latest run and its scores."""
    return {
        name: {"created": run.created, "partial": run.partial,
               "missing_shards": run.missing_shards, "files": len(run.files),
               "mutants": len(run.mutants), **run.total.as_dict(),
               "areas": {area: s.as_dict() for area, s in run.areas.items()}}
        for name, run in power.latest().items()
    }
