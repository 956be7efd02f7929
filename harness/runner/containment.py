"""Keeping a BaseException that escapes from the implementation inside the spec it met.

KeyboardInterrupt, SystemExit or GeneratorExit raised by the implementation inside a spec, its
fixtures or their teardown would stop the whole pytest run; here each becomes an ordinary
exception that fails only that spec. Ctrl-C pressed by the user still stops the run.
"""

from __future__ import annotations

import signal
import threading

ESCAPING = (KeyboardInterrupt, SystemExit, GeneratorExit)
_SIGINT = {"received": False}


class EscapedBaseException(Exception):
    """An implementation raised KeyboardInterrupt, SystemExit or GeneratorExit inside a spec."""


def _note_sigint(signum, frame):
    _SIGINT["received"] = True
    raise KeyboardInterrupt


def install_sigint_marker() -> None:
    """Tell a real Ctrl-C from a KeyboardInterrupt the implementation raised."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _note_sigint)


def contain(exc: BaseException):
    """Re-raise ``exc`` as an EscapedBaseException, unless the user pressed Ctrl-C."""
    if isinstance(exc, KeyboardInterrupt) and _SIGINT["received"]:
        raise exc
    raise EscapedBaseException(f"{type(exc).__name__} escaped from the implementation: {exc!r}") from exc


def contain_finalizers(fixturedef) -> None:
    """Wrap a fixture's finalisers (its teardown) so that what escapes there is contained.

    pytest keeps them in the private list ``fixturedef._finalizers``; where a pytest has no
    such list, teardown goes uncontained (the spec's run may then stop), which is all that is lost.
    """
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
        except ESCAPING as exc:
            contain(exc)

    run._sockspec_contained = True
    return run
