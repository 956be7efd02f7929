"""Timeouts and blocking: ``settimeout``/``gettimeout``, ``setblocking``/``getblocking``, the
module's default timeout, and the ``TimeoutError`` of every call that waits.

A socket has three modes: blocking (timeout ``None``), non-blocking (``0.0``) and timeout mode
(a positive float). ``getblocking()`` is ``False`` only in non-blocking mode, but the descriptor
itself is ``O_NONBLOCK`` in both non-blocking and timeout mode: the waiting is done with
``poll()`` in user space. A call that waits past the timeout raises ``socket.timeout`` (an
alias of ``TimeoutError`` since 3.10) with the single argument ``'timed out'``; a signal that
interrupts the wait runs its handler and the call resumes with what is left of the timeout
(PEP 475), unless the handler raises.
"""

import _socket
import errno
import os
import signal
import time

import pytest

from fixtures.peers import PEER_TIMEOUT, recv_exactly, recv_until_eof
from harness.model.spec import case, spec

#: The timeout of specs that expect a call to time out: short, so the suite stays fast.
SHORT = 0.02


class _Alarm:
    """A repeating SIGALRM (ITIMER_REAL) with a Python handler; stops itself after ``limit``."""

    def __init__(self):
        self.fired = 0
        self.action = None
        self.limit = 0

    def start(self, interval, action=None, limit=50):
        self.action = action
        self.limit = limit
        signal.signal(signal.SIGALRM, self._handler)
        signal.setitimer(signal.ITIMER_REAL, interval, interval)

    def stop(self):
        signal.setitimer(signal.ITIMER_REAL, 0)

    def _handler(self, signum, frame):
        self.fired += 1
        if self.fired >= self.limit:
            self.stop()
        if self.action is not None:
            self.action(self.fired)


@pytest.fixture
def alarm():
    """A SIGALRM source for the spec; the previous handler and interval timer are restored."""
    previous_handler = signal.getsignal(signal.SIGALRM)
    previous_delay, previous_interval = signal.getitimer(signal.ITIMER_REAL)
    started = time.monotonic()
    source = _Alarm()
    try:
        yield source
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler or signal.SIG_DFL)
        if previous_delay > 0:
            left = previous_delay - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001), previous_interval)


class Interrupted(Exception):
    """Raised by a signal handler in the specs whose handler raises."""


def _fill_send_buffer(sock):
    """Fill ``sock``'s send buffer (its peer does not read) through a raw duplicate."""
    raw = _socket.socket(sock.family, sock.type, 0, os.dup(sock.fileno()))
    try:
        raw.setblocking(False)
        block = b"f" * 65536
        while True:
            try:
                raw.send(block)
            except BlockingIOError:
                break
    finally:
        raw.close()


def _small_buffers(sock, peer):
    sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_SNDBUF, 4096)
    peer.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVBUF, 4096)


def _assert_timed_out(impl, excinfo):
    exc = excinfo.value
    assert isinstance(exc, impl.timeout)
    assert isinstance(exc, OSError)
    assert exc.args == ("timed out",)
    assert str(exc) == "timed out"
    assert exc.errno is None


def _raw_listener(backlog=8):
    listener = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(backlog)
    except BaseException:
        listener.close()
        raise
    return listener


# -- settimeout / gettimeout values -----------------------------------------------------------



def _assert_mode(sock, timeout):
    """gettimeout() is ``timeout`` (None: blocking, 0.0: non-blocking), getblocking() agrees,
    and so does the descriptor's own O_NONBLOCK flag."""
    if timeout is None:
        assert sock.gettimeout() is None
    else:
        assert sock.gettimeout() == timeout
    assert sock.getblocking() is (timeout is None)
    assert os.get_blocking(sock.fileno()) is (timeout is None)


