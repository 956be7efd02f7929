"""sendfile() properties (a stream family): with any starting position, offset and count, inside
or beyond the file, sendfile() sends exactly the expected slice, returns its length and leaves
the file position where CPython does -- on the os.sendfile() path (a regular file) and on the
send() fallback (forced with io.BytesIO, which has no fileno()).

The two paths differ on purpose, as in CPython: os.sendfile() ignores the current position,
while the fallback reads from the current position when the offset is 0 (it seeks only to a
truthy offset); both then leave the position at ``offset + sent``.
"""

from __future__ import annotations

import hashlib
import io
import itertools

from hypothesis import given
from hypothesis import strategies as st

from fixtures.peers import DELIVERY_TIMEOUT, PEER_TIMEOUT, recv_until_eof
from fixtures.properties import budget, module_pair
from harness.model.spec import spec

_names = itertools.count()
TRANSPORTS = st.sampled_from(["unix", "tcp"])

#: Small files, and files of several send() blocks (8192 bytes) whose bytes are derived from
#: a drawn seed: drawing 20 KB byte by byte would cost more than the example itself.
SENDFILE_DATA = st.one_of(
    st.just(b""),
    st.binary(min_size=1, max_size=64),
    st.builds(
        lambda seed, size: hashlib.shake_128(seed).digest(size),
        st.binary(min_size=1, max_size=8),
        st.integers(8000, 20000),
    ),
)


@st.composite
def sendfile_requests(draw, size):
    """(starting position, offset, count) inside and beyond a file of ``size`` bytes."""
    case = draw(st.sampled_from(["offset", "current_position", "anywhere"]))
    # offset 0 means "from the current position" on the send() fallback only (docs/behaviour.md)
    offset = 0 if case == "current_position" else draw(st.integers(0, size + 10))
    start = offset if case == "offset" else draw(st.integers(0, size + 5))
    count = draw(st.one_of(st.none(), st.integers(1, size + 10)))
    return start, offset, count


def _expected_os_sendfile(data, start_position, offset, count):
    """os.sendfile() path: from ``offset`` (the position is ignored); an empty file sends 0."""
    end = len(data) if count is None else min(len(data), offset + count)
    sent = data[offset:end] if data else b""
    position = offset + len(sent) if sent else start_position
    return sent, position


def _expected_send_fallback(data, start_position, offset, count):
    """send() fallback: seeks to ``offset`` only if it is truthy, else reads from the current
    position; afterwards the position is ``offset + sent`` (even for offset 0)."""
    begin = offset if offset else start_position
    end = len(data) if count is None else min(len(data), begin + count)
    sent = data[begin:end]
    if sent:
        position = offset + len(sent)
    else:
        position = offset if offset else start_position
    return sent, position


#: What both paths draw: the file's content, the transport and the socket's timeout (and, with
#: ``data``, the request: start position, offset, count).
SENDFILE_CALLS = dict(
    data=st.data(),
    content=SENDFILE_DATA,
    transport=TRANSPORTS,
    timeout=st.sampled_from([None, PEER_TIMEOUT]),
)


def _check_sendfile(impl, transport, timeout, source, request, expected, position):
    """sendfile(source, offset, count) from ``start`` over a fresh pair with ``timeout``:
    it returns the length of ``expected``, leaves the position at ``position``, and the peer
    receives exactly ``expected`` before EOF."""
    start, offset, count = request
    with module_pair(impl, transport) as (sock, peer):
        sock.settimeout(timeout)
        source.seek(start)
        assert sock.sendfile(source, offset, count) == len(expected)
        assert source.tell() == position
        sock.close()
        assert recv_until_eof(peer, DELIVERY_TIMEOUT) == expected


@spec("socket.sendfile", "socket._sendfile_use_sendfile", needs=["os_sendfile", "af_unix"])
@budget(1.0)
@given(**SENDFILE_CALLS, unbuffered=st.booleans())
def test_prop_sendfile_os_path_any_range(
    impl, prop_tmp, data, content, transport, timeout, unbuffered
):
    start, offset, count = data.draw(sendfile_requests(len(content)), label="request")
    expected, position = _expected_os_sendfile(content, start, offset, count)
    path = prop_tmp / f"sendfile-{next(_names)}.bin"
    path.write_bytes(content)
    try:
        with open(path, "rb", buffering=0 if unbuffered else -1) as source:
            _check_sendfile(impl, transport, timeout, source, (start, offset, count),
                            expected, position)
    finally:
        path.unlink()


@spec("socket.sendfile", "socket._sendfile_use_send", needs=["af_unix"])
@budget(1.0)
@given(**SENDFILE_CALLS)
def test_prop_sendfile_send_fallback_any_range(impl, data, content, transport, timeout):
    start, offset, count = data.draw(sendfile_requests(len(content)), label="request")
    expected, position = _expected_send_fallback(content, start, offset, count)
    _check_sendfile(impl, transport, timeout, io.BytesIO(content), (start, offset, count),
                    expected, position)
