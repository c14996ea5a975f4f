"""The report out as an HL7 v2.5.1 ORU^R01: one order, one report.

The segment layout (PID, ORC, OBR for the differential panel, then one OBX per value
with its sub-ID) is drawn in the package docstring. The message is written as ER7 text
and validated by ``er7.validated`` before it is returned.
"""

from __future__ import annotations

import base64
from datetime import datetime

from marrowscope.domain.pathway import RecordKind
from marrowscope.domain.reference_ranges import ReferenceRange
from marrowscope.interop.codes import (
    CaseExport,
    cell_code,
    me_range,
    panel_code,
    range_for_cell,
)
from marrowscope.interop.hl7v2.er7 import APP, escape, msh, segment, ts, validated

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
        msh(APP, receiving, export.generated_at, "ORU^R01^ORU_R01", escape(control_id)),
        segment(
            "PID",
            "1",
            "",
            f"{escape(patient.mrn)}^^^{APP}^MR",
            "",
            f"{escape(patient.family_name)}^{escape(patient.given_name)}",
            "",
            patient.birth_date.strftime("%Y%m%d"),
            _SEX.get(patient.sex.value, "U"),
        ),
        segment("ORC", "RE", case_no, case_no, "", "CM"),
        segment(
            "OBR",
            "1",
            case_no,
            case_no,
            f"{panel.code}^{escape(panel.display)}^LN",
            "",
            "",
            ts(observed),
            *[""] * 14,
            ts(export.generated_at),
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
            segment(
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
                ts(observed),
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
        add("ED", "report-pdf^Report PDF^L", "5", f"{APP}^AP^PDF^Base64^{pdf_data}")
    text = "\r".join(segments + obx)
    # hl7apy holds OBX-5 to 199 characters whatever the type, while HL7 2.5.1 allows
    # 65536 for ED: the structure is validated with the PDF data left out
    validated(text.replace(pdf_data, "") if pdf_data else text)
    return text
