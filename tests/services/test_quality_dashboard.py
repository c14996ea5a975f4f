"""The quality dashboard's figures, recomputed independently from the raw rows.

Cases, tests, results, reports, releases, blood counts, calls and cell decisions are
stored with known times across two months (weekends included); each figure of the
dashboard is then computed again another way from plain SQL rows: working days from
numpy's business-day count plus the partial first and last day, percentiles with
``statistics.quantiles(method="inclusive")``, kappa from a numpy confusion matrix.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import insert, text

from marrowscope.db.ai_review_tables import ai_cell_calls
from marrowscope.db.pathway_tables import clinical_record, lab_result, lab_test, specimen
from marrowscope.db.report_tables import report_release, report_version
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import InvalidInput, NotAllowed, PermissionDenied
from marrowscope.domain.quality import ALL_MONTHS, REPORT, Stage
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import quality, reporting
from marrowscope.services.audit import record_audit
from marrowscope.services.cases import open_case, register_patient
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.services.walkthrough import seed_demo_case
from tests.services.conftest import FakeClock

MANAGER = Actor("lena", Role.LAB_MANAGER)
LAB = Actor("leo", Role.LAB_SCIENTIST)
CLINICIAN = Actor("clara", Role.CLINICIAN)
PATHOLOGIST = Actor("pia", Role.PATHOLOGIST)


def at(day: int, hour: float, month: int = 3) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour)


def _working_days(a: datetime, b: datetime) -> float:
    """Whole working days strictly between the two dates, plus the working parts of the
    first and last day (numpy.busday_count: Monday-Friday)."""
    if a.date() == b.date():
        return (b - a).total_seconds() / 86400 if a.weekday() < 5 else 0.0
    between = int(np.busday_count(a.date() + timedelta(days=1), b.date()))
    first = (1 - (a - a.replace(hour=0, minute=0)).total_seconds() / 86400) * (a.weekday() < 5)
    last = (b - b.replace(hour=0, minute=0)).total_seconds() / 86400 * (b.weekday() < 5)
    return between + first + last


def _dt(value: object) -> datetime:
    """A raw SQL timestamp (text on SQLite, datetime on PostgreSQL) as aware UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _p90(values: list[float]) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


# (test type, ordered, received, first resulted, verified); March 2026 starts on a Sunday
TESTS = [
    ("smear_morphology", at(2, 8), at(2, 9), at(2, 15), at(3, 10)),
    ("smear_morphology", at(5, 8), at(6, 16), at(9, 10), at(9, 12)),  # over the weekend
    ("smear_morphology", at(10, 8), at(10, 9), at(12, 9), at(13, 9)),
    ("smear_morphology", at(30, 8), at(30, 10), at(1, 10, 4), at(2, 11, 4)),  # April
    ("flow_cytometry", at(2, 8), at(2, 9), at(3, 9), at(4, 9)),
    ("flow_cytometry", at(12, 8), at(12, 9), at(16, 9), None),  # resulted, not verified
    ("karyotype", at(2, 8), at(2, 11), None, None),  # still open
]


