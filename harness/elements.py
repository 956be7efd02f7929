"""The API elements of the socket module that the specs must cover (shared/SURFACE.md §1).

Names are as specs write them: module-level names, or ``Class.member``.
"""

ELEMENTS = (
    # module level
    "__all__", "error", "herror", "gaierror", "timeout", "SocketType", "has_ipv6",
    "getdefaulttimeout", "setdefaulttimeout", "EBADF", "EAGAIN", "EWOULDBLOCK",
    "AddressFamily", "SocketKind", "MsgFlag", "AddressInfo", "_intenum_converter",
    "_LOCALHOST", "_LOCALHOST_V6", "_GLOBAL_DEFAULT_TIMEOUT", "errorTab",
    # the socket class
    "socket.__init__", "socket.__repr__", "socket.__enter__", "socket.__exit__",
    "socket.__getstate__", "socket.dup", "socket.accept", "socket.makefile", "socket.close",
    "socket._decref_socketios", "socket.detach", "socket.family", "socket.type",
    "socket.get_inheritable", "socket.set_inheritable", "socket.sendfile",
    # SocketIO
    "SocketIO.__init__", "SocketIO.readinto", "SocketIO.write", "SocketIO.readable",
    "SocketIO.writable", "SocketIO.seekable", "SocketIO.fileno", "SocketIO.name",
    "SocketIO.mode", "SocketIO.close",
    # functions
    "fromfd", "send_fds", "recv_fds", "fromshare", "_fallback_socketpair", "socketpair",
    "getfqdn", "create_connection", "has_dualstack_ipv6", "create_server", "getaddrinfo",
)

#: Areas whose specs are properties (hypothesis) rather than scenarios.
PROPERTY_AREA_PREFIX = "prop_"


def uncovered(specs) -> list:
    """Elements no spec in ``specs`` (catalogue entries) names."""
    named = {element for spec in specs for element in spec["elements"]}
    return [element for element in ELEMENTS if element not in named]
