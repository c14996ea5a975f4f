"""MLLP, the Minimal Lower Layer Protocol that carries HL7 v2 over TCP (HL7 v2.5.1
Implementation Guide, appendix C): framing, a threaded listener and a sending client.

``framing`` is pure (bytes in, messages out) so that its rules are tested without a
socket; ``server`` and ``client`` are the socket adapters. Neither knows what a message
means: the listener hands each one to a ``Receiver`` and writes back what it returns,
the client reads MSA-1 of the answer and nothing else.
"""

from marrowscope.interop.mllp.client import Delivery, deliver
from marrowscope.interop.mllp.framing import (
    END_BLOCK,
    START_BLOCK,
    Deframer,
    FrameTooLarge,
    ack_code,
    frame,
)
from marrowscope.interop.mllp.server import Listener, Receiver

__all__ = [
    "END_BLOCK",
    "START_BLOCK",
    "Deframer",
    "Delivery",
    "FrameTooLarge",
    "Listener",
    "Receiver",
    "ack_code",
    "deliver",
    "frame",
]