@pytest.fixture
def seeded(uow: UnitOfWork, clock: FakeClock) -> list[int]:
    patient = register_patient(
        uow, CLINICIAN, mrn="QD-1", family_name="Quality", given_name="Quinn",
        birth_date=date(1960, 1, 1), sex="female",
    )  # fmt: skip
    cases = [open_case(uow, CLINICIAN, patient.id).id for _ in range(4)]
    s = uow.session  # type: ignore[attr-defined]
    for n, (kind, ordered, received, resulted, verified) in enumerate(TESTS):
        case_id = cases[n % 3]
        specimen_id = s.execute(
            insert(specimen).values(
                case_id=case_id, accession=f"BM26-{n + 1:06d}", kind="aspirate_smear",
                collected_at=ordered, collected_by="nina", received_at=received, notes="",
            ).returning(specimen.c.id)
        ).scalar_one()  # fmt: skip
        test_id = s.execute(
            insert(lab_test).values(
                specimen_id=specimen_id, test_type=kind, ordered_at=ordered, ordered_by="clara",
                received_at=received, state="verified" if verified else "resulted"
                if resulted else "received", state_reason="", updated_at=ordered,
            ).returning(lab_test.c.id)
        ).scalar_one()  # fmt: skip
        if resulted is not None:
            s.execute(insert(lab_result).values(
                lab_test_id=test_id, version=1, payload={}, resulted_at=resulted,
                resulted_by="leo", verified_at=verified, verified_by="pia" if verified else None,
                superseded_at=verified, correction_reason="",
            ))  # fmt: skip
            if verified is not None:  # a corrected later version must not move the figures
                s.execute(insert(lab_result).values(
                    lab_test_id=test_id, version=2, payload={}, resulted_at=verified
                    + timedelta(days=9), resulted_by="leo", verified_at=verified
                    + timedelta(days=10), verified_by="pia", correction_reason="typo",
                ))  # fmt: skip
    reports = [  # case index, version, kind, signed at, reason
        (0, 1, "original", at(4, 10), ""),
        (1, 1, "original", at(13, 16), ""),
        (2, 1, "original", at(17, 9), ""),
        (0, 2, "amendment", at(20, 9), "Wrong site"),
        (1, 2, "addendum", at(3, 9, 4), "karyotype result"),
        (2, 2, "amendment", at(6, 9, 4), "wrong  site"),
    ]
    for index, version, kind, signed_at, reason in reports:
        s.execute(insert(report_version).values(
            case_id=cases[index], version=version, kind=kind, status="signed",
            fields_json="{}", counts_json="{}", author="pia", created_at=signed_at,
            reason=reason, signed_by="pia", signed_at=signed_at,
        ))  # fmt: skip
    for index, released_at in ((0, at(5, 9)), (1, at(16, 12)), (0, at(21, 9))):
        s.execute(insert(report_release).values(
            case_id=cases[index], version=1, released_at=released_at, released_by="clara",
        ))  # fmt: skip
    for index, platelets, hb, recorded in ((0, 8.0, 65.0, at(2, 7)), (3, 150.0, 130.0, at(2, 7))):
        s.execute(insert(clinical_record).values(
            case_id=cases[index], kind="cbc", version=1, recorded_at=recorded,
            recorded_by="clara", payload={"values": {"platelets": platelets, "hb": hb}},
            correction_reason="",
        ))  # fmt: skip
    uow.commit()
    clock.current = at(2, 9, 4)  # April: the calls were made in March, logged now
    quality.log_critical_call(
        uow, LAB, cases[0], recipient="Dr Ward, SpR", called_at=at(2, 7.5), read_back=False,
        notes="left a message",
    )  # fmt: skip
    quality.log_critical_call(
        uow, LAB, cases[0], recipient="Dr Ward, SpR", called_at=at(2, 8.25), read_back=True
    )
    cells: list[tuple[str, list[str | None]]] = [
        ("LY", ["LY"]), ("NE", ["MO"]), ("MO", ["MO", "MO"]), ("LY", ["LY", "NE"]),
        ("NE", ["NE"]), ("BL", [None]),
    ]  # fmt: skip
    for n, (model, people) in enumerate(cells):
        call_id = s.execute(
            insert(ai_cell_calls).values(
                case_id=cases[0], slide_label="A", image_name=f"{n}.png", image_sha256="0" * 64,
                thumbnail=b"", model_code=model, model_confidence=0.9, model_top3_json="[]",
                model_review=False, model_reason="", model_name="m", model_version="1",
                proposed_by="leo", proposed_at=at(2, 9), state="proposed",
            ).returning(ai_cell_calls.c.id)
        ).scalar_one()  # fmt: skip
        previous: str | None = None
        for k, code in enumerate(people):
            who = Actor(["mia", "pia"][k], Role.MORPHOLOGIST)
            state = "rejected" if code is None else "confirmed" if code == model else "corrected"
            clock.current = at(3 + 10 * k, 10)
            s.execute(
                text(
                    "UPDATE ai_cell_calls SET state=:st, final_code=:c, decided_by=:b,"
                    " decided_at=:t"
                    " WHERE id=:i"
                ),
                {"st": state, "c": code, "b": who.username, "t": clock.current, "i": call_id},
            )
            record_audit(
                uow, who, "ai_cell_call", call_id, AuditAction.TRANSITION,
                {"final_code": previous, "decided_by": None},
                {"final_code": code, "decided_by": who.username, "model_code": model},
                case_id=cases[0],
            )  # fmt: skip
            previous = code
    uow.commit()
    clock.current = at(20, 12)
    return cases


