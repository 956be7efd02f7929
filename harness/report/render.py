"""Render the report page from its views with the Jinja2 templates in harness/report/templates/.

Every value from results files goes through Jinja2 autoescaping; data for the page's script is
embedded with ``|tojson`` (which escapes ``<``, ``>``, ``&`` and quotes). The page loads nothing
from the network: its Content-Security-Policy allows no fetches and only the page's own script,
by hash.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
from pathlib import Path
from typing import Any, Dict, List, Optional

import jinja2
from markupsafe import Markup

from harness.model import outcomes
from harness.report import attention, extras, views
from harness.report import power as power_model
from harness.report.baseline import Comparison, PowerComparison
from harness.report.history import Point, Trend
from harness.report.merge import CODES, Merged, Problem, Spec

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: What a matrix cell shows for each outcome (colour comes from the stylesheet).
SYMBOLS = {
    outcomes.PASS: "", outcomes.FAIL: "F", outcomes.ERROR: "E", outcomes.NA: "–",
    outcomes.XFAIL: "x", outcomes.XPASS: "X", outcomes.TIMEOUT: "T", outcomes.CRASH: "C",
    outcomes.MISSING: "?", outcomes.SKIP: "S",
}

#: Characters of each distinct message kept in a row's search text.
SEARCH_MESSAGE_LIMIT = 400


@dataclasses.dataclass
class Page:
    """Everything the templates show."""

    title: str
    generated: str
    merged: Merged
    implementations: List[views.ImplementationView]
    comparison: Optional[Comparison] = None
    trends: Dict[str, Trend] = dataclasses.field(default_factory=dict)
    history: Dict[str, List[Point]] = dataclasses.field(default_factory=dict)
    history_dir: Optional[str] = None
    baseline_given: bool = False
    #: With ``--flaky``: {(implementation, spec id): mark} (None without the option).
    flaky: Optional[extras.Marks] = None
    #: With ``--bench``: a table per benchmark document (None without the option).
    bench: Optional[List[extras.BenchTable]] = None
    #: With ``--mutation``: the mutation runs (None without the option).
    power: Optional[power_model.Power] = None
    #: With ``--mutation-baseline`` as well: the falls of the mutation score.
    power_comparison: Optional[PowerComparison] = None
    problems: List[Problem] = dataclasses.field(default_factory=list)

    @property
    def rejected(self) -> List[Problem]:
        return [p for p in self.problems if p.rejected]


@functools.lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report templates (made once; it caches compiled ones)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_link"] = views.safe_link
    env.filters["seconds"] = seconds
    env.filters["grade"] = grade
    env.filters["pairs"] = pairs
    env.filters["rate"] = extras.rate
    env.filters["selection"] = selection_text
    return env


def grade(score: views.Score) -> str:
    """A letter for the colour of a score cell: a (100%) to f (under 60%), n without a score."""
    if score.ratio is None:
        return "n"
    steps = ((1.0, "a"), (0.95, "b"), (0.9, "c"), (0.8, "d"), (0.6, "e"))
    return next((letter for lowest, letter in steps if score.ratio >= lowest), "f")


def pairs(value: Any) -> List[Any]:
    """(key, value) pairs of a mapping; anything else as one pair without a key."""
    if isinstance(value, dict):
        return [(k, plain(v)) for k, v in sorted(value.items(), key=lambda item: str(item[0]))]
    return [("", plain(value))]


def plain(value: Any) -> Any:
    """A list shown as its items separated by commas, anything else as it is."""
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    return value


def selection_text(chosen: Dict[str, Any]) -> str:
    """What a partial run ran, in one line (harness.selection.summary, for a record)."""
    from harness.documents.selection import summary

    return summary(chosen)


def partial_runs(merged: Merged) -> List[str]:
    """Labels of the runs that ran only part of the suite."""
    return [run.label for run in merged.runs
            if isinstance(run.info.get("selection"), dict) and not run.info["selection"].get("full")]


def seconds(value: Any) -> str:
    value = float(value)
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 0.001:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1e6:.0f} µs"


def asset(env: jinja2.Environment, name: str) -> str:
    """A stylesheet or script from the templates folder, inlined as it is."""
    source, _, _ = env.loader.get_source(env, name)
    return source


def script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def search_text(spec: Spec) -> str:
    """What the query box's free text is matched against: names and what the runs said."""
    parts = [spec.id, spec.area, spec.nodeid, *spec.elements]
    seen = set()
    for cell in spec.cells:
        if not cell:
            continue
        fingerprint = cell.get("fingerprint") or {}
        expectation = cell.get("expectation") or {}
        for text in (cell.get("message"), cell.get("na_reason"), fingerprint.get("exception"),
                     fingerprint.get("errno"), expectation.get("reason")):
            if isinstance(text, str) and text not in seen:
                seen.add(text)
                parts.append(text[:SEARCH_MESSAGE_LIMIT])
    return "\n".join(parts).lower()


