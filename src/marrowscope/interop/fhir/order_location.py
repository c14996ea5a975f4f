"""Where a FHIR ServiceRequest was placed: the ordering ward, as the EHR names it.

``ServiceRequest.locationReference`` ("the preferred location(s) where the procedure
should actually happen", FHIR R4) is, for an order from a ward, that ward; when it is
absent, the location of the order's ``encounter`` (``Encounter.location``, the patient's
ward during the admission or visit the order belongs to) is. Each reference is resolved
in the Bundle or as contained (by the caller's ``resolve``); a Location gives its first
identifier's value, else its name; a logical reference its identifier, else its display.
The code is mapped to our unit names by the use case (``AccessPolicy.ward_for_location``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["ordering_location"]

Resolve = Callable[[str, tuple[str, ...]], Mapping[str, Any] | None]


def _code_of(location: Mapping[str, Any]) -> str:
    for ident in location.get("identifier") or []:
        if isinstance(ident, Mapping) and str(ident.get("value") or "").strip():
            return str(ident["value"]).strip()
    return str(location.get("name") or "").strip()


def _from_reference(reference: Any, resolve: Resolve) -> str:
    """The code a Reference to a Location names; "" when it names none."""
    if not isinstance(reference, Mapping):
        return ""
    found = resolve(str(reference.get("reference") or ""), ("Location",))
    if found is not None:
        return _code_of(found)
    ident = reference.get("identifier")
    if isinstance(ident, Mapping) and str(ident.get("value") or "").strip():
        return str(ident["value"]).strip()
    return str(reference.get("display") or "").strip()


def ordering_location(request: Mapping[str, Any], resolve: Resolve) -> str:
    """The EHR's code for where ``request`` was placed; "" when it says nothing."""
    for reference in request.get("locationReference") or []:
        code = _from_reference(reference, resolve)
        if code:
            return code
    encounter_ref = request.get("encounter")
    if not isinstance(encounter_ref, Mapping):
        return ""
    encounter = resolve(str(encounter_ref.get("reference") or ""), ("Encounter",))
    for stay in (encounter or {}).get("location") or []:
        code = _from_reference(stay.get("location") if isinstance(stay, Mapping) else None, resolve)
        if code:
            return code
    return ""
