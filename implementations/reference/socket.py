"""sockspec's socket module: the high-level ``socket`` API over ``_socket``.

One pure-Python file that can stand in for ``import socket`` on CPython 3.8 to 3.13
(Linux, macOS, Windows). It gives the newest CPython semantics on every one of them;
docs/reference.md lists each place where that differs from an older standard library.

Copyright (c) the sockspec authors. MIT licence (see pyproject.toml).
"""

import _socket
import errno  # built into every interpreter we run on
import io
import os
import sys
from _socket import *
from enum import IntEnum, IntFlag

EBADF, EAGAIN, EWOULDBLOCK = errno.EBADF, errno.EAGAIN, errno.EWOULDBLOCK


__all__ = ["fromfd", "getfqdn", "create_connection", "create_server",
           "has_dualstack_ipv6", "AddressFamily", "SocketKind"]
# what `from _socket import *` gave (_socket has no __all__): its public names
__all__ += [name for name in dir(_socket) if not name.startswith("_")]


# --- enums ----------------------------------------------------------------------
# Each group of _socket constants becomes an enum; the module's globals are replaced
# by the members. _convert_ finds the globals through sys.modules[__name__].

def _build_enums():
    groups = ((IntEnum, "AddressFamily", "AF_"), (IntEnum, "SocketKind", "SOCK_"),
              (IntFlag, "MsgFlag", "MSG_"), (IntFlag, "AddressInfo", "AI_"))
    for base, enum_name, prefix in groups:
        base._convert_(enum_name, __name__,
                       lambda constant, prefix=prefix: (constant.startswith(prefix)
                                                        and constant.isupper()))


_build_enums()

# Value -> member tables for the properties and getaddrinfo(): a dict lookup instead of
# an enum call on paths every connection takes. Unknown values stay plain integers.
_FAMILY_MEMBERS = {int(member): member for member in AddressFamily}
_KIND_MEMBERS = {int(member): member for member in SocketKind}

_GLOBAL_DEFAULT_TIMEOUT = object()  # "no timeout argument": compared by identity


def _intenum_converter(value, enum_klass):
    """``enum_klass(value)``, or the value itself when it names no member."""
    try:
        return enum_klass(value)
    except ValueError:  # only this one: a TypeError, say, reaches the caller
        return value


class _GiveupOnSendfile(Exception):
    """The zero-copy path cannot serve this file: sendfile() falls back to send()."""


