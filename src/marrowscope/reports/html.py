"""The report as an HTML fragment for the web app (every value escaped).

Same sections and order as the PDF; a template may include the fragment with ``|safe``
because nothing from the report reaches it unescaped.
"""

from __future__ import annotations

from html import escape

from marrowscope.domain.report import (
    SECTIONS,
    fibrosis_description,
    iron_grade_category,
    range_rows,
)
from marrowscope.domain.report_view import ReportView

__all__ = ["render_html"]


def _differential(view: ReportView) -> str:
    d = view.differential
    if d is None:
        return "<p>No saved differential count.</p>"
    me = "not calculable" if d.me.ratio is None else f"{d.me.ratio:.2f}"
    rows = "".join(
        f"<tr><td>{escape(r.label)}</td><td>{r.cells}</td><td>{r.percent:.1f}</td>"
        f"<td>{r.ci_low:.1f}–{r.ci_high:.1f}</td><td>{r.range_low:g}–{r.range_high:g}</td>"
        f"<td>{escape(r.flag.value)}</td></tr>"
        for r in range_rows(d)
    )
    return (
        f"<p>Nucleated cells counted: {d.nucleated_cells}. M:E ratio {me}.</p>"
        '<table class="differential"><thead><tr><th>Cells</th><th>n</th><th>%</th>'
        "<th>95 % CI</th><th>Reference</th><th>Flag</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def render_html(view: ReportView) -> str:
    """An ``<article>`` with the report's sections; empty fields are left out."""
    r, pt = view.report, view.patient
    parts = [
        f'<article class="report" data-version="{r.version}" data-status="{r.status.value}">',
        f"<header><h2>Bone marrow report</h2><p>{escape(pt.given_name)} "
        f"{escape(pt.family_name)}, MRN {escape(pt.mrn)}; case {r.case_id}; "
        f"version {r.version} ({escape(r.kind.value)}, {escape(r.status.value)})</p>",
    ]
    if r.reason:
        parts.append(f"<p>Reason: {escape(r.reason)}</p>")
    parts.append("</header>")
    for key, heading, fields in SECTIONS:
        parts.append(f'<section data-section="{key}"><h3>{escape(heading)}</h3><dl>')
        for name, label in fields:
            text = r.get(name)
            if name == "fibrosis_grade" and text:
                text = f"{text}: {fibrosis_description(text)}"
            if name == "iron_grade" and text:
                text = f"grade {text} ({iron_grade_category(int(text))})"
            if text:
                parts.append(f"<dt>{escape(label)}</dt><dd>{escape(text)}</dd>")
        parts.append("</dl>")
        if key == "aspirate":
            parts.append(_differential(view))
        parts.append("</section>")
    parts.append("</article>")
    return "".join(parts)
