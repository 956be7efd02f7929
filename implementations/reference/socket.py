"""Reference implementation of the high-level ``socket`` module.

A pure-Python layer over the ``_socket`` extension module, usable as a drop-in
replacement for ``import socket`` on CPython 3.8 to 3.13.  It offers the newest
CPython semantics on every supported version; docs/reference.md lists each
place where that differs from the standard library of an older Python.
"""

import _socket
import io
import os
import selectors
import sys
from _socket import *
from enum import IntEnum, IntFlag

try:
    import errno
except ImportError:
    errno = None
EBADF = getattr(errno, "EBADF", 9)
EAGAIN = getattr(errno, "EAGAIN", 11)
EWOULDBLOCK = getattr(errno, "EWOULDBLOCK", 11)


def _exported_names(module):
    """Names that ``from module import *`` would bind."""
    try:
        return list(module.__all__)
    except AttributeError:
        return [name for name in dir(module) if name[0] != "_"]


__all__ = ["fromfd", "getfqdn", "create_connection", "create_server",
           "has_dualstack_ipv6", "AddressFamily", "SocketKind"]
__all__.extend(_exported_names(_socket))


# --- Enum views of the integer constants -------------------------------------

def _constants_starting_with(prefix):
    return lambda name: name.isupper() and name.startswith(prefix)


IntEnum._convert_("AddressFamily", __name__, _constants_starting_with("AF_"))
IntEnum._convert_("SocketKind", __name__, _constants_starting_with("SOCK_"))
IntFlag._convert_("MsgFlag", __name__, _constants_starting_with("MSG_"))
IntFlag._convert_("AddressInfo", __name__, _constants_starting_with("AI_"))

# value -> member: what _intenum_converter() gives, without an enum call on hot paths.
_FAMILY_MEMBERS = {member.value: member for member in AddressFamily}
_KIND_MEMBERS = {member.value: member for member in SocketKind}

_LOCALHOST = "127.0.0.1"
_LOCALHOST_V6 = "::1"


def _intenum_converter(value, enum_klass):
    """Return ``enum_klass(value)``, or *value* itself if it is not a member."""
    try:
        return enum_klass(value)
    except ValueError:
        return value


# --- Windows socket error texts ----------------------------------------------

