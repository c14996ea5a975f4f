"""Pages that take input, through the real app on SQLite: errors name the field, and
sign-in and sign-out behave as a person expects."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from marrowscope.bootstrap import DemoIds, Settings, prepare_demo
from marrowscope.web.app import create_app
from tests.db_support import WebDatabase


@pytest.fixture(scope="module")
def web(web_database: WebDatabase) -> Iterator[tuple[TestClient, DemoIds]]:
    settings = Settings(database_url=web_database("forms"))
    ids = prepare_demo(settings)
    with TestClient(create_app(settings)) as client:
        yield client, ids


def _login_token(client: TestClient) -> str:
    page = client.get("/login")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def _sign_in(client: TestClient, username: str, password: str) -> int:
    client.cookies.clear()
    token = _login_token(client)
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return answer.status_code


def _csrf(client: TestClient) -> str:
    return str(client.get("/api/me").json()["csrf_token"])


def test_a_cbc_file_is_imported_and_flagged(web: tuple[TestClient, DemoIds]) -> None:
    client, ids = web
    _sign_in(client, "clinician", "clinician-demo")
    csv_text = "analyte,value,unit\nhb,6.8,g/dL\nplatelets,18,x10^9/L\n"

    answer = client.post(
        f"/clinician/cases/{ids.case_id}/cbc/import",
        data={"csrf_token": _csrf(client)},
        files={"file": ("cbc.csv", csv_text, "text/csv")},
    )

    assert answer.status_code == 200
    # 6.8 g/dL shown in the canonical g/L, the unit in its own column
    assert re.search(
        r'<th scope="row">Haemoglobin</th><td class="num">68</td><td>g/L</td>', answer.text
    )


def test_a_bad_line_in_a_cbc_file_is_named(web: tuple[TestClient, DemoIds]) -> None:
    client, ids = web
    _sign_in(client, "clinician", "clinician-demo")

    answer = client.post(
        f"/clinician/cases/{ids.case_id}/cbc/import",
        data={"csrf_token": _csrf(client)},
        files={"file": ("cbc.csv", "analyte,value,unit\nhb,6.8,g/dL\nhbx,1,g/L\n", "text/csv")},
    )

    assert answer.status_code == 422
    assert "line 3: unknown analyte" in answer.text


def test_an_impossible_value_is_refused_with_its_field(web: tuple[TestClient, DemoIds]) -> None:
    client, ids = web
    _sign_in(client, "clinician", "clinician-demo")

    answer = client.post(
        f"/clinician/cases/{ids.case_id}/cbc",
        data={"csrf_token": _csrf(client), "value_hb": "900", "unit_hb": "g/dL"},
    )

    assert answer.status_code == 422
    assert "hb" in answer.text


def test_signing_out_ends_the_session_on_the_server(web: tuple[TestClient, DemoIds]) -> None:
    client, _ = web
    _sign_in(client, "nurse", "nurse-demo")
    cookie = client.cookies.get("ms_session")
    client.post("/logout", data={"csrf_token": _csrf(client)}, follow_redirects=False)

    client.cookies.set("ms_session", cookie or "")
    answer = client.get("/nursing", follow_redirects=False)

    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_a_forged_session_cookie_is_ignored(web: tuple[TestClient, DemoIds]) -> None:
    client, _ = web
    client.cookies.clear()
    client.cookies.set("ms_session", "forged.value")

    assert client.get("/api/me").status_code == 401


def test_sign_in_is_refused_after_repeated_failures(web: tuple[TestClient, DemoIds]) -> None:
    client, _ = web
    statuses = [_sign_in(client, "proceduralist", "wrong-password") for _ in range(5)]

    blocked = _sign_in(client, "proceduralist", "proceduralist-demo")

    assert statuses == [401] * 5
    assert blocked == 429


def test_login_without_its_form_token_is_refused(web: tuple[TestClient, DemoIds]) -> None:
    client, _ = web
    client.cookies.clear()
    client.get("/login")

    answer = client.post(
        "/login", data={"username": "admin", "password": "admin-demo"}, follow_redirects=False
    )

    assert answer.status_code == 403


def test_an_open_redirect_after_sign_in_is_refused(web: tuple[TestClient, DemoIds]) -> None:
    client, _ = web
    client.cookies.clear()
    token = _login_token(client)

    answer = client.post(
        "/login",
        data={
            "username": "admin",
            "password": "admin-demo",
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )

    assert answer.headers["location"] == "/admin"


def test_pages_carry_a_strict_content_security_policy(web: tuple[TestClient, DemoIds]) -> None:
    client, _ = web

    answer = client.get("/login")

    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-frame-options"] == "DENY"


def test_a_slide_label_cannot_inject_script_into_the_counter(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    _sign_in(client, "morphologist", "morphologist-demo")

    made = client.post(
        f"/counter/cases/{ids.case_id}/slides",
        data={"csrf_token": _csrf(client), "slide_label": "</script><script>x()</script>"},
        follow_redirects=False,
    )
    page = client.get(made.headers["location"])

    assert page.status_code == 200
    assert "<script>x()" not in page.text


def test_a_signed_report_is_amended_and_the_original_pdf_stays_the_same(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    _sign_in(client, "pathologist", "pathologist-demo")
    original = client.get(f"/pathologist/cases/{ids.case_id}/report.pdf?version=1").content

    amended = client.post(
        f"/pathologist/cases/{ids.case_id}/report/amend",
        data={
            "csrf_token": _csrf(client),
            "conclusion": "Consistent with MDS with increased blasts 1 (amended wording).",
            "reason": "conclusion reworded after the karyotype review",
            "password": "pathologist-demo",
        },
    )
    again = client.get(f"/pathologist/cases/{ids.case_id}/report.pdf?version=1").content

    assert amended.status_code == 200
    assert "conclusion reworded" in amended.text
    assert original[:4] == b"%PDF" and again == original


def test_an_addendum_is_a_new_signed_version_and_leaves_earlier_pdfs_alone(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    _sign_in(client, "pathologist", "pathologist-demo")
    original = client.get(f"/pathologist/cases/{ids.case_id}/report.pdf?version=1").content

    added = client.post(
        f"/pathologist/cases/{ids.case_id}/report/addendum",
        data={
            "csrf_token": _csrf(client),
            "text": "Karyotype: 46,XY,del(5)(q13q33)[12]/46,XY[8].",
            "reason": "late cytogenetics result",
            "password": "pathologist-demo",
        },
    )
    empty = client.post(
        f"/pathologist/cases/{ids.case_id}/report/addendum",
        data={
            "csrf_token": _csrf(client),
            "text": "",
            "reason": "nothing to add",
            "password": "pathologist-demo",
        },
    )

    assert added.status_code == 200
    assert "addendum (late cytogenetics result)" in added.text
    assert "del(5)(q13q33)" in added.text
    assert client.get(f"/pathologist/cases/{ids.case_id}/report.pdf?version=1").content == original
    assert empty.status_code in (400, 422)


def test_the_report_editor_suggests_each_classifications_own_names(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    _sign_in(client, "pathologist", "pathologist-demo")

    page = client.get(f"/pathologist/cases/{ids.case_id}").text

    who = page.split('<datalist id="names-who_2022">')[1].split("</datalist>")[0]
    icc = page.split('<datalist id="names-icc_2022">')[1].split("</datalist>")[0]
    assert "Myelodysplastic neoplasm with increased blasts 2 (MDS-IB2)" in who
    assert "MDS with excess blasts (MDS-EB)" in icc and "MDS-IB2" not in icc
    assert 'list="names-who_2022"' in page


def test_a_morphologist_may_not_sign_even_with_a_valid_form(
    web: tuple[TestClient, DemoIds],
) -> None:
    client, ids = web
    _sign_in(client, "morphologist", "morphologist-demo")

    answer = client.post(
        f"/pathologist/cases/{ids.case_id}/report/sign", data={"csrf_token": _csrf(client)}
    )

    assert answer.status_code == 403
