"""Deliberately broken copies of the reference (mutants) and the run that must reject each.

Mutants live in tests/mutants.toml: each names the spec areas to run, says what it breaks,
and gives an exact ``find`` text of implementations/reference/socket.py (present exactly
once) with its ``replace``ment; an optional ``persona`` runs the areas under that persona
(``harness run --persona``), for mistakes in a platform branch. ``python -m tests.mutation``
runs them all and rewrites the table in docs/specs.md.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "implementations" / "reference" / "socket.py"
MUTANTS = Path(__file__).resolve().parent / "mutants.toml"
DOC = ROOT / "docs" / "specs.md"
TABLE_START = "<!-- mutants:start -->"
TABLE_END = "<!-- mutants:end -->"


@dataclasses.dataclass(frozen=True)
class Mutant:
    name: str
    areas: Tuple[str, ...]
    breaks: str
    find: str
    replace: str
    persona: Optional[str] = None

    def source(self) -> str:
        text = REFERENCE.read_text(encoding="utf-8")
        count = text.count(self.find)
        if count != 1:
            raise AssertionError(
                f"mutant {self.name}: its find text occurs {count} times in {REFERENCE}"
            )
        return text.replace(self.find, self.replace)


def load() -> List[Mutant]:
    sys.path.insert(0, str(ROOT))
    from harness.model import toml

    data = toml.loads(MUTANTS.read_text(encoding="utf-8"))
    return [
        Mutant(m["name"], tuple(m["areas"]), m["breaks"], m["find"], m["replace"],
               m.get("persona"))
        for m in data["mutant"]
    ]


def run(mutant: Mutant, workdir: Path, timeout: float = 300) -> Tuple[int, List[str], str]:
    """(exit status, ids of the specs that did not pass, output) of the mutant's run."""
    path = workdir / f"mutant_{mutant.name.replace('-', '_')}.py"
    path.write_text(mutant.source(), encoding="utf-8")
    # `harness run` names its results file itself and reads it back: a --results of our own
    # would send pytest's copy elsewhere, so each mutant gets its own output folder instead.
    output = workdir / mutant.name
    args = [sys.executable, "-m", "harness", "run", "--impl", str(path), "-n", "0",
            "--output", str(output)]
    for area in mutant.areas:
        args += ["--area", area]
    if mutant.persona:
        args += ["--persona", mutant.persona]
    args += ["--", "-q", "-p", "no:cacheprovider"]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(args, cwd=str(ROOT), env=env, capture_output=True, text=True,
                          timeout=timeout)
    rejected = []
    for results in sorted(output.glob("*.json")):
        document = json.loads(results.read_text(encoding="utf-8"))
        rejected += [r["id"] for r in document["specs"] if r["outcome"] not in ("pass", "n/a")]
    return done.returncode, rejected, done.stdout + done.stderr


def _table(rows) -> str:
    lines = ["| mutant | areas run | what it breaks | rejected by |", "|---|---|---|---|"]
    for mutant, code, rejected in rows:
        shown = ", ".join(f"`{r}`" for r in rejected[:3])
        more = f" and {len(rejected) - 3} more" if len(rejected) > 3 else ""
        verdict = shown + more if code == 1 and rejected else "**NOT REJECTED**"
        areas = ", ".join(mutant.areas)
        if mutant.persona:
            areas += f" (persona {mutant.persona})"
        lines.append(f"| `{mutant.name}` | {areas} | {mutant.breaks} | {verdict} |")
    return "\n".join(lines)


def main() -> int:
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for mutant in load():
            code, rejected, _ = run(mutant, Path(workdir))
            rows.append((mutant, code, rejected))
            print(f"{mutant.name}: exit {code}, {len(rejected)} spec(s) rejected it")
    doc = DOC.read_text(encoding="utf-8")
    start, end = doc.index(TABLE_START) + len(TABLE_START), doc.index(TABLE_END)
    DOC.write_text(doc[:start] + "\n" + _table(rows) + "\n" + doc[end:], encoding="utf-8")
    survivors = [m.name for m, code, rejected in rows if code != 1 or not rejected]
    print(f"{len(rows) - len(survivors)} of {len(rows)} mutants rejected")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