if sys.platform.lower().startswith("win"):
    errorTab = {
        6: "Specified event object handle is invalid.",
        8: "Insufficient memory available.",
        87: "One or more parameters are invalid.",
        995: "Overlapped operation aborted.",
        996: "Overlapped I/O event object not in signaled state.",
        997: "Overlapped operation will complete later.",
        10004: "The operation was interrupted.",
        10009: "A bad file handle was passed.",
        10013: "Permission denied.",
        10014: "An invalid pointer was passed.",
        10022: "An invalid operation was attempted.",
        10024: "Too many open files.",
        10035: "The socket operation would block.",
        10036: "A blocking operation is already in progress.",
        10037: "Operation already in progress.",
        10038: "Socket operation on nonsocket.",
        10039: "Destination address required.",
        10040: "Message too long.",
        10041: "Protocol wrong type for socket.",
        10042: "Bad protocol option.",
        10043: "Protocol not supported.",
        10044: "Socket type not supported.",
        10045: "Operation not supported.",
        10046: "Protocol family not supported.",
        10047: "Address family not supported by protocol family.",
        10048: "The network address is in use.",
        10049: "Cannot assign requested address.",
        10050: "Network is down.",
        10051: "Network is unreachable.",
        10052: "Network dropped connection on reset.",
        10053: "Software caused connection abort.",
        10054: "The connection has been reset.",
        10055: "No buffer space available.",
        10056: "Socket is already connected.",
        10057: "Socket is not connected.",
        10058: "The network has been shut down.",
        10059: "Too many references.",
        10060: "The operation timed out.",
        10061: "Connection refused.",
        10062: "Cannot translate name.",
        10063: "The name is too long.",
        10064: "The host is down.",
        10065: "The host is unreachable.",
        10066: "Directory not empty.",
        10067: "Too many processes.",
        10068: "User quota exceeded.",
        10069: "Disk quota exceeded.",
        10070: "Stale file handle reference.",
        10071: "Item is remote.",
        10091: "Network subsystem is unavailable.",
        10092: "Winsock.dll version out of range.",
        10093: "Successful WSAStartup not yet performed.",
        10101: "Graceful shutdown in progress.",
        10102: "No more results from WSALookupServiceNext.",
        10103: "Call has been canceled.",
        10104: "Procedure call table is invalid.",
        10105: "Service provider is invalid.",
        10106: "Service provider failed to initialize.",
        10107: "System call failure.",
        10108: "Service not found.",
        10109: "Class type not found.",
        10110: "No more results from WSALookupServiceNext.",
        10111: "Call was canceled.",
        10112: "Database query was refused.",
        11001: "Host not found.",
        11002: "Nonauthoritative host not found.",
        11003: "This is a nonrecoverable error.",
        11004: "Valid name, no data record of requested type.",
        11005: "QoS receivers.",
        11006: "QoS senders.",
        11007: "No QoS senders.",
        11008: "QoS no receivers.",
        11009: "QoS request confirmed.",
        11010: "QoS admission error.",
        11011: "QoS policy failure.",
        11012: "QoS bad style.",
        11013: "QoS bad object.",
        11014: "QoS traffic control error.",
        11015: "QoS generic error.",
        11016: "QoS service type error.",
        11017: "QoS flowspec error.",
        11018: "Invalid QoS provider buffer.",
        11019: "Invalid QoS filter style.",
        11020: "Invalid QoS filter type.",
        11021: "Incorrect QoS filter count.",
        11022: "Invalid QoS object length.",
        11023: "Incorrect QoS flow count.",
        11024: "Unrecognized QoS object.",
        11025: "Invalid QoS policy object.",
        11026: "Invalid QoS flow descriptor.",
        11027: "Invalid QoS provider-specific flowspec.",
        11028: "Invalid QoS provider-specific filterspec.",
        11029: "Invalid QoS shape discard mode object.",
        11030: "Invalid QoS shaping rate object.",
        11031: "Reserved policy QoS element type.",
    }
    __all__.append("errorTab")


# --- Version shims -------------------------------------------------------------

try:
    _ExceptionGroup = ExceptionGroup  # builtin from Python 3.11
except NameError:
    class _ExceptionGroup(Exception):
        """Minimal stand-in for the builtin ExceptionGroup (Python < 3.11)."""

        def __init__(self, message, exceptions):
            super().__init__(message, exceptions)
            self.message = message
            self.exceptions = tuple(exceptions)

        def __str__(self):
            count = len(self.exceptions)
            plural = "s" if count > 1 else ""
            return "%s (%d sub-exception%s)" % (self.message, count, plural)

if issubclass(timeout, TimeoutError):
    _SendfileTimeout = timeout
else:
    class _SendfileTimeout(timeout, TimeoutError):
        """A sendfile() timeout on 3.8/3.9: both socket.timeout and TimeoutError."""

try:
    _text_encoding = io.text_encoding
except AttributeError:
    def _text_encoding(encoding, stacklevel=2):
        """Python < 3.10: TextIOWrapper picks the locale encoding for None."""
        return encoding


class _GiveupOnSendfile(Exception):
    """Raised to make sendfile() fall back from os.sendfile() to send()."""


_MAKEFILE_MODE_CHARS = frozenset("rwb")
_SENDFILE_MAX_BLOCK = 2 ** 30  # os.sendfile() overflows beyond this (bpo-38319)
_SEND_BLOCK = 8192
_c_init = _socket.socket.__init__
_c_family = _socket.socket.family.__get__
_c_type = _socket.socket.type.__get__


def _writability_poller(fd):
    """Return a select() callable that waits until *fd* can be written to."""
    if hasattr(selectors, "PollSelector"):
        selector = selectors.PollSelector()
    else:
        selector = selectors.SelectSelector()
    selector.register(fd, selectors.EVENT_WRITE)
    return selector.select


