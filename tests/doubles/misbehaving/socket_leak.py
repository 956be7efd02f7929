"""The stdlib socket module, except that ``socket.set_inheritable()`` leaks a descriptor.

Each call opens ``os.devnull`` and forgets it, as an implementation that checks a flag
through a scratch descriptor and never closes it would. The harness's descriptor guard
finds it after the spec: ``error`` with ``left 1 file descriptor(s) open: N (/dev/null)``.
"""

import os

from tests.doubles.misbehaving import copy_stdlib_socket

_Socket = copy_stdlib_socket(globals())


class socket(_Socket):
    __slots__ = ()

    def set_inheritable(self, inheritable):
        super().set_inheritable(inheritable)
        os.open(os.devnull, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
