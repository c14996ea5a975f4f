"""The demo case: one realistic patient walked from blood count to follow-up.

Used by ``make run`` (the web app seeds it on an empty database), by the CLI
(``marrowscope case demo``) and by the end-to-end tests. Idempotent: a second call
finds the demo patient by MRN and returns the existing case.

The story: a 67-year-old man with fatigue and bruising; the count shows pancytopenia
with circulating blasts; he takes apixaban for atrial fibrillation. The findings are
fictional and worded "consistent with", as a report would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

from marrowscope.domain.cases.model import Sex
from marrowscope.domain.lab import TestState
from marrowscope.domain.pathway.procedure import ProcedureRecord, Side, Site
from marrowscope.domain.pathway.safety import Plan, Sedation
from marrowscope.domain.pathway.vitals import make_vital
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import pathway
from marrowscope.services.cases import open_case, register_patient
from marrowscope.services.lab import (
    advance_test,
    collect_specimen,
    post_result,
    receive_specimen,
    verify_result,
)
from marrowscope.services.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = ["DEMO_MRN", "OTHER_MRN", "DemoCase", "seed_demo_case"]

DEMO_MRN = "DEMO-0001"
OTHER_MRN = "DEMO-0002"


@dataclass(frozen=True, slots=True)
class DemoCase:
    """Ids of what the demo created (or found)."""

    patient_id: int
    case_id: int
    other_patient_id: int
    created: bool


def _staff(role: Role, username: str) -> Actor:
    return Actor(username, role)


def seed_demo_case(uow: UnitOfWork | UnitOfWorkFactory) -> DemoCase:
    """Create the demo patient's whole pathway, plus a second patient with no case.

    Takes an open unit of work or a factory of them (the web app passes the factory).
    """
    if not hasattr(uow, "patients"):
        with uow() as unit:
            return _seed(unit)
    return _seed(cast(UnitOfWork, uow))


def _seed(uow: UnitOfWork) -> DemoCase:
    clinician = _staff(Role.CLINICIAN, "clinician")
    nurse = _staff(Role.NURSE, "nurse")
    operator = _staff(Role.PROCEDURALIST, "proceduralist")
    lab = _staff(Role.LAB_SCIENTIST, "lab")
    morphologist = _staff(Role.MORPHOLOGIST, "morphologist")
    pathologist = _staff(Role.PATHOLOGIST, "pathologist")

    existing = uow.patients.by_mrn(DEMO_MRN)
    other = uow.patients.by_mrn(OTHER_MRN)
    if existing is not None and other is not None:
        cases = uow.cases.for_patient(existing.id)
        if cases:
            return DemoCase(existing.id, cases[0].id, other.id, created=False)

    now = uow.now()
    patient = existing or register_patient(
        uow, clinician, mrn=DEMO_MRN, family_name="Demo", given_name="Daniel",
        birth_date=date(now.year - 67, 3, 14), sex=Sex.MALE,
        phone="07700 900123",  # Ofcom's drama range: a demo never rings a real phone
    )  # fmt: skip
    other = other or register_patient(
        uow, clinician, mrn=OTHER_MRN, family_name="Example", given_name="Erin",
        birth_date=date(now.year - 45, 9, 2), sex=Sex.FEMALE,
    )  # fmt: skip
    case = open_case(uow, clinician, patient.id)

    cbc_at = now - timedelta(days=3)
    pathway.record_cbc(
        uow,
        clinician,
        case.id,
        collected_at=cbc_at,
        measurements={
            "hb": (9.2, "g/dL"),
            "mcv": (104, "fL"),
            "wbc": (2.9, "x10^9/L"),
            "neutrophils": (0.9, "x10^9/L"),
            "lymphocytes": (1.6, "x10^9/L"),
            "monocytes": (0.3, "x10^9/L"),
            "platelets": (64, "x10^9/L"),
            "blasts_percent": (2, "%"),
        },
        laboratory="Demo haematology laboratory",
    )
    pathway.place_order(
        uow,
        clinician,
        case.id,
        indications=["pancytopenia", "blasts_in_blood"],
        clinical_details="Fatigue and bruising for 6 weeks; macrocytic pancytopenia with 2% "
        "blasts on the film. No B12/folate deficiency.",
        urgency="urgent",
        ordered_at=now - timedelta(days=2),  # between the count and the procedure
    )
    planned = now - timedelta(days=1)
    plan = Plan(planned_at=planned, sedation=Sedation.LOCAL)
    pathway.record_assessment(
        uow,
        nurse,
        case.id,
        plan=plan,
        assessment={
            "assessed_at": (planned - timedelta(hours=1)).isoformat(),
            "allergies": ["iodine"],
            "pregnancy": "not_applicable",
            "platelets_per_nl": 64,
            "platelets_at": cbc_at.isoformat(),
            "inr": 1.1,
            "inr_at": cbc_at.isoformat(),
            "creatinine_clearance_ml_min": 72,
            "medications": [
                {"drug": "apixaban", "last_dose_at": (planned - timedelta(hours=30)).isoformat()}
            ],
            "other_medications": ["bisoprolol 2.5 mg daily"],
            "driver_home": True,
            "consent_by": "patient",
            "consent_signed_by": "Daniel Demo",
        },
    )
    start = planned + timedelta(minutes=10)
    vitals = tuple(
        make_vital(start + timedelta(minutes=m), sign, value)
        for m, sign, value in (
            (0, "heart_rate", 78),
            (0, "systolic_bp", 132),
            (0, "spo2", 97),
            (15, "heart_rate", 96),
            (15, "systolic_bp", 128),
            (40, "heart_rate", 80),
            (40, "temperature", 36.8),
        )
    )
    pathway.record_procedure(
        uow,
        operator,
        case.id,
        ProcedureRecord(
            operator="proceduralist",
            assistant="nurse",
            site=Site.POSTERIOR_ILIAC_CREST,
            side=Side.RIGHT,
            sedation=Sedation.LOCAL,
            time_out_at=start - timedelta(minutes=2),
            started_at=start,
            aspirate_at=start + timedelta(minutes=6),
            biopsy_at=start + timedelta(minutes=12),
            ended_at=start + timedelta(minutes=20),
            core_length_mm=18,
            vitals=vitals,
            observation_minutes=30,
            notes="Lidocaine 1% 10 mL. Chlorhexidine skin preparation (iodine allergy).",
        ),
    )
    taken = start + timedelta(minutes=15)
    specimens = [
        ("aspirate_smear", ["smear_morphology", "iron_stain"]),
        ("aspirate_edta", ["flow_cytometry", "molecular_panel"]),
        ("aspirate_heparin", ["karyotype", "fish"]),
        ("trephine_core", ["trephine_histology", "immunohistochemistry"]),
    ]
    tests = {}
    for kind, wanted in specimens:
        got = collect_specimen(uow, operator, case.id, kind=kind, tests=wanted, collected_at=taken)
        receive_specimen(uow, lab, got.specimen.accession)
        for t in got.tests:
            tests[t.test_type.value] = t.id
    results: dict[str, dict[str, Any]] = {
        "smear_morphology": {
            "text": "Hypercellular particulate aspirate. Dysgranulopoiesis and "
            "dyserythropoiesis; blasts 8% of nucleated cells. Appearances consistent with a "
            "myelodysplastic neoplasm with increased blasts; consider integration with "
            "cytogenetics and molecular results.",
            "values": {"blast_percent": 8.0, "me_ratio": 1.8},
        },
        "iron_stain": {"text": "Iron stores present; ring sideroblasts 4%.", "values": {}},
        "flow_cytometry": {
            "text": "CD34+ myeloid blasts 7% of leucocytes with aberrant CD7.",
            "values": {"cd34_percent": 7.0},
        },
        "karyotype": {"iscn": "46,XY,del(5)(q31q33)[12]/46,XY[8]", "metaphases_analysed": 20},
        "fish": {
            "probes": [
                {
                    "probe": "EGR1 (5q31)",
                    "nuclei_scored": 200,
                    "abnormal_nuclei": 92,
                    "cutoff_percent": 5.0,
                },
            ]
        },  # fmt: skip
        "molecular_panel": {
            "panel": "Myeloid 54-gene panel",
            "variants": [
                {
                    "gene": "TP53",
                    "hgvs_c": "NM_000546.6:c.743G>A",
                    "hgvs_p": "p.(Arg248Gln)",
                    "vaf_percent": 23.5,
                    "classification": "pathogenic",
                },
            ],
        },  # fmt: skip
        "trephine_histology": {
            "text": "Hypercellular marrow (80%) with clusters of immature precursors; "
            "consistent with the aspirate findings.",
            "values": {"cellularity_percent": 80.0},
        },
    }
    for test_type, data in results.items():
        advance_test(uow, lab, tests[test_type], TestState.IN_PROCESS)
        post_result(uow, lab, tests[test_type], data)
        verifier = pathologist if test_type.startswith("trephine") else morphologist
        verify_result(uow, verifier, tests[test_type])
    # immunohistochemistry stays in process: the demo's overdue/worklist entry
    advance_test(uow, lab, tests["immunohistochemistry"], TestState.IN_PROCESS)

    pathway.issue_aftercare(uow, nurse, case.id)
    pathway.record_check_in(
        uow, nurse, case.id, symptoms=["mild_soreness"], temperature_c=36.9,
        notes="Telephone call next morning; site dry.",
    )  # fmt: skip
    return DemoCase(patient.id, case.id, other.id, created=True)
