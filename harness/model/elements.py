"""The API elements of the socket module that the specs must cover (docs/behaviour.md).

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
    # the socket object's own calls (the C layer that drop-ins re-implement)
    # -- data transfer
    "socket.send", "socket.sendall", "socket.recv", "socket.recv_into", "socket.recvfrom",
    "socket.recvfrom_into", "socket.sendto",
    # -- sendmsg / recvmsg and their ancillary data
    "socket.sendmsg", "socket.recvmsg", "socket.recvmsg_into", "CMSG_LEN", "CMSG_SPACE",
    # -- timeouts and blocking
    "socket.settimeout", "socket.gettimeout", "socket.setblocking", "socket.getblocking",
    # -- connection calls
    "socket.connect", "socket.connect_ex", "socket.bind", "socket.listen", "socket.shutdown",
    "socket.getsockname", "socket.getpeername", "socket.getsockopt", "socket.setsockopt",
    # resolver, on local data only
    "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo", "getservbyname",
    "getservbyport", "getprotobyname", "gethostname",
    # conversions
    "inet_aton", "inet_ntoa", "inet_pton", "inet_ntop", "htons", "ntohs", "htonl", "ntohl",
    "if_nameindex", "if_nametoindex", "if_indextoname",
)

#: Areas whose specs are properties (hypothesis) rather than scenarios.
PROPERTY_AREA_PREFIX = "prop_"


def uncovered(specs) -> list:
    """Elements no spec in ``specs`` (catalogue entries) names."""
    named = {element for spec in specs for element in spec["elements"]}
    return [element for element in ELEMENTS if element not in named]
