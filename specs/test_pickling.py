"""Sockets cannot be pickled or copied: ``socket.__getstate__`` raises TypeError.

The message is ``cannot pickle '<ClassName>' object`` (the subclass's own name for
subclasses), for ``pickle.dumps`` with protocol 2 and up, ``copy.copy`` and ``copy.deepcopy``.
Protocols 0 and 1 fail earlier, with another TypeError. Pickling a makefile object fails too.
"""

import copy
import pickle

import pytest

from harness.model.spec import spec


@spec("socket.__getstate__")
@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickling_socket_refused_with_message(impl, protocol):
    with impl.socket() as sock:
        with pytest.raises(TypeError) as info:
            pickle.dumps(sock, protocol)
        assert str(info.value) == "cannot pickle 'socket' object"


@spec("socket.__getstate__")
@pytest.mark.parametrize("protocol", [0, 1])
def test_pickling_socket_old_protocols_raise_typeerror(impl, protocol):
    with impl.socket() as sock:
        with pytest.raises(TypeError):
            pickle.dumps(sock, protocol)
        assert sock.fileno() != -1


@spec("socket.__getstate__")
def test_pickling_copy_copy_refused(impl):
    with impl.socket() as sock:
        with pytest.raises(TypeError) as info:
            copy.copy(sock)
        assert str(info.value) == "cannot pickle 'socket' object"


@spec("socket.__getstate__")
def test_pickling_copy_deepcopy_refused(impl):
    with impl.socket() as sock:
        with pytest.raises(TypeError) as info:
            copy.deepcopy(sock)
        assert str(info.value) == "cannot pickle 'socket' object"


@spec("socket.__getstate__")
def test_pickling_getstate_raises_directly(impl):
    with impl.socket() as sock:
        with pytest.raises(TypeError) as info:
            sock.__getstate__()
        assert str(info.value) == "cannot pickle 'socket' object"


@spec("socket.__getstate__")
def test_pickling_subclass_message_names_the_subclass(impl):
    class Endpoint(impl.socket):
        __slots__ = ()

    with Endpoint() as sock:
        with pytest.raises(TypeError) as info:
            pickle.dumps(sock, pickle.HIGHEST_PROTOCOL)
        assert str(info.value) == "cannot pickle 'Endpoint' object"


@spec("socket.__getstate__")
def test_pickling_subclass_copy_names_the_subclass(impl):
    class Endpoint(impl.socket):
        __slots__ = ()

    with Endpoint() as sock:
        with pytest.raises(TypeError) as info:
            copy.copy(sock)
        assert str(info.value) == "cannot pickle 'Endpoint' object"


@spec("socket.__getstate__")
def test_pickling_closed_socket_still_refused(impl):
    sock = impl.socket()
    sock.close()
    with pytest.raises(TypeError) as info:
        pickle.dumps(sock, pickle.HIGHEST_PROTOCOL)
    assert str(info.value) == "cannot pickle 'socket' object"


@spec("socket.__getstate__", "SocketIO")
def test_pickling_socketio_refused_through_its_socket(impl, tcp_pair):
    sock, _peer = tcp_pair
    raw = sock.makefile("rwb", buffering=0)
    try:
        assert isinstance(raw, impl.SocketIO)
        with pytest.raises(TypeError) as info:
            pickle.dumps(raw, pickle.HIGHEST_PROTOCOL)
        assert str(info.value) == "cannot pickle 'socket' object"
    finally:
        raw.close()


@spec("socket.makefile")
@pytest.mark.parametrize("mode", ["rb", "wb", "r"])
def test_pickling_makefile_object_refused(impl, tcp_pair, mode):
    sock, _peer = tcp_pair
    stream = sock.makefile(mode)
    try:
        with pytest.raises(TypeError):
            pickle.dumps(stream, pickle.HIGHEST_PROTOCOL)
    finally:
        stream.close()
