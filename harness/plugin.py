"""PYTEST_DONT_REWRITE

The sockspec pytest plugin: wires pytest hooks to the harness modules.

Loading (harness.loading), applicability (harness.applicability), expectations
(harness.expectations), guards (harness.guards) and results (harness.recorder,
harness.results) each live in their own module; this one only connects them.
"""

from __future__ import annotations

import dataclasses
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from harness import expectations as expectations_module
from harness import outcomes, paths, personas, results, runinfo, selection, time_limit
from harness.applicability import not_applicable_reason
from harness.capabilities import probe_all
from harness.expectations import Expectations, ExpectationsError
from harness.guards import GuardError, LoopbackGuard, Snapshot, find_leaks
from harness.hypothesis_info import hypothesis_details
from harness.loading import (
    LOADED_KEY,
    ImplementationError,
    LoadedImplementation,
    load_implementation,
    register_metadata_file,
)
from harness.recorder import META_PROPERTY, PHASE_PROPERTY, Recorder
from harness.spec import (
    SpecDefinitionError,
    SpecMeta,
    area_from_path,
    describe,
    meta_of,
    spec_id_from_name,
)
from harness.surface import compare

NA_PREFIX = "sockspec n/a: "
MESSAGE_LIMIT = 2000


@dataclasses.dataclass
class RunState:
    impl: LoadedImplementation
    expectations: Expectations
    capabilities: Dict[str, bool]
    persona: Optional[str]
    context: Dict[str, str]
    is_worker: bool
    start: str
    ignore_threads: List[str]
    platform: str = sys.platform
    recorder: Optional[Recorder] = None
    all_spec_ids: Dict[str, str] = dataclasses.field(default_factory=dict)
    catalogue: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    results_path: Optional[Path] = None
    workers: int = 1
    spec_run: bool = False


STATE_KEY = pytest.StashKey[RunState]()
ITEM_KEY = pytest.StashKey[Dict[str, Any]]()
SNAPSHOT_KEY = pytest.StashKey[Snapshot]()
#: Set on a spec whose known failure is a lookup or connection the loopback guard refused.
KNOWN_REFUSAL_KEY = pytest.StashKey[bool]()
REFUSAL = "LoopbackViolation"


def pytest_addoption(parser):
    group = parser.getgroup("sockspec", "sockspec conformance harness")
    group.addoption(
        "--impl", default=None, metavar="IMPL",
        help="implementation under test: a registered name (stdlib, reference, gevent, "
             "eventlet), a dotted module path or a .py file (default: stdlib)",
    )
    group.addoption(
        "--persona", default=None, metavar="NAME",
        help="run the implementation's source under a persona (windows, no-ipv6, no-unix, "
             "no-sendfile, no-reuseport) so its platform branches run on this host",
    )
    group.addoption(
        "--expectations", action="append", default=[], metavar="TOML",
        help="known failures to apply on top of the implementation's own expectations.toml "
             "(repeatable; for a spec, a later file's entries are tried first)",
    )
    group.addoption(
        "--impl-meta", default=None, metavar="IMPL_TOML",
        help="register an implementation from its impl.toml (name, module or file, version, "
             "warm-up, threads to ignore); --impl then defaults to its name",
    )
    group.addoption(
        "--results", default=None, metavar="PATH",
        help="where to write the results JSON (default: reports/results/<run>.json)",
    )


def state_of(config) -> RunState:
    return config.stash[STATE_KEY]


def wanted(config) -> bool:
    """Whether this pytest run is a sockspec run. From a checkout it always is; installed, the
    plugin is registered in every pytest run of the environment (pytest11 entry point) and
    stays out of the way unless --impl or --impl-meta asks for it."""
    return not paths.INSTALLED or bool(config.getoption("impl") or config.getoption("impl_meta"))