def _sendfile_source(file):
    """Return (fileno, size) of *file*, or give up on os.sendfile()."""
    try:
        fileno = file.fileno()
    except (AttributeError, io.UnsupportedOperation) as err:
        raise _GiveupOnSendfile(err) from err
    try:
        return fileno, os.fstat(fileno).st_size
    except OSError as err:
        raise _GiveupOnSendfile(err) from err


class socket(_socket.socket):
    """A socket object: _socket.socket plus makefile(), sendfile() and more."""

    __slots__ = ["__weakref__", "_io_refs", "_closed"]

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is None:
            if family == -1:
                family = AF_INET
            if type == -1:
                type = SOCK_STREAM
            if proto == -1:
                proto = 0
        _c_init(self, family, type, proto, fileno)
        self._io_refs = 0
        self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *args):
        if not self._closed:
            self.close()

    def __repr__(self):
        """Show the real class, the fd, the numbers and any addresses."""
        cls = self.__class__
        closed = getattr(self, "_closed", False)
        text = "<%s.%s%s fd=%i, family=%i, type=%i, proto=%i" % (
            cls.__module__, cls.__qualname__, " [closed]" if closed else "",
            self.fileno(), self.family, self.type, self.proto)
        if not closed:
            # AttributeError: WASI has no getsockname()/getpeername() (gh-96320).
            try:
                laddr = self.getsockname()
                if laddr:
                    text += f", laddr={laddr}"
            except (error, AttributeError):
                pass
            try:
                raddr = self.getpeername()
                if raddr:
                    text += f", raddr={raddr}"
            except (error, AttributeError):
                pass
        return text + ">"

    def __getstate__(self):
        raise TypeError(f"cannot pickle {self.__class__.__name__!r} object")

    def dup(self):
        """Return a non-inheritable duplicate of this socket, of the same class."""
        fd = dup(self.fileno())
        sock = self.__class__(self.family, self.type, self.proto, fileno=fd)
        sock.settimeout(self.gettimeout())
        return sock

    def accept(self):
        """Wait for a connection; return (new socket, address of the peer)."""
        fd, addr = self._accept()
        sock = socket(_c_family(self), _c_type(self), self.proto, fileno=fd)
        # Issue #7995: without a default timeout, a connection accepted from a
        # listener with a timeout must be blocking whatever the OS inherits.
        if getdefaulttimeout() is None and self.gettimeout():
            sock.setblocking(True)
        return sock, addr

    def makefile(self, mode="r", buffering=None, *,
                 encoding=None, errors=None, newline=None):
        """Return a file object reading from and/or writing to this socket.

        *mode* is made of the characters 'r', 'w' and 'b'; the other
        arguments are as for io.open().
        """
        if not _MAKEFILE_MODE_CHARS.issuperset(mode):
            raise ValueError("invalid mode %r (only r, w, b allowed)" % (mode,))
        if "w" in mode:
            rawmode = "rw" if "r" in mode else "w"
        else:
            rawmode = "r"
        raw = SocketIO(self, rawmode)
        self._io_refs += 1
        if buffering is None or buffering < 0:
            buffering = io.DEFAULT_BUFFER_SIZE
        binary = "b" in mode
        if buffering == 0:
            if not binary:
                raw.close()  # CPython frees it (and gives _io_refs back) by reference counting
                raise ValueError("unbuffered streams must be binary")
            return raw
        if rawmode == "r":
            buffer = io.BufferedReader(raw, buffering)
        elif rawmode == "w":
            buffer = io.BufferedWriter(raw, buffering)
        else:
            buffer = io.BufferedRWPair(raw, raw, buffering)
        if binary:
            return buffer
        text = io.TextIOWrapper(buffer, _text_encoding(encoding), errors, newline)
        text.mode = mode
        return text

    def sendfile(self, file, offset=0, count=None):
        """Send *file* (a binary file object) until EOF or *count* bytes.

        Uses os.sendfile() where possible and send() otherwise.  Returns the
        number of bytes sent and leaves the file position after them.  The
        socket must be a blocking SOCK_STREAM socket.
        """
        try:
            return self._sendfile_use_sendfile(file, offset, count)
        except _GiveupOnSendfile:
            return self._sendfile_use_send(file, offset, count)

    def _sendfile_use_sendfile(self, file, offset=0, count=None):
        os_sendfile = getattr(os, "sendfile", None)
        if os_sendfile is None:
            raise _GiveupOnSendfile("os.sendfile() not available on this platform")
        self._check_sendfile_params(file, offset, count)
        sockno = self.fileno()
        fileno, size = _sendfile_source(file)
        if not size:
            return 0
        blocksize = min(count or size, _SENDFILE_MAX_BLOCK)
        timeout = self.gettimeout()
        if timeout == 0:
            raise ValueError("non-blocking sockets are not supported")
        # Registering also rejects a closed socket (fd -1) with ValueError.
        wait_writable = _writability_poller(sockno)
        total_sent = 0
        try:
            while True:
                if timeout and not wait_writable(timeout):
                    raise _SendfileTimeout("timed out")
                if count:
                    remaining = count - total_sent
                    if remaining <= 0:
                        break
                    if remaining < blocksize:
                        blocksize = remaining
                try:
                    sent = os_sendfile(sockno, fileno, offset, blocksize)
                except BlockingIOError:
                    if not timeout:
                        wait_writable()  # block until writable instead of spinning
                    continue
                except OSError as err:
                    if total_sent == 0:
                        raise _GiveupOnSendfile(err) from err  # e.g. not a regular file
                    raise err from None
                if sent == 0:
                    break  # end of file
                offset += sent
                total_sent += sent
            return total_sent
        finally:
            if total_sent > 0 and hasattr(file, "seek"):
                file.seek(offset)

    def _sendfile_use_send(self, file, offset=0, count=None):
        self._check_sendfile_params(file, offset, count)
        if self.gettimeout() == 0:
            raise ValueError("non-blocking sockets are not supported")
        if offset:
            file.seek(offset)
        blocksize = min(count, _SEND_BLOCK) if count else _SEND_BLOCK
        file_read = file.read
        sock_send = self.send
        total_sent = 0
        try:
            while True:
                if count:
                    remaining = count - total_sent
                    if remaining <= 0:
                        break
                    if remaining < blocksize:
                        blocksize = remaining
                data = memoryview(file_read(blocksize))
                if not data:
                    break  # end of file
                while True:
                    try:
                        sent = sock_send(data)
                    except BlockingIOError:
                        continue
                    total_sent += sent
                    if sent >= len(data):
                        break
                    data = data[sent:]
            return total_sent
        finally:
            if total_sent > 0 and hasattr(file, "seek"):
                file.seek(offset + total_sent)

    def _check_sendfile_params(self, file, offset, count):
        if "b" not in getattr(file, "mode", "b"):
            raise ValueError("file should be opened in binary mode")
        if not _c_type(self) & SOCK_STREAM:
            raise ValueError("only SOCK_STREAM type sockets are supported")
        if count is not None:
            if not isinstance(count, int):
                raise TypeError(
                    "count must be a positive integer (got {!r})".format(count))
            if count <= 0:
                raise ValueError(
                    "count must be a positive integer (got {!r})".format(count))

    def _decref_socketios(self):
        if self._io_refs > 0:
            self._io_refs -= 1
        if self._closed:
            self.close()

    def _real_close(self, _ss=_socket.socket):
        # No module globals here: close() may run during interpreter
        # shutdown, after they are gone (issue #808164).
        _ss.close(self)

    def close(self):
        """Close the socket once no file object made by makefile() uses it."""
        # No module globals here either (issue #808164).
        self._closed = True
        if self._io_refs <= 0:
            self._real_close()

    def detach(self):
        """Close the socket object, keeping its file descriptor open; return it."""
        self._closed = True
        return super().detach()

    @property
    def family(self):
        """The address family, as an AddressFamily member when known."""
        family = _c_family(self)
        return _FAMILY_MEMBERS.get(family, family)

    @property
    def type(self):
        """The socket type, as a SocketKind member when known."""
        kind = _c_type(self)
        return _KIND_MEMBERS.get(kind, kind)

    if os.name == "nt":
        def get_inheritable(self):
            """Tell whether child processes inherit the socket handle."""
            return os.get_handle_inheritable(self.fileno())

        def set_inheritable(self, inheritable):
            """Set whether child processes inherit the socket handle."""
            os.set_handle_inheritable(self.fileno(), inheritable)
    else:
        def get_inheritable(self):
            """Tell whether child processes inherit the socket descriptor."""
            return os.get_inheritable(self.fileno())

        def set_inheritable(self, inheritable):
            """Set whether child processes inherit the socket descriptor."""
            os.set_inheritable(self.fileno(), inheritable)


