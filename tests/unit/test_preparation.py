"""The patient's preparation sheet states fasting and last-dose times from the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from marrowscope.domain.pathway.preparation import preparation, preparation_sheet
from marrowscope.domain.pathway.safety import Medication, Plan, Sedation

AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def test_sedation_sheet_gives_fasting_times_and_an_escort() -> None:
    sheet = preparation_sheet("DOE, Jo", Plan(planned_at=AT, sedation=Sedation.CONSCIOUS))

    assert "Do not eat anything after Monday 2 March 2026 at 08:00 UTC" in sheet
    assert "clear fluids until Monday 2 March 2026 at 12:00 UTC" in sheet
    assert "An adult must take you home" in sheet


def test_local_only_sheet_lets_the_patient_eat_and_times_the_last_doac_dose() -> None:
    meds = [Medication("dabigatran"), Medication("aspirin"), Medication("warfarin")]

    sheet = preparation_sheet("DOE, Jo", Plan(planned_at=AT), meds, creatinine_clearance_ml_min=40)

    assert "You can eat and drink normally." in sheet
    assert "dabigatran: take your last dose no later than Saturday 28 February 2026" in sheet
    assert "Keep taking aspirin as usual." in sheet
    assert "blood test (INR)" in sheet


def test_times_are_written_in_the_patients_zone_not_utc() -> None:
    """14:00 UTC on 2 March is 15:00 in Paris (CET, UTC+1); fasting (6 h) ends at 09:00."""
    sheet = preparation_sheet(
        "DOE, Jo", Plan(planned_at=AT, sedation=Sedation.CONSCIOUS), zone=ZoneInfo("Europe/Paris")
    )

    assert "Your appointment: Monday 2 March 2026 at 15:00 CET." in sheet
    assert "Do not eat anything after Monday 2 March 2026 at 09:00 CET" in sheet
    assert "UTC" not in sheet


def test_the_care_team_number_is_written_where_the_sheet_says_to_call() -> None:
    sheet = preparation_sheet("DOE, Jo", Plan(planned_at=AT), phone="020 7946 0000")

    assert "call the haematology team on 020 7946 0000." in sheet


def test_no_sentence_is_broken_across_lines() -> None:
    """Every paragraph and bullet is whole: a phone reflows it, a hard break would stay."""
    sheet = preparation(
        "DOE, Jo", Plan(planned_at=AT, sedation=Sedation.CONSCIOUS), [Medication("apixaban")]
    )

    texts = [p for s in sheet.sections for p in (*s.paragraphs, *s.bullets)]
    assert all("\n" not in t for t in texts)
    assert all(t.rstrip().endswith((".", ")")) for t in texts), texts
    assert any("liquid marrow and a thin core of bone." in t for t in texts)
