"""Use cases of specimens: collecting one under a new accession number, receiving it in
the laboratory, and what its label shows.

Apart from the tests because the accession number is allocated here: a generated
number that races with another writer's is retried, a number typed by a person is
refused when taken (``Conflict``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from marrowscope.domain.lab import (
    LabTest,
    Specimen,
    SpecimenKind,
    SpecimenLabel,
    TestState,
    TestType,
    check_accession,
    check_test_fits_specimen,
    format_accession,
)
from marrowscope.domain.pathway.order_set import check_specimen_tests
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Actor
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import codec, get_case, require_staff
from marrowscope.services.lab.steps import COLLECTORS, LABORATORY, audit_test, get_specimen
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = [
    "ACCESSION_PREFIX",
    "CollectedSpecimen",
    "collect_specimen",
    "receive_specimen",
    "specimen_label",
]

ACCESSION_PREFIX = "BM"
_ACCESSION_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class CollectedSpecimen:
    """A new specimen and the tests ordered on it."""

    specimen: Specimen
    tests: list[LabTest]


def _next_accession(uow: UnitOfWork) -> str:
    year = uow.now().year % 100
    prefix = f"{ACCESSION_PREFIX}{year:02d}-"
    return format_accession(ACCESSION_PREFIX, year, uow.pathway.next_serial(prefix))


@transactional
def collect_specimen(
    uow: UnitOfWork,
    actor: Actor,
    case_id: int,
    *,
    kind: SpecimenKind | str,
    tests: Sequence[TestType | str] = (),
    collected_at: datetime | None = None,
    accession: str | None = None,
    notes: str = "",
) -> CollectedSpecimen:
    """Register a collected specimen (a new accession number unless one is given) and the
    tests ordered on it; those tests are created ``ordered`` and moved to ``collected``.

    The tests must be among those the case's order asks for and the tube can carry, and
    there must be at least one: a tube with no test would be received and never worked on.
    """
    require_staff(actor, COLLECTORS)
    case = get_case(uow, actor, case_id)
    if (
        uow.pathway.latest(case_id, RecordKind.PROCEDURE) is None
        and kind != "peripheral_blood_film"
    ):
        raise NotAllowed("specimen: record the procedure before registering marrow specimens")
    try:
        kind_value = SpecimenKind(kind)
        test_types = [TestType(t) for t in tests]
    except ValueError as error:
        raise InvalidInput(f"specimen/tests: {error}") from error
    for t in test_types:
        check_test_fits_specimen(t, kind_value)
    order = uow.pathway.latest(case_id, RecordKind.ORDER)
    if order is None:
        raise NotAllowed(
            "specimen: the case has no order yet; the clinician orders the examination and "
            "its tests first"
        )
    check_specimen_tests(codec.order_from(order.payload).tests, kind_value, test_types)
    now = uow.now()
    specimen = None
    for _attempt in range(_ACCESSION_ATTEMPTS):
        number = check_accession(accession) if accession else _next_accession(uow)
        try:
            specimen = uow.pathway.add_specimen(
                case.id, number, kind_value, collected_at=collected_at or now,
                collected_by=actor.username, notes=notes,
            )  # fmt: skip
            break
        except Conflict:
            if accession:  # a number given by a person must be unique: say so
                raise
            # a generated number raced with another writer's: take the next one
    if specimen is None:
        raise Conflict("accession: could not allocate a free number; try again")
    record_audit(
        uow,
        actor,
        "specimen",
        specimen.id,
        AuditAction.CREATE,
        None,
        {"accession": number, "kind": kind_value, "collected_at": specimen.collected_at},
        case_id=case.id,
    )
    created = []
    for t in test_types:
        test = uow.pathway.add_test(specimen.id, t, at=now, by=actor.username)
        audit_test(uow, actor, test, None, case.id, "")
        moved = uow.pathway.set_test_state(test, TestState.COLLECTED, at=now, by=actor.username)
        audit_test(uow, actor, moved, TestState.ORDERED, case.id, "")
        created.append(moved)
    uow.commit()
    return CollectedSpecimen(specimen, created)


@transactional
def receive_specimen(uow: UnitOfWork, actor: Actor, accession: str) -> list[LabTest]:
    """The laboratory scans the label: the specimen and its collected tests are received."""
    require_staff(actor, LABORATORY)
    specimen = uow.pathway.specimen_by_accession(check_accession(accession))
    if specimen is None:
        raise NotFound(f"no specimen with accession {accession}")
    if specimen.received_at is not None:
        raise NotAllowed(f"specimen {specimen.accession} was already received")
    now = uow.now()
    uow.pathway.set_specimen_received(specimen.id, now)
    record_audit(
        uow, actor, "specimen", specimen.id, AuditAction.UPDATE,
        {"received_at": None}, {"received_at": now}, case_id=specimen.case_id,
    )  # fmt: skip
    moved = []
    for test in uow.pathway.tests_for_specimen(specimen.id):
        if test.state is TestState.COLLECTED:
            new = uow.pathway.set_test_state(
                test, TestState.RECEIVED, at=now, by=actor.username, received_at=now
            )
            audit_test(uow, actor, new, test.state, specimen.case_id, "")
            moved.append(new)
    uow.commit()
    return moved


def specimen_label(uow: UnitOfWork, actor: Actor, specimen_id: int) -> SpecimenLabel:
    """What the specimen's label shows (render with ``services.lab``)."""
    require_staff(actor)
    specimen = get_specimen(uow, actor, specimen_id)
    case = get_case(uow, actor, specimen.case_id)
    patient = uow.patients.get(case.patient_id)
    if patient is None:
        raise NotFound("no patient")
    return SpecimenLabel(
        accession=specimen.accession,
        patient_name=patient.display_name,
        mrn=patient.mrn,
        birth_date=patient.birth_date.isoformat(),
        kind=specimen.kind.value.replace("_", " "),
        collected_at=specimen.collected_at.strftime("%Y-%m-%d %H:%M UTC"),
    )
