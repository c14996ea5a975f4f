"""The synoptic summary printed first: the few facts a clinician acts on, in one block.

ICSH 2008 orders the report from the specimen to the conclusion, so the integrated
diagnosis and the risk group come last, often on page two. A clinician scanning the
report (and a tumour board) reads the summary first: diagnosis by each system, the risk
groups, the blast count, cellularity, fibrosis, the genetics and what is still missing
or pending. Every line is taken from the report itself (the signed fields and the
counted differential), never recomputed from elsewhere, so the summary cannot say what
the body does not; empty lines are left out.
"""

from __future__ import annotations

from marrowscope.domain.counting.quantities import measure, quantity_definition
from marrowscope.domain.reporting.view import ReportView

__all__ = ["SYNOPTIC_FIELDS", "blast_summary", "synoptic_rows"]

# (label, report field), in the order printed; the differential's blasts go after the risk
SYNOPTIC_FIELDS: tuple[tuple[str, str], ...] = (
    ("Diagnosis, WHO 2022", "who_2022"),
    ("Diagnosis, ICC 2022", "icc_2022"),
    ("Plasma cell neoplasm, IMWG 2014", "plasma_cell_neoplasm"),
    ("Risk", "risk_scores"),
    ("Not settled, results missing", "diagnosis_missing"),
)
_AFTER_BLASTS: tuple[tuple[str, str], ...] = (
    ("Cellularity (trephine)", "trephine_cellularity_percent"),
    ("Fibrosis", "fibrosis_grade"),
    ("Cytogenetics", "cytogenetics"),
    ("FISH", "fish"),
    ("Molecular", "molecular"),
    ("Pending", "pending_tests"),
)


def blast_summary(view: ReportView) -> str:
    """Blasts of all nucleated cells and, when defined, of non-erythroid cells."""
    d = view.differential
    if d is None:
        return ""
    whole = measure(d.counts, quantity_definition("blasts"))
    if whole.percent is None:
        return ""
    text = f"{whole.percent:.1f} % of {d.nucleated_cells} nucleated cells"
    non_e = measure(d.counts, quantity_definition("blasts_non_erythroid"))
    if non_e.percent is not None:
        text += f"; {non_e.percent:.1f} % of non-erythroid cells"
    return text


def synoptic_rows(view: ReportView) -> list[tuple[str, str]]:
    """The summary's (label, text) rows that have content, in print order."""
    get = view.report.get
    rows = [(label, get(name)) for label, name in SYNOPTIC_FIELDS]
    rows.append(("Blasts (aspirate differential)", blast_summary(view)))
    for label, name in _AFTER_BLASTS:
        text = get(name)
        if text and name == "trephine_cellularity_percent":
            text = f"{text} %"
        rows.append((label, text))
    return [(label, text.strip()) for label, text in rows if text and text.strip()]
