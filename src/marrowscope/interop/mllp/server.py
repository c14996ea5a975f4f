"""The MLLP listener: one thread per connection, messages answered in arrival order.

Threads rather than asyncio because the receiver is the ordinary synchronous use case
(a database transaction per message); a thread per connection keeps one slow sender
from holding up the others, and an interface engine opens few, long-lived connections.

Limits, each chosen so that a misbehaving peer cannot hold resources without end:

- ``max_connections``: a connection beyond it is closed at once (the sender retries).
- ``idle_timeout_s``: a connection that sends nothing for this long is closed; the clock
  restarts with every read, so a long stream of messages is never cut.
- ``max_bytes``: a message that grows past it is answered from its header (the
  receiver's ``too_large``, an AR ACK) and the connection is closed, since the rest of
  the stream cannot be trusted to start at a frame boundary.

``stop`` is graceful: no new connection is accepted, a message being filed is finished
and answered, then each connection closes at its next read.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from typing import Protocol

from marrowscope.interop.mllp.framing import Deframer, FrameTooLarge, frame

__all__ = ["Listener", "Receiver"]

_log = logging.getLogger("marrowscope.mllp")
_TICK_S = 0.25  # how often a waiting connection looks at the stop flag


class Receiver(Protocol):
    """What the listener hands each message to; it returns the answers to send back."""

    def receive(self, message: bytes, peer: str) -> list[bytes]: ...

    def too_large(self, head: bytes, limit: int, peer: str) -> list[bytes]: ...


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = True  # server_close waits for the connections' threads

    def __init__(self, listener: Listener, address: tuple[str, int]) -> None:
        self.listener = listener
        super().__init__(address, _Connection)

    def handle_error(self, request: object, client_address: object) -> None:
        # socketserver would print the traceback, whose text may quote the message
        _log.error("mllp: a connection ended on an unexpected error")

    def verify_request(self, request: object, client_address: object) -> bool:
        # over the limit: refused before a thread is started for it
        return self.listener._slots.acquire(blocking=False)


class _Connection(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        listener = self.server.listener
        sock: socket.socket = self.request
        peer = f"{self.client_address[0]}:{self.client_address[1]}"
        try:
            listener._serve(sock, peer)
        finally:
            listener._slots.release()


class Listener:
    """An MLLP server on ``host:port`` (port 0: any free port, see ``address``)."""

    def __init__(
        self,
        receiver: Receiver,
        host: str = "127.0.0.1",
        port: int = 2575,
        *,
        idle_timeout_s: float = 60.0,
        max_bytes: int = 1_048_576,
        max_connections: int = 32,
    ) -> None:
        self.receiver = receiver
        self.idle_timeout_s = idle_timeout_s
        self.max_bytes = max_bytes
        self._slots = threading.BoundedSemaphore(max_connections)
        self._stopping = threading.Event()
        self._server = _Server(self, (host, port))

    @property
    def address(self) -> tuple[str, int]:
        """The address actually bound."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def serve_forever(self) -> None:
        """Accept connections until ``stop`` (call it from another thread)."""
        self._server.serve_forever(poll_interval=_TICK_S)

    def stop(self) -> None:
        """Stop accepting, let messages in progress finish, close every connection."""
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, sock: socket.socket, peer: str) -> None:
        sock.settimeout(_TICK_S)
        deframer = Deframer(self.max_bytes)
        waited = 0.0
        while not self._stopping.is_set():
            try:
                data = sock.recv(65536)
            except TimeoutError:
                waited += _TICK_S
                if waited >= self.idle_timeout_s:
                    _log.info("mllp: %s idle for %.0f s, closed", peer, waited)
                    return
                continue
            except OSError:
                return
            if not data:
                return
            waited = 0.0
            try:
                messages = deframer.feed(data)
            except FrameTooLarge as error:
                self._send(sock, self.receiver.too_large(error.head, error.limit, peer))
                _log.warning("mllp: %s sent a message over %d bytes, closed", peer, error.limit)
                return
            for message in messages:
                if not self._send(sock, self.receiver.receive(message, peer)):
                    return

    @staticmethod
    def _send(sock: socket.socket, answers: list[bytes]) -> bool:
        try:
            for answer in answers:
                sock.sendall(frame(answer))
        except OSError:
            return False
        return True
