"""A report field's text as printed: graded fields with their wording and source.

Shared by the HTML and the PDF so the two never word a grade differently.
"""

from __future__ import annotations

from marrowscope.domain.reporting import ReportView, fibrosis_description, iron_grade_category

__all__ = ["field_text"]


def field_text(view: ReportView, name: str) -> str:
    """The field's text, graded fields expanded ('' when empty)."""
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
