"""The stdlib socket module, except that ``close()`` can deadlock on the socket's own lock.

Each socket guards its close with a ``threading.Lock``. When a ``makefile()`` object outlives
its socket, closing that object runs ``_decref_socketios()``, which holds the lock and calls
``close()``, which takes the same (non-reentrant) lock again and waits forever. The spec's
time limit ends the wait: ``timeout``. Sockets closed without a makefile object left open
close normally.
"""

import threading

from tests.doubles.misbehaving import copy_stdlib_socket

_Socket = copy_stdlib_socket(globals())


class socket(_Socket):
    __slots__ = ("_lock",)

    def __init__(self, *args, **kwargs):
        self._lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def _decref_socketios(self):
        with self._lock:
            if self._io_refs > 0:
                self._io_refs -= 1
            if self._closed:
                self.close()

    def close(self):
        with self._lock:
            self._closed = True
            if self._io_refs <= 0:
                self._real_close()
