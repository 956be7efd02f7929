"""A pytest plugin for a mutant's run: which spec ran last, and which failed first.

``python -m pytest -p harness.mutation.killer`` with ``SOCKSPEC_MUTATION_LOG`` naming a file:
each spec's start is a line ``start NODEID``, each failure ``fail NODEID`` (``timeout NODEID``
when the time limit ended it), written and flushed at once, so a run killed at the engine's
time limit still tells which spec was running.
"""

from __future__ import annotations

import os

import pytest

from harness.runner.verdict import timed_out

LOG_ENV = "SOCKSPEC_MUTATION_LOG"

_log = None
#: node ids whose failure was the time limit's
_timed_out = set()


def _write(kind: str, nodeid: str) -> None:
    global _log
    path = os.environ.get(LOG_ENV)
    if not path:
        return
    if _log is None:
        _log = open(path, "a", encoding="utf-8")
    _log.write(f"{kind} {nodeid}\n")
    _log.flush()


def pytest_runtest_logstart(nodeid, location):
    _write("start", nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    yield
    if call.excinfo is not None and timed_out(call.excinfo.value):
        _timed_out.add(item.nodeid)


def pytest_runtest_logreport(report):
    if report.failed:
        _write("timeout" if report.nodeid in _timed_out else "fail", report.nodeid)


def read(path) -> list:
    """[(kind, nodeid)] of a log (none when the file is missing)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return [tuple(line.rstrip("\n").split(" ", 1)) for line in handle if " " in line]
    except OSError:
        return []
