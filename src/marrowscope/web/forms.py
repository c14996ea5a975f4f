"""Reading HTML form values into typed values, with errors that name the field.

Times: a ``datetime-local`` field sends wall-clock time with no zone. People on the ward
type the time on the clock in front of them, so such a value is read in the lab's zone
(``Settings.timezone``, named on every time field) and stored in UTC; a stored time is
put back into the field in the same zone. Two local times need a decision:

- one that does not exist (the hour skipped when clocks go forward) is refused beside
  its field: any guess would shift a last dose, and with it a hold decision, by an hour;
- one that happens twice (the hour repeated when clocks go back) is refused too, asking
  for the offset (``2026-10-25T02:30+01:00``); the field then shows as text, so the
  offset can be typed. Choosing either reading silently could make an anticoagulant's
  last dose look an hour older than it was.

A value that carries its own offset (the JSON API, or the answer to the question above)
is taken as it says.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from marrowscope.domain.errors import InvalidInput

__all__ = ["as_datetime", "as_float", "as_int", "is_ambiguous", "local_input"]


def _wall(text: str) -> datetime:
    """``text`` as a datetime (aware when it carries an offset), minutes kept."""
    return datetime.fromisoformat(text.strip())


def _exists(naive: datetime, zone: ZoneInfo) -> bool:
    """False for a time the clocks skip (it does not survive a trip through UTC)."""
    there = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return there.replace(tzinfo=None) == naive


def _twice(naive: datetime, zone: ZoneInfo) -> bool:
    """True for a time the clocks show twice (the two folds have different offsets)."""
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    return first.utcoffset() != second.utcoffset() and _exists(naive, zone)


def _offset_words(moment: datetime) -> str:
    """``+01:00`` for a moment's offset from UTC."""
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}"


def as_datetime(
    field: str, text: str | None, *, required: bool = False, zone: str = "UTC"
) -> datetime | None:
    """A ``datetime-local`` field (or ISO 8601 with an offset) as aware UTC; a value
    without an offset is wall-clock time in ``zone``."""
    if text is None or not text.strip():
        if required:
            raise InvalidInput(f"{field}: required")
        return None
    try:
        value = _wall(text)
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a date and time") from None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    place = ZoneInfo(zone)
    shown = f"{value:%Y-%m-%d %H:%M}"
    if not _exists(value, place):
        raise InvalidInput(
            f"{field}: {shown} does not exist in {zone} (the clocks skip it when they go "
            "forward); check the time"
        )
    if _twice(value, place):
        first, second = (value.replace(tzinfo=place, fold=f) for f in (0, 1))
        raise InvalidInput(
            f"{field}: {shown} happens twice in {zone} (the clocks go back); add the "
            f"offset: {value:%Y-%m-%dT%H:%M}{_offset_words(first)} for the first "
            f"({first.tzname()}), {value:%Y-%m-%dT%H:%M}{_offset_words(second)} for the "
            f"second ({second.tzname()})"
        )
    return value.replace(tzinfo=place).astimezone(UTC)


def is_ambiguous(text: object, zone: str) -> bool:
    """Whether a field's text needs its offset shown: it carries one, or it is a local
    time the clocks show twice (the field is then a text field, so it can be typed)."""
    if not isinstance(text, str) or not text.strip():
        return False
    try:
        value = _wall(text)
    except ValueError:
        return False
    return value.tzinfo is not None or _twice(value, ZoneInfo(zone))


def as_float(field: str, text: str | None) -> float | None:
    """A decimal number, or None when left empty."""
    if text is None or not text.strip():
        return None
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a number") from None


def as_int(field: str, text: str | None) -> int | None:
    """A whole number, or None when left empty."""
    if text is None or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a whole number") from None


def local_input(value: datetime | None, zone: str = "UTC") -> str:
    """A stored time as its field shows it: wall-clock minutes in ``zone``, with the
    offset added where that wall-clock time happens twice (so reading it back gives
    the same moment)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone))
    text = local.strftime("%Y-%m-%dT%H:%M")
    return (
        text + _offset_words(local) if _twice(local.replace(tzinfo=None), ZoneInfo(zone)) else text
    )
