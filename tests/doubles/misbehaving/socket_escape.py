"""The stdlib socket module, except that three methods raise BaseException subclasses.

``get_inheritable()`` raises KeyboardInterrupt, ``set_inheritable()`` SystemExit and
``getsockname()`` GeneratorExit. Left alone, pytest would take the first two for the user stopping
the run; the harness turns each into an ordinary failure of the spec that met it
(``EscapedBaseException``) and the run goes on.
"""

from tests.doubles.misbehaving import copy_stdlib_socket

_Socket = copy_stdlib_socket(globals())


class socket(_Socket):
    __slots__ = ()

    def get_inheritable(self):
        raise KeyboardInterrupt("get_inheritable")

    def set_inheritable(self, inheritable):
        raise SystemExit(3)

    def getsockname(self):
        raise GeneratorExit("getsockname")
