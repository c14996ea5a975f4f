"""Every route of the web app × every role (and no sign-in) → the expected answer.

The table below is written by hand from the pathway's rules, not derived from the app:
a route added without a line here fails ``test_every_route_is_in_the_matrix``. Allowed
roles must get anything but 401/403 (a form may still be refused as invalid: 422);
other roles get 403; without a session, pages redirect to sign-in and the API says 401.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from marrowscope.bootstrap import (
    DemoIds,
    Settings,
    build_account_services,
    build_engine,
    build_uow_factory,
    prepare_demo,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.accounts import DEMO_USERS, create_user
from marrowscope.web.app import ROUTERS, create_app
from tests.db_support import WebDatabase

C, PR, N, L, M, PA, PT, A, IF = (
    Role.CLINICIAN,
    Role.PROCEDURALIST,
    Role.NURSE,
    Role.LAB_SCIENTIST,
    Role.MORPHOLOGIST,
    Role.PATHOLOGIST,
    Role.PATIENT,
    Role.ADMIN,
    Role.INTERFACE,
)
STAFF = frozenset(Role) - {PT, IF}
EVERYONE = frozenset(Role)
PUBLIC = None  # no sign-in needed
# HTTP Basic as an interface account, never a session cookie: every signed-in browser
# (any role) and no sign-in at all get 401 (tests/integration/test_interop_fhir_rest.py)
BASIC_ONLY = frozenset[Role]()
INTERFACE_PASSWORD = "interface-authz-matrix-1"

# (method, path template) -> roles allowed (None: public)
MATRIX: dict[tuple[str, str], frozenset[Role] | None] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): EVERYONE,
    ("GET", "/admin"): frozenset({A}),
    ("POST", "/admin/users"): frozenset({A}),
    ("GET", "/counter"): frozenset({M, PA}),
    ("GET", "/counter/cases/{case_id}"): frozenset({M, PA}),
    ("POST", "/counter/cases/{case_id}/slides"): frozenset({M, PA}),
    ("GET", "/counter/counts/{count_id}"): frozenset({M, PA}),
    ("POST", "/counter/counts/{count_id}/edit"): frozenset({M, PA}),
    ("GET", "/counter/keymaps"): frozenset({M, PA}),
    ("POST", "/counter/keymaps"): frozenset({M, PA}),
    ("POST", "/counter/keymaps/delete"): frozenset({M, PA}),
    ("GET", "/clinician"): frozenset({C}),
    ("POST", "/clinician/patients"): frozenset({C}),
    ("GET", "/clinician/cases/{case_id}"): frozenset({C}),
    ("POST", "/clinician/cases/{case_id}/cbc"): frozenset({C}),
    ("POST", "/clinician/cases/{case_id}/cbc/import"): frozenset({C}),
    ("POST", "/clinician/cases/{case_id}/order"): frozenset({C}),
    ("POST", "/clinician/cases/{case_id}/order/tests"): frozenset({C}),
    ("GET", "/nursing"): frozenset({N, PR}),
    ("GET", "/nursing/cases/{case_id}"): frozenset({N, PR}),
    ("POST", "/nursing/cases/{case_id}/assessment"): frozenset({N, PR}),
    ("POST", "/nursing/cases/{case_id}/procedure"): frozenset({N, PR}),
    ("POST", "/nursing/cases/{case_id}/specimens"): frozenset({N, PR}),
    ("POST", "/nursing/cases/{case_id}/aftercare"): frozenset({N, PR}),
    ("POST", "/nursing/cases/{case_id}/check-in"): frozenset({N, PR}),
    ("GET", "/nursing/cases/{case_id}/labels"): frozenset({N, PR, L}),
    ("GET", "/nursing/specimens/{specimen_id}/label.svg"): frozenset({N, PR, L}),
    ("GET", "/lab"): frozenset({L}),
    ("POST", "/lab/receive"): frozenset({L}),
    ("GET", "/lab/worklists/{test_type}"): frozenset({L}),
    ("POST", "/lab/tests/{test_id}/state"): frozenset({L}),
    ("POST", "/lab/tests/{test_id}/result"): frozenset({L}),
    ("POST", "/lab/tests/{test_id}/verify"): frozenset({L, PA}),
    ("GET", "/lab/overdue"): frozenset({L}),
    ("GET", "/pathologist"): frozenset({PA}),
    ("GET", "/pathologist/cases/{case_id}"): frozenset({PA}),
    ("POST", "/pathologist/cases/{case_id}/report"): frozenset({PA}),
    ("POST", "/pathologist/cases/{case_id}/report/sign"): frozenset({PA}),
    # the default laboratory setting (release_by="clinician"); the service holds the rule
    ("GET", "/reports/cases/{case_id}/release"): frozenset({C}),  # the confirmation page
    ("POST", "/reports/cases/{case_id}/release"): frozenset({C}),
    ("POST", "/pathologist/cases/{case_id}/report/amend"): frozenset({PA}),
    ("POST", "/pathologist/cases/{case_id}/report/addendum"): frozenset({PA}),
    ("GET", "/pathologist/cases/{case_id}/report.pdf"): frozenset({PA}),
    # the ordering clinician's copy of the signed PDF (the demo clinician ordered the case)
    ("GET", "/clinician/cases/{case_id}/report.pdf"): frozenset({C}),
    ("GET", "/api/cases/{case_id}/report/ordered.pdf"): frozenset({C}),
    ("GET", "/patient/{patient_id}"): frozenset({PT}),
    ("POST", "/patient/{patient_id}/check-in"): frozenset({PT}),
    ("POST", "/api/cases/{case_id}/safety-preview"): frozenset({C, N, PR}),
    ("POST", "/api/session"): PUBLIC,
    ("GET", "/api/me"): EVERYONE,
    ("GET", "/api/cases"): EVERYONE,  # a patient gets their own cases only (issue 18)
    ("GET", "/api/cases/{case_id}"): STAFF,
    ("GET", "/api/cases/{case_id}/record"): STAFF,
    # repeat examinations: any staff may read a patient's page; the wards open cases
    ("GET", "/patients/{patient_id}"): STAFF,
    ("POST", "/patients/{patient_id}/cases"): frozenset({C, PR}),
    ("POST", "/patients/next-case"): frozenset({C, PR}),
    ("GET", "/api/patients/{patient_id}/cases"): EVERYONE,  # a patient: their own only
    ("POST", "/api/patients/{patient_id}/cases"): frozenset({C, PR}),
    ("POST", "/api/cases/next"): frozenset({C, PR}),
    ("GET", "/api/cases/{case_id}/followup"): frozenset({PA, M, L}),
    ("GET", "/api/cases/{case_id}/response"): frozenset({PA, M, L}),
    ("POST", "/api/cases/{case_id}/cbc"): frozenset({C, N, PR}),
    ("GET", "/api/lab/overdue"): frozenset({L, PA}),
    ("GET", "/api/lab/awaited"): frozenset({L, PA}),
    ("GET", "/quality"): frozenset({Role.LAB_MANAGER, PA}),
    ("GET", "/quality/export/{name}.csv"): frozenset({Role.LAB_MANAGER, PA}),
    ("GET", "/quality/charts/{name}.png"): frozenset({Role.LAB_MANAGER, PA}),
    ("GET", "/api/quality"): frozenset({Role.LAB_MANAGER, PA}),
    ("GET", "/api/quality/{name}"): frozenset({Role.LAB_MANAGER, PA}),
    ("GET", "/quality/cases/{case_id}/calls"): frozenset({C, L, M, PA, Role.LAB_MANAGER}),
    ("POST", "/quality/cases/{case_id}/calls"): frozenset({C, L, M, PA, Role.LAB_MANAGER}),
    ("GET", "/api/cases/{case_id}/critical-calls"): frozenset({C, L, M, PA, Role.LAB_MANAGER}),
    ("POST", "/api/cases/{case_id}/critical-calls"): frozenset({C, L, M, PA, Role.LAB_MANAGER}),
    ("GET", "/api/cases/{case_id}/fhir"): frozenset({PA, M, L, C, A}),
    ("GET", "/api/cases/{case_id}/hl7"): frozenset({PA, M, L, C, A}),
    ("POST", "/api/cases/{case_id}/cbc/fhir"): frozenset({C, N, PR}),
    ("GET", "/api/cases/{case_id}/counts"): frozenset({M, PA, L, A}),
    ("GET", "/api/counts/{count_id}"): frozenset({M, PA, L, A}),
    ("POST", "/api/counts/{count_id}/state"): frozenset({M, PA}),
    ("POST", "/api/counts/{count_id}/finish"): frozenset({M, PA}),
    ("GET", "/openapi.json"): STAFF,
    ("GET", "/docs"): STAFF,
    ("GET", "/review"): frozenset({M, PA}),
    ("GET", "/review/cases/{case_id}"): frozenset({M, PA}),
    ("POST", "/review/cases/{case_id}/upload"): frozenset({M, PA}),
    ("POST", "/review/cases/{case_id}/confirm-unflagged"): frozenset({M, PA}),
    ("POST", "/review/cases/{case_id}/count"): frozenset({M, PA}),
    ("GET", "/review/cells/{cell_id}/thumbnail"): frozenset({M, PA}),
    ("POST", "/review/cells/{cell_id}/decide"): frozenset({M, PA}),
    ("POST", "/review/cases/{case_id}/fields"): frozenset({M, PA}),
    ("GET", "/review/cases/{case_id}/gallery"): frozenset({M, PA}),
    ("GET", "/review/cases/{case_id}/agreement.csv"): frozenset({M, PA}),
    ("GET", "/review/cells/{cell_id}/context"): frozenset({M, PA}),
    ("POST", "/review/cells/{cell_id}/recount"): frozenset({M, PA}),
    ("GET", "/api/export/counts"): frozenset({A, L}),
    ("GET", "/account/password"): EVERYONE,
    ("POST", "/account/password"): EVERYONE,
    ("POST", "/api/me/password"): EVERYONE,
    ("GET", "/login/mfa"): PUBLIC,
    ("POST", "/login/mfa"): PUBLIC,
    ("GET", "/login/mfa/setup"): PUBLIC,
    ("POST", "/login/mfa/setup"): PUBLIC,
    ("POST", "/api/session/mfa"): PUBLIC,
    ("GET", "/account/sessions"): EVERYONE,
    ("POST", "/account/sessions/end"): EVERYONE,
    ("GET", "/api/me/sessions"): EVERYONE,
    ("DELETE", "/api/me/sessions/{session_id}"): EVERYONE,
    ("POST", "/admin/users/{user_id}/sessions/end"): frozenset({A}),
    ("DELETE", "/api/users/{user_id}/sessions"): frozenset({A}),
    ("DELETE", "/api/me/sessions"): EVERYONE,
    ("GET", "/account/security"): STAFF,
    ("POST", "/account/security/enrol"): STAFF,
    ("POST", "/account/security/confirm"): STAFF,
    ("POST", "/account/security/off"): STAFF,
    ("POST", "/account/security/recovery-codes"): STAFF,
    ("GET", "/admin/users/{user_id}/two-step"): frozenset({A}),
    ("POST", "/admin/users/{user_id}/two-step/reset"): frozenset({A}),
    ("GET", "/admin/users/{user_id}/provider-id"): frozenset({A}),
    ("POST", "/admin/users/{user_id}/provider-id"): frozenset({A}),
    ("GET", "/api/me/two-step"): STAFF,
    ("POST", "/api/me/two-step"): STAFF,
    ("POST", "/api/me/two-step/confirm"): STAFF,
    ("POST", "/api/me/two-step/off"): STAFF,
    ("POST", "/api/me/two-step/recovery-codes"): STAFF,
    ("POST", "/api/users/{user_id}/two-step/reset"): frozenset({A}),
    # care-team alerts (issue 18): those who can phone the patient back
    ("GET", "/alerts"): frozenset({C, N, PR}),
    ("POST", "/alerts/{alert_id}/acknowledge"): frozenset({C, N, PR}),
    ("GET", "/api/alerts"): frozenset({C, N, PR}),
    ("POST", "/api/alerts/{alert_id}/acknowledge"): frozenset({C, N, PR}),
    ("POST", "/api/cases/{case_id}/check-ins"): frozenset({PT, C, N, PR}),
    # issue 18 section 6: the API twin of every page action, with the page's roles
    ("POST", "/api/cases/{case_id}/specimens"): frozenset({N, PR}),
    ("POST", "/api/lab/receive"): frozenset({L}),
    ("POST", "/api/lab/tests/{test_id}/state"): frozenset({L}),
    ("POST", "/api/lab/tests/{test_id}/result"): frozenset({L}),
    ("POST", "/api/lab/tests/{test_id}/verify"): frozenset({L, PA}),
    ("GET", "/api/cases/{case_id}/report"): frozenset({PA, C}),
    ("POST", "/api/cases/{case_id}/report"): frozenset({PA}),
    ("POST", "/api/cases/{case_id}/report/sign"): frozenset({PA}),
    ("POST", "/api/cases/{case_id}/report/amend"): frozenset({PA}),
    ("POST", "/api/cases/{case_id}/report/addendum"): frozenset({PA}),
    ("POST", "/api/cases/{case_id}/report/release"): frozenset({C}),  # default release_by
    ("GET", "/api/cases/{case_id}/report.pdf"): frozenset({PA}),
    # integrated diagnosis: those who read the slides counted; adopting writes the draft
    ("GET", "/api/cases/{case_id}/diagnosis"): frozenset({PA, M, L}),
    ("POST", "/api/cases/{case_id}/report/adopt-diagnosis"): frozenset({PA}),
    ("POST", "/pathologist/cases/{case_id}/report/adopt-diagnosis"): frozenset({PA}),
    # the inputs no result states: read by the panel's readers, entered by those who judge
    ("GET", "/api/cases/{case_id}/diagnosis/context"): frozenset({PA, M, L}),
    ("PUT", "/api/cases/{case_id}/diagnosis/context"): frozenset({PA}),
    ("POST", "/pathologist/cases/{case_id}/diagnosis/context"): frozenset({PA}),
    ("POST", "/api/cases/{case_id}/slides"): frozenset({M, PA}),
    ("POST", "/api/counts/{count_id}/edit"): frozenset({M, PA}),
    ("GET", "/api/keymaps"): frozenset({M, PA}),
    ("POST", "/api/keymaps"): frozenset({M, PA}),
    ("POST", "/api/keymaps/{name}/delete"): frozenset({M, PA}),
    ("GET", "/api/cases/{case_id}/ai/cells"): frozenset({M, PA}),
    ("POST", "/api/cases/{case_id}/ai/images"): frozenset({M, PA}),
    ("POST", "/api/cases/{case_id}/ai/fields"): frozenset({M, PA}),
    ("POST", "/api/cells/{cell_id}/decision"): frozenset({M, PA}),
    ("POST", "/api/cells/{cell_id}/recount"): frozenset({M, PA}),
    ("POST", "/api/cases/{case_id}/ai/confirm-unflagged"): frozenset({M, PA}),
    ("POST", "/api/cases/{case_id}/ai/count"): frozenset({M, PA}),
    ("POST", "/api/patients"): frozenset({C}),
    ("POST", "/api/cases/{case_id}/order"): frozenset({C}),
    ("POST", "/api/cases/{case_id}/order/tests"): frozenset({C}),
    ("POST", "/api/cases/{case_id}/assessment"): frozenset({N, PR}),
    ("POST", "/api/cases/{case_id}/procedure"): frozenset({N, PR}),
    ("POST", "/api/cases/{case_id}/aftercare"): frozenset({N, PR}),
    ("POST", "/api/users"): frozenset({A}),
    ("PUT", "/api/users/{user_id}/provider-id"): frozenset({A}),
    ("DELETE", "/api/session"): EVERYONE,  # skipped below like /logout: it ends the session
    # who sees which case (docs/access.md): break-glass, its review, an account's units
    ("POST", "/cases/{case_id}/break-glass"): STAFF,
    ("POST", "/api/cases/{case_id}/break-glass"): STAFF,
    ("GET", "/api/break-glass"): frozenset({A}),
    ("GET", "/api/users/{user_id}/units"): frozenset({A}),
    ("PUT", "/api/users/{user_id}/units"): frozenset({A}),
    ("GET", "/admin/users/{user_id}/units"): frozenset({A}),
    ("POST", "/admin/users/{user_id}/units"): frozenset({A}),
    ("GET", "/interop/messages"): frozenset({L, A}),
    ("GET", "/interop/messages/{exchange_id}"): frozenset({L, A}),
    ("POST", "/interop/messages/{exchange_id}/replay"): frozenset({L, A}),
    ("POST", "/interop/messages/{exchange_id}/resend"): frozenset({L, A}),
    ("GET", "/fhir/metadata"): PUBLIC,
    ("GET", "/fhir/DiagnosticReport"): BASIC_ONLY,
    ("GET", "/fhir/Observation"): BASIC_ONLY,
    ("GET", "/fhir/Patient/{fhir_id}"): BASIC_ONLY,
    ("POST", "/fhir/ServiceRequest"): BASIC_ONLY,
    ("POST", "/fhir"): BASIC_ONLY,
}

PASSWORDS = {u.username: u.password for u in DEMO_USERS} | {"ehr": INTERFACE_PASSWORD}
USER_OF_ROLE = {u.role: u.username for u in DEMO_USERS if u.username != "patient2"} | {IF: "ehr"}


@pytest.fixture(scope="module")
def web(web_database: WebDatabase) -> Iterator[tuple[TestClient, DemoIds]]:
    settings = Settings(database_url=web_database("authz"))
    ids = prepare_demo(settings)
    accounts = build_account_services(build_uow_factory(build_engine(settings)), settings)
    with accounts.uow_factory() as uow:
        create_user(
            uow,
            accounts.stores,
            Actor("admin", A),
            username="ehr",
            password=INTERFACE_PASSWORD,
            role=IF,
            display_name="EHR interface",
        )
    with TestClient(create_app(settings)) as client:
        yield client, ids


def _sign_in(client: TestClient, role: Role) -> str:
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    answer = client.post(
        "/login",
        data={
            "username": USER_OF_ROLE[role],
            "password": PASSWORDS[USER_OF_ROLE[role]],
            "csrf_token": token.group(1),
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    me = client.get("/api/me").json()
    return str(me["csrf_token"])


# routes that start or end sessions (tests/integration/test_accounts_sessions_mfa.py)
_SESSION_CHANGING = (
    "/logout", "/login", "/api/session", "/login/mfa", "/login/mfa/setup", "/api/session/mfa",
    "/account/sessions/end", "/api/me/sessions/{session_id}", "/api/me/sessions",
    "/admin/users/{user_id}/sessions/end", "/api/users/{user_id}/sessions",
)  # fmt: skip


def _fill(path: str, ids: DemoIds, count_id: int) -> str:
    return (
        path.replace("{case_id}", str(ids.case_id))
        .replace("{count_id}", str(count_id))
        .replace("{patient_id}", str(ids.patient_id))
        .replace("{test_id}", "1")
        .replace("{specimen_id}", "1")
        .replace("{test_type}", "smear_morphology")
        .replace("{alert_id}", "1")
        .replace("{exchange_id}", "1")
        .replace("{fhir_id}", str(ids.patient_id))
        .replace("{user_id}", "1")
    )


def _routes() -> set[tuple[str, str]]:
    """Every route of every router the app mounts (``web.app.ROUTERS``)."""
    found = set()
    for name in ROUTERS:
        router = importlib.import_module(f"marrowscope.web.{name}").router
        for route in router.routes:
            if isinstance(route, APIRoute):
                found.update((method, route.path) for method in route.methods)
    return found


def test_every_route_is_in_the_matrix() -> None:
    routes = _routes()

    assert routes - set(MATRIX) == set(), "add these routes to MATRIX"
    assert set(MATRIX) - routes == set(), "these MATRIX lines name no route"


@pytest.fixture(scope="module")
def count_id(web: tuple[TestClient, DemoIds]) -> int:
    client, ids = web
    csrf = _sign_in(client, M)
    answer = client.post(
        f"/counter/cases/{ids.case_id}/slides",
        data={"slide_label": "authz", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return int(answer.headers["location"].rsplit("/", 1)[1])


@pytest.mark.parametrize("role", [*Role, None], ids=lambda r: r.value if r else "anonymous")
def test_each_role_gets_the_expected_answer_on_every_route(
    web: tuple[TestClient, DemoIds], count_id: int, role: Role | None
) -> None:
    client, ids = web
    client.cookies.clear()
    csrf = _sign_in(client, role) if role else ""
    failures = []

    for (method, template), allowed in sorted(MATRIX.items()):
        if template in _SESSION_CHANGING:
            continue  # they change the session itself; covered by the sign-in tests
        path = _fill(template, ids, count_id)
        if method == "GET":
            answer = client.get(path, follow_redirects=False)
        elif template.startswith(("/api/", "/fhir")) and "safety-preview" not in template:
            answer = client.request(
                method,
                path,
                json={"version": 0, "counts": {}},
                headers={"X-CSRF-Token": csrf},
                follow_redirects=False,
            )
        else:
            answer = client.post(
                path,
                data={"csrf_token": csrf},
                headers={"X-CSRF-Token": csrf},
                follow_redirects=False,
            )
        status = answer.status_code
        if allowed is PUBLIC:
            ok = status < 500
        elif allowed is BASIC_ONLY:
            ok = status == 401
        elif role is None:
            expected = 401 if template.startswith("/api/") else 303
            ok = status == expected
        elif role in allowed:
            ok = status not in (401, 403) and status < 500
            # the role is admitted, the case is not theirs: the admin sees no case without
            # break-glass (docs/access.md), and is offered it
            ok = ok or (role is A and status == 403 and "break-glass" in answer.text)
        else:
            ok = status == 403
        if not ok:
            failures.append(f"{method} {template}: {status}")

    assert failures == []


def test_a_patient_cannot_open_another_patients_page(web: tuple[TestClient, DemoIds]) -> None:
    client, ids = web
    _sign_in(client, PT)

    own = client.get(f"/patient/{ids.patient_id}")
    other = client.get(f"/patient/{ids.other_patient_id}")

    assert own.status_code == 200
    assert other.status_code == 403


def test_a_post_without_the_csrf_token_is_refused(
    web: tuple[TestClient, DemoIds], count_id: int
) -> None:
    client, _ = web
    _sign_in(client, M)

    answer = client.post(f"/api/counts/{count_id}/state", json={"version": 99, "counts": {}})

    assert answer.status_code == 403