@spec("socket.settimeout", "socket.gettimeout")
@pytest.mark.parametrize(
    "value, expected",
    [(1, 1.0), (2.5, 2.5), (True, 1.0), (0, 0.0), (10**6, 1e6)],
    ids=["int", "float", "bool", "int-zero", "large-int"],
)
def test_timeouts_gettimeout_returns_a_float(impl, value, expected):
    with impl.socket() as sock:
        sock.settimeout(value)
        result = sock.gettimeout()
        assert type(result) is float
        assert result == expected


@spec("socket.gettimeout", "socket.getblocking")
def test_timeouts_new_socket_is_blocking(impl):
    with impl.socket() as sock:
        _assert_mode(sock, None)


@spec("socket.settimeout", "socket.gettimeout", "socket.getblocking")
def test_timeouts_settimeout_none_is_blocking_mode(impl):
    with impl.socket() as sock:
        sock.settimeout(1.5)
        sock.settimeout(None)
        _assert_mode(sock, None)


@spec("socket.settimeout", "socket.getblocking")
@pytest.mark.parametrize("value", [0, 0.0], ids=["int", "float"])
def test_timeouts_settimeout_zero_is_non_blocking_mode(impl, value):
    with impl.socket() as sock:
        sock.settimeout(value)
        _assert_mode(sock, 0.0)


@spec("socket.settimeout", "socket.getblocking")
@pytest.mark.parametrize("value", [0.001, 3, 86400.0], ids=["tiny", "int", "day"])
def test_timeouts_positive_timeout_blocks_but_descriptor_is_non_blocking(impl, value):
    with impl.socket() as sock:
        sock.settimeout(value)
        assert sock.getblocking() is True
        assert os.get_blocking(sock.fileno()) is False


@spec("socket.settimeout")
@pytest.mark.parametrize("value", [-1, -0.001, -1e-9, -(10**6)], ids=["int", "ms", "ns", "big"])
def test_timeouts_settimeout_negative_raises_value_error(impl, value):
    with impl.socket() as sock:
        with pytest.raises(ValueError) as excinfo:
            sock.settimeout(value)
        assert str(excinfo.value) == "Timeout value out of range"


@spec("socket.settimeout")
def test_timeouts_settimeout_nan_raises_value_error(impl):
    with impl.socket() as sock:
        with pytest.raises(ValueError) as excinfo:
            sock.settimeout(float("nan"))
        assert "NaN" in str(excinfo.value)
        assert sock.gettimeout() is None


@spec("socket.settimeout")
@pytest.mark.parametrize("value", ["1", b"1", [], 1j], ids=["str", "bytes", "list", "complex"])
def test_timeouts_settimeout_non_number_raises_type_error(impl, value):
    with impl.socket() as sock:
        with pytest.raises(TypeError):
            sock.settimeout(value)


@spec("socket.settimeout", "socket.gettimeout")
@pytest.mark.parametrize(
    "value, error", [(-1, ValueError), ("1", TypeError)], ids=["negative", "str"]
)
def test_timeouts_rejected_value_keeps_the_mode(impl, value, error):
    with impl.socket() as sock:
        sock.settimeout(2.0)
        with pytest.raises(error):
            sock.settimeout(value)
        assert sock.gettimeout() == 2.0
        assert os.get_blocking(sock.fileno()) is False


# -- setblocking ----------------------------------------------------------------------------


@spec("socket.setblocking", "socket.getblocking")
def test_timeouts_setblocking_false_is_settimeout_zero(impl):
    with impl.socket() as sock:
        assert sock.setblocking(False) is None
        _assert_mode(sock, 0.0)


@spec("socket.setblocking", "socket.getblocking")
@pytest.mark.parametrize("before", [0.0, 2.0], ids=["from-non-blocking", "from-timeout"])
def test_timeouts_setblocking_true_is_settimeout_none(impl, before):
    with impl.socket() as sock:
        sock.settimeout(before)
        assert sock.setblocking(True) is None
        _assert_mode(sock, None)


