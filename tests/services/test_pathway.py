"""Pathway use cases on a migrated SQLite database: audited, atomic, superseding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases import model as case
from marrowscope.domain.cases.model import Sex
from marrowscope.domain.errors import (
    Conflict,
    InvalidInput,
    InvalidMeasurement,
    MarrowscopeError,
    NotAllowed,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from marrowscope.domain.lab import TestState
from marrowscope.domain.pathway.procedure import ProcedureRecord, Side, Site
from marrowscope.domain.pathway.records import CaseStage, RecordKind
from marrowscope.domain.pathway.safety import Plan, Sedation, Severity
from marrowscope.domain.pathway.vitals import make_vital
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import cases, lab, pathway
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.services.conftest import FakeClock

LAB = Actor("leo", Role.LAB_SCIENTIST)
MORPH = Actor("mia", Role.MORPHOLOGIST)


def _table_counts(db_url: str) -> dict[str, int]:
    engine = sa.create_engine(db_url)
    names = ["patient", "exam_case", "clinical_record", "specimen", "lab_test",
             "lab_test_event", "lab_result", "audit_log"]  # fmt: skip
    with engine.connect() as conn:
        counts = {n: conn.exec_driver_sql(f"SELECT count(*) FROM {n}").scalar_one() for n in names}
    engine.dispose()
    return counts


def _unchanged(
    db_url: str,
    action: Callable[[], Any],
    error: type[MarrowscopeError],
    uow: UnitOfWork | None = None,
) -> None:
    """``action`` fails with ``error`` and, even if the caller commits its unit after the
    failure, not a row has changed in any table."""
    before = _table_counts(db_url)
    with pytest.raises(error):
        action()
    if uow is not None:
        uow.commit()
    assert _table_counts(db_url) == before


@pytest.fixture
def case_id(uow: UnitOfWork, clinician: Actor) -> int:
    patient = cases.register_patient(
        uow, clinician, mrn="P-1", family_name="Doe", given_name="Jo",
        birth_date=date(1958, 1, 2), sex=Sex.FEMALE,
    )  # fmt: skip
    return cases.open_case(uow, clinician, patient.id).id


def _assessed(uow: UnitOfWork, actor: Actor, case_id: int, clock: FakeClock, **over: Any) -> Any:
    pathway.place_order(uow, actor, case_id, indications=["pancytopenia"], clinical_details="")
    fields = {
        "platelets_per_nl": 80,
        "platelets_at": clock().isoformat(),
        "inr": 1.0,
        "inr_at": clock().isoformat(),
        "consent_by": "patient",
        "consent_signed_by": "Jo Doe",
        "pregnancy": "not_pregnant",
    } | over
    plan = Plan(planned_at=clock() + timedelta(hours=2))
    return pathway.record_assessment(uow, actor, case_id, plan=plan, assessment=fields)


def _procedure(clock: FakeClock) -> ProcedureRecord:
    t0 = clock() - timedelta(minutes=30)
    return ProcedureRecord(
        operator="dr.paul", site=Site.POSTERIOR_ILIAC_CREST, side=Side.LEFT,
        sedation=Sedation.LOCAL, time_out_at=t0, started_at=t0 + timedelta(minutes=1),
        aspirate_at=t0 + timedelta(minutes=3), biopsy_at=t0 + timedelta(minutes=6),
        ended_at=t0 + timedelta(minutes=10), core_length_mm=17, observation_minutes=30,
        vitals=(make_vital(t0, "heart_rate", 135),),
    )  # fmt: skip


def test_cbc_is_stored_flagged_and_audited(uow: UnitOfWork, clinician: Actor, case_id: int) -> None:
    outcome = pathway.record_cbc(
        uow, clinician, case_id, collected_at=uow.now(),
        measurements={"hb": (8.1, "g/dL"), "platelets": 30, "blasts_percent": (3, "%")},
    )  # fmt: skip

    assert outcome.record.payload["values"]["hb"] == 81.0
    assert {s.indication.value for s in outcome.suggestions} == {"pancytopenia", "blasts_in_blood"}
    [entry] = uow.audit.for_entity("cbc", str(outcome.record.id))
    assert entry.actor.username == "dr.clara" and entry.case_id == case_id


def test_an_impossible_cbc_leaves_the_database_unchanged(
    uow: UnitOfWork, clinician: Actor, case_id: int, db_url: str
) -> None:
    _unchanged(
        db_url,
        lambda: pathway.record_cbc(
            uow,
            clinician,
            case_id,
            collected_at=uow.now(),
            measurements={"hb": (92, "g/L"), "platelets": (40, "bananas")},
        ),  # fmt: skip
        InvalidMeasurement,
        uow,
    )


def test_a_correction_supersedes_and_keeps_the_old_version(
    uow: UnitOfWork, clinician: Actor, case_id: int, clock: FakeClock
) -> None:
    first = pathway.record_cbc(
        uow, clinician, case_id, collected_at=clock(), measurements={"hb": 19}
    ).record
    clock.advance(minutes=5)

    second = pathway.correct_record(
        uow, clinician, first.id, {"measurements": {"hb": 91}}, reason="typing error"
    )

    assert second.version == 2 and second.supersedes_id == first.id
    versions = uow.pathway.records(case_id, RecordKind.CBC)
    assert [(v.payload["values"]["hb"], v.is_current) for v in versions] == [
        (19.0, False),
        (91.0, True),
    ]
    [entry] = [e for e in uow.audit.for_case(case_id) if e.action is AuditAction.SUPERSEDE]
    assert entry.changes["values"].old == {"hb": 19.0}
    assert entry.changes["values"].new == {"hb": 91.0}
    with pytest.raises(NotAllowed, match="already corrected"):
        pathway.correct_record(uow, clinician, first.id, {"measurements": {"hb": 90}}, reason="x")


def test_assessment_needs_an_order_and_keeps_its_findings(
    uow: UnitOfWork, nurse: Actor, clinician: Actor, case_id: int, clock: FakeClock
) -> None:
    plan = Plan(planned_at=clock() + timedelta(hours=2))
    with pytest.raises(NotAllowed, match="order"):
        pathway.record_assessment(uow, nurse, case_id, plan=plan, assessment={})

    outcome = _assessed(uow, clinician, case_id, clock, inr=3.4, allergies=["lidocaine"])

    assert outcome.overall is Severity.STOP
    assert {f.rule for f in outcome.findings} >= {"inr.high", "allergy.local_anaesthetic"}
    assert "Preparing for your bone marrow test - DOE, Jo" in outcome.preparation_sheet
    stored = uow.pathway.latest(case_id, RecordKind.ASSESSMENT)
    assert stored is not None and stored.payload["overall"] == "stop"


def test_an_unknown_anticoagulant_is_refused_rather_than_ignored(
    uow: UnitOfWork, clinician: Actor, case_id: int, clock: FakeClock
) -> None:
    with pytest.raises(InvalidInput, match="medications"):
        _assessed(uow, clinician, case_id, clock, medications=[{"drug": "wonderfarin"}])


def test_a_stop_finding_blocks_the_procedure_unless_overridden_with_a_reason(
    uow: UnitOfWork, clinician: Actor, proceduralist: Actor, case_id: int, clock: FakeClock
) -> None:
    _assessed(uow, clinician, case_id, clock, consent_by="none")
    clock.advance(hours=3)

    with pytest.raises(NotAllowed, match="Consent not recorded"):
        pathway.record_procedure(uow, proceduralist, case_id, _procedure(clock))
    outcome = pathway.record_procedure(
        uow, proceduralist, case_id, _procedure(clock),
        stop_override_reason="verbal consent witnessed; form signed after",
    )  # fmt: skip

    assert [w.code for w in outcome.warnings] == ["vital.alert"]


def _through_procedure(
    uow: UnitOfWork, clinician: Actor, proceduralist: Actor, case_id: int, clock: FakeClock
) -> None:
    _assessed(uow, clinician, case_id, clock)
    clock.advance(hours=3)
    pathway.record_procedure(uow, proceduralist, case_id, _procedure(clock))


def test_specimens_get_unique_accessions_and_duplicates_conflict(
    uow: UnitOfWork, clinician: Actor, proceduralist: Actor, case_id: int, clock: FakeClock,
    db_url: str,
) -> None:  # fmt: skip
    _through_procedure(uow, clinician, proceduralist, case_id, clock)

    a = lab.collect_specimen(uow, proceduralist, case_id, kind="aspirate_edta",
                                    tests=["flow_cytometry"])  # fmt: skip
    b = lab.collect_specimen(uow, proceduralist, case_id, kind="trephine_core",
                             tests=["trephine_histology"])  # fmt: skip

    assert (a.specimen.accession, b.specimen.accession) == ("BM26-000001", "BM26-000002")
    assert [t.state for t in a.tests] == [TestState.COLLECTED]
    _unchanged(
        db_url,
        lambda: lab.collect_specimen(
            uow,
            proceduralist,
            case_id,
            kind="clot",
            accession="bm26-000001",
            tests=["trephine_histology"],
        ),
        Conflict,
        uow,
    )


def test_a_test_walks_its_states_and_bad_moves_change_nothing(
    uow: UnitOfWork, clinician: Actor, proceduralist: Actor, case_id: int, clock: FakeClock,
    db_url: str,
) -> None:  # fmt: skip
    _through_procedure(uow, clinician, proceduralist, case_id, clock)
    got = lab.collect_specimen(
        uow, proceduralist, case_id, kind="aspirate_heparin", tests=["karyotype"]
    )
    [test] = got.tests

    _unchanged(db_url, lambda: lab.advance_test(uow, LAB, test.id, "in_process"),
               TransitionNotAllowed, uow)  # fmt: skip
    _unchanged(db_url, lambda: lab.post_result(uow, LAB, test.id, {"iscn": "46,XX[20]",
               "metaphases_analysed": 20}), NotAllowed, uow)  # fmt: skip
    lab.receive_specimen(uow, LAB, got.specimen.accession)
    lab.advance_test(uow, LAB, test.id, "in_process")
    _unchanged(db_url, lambda: lab.post_result(uow, LAB, test.id, {"iscn": "46XX",
               "metaphases_analysed": 20}), InvalidInput, uow)  # fmt: skip
    lab.post_result(uow, LAB, test.id, {"iscn": "46,XX[20]", "metaphases_analysed": 20})
    with pytest.raises(NotAllowed, match="cannot verify"):
        lab.verify_result(uow, LAB, test.id)
    verified = lab.verify_result(uow, MORPH, test.id)

    assert verified.state is TestState.VERIFIED
    events = [(e.from_state, e.to_state) for e in uow.pathway.events_for_case(case_id)]
    assert [to for _, to in events] == [
        TestState.ORDERED, TestState.COLLECTED, TestState.RECEIVED,
        TestState.IN_PROCESS, TestState.RESULTED, TestState.VERIFIED,
    ]  # fmt: skip


def test_amending_a_verified_result_keeps_history_and_needs_verification_again(
    uow: UnitOfWork, clinician: Actor, proceduralist: Actor, case_id: int, clock: FakeClock
) -> None:
    _through_procedure(uow, clinician, proceduralist, case_id, clock)
    order = uow.pathway.latest(case_id, RecordKind.ORDER)
    assert order is not None
    pathway.correct_record(uow, clinician, order.id, {"tests": ["aspirate_morphology", "culture"]},
                           reason="fever: culture added")  # fmt: skip
    got = lab.collect_specimen(uow, proceduralist, case_id, kind="culture_bottle",
                                      tests=["culture"])  # fmt: skip
    [test] = got.tests
    lab.receive_specimen(uow, LAB, got.specimen.accession)
    lab.advance_test(uow, LAB, test.id, "in_process")
    lab.post_result(uow, LAB, test.id, {"organism": None, "incubation_days": 5})
    lab.verify_result(uow, MORPH, test.id)

    with pytest.raises(InvalidInput, match="correction_reason"):
        lab.post_result(uow, LAB, test.id, {"organism": "M. avium", "incubation_days": 42})
    amended, version, _ = lab.post_result(
        uow, LAB, test.id, {"organism": "M. avium", "incubation_days": 42},
        correction_reason="late growth at 6 weeks",
    )  # fmt: skip

    assert amended.state is TestState.RESULTED and version.version == 2
    results = uow.pathway.results_for_case(case_id)
    assert [(r.version, r.superseded_at is None) for r in results] == [(1, False), (2, True)]


def test_a_result_for_a_test_never_ordered_is_refused(
    uow: UnitOfWork, clinician: Actor, proceduralist: Actor, case_id: int, clock: FakeClock,
    db_url: str,
) -> None:  # fmt: skip
    _through_procedure(uow, clinician, proceduralist, case_id, clock)
    got = lab.collect_specimen(uow, proceduralist, case_id, kind="aspirate_edta",
                                      tests=["flow_cytometry"])  # fmt: skip

    _unchanged(
        db_url,
        lambda: lab.post_result_by_accession(
            uow, LAB, got.specimen.accession, "molecular_panel", {"variants": []}
        ),
        NotFound,
        uow,
    )
    _unchanged(db_url, lambda: lab.post_result(uow, LAB, 999, {"text": "x"}), NotFound, uow)


def test_cancelling_needs_a_reason_and_overdue_lists_late_tests(
    uow: UnitOfWork, clinician: Actor, proceduralist: Actor, case_id: int, clock: FakeClock
) -> None:
    _through_procedure(uow, clinician, proceduralist, case_id, clock)
    got = lab.collect_specimen(uow, proceduralist, case_id, kind="aspirate_smear",
                                      tests=["smear_morphology", "iron_stain"])  # fmt: skip
    lab.receive_specimen(uow, LAB, got.specimen.accession)
    morph, iron = got.tests

    with pytest.raises(InvalidInput, match="reason"):
        lab.advance_test(uow, LAB, iron.id, "cancelled")
    lab.advance_test(uow, LAB, iron.id, "cancelled", reason="duplicate request")
    clock.advance(hours=49)

    [late] = lab.overdue_tests(uow, LAB)
    assert late.test.id == morph.id and late.hours_overdue == pytest.approx(1.0)


def test_aftercare_and_a_fever_check_in_escalate(
    uow: UnitOfWork, clinician: Actor, proceduralist: Actor, nurse: Actor, case_id: int,
    clock: FakeClock,
) -> None:  # fmt: skip
    pathway.record_cbc(uow, clinician, case_id, collected_at=clock(),
                       measurements={"wbc": 1.0, "neutrophils": 0.4})  # fmt: skip
    _through_procedure(uow, clinician, proceduralist, case_id, clock)

    pathway.issue_aftercare(uow, nurse, case_id)
    _, escalation = pathway.record_check_in(uow, nurse, case_id, symptoms=[], temperature_c=38.4)

    assert escalation.level.value == "urgent"
    record = cases.load_case_record(uow, nurse, case_id)
    assert record.stage is CaseStage.FOLLOWED_UP


def test_a_patient_cannot_write_and_sees_only_their_own_case(
    uow: UnitOfWork, case_id: int, clinician: Actor
) -> None:
    case = cases.get_case(uow, clinician, case_id)
    me = Actor("pat", Role.PATIENT, patient_id=case.patient_id)
    stranger = Actor("pat2", Role.PATIENT, patient_id=case.patient_id + 100)

    with pytest.raises(PermissionDenied):
        pathway.record_cbc(uow, me, case_id, collected_at=uow.now(), measurements={"hb": 100})
    assert cases.load_case_record(uow, me, case_id).case.id == case_id
    with pytest.raises(NotFound):
        cases.load_case_record(uow, stranger, case_id)


def test_the_demo_case_is_seeded_once(uow_factory: UnitOfWorkFactory) -> None:
    from marrowscope.services.walkthrough import seed_demo_case

    first = seed_demo_case(uow_factory)
    again = seed_demo_case(uow_factory)

    assert first.created and not again.created and again.case_id == first.case_id
    with uow_factory() as uow:
        record = cases.load_case_record(uow, Actor("x", Role.CLINICIAN), first.case_id)
    assert record.stage is CaseStage.FOLLOWED_UP
    assert len(record.specimens) == 4 and len(record.tests) == 8


def test_a_procedure_from_form_data_refuses_an_impossible_vital_sign(
    uow: UnitOfWork, clinician: Actor, proceduralist: Actor, case_id: int, clock: FakeClock,
    db_url: str,
) -> None:  # fmt: skip
    _assessed(uow, clinician, case_id, clock)
    clock.advance(hours=3)
    t0 = clock() - timedelta(minutes=30)
    form = {
        "operator": "dr.paul", "site": "posterior_iliac_crest", "side": "left",
        "sedation": "local", "time_out_at": t0.isoformat(),
        "started_at": (t0 + timedelta(minutes=1)).isoformat(),
        "aspirate_at": (t0 + timedelta(minutes=3)).isoformat(),
        "ended_at": (t0 + timedelta(minutes=10)).isoformat(), "observation_minutes": 30,
        "vitals": [{"at": t0.isoformat(), "sign": "spo2", "value": 130}],
    }  # fmt: skip

    _unchanged(
        db_url,
        lambda: pathway.record_procedure_from(uow, proceduralist, case_id, form),
        InvalidMeasurement,
        uow,
    )
    _unchanged(
        db_url,
        lambda: pathway.record_procedure_from(
            uow, proceduralist, case_id, {**form, "site": "skull"}
        ),
        InvalidInput,
        uow,
    )
    form["vitals"] = [{"at": t0.isoformat(), "sign": "spo2", "value": 97}]
    outcome = pathway.record_procedure_from(uow, proceduralist, case_id, form)
    assert outcome.record.payload["procedure"]["site"] == "posterior_iliac_crest"


def test_the_assessment_takes_platelets_from_the_recorded_count_and_checks_its_age(
    uow: UnitOfWork, clinician: Actor, case_id: int, clock: FakeClock
) -> None:
    pathway.record_cbc(uow, clinician, case_id, collected_at=clock() - timedelta(hours=80),
                       measurements={"platelets": 12})  # fmt: skip
    stale = _assessed(uow, clinician, case_id, clock, platelets_per_nl=None, platelets_at=None)
    pathway.record_cbc(uow, clinician, case_id, collected_at=clock(),
                       measurements={"platelets": 12})  # fmt: skip

    fresh = pathway.record_assessment(
        uow, clinician, case_id, plan=Plan(planned_at=clock() + timedelta(hours=2)),
        assessment={"consent_by": "patient", "consent_signed_by": "Jo", "inr": 1.0,
                    "inr_at": clock().isoformat(), "pregnancy": "not_pregnant"},
    )  # fmt: skip

    assert "platelets.missing" in {f.rule for f in stale.findings}
    assert "platelets.low" in {f.rule for f in fresh.findings}


def test_a_closed_case_takes_no_more_records(
    uow: UnitOfWork, clinician: Actor, case_id: int
) -> None:
    cases.close_case(uow, clinician, case_id, case.CaseStatus.CLOSED)

    with pytest.raises(NotAllowed, match="closed"):
        pathway.record_cbc(uow, clinician, case_id, collected_at=uow.now(), measurements={"hb": 1})


def test_overviews_and_the_worklist_follow_the_demo_case(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    from marrowscope.services.walkthrough import seed_demo_case

    made = seed_demo_case(uow_factory)
    clock.advance(days=20)
    with uow_factory() as uow:
        [overview] = cases.case_overviews(uow, Actor("x", Role.CLINICIAN))
        mine = cases.case_overviews(uow, Actor("p", Role.PATIENT, patient_id=made.patient_id))
        other = cases.case_overviews(
            uow, Actor("q", Role.PATIENT, patient_id=made.other_patient_id)
        )
        [item] = lab.worklist(uow, LAB)

    assert overview.stage is CaseStage.FOLLOWED_UP and overview.patient.mrn == "DEMO-0001"
    assert [o.case.id for o in mine] == [made.case_id] and other == []
    assert item.test.test_type.value == "immunohistochemistry"
    assert item.specimen.kind.value == "trephine_core"
    assert item.overdue_hours is not None and item.overdue_hours > 0


def test_a_patient_sees_only_verified_current_results(
    uow: UnitOfWork, clinician: Actor, proceduralist: Actor, case_id: int, clock: FakeClock
) -> None:
    _through_procedure(uow, clinician, proceduralist, case_id, clock)
    got = lab.collect_specimen(uow, proceduralist, case_id, kind="aspirate_smear",
                                      tests=["smear_morphology", "iron_stain"])  # fmt: skip
    lab.receive_specimen(uow, LAB, got.specimen.accession)
    morph, iron = got.tests
    for test in (morph, iron):
        lab.advance_test(uow, LAB, test.id, "in_process")
        lab.post_result(uow, LAB, test.id, {"text": f"draft {test.test_type.value}"})
    lab.verify_result(uow, MORPH, morph.id)
    case = cases.get_case(uow, clinician, case_id)
    me = Actor("pat", Role.PATIENT, patient_id=case.patient_id)

    staff_view = cases.load_case_record(uow, clinician, case_id)
    patient_view = cases.load_case_record(uow, me, case_id)

    assert len(staff_view.results) == 2
    assert [r.lab_test_id for r in patient_view.results] == [morph.id]


def test_assessment_form_text_is_parsed_and_bad_text_names_the_field(
    uow: UnitOfWork, clinician: Actor, case_id: int, clock: FakeClock, db_url: str
) -> None:
    form = {
        "platelets_per_nl": "64", "platelets_at": clock().isoformat(), "inr": "1.1",
        "inr_at": clock().isoformat(), "allergies": "latex, iodine", "driver_home": "yes",
        "consent_by": "patient", "consent_signed_by": "Jo", "pregnancy": "not_pregnant",
    }  # fmt: skip

    outcome = _assessed(uow, clinician, case_id, clock, **form)

    stored = outcome.record.payload["assessment"]
    assert stored["platelets_per_nl"] == 64.0 and stored["allergies"] == ["latex", "iodine"]
    plan = Plan(planned_at=clock() + timedelta(hours=2))
    for field, value, error in (
        ("platelets_per_nl", "sixty", InvalidMeasurement),
        ("inr_at", "2026-03-02T08:00", InvalidInput),  # no time zone
        ("driver_home", "perhaps", InvalidInput),
        ("pregnancy", "maybe", InvalidInput),
    ):
        _unchanged(
            db_url,
            lambda f=field, v=value: pathway.record_assessment(
                uow, clinician, case_id, plan=plan, assessment={**form, f: v}
            ),
            error,
            uow,
        )