# Windows: the texts of the WSA (and a few Win32) error codes, by code.
if sys.platform.startswith("win"):
    errorTab = {
        6: 'Specified event object handle is invalid.',
        8: 'Insufficient memory available.',
        87: 'One or more parameters are invalid.',
        995: 'Overlapped operation aborted.',
        996: 'Overlapped I/O event object not in signaled state.',
        997: 'Overlapped operation will complete later.',
        10004: 'The operation was interrupted.',
        10009: 'A bad file handle was passed.',
        10013: 'Permission denied.',
        10014: 'An invalid pointer was passed.',
        10022: 'An invalid operation was attempted.',
        10024: 'Too many open files.',
        10035: 'The socket operation would block.',
        10036: 'A blocking operation is already in progress.',
        10037: 'Operation already in progress.',
        10038: 'Socket operation on nonsocket.',
        10039: 'Destination address required.',
        10040: 'Message too long.',
        10041: 'Protocol wrong type for socket.',
        10042: 'Bad protocol option.',
        10043: 'Protocol not supported.',
        10044: 'Socket type not supported.',
        10045: 'Operation not supported.',
        10046: 'Protocol family not supported.',
        10047: 'Address family not supported by protocol family.',
        10048: 'The network address is in use.',
        10049: 'Cannot assign requested address.',
        10050: 'Network is down.',
        10051: 'Network is unreachable.',
        10052: 'Network dropped connection on reset.',
        10053: 'Software caused connection abort.',
        10054: 'The connection has been reset.',
        10055: 'No buffer space available.',
        10056: 'Socket is already connected.',
        10057: 'Socket is not connected.',
        10058: 'The network has been shut down.',
        10059: 'Too many references.',
        10060: 'The operation timed out.',
        10061: 'Connection refused.',
        10062: 'Cannot translate name.',
        10063: 'The name is too long.',
        10064: 'The host is down.',
        10065: 'The host is unreachable.',
        10066: 'Directory not empty.',
        10067: 'Too many processes.',
        10068: 'User quota exceeded.',
        10069: 'Disk quota exceeded.',
        10070: 'Stale file handle reference.',
        10071: 'Item is remote.',
        10091: 'Network subsystem is unavailable.',
        10092: 'Winsock.dll version out of range.',
        10093: 'Successful WSAStartup not yet performed.',
        10101: 'Graceful shutdown in progress.',
        10102: 'No more results from WSALookupServiceNext.',
        10103: 'Call has been canceled.',
        10104: 'Procedure call table is invalid.',
        10105: 'Service provider is invalid.',
        10106: 'Service provider failed to initialize.',
        10107: 'System call failure.',
        10108: 'Service not found.',
        10109: 'Class type not found.',
        10110: 'No more results from WSALookupServiceNext.',
        10111: 'Call was canceled.',
        10112: 'Database query was refused.',
        11001: 'Host not found.',
        11002: 'Nonauthoritative host not found.',
        11003: 'This is a nonrecoverable error.',
        11004: 'Valid name, no data record of requested type.',
        11005: 'QoS receivers.',
        11006: 'QoS senders.',
        11007: 'No QoS senders.',
        11008: 'QoS no receivers.',
        11009: 'QoS request confirmed.',
        11010: 'QoS admission error.',
        11011: 'QoS policy failure.',
        11012: 'QoS bad style.',
        11013: 'QoS bad object.',
        11014: 'QoS traffic control error.',
        11015: 'QoS generic error.',
        11016: 'QoS service type error.',
        11017: 'QoS flowspec error.',
        11018: 'Invalid QoS provider buffer.',
        11019: 'Invalid QoS filter style.',
        11020: 'Invalid QoS filter type.',
        11021: 'Incorrect QoS filter count.',
        11022: 'Invalid QoS object length.',
        11023: 'Incorrect QoS flow count.',
        11024: 'Unrecognized QoS object.',
        11025: 'Invalid QoS policy object.',
        11026: 'Invalid QoS flow descriptor.',
        11027: 'Invalid QoS provider-specific flowspec.',
        11028: 'Invalid QoS provider-specific filterspec.',
        11029: 'Invalid QoS shape discard mode object.',
        11030: 'Invalid QoS shaping rate object.',
        11031: 'Reserved policy QoS element type.',
    }
    __all__.append("errorTab")


# --- differences between Python versions ------------------------------------------

try:
    _ExceptionGroup = ExceptionGroup  # builtin from 3.11
except NameError:
    class _ExceptionGroup(Exception):
        """What create_connection(all_errors=True) raises where no builtin exists."""

        def __init__(self, message, exceptions):
            # Exception.__new__ has already set args to (message, exceptions)
            self.message = message
            self.exceptions = tuple(exceptions)

        def __str__(self):
            n = len(self.exceptions)
            return f"{self.message} ({n} sub-exception{'s' if n > 1 else ''})"

if timeout is TimeoutError:  # 3.10+
    _TimedOut = timeout
else:  # 3.8/3.9: caught by `except socket.timeout` and by `except TimeoutError`
    class _TimedOut(timeout, TimeoutError):
        """sendfile()'s timeout where socket.timeout is not yet TimeoutError."""

# io.text_encoding() (3.10+) gives EncodingWarning; before it, None means the locale.
_text_encoding = getattr(io, "text_encoding", lambda encoding: encoding)

# --- constants and helpers of the socket class ---------------------------------------

