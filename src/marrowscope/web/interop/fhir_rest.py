"""The FHIR R4 REST API for hospital systems: orders in, signed results out.

``POST /fhir/ServiceRequest`` and ``POST /fhir`` (a transaction Bundle) file orders
through the same use case as the CLI's ``import fhir``; ``GET /fhir/DiagnosticReport``
and ``GET /fhir/Observation`` (``?patient=``) give searchset Bundles of signed results
only; ``GET /fhir/Patient/{id}`` and ``GET /fhir/metadata`` the rest.

Authentication is HTTP Basic as an account of the ``interface`` role, checked on every
request (argon2, with the signature's rate limit): a system has no browser, so no
session cookie is read here at all. A cookie session therefore cannot reach these
routes, and CSRF, an attack through a browser's cookies, does not apply. Every answer
is ``application/fhir+json``; every error an OperationOutcome with a 4xx status.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from marrowscope import __version__
from marrowscope.bootstrap import export_site
from marrowscope.domain.errors import (
    AuthenticationFailed,
    InvalidInput,
    MarrowscopeError,
    NotAllowed,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from marrowscope.domain.roles import Actor, Role
from marrowscope.interop.fhir_rest import (
    FHIR_JSON,
    capability_statement,
    outcome,
    searchset,
)
from marrowscope.services import interop
from marrowscope.services.accounts import confirm_system_account
from marrowscope.web.client_address import client_address
from marrowscope.web.deps import WebContext, get_ctx

__all__ = ["router"]

router = APIRouter(prefix="/fhir", tags=["fhir"])
_STATUS: tuple[tuple[type[MarrowscopeError], int], ...] = (
    (AuthenticationFailed, 401),
    (PermissionDenied, 403),
    (TooManyAttempts, 429),
    (NotFound, 404),
    (InvalidInput, 400),
    (NotAllowed, 409),
)
_MAX_BODY = 1_000_000


def _fhir(body: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=FHIR_JSON)


def _error(status: int, text: str) -> JSONResponse:
    answer = _fhir(outcome(status, text), status)
    if status == 401:
        answer.headers["WWW-Authenticate"] = 'Basic realm="marrowscope FHIR"'
    return answer


def _credentials(request: Request) -> tuple[str, str]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        raise AuthenticationFailed("HTTP Basic credentials of an interface account are required")
    try:
        user, sep, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed("the Basic credentials cannot be read") from None
    if not sep or not user:
        raise AuthenticationFailed("the Basic credentials cannot be read")
    return user, password


def _interface(request: Request, ctx: WebContext) -> Actor:
    """The interface account named by the Basic credentials (``confirm_system_account``:
    one answer for every failure, and a person's account is never touched)."""
    user, password = _credentials(request)
    return confirm_system_account(ctx.auth, user, password).actor()


async def _answer(request: Request, work: Callable[[WebContext, Actor], JSONResponse]) -> Any:
    """Authenticate, run ``work`` in a worker thread, map deliberate errors to 4xx."""
    ctx = get_ctx(request)

    def act() -> JSONResponse:
        return work(ctx, _interface(request, ctx))

    try:
        return await run_in_threadpool(act)
    except MarrowscopeError as error:
        status = next((s for kind, s in _STATUS if isinstance(error, kind)), 422)
        return _error(status, str(error))


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/fhir"


def _patient_id(value: str | None) -> int:
    raw = (value or "").strip().removeprefix("Patient/")
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidInput("patient: give the patient's id, e.g. patient=Patient/12")
    return int(raw)


@router.get("/metadata")
async def metadata(request: Request) -> Any:
    """The CapabilityStatement: exactly the interactions below (open, as FHIR expects)."""
    return _fhir(capability_statement(_base(request), __version__, at=datetime.now(UTC)))


def _search(request: Request, kinds: frozenset[str]) -> Callable[[WebContext, Actor], Any]:
    def work(ctx: WebContext, actor: Actor) -> JSONResponse:
        unknown = set(request.query_params) - {"patient", "_format"}
        if unknown:
            raise InvalidInput(f"unsupported search parameter: {', '.join(sorted(unknown))}")
        patient_id = _patient_id(request.query_params.get("patient"))
        with ctx.uow() as uow:
            cases = interop.signed_results(
                uow, actor, patient_id, stores=ctx.stores, site=export_site(ctx.settings)
            )
            now = uow.now()
        matches = [r for resources in cases for r in resources if r["resourceType"] in kinds]
        includes = [r for r in (cases[-1] if cases else []) if r["resourceType"] == "Patient"]
        return _fhir(searchset(_base(request), matches, includes, at=now))

    return work


@router.get("/DiagnosticReport")
async def diagnostic_reports(request: Request) -> Any:
    """The patient's signed reports (searchset)."""
    return await _answer(request, _search(request, frozenset({"DiagnosticReport"})))


@router.get("/Observation")
async def observations(request: Request) -> Any:
    """The Observations of the patient's signed reports (searchset)."""
    return await _answer(request, _search(request, frozenset({"Observation"})))


@router.get("/Patient/{fhir_id}")
async def patient(request: Request, fhir_id: str) -> Any:
    """The Patient, by the id results point at."""

    def work(ctx: WebContext, actor: Actor) -> JSONResponse:
        with ctx.uow() as uow:
            found = interop.fhir_patient(
                uow, actor, _patient_id(fhir_id), site=export_site(ctx.settings)
            )
        return _fhir(found)

    return await _answer(request, work)


def _too_long(request: Request) -> bool:
    # refused before the body is read, when the client says how long it is
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > _MAX_BODY


def _text(data: bytes) -> str:
    if len(data) > _MAX_BODY:
        raise InvalidInput(f"the request body is larger than {_MAX_BODY} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the request body is not UTF-8") from None


def _transaction(body: str) -> None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise InvalidInput("the request body is not JSON") from None
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise InvalidInput("POST /fhir takes a transaction Bundle")
    if data.get("type") != "transaction":
        raise InvalidInput("Bundle.type: only a transaction is processed here")


def _order(request: Request, data: bytes, kind: str) -> Callable[[WebContext, Actor], Any]:
    def work(ctx: WebContext, actor: Actor) -> JSONResponse:
        body = _text(data)
        if kind == "Bundle":
            _transaction(body)
        # the order is placed with a clinician's rights (as HL7 orders are) under the
        # interface account's name, so the audit log says which system sent it
        result, _logged = interop.receive_fhir_order(
            ctx.accounts.uow_factory,
            body,
            actor=Actor(actor.username, Role.CLINICIAN),
            authority=ctx.settings.hl7_assigning_authority,
            provider_id_type=ctx.settings.hl7_provider_id_type,
            peer=client_address(request, ctx.settings.trusted_proxy_set),
            kind=kind,
        )
        if not result.accepted:
            return _fhir(result.outcome, 422)
        if kind != "Bundle":
            return _fhir(result.outcome, 201)
        entries = json.loads(body).get("entry", [])
        return _fhir(
            {
                "resourceType": "Bundle",
                "type": "transaction-response",
                "entry": [
                    {"response": {"status": "201 Created", "outcome": result.outcome}}
                    for _ in entries
                ],
            }
        )

    return work


@router.post("/ServiceRequest")
async def post_service_request(request: Request) -> Any:
    """File an order sent as a ServiceRequest (201 with an OperationOutcome)."""
    if _too_long(request):
        return _error(413, f"the request body is larger than {_MAX_BODY} bytes")
    data = await request.body()
    return await _answer(request, _order(request, data, "ServiceRequest"))


@router.post("")
async def post_transaction(request: Request) -> Any:
    """File an order sent as a transaction Bundle (transaction-response)."""
    if _too_long(request):
        return _error(413, f"the request body is larger than {_MAX_BODY} bytes")
    data = await request.body()
    return await _answer(request, _order(request, data, "Bundle"))
