"""Case scoping where cases are loaded, and break-glass (``domain.cases.access``).

``case_access`` is called by ``get_case``, through which every capability reads a case
for a person, so a page, a JSON twin, an export or a command that forgot the check
still cannot hand out another ward's case. A break-glass grant is written, audited and
committed in its own unit; it opens that one case to that one person until it expires.
Each grant is a privacy alert: it stays in ``break_glass_log`` for the admins' review
and is logged (ids only) for whoever watches the server's log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.cases.access import (
    BreakGlassGrant,
    clean_reason,
    clean_units,
    may_see,
)
from marrowscope.domain.cases.model import Case
from marrowscope.domain.errors import NotAllowed, NotFound, OutOfScope, PermissionDenied
from marrowscope.domain.roles import Actor, Role
from marrowscope.services.audit import record_audit
from marrowscope.services.unit_of_work import UnitOfWork, transactional

__all__ = [
    "break_glass_log",
    "case_access",
    "case_grant",
    "grant_break_glass",
    "set_units",
    "units_of",
]

_log = logging.getLogger("marrowscope.access")


def case_access(uow: UnitOfWork, actor: Actor, case: Case) -> BreakGlassGrant | None:
    """None when ``actor`` may open ``case`` by their units; the live grant when only
    break-glass opens it; ``OutOfScope`` otherwise (patients: see ``get_case``)."""
    if may_see(actor, case, uow.access.policy):
        return None
    now = uow.now()
    for grant in uow.access.live_grants(actor.username, now):
        if grant.opens(actor, case.id, now):
            return grant
    raise OutOfScope(
        f"case {case.id} belongs to another ward or laboratory than yours; "
        "if you must open it, ask for emergency access (break-glass) with your reason",
        case.id,
    )


def case_grant(uow: UnitOfWork, actor: Actor, case_id: int) -> BreakGlassGrant | None:
    """``case_access`` by id: None for a case that is theirs (or none at all: the route
    answers 404 itself), the grant that opens it, else ``OutOfScope``."""
    case = uow.cases.get(case_id)
    if case is None or not actor.is_staff:
        return None
    return case_access(uow, actor, case)


def _require_person(actor: Actor) -> None:
    if not actor.is_staff or actor.role is Role.INTERFACE or actor.units is None:
        raise PermissionDenied("break-glass is for a signed-in member of staff")


@transactional
def grant_break_glass(uow: UnitOfWork, actor: Actor, case_id: int, reason: str) -> BreakGlassGrant:
    """Open ``case_id`` to ``actor`` for ``policy.break_glass_minutes``, with a reason.

    Refused for a case they already see (nothing to override), and for a reason that
    says nothing (``clean_reason``). The grant and its reason are audited on the case.
    """
    _require_person(actor)
    case = uow.cases.get(case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    if may_see(actor, case, uow.access.policy):
        raise NotAllowed(f"case {case_id} is already yours to open; no break-glass is needed")
    text = clean_reason(reason)
    now = uow.now()
    grant = uow.access.add_grant(actor, case_id, text, at=now, until=uow.access.policy.expiry(now))
    record_audit(
        uow,
        actor,
        "break_glass",
        grant.id,
        AuditAction.CREATE,
        None,
        {"case_id": case_id, "reason": text, "expires_at": grant.expires_at.isoformat()},
        case_id=case_id,
    )
    uow.commit()
    # no name, no reason in the log: the case id and who, for whoever watches the log
    _log.warning("break-glass grant %s: %s opened case %s", grant.id, actor.role.value, case_id)
    return grant


def break_glass_log(
    uow: UnitOfWork, actor: Actor, *, limit: int = 200
) -> Sequence[BreakGlassGrant]:
    """Every grant, newest first: the privacy review (admins only)."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin reviews break-glass grants")
    return uow.access.recent_grants(limit=limit)


def units_of(uow: UnitOfWork, user_id: int) -> frozenset[str]:
    """The wards and laboratories of an account (read at each request of its session)."""
    return uow.access.units_of(user_id)


@transactional
def set_units(
    uow: UnitOfWork, actor: Actor | None, user_id: int, units: Iterable[str]
) -> frozenset[str]:
    """Replace an account's units (admin; ``actor`` None: the installer or the demo)."""
    if actor is not None and actor.role is not Role.ADMIN:
        raise PermissionDenied("only an admin can change where an account works")
    cleaned = clean_units(units)
    before = uow.access.units_of(user_id)
    uow.access.set_units(user_id, cleaned)
    record_audit(
        uow,
        actor or Actor("installer", Role.ADMIN),
        "user",
        user_id,
        AuditAction.UPDATE,
        {"units": sorted(before)},
        {"units": sorted(cleaned)},
    )
    uow.commit()
    return cleaned