_c_init = _socket.socket.__init__
_c_family = _socket.socket.family.__get__
_c_type = _socket.socket.type.__get__
_MAKEFILE_MODE_CHARS = frozenset("rwb")
# ("r" in mode, "w" in mode) -> the SocketIO direction; a mode of only "b"s reads.
_DIRECTIONS = {(True, True): "rw", (True, False): "r", (False, True): "w", (False, False): "r"}
_ZEROCOPY_MAX_BLOCK = 1 << 30  # larger os.sendfile() counts overflow (bpo-38319)
_COPY_BLOCK = 8192  # the send() path's read size
if hasattr(os, "get_handle_inheritable"):  # Windows: sockets are handles there
    _FLAG_GETTER, _FLAG_SETTER = "get_handle_inheritable", "set_handle_inheritable"
else:
    _FLAG_GETTER, _FLAG_SETTER = "get_inheritable", "set_inheritable"


class _CloseOnError:
    """``with _CloseOnError(a, b):`` closes a and b if the block raises anything."""

    def __init__(self, *owned):
        self._owned = owned

    def __enter__(self):
        pass

    def __exit__(self, kind, value, tb):
        if kind is not None:
            for thing in self._owned:
                thing.close()


def _writable_waiter(fd):
    """A function ``wait(seconds=None)``: true once fd can take more data, false on timeout.

    It waits with poll(), or else select(): neither needs a descriptor of its own (as
    epoll or kqueue would), so there is nothing to close, and each wait is a single
    system call. The selectors module is imported on first use only.
    """
    import selectors
    factory = getattr(selectors, "PollSelector", None) or selectors.SelectSelector
    selector = factory()
    selector.register(fd, selectors.EVENT_WRITE)
    return selector.select


def _zerocopy_source(file):
    """(descriptor, size) of a file os.sendfile() can read; else _GiveupOnSendfile."""
    try:
        fd = file.fileno()
    except (AttributeError, io.UnsupportedOperation) as why:
        raise _GiveupOnSendfile(why) from why
    try:
        return fd, os.fstat(fd).st_size
    except OSError as why:
        raise _GiveupOnSendfile(why) from why


def _refuse_non_blocking(sock):
    if sock.gettimeout() == 0:
        raise ValueError("non-blocking sockets are not supported")


