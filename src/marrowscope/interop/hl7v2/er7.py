"""HL7 v2 encoding rules (ER7): escaping, timestamps, segments, MSH, strict validation.

Writing the report, reading a blood count and answering with an ACK all build or read
the same pipe-delimited text and check it with ``hl7apy`` at strict validation; those
shared rules live here once, so that every message marrowscope sends is escaped,
stamped and validated the same way.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.exceptions import HL7apyException
from hl7apy.parser import parse_message

from marrowscope.domain.errors import InvalidMessage

__all__ = [
    "APP",
    "HL7_VERSION",
    "escape",
    "fit",
    "msh",
    "normalise",
    "segment",
    "ts",
    "validated",
]

HL7_VERSION = "2.5.1"
APP = "MARROWSCOPE"


def escape(text: str) -> str:
    """Text made safe for one HL7 field (delimiters escaped, line breaks as spaces)."""
    out = (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
    )
    return re.sub(r"[\r\n]+", " ", out)


def ts(at: datetime) -> str:
    """HL7 DTM with seconds and offset (YYYYMMDDHHMMSS+ZZZZ)."""
    return at.strftime("%Y%m%d%H%M%S%z")


def segment(*fields: str) -> str:
    """One segment from its fields, trailing empty fields dropped."""
    return "|".join(fields).rstrip("|")


def msh(
    sending: str,
    receiving: str,
    at: datetime,
    kind: str,
    control_id: str,
    facility: str = "",
    receiving_facility: str = "",
    version: str = HL7_VERSION,
) -> str:
    """The MSH segment: our encoding characters, processing id P and the version (an
    answer goes back in the version of the message it answers)."""
    return "MSH|^~\\&|" + segment(
        sending,
        facility,
        receiving,
        receiving_facility,
        ts(at),
        "",
        kind,
        control_id,
        "P",
        version,
    )


def _short(text: str, limit: int = 160) -> str:
    """An error text cut short: hl7apy quotes whole field values, which may be long."""
    return text if len(text) <= limit else text[:limit] + "..."


def fit(text: str, limit: int) -> str:
    """``text`` escaped and cut so that the escaped form holds at most ``limit`` characters."""
    keep = len(text)
    while len(escape(_short(text, keep))) > limit and keep > 0:
        keep -= 5
    return escape(_short(text, max(keep, 0)))


def validated(text: str) -> Any:
    """The message parsed and validated by hl7apy; ``InvalidMessage`` otherwise."""
    try:
        message = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
        message.validate()
    except HL7apyException as error:
        raise InvalidMessage(f"HL7: {_short(str(error))}", code="100") from None
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise InvalidMessage(f"HL7: the message cannot be read ({error})", code="100") from None
    return message


def normalise(text: str) -> str:
    """Segments separated by carriage returns, whatever line breaks the sender used."""
    lines = [line for line in re.split(r"\r\n|\r|\n", text.strip()) if line.strip()]
    return "\r".join(lines)
