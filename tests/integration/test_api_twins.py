"""Every action of the pages has a JSON API twin (issue 18 section 6), and keeps it.

The table below is written by hand: each page action (every POST of a page router, and
the report PDF) names the ``/api`` route that does the same through the same service.
A page action added without a line here fails ``test_every_page_action_has_a_twin``; a
twin that disappears fails ``test_every_twin_is_a_documented_api_route``. The roles of
each pair are read from the authorization matrix (``test_web_authz_matrix.MATRIX``),
so the twin cannot quietly admit fewer people, nor more than the few listed in
``BROADER`` with the reason.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from marrowscope.bootstrap import Settings
from marrowscope.web.app import ROUTERS, create_app

from .test_web_authz_matrix import MATRIX

Route = tuple[str, str]

# page action -> its API twin
TWINS: dict[Route, Route] = {
    ("POST", "/login"): ("POST", "/api/session"),
    ("POST", "/logout"): ("DELETE", "/api/session"),
    ("POST", "/account/password"): ("POST", "/api/me/password"),
    ("POST", "/admin/users"): ("POST", "/api/users"),
    ("POST", "/login/mfa"): ("POST", "/api/session/mfa"),
    ("POST", "/account/sessions/end"): ("DELETE", "/api/me/sessions/{session_id}"),
    ("POST", "/admin/users/{user_id}/sessions/end"): ("DELETE", "/api/users/{user_id}/sessions"),
    ("POST", "/admin/users/{user_id}/units"): ("PUT", "/api/users/{user_id}/units"),
    ("POST", "/account/security/enrol"): ("POST", "/api/me/two-step"),
    ("POST", "/account/security/confirm"): ("POST", "/api/me/two-step/confirm"),
    ("POST", "/account/security/off"): ("POST", "/api/me/two-step/off"),
    ("POST", "/account/security/recovery-codes"): ("POST", "/api/me/two-step/recovery-codes"),
    ("POST", "/admin/users/{user_id}/two-step/reset"): (
        "POST",
        "/api/users/{user_id}/two-step/reset",
    ),
    ("POST", "/clinician/patients"): ("POST", "/api/patients"),
    ("POST", "/clinician/cases/{case_id}/cbc"): ("POST", "/api/cases/{case_id}/cbc"),
    # the CSV file is a page convenience: the API takes the same measurements as JSON
    # (or as FHIR Observations at /api/cases/{case_id}/cbc/fhir) and calls record_cbc too
    ("POST", "/clinician/cases/{case_id}/cbc/import"): ("POST", "/api/cases/{case_id}/cbc"),
    ("POST", "/clinician/cases/{case_id}/order"): ("POST", "/api/cases/{case_id}/order"),
    ("POST", "/clinician/cases/{case_id}/order/tests"): (
        "POST",
        "/api/cases/{case_id}/order/tests",
    ),
    ("POST", "/nursing/cases/{case_id}/assessment"): ("POST", "/api/cases/{case_id}/assessment"),
    ("POST", "/nursing/cases/{case_id}/procedure"): ("POST", "/api/cases/{case_id}/procedure"),
    ("POST", "/nursing/cases/{case_id}/specimens"): ("POST", "/api/cases/{case_id}/specimens"),
    ("POST", "/nursing/cases/{case_id}/aftercare"): ("POST", "/api/cases/{case_id}/aftercare"),
    ("POST", "/nursing/cases/{case_id}/check-in"): ("POST", "/api/cases/{case_id}/check-ins"),
    ("POST", "/patient/{patient_id}/check-in"): ("POST", "/api/cases/{case_id}/check-ins"),
    ("POST", "/alerts/{alert_id}/acknowledge"): ("POST", "/api/alerts/{alert_id}/acknowledge"),
    ("POST", "/lab/receive"): ("POST", "/api/lab/receive"),
    ("POST", "/lab/tests/{test_id}/state"): ("POST", "/api/lab/tests/{test_id}/state"),
    ("POST", "/lab/tests/{test_id}/result"): ("POST", "/api/lab/tests/{test_id}/result"),
    ("POST", "/lab/tests/{test_id}/verify"): ("POST", "/api/lab/tests/{test_id}/verify"),
    ("POST", "/pathologist/cases/{case_id}/report"): ("POST", "/api/cases/{case_id}/report"),
    ("POST", "/pathologist/cases/{case_id}/report/adopt-diagnosis"): (
        "POST",
        "/api/cases/{case_id}/report/adopt-diagnosis",
    ),
    ("POST", "/pathologist/cases/{case_id}/diagnosis/context"): (
        "PUT",
        "/api/cases/{case_id}/diagnosis/context",
    ),
    ("POST", "/admin/users/{user_id}/provider-id"): (
        "PUT",
        "/api/users/{user_id}/provider-id",
    ),
    ("POST", "/cases/{case_id}/break-glass"): ("POST", "/api/cases/{case_id}/break-glass"),
    ("POST", "/patients/next-case"): ("POST", "/api/cases/next"),
    ("POST", "/patients/{patient_id}/cases"): ("POST", "/api/patients/{patient_id}/cases"),
    ("POST", "/quality/cases/{case_id}/calls"): ("POST", "/api/cases/{case_id}/critical-calls"),
    ("POST", "/pathologist/cases/{case_id}/report/sign"): (
        "POST",
        "/api/cases/{case_id}/report/sign",
    ),
    ("POST", "/pathologist/cases/{case_id}/report/amend"): (
        "POST",
        "/api/cases/{case_id}/report/amend",
    ),
    ("POST", "/pathologist/cases/{case_id}/report/addendum"): (
        "POST",
        "/api/cases/{case_id}/report/addendum",
    ),
    ("GET", "/pathologist/cases/{case_id}/report.pdf"): ("GET", "/api/cases/{case_id}/report.pdf"),
    ("GET", "/clinician/cases/{case_id}/report.pdf"): (
        "GET",
        "/api/cases/{case_id}/report/ordered.pdf",
    ),
    ("POST", "/reports/cases/{case_id}/release"): ("POST", "/api/cases/{case_id}/report/release"),
    ("POST", "/counter/cases/{case_id}/slides"): ("POST", "/api/cases/{case_id}/slides"),
    ("POST", "/counter/counts/{count_id}/edit"): ("POST", "/api/counts/{count_id}/edit"),
    ("POST", "/counter/keymaps"): ("POST", "/api/keymaps"),
    ("POST", "/counter/keymaps/delete"): ("POST", "/api/keymaps/{name}/delete"),
    ("POST", "/review/cases/{case_id}/upload"): ("POST", "/api/cases/{case_id}/ai/images"),
    ("POST", "/review/cases/{case_id}/fields"): ("POST", "/api/cases/{case_id}/ai/fields"),
    ("POST", "/review/cells/{cell_id}/decide"): ("POST", "/api/cells/{cell_id}/decision"),
    ("POST", "/review/cells/{cell_id}/recount"): ("POST", "/api/cells/{cell_id}/recount"),
    ("POST", "/review/cases/{case_id}/confirm-unflagged"): (
        "POST",
        "/api/cases/{case_id}/ai/confirm-unflagged",
    ),
    ("POST", "/review/cases/{case_id}/count"): ("POST", "/api/cases/{case_id}/ai/count"),
}

# page actions with no twin, each with the reason (keep the reason honest)
EXEMPT: dict[Route, str] = {
    # the QR code is for a person with a phone: an API sign-in that must first set up its
    # authenticator is told to do it in a browser; a signed-in client may enrol at
    # POST /api/me/two-step. (The page's "end every other session" is DELETE /api/me/sessions.)
    ("POST", "/login/mfa/setup"): "setting up during sign-in is a browser's step",
    # the FHIR REST door is itself the systems' API (HTTP Basic as an interface account)
    ("POST", "/fhir"): "the FHIR transaction endpoint is an API",
    ("POST", "/fhir/ServiceRequest"): "the FHIR order endpoint is an API",
    # the error queue is a person's correction of a raw message; systems resend through
    # MLLP (marrowscope hl7 send) and the FHIR door, not through a JSON copy of the page
    ("POST", "/interop/messages/{exchange_id}/replay"): "a person's correction of raw text",
    ("POST", "/interop/messages/{exchange_id}/resend"): "systems resend with hl7 send",
}

# twins that admit more roles than their page, and why (every other pair: the same roles)
BROADER: dict[Route, str] = {
    ("POST", "/clinician/cases/{case_id}/cbc"): "ward systems post counts too (before issue 18)",
    ("POST", "/clinician/cases/{case_id}/cbc/import"): "as above: one CBC route for all",
    ("POST", "/nursing/cases/{case_id}/check-in"): "one check-in route: patient and care team",
    ("POST", "/patient/{patient_id}/check-in"): "as above; a patient only on their own case",
}


def _page_actions() -> set[Route]:
    """Every POST of a page router (not under /api), and the report PDFs."""
    found: set[Route] = {
        ("GET", "/pathologist/cases/{case_id}/report.pdf"),
        ("GET", "/clinician/cases/{case_id}/report.pdf"),
    }
    for name in ROUTERS:
        for route in importlib.import_module(f"marrowscope.web.{name}").router.routes:
            if isinstance(route, APIRoute) and not route.path.startswith("/api/"):
                found.update((m, route.path) for m in route.methods or () if m != "GET")
    return found


def test_every_page_action_has_a_twin() -> None:
    actions = _page_actions()

    assert actions - set(TWINS) - set(EXEMPT) == set(), "give these an /api twin"
    assert set(TWINS) - actions == set(), "these TWINS lines name no page action"
    assert set(TWINS) & set(EXEMPT) == set()


def test_every_twin_is_a_documented_api_route(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'twins.db'}"))
    schema: dict[str, Any] = app.openapi()["paths"]

    missing = []
    for method, path in set(TWINS.values()):
        operation = schema.get(path, {}).get(method.lower())
        if operation is None or not operation.get("description", operation.get("summary")):
            missing.append(f"{method} {path}")

    assert missing == []


def test_a_twin_admits_the_same_roles_as_its_page() -> None:
    differ = []

    for page, twin in TWINS.items():
        page_roles, twin_roles = MATRIX[page], MATRIX[twin]
        if page in BROADER:
            same = page_roles is not None and twin_roles is not None and page_roles < twin_roles
        else:
            same = page_roles == twin_roles
        if not same:
            differ.append(f"{page} {page_roles} vs {twin} {twin_roles}")

    assert differ == []


def test_the_new_writes_document_a_request_body(tmp_path: Path) -> None:
    """Integrations read the OpenAPI description: a JSON write names its body model."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'twins.db'}"))
    schema: dict[str, Any] = app.openapi()["paths"]
    no_body = {
        "/api/lab/tests/{test_id}/verify",
        "/api/cases/{case_id}/aftercare",
        "/api/keymaps/{name}/delete",
        "/api/session",
        "/api/cases/{case_id}/report/adopt-diagnosis",  # the proposal is computed, not sent
        "/api/patients/{patient_id}/cases",  # the next case of that patient: nothing to send
    }

    undocumented = [
        path
        for method, path in set(TWINS.values())
        if method == "POST"
        and path not in no_body
        and "requestBody" not in schema[path][method.lower()]
    ]

    assert undocumented == []
