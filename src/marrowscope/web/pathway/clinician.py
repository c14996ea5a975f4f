"""Clinician: register a patient, enter or import a blood count and see its flags, and
order the marrow examination with its indication."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from marrowscope.domain.cases.model import Sex, clean_mrn, clean_phone
from marrowscope.domain.display_names import label_of
from marrowscope.domain.errors import InvalidInput, MarrowscopeError
from marrowscope.domain.pathway.indication import Indication, Urgency
from marrowscope.domain.pathway.records import RecordKind
from marrowscope.domain.roles import Role
from marrowscope.domain.tables import load_table
from marrowscope.services import cases, pathway
from marrowscope.services.cases import open_case, register_patient
from marrowscope.services.reporting import case_list
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.errors import status_of
from marrowscope.web.form_state import (
    FormErrors,
    Refusals,
    field_error,
    is_form_refusal,
    typed_values,
)
from marrowscope.web.forms import as_datetime, local_input
from marrowscope.web.pages import redirect, render
from marrowscope.web.pathway.order_form import item_options, ordered_tests, tests_from_form
from marrowscope.web.reporting import bridge as report_bridge
from marrowscope.web.reporting.call_panel import call_panel
from marrowscope.web.reporting.settings import releaser_of

__all__ = ["router"]

router = APIRouter(prefix="/clinician", tags=["clinician"])

Clinician = Annotated[SignedIn, Depends(require(Role.CLINICIAN))]


def analytes() -> list[tuple[str, str, str, list[str]]]:
    """(key, name, canonical unit, accepted units) of every CBC analyte, in table order."""
    rows = load_table("cbc_reference")["analytes"]
    return [(k, r["name"], r["unit"], list(r["units"])) for k, r in rows.items()]


def _home(
    request: Request, ctx: Ctx, me: SignedIn, status_code: int = 200, **form: Any
) -> Response:
    with ctx.uow() as uow:
        rows = case_list(uow, me.actor)
    return render(
        request,
        "area_cases.html",
        me,
        status_code=status_code,
        title="Blood counts & orders",
        rows=rows,
        link="/clinician/cases/",
        register=True,
        **form,
    )


@router.get("")
def clinician_home(request: Request, ctx: Ctx, me: Clinician) -> Response:
    """The clinician's cases and a form to register a patient."""
    return _home(request, ctx, me)


@router.post("/patients")
async def new_patient(request: Request, ctx: Ctx, me: Clinician) -> Response:
    """Register a patient and open their examination case. Every refusal (an MRN already
    registered, a name too long, a birth date in the future...) comes back at once, each
    beside its field, with the form as typed."""
    form = await request.form()
    typed = {k: str(form.get(k, "")).strip() for k in _REGISTER_FIELDS}
    try:
        checked = _registration(typed, datetime.now(UTC).date())
        with ctx.uow() as uow:
            patient = register_patient(uow, me.actor, **checked)
            case = open_case(uow, me.actor, patient.id)
    except MarrowscopeError as error:
        if not is_form_refusal(error):
            raise
        errors = (
            error.errors
            if isinstance(error, FormErrors)
            else dict([field_error(error, set(typed))])
        )
        return _home(
            request, ctx, me, status_of(error)[0], register_form=typed, register_errors=errors
        )
    return redirect(f"/clinician/cases/{case.id}")


_REGISTER_FIELDS = ("mrn", "family_name", "given_name", "birth_date", "sex", "phone")
_NAME_MAX_CHARS = 200


def _name(text: str, required: bool) -> str:
    if required and not text:
        raise InvalidInput("required")
    if len(text) > _NAME_MAX_CHARS:
        raise InvalidInput(f"at most {_NAME_MAX_CHARS} characters")
    return text


def _born(text: str, today: date) -> date:
    try:
        born = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("give a date (YYYY-MM-DD)") from None
    if born > today:
        raise InvalidInput("lies in the future")
    return born


def _sex(text: str) -> Sex:
    try:
        return Sex(text)
    except ValueError:
        raise InvalidInput(f"choose one of {', '.join(s.value for s in Sex)}") from None


def _registration(typed: dict[str, str], today: date) -> dict[str, Any]:
    """The registration form checked field by field, every refusal kept."""
    r = Refusals()
    checked = {
        "mrn": r.read("mrn", lambda: clean_mrn(typed["mrn"])),
        "family_name": r.read("family_name", lambda: _name(typed["family_name"], True)),
        "given_name": r.read("given_name", lambda: _name(typed["given_name"], False)),
        "birth_date": r.read("birth_date", lambda: _born(typed["birth_date"], today)),
        "sex": r.read("sex", lambda: _sex(typed["sex"])),
        "phone": r.read("phone", lambda: clean_phone(typed["phone"])),
    }
    r.raise_any()
    return checked


