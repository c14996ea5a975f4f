"""A blood count in: an HL7 v2.5.1 ORU^R01 read into a ``CbcImport``.

OBX results are matched by LOINC code (OBX-3, coding LN) against the CBC analytes;
anything that would make the count doubtful (no patient identifier, a value that is not
numeric, a time without zone, a value sent twice) refuses the whole message with
``InvalidMessage`` before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from hl7apy.exceptions import HL7apyException

from marrowscope.domain.cbc import analyte_info
from marrowscope.domain.errors import InvalidMessage
from marrowscope.interop.codes import CbcImport, analyte_for_loinc
from marrowscope.interop.hl7v2.er7 import HL7_VERSION, normalise, validated

__all__ = ["read_cbc_oru"]

_SKIPPED_STATUS = {"X", "D", "W"}  # not done, deleted, wrong: carry no value to import


def _parse_ts(value: str, where: str) -> datetime:
    match = re.fullmatch(r"(\d{8})(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?", value)
    if match is None:
        raise InvalidMessage(f"{where}: {value!r} is not an HL7 date/time", code="102")
    day, hh, mm, ss, zone = match.groups()
    if zone is None:
        raise InvalidMessage(
            f"{where}: {value!r} has no time zone offset (+HHMM); the time would be ambiguous",
            code="102",
        )
    try:
        sign = 1 if zone[0] == "+" else -1
        offset = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5])))
        return datetime.strptime(
            f"{day}{hh or '00'}{mm or '00'}{ss or '00'}", "%Y%m%d%H%M%S"
        ).replace(tzinfo=offset)
    except ValueError:
        raise InvalidMessage(f"{where}: {value!r} is not a valid date/time", code="102") from None


def _field(segment: Any, name: str) -> str:
    try:
        return str(getattr(segment, name).to_er7())
    except (HL7apyException, AttributeError, IndexError):
        return ""


def _as_list(group: Any) -> Sequence[Any]:
    return list(group) if group is not None else []


def read_cbc_oru(text: str) -> CbcImport:
    """A blood count from an ORU^R01 v2.5.1: OBX mapped by LOINC (OBX-3, coding LN).

    Refuses the whole message (``InvalidMessage``) when it is not an ORU^R01 2.5.1, has no
    patient identifier, or any CBC result is not numeric, lacks a time zone, or is sent
    twice; results with codes that are not CBC analytes are left aside.
    """
    body = normalise(text)
    if not body.startswith("MSH|"):
        raise InvalidMessage(
            "HL7: the message must start with an MSH segment", reject=True, code="100"
        )
    header = body.split("\r", 1)[0].split("|")
    kind = header[8] if len(header) > 8 else ""
    version = header[11] if len(header) > 11 else ""
    if version != HL7_VERSION:
        raise InvalidMessage(
            f"HL7: version {version or '(none)'} is not supported; send {HL7_VERSION}",
            reject=True,
            code="203",
        )
    if not kind.startswith("ORU^R01"):
        raise InvalidMessage(
            f"HL7: message type {kind or '(none)'} is not supported; send ORU^R01",
            reject=True,
            code="200",
        )
    message = validated(body)
    control_id = _field(message.msh, "msh_10")
    results = _as_list(message.children.get("ORU_R01_PATIENT_RESULT"))
    if len(results) != 1:
        raise InvalidMessage("HL7: send exactly one patient's results per message", code="100")
    result = results[0]
    patients = _as_list(result.children.get("ORU_R01_PATIENT"))
    pids = _as_list(patients[0].children.get("PID")) if patients else []
    if not pids:
        raise InvalidMessage("HL7: the PID segment is missing", code="100")
    pid = pids[0]
    mrn = _field(pid, "pid_3").split("~")[0].split("^")[0]
    if not mrn:
        raise InvalidMessage("PID-3: the patient identifier (MRN) is missing", code="101")
    measurements: dict[str, tuple[float, str]] = {}
    collected: datetime | None = None
    for group in _as_list(result.children.get("ORU_R01_ORDER_OBSERVATION")):
        obr_time = _field(group.OBR, "obr_7")
        for observation in _as_list(group.children.get("ORU_R01_OBSERVATION")):
            obx = observation.OBX
            where = f"OBX {_field(obx, 'obx_1') or '?'}"
            code = _field(obx, "obx_3").split("^")
            loinc = code[0] if len(code) > 2 and code[2] == "LN" else ""
            key = analyte_for_loinc(loinc) if loinc else None
            if key is None:
                continue
            where = f"{where} ({key}, {loinc})"
            if _field(obx, "obx_11") in _SKIPPED_STATUS:
                continue
            if _field(obx, "obx_2") != "NM":
                raise InvalidMessage(f"{where}: OBX-2 must be NM for a count", code="102")
            raw = _field(obx, "obx_5")
            try:
                value = float(raw)
            except ValueError:
                raise InvalidMessage(
                    f"{where}: OBX-5 {raw!r} is not a number", code="102"
                ) from None
            if key in measurements:
                raise InvalidMessage(f"{where}: {key} is sent twice", code="100")
            at = _parse_ts(_field(obx, "obx_14") or obr_time, f"{where} OBX-14/OBR-7")
            if collected is None:
                collected = at
            elif at != collected:
                raise InvalidMessage(
                    f"{where}: collected at another time than the other values; "
                    "send one blood count per message",
                    code="100",
                )
            unit = _field(obx, "obx_6").split("^")[0].replace("\\S\\", "^")
            info = analyte_info(key)
            measurements[key] = (value, info.unit if unit in ("", info.ucum) else unit)
    if not measurements or collected is None:
        raise InvalidMessage(
            "HL7: no OBX with a CBC LOINC code (e.g. 718-7^...^LN for haemoglobin)", code="101"
        )
    return CbcImport(collected, measurements, patient_mrn=mrn, message_id=control_id)
