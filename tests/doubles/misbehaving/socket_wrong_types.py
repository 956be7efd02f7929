"""The stdlib socket module, except that two methods return values of the wrong type.

``get_inheritable()`` returns 0 or 1 instead of False or True, and ``getsockname()`` a list
instead of a tuple. Nothing raises inside the implementation; the specs compare what a user
would see and ``fail``.
"""

from tests.doubles.misbehaving import copy_stdlib_socket

_Socket = copy_stdlib_socket(globals())


class socket(_Socket):
    __slots__ = ()

    def get_inheritable(self):
        return int(super().get_inheritable())

    def getsockname(self):
        address = super().getsockname()
        return list(address) if isinstance(address, tuple) else address
