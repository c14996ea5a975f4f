"""Alerts as people read them: names instead of usernames and ids, local time in words.

The inbox, the case banner and the header count read from here; ``page_alerts`` is what
``pages.render`` adds to every page of the roles who act on alerts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from marrowscope.domain.alerts.model import Alert, AlertSource, level_words, source_words
from marrowscope.domain.cases.model import Patient
from marrowscope.services.alerts import ALERT_ROLES, alerts_for_case, count_open_alerts
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.web.deps import SignedIn, WebContext

__all__ = ["AlertRow", "alert_rows", "local_words", "page_alerts", "waited_words"]


@dataclass(frozen=True, slots=True)
class AlertRow:
    """One alert ready for a template."""

    alert: Alert
    level: str
    level_css: str
    source: str
    patient: str
    mrn: str
    raised_by: str
    raised_at: str
    waited: str
    acknowledged_by: str
    acknowledged_at: str
    escalated_at: str = ""


def local_words(value: datetime | None, zone: str) -> str:
    """A time as a person reads it in the lab's zone: "Mon 2 Mar 2026, 09:15 GMT"."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def waited_words(since: datetime, now: datetime) -> str:
    """How long an alert has waited, roughly ("just now", "25 min", "3 h 10 min", "2 days")."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {rest} min ago" if rest else f"{hours} h ago"
    days = hours // 24
    return f"{days} day{'s' if days > 1 else ''} ago"


def _names(ctx: WebContext, uow: UnitOfWork, usernames: set[str]) -> dict[str, str]:
    store = uow.bind(ctx.stores.users)
    names = {}
    for username in usernames:
        found = store.by_username(username)
        names[username] = found[0].display_name if found and found[0].display_name else username
    return names


def alert_rows(
    ctx: WebContext, uow: UnitOfWork, alerts: Sequence[Alert], *, now: datetime | None = None
) -> list[AlertRow]:
    """The alerts with their patients' names and the reporters' names, in local time."""
    zone = ctx.settings.timezone
    moment = now or datetime.now(UTC)
    people = {a.raised_by for a in alerts} | {
        a.acknowledged_by for a in alerts if a.acknowledged_by
    }
    names = _names(ctx, uow, people)
    patients: dict[int, Patient | None] = {}
    rows = []
    for a in alerts:
        if a.patient_id not in patients:
            patients[a.patient_id] = uow.patients.get(a.patient_id)
        patient = patients[a.patient_id]
        who = names.get(a.raised_by, a.raised_by)
        if a.source is AlertSource.PATIENT_CHECK_IN:
            who = f"the patient ({who})"
        rows.append(
            AlertRow(
                alert=a,
                level=level_words(a.level),
                level_css=a.level.value.replace("_", "-"),
                source=source_words(a.source),
                patient=patient.display_name if patient else f"patient {a.patient_id}",
                mrn=patient.mrn if patient else "",
                raised_by=who,
                raised_at=local_words(a.raised_at, zone),
                waited=waited_words(a.raised_at, moment),
                acknowledged_by=names.get(a.acknowledged_by or "", a.acknowledged_by or ""),
                acknowledged_at=local_words(a.acknowledged_at, zone),
                escalated_at=local_words(a.escalated_at, zone),
            )
        )
    return rows


def page_alerts(ctx: WebContext, me: SignedIn | None, data: dict[str, Any]) -> dict[str, Any]:
    """The header's open-alert count and, on a case page, that case's alerts: the open
    ones as a banner, the acknowledged ones with what was done.

    Only for the roles who act on alerts; others get nothing, so their pages are unchanged.
    A page showing a case passes it as ``record`` (a ``CaseRecord``).
    """
    if me is None or me.user.role not in ALERT_ROLES:
        return {}
    record = data.get("record")
    case = getattr(record, "case", None)
    with ctx.uow() as uow:
        extra: dict[str, Any] = {"alert_count": count_open_alerts(uow, me.actor)}
        if case is not None and "case_alerts" not in data:
            # the acknowledged ones too: the page says what was done, not "Urgent" forever
            found = alerts_for_case(uow, me.actor, case.id, include_acknowledged=True)
            rows = alert_rows(ctx, uow, found)
            extra["case_alerts"] = [r for r in rows if r.alert.is_open]
            extra["case_alerts_done"] = [r for r in rows if not r.alert.is_open]
    return extra
