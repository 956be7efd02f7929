"""Stream properties: bytes and text survive the trip through makefile().

* Any byte string, sent by a ``_socket`` peer in any chunking over AF_UNIX or loopback TCP,
  reads back identically through ``makefile('rb')`` with any buffering, by any interleaving of
  read(n), read1(n), readline(limit), readinto() and iteration; the peer sends each chunk only
  when the reader needs it, so reads meet partial data at every buffer boundary.
* Any byte string written through ``makefile('wb')`` / ``'rwb'`` in any chunking, with flushes
  anywhere, reaches the peer identically.
* Text written through ``makefile('w')`` and read through ``makefile('r')`` behaves exactly like
  io.TextIOWrapper over an in-memory stream that cannot seek, with the same encoding, errors and
  newline settings, and round-trips unchanged where that setting does not translate newlines
  (and the encoding needs no byte order mark: TextIOWrapper writes none for utf-16 or utf-32 to
  a stream that cannot seek, and then cannot read back what it wrote).

sendfile(), the other stream property, is in test_prop_sendfile.py.
"""

from __future__ import annotations

import _socket
import codecs
import io

from hypothesis import given
from hypothesis import strategies as st

from fixtures.peers import recv_exactly, recv_until_eof
from fixtures.properties import DELIVERY_TIMEOUT, budget, module_pair, pending_bytes
from harness.model.spec import spec

TRANSPORTS = st.sampled_from(["unix", "tcp"])
READ_BUFFERINGS = st.one_of(
    st.sampled_from([None, -1, 0, 1, 2, io.DEFAULT_BUFFER_SIZE]), st.integers(3, 64)
)
#: Byte strings rich in line ends, NULs and high bytes.
PAYLOADS = st.lists(
    st.one_of(
        st.sampled_from([b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"a"]),
        st.binary(min_size=1, max_size=40),
    ),
    max_size=60,
).map(b"".join)


@st.composite
def chunked(draw, payload):
    """``payload`` cut at arbitrary points (empty chunks included)."""
    cuts = draw(st.lists(st.integers(0, len(payload)), max_size=12))
    points = [0] + sorted(cuts) + [len(payload)]
    return [payload[a:b] for a, b in zip(points, points[1:])]


READ_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("read"), st.integers(0, 200)),
        st.tuples(st.just("read1"), st.integers(0, 200)),
        st.tuples(st.just("readline"), st.one_of(st.none(), st.integers(-1, 80))),
        st.tuples(st.just("readinto"), st.integers(0, 200)),
        st.tuples(st.just("next"), st.none()),
    ),
    max_size=25,
)


class _Feeder:
    """The peer's side: sends the chunks in order, only as far as the reader needs them."""

    def __init__(self, peer, chunks):
        self.peer = peer
        self.chunks = list(chunks)
        self.sent = 0
        self.total = sum(map(len, chunks))
        self.eof = False

    def provide(self, upto):
        """Make sure the first ``upto`` bytes were sent; past the end, send EOF too."""
        while self.chunks and self.sent < upto:
            chunk = self.chunks.pop(0)
            if chunk:
                self.peer.sendall(chunk)
            self.sent += len(chunk)
        if upto > self.total and not self.eof:
            self.peer.shutdown(_socket.SHUT_WR)
            self.eof = True


def _line_end(payload, start, limit):
    newline = payload.find(b"\n", start)
    end = len(payload) if newline < 0 else newline + 1
    if limit is not None and limit >= 0:
        end = min(end, start + limit)
    return end


@spec("socket.makefile", "SocketIO.readinto", needs=["af_unix"])
@budget(1.0)
@given(
    data=st.data(),
    payload=PAYLOADS,
    transport=TRANSPORTS,
    buffering=READ_BUFFERINGS,
    ops=READ_OPS,
)
def test_prop_stream_makefile_read_roundtrip(impl, data, payload, transport, buffering, ops):
    chunks = data.draw(chunked(payload), label="chunks")
    raw = buffering == 0
    with module_pair(impl, transport) as (sock, peer):
        sock.settimeout(DELIVERY_TIMEOUT)  # every wait is for what the other end already sent
        feeder = _Feeder(peer, chunks)
        with sock.makefile("rb", buffering) as f:
            pos = 0
            for op, arg in ops:
                if op == "read1" and raw:
                    op = "read"  # a raw SocketIO has no read1()
                if raw and arg == 0 and op in ("read", "readinto"):
                    # pinned once by socketio_zero_byte_read_returns_at_once, so that an
                    # implementation that waits here fails that scenario, not a search
                    continue
                rest = payload[pos:]
                if op in ("read", "readinto"):
                    feeder.provide(pos + arg)
                    if op == "read":
                        got = f.read(arg)
                    else:
                        buffer = bytearray(arg)
                        count = f.readinto(buffer)
                        got = bytes(buffer[:count])
                    if raw and arg and rest:
                        assert 1 <= len(got) <= arg and rest.startswith(got), (op, arg, got)
                    else:
                        assert got == rest[:arg], (op, arg, got)
                elif op == "read1":
                    feeder.provide(pos + min(arg, 1))
                    got = f.read1(arg)
                    if arg and rest:
                        assert 1 <= len(got) <= arg and rest.startswith(got), (op, arg, got)
                    else:
                        assert got == b"", (op, arg, got)
                else:
                    limit = arg if op == "readline" else None
                    end = _line_end(payload, pos, limit)
                    feeder.provide(end + (1 if end == len(payload) else 0))
                    got = f.readline(limit) if op == "readline" else next(f, b"")
                    assert got == payload[pos:end], (op, limit, got)
                pos += len(got)
            feeder.provide(len(payload) + 1)
            assert f.read() == payload[pos:]
            assert f.read() == b""
            assert list(f) == []