class socket(_socket.socket):
    """A _socket.socket with file objects (makefile), sendfile() and the Python-level API."""

    __slots__ = ["__weakref__", "_io_refs", "_closed"]

    def __init__(self, family=-1, type=-1, proto=-1, fileno=None):
        if fileno is None:
            # A new socket: whatever equals -1 (-1.0 and Decimal(-1) too, which the C layer
            # would refuse) is the int -1, for which the C layer takes the usual defaults
            # (AF_INET, SOCK_STREAM, 0). Over a descriptor, the numbers go on as they are, and
            # the C layer reads -1's real values from the descriptor.
            family, type, proto = [-1 if given == -1 else given for given in (family, type, proto)]
        _c_init(self, family, type, proto, fileno)
        self._io_refs = 0  # open makefile() objects keeping the descriptor alive
        self._closed = False

    def __repr__(self):
        closed = getattr(self, "_closed", False)  # a half-built object has no slots yet
        cls = type(self)
        parts = ["<%s.%s%s fd=%i, family=%i, type=%i, proto=%i" % (
            cls.__module__, cls.__qualname__, " [closed]" if closed else "",
            self.fileno(), _c_family(self), _c_type(self), self.proto)]
        if not closed:
            for label, lookup in (("laddr", self.getsockname), ("raddr", self.getpeername)):
                try:
                    where = lookup()
                except (error, AttributeError):  # unconnected; or WASI (gh-96320)
                    continue
                if where:
                    parts.append(f"{label}={where}")
        return ", ".join(parts) + ">"

    def __getstate__(self):
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")

    def dup(self):
        """A new socket of the same class over a duplicate (non-inheritable) descriptor."""
        twin = type(self)(_c_family(self), _c_type(self), self.proto, dup(self.fileno()))
        twin.settimeout(self.gettimeout())
        return twin

    def accept(self):
        """accept() -> (socket object, address info)

        Wait for an incoming connection. The new socket is a plain socket (never a
        subclass) describing the connection; address info is the peer's address.
        """
        fd, peer = self._accept()
        conn = socket(_c_family(self), _c_type(self), self.proto, fd)
        # A listener with a timeout is non-blocking at the OS level, and on some
        # systems its connections inherit that (issue 7995): without a default
        # timeout the new socket must block.
        if getdefaulttimeout() is None and self.gettimeout():
            conn.setblocking(True)
        return conn, peer

    def makefile(self, mode="r", buffering=None, *,
                 encoding=None, errors=None, newline=None):
        """makefile(...) -> an I/O stream connected to the socket

        The arguments are those of open(), except that mode may only contain the
        characters r, w and b. The socket stays open while the stream does.
        """
        if not _MAKEFILE_MODE_CHARS.issuperset(mode):
            raise ValueError("invalid mode %r (only r, w, b allowed)" % (mode,))
        reading, writing = "r" in mode, "w" in mode
        size = io.DEFAULT_BUFFER_SIZE if buffering is None or buffering < 0 else buffering
        binary = "b" in mode
        if not (size or binary):
            # Before any SocketIO is counted, so the socket closes as if none was made
            # (CPython ends up there once it frees the one it made: PyPy need not).
            raise ValueError("unbuffered streams must be binary")
        raw = SocketIO(self, _DIRECTIONS[reading, writing])
        self._io_refs += 1
        if not size:
            return raw
        if reading and writing:
            stream = io.BufferedRWPair(raw, raw, size)
        elif writing:
            stream = io.BufferedWriter(raw, size)
        else:
            stream = io.BufferedReader(raw, size)
        if binary:
            return stream
        wrapper = io.TextIOWrapper(stream, _text_encoding(encoding), errors, newline)
        wrapper.mode = mode
        return wrapper

    # sendfile(): one check of the arguments, then the zero-copy strategy, and the
    # send() strategy when that one gives up before sending anything.

    def sendfile(self, file, offset=0, count=None):
        """sendfile(file[, offset[, count]]) -> sent

        Send a file until EOF (or count bytes) through os.sendfile() where it can,
        else through plain send(). file must be a regular file object opened in
        binary mode; the socket must be a blocking (or timeout) SOCK_STREAM socket.
        offset says where to start reading. When done, or on an error, the file
        position is left just after the last byte sent. Returns the number of
        bytes sent.
        """
        try:
            return self._sendfile_use_sendfile(file, offset, count)
        except _GiveupOnSendfile:
            return self._sendfile_use_send(file, offset, count)

    def _check_sendfile_params(self, file, offset, count):
        if "b" not in getattr(file, "mode", "b"):
            raise ValueError("file should be opened in binary mode")
        if not _c_type(self) & SOCK_STREAM:
            raise ValueError("only SOCK_STREAM type sockets are supported")
        if count is None:
            return
        problem = None if isinstance(count, int) else TypeError
        if problem is None and count <= 0:
            problem = ValueError
        if problem is not None:
            raise problem(f"count must be a positive integer (got {count!r})")

    def _sendfile_use_sendfile(self, file, offset=0, count=None):
        zerocopy = getattr(os, "sendfile", None)  # looked up per call: it may vanish
        if zerocopy is None:
            raise _GiveupOnSendfile("os.sendfile() not available on this platform")
        self._check_sendfile_params(file, offset, count)
        in_fd, size = _zerocopy_source(file)
        if not size:
            return 0  # nothing to map; pipes and /proc files land here (gh-93300)
        step = min(count or size, _ZEROCOPY_MAX_BLOCK)
        _refuse_non_blocking(self)
        timeout = self.gettimeout()
        out_fd = self.fileno()
        wait = _writable_waiter(out_fd)
        position, done = offset, 0
        try:
            while True:
                if timeout and not wait(timeout):
                    raise _TimedOut("timed out")
                if count:
                    # Never past count (gh-114077), and never 0: on macOS and FreeBSD
                    # os.sendfile() takes a count of 0 for "up to end of file".
                    step = min(step, count - done)
                    if not step:
                        break
                try:
                    moved = zerocopy(out_fd, in_fd, position, step)
                except BlockingIOError:
                    if not timeout:
                        wait()  # no timeout: sleep until writable, not spin
                    continue
                except OSError as why:
                    if not done:  # e.g. not a file os.sendfile() accepts: use send()
                        raise _GiveupOnSendfile(why) from why
                    raise why from None
                if not moved:
                    break  # end of file
                position += moved
                done += moved
            return done
        finally:
            if done and hasattr(file, "seek"):
                file.seek(position)

    def _sendfile_use_send(self, file, offset=0, count=None):
        self._check_sendfile_params(file, offset, count)
        _refuse_non_blocking(self)
        if offset:
            file.seek(offset)
        step = min(count or _COPY_BLOCK, _COPY_BLOCK)
        read, send = file.read, self.send
        done = 0
        try:
            while True:
                if count:
                    left = count - done
                    if left <= 0:  # a read() may return more than it was asked for
                        break
                    step = min(step, left)
                chunk = memoryview(read(step))
                if not chunk:
                    break  # end of file
                while chunk:
                    try:
                        n = send(chunk)
                    except BlockingIOError:
                        continue
                    done += n
                    chunk = chunk[n:]
            return done
        finally:
            if done and hasattr(file, "seek"):
                file.seek(offset + done)

    # Closing: makefile() objects hold the descriptor open through _io_refs.

    def close(self):
        # Only attributes of self here, no module globals, which may already be
        # gone when this runs at interpreter shutdown (issue 808164).
        self._closed = True
        if self._io_refs:
            return  # the last makefile() object to close finishes the job
        self._real_close()

    def detach(self):
        """detach() -> file descriptor

        Give up the descriptor without closing it: the socket object is closed, and
        its makefile() objects then report -1.
        """
        self._closed = True
        return _socket.socket.detach(self)

    def __enter__(self):
        return self

    def __exit__(self, *args):
        if not self._closed:
            self.close()

    def _real_close(self, _ss=_socket.socket):
        # _ss is bound at definition: close() may run at interpreter teardown
        _ss.close(self)

    def _decref_socketios(self):
        # A makefile() object was closed: one reference fewer (never below zero);
        # if close() was called meanwhile, it may now really close.
        if self._io_refs:
            self._io_refs -= 1
        if self._closed:
            self.close()

    @property
    def family(self):
        """Read-only access to the address family for this socket."""
        value = _c_family(self)
        return _FAMILY_MEMBERS.get(value, value)

    @property
    def type(self):
        """Read-only access to the socket type."""
        value = _c_type(self)
        return _KIND_MEMBERS.get(value, value)

    def get_inheritable(self):
        """Get the inheritable flag of the socket"""
        return getattr(os, _FLAG_GETTER)(self.fileno())

    def set_inheritable(self, inheritable):
        """Set the inheritable flag of the socket"""
        getattr(os, _FLAG_SETTER)(self.fileno(), inheritable)


