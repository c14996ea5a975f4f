"""JSON API of the differential counter: open a slide, save its state as it is counted,
finish it, correct a saved count, and one's keymaps.

The draft save is the busiest route of the app (each counting morphologist sends about
seven a second), so this router is mounted first (``web.app.ROUTERS``): FastAPI tries
routes in order, and every router before it would cost each save a scan.

Morphologists and pathologists, as on the counter pages. Opening and correcting are
audited by ``services.counting`` (a correction keeps the previous state and the
reason); keymaps are a person's own key layout, not a clinical record, and are kept
unaudited as on the page. The session cookie and ``X-CSRF-Token`` are required on
every write.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError

from marrowscope.domain.accounts.model import Keymap
from marrowscope.domain.counting.slide_counts import MAX_VERSION
from marrowscope.services import counting
from marrowscope.web.api_models import Done
from marrowscope.web.counting.counter import COUNTERS, count_payload
from marrowscope.web.deps import (
    CsrfFailed,
    Ctx,
    DraftCredentials,
    NotSignedIn,
    SignedIn,
    draft_credentials,
    require,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["counts"])

Counter = Annotated[SignedIn, Depends(require(*COUNTERS))]

_CODE = Annotated[str, Field(max_length=8)]


class SlideIn(BaseModel):
    """A slide to count: its label on the case and, if not the laboratory's, a target."""

    slide_label: str = Field(max_length=40)
    target: int | None = Field(default=None, ge=1, le=10_000)


class CountState(BaseModel):
    """The whole state of a slide as the counter holds it."""

    version: int = Field(ge=0, le=MAX_VERSION, description="presses and undos applied so far")
    counts: dict[str, int] = Field(description="cell code -> cells counted")


class CountEdit(BaseModel):
    """A saved count's corrected cells (cell code -> number) and the reason."""

    counts: dict[_CODE, Annotated[int, Field(ge=0, le=1_000_000)]] = Field(max_length=64)
    reason: str = Field(max_length=500)


class KeymapIn(BaseModel):
    """A named keymap: key as the browser names it -> cell code."""

    name: str = Field(max_length=64)
    keys: dict[Annotated[str, Field(max_length=32)], _CODE] = Field(max_length=64)


class KeymapOut(BaseModel):
    """One keymap (the built-in ``default`` comes first)."""

    name: str
    keys: dict[str, str]


def _keymap(keymap: Keymap) -> KeymapOut:
    return KeymapOut(name=keymap.name, keys={k: c.value for k, c in keymap.keys.items()})


@router.post("/cases/{case_id}/slides", status_code=201)
def open_slide(ctx: Ctx, me: Counter, case_id: int, body: SlideIn) -> dict[str, object]:
    """Start counting another slide of the case; 409 if the label is already used."""
    with ctx.uow() as uow:
        count = counting.open_slide(
            uow, ctx.stores, me.actor, case_id, body.slide_label, body.target
        )
    return count_payload(count)


_STATE_BODY = {
    "required": True,
    "content": {"application/json": {"schema": CountState.model_json_schema()}},
}


async def _state_of(request: Request) -> CountState:
    """The save's body, validated; if it is malformed, who sends it is checked first.

    The session, token and role of a well-formed save are checked in the batch that
    writes it. A malformed one never reaches the batch, so here it takes the path every
    other write takes (``require``): 401 or 403 for someone who may not save, 422 only
    for a counter, as before the group commit.
    """
    try:
        return CountState.model_validate_json(await request.body())
    except ValidationError as invalid:
        await require(*COUNTERS)(request)
        errors = [{**error, "loc": ("body", *error["loc"])} for error in invalid.errors()]
        raise RequestValidationError(errors) from None


@router.post("/counts/{count_id}/state", openapi_extra={"requestBody": _STATE_BODY})
async def save_state(
    request: Request,
    ctx: Ctx,
    given: Annotated[DraftCredentials, Depends(draft_credentials)],
    count_id: int,
) -> dict[str, object]:
    """Save the counter's state; an older or repeated version changes nothing.

    Open to morphologists and pathologists with the CSRF token, as every count write.
    The save is committed with the others waiting (``counting.DraftSaves``, group
    commit), which checks the session, token and role in the same transaction, and is
    answered once committed; no worker thread is held meanwhile.
    """
    body = await _state_of(request)
    saved = ctx.drafts.submit(given.token, given.csrf, count_id, body.version, body.counts)
    try:
        count = await asyncio.wrap_future(saved)
    except counting.SignedOut:
        raise NotSignedIn() from None
    except counting.CsrfRefused:
        raise CsrfFailed() from None
    return count_payload(count)


@router.post("/counts/{count_id}/finish")
def finish(ctx: Ctx, me: Counter, count_id: int, body: CountState) -> dict[str, object]:
    """Save the final state of a slide's count."""
    with ctx.uow() as uow:
        count = counting.finish_count(
            uow, ctx.stores, me.actor, count_id, body.version, dict(body.counts)
        )
    return count_payload(count)


@router.post("/counts/{count_id}/edit")
def edit_saved(ctx: Ctx, me: Counter, count_id: int, body: CountEdit) -> dict[str, object]:
    """Correct a saved count (the previous state and the reason are kept in its history)."""
    raw = {code: str(n) for code, n in body.counts.items()}
    with ctx.uow() as uow:
        count = counting.edit_saved_count(uow, ctx.stores, me.actor, count_id, raw, body.reason)
    return count_payload(count)


@router.get("/keymaps")
def keymaps(ctx: Ctx, me: Counter) -> list[KeymapOut]:
    """One's keymaps, the built-in default first."""
    with ctx.uow() as uow:
        found = counting.keymaps_of(uow, ctx.stores, me.user.id)
    return [_keymap(k) for k in found]


@router.post("/keymaps")
def save_keymap(ctx: Ctx, me: Counter, body: KeymapIn) -> KeymapOut:
    """Create or replace one of one's keymaps (``default`` is the built-in one)."""
    with ctx.uow() as uow:
        saved = counting.save_keymap(uow, ctx.stores, me.user.id, body.name, body.keys)
    return _keymap(saved)


@router.post("/keymaps/{name}/delete")
def delete_keymap(ctx: Ctx, me: Counter, name: str) -> Done:
    """Remove one of one's keymaps (404 if there is none by that name)."""
    with ctx.uow() as uow:
        counting.delete_keymap(uow, ctx.stores, me.user.id, name[:64])
    return Done(status="deleted")