def test_turnaround_is_recomputed_from_the_raw_rows(uow: UnitOfWork, seeded: list[int]) -> None:
    board = quality.quality_dashboard(uow, MANAGER)
    rows = uow.session.execute(text(  # type: ignore[attr-defined]
        "SELECT t.test_type, t.received_at, MIN(r.verified_at) AS verified FROM lab_test t "
        "JOIN lab_result r ON r.lab_test_id = t.id WHERE r.verified_at IS NOT NULL "
        "GROUP BY t.id, t.test_type, t.received_at"
    )).all()  # fmt: skip
    expected: dict[tuple[str, str], list[float]] = defaultdict(list)
    for kind, received, verified in rows:
        days = _working_days(_dt(received), _dt(verified))
        expected[(kind, f"{_dt(verified):%Y-%m}")].append(days)
        expected[(kind, ALL_MONTHS)].append(days)

    got = {
        (r.test_type, r.month): r for r in board.turnaround if r.stage is Stage.RECEIVED_TO_VERIFIED
    }

    assert set(got) == set(expected)
    for key, spans in expected.items():
        row = got[key]
        assert row.target_days is not None
        assert row.n == len(spans)
        assert row.median_days == pytest.approx(statistics.median(spans))
        assert row.p90_days == pytest.approx(_p90(spans))
        assert row.within_target == sum(1 for d in spans if d <= row.target_days)
    # the Friday 16:00 -> Monday 12:00 smear: 20 working hours, not 2.8 calendar days
    assert got[("smear_morphology", "2026-03")].n == 3
    assert pytest.approx(20 / 24) in expected[("smear_morphology", "2026-03")]
    report = {r.month: r for r in board.turnaround if r.test_type == REPORT
              and r.stage is Stage.SIGNED_TO_RELEASED}  # fmt: skip
    assert report["2026-03"].n == 2  # the first release of each case only
    assert [o.test_type for o in board.overdue] == ["flow_cytometry"]  # 8 days > 48 h


def test_amendments_calls_and_agreement_are_recomputed(uow: UnitOfWork, seeded: list[int]) -> None:
    board = quality.quality_dashboard(uow, MANAGER)
    s = uow.session  # type: ignore[attr-defined]
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    for kind, signed_at in s.execute(text("SELECT kind, signed_at FROM report_version")):
        kinds[str(signed_at)[:7]][kind] += 1
    cells = s.execute(text(
        "SELECT model_code, final_code FROM ai_cell_calls WHERE final_code IS NOT NULL"
    )).all()  # fmt: skip

    amendments = {r.month: r for r in board.amendments}
    for month, counts in kinds.items():
        assert amendments[month].amendments == counts["amendment"]
        assert amendments[month].addenda == counts["addendum"]
        assert amendments[month].reports_signed == counts["original"]
    assert amendments["2026-03"].amendment_rate == pytest.approx(1 / 3)
    assert board.reasons[0].reason == "wrong site" and board.reasons[0].count == 2

    (critical,) = board.critical
    assert (critical.case_id, critical.calls, critical.recipient) == (seeded[0], 2, "Dr Ward, SpR")
    assert critical.hours_to_call == pytest.approx(1.25)  # the message left does not count
    assert "Platelets 8" in critical.values and "Haemoglobin" in critical.values

    labels = sorted({c for pair in cells for c in pair})
    matrix = np.zeros((len(labels), len(labels)))
    for model, person in cells:
        matrix[labels.index(model), labels.index(person)] += 1
    n = matrix.sum()
    p_o = np.trace(matrix) / n
    p_e = (matrix.sum(axis=0) * matrix.sum(axis=1)).sum() / n**2
    overall = next(
        r for r in board.agreement
        if r.comparison == "ai_vs_reviewer" and r.month == ALL_MONTHS and r.cell_class == "all"
    )  # fmt: skip
    assert overall.pairs == n
    assert overall.kappa == pytest.approx((p_o - p_e) / (1 - p_e))
    pairs = [r for r in board.agreement if r.comparison == "reviewer_vs_reviewer"
             and r.cell_class == "all" and r.month == ALL_MONTHS]  # fmt: skip
    assert (pairs[0].pairs, pairs[0].agreed) == (2, 1)  # MO/MO agreed, LY/NE not
    changed = {r.month: r for r in board.changed}
    assert (changed[ALL_MONTHS].decisions, changed[ALL_MONTHS].changes_after_review) == (8, 2)
    assert changed[ALL_MONTHS].code_changed == 1