def fromfd(fd, family, type, proto=0):
    """fromfd(fd, family, type[, proto]) -> socket object

    A socket object over a duplicate of the descriptor fd; fd itself stays open.
    """
    return socket(family, type, proto, dup(fd))


_array = None  # the array module, once send_fds() or recv_fds() has needed it


def _import_array():
    # Imported on first use, as CPython 3.14 does (gh-121423), then kept here: an import
    # statement per call (80 ns) would cost a send_fds()/recv_fds() pair about 1.5%.
    global _array
    import array as _array
    return _array


if hasattr(_socket.socket, "sendmsg"):
    def send_fds(sock, buffers, fds, flags=0, address=None):
        """send_fds(sock, buffers, fds[, flags[, address]]) -> integer

        Send the file descriptors fds, with the data in buffers, over an AF_UNIX
        socket in one SCM_RIGHTS message. flags and address are accepted and
        ignored, as in every CPython release (gh-107898).
        """
        array = _array or _import_array()
        rights = array.array("i", fds)
        return sock.sendmsg(buffers, [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, rights)])
    __all__.append("send_fds")

if hasattr(_socket.socket, "recvmsg"):
    def recv_fds(sock, bufsize, maxfds, flags=0):
        """recv_fds(sock, bufsize, maxfds[, flags]) -> (data, list of fds, msg_flags, address)

        Receive up to bufsize bytes and up to maxfds descriptors from an AF_UNIX
        socket. flags is accepted and ignored, as in every CPython release.
        """
        array = _array or _import_array()
        received = array.array("i")
        width = received.itemsize
        data, ancillary, msg_flags, peer = sock.recvmsg(bufsize, _socket.CMSG_LEN(maxfds * width))
        for level, kind, payload in ancillary:
            if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
                whole = len(payload) - len(payload) % width  # a cut-off int is dropped
                received.frombytes(payload[:whole])
        return data, received.tolist(), msg_flags, peer
    __all__.append("recv_fds")

