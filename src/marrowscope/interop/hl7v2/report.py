"""The report out as an HL7 v2.5.1 ORU^R01: one order, one report.

The segment layout (PID, ORC, OBR for the differential panel, one OBX per value, one
SPM per specimen; then, when a blood count is recorded, a second OBR for it) is drawn
in the package docstring. OBX-4 sub-IDs are plain sequence numbers: dotted ones such as
``1.1``..``1.24`` collide for receivers that read them as numbers (1.1 = 1.10). The
message is written as ER7 text and validated by ``er7.validated`` before it is returned.
"""

from __future__ import annotations

import base64
from datetime import datetime

from marrowscope.domain.counting.reference_ranges import ReferenceRange
from marrowscope.domain.pathway.cbc import analyte_info
from marrowscope.domain.pathway.order_origin import origin_from
from marrowscope.domain.pathway.records import CaseRecord, RecordKind
from marrowscope.interop.codes import (
    CaseExport,
    Code,
    analyte_code,
    cell_code,
    me_range,
    panel_code,
    range_for_cell,
)
from marrowscope.interop.hl7v2.er7 import APP, escape, msh, segment, ts, validated
from marrowscope.interop.hl7v2.people import interpreter, orderer

__all__ = ["oru_report"]

_SEX = {"male": "M", "female": "F", "other": "O", "unknown": "U"}


def _lines(text: str, width: int = 190) -> list[str]:
    """Escaped text cut at word boundaries into TX repetitions of at most ``width``.

    hl7apy holds TX to 199 characters, and escaping lengthens the text (``|`` becomes
    ``\\F\\``), so lines are measured after escaping; a word longer than a line is cut
    into pieces rather than truncated, so no character of the conclusion is lost.
    """
    out: list[str] = []
    line = ""
    for word in text.split():
        for piece in _escaped_pieces(word, width):
            if line and len(line) + 1 + len(piece) > width:
                out.append(line)
                line = ""
            line = f"{line} {piece}" if line else piece
    if line:
        out.append(line)
    return out


def _escaped_pieces(word: str, width: int) -> list[str]:
    """``word`` escaped, in pieces of at most ``width``, never cut inside an escape."""
    pieces: list[str] = []
    piece = ""
    for char in word:
        part = escape(char)
        if len(piece) + len(part) > width:
            pieces.append(piece)
            piece = ""
        piece += part
    if piece:
        pieces.append(piece)
    return pieces


def _cwe(code: Code, local: str = "L") -> str:
    return f"{code.code}^{escape(code.display)}^{'LN' if code.is_loinc else local}"


class _Obx:
    """OBX segments of one order group, numbered and sub-IDed in sequence."""

    def __init__(self, status: str, observed: datetime) -> None:
        self.segments: list[str] = []
        self._status = status
        self._observed = observed

    def add(
        self,
        kind: str,
        code: str,
        value: str,
        unit: str = "",
        against: tuple[ReferenceRange | None, float] | None = None,
    ) -> None:
        reference, measured = against if against is not None else (None, 0.0)
        n = str(len(self.segments) + 1)
        self.segments.append(
            segment(
                "OBX",
                n,
                kind,
                code,
                n,  # OBX-4: one sub-ID per value, never a dotted number
                value,
                unit,
                f"{reference.low:g}-{reference.high:g}" if reference is not None else "",
                reference.flag(measured).value if reference is not None else "",
                "",
                "",
                self._status,
                "",
                "",
                ts(self._observed),
            )
        )


def _result_status(export: CaseExport) -> str:
    """OBR-25/OBX-11: P preliminary, F final, C corrected (an amended or added version)."""
    if not export.final:
        return "P"
    return "C" if export.amended else "F"


def _spm(record: CaseRecord) -> list[str]:
    """One SPM per specimen container: accession, kind, collection and receipt times."""
    out = []
    for n, s in enumerate(record.specimens, start=1):
        kind = s.kind.value.replace("_", " ")
        out.append(
            segment(
                "SPM",
                str(n),
                f"^{escape(s.accession)}",
                "",
                f"{escape(s.kind.value)}^{escape(kind)}^L",
                *[""] * 12,
                ts(s.collected_at),
                ts(s.received_at) if s.received_at is not None else "",
            )
        )
    return out


def _cbc_group(record: CaseRecord, case_no: str, status: str) -> list[str]:
    """The recorded blood count as its own OBR (58410-2) with one OBX per analyte."""
    stored = record.latest(RecordKind.CBC)
    if stored is None:
        return []
    collected = datetime.fromisoformat(str(stored.payload["collected_at"]))
    # a preliminary count goes out P, and a value received as a bound ("<0.01") as an SN
    # with its comparator: nothing leaves stated more firmly than it came in
    if stored.payload.get("status") == "preliminary":
        status = "P"
    obx = _Obx("P" if status == "P" else "F", collected)
    comparators = stored.payload.get("comparators") or {}
    for key, value in stored.payload["values"].items():
        code = analyte_code(key)
        if code is None:
            continue
        info = analyte_info(key)
        ucum = info.ucum or info.unit
        units = f"{escape(ucum)}^{escape(ucum)}^UCUM"
        if key in comparators:
            obx.add("SN", _cwe(code), f"{escape(str(comparators[key]))}^{float(value):g}", units)
        else:
            obx.add("NM", _cwe(code), f"{float(value):g}", units)
    if not obx.segments:
        return []
    panel = panel_code("cbc")
    obr = segment(
        "OBR", "2", case_no, case_no, _cwe(panel), "", "", ts(collected), *[""] * 17, status
    )
    return [obr, *obx.segments]


