"""Reading FHIR R4 in: a blood count from Observations, and a differential read back.

Every resource is parsed by the ``fhir.resources`` R4B models first; a file that is not
valid FHIR, or holds no usable CBC value, is refused whole with ``InvalidMessage``
before anything is written (see ``services.interop``). Observations are matched by
LOINC code against ``cbc_reference.toml``; anything else (e.g. the marrow differential
of our own export) is left aside by ``cbc_from_fhir``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from pydantic import ValidationError

from marrowscope.domain.counting.taxonomy import CellClass
from marrowscope.domain.errors import InvalidMessage
from marrowscope.domain.pathway.cbc import analyte_info
from marrowscope.interop.codes import (
    CbcImport,
    analyte_for_loinc,
    cell_for_code,
    panel_code,
    system,
)

__all__ = [
    "DifferentialImport",
    "cbc_from_fhir",
    "differential_from_fhir",
    "parse_model",
    "patient_mrn",
    "validate_bundle",
]


def validate_bundle(data: Mapping[str, Any]) -> Bundle:
    """The Bundle parsed by the R4B models; ``InvalidMessage`` naming the first fault."""
    return cast(Bundle, _parse(Bundle, data, "FHIR Bundle"))


# fhir.resources reports most faults as a ValidationError, but a resourceType or a key of
# the wrong JSON type can surface as one of these while it looks the model up
_MODEL_FAULTS = (TypeError, KeyError, ValueError, AttributeError)


def parse_model(model: Any, data: Mapping[str, Any], what: str) -> Any:
    """``data`` parsed by an R4B model (e.g. ``ServiceRequest``); ``InvalidMessage`` naming
    the first fault when it is not valid FHIR."""
    return _parse(model, data, what)


def _parse(model: Any, data: Mapping[str, Any], what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidMessage(f"{what}: {_first_error(error)}") from None
    except _MODEL_FAULTS as error:
        raise InvalidMessage(f"{what}: not valid FHIR R4 ({type(error).__name__})") from None


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    count = error.error_count()
    more = f" (and {count - 1} more)" if count > 1 else ""
    return f"{where or 'resource'}: {first.get('msg', 'not valid')}{more}"


def _observations(data: Mapping[str, Any]) -> list[Observation]:
    """The Observations of a Bundle (or of a single Observation), validated."""
    if not isinstance(data, Mapping):
        raise InvalidMessage("FHIR: expected a JSON object (a Bundle or an Observation)")
    kind = data.get("resourceType")
    if kind == "Observation":
        return [cast(Observation, _parse(Observation, data, "FHIR Observation"))]
    if kind != "Bundle":
        raise InvalidMessage(f"FHIR: expected a Bundle or an Observation, got {kind!r}")
    bundle = validate_bundle(data)
    out = []
    for entry in bundle.entry or []:
        resource = entry.resource
        if isinstance(resource, Observation):
            out.append(resource)
    return out


def _codes(obs: Observation) -> list[tuple[str, str]]:
    if obs.code is None:  # required by FHIR, but the models accept its absence
        return []
    return [(str(c.system or ""), str(c.code or "")) for c in (obs.code.coding or [])]


def _effective(obs: Observation, where: str) -> datetime:
    at = obs.effectiveDateTime
    if at is None:
        raise InvalidMessage(f"{where}: effectiveDateTime (collection time) is missing")
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise InvalidMessage(f"{where}: effectiveDateTime needs a date, time and time zone")
    return at


_STATUSES = frozenset(
    {
        "registered",
        "preliminary",
        "final",
        "amended",
        "corrected",
        "cancelled",
        "entered-in-error",
        "unknown",
    }
)


def cbc_from_fhir(data: Mapping[str, Any]) -> CbcImport:
    """The CBC values of a Bundle or Observation, refused whole when any is unusable."""
    measurements: dict[str, tuple[float, str]] = {}
    collected: datetime | None = None
    laboratory = ""
    for index, obs in enumerate(_observations(data)):
        status = str(obs.status)
        if status not in _STATUSES:
            raise InvalidMessage(
                f"Observation {obs.id or index}: status {status!r} is not an Observation status"
            )
        if status in {"cancelled", "entered-in-error", "registered", "unknown"}:
            continue  # no result to file
        key = next(
            (
                analyte_for_loinc(code)
                for sys, code in _codes(obs)
                if sys == system("loinc") and analyte_for_loinc(code)
            ),
            None,
        )
        if key is None:
            continue
        where = f"Observation {obs.id or index} ({key})"
        q = obs.valueQuantity
        if q is None or q.value is None:
            raise InvalidMessage(f"{where}: valueQuantity with a value is required")
        if key in measurements:
            raise InvalidMessage(f"{where}: {key} is given twice")
        at = _effective(obs, where)
        if collected is None:
            collected = at
        elif at != collected:
            raise InvalidMessage(
                f"{where}: collected at {at.isoformat()}, other values at "
                f"{collected.isoformat()}; send one blood count per import"
            )
        measurements[key] = (float(q.value), _unit(key, q.code, q.unit))
        for performer in obs.performer or []:
            laboratory = laboratory or str(performer.display or "")
    if not measurements or collected is None:
        raise InvalidMessage("FHIR: no CBC Observation with a known LOINC code (e.g. 718-7 Hb)")
    return CbcImport(collected, measurements, laboratory=laboratory)


def _unit(key: str, ucum: str | None, unit: str | None) -> str:
    """The table's unit for a UCUM code; else the printed unit (checked by the domain)."""
    info = analyte_info(key)
    if ucum and info.ucum and ucum == info.ucum:
        return info.unit
    return str(unit or ucum or "")


@dataclass(frozen=True, slots=True)
class DifferentialImport:
    """The marrow differential read back from a Bundle: percent per cell class."""

    percent: dict[CellClass, float]
    me_ratio: float | None
    cells_counted: int | None


def differential_from_fhir(data: Mapping[str, Any]) -> DifferentialImport:
    """The differential Observations of a Bundle (for round trips and receiving systems)."""
    percent: dict[CellClass, float] = {}
    me: float | None = None
    counted: int | None = None
    for obs in _observations(data):
        q = obs.valueQuantity
        if q is None or q.value is None:
            continue
        codes = _codes(obs)
        if (system("loinc"), panel_code("me_ratio").code) in codes:
            me = float(q.value)
            continue
        if (system("loinc"), panel_code("cells_counted").code) in codes:
            counted = int(q.value)
            continue
        for sys, code in codes:
            cell = cell_for_code(sys, code)
            if cell is not None:
                percent[cell] = float(q.value)
                break
    return DifferentialImport(percent, me, counted)


def patient_mrn(data: Mapping[str, Any]) -> str:
    """The MRN of the Bundle's Patient (our identifier system), '' when it names none."""
    if data.get("resourceType") != "Bundle":
        return ""
    entries = data.get("entry")
    for entry in entries if isinstance(entries, list) else []:
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if isinstance(resource, Mapping) and resource.get("resourceType") == "Patient":
            identifiers = resource.get("identifier")
            for identifier in identifiers if isinstance(identifiers, list) else []:
                if not isinstance(identifier, Mapping):
                    continue
                if identifier.get("system") == system("mrn") and identifier.get("value"):
                    return str(identifier["value"])
    return ""