@spec("socket.setblocking")
@pytest.mark.parametrize(
    "flag, timeout", [(0, 0.0), (1, None), (2, None), (-1, None)], ids=["0", "1", "2", "-1"]
)
def test_timeouts_setblocking_int_flag_is_its_truth(impl, flag, timeout):
    with impl.socket() as sock:
        sock.settimeout(5.0)
        sock.setblocking(flag)
        assert sock.gettimeout() == timeout
        assert os.get_blocking(sock.fileno()) is (timeout is None)


@spec("socket.setblocking", since="3.12", needs=["setblocking_any_truth_value"])
@pytest.mark.parametrize(
    "flag, timeout", [(None, 0.0), ("x", None), ([], 0.0)], ids=["None", "str", "empty-list"]
)
def test_timeouts_setblocking_takes_any_truth_value(impl, flag, timeout):
    with impl.socket() as sock:
        sock.settimeout(5.0)
        sock.setblocking(flag)
        assert sock.gettimeout() == timeout


@spec("socket.setblocking", before="3.12")
@pytest.mark.parametrize("flag", [None, "x"], ids=["None", "str"])
def test_timeouts_setblocking_non_int_raises_type_error_before_312(impl, flag):
    with impl.socket() as sock:
        sock.settimeout(5.0)
        with pytest.raises(TypeError):
            sock.setblocking(flag)
        assert sock.gettimeout() == 5.0


@spec("socket.settimeout", "socket.setblocking", "socket.getblocking")
def test_timeouts_descriptor_flag_follows_each_call(impl):
    steps = [
        (lambda s: s.settimeout(0.5), 0.5, True, False),
        (lambda s: s.setblocking(True), None, True, True),
        (lambda s: s.setblocking(False), 0.0, False, False),
        (lambda s: s.settimeout(None), None, True, True),
        (lambda s: s.settimeout(0), 0.0, False, False),
        (lambda s: s.settimeout(4), 4.0, True, False),
    ]
    with impl.socket() as sock:
        seen = []
        for call, *_ in steps:
            call(sock)
            seen.append((sock.gettimeout(), sock.getblocking(), os.get_blocking(sock.fileno())))
        assert seen == [tuple(step[1:]) for step in steps]


@spec("socket.settimeout", "socket.gettimeout")
def test_timeouts_setting_the_timeout_does_not_change_a_dup(impl):
    with impl.socket() as sock:
        sock.settimeout(3.0)
        with sock.dup() as copy:
            sock.settimeout(7.0)
            assert copy.gettimeout() == 3.0
            assert sock.gettimeout() == 7.0


@spec("socket.settimeout")
@pytest.mark.parametrize("value", [None, 0.0, 1.0], ids=["none", "zero", "positive"])
def test_timeouts_settimeout_on_closed_socket_raises_ebadf(impl, value):
    sock = impl.socket()
    sock.close()
    with pytest.raises(OSError) as excinfo:
        sock.settimeout(value)
    assert excinfo.value.errno == errno.EBADF


@spec("socket.setblocking")
@pytest.mark.parametrize("flag", [True, False], ids=["true", "false"])
def test_timeouts_setblocking_on_closed_socket_raises_ebadf(impl, flag):
    sock = impl.socket()
    sock.close()
    with pytest.raises(OSError) as excinfo:
        sock.setblocking(flag)
    assert excinfo.value.errno == errno.EBADF


@spec("socket.gettimeout", "socket.getblocking")
@pytest.mark.parametrize("value, blocking", [(1.5, True), (0.0, False)], ids=["timeout", "zero"])
def test_timeouts_closed_socket_keeps_its_last_timeout(impl, value, blocking):
    sock = impl.socket()
    sock.settimeout(value)
    sock.close()
    assert sock.gettimeout() == value
    assert sock.getblocking() is blocking


@spec("socket.gettimeout", "socket.__init__")
def test_timeouts_wrapping_a_descriptor_leaves_its_flag(impl):
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        raw.setblocking(False)
        fd = os.dup(raw.fileno())
    finally:
        raw.close()
    with impl.socket(fileno=fd) as sock:
        assert sock.gettimeout() is None
        assert os.get_blocking(fd) is False