def oru_report(
    export: CaseExport,
    *,
    control_id: str,
    receiving: str = "HIS",
    facility: str = APP,
    assigning_authority: str = "",
) -> str:
    """The report as an ORU^R01 (ER7, every segment ended by a carriage return)."""
    record = export.record
    patient = record.patient
    # PID-3.4: the hospital's authority (a setting), so the EHR files it under its MRN
    authority = assigning_authority or export.site.assigning_authority or facility
    case_no = str(record.case.id)
    status = _result_status(export)
    procedure = record.latest(RecordKind.PROCEDURE)
    observed = (
        datetime.fromisoformat(str(procedure.payload["procedure"]["started_at"]))
        if procedure is not None
        else export.generated_at
    )
    order = record.latest(RecordKind.ORDER)
    ordered_by = str(order.payload.get("ordered_by", "")) if order is not None else ""
    origin = origin_from(order.payload.get("origin")) if order is not None else None
    panel = panel_code("differential")
    # the EHR's placer number and the service it ordered go back, so the result closes
    # that order; our filler number is the case number
    placer = case_no
    service = _cwe(panel)
    if origin is not None:
        placer = "^".join(escape(p) for p in (origin.placer_number, origin.placer_namespace))
        placer = placer.rstrip("^")
        if origin.service_code:
            service = "^".join(
                escape(p) for p in (origin.service_code, origin.service_text, origin.service_system)
            )
    segments = [
        msh(
            APP,
            receiving,
            export.generated_at,
            "ORU^R01^ORU_R01",
            escape(control_id),
            escape(facility),
        ),
        segment(
            "PID",
            "1",
            "",
            f"{escape(patient.mrn)}^^^{escape(authority)}^MR",
            "",
            f"{escape(patient.family_name)}^{escape(patient.given_name)}",
            "",
            patient.birth_date.strftime("%Y%m%d"),
            _SEX.get(patient.sex.value, "U"),
        ),
        segment("ORC", "RE", placer, case_no, "", "CM"),
        segment(
            "OBR",
            "1",
            placer,
            case_no,
            service,
            "",
            "",
            ts(observed),
            *[""] * 8,
            orderer(origin, ordered_by),  # OBR-16 ordering provider
            *[""] * 5,
            ts(export.issued),  # OBR-22 results reported: sign-out of this version
            "",
            "",
            status,  # OBR-25
            *[""] * 6,
            interpreter(export),  # OBR-32 principal result interpreter, a person
        ),
    ]
    obx = _Obx(status, observed)
    diff = export.differential
    if diff is not None:
        for row in diff.rows:
            c = cell_code(row.code, row.name)
            code = _cwe(c)
            if c.is_loinc:  # the local code beside it, as the alternate identifier
                code += f"^{row.code.value}^{escape(row.name)}^L"
            obx.add(
                "NM",
                code,
                f"{round(row.percent, 2):g}",
                "%^%^UCUM",
                (range_for_cell(row.code), row.percent),
            )
        if diff.me.ratio is not None:
            obx.add(
                "NM",
                _cwe(panel_code("me_ratio")),
                f"{round(diff.me.ratio, 2):g}",
                "",
                (me_range(), diff.me.ratio),
            )
        obx.add(
            "NM",
            _cwe(panel_code("cells_counted")),
            str(diff.nucleated_cells),
            "{cells}^cells^UCUM",
        )
    if export.conclusion:
        obx.add("TX", "conclusion^Conclusion^L", "~".join(_lines(export.conclusion)))
    if export.addendum.strip():  # its own OBX: an EHR that shows no PDF still shows it
        obx.add("TX", "addendum^Addendum^L", "~".join(_lines(export.addendum)))
    pdf_data = ""
    if export.pdf is not None:
        pdf_data = base64.b64encode(export.pdf).decode("ascii")
        obx.add("ED", "report-pdf^Report PDF^L", f"{APP}^AP^PDF^Base64^{pdf_data}")
    segments += obx.segments + _spm(record) + _cbc_group(record, case_no, status)
    text = "\r".join(segments) + "\r"
    # hl7apy holds OBX-5 to 199 characters whatever the type, while HL7 2.5.1 allows
    # 65536 for ED: the structure is validated with the PDF data left out
    validated(text.replace(pdf_data, "") if pdf_data else text)
    return text
