"""A plain-language summary of a released report for the patient portal.

It describes, never diagnoses: findings are "consistent with" what the report concludes,
and the text says the results are there to support the discussion with the doctor.
"""

from __future__ import annotations

from marrowscope.domain.reporting import ReportView

__all__ = ["render_patient_summary"]


def render_patient_summary(view: ReportView) -> str:
    """A few short paragraphs in plain words."""
    r = view.report
    when = view.examined_on.strftime("%d %B %Y")
    lines = [
        f"Your bone marrow sample from {when} has been examined and the report has been "
        "signed by a pathologist.",
        "The laboratory looked at the cells in the liquid part of the marrow (aspirate)"
        + (" and at a small core of bone (trephine)" if r.get("trephine_length_mm") else "")
        + ", and at further tests on the sample.",
    ]
    if r.conclusion:
        lines.append(f"The pathologist's conclusion, in medical words: {r.conclusion}")
    if r.get("pending_tests"):
        lines.append(
            "Some tests are still in progress; their results will be added in a later report."
        )
    lines.append(
        "These results are meant to support the discussion with your doctor, who will explain "
        "what they mean for you and what happens next. Please do not change any treatment "
        "because of this summary alone."
    )
    return "\n\n".join(lines)