def pytest_configure(config):
    config.addinivalue_line("markers", "spec: sockspec conformance spec metadata")
    config.addinivalue_line("markers", "spec_case: conditions of one parameter of a spec")
    if not wanted(config):
        return
    if paths.INSTALLED:
        sys.dont_write_bytecode = True  # nothing is written inside the installed package
    try:
        registered = register_metadata_file(config.getoption("impl_meta"))
        value = config.getoption("impl") or registered or "stdlib"
        impl = load_implementation(value, config.getoption("persona"))
        user_files = [Path(p) for p in config.getoption("expectations")]
        known = expectations_module.load_all([impl.expectations, *user_files])
    except (ImplementationError, ExpectationsError) as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[LOADED_KEY] = impl
    workerinput = getattr(config, "workerinput", None)
    persona = impl.persona
    capabilities = workerinput["sockspec_capabilities"] if workerinput else probe_all()
    if persona and not workerinput:
        capabilities = personas.get(persona).adjust(capabilities)
    state = RunState(
        impl=impl,
        expectations=known,
        capabilities=capabilities,
        persona=persona,
        context=runinfo.expectation_context(impl.version, persona),
        is_worker=workerinput is not None,
        start=workerinput["sockspec_start"] if workerinput else runinfo.now(),
        ignore_threads=list(_impl_ignore_threads(impl)),
    )
    if persona:
        state.platform = personas.get(persona).platform
    if not state.is_worker:
        state.recorder = Recorder()
    config.stash[STATE_KEY] = state
    config.pluginmanager.register(
        time_limit.TimeLimit(lambda item: ITEM_KEY in item.stash), "sockspec-time-limit"
    )
    _warm_up(impl)


def _warm_up(impl: LoadedImplementation) -> None:
    """Run the implementation's warm-up (impl.toml ``warm_up``: a file in its folder defining
    ``warm_up()``), once per process, so that what it creates once by design (an event loop's
    descriptors, a resolver kept on loopback) predates every spec's snapshot."""
    name = impl.metadata.get("warm_up")
    if impl.folder is None or not name:
        return
    from harness.loading import load_file

    try:
        module = load_file(impl.folder / name, f"sockspec_warm_up_{impl.name}")
        module.warm_up()
    except Exception as exc:  # foreign code: one line for the user
        raise pytest.UsageError(f"{impl.folder / name}: warm-up failed: {exc!r}") from None


def _impl_ignore_threads(impl: LoadedImplementation):
    return impl.metadata.get("ignore_threads", ())


# -- collection -------------------------------------------------------------------------


def _spec_meta(item) -> Optional[SpecMeta]:
    try:
        return meta_of(item)
    except SpecDefinitionError as exc:
        raise pytest.UsageError(str(exc)) from None


def _in_specs_folder(item) -> bool:
    return "specs" in Path(str(item.path)).parent.parts[-1:]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return
    for item in items:
        meta = _spec_meta(item)
        if meta is None:
            if _in_specs_folder(item):
                raise pytest.UsageError(f"{item.nodeid}: a spec needs @spec(...) metadata")
            continue
        state.spec_run = True
        spec_id = spec_id_from_name(item.name)
        other = state.all_spec_ids.setdefault(spec_id, item.nodeid)
        if other != item.nodeid:
            raise pytest.UsageError(
                f"{item.nodeid}: spec id {spec_id!r} is already used by {other}; "
                "spec ids (function names) must be unique across specs/"
            )
        info = {"id": spec_id, "nodeid": item.nodeid, "area": area_from_path(str(item.path)),
                "description": describe(item)}
        info.update(meta.as_dict())
        info["na_reason"] = not_applicable_reason(
            meta, state.impl.semantics, state.capabilities, state.persona, state.platform
        )
        item.stash[ITEM_KEY] = info
        item.user_properties.append(
            (META_PROPERTY, {k: info[k] for k in ("id", "area", "elements", "description")}))
        state.catalogue.append(
            {k: info[k] for k in ("id", "nodeid", "area", "elements", "description")})
    if config.option.collectonly:
        state.spec_run = False
    if state.spec_run:
        LoopbackGuard.install()
        _install_sigint_marker()


def pytest_collection_finish(session):
    state = session.config.stash.get(STATE_KEY, None)
    if state is not None and state.recorder is not None:
        state.recorder.add_catalogue(state.catalogue)
        state.recorder.add_selected(i.nodeid for i in session.items if ITEM_KEY in i.stash)


