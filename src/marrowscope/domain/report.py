"""The bone marrow report: ICSH 2008 structure, versions and the sign-out rules.

Structure after Lee SH, Erber WN, Porwit A, Tomonaga M, Peterson LC. ICSH guidelines for
the standardization of bone marrow specimens and reports. Int J Lab Hematol
2008;30:349-364, doi:10.1111/j.1751-553X.2008.01100.x. Every free-text item is a named
field of one of the sections below, so the HTML, the PDF and the exports list them in the
same order.

A version is a draft until a pathologist signs it; a signed version never changes again
(``ImmutableRecord``). A correction is a new version (amendment or addendum) that names
its reason, author and time; the earlier versions stay readable as they were signed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from marrowscope.domain.errors import ImmutableRecord, InvalidInput, TransitionNotAllowed
from marrowscope.domain.report_findings import (
    CellularityJudgement,
    RangeRow,
    cellularity_against_age,
    fibrosis_description,
    iron_grade_category,
    range_rows,
)

__all__ = [
    "FIELD_LABELS",
    "SECTIONS",
    "CellularityJudgement",
    "RangeRow",
    "ReportKind",
    "ReportStatus",
    "ReportVersion",
    "amend",
    "cellularity_against_age",
    "clean_fields",
    "fibrosis_description",
    "iron_grade_category",
    "new_draft",
    "range_rows",
    "replace_counts",
    "sign",
    "update_draft",
]


class ReportStatus(StrEnum):
    """A draft may change; a signed version may not."""

    DRAFT = "draft"
    SIGNED = "signed"


class ReportKind(StrEnum):
    """Why a version exists (ICSH: amended and supplementary reports are labelled)."""

    ORIGINAL = "original"
    AMENDMENT = "amendment"  # replaces content of the signed report
    ADDENDUM = "addendum"  # adds information, e.g. a pending test's result (supplementary)


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
    otherwise lose what the pathologist typed without saying so.
    """
    out: dict[str, str] = {}
    for name, raw in fields.items():
        if name not in FIELD_LABELS:
            raise InvalidInput(f"the report has no field {name!r}")
        text = str(raw).strip()
        if len(text) > _MAX_FIELD_CHARS:
            raise InvalidInput(f"{FIELD_LABELS[name]}: longer than {_MAX_FIELD_CHARS} characters")
        if text:
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
        out[name] = text
    return out


@dataclass(frozen=True, slots=True)
class ReportVersion:
    """One version of a case's report; ``counts`` is the differential it reports.

    The counts are a snapshot (cell code -> number) taken when the draft was written, so
    that a signed version shows the differential it was signed on even if a count is
    later edited.
    """

    case_id: int
    version: int
    kind: ReportKind
    status: ReportStatus
    fields: Mapping[str, str]
    counts: Mapping[str, int]
    author: str
    created_at: datetime
    reason: str = ""
    signed_by: str | None = None
    signed_at: datetime | None = None
    id: int | None = None
    signer_name: str = ""  # full name as it stood at signing (the username is the key)
    signer_role: str = ""

    @property
    def signer(self) -> str:
        """'Dr Ada Lovelace, pathologist': what the report prints, never the username."""
        name = self.signer_name or self.signed_by or ""
        return f"{name}, {self.signer_role}" if name and self.signer_role else name

    def get(self, name: str) -> str:
        """A field's text ('' when empty)."""
        return self.fields.get(name, "")

    @property
    def conclusion(self) -> str:
        """The integrated conclusion (the web form edits it)."""
        return self.get("conclusion")

    @property
    def comment(self) -> str:
        """The free comment (the web form edits it)."""
        return self.get("comment")

    @property
    def is_signed(self) -> bool:
        """Signed versions are immutable."""
        return self.status is ReportStatus.SIGNED


def new_draft(
    case_id: int, fields: Mapping[str, str], counts: Mapping[str, int], *, by: str, at: datetime
) -> ReportVersion:
    """Version 1, a draft."""
    return ReportVersion(
        case_id=case_id,
        version=1,
        kind=ReportKind.ORIGINAL,
        status=ReportStatus.DRAFT,
        fields=clean_fields(fields),
        counts=dict(counts),
        author=by,
        created_at=at,
    )


def update_draft(draft: ReportVersion, fields: Mapping[str, str]) -> ReportVersion:
    """The draft with ``fields`` changed; a signed version refuses."""
    if draft.is_signed:
        raise ImmutableRecord(
            f"report version {draft.version} is signed: amend it or add an addendum"
        )
    return replace(draft, fields={**draft.fields, **clean_fields(fields)})


def replace_counts(draft: ReportVersion, counts: Mapping[str, int]) -> ReportVersion:
    """The draft with a new differential snapshot; a signed version refuses."""
    if draft.is_signed:
        raise ImmutableRecord(f"report version {draft.version} is signed: amend it instead")
    return replace(draft, counts=dict(counts))


def sign(
    draft: ReportVersion, *, by: str, at: datetime, name: str = "", role: str = ""
) -> ReportVersion:
    """The draft signed out; a report without a conclusion cannot be signed."""
    if draft.is_signed:
        raise ImmutableRecord(f"report version {draft.version} is already signed")
    if not draft.conclusion:
        raise TransitionNotAllowed("a report needs an integrated conclusion before sign-out")
    return replace(
        draft,
        status=ReportStatus.SIGNED,
        signed_by=by,
        signed_at=at,
        signer_name=name,
        signer_role=role,
    )


def amend(
    signed: ReportVersion,
    kind: ReportKind,
    fields: Mapping[str, str],
    *,
    reason: str,
    by: str,
    at: datetime,
    name: str = "",
    role: str = "",
) -> ReportVersion:
    """A new signed version after ``signed``, carrying its reason, author and time.

    Amendments and addenda are written and signed by the same pathologist in one step;
    the earlier version is left exactly as it was.
    """
    if not signed.is_signed:
        raise TransitionNotAllowed("only a signed report is amended; edit the draft instead")
    if kind == ReportKind.ORIGINAL:
        raise InvalidInput("an amendment is of kind amendment or addendum")
    if not reason.strip():
        raise InvalidInput("an amendment or addendum needs a reason")
    changes = clean_fields(fields)
    if kind == ReportKind.ADDENDUM and set(changes) - {"addendum", "pending_tests"}:
        raise InvalidInput("an addendum adds text (addendum, pending tests); amend to change")
    if not any(changes.values()):
        raise InvalidInput("the amendment changes nothing")
    merged = {**signed.fields, **changes}
    if not merged.get("conclusion"):
        raise InvalidInput("an amended report still needs an integrated conclusion")
    return ReportVersion(
        case_id=signed.case_id,
        version=signed.version + 1,
        kind=kind,
        status=ReportStatus.SIGNED,
        fields=merged,
        counts=dict(signed.counts),
        author=by,
        created_at=at,
        reason=reason.strip(),
        signed_by=by,
        signed_at=at,
        signer_name=name,
        signer_role=role,
    )