@spec("socket.gettimeout", "socket.__init__", platforms=["linux"])
def test_timeouts_sock_nonblock_type_means_timeout_zero(impl):
    with impl.socket(_socket.AF_INET, _socket.SOCK_STREAM | _socket.SOCK_NONBLOCK) as sock:
        _assert_mode(sock, 0.0)


# -- the module's default timeout -------------------------------------------------------------


@spec("setdefaulttimeout", "getdefaulttimeout")
def test_timeouts_default_timeout_int_reads_back_as_float(impl, restore_default_timeout):
    impl.setdefaulttimeout(3)
    value = impl.getdefaulttimeout()
    assert type(value) is float and value == 3.0


@spec("setdefaulttimeout")
@pytest.mark.parametrize(
    "value, error", [(-1, ValueError), (float("nan"), ValueError), ("1", TypeError)],
    ids=["negative", "nan", "str"],
)
def test_timeouts_setdefaulttimeout_rejects_bad_values(impl, restore_default_timeout, value,
                                                      error):
    impl.setdefaulttimeout(2.0)
    with pytest.raises(error):
        impl.setdefaulttimeout(value)
    assert impl.getdefaulttimeout() == 2.0


@spec("setdefaulttimeout", "socket.__init__")
def test_timeouts_default_zero_makes_non_blocking_sockets(impl, restore_default_timeout):
    impl.setdefaulttimeout(0.0)
    with impl.socket() as sock:
        _assert_mode(sock, 0.0)


@spec("setdefaulttimeout", "socket.settimeout")
def test_timeouts_default_timeout_does_not_change_existing_sockets(impl, restore_default_timeout):
    with impl.socket() as sock:
        impl.setdefaulttimeout(2.0)
        assert sock.gettimeout() is None
        assert os.get_blocking(sock.fileno()) is True


@spec("setdefaulttimeout", "socket.__init__")
def test_timeouts_default_timeout_applies_to_a_wrapped_descriptor(impl, restore_default_timeout):
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    fd = raw.detach()
    impl.setdefaulttimeout(2.0)
    with impl.socket(fileno=fd) as sock:
        assert sock.gettimeout() == 2.0
        assert os.get_blocking(fd) is False


@spec("setdefaulttimeout", "fromfd")
def test_timeouts_default_timeout_applies_to_fromfd(impl, restore_default_timeout):
    raw = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        impl.setdefaulttimeout(2.0)
        with impl.fromfd(raw.fileno(), _socket.AF_INET, _socket.SOCK_STREAM) as copy:
            assert copy.gettimeout() == 2.0
            assert os.get_blocking(copy.fileno()) is False
    finally:
        raw.close()


@spec("setdefaulttimeout", "socket.dup")
def test_timeouts_dup_keeps_the_original_timeout_not_the_default(impl, restore_default_timeout):
    with impl.socket() as sock:
        impl.setdefaulttimeout(3.0)
        with sock.dup() as copy:
            _assert_mode(copy, None)


# The native socketpair only: the TCP fallback (Windows) connects its client end in blocking
# mode after a non-blocking connect, so that end has no timeout whatever the default.
@spec("setdefaulttimeout", "socketpair", needs=["af_unix", "socketpair_native"])
def test_timeouts_default_zero_applies_to_both_ends_of_socketpair(impl, restore_default_timeout):
    impl.setdefaulttimeout(0.0)
    a, b = impl.socketpair()
    with a, b:
        assert (a.gettimeout(), b.gettimeout()) == (0.0, 0.0)
        assert os.get_blocking(a.fileno()) is False
        assert os.get_blocking(b.fileno()) is False


def _accept_one(impl, listener_timeout):
    listener = impl.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    client = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        client.settimeout(PEER_TIMEOUT)
        client.connect(listener.getsockname())
        listener.settimeout(listener_timeout)
        conn, _addr = listener.accept()
    finally:
        client.close()
        listener.close()
    return conn


