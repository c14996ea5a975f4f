"""MLLP framing: ``<VT> message <FS><CR>``, and a reader that cuts a byte stream into
messages with a size limit.

A TCP read may hold half a message or three; the ``Deframer`` keeps what it has not
yet placed and returns each message once its end block arrives. Bytes outside a frame
(a stray newline between messages, keep-alive noise) are dropped, as most engines do.
A message that passes ``max_bytes`` before its end raises ``FrameTooLarge`` with the
head received so far, so the listener can still answer from its MSH segment instead of
buffering without end.
"""

from __future__ import annotations

__all__ = ["END_BLOCK", "START_BLOCK", "Deframer", "FrameTooLarge", "ack_code", "frame"]

START_BLOCK = b"\x0b"
END_BLOCK = b"\x1c\x0d"
_FS = b"\x1c"


class FrameTooLarge(Exception):
    """A framed message grew past the configured limit before its end block."""

    def __init__(self, head: bytes, limit: int) -> None:
        super().__init__(f"message larger than {limit} bytes")
        self.head = head
        self.limit = limit


def frame(message: bytes) -> bytes:
    """``message`` wrapped for the wire; a message must not itself hold VT or FS."""
    if START_BLOCK in message or _FS in message:
        raise ValueError("an MLLP payload cannot contain the block characters 0x0B or 0x1C")
    return START_BLOCK + message + END_BLOCK


class Deframer:
    """Feed it what the socket reads; it returns each complete message (without framing)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._open = False

    @property
    def pending(self) -> bool:
        """Whether a message has started and not yet ended."""
        return self._open

    def feed(self, data: bytes) -> list[bytes]:
        """Messages completed by ``data``, in order; raises ``FrameTooLarge``."""
        out: list[bytes] = []
        view = bytes(data)
        while view:
            if not self._open:
                start = view.find(START_BLOCK)
                if start < 0:
                    return out  # noise between frames
                view = view[start + 1 :]
                self._open = True
                self._buffer.clear()
            end = view.find(_FS)
            if end < 0:
                self._take(view)
                return out
            self._take(view[:end])
            out.append(bytes(self._buffer))
            self._buffer.clear()
            self._open = False
            # FS is followed by CR; a sender that omits it loses nothing here
            view = view[end + 1 :]
            if view[:1] == b"\r":
                view = view[1:]
        return out

    def _take(self, chunk: bytes) -> None:
        if len(self._buffer) + len(chunk) > self.max_bytes:
            head = bytes(self._buffer[:4096]) + chunk[: max(0, 4096 - len(self._buffer))]
            self._buffer.clear()
            self._open = False
            raise FrameTooLarge(head, self.max_bytes)
        self._buffer.extend(chunk)


def ack_code(answer: bytes | str) -> str:
    """MSA-1 of an ACK (AA, AE, AR, CA, CE, CR), or '' when the answer has none.

    Read with the field separator the answer's own MSH declares, so a receiver that
    uses another separator is still understood.
    """
    text = answer.decode("latin-1") if isinstance(answer, bytes) else answer
    text = text.strip("\x0b\x1c\r\n")
    separator = text[3] if text.startswith("MSH") and len(text) > 3 else "|"
    for line in text.replace("\n", "\r").split("\r"):
        if line.startswith("MSA" + separator):
            fields = line.split(separator)
            return fields[1].strip().upper() if len(fields) > 1 else ""
    return ""
