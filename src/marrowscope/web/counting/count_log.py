"""``GET /api/export/counts``: the de-identified count log as JSON (admin, lab scientist).

The same rows as ``marrowscope export counts --deidentified``: a keyed pseudonym per
case, age band, sex, year-month, counts per cell code, total, M:E and blast %.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from marrowscope.bootstrap import build_count_log_source
from marrowscope.services import counting
from marrowscope.web.deps import Ctx, SignedIn, require

__all__ = ["router"]

router = APIRouter(prefix="/api/export", tags=["api"])

Exporter = Annotated[SignedIn, Depends(require(*counting.EXPORT_ROLES))]


@router.get("/counts")
def export_counts(ctx: Ctx, me: Exporter) -> Response:
    """Every saved differential, de-identified (columns fixed, in taxonomy order)."""
    with ctx.uow() as uow:
        rows = counting.count_log(uow, build_count_log_source(), me.actor, ctx.settings.secret_key)
    return JSONResponse(
        {
            "deidentified": True,
            "columns": counting.count_log_columns(),
            "rows": [counting.row_as_dict(r) for r in rows],
        }
    )
