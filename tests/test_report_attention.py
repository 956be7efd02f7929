"""The report's first view: unexpected outcomes before the matrix, each with what a user needs
to act on it; known failures grouped by their cause."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.model import expectations, outcomes, toml
from harness.report import attention, merge
from harness.report.render import Page, render
from harness.report.views import implementations
from tests.conftest import ROOT

SAMPLES = ROOT / "harness" / "report" / "samples" / "current"


@pytest.fixture(scope="module")
def merged():
    return merge.merge(sorted(SAMPLES.glob("*.json")))


def test_every_unexpected_cell_is_listed_once_per_way_it_failed(merged):
    views = {view.name: view for view in attention.attention(merged)}
    for spec in merged.specs:
        for run, outcome in zip(merged.runs, spec.outcomes):
            if outcome in outcomes.UNEXPECTED:
                items = [u for u in views[run.implementation].unexpected
                         if u.spec.id == spec.id and run.label in u.runs]
                assert len(items) == 1, (spec.id, run.label)
                assert items[0].outcome == outcome


def test_a_failure_comes_with_an_entry_that_accepts_it(merged, tmp_path):
    failures = [u for view in attention.attention(merged) for u in view.unexpected
                if u.outcome == outcomes.FAIL]
    assert failures
    for item in failures:
        path = Path(tmp_path) / "entry.toml"
        path.write_text("format = 2\n" + item.entry)
        with pytest.raises(expectations.ExpectationsError, match="placeholder"):
            expectations.load(path)
        path.write_text("format = 2\n" + item.entry.replace("FILL IN", "explained"))
        entry = expectations.load(path).lookup(item.spec.id, {})
        assert entry.matches_failure(item.fingerprint)
        assert toml.loads(path.read_text())["specs"][item.spec.id]["cause"] == "new-1"


def test_errors_and_timeouts_get_no_entry(merged):
    others = [u for view in attention.attention(merged) for u in view.unexpected
              if u.outcome != outcomes.FAIL]
    assert others and all(u.entry is None for u in others)


def test_known_failures_are_grouped_by_cause(merged):
    for view in attention.attention(merged):
        xfails = {(spec.id) for spec in merged.specs
                  for run, o in zip(merged.runs, spec.outcomes)
                  if o == outcomes.XFAIL and run.implementation == view.name}
        grouped = [s for cause in view.causes for s in cause.specs]
        assert sorted(set(grouped)) == sorted(xfails)
        assert all(cause.reason for cause in view.causes)


def test_the_page_opens_with_what_needs_attention(merged):
    page = Page(title="t", generated="now", merged=merged,
                implementations=implementations(merged))
    html = render(page)
    sections = re.findall(r'<section id="([a-z-]+)"', html)
    assert sections[:2] == ["attention", "overview"]
    first = html.index('id="attention"')
    assert first < html.index('id="matrix-view"')
    assert html.count('class="attention-item"') == sum(
        len(v.unexpected) for v in attention.attention(merged))


def test_a_partial_run_is_named_as_such(merged):
    import copy

    partial = copy.deepcopy(merged)
    partial.runs[0].info["selection"] = {"full": False, "paths": ["specs/test_repr.py"],
                                         "keyword": "unix", "markexpr": None, "deselect": []}
    page = Page(title="t", generated="now", merged=partial,
                implementations=implementations(partial))
    html = render(page)
    assert "1 partial run" in html
    assert "partial</strong>: specs/test_repr.py; -k unix" in html
