"""One entry of a case's critical-value call log: who called, whom, when, read back.

The telephone call is the step that makes a critical value safe; the entry is what shows
later that it happened (ISO 15189:2022, 7.4.1.3: the laboratory records the date, time,
the person who communicated the result, the person notified and any difficulty). A call
without read-back is logged too (a message left, a wrong number) but does not count as
the call a release waits for (``domain.reporting.critical_calls``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from marrowscope.domain.errors import InvalidInput

__all__ = ["NOTES_MAX_CHARS", "RECIPIENT_MAX_CHARS", "CriticalCall", "check_call"]

RECIPIENT_MAX_CHARS = 200
NOTES_MAX_CHARS = 2000
_CLOCK_SKEW = timedelta(minutes=5)  # a form's clock a little ahead of the server's


@dataclass(frozen=True, slots=True)
class CriticalCall:
    """A logged call about a case's critical values (``values``: what was said, as text)."""

    id: int
    case_id: int
    called_at: datetime
    caller: str  # the signed-in person who logged and made the call
    recipient: str  # whom they told: name and role, as typed
    read_back: bool
    values: str
    notes: str
    recorded_at: datetime


def check_call(
    recipient: str, called_at: datetime, notes: str, now: datetime
) -> tuple[str, datetime, str]:
    """The cleaned recipient, time (UTC; a time without zone is taken as UTC) and notes;
    refuses an empty recipient, a call in the future and text beyond its length, each
    naming its field."""
    who = " ".join(recipient.split())
    if not who:
        raise InvalidInput("recipient: say whom you told (name and role)")
    if len(who) > RECIPIENT_MAX_CHARS:
        raise InvalidInput(f"recipient: at most {RECIPIENT_MAX_CHARS} characters")
    if called_at.tzinfo is None:
        called_at = called_at.replace(tzinfo=UTC)
    if called_at > now + _CLOCK_SKEW:
        raise InvalidInput("called_at: the call cannot be in the future")
    text = notes.strip()
    if len(text) > NOTES_MAX_CHARS:
        raise InvalidInput(f"notes: at most {NOTES_MAX_CHARS} characters")
    return who, called_at, text