def fromfd(fd, family, type, proto=0):
    """Return a socket wrapping a (non-inheritable) duplicate of *fd*."""
    return socket(family, type, proto, dup(fd))


if hasattr(_socket.socket, "sendmsg"):
    import array

    def send_fds(sock, buffers, fds, flags=0, address=None):
        """Send *buffers* and the file descriptors *fds* in one message.

        *flags* and *address* are accepted but not used, as in CPython.
        """
        rights = array.array("i", fds)
        return sock.sendmsg(buffers, [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])

    __all__.append("send_fds")

if hasattr(_socket.socket, "recvmsg"):
    import array

    def recv_fds(sock, bufsize, maxfds, flags=0):
        """Receive data and up to *maxfds* file descriptors.

        Returns (data, list of fds, msg_flags, address).  *flags* is accepted
        but not used, as in CPython.
        """
        fds = array.array("i")
        itemsize = fds.itemsize
        msg, ancdata, msg_flags, addr = sock.recvmsg(
            bufsize, _socket.CMSG_LEN(maxfds * itemsize))
        for level, kind, data in ancdata:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                fds.frombytes(data[:len(data) - len(data) % itemsize])
        return msg, list(fds), msg_flags, addr

    __all__.append("recv_fds")

if hasattr(_socket.socket, "share"):
    def fromshare(info):
        """Return a socket made from the bytes that socket.share() returned."""
        return socket(0, 0, 0, info)

    __all__.append("fromshare")


