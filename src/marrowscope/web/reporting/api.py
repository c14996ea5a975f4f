"""JSON API of the report: draft, sign-out, amendment, addendum, release, PDF.

The twins of the pathologist's report editor and of the release button, calling the same
services through ``web.report_bridge`` with the same roles:

- reading the report (``GET .../report``): the pathologist and the clinician, who both
  see it on their case pages;
- draft, sign, amend, addendum and the PDF: the pathologist;
- release: the clinician or the pathologist; the service admits only the role the
  laboratory set (``MARROWSCOPE_RELEASE_BY``), so the rule lives in one place.

Sign-out, amendment, addendum and release are signatures, as on the page: the body
carries the signer's password (checked again under its own signing backoff: a wrong one
is 401, too many 429, and nothing is stored) and, but for release, ``meaning``: what the
signature means (``authored``, the default, ``reviewed`` or ``approved``), stored with
the version; release names the ``version`` it releases, which must be the newest signed
(an amendment signed meanwhile is 409: read it first). When warnings stand (small count,
tests pending, undecided AI cells) sign-out is refused with 409 unless
``"confirm_warnings": true``. ``GET .../report``
lists the warnings with stable codes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from marrowscope.bootstrap import build_review_stores
from marrowscope.domain.counting.slide_counts import CountStatus
from marrowscope.domain.roles import Role
from marrowscope.services import ai_review, counting
from marrowscope.services.accounts import confirm_signer
from marrowscope.services.unit_of_work import UnitOfWork
from marrowscope.web.deps import Ctx, SignedIn, WebContext, require
from marrowscope.web.reporting import bridge as report_bridge
from marrowscope.web.reporting.settings import letterhead_of, releaser_of

__all__ = ["router"]

router = APIRouter(prefix="/api/cases/{case_id}/report", tags=["reports"])

Pathologist = Annotated[SignedIn, Depends(require(Role.PATHOLOGIST))]
Reader = Annotated[SignedIn, Depends(require(Role.PATHOLOGIST, Role.CLINICIAN))]
Releaser = Annotated[SignedIn, Depends(require(Role.CLINICIAN, Role.PATHOLOGIST))]
_SIGNERS = frozenset({Role.PATHOLOGIST})

_FIELD = Annotated[str, Field(max_length=20_000)]


class DraftIn(BaseModel):
    """Report fields by name (see ``GET .../report``'s ``sections``); blank ones keep the
    prefill of a first draft. ``use_counts`` takes the saved slide counts as the
    differential."""

    fields: dict[Annotated[str, Field(max_length=64)], _FIELD] = Field(default={}, max_length=80)
    use_counts: bool = False


_Meaning = Annotated[str, Field(max_length=16, description="authored | reviewed | approved")]


class PasswordIn(BaseModel):
    """The signer's password again: every signature asks for it (a missing one is
    refused with 422 by the use case, after the role is checked)."""

    password: str = Field(default="", max_length=256)


class ReleaseIn(PasswordIn):
    """The releaser's password again, and the version they read and release: any other
    than the newest signed is refused (409), none named is 422, and nothing is released."""

    # no bounds here: the role is checked before the number, and the use case refuses a
    # version that was never signed with a sentence (422)
    version: int | None = Field(default=None, description="the newest signed version, confirmed")


class SignIn(PasswordIn):
    """The signer's password again, what the signature means, and the confirmation of
    any warnings shown."""

    meaning: _Meaning = "authored"
    confirm_warnings: bool = False


class AmendIn(PasswordIn):
    """The fields that change, and why; signed like sign-out."""

    fields: dict[Annotated[str, Field(max_length=64)], _FIELD] = Field(max_length=80)
    reason: str = Field(max_length=2000)
    meaning: _Meaning = "authored"


class AddendumIn(PasswordIn):
    """A supplementary text (e.g. a late karyotype), and why; signed like sign-out."""

    text: str = Field(max_length=20_000)
    reason: str = Field(max_length=2000)
    meaning: _Meaning = "authored"


class VersionOut(BaseModel):
    """One version of the report."""

    version: int
    kind: str
    status: str
    fields: dict[str, str]
    counts: dict[str, int]
    author: str
    created_at: datetime
    reason: str
    signed_by: str | None
    signed_at: datetime | None
    signer: str
    signature_meaning: str | None = Field(description="authored | reviewed | approved")


class WarningOut(BaseModel):
    """A reason to pause before sign-out: a stable code and a sentence."""

    code: str
    message: str


class ReportOut(BaseModel):
    """Where the report stands, its versions (oldest first) and what a draft starts from."""

    case_id: int
    status: str = Field(description="none | draft | signed | released")
    words: str
    released_version: int | None = Field(
        description="the version the patient sees (after an amendment, until it is released)"
    )
    released_at: datetime | None
    released_by: str | None = Field(description="the releaser's name and role")
    current: VersionOut | None
    versions: list[VersionOut]
    warnings: list[WarningOut]
    prefill: dict[str, str]


def _version(v: Any) -> VersionOut:
    return VersionOut(
        version=v.version,
        kind=v.kind.value,
        status=v.status.value,
        fields=dict(v.fields),
        counts=dict(v.counts),
        author=v.author,
        created_at=v.created_at,
        reason=v.reason,
        signed_by=v.signed_by,
        signed_at=v.signed_at,
        signer=v.signer,
        signature_meaning=v.signature_meaning or None,
    )


def _report(uow: UnitOfWork, ctx: WebContext, me: SignedIn, case_id: int) -> ReportOut:
    current = report_bridge.current_report(uow, me.actor, case_id)
    signer = me.user.role is Role.PATHOLOGIST  # the clinician reads; only a signer drafts
    warnings = []
    if current is not None and not current.is_signed and signer:
        undecided = ai_review.undecided_cells(
            uow, build_review_stores(ctx.accounts), me.actor, case_id
        )
        warnings = report_bridge.signout_warnings(uow, me.actor, case_id, undecided)
    state = report_bridge.state(uow, me.actor, case_id, releaser_of(ctx.settings))
    return ReportOut(
        case_id=case_id,
        status=state.status if state is not None else "none",
        words=state.words if state is not None else "",
        released_version=state.released_version if state is not None else None,
        released_at=state.released_at if state is not None else None,
        released_by=(state.released_by or None) if state is not None else None,
        current=_version(current) if current is not None else None,
        versions=[_version(v) for v in report_bridge.versions(uow, me.actor, case_id)],
        warnings=[WarningOut(code=w.code, message=w.message) for w in warnings],
        prefill=report_bridge.prefill(uow, me.actor, case_id) if signer and not current else {},
    )


@router.get("")
def get_report(ctx: Ctx, me: Reader, case_id: int) -> ReportOut:
    """The report: state, versions, sign-out warnings of a draft, the prefill of a new one."""
    with ctx.uow() as uow:
        return _report(uow, ctx, me, case_id)


@router.post("")
def save_draft(ctx: Ctx, me: Pathologist, case_id: int, body: DraftIn) -> ReportOut:
    """Create or change the draft (a signed report refuses: it changes by amendment)."""
    with ctx.uow() as uow:
        counts = None
        if body.use_counts:
            # the saved slide counts only, as on the page: a slide still counting is not final
            slides = counting.counts_for_case(uow, ctx.stores, me.actor, case_id)
            counts = counting.merged_counts([s for s in slides if s.status is CountStatus.SAVED])
        report_bridge.save_draft(uow, me.actor, case_id, body.fields, counts)
    with ctx.uow() as uow:
        return _report(uow, ctx, me, case_id)


@router.post("/sign")
def sign(ctx: Ctx, me: Pathologist, case_id: int, body: SignIn) -> ReportOut:
    """Sign the draft out: password again (401 if wrong), warnings confirmed (409 if not)."""
    confirm_signer(ctx.auth, me.user.username, body.password, _SIGNERS)
    with ctx.uow() as uow:
        undecided = ai_review.undecided_cells(
            uow, build_review_stores(ctx.accounts), me.actor, case_id
        )
        report_bridge.sign(
            uow, me.actor, case_id, confirm_warnings=body.confirm_warnings,
            undecided_ai_cells=undecided, signer_name=me.user.display_name,
            meaning=body.meaning, letterhead=letterhead_of(ctx.settings),
        )  # fmt: skip
    with ctx.uow() as uow:
        return _report(uow, ctx, me, case_id)


@router.post("/amend")
def amend(ctx: Ctx, me: Pathologist, case_id: int, body: AmendIn) -> ReportOut:
    """A signed amendment: a new version with the changed fields and the reason."""
    confirm_signer(ctx.auth, me.user.username, body.password, _SIGNERS)
    with ctx.uow() as uow:
        report_bridge.amend(
            uow, me.actor, case_id, body.fields, body.reason,
            signer_name=me.user.display_name, meaning=body.meaning,
            letterhead=letterhead_of(ctx.settings),
        )  # fmt: skip
    with ctx.uow() as uow:
        return _report(uow, ctx, me, case_id)


@router.post("/addendum")
def addendum(ctx: Ctx, me: Pathologist, case_id: int, body: AddendumIn) -> ReportOut:
    """A signed addendum, leaving the signed text as it was."""
    confirm_signer(ctx.auth, me.user.username, body.password, _SIGNERS)
    with ctx.uow() as uow:
        report_bridge.addendum(
            uow, me.actor, case_id, body.text, body.reason,
            signer_name=me.user.display_name, meaning=body.meaning,
            letterhead=letterhead_of(ctx.settings),
        )  # fmt: skip
    with ctx.uow() as uow:
        return _report(uow, ctx, me, case_id)


@router.post("/release")
def release(ctx: Ctx, me: Releaser, case_id: int, body: ReleaseIn) -> ReportOut:
    """Release the newest signed version to the patient (the laboratory's releasing role),
    with the releaser's password again and that version's number, confirmed."""
    confirm_signer(ctx.auth, me.user.username, body.password, {releaser_of(ctx.settings)})
    with ctx.uow() as uow:
        report_bridge.release(
            uow, me.actor, case_id, releaser_of(ctx.settings), body.version,
            me.user.display_name,
        )  # fmt: skip
    with ctx.uow() as uow:
        return _report(uow, ctx, me, case_id)


@router.get(".pdf", response_class=Response, responses={200: {"content": {"application/pdf": {}}}})
def report_pdf(
    ctx: Ctx,
    me: Pathologist,
    case_id: int,
    version: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> Response:
    """The PDF: a signed version exactly as signed (newest unless ``version``)."""
    with ctx.uow() as uow:
        pdf = report_bridge.report_pdf(
            uow, me.actor, case_id, version, letterhead=letterhead_of(ctx.settings)
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="case-{case_id}-report.pdf"'},
    )
