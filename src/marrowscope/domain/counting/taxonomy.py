"""Cell classes of a bone marrow differential, keyed by the Matek 2021 codes.

The facts about each class (lineage, maturation order, whether it enters the
nucleated differential and the M:E ratio) live in ``tables/taxonomy.toml`` with
their sources; this module only gives them types.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from marrowscope.domain.errors import UnknownCellCode
from marrowscope.domain.tables import load_table

__all__ = [
    "CellClass",
    "CellClassInfo",
    "Lineage",
    "MERole",
    "PbcLabel",
    "all_classes",
    "cell_class",
    "info",
    "pbc_label",
]


class CellClass(StrEnum):
    """Closed set of codes a count may use (Matek 2021 plus laboratory additions)."""

    BLA = "BLA"
    LBL = "LBL"
    PMO = "PMO"
    FGC = "FGC"
    MYB = "MYB"
    MMZ = "MMZ"
    NGB = "NGB"
    NGS = "NGS"
    EOS = "EOS"
    ABE = "ABE"
    BAS = "BAS"
    MAS = "MAS"
    MON = "MON"
    MAC = "MAC"
    PEB = "PEB"
    EBA = "EBA"
    EPC = "EPC"
    EOC = "EOC"
    EBO = "EBO"
    LYI = "LYI"
    LYT = "LYT"
    HAC = "HAC"
    PLM = "PLM"
    MGK = "MGK"
    PLT = "PLT"
    OTH = "OTH"
    KSC = "KSC"
    NIF = "NIF"
    ART = "ART"


class Lineage(StrEnum):
    """Series a cell belongs to."""

    BLAST = "blast"
    GRANULOCYTIC = "granulocytic"
    EOSINOPHILIC = "eosinophilic"
    BASOPHILIC = "basophilic"
    MAST = "mast"
    MONOCYTIC = "monocytic"
    ERYTHROID = "erythroid"
    LYMPHOID = "lymphoid"
    PLASMA = "plasma"
    MEGAKARYOCYTIC = "megakaryocytic"
    OTHER = "other"
    NON_CELL = "non-cell"


class MERole(StrEnum):
    """Role in the M:E ratio; BLAST and MONOCYTIC count as myeloid by the lab's choice."""

    MYELOID = "myeloid"
    ERYTHROID = "erythroid"
    BLAST = "blast"
    MONOCYTIC = "monocytic"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class CellClassInfo:
    """What the taxonomy table says of one class."""

    code: CellClass
    name: str
    lineage: Lineage
    maturation_order: int
    in_differential: bool
    me_role: MERole
    source: str


@dataclass(frozen=True, slots=True)
class PbcLabel:
    """How a label of the Acevedo 2020 peripheral blood set maps onto a code."""

    label: str
    code: CellClass
    ambiguous: bool
    candidates: tuple[CellClass, ...]


@cache
def _infos() -> dict[CellClass, CellClassInfo]:
    rows = load_table("taxonomy")["classes"]
    table = {
        CellClass(code): CellClassInfo(
            code=CellClass(code),
            name=row["name"],
            lineage=Lineage(row["lineage"]),
            maturation_order=int(row["maturation_order"]),
            in_differential=bool(row["in_differential"]),
            me_role=MERole(row["me_role"]),
            source=row["source"],
        )
        for code, row in rows.items()
    }
    missing = set(CellClass) - set(table)
    if missing:  # the table and the enum must describe the same set
        raise RuntimeError(f"taxonomy table lacks {sorted(missing)}")
    return table


def cell_class(code: str) -> CellClass:
    """The class for a code as typed by a person or a file (case and spaces forgiven)."""
    cleaned = code.strip().upper()
    try:
        return CellClass(cleaned)
    except ValueError:
        known = ", ".join(c.value for c in CellClass)
        raise UnknownCellCode(f"unknown cell code {code!r}; known codes: {known}") from None


def info(code: CellClass) -> CellClassInfo:
    """Table facts of one class."""
    return _infos()[code]


def all_classes() -> tuple[CellClassInfo, ...]:
    """Every class, in table order (blasts first, non-cells last)."""
    return tuple(_infos().values())


@cache
def _pbc_labels() -> dict[str, PbcLabel]:
    rows = load_table("taxonomy")["pbc_labels"]
    return {
        label: PbcLabel(
            label=label,
            code=CellClass(row["code"]),
            ambiguous=bool(row.get("ambiguous", False)),
            candidates=tuple(CellClass(c) for c in row.get("candidates", [row["code"]])),
        )
        for label, row in rows.items()
    }


def pbc_label(label: str) -> PbcLabel:
    """Taxonomy mapping of a label of ``pbc/labels.csv``."""
    try:
        return _pbc_labels()[label.strip().upper()]
    except KeyError:
        raise UnknownCellCode(f"unknown PBC label {label!r}") from None