@spec("setdefaulttimeout", "socket.accept", platforms=["linux"])
def test_timeouts_accept_from_non_blocking_listener_is_blocking(impl, restore_default_timeout):
    # Linux's accept() never hands the listener's O_NONBLOCK on
    with _accept_one(impl, 0.0) as conn:
        assert conn.gettimeout() is None
        assert os.get_blocking(conn.fileno()) is True


@spec("setdefaulttimeout", "socket.accept", platforms=["darwin", "win32"])
def test_timeouts_accept_from_non_blocking_listener_keeps_the_inherited_mode(
        impl, restore_default_timeout):
    # BSD's and Windows' accept() hand the listener's non-blocking mode on; only a listener
    # with a timeout (not a non-blocking one) has accept() make the new socket block again
    with _accept_one(impl, 0.0) as conn:
        assert conn.gettimeout() is None
        assert os.get_blocking(conn.fileno()) is False


@spec("setdefaulttimeout", "socket.accept")
def test_timeouts_accept_uses_a_zero_default_timeout(impl, restore_default_timeout):
    impl.setdefaulttimeout(0.0)
    with _accept_one(impl, PEER_TIMEOUT) as conn:
        assert conn.gettimeout() == 0.0
        assert conn.getblocking() is False
        assert os.get_blocking(conn.fileno()) is False


# -- calls that wait raise timeout ------------------------------------------------------------


def _recv(sock):
    return sock.recv(16)


def _recv_into(sock):
    return sock.recv_into(bytearray(16))


def _recvfrom(sock):
    return sock.recvfrom(16)


def _recvfrom_into(sock):
    return sock.recvfrom_into(bytearray(16))


def _recvmsg(sock):
    return sock.recvmsg(16)


def _recvmsg_into(sock):
    return sock.recvmsg_into([bytearray(16)])


RECEIVERS = [
    pytest.param(_recv, id="recv"),
    pytest.param(_recv_into, id="recv_into"),
    pytest.param(_recvfrom, id="recvfrom"),
    pytest.param(_recvfrom_into, id="recvfrom_into"),
    case(_recvmsg, id="recvmsg", needs=["recvmsg"]),
    case(_recvmsg_into, id="recvmsg_into", needs=["recvmsg_into"]),
]


@spec("socket.settimeout", "socket.recv", "socket.recv_into", "socket.recvfrom",
      "socket.recvfrom_into", "socket.recvmsg", "socket.recvmsg_into", "timeout")
@pytest.mark.parametrize("receive", RECEIVERS)
def test_timeouts_receive_on_empty_socket_times_out(impl, tcp_pair, receive):
    sock, _peer = tcp_pair
    sock.settimeout(SHORT)
    with pytest.raises(impl.timeout) as excinfo:
        receive(sock)
    _assert_timed_out(impl, excinfo)




@spec("socket.settimeout", "socket.recv", "timeout", since="3.10",
      needs=["timeout_is_timeouterror"])
def test_timeouts_timeout_is_exactly_timeout_error(impl, tcp_pair):
    sock, _peer = tcp_pair
    sock.settimeout(SHORT)
    with pytest.raises(TimeoutError) as excinfo:
        sock.recv(1)
    assert type(excinfo.value) is TimeoutError


@spec("socket.settimeout", "socket.recv")
def test_timeouts_receive_waits_for_the_timeout(impl, tcp_pair):
    sock, _peer = tcp_pair
    sock.settimeout(0.05)
    started = time.monotonic()
    with pytest.raises(impl.timeout):
        sock.recv(1)
    elapsed = time.monotonic() - started
    assert 0.045 <= elapsed < PEER_TIMEOUT


@spec("socket.settimeout", "socket.recv")
def test_timeouts_socket_is_usable_after_a_timeout(impl, tcp_pair):
    sock, peer = tcp_pair
    sock.settimeout(SHORT)
    with pytest.raises(impl.timeout):
        sock.recv(4)
    peer.sendall(b"late")
    sock.settimeout(PEER_TIMEOUT)
    assert sock.recv(4) == b"late"
    assert sock.gettimeout() == PEER_TIMEOUT


