"""Specimens and laboratory tests: kinds, accession numbers, the test state machine,
turnaround targets and the overdue list.

Test states::

    ordered -> collected -> received -> in_process -> resulted -> verified
       |           |           |            |
       +-----------+-----------+------------+--> rejected (reason) | cancelled (reason)

A verified result may be amended: a new result version returns the test to
``resulted`` for re-verification (the old version is kept, superseded).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from marrowscope.domain.errors import InvalidInput, TransitionNotAllowed
from marrowscope.domain.tables import load_table

__all__ = [
    "ACCESSION_PATTERN",
    "LabTest",
    "OverdueTest",
    "Specimen",
    "SpecimenKind",
    "SpecimenLabel",
    "TERMINAL_STATES",
    "TestState",
    "TestType",
    "check_accession",
    "check_test_fits_specimen",
    "format_accession",
    "next_state",
    "overdue",
    "turnaround_hours",
]


class SpecimenKind(StrEnum):
    """What went into the container."""

    ASPIRATE_EDTA = "aspirate_edta"
    ASPIRATE_HEPARIN = "aspirate_heparin"
    ASPIRATE_SMEAR = "aspirate_smear"
    CLOT = "clot"
    TREPHINE_CORE = "trephine_core"
    TOUCH_IMPRINT = "touch_imprint"
    CULTURE_BOTTLE = "culture_bottle"
    PERIPHERAL_BLOOD_FILM = "peripheral_blood_film"


class TestType(StrEnum):
    """Laboratory work ordered on a specimen."""

    __test__ = False  # not a pytest test class despite the name

    SMEAR_MORPHOLOGY = "smear_morphology"
    IRON_STAIN = "iron_stain"
    FLOW_CYTOMETRY = "flow_cytometry"
    KARYOTYPE = "karyotype"
    FISH = "fish"
    MOLECULAR_PANEL = "molecular_panel"
    CULTURE = "culture"
    TREPHINE_HISTOLOGY = "trephine_histology"
    IMMUNOHISTOCHEMISTRY = "immunohistochemistry"
    MRD = "mrd"  # measurable residual disease: flow, NPM1 qPCR, NGS


_FITS: dict[TestType, frozenset[SpecimenKind]] = {
    TestType.SMEAR_MORPHOLOGY: frozenset(
        {
            SpecimenKind.ASPIRATE_SMEAR,
            SpecimenKind.PERIPHERAL_BLOOD_FILM,
            SpecimenKind.TOUCH_IMPRINT,
        }
    ),
    TestType.IRON_STAIN: frozenset({SpecimenKind.ASPIRATE_SMEAR, SpecimenKind.TREPHINE_CORE}),
    TestType.FLOW_CYTOMETRY: frozenset({SpecimenKind.ASPIRATE_EDTA, SpecimenKind.ASPIRATE_HEPARIN}),
    TestType.MRD: frozenset({SpecimenKind.ASPIRATE_EDTA, SpecimenKind.ASPIRATE_HEPARIN}),
    TestType.KARYOTYPE: frozenset({SpecimenKind.ASPIRATE_HEPARIN}),
    TestType.FISH: frozenset(
        {SpecimenKind.ASPIRATE_HEPARIN, SpecimenKind.ASPIRATE_EDTA, SpecimenKind.TREPHINE_CORE}
    ),
    TestType.MOLECULAR_PANEL: frozenset({SpecimenKind.ASPIRATE_EDTA}),
    TestType.CULTURE: frozenset({SpecimenKind.CULTURE_BOTTLE}),
    TestType.TREPHINE_HISTOLOGY: frozenset({SpecimenKind.TREPHINE_CORE, SpecimenKind.CLOT}),
    TestType.IMMUNOHISTOCHEMISTRY: frozenset({SpecimenKind.TREPHINE_CORE, SpecimenKind.CLOT}),
}


def check_test_fits_specimen(test: TestType, kind: SpecimenKind) -> None:
    """Refuse a test on a specimen that cannot give it (karyotype needs heparin: live cells)."""
    if kind not in _FITS[test]:
        allowed = ", ".join(sorted(k.value for k in _FITS[test]))
        raise InvalidInput(
            f"test_type: {test.value} cannot be done on {kind.value} (use {allowed})"
        )


class TestState(StrEnum):
    """Where a test stands."""

    __test__ = False  # not a pytest test class despite the name

    ORDERED = "ordered"
    COLLECTED = "collected"
    RECEIVED = "received"
    IN_PROCESS = "in_process"
    RESULTED = "resulted"
    VERIFIED = "verified"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


TERMINAL_STATES = frozenset({TestState.VERIFIED, TestState.REJECTED, TestState.CANCELLED})

_FORWARD: dict[TestState, TestState] = {
    TestState.ORDERED: TestState.COLLECTED,
    TestState.COLLECTED: TestState.RECEIVED,
    TestState.RECEIVED: TestState.IN_PROCESS,
    TestState.IN_PROCESS: TestState.RESULTED,
    TestState.RESULTED: TestState.VERIFIED,
}
_STOPPABLE = frozenset(
    {TestState.ORDERED, TestState.COLLECTED, TestState.RECEIVED, TestState.IN_PROCESS}
)


def next_state(current: TestState, target: TestState, reason: str = "") -> TestState:
    """``target`` if the machine allows ``current -> target``; otherwise refuse.

    Rejection and cancellation need a reason and are allowed until a result exists.
    """
    if target in (TestState.REJECTED, TestState.CANCELLED):
        if current not in _STOPPABLE:
            raise TransitionNotAllowed(f"a test that is {current.value} cannot be {target.value}")
        if not reason.strip():
            raise InvalidInput(f"reason: required to mark a test {target.value}")
        return target
    if _FORWARD.get(current) is not target:
        allowed = [s.value for s in (_FORWARD.get(current),) if s] + (
            ["rejected", "cancelled"] if current in _STOPPABLE else []
        )
        raise TransitionNotAllowed(
            f"a test cannot go from {current.value} to {target.value}"
            + (f" (next: {', '.join(allowed)})" if allowed else " (it is final)")
        )
    return target


ACCESSION_PATTERN = re.compile(r"^[A-Z]{2}\d{2}-\d{6}$")


def format_accession(prefix: str, year: int, serial: int) -> str:
    """E.g. ``BM26-000042``: laboratory prefix, two-digit year, serial within the year."""
    return check_accession(f"{prefix.upper()}{year % 100:02d}-{serial:06d}")


def check_accession(accession: str) -> str:
    """Refuse an accession number that does not have the laboratory's format."""
    cleaned = accession.strip().upper()
    if not ACCESSION_PATTERN.match(cleaned):
        raise InvalidInput(f"accession: {accession!r} is not of the form BM26-000042")
    return cleaned


