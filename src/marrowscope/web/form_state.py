"""A refused form comes back on the same page: the message beside its field and every
value as it was typed, never a separate error page that loses them.

The services name the field at the start of their message (``"inr: 'x' is not a number"``);
that name is how the page finds the input to put the message beside.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from starlette.datastructures import FormData

from marrowscope.domain.errors import InvalidInput, MarrowscopeError, PermissionDenied
from marrowscope.web.errors import status_of

__all__ = [
    "FormErrors",
    "FormValues",
    "Refusals",
    "field_error",
    "field_errors",
    "is_form_refusal",
    "typed_values",
]

FormValues = dict[str, Any]  # field name -> text, or list of texts for repeated fields
_T = TypeVar("_T")


class FormErrors(InvalidInput):
    """Every refusal of one form, field -> message: a person corrects them all in one go
    instead of meeting them one submission at a time."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class Refusals:
    """Reads a form field by field, keeping each field's refusal instead of stopping at
    the first; ``raise_any`` then raises them together as one ``FormErrors``."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        """Refuse ``field`` (its first refusal is the one shown)."""
        self.errors.setdefault(field, message)

    def read(self, field: str, reader: Callable[[], _T]) -> _T | None:
        """``reader()``, or None with its refusal kept under ``field`` (a message that
        names another field at its start keeps that field)."""
        try:
            return reader()
        except FormErrors as many:
            for name, message in many.errors.items():
                self.add(name, message)
        except InvalidInput as error:
            name, _, message = str(error).partition(": ")
            if message and name.isidentifier() and name != field:
                self.add(name, message)
            else:
                self.add(field, message if name == field and message else str(error))
        return None

    def raise_any(self) -> None:
        """Raise every refusal kept so far, if any."""
        if self.errors:
            raise FormErrors(self.errors)


def typed_values(form: FormData, repeated: Collection[str] = ()) -> FormValues:
    """What was typed, to put back into the inputs (the CSRF token is left out)."""
    values: FormValues = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    for name in repeated:
        values[name] = [str(v) for v in form.getlist(name)]
    return values


def field_error(error: MarrowscopeError, fields: Collection[str]) -> tuple[str, str]:
    """``"inr: 'x' is not a number"`` -> ("inr", "'x' is not a number"); a message that
    starts with a field's name without a colon keeps its words whole; one that names no
    field of this form goes above the form as ("form", whole message)."""
    text = str(error)
    field, _, message = text.partition(": ")
    if message and field in fields:
        return field, message
    first = text.split(" ", 1)[0]  # "mrn 'A1' is already registered" (a repository's words)
    return (first, text) if first in fields else ("form", text)


def field_errors(error: MarrowscopeError, fields: Collection[str]) -> dict[str, str]:
    """Every refusal of ``error`` by field (``field_error`` for a single one); those
    that name no field of the form go above it, together."""
    if not isinstance(error, FormErrors):
        field, message = field_error(error, fields)
        return {field: message}
    out: dict[str, str] = {}
    for field, message in error.errors.items():
        if field in fields:
            out[field] = message
        else:
            out["form"] = "; ".join(filter(None, (out.get("form"), f"{field}: {message}")))
    return out


def is_form_refusal(error: MarrowscopeError) -> bool:
    """Refusals the person can correct on the form itself (a bad value, a step missing);
    a role refusal still goes to the plain 403 page."""
    return not isinstance(error, PermissionDenied) and (
        isinstance(error, InvalidInput) or status_of(error)[0] in (409, 422)
    )