# -- running ----------------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    info = item.stash.get(ITEM_KEY, None)
    if info is None:
        return
    if info["na_reason"]:
        pytest.skip(NA_PREFIX + info["na_reason"])
    item.stash[SNAPSHOT_KEY] = Snapshot.take()
    LoopbackGuard.begin()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    try:
        return (yield)
    finally:
        _check_guards(item)


def _check_guards(item) -> None:
    snapshot = item.stash.get(SNAPSHOT_KEY, None)
    if snapshot is None:
        return
    del item.stash[SNAPSHOT_KEY]
    problems = []
    violation = LoopbackGuard.end()
    if violation and not item.stash.get(KNOWN_REFUSAL_KEY, False):
        problems.append(violation)
    problems += find_leaks(snapshot, state_of(item.config).ignore_threads)
    if problems:
        raise GuardError("; ".join(problems))


class EscapedBaseException(Exception):
    """An implementation raised KeyboardInterrupt, SystemExit or GeneratorExit inside a spec.

    Left alone, pytest would take such an exception for the user stopping the run;
    turned into an ordinary exception it fails only the spec that met it.
    """


_ESCAPING = (KeyboardInterrupt, SystemExit, GeneratorExit)
_SIGINT = {"received": False}


def _note_sigint(signum, frame):
    _SIGINT["received"] = True
    raise KeyboardInterrupt


def _install_sigint_marker() -> None:
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _note_sigint)


def _contain(exc: BaseException):
    if isinstance(exc, KeyboardInterrupt) and _SIGINT["received"]:
        raise exc  # the user pressed Ctrl-C: stop the run
    raise EscapedBaseException(f"{type(exc).__name__} escaped from the implementation: {exc!r}") from exc


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    if ITEM_KEY not in pyfuncitem.stash:
        return (yield)
    try:
        return (yield)
    except _ESCAPING as exc:
        _contain(exc)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    if ITEM_KEY not in getattr(request.node, "stash", {}):
        return (yield)
    try:
        return (yield)
    except _ESCAPING as exc:
        _contain(exc)
    finally:
        _contain_finalizers(fixturedef)


def _contain_finalizers(fixturedef) -> None:
    """Wrap the fixture's finalisers (its teardown) so that a BaseException escaping from the
    implementation there fails the spec's teardown instead of stopping the run."""
    finalizers = getattr(fixturedef, "_finalizers", None)
    if not isinstance(finalizers, list):
        return
    for index, finalizer in enumerate(finalizers):
        if not getattr(finalizer, "_sockspec_contained", False):
            finalizers[index] = _contained(finalizer)


def _contained(finalizer):
    def run():
        try:
            return finalizer()
        except _ESCAPING as exc:
            _contain(exc)

    run._sockspec_contained = True
    return run


def _is_timeout(excinfo) -> bool:
    return excinfo is not None and _timed_out(excinfo.value, set())


def _timed_out(exc, seen) -> bool:
    """The time limit's exception is ``exc``, or is inside it (an exception group, the cause or
    context of another error): the harness's own :class:`~harness.time_limit.SpecTimeout`, or
    pytest-timeout's ``Failed: Timeout`` where pytest-timeout keeps the timer."""
    if exc is None or id(exc) in seen:
        return False
    seen.add(id(exc))
    if time_limit.is_spec_timeout(exc):
        return True
    if type(exc).__name__ == "Failed" and str(exc).startswith("Timeout"):
        return True
    inner = list(getattr(exc, "exceptions", None) or ())
    inner += [exc.__cause__, exc.__context__]
    return any(_timed_out(e, seen) for e in inner)


def _failed_phase(call) -> str:
    """A failed set-up or teardown: ``timeout`` when the time limit ended it, else ``error``."""
    return outcomes.TIMEOUT if _is_timeout(call.excinfo) else outcomes.ERROR


def _message(excinfo) -> Optional[str]:
    if excinfo is None:
        return None
    text = excinfo.exconly().strip()
    return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + "..."


