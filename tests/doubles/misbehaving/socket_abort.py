"""The stdlib socket module, except that ``socket.dup()`` aborts the whole process.

``os.abort()`` is what a failed assertion in a C extension does: no exception, no cleanup,
SIGABRT. Under pytest-xdist the worker dies and the harness records the spec as ``crash``;
in a single process (``-n 0``) the run itself dies (see docs/reliability.md).
"""

import os

from tests.doubles.misbehaving import copy_stdlib_socket

_Socket = copy_stdlib_socket(globals())


def _without_core_file():
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass


class socket(_Socket):
    __slots__ = ()

    def dup(self):
        _without_core_file()
        os.abort()
