"""The parsed karyotype: clones, their abnormalities and breakpoints, as ISCN 2020 names them.

Everything is frozen and compares by content, so ``parse(str(k)) == k`` holds: the
canonical rendering (``str``) writes what was parsed in ISCN form without the spaces and
variants a report may carry. Text spans into the original string are kept for messages
and highlighting but take no part in equality.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

__all__ = [
    "AUTOSOMES",
    "AbnormalityKind",
    "Abnormality",
    "Arm",
    "Breakpoint",
    "ChromosomeNumber",
    "Clone",
    "CloneReference",
    "Karyotype",
    "ReferenceKind",
    "Sign",
]

AUTOSOMES = frozenset(str(n) for n in range(1, 23))


class AbnormalityKind(Enum):
    """ISCN 2020 abnormality codes; NUMERICAL is a whole-chromosome gain or loss (+8, -7)."""

    NUMERICAL = ""
    ADD = "add"
    DEL = "del"
    DER = "der"
    DIC = "dic"
    DUP = "dup"
    HSR = "hsr"
    I = "i"  # noqa: E741 - the ISCN code for an isochromosome
    IDER = "ider"
    IDIC = "idic"
    INS = "ins"
    INV = "inv"
    QDP = "qdp"
    R = "r"
    ROB = "rob"
    T = "t"
    TRP = "trp"
    MAR = "mar"
    DMIN = "dmin"

    @property
    def structural(self) -> bool:
        """Everything except a whole-chromosome gain or loss (markers and rings included)."""
        return self is not AbnormalityKind.NUMERICAL


class Sign(Enum):
    """A leading + (an extra copy) or - (a lost copy); NONE when a normal homologue is replaced."""

    NONE = ""
    PLUS = "+"
    MINUS = "-"


class Arm(Enum):
    """Where a breakpoint lies: short arm, long arm, the centromere, or not known (``?``)."""

    P = "p"
    Q = "q"
    CEN = "cen"
    UNKNOWN = "?"


@dataclass(frozen=True)
class Breakpoint:
    """One band: ``q22.1`` is (Q, "22.1"), ``pter`` is (P, "ter"), ``q`` alone is (Q, "").

    ``upto`` holds the far end of an uncertain range written ``q21~q23``.
    """

    arm: Arm
    band: str = ""
    upto: Breakpoint | None = None

    @property
    def major(self) -> str:
        """The band without sub-bands, e.g. "q22" for q22.1: what recognition tables compare."""
        return self.arm.value + self.band.split(".")[0]

    @property
    def whole_arm(self) -> bool:
        """True for the centromeric bands p10/q10 (and an arm named without a band)."""
        return self.arm in (Arm.P, Arm.Q) and self.band in ("10", "")

    def __str__(self) -> str:
        text = self.arm.value if self.arm is not Arm.UNKNOWN or not self.band else ""
        text += self.band
        return text if self.upto is None else f"{text}~{self.upto}"


@dataclass(frozen=True)
class Abnormality:
    """One abnormality as listed between commas (``der`` keeps its parts in ``components``).

    ``chromosomes`` are "1".."22", "X", "Y" or "?"; ``breakpoints`` hold one group per
    chromosome (``del(5)(q13q33)`` has one group of two bands). ``copies`` is the ISCN
    multiplication (``x2``); ``amount`` the low/high number of markers, rings or double
    minutes (``+3~5mar`` is (3, 5)). ``constitutional`` is ISCN's trailing ``c``.
    """

    kind: AbnormalityKind
    chromosomes: tuple[str, ...] = ()
    breakpoints: tuple[tuple[Breakpoint, ...], ...] = ()
    sign: Sign = Sign.NONE
    components: tuple[Abnormality, ...] = ()
    copies: int = 1
    amount: tuple[int, int] = (1, 1)
    constitutional: bool = False
    uncertain: bool = False
    label: str = ""
    span: tuple[int, int] = field(default=(0, 0), compare=False)

    @property
    def is_gain(self) -> bool:
        return self.kind is AbnormalityKind.NUMERICAL and self.sign is Sign.PLUS

    @property
    def is_loss(self) -> bool:
        return self.kind is AbnormalityKind.NUMERICAL and self.sign is Sign.MINUS

    def __str__(self) -> str:
        text = self.sign.value + ("?" if self.uncertain else "")
        if self.kind in (AbnormalityKind.MAR, AbnormalityKind.DMIN) or (
            self.kind is AbnormalityKind.R and not self.chromosomes
        ):
            low, high = self.amount
            text += "" if (low, high) == (1, 1) else (str(low) if low == high else f"{low}~{high}")
            text += self.kind.value + self.label
        elif self.kind is AbnormalityKind.NUMERICAL:
            text += self.chromosomes[0]
        else:
            text += f"{self.kind.value}({';'.join(self.chromosomes)})"
            if self.breakpoints:
                groups = ("".join(str(b) for b in group) for group in self.breakpoints)
                text += f"({';'.join(groups)})"
            text += "".join(str(part) for part in self.components)
        if self.copies != 1:
            text += f"x{self.copies}"
        return text + ("c" if self.constitutional else "")


@dataclass(frozen=True)
class ChromosomeNumber:
    """The modal number, a range for composite or variable clones (45~48), and ploidy <3n>."""

    low: int
    high: int
    ploidy: int | None = None

    def __str__(self) -> str:
        text = str(self.low) if self.low == self.high else f"{self.low}~{self.high}"
        return text if self.ploidy is None else f"{text}<{self.ploidy}n>"


class ReferenceKind(Enum):
    """ISCN shorthands for "the abnormalities of an earlier clone, plus": idem, sl, sdl."""

    IDEM = "idem"
    SL = "sl"
    SDL = "sdl"


@dataclass(frozen=True)
class CloneReference:
    """A subclone written relative to an earlier one; ``index`` is sdl's number (sdl1, sdl2)."""

    kind: ReferenceKind
    index: int | None = None
    copies: int = 1

    def __str__(self) -> str:
        text = self.kind.value + ("" if self.index is None else str(self.index))
        return text if self.copies == 1 else f"{text}x{self.copies}"


