"""A fault-injecting HTTP proxy on 127.0.0.1 between the desk and the central server.

Each request the desk makes is one connection here (the proxy answers with ``Connection:
close``), so faults can be planned per request, in order: ``proxy.plan(["drop", "pass",
"reset_after_commit", ...])``. Faults:

- ``pass``: forward the request, return the answer.
- ``drop``: close the connection before reading the request (nothing reaches the server).
- ``delay``: wait ``delay_seconds`` before forwarding (longer than the desk's read timeout).
- ``reset_after_commit``: forward the request, read the server's whole answer (it has
  committed), then reset the desk's connection: the answer is lost.
- ``error_503`` / ``error_500``: answer with a server error without forwarding.
- ``truncate``: forward, then send only half of the answer's body and close.
- ``kill_server``: send the request on, then at once call ``on_kill`` (the test kills the
  central process mid-request and restarts it) and reset the desk's connection.

Everything runs on threads; ``stop()`` closes the listening socket and joins them.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable


def _read_request(conn: socket.socket) -> bytes | None:
    """One HTTP/1.1 request with a Content-Length body (what the desk sends)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _sep, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _colon, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        body += chunk
    lines = [
        line
        for line in head.split(b"\r\n")
        if not line.lower().startswith((b"connection:", b"keep-alive:"))
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body


def _reset(conn: socket.socket) -> None:
    """Close with RST, as a dropped mobile link or a crashed middlebox does."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        conn.close()


class FaultyProxy:
    def __init__(self, upstream_port: int, *, delay_seconds: float = 3.0) -> None:
        self.upstream_port = upstream_port
        self.delay_seconds = delay_seconds
        self.on_kill: Callable[[], None] | None = None
        self.faults: deque[str] = deque()
        self.seen: list[str] = []
        self._lock = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._running = True
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plan(self, faults: Iterable[str]) -> None:
        with self._lock:
            self.faults.extend(faults)

    def _next(self) -> str:
        with self._lock:
            fault = self.faults.popleft() if self.faults else "pass"
            self.seen.append(fault)
            return fault

    def _accept(self) -> None:
        while self._running:
            try:
                conn, _addr = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _forward(self, request: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60) as up:
            up.sendall(request)
            answer = b""
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    return answer
                answer += chunk

    def _handle(self, conn: socket.socket) -> None:
        try:
            fault = self._next()
            if fault == "drop":
                _reset(conn)
                return
            request = _read_request(conn)
            if request is None:
                conn.close()
                return
            if fault in ("error_503", "error_500"):
                code = b"503 Service Unavailable" if fault == "error_503" else b"500 Oops"
                conn.sendall(
                    b"HTTP/1.1 " + code + b"\r\nContent-Type: text/plain\r\n"
                    b"Content-Length: 4\r\nConnection: close\r\n\r\nbusy"
                )
                conn.close()
                return
            if fault == "kill_server":
                # The request reaches the server, which is killed while it works on it
                # (before or after its commit: the desk cannot know, and must not care).
                with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60) as up:
                    up.sendall(request)
                    if self.on_kill is not None:
                        self.on_kill()
                _reset(conn)
                return
            if fault == "delay":
                time.sleep(self.delay_seconds)
            try:
                answer = self._forward(request)
            except OSError:
                _reset(conn)
                return
            if fault == "reset_after_commit":
                _reset(conn)
                return
            if fault == "truncate":
                head, _sep, body = answer.partition(b"\r\n\r\n")
                conn.sendall(head + b"\r\n\r\n" + body[: len(body) // 2])
                _reset(conn)
                return
            conn.sendall(answer)
            conn.close()
        except OSError:
            conn.close()

    def stop(self) -> None:
        self._running = False
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=10)