def _fallback_socketpair(family=AF_INET, type=SOCK_STREAM, proto=0):
    if family == AF_INET:
        host = _LOCALHOST
    elif family == AF_INET6:
        host = _LOCALHOST_V6
    else:
        raise ValueError("Only AF_INET and AF_INET6 socket address families "
                         "are supported")
    if type != SOCK_STREAM:
        raise ValueError("Only SOCK_STREAM socket type is supported")
    if proto != 0:
        raise ValueError("Only protocol zero is supported")
    ssock, csock = _loopback_connection(family, type, proto, host)
    # gh-122133: make sure the accepted connection is really ours.
    if sys.platform != "wasi":  # gh-146139: WASI may not be connected yet
        try:
            _check_peers(ssock, csock)
        except BaseException:
            ssock.close()
            csock.close()
            raise
    return ssock, csock


def _loopback_connection(family, type, proto, host):
    """Connect a new socket to a temporary listener; return both ends."""
    listener = socket(family, type, proto)
    try:
        listener.bind((host, 0))
        listener.listen()
        address = listener.getsockname()[:2]  # IPv6: drop flowinfo, scope_id
        client = socket(family, type, proto)
        try:
            # A non-blocking connect lets one thread do both ends.
            client.setblocking(False)
            try:
                client.connect(address)
            except (BlockingIOError, InterruptedError):
                pass
            client.setblocking(True)
            server, _ = listener.accept()
        except BaseException:
            client.close()
            raise
    finally:
        listener.close()
    return server, client


