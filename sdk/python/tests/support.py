"""What the tests need from outside: a running gateway, given by environment variables.

test/sdk/python.test.ts starts real servers and runs these tests with them (`npm test` does), or:

    SG_TEST_URL=http://127.0.0.1:3000 SG_TEST_API_KEY=sgk_... SG_TEST_SMTP_PORT=2525 \\
    SG_TEST_LIMITED_URL=... SG_TEST_LIMITED_API_KEY=... [SG_TEST_CALLS_FILE=calls.jsonl] \\
    PYTHONPATH=sdk/python python3 -m unittest discover -s sdk/python/tests -t sdk/python
"""

from __future__ import annotations

import http.server
import json
import os
import threading
import urllib.error
import urllib.request
from typing import Any, List, Optional, Tuple


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run these tests through test/sdk/python.test.ts (see tests/support.py)")
    return value


URL = env("SG_TEST_URL")
API_KEY = env("SG_TEST_API_KEY")


def _record_calls(calls_file: str) -> None:
    """Appends every call the client makes ({"method", "path"} per line) to ``calls_file``, so the
    harness can check that the suite reached every REST route."""
    from sessions_gateway._transport import Transport

    original = Transport.request
    lock = threading.Lock()

    def recording(self: Transport, method: str, path: str, **kwargs: Any) -> Any:
        with lock, open(calls_file, "a", encoding="utf-8") as f:
            f.write(json.dumps({"method": method, "path": path}) + "\n")
        return original(self, method, path, **kwargs)

    Transport.request = recording  # type: ignore[method-assign]


if os.environ.get("SG_TEST_CALLS_FILE"):
    _record_calls(os.environ["SG_TEST_CALLS_FILE"])

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


class FlakyProxy:
    """A tiny HTTP proxy in front of the real server that fails on cue: it answers 503 or 429 itself,
    or drops the connection (before or after the server did the work).

    Steps: "forward", "forward-then-drop", "drop", "503", "429" (with Retry-After: 1)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.steps: List[str] = []
        self.seen: List[Tuple[str, str, Optional[str], str]] = []  # method, path, idempotency key, step
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                step = proxy.steps.pop(0) if proxy.steps else "forward"
                proxy.seen.append((self.command, self.path, self.headers.get("Idempotency-Key"), step))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if step == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if step in ("503", "429"):
                    reply = {"error": "Internal server error", "message": "Service unavailable"} if step == "503" else {"error": "Too many requests", "message": "Slow down"}
                    data = json.dumps(reply).encode()
                    self.send_response(int(step))
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    if step == "429":
                        self.send_header("Retry-After", "1")
                    self.end_headers()
                    self.wfile.write(data)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                request = urllib.request.Request(proxy.target + self.path, data=body, headers=headers, method=self.command)
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, out_headers, data = response.status, response.headers, response.read()
                except urllib.error.HTTPError as err:
                    status, out_headers, data = err.code, err.headers, err.read()
                if step == "forward-then-drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                self.send_response(status)
                for name, value in out_headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def plan(self, *steps: str) -> None:
        self.steps.extend(steps)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class CuttingProxy:
    """A streaming proxy (answers pass through line by line, e.g. SSE) whose open connections can be cut
    on cue, midway through an answer. ``seen`` holds every request's path."""

    def __init__(self, target: str) -> None:
        import socket

        self.seen: List[str] = []
        self._sockets: List[Any] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.seen.append(self.path)
                proxy._sockets.append(self.connection)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                try:
                    upstream = urllib.request.urlopen(urllib.request.Request(target + self.path, headers=headers), timeout=60)
                except urllib.error.HTTPError as err:
                    upstream = err
                try:
                    self.send_response(upstream.status)
                    for name, value in upstream.headers.items():
                        if name.lower() not in HOP_BY_HOP:
                            self.send_header(name, value)
                    self.end_headers()
                    for line in upstream:
                        self.wfile.write(line)
                        self.wfile.flush()
                except OSError:
                    pass  # cut
                finally:
                    upstream.close()

        self._socket_module = socket
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def cut(self) -> None:
        for sock in self._sockets:
            try:
                sock.shutdown(self._socket_module.SHUT_RDWR)
            except OSError:
                pass
        self._sockets.clear()

    def close(self) -> None:
        self.cut()
        self.server.shutdown()
        self.server.server_close()