@spec("socket.settimeout", "socket.recv")
def test_timeouts_receive_returns_data_that_arrives_in_time(impl, tcp_pair):
    sock, peer = tcp_pair
    peer.sendall(b"ready")
    sock.settimeout(PEER_TIMEOUT)
    assert recv_exactly(sock, 5) == b"ready"


@spec("socket.setblocking", "socket.recv")
def test_timeouts_non_blocking_receive_raises_blocking_io_error(impl, tcp_pair):
    sock, _peer = tcp_pair
    sock.setblocking(False)
    with pytest.raises(BlockingIOError) as excinfo:
        sock.recv(1)
    assert excinfo.value.errno in (errno.EAGAIN, errno.EWOULDBLOCK)
    assert not isinstance(excinfo.value, impl.timeout)


@spec("socket.settimeout", "socket.accept", "timeout")
def test_timeouts_accept_without_client_times_out(impl):
    with impl.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(SHORT)
        with pytest.raises(impl.timeout) as excinfo:
            listener.accept()
        _assert_timed_out(impl, excinfo)
        assert listener.gettimeout() == SHORT


@spec("socket.setblocking", "socket.accept")
def test_timeouts_non_blocking_accept_raises_blocking_io_error(impl):
    with impl.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        with pytest.raises(BlockingIOError) as excinfo:
            listener.accept()
        assert excinfo.value.errno in (errno.EAGAIN, errno.EWOULDBLOCK)


@spec("socket.settimeout", "socket.connect", "timeout", platforms=["linux"])
def test_timeouts_connect_to_full_backlog_times_out(impl):
    # Linux drops a SYN while the listener's accept queue is full: the handshake never
    # completes, on loopback too. Raw clients fill the queue until one cannot connect.
    listener = _raw_listener(backlog=0)
    fillers = []
    try:
        for _ in range(8):
            filler = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
            fillers.append(filler)
            filler.settimeout(SHORT)
            try:
                filler.connect(listener.getsockname())
            except _socket.timeout:
                break
        with impl.socket() as sock:
            sock.settimeout(SHORT)
            with pytest.raises(impl.timeout) as excinfo:
                sock.connect(listener.getsockname())
            _assert_timed_out(impl, excinfo)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


@spec("socket.settimeout", "socket.connect")
def test_timeouts_connect_with_timeout_keeps_the_timeout(impl, raw_listener):
    with impl.socket() as sock:
        sock.settimeout(PEER_TIMEOUT)
        sock.connect(raw_listener.getsockname())
        assert sock.gettimeout() == PEER_TIMEOUT
        assert sock.getpeername() == raw_listener.getsockname()
        assert os.get_blocking(sock.fileno()) is False


def _send(sock, peer):
    return sock.send(b"x" * 1024)


def _sendall(sock, peer):
    return sock.sendall(b"x" * 1024)


def _sendto(sock, peer):
    return sock.sendto(b"x" * 1024, peer.getsockname())


@spec("socket.settimeout", "socket.send", "socket.sendall", "socket.sendto", "timeout")
@pytest.mark.parametrize(
    "transmit",
    [pytest.param(_send, id="send"), pytest.param(_sendall, id="sendall"),
     pytest.param(_sendto, id="sendto")],
)
def test_timeouts_send_on_full_buffer_times_out(impl, tcp_pair, transmit):
    sock, peer = tcp_pair
    _small_buffers(sock, peer)
    _fill_send_buffer(sock)
    sock.settimeout(SHORT)
    with pytest.raises(impl.timeout) as excinfo:
        transmit(sock, peer)
    _assert_timed_out(impl, excinfo)


@spec("socket.setblocking", "socket.send")
def test_timeouts_non_blocking_send_on_full_buffer_raises_blocking_io_error(impl, tcp_pair):
    sock, peer = tcp_pair
    _small_buffers(sock, peer)
    _fill_send_buffer(sock)
    sock.setblocking(False)
    with pytest.raises(BlockingIOError) as excinfo:
        sock.send(b"x" * 1024)
    assert excinfo.value.errno in (errno.EAGAIN, errno.EWOULDBLOCK)


