"""The mutation engine end to end: statuses from a run, the covering specs, a known mutant of
the reference killed, and a weakened spec lowering its area's score."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("cosmic_ray")
pytest.importorskip("coverage")

from harness.documents import mutation as document
from harness.mutation import engine
from harness.mutation.coverage_map import CoverageMap

ROOT = Path(__file__).resolve().parent.parent


def test_statuses_from_a_run():
    killed = engine.classify(1, "", [("start", "a::x"), ("start", "a::y"), ("fail", "a::y")])
    assert (killed.status, killed.killers, killed.ran) == ("killed", ["a::y"], 2)
    timed = engine.classify(1, "", [("start", "a::x"), ("timeout", "a::x")])
    assert (timed.status, timed.killers) == ("timeout", ["a::x"])
    hung = engine.classify(None, "", [("start", "a::x"), ("start", "a::z")])
    assert (hung.status, hung.killers) == ("timeout", ["a::z"])
    assert engine.classify(0, "", [("start", "a::x")]).status == "survived"
    load = engine.classify(4, "ERROR: implementation 'reference' failed to load: NameError", [])
    assert (load.status, load.killers) == ("killed", [engine.LOAD_FAILURE])
    broken = engine.classify(3, "INTERNALERROR> boom", [])
    assert broken.status == "error" and "pytest exit 3" in broken.detail


def test_covering_specs_quickest_first():
    cmap = CoverageMap(lines={10: ["a::slow", "a::quick"], 11: ["a::mid"]}, executed={1, 10, 11},
                       passed={"a::slow": 2.0, "a::quick": 0.1, "a::mid": 1.0, "a::other": 0.5},
                       other={})
    assert cmap.specs_for((10, 11), 10) == ["a::quick", "a::mid", "a::slow"]
    assert cmap.specs_for((12,), 12) == []
    assert cmap.specs_for(None, 1) == ["a::quick", "a::other", "a::mid", "a::slow"]
    assert cmap.specs_for(None, 2) == []  # module code that never ran


def test_code_run_while_the_module_loads_reaches_every_spec():
    # line 20 is in a function the module calls at import (the empty context), and no spec
    # runs it again: a mutant there still changes what every spec sees
    cmap = CoverageMap(lines={10: ["a::one"]}, executed={1, 10, 20},
                       passed={"a::one": 0.2, "a::two": 0.1}, other={}, loaded={1, 20})
    assert cmap.specs_for((20,), 20) == ["a::two", "a::one"]
    assert cmap.specs_for((10,), 10) == ["a::one"]
    again = CoverageMap.from_json(cmap.to_json())
    assert again.loaded == {1, 20} and again.specs_for((20,), 20) == ["a::two", "a::one"]


def _mutate(*args, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if not any(a.startswith("--personas") for a in args):
        args = ("--personas", "none", *args)
    done = subprocess.run([sys.executable, "-m", "harness", "mutate", "-q", *args], cwd=str(cwd),
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_known_mutant_of_the_reference_is_killed_by_its_area(tmp_path):
    output = tmp_path / "repr.json"
    printed = _mutate("--areas", "repr", "--element", "socket.__repr__",
                      "--operator", "sockspec/ReplaceReturnValue", "--output", str(output))
    doc = document.read(output)
    assert "document:" in printed
    assert doc["implementation"]["name"] == "reference"
    assert doc["selection"]["areas"] == ["repr"]
    assert doc["mutants"], "no mutant of socket.__repr__"
    for mutant in doc["mutants"]:
        assert mutant["status"] == "killed", mutant
        assert mutant["killers"][0].startswith("specs/test_repr.py::")
        assert mutant["diff"].splitlines()[-1].strip() == "+        return None"
    assert doc["scores"]["areas"]["repr"]["score"] == 1.0
    assert doc["scores"]["elements"]["socket.__repr__"]["killed"] == len(doc["mutants"])
    assert doc["timing"]["workers"] >= 1 and doc["coverage"]["passing_specs"] > 10


TINY = '''\
    """A tiny socket module for the mutation engine's self tests."""

    from _socket import *  # noqa: F403
    from _socket import socket, socketpair  # noqa: F401


    def create_connection(address, timeout=None, source_address=None):
        raise NotImplementedError


    def clamp_port(port):
        if port < 0:
            raise ValueError("port must be 0-65535")
        if port > 65535:
            raise OverflowError("port must be 0-65535")
        return port
    '''

SPECS = '''\
    import pytest

    from harness.model.spec import spec


    @spec("tiny.clamp_port")
    def test_tiny_clamp_keeps_the_range(impl):
        assert impl.clamp_port(0) == 0
        assert impl.clamp_port(65535) == 65535


    @spec("tiny.clamp_port")
    def test_tiny_clamp_refuses_negative(impl):
        with pytest.raises(ValueError):
            impl.clamp_port(-1)


    @spec("tiny.clamp_port")
    def test_tiny_clamp_refuses_too_large(impl):
        with pytest.raises(OverflowError):
            impl.clamp_port(65536)
    '''

WEAKENED = SPECS.replace("impl.clamp_port(65536)", "impl.clamp_port(70000)")


def _tiny_run(tmp_path, name, specs_text, module=TINY, selection=("--element", "clamp_port")):
    project = tmp_path / name
    (project / "specs").mkdir(parents=True)
    (project / "tiny.py").write_text(textwrap.dedent(module))
    (project / "specs" / "test_tiny.py").write_text(textwrap.dedent(specs_text))
    output = project / "mutation.json"
    _mutate("--impl", str(project / "tiny.py"), "--specs", str(project / "specs"),
            *selection, "--operator", "NumberReplacer",
            "--output", str(output), cwd=project)
    return document.read(output)


def test_a_weakened_spec_lowers_the_score_of_its_area(tmp_path):
    strong = _tiny_run(tmp_path, "strong", SPECS)
    weak = _tiny_run(tmp_path, "weak", WEAKENED)
    assert len(strong["mutants"]) == len(weak["mutants"]) == 4
    assert strong["scores"]["areas"]["tiny"]["score"] == 1.0
    assert weak["scores"]["areas"]["tiny"]["score"] < strong["scores"]["areas"]["tiny"]["score"]
    survivors = [m for m in weak["mutants"] if m["status"] == "survived"]
    assert [m["diff"].splitlines()[-1].strip() for m in survivors] == ["+    if port > 65536:"]
    assert survivors[0]["areas"] == ["tiny"]
    # the mutant ids do not depend on the specs
    assert [m["id"] for m in strong["mutants"]] == [m["id"] for m in weak["mutants"]]
    json.dumps(weak)  # plain JSON throughout


def test_a_mutant_is_registered_like_the_original(tmp_path):
    from harness.loading.implementations import read_metadata
    from harness.mutation import target

    reference = target.resolve("reference")
    assert reference.source.name == "socket.py" and reference.folder is not None
    copy = tmp_path / "socket.py"
    copy.write_text(reference.source.read_text())
    meta = read_metadata(reference.register(tmp_path / "mutant", copy))
    original = read_metadata(reference.folder)
    assert meta["name"] == "reference" and meta["file"] == str(copy.resolve())
    assert meta["semantics"] == original["semantics"]
    assert (tmp_path / "mutant" / "expectations.toml").is_file()
    loose = target.resolve(str(copy))
    assert loose.name == "socket" and loose.folder is None
    with pytest.raises(target.TargetError, match="neither a registered name"):
        target.resolve("no-such-implementation")
    with pytest.raises(target.TargetError, match="does not exist"):
        target.resolve(str(tmp_path / "missing.py"))


PLATFORM_TINY = '''\
    """A tiny socket module with a platform branch."""

    import sys
    from _socket import *  # noqa: F403
    from _socket import socket  # noqa: F401


    def socketpair(family=None, type=None, proto=0):
        raise NotImplementedError


    def create_connection(address, timeout=None, source_address=None):
        raise NotImplementedError


    def separator():
        if sys.platform == "win32":
            return "\\\\"
        return "/"
    '''

PLATFORM_SPECS = '''\
    from harness.model.spec import spec


    @spec("tiny.separator")
    def test_tiny_separator_follows_the_platform(impl):
        expected = "\\\\" if impl.sys.platform == "win32" else "/"
        assert impl.separator() == expected
    '''


def test_a_mutant_in_a_platform_branch_is_killed_under_its_persona(tmp_path):
    project = tmp_path / "platform"
    (project / "specs").mkdir(parents=True)
    (project / "tiny.py").write_text(textwrap.dedent(PLATFORM_TINY))
    (project / "specs" / "test_tiny.py").write_text(textwrap.dedent(PLATFORM_SPECS))
    args = ["--impl", str(project / "tiny.py"), "--specs", str(project / "specs"),
            "--element", "separator", "--operator", "sockspec/ReplaceReturnValue"]
    native = project / "native.json"
    _mutate(*args, "--personas", "none", "--output", str(native), cwd=project)
    windows = project / "windows.json"
    _mutate(*args, "--personas", "windows", "--output", str(windows), cwd=project)
    branch = [m for m in document.read(native)["mutants"] if '"\\\\"' in m["diff"]]
    assert branch and all(m["status"] == "no-coverage" for m in branch)
    by_id = {m["id"]: m for m in document.read(windows)["mutants"]}
    for mutant in branch:
        assert by_id[mutant["id"]]["status"] == "killed"
        assert by_id[mutant["id"]]["configuration"] == "windows"


def test_an_equivalent_that_a_spec_kills_is_wrong(tmp_path):
    strong = _tiny_run(tmp_path, "strong", SPECS)
    killed = next(m for m in strong["mutants"] if m["status"] == "killed")
    project = tmp_path / "strong"
    table = project / "equivalent-mutants.toml"
    table.write_text(f'[equivalent]\n"{killed["id"]}" = "no program can tell (wrongly)"\n')
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "harness", "mutate", "-q", "--personas", "none",
         "--impl", str(project / "tiny.py"), "--specs", str(project / "specs"),
         "--element", "clamp_port", "--operator", "NumberReplacer",
         "--equivalents", str(table), "--output", str(project / "again.json")],
        cwd=str(project), env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"WRONG {table}:2: mutant {killed['id']} is listed as equivalent" in done.stdout


def test_kill_order_runs_the_killers_of_the_line_first():
    from harness.mutation.generate import Mutant

    order = engine.KillOrder()
    seconds = {"a::quick": 0.01, "a::slow": 0.5, "a::often": 0.04}

    def mutant(line):
        return Mutant(id=f"m{line}", file="tiny.py", line=line, column=0, element="f",
                      operator="core/NumberReplacer", original="1", replacement="2", start=0,
                      end=1, diff="", coverage_lines=(line,), statement_line=line)

    specs = sorted(seconds)
    assert order.arrange(mutant(3), specs, seconds) == ["a::quick", "a::often", "a::slow"]
    order.learn(mutant(3), engine.Outcome(engine.KILLED, ["a::slow"]))
    for line in (4, 5, 6, 7):
        order.learn(mutant(line), engine.Outcome(engine.KILLED, ["a::often"]))
    order.learn(mutant(8), engine.Outcome(engine.KILLED, [engine.LOAD_FAILURE]))
    order.learn(mutant(9), engine.Outcome(engine.SURVIVED))
    # the line's own killer first; then the duration over one more than the kills
    assert order.arrange(mutant(3), specs, seconds) == ["a::slow", "a::often", "a::quick"]
    assert order.arrange(mutant(10), specs, seconds) == ["a::often", "a::quick", "a::slow"]


FRESH_SPECS = '''\
    from fixtures import fresh
    from harness.model.spec import spec


    @spec("tiny.clamp_port")
    def test_tiny_clamp_in_a_fresh_process(impl):
        seen = fresh.run(impl, "print(repr([module.clamp_port(0), module.clamp_port(65535)]))")
        assert seen == [0, 65535]
    '''


def test_lines_a_spec_runs_in_a_child_process_are_its_own(tmp_path):
    # clamp_port runs only in the spec's fresh interpreter: still covered, and killed there
    found = _tiny_run(tmp_path, "fresh", FRESH_SPECS)
    _assert_killed_at_the_bounds(found, "specs/test_tiny.py::test_tiny_clamp_in_a_fresh_process")


def _assert_killed_at_the_bounds(found, killer):
    """A run of clamp_port's four mutants against a spec of clamp_port(0) and
    clamp_port(65535) alone: ``killer`` kills the two that move a bound onto those values."""
    statuses = {m["diff"].splitlines()[-1].strip(): (m["status"], m["killers"])
                for m in found["mutants"]}
    assert statuses == {"+    if port < 1:": ("killed", [killer]),
                        "+    if port < -1:": ("survived", []),
                        "+    if port > 65534:": ("killed", [killer]),
                        "+    if port > 65536:": ("survived", [])}


NETNS_SPECS = '''\
    from harness.model.spec import spec


    @spec("tiny.clamp_port", needs=["netns"], personas=["native"])
    def test_tiny_clamp_on_a_private_host(ipv4_only_host):
        seen = ipv4_only_host.result("result = [impl.clamp_port(0), impl.clamp_port(65535)]")
        assert seen == [0, 65535]
    '''


def test_a_private_host_runs_the_mutant_and_its_lines_are_the_specs(tmp_path):
    # the private host (fixtures.netns) loads the implementation of the run, here each
    # mutant in turn, whatever --impl said; and what it ran there is covered
    from harness.model.capabilities import CAPABILITIES

    if not CAPABILITIES["netns"]():
        pytest.skip("network namespaces are not available here (root, unshare and ip)")
    found = _tiny_run(tmp_path, "netns", NETNS_SPECS)
    _assert_killed_at_the_bounds(found, "specs/test_tiny.py::test_tiny_clamp_on_a_private_host")


LOADING_TINY = TINY + '''
    LIMIT = 65535
    if LIMIT != 65535:
        raise ImportError("the limit changed")
    '''


@pytest.mark.parametrize("runs", ["session", "fork", "spawn"])
def test_every_way_of_running_gives_the_same_statuses(tmp_path, runs):
    # a mutant of the module-level LIMIT makes the module fail to load: killed by <load>
    found = _tiny_run(tmp_path, runs, WEAKENED, module=LOADING_TINY, selection=("--runs", runs))
    assert found["timing"]["runs"] == runs
    statuses = {(m["line"], m["diff"].splitlines()[-1].strip()): (m["status"], m["killers"])
                for m in found["mutants"]}
    assert statuses[(14, "+    if port > 65536:")] == ("survived", [])
    assert statuses[(14, "+    if port > 65534:")][0] == "killed"
    loading = [v for (line, _), v in statuses.items() if line in (18, 19)]
    assert loading == [("killed", [engine.LOAD_FAILURE])] * 4
