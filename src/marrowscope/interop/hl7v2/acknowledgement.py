"""The ACK that answers an incoming HL7 message: AA, or AE/AR with an ERR segment.

A sender must always get an answer, even to a garbled message, so the ACK is built
from whatever of the header can be read and validated like any outgoing message;
``InvalidMessage`` raised while reading becomes MSA AE (content refused) or AR
(message not taken) with its HL7 error code (table 0357) in ERR.
"""

from __future__ import annotations

from datetime import UTC, datetime

from marrowscope.domain.errors import InvalidMessage
from marrowscope.interop.hl7v2.er7 import APP, escape, fit, msh, normalise, segment, validated

__all__ = ["ack"]


def ack(
    message: str | bytes,
    *,
    control_id: str,
    at: datetime | None = None,
    error: InvalidMessage | Exception | None = None,
) -> str:
    """The ACK for ``message``: AA, or AE/AR with an ERR segment carrying ``error``.

    The sender's application, facility and control id are echoed as received; when they
    would make the ACK itself invalid (an over-long or garbled header), the ACK is sent
    without them, so that a malformed message always gets an answer.
    """
    at = at or datetime.now(UTC)
    if isinstance(message, bytes):  # only the ASCII header is echoed: any codec reads it
        message = message[:4096].decode("latin-1")
    fields = normalise(message).split("\r", 1)[0].split("|") if message else []
    is_msh = len(fields) > 1 and fields[0] == "MSH"

    def part(index: int) -> str:
        # MSH-n is fields[n - 1] (MSH-1 is the field separator itself)
        return fields[index - 1] if is_msh and len(fields) >= index else ""

    header = (part(3), part(4), part(6), part(9), part(10))
    try:
        return _ack(header, control_id, at, error, is_msh)
    except InvalidMessage:
        return _ack(("", "", "", "", ""), control_id, at, error, is_msh)


def _ack(
    header: tuple[str, str, str, str, str],
    control_id: str,
    at: datetime,
    error: InvalidMessage | Exception | None,
    is_msh: bool,
) -> str:
    sender, sender_facility, our_facility, kind, original_id = header
    original = original_id or "UNKNOWN"  # MSA-2 is required even for an unreadable message
    trigger = (kind.split("^") + [""])[1] if kind else ""
    segments = [
        msh(
            APP,
            sender or "UNKNOWN",
            at,
            f"ACK^{trigger or 'R01'}^ACK",
            escape(control_id),
            our_facility,
            sender_facility,
        )
    ]
    if error is None:
        segments.append(segment("MSA", "AA", original))
    else:
        reject = bool(getattr(error, "reject", False)) or not is_msh
        code = str(getattr(error, "code", "") or "207")
        reason = str(error)
        # MSA-3 holds 80 characters, ERR-8 250 (HL7 2.5.1)
        segments.append(segment("MSA", "AR" if reject else "AE", original, fit(reason, 80)))
        segments.append(
            segment(
                "ERR",
                "",
                "",
                f"{code}^{_ERROR_TEXT.get(code, 'Application error')}^HL70357",
                "E",
                "",
                "",
                "",
                fit(reason, 250),
            )
        )
    out = "\r".join(segments) + "\r"  # every segment ends with CR, the last one too
    validated(out)
    return out


_ERROR_TEXT = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "203": "Unsupported version id",
    "204": "Unknown key identifier",
    "205": "Duplicate key identifier",
    "206": "Application record locked",
    "207": "Application internal error",
}
