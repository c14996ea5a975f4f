"""Use cases of lab tests: add-on orders, the state machine, structured results with
versions, and verification by a second person.

Kept apart from specimens because results carry their own rules: a result is posted
only to an ordered test in process, a correction needs a reason and supersedes the
earlier version, and the one who entered a result never verifies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import InvalidInput, NotAllowed, NotFound
from marrowscope.domain.lab import (
    LabResult,
    LabTest,
    Specimen,
    TestState,
    TestType,
    check_accession,
    check_test_fits_specimen,
    next_state,
    parse_result,
    result_to_dict,
)
from marrowscope.domain.pathway.records import ResultVersion
from marrowscope.domain.roles import Actor
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import require_staff
from marrowscope.services.lab.steps import (
    COLLECTORS,
    LABORATORY,
    VERIFIERS,
    audit_test,
    get_specimen,
)
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = ["advance_test", "order_test", "post_result", "post_result_by_accession", "verify_result"]


@transactional
def order_test(
    uow: UnitOfWork, actor: Actor, specimen_id: int, test_type: TestType | str
) -> LabTest:
    """An add-on test on a specimen already in hand (it starts ``ordered``)."""
    require_staff(actor, COLLECTORS | LABORATORY)
    specimen = get_specimen(uow, actor, specimen_id)
    try:
        t = TestType(test_type)
    except ValueError as error:
        raise InvalidInput(f"test_type: {error}") from error
    check_test_fits_specimen(t, specimen.kind)
    test = uow.pathway.add_test(specimen.id, t, at=uow.now(), by=actor.username)
    audit_test(uow, actor, test, None, specimen.case_id, "")
    uow.commit()
    return test


def _test(uow: UnitOfWork, actor: Actor, test_id: int) -> tuple[LabTest, Specimen]:
    test = uow.pathway.get_test(test_id)
    if test is None:
        raise NotFound(f"no test {test_id} was ordered")
    return test, get_specimen(uow, actor, test.specimen_id)


@transactional
def advance_test(
    uow: UnitOfWork, actor: Actor, test_id: int, target: TestState | str, *, reason: str = ""
) -> LabTest:
    """Move a test along its state machine (results use ``post_result``/``verify_result``)."""
    require_staff(actor, LABORATORY | COLLECTORS)
    test, specimen = _test(uow, actor, test_id)
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
    audit_test(uow, actor, moved, test.state, specimen.case_id, reason.strip())
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
    test, specimen = _test(uow, actor, test_id)
    result = parse_result(test.test_type, data)
    payload = result_to_dict(result)
    now = uow.now()
    previous = uow.pathway.current_result(test.id)
    if test.state is TestState.IN_PROCESS:
        version = uow.pathway.add_result(test.id, payload, at=now, by=actor.username)
        moved = uow.pathway.set_test_state(test, TestState.RESULTED, at=now, by=actor.username)
        audit_test(uow, actor, moved, test.state, specimen.case_id, "")
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
            audit_test(uow, actor, moved, test.state, specimen.case_id, correction_reason)
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
    test, specimen = _test(uow, actor, test_id)
    current = uow.pathway.current_result(test.id)
    if current is None or test.state is not TestState.RESULTED:
        raise NotAllowed(f"verify: test {test.id} is {test.state.value}, not resulted")
    if current.resulted_by == actor.username:
        raise NotAllowed("verify: the person who entered the result cannot verify it")
    now = uow.now()
    uow.pathway.verify_result(current.id, at=now, by=actor.username)
    moved = uow.pathway.set_test_state(test, TestState.VERIFIED, at=now, by=actor.username)
    audit_test(uow, actor, moved, test.state, specimen.case_id, "")
    uow.commit()
    return moved
