"""The morphologist's differential counter: cases, slides, the counting page, keymaps.

Counting happens in the browser (``static/counter.js``): each key press changes the
page at once and the state is saved in the background, so nothing reloads per key.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from marrowscope.domain.accounts.model import undo_keys
from marrowscope.domain.counting.counter import CellCounter
from marrowscope.domain.counting.slide_counts import CountStatus, SlideCount
from marrowscope.domain.counting.taxonomy import all_classes
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Role
from marrowscope.services import counting
from marrowscope.services.cases import get_case, get_patient
from marrowscope.services.reporting import case_list
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import redirect, render

__all__ = ["COUNTERS", "count_payload", "router"]

router = APIRouter(prefix="/counter", tags=["counter"])

COUNTERS = (Role.MORPHOLOGIST, Role.PATHOLOGIST)
Counter = Annotated[SignedIn, Depends(require(*COUNTERS))]


def count_payload(count: SlideCount) -> dict[str, object]:
    """A slide count as JSON for the page and the API, with its live figures."""
    summary = counting.summarise(count.counts)
    return {
        "id": count.id,
        "case_id": count.case_id,
        "slide_label": count.slide_label,
        "version": count.version,
        "status": count.status.value,
        "target": count.target,
        "counts": {c.value: n for c, n in count.counts.items()},
        "nucleated_cells": summary.nucleated_cells,
        "excluded_cells": summary.excluded_cells,
        "percentages": {c.value: p for c, p in summary.percentages.items()},
        "me_ratio": summary.me_ratio,
        "adequacy_warning": summary.adequacy_warning,
        "flags": list(summary.flags),
    }


@router.get("")
def counter_home(request: Request, ctx: Ctx, me: Counter) -> Response:
    """Open cases, each with its slides and how far they are counted."""
    with ctx.uow() as uow:
        rows = [
            (row, counting.counts_for_case(uow, ctx.stores, me.actor, row.case.id))
            for row in case_list(uow, me.actor)
        ]
    return render(request, "counter_home.html", me, rows=rows)


@router.get("/cases/{case_id}")
def case_slides(request: Request, ctx: Ctx, me: Counter, case_id: int) -> Response:
    """A case's slides and their counts merged."""
    with ctx.uow() as uow:
        case = get_case(uow, me.actor, case_id)
        patient = get_patient(uow, me.actor, case.patient_id)
        slides = counting.counts_for_case(uow, ctx.stores, me.actor, case_id)
    merged = counting.merged_counts(slides)
    return render(
        request,
        "counter_case.html",
        me,
        case=case,
        patient=patient,
        slides=slides,
        merged=merged,
        summary=counting.summarise(merged),
        classes=all_classes(),
        default_target=CellCounter.start().target_cells,
    )


@router.post("/cases/{case_id}/slides")
def open_slide(
    ctx: Ctx,
    me: Counter,
    case_id: int,
    slide_label: Annotated[str, Form(max_length=40)],
    target: Annotated[int | None, Form()] = None,
) -> Response:
    """Start counting another slide of the case."""
    with ctx.uow() as uow:
        count = counting.open_slide(uow, ctx.stores, me.actor, case_id, slide_label, target)
    return redirect(f"/counter/counts/{count.id}")


@router.get("/counts/{count_id}")
def counter_page(
    request: Request, ctx: Ctx, me: Counter, count_id: int, keymap: str | None = None
) -> Response:
    """The counting page of one slide."""
    with ctx.uow() as uow:
        count = counting.get_count(uow, ctx.stores, me.actor, count_id)
        maps = counting.keymaps_of(uow, ctx.stores, me.user.id)
    chosen = next((k for k in maps if k.name == keymap), maps[0])
    defaults = CellCounter.start()
    config = {
        "count": count_payload(count),
        "keymap": {k: c.value for k, c in chosen.keys.items()},
        "keymapName": chosen.name,
        "undoKeys": sorted(undo_keys()),
        "cueEvery": defaults.cue_every,
        "classes": [
            {"code": i.code.value, "name": i.name, "inDiff": i.in_differential}
            for i in all_classes()
        ],
        "stateUrl": f"/api/counts/{count.id}/state",
        "finishUrl": f"/api/counts/{count.id}/finish",
    }
    return render(
        request,
        "counter.html",
        me,
        count=count,
        keymaps=maps,
        chosen=chosen,
        # "<" escaped so that a slide label holding "</script>" cannot end the block.
        config=json.dumps(config).replace("<", "\\u003c"),
        saved=count.status is CountStatus.SAVED,
        classes=all_classes(),
    )


@router.post("/counts/{count_id}/edit")
async def edit_saved(request: Request, ctx: Ctx, me: Counter, count_id: int) -> Response:
    """Correct a saved count (one field per class, and the reason)."""
    form = await request.form()
    reason = str(form.get("reason", ""))
    raw = {
        key.removeprefix("count_"): str(value or "0")
        for key, value in form.items()
        if key.startswith("count_")
    }
    if not raw:
        raise InvalidInput("no counts were sent")
    with ctx.uow() as uow:
        counting.edit_saved_count(uow, ctx.stores, me.actor, count_id, raw, reason)
    return redirect(f"/counter/counts/{count_id}")


@router.get("/keymaps")
def keymaps_page(request: Request, ctx: Ctx, me: Counter) -> Response:
    """The person's keymaps, and a form to add or replace one."""
    with ctx.uow() as uow:
        maps = counting.keymaps_of(uow, ctx.stores, me.user.id)
    return render(request, "keymaps.html", me, keymaps=maps, classes=all_classes())


def _parse_mapping(text: str) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, sep, code = line.partition("=")
        if not sep:
            raise InvalidInput(f"keymap line {number}: write KEY=CODE, e.g. b=BLA")
        mapping[key.strip() if key.strip() else key] = code.strip()
    return mapping


@router.post("/keymaps")
def save_keymap(
    ctx: Ctx,
    me: Counter,
    name: Annotated[str, Form(max_length=64)],
    mapping: Annotated[str, Form(max_length=4000)],
) -> Response:
    """Save one keymap (lines ``KEY=CODE``)."""
    with ctx.uow() as uow:
        counting.save_keymap(uow, ctx.stores, me.user.id, name, _parse_mapping(mapping))
    return redirect("/counter/keymaps")


@router.post("/keymaps/delete")
def delete_keymap(ctx: Ctx, me: Counter, name: Annotated[str, Form(max_length=64)]) -> Response:
    """Remove one of one's keymaps."""
    with ctx.uow() as uow:
        counting.delete_keymap(uow, ctx.stores, me.user.id, name)
    return redirect("/counter/keymaps")
