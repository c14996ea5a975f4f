"""FHIR R4 REST answers built from exported case Bundles: searchset Bundles, a Patient
read, the CapabilityStatement and OperationOutcomes for errors.

An exported case Bundle names its resources by ``urn:uuid`` (stable per case); on a
REST server a resource is ``Type/id``. ``rehome`` rewrites one case Bundle's resources
that way, and gives the Patient our patient number as its id, so that the same patient
is one resource across all of their cases. Pure: no I/O, no framework.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from marrowscope.interop.fhir.datatypes import iso

__all__ = [
    "FHIR_JSON",
    "SEARCH_PARAMS",
    "capability_statement",
    "outcome",
    "rehome",
    "searchset",
]

FHIR_JSON = "application/fhir+json"
# what this server answers, exactly: the CapabilityStatement is built from it
SEARCH_PARAMS: Mapping[str, Sequence[str]] = {
    "DiagnosticReport": ["patient"],
    "Observation": ["patient"],
}
_ISSUE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 422: "processing"}


def rehome(bundle: Mapping[str, Any], patient_id: int) -> list[dict[str, Any]]:
    """The resources of an exported case Bundle with REST ids and ``Type/id`` references."""
    moved: dict[str, str] = {}
    resources = []
    for entry in bundle.get("entry", []):
        resource = dict(entry["resource"])
        kind = resource["resourceType"]
        if kind == "Patient":
            resource["id"] = str(patient_id)
        moved[entry["fullUrl"]] = f"{kind}/{resource['id']}"
        resources.append(resource)
    return [_rewrite(r, moved) for r in resources]


def _rewrite(value: Any, moved: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        out = {k: _rewrite(v, moved) for k, v in value.items()}
        reference = out.get("reference")
        if isinstance(reference, str) and reference in moved:
            out["reference"] = moved[reference]
        return out
    if isinstance(value, list):
        return [_rewrite(v, moved) for v in value]
    return value


def searchset(
    base: str,
    matches: Iterable[Mapping[str, Any]],
    includes: Iterable[Mapping[str, Any]] = (),
    *,
    at: datetime,
) -> dict[str, Any]:
    """A ``searchset`` Bundle: the matches, then the resources they point at (include)."""
    found = list(matches)
    entries = [_entry(base, r, "match") for r in found]
    entries += [_entry(base, r, "include") for r in includes]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "timestamp": iso(at),
        "total": len(found),
        "entry": entries,
    }


def _entry(base: str, resource: Mapping[str, Any], mode: str) -> dict[str, Any]:
    url = f"{base.rstrip('/')}/{resource['resourceType']}/{resource['id']}"
    return {"fullUrl": url, "resource": dict(resource), "search": {"mode": mode}}


def capability_statement(base: str, version: str, *, at: datetime) -> dict[str, Any]:
    """What this server does, and nothing more: orders in, signed results out."""
    resources: list[dict[str, Any]] = [
        {
            "type": kind,
            "interaction": [{"code": "search-type"}],
            "searchParam": [{"name": name, "type": "reference"} for name in SEARCH_PARAMS[kind]],
        }
        for kind in SEARCH_PARAMS
    ]
    resources.append({"type": "Patient", "interaction": [{"code": "read"}]})
    resources.append({"type": "ServiceRequest", "interaction": [{"code": "create"}]})
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": iso(at),
        "kind": "instance",
        "software": {"name": "marrowscope", "version": version},
        "implementation": {"description": "marrowscope FHIR API", "url": base},
        "fhirVersion": "4.0.1",
        "format": [FHIR_JSON],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "HTTP Basic over TLS, as an account of the interface role"
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}],
            }
        ],
    }


def outcome(status: int, text: str) -> dict[str, Any]:
    """An OperationOutcome for an HTTP error ``status``."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": _ISSUE.get(status, "processing"),
                "diagnostics": text,
            }
        ],
    }
