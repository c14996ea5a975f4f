"""Use cases of the laboratory: specimens with accession numbers, tests and their state
machine, structured results with versions, verification, and the overdue list.

Every write is one audited transaction. A result can only be posted to a test that was
ordered (``NotFound`` otherwise) and that is in process; a duplicate accession number is
a ``Conflict``; a state move the machine does not allow is ``TransitionNotAllowed``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from marrowscope.domain.lab_tests import LabResult, parse_result, result_to_dict
from marrowscope.domain.pathway import RecordKind, ResultVersion
from marrowscope.domain.roles import Actor, Role
from marrowscope.domain.specimen import (
    LabTest,
    OverdueTest,
    Specimen,
    SpecimenKind,
    SpecimenLabel,
    TestState,
    TestType,
    check_accession,
    check_test_fits_specimen,
    format_accession,
    next_state,
    overdue,
)
from marrowscope.services.audit import record_audit
from marrowscope.services.patients import get_case, require_staff
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = [
    "ACCESSION_PREFIX",
    "advance_test",
    "collect_specimen",
    "order_test",
    "overdue_tests",
    "post_result",
    "post_result_by_accession",
    "receive_specimen",
    "specimen_label",
    "verify_result",
    "worklist",
]

ACCESSION_PREFIX = "BM"
_ACCESSION_ATTEMPTS = 5
COLLECTORS = frozenset({Role.PROCEDURALIST, Role.NURSE, Role.CLINICIAN})
LABORATORY = frozenset({Role.LAB_SCIENTIST, Role.MORPHOLOGIST, Role.PATHOLOGIST})
VERIFIERS = frozenset({Role.MORPHOLOGIST, Role.PATHOLOGIST, Role.LAB_SCIENTIST})


@dataclass(frozen=True, slots=True)
class CollectedSpecimen:
    """A new specimen and the tests ordered on it."""

    specimen: Specimen
    tests: list[LabTest]


def _next_accession(uow: UnitOfWork) -> str:
    year = uow.now().year % 100
    prefix = f"{ACCESSION_PREFIX}{year:02d}-"
    return format_accession(ACCESSION_PREFIX, year, uow.pathway.next_serial(prefix))


def _audit_test(
    uow: UnitOfWork, actor: Actor, test: LabTest, old: TestState | None, case_id: int, reason: str
) -> None:
    record_audit(
        uow,
        actor,
        "lab_test",
        test.id,
        AuditAction.CREATE if old is None else AuditAction.TRANSITION,
        None if old is None else {"state": old, "reason": ""},
        {"state": test.state, "test_type": test.test_type, "reason": reason},
        case_id=case_id,
    )


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
    tests ordered on it; those tests are created ``ordered`` and moved to ``collected``."""
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
        _audit_test(uow, actor, test, None, case.id, "")
        moved = uow.pathway.set_test_state(test, TestState.COLLECTED, at=now, by=actor.username)
        _audit_test(uow, actor, moved, TestState.ORDERED, case.id, "")
        created.append(moved)
    uow.commit()
    return CollectedSpecimen(specimen, created)


def _specimen_case(uow: UnitOfWork, specimen_id: int) -> Specimen:
    specimen = uow.pathway.get_specimen(specimen_id)
    if specimen is None:
        raise NotFound(f"no specimen {specimen_id}")
    return specimen


@transactional
def order_test(
    uow: UnitOfWork, actor: Actor, specimen_id: int, test_type: TestType | str
) -> LabTest:
    """An add-on test on a specimen already in hand (it starts ``ordered``)."""
    require_staff(actor, COLLECTORS | LABORATORY)
    specimen = _specimen_case(uow, specimen_id)
    try:
        t = TestType(test_type)
    except ValueError as error:
        raise InvalidInput(f"test_type: {error}") from error
    check_test_fits_specimen(t, specimen.kind)
    test = uow.pathway.add_test(specimen.id, t, at=uow.now(), by=actor.username)
    _audit_test(uow, actor, test, None, specimen.case_id, "")
    uow.commit()
    return test


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
            _audit_test(uow, actor, new, test.state, specimen.case_id, "")
            moved.append(new)
    uow.commit()
    return moved


def _test(uow: UnitOfWork, test_id: int) -> tuple[LabTest, Specimen]:
    test = uow.pathway.get_test(test_id)
    if test is None:
        raise NotFound(f"no test {test_id} was ordered")
    return test, _specimen_case(uow, test.specimen_id)


@transactional
def advance_test(
    uow: UnitOfWork, actor: Actor, test_id: int, target: TestState | str, *, reason: str = ""
) -> LabTest:
    """Move a test along its state machine (results use ``post_result``/``verify_result``)."""
    require_staff(actor, LABORATORY | COLLECTORS)
    test, specimen = _test(uow, test_id)
    try:
        to = TestState(target)
    except ValueError as error:
        raise InvalidInput(f"state: {error}") from error
    if to in (TestState.RESULTED, TestState.VERIFIED):
        raise NotAllowed("state: post a result (or verify it) to reach this state")
    next_state(test.state, to, reason)
    received = uow.now() if to is TestState.RECEIVED else None
    moved = uow.pathway.set_test_state(
        test, to, at=uow.now(), by=actor.username, reason=reason.strip(), received_at=received
    )
    _audit_test(uow, actor, moved, test.state, specimen.case_id, reason.strip())
    uow.commit()
    return moved


