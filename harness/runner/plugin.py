"""PYTEST_DONT_REWRITE

The sockspec pytest plugin: pytest's hooks, each handing its work to the module that does it.

Loading (harness.loading), applicability (harness.model.applicability), expectations
(harness.model.expectations), guards (harness.runner.guards), containment
(harness.runner.containment), verdicts (harness.runner.verdict) and recording
(harness.runner.recorder, harness.runner.recording) live in their own modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from harness.documents import results, runinfo, selection
from harness.loading.implementations import (
    LOADED_KEY,
    ImplementationError,
    LoadedImplementation,
    load_file,
    load_implementation,
    register_metadata_file,
)
from harness.model import expectations as expectations_module
from harness.model import outcomes, paths, personas, renames
from harness.model.applicability import not_applicable_reason
from harness.model.capabilities import probe_all
from harness.model.expectations import ExpectationsError
from harness.model.spec import (
    SpecDefinitionError,
    SpecMeta,
    area_from_path,
    describe,
    meta_of,
    spec_id_from_name,
)
from harness.runner import containment, recording, time_limit, verdict
from harness.runner.guards import GuardError, LoopbackGuard, Snapshot, find_leaks
from harness.runner.hypothesis_info import hypothesis_details
from harness.runner.recorder import META_PROPERTY, PHASE_PROPERTY, Recorder
from harness.runner.state import (
    ITEM_KEY,
    KNOWN_REFUSAL_KEY,
    SNAPSHOT_KEY,
    STATE_KEY,
    RunState,
    stale,
    state_of,
)

NA_PREFIX = "sockspec n/a: "


def pytest_addoption(parser):
    group = parser.getgroup("sockspec", "sockspec conformance harness")
    group.addoption(
        "--impl", default=None, metavar="IMPL",
        help="implementation under test: a registered name (stdlib, reference, gevent, "
             "eventlet), a dotted module path or a .py file (default: stdlib)",
    )
    group.addoption(
        "--persona", default=None, metavar="NAME",
        help="run the implementation's source under a persona so its platform branches run "
             "on this host: " + ", ".join(personas.PERSONAS),
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
    group.addoption(
        "--sockspec-no-guards", action="store_true", default=False,
        help="run without the leak and loopback guards (for timing their cost only: "
             "python -m harness bench)",
    )


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
        import sys

        sys.dont_write_bytecode = True  # nothing is written inside the installed package
    try:
        registered = register_metadata_file(config.getoption("impl_meta"))
        value = config.getoption("impl") or registered or "stdlib"
        impl = load_implementation(value, config.getoption("persona"))
        user_files = [Path(p) for p in config.getoption("expectations")]
        known = expectations_module.load_all([impl.expectations, *user_files])
        known = known.follow(renames.load())
    except (ImplementationError, ExpectationsError, renames.RenamesError) as exc:
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
        ignore_threads=list(impl.metadata.get("ignore_threads", ())),
        guards=not config.getoption("sockspec_no_guards"),
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
    try:
        module = load_file(impl.folder / name, f"sockspec_warm_up_{impl.name}")
        module.warm_up()
    except Exception as exc:  # foreign code: one line for the user
        raise pytest.UsageError(f"{impl.folder / name}: warm-up failed: {exc!r}") from None


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
    if state.spec_run and state.guards:
        LoopbackGuard.install()
    if state.spec_run:
        containment.install_sigint_marker()


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
    if state_of(item.config).guards:
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
    violation = LoopbackGuard.end()
    if item.stash.get(KNOWN_REFUSAL_KEY, False):
        violation = None
    leaks = find_leaks(snapshot, state_of(item.config).ignore_threads)
    if violation or leaks:
        raise GuardError(violation, leaks)


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem):
    if ITEM_KEY not in pyfuncitem.stash:
        return (yield)
    try:
        return (yield)
    except containment.ESCAPING as exc:
        containment.contain(exc)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    if ITEM_KEY not in getattr(request.node, "stash", {}):
        return (yield)
    try:
        return (yield)
    except containment.ESCAPING as exc:
        containment.contain(exc)
    finally:
        containment.contain_finalizers(fixturedef)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    info = item.stash.get(ITEM_KEY, None)
    if info is None:
        return report
    excinfo = call.excinfo if report.failed else None
    outcome = verdict.phase_outcome(report.when, report.passed, report.skipped, excinfo,
                                    info["na_reason"])
    if outcome is None:
        return report
    phase = {
        "when": report.when,
        "outcome": outcome,
        "fingerprint": outcomes.fingerprint(excinfo.value) if excinfo else None,
        "message": verdict.message(excinfo),
        "na_reason": info["na_reason"] if outcome == outcomes.NA else None,
    }
    if excinfo is not None and isinstance(excinfo.value, GuardError):
        phase["leaks"] = [leak.as_dict() for leak in excinfo.value.leaks]
    if report.when == "call":
        state = state_of(item.config)
        entry = state.expectations.lookup(info["id"], state.context, phase["fingerprint"])
        found = verdict.judge(info["id"], phase, entry, LoopbackGuard.violations)
        if found is not None:
            _apply(report, phase, found)
            if found.refused:
                item.stash[KNOWN_REFUSAL_KEY] = True
        if excinfo is not None:
            phase["hypothesis"] = hypothesis_details(excinfo.value, report)
    report.user_properties.append((PHASE_PROPERTY, phase))
    return report


def _apply(report, phase, found: verdict.Verdict) -> None:
    """The verdict on the phase record, and on how pytest shows the report."""
    phase.update(outcome=found.outcome, expectation=found.expectation, message=found.message,
                 fingerprint=found.fingerprint)
    if found.shown == "skipped":
        report.outcome = "skipped"
        report.wasxfail = found.note
    elif found.shown == "failed":
        report.outcome = "failed"
        report.longrepr = found.note
    else:
        report.sections.append(("sockspec expectation", found.note))


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


# -- results (the controller, or the only process) ----------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    state = session.config.stash.get(STATE_KEY, None)
    if state is not None and not state.is_worker:
        session.config.pluginmanager.register(recording.Collector(session.config),
                                              "sockspec-collector")


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return
    if state.is_worker:
        recording.hand_back(config, session, state)
        return
    if not state.spec_run:
        return
    records = state.recorder.records()
    recording.write_results(config, state, records)
    if results.unexpected(records) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
    moved = state.expectations.renamed()
    if moved:
        terminalreporter.section("sockspec: expectations under renamed spec ids", sep="-")
        for entry in moved:
            write(f"RENAMED {entry.path}:{entry.line}: {entry.renamed_from!r} is now "
                  f"{entry.spec_id!r} (the entry applies to it; rename the key)")
    found = stale(config, state)
    if found:
        terminalreporter.section("sockspec: stale expectations", sep="-")
        for entry in found:
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
