"""Changes of behaviour in CPython's socket module after 3.13.0: 3.14 and ``main``.

- 3.14 (gh-121423): ``selectors`` and ``array`` are imported where they are used, not when the
  module is imported: neither is a module attribute, and ``import socket`` alone loads neither.
- ``main`` (gh-148599): three Windows ``errorTab`` texts corrected.

The other changes since 3.13.0 are pinned elsewhere or have nothing to observe on the hosts the
suite runs on; docs/reference.md lists them all.
"""

import ast
import os
import subprocess
import sys

from harness.spec import spec

# Run in a fresh interpreter: load the implementation's file under a new name, as the harness
# does, and report which of the two modules are loaded after each step.
_PROBE = r"""
import _socket, importlib.util, os, sys
path, data_path = sys.argv[1], sys.argv[2]
spec = importlib.util.spec_from_file_location("sockspec_lazy_import_probe", path)
module = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = module
spec.loader.exec_module(module)
loaded = lambda: sorted(name for name in ("selectors", "array") if name in sys.modules)
seen = {"after_import": loaded()}
a, peer = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
sock = module.socket(fileno=a.detach())
with open(data_path, "rb") as f:
    seen["sent"] = sock.sendfile(f)
seen["received"] = peer.recv(64)
seen["after_sendfile"] = loaded()
r, w = os.pipe()
module.send_fds(sock, [b"fd"], [r])
data, fds, _, _ = module.recv_fds(peer, 16, 1)
seen["fd_message"] = (data, len(fds))
seen["after_fds"] = loaded()
for fd in (r, w, *fds):
    os.close(fd)
sock.close()
peer.close()
print(repr(seen))
"""


@spec("socket.sendfile", "send_fds", "recv_fds", since="3.14")
def test_since_314_selectors_and_array_are_no_module_attributes(impl):
    names = vars(impl)
    assert ("selectors" in names, "array" in names) == (False, False)
    assert {"selectors", "array"}.isdisjoint(dir(impl))


@spec("socket.sendfile", "send_fds", "recv_fds", since="3.14",
      needs=["af_unix", "scm_rights", "os_sendfile"], personas=["native"])
def test_since_314_import_loads_neither_selectors_nor_array(impl, tmp_path):
    data = tmp_path / "data.bin"
    data.write_bytes(b"lazy import")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-I", "-c", _PROBE, impl.__file__, str(data)],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    seen = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    assert seen == {
        "after_import": [],
        "sent": 11,
        "received": b"lazy import",
        "after_sendfile": ["selectors"],
        "fd_message": (b"fd", 1),
        "after_fds": ["array", "selectors"],
    }


@spec("errorTab", platforms=["win32"], since="3.15")
def test_since_314_errortab_texts_corrected_on_main(impl):
    # gh-148599: the three texts of CPython 3.8-3.14 described the wrong error or misspelled it.
    assert {code: impl.errorTab[code] for code in (10014, 11004, 11020)} == {
        10014: "An invalid pointer was passed.",
        11004: "Valid name, no data record of requested type.",
        11020: "Invalid QoS filter type.",
    }
