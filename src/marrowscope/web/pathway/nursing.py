"""Nurse and proceduralist: the pre-procedure checklist with live safety findings and
consent, the procedure record with vital signs, specimens and their printable labels,
and the aftercare sheet.

The live findings run the same domain rules as the saved assessment (``domain.safety``)
on the form as it is being filled in, without saving anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from marrowscope.domain.display_names import label_of
from marrowscope.domain.errors import MarrowscopeError
from marrowscope.domain.pathway.aftercare import SYMPTOMS
from marrowscope.domain.pathway.procedure import Complication, Side, Site
from marrowscope.domain.pathway.records import CaseRecord, RecordKind
from marrowscope.domain.pathway.safety import (
    ConsentBy,
    Pregnancy,
    SafetyFinding,
    SafetyPolicy,
    Sedation,
    known_drugs,
    pregnancy_asked,
)
from marrowscope.domain.pathway.vitals import SIGNS
from marrowscope.domain.roles import Role
from marrowscope.services import cases, lab, pathway
from marrowscope.services.pathway import preview_assessment
from marrowscope.services.reporting import case_list
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.errors import status_of
from marrowscope.web.form_state import field_errors, is_form_refusal, typed_values
from marrowscope.web.forms import as_datetime, as_float, local_input
from marrowscope.web.pages import redirect, render
from marrowscope.web.pathway.specimen_form import specimen_choices
from marrowscope.web.pathway.ward_forms import (
    MAX_VITAL_ROWS,
    MEDICATION_ROWS,
    checklist_values,
    procedure_values,
)
from marrowscope.web.pathway.ward_readers import plan_and_fields, procedure_from, text_of

__all__ = ["WARD", "findings_payload", "plan_and_fields", "router", "safety_policy"]

router = APIRouter(prefix="/nursing", tags=["nursing"])

WARD = (Role.NURSE, Role.PROCEDURALIST)
Ward = Annotated[SignedIn, Depends(require(*WARD))]
LabelReader = Annotated[SignedIn, Depends(require(*WARD, Role.LAB_SCIENTIST))]

_VITAL_ROWS = 6
# fields a refusal may name that an empty row does not send: the page shows them anyway
_ROW_FIELDS = frozenset(
    {"medications", "pregnancy", "operator", "site", "side", "sedation", "consent_by"}
    | {"planned_at", "time_out_at", "started_at", "ended_at", "kind", "tests", "symptoms"}
    | {f"{p}_{n}" for p in ("drug", "last_dose") for n in range(MEDICATION_ROWS)}
    | {f"vital_{p}_{n}" for p in ("at", "value") for n in range(MAX_VITAL_ROWS)}
)


def findings_payload(findings: list[SafetyFinding]) -> list[dict[str, str]]:
    """Findings as JSON for the live checklist (with the severity in words, as the saved
    findings above it show it)."""
    return [
        {
            "rule": f.rule,
            "severity": f.severity.value,
            "severity_words": label_of(f.severity),
            "message": f.message,
            "source": f.source,
        }
        for f in findings
    ]


def safety_policy(ctx: Ctx) -> SafetyPolicy:
    """The lab's choices where guidelines differ, from the settings (defaults: the
    guidelines'); the page, its live preview and the JSON API all apply the same."""
    return SafetyPolicy(
        platelet_threshold_per_nl=ctx.settings.platelet_threshold_per_nl,
        lmwh_prophylactic_hold_hours=ctx.settings.lmwh_prophylactic_hold_hours,
    )


def preview_findings(ctx: Ctx, me: SignedIn, case_id: int, form: FormData) -> list[SafetyFinding]:
    """The safety findings the form would give, without saving it (the same completion
    from the CBC as saving, so the live panel never contradicts the saved checklist)."""
    plan, fields = plan_and_fields(form, ctx.settings.timezone, now=datetime.now(UTC))
    with ctx.uow() as uow:
        return preview_assessment(
            uow, me.actor, case_id, plan=plan, assessment=fields, policy=safety_policy(ctx)
        )


