"""ICD-10 diagnoses sent with an order: kept as codes, mapped to an indication where cited.

An EHR codes the reason for an order (DG1-3, OBR-31, ``reasonCode``) in ICD-10. The code
and its text are stored as sent (``CodedDiagnosis``); the indication for the marrow
examination is taken from ``domain/tables/icd10_indications.toml`` only where that table
maps the code, since most diagnoses do not say why the marrow is examined. The longest
listed prefix wins, so the WHO four-character and the ICD-10-CM five-character forms of
a code map alike.
"""

from __future__ import annotations

from marrowscope.domain.pathway.order_origin import CodedDiagnosis
from marrowscope.domain.tables import load_table

__all__ = ["UNMAPPED", "coded_diagnosis", "fhir_system", "is_icd10"]

_TABLE = load_table("icd10_indications")
_CODES: dict[str, dict[str, str]] = _TABLE["codes"]
UNMAPPED = "unmapped"


def is_icd10(coding_system: str) -> bool:
    """Whether an HL7 coding-system name or a FHIR system URI is ICD-10 (WHO or -CM)."""
    name = coding_system.strip()
    return name.upper() in _TABLE["systems"]["hl7"] or name in _TABLE["systems"]["fhir"]


def fhir_system(sent: str) -> str:
    """The FHIR system URI of an ICD-10 coding sent as ``sent`` (a URI is kept as sent;
    an HL7 name of the -CM edition gives the -CM URI, any other the WHO one)."""
    if sent.startswith(("http://", "https://", "urn:")):
        return sent
    systems = _TABLE["systems"]
    cm = sent.strip().upper() in systems["hl7_cm"]
    return str(systems["fhir_cm"] if cm else systems["fhir_who"])


def _key(code: str) -> str:
    return code.replace(".", "").strip().upper()


def coded_diagnosis(code: str, text: str, coding_system: str) -> CodedDiagnosis | None:
    """The diagnosis with its indication ('' when the table leaves it unmapped), or None
    when the coding is not ICD-10 (other codes are read as our indications, or text)."""
    if not code.strip() or not is_icd10(coding_system):
        return None
    key = _key(code)
    found = max((k for k in _CODES if key.startswith(k)), key=len, default=None)
    indication = _CODES[found]["indication"] if found is not None else UNMAPPED
    return CodedDiagnosis(
        system=coding_system.strip(),
        code=code.strip(),
        text=text.strip() or (_CODES[found]["title"] if found is not None else ""),
        indication="" if indication == UNMAPPED else indication,
    )
