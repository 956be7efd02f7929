"""PYTEST_DONT_REWRITE

A pytest session that has collected the specs once, and forks a child per mutant run.

The fork server (:mod:`harness.mutation.forkserver`) saves a run the interpreter's start and
pytest's imports; each child still configures pytest, loads the plugins, reads the
expectations and collects its spec files. This server goes further: it runs pytest once, on
every spec file of one configuration (the host as it is, or a persona) with the original
implementation, and where pytest would run the collected specs it serves requests instead,
one a line on its stdin::

    {"specs": [node ids], "meta": IMPL_TOML, "spec_limit": SECONDS, "limit": SECONDS,
     "output": PATH, "env": {extra variables}}

For each, it forks (:func:`forkserver.run_forked`); the child puts the implementation that
``meta`` registers (the mutant) in the original's place, runs the requested specs in the
order given, each within ``spec_limit`` seconds (a ``timeout`` marker, which pytest-timeout
and :mod:`harness.runner.time_limit` honour), stops at the first failure, and exits 1 when a
spec failed, 0 when all passed, 4 when the mutant cannot be loaded (its error in ``output``).
The answer is one line, ``{"code": N}``, or ``{"code": null}`` when ``limit`` ended the run.

Started as ``python -m harness.mutation.session_server PYTEST-ARGS...``; it writes ``ready``
on stdout once the specs are collected, and exits when stdin closes. Everything a spec sees
is as in a run of its own: the same plugins, guards, expectations and applicability (decided
at collection, for the original; a mutant cannot make a spec not apply), fixtures set up
afresh in each child.
"""

from __future__ import annotations

import functools
import json
import sys

import pytest

from harness.loading.implementations import (
    ImplementationError,
    load_implementation,
    register_metadata_file,
)
from harness.mutation import forkserver
from harness.runner.state import use_implementation

READY = forkserver.READY
#: the child's exit code when the mutant cannot be loaded (pytest's usage error)
LOAD_FAILED = 4


class SessionServer:
    """The plugin that turns pytest's run of the collected specs into serving requests."""

    def __init__(self, requests, answers) -> None:
        self.requests = requests
        self.answers = answers

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        if session.testsfailed:  # collection errors: say nothing, the engine sees no "ready"
            return True
        items = {item.nodeid: item for item in session.items}
        self.answers.write(READY + "\n")
        self.answers.flush()
        for line in self.requests:
            if not line.strip():
                continue
            request = json.loads(line)
            code = forkserver.run_forked(
                request, functools.partial(run_specs, session, items, request))
            self.answers.write(json.dumps({"code": code}) + "\n")
            self.answers.flush()
        return True


def run_specs(session, items, request) -> int:
    """In the child: the mutant in the original's place, then its specs until one fails."""
    config = session.config
    try:
        name = register_metadata_file(request["meta"])
        use_implementation(config, load_implementation(name, config.getoption("persona")))
    except ImplementationError as exc:
        sys.stderr.write(f"ERROR: {exc}\n")
        return LOAD_FAILED
    wanted = list(dict.fromkeys(request["specs"]))
    missing = [nodeid for nodeid in wanted if nodeid not in items]
    if missing:
        sys.stderr.write(f"ERROR: the session did not collect {missing[0]}\n")
        return LOAD_FAILED + 1
    chosen = [items[nodeid] for nodeid in wanted]
    limit = pytest.mark.timeout(float(request["spec_limit"]))
    for item in chosen:
        item.add_marker(limit, append=False)
    for index, item in enumerate(chosen):
        following = chosen[index + 1] if index + 1 < len(chosen) else None
        config.hook.pytest_runtest_protocol(item=item, nextitem=following)
        if session.shouldfail or session.shouldstop:
            break
    return 1 if session.testsfailed else 0


def main(args) -> int:
    requests, answers = forkserver.request_pipes()
    return int(pytest.main(list(args), plugins=[SessionServer(requests, answers)]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