if hasattr(_socket.socket, "share"):
    def fromshare(info):
        """fromshare(info) -> socket object

        A socket from the bytes that socket.share() produced in another process.
        """
        return socket(fileno=info)  # family, type and proto come from the info
    __all__.append("fromshare")


_LOCALHOST = "127.0.0.1"
_LOCALHOST_V6 = "::1"


def _fallback_socketpair(family=AF_INET, type=SOCK_STREAM, proto=0):
    # A connected pair of TCP sockets over loopback, for platforms without a native
    # socketpair() (Windows). Each end then checks that its peer is the other end, so
    # that nothing else that reached the listener in between is handed out
    # (gh-122133, CVE-2024-3219).
    hosts = {AF_INET: _LOCALHOST, AF_INET6: _LOCALHOST_V6}
    if family not in hosts:
        raise ValueError("Only AF_INET and AF_INET6 socket address families are supported")
    if type != SOCK_STREAM:
        raise ValueError("Only SOCK_STREAM socket type is supported")
    if proto != 0:
        raise ValueError("Only protocol zero is supported")
    listener = socket(family, type, proto)
    try:
        listener.bind((hosts[family], 0))
        listener.listen()
        near = socket(family, type, proto)
        with _CloseOnError(near):
            # The connection is started, not waited for: the listener's queue completes it,
            # or, full of others' connections, leaves it unmade for the check below to find.
            # Then both ends block, whatever the default timeout.
            near.settimeout(0.0)
            try:
                near.connect(listener.getsockname())
            except BlockingIOError:  # in progress
                pass
            near.settimeout(None)
            far, _ = listener.accept()
    finally:
        listener.close()
    # On WASI the connection may still be under way when accept() returns: no check can be
    # made there (gh-146139). Elsewhere the connecting end's peer is read first: unconnected,
    # it raises OSError (ENOTCONN).
    if not sys.platform.startswith("wasi"):
        with _CloseOnError(far, near):
            if near.getpeername() != far.getsockname() or \
                    far.getpeername() != near.getsockname():
                raise ConnectionError("Unexpected peer connection")
    return far, near


if hasattr(_socket, "socketpair"):
    def socketpair(family=None, type=SOCK_STREAM, proto=0):
        family = globals().get("AF_UNIX", AF_INET) if family is None else family
        left, right = _socket.socketpair(family, type, proto)
        return (socket(family, type, proto, left.detach()),
                socket(family, type, proto, right.detach()))
else:
    socketpair = _fallback_socketpair
    __all__.append("socketpair")

socketpair.__doc__ = """socketpair([family[, type[, proto]]]) -> (socket object, socket object)

Two connected socket objects. The arguments are those of socket(), except that the
default family is AF_UNIX where the platform has it, and AF_INET otherwise.
"""

_blocking_errnos = {EAGAIN, EWOULDBLOCK}


