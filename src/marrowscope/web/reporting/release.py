"""Releasing a signed report to the patient: the decision of the role the laboratory set.

By default the clinician releases (they discuss the result with the patient first); a
laboratory may give the step to the pathologist (``MARROWSCOPE_RELEASE_BY``). Both roles
reach these routes; the service refuses the one the setting does not name, so the rule
lives in one place.

Release asks for confirmation on a page of its own (``GET``): it names the patient, the
version, who signed it and when, and shows its conclusion; the releaser ticks "I release
version N" and types their password again (releasing is a signature,
``services.accounts.confirm_signer``). The ticked version travels with the form, so an
amendment signed while the page was open is refused (409) rather than sent unread. Any
refusal comes back on the same page, next to its field, and nothing is released. The
release is recorded, with the releaser's name, and audited by the service.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from marrowscope.domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotAllowed,
    PermissionDenied,
)
from marrowscope.domain.roles import Role
from marrowscope.services import cases
from marrowscope.services.accounts import confirm_signer
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import redirect, render
from marrowscope.web.reporting import bridge as report_bridge
from marrowscope.web.reporting.call_panel import call_panel
from marrowscope.web.reporting.settings import releaser_of

__all__ = ["router"]

router = APIRouter(prefix="/reports", tags=["reports"])

Releaser = Annotated[SignedIn, Depends(require(Role.CLINICIAN, Role.PATHOLOGIST))]
_PAGES = ("/clinician/", "/pathologist/")


def _back(me: SignedIn, case_id: int, back: str) -> str:
    """Where to go after the release: the case page the releaser came from."""
    home = "/clinician" if me.user.role is Role.CLINICIAN else "/pathologist"
    return back if back.startswith(_PAGES) and "//" not in back else f"{home}/cases/{case_id}"


def _confirm_page(
    request: Request,
    ctx: Ctx,
    me: SignedIn,
    case_id: int,
    back: str,
    status_code: int = 200,
    errors: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The confirmation page: what would be released, the tick box and the password;
    ``extra`` carries a refused critical-value call back into its panel."""
    releaser = releaser_of(ctx.settings)
    if me.user.role is not releaser:
        raise PermissionDenied(
            f"release to the patient is the {releaser.value}'s decision in this laboratory"
        )
    with ctx.uow() as uow:
        record = cases.load_case_record(uow, me.actor, case_id)
        state = report_bridge.state(uow, me.actor, case_id, releaser)
        signed = [v for v in report_bridge.versions(uow, me.actor, case_id) if v.is_signed]
        calls = call_panel(uow, me.actor, case_id, f"/reports/cases/{case_id}/release",
                           extra.get("calls_form"), extra.get("calls_errors"))  # fmt: skip
    return render(
        request,
        "release_confirm.html",
        me,
        status_code=status_code,
        record=record,
        report_state=state,
        offered=signed[-1] if signed and state is not None and state.awaiting_release else None,
        back=_back(me, case_id, back),
        errors=errors or {},
        calls_panel=calls,
    )


@router.get("/cases/{case_id}/release")
def confirm_release(
    request: Request, ctx: Ctx, me: Releaser, case_id: int, back: str = ""
) -> Response:
    """Ask for confirmation before releasing: which version, signed by whom, saying what."""
    return _confirm_page(request, ctx, me, case_id, back)


def _confirmed_version(text: str) -> int | None:
    """The ticked version (None when the box was left empty)."""
    if not text.strip():
        return None
    if not text.strip().isdigit():
        raise InvalidInput("version: tick the box of the version you release")
    return int(text)


@router.post("/cases/{case_id}/release")
def release_report(
    request: Request,
    ctx: Ctx,
    me: Releaser,
    case_id: int,
    back: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    version: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Release the version ticked on the confirmation page to the patient."""
    try:
        confirm_signer(ctx.auth, me.user.username, password, {releaser_of(ctx.settings)})
    except (AuthenticationFailed, InvalidInput) as error:
        status = 401 if isinstance(error, AuthenticationFailed) else 422
        errors = {"password": str(error).removeprefix("password: ")}
        return _confirm_page(request, ctx, me, case_id, back, status, errors)
    try:
        with ctx.uow() as uow:
            report_bridge.release(
                uow, me.actor, case_id, releaser_of(ctx.settings),
                _confirmed_version(version), me.user.display_name,
            )  # fmt: skip
    except (InvalidInput, Conflict) as error:
        status = 409 if isinstance(error, Conflict) else 422
        errors = {"version": str(error).removeprefix("version: ")}
        return _confirm_page(request, ctx, me, case_id, back, status, errors)
    except PermissionDenied:
        raise  # the role: 403, as on every route
    except NotAllowed as error:
        # another rule of the laboratory stands in the way (e.g. a step still owed before
        # release): said at the top of the same form, which stays as it was
        return _confirm_page(request, ctx, me, case_id, back, 409, {"form": str(error)})
    return redirect(_back(me, case_id, back) + "#report-state")
