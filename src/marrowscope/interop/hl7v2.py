"""HL7 v2.5.1: the report out as ORU^R01, a blood count in as ORU^R01, and the ACK.

Messages are written as ER7 text and then parsed back with ``hl7apy`` at strict
validation, so nothing leaves that the library would refuse. Incoming messages are
parsed and validated the same way; any problem raises ``InvalidMessage`` before a value
is written, and ``ack`` turns it into an ACK with MSA AE (content refused) or AR
(message not taken) and an ERR segment naming the problem.

Outgoing structure (one order, one report)::

    MSH  ORU^R01^ORU_R01, version 2.5.1
    PID  MRN (PID-3), name, birth date, sex
    ORC  RE, placer/filler = case number
    OBR  47286-0 Differential panel in Bone marrow (LN), procedure time, result status
    OBX  NM, one per cell class, OBX-4 sub-ID 1.<n>, value in % (UCUM)
    OBX  NM  11138-5 M:E ratio          sub-ID 2
    OBX  NM  38257-2 cells counted      sub-ID 3
    OBX  TX  conclusion (local code)    sub-ID 4
    OBX  ED  PDF report (Base64)        sub-ID 5, when a PDF is given
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.exceptions import HL7apyException
from hl7apy.parser import parse_message

from marrowscope.domain.cbc import analyte_info
from marrowscope.domain.errors import InvalidMessage
from marrowscope.domain.pathway import RecordKind
from marrowscope.domain.reference_ranges import ReferenceRange
from marrowscope.interop.codes import (
    CaseExport,
    CbcImport,
    analyte_for_loinc,
    cell_code,
    me_range,
    panel_code,
    range_for_cell,
)

__all__ = ["HL7_VERSION", "ack", "escape", "oru_report", "read_cbc_oru"]

HL7_VERSION = "2.5.1"
_APP = "MARROWSCOPE"
_SEX = {"male": "M", "female": "F", "other": "O", "unknown": "U"}
_SKIPPED_STATUS = {"X", "D", "W"}  # not done, deleted, wrong: carry no value to import


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


def _lines(text: str, width: int = 190) -> list[str]:
    """Text cut at word boundaries into TX repetitions (hl7apy holds TX to 199 characters)."""
    out: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = ""
        line = f"{line} {word}" if line else word[:width]
    if line:
        out.append(line)
    return [escape(x) for x in out]


def _ts(at: datetime) -> str:
    """HL7 DTM with seconds and offset (YYYYMMDDHHMMSS+ZZZZ)."""
    return at.strftime("%Y%m%d%H%M%S%z")


def _segment(*fields: str) -> str:
    return "|".join(fields).rstrip("|")


def _msh(
    sending: str,
    receiving: str,
    at: datetime,
    kind: str,
    control_id: str,
    facility: str = "",
    receiving_facility: str = "",
) -> str:
    return "MSH|^~\\&|" + _segment(
        sending,
        facility,
        receiving,
        receiving_facility,
        _ts(at),
        "",
        kind,
        control_id,
        "P",
        HL7_VERSION,
    )


def _short(text: str, limit: int = 160) -> str:
    """An error text cut short: hl7apy quotes whole field values, which may be long."""
    return text if len(text) <= limit else text[:limit] + "..."


def _fit(text: str, limit: int) -> str:
    """``text`` escaped and cut so that the escaped form holds at most ``limit`` characters."""
    keep = len(text)
    while len(escape(_short(text, keep))) > limit and keep > 0:
        keep -= 5
    return escape(_short(text, max(keep, 0)))


def _validated(text: str) -> Any:
    """The message parsed and validated by hl7apy; ``InvalidMessage`` otherwise."""
    try:
        message = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
        message.validate()
    except HL7apyException as error:
        raise InvalidMessage(f"HL7: {_short(str(error))}", code="100") from None
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise InvalidMessage(f"HL7: the message cannot be read ({error})", code="100") from None
    return message


def oru_report(export: CaseExport, *, control_id: str, receiving: str = "HIS") -> str:
    """The report as an ORU^R01 (ER7, segments separated by carriage returns)."""
    record = export.record
    patient = record.patient
    case_no = str(record.case.id)
    status = "F" if export.final else "P"
    procedure = record.latest(RecordKind.PROCEDURE)
    observed = (
        datetime.fromisoformat(str(procedure.payload["procedure"]["started_at"]))
        if procedure is not None
        else export.generated_at
    )
    panel = panel_code("differential")
    segments = [
        _msh(_APP, receiving, export.generated_at, "ORU^R01^ORU_R01", escape(control_id)),
        _segment(
            "PID",
            "1",
            "",
            f"{escape(patient.mrn)}^^^{_APP}^MR",
            "",
            f"{escape(patient.family_name)}^{escape(patient.given_name)}",
            "",
            patient.birth_date.strftime("%Y%m%d"),
            _SEX.get(patient.sex.value, "U"),
        ),
        _segment("ORC", "RE", case_no, case_no, "", "CM"),
        _segment(
            "OBR",
            "1",
            case_no,
            case_no,
            f"{panel.code}^{escape(panel.display)}^LN",
            "",
            "",
            _ts(observed),
            *[""] * 14,
            _ts(export.generated_at),
            "",
            "",
            status,
        ),
    ]
    obx: list[str] = []

    def add(
        kind: str,
        code: str,
        sub_id: str,
        value: str,
        unit: str = "",
        against: tuple[ReferenceRange | None, float] | None = None,
    ) -> None:
        reference, measured = against if against is not None else (None, 0.0)
        obx.append(
            _segment(
                "OBX",
                str(len(obx) + 1),
                kind,
                code,
                sub_id,
                value,
                unit,
                f"{reference.low:g}-{reference.high:g}" if reference is not None else "",
                reference.flag(measured).value if reference is not None else "",
                "",
                "",
                status,
                "",
                "",
                _ts(observed),
            )
        )

    diff = export.differential
    if diff is not None:
        for n, row in enumerate(diff.rows, start=1):
            c = cell_code(row.code, row.name)
            coding = "LN" if c.is_loinc else "L"
            code = f"{c.code}^{escape(c.display)}^{coding}"
            if c.is_loinc:  # the local code beside it, as the alternate identifier
                code += f"^{row.code.value}^{escape(row.name)}^L"
            add(
                "NM",
                code,
                f"1.{n}",
                f"{round(row.percent, 2):g}",
                "%^%^UCUM",
                (range_for_cell(row.code), row.percent),
            )
        if diff.me.ratio is not None:
            me = panel_code("me_ratio")
            add(
                "NM",
                f"{me.code}^{escape(me.display)}^LN",
                "2",
                f"{round(diff.me.ratio, 2):g}",
                "",
                (me_range(), diff.me.ratio),
            )
        counted = panel_code("cells_counted")
        add(
            "NM",
            f"{counted.code}^{escape(counted.display)}^LN",
            "3",
            str(diff.nucleated_cells),
            "{cells}^cells^UCUM",
        )
    if export.conclusion:
        add("TX", "conclusion^Conclusion^L", "4", "~".join(_lines(export.conclusion)))
    pdf_data = ""
    if export.pdf is not None:
        pdf_data = base64.b64encode(export.pdf).decode("ascii")
        add("ED", "report-pdf^Report PDF^L", "5", f"{_APP}^AP^PDF^Base64^{pdf_data}")
    text = "\r".join(segments + obx)
    # hl7apy holds OBX-5 to 199 characters whatever the type, while HL7 2.5.1 allows
    # 65536 for ED: the structure is validated with the PDF data left out
    _validated(text.replace(pdf_data, "") if pdf_data else text)
    return text


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


def _normalise(text: str) -> str:
    lines = [line for line in re.split(r"\r\n|\r|\n", text.strip()) if line.strip()]
    return "\r".join(lines)


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
    body = _normalise(text)
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
    message = _validated(body)
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


def ack(
    message: str,
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
    fields = _normalise(message).split("\r", 1)[0].split("|") if message else []
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
        _msh(
            _APP,
            sender or "UNKNOWN",
            at,
            f"ACK^{trigger or 'R01'}^ACK",
            escape(control_id),
            our_facility,
            sender_facility,
        )
    ]
    if error is None:
        segments.append(_segment("MSA", "AA", original))
    else:
        reject = bool(getattr(error, "reject", False)) or not is_msh
        code = str(getattr(error, "code", "") or "207")
        reason = str(error)
        # MSA-3 holds 80 characters, ERR-8 250 (HL7 2.5.1)
        segments.append(_segment("MSA", "AR" if reject else "AE", original, _fit(reason, 80)))
        segments.append(
            _segment(
                "ERR",
                "",
                "",
                f"{code}^{_ERROR_TEXT.get(code, 'Application error')}^HL70357",
                "E",
                "",
                "",
                "",
                _fit(reason, 250),
            )
        )
    out = "\r".join(segments)
    _validated(out)
    return out


_ERROR_TEXT = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "203": "Unsupported version id",
    "204": "Unknown key identifier",
    "207": "Application internal error",
}
