"""Releasing a signed report to the patient: the decision of the role the laboratory set.

By default the clinician releases (they discuss the result with the patient first); a
laboratory may give the step to the pathologist (``MARROWSCOPE_RELEASE_BY``). Both roles
reach this route; the service refuses the one the setting does not name, so the rule
lives in one place. Releasing signs the report out to the patient, so the releaser types
their password again (``services.accounts.confirm_signer``: a wrong one is 401 and
nothing is released). The release is recorded and audited by the service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response

from marrowscope.domain.roles import Role
from marrowscope.services.accounts import confirm_signer
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import redirect
from marrowscope.web.reporting import bridge as report_bridge
from marrowscope.web.reporting.settings import releaser_of

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"])

Releaser = Annotated[SignedIn, Depends(require(Role.CLINICIAN, Role.PATHOLOGIST))]


@router.post("/cases/{case_id}/release")
def release_report(
    ctx: Ctx,
    me: Releaser,
    case_id: int,
    back: Annotated[str, Form()] = "",
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Release the newest signed version to the patient (a separate, recorded step)."""
    confirm_signer(ctx.auth, me.user.username, password, {releaser_of(ctx.settings)})
    with ctx.uow() as uow:
        report_bridge.release(uow, me.actor, case_id, releaser_of(ctx.settings))
    home = "/clinician" if me.user.role is Role.CLINICIAN else "/pathologist"
    target = (
        back if back.startswith(("/clinician/", "/pathologist/")) else f"{home}/cases/{case_id}"
    )
    return redirect(target + "#report-state")