def _record(ctx: Ctx, me: SignedIn, case_id: int) -> CaseRecord:
    with ctx.uow() as uow:
        return cases.load_case_record(uow, me.actor, case_id)


def _pregnancy_asked(ctx: Ctx, record: CaseRecord) -> bool:
    """Whether the checklist must ask about pregnancy (the table's ages, on today's date
    in the lab's zone); the service checks it again on the planned date."""
    today = datetime.now(ZoneInfo(ctx.settings.timezone)).date()
    patient = record.patient
    return pregnancy_asked(patient.sex.value, patient.age_on(today))


@router.get("")
def nursing_home(request: Request, ctx: Ctx, me: Ward) -> Response:
    """Cases on the procedure list."""
    with ctx.uow() as uow:
        rows = case_list(uow, me.actor)
    return render(
        request, "area_cases.html", me, title="Procedures", rows=rows, link="/nursing/cases/"
    )


def _options(values: Iterable[object]) -> list[tuple[str, str]]:
    """(stored value, words) of each choice of a select or a group of checkboxes."""
    return [(str(getattr(v, "value", v)), label_of(v)) for v in values]


def _case_view(
    request: Request, ctx: Ctx, me: SignedIn, case_id: int, status_code: int = 200, **typed: Any
) -> Response:
    """The page; each form opens with what is saved, or with ``typed`` after a refusal."""
    record = _record(ctx, me, case_id)
    zone = ctx.settings.timezone
    forms: dict[str, Any] = {
        "ck": checklist_values(record, zone),
        "pf": procedure_values(record, zone),
        "sp": {"collected_at": local_input(datetime.now(UTC), zone)},
        "ci": {},
        **{f"{k}_errors": {} for k in ("ck", "pf", "sp", "ci")},
        **typed,
    }
    saved = record.latest(RecordKind.PROCEDURE)
    saved_vitals = len(saved.payload.get("procedure", {}).get("vitals") or ()) if saved else 0
    return render(
        request,
        "nursing_case.html",
        me,
        status_code=status_code,
        record=record,
        assessment=record.latest(RecordKind.ASSESSMENT),
        procedure=record.latest(RecordKind.PROCEDURE),
        aftercare=record.latest(RecordKind.AFTERCARE),
        drugs=sorted(known_drugs()),
        medication_rows=range(MEDICATION_ROWS),
        vital_rows=range(min(MAX_VITAL_ROWS, max(_VITAL_ROWS, saved_vitals + 2))),
        signs=SIGNS,
        sedations=_options(Sedation),
        pregnancy_asked=_pregnancy_asked(ctx, record),
        pregnancies=[
            ("", "— ask —"),
            *_options(p for p in Pregnancy if p.value != "not_applicable"),
        ],
        consents=[
            ("", "— not recorded yet —"),
            *_options(c for c in ConsentBy if c.value != "none"),
        ],
        sites=_options(Site),
        sides=_options(Side),
        complications=_options(Complication),
        specimen_choices=specimen_choices(
            order.payload if (order := record.latest(RecordKind.ORDER)) else None
        ),
        symptoms=_options(SYMPTOMS),
        **forms,
    )


def _refused(
    request: Request, ctx: Ctx, me: SignedIn, case_id: int, form: FormData, key: str,
    error: MarrowscopeError, repeated: tuple[str, ...] = (),
) -> Response:  # fmt: skip
    """The page again with the refusal beside its field and the form as typed."""
    if not is_form_refusal(error):
        raise error
    typed = typed_values(form, repeated)
    errors = field_errors(error, set(typed) | set(repeated) | _ROW_FIELDS)
    status = status_of(error)[0]
    return _case_view(request, ctx, me, case_id, status, **{key: typed, f"{key}_errors": errors})


@router.get("/cases/{case_id}")
def case_page(request: Request, ctx: Ctx, me: Ward, case_id: int) -> Response:
    """Checklist, procedure record, specimens and aftercare of one case."""
    return _case_view(request, ctx, me, case_id)