@spec("socket.settimeout", "socket.sendall", "timeout", needs=["af_unix"])
def test_timeouts_sendall_times_out_after_sending_a_prefix(impl, unix_pair):
    # AF_UNIX: a TCP peer with a receive buffer smaller than the loopback MSS drains slowly.
    sock, peer = unix_pair
    _small_buffers(sock, peer)
    data = bytes(range(251)) * 4000  # about 1 MB, far more than both buffers hold
    sock.settimeout(SHORT)
    with pytest.raises(impl.timeout) as excinfo:
        sock.sendall(data)
    _assert_timed_out(impl, excinfo)
    sock.close()
    received = recv_until_eof(peer)
    assert 0 < len(received) < len(data)
    assert received == data[: len(received)]


# -- signals during a wait (PEP 475) ----------------------------------------------------------

#: The timeout of the interrupted calls, the alarm's interval and how often it may fire: an
#: implementation that restarted the whole timeout after each signal would wait at least
#: INTERRUPTIONS * INTERVAL + TIMEOUT.
PEP475_TIMEOUT = 0.1
INTERVAL = 0.02
INTERRUPTIONS = 20


def _accept(sock):
    return sock.accept()


def _waiter(impl, tcp_pair, which):
    """The socket to wait on and the call that waits, for the call named ``which``."""
    if which == "recv":
        return tcp_pair[0], _recv
    listener = impl.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    return listener, _accept


@spec("socket.settimeout", "socket.recv", "socket.accept", "timeout", needs=["sigalrm"])
@pytest.mark.parametrize("which", ["recv", "accept"])
def test_timeouts_signal_resumes_wait_with_remaining_timeout(impl, tcp_pair, alarm, which):
    sock, call = _waiter(impl, tcp_pair, which)
    try:
        sock.settimeout(PEP475_TIMEOUT)
        started = time.monotonic()
        alarm.start(INTERVAL, limit=INTERRUPTIONS)
        with pytest.raises(impl.timeout) as excinfo:
            call(sock)
        elapsed = time.monotonic() - started
        alarm.stop()
        _assert_timed_out(impl, excinfo)
        assert alarm.fired >= 2
        assert PEP475_TIMEOUT * 0.9 <= elapsed < PEP475_TIMEOUT + INTERRUPTIONS * INTERVAL * 0.75
    finally:
        if sock is not tcp_pair[0]:
            sock.close()


@spec("socket.settimeout", "socket.recv", "socket.accept", needs=["sigalrm"])
@pytest.mark.parametrize("which", ["recv", "accept"])
def test_timeouts_signal_handler_exception_propagates(impl, tcp_pair, alarm, which):
    sock, call = _waiter(impl, tcp_pair, which)
    try:
        sock.settimeout(PEER_TIMEOUT)

        def action(fired):
            alarm.stop()
            raise Interrupted(fired)

        alarm.start(INTERVAL, action=action)
        with pytest.raises(Interrupted):
            call(sock)
        assert alarm.fired == 1
        assert sock.gettimeout() == PEER_TIMEOUT
    finally:
        if sock is not tcp_pair[0]:
            sock.close()


@spec("socket.settimeout", "socket.recv", needs=["sigalrm"])
def test_timeouts_blocking_receive_resumes_after_a_signal(impl, tcp_pair, alarm):
    sock, peer = tcp_pair
    sock.settimeout(None)

    def action(fired):
        if fired == 3:
            peer.sendall(b"after signals")
        elif fired >= INTERRUPTIONS:  # bounds the wait of an implementation that never returns
            raise Interrupted(fired)

    alarm.start(INTERVAL, action=action, limit=INTERRUPTIONS)
    assert sock.recv(13) == b"after signals"
    alarm.stop()
    assert 3 <= alarm.fired < INTERRUPTIONS
