"""A process that has imported pytest and our plugins once, and forks a child per mutant run.

Starting ``python -m pytest`` costs far more than running one mutant's specs: the imports, the
plugins' set-up and the rewriting of their asserts come first, every time. A fork server pays
that once. The engine starts one per worker (``python -m harness.mutation.forkserver``) and
writes one request a line on its stdin::

    {"args": [pytest arguments], "env": {extra variables}, "output": PATH, "limit": SECONDS}

The server forks; the child starts a session of its own, sends its output to ``output``, sets
``env`` and runs ``pytest.main(args)``. The server waits for the child's exit (an event: a
pidfd where the system has one, else a thread in ``waitpid``) for at most ``limit`` seconds,
ends the child's whole session when it is late, and answers with one line: ``{"code": N}``,
or ``{"code": null}`` for a run its limit ended. Where there is no ``os.fork`` (Windows), the
engine runs each mutant as a child ``python -m pytest`` instead (``available()``).
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import select
import signal
import sys
import threading
from typing import Callable, Optional

READY = "ready"


def available() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32"


def _warm() -> None:
    """Import what every run imports: pytest, the plugins it loads by entry point, ours."""
    import pytest  # noqa: F401

    from harness.model import paths

    try:
        from importlib.metadata import entry_points

        found = entry_points()
        plugins = (found.select(group="pytest11") if hasattr(found, "select")
                   else found.get("pytest11", ()))
        for entry in plugins:
            try:
                entry.load()
            except Exception:  # a broken third-party plugin fails in the child, as it would
                pass
    except ImportError:
        pass
    for name in [*paths.PLUGINS, paths.module("harness.mutation.killer")]:
        importlib.import_module(name)


def _child(request, body: Callable[[], int]) -> None:
    """In the forked child: never returns."""
    code = 70
    try:
        os.setsid()
        fd = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        os.environ.update(request.get("env", {}))
        code = int(body())
    except BaseException as exc:  # the child's fault is its exit code, never the server's
        try:
            os.write(2, f"INTERNALERROR> fork server child: {type(exc).__name__}: {exc}\n"
                        .encode())
        except OSError:
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def run_forked(request, body: Callable[[], int]) -> Optional[int]:
    """Fork; the child sends its output to ``request["output"]``, sets ``request["env"]`` and
    exits with ``body()``. The child's exit code, or None when ``request["limit"]`` seconds
    passed first (it is then ended, with whatever it started)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _child(request, body)
    return _wait(pid, float(request["limit"]))


def _wait(pid: int, limit: float) -> Optional[int]:
    """The child's exit code, or None when ``limit`` seconds passed first (it is then ended)."""
    status = None
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is not None:
        try:
            fd = pidfd_open(pid)
        except OSError:
            fd = None
        if fd is not None:
            try:
                ready, _, _ = select.select([fd], [], [], limit)
            finally:
                os.close(fd)
            if ready:
                _, status = os.waitpid(pid, 0)
    else:
        done = threading.Event()
        box = {}

        def reap():
            box["status"] = os.waitpid(pid, 0)[1]
            done.set()

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        if done.wait(limit):
            status = box["status"]
        else:
            _end(pid)
            waiter.join()
            return None
    if status is None:
        _end(pid)
        os.waitpid(pid, 0)
        return None
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _end(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def serve(stdin, stdout) -> None:
    _warm()
    stdout.write(READY + "\n")
    stdout.flush()
    for line in stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        code = run_forked(request, functools.partial(_pytest_main, request["args"]))
        stdout.write(json.dumps({"code": code}) + "\n")
        stdout.flush()


def _pytest_main(args) -> int:
    import pytest

    return int(pytest.main(list(args)))


def request_pipes():
    """(requests, answers): the process's original stdin and stdout, kept for the requests and
    answers; fds 0 and 1 then point at the null device, so that nothing else writes there."""
    requests = os.fdopen(os.dup(0), "r", encoding="utf-8")
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    return requests, answers


if __name__ == "__main__":
    serve(*request_pipes())