def _check_peers(ssock, csock):
    if (ssock.getsockname() != csock.getpeername()
            or csock.getsockname() != ssock.getpeername()):
        raise ConnectionError("Unexpected peer connection")


if hasattr(_socket, "socketpair"):
    def socketpair(family=None, type=SOCK_STREAM, proto=0):
        if family is None:
            try:
                family = AF_UNIX
            except NameError:  # a platform without AF_UNIX
                family = AF_INET
        a, b = _socket.socketpair(family, type, proto)
        return (socket(family, type, proto, a.detach()),
                socket(family, type, proto, b.detach()))
else:
    socketpair = _fallback_socketpair
    __all__.append("socketpair")

socketpair.__doc__ = """Return a pair of connected socket objects.

The default family is AF_UNIX where the platform has it, else AF_INET; the
other arguments are as for socket().
"""

_blocking_errnos = {EAGAIN, EWOULDBLOCK}


class SocketIO(io.RawIOBase):
    """Raw binary I/O over a stream socket; the base of makefile() objects."""

    def __init__(self, sock, mode):
        if mode not in ("r", "w", "rw", "rb", "wb", "rwb"):
            raise ValueError("invalid mode: %r" % mode)
        io.RawIOBase.__init__(self)
        self._sock = sock
        if "b" not in mode:
            mode += "b"
        self._mode = mode
        self._reading = "r" in mode
        self._writing = "w" in mode
        self._timeout_occurred = False

    def readinto(self, b):
        """Receive into *b*; return the count, 0 at EOF, None if it would block."""
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if not self._reading:
            raise io.UnsupportedOperation("File or stream is not readable.")
        if self._timeout_occurred:
            raise OSError("cannot read from timed out object")
        try:
            return self._sock.recv_into(b)
        except timeout:
            self._timeout_occurred = True
            raise
        except error as e:
            if e.errno in _blocking_errnos:
                return None
            raise

    def write(self, b):
        """Send *b*; return the count sent (maybe partial), None if it would block."""
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if not self._writing:
            raise io.UnsupportedOperation("File or stream is not writable.")
        try:
            return self._sock.send(b)
        except error as e:
            if e.errno in _blocking_errnos:
                return None
            raise

    def readable(self):
        """True if opened for reading."""
        if self.closed:
            raise ValueError("I/O operation on closed socket.")
        return self._reading

    def writable(self):
        """True if opened for writing."""
        if self.closed:
            raise ValueError("I/O operation on closed socket.")
        return self._writing

    def seekable(self):
        """Always False: a socket cannot seek."""
        if self.closed:
            raise ValueError("I/O operation on closed socket.")
        return super().seekable()

    def fileno(self):
        """The file descriptor of the socket."""
        if self.closed:  # not _checkClosed(): PyPy's _io words it without the period
            raise ValueError("I/O operation on closed file.")
        return self._sock.fileno()

    @property
    def name(self):
        return -1 if self.closed else self.fileno()

    @property
    def mode(self):
        return self._mode

    def close(self):
        """Close this object; the socket closes when nothing else uses it."""
        if self.closed:
            return
        io.RawIOBase.close(self)
        self._sock._decref_socketios()
        self._sock = None


def getfqdn(name=""):
    """Return a fully qualified domain name for *name* (default: this host).

    '', '0.0.0.0' and '::' mean this host.  The first of the names that
    gethostbyaddr() reports containing a dot wins; failing that its primary
    name; if the lookup fails, *name* is returned stripped.
    """
    name = name.strip()
    if not name or name in ("0.0.0.0", "::"):
        name = gethostname()
    try:
        hostname, aliases, _ = gethostbyaddr(name)
    except error:
        return name
    for candidate in [hostname, *aliases]:
        if "." in candidate:
            return candidate
    return hostname


_GLOBAL_DEFAULT_TIMEOUT = object()


