"""The privacy alert of a break-glass grant: who opened which case, why, and until when.

A grant (``domain.cases.access.BreakGlassGrant``) is announced to the privacy officer
through the same channels as care-team alerts, so that someone outside the person's own
team hears of it while it is still open, not at the next audit.

What the message carries, and what it leaves out (e-mail and pagers cross servers the
hospital may not own):

- who: the username and role of the person who asked;
- which case: its number only, never the patient's name, MRN or birth date;
- why: the reason as typed, because judging it is the point of the alert. A reason can
  name a clinical detail ("patient bleeding after the biopsy"); a site whose privacy
  channel is not approved for that sets ``with_reason`` false (Settings
  ``privacy_alert_reason``), and the message then points to the review list instead;
- when it was granted and when it ends, and the link to the review list.
"""

from __future__ import annotations

from marrowscope.domain.alerts.escalation import Audience, Message, NotifyEvent
from marrowscope.domain.cases.access import BreakGlassGrant

__all__ = ["REVIEW_PATH", "privacy_message"]

REVIEW_PATH = "/api/break-glass"  # the admins' list of every grant, newest first


def _stamp(grant: BreakGlassGrant, which: str) -> str:
    moment = grant.granted_at if which == "granted" else grant.expires_at
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def privacy_message(grant: BreakGlassGrant, base_url: str, *, with_reason: bool = True) -> Message:
    """The notification of ``grant`` for the privacy officer; ``base_url``: the app's address."""
    link = f"{base_url.rstrip('/')}{REVIEW_PATH}#grant-{grant.id}"
    reason = grant.reason if with_reason else "(not sent by this channel; see the review list)"
    role = grant.role.value.replace("_", " ")
    text = (
        f"{grant.username} ({role}) opened case {grant.case_id}, which is outside their "
        "wards and laboratory, by break-glass.\n"
        f"Reason given: {reason}\n"
        f"Granted: {_stamp(grant, 'granted')}; access ends: {_stamp(grant, 'ends')}.\n"
        f"Review every grant: {link}\n"
    )
    facts = {
        "username": grant.username,
        "role": grant.role.value,
        "granted_at": grant.granted_at.isoformat(),
        "expires_at": grant.expires_at.isoformat(),
    }
    if with_reason:
        facts["reason"] = grant.reason
    return Message(
        alert_id=grant.id,
        case_id=grant.case_id,
        level="privacy",
        event=NotifyEvent.BREAK_GLASS,
        audience=Audience.PRIVACY,
        escalated_to="",
        subject=f"[marrowscope] Break-glass: case {grant.case_id} opened by {grant.username}",
        text=text,
        link=link,
        facts=facts,
    )