@transactional
def post_result(
    uow: UnitOfWork,
    actor: Actor,
    test_id: int,
    data: Mapping[str, Any],
    *,
    correction_reason: str = "",
) -> tuple[LabTest, ResultVersion, LabResult]:
    """Post the structured result of an in-process test, or correct a posted one.

    A correction (test already resulted or verified) needs a reason; it supersedes the
    earlier version and sends the test back to ``resulted`` for verification.
    """
    require_staff(actor, LABORATORY)
    test, specimen = _test(uow, test_id)
    result = parse_result(test.test_type, data)
    payload = result_to_dict(result)
    now = uow.now()
    previous = uow.pathway.current_result(test.id)
    if test.state is TestState.IN_PROCESS:
        version = uow.pathway.add_result(test.id, payload, at=now, by=actor.username)
        moved = uow.pathway.set_test_state(test, TestState.RESULTED, at=now, by=actor.username)
        _audit_test(uow, actor, moved, test.state, specimen.case_id, "")
    elif test.state in (TestState.RESULTED, TestState.VERIFIED) and previous is not None:
        if not correction_reason.strip():
            raise InvalidInput("correction_reason: a result already exists; say why it changes")
        version = uow.pathway.add_result(
            test.id, payload, at=now, by=actor.username, supersedes=previous,
            reason=correction_reason.strip(),
        )  # fmt: skip
        moved = test
        if test.state is TestState.VERIFIED:
            # an amended result must be verified again
            moved = uow.pathway.set_test_state(
                test, TestState.RESULTED, at=now, by=actor.username,
                reason=f"amended: {correction_reason.strip()}",
            )  # fmt: skip
            _audit_test(uow, actor, moved, test.state, specimen.case_id, correction_reason)
    else:
        raise NotAllowed(
            f"result: test {test.id} is {test.state.value}; a result is posted when it is "
            "in process"
        )
    record_audit(
        uow,
        actor,
        "lab_result",
        version.id,
        AuditAction.CREATE if previous is None else AuditAction.SUPERSEDE,
        None if previous is None else dict(previous.payload),
        {**payload, "version": version.version},
        case_id=specimen.case_id,
    )
    uow.commit()
    return moved, version, result


@transactional
def post_result_by_accession(
    uow: UnitOfWork,
    actor: Actor,
    accession: str,
    test_type: TestType | str,
    data: Mapping[str, Any],
) -> tuple[LabTest, ResultVersion, LabResult]:
    """Post a result for ``test_type`` on the specimen ``accession`` (an analyser feed).

    A result for a test that was never ordered on that specimen is refused.
    """
    specimen = uow.pathway.specimen_by_accession(check_accession(accession))
    if specimen is None:
        raise NotFound(f"no specimen with accession {accession}")
    try:
        t = TestType(test_type)
    except ValueError as error:
        raise InvalidInput(f"test_type: {error}") from error
    candidates = [x for x in uow.pathway.tests_for_specimen(specimen.id) if x.test_type is t]
    if not candidates:
        raise NotFound(f"{t.value} was never ordered on {specimen.accession}")
    return post_result(uow, actor, candidates[-1].id, data)


@transactional
def verify_result(uow: UnitOfWork, actor: Actor, test_id: int) -> LabTest:
    """A second person verifies the current result (four-eyes principle)."""
    require_staff(actor, VERIFIERS)
    test, specimen = _test(uow, test_id)
    current = uow.pathway.current_result(test.id)
    if current is None or test.state is not TestState.RESULTED:
        raise NotAllowed(f"verify: test {test.id} is {test.state.value}, not resulted")
    if current.resulted_by == actor.username:
        raise NotAllowed("verify: the person who entered the result cannot verify it")
    now = uow.now()
    uow.pathway.verify_result(current.id, at=now, by=actor.username)
    moved = uow.pathway.set_test_state(test, TestState.VERIFIED, at=now, by=actor.username)
    _audit_test(uow, actor, moved, test.state, specimen.case_id, "")
    uow.commit()
    return moved


def overdue_tests(uow: UnitOfWork, actor: Actor) -> list[OverdueTest]:
    """Unfinished tests past their turnaround target, most overdue first."""
    require_staff(actor)
    return overdue(uow.pathway.open_tests(), uow.now())


def specimen_label(uow: UnitOfWork, actor: Actor, specimen_id: int) -> SpecimenLabel:
    """What the specimen's label shows (render with ``services.labels``)."""
    require_staff(actor)
    specimen = _specimen_case(uow, specimen_id)
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


@dataclass(frozen=True, slots=True)
class WorkItem:
    """An unfinished test with its specimen, for the laboratory's worklist."""

    test: LabTest
    specimen: Specimen
    overdue_hours: float | None


def worklist(uow: UnitOfWork, actor: Actor) -> list[WorkItem]:
    """Every unfinished test with its specimen, oldest order first; overdue ones say by how much."""
    require_staff(actor)
    tests = uow.pathway.open_tests()
    late = {o.test.id: o.hours_overdue for o in overdue(tests, uow.now())}
    items = []
    for test in tests:
        specimen = uow.pathway.get_specimen(test.specimen_id)
        if specimen is not None:
            items.append(WorkItem(test, specimen, late.get(test.id)))
    return items
