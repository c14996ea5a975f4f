"""The report as a PDF for print (reportlab).

Deterministic: ``invariant=1`` fixes the document id and creation date, and the charts'
PNGs carry no date, so re-rendering the same ``ReportView`` gives the same bytes.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from marrowscope.domain.report import (
    SECTIONS,
    fibrosis_description,
    iron_grade_category,
    range_rows,
)
from marrowscope.domain.report_view import ReportView
from marrowscope.reports.charts import blast_trend_png, differential_png

__all__ = ["render_pdf"]


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _image(png: bytes, width_mm: float) -> Image:
    """A PNG scaled to ``width_mm``, aspect kept."""
    pixels_w, pixels_h = ImageReader(io.BytesIO(png)).getSize()
    width = width_mm * mm
    return Image(io.BytesIO(png), width=width, height=width * pixels_h / pixels_w)


def _header(view: ReportView, styles: dict[str, ParagraphStyle]) -> list[object]:
    r, pt = view.report, view.patient
    title = "Bone marrow report"
    if r.kind.value != "original":
        title += f" — {r.kind.value} (version {r.version})"
    lines = [
        f"Patient: {pt.given_name} {pt.family_name}   MRN: {pt.mrn}   "
        f"Born: {pt.birth_date.isoformat()} ({view.age_years} y, {pt.sex.value})",
        f"Case: {r.case_id}   Examined: {view.examined_on.isoformat()}   "
        f"Version {r.version} ({r.status.value})",
    ]
    if r.signed_at is not None:
        lines.append(f"Signed by {r.signed_by} at {r.signed_at.strftime('%Y-%m-%d %H:%M')} UTC")
    else:
        lines.append("DRAFT — not signed out; not for clinical use")
    if r.reason:
        lines.append(f"Reason for {r.kind.value}: {r.reason}")
    return [_p(title, styles["Title"])] + [_p(line, styles["Normal"]) for line in lines]


def _differential(view: ReportView, styles: dict[str, ParagraphStyle]) -> list[object]:
    d = view.differential
    if d is None:
        return [_p("No saved differential count.", styles["Normal"])]
    rows = range_rows(d)
    me = "not calculable" if d.me.ratio is None else f"{d.me.ratio:.2f}"
    if d.me.ratio_low is not None and d.me.ratio_high is not None:
        me += f" (95 % CI {d.me.ratio_low:.2f}–{d.me.ratio_high:.2f})"
    data = [["Cells", "n", "%", "95 % CI (Wilson)", "Reference", "Flag"]]
    data += [
        [
            row.label,
            str(row.cells),
            f"{row.percent:.1f}",
            f"{row.ci_low:.1f}–{row.ci_high:.1f}",
            f"{row.range_low:g}–{row.range_high:g}",
            row.flag.value,
        ]
        for row in rows
    ]
    table = Table(data, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde7f0")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ]
        )
    )
    out: list[object] = [
        _p(f"Nucleated cells counted: {d.nucleated_cells}. M:E ratio {me}.", styles["Normal"]),
    ]
    if d.adequacy.warning:
        out.append(_p(d.adequacy.warning, styles["Normal"]))
    out += [table, Spacer(1, 3 * mm)]
    if rows:
        out.append(_image(differential_png(rows), 150))
    return out


def _field_text(view: ReportView, name: str) -> str:
    text = view.report.get(name)
    if text and name == "fibrosis_grade":
        text = f"{text}: {fibrosis_description(text)} (Thiele 2005)"
    if text and name == "iron_grade":
        text = f"grade {text} ({iron_grade_category(int(text))}; Gale 1963)"
    if text and name == "trephine_cellularity_percent":
        judged = view.cellularity()
        if judged is not None:
            text = (
                f"{text} % — age-expected about {judged.expected_percent:.0f} % "
                f"({judged.low_percent:.0f}–{judged.high_percent:.0f}); {judged.wording}"
            )
    return text


def render_pdf(view: ReportView) -> bytes:
    """The report, ICSH 2008 sections in order, as PDF bytes (stable for equal input)."""
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8.5, leading=10.5)
    story: list[object] = _header(view, styles)
    for key, heading, fields in SECTIONS:
        story.append(_p(heading, styles["Heading2"]))
        for name, label in fields:
            text = _field_text(view, name)
            if text:
                story.append(_p(f"{label}: {text}", small))
        if key == "aspirate":
            story.append(_p("Differential", styles["Heading3"]))
            story += _differential(view, styles)
        if key == "conclusion" and len(view.trend) > 1:
            story.append(_p("Blast percentage over serial examinations", styles["Heading3"]))
            story.append(_image(blast_trend_png(view.trend), 150))
    if view.history:
        story.append(_p("Versions", styles["Heading2"]))
        for old in view.history:
            when = old.signed_at.strftime("%Y-%m-%d %H:%M") if old.signed_at else "draft"
            story.append(
                _p(f"v{old.version} {old.kind.value} by {old.author}, {when}. {old.reason}", small)
            )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        invariant=1,
        title=f"Bone marrow report, case {view.report.case_id}, v{view.report.version}",
        author="marrowscope",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
    )
    doc.build(story)
    return buffer.getvalue()
