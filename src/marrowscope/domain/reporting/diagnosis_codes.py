"""The diagnosis codes a pathologist signs (ICD-10, ICD-O-3), read by their grammar.

A receiving system files a report's diagnosis by code (FHIR
``DiagnosticReport.conclusionCode``), so a code field must hold codes, not prose: each
entry is checked against the code system's published structure when the draft is saved,
and a signed code goes out with its system's URI. The structure, not a list of valid
codes, is checked (the lists are licensed and change yearly): "D46.2" passes, "D46 .2",
"MDS" or "9983" without its behaviour code do not.

ICD-10: a letter (U is reserved by WHO for special purposes and accepted), two digits, then
optionally a point and one to four characters (WHO ICD-10 2019, Volume 2, section 2.4, and
the national modifications' fifth and sixth characters, e.g. ICD-10-CM C90.00).
ICD-O-3: morphology as four digits, a slash and the behaviour code 0, 1, 2, 3, 6 or 9
(ICD-O-3.2, WHO 2019, "Morphology" and Table 2, behaviour code).
"""

from __future__ import annotations

import re

from marrowscope.domain.errors import InvalidInput

__all__ = ["CODE_SYSTEMS", "diagnosis_codes"]

CODE_SYSTEMS = {
    "icd10": "http://hl7.org/fhir/sid/icd-10",
    "icdo3": "http://terminology.hl7.org/CodeSystem/icd-o-3",
}
_GRAMMAR = {
    "icd10": (
        re.compile(r"[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?"),
        "a letter, two digits and optionally a point with up to 4 characters (D46.2)",
    ),
    "icdo3": (
        re.compile(r"[0-9]{4}/[012369]"),
        "four digits, a slash and the behaviour code 0, 1, 2, 3, 6 or 9 (9983/3)",
    ),
}
_SEPARATORS = re.compile(r"[;,\s]+")


def diagnosis_codes(field: str, text: str) -> tuple[str, ...]:
    """The codes of an ``icd10`` or ``icdo3`` field, in order; refused when any entry is
    not a code of that system."""
    grammar, shape = _GRAMMAR[field]
    codes = tuple(c for c in _SEPARATORS.split(text.strip().upper()) if c)
    for code in codes:
        if not grammar.fullmatch(code):
            label = "ICD-10" if field == "icd10" else "ICD-O-3"
            raise InvalidInput(f"{label}: {code!r} is not a code; expected {shape}")
    return codes
