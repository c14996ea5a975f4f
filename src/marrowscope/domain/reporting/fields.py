"""The report's sections and fields in ICSH 2008 order, their labels, and how typed field
text is cleaned and checked before it is stored."""

from __future__ import annotations

from collections.abc import Mapping

from marrowscope.domain.errors import InvalidFields, InvalidInput
from marrowscope.domain.reporting.diagnosis_codes import CODE_SYSTEMS, diagnosis_codes
from marrowscope.domain.reporting.findings import (
    fibrosis_description,
    iron_grade_category,
)

__all__ = ["SECTIONS", "FIELD_LABELS", "clean_fields"]


# (section key, heading, ((field, label), ...)) in ICSH 2008 order.
SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "clinical",
        "Clinical details and indication",
        (("clinical_details", "Clinical details"), ("indication", "Indication")),
    ),
    ("blood", "Peripheral blood", (("blood_findings", "Blood count and film"),)),
    (
        "aspirate",
        "Aspirate",
        (
            ("aspirate_site", "Site"),
            ("ease_of_aspiration", "Ease of aspiration"),
            ("particles", "Particles / adequacy"),
            ("aspirate_cellularity", "Cellularity"),
            ("erythropoiesis", "Erythropoiesis (maturation, dysplasia)"),
            ("granulopoiesis", "Granulopoiesis (maturation, dysplasia)"),
            ("megakaryocytes", "Megakaryocytes (number, morphology)"),
            ("lymphocytes", "Lymphocytes"),
            ("plasma_cells", "Plasma cells"),
            ("other_cells", "Other cells"),
            ("differential_method", "How the differential was counted"),
            ("iron_grade", "Iron stores (Gale grade 0-6)"),
            ("ring_sideroblasts_percent", "Ring sideroblasts (% of erythroblasts)"),
        ),
    ),
    (
        "trephine",
        "Trephine biopsy",
        (
            ("trephine_length_mm", "Length (mm)"),
            ("trephine_cellularity_percent", "Cellularity (%)"),
            ("architecture", "Architecture"),
            ("fibrosis_grade", "Fibrosis (MF-0 to MF-3)"),
            ("immunohistochemistry", "Immunohistochemistry"),
        ),
    ),
    (
        "ancillary",
        "Flow cytometry, cytogenetics, FISH and molecular",
        (
            ("flow_cytometry", "Flow cytometry"),
            ("cytogenetics", "Cytogenetics"),
            ("fish", "FISH"),
            ("molecular", "Molecular"),
        ),
    ),
    (
        "conclusion",
        "Integrated conclusion",
        (
            ("conclusion", "Conclusion"),
            ("who_2022", "WHO 2022 (5th edition)"),
            ("icc_2022", "ICC 2022"),
            ("plasma_cell_neoplasm", "Plasma cell neoplasm (IMWG 2014)"),
            ("risk_scores", "Risk scores (ELN 2022, IPSS-R, IPSS-M, R-ISS, R2-ISS)"),
            ("diagnosis_missing", "Results still missing for the classification or risk"),
            ("diagnosis_proposal", "Decision-support proposal, as computed (kept as proposed)"),
            ("icd10", "ICD-10"),
            ("icdo3", "ICD-O-3"),
            ("comparison", "Comparison with previous examinations"),
            ("pending_tests", "Tests pending (supplementary report to follow)"),
            ("comment", "Comment"),
            ("addendum", "Addendum"),
        ),
    ),
)


FIELD_LABELS: Mapping[str, str] = {name: label for _, _, rows in SECTIONS for name, label in rows}


_MAX_FIELD_CHARS = 8000


def _number(name: str, text: str, low: float, high: float) -> None:
    try:
        value = float(text)
    except ValueError:
        raise InvalidInput(f"{FIELD_LABELS[name]}: expected a number, got {text!r}") from None
    if not low <= value <= high:
        raise InvalidInput(f"{FIELD_LABELS[name]}: {value:g} is outside {low:g}-{high:g}")


def clean_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """Known fields only, stripped, with the graded and numeric ones checked.

    An unknown field is refused rather than dropped: a misspelt form field would
    otherwise lose what the pathologist typed without saying so. Every refused field is
    reported at once (``InvalidFields``), so the form shows each beside its input.
    """
    out: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, raw in fields.items():
        try:
            out[name] = _clean_field(name, raw)
        except InvalidInput as error:
            errors[name] = str(error)
    if errors:
        raise InvalidFields(errors)
    return out


def _clean_field(name: str, raw: str) -> str:
    if name not in FIELD_LABELS:
        raise InvalidInput(f"the report has no field {name!r}")
    text = str(raw).strip()
    if len(text) > _MAX_FIELD_CHARS:
        raise InvalidInput(f"{FIELD_LABELS[name]}: longer than {_MAX_FIELD_CHARS} characters")
    if not text:
        return text
    if name == "iron_grade":
        if not text.isdigit():
            raise InvalidInput("iron grade: a whole number 0 to 6 (Gale 1963)")
        iron_grade_category(int(text))
    elif name == "fibrosis_grade":
        fibrosis_description(text)
        text = text.upper()
    elif name in ("ring_sideroblasts_percent", "trephine_cellularity_percent"):
        _number(name, text, 0, 100)
    elif name == "trephine_length_mm":
        _number(name, text, 0, 100)
    elif name in CODE_SYSTEMS:
        text = "; ".join(diagnosis_codes(name, text))
    return text