class SocketIO(io.RawIOBase):
    """Raw I/O over a socket: the object under makefile()'s buffered streams.

    mode is "r", "w" or "rw", with an optional "b" (the stream is always binary).
    Reads and writes are recv_into() and send(); on a non-blocking socket either one
    returns None when it would block. After a timeout the object refuses to read,
    since the data that was pending is lost: the stream is out of step.
    """

    def __init__(self, sock, mode):
        # RawIOBase's own __init__ does nothing: it is not called.
        if mode not in ("r", "w", "rw", "rb", "wb", "rwb"):
            raise ValueError("invalid mode: %r" % (mode,))
        self._sock = sock
        self._mode = mode if "b" in mode else mode + "b"
        self._reading = "r" in mode
        self._writing = "w" in mode
        self._timeout_occurred = False

    @property
    def mode(self):
        return self._mode

    def _refuse(self, action, timed_out):
        # Why readinto()/write() cannot go on, in the order the checks apply.
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if timed_out:
            raise OSError("cannot read from timed out object")
        raise io.UnsupportedOperation(f"File or stream is not {action}.")

    def readinto(self, b):
        """Read into the buffer b; the count, 0 at end of stream, None if it would block."""
        if self.closed or not self._reading or self._timeout_occurred:
            self._refuse("readable", self._timeout_occurred)
        try:
            return self._sock.recv_into(b)
        except timeout:
            self._timeout_occurred = True
            raise
        except error as failure:
            if failure.errno in _blocking_errnos:
                return None
            raise

    def write(self, b):
        """Send b; the count sent (maybe fewer), or None if it would block."""
        if self.closed or not self._writing:
            self._refuse("writable", False)
        try:
            return self._sock.send(b)
        except error as failure:
            if failure.errno in _blocking_errnos:
                return None
            raise

    def _open_or_raise(self):
        if self.closed:
            raise ValueError("I/O operation on closed socket.")

    def readable(self):
        """True if the object was opened for reading."""
        self._open_or_raise()
        return self._reading

    def writable(self):
        """True if the object was opened for writing."""
        self._open_or_raise()
        return self._writing

    def seekable(self):
        """False: a socket has no position."""
        self._open_or_raise()
        return False

    def fileno(self):
        """The socket's file descriptor."""
        if self.closed:  # spelt out: PyPy's io words its own closed check differently
            raise ValueError("I/O operation on closed file.")
        return self._sock.fileno()

    @property
    def name(self):
        return -1 if self.closed else self.fileno()

    def close(self):
        """Close this object; the socket closes once no other file object uses it."""
        if not self.closed:
            io.RawIOBase.close(self)
            self._sock._decref_socketios()
            self._sock = None


_THIS_HOST = ("", "0.0.0.0", "::")  # names getfqdn() takes for the local host (gh-100374)


def getfqdn(name=""):
    """Get the fully qualified domain name of name, the local host by default.

    The first of the names gethostbyaddr() returns for it (the primary name, then the
    aliases) that contains a dot; else the primary name. If the lookup fails, the
    name itself (stripped).
    """
    name = name.strip()
    if name in _THIS_HOST:
        name = gethostname()
    try:
        primary, aliases, _ = gethostbyaddr(name)
    except error:
        return name
    for candidate in (primary, *aliases):
        if "." in candidate:
            return candidate
    return primary


def _connect_one(family, kind, proto, target, timeout, source_address):
    # The socket is closed when an OSError stops it; any other exception leaves it
    # to the garbage collector, as in the standard module.
    sock = socket(family, kind, proto)
    try:
        if timeout is not _GLOBAL_DEFAULT_TIMEOUT:
            sock.settimeout(timeout)
        if source_address:
            sock.bind(source_address)
        sock.connect(target)
    except error:
        sock.close()
        raise
    return sock


def create_connection(address, timeout=_GLOBAL_DEFAULT_TIMEOUT,
                      source_address=None, *, all_errors=False):
    """Connect to address, a (host, port) pair, and return the socket.

    Each address getaddrinfo() gives for it is tried in turn. timeout, if given, is
    set on the socket before connecting (None: blocking); otherwise the default
    timeout applies. source_address, a (host, port) pair, is bound first if given.
    If every attempt fails, the last error is raised, or with all_errors=True an
    ExceptionGroup of all of them.
    """
    host, port = address
    # The errors' tracebacks refer to this frame, which refers to them through this list:
    # it is emptied on the way out, so that no reference cycle outlives the call.
    failures = []
    for family, kind, proto, _, target in getaddrinfo(host, port, 0, SOCK_STREAM):
        try:
            sock = _connect_one(family, kind, proto, target, timeout, source_address)
        except error as failure:
            if all_errors:
                failures.append(failure)
            else:
                failures = [failure]  # the last error alone: the earlier ones go at once
        else:
            failures.clear()
            return sock
    if not failures:
        raise error("getaddrinfo returns an empty list")
    try:
        if all_errors:
            raise _ExceptionGroup("create_connection failed", failures)
        raise failures.pop()
    finally:
        failures.clear()


