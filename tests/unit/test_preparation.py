"""The patient's preparation sheet states fasting and last-dose times from the tables."""

from __future__ import annotations

from datetime import UTC, datetime

from marrowscope.domain.preparation import preparation_sheet
from marrowscope.domain.safety import Medication, Plan, Sedation

AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_sedation_sheet_gives_fasting_times_and_an_escort() -> None:
    sheet = preparation_sheet("DOE, Jo", Plan(planned_at=AT, sedation=Sedation.CONSCIOUS))

    assert "Do not eat anything after Monday 02 March 2026 at 08:00 UTC" in sheet
    assert "clear fluids until Monday 02 March 2026 at 12:00 UTC" in sheet
    assert "An adult must take you home" in sheet


def test_local_only_sheet_lets_the_patient_eat_and_times_the_last_doac_dose() -> None:
    meds = [Medication("dabigatran"), Medication("aspirin"), Medication("warfarin")]

    sheet = preparation_sheet("DOE, Jo", Plan(planned_at=AT), meds, creatinine_clearance_ml_min=40)

    assert "You can eat and drink normally." in sheet
    assert "dabigatran: take your last dose no later than Saturday 28 February 2026" in sheet
    assert "Keep taking aspirin as usual." in sheet
    assert "blood test (INR)" in sheet