def test_only_lab_managers_and_pathologists_see_the_dashboard(uow: UnitOfWork) -> None:
    quality.quality_dashboard(uow, PATHOLOGIST)

    with pytest.raises(PermissionDenied):
        quality.quality_dashboard(uow, LAB)


def test_a_critical_report_is_released_only_after_a_read_back_call(
    uow: UnitOfWork, clock: FakeClock
) -> None:
    case_id = seed_demo_case(uow).case_id
    from marrowscope.services import pathway

    pathway.record_cbc(
        uow, CLINICIAN, case_id, collected_at=clock() - timedelta(hours=2),
        measurements={"platelets": (8, "x10^9/L")},
    )  # fmt: skip
    reporting.save_draft(uow, PATHOLOGIST, case_id, {"conclusion": "Consistent with AML."})
    reporting.sign_report(uow, PATHOLOGIST, case_id, confirm_warnings=True)

    with pytest.raises(NotAllowed, match="Platelets 8 .*no call log entry"):
        reporting.release_report(uow, CLINICIAN, case_id, version=1)
    quality.log_critical_call(
        uow, LAB, case_id, recipient="Dr Ward", called_at=clock(), read_back=False
    )
    with pytest.raises(NotAllowed, match="read-back"):
        reporting.release_report(uow, CLINICIAN, case_id, version=1)
    quality.log_critical_call(
        uow, LAB, case_id, recipient="Dr Ward", called_at=clock(), read_back=True
    )

    assert reporting.release_report(uow, CLINICIAN, case_id, version=1) == 1


def test_a_call_on_a_case_without_a_critical_value_is_refused(uow: UnitOfWork) -> None:
    case_id = seed_demo_case(uow).case_id

    with pytest.raises(InvalidInput, match="no critical blood count value"):
        quality.log_critical_call(
            uow, LAB, case_id, recipient="Dr Ward", called_at=uow.now(), read_back=True
        )


def test_overdue_now_names_each_target_in_its_own_unit(uow: UnitOfWork, clock: FakeClock) -> None:
    import tomllib
    from pathlib import Path

    import marrowscope.domain.tables as tables_pkg

    patient = register_patient(
        uow, CLINICIAN, mrn="QD-2", family_name="Overdue", given_name="Olga",
        birth_date=date(1970, 1, 1), sex="female",
    )  # fmt: skip
    case_id = open_case(uow, CLINICIAN, patient.id).id
    s = uow.session  # type: ignore[attr-defined]
    opened = {  # received; now is Monday 9 March 12:00
        "smear_morphology": at(6, 10),  # Friday 10:00: 74 h, but 1.08 working days
        "flow_cytometry": at(2, 9),  # a week: past both
        "karyotype": at(2, 9),  # within both
    }
    for n, (kind, received) in enumerate(opened.items()):
        specimen_id = s.execute(insert(specimen).values(
            case_id=case_id, accession=f"BM26-9{n:05d}", kind="aspirate_smear",
            collected_at=received, collected_by="nina", received_at=received, notes="",
        ).returning(specimen.c.id)).scalar_one()  # fmt: skip
        s.execute(insert(lab_test).values(
            specimen_id=specimen_id, test_type=kind, ordered_at=received, ordered_by="clara",
            received_at=received, state="received", state_reason="", updated_at=received,
        ))  # fmt: skip
    uow.commit()
    clock.current = now = at(9, 12)
    table = Path(next(iter(tables_pkg.__path__))) / "turnaround.toml"
    targets = tomllib.loads(table.read_text(encoding="utf-8"))["tests"]

    board = quality.quality_dashboard(uow, MANAGER)

    rows = {r.test_type: r for r in board.overdue}
    assert set(rows) == {"smear_morphology", "flow_cytometry"}
    for kind, row in rows.items():
        hours_past = (now - opened[kind]).total_seconds() / 3600 - targets[kind]["target_hours"]
        days = _working_days(opened[kind], now)
        assert row.calendar_hours_past_target == pytest.approx(hours_past, abs=0.05)
        assert row.working_days_open == pytest.approx(days)
        assert row.working_days_past_target == pytest.approx(
            days - targets[kind]["target_working_days"], abs=0.005
        )
    assert rows["smear_morphology"].overdue_by == "calendar hours"  # 26 h past, 0.92 wd within
    assert rows["smear_morphology"].working_days_past_target < 0
    assert rows["flow_cytometry"].overdue_by == "both"
    assert board.overdue[0].test_type == "flow_cytometry"  # most calendar hours past first