def _phase_outcome(report, call, info) -> Optional[str]:
    if report.when == "setup":
        if report.skipped:
            return outcomes.NA if info["na_reason"] else outcomes.SKIP
        return _failed_phase(call) if report.failed else None
    if report.when == "teardown":
        return _failed_phase(call) if report.failed else None
    if report.passed:
        return outcomes.PASS
    if report.skipped:
        return outcomes.SKIP
    return outcomes.TIMEOUT if _is_timeout(call.excinfo) else outcomes.FAIL


def _refused(entry, phase: Dict[str, Any]) -> bool:
    """A known failure that is the guard's refusal: the spec fails that way whatever the
    implementation then did with the refusal (swallowed it, or let the spec's own assertion
    meet it): the lookup it tried is the divergence."""
    if not entry.fingerprint or entry.fingerprint.get("exception") != REFUSAL:
        return False
    if not LoopbackGuard.violations:
        return False
    refusal = "; ".join(LoopbackGuard.violations)
    phase["message"] = refusal if phase["outcome"] == outcomes.PASS else (
        f"{refusal} | {phase['message']}")
    phase["outcome"] = outcomes.FAIL
    phase["fingerprint"] = {"exception": REFUSAL, "errno": None}
    return True


def _apply_expectation(report, state: RunState, info, phase: Dict[str, Any]) -> bool:
    """Turn a known failure into xfail (or a pass into xpass); True for a known refusal."""
    entry = state.expectations.lookup(info["id"], state.context)
    if entry is None or phase["outcome"] not in (outcomes.PASS, outcomes.FAIL):
        return False
    refused = _refused(entry, phase)
    phase["expectation"] = entry.as_dict()
    where = f"{entry.reason} ({entry.link})"
    if phase["outcome"] == outcomes.PASS:
        phase["outcome"] = outcomes.XPASS
        phase["message"] = f"known failure did not happen: {where}"
        report.outcome = "failed"
        report.longrepr = f"[XPASS] {info['id']}: {phase['message']}"
    elif entry.matches_failure(phase["fingerprint"]):
        phase["outcome"] = outcomes.XFAIL
        report.outcome = "skipped"
        report.wasxfail = where
        return refused
    else:
        phase["message"] = (
            f"fails differently from its known failure: expected {dict(entry.fingerprint)}, "
            f"got {phase['fingerprint']}; {phase['message']}"
        )
        report.sections.append(("sockspec expectation", phase["message"]))
    return False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    info = item.stash.get(ITEM_KEY, None)
    if info is None:
        return report
    outcome = _phase_outcome(report, call, info)
    if outcome is None:
        return report
    excinfo = call.excinfo if report.failed else None
    phase = {
        "when": report.when,
        "outcome": outcome,
        "fingerprint": outcomes.fingerprint(excinfo.value) if excinfo else None,
        "message": _message(excinfo),
        "na_reason": info["na_reason"] if outcome == outcomes.NA else None,
    }
    if report.when == "call":
        if _apply_expectation(report, state_of(item.config), info, phase):
            item.stash[KNOWN_REFUSAL_KEY] = True
        if excinfo is not None:
            phase["hypothesis"] = hypothesis_details(excinfo.value, report)
    report.user_properties.append((PHASE_PROPERTY, phase))
    return report


def pytest_report_teststatus(report, config):
    for name, value in getattr(report, "user_properties", ()):
        if name != PHASE_PROPERTY:
            continue
        if value["outcome"] == outcomes.NA:
            return "n/a", "n", "N/A"
        if value["outcome"] == outcomes.TIMEOUT:
            return "failed", "T", "TIMEOUT"
        if value["outcome"] == outcomes.XPASS:
            return "failed", "X", "XPASS"
    return None


# -- collecting results (the controller, or the only process) ------------------------------


