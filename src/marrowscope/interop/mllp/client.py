"""Sending one HL7 message over MLLP until the receiver acknowledges it.

A lost connection, a timeout or an answer without MSA is retried with exponential
backoff (``backoff_s``, doubled each time) up to ``attempts``: the receiver may not have
filed it, and HL7 receivers recognise a repeated MSH-10. An answer of AA or CA ends
the delivery; AE, AR, CE or CR also end it, as an error, because sending the same
content again would be refused again: a person must look at it.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass

from marrowscope.interop.mllp.framing import Deframer, FrameTooLarge, ack_code, frame

__all__ = ["ACCEPTED", "Delivery", "deliver"]

ACCEPTED = frozenset({"AA", "CA"})


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a delivery ended: MSA-1 of the answer ('' when none came), the answer itself,
    how many connections were tried, and the last failure in words."""

    code: str
    answer: bytes
    attempts: int
    error: str = ""

    @property
    def accepted(self) -> bool:
        """The receiver took the message (AA or CA)."""
        return self.code in ACCEPTED


def _once(message: bytes, host: str, port: int, timeout_s: float, max_bytes: int) -> bytes:
    with socket.create_connection((host, port), timeout=timeout_s) as sock:
        sock.sendall(frame(message))
        reader = Deframer(max_bytes)
        while True:
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("the receiver closed the connection without an answer")
            answers = reader.feed(data)
            if answers:
                return answers[0]


def deliver(
    message: bytes,
    host: str,
    port: int,
    *,
    attempts: int = 5,
    backoff_s: float = 1.0,
    timeout_s: float = 30.0,
    max_bytes: int = 1_048_576,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send ``message`` and wait for its ACK, retrying what may not have arrived."""
    last = ""
    for attempt in range(1, max(1, attempts) + 1):
        try:
            answer = _once(message, host, port, timeout_s, max_bytes)
        except (OSError, FrameTooLarge) as error:
            last = f"{type(error).__name__}: {error}"
        else:
            code = ack_code(answer)
            if code:
                return Delivery(code, answer, attempt, "" if code in ACCEPTED else "refused")
            last = "the answer holds no MSA segment"
        if attempt < attempts:
            sleep(backoff_s * 2 ** (attempt - 1))
    return Delivery("", b"", max(1, attempts), last)