def filter_data(merged: Merged) -> Dict[str, Any]:
    """Compact data for the matrix filter: one entry per run column and per spec row."""
    return {
        "codes": {code: outcome for outcome, code in CODES.items()},
        "runs": [{"impl": r.implementation, "os": r.os, "python": r.python, "persona": r.persona,
                  "label": r.label} for r in merged.runs],
        "rows": [[spec.area, spec.codes, search_text(spec)] for spec in merged.specs],
    }


def matrix_rows(merged: Merged, flaky: Optional[Dict[int, str]] = None) -> List[Dict[str, Any]]:
    """Rows of the matrix with their cells' markup built once, and their flaky marks' text.

    A cell is ``<i class="o-CODE cCOLUMN">SYMBOL</i>``: outcome code, column number and symbol
    are constants of the harness (an outcome is validated against outcomes.ALL on reading), so
    nothing from a results file is in this markup.
    """
    cells = [{o: f'<i class="o-{CODES[o]} c{column}">{SYMBOLS[o]}</i>' for o in outcomes.ALL}
             for column in range(len(merged.runs))]
    flaky = flaky or {}
    return [{"spec": spec, "index": index, "flaky": flaky.get(index),
             "cells": Markup("".join(cells[c][o] for c, o in enumerate(spec.outcomes)))}
            for index, spec in enumerate(merged.specs)]


def context(page: Page, env: jinja2.Environment) -> Dict[str, Any]:
    script = asset(env, "report.js")
    merged = page.merged
    marks = page.flaky or {}
    return {
        "page": page,
        "merged": merged,
        "runs": merged.runs,
        "run_scores": [views.run_score(merged, i) for i in range(len(merged.runs))],
        "run_counts": [views.run_counts(merged, i) for i in range(len(merged.runs))],
        "impls": page.implementations,
        "attention": attention.attention(merged),
        "partial_runs": partial_runs(merged),
        "areas": views.areas(merged),
        "elements": views.elements(merged),
        "surface": views.surface(merged),
        "details": views.spec_details(merged),
        "matrix_rows": matrix_rows(merged, extras.matrix_marks(marks, merged)),
        "flaky_rows": extras.flaky_rows(marks, merged),
        "filter_data": filter_data(merged),
        "power_views": power_model.views(page.power) if page.power else [],
        "power_latest": page.power.latest() if page.power else {},
        "surface_kinds": views.SURFACE_KINDS,
        "outcomes": outcomes.ALL,
        "unexpected": outcomes.UNEXPECTED,
        "codes": CODES,
        "symbols": SYMBOLS,
        "oses": sorted({r.os for r in merged.runs}),
        "pythons": sorted({r.python for r in merged.runs}, key=_python_key),
        "style": Markup(asset(env, "report.css")),
        "script": Markup(script),
        "script_hash": script_hash(script),
    }


def _python_key(text: str):
    from harness.report.merge import version_key

    return version_key(text)


def render(page: Page) -> str:
    env = environment()
    return env.get_template("report.html").render(**context(page, env))


def write(page: Page, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = render(page)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return path