def create_connection(address, timeout=_GLOBAL_DEFAULT_TIMEOUT,
                      source_address=None, *, all_errors=False):
    """Connect to *address*, a (host, port) pair, and return the socket.

    Each address getaddrinfo() gives is tried in turn.  *timeout* is set on
    the socket unless omitted (then the global default applies).  A truthy
    *source_address* is bound first.  If every attempt fails, the last error
    is raised, or an ExceptionGroup of all of them when *all_errors* is true.
    """
    host, port = address
    exceptions = []
    for af, socktype, proto, _, sa in getaddrinfo(host, port, 0, SOCK_STREAM):
        sock = None
        try:
            sock = socket(af, socktype, proto)
            if timeout is not _GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sa)
            exceptions.clear()  # drop references to earlier tracebacks
            return sock
        except error as exc:
            if not all_errors:
                exceptions.clear()
            exceptions.append(exc)
            if sock is not None:
                sock.close()
    if not exceptions:
        raise error("getaddrinfo returns an empty list")
    try:
        if all_errors:
            raise _ExceptionGroup("create_connection failed", exceptions)
        raise exceptions[0]
    finally:
        exceptions.clear()  # break the frame <-> traceback cycle


def has_dualstack_ipv6():
    """Tell whether one AF_INET6 socket can accept both IPv4 and IPv6 peers."""
    if (not has_ipv6 or not hasattr(_socket, "IPPROTO_IPV6")
            or not hasattr(_socket, "IPV6_V6ONLY")):
        return False
    try:
        with socket(AF_INET6, SOCK_STREAM) as sock:
            sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0)
            return True
    except error:
        return False


def create_server(address, *, family=AF_INET, backlog=None, reuse_port=False,
                  dualstack_ipv6=False):
    """Return a listening SOCK_STREAM socket bound to *address*.

    *family* is AF_INET or AF_INET6; *backlog* goes to listen(); *reuse_port*
    sets SO_REUSEPORT; *dualstack_ipv6* makes an AF_INET6 socket accept IPv4
    too (when false, IPV6_V6ONLY is set explicitly).
    """
    if reuse_port and not hasattr(_socket, "SO_REUSEPORT"):
        raise ValueError("SO_REUSEPORT not supported on this platform")
    if dualstack_ipv6:
        if not has_dualstack_ipv6():
            raise ValueError("dualstack_ipv6 not supported on this platform")
        if family != AF_INET6:
            raise ValueError("dualstack_ipv6 requires AF_INET6 family")
    sock = socket(family, SOCK_STREAM)
    try:
        _set_server_options(sock, family, reuse_port, dualstack_ipv6)
        try:
            sock.bind(address)
        except error as err:
            msg = "%s (while attempting to bind on address %r)" % (err.strerror, address)
            raise error(err.errno, msg) from None
        if backlog is None:
            sock.listen()
        else:
            sock.listen(backlog)
        return sock
    except error:
        sock.close()
        raise


def _set_server_options(sock, family, reuse_port, dualstack_ipv6):
    # Windows: SO_REUSEADDR would let another socket steal the address, and
    # bind() succeeds without it even with connections in TIME_WAIT.
    if os.name not in ("nt", "cygwin") and hasattr(_socket, "SO_REUSEADDR"):
        try:
            sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        except error:
            pass  # a platform without it will fail at bind() instead
    if reuse_port:
        sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1)
    if has_ipv6 and family == AF_INET6:
        if dualstack_ipv6:
            sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0)
        elif hasattr(_socket, "IPV6_V6ONLY") and hasattr(_socket, "IPPROTO_IPV6"):
            sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1)


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    """Resolve *host* and *port* into (family, type, proto, canonname, sockaddr) tuples.

    As _socket.getaddrinfo(), with family and type given as AddressFamily and
    SocketKind members where known.
    """
    families, kinds = _FAMILY_MEMBERS, _KIND_MEMBERS
    return [(families.get(af, af), kinds.get(kind, kind), protocol, canonname, sockaddr)
            for af, kind, protocol, canonname, sockaddr
            in _socket.getaddrinfo(host, port, family, type, proto, flags)]