def has_dualstack_ipv6():
    """True if this platform can make one AF_INET6 socket serve IPv4 and IPv6."""
    if not has_ipv6:
        return False
    if not (hasattr(_socket, "IPPROTO_IPV6") and hasattr(_socket, "IPV6_V6ONLY")):
        return False
    try:
        probe = socket(AF_INET6, SOCK_STREAM)
    except error:
        return False
    try:
        probe.setsockopt(_socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY, 0)
    except error:
        return False
    finally:
        probe.close()
    return True


def _listener_options(family, reuse_port, dualstack_ipv6):
    """The (level, option, value, optional) settings create_server() applies, in order."""
    if os.name not in ("nt", "cygwin") and hasattr(_socket, "SO_REUSEADDR"):
        # Rebind at once after a restart. Not on Windows, where the option lets
        # another process take over a port that is in use.
        yield _socket.SOL_SOCKET, _socket.SO_REUSEADDR, 1, True
    if reuse_port:
        yield _socket.SOL_SOCKET, _socket.SO_REUSEPORT, 1, False
    if has_ipv6 and family == AF_INET6:
        if dualstack_ipv6:
            yield _socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY, 0, False
        elif hasattr(_socket, "IPV6_V6ONLY") and hasattr(_socket, "IPPROTO_IPV6"):
            # IPv6 only, whatever the system default: the same on every platform.
            yield _socket.IPPROTO_IPV6, _socket.IPV6_V6ONLY, 1, False


def create_server(address, *, family=AF_INET, backlog=None, reuse_port=False,
                  dualstack_ipv6=False):
    """A TCP socket bound to address, a (host, port) pair, and listening.

    family is AF_INET or AF_INET6; backlog is passed to listen(); reuse_port sets
    SO_REUSEPORT; dualstack_ipv6 makes an AF_INET6 socket accept IPv4 connections
    too, where has_dualstack_ipv6() says the platform can.
    """
    if reuse_port and not hasattr(_socket, "SO_REUSEPORT"):
        raise ValueError("SO_REUSEPORT not supported on this platform")
    if dualstack_ipv6 and not has_dualstack_ipv6():
        raise ValueError("dualstack_ipv6 not supported on this platform")
    if dualstack_ipv6 and family != AF_INET6:
        raise ValueError("dualstack_ipv6 requires AF_INET6 family")
    sock = socket(family, SOCK_STREAM)
    try:
        for level, option, value, optional in _listener_options(family, reuse_port,
                                                                dualstack_ipv6):
            try:
                sock.setsockopt(level, option, value)
            except error:
                if not optional:
                    raise
        try:
            sock.bind(address)
        except error as failure:
            text = f"{failure.strerror} (while attempting to bind on address {address!r})"
            raise error(failure.errno, text) from None
        sock.listen() if backlog is None else sock.listen(backlog)
    except error:  # only OSError: other exceptions leave the socket open
        sock.close()
        raise
    return sock


def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
    """Resolve host and port into a list of 5-tuples for creating sockets.

    (family, type, proto, canonname, sockaddr), as _socket.getaddrinfo() gives them,
    with family and type as AddressFamily and SocketKind members where they are
    known. host is a name, an address string or None; port a number, a service
    name or None.
    """
    return [(_FAMILY_MEMBERS.get(fam, fam), _KIND_MEMBERS.get(kind, kind), number,
             canonical, sockaddr)
            for fam, kind, number, canonical, sockaddr
            in _socket.getaddrinfo(host, port, family, type, proto, flags)]
