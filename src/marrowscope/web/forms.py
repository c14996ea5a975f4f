"""Reading HTML form values into typed values, with errors that name the field."""

from __future__ import annotations

from datetime import UTC, datetime

from marrowscope.domain.errors import InvalidInput

__all__ = ["as_datetime", "as_float", "as_int", "local_input"]


def as_datetime(field: str, text: str | None, *, required: bool = False) -> datetime | None:
    """A ``datetime-local`` field (or ISO 8601) as aware UTC.

    Browsers send local wall time without a zone; the app runs on UTC (the lab's
    clocks and the audit log share it), so a zone-less value is read as UTC.
    """
    if text is None or not text.strip():
        if required:
            raise InvalidInput(f"{field}: required")
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not a date and time") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


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


def local_input(value: datetime | None) -> str:
    """A datetime as a ``datetime-local`` field shows it (UTC, minutes)."""
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
