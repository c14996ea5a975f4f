"""The signed risk groups as FHIR Observations (ELN 2022, IPSS-R/RA, IPSS-M, ISS, R-ISS,
R2-ISS).

An EHR files results, not sentences: a clinician's dashboard or a trial screen looks for
"IPSS-M: High" as an Observation. Only groups the pathologist signed go out, read from
the signed risk line by ``domain.diagnosis.risk.signed``; no LOINC code exists for these
scores (checked in LOINC's search for IPSS, ELN and R-ISS), so each is coded in the
installation's own systems, with the group also as text, and a receiver that does not
know the codes still reads the text.
"""

from __future__ import annotations

from typing import Any

from marrowscope.domain.diagnosis.risk.signed import signed_risks
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.reporting.diagnosis_codes import CODE_SYSTEMS, diagnosis_codes
from marrowscope.interop.codes import CaseExport, system
from marrowscope.interop.fhir.datatypes import Ids

__all__ = ["conclusion_codes", "risk_observations"]

_CATEGORY = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
            "code": "laboratory",
            "display": "Laboratory",
        }
    ]
}


def _slug(text: str) -> str:
    return "-".join(text.lower().replace("(", " ").replace(")", " ").split())


def risk_observations(export: CaseExport, ids: Ids, effective: str) -> list[tuple[str, Any]]:
    """One Observation per signed risk group; none for a draft or a free-text line."""
    if not export.final or not export.risk_scores:
        return []
    status = "amended" if export.amended else "final"
    out: list[tuple[str, Any]] = []
    for risk in signed_risks(export.risk_scores).risks:
        code = _slug(risk.system)
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": status,
            "category": [_CATEGORY],
            "code": {
                "coding": [{"system": system("risk_score"), "code": code, "display": risk.system}],
                "text": f"{risk.system} risk group",
            },
            "subject": ids.ref("patient"),
            "effectiveDateTime": effective,
            "issued": export.issued.isoformat(),
            "valueCodeableConcept": {
                "coding": [
                    {
                        "system": system("risk_group"),
                        "code": f"{code}/{_slug(risk.category)}",
                        "display": risk.category,
                    }
                ],
                "text": risk.category,
            },
        }
        if export.signed_by:
            obs["performer"] = [ids.ref("pathologist")]
        if risk.score is not None:
            obs["component"] = [
                {
                    "code": {"text": f"{risk.system} score"},
                    "valueQuantity": {
                        "value": risk.score,
                        "unit": "score",
                        "system": system("ucum"),
                        "code": "{score}",
                    },
                }
            ]
        out.append((f"risk/{code}", obs))
    return out


def conclusion_codes(export: CaseExport) -> list[dict[str, Any]]:
    """The signed ICD-10 and ICD-O-3 codes as ``conclusionCode`` (none for a draft).

    A code field signed before codes were checked on saving may hold prose: it then
    goes out as text only, never as a code it is not.
    """
    if not export.final:
        return []
    out: list[dict[str, Any]] = []
    for field, url in CODE_SYSTEMS.items():
        text = export.diagnosis_codes.get(field, "").strip()
        if not text:
            continue
        try:
            codes = diagnosis_codes(field, text)
        except InvalidInput:
            out.append({"text": text})
            continue
        out.extend({"coding": [{"system": url, "code": code}], "text": code} for code in codes)
    return out
