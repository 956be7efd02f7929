"""The rendered page and the machine-readable outputs: escaping, self-containment, badges."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.model import outcomes
from harness.report import merge, render, summary, views
from harness.report.build import build, write
from harness.report.sample_results import SAMPLES, document, record, run_info

HOSTILE = "<script>alert(1)</script>"
BREAKOUT = "</script><script>alert(2)</script><!--"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.tags = []
        self.scripts = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def hostile_results(tmp_path: Path) -> Path:
    specs = [
        record("hostile_message", "repr", ["socket.__repr__"], outcomes.FAIL,
               message=f"AssertionError: {HOSTILE} {BREAKOUT}",
               fingerprint={"exception": "<img src=x onerror=alert(3)>", "errno": None}),
        record("hostile_expectation", "repr", ["<b>elem</b>"], outcomes.XFAIL,
               expectation={"reason": "<i>why</i>", "link": "javascript:alert(4)",
                            "conditions": {"os": ["<u>x</u>"]}, "fingerprint": None}),
        record("hostile_hypothesis", "repr", [], outcomes.FAIL, message="m",
               hypothesis={"example": "<svg onload=alert(5)>", "reproduce": "'\"><x>",
                           "seed": 1}),
    ]
    info = run_info('<img src=x onerror="alert(6)">', "linux", "3.12.4",
                    "2026-11-24T02:00:00+00:00", persona="\"'><script>alert(7)</script>",
                    surface={"missing": ["<s>gone</s>"], "extra": [], "all_missing": [],
                             "all_extra": [], "signatures": [
                                 {"name": "f", "expected": "(<a>)", "actual": "(<b>)"}]})
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document(info, specs)), encoding="utf-8")
    return path


@pytest.fixture
def hostile_page(tmp_path) -> str:
    report = build([hostile_results(tmp_path)], generated="2026-11-24T03:00:00+00:00")
    return render.render(report.page)


def test_no_markup_from_results_reaches_the_page(hostile_page):
    assert HOSTILE not in hostile_page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile_page
    parser = Tags()
    parser.feed(hostile_page)
    tags = {tag for tag, _ in parser.tags}
    assert not tags & {"img", "svg", "u", "b", "s", "x", "iframe"}
    assert [a.get("type") for t, a in parser.tags if t == "script"] == ["application/json", None]
    for _tag, attributes in parser.tags:
        assert not any(name.startswith("on") for name in attributes)
        assert not any("javascript:" in (value or "") for value in attributes.values())


def test_inline_json_cannot_close_its_script(hostile_page):
    parser = Tags()
    parser.feed(hostile_page)
    data_script, code = parser.scripts
    assert "</" not in data_script and "<" not in data_script
    data = json.loads(data_script)
    (row_text,) = [row[2] for row in data["rows"] if "hostile_message" in row[2]]
    assert HOSTILE in row_text and BREAKOUT.lower() in row_text
    assert "sockspecReport" in code


def test_javascript_link_is_shown_as_text_only(hostile_page):
    assert "javascript:alert(4)" in hostile_page
    assert 'href="javascript' not in hostile_page.lower()


def test_page_is_self_contained(tmp_path):
    report = build([SAMPLES / "current"], [SAMPLES / "baseline"], SAMPLES / "history")
    page = render.render(report.page)
    parser = Tags()
    parser.feed(page)
    for tag, attributes in parser.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed")
        assert "src" not in attributes, tag
        if tag == "a":
            assert attributes["href"].startswith(("#", "https://", "http://")), attributes
    policy = next(a["content"] for t, a in parser.tags
                  if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in policy
    script = parser.scripts[-1]
    assert f"'{render.script_hash(script)}'" in policy


def test_script_hash_matches_what_the_browser_hashes():
    # the page's own script text is inlined exactly as in the template file
    env = render.environment()
    text = render.asset(env, "report.js")
    assert text == (render.TEMPLATES / "report.js").read_text(encoding="utf-8")
    assert re.fullmatch(r"sha256-[A-Za-z0-9+/]+=*", render.script_hash(text))


def test_templates_are_files_under_the_package():
    names = {p.name for p in render.TEMPLATES.iterdir()}
    assert {"report.html", "report.css", "report.js", "_matrix.html", "_overview.html"} <= names
    assert "<html" not in Path(render.__file__).read_text()


def test_matrix_cells_follow_run_order():
    merged = merge.merge([SAMPLES / "current"])
    rows = render.matrix_rows(merged)
    assert len(rows) == len(merged.specs)
    cells = re.findall(r'<i class="o-(\w) c(\d+)">', str(rows[0]["cells"]))
    assert [int(c) for _, c in cells] == list(range(len(merged.runs)))
    assert "".join(code for code, _ in cells) == merged.specs[0].codes


def test_outputs_are_written_side_by_side(tmp_path):
    report = build([SAMPLES / "current"], generated="2026-11-24T03:00:00+00:00")
    written = write(report, tmp_path / "site" / "index.html")
    names = sorted(p.name for p in written)
    assert names == ["badge-gevent.json", "badge-reference.json", "badge-stdlib.json",
                     "index.html", "index.summary.json"]
    found = json.loads((tmp_path / "site" / "index.summary.json").read_text())
    assert found["schema"] == summary.SCHEMA and found["schema_version"] == 1
    assert found["generated"] == "2026-11-24T03:00:00+00:00"
    assert found["outcome_codes"]["n/a"] == "n"


def test_badges_use_the_shields_endpoint_format():
    report = build([SAMPLES / "current"])
    for name, badge in report.badges.items():
        assert set(badge) == {"schemaVersion", "label", "message", "color"}
        assert badge["schemaVersion"] == 1 and badge["label"] == f"sockspec {name}"
    impl = {v.name: v for v in report.page.implementations}["reference"]
    assert report.badges["reference"]["message"] == \
        f"{impl.score.percent} ({impl.score.passed}/{impl.score.applicable})"


@pytest.mark.parametrize("passed, applicable, colour", [
    (10, 10, "brightgreen"), (96, 100, "green"), (91, 100, "yellowgreen"), (85, 100, "yellow"),
    (70, 100, "orange"), (10, 100, "red"), (0, 0, "lightgrey"),
])
def test_badge_colours(passed, applicable, colour):
    assert summary.colour(views.Score(passed, applicable)) == colour


def test_badge_mentions_rejected_runs_and_names_are_safe():
    view = views.ImplementationView("my/impl: x", [], {}, views.Score(1, 2), {}, rejected=2)
    assert summary.badge(view)["message"] == "50.0% (1/2), 2 run(s) rejected"
    assert summary.badge_name("my/impl: x") == "badge-my_impl_x.json"
    assert summary.badge_name("..") == "badge-_.json"


def test_report_of_no_runs_renders():
    report = build([])
    page = render.render(report.page)
    assert "No usable results" in page and "0 of 0 specs" in page
