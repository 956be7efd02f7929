"""A spec's time limit that every phase of a hypothesis property respects.

pytest-timeout decides each spec's limit (``timeout`` in pyproject.toml, ``--timeout``, a
``@pytest.mark.timeout`` marker). Its signal method ends an over-long test by raising
pytest's ``Failed``, which hypothesis counts among the exceptions that mean "this example
failed" (``failure_exceptions_to_catch()`` in hypothesis/core.py): the timeout then becomes one
more failing example, and hypothesis goes on shrinking and explaining it, the limit spent.

This module takes over the timer through pytest-timeout's own extension hooks
(``pytest_timeout_set_timer`` / ``pytest_timeout_cancel_timer``) for specs, when the method is
``signal``, the spec runs on the main thread and the host has SIGALRM. At the limit it raises
:class:`SpecTimeout`, a ``BaseException`` that is neither ``Exception``, ``SystemExit``,
``GeneratorExit`` nor pytest's ``Failed``: hypothesis lets it through from generation,
shrinking, explaining and the final replay alike, so the spec ends and the run moves on.

The alarm raises only while one of the spec's phases (set-up, call, teardown) runs, never in
pytest's own reporting between them. If the spec is still running ``REPEAT`` seconds after a
raise (code that swallowed it, a teardown that hangs in turn) it raises again. Code that
swallows every BaseException cannot be stopped by an exception at all: ``HARD_GRACE`` seconds
after the limit the alarm dumps the stacks and ends the process, as pytest-timeout's thread
method does (under pytest-xdist the spec is then a ``crash`` and the run goes on).

Elsewhere (no SIGALRM, as on Windows; a spec run off the main thread; ``--timeout-method
thread``) the hooks decline and pytest-timeout's own method applies: the thread method dumps
the stacks and ends the process, which pytest-xdist records as a ``crash`` of that spec.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import traceback
from typing import Any, Callable, Optional

import pytest

#: Seconds between raises once the limit has passed and the spec is still running.
REPEAT = 1.0
#: Seconds after the limit at which a spec that is still running ends the process.
HARD_GRACE = 15.0

HAVE_SIGALRM = hasattr(signal, "SIGALRM") and hasattr(signal, "setitimer")


class SpecTimeout(BaseException):
    """The spec ran past its time limit.

    A BaseException on purpose, like KeyboardInterrupt: hypothesis and ``except Exception``
    blocks in specs or implementations let it through, so it ends the whole spec.
    """


def is_spec_timeout(exc: Optional[BaseException]) -> bool:
    return isinstance(exc, SpecTimeout)


class _Alarm:
    """The armed alarm of one spec."""

    def __init__(self, item, settings):
        self.item = item
        self.limit = float(settings.timeout)
        self.debugger_detection = not settings.disable_debugger_detection
        self.raised = 0
        self.expired = False  # the limit has passed
        self.active = False  # a phase of the spec is running
        self.started = time.monotonic()
        self.previous_handler = signal.getsignal(signal.SIGALRM)
        self.previous_timer = signal.getitimer(signal.ITIMER_REAL)
        signal.signal(signal.SIGALRM, self._fire)
        signal.setitimer(signal.ITIMER_REAL, self.limit, REPEAT)

    def message(self) -> str:
        return f"Timeout (>{self.limit:g}s): the spec ran past its time limit"

    def _fire(self, signum, frame):
        if self.debugger_detection and _debugging():
            return  # as pytest-timeout: a debugger session is not a hang
        self.expired = True
        if not self.active:
            return  # pytest's own code between phases; the next repeat comes soon
        self.raised += 1
        if self.raised == 1:
            _dump_other_threads(self.item)
            raise SpecTimeout(self.message())
        late = time.monotonic() - self.started - self.limit
        if late >= HARD_GRACE:
            _dump_other_threads(self.item, everything=True)
            sys.stderr.write(
                f"sockspec: {self.item.nodeid} still running {late:.0f}s after its time limit "
                f"of {self.limit:g}s, though interrupted {self.raised} times: ending the process\n"
            )
            sys.stderr.flush()
            os._exit(1)
        raise SpecTimeout(
            f"Timeout (>{self.limit:g}s): still running {late:.1f}s after its time limit"
        )

    def cancel(self) -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, self.previous_handler or signal.SIG_DFL)
        delay, interval = self.previous_timer
        if delay > 0:  # an enclosing timer (a pytest run inside a test): give it back
            left = delay - (time.monotonic() - self.started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), interval)


def _debugging() -> bool:
    try:
        from pytest_timeout import is_debugging
    except ImportError:  # pragma: no cover
        return False
    return bool(is_debugging())


def _dump_other_threads(item, everything: bool = False) -> None:
    """The stacks of the other threads (of all, with ``everything``), as pytest-timeout prints
    them (the main thread's stack is in the exception's traceback)."""
    current = threading.current_thread().ident
    names = {t.ident: t.name for t in threading.enumerate()}
    frames = {k: v for k, v in sys._current_frames().items() if everything or k != current}
    if not frames:
        return
    try:
        terminal = item.config.get_terminal_writer()
        terminal.sep("+", title=f"Timeout of {item.nodeid}")
        for ident, frame in frames.items():
            terminal.sep("~", title=f"Stack of {names.get(ident, '<unknown>')} ({ident})")
            terminal.write("".join(traceback.format_stack(frame)))
        terminal.sep("+", title="Timeout")
    except Exception:  # the dump is a courtesy; the timeout must happen regardless
        pass


_ALARM_KEY = pytest.StashKey[_Alarm]()


class TimeLimit:
    """pytest plugin: the signal timer of pytest-timeout, raising :class:`SpecTimeout`.

    ``applies(item)`` says whether an item is a spec (only specs are taken over).
    """

    def __init__(self, applies: Callable[[Any], bool]):
        self.applies = applies

    @pytest.hookimpl(tryfirst=True, optionalhook=True)
    def pytest_timeout_set_timer(self, item, settings):
        if not (HAVE_SIGALRM and settings.method == "signal" and self.applies(item)):
            return None
        if threading.current_thread() is not threading.main_thread():
            return None
        alarm = item.stash.get(_ALARM_KEY, None)
        if alarm is not None:
            alarm.cancel()
        item.stash[_ALARM_KEY] = _Alarm(item, settings)
        return True

    @pytest.hookimpl(tryfirst=True, optionalhook=True)
    def pytest_timeout_cancel_timer(self, item):
        stash = getattr(item, "stash", None)
        alarm = stash.get(_ALARM_KEY, None) if stash is not None else None
        if alarm is None:
            return None
        del stash[_ALARM_KEY]
        alarm.cancel()
        return True

    @staticmethod
    def _phase(item, teardown: bool = False):
        alarm = item.stash.get(_ALARM_KEY, None)
        if alarm is None:
            return (yield)
        alarm.active = True
        try:
            if alarm.expired and not teardown:
                # The limit passed between phases: set-up or call does not start. Teardown
                # always runs (it closes what set-up opened), bounded by the repeats.
                raise SpecTimeout(alarm.message())
            return (yield)
        finally:
            alarm.active = False

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item):
        return (yield from self._phase(item))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item):
        return (yield from self._phase(item))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item, nextitem):
        return (yield from self._phase(item, teardown=True))
