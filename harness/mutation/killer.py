"""A pytest plugin for a mutant's run: which spec ran last, and which failed first.

``python -m pytest -p harness.mutation.killer`` with ``SOCKSPEC_MUTATION_LOG`` naming a file:
each spec's start is a line ``start NODEID``, each failure ``fail NODEID`` (``timeout NODEID``
when the time limit ended it), written and flushed at once, so a run killed at the engine's
time limit still tells which spec was running. It also defines the builtin exception that
cosmic-ray's ExceptionReplacer writes into ``except`` clauses, raised by nothing.
"""

from __future__ import annotations

import builtins
import os

from harness.mutation.operators import TESTING_EXCEPTION

LOG_ENV = "SOCKSPEC_MUTATION_LOG"

if not hasattr(builtins, TESTING_EXCEPTION):
    setattr(builtins, TESTING_EXCEPTION, type(TESTING_EXCEPTION, (Exception,), {}))

_log = None


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


def pytest_runtest_logreport(report):
    if report.failed:
        text = str(report.longrepr)
        timed_out = "SpecTimeout" in text or "Timeout >" in text  # the time limit's texts
        _write("timeout" if timed_out else "fail", report.nodeid)


def read(path) -> list:
    """[(kind, nodeid)] of a log (none when the file is missing)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return [tuple(line.rstrip("\n").split(" ", 1)) for line in handle if " " in line]
    except OSError:
        return []