class _Collector:
    """Controller-side hooks; registered only where results are gathered."""

    def __init__(self, config):
        self.config = config
        self.state = state_of(config)

    def pytest_runtest_logreport(self, report):
        self.state.recorder.add_report(report)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node):
        node.workerinput["sockspec_capabilities"] = self.state.capabilities
        node.workerinput["sockspec_start"] = self.state.start

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids):
        self.state.workers = max(self.state.workers, _worker_count(self.config))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        output = getattr(node, "workeroutput", {}) or {}
        self.state.recorder.add_catalogue(output.get("sockspec_catalogue", ()))
        self.state.recorder.add_selected(output.get("sockspec_selected", ()))
        self.state.all_spec_ids.update(output.get("sockspec_spec_ids", {}))
        if output.get("sockspec_spec_run"):
            self.state.spec_run = True


def _worker_count(config) -> int:
    value = getattr(config.option, "numprocesses", None)
    return value if isinstance(value, int) and value > 0 else 1


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    state = session.config.stash.get(STATE_KEY, None)
    if state is not None and not state.is_worker:
        session.config.pluginmanager.register(_Collector(session.config), "sockspec-collector")


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return
    if state.is_worker:
        config.workeroutput["sockspec_catalogue"] = state.catalogue
        config.workeroutput["sockspec_selected"] = [
            i.nodeid for i in session.items if ITEM_KEY in i.stash
        ]
        config.workeroutput["sockspec_spec_ids"] = state.all_spec_ids
        config.workeroutput["sockspec_spec_run"] = state.spec_run
        return
    if not state.spec_run:
        return
    records = state.recorder.records()
    document = _document(config, state, records, _stale(config, state))
    state.results_path = results.write(_results_path(config, state), document)
    if results.unexpected(records) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _document(config, state: RunState, records, stale) -> Dict[str, Any]:
    run_info = runinfo.host_info()
    run_info.update({
        "implementation": state.impl.info(),
        "git_revision": runinfo.git_revision(),
        "capabilities": state.capabilities,
        "persona": state.persona,
        "start": state.start,
        "end": runinfo.now(),
        "workers": max(state.workers, _worker_count(config)),
        "surface": compare(state.impl.module),
        "argv": list(sys.argv),
        "selection": selection.describe(config),
        "expectations_files": [str(p) for p in state.expectations.paths],
    })
    return {
        "schema": results.SCHEMA,
        "schema_version": results.SCHEMA_VERSION,
        "run_info": run_info,
        "summary": results.counts(records),
        "specs": records,
        "stale_expectations": [
            {"spec": e.spec_id, "line": e.line, "file": str(e.path)} for e in stale
        ],
        "complete": True,
    }


def _stale(config, state: RunState):
    """Entries naming no spec of the suite; only a run that collected the whole suite knows."""
    if not state.all_spec_ids or not selection.describe(config)["full"]:
        return []
    return state.expectations.stale(state.all_spec_ids)


def _results_path(config, state: RunState) -> Path:
    explicit = config.getoption("results")
    if explicit:
        return Path(explicit)
    label = runinfo.run_label(state.impl.name, state.persona)
    if paths.INSTALLED:
        return paths.results_dir() / f"{label}.json"
    return Path(str(config.rootpath)) / "reports" / "results" / f"{label}.json"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    state = config.stash.get(STATE_KEY, None)
    if state is None or state.is_worker or not state.spec_run or state.recorder is None:
        return
    records = state.recorder.records()
    write = terminalreporter.write_line
    missing = [r for r in records if r["outcome"] == outcomes.MISSING]
    if missing:
        terminalreporter.section("sockspec: specs that never ran", sep="-")
        for record in missing:
            write(f"MISSING {record['nodeid']}")
    stale = _stale(config, state)
    if stale:
        terminalreporter.section("sockspec: stale expectations", sep="-")
        for entry in stale:
            write(f"STALE {entry.path}:{entry.line}: no spec has id {entry.spec_id!r}")
    chosen = selection.describe(config)
    if not chosen["full"]:
        write("sockspec: a partial run (" + selection.summary(chosen) + "); "
              "stale expectations are checked on full runs only")
    impl = state.impl
    write(f"sockspec: implementation {impl.name} {impl.version} ({impl.source})")
    if state.results_path is not None:
        write(f"sockspec: results written to {state.results_path}")
    write("sockspec: " + outcomes.summary_line(results.counts(records)))
