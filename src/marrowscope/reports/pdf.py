"""The report as a PDF for print (reportlab).

Every page carries the laboratory's letterhead, the patient (name, MRN, date of birth)
and "page x of y": a printed page that comes loose must still say whose it is. Sections
without content are left out rather than printed as empty headings.

Deterministic: ``invariant=1`` fixes the document id and creation date, and the charts'
PNGs carry no date, so re-rendering the same ``ReportView`` gives the same bytes.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from marrowscope.domain.lab import ResultTable
from marrowscope.domain.reporting import SECTIONS, ReportView, range_rows
from marrowscope.domain.reporting.synoptic import blast_summary, synoptic_rows
from marrowscope.reports.charts import blast_trend_png, differential_png
from marrowscope.reports.field_text import field_text

__all__ = ["render_pdf"]

_TOP_MM = 28  # room for the running header
_HEAD = colors.HexColor("#dde7f0")
_SUBTOTAL = colors.HexColor("#f1f1f1")


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _image(png: bytes, width_mm: float) -> Image:
    """A PNG scaled to ``width_mm``, aspect kept."""
    pixels_w, pixels_h = ImageReader(io.BytesIO(png)).getSize()
    width = width_mm * mm
    return Image(io.BytesIO(png), width=width, height=width * pixels_h / pixels_w)


def _numbered_canvas(view: ReportView) -> type[Canvas]:
    """A canvas that draws the running header and 'page x of y' once the total is known."""
    pt, r = view.patient, view.report
    patient = f"{pt.given_name} {pt.family_name} · MRN {pt.mrn} · born {pt.birth_date.isoformat()}"
    head = " · ".join(view.letterhead) or "Bone marrow report"
    status = "" if r.is_signed else "DRAFT, not for clinical use · "

    class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no types
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's name)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._decorate(number, total)
                super().showPage()
            super().save()

        def _decorate(self, number: int, total: int) -> None:
            width, height = A4
            self.setFont("Helvetica-Bold", 9)
            self.drawString(18 * mm, height - 12 * mm, head[:110])
            self.setFont("Helvetica", 8.5)
            self.drawString(18 * mm, height - 17 * mm, patient[:120])
            self.drawRightString(
                width - 18 * mm,
                height - 17 * mm,
                f"{status}case {r.case_id} · v{r.version} · page {number} of {total}",
            )
            self.setStrokeColor(colors.grey)
            self.line(18 * mm, height - 19 * mm, width - 18 * mm, height - 19 * mm)

    return NumberedCanvas


def _header(view: ReportView, styles: dict[str, ParagraphStyle]) -> list[object]:
    r, pt = view.report, view.patient
    title = "Bone marrow report"
    if r.kind.value != "original":
        title += f" — {r.kind.value} (version {r.version})"
    lines = [
        f"Patient: {pt.given_name} {pt.family_name}   MRN: {pt.mrn}   "
        f"Born: {pt.birth_date.isoformat()} ({view.age_years} y, {pt.sex.value})",
        f"Case: {r.case_id}   Examined (procedure date): {view.examined_on.isoformat()}   "
        f"Version {r.version} ({r.status.value})",
    ]
    if not r.is_signed:
        lines.append("DRAFT — not signed out; not for clinical use")
    if r.reason:
        lines.append(f"Reason for the {r.kind.value}: {r.reason}")
    changes = view.changes()
    if r.kind.value != "original" and changes:
        lines.append(
            f"Changed from version {view.history[-1].version}: " + ", ".join(changes) + "."
        )
    return [_p(title, styles["Title"])] + [_p(line, styles["Normal"]) for line in lines]


def _table(
    data: list[list[Any]], style: list[Any], widths_mm: tuple[float, ...] | None = None
) -> Table:
    widths = [w * mm for w in widths_mm] if widths_mm else None
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), _HEAD),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                *style,
            ]
        )
    )
    return table


def _blast_line(view: ReportView) -> str:
    text = blast_summary(view)
    return f"Blasts {text}." if text else ""


def _synoptic(view: ReportView, styles: dict[str, ParagraphStyle]) -> list[object]:
    """The summary block, first: what the clinician acts on, taken from the report."""
    rows = synoptic_rows(view)
    if not rows:
        return []
    small = styles["small"]
    data = [[_p("Summary", small), _p("", small)]]
    data += [[_p(label, small), _p(text, small)] for label, text in rows]
    return [Spacer(1, 3 * mm), _table(data, [("SPAN", (0, 0), (-1, 0))], (45, 129))]


def _differential(view: ReportView, styles: dict[str, ParagraphStyle]) -> list[object]:
    d = view.differential
    if d is None:
        return [_p("No saved differential count.", styles["Normal"])]
    rows = range_rows(d)
    me = "not calculable" if d.me.ratio is None else f"{d.me.ratio:.2f}"
    if d.me.ratio_low is not None and d.me.ratio_high is not None:
        me += f" (95 % CI {d.me.ratio_low:.2f}–{d.me.ratio_high:.2f})"
    data = [["Cells", "n", "%", "95 % CI (Wilson)", "Reference", "Flag"]]
    style: list[Any] = []
    for i, row in enumerate(rows, start=1):
        label = f"{row.label} (series subtotal)" if row.subtotal else row.label
        data.append(
            [
                label,
                f"({row.cells})" if row.subtotal else str(row.cells),
                f"{row.percent:.1f}",
                f"{row.ci_low:.1f}–{row.ci_high:.1f}",
                f"{row.range_low:g}–{row.range_high:g}",
                row.flag.value,
            ]
        )
        if row.subtotal:
            style += [
                ("BACKGROUND", (0, i), (-1, i), _SUBTOTAL),
                ("FONTNAME", (0, i), (-1, i), "Helvetica-Oblique"),
            ]
    adequacy = d.adequacy
    verdict = (
        "adequate"
        if adequacy.adequate
        else f"below the recommended {adequacy.adequate_cells}: percentages carry wide intervals"
    )
    out: list[object] = [
        _p(f"Nucleated cells counted: {d.nucleated_cells}. M:E ratio {me}.", styles["Normal"]),
        _p(
            f"Adequacy: {d.nucleated_cells} nucleated cells counted ({verdict}; ICSH 2008 "
            f"recommends at least {adequacy.adequate_cells}).",
            styles["Normal"],
        ),
    ]
    blasts = _blast_line(view)
    if blasts:
        out.append(_p(blasts, styles["Normal"]))
    out += [
        _table(data, style),
        _p(
            "Rows marked 'series subtotal' add up single classes above; their n (in "
            "brackets) is not added to the count.",
            styles["small"],
        ),
    ]
    if view.range_source:
        out.append(_p(f"Reference ranges: {view.range_source}.", styles["small"]))
    out.append(Spacer(1, 3 * mm))
    if rows:
        out.append(_image(differential_png(rows), 150))
    return out


def _result(table: ResultTable, styles: dict[str, ParagraphStyle]) -> list[object]:
    out: list[object] = [_p(table.title, styles["Heading4"])]
    if table.headers and table.rows:
        cell = styles["small"]
        data = [[_p(h, cell) for h in table.headers]]
        data += [[_p(c, cell) for c in row] for row in table.rows]
        out.append(_table(data, []))
    out += [_p(note, styles["small"]) for note in table.notes]
    return [KeepTogether(out)]


def _signature(view: ReportView, styles: dict[str, ParagraphStyle]) -> list[object]:
    r = view.report
    if r.signed_at is None:
        lines = ["Not signed: this draft is not a report."]
    else:
        lines = [
            f"Electronically signed by {r.signature}",
            f"on {r.signed_at:%Y-%m-%d %H:%M} UTC (version {r.version}, {r.kind.value})",
        ]
    if view.released_at is not None:
        lines.append(f"Released to the patient on {view.released_at:%Y-%m-%d %H:%M} UTC.")
    return [Spacer(1, 6 * mm), _p("Signature", styles["Heading2"])] + [
        _p(line, styles["Normal"]) for line in lines
    ]


def _story(view: ReportView, styles: dict[str, ParagraphStyle]) -> list[object]:
    small = styles["small"]
    story: list[object] = _header(view, styles) + _synoptic(view, styles)
    for key, heading, fields in SECTIONS:
        body: list[object] = []
        for name, label in fields:
            text = field_text(view, name)
            if text:
                body.append(_p(f"{label}: {text}", small))
        if key == "aspirate":
            body += [_p("Differential", styles["Heading3"]), *_differential(view, styles)]
        if key == "ancillary":
            for table in view.lab_results:
                body += _result(table, styles)
        if key == "conclusion" and len(view.trend) > 1:
            body.append(_p("Blast percentage over serial examinations", styles["Heading3"]))
            body.append(_image(blast_trend_png(view.trend), 150))
        if body:
            story += [_p(heading, styles["Heading2"]), *body]
    story += _signature(view, styles)
    if view.history:
        story.append(_p("Versions", styles["Heading2"]))
        for old in view.history:
            when = old.signed_at.strftime("%Y-%m-%d %H:%M") if old.signed_at else "draft"
            who = old.signer or old.author
            story.append(
                _p(f"v{old.version} {old.kind.value} by {who}, {when}. {old.reason}", small)
            )
    return story


def render_pdf(view: ReportView) -> bytes:
    """The report, ICSH 2008 sections in order, as PDF bytes (stable for equal input)."""
    styles = getSampleStyleSheet()
    styles.add(ParagraphStyle("small", parent=styles["Normal"], fontSize=8.5, leading=10.5))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        invariant=1,
        title=f"Bone marrow report, case {view.report.case_id}, v{view.report.version}",
        author="marrowscope",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=_TOP_MM * mm,
        bottomMargin=15 * mm,
    )
    doc.build(_story(view, styles), canvasmaker=_numbered_canvas(view))
    return buffer.getvalue()
