"""Codes shared by the FHIR and HL7 v2 adapters, read from ``domain/tables/loinc.toml``.

Kept in one place so that both message formats name a cell class, an analyte or the
differential panel identically: an import of our own export must find its codes again.
A cell class with no checked LOINC bone marrow code is sent with the local code system
(its marrowscope code); no LOINC code is ever made up here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from marrowscope.domain.counting.differential import Differential
from marrowscope.domain.counting.quantities import quantity_definitions
from marrowscope.domain.counting.reference_ranges import ReferenceRange, reference_range
from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.pathway.cbc import ANALYTES, analyte_info
from marrowscope.domain.pathway.records import CaseRecord
from marrowscope.domain.tables import load_table

__all__ = [
    "CaseExport",
    "CbcImport",
    "Code",
    "ExportSite",
    "PatientIdentity",
    "analyte_code",
    "analyte_for_loinc",
    "cell_code",
    "cell_for_code",
    "local_cell_code",
    "loinc_display",
    "me_range",
    "panel_code",
    "range_for_cell",
    "system",
]

_TABLE = load_table("loinc")
_VERIFIED: dict[str, dict[str, str]] = load_table("loinc_verified")["codes"]


@dataclass(frozen=True, slots=True)
class Code:
    """One coding: system URI, code and display text."""

    system: str
    code: str
    display: str

    @property
    def is_loinc(self) -> bool:
        """Whether the code is a LOINC code (else a local one)."""
        return self.system == system("loinc")


def system(name: str) -> str:
    """URI of a code system or identifier namespace named in the table."""
    return str(_TABLE["systems"][name])


def loinc_display(code: str) -> str:
    """LOINC's own display (long common name) of a verified code, '' when not listed.

    Receivers check the display against LOINC and report any other text as an error,
    so exports always send this text, never one of ours.
    """
    row = _VERIFIED.get(code)
    return str(row["display"]) if row is not None else ""


def _loinc(code: str, fallback: str) -> Code:
    return Code(system("loinc"), code, loinc_display(code) or fallback)


def panel_code(name: str) -> Code:
    """LOINC code of ``differential``, ``me_ratio``, ``cells_counted``, ``report``, ``cbc``."""
    row = _TABLE["panel"][name]
    return _loinc(str(row["code"]), str(row["display"]))


def analyte_code(key: str) -> Code | None:
    """The LOINC coding of a CBC analyte (with LOINC's display), None when it has none."""
    info = analyte_info(key)
    return _loinc(info.loinc, info.name) if info.loinc else None


def cell_code(cell: CellClass, name: str) -> Code:
    """The LOINC code of a cell class where one is listed, else its local code."""
    row = _TABLE["cells"].get(cell.value)
    if row is not None:
        return _loinc(str(row["code"]), str(row["display"]))
    return Code(system("cell_class"), cell.value, f"{name}/cells in Bone marrow")


def local_cell_code(cell: CellClass, name: str) -> Code:
    """The local code of a cell class (always sent beside a LOINC code, for round trips)."""
    return Code(system("cell_class"), cell.value, name)


def cell_for_code(code_system: str, code: str) -> CellClass | None:
    """The cell class a coding names (LOINC or local), None when it names none."""
    if code_system == system("cell_class"):
        try:
            return CellClass(code)
        except ValueError:
            return None
    if code_system == system("loinc"):
        for cell, row in _TABLE["cells"].items():
            if row["code"] == code:
                return CellClass(cell)
    return None


def analyte_for_loinc(code: str) -> str | None:
    """The CBC analyte key (``hb``, ``wbc``...) of a LOINC code, None when not a CBC code.

    Alternate codes of the table count too (blasts: 709-6 manual count, or 26446-5).
    """
    for key in ANALYTES:
        info = analyte_info(key)
        if code and (info.loinc == code or code in info.loinc_alternates):
            return key
    return None


@dataclass(frozen=True, slots=True)
class ExportSite:
    """How the hospital names its patients and orders in what we send (``config``).

    A receiving EHR files a result by the identifiers it issued itself: the MRN under its
    own assigning authority (HL7 PID-3.4) or system (FHIR), and the order under the
    system of its order numbers; '' sends ours, marked with its type.
    """

    assigning_authority: str = ""  # PID-3.4; FHIR Patient.identifier.assigner
    mrn_system: str = ""  # FHIR Patient.identifier.system ('' = ours)
    placer_system: str = ""  # FHIR system of an order number received over HL7 ('' none)
    provider_id_type: str = ""  # table 0203 type of a staff provider id that names none


@dataclass(frozen=True, slots=True)
class CaseExport:
    """What an export carries: the case read back whole, its differential (when counted),
    the conclusion text and the report PDF (when the report service provides one)."""

    record: CaseRecord
    differential: Differential | None
    conclusion: str
    generated_at: datetime
    pdf: bytes | None = None
    final: bool = False  # True when the conclusion comes from a signed report
    # the signed version exported: its kind (original, amendment, addendum), when and by
    # whom it was signed; an amendment goes out as amended/corrected (FHIR, HL7 'C')
    kind: str = "original"
    signed_at: datetime | None = None
    signed_by: str = ""
    # when the exported differential was counted (its slide count last saved), so that
    # its Observations are issued between the specimen's collection and the report
    counted_at: datetime | None = None
    # the signed risk line (report field ``risk_scores``): its groups go out coded
    risk_scores: str = ""
    # the signed ICD-10 / ICD-O-3 fields by field name: the report's conclusion codes
    diagnosis_codes: Mapping[str, str] = field(default_factory=dict)
    # the signer as a person: the name as it stood at signing and, when their account
    # holds one, their provider identifier (an NPI or the site's type); the signed
    # addendum's own text, sent apart so that an EHR showing no PDF still shows it
    signer_name: str = ""
    signer_id: str = ""
    signer_id_type: str = ""
    addendum: str = ""
    site: ExportSite = field(default_factory=ExportSite)

    @property
    def amended(self) -> bool:
        """Whether the exported version replaces or adds to an earlier signed one."""
        return self.final and self.kind in ("amendment", "addendum")

    @property
    def issued(self) -> datetime:
        """When this version was issued: its sign-out time, else the export time."""
        return self.signed_at or self.generated_at


@dataclass(frozen=True, slots=True)
class CbcImport:
    """A blood count read from a message, still in the units it was sent in.

    ``measurements`` is ``{analyte: (value, unit)}`` for ``domain.cbc.parse_blood_count``,
    which converts and checks every value before anything is written.
    """

    collected_at: datetime
    measurements: dict[str, tuple[float, str]]
    laboratory: str = ""
    patient_mrn: str = ""
    message_id: str = ""
    # what an HL7 message adds: the result status (final, preliminary, corrected), values
    # sent as a bound (``{"blasts_percent": "<"}`` for ``<^0.01``), the sender (MSH-3^MSH-4),
    # the order the result answers (OBR-3 filler, else OBR-2 placer) and the patient's
    # name, sex and birth date as sent, to be checked against the MRN's patient
    status: str = "final"
    comparators: dict[str, str] = field(default_factory=dict)
    sender: str = ""
    order_id: str = ""
    identity: PatientIdentity | None = None


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    """The patient as a message names them (PID-5, PID-7, PID-8); '' / None when not sent."""

    family_name: str = ""
    given_name: str = ""
    birth_date: date | None = None
    sex: str = ""  # HL7 table 0001: F, M, O, U, A, N


def range_for_cell(cell: CellClass) -> ReferenceRange | None:
    """The adult reference range of one cell class, where the table has one for it alone.

    Ranges are kept per quantity (``reference_ranges.toml``); only a quantity made of this
    single class applies to its row (e.g. ``blasts`` = BLA), never a grouped one.
    """
    for name, definition in quantity_definitions().items():
        if definition.codes == (cell,):
            return reference_range(name)
    return None


def me_range() -> ReferenceRange | None:
    """The adult reference range of the M:E ratio."""
    return reference_range("me_ratio")