@dataclass(frozen=True, slots=True)
class Specimen:
    """A container with one accession number."""

    id: int
    case_id: int
    accession: str
    kind: SpecimenKind
    collected_at: datetime
    collected_by: str
    received_at: datetime | None = None
    notes: str = ""


@dataclass(frozen=True, slots=True)
class LabTest:
    """A test ordered on a specimen, with its state."""

    id: int
    specimen_id: int
    test_type: TestType
    state: TestState
    ordered_at: datetime
    ordered_by: str
    received_at: datetime | None = None
    state_reason: str = ""
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SpecimenLabel:
    """What a printed label shows (rendering to a barcode lives outside the domain)."""

    accession: str
    patient_name: str
    mrn: str
    birth_date: str
    kind: str
    collected_at: str

    @property
    def lines(self) -> list[str]:
        return [
            self.patient_name,
            f"MRN {self.mrn}  DOB {self.birth_date}",
            self.kind,
            f"Collected {self.collected_at}",
            self.accession,
        ]


def turnaround_hours(test: TestType) -> float:
    """The target hours from receipt to verified result (``tables/turnaround.toml``)."""
    return float(load_table("turnaround")["tests"][test.value]["target_hours"])


@dataclass(frozen=True, slots=True)
class OverdueTest:
    """A test past its turnaround target."""

    test: LabTest
    due_at: datetime
    hours_overdue: float


def overdue(tests: Iterable[LabTest], now: datetime) -> list[OverdueTest]:
    """Unfinished tests past their target (clock starts at receipt, else at ordering).

    Most overdue first, so the laboratory chases the worst first.
    """
    out: list[OverdueTest] = []
    for t in tests:
        if t.state in TERMINAL_STATES:
            continue
        start = t.received_at or t.ordered_at
        due = start + timedelta(hours=turnaround_hours(t.test_type))
        if now > due:
            out.append(OverdueTest(t, due, round((now - due).total_seconds() / 3600, 1)))
    return sorted(out, key=lambda o: -o.hours_overdue)