WRITE_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("write"), PAYLOADS),
        st.tuples(st.just("writelines"), st.lists(st.binary(max_size=30), max_size=4)),
        st.tuples(st.just("flush"), st.none()),
    ),
    max_size=20,
)


def _delivered(peer, transport, size):
    """What the peer got of ``size`` bytes already sent: AF_UNIX queues them as soon as they
    are sent; loopback TCP gets a short bounded wait."""
    if transport == "unix":
        return pending_bytes(peer)
    return recv_exactly(peer, size, timeout=DELIVERY_TIMEOUT)


@spec("socket.makefile", "SocketIO.write", needs=["af_unix"])
@budget(1.0)
@given(
    transport=TRANSPORTS,
    mode=st.sampled_from(["wb", "rwb", "bw"]),
    buffering=READ_BUFFERINGS,
    ops=WRITE_OPS,
)
def test_prop_stream_makefile_write_roundtrip(impl, transport, mode, buffering, ops):
    with module_pair(impl, transport) as (sock, peer):
        sock.settimeout(DELIVERY_TIMEOUT)  # every wait is for what the other end already sent
        written = b""
        delivered = 0
        with sock.makefile(mode, buffering) as f:
            for op, arg in ops:
                if op == "write":
                    view = memoryview(arg)
                    while view:  # an unbuffered SocketIO may write part of it
                        count = f.write(view)
                        assert count is not None and 0 < count <= len(view), count
                        if buffering != 0:
                            assert count == len(view), count
                        view = view[count:]
                    written += arg
                elif op == "writelines":
                    if buffering == 0:
                        continue  # RawIOBase.writelines ignores partial writes
                    f.writelines(arg)
                    written += b"".join(arg)
                else:
                    f.flush()
                    assert _delivered(peer, transport, len(written) - delivered) == written[
                        delivered:
                    ]
                    delivered = len(written)
        sock.close()
        assert recv_until_eof(peer, DELIVERY_TIMEOUT) == written[delivered:]


# -- text -------------------------------------------------------------------------------------

ENCODINGS = st.sampled_from(
    ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "ascii",
     "shift_jis", "cp437"]
)
NEWLINES = st.sampled_from([None, "", "\n", "\r", "\r\n"])
TEXTS = st.lists(
    st.one_of(
        st.sampled_from(["\n", "\r", "\r\n", "a", "é", "€", "日本", "\U0001f600", "\x00"]),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=12),
    ),
    max_size=30,
).map("".join)
TEXT_READ_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("read"), st.integers(0, 60)),
        st.tuples(st.just("readline"), st.one_of(st.none(), st.integers(-1, 40))),
        st.tuples(st.just("next"), st.none()),
    ),
    max_size=15,
)


class _Unseekable(io.BytesIO):
    """An in-memory stream that, like a socket, cannot seek: TextIOWrapper then treats the
    byte order mark the same way (a seekable stream at position 0 gets one even for '')."""

    def seekable(self):
        return False


def _encodable(text, encoding):
    encoder = codecs.getincrementalencoder(encoding)()
    kept = []
    for char in text:
        try:
            encoder.encode(char)
        except UnicodeEncodeError:
            continue
        kept.append(char)
    return "".join(kept)


def _text_ops(f, ops):
    """The results of ``ops`` and a final read(); a decoding error ends the list."""
    results = []
    try:
        for op, arg in ops:
            if op == "read":
                results.append(f.read(arg))
            elif op == "readline":
                results.append(f.readline(arg) if arg is not None else f.readline())
            else:
                results.append(next(f, ""))
        results.append(f.read())
    except UnicodeError as exc:
        # For example utf-16 and utf-32: TextIOWrapper writes no byte order mark to a
        # stream that cannot seek, and then cannot read what it wrote.
        results.append((type(exc).__name__, str(exc)))
    return results


@spec("socket.makefile", needs=["af_unix"])
@budget(1.0)
@given(
    data=st.data(),
    text=TEXTS,
    encoding=ENCODINGS,
    errors=st.sampled_from([None, "strict", "replace"]),
    newline=NEWLINES,
    buffering=st.sampled_from([None, -1, 1, 7, 64]),
    ops=TEXT_READ_OPS,
)
def test_prop_stream_text_roundtrip(
    impl, data, text, encoding, errors, newline, buffering, ops
):
    text = _encodable(text, encoding)
    pieces = data.draw(chunked(text), label="pieces")
    options = {"encoding": encoding, "errors": errors, "newline": newline}

    model_out = _Unseekable()
    model_writer = io.TextIOWrapper(model_out, **options)
    for piece in pieces:
        model_writer.write(piece)
    model_writer.flush()
    expected_bytes = model_out.getvalue()
    model_reader = io.TextIOWrapper(_Unseekable(expected_bytes), **options)
    expected_reads = _text_ops(model_reader, ops)

    with module_pair(impl, "unix") as (sock, peer):
        sock.settimeout(DELIVERY_TIMEOUT)  # every wait is for what the other end already sent
        with sock.makefile("w", buffering, **options) as writer:
            for piece in pieces:
                assert writer.write(piece) == len(piece)
        assert pending_bytes(peer) == expected_bytes  # AF_UNIX: queued as soon as sent
        peer.sendall(expected_bytes)
        peer.shutdown(_socket.SHUT_WR)
        with sock.makefile("r", buffering, **options) as reader:
            reads = _text_ops(reader, ops)
    assert reads == expected_reads
    if newline in ("", "\n") and all(isinstance(r, str) for r in reads):
        if codecs.decode(expected_bytes, encoding) == text:
            assert "".join(reads) == text
