"""The de-identified count log: one row per saved differential, no identifier in it."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from marrowscope.bootstrap import build_account_services
from marrowscope.db.count_log_store import SqlSavedCountSource
from marrowscope.domain.audit import AuditAction
from marrowscope.domain.errors import InvalidInput, PermissionDenied
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import counting
from marrowscope.services.unit_of_work import UnitOfWorkFactory
from marrowscope.services.walkthrough import seed_demo_case

SECRET = "test-secret-for-the-count-log"
ADMIN = Actor("ada.admin", Role.ADMIN)
COUNTER = Actor("mo.rph", Role.MORPHOLOGIST)
DEMO_COUNTS = {"BLA": 125, "PMO": 20, "MYB": 40, "NGS": 120, "EBO": 95, "LYT": 80, "MON": 20}


@pytest.fixture
def demo_with_count(uow_factory: UnitOfWorkFactory) -> tuple[int, int]:
    """The demo patient's case with one saved 500-cell count (and one still counting)."""
    seeded = seed_demo_case(uow_factory)
    stores = build_account_services(uow_factory).stores
    with uow_factory() as uow:
        saved = counting.open_slide(uow, stores, COUNTER, seeded.case_id, "Slide A (left PSIS)")
        counting.finish_count(uow, stores, COUNTER, saved.id, 1, {**DEMO_COUNTS, "PLT": 7})
        counting.open_slide(uow, stores, COUNTER, seeded.case_id, "Slide B")
    return seeded.case_id, seeded.patient_id


def test_the_log_holds_no_identifier_of_the_demo_patient(
    uow_factory: UnitOfWorkFactory, demo_with_count: tuple[int, int]
) -> None:
    """No name, MRN, date of birth, slide label, username or free text reaches the file."""
    _, patient_id = demo_with_count
    with uow_factory() as uow:
        rows = counting.count_log(uow, SqlSavedCountSource, ADMIN, SECRET)
        patient = uow.patients.get(patient_id)
        order = uow.pathway.records(demo_with_count[0])
    assert patient is not None

    text = counting.count_log_csv(rows) + json.dumps([counting.row_as_dict(r) for r in rows])

    identifiers = [
        patient.mrn, patient.family_name, patient.given_name, patient.display_name,
        patient.birth_date.isoformat(), patient.birth_date.strftime("%d/%m/%Y"),
        "Slide A", "PSIS", COUNTER.username, "morphologist", "apixaban", "Fatigue",
    ]  # fmt: skip
    for identifier in identifiers:
        assert identifier.lower() not in text.lower(), identifier
    assert order, "the demo case has records whose free text must stay out"


def test_one_row_per_saved_count_with_the_figures_of_the_differential(
    uow_factory: UnitOfWorkFactory, demo_with_count: tuple[int, int]
) -> None:
    """500 cells with 125 blasts: 25.0 % blasts; the slide still being counted is left out."""
    with uow_factory() as uow:
        [row] = counting.count_log(uow, SqlSavedCountSource, ADMIN, SECRET)

    record = next(csv.DictReader(io.StringIO(counting.count_log_csv([row]))))
    assert record["total"] == "500" and record["blast_percent"] == "25.0"
    assert record["n_BLA"] == "125" and record["n_PLT"] == "7" and record["n_PLM"] == "0"
    assert record["sex"] == "male" and record["age_band"] == "60-69"
    assert record["exam_month"] == "2026-03"  # the procedure's month, not the birth date
    assert float(record["me_ratio"]) == pytest.approx(row.me_ratio)
    assert len(record["case_pseudonym"]) == 20
    assert list(record) == counting.count_log_columns()


def test_the_pseudonym_is_stable_keyed_and_not_the_case_id(
    uow_factory: UnitOfWorkFactory, demo_with_count: tuple[int, int]
) -> None:
    """Same secret, same pseudonym; another secret, another one; never the bare id."""
    case_id, _ = demo_with_count

    first = counting.case_pseudonym(SECRET, case_id)

    assert first == counting.case_pseudonym(SECRET, case_id)
    assert first != counting.case_pseudonym("another-secret", case_id)
    assert first != counting.case_pseudonym(SECRET, case_id + 1)
    assert str(case_id) != first and all(c in "0123456789abcdef" for c in first)
    with pytest.raises(InvalidInput, match="secret"):
        counting.case_pseudonym("", case_id)


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(1936, 3, 2), "90+"),  # 90 today: HIPAA aggregates ages over 89
        (date(1936, 3, 3), "80-89"),  # 89 until tomorrow
        (date(2016, 3, 2), "10-19"),
        (date(2016, 3, 3), "0-9"),
        (date(2026, 3, 2), "0-9"),
    ],
)
def test_age_bands_at_their_boundaries(born: date, band: str) -> None:
    """Completed years decide the band; the birthday itself counts (45 CFR 164.514)."""
    assert counting.age_band(born, date(2026, 3, 2)) == band


def test_only_admin_and_lab_take_the_log_and_each_export_is_audited(
    uow_factory: UnitOfWorkFactory, demo_with_count: tuple[int, int]
) -> None:
    """Clinical roles and patients are refused; the audit says who took how many rows."""
    for role in (Role.MORPHOLOGIST, Role.CLINICIAN, Role.PATIENT, Role.PATHOLOGIST):
        with uow_factory() as uow, pytest.raises(PermissionDenied):
            counting.count_log(uow, SqlSavedCountSource, Actor("x", role, 1), SECRET)

    with uow_factory() as uow:
        counting.count_log(uow, SqlSavedCountSource, Actor("leo", Role.LAB_SCIENTIST), SECRET)
        [entry] = uow.audit.for_entity("count_log", "export")

    assert entry.action is AuditAction.VIEW and entry.actor.username == "leo"
    assert entry.changes["rows"].new == 1
