"""JSON API of check-ins and alerts, beside the other JSON APIs and like them:
the session cookie, and the ``X-CSRF-Token`` header on every write.

Who may do what:

- ``POST /api/cases/{case_id}/check-ins``: the patient, on their own case only (403 for
  any other, whether it exists or not), and the staff who record follow-up calls
  (nurse, proceduralist, clinician).
- ``GET /api/alerts`` and ``POST /api/alerts/{id}/acknowledge``: nurse, proceduralist and
  clinician. The laboratory, morphologists, pathologists and the administrator get 403:
  they cannot act on a patient's symptoms. A patient gets 403 too; the portal tells them
  to phone the team when they are unwell.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from marrowscope.domain.alerts.model import NOTE_MAX_CHARS, Alert
from marrowscope.domain.roles import Role
from marrowscope.services import alerts, pathway
from marrowscope.services.cases import CLINICAL
from marrowscope.web.deps import Ctx, SignedIn, require

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["alerts"])

CheckInAuthor = Annotated[SignedIn, Depends(require(Role.PATIENT, *CLINICAL))]
CareTeam = Annotated[SignedIn, Depends(require(*alerts.ALERT_ROLES))]


class CheckInBody(BaseModel):
    """A follow-up check-in: symptom codes of the aftercare table, temperature, notes."""

    symptoms: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=20)
    temperature_c: float | None = None
    notes: str = Field(default="", max_length=2000)


class AcknowledgeBody(BaseModel):
    """What was done about the alert."""

    note: str = Field(max_length=NOTE_MAX_CHARS)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def alert_json(alert: Alert) -> dict[str, Any]:
    """An alert as the API gives it (times in ISO 8601 UTC, the level as its code)."""
    return {
        "id": alert.id,
        "case_id": alert.case_id,
        "patient_id": alert.patient_id,
        "level": alert.level.value,
        "reason": alert.reason,
        "source": alert.source.value,
        "raised_at": _iso(alert.raised_at),
        "raised_by": alert.raised_by,
        "acknowledged_at": _iso(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by,
        "acknowledgement_note": alert.acknowledgement_note or None,
        "patient_phone": alert.patient_phone or None,
        "patient_notes": alert.patient_notes or None,
        "escalated_at": _iso(alert.escalated_at),
        "escalated_to": alert.escalated_to or None,
    }


@router.post("/cases/{case_id}/check-ins", status_code=201)
def post_check_in(ctx: Ctx, me: CheckInAuthor, case_id: int, body: CheckInBody) -> JSONResponse:
    """Record a check-in; an urgent or same-day one raises an alert in the same transaction.

    ``level`` is ``urgent``, ``same_day`` or ``routine`` (a check-in naming no symptom is
    routine); ``alert_id`` is null when no alert was raised. ``advice`` is what the sender
    is told to do now, as the portal shows it: ``headline`` (with the care team's number),
    ``steps``, ``emergency`` (true: go to the emergency department if the team cannot be
    reached) and ``phone``.
    """
    with ctx.uow() as uow:
        outcome = pathway.send_check_in(
            uow,
            me.actor,
            case_id,
            symptoms=body.symptoms,
            temperature_c=body.temperature_c,
            notes=body.notes,
        )
    advice = outcome.advice(ctx.settings.care_team_phone)
    return JSONResponse(
        {
            "id": outcome.record.id,
            "level": outcome.level.value,
            "alert_id": outcome.alert_id,
            "advice": {
                "headline": advice.headline,
                "steps": list(advice.steps),
                "emergency": advice.emergency,
                "phone": advice.phone,
            },
        },
        status_code=201,
    )


@router.get("/alerts")
def get_alerts(
    ctx: Ctx,
    me: CareTeam,
    state: Annotated[str, Query(pattern="^(open|all)$")] = "open",
) -> dict[str, list[dict[str, Any]]]:
    """Alerts, urgent first then same day, longest waiting first; ``?state=all`` for all."""
    with ctx.uow() as uow:
        found = alerts.list_alerts(uow, me.actor, include_acknowledged=state == "all")
    return {"alerts": [alert_json(a) for a in found]}


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(ctx: Ctx, me: CareTeam, alert_id: int, body: AcknowledgeBody) -> dict[str, Any]:
    """Acknowledge an open alert with a note (audited); 409 if it already was."""
    with ctx.uow() as uow:
        done = alerts.acknowledge_alert(uow, me.actor, alert_id, body.note)
    return alert_json(done)
