"""The demo case's report, drafted and signed by the demo pathologist.

The findings are fictional, worded "consistent with", and the differential is the demo count
of ``domain/tables/differential.toml``.
"""

from __future__ import annotations

from marrowscope.domain.counting.differential import demo_counts
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import reporting
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.services.walkthrough.demo_case import DEMO_MRN

__all__ = ["seed_demo_report"]

PATHOLOGIST = Actor("pathologist", Role.PATHOLOGIST)

DEMO_FIELDS: dict[str, str] = {
    "clinical_details": "67-year-old man with fatigue and bruising for 6 weeks; macrocytic "
    "pancytopenia with 2 % blasts on the film. On apixaban for atrial fibrillation.",
    "indication": "Pancytopenia; blasts in the blood.",
    "blood_findings": "Hb 92 g/L, MCV 104 fL, WBC 2.9, neutrophils 0.9, platelets 64 x10^9/L. "
    "Hypogranular neutrophils; 2 % blasts.",
    "aspirate_site": "Right posterior iliac crest",
    "ease_of_aspiration": "Easy",
    "particles": "Particulate, cellular trails; adequate for assessment",
    "aspirate_cellularity": "Hypercellular particles",
    "erythropoiesis": "Active, megaloblastoid with nuclear budding and binucleate forms "
    "(dyserythropoiesis in about 15 % of erythroblasts).",
    "granulopoiesis": "Left-shifted with hypogranular and pseudo-Pelger forms.",
    "megakaryocytes": "Present; small hypolobated forms seen.",
    "lymphocytes": "Not increased.",
    "plasma_cells": "About 1-2 %, normal morphology.",
    "iron_grade": "3",
    "ring_sideroblasts_percent": "4",
    "trephine_length_mm": "18",
    "trephine_cellularity_percent": "80",
    "architecture": "Preserved bony trabeculae; clusters of immature precursors away from "
    "trabeculae.",
    "fibrosis_grade": "MF-1",
    "immunohistochemistry": "CD34: blasts about 8 % with small clusters (pending final report).",
    "flow_cytometry": "CD34+ myeloid blasts 7 % of leucocytes with aberrant CD7.",
    "cytogenetics": "46,XY,del(5)(q31q33)[12]/46,XY[8]",
    "fish": "EGR1 (5q31) deletion in 46 % of 200 nuclei (cut-off 5 %).",
    "molecular": "Myeloid 54-gene panel: TP53 NM_000546.6:c.743G>A p.(Arg248Gln), VAF 23.5 %, "
    "pathogenic.",
    "conclusion": "Hypercellular marrow with multilineage dysplasia and 8 % blasts, del(5q) "
    "and a TP53 mutation: consistent with a myelodysplastic neoplasm with increased blasts.",
    "who_2022": "Myelodysplastic neoplasm with increased blasts 1 (MDS-IB1)",
    "icc_2022": "MDS with excess blasts (MDS-EB)",
    "icd10": "D46.2",
    "icdo3": "9983/3",
    "comparison": "No previous marrow examination.",
    "pending_tests": "Immunohistochemistry (final).",
}


def seed_demo_report(uow: UnitOfWork) -> int | None:
    """Draft and sign the demo case's report (and an earlier examination); idempotent.

    Returns the demo case id, or None when the demo case is not there.
    """
    patient = uow.patients.by_mrn(DEMO_MRN)
    if patient is None:
        return None
    cases = uow.cases.for_patient(patient.id)
    if not cases:
        return None
    case_id = cases[0].id  # the case seed_demo_case reports as the demo case
    if reporting.current_report(uow, PATHOLOGIST, case_id) is not None:
        return case_id
    reporting.save_draft(uow, PATHOLOGIST, case_id, DEMO_FIELDS, counts=demo_counts().as_dict())
    # the demo signs knowingly with immunohistochemistry pending (its addendum is the demo's)
    reporting.sign_report(
        uow, PATHOLOGIST, case_id, confirm_warnings=True, signer_name="Dr Pia Pathologist"
    )
    return case_id
