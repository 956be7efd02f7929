"""The stdlib socket module, except that makefile() objects never release their socket.

Closing a file object from ``makefile()`` closes the file object but leaves the socket's
count of open file objects as it was, so ``socket.close()`` never really closes the
descriptor while the socket object lives: a peer waiting for EOF waits in vain, and the
descriptor stays open after the spec. Properties that wait for EOF meet it in every example;
their waits are bounded by the delivery bound and the spec by its time limit: ``fail``,
``error`` or ``timeout``, never a stalled run.
"""

import io

from tests.doubles.misbehaving import copy_stdlib_socket

_Socket = copy_stdlib_socket(globals())
_SocketIO = SocketIO  # noqa: F821 (defined by the copied module)


class SocketIO(_SocketIO):
    def close(self):
        if self.closed:
            return
        io.RawIOBase.close(self)
        self._sock = None  # forgotten, but its count of file objects is never decremented