@router.post("/cases/{case_id}/assessment")
async def save_assessment(request: Request, ctx: Ctx, me: Ward, case_id: int) -> Response:
    """Save the checklist and consent; the findings are kept with it."""
    form = await request.form()
    try:
        asked = _pregnancy_asked(ctx, _record(ctx, me, case_id))
        plan, fields = plan_and_fields(form, ctx.settings.timezone, pregnancy_asked=asked)
        with ctx.uow() as uow:
            pathway.record_assessment(
                uow, me.actor, case_id, plan=plan, assessment=fields, policy=safety_policy(ctx)
            )
    except MarrowscopeError as error:
        return _refused(request, ctx, me, case_id, form, "ck", error)
    return redirect(f"/nursing/cases/{case_id}#assessment")


@router.post("/cases/{case_id}/procedure")
async def save_procedure(request: Request, ctx: Ctx, me: Ward, case_id: int) -> Response:
    """Record the procedure with its vital signs."""
    form = await request.form()
    try:
        procedure = procedure_from(form, ctx.settings.timezone)
        with ctx.uow() as uow:
            pathway.record_procedure(
                uow,
                me.actor,
                case_id,
                procedure,
                stop_override_reason=text_of(form, "stop_override_reason"),
            )
    except MarrowscopeError as error:
        return _refused(request, ctx, me, case_id, form, "pf", error, ("complications",))
    return redirect(f"/nursing/cases/{case_id}#procedure")


@router.post("/cases/{case_id}/specimens")
async def collect(request: Request, ctx: Ctx, me: Ward, case_id: int) -> Response:
    """Register a collected specimen with the tests it goes to."""
    form = await request.form()
    try:
        with ctx.uow() as uow:
            lab.collect_specimen(
                uow,
                me.actor,
                case_id,
                kind=text_of(form, "kind"),
                tests=[str(t) for t in form.getlist("tests")],
                collected_at=as_datetime(
                    "collected_at", text_of(form, "collected_at"), zone=ctx.settings.timezone
                ),
                notes=text_of(form, "notes"),
            )
    except MarrowscopeError as error:
        return _refused(request, ctx, me, case_id, form, "sp", error, ("tests",))
    return redirect(f"/nursing/cases/{case_id}/labels")


@router.get("/cases/{case_id}/labels")
def labels_page(request: Request, ctx: Ctx, me: LabelReader, case_id: int) -> Response:
    """The case's specimen labels, ready to print."""
    record = _record(ctx, me, case_id)
    return render(request, "labels.html", me, record=record)


@router.get("/specimens/{specimen_id}/label.svg")
def label_svg(ctx: Ctx, me: LabelReader, specimen_id: int) -> Response:
    """One specimen's label (60 x 30 mm SVG with a Code 128 barcode)."""
    with ctx.uow() as uow:
        label = lab.specimen_label(uow, me.actor, specimen_id)
    return Response(lab.label_svg(label), media_type="image/svg+xml")


@router.post("/cases/{case_id}/aftercare")
def give_aftercare(ctx: Ctx, me: Ward, case_id: int) -> Response:
    """Issue the aftercare instructions (from the procedure's sedation and drugs)."""
    with ctx.uow() as uow:
        pathway.issue_aftercare(uow, me.actor, case_id)
    return redirect(f"/nursing/cases/{case_id}#aftercare")


@router.post("/cases/{case_id}/check-in")
async def check_in(request: Request, ctx: Ctx, me: Ward, case_id: int) -> Response:
    """A follow-up call: symptoms and temperature; worrying ones escalate."""
    form = await request.form()
    try:
        with ctx.uow() as uow:
            pathway.record_check_in(
                uow,
                me.actor,
                case_id,
                symptoms=[str(s) for s in form.getlist("symptoms")],
                temperature_c=as_float("temperature_c", text_of(form, "temperature_c")),
                notes=text_of(form, "notes"),
            )
    except MarrowscopeError as error:
        return _refused(request, ctx, me, case_id, form, "ci", error, ("symptoms",))
    return redirect(f"/nursing/cases/{case_id}#aftercare")
