"""A CBC in as FHIR Observations: mapped by LOINC, units kept for the domain to convert,
and anything unusable refused whole."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from marrowscope.domain.errors import InvalidInput, InvalidMessage
from marrowscope.domain.pathway.cbc import parse_blood_count
from marrowscope.interop.fhir import cbc_from_fhir, patient_mrn

WHEN = "2026-03-01T07:45:00+00:00"


def _obs(code: str, value: Any, unit: str, ucum: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "effectiveDateTime": WHEN,
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": ucum,
        },
        **extra,
    }


def _bundle(*observations: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{i:08d}-0000-4000-8000-000000000000", "resource": o}
                  for i, o in enumerate(observations)],
    }  # fmt: skip


def test_observations_map_to_cbc_fields_by_loinc() -> None:
    bundle = _bundle(
        _obs("718-7", 9.2, "g/dL", "g/dL"),
        _obs("6690-2", 2.9, "x10^9/L", "10*9/L"),
        _obs("777-3", 64, "x10^9/L", "10*9/L"),
        _obs("787-2", 104, "fL", "fL"),
    )

    cbc = cbc_from_fhir(bundle)
    count = parse_blood_count(cbc.collected_at, cbc.measurements)

    assert cbc.collected_at == datetime(2026, 3, 1, 7, 45, tzinfo=UTC)
    assert count.values == {"hb": 92.0, "wbc": 2.9, "platelets": 64.0, "mcv": 104.0}


def test_a_single_observation_is_accepted() -> None:
    cbc = cbc_from_fhir(_obs("777-3", 40, "x10^9/L", "10*9/L"))

    assert cbc.measurements == {"platelets": (40.0, "x10^9/L")}


def test_observations_that_are_not_cbc_analytes_are_left_aside() -> None:
    marrow = {**_obs("11108-8", 16, "%", "%")}

    cbc = cbc_from_fhir(_bundle(marrow, _obs("718-7", 92, "g/L", "g/L")))

    assert set(cbc.measurements) == {"hb"}


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"resourceType": "Patient"}, "expected a Bundle or an Observation"),
        (_bundle(_obs("11108-8", 16, "%", "%")), "no CBC Observation"),
        (_bundle({**_obs("718-7", 92, "g/L", "g/L"), "status": "bogus"}), "status"),
        (_bundle({**_obs("718-7", 92, "g/L", "g/L"), "effectiveDateTime": None}), "effective"),
        (_bundle(_obs("718-7", 92, "g/L", "g/L"), _obs("718-7", 93, "g/L", "g/L")), "twice"),
        (
            _bundle(
                _obs("718-7", 92, "g/L", "g/L"),
                {
                    **_obs("777-3", 40, "x10^9/L", "10*9/L"),
                    "effectiveDateTime": "2026-02-01T07:00:00Z",
                },
            ),
            "one blood count per import",
        ),
    ],
)
def test_unusable_files_are_refused_whole(data: dict[str, Any], says: str) -> None:
    with pytest.raises(InvalidMessage, match=says):
        cbc_from_fhir(data)


def test_a_refusal_is_an_invalid_input() -> None:
    """The CLI and web map InvalidInput to a plain message (exit 2, 4xx)."""
    assert issubclass(InvalidMessage, InvalidInput)


@pytest.mark.parametrize(
    "data",
    [
        {"resourceType": "Bundle", "type": "collection", "entry": 1},
        _bundle({**_obs("718-7", 92, "g/L", "g/L"), "resourceType": 7}),
        _bundle({**_obs("718-7", 92, "g/L", "g/L"), "code": None}),
        _bundle({**_obs("718-7", 92, "g/L", "g/L"), "valueQuantity": [1]}),
        {**_obs("718-7", 92, "g/L", "g/L"), "effectiveDateTime": "2026-13-01"},
    ],
)
def test_json_of_the_wrong_shape_is_refused_as_invalid_not_a_crash(data: dict[str, Any]) -> None:
    """Found by mutating a valid Bundle at random: every fault must be an InvalidMessage."""
    with pytest.raises(InvalidMessage):
        cbc_from_fhir(data)
    assert patient_mrn(data) == ""
