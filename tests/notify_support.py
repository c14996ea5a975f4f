"""Real local receivers for the notification channels: an SMTP server (aiosmtpd) and an
HTTP endpoint standing in for a paging or privacy system. Shared by the alert, privacy
and browser tests, so each checks what really arrives over the wire."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

__all__ = ["free_port", "local_receiver", "local_smtp"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 at the time of asking."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def local_smtp() -> Iterator[tuple[int, list[Any]]]:
    """A real SMTP server on a free local port; yields (port, received envelopes)."""
    controller_module = pytest.importorskip("aiosmtpd.controller")
    received: list[Any] = []

    class Keep:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            received.append(envelope)
            return "250 OK"

    port = free_port()
    controller = controller_module.Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@contextmanager
def local_receiver(path: str) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An HTTP endpoint taking JSON POSTs at ``path``; yields (url, bodies with the
    Authorization header under "auth")."""
    bodies: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers["Content-Length"])
            bodies.append(
                {"auth": self.headers.get("Authorization"), **json.loads(self.rfile.read(length))}
            )
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{path}", bodies
    finally:
        server.shutdown()
        server.server_close()
