"""Misbehaving socket modules: implementations that try to take the harness down.

Each ``socket_*.py`` here is a copy of the standard library's ``socket`` module (its source
executed in the module's own namespace by :func:`copy_stdlib_socket`, so ``socketpair()``,
``create_connection()``, ``accept()`` and the rest build the module's own ``socket`` class)
with one misbehaviour:

=========================  =====================================================  =========
module                     misbehaviour                                           outcome
=========================  =====================================================  =========
``socket_abort``           ``socket.dup()`` calls ``os.abort()``                  crash
``socket_hang``            ``socket.accept()`` blocks forever                     timeout
``socket_leak``            ``socket.set_inheritable()`` leaves a descriptor open  error
``socket_escape``          ``get_inheritable()`` raises KeyboardInterrupt,        fail
                           ``set_inheritable()`` SystemExit,
                           ``getsockname()`` GeneratorExit
``socket_wrong_types``     ``get_inheritable()`` returns an int,                  fail
                           ``getsockname()`` a list
``socket_close_deadlock``  ``close()`` after a makefile() object outlived its     timeout
                           socket takes the socket's lock twice
``socket_makefile_hold``   closing a makefile() object never releases the         fail,
                           socket, so ``close()`` never closes it and a peer      error,
                           never sees EOF                                         timeout
=========================  =====================================================  =========

Run one with ``python -m harness run --impl tests/doubles/misbehaving/socket_hang.py --area
inheritable -- --timeout 5``; tests/test_misbehaving.py does that for each of them (for
``socket_makefile_hold``, over the whole suite), and docs/reliability.md says what the harness
makes of each.
"""

from __future__ import annotations

import importlib.util
from typing import Any, Dict


def copy_stdlib_socket(namespace: Dict[str, Any]) -> type:
    """Execute the standard library's socket.py in ``namespace``; return its socket class.

    ``namespace`` is the calling module's ``globals()``: the module becomes a copy of the
    stdlib module whose functions look up ``socket`` there, so a subclass bound to that
    name afterwards is what they create.
    """
    spec = importlib.util.find_spec("socket")
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise ImportError("the standard library's socket module has no Python source here")
    with open(spec.origin, encoding="utf-8") as handle:
        code = compile(handle.read(), spec.origin, "exec")
    exec(code, namespace)
    return namespace["socket"]