def _case_view(
    request: Request, ctx: Ctx, me: SignedIn, case_id: int, status_code: int = 200, **extra: Any
) -> Response:
    with ctx.uow() as uow:
        record = cases.load_case_record(uow, me.actor, case_id)
        cbcs = [cases.cbc_outcome(uow, me.actor, r) for r in record.current(RecordKind.CBC)]
        # the signed report and its release (the clinician's decision by default)
        report_state = report_bridge.state(uow, me.actor, case_id, releaser_of(ctx.settings))
        typed, refused = extra.pop("calls_form", None), extra.pop("calls_errors", None)
        calls = call_panel(uow, me.actor, case_id, f"/clinician/cases/{case_id}", typed, refused)
        signed_html = (
            report_bridge.report_html(uow, me.actor, case_id)
            if report_state is not None and report_state.status in ("signed", "released")
            else None
        )
    order = record.latest(RecordKind.ORDER)
    data: dict[str, Any] = {
        "cbc_form": {},
        "cbc_errors": {},
        "order_form": {},
        "order_errors": {},
        "tests_form": {},
        "tests_errors": {},
        "import_form": {},
        "import_errors": {},
        "now": local_input(datetime.now(UTC), ctx.settings.timezone),
        **extra,
    }
    return render(
        request,
        "clinician_case.html",
        me,
        status_code=status_code,
        report_state=report_state,
        signed_html=signed_html,
        releaser=releaser_of(ctx.settings).value,
        record=record,
        cbcs=list(reversed(cbcs)),
        order=order,
        order_tests=ordered_tests(order.payload if order is not None else None),
        analytes=analytes(),
        indications=[(i.value, label_of(i)) for i in Indication],
        order_items=item_options(),
        urgencies=[(u.value, label_of(u)) for u in Urgency],
        calls_panel=calls,
        **data,
    )


@router.get("/cases/{case_id}")
def case_page(request: Request, ctx: Ctx, me: Clinician, case_id: int) -> Response:
    """The case's counts with their flags, the order, and the forms."""
    return _case_view(request, ctx, me, case_id)


def _record_cbc(
    ctx: Ctx, me: SignedIn, case_id: int, collected_at: datetime, measurements: dict[str, Any]
) -> None:
    with ctx.uow() as uow:
        pathway.record_cbc(
            uow, me.actor, case_id, collected_at=collected_at, measurements=measurements
        )


def _error_field(error: InvalidInput, fields: set[str]) -> tuple[str, str]:
    """``"platelets: 5000 x10^9/L is outside..."`` -> ("platelets", "5000 x10^9/L is ...")."""
    field, _, message = str(error).partition(": ")
    return (field, message) if message and field in fields else ("form", str(error))


@router.post("/cases/{case_id}/cbc")
async def enter_cbc(request: Request, ctx: Ctx, me: Clinician, case_id: int) -> Response:
    """A blood count typed in: one value and unit per analyte (empty ones are skipped).

    A refused value comes back on the same page, its message beside its field and every
    value as typed; nothing is stored until all of them are accepted.
    """
    form = await request.form()
    typed = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    errors: dict[str, str] = {}
    measurements: dict[str, Any] = {}
    for key, _name, unit, _units in analytes():
        value = typed.get(f"value_{key}", "").strip()
        if value:
            try:
                number = float(value.replace(",", "."))
            except ValueError:
                errors[key] = f"“{value}” is not a number"
                continue
            measurements[key] = (number, typed.get(f"unit_{key}", unit))
    try:
        collected = as_datetime(
            "collected_at", typed.get("collected_at", ""), zone=ctx.settings.timezone
        ) or datetime.now(UTC)
        if errors:
            raise InvalidInput("form: please correct the values marked")
        _record_cbc(ctx, me, case_id, collected, measurements)
    except InvalidInput as error:
        field, message = _error_field(error, {k for k, *_ in analytes()} | {"collected_at"})
        errors.setdefault(field, message)
        return _case_view(
            request,
            ctx,
            me,
            case_id,
            status_code=422,
            cbc_form=typed,
            cbc_errors=errors,
            now=typed.get("collected_at", ""),
        )
    return redirect(f"/clinician/cases/{case_id}")


