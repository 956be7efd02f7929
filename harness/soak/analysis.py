"""What changed between the runs of a soak: flaky specs, leaks and stable unexpected outcomes,
and the summary document that holds them (schema in harness.documents.soak_summary)."""

from __future__ import annotations

import collections
from typing import Any, Dict, List, Optional, Sequence, Tuple

from harness.documents.soak_summary import SCHEMA, SCHEMA_VERSION
from harness.model import outcomes
from harness.soak.runs import MESSAGE_LIMIT, Options, Run

#: Outcome given, in the soak only, to a spec that is absent from one run's results but present
#: in another's: the set of specs changed during the soak (files edited, another collection).
ABSENT = "absent"


def leak_findings(record: Dict[str, Any]) -> List[Tuple[str, str]]:
    """(kind, sentence) for every leak the guards recorded for a spec (its ``leaks`` field)."""
    return [(leak["kind"], leak["text"]) for leak in record.get("leaks") or ()]


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
            (run, leak_findings(record))
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