@dataclass(frozen=True)
class Clone:
    """One clone (cell line) between slashes.

    ``written`` is what the string lists after the sex chromosomes or the reference;
    ``abnormalities`` is the resolved list (the referenced clone's list plus ``written``),
    which every count and fact reads. ``metaphases`` is None where no ``[n]`` was given.
    """

    modal_number: ChromosomeNumber
    sex_chromosomes: str
    abnormalities: tuple[Abnormality, ...]
    written: tuple[Abnormality, ...]
    metaphases: int | None
    reference: CloneReference | None = None
    sex_constitutional: bool = False
    composite: bool = False
    incomplete: bool = False

    @property
    def acquired(self) -> tuple[Abnormality, ...]:
        """The abnormalities that are not constitutional: what makes a clone abnormal."""
        return tuple(a for a in self.abnormalities if not a.constitutional)

    @property
    def abnormal(self) -> bool:
        """46,XX and 46,XY, and clones with constitutional changes only, count as normal."""
        return bool(self.acquired)

    def __str__(self) -> str:
        head = str(self.reference) if self.reference else self.sex_chromosomes
        if self.reference is None and self.sex_constitutional:
            head += "c"
        fields = [str(self.modal_number), head, *(str(a) for a in self.written)]
        if self.incomplete:
            fields.append("inc")
        text = ",".join(fields)
        if self.metaphases is not None:
            text += f"[{'cp' if self.composite else ''}{self.metaphases}]"
        return text


@dataclass(frozen=True)
class Karyotype:
    """A whole karyotype: its clones in the order written (the stemline first, normal last).

    ``in_situ`` keeps an ``ish``/``nuc ish`` tail verbatim: it is not interpreted.
    """

    clones: tuple[Clone, ...]
    in_situ: str = ""
    source_text: str = field(default="", compare=False)

    @property
    def metaphases_total(self) -> int | None:
        counts = [c.metaphases for c in self.clones]
        return None if any(n is None for n in counts) else sum(n for n in counts if n)

    @property
    def metaphases_abnormal(self) -> int | None:
        """Derived, never typed: the sum over the abnormal clones (None if one has no count)."""
        counts = [c.metaphases for c in self.clones if c.abnormal]
        return None if any(n is None for n in counts) else sum(n for n in counts if n)

    @property
    def normal(self) -> bool:
        return not any(c.abnormal for c in self.clones)

    def __str__(self) -> str:
        text = "/".join(str(c) for c in self.clones)
        return f"{text}.{self.in_situ}" if self.in_situ else text
