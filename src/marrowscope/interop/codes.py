"""Codes shared by the FHIR and HL7 v2 adapters, read from ``domain/tables/loinc.toml``.

Kept in one place so that both message formats name a cell class, an analyte or the
differential panel identically: an import of our own export must find its codes again.
A cell class with no checked LOINC bone marrow code is sent with the local code system
(its marrowscope code); no LOINC code is ever made up here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from marrowscope.domain.cbc import ANALYTES, analyte_info
from marrowscope.domain.differential import Differential
from marrowscope.domain.pathway import CaseRecord
from marrowscope.domain.quantities import quantity_definitions
from marrowscope.domain.reference_ranges import ReferenceRange, reference_range
from marrowscope.domain.tables import load_table
from marrowscope.domain.taxonomy import CellClass

__all__ = [
    "CaseExport",
    "CbcImport",
    "Code",
    "analyte_for_loinc",
    "cell_code",
    "cell_for_code",
    "local_cell_code",
    "me_range",
    "panel_code",
    "range_for_cell",
    "system",
]

_TABLE = load_table("loinc")


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


def panel_code(name: str) -> Code:
    """LOINC code of ``differential``, ``me_ratio`` or ``cells_counted``."""
    row = _TABLE["panel"][name]
    return Code(system("loinc"), str(row["code"]), str(row["display"]))


def cell_code(cell: CellClass, name: str) -> Code:
    """The LOINC code of a cell class where one is listed, else its local code."""
    row = _TABLE["cells"].get(cell.value)
    if row is not None:
        return Code(system("loinc"), str(row["code"]), str(row["display"]))
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
    """The CBC analyte key (``hb``, ``wbc``...) of a LOINC code, None when not a CBC code."""
    for key in ANALYTES:
        if analyte_info(key).loinc == code:
            return key
    return None


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
