"""Reads of patient data and permission refusals in the audit trail (docs/audit.md).

Every page and API answer under a route with ``{case_id}`` (a case page, its records, a
report PDF, an export) or ``{patient_id}`` (the portal) leaves one ``view`` entry naming
who read which case by which route, written before the answer leaves, so a client that
got the data always left a trace. One middleware rather than a line in each route: a
route added later is covered without anyone remembering to. Only successful reads are
entries; a refusal is one entry of its own (``record_refusal``, from the error handler).
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.roles import Actor
from marrowscope.services.accounts import Session
from marrowscope.services.audit import ANONYMOUS, record_audit
from marrowscope.services.unit_of_work import UnitOfWorkFactory

__all__ = ["ReadAudit", "ALREADY_AUDITED", "record_refusal"]

_log = logging.getLogger("marrowscope.web")

# Routes whose use case writes its own read entry (the FHIR and HL7 exports): a second
# one here would count each export twice; under break-glass it is written all the same,
# as the entry that names the grant.
ALREADY_AUDITED = frozenset({"/api/cases/{case_id}/fhir", "/api/cases/{case_id}/hl7"})
_READS = frozenset({"GET", "HEAD"})


def _target(params: dict[str, Any]) -> tuple[str, str, int | None] | None:
    """(entity, id, case id) of a route's patient data, or None for other routes."""
    if "case_id" in params:
        case_id = int(params["case_id"])
        return "case", str(case_id), case_id
    if "patient_id" in params:
        return "patient", str(int(params["patient_id"])), None
    return None


def _append(
    uow_factory: UnitOfWorkFactory,
    actor: Actor,
    action: AuditAction,
    target: tuple[str, str, int | None],
    detail: dict[str, str],
) -> None:
    entity, entity_id, case_id = target
    with uow_factory() as uow:
        record_audit(uow, actor, entity, entity_id, action, None, detail, case_id=case_id)
        uow.commit()


class ReadAudit:
    """ASGI middleware: a ``view`` entry for each successful read of a case or patient."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in _READS:
            await self.app(scope, receive, send)
            return

        async def send_after_audit(message: Message) -> None:
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                await self._audit(scope)
            await send(message)

        await self.app(scope, receive, send_after_audit)

    async def _audit(self, scope: Scope) -> None:
        route = getattr(scope.get("route"), "path", "")
        target = _target(scope.get("path_params") or {})
        state = scope.get("state") or {}
        session = state.get("session")
        grant = state.get("break_glass")  # set by ``deps`` when only a grant opened the case
        if target is None or not isinstance(session, Session):
            return
        if route in ALREADY_AUDITED and grant is None:
            return
        uow_factory = scope["app"].state.ctx.accounts.uow_factory
        detail = {"read": f"{scope['method']} {route}"}
        if grant is not None:  # every read under break-glass names its grant
            detail["break_glass"] = str(grant)
        await run_in_threadpool(
            _append, uow_factory, session.user.actor(), AuditAction.VIEW, target, detail
        )


def record_refusal(
    uow_factory: UnitOfWorkFactory,
    session: Session | None,
    method: str,
    route: str,
    params: dict[str, Any],
    reason: str,
) -> None:
    """One ``refused`` entry: who was refused which route (and case), and why.

    Called from the error handler after the refused use case rolled back, in a unit of
    its own; a failure to write it is logged, never turned into a second error.
    """
    actor = session.user.actor() if session is not None else ANONYMOUS
    try:
        target = _target(params) or ("route", f"{method} {route}"[:64], None)
    except (TypeError, ValueError):
        target = ("route", f"{method} {route}"[:64], None)
    try:
        _append(uow_factory, actor, AuditAction.REFUSED, target,
                {"route": f"{method} {route}", "reason": reason[:200]})  # fmt: skip
    except Exception as error:  # the refusal itself must still be answered
        _log.error("refusal not audited: %s", type(error).__name__)
