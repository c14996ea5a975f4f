"""The answer to an order message: ORR^O02 for ORM^O01, ORL^O22 for OML^O21.

An EHR closes the loop on each order it sent only from an order answer: MSA says
whether the message was taken, and one ORC per order group says what became of that
order (table 0119: OK accepted, UA unable to accept, CR/UC cancelled or not, DR/UD
discontinued or not, XR/UX changed or not) with its placer number, our filler number
and its status (table 0038). The answer goes back in the version the order came in,
validated by hl7apy in that version like every message marrowscope writes. A message
that could not be read as an order gets the plain ACK instead (``acknowledgement``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.exceptions import HL7apyException
from hl7apy.parser import parse_segment

from marrowscope.domain.errors import InvalidMessage
from marrowscope.interop.hl7v2.er7 import APP, escape, fit, msh, segment

__all__ = ["ANSWERS", "GroupAnswer", "order_answer", "response_code"]

ANSWERS = {"ORM^O01": ("ORR", "O02"), "OML^O21": ("ORL", "O22")}
# ORC-1 of the answer (table 0119) for each order control: (done, refused), and ORC-5
# (table 0038) of a done one
_RESPONSE = {
    "NW": ("OK", "UA", "IP"),
    "XO": ("XR", "UX", "IP"),
    "CA": ("CR", "UC", "CA"),
    "DC": ("DR", "UD", "DC"),
}
_ERROR_TEXT = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "204": "Unknown key identifier",
    "205": "Duplicate key identifier",
    "206": "Application record locked",
    "207": "Application internal error",
}


@dataclass(frozen=True, slots=True)
class GroupAnswer:
    """What became of one ORC/OBR group: its control, numbers, service and any refusal."""

    control: str  # ORC-1 as received
    placer: tuple[str, str]  # number, namespace
    service: tuple[str, str, str]  # OBR-4 code, text, coding system
    done: bool
    filler: str = ""  # our filler number (the case) when the order is on a case
    priority: str = "R"  # ORC-7.6 / OBR-27.6 (table 0027): S for an urgent order


def response_code(control: str, done: bool) -> tuple[str, str]:
    """ORC-1 and ORC-5 of the answer to an order control."""
    ok, refused, status = _RESPONSE.get(control, ("OK", "UA", "IP"))
    return (ok, status) if done else (refused, "")


def _err(error: InvalidMessage, version: str) -> str:
    code = str(getattr(error, "code", "") or "207")
    text = _ERROR_TEXT.get(code, "Application error")
    if version in ("2.3", "2.3.1", "2.4"):  # ERR-1 error code and location (ELD)
        return segment("ERR", f"^^^{code}&{text}&HL70357")
    return segment("ERR", "", "", f"{code}^{text}^HL70357", "E", *[""] * 3, fit(str(error), 250))


def order_answer(
    *,
    kind: str,
    version: str,
    sender: tuple[str, str],
    original_id: str,
    control_id: str,
    at: datetime,
    groups: Sequence[GroupAnswer],
    error: InvalidMessage | None = None,
    facility: str = APP,
) -> str:
    """The ORR^O02 / ORL^O22 answering an order message, in ``version``.

    ``error`` is the refusal that made MSA AE (nothing filed), or None for AA. No PID is
    sent: the sender matches the answer by MSA-2 and the placer numbers, and an answer
    that names no patient discloses nothing in the logs it passes through.
    """
    name, trigger = ANSWERS[kind]
    structure = f"{name}^{trigger}" + ("" if version == "2.3" else f"^{name}_{trigger}")
    segments = [
        msh(
            APP,
            sender[0],
            at,
            structure,
            escape(control_id),
            escape(facility),
            sender[1],
            version=version,
        )
    ]
    if error is None:
        segments.append(segment("MSA", "AA", escape(original_id)))
    else:
        segments.append(segment("MSA", "AE", escape(original_id), fit(str(error), 80)))
        segments.append(_err(error, version))
    for group_no, group in enumerate(groups, start=1):
        code, status = response_code(group.control, group.done)
        placer = "^".join(escape(p) for p in group.placer).rstrip("^")
        filler = f"{escape(group.filler)}^{escape(facility)}" if group.filler else ""
        timing = f"^^^^^{group.priority}"  # required in 2.3, allowed (deprecated) after
        segments.append(segment("ORC", code, placer, filler, "", status, "", timing))
        service = "^".join(escape(p) for p in group.service).rstrip("^")
        segments.append(segment("OBR", str(group_no), placer, filler, service, *[""] * 22, timing))
    out = "\r".join(segments) + "\r"
    _validated(segments, version)
    return out


def _validated(segments: Sequence[str], version: str) -> None:
    """Each segment parsed and validated by hl7apy at strict level in ``version``.

    Segment by segment, because hl7apy models the choice of ORR^O02's order detail
    (OBR, RQD, RQ1, RXO, ODS or ODT) as a sequence requiring all six, and ORL^O22's
    response as requiring PID: a correct answer would be refused as a whole message.
    """
    for text in segments:
        try:
            parse_segment(
                text, version=version, validation_level=VALIDATION_LEVEL.STRICT
            ).validate()
        except HL7apyException as error:
            raise InvalidMessage(f"HL7 answer: {str(error)[:160]}", code="207") from None