def _cbc_rows(text: str) -> dict[str, Any]:
    """Measurements of a CSV text ``analyte,value,unit`` (``csv.Error`` if malformed)."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not {"analyte", "value"} <= set(reader.fieldnames):
        raise InvalidInput("file: the first line must be the header analyte,value,unit")
    known = {key for key, *_ in analytes()}
    measurements: dict[str, Any] = {}
    for line, row in enumerate(reader, start=2):
        key = (row.get("analyte") or "").strip().lower()
        if key not in known:
            raise InvalidInput(f"line {line}: unknown analyte {key!r}")
        try:
            number = float((row.get("value") or "").strip())
        except ValueError:
            raise InvalidInput(f"line {line}: {row.get('value')!r} is not a number") from None
        if not math.isfinite(number):
            raise InvalidInput(f"line {line}: {row.get('value')!r} is not a finite number")
        unit = (row.get("unit") or "").strip()
        measurements[key] = (number, unit) if unit else number
    return measurements


@router.post("/cases/{case_id}/cbc/import")
async def import_cbc(
    request: Request,
    ctx: Ctx,
    me: Clinician,
    case_id: int,
    file: Annotated[UploadFile, File()],
    collected_at: Annotated[str, Form()] = "",
) -> Response:
    """A blood count from a CSV file with the columns ``analyte,value,unit``; a refused
    file comes back on the case page with the reason."""
    try:
        await _import_cbc(ctx, me, case_id, file, collected_at)
    except MarrowscopeError as error:
        if not is_form_refusal(error):
            raise
        field, message = field_error(error, {"file", "collected_at"})
        return _case_view(
            request, ctx, me, case_id, status_code=status_of(error)[0],
            import_form={"collected_at": collected_at}, import_errors={field: message},
        )  # fmt: skip
    return redirect(f"/clinician/cases/{case_id}")


async def _import_cbc(
    ctx: Ctx, me: SignedIn, case_id: int, file: UploadFile, collected_at: str
) -> None:
    raw = await file.read(100_000)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("file: not a UTF-8 text (CSV) file") from None
    try:
        measurements = _cbc_rows(text)
    except csv.Error as error:
        # A bare carriage return inside a field, a NUL byte...: the file, not the server.
        raise InvalidInput(f"file: not a readable CSV file ({error})") from None
    when = as_datetime("collected_at", collected_at, zone=ctx.settings.timezone) or datetime.now(
        UTC
    )
    _record_cbc(ctx, me, case_id, when, measurements)


@router.post("/cases/{case_id}/order")
async def place_order(request: Request, ctx: Ctx, me: Clinician, case_id: int) -> Response:
    """Order the marrow examination with one or more indications and its tests; a refusal
    comes back beside its field with the ticks and the details as typed."""
    form = await request.form()
    indications = [str(v) for v in form.getlist("indications")]
    try:
        with ctx.uow() as uow:
            pathway.place_order(
                uow,
                me.actor,
                case_id,
                indications=indications,
                clinical_details=str(form.get("clinical_details", "")),
                urgency=str(form.get("urgency", "routine")),
                tests=tests_from_form(form),
            )
    except MarrowscopeError as error:
        if not is_form_refusal(error):
            raise
        typed = typed_values(form, ("indications", "tests"))
        field, message = field_error(error, {"indications", "clinical_details", "urgency", "tests"})
        return _case_view(
            request, ctx, me, case_id, status_code=status_of(error)[0],
            order_form=typed, order_errors={field: message},
        )  # fmt: skip
    return redirect(f"/clinician/cases/{case_id}")


@router.post("/cases/{case_id}/order/tests")
async def change_tests(request: Request, ctx: Ctx, me: Clinician, case_id: int) -> Response:
    """Change the placed order's tests with a reason (a new version of the order)."""
    form = await request.form()
    try:
        with ctx.uow() as uow:
            pathway.change_ordered_tests(
                uow, me.actor, case_id, [str(v) for v in form.getlist("tests")],
                reason=str(form.get("reason", "")),
            )  # fmt: skip
    except MarrowscopeError as error:
        if not is_form_refusal(error):
            raise
        field, message = field_error(error, {"tests", "reason"})
        return _case_view(
            request, ctx, me, case_id, status_code=status_of(error)[0],
            tests_form=typed_values(form, ("tests",)), tests_errors={field: message},
        )  # fmt: skip
    return redirect(f"/clinician/cases/{case_id}#order")
