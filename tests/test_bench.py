"""``python -m harness bench``: the quick mode runs, its JSON has the documented shape."""

from __future__ import annotations

import json
import math

import pytest

from harness.bench import measure, suite, workloads
from harness.cli import bench
from harness.loading.implementations import load_implementation
from tests.conftest import run_cli


def _variants():
    made = [bench._variant("a", "reference"), bench._variant("b", "stdlib")]
    return made + [measure.floor_variant()]


@pytest.fixture(scope="module")
def quick_document():
    return measure.run(_variants(), repeat=2, quick=True, pin=False)


def _positive(value) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value > 0


def test_quick_document_is_self_describing(quick_document):
    document = json.loads(json.dumps(quick_document))  # plain JSON all the way down
    assert document["schema"] == measure.SCHEMA
    assert document["schema_version"] == measure.SCHEMA_VERSION
    assert document["kind"] == "implementations"
    assert set(document["variants"]) == {"a", "b", "floor"}
    assert document["variants"]["a"]["name"] == "reference"
    assert document["settings"]["quick"] is True
    assert document["settings"]["repeat"] == 2
    assert {"rate", "ratio", "a_vs_floor"} <= set(document["definitions"])
    assert document["machine"]["cpus"] >= 1


def test_quick_document_has_every_line_with_positive_figures(quick_document):
    expected = {w.id for w in workloads.catalogue(workloads.QUICK, "unused")}
    lines = quick_document["lines"]
    assert {line["id"] for line in lines} == expected
    for line in lines:
        assert line["unit"] in ("MB/s", "lines/s", "ops/s")
        for key in ("a", "b", "floor"):
            assert _positive(line[key]["median"]), (line["id"], key)
            assert len(line[key]["samples"]) == 2
            assert all(_positive(s) for s in line[key]["cpu_seconds"] + line[key]["seconds"])
        for key in ("ratio", "a_vs_floor", "b_vs_floor"):
            figures = line[key]
            assert _positive(figures["median"]), (line["id"], key)
            assert _positive(figures["wall_median"]) and _positive(figures["cpu_median"])
            low, high = figures["spread"]
            assert 0 < low <= figures["median"] <= high


def test_quick_document_goals(quick_document):
    goals = {g["id"]: g for g in quick_document["goals"]}
    assert {"ratio", "ratio_aim", "a_vs_floor", "b_vs_floor"} == set(goals)
    for goal in goals.values():
        assert isinstance(goal["met"], bool)
        assert goal["met"] == (goal["worst_value"] <= goal["limit"])
    sendfile = next(line for line in quick_document["lines"] if line["id"] == "sendfile_os")
    assert {g["id"] for g in sendfile["goals"]} == {"ratio", "ratio_aim", "a_vs_floor",
                                                    "b_vs_floor"}


def test_rounds_rotate_so_each_variant_leads_equally():
    variants = _variants()
    orders = list(measure.round_orders(variants, 6))
    leaders = [order[0].key for order in orders]
    assert leaders == ["a", "b", "floor", "a", "b", "floor"]
    assert all(sorted(v.key for v in order) == ["a", "b", "floor"] for order in orders)


def test_a_module_without_fd_passing_skips_that_line():
    class NoFdPassing:
        socket = None

    workload = next(w for w in workloads.catalogue(workloads.QUICK, "x")
                    if w.id == "send_recv_fds")
    assert not workload.applies_to(NoFdPassing)
    assert workload.applies_to(load_implementation("stdlib").module)


def test_table_line_shows_figures(quick_document):
    line = quick_document["lines"][0]
    text = bench.format_line(line)
    assert text.startswith(line["title"])
    assert f"{line['ratio']['median']:.3f}" in text


def test_cli_quick_prints_table_and_writes_json(tmp_path):
    path = tmp_path / "bench.json"
    done = run_cli("bench", "--quick", "--only", "socketpair", "--json", str(path), timeout=120)
    assert done.returncode == 0, done.stderr
    assert "socketpair() + close both" in done.stdout
    assert f"json: {path}" in done.stdout
    document = json.loads(path.read_text())
    assert [line["id"] for line in document["lines"]] == ["socketpair"]
    assert isinstance(document["settings"]["pinned_cpu"], (int, type(None)))


def test_cli_unknown_implementation_is_one_line_and_exit_2():
    done = run_cli("bench", "--quick", "--vs", "nosuchimpl")
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "nosuchimpl" in lines[0]


# -- the suite mode's parts (the full mode itself takes minutes) ---------------------------


def test_overhead_slopes_cancel_start_up():
    # plugin: 1.0 s start + 3 ms a spec; bare: 0.5 s start + 1 ms a spec
    medians = {(True, 100): 1.3, (True, 1000): 4.0, (False, 100): 0.6, (False, 1000): 1.5}
    figures = suite.slopes((100, 1000), medians)
    assert figures["per_spec_ms"] == pytest.approx(2.0)
    assert figures["plugin_per_spec_ms"] == pytest.approx(3.0)
    assert figures["bare_per_spec_ms"] == pytest.approx(1.0)
    assert figures["start_up_seconds"] == pytest.approx(0.5)


def test_noop_projects(tmp_path):
    with_plugin = suite.noop_project(tmp_path / "p", 3, with_plugin=True)
    bare = suite.noop_project(tmp_path / "b", 3, with_plugin=False)
    assert "harness.runner.plugin" in (with_plugin / "conftest.py").read_text()
    assert (with_plugin / "specs" / "test_noop.py").read_text().count("@spec(") == 3
    assert not (bare / "conftest.py").exists()
    assert (bare / "specs" / "test_noop.py").read_text().count("def test_noop_") == 3
    assert "--results" in suite.noop_command(with_plugin, True)
    assert "--results" not in suite.noop_command(bare, False)


@pytest.mark.parametrize("argv, words", [
    (["bench", "--repeat", "0"], "--repeat must be at least 1"),
    (["bench", "--only", "nope"], "unknown line 'nope'"),
    (["bench", "--suite", "--area", "nope"], "unknown area 'nope'"),
])
def test_bad_arguments_exit_2_before_measuring(argv, words, capsys):
    from harness.cli.main import main

    assert main(argv) == 2
    assert words in capsys.readouterr().err
