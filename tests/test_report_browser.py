"""Generated reports opened in headless Chromium (Debian's /usr/bin/chromium through playwright).

These tests skip, with the reason, when Chromium or playwright is absent, unless the environment
variable CI is set: then they fail, so CI cannot skip them silently.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from harness.bench.report_timing import CHROMIUM, launch_chromium
from harness.report import merge, render
from harness.report.build import build, write
from harness.report.sample_results import SAMPLES
from tests.conftest import ROOT

SCREENSHOTS = ROOT / "reports" / "screenshots"
ROWS = "#matrix .m-row"
HEADERS = "#matrix .m-run"


def _missing() -> list:
    found = []
    if not Path(CHROMIUM).exists():
        found.append(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        found.append("the playwright package is not installed (pip install playwright)")
    return found


def verdict(missing: list, ci: bool):
    """None when the browser tests can run, else ("skip" or "fail", reason)."""
    if not missing:
        return None
    reason = "browser tests need Chromium and playwright: " + "; ".join(missing)
    if ci:
        return "fail", reason + " (CI is set: these tests may not be skipped)"
    return "skip", reason


def test_missing_browser_fails_under_ci_and_skips_elsewhere():
    assert verdict([], ci=True) is None
    assert verdict(["x"], ci=False) == ("skip", "browser tests need Chromium and playwright: x")
    assert verdict(["x"], ci=True)[0] == "fail"


@pytest.fixture(scope="module")
def browser():
    found = verdict(_missing(), ci=bool(os.environ.get("CI")))
    if found:
        action, reason = found
        (pytest.fail if action == "fail" else pytest.skip)(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Path:
    """The merged report of the samples: three OSes, baseline and history, spec power."""
    folder = tmp_path_factory.mktemp("report")
    report = build([SAMPLES / "current"], [SAMPLES / "baseline"], SAMPLES / "history",
                   mutation=[SAMPLES / "mutation"],
                   mutation_baseline=[SAMPLES / "mutation" / "nights"])
    return write(report, folder / "index.html")[0]


@pytest.fixture(scope="module")
def sample_model():
    return merge.merge([SAMPLES / "current"])


class Watched:
    """A page with a record of dialogs, errors and every request it made."""

    def __init__(self, page):
        self.page = page
        self.dialogs, self.errors, self.requests = [], [], []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("request", lambda request: self.requests.append(request.url))

    def visible_rows(self) -> int:
        return self.page.locator(ROWS + ":visible").count()

    def visible_runs(self) -> int:
        return self.page.locator(HEADERS + ":visible").count()


@pytest.fixture
def page(browser, sample_report):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    watched = Watched(context.new_page())
    watched.page.goto(sample_report.as_uri())
    yield watched
    context.close()
    assert watched.errors == []
    assert watched.dialogs == []


def _rows_where(model, test) -> int:
    return sum(1 for spec in model.specs if test(spec))


def test_matrix_renders_every_spec_and_run(page, sample_model):
    assert page.page.locator(ROWS).count() == len(sample_model.specs) == 28
    assert page.visible_rows() == 28
    assert page.visible_runs() == len(sample_model.runs) == 10
    assert page.page.locator("#matrix .m-row i").count() == 280
    assert page.page.locator("#shown").inner_text() == "28 of 28 specs"
    first = page.page.locator(ROWS).first
    # off-screen rows are not laid out (content-visibility), so read text, not innerText
    assert first.locator("a").text_content() == sample_model.specs[0].id


def test_page_fetches_nothing_from_the_network(page):
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests


def test_typing_in_the_query_box_filters_rows(page, sample_model):
    page.page.locator("#q").type("sendfile")
    expected = _rows_where(sample_model, lambda s: "sendfile" in render.search_text(s))
    assert page.visible_rows() == expected == 3
    assert page.page.locator("#shown").inner_text() == "3 of 28 specs"
    page.page.locator("#q").fill("EAGAIN")
    assert page.visible_rows() == 1
    page.page.locator("#q").fill("")
    assert page.visible_rows() == 28


def test_choosing_an_outcome_filters_rows(page, sample_model):
    page.page.select_option("#f-outcome", "fail")
    expected = _rows_where(sample_model, lambda s: "fail" in s.outcomes)
    assert page.visible_rows() == expected and expected > 0
    page.page.select_option("#f-outcome", "n/a")
    assert page.visible_rows() == _rows_where(sample_model, lambda s: "n/a" in s.outcomes)
    page.page.select_option("#f-outcome", "unexpected")
    assert page.visible_rows() == _rows_where(
        sample_model, lambda s: set(s.outcomes) & {"fail", "error", "xpass", "timeout", "crash",
                                                   "missing", "skip"})


def test_implementation_os_and_python_hide_runs(page, sample_model):
    page.page.select_option("#f-impl", "gevent")
    assert page.visible_runs() == 2
    assert page.page.locator("#matrix .m-row i.c0:visible").count() == 28
    page.page.locator("#q").fill("outcome:fail")
    gevent = [i for i, run in enumerate(sample_model.runs) if run.implementation == "gevent"]
    assert page.visible_rows() == _rows_where(
        sample_model, lambda s: any(s.outcomes[i] == "fail" for i in gevent))
    page.page.click("#f-clear")
    page.page.select_option("#f-os", "win32")
    assert page.visible_runs() == 2
    page.page.select_option("#f-os", "")
    page.page.locator("#q").fill("os:macos py:3.13 area:repr")
    assert page.visible_runs() == 1
    assert page.visible_rows() == _rows_where(sample_model, lambda s: s.area == "repr")
    page.page.locator("#q").fill("impl:stdlib,gevent persona:native")
    assert page.visible_runs() == 6


def test_query_language(page):
    parsed = page.page.evaluate(
        "window.sockspecReport.parse('Impl:std,gev os:windows outcome:fail,n/a is:bogus EBADF x')")
    assert parsed["impl"] == [["std", "gev"]] and parsed["os"] == [["win32"]]
    assert parsed["outcome"] == ["fn", ""] and parsed["words"] == ["ebadf", "x"]
    page.page.select_option("#f-python", "3.13.0")
    page.page.select_option("#f-area", "repr")
    parsed = page.page.evaluate("window.sockspecReport.parse('')")
    assert parsed["python"] == [["=3.13.0"]] and parsed["area"] == [["=repr"]]
    assert page.visible_runs() == 4


def test_area_headings_follow_their_rows(page):
    page.page.select_option("#f-area", "makefile")
    assert page.page.locator("#matrix .m-area:visible").all_text_contents() == ["makefile"]


def test_hostile_strings_are_inert_and_visible(page, sample_model):
    index = next(i for i, s in enumerate(sample_model.specs)
                 if s.id == "repr_unix_bound_path_shown_unquoted")
    page.page.locator("#q").fill("alert(1)")
    assert page.visible_rows() == 1
    page.page.locator(ROWS + ":visible a").click()
    detail = page.page.locator(f"#s{index}")
    # The detail opens on the hashchange event, which follows the click asynchronously.
    page.page.wait_for_function(f"document.getElementById('s{index}').open", timeout=10_000)
    assert detail.get_attribute("open") is not None
    assert "expected <script>alert(1)</script> in repr" in detail.inner_text()
    assert "<script>alert(3)</script>" in detail.inner_text()
    link = page.page.locator("code", has_text="javascript:alert(2)")
    assert link.count() == 1 and page.page.locator('a[href^="javascript:"]').count() == 0
    assert page.page.evaluate("document.scripts.length") == 2
    assert page.dialogs == []


def test_cell_tooltip_names_run_and_outcome(page, sample_model):
    cell = page.page.locator(ROWS).first.locator("i.c3")
    cell.hover()
    assert cell.get_attribute("title") == f"{sample_model.runs[3].label}: " \
                                          f"{sample_model.specs[0].outcomes[3]}"


def test_overview_screenshot(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / "overview.png"
    page.page.locator("header").scroll_into_view_if_needed()
    page.page.screenshot(path=str(target))
    page.page.locator("#q").fill("outcome:unexpected")
    page.page.locator("#matrix-view").screenshot(path=str(SCREENSHOTS / "matrix-unexpected.png"))
    assert target.stat().st_size > 10_000
    scores = page.page.locator("#overview .score").all_inner_texts()
    assert len(scores) == 3 and all(s.endswith("%") for s in scores)


def _column(page, table: str, column: int) -> list:
    return page.locator(f"{table} tbody tr td:nth-child({column})").all_text_contents()


def test_spec_power_view_opens_from_the_nav_and_the_overview(page):
    page.page.locator('nav a[href="#power"]').click()
    page.page.wait_for_function("window.location.hash === '#power'", timeout=10_000)
    section = page.page.locator("#power")
    assert section.is_visible()
    assert section.locator("h3", has_text="reference").count() == 1
    assert section.locator(".power-total").first.inner_text().startswith("81.4%")
    assert "Partial" in section.inner_text() and "2/3" in section.inner_text()
    falls = section.locator("#power-falls + table tbody tr").all_inner_texts()
    assert len(falls) == 2 and "total" in falls[0] and "makefile" in falls[1]
    powers = page.page.locator("#overview .power-score").all_inner_texts()
    assert powers[0].startswith("81.4%") and "partial" in powers[1]
    assert page.page.locator('nav a[href="#power"] .count').inner_text() == "2"


def test_spec_power_tables_sort_by_a_column(page):
    table = "#power-elements-0"
    names = _column(page.page, table, 1)
    assert names == sorted(names)  # as the document lists them
    score = page.page.locator(f"{table} thead th", has_text="score")
    score.click()
    assert score.get_attribute("aria-sort") == "ascending"
    values = [float(v) for v in page.page.locator(f"{table} tbody td.grade").evaluate_all(
        "cells => cells.map(c => c.getAttribute('data-v'))")]
    assert values == sorted(values) and values[0] < values[-1]
    score.click()
    assert score.get_attribute("aria-sort") == "descending"
    again = [float(v) for v in page.page.locator(f"{table} tbody td.grade").evaluate_all(
        "cells => cells.map(c => c.getAttribute('data-v'))")]
    assert again == sorted(values, reverse=True)
    page.page.locator(f"{table} thead th", has_text="element").click()
    assert _column(page.page, table, 1) == sorted(names, key=str.lower)
    survived = page.page.locator("#power-areas-0 thead th", has_text="survived")
    survived.focus()
    page.page.keyboard.press("Enter")
    counts = [int(v) for v in _column(page.page, "#power-areas-0", 5)]
    assert counts == sorted(counts)


def test_a_survivors_diff_opens_and_hostile_text_stays_text(page):
    survivors = page.page.locator("#power details.survivor")
    hostile = survivors.filter(has=page.page.locator("pre", has_text="alert(1)"))
    assert hostile.count() == 1
    diff = hostile.locator("pre.diff")
    assert not diff.is_visible()
    hostile.locator("summary").click()
    assert diff.is_visible()
    text = diff.inner_text()
    assert text.startswith("--- a/implementations/reference/socket.py")
    assert '+        s += "</pre><script>alert(1)</script>"' in text
    equivalent = page.page.locator("#power table.equivalents").first
    assert "<b>__init__</b>" in equivalent.inner_text()
    assert page.page.locator("#power b, #power script").count() == 0
    assert page.page.evaluate("document.scripts.length") == 2
    assert page.dialogs == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.page.locator("#power").screenshot(path=str(SCREENSHOTS / "spec-power.png"))


def test_single_run_report_opens(browser, tmp_path):
    from harness.report.build import write_run_report

    source = sorted((SAMPLES / "current").glob("gevent-*.json"))[0]
    copy = tmp_path / source.name
    copy.write_text(source.read_text())
    html = write_run_report(copy)
    context = browser.new_context()
    watched = Watched(context.new_page())
    watched.page.goto(html.as_uri())
    assert watched.visible_runs() == 1 and watched.visible_rows() == 28
    context.close()
    assert watched.errors == [] and watched.dialogs == []


def test_benchmark_runs_small(browser):
    from harness.bench import report_timing

    figures = report_timing.run(runs=3, specs=40, repeat=1, chromium=browser)
    assert set(figures["filter_ms"]) == set(report_timing.QUERIES)
    assert figures["filter_ms"][""][0][1] == 40
    lines = report_timing.lines(figures)
    assert lines[0].startswith("3 runs x 40 specs") and any("filter" in x for x in lines)
