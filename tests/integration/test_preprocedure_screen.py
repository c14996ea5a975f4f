"""The pre-procedure screen through the JSON API (``POST /api/cases/{id}/assessment``) and
the nurse's checklist form, vignette by vignette (docs/preprocedure_rules.md): the same
finding both ways, the planned sedative stored, the lab policy from the settings, and
impossible input refused beside its field with nothing stored.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds
from tests.integration.api_support import api_session, csrf_token, demo_web

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
PLANNED = NOW + timedelta(hours=1)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds]]:
    with demo_web(tmp_path_factory.mktemp("preprocedure")) as web:
        yield web


@pytest.fixture(scope="module")
def strict_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, DemoIds]]:
    """A lab whose policy differs from the guidelines: platelets 30, LMWH held 12 h."""
    folder = tmp_path_factory.mktemp("preprocedure_policy")
    with demo_web(folder, platelet_threshold_per_nl=30, lmwh_prophylactic_hold_hours=12) as web:
        yield web


@dataclass(frozen=True)
class Vignette:
    """A checklist as both the API and the form take it."""

    allergies: tuple[str, ...] = ()
    local_anaesthetic: str = "lidocaine"
    antiseptic: str = "chlorhexidine"
    sedation: str = "local"
    sedatives: tuple[str, ...] = ()
    drug: str = ""
    dose_hours_before: float | None = None
    crcl: float | None = None
    platelets: float = 200
    extra: dict[str, Any] = field(default_factory=dict)

    def api(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "plan": {
                "planned_at": PLANNED.isoformat(), "sedation": self.sedation,
                "sedatives": list(self.sedatives), "local_anaesthetic": self.local_anaesthetic,
                "antiseptic": self.antiseptic,
            },
            "allergies": list(self.allergies), "platelets_per_nl": self.platelets,
            "platelets_at": (NOW - timedelta(days=1)).isoformat(), "inr": 1.0,
            "inr_at": (NOW - timedelta(days=1)).isoformat(),
            "creatinine_clearance_ml_min": self.crcl, "driver_home": True,
            "last_solids_at": (PLANNED - timedelta(hours=10)).isoformat(),
            "last_clear_fluids_at": (PLANNED - timedelta(hours=4)).isoformat(),
            "consent_by": "patient", "consent_signed_by": "Vera Vignette",
        }  # fmt: skip
        if self.drug:
            last = None
            if self.dose_hours_before is not None:
                last = (PLANNED - timedelta(hours=self.dose_hours_before)).isoformat()
            body["medications"] = [{"drug": self.drug, "last_dose_at": last}]
        return {**body, **self.extra}

    def form(self, csrf: str) -> dict[str, str]:
        def local(at: datetime) -> str:
            return at.strftime("%Y-%m-%dT%H:%M")

        data = {
            "csrf_token": csrf, "planned_at": local(PLANNED), "sedation": self.sedation,
            "sedatives": ", ".join(self.sedatives), "local_anaesthetic": self.local_anaesthetic,
            "antiseptic": self.antiseptic, "allergies": ", ".join(self.allergies),
            "platelets_per_nl": f"{self.platelets:g}",
            "platelets_at": local(NOW - timedelta(days=1)),
            "inr": "1.0", "inr_at": local(NOW - timedelta(days=1)),
            "creatinine_clearance_ml_min": "" if self.crcl is None else f"{self.crcl:g}",
            "driver_home": "yes", "last_solids_at": local(PLANNED - timedelta(hours=10)),
            "last_clear_fluids_at": local(PLANNED - timedelta(hours=4)),
            "consent_by": "patient", "consent_signed_by": "Vera Vignette",
        }  # fmt: skip
        if self.drug:
            data["drug_0"] = self.drug
            if self.dose_hours_before is not None:
                data["last_dose_0"] = local(PLANNED - timedelta(hours=self.dose_hours_before))
        return {**data, **{k: str(v) for k, v in self.extra.items()}}


def _new_case(client: TestClient, name: str) -> int:
    mrn = re.sub(r"[^A-Za-z0-9-]", "-", name)[:32]
    clinician = api_session(client, "clinician")
    made = client.post(
        "/api/patients",
        json={"mrn": mrn, "family_name": "Vignette", "given_name": "Vera",
              "birth_date": "1960-05-01", "sex": "female"},
        headers=clinician,
    )  # fmt: skip
    assert made.status_code == 201, made.text
    case_id = int(made.json()["case_id"])
    ordered = client.post(
        f"/api/cases/{case_id}/order", json={"indications": ["pancytopenia"]}, headers=clinician
    )
    assert ordered.status_code == 201, ordered.text
    return case_id


def _via_api(client: TestClient, mrn: str, v: Vignette) -> dict[str, Any]:
    return _via_api_body(client, mrn, v.api())


def _via_api_body(client: TestClient, mrn: str, json: dict[str, Any]) -> dict[str, Any]:
    case_id = _new_case(client, mrn)
    answer = client.post(
        f"/api/cases/{case_id}/assessment", json=json, headers=api_session(client, "nurse")
    )
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _saved_on_page(client: TestClient, case_id: int) -> dict[str, str]:
    page = client.get(f"/nursing/cases/{case_id}").text
    return dict(re.findall(r'<li data-rule="([^"]+)"><span class="badge sev-(\w+)">', page))


def _via_form(client: TestClient, mrn: str, v: Vignette) -> dict[str, str]:
    case_id = _new_case(client, mrn)
    csrf = csrf_token(client, "nurse")
    saved = client.post(f"/nursing/cases/{case_id}/assessment", data=v.form(csrf))
    assert saved.status_code == 200, saved.text
    return _saved_on_page(client, case_id)


VIGNETTES = [
    # local anaesthetics by class
    ("bupi-lido", Vignette(("bupivacaine",)), "allergy.local_anaesthetic", "stop"),
    ("lido-procaine", Vignette(("lidocaine",), "procaine"), "allergy.local_anaesthetic", "note"),
    ("brand-amide", Vignette(("Marcaine",), "1% lidocaine with adrenaline"),
     "allergy.local_anaesthetic", "stop"),
    ("ester-amide", Vignette(("Novocain",)), "allergy.local_anaesthetic", "note"),
    ("unknown-la", Vignette(("local anaesthetic at the dentist",)),
     "allergy.local_anaesthetic", "review"),
    # antiseptics by family
    ("pvp-i", Vignette(("povidone-iodine",), antiseptic="povidone-iodine"),
     "allergy.antiseptic", "stop"),
    ("iodine-betadine", Vignette(("iodine",), antiseptic="Betadine"), "allergy.antiseptic", "stop"),
    ("chg-chloraprep", Vignette(("Hibiscrub",), antiseptic="ChloraPrep"),
     "allergy.antiseptic", "stop"),
    ("chg-iodine", Vignette(("chlorhexidine",), antiseptic="povidone-iodine"),
     "allergy.antiseptic", "note"),
    # sedatives one by one
    ("midazolam", Vignette(("midazolam",), sedation="conscious", sedatives=("midazolam",)),
     "allergy.sedative", "stop"),
    ("benzo-class", Vignette(("lorazepam",), sedation="conscious", sedatives=("Hypnovel",)),
     "allergy.sedative", "stop"),
    ("other-class", Vignette(("morphine",), sedation="conscious", sedatives=("midazolam",)),
     "allergy.sedative", "note"),
    ("opioid-class", Vignette(("morphine",), sedation="conscious",
                              sedatives=("midazolam", "fentanyl")), "allergy.sedative", "stop"),
    # every DOAC by renal function (EHRA 2021)
    ("apix-no-crcl", Vignette(drug="apixaban", dose_hours_before=30), "drug.apixaban", "review"),
    ("apix-crcl-30", Vignette(drug="apixaban", dose_hours_before=24, crcl=30), "drug.apixaban",
     "note"),
    ("apix-crcl-29", Vignette(drug="apixaban", dose_hours_before=35.5, crcl=29), "drug.apixaban",
     "stop"),
    ("apix-crcl-15", Vignette(drug="apixaban", dose_hours_before=36, crcl=15), "drug.apixaban",
     "note"),
    ("riva-crcl-29", Vignette(drug="rivaroxaban", dose_hours_before=30, crcl=29.9),
     "drug.rivaroxaban", "stop"),
    ("edox-crcl-14", Vignette(drug="edoxaban", dose_hours_before=48, crcl=14.9),
     "drug.edoxaban", "review"),
    ("dabi-crcl-49", Vignette(drug="dabigatran", dose_hours_before=47.5, crcl=49.9),
     "drug.dabigatran", "stop"),
    ("lmwh-proph", Vignette(drug="enoxaparin_prophylactic", dose_hours_before=2),
     "drug.enoxaparin_prophylactic", "note"),
    # the platelet threshold either side
    ("plt-19.9", Vignette(platelets=19.9), "platelets.low", "review"),
    ("plt-20", Vignette(platelets=20), "platelets.low", None),
    ("plt-20.1", Vignette(platelets=20.1), "platelets.low", None),
]  # fmt: skip


@pytest.mark.parametrize(("name", "vignette", "rule", "severity"), VIGNETTES)
def test_each_vignette_through_the_json_api(
    web: tuple[TestClient, DemoIds], name: str, vignette: Vignette, rule: str, severity: str | None
) -> None:
    client, _ids = web
    body = _via_api(client, f"API-{name}", vignette)

    found = {f["rule"]: f for f in body["findings"]}
    assert (found[rule]["severity"] if rule in found else None) == severity, body["findings"]
    if rule in found:
        assert found[rule]["source"] not in ("", "-")
    assert body["payload"]["plan"]["sedatives"] == list(vignette.sedatives)


@pytest.mark.parametrize(("name", "vignette", "rule", "severity"), VIGNETTES)
def test_each_vignette_through_the_checklist_form(
    web: tuple[TestClient, DemoIds], name: str, vignette: Vignette, rule: str, severity: str | None
) -> None:
    client, _ids = web

    saved = _via_form(client, f"FORM-{name}", vignette)

    assert saved.get(rule) == severity, saved


def test_an_allergy_met_by_an_agent_the_api_left_unnamed_asks_for_the_agent(
    web: tuple[TestClient, DemoIds],
) -> None:
    """Nothing is assumed: with no local anaesthetic named, a lidocaine allergy is not
    checked against a default lidocaine nor passed; the finding asks which agent."""
    client, _ids = web
    unnamed = Vignette(("lidocaine",), extra={})
    body = unnamed.api()
    del body["plan"]["local_anaesthetic"]

    found = _via_api_body(client, "API-unnamed-agent", body)

    finding = {f["rule"]: f for f in found["findings"]}["allergy.local_anaesthetic"]
    assert "name the agent" in finding["message"]
    assert found["payload"]["plan"]["local_anaesthetic"] == ""


def test_the_form_opens_with_the_sedative_it_saved(web: tuple[TestClient, DemoIds]) -> None:
    client, _ids = web
    v = Vignette(sedation="conscious", sedatives=("midazolam", "fentanyl"))
    saved = _via_form(client, "FORM-reopen", v)
    case_id = _new_case(client, "FORM-reopen-2")
    csrf = csrf_token(client, "nurse")
    client.post(f"/nursing/cases/{case_id}/assessment", data=v.form(csrf))

    page = client.get(f"/nursing/cases/{case_id}").text

    assert 'id="checklist-sedatives" value="midazolam, fentanyl"' in page
    assert "allergy.sedative" not in saved


def test_the_lab_policy_comes_from_the_settings_and_is_named(
    strict_lab: tuple[TestClient, DemoIds],
) -> None:
    client, _ids = strict_lab

    low = _via_api(client, "POL-1", Vignette(platelets=25))
    lmwh = _via_api(client, "POL-2", Vignette(drug="enoxaparin_prophylactic", dose_hours_before=6))

    [platelets] = [f for f in low["findings"] if f["rule"] == "platelets.low"]
    assert platelets["severity"] == "review"
    assert "platelet_threshold_per_nl = 30" in platelets["source"]
    assert "set locally" in platelets["source"]
    [enoxaparin] = [f for f in lmwh["findings"] if f["rule"] == "drug.enoxaparin_prophylactic"]
    assert enoxaparin["severity"] == "stop" and "SIR2019" in enoxaparin["source"]
    assert low["payload"]["policy"] == {
        "platelet_threshold_per_nl": 30.0,
        "lmwh_prophylactic_hold_hours": 12.0,
    }


BAD = [
    ("crcl-0", Vignette(crcl=0), "creatinine_clearance_ml_min"),
    ("crcl-10000", Vignette(crcl=10_000), "creatinine_clearance_ml_min"),
    ("dose-after", Vignette(drug="apixaban", dose_hours_before=-2, crcl=80), "last_dose_0"),
    ("dose-unborn", Vignette(drug="aspirin", dose_hours_before=24 * 365 * 70), "last_dose_0"),
    ("sample-future", Vignette(extra={"platelets_at": (NOW + timedelta(days=1)).isoformat()}),
     "platelets_at"),
    ("sedative-local", Vignette(sedatives=("midazolam",)), "sedatives"),
    ("la-is-antiseptic", Vignette(local_anaesthetic="chlorhexidine"), "local_anaesthetic"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "vignette", "field_name"), BAD)
def test_impossible_input_is_refused_by_the_api_and_nothing_stored(
    web: tuple[TestClient, DemoIds], name: str, vignette: Vignette, field_name: str
) -> None:
    client, _ids = web
    case_id = _new_case(client, f"BADAPI-{name}")

    answer = client.post(
        f"/api/cases/{case_id}/assessment",
        json=vignette.api(),
        headers=api_session(client, "nurse"),
    )

    assert answer.status_code == 422, answer.text
    assert field_name in answer.text
    csrf_token(client, "nurse")
    assert _saved_on_page(client, case_id) == {}


@pytest.mark.parametrize(("name", "vignette", "field_name"), BAD)
def test_impossible_input_on_the_form_stays_beside_its_field_and_nothing_is_stored(
    web: tuple[TestClient, DemoIds], name: str, vignette: Vignette, field_name: str
) -> None:
    client, _ids = web
    case_id = _new_case(client, f"BADFORM-{name}")
    csrf = csrf_token(client, "nurse")
    form = vignette.form(csrf)
    if name == "sample-future":
        form["platelets_at"] = (NOW + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    answer = client.post(f"/nursing/cases/{case_id}/assessment", data=form)

    assert answer.status_code == 422, answer.text
    beside = re.search(
        rf'<p class="error field-error" id="checklist-{field_name}-error">(.*?)</p>', answer.text
    )
    assert beside, f"no message beside {field_name}"
    assert html.unescape(beside.group(1))
    assert 'id="saved-findings"' not in answer.text
    assert _saved_on_page(client, case_id) == {}
