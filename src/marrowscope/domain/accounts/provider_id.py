"""A clinician's provider identifier as hospital systems know it, checked before it is kept.

Results name the signing pathologist by this identifier (HL7 OBR-32, FHIR Practitioner),
and the EHR matches it against its own register of clinicians; a mistyped NPI would file
the result under nobody or under someone else. An NPI is ten digits whose last is a
Luhn check digit computed over the prefix 80840 and the first nine (CMS, "Requirements
for National Provider Identifier (NPI) and NPI Enumeration", check digit section;
ISO/IEC 7812-1), so a single mistyped or two swapped digits are refused. Other types
(HL7 table 0203, e.g. PRN, DN) are checked for form only.
"""

from __future__ import annotations

import re

from marrowscope.domain.errors import InvalidInput

__all__ = ["ProviderId", "provider_id"]

_TYPE = re.compile(r"[A-Z][A-Z0-9]{0,9}")
_NPI_PREFIX = "80840"  # the health-industry issuer prefix the NPI check digit includes
_FORBIDDEN = set("|^~\\&")  # HL7 delimiters: an identifier is sent inside one component

ProviderId = tuple[str, str]


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def provider_id(value: str, id_type: str, default_type: str = "") -> ProviderId:
    """The identifier and its type as kept (both '' clears them); a one-line refusal when
    the type is not a table 0203 code or an NPI fails its check digit."""
    ident = value.strip()
    kind = id_type.strip().upper()
    if not ident:
        if kind:
            raise InvalidInput("provider_id: give the identifier, or clear both fields")
        return "", ""
    if kind and not _TYPE.fullmatch(kind):
        raise InvalidInput(f"provider_id_type: {kind!r} is not an HL7 table 0203 code (e.g. NPI)")
    if len(ident) > 40 or _FORBIDDEN & set(ident) or not ident.isprintable():
        raise InvalidInput("provider_id: up to 40 characters, none of | ^ ~ \\ &")
    if (kind or default_type.strip().upper()) == "NPI" and not (
        len(ident) == 10 and ident.isdigit() and _luhn_valid(_NPI_PREFIX + ident)
    ):
        raise InvalidInput(f"provider_id: {ident} is not an NPI (10 digits, check digit wrong)")
    return ident, kind
