"""Release through the page and the JSON API; the pathologist's blood count as the
clinician sees it.

On the demo database (``prepare_demo``): the demo case carries a signed v1; release is
the clinician's by default. Release asks for confirmation (the version ticked, the
password typed); a refusal comes back next to its field and nothing is released. After
an amendment the portal keeps the released version, labelled, until the amendment is
released too; staff pages say which version was released, by whom, in local time.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.web.alert_banner import local_words
from marrowscope.web.app import create_app

PASSWORDS = {
    "pathologist": "pathologist-demo",
    "clinician": "clinician-demo",
    "patient": "patient-demo",
}
ZONE = "Europe/London"
FIRST_RELEASED = "Version 1 released by Dr Clara Clinician, clinician at "
AMENDED = "Acute myeloid leukaemia with myelodysplasia-related changes (blasts 21 %)."


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[TestClient, DemoIds]]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'release.db'}", timezone=ZONE)
    ids = prepare_demo(settings)
    with TestClient(create_app(settings)) as client:
        yield client, ids


def _sign_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    answer = client.post(
        "/api/session", json={"username": username, "password": PASSWORDS[username]}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["csrf_token"])


def _report(client: TestClient, case: int) -> dict[str, object]:
    _sign_in(client, "clinician")
    return dict(client.get(f"/api/cases/{case}/report").json())


def _error(page: str, name: str) -> str:
    found = re.search(rf'id="release-form-{name}-error">([^<\n]*)</p>', page)
    assert found, f"no error beside {name}"
    return html.unescape(found.group(1))


def _amend(client: TestClient, case: int) -> None:
    csrf = _sign_in(client, "pathologist")
    answer = client.post(
        f"/api/cases/{case}/report/amend",
        json={"fields": {"conclusion": AMENDED}, "reason": "blasts re-counted",
              "password": PASSWORDS["pathologist"]},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text


def _local(iso: object) -> str:
    return local_words(datetime.fromisoformat(str(iso)), ZONE)


def test_the_page_asks_which_version_before_releasing_and_names_who_released(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    case = ids.case_id
    csrf = _sign_in(client, "clinician")
    url = f"/reports/cases/{case}/release"
    good = {"csrf_token": csrf, "password": PASSWORDS["clinician"], "version": "1"}

    confirm = client.get(f"{url}?back=/clinician/cases/{case}")
    unticked = client.post(url, data={**good, "version": ""})
    wrong = client.post(url, data={**good, "password": "guess"})
    after_refusals = _report(client, case)["released_version"]
    csrf = _sign_in(client, "clinician")  # a new session, a new token
    released = client.post(
        url, data={**good, "csrf_token": csrf, "back": f"/clinician/cases/{case}"}
    )
    state = _report(client, case)

    assert confirm.status_code == 200
    assert 'id="release-version" data-version="1"' in confirm.text
    assert 'name="version" id="release-form-version" value="1"' in confirm.text
    assert "ReportVersion(" not in confirm.text  # the footer's app version is not shadowed
    assert unticked.status_code == 422
    assert "confirm the version you release" in _error(unticked.text, "version")
    assert wrong.status_code == 401 and "password" in _error(wrong.text, "password")
    assert after_refusals is None  # nothing released by a refusal
    assert released.status_code == 200 and released.url.path == f"/clinician/cases/{case}"
    assert state["released_version"] == 1
    assert state["released_by"] == "Dr Clara Clinician, clinician"
    assert FIRST_RELEASED + _local(state["released_at"]) in html.unescape(released.text)


def test_an_amendment_signed_meanwhile_is_refused_and_shown_for_reading(
    web: tuple[TestClient, DemoIds],
) -> None:
    """The clinician opened the page on v1; v2 was signed before they pressed release."""
    client, ids = web
    case = ids.case_id
    _amend(client, case)
    csrf = _sign_in(client, "clinician")

    stale = client.post(
        f"/reports/cases/{case}/release",
        data={"csrf_token": csrf, "password": PASSWORDS["clinician"], "version": "1"},
    )

    assert stale.status_code == 409
    assert "version 2 was signed since" in _error(stale.text, "version")
    assert 'id="release-version" data-version="2"' in stale.text  # now offered for reading
    assert AMENDED in html.unescape(stale.text)
    assert _report(client, case)["released_version"] is None


def test_only_the_laboratorys_releaser_opens_the_confirmation(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    _sign_in(client, "pathologist")

    answer = client.get(f"/reports/cases/{ids.case_id}/release")

    assert answer.status_code == 403 and "clinician's decision" in html.unescape(answer.text)


def test_the_api_releases_only_the_version_named_and_says_who_released_it(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    case = ids.case_id
    _amend(client, case)
    csrf = _sign_in(client, "clinician")
    url, headers = f"/api/cases/{case}/report/release", {"X-CSRF-Token": csrf}
    body = {"password": PASSWORDS["clinician"]}

    unnamed = client.post(url, json=body, headers=headers)
    stale = client.post(url, json={**body, "version": 1}, headers=headers)
    impossible = client.post(url, json={**body, "version": 0}, headers=headers)
    released = client.post(url, json={**body, "version": 2}, headers=headers)

    assert unnamed.status_code == 422 and "newest signed is version 2" in unnamed.text
    assert stale.status_code == 409 and "version 2 was signed since" in stale.text
    assert impossible.status_code == 422
    assert released.status_code == 200, released.text
    out = released.json()
    assert (out["status"], out["released_version"]) == ("released", 2)
    assert out["released_by"] == "Dr Clara Clinician, clinician"


def test_the_portal_keeps_the_released_version_until_the_amendment_is_released(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    case, portal = ids.case_id, f"/patient/{ids.patient_id}"
    csrf = _sign_in(client, "clinician")
    url, headers = f"/api/cases/{case}/report/release", {"X-CSRF-Token": csrf}
    first = client.post(
        url, json={"password": PASSWORDS["clinician"], "version": 1}, headers=headers
    )
    assert first.status_code == 200, first.text
    conclusion = str(first.json()["versions"][0]["fields"]["conclusion"])
    _amend(client, case)

    _sign_in(client, "patient")
    between = html.unescape(client.get(portal).text)
    _sign_in(client, "clinician")
    clinician_page = html.unescape(client.get(f"/clinician/cases/{case}").text)
    csrf = _sign_in(client, "clinician")
    second = client.post(
        url, json={"password": PASSWORDS["clinician"], "version": 2},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    _sign_in(client, "patient")
    after = html.unescape(client.get(portal).text)

    assert "Version 1 of your report, released to you on" in between
    assert 'id="report-updated"' in between  # the patient is told an update is coming
    assert conclusion in between and AMENDED not in between
    assert FIRST_RELEASED in clinician_page
    assert "the patient's portal shows version 1 until version 2 is released" in clinician_page
    assert second.status_code == 200
    assert "Version 2 of your report" in after and AMENDED in after
    assert 'id="report-updated"' not in after


def _rows(page: str, record_id: str) -> list[str]:
    table = re.search(rf'<table class="cbc" id="cbc-{record_id}">(.*?)</table>', page, re.S)
    assert table, "no blood count table"
    return re.findall(r"<tr class=[^>]*>.*?</tr>", table.group(1), re.S)


def test_the_pathologist_sees_the_blood_count_as_the_clinician_does(
    web: tuple[TestClient, DemoIds],
) -> None:
    """Units, reference intervals and the same critical highlight on both pages."""
    client, ids = web
    case = ids.case_id
    csrf = _sign_in(client, "clinician")
    cbc = {"csrf_token": csrf, "value_platelets": "8", "unit_platelets": "x10^9/L",
           "value_hb": "95", "unit_hb": "g/L"}  # fmt: skip
    assert client.post(f"/clinician/cases/{case}/cbc", data=cbc).status_code == 200
    clinician_page = client.get(f"/clinician/cases/{case}").text

    _sign_in(client, "pathologist")
    pathologist_page = client.get(f"/pathologist/cases/{case}").text
    [record_id] = re.findall(r'<table class="cbc" id="cbc-(\d+)">', pathologist_page)
    rows = _rows(pathologist_page, record_id)

    platelets = next(r for r in rows if 'data-analyte="platelets"' in r)
    hb = next(r for r in rows if 'data-analyte="hb"' in r)
    assert 'class="critical"' in platelets and "Critical: below 20" in platelets
    assert "×10⁹/L" in platelets and "150–410" in platelets
    assert 'class="abnormal"' in hb and "g/L" in hb and "Low" in hb
    assert rows == _rows(clinician_page, record_id)  # one helper, one rendering


def test_the_api_draft_prints_a_critical_count_as_critical(
    web: tuple[TestClient, DemoIds],
) -> None:
    """The JSON twin of the editor's prefill: platelets 8 is "(critical low)", not "(low)"."""
    client, _ids = web
    csrf = _sign_in(client, "clinician")
    headers = {"X-CSRF-Token": csrf}
    person = {"mrn": "REL-CBC-1", "family_name": "Count", "given_name": "Cora",
              "birth_date": "1957-02-03", "sex": "female"}  # fmt: skip
    made = client.post("/api/patients", json=person, headers=headers)
    assert made.status_code == 201, made.text
    case = int(made.json()["case_id"])
    cbc = {"collected_at": datetime.now(UTC).isoformat(),
           "measurements": {"platelets": 8, "neutrophils": 1.1}}  # fmt: skip
    assert client.post(f"/api/cases/{case}/cbc", json=cbc, headers=headers).status_code == 200

    _sign_in(client, "pathologist")
    blood = client.get(f"/api/cases/{case}/report").json()["prefill"]["blood_findings"]

    assert "Platelets 8 x10^9/L (critical low)" in blood
    assert "Neutrophils 1.1 x10^9/L (low)" in blood  # low, not beyond the 0.5 limit


def test_a_laboratory_that_gives_release_to_the_pathologist_confirms_on_the_same_page(
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'by_pathologist.db'}",
        timezone=ZONE,
        release_by="pathologist",
    )
    ids = prepare_demo(settings)
    case = ids.case_id
    with TestClient(create_app(settings)) as client:
        _sign_in(client, "clinician")
        refused = client.get(f"/reports/cases/{case}/release")
        csrf = _sign_in(client, "pathologist")
        case_page = client.get(f"/pathologist/cases/{case}").text
        confirm = client.get(f"/reports/cases/{case}/release?back=/pathologist/cases/{case}")
        released = client.post(
            f"/reports/cases/{case}/release",
            data={"csrf_token": csrf, "password": PASSWORDS["pathologist"], "version": "1",
                  "back": f"/pathologist/cases/{case}"},
        )  # fmt: skip

    assert refused.status_code == 403
    assert 'id="release-link"' in case_page
    assert confirm.status_code == 200 and 'data-version="1"' in confirm.text
    assert released.status_code == 200 and released.url.path == f"/pathologist/cases/{case}"
    line = html.unescape(released.text)
    assert "Version 1 released by Dr Pia Pathologist, pathologist at " in line
