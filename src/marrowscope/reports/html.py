"""The report as an HTML fragment for the web app (every value escaped).

Same sections and order as the PDF; a template may include the fragment with ``|safe``
because nothing from the report reaches it unescaped.
"""

from __future__ import annotations

from html import escape

from marrowscope.domain.lab import ResultTable
from marrowscope.domain.reporting import (
    SECTIONS,
    ReportView,
    fibrosis_description,
    iron_grade_category,
    range_rows,
)

__all__ = ["render_html", "result_table_html"]


def result_table_html(table: ResultTable) -> str:
    """One laboratory result as an escaped table with its notes."""
    parts = [f'<div class="lab-result"><h4>{escape(table.title)}</h4>']
    if table.headers and table.rows:
        head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in table.rows
        )
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts += [f"<p>{escape(n)}</p>" for n in table.notes]
    return "".join(parts) + "</div>"


_SUBTOTAL = " (series subtotal)"


def _cells(n: int, subtotal: bool) -> str:
    """A subtotal's n in brackets: it repeats single classes and must not be added."""
    return f"({n})" if subtotal else str(n)


def _differential(view: ReportView) -> str:
    d = view.differential
    if d is None:
        return "<p>No saved differential count.</p>"
    me = "not calculable" if d.me.ratio is None else f"{d.me.ratio:.2f}"
    rows = "".join(
        ('<tr class="subtotal">' if r.subtotal else "<tr>")
        + f"<td>{escape(r.label)}{_SUBTOTAL if r.subtotal else ''}</td>"
        + f"<td>{_cells(r.cells, r.subtotal)}</td><td>{r.percent:.1f}</td>"
        f"<td>{r.ci_low:.1f}–{r.ci_high:.1f}</td><td>{r.range_low:g}–{r.range_high:g}</td>"
        f"<td>{escape(r.flag.value)}</td></tr>"
        for r in range_rows(d)
    )
    source = f"<p class='muted'>Reference ranges: {escape(view.range_source)}.</p>"
    return (
        f"<p>Nucleated cells counted: {d.nucleated_cells}. M:E ratio {me}.</p>"
        + (f"<p>{escape(d.adequacy.warning)}</p>" if d.adequacy.warning else "")
        + '<table class="differential"><thead><tr><th>Cells</th><th>n</th><th>%</th>'
        "<th>95 % CI</th><th>Reference</th><th>Flag</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>" + (source if view.range_source else "")
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
    if view.changes() and r.kind.value != "original":
        parts.append(f"<p>Changed: {escape(', '.join(view.changes()))}</p>")
    if r.signed_at is not None:
        parts.append(
            f'<p class="signature">Signed by {escape(r.signature)} on '
            f"{r.signed_at:%Y-%m-%d %H:%M} UTC</p>"
        )
    parts.append(f"<p>Examined (procedure date): {view.examined_on.isoformat()}</p></header>")
    for key, heading, fields in SECTIONS:
        body = []
        for name, label in fields:
            text = r.get(name)
            if name == "fibrosis_grade" and text:
                text = f"{text}: {fibrosis_description(text)}"
            if name == "iron_grade" and text:
                text = f"grade {text} ({iron_grade_category(int(text))})"
            if text:
                body.append(f"<dt>{escape(label)}</dt><dd>{escape(text)}</dd>")
        extra = ""
        if key == "aspirate":
            extra = _differential(view)
        if key == "ancillary":
            extra = "".join(result_table_html(t) for t in view.lab_results)
        if body or extra:
            parts.append(f'<section data-section="{key}"><h3>{escape(heading)}</h3>')
            parts.append(f"<dl>{''.join(body)}</dl>{extra}</section>")
    parts.append("</article>")
    return "".join(parts)
