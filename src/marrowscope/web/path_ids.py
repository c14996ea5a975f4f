"""Refuse integer path ids that no database row can have, before any route runs.

Id columns are ``Integer``: 64-bit in SQLite but 32-bit (``int4``) in PostgreSQL, so the
bound is PostgreSQL's. A larger number in the path (``/api/cases/99999999999999999999``,
or just 2**31 on PostgreSQL) is not "not found", it cannot even be sent to the database
(SQLite's driver raises ``OverflowError``, PostgreSQL answers "integer out of range"; the
web tests on PostgreSQL found the second as a 500). One app-wide dependency checks every
``int`` path parameter of the matched route, so a route added later is covered without
remembering to bound its ids.
"""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.routing import APIRoute

from marrowscope.domain.errors import InvalidInput

__all__ = ["MAX_ID", "ids_in_range"]

MAX_ID = 2**31 - 1  # the largest PostgreSQL INTEGER (SQLite's reaches 2**63 - 1)
_DIGITS = re.compile(r"\s*[+-]?[0-9]+\s*")


def _out_of_range(raw: str) -> bool:
    if not _DIGITS.fullmatch(raw):
        return False  # not a number at all: FastAPI's own validation answers 422
    digits = raw.strip().lstrip("+-").lstrip("0")
    # Compare lengths first: int() of a 5,000-digit string raises its own ValueError.
    return len(digits) > len(str(MAX_ID)) or int(digits or "0") > MAX_ID


async def ids_in_range(request: Request) -> None:
    """Dependency of the whole app: ``InvalidInput`` (422) for an id beyond ``MAX_ID``."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    for field in route.dependant.path_params:
        if field.field_info.annotation is not int:
            continue
        raw = request.path_params.get(field.alias)
        if isinstance(raw, str) and _out_of_range(raw):
            raise InvalidInput(f"{field.alias}: a number from 0 to {MAX_ID}")
