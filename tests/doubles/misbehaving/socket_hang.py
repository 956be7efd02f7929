"""The stdlib socket module, except that ``socket.accept()`` blocks forever.

It waits on an event nobody sets, whatever the socket's timeout, as an implementation that
lost its wake-up would. The spec's time limit (pytest-timeout) ends it: ``timeout``.
"""

import threading

from tests.doubles.misbehaving import copy_stdlib_socket

_Socket = copy_stdlib_socket(globals())


class socket(_Socket):
    __slots__ = ()

    def accept(self):
        threading.Event().wait()
        raise AssertionError("unreachable: the event is never set")
