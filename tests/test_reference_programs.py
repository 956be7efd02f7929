"""Real stdlib programs running on the reference socket module.

Each program runs in a subprocess whose PYTHONPATH puts
implementations/reference first, so that every ``import socket`` (asyncio,
http.server, urllib, socketserver...) gets the reference; the program checks
that itself, does its work over loopback only, and prints one JSON line of
results that the test then checks.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "implementations" / "reference"
RUN_TIMEOUT = 60

PRELUDE = """\
import json, os, socket, sys, threading
assert os.path.samefile(socket.__file__, os.environ["SOCKSPEC_REFERENCE"]), socket.__file__
assert socket.socket.__module__ == "socket" and socket.socket.__qualname__ == "socket"
socket.setdefaulttimeout(20)  # every blocking call below is bounded
"""

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def run_program(body, **params):
    """Run PRELUDE + *params* (as NAME = repr(value) lines) + *body*; return its JSON."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in PROXY_VARIABLES}
    env["PYTHONPATH"] = str(REFERENCE_DIR)
    env["SOCKSPEC_REFERENCE"] = str(REFERENCE_DIR / "socket.py")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    assignments = "".join(f"{name} = {value!r}\n" for name, value in params.items())
    source = PRELUDE + assignments + textwrap.dedent(body)
    proc = subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", "-c", source],
        env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_asyncio_echo_and_self_pipe():
    result = run_program("""
        import asyncio

        async def handle(reader, writer):
            line = await reader.readline()
            writer.write(line.upper())
            await writer.drain()
            writer.close()
            await writer.wait_closed()

        async def main():
            loop = asyncio.get_running_loop()
            server = await asyncio.start_server(handle, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"echo me\\n")
            echoed = await asyncio.wait_for(reader.readline(), 10)
            writer.close()
            await writer.wait_closed()
            server.close()
            await server.wait_closed()
            woken = loop.create_future()
            threading.Timer(0.05, loop.call_soon_threadsafe, (woken.set_result, "woken")).start()
            wake = await asyncio.wait_for(woken, 10)
            self_pipe = getattr(loop, "_ssock", None)
            return {
                "echoed": echoed.decode(),
                "wake": wake,
                "self_pipe_is_reference": self_pipe is None or isinstance(self_pipe, socket.socket),
            }

        print(json.dumps(asyncio.run(main())))
    """)
    assert result == {"echoed": "ECHO ME\n", "wake": "woken", "self_pipe_is_reference": True}


def test_http_server_and_urllib():
    result = run_program("""
        import http.server, urllib.request

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = ("hello from " + self.path).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            url = "http://127.0.0.1:%d/page?x=1" % server.server_address[1]
            with opener.open(url, timeout=10) as response:
                status, body = response.status, response.read().decode()
                kind = response.headers["Content-Type"]
        finally:
            server.shutdown()
            server.server_close()
            thread.join(10)
        print(json.dumps({"status": status, "body": body, "type": kind}))
    """)
    assert result == {"status": 200, "body": "hello from /page?x=1", "type": "text/plain"}


def test_socketserver_threading_echo():
    result = run_program("""
        import socketserver

        class Echo(socketserver.StreamRequestHandler):
            def handle(self):
                for line in self.rfile:
                    self.wfile.write(line[::-1].strip() + b"\\n")

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
        server.daemon_threads = False
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            replies = []
            with socket.create_connection(server.server_address, timeout=10) as client:
                with client.makefile("rwb") as stream:
                    for word in (b"abc", b"hello", b"reference"):
                        stream.write(word + b"\\n")
                        stream.flush()
                        replies.append(stream.readline().decode())
                client.shutdown(socket.SHUT_WR)
                tail = client.recv(10)
        finally:
            server.shutdown()
            server.server_close()
            thread.join(10)
        print(json.dumps({"replies": replies, "tail": tail.decode()}))
    """)
    assert result == {"replies": ["cba\n", "olleh\n", "ecnerefer\n"], "tail": ""}


NO_UNIX = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no AF_UNIX here")


@pytest.mark.parametrize("transport", ["tcp", pytest.param("unix", marks=NO_UNIX)])
def test_line_protocol_through_makefile(transport):
    result = run_program("""
        if transport == "tcp":
            listener = socket.create_server(("127.0.0.1", 0))
            client = socket.create_connection(listener.getsockname(), timeout=10)
            server, _ = listener.accept()
            listener.close()
        else:
            server, client = socket.socketpair()

        def serve():
            reader = server.makefile("r", encoding="utf-8", newline="\\n")
            writer = server.makefile("w", encoding="utf-8", newline="\\n")
            server.close()  # the two file objects keep the connection open
            with reader, writer:
                for line in reader:
                    command, _, arg = line.rstrip("\\n").partition(" ")
                    if command == "QUIT":
                        writer.write("BYE\\n")
                        break
                    writer.write(f"{command} {len(arg)}\\n")
                    writer.flush()

        thread = threading.Thread(target=serve)
        thread.start()
        answers = []
        with client, client.makefile("rwb") as stream:
            for line in ("LEN abc", "LEN héllo wörld", "NOP", "QUIT"):
                stream.write(line.encode("utf-8") + b"\\n")
                stream.flush()
                answers.append(stream.readline().decode("utf-8"))
            end = stream.read()
        thread.join(10)
        print(json.dumps({"answers": answers, "end": end.decode(), "alive": thread.is_alive(),
                          "closed": server.fileno()}))
    """, transport=transport)
    assert result == {
        "answers": ["LEN 3\n", "LEN 11\n", "NOP 0\n", "BYE\n"],
        "end": "",
        "alive": False,
        "closed": -1,
    }


def test_sendfile_over_loopback(tmp_path):
    payload = tmp_path / "payload.bin"
    payload.write_bytes(bytes(range(256)) * 4096)  # 1 MiB
    result = run_program("""
        listener = socket.create_server(("127.0.0.1", 0))
        client = socket.create_connection(listener.getsockname(), timeout=10)
        server, _ = listener.accept()
        listener.close()
        received = bytearray()

        def drain():
            while True:
                chunk = server.recv(65536)
                if not chunk:
                    break
                received.extend(chunk)

        thread = threading.Thread(target=drain)
        thread.start()
        with open(path, "rb") as f:
            sent = client.sendfile(f, 100, 500000)
            position = f.tell()
        client.close()
        thread.join(10)
        server.close()
        with open(path, "rb") as f:
            f.seek(100)
            same = bytes(received) == f.read(500000)
        print(json.dumps({"sent": sent, "position": position, "same": same}))
    """, path=str(payload))
    assert result == {"sent": 500000, "position": 500100, "same": True}
