"""A refused form comes back on the same page: the message beside its field and every
value as it was typed, never a separate error page that loses them.

The services name the field at the start of their message (``"inr: 'x' is not a number"``);
that name is how the page finds the input to put the message beside.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from starlette.datastructures import FormData

from marrowscope.domain.errors import InvalidInput, MarrowscopeError, PermissionDenied
from marrowscope.web.errors import status_of

__all__ = ["FormValues", "field_error", "is_form_refusal", "typed_values"]

FormValues = dict[str, Any]  # field name -> text, or list of texts for repeated fields


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


def is_form_refusal(error: MarrowscopeError) -> bool:
    """Refusals the person can correct on the form itself (a bad value, a step missing);
    a role refusal still goes to the plain 403 page."""
    return not isinstance(error, PermissionDenied) and (
        isinstance(error, InvalidInput) or status_of(error)[0] in (409, 422)
    )
