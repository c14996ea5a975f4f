"""The conclusion a hospital system receives: the pathologist's words, then the signed
classification and risk lines.

An EHR shows the DiagnosticReport's conclusion (FHIR) or the conclusion OBX (HL7 v2) and
often nothing else; a clinician reading only that must still see the WHO and ICC
categories and the risk group that were signed, not only the free-text sentence.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["exported_conclusion"]

_SIGNED_LINES: tuple[tuple[str, str], ...] = (
    ("who_2022", "WHO 2022"),
    ("icc_2022", "ICC 2022"),
    ("plasma_cell_neoplasm", "IMWG 2014"),
    ("risk_scores", "Risk"),
)


def exported_conclusion(field: Callable[[str], str]) -> str:
    """The conclusion followed by each signed classification line that is filled in.

    ``field`` reads one field of the signed version (``ReportVersion.get``).
    """
    parts = [field("conclusion").strip()]
    for key, label in _SIGNED_LINES:
        text = field(key).strip()
        if text:
            parts.append(f"{label}: {text.rstrip('.')}.")
    return " ".join(p for p in parts if p)
