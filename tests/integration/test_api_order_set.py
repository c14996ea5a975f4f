"""The order says what to do, through the JSON API and the forms: the tests ordered with
the examination (chosen or the indication's defaults), the tubes registered only with
ordered tests, what the laboratory still awaits, the signed PDF for the clinician who
ordered the case, and a portal account linked by MRN and date of birth."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds, Settings, build_engine, build_uow_factory
from marrowscope.domain.pathway.order_set import default_items, ordered_per_tube
from marrowscope.domain.roles import Actor, Role
from marrowscope.services import pathway

from .api_support import api_session, csrf_token, demo_web

Web = tuple[TestClient, DemoIds, str]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    folder: Path = tmp_path_factory.mktemp("orderset")
    with demo_web(folder) as (client, ids):
        yield client, ids, f"sqlite:///{folder / 'demo.db'}"


def _new_case(client: TestClient, ids: DemoIds) -> int:
    clinician = api_session(client, "clinician")
    made = client.post(f"/api/patients/{ids.other_patient_id}/cases", headers=clinician)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def _order(client: TestClient, case_id: int, indication: str, **extra: object) -> Any:
    clinician = api_session(client, "clinician")
    return client.post(
        f"/api/cases/{case_id}/order",
        json={"indications": [indication], "clinical_details": "", **extra},
        headers=clinician,
    )


def test_an_order_keeps_the_tests_chosen_or_the_indications_defaults_and_says_which(
    web: Web,
) -> None:
    client, ids, _url = web
    chosen_case, default_case, empty_case = (_new_case(client, ids) for _ in range(3))

    chosen = _order(client, chosen_case, "paraprotein", tests=["mrd", "aspirate_morphology"])
    defaulted = _order(client, default_case, "fever_unknown_origin")
    empty = _order(client, empty_case, "splenomegaly", tests=[])

    assert chosen.status_code == 201, chosen.text
    assert chosen.json()["payload"]["tests"] == ["aspirate_morphology", "mrd"]
    assert chosen.json()["payload"]["tests_basis"] == "chosen by the clinician"
    assert defaulted.json()["payload"]["tests"] == [
        i.value for i in default_items(["fever_unknown_origin"])
    ]
    assert "defaults" in defaulted.json()["payload"]["tests_basis"]
    assert empty.status_code == 422
    assert "order at least one test" in empty.text


def test_a_tube_is_registered_only_with_ordered_tests_it_can_carry(web: Web) -> None:
    client, ids, _url = web
    nurse = api_session(client, "nurse")
    url = f"/api/cases/{ids.case_id}/specimens"

    none = client.post(url, json={"kind": "aspirate_edta", "tests": []}, headers=nurse)
    absent = client.post(url, json={"kind": "aspirate_edta"}, headers=nurse)
    unordered = client.post(url, json={"kind": "aspirate_edta", "tests": ["mrd"]}, headers=nurse)
    ordered = client.post(
        url, json={"kind": "aspirate_edta", "tests": ["flow_cytometry"]}, headers=nurse
    )

    for refused in (none, absent):
        assert refused.status_code == 422
        assert "tick the tests this aspirate_edta goes to" in refused.text
    assert unordered.status_code == 422 and "mrd was not ordered" in unordered.text
    assert ordered.status_code == 201, ordered.text


def test_a_case_without_an_order_takes_no_specimen(web: Web) -> None:
    client, ids, _url = web
    case_id = _new_case(client, ids)

    answer = client.post(
        f"/api/cases/{case_id}/specimens",
        json={"kind": "peripheral_blood_film", "tests": ["smear_morphology"]},
        headers=api_session(client, "nurse"),
    )

    assert answer.status_code == 409
    assert "no order yet" in answer.text


def test_the_nurses_form_offers_exactly_the_ordered_tests_per_tube(web: Web) -> None:
    client, ids, _url = web
    nurse = api_session(client, "nurse")
    records = client.get(f"/api/cases/{ids.case_id}/record", headers=nurse).json()["records"]
    [order] = [r for r in records if r["kind"] == "order" and r["superseded_at"] is None]
    expected = ordered_per_tube(default_items(order["payload"]["indications"]))

    page = client.get(f"/nursing/cases/{ids.case_id}").text
    form = page.split('id="specimen-form"')[1].split("</form>")[0]
    boxes = set(re.findall(r'name="tests" value="([a-z_]+)"', form))
    kinds = set(re.findall(r'<option value="([a-z_]+)"', form))

    assert boxes == {t.value for tests in expected.values() for t in tests}
    assert kinds == {k.value for k in expected}
    assert "mrd" not in boxes  # the demo order asks for no MRD


def test_the_lab_sees_what_was_ordered_and_not_yet_received(web: Web) -> None:
    client, ids, _url = web
    case_id = _new_case(client, ids)
    assert (
        _order(client, case_id, "unexplained_cytopenia", tests=["culture", "flow"]).status_code
        == 201
    )
    lab = api_session(client, "lab")

    listed = client.get("/api/lab/awaited", headers=lab)
    page = client.get("/lab").text

    mine = [row for row in listed.json() if row["case_id"] == case_id]
    assert [(r["test"], r["collected"]) for r in mine] == [("flow", False), ("culture", False)]
    assert not [row for row in listed.json() if row["case_id"] == ids.case_id]
    assert 'id="awaited-tests"' in page and "Marrow culture" in page
    assert client.get("/api/lab/awaited", headers=api_session(client, "nurse")).status_code == 403


def test_the_ordering_clinician_downloads_the_signed_pdf_and_the_read_is_audited(
    web: Web,
) -> None:
    client, ids, url = web
    clinician = api_session(client, "clinician")
    unsigned = _new_case(client, ids)
    _order(client, unsigned, "other", clinical_details="weight loss")

    pdf = client.get(f"/api/cases/{ids.case_id}/report/ordered.pdf", headers=clinician)
    page_pdf = client.get(f"/clinician/cases/{ids.case_id}/report.pdf")
    not_yet = client.get(f"/api/cases/{unsigned}/report/ordered.pdf", headers=clinician)

    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert page_pdf.content == pdf.content  # the stored bytes, exactly as signed
    assert not_yet.status_code == 409 and "no signed report yet" in not_yet.text
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        reads = conn.execute(
            sa.text(
                "SELECT count(*) FROM audit_log WHERE entity = 'report' AND action = 'view' "
                "AND actor_username = 'clinician' AND case_id = :c"
            ),
            {"c": ids.case_id},
        ).scalar_one()
    engine.dispose()
    assert reads == 2


def test_another_clinician_or_a_pathologist_gets_no_ordering_copy(web: Web) -> None:
    client, ids, url = web
    case_id = _new_case(client, ids)
    engine = build_engine(Settings(database_url=url))
    with build_uow_factory(engine)() as uow:
        locum = Actor("dr.locum", Role.CLINICIAN)
        pathway.place_order(
            uow, locum, case_id, indications=["storage_or_infiltration"], clinical_details=""
        )
    engine.dispose()

    refused = client.get(
        f"/api/cases/{case_id}/report/ordered.pdf", headers=api_session(client, "clinician")
    )
    pathologist = client.get(
        f"/api/cases/{ids.case_id}/report/ordered.pdf", headers=api_session(client, "pathologist")
    )

    assert refused.status_code == 403 and "only the clinician who ordered" in refused.text
    assert pathologist.status_code == 403


def _other_patient(client: TestClient, ids: DemoIds) -> dict[str, str]:
    clinician = api_session(client, "clinician")
    case_id = _new_case(client, ids)
    return dict(client.get(f"/api/cases/{case_id}", headers=clinician).json()["patient"])


def test_a_portal_account_is_linked_by_mrn_and_birth_date_both_matching(web: Web) -> None:
    client, ids, _url = web
    patient = _other_patient(client, ids)
    admin = api_session(client, "admin")
    body = {"password": "portal-long-passphrase-27", "role": "patient"}

    wrong = client.post(
        "/api/users",
        json={**body, "username": "pt-wrong", "patient_mrn": patient["mrn"],
              "patient_birth_date": "1901-02-03"},
        headers=admin,
    )  # fmt: skip
    by_id = client.post(
        "/api/users", json={**body, "username": "pt-id", "patient_id": ids.other_patient_id},
        headers=admin,
    )  # fmt: skip
    half = client.post(
        "/api/users", json={**body, "username": "pt-half", "patient_mrn": patient["mrn"]},
        headers=admin,
    )  # fmt: skip
    linked = client.post(
        "/api/users",
        json={**body, "username": "pt-right", "patient_mrn": patient["mrn"].lower(),
              "patient_birth_date": patient["birth_date"]},
        headers=admin,
    )  # fmt: skip

    assert wrong.status_code == 422 and "no patient has this MRN with this date" in wrong.text
    assert by_id.status_code == 422
    assert half.status_code == 422 and "MRN and date of birth" in half.text
    assert linked.status_code == 201, linked.text
    assert linked.json()["patient_id"] == ids.other_patient_id


def test_the_admin_form_links_by_mrn_and_birth_date_and_says_when_they_do_not_match(
    web: Web,
) -> None:
    client, ids, _url = web
    patient = _other_patient(client, ids)
    csrf = csrf_token(client, "admin")
    form = {"csrf_token": csrf, "password": "portal-long-passphrase-27", "role": "patient",
            "display_name": "Portal Person"}  # fmt: skip

    wrong = client.post(
        "/admin/users",
        data={**form, "username": "form-wrong", "patient_mrn": patient["mrn"],
              "patient_birth_date": "1901-02-03"},
    )  # fmt: skip
    linked = client.post(
        "/admin/users",
        data={**form, "username": "form-right", "patient_mrn": patient["mrn"],
              "patient_birth_date": patient["birth_date"]},
        follow_redirects=False,
    )  # fmt: skip

    assert wrong.status_code == 422
    assert re.search(r'id="account-form-patient_mrn-error"[^>]*>[^<]*no patient has', wrong.text)
    assert 'name="patient_id"' not in client.get("/admin").text
    assert linked.status_code == 303, linked.text
    client.cookies.clear()
    signed_in = client.post(
        "/api/session", json={"username": "form-right", "password": "portal-long-passphrase-27"}
    )
    assert signed_in.status_code == 200
    assert client.get(f"/patient/{ids.other_patient_id}").status_code == 200


def test_the_clinicians_form_orders_the_ticked_tests_and_refuses_none_ticked(web: Web) -> None:
    client, ids, _url = web
    refused_case, chosen_case, plain_case = (_new_case(client, ids) for _ in range(3))
    csrf = csrf_token(client, "clinician")
    form = {"csrf_token": csrf, "indications": "blasts_in_blood", "clinical_details": "x",
            "urgency": "urgent"}  # fmt: skip

    refused = client.post(
        f"/clinician/cases/{refused_case}/order", data={**form, "tests_set": "chosen"}
    )
    chosen = client.post(
        f"/clinician/cases/{chosen_case}/order",
        data={**form, "tests_set": "chosen", "tests": ["flow", "karyotype"]},
        follow_redirects=False,
    )
    plain = client.post(
        f"/clinician/cases/{plain_case}/order",
        data={**form, "indications": "lymphoma_staging", "tests_set": "defaults"},
        follow_redirects=False,
    )

    assert refused.status_code == 422
    assert 'id="order-form-tests-error"' in refused.text
    assert chosen.status_code == 303 and plain.status_code == 303
    shown = client.get(f"/clinician/cases/{chosen_case}").text
    assert "Flow cytometry immunophenotyping; Karyotype (cytogenetics)" in shown
    defaults = client.get(f"/clinician/cases/{plain_case}").text
    assert "the indication&#39;s local defaults" in defaults


def test_the_nurses_form_refuses_a_tube_with_no_test_beside_the_tests(web: Web) -> None:
    client, ids, _url = web
    csrf = csrf_token(client, "nurse")

    answer = client.post(
        f"/nursing/cases/{ids.case_id}/specimens",
        data={"csrf_token": csrf, "kind": "aspirate_heparin", "collected_at": ""},
    )

    assert answer.status_code == 422
    error = re.search(r'id="specimen-form-tests-error"[^>]*>([^<]*)<', answer.text)
    assert error is not None and "tick the tests this aspirate_heparin goes to" in error[1]


def test_the_clinician_changes_the_tests_with_a_reason_and_the_lab_follows(web: Web) -> None:
    client, ids, _url = web
    case_id = _new_case(client, ids)
    assert _order(client, case_id, "pancytopenia", tests=["flow"]).status_code == 201
    clinician = api_session(client, "clinician")
    url = f"/api/cases/{case_id}/order/tests"

    no_reason = client.post(url, json={"tests": ["flow", "culture"], "reason": ""},
                            headers=clinician)  # fmt: skip
    none = client.post(url, json={"tests": [], "reason": "x"}, headers=clinician)
    changed = client.post(url, json={"tests": ["flow", "culture"], "reason": "fevers"},
                          headers=clinician)  # fmt: skip
    awaited = client.get("/api/lab/awaited", headers=api_session(client, "lab")).json()

    assert no_reason.status_code == 422 and "reason" in no_reason.text
    assert none.status_code == 422 and "order at least one test" in none.text
    assert changed.status_code == 201, changed.text
    assert changed.json()["payload"]["tests"] == ["flow", "culture"]
    assert changed.json()["version"] == 2
    assert [r["test"] for r in awaited if r["case_id"] == case_id] == ["flow", "culture"]


def test_the_clinicians_page_changes_the_tests_and_says_a_refusal_beside_them(web: Web) -> None:
    client, ids, _url = web
    case_id = _new_case(client, ids)
    assert _order(client, case_id, "splenomegaly").status_code == 201
    csrf = csrf_token(client, "clinician")

    refused = client.post(
        f"/clinician/cases/{case_id}/order/tests", data={"csrf_token": csrf, "reason": "none"}
    )
    changed = client.post(
        f"/clinician/cases/{case_id}/order/tests",
        data={"csrf_token": csrf, "tests": ["mrd"], "reason": "remission"},
        follow_redirects=False,
    )

    assert refused.status_code == 422 and 'id="tests-form-tests-error"' in refused.text
    assert changed.status_code == 303
    page = client.get(f"/clinician/cases/{case_id}").text
    assert "Measurable residual disease (MRD)" in page.split('id="order-tests"')[1].split("</p>")[0]
