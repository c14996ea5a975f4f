"""The quality dashboard: one page of tables and charts, a CSV of every table, and the
same figures as JSON under ``/api/quality``. Lab managers and pathologists only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from marrowscope.domain.errors import NotFound
from marrowscope.domain.quality import ALL_MONTHS, Stage
from marrowscope.domain.roles import Role
from marrowscope.reports.charts import monthly_rates_png, turnaround_png
from marrowscope.services import quality
from marrowscope.web.deps import Ctx, SignedIn, require
from marrowscope.web.pages import render
from marrowscope.web.quality.tables import TABLES, as_csv, tables_of, test_words

__all__ = ["router"]

router = APIRouter(tags=["quality"])

Reader = Annotated[SignedIn, Depends(require(Role.LAB_MANAGER, Role.PATHOLOGIST))]
_CHARTS = ("turnaround", "amendments")


def _board(ctx: Ctx, me: SignedIn) -> quality.Dashboard:
    with ctx.uow() as uow:
        return quality.quality_dashboard(uow, me.actor)


def _table(name: str) -> str:
    if name not in TABLES:
        raise NotFound(f"no quality table {name!r} (tables: {', '.join(TABLES)})")
    return name


@router.get("/quality")
def dashboard_page(request: Request, ctx: Ctx, me: Reader) -> Response:
    """Every table, with the charts above the tables they draw."""
    board = _board(ctx, me)
    return render(
        request, "quality_dashboard.html", me, board=board, tables=tables_of(board),
        test_words=test_words, ALL=ALL_MONTHS, charts=_CHARTS,
    )  # fmt: skip


@router.get("/quality/export/{name}.csv")
def export_csv(ctx: Ctx, me: Reader, name: str) -> Response:
    """One table as CSV (the same rows as the page and the JSON)."""
    rows = tables_of(_board(ctx, me))[_table(name)]
    return Response(
        as_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="quality-{name}.csv"'},
    )


@router.get("/quality/charts/{name}.png")
def chart(ctx: Ctx, me: Reader, name: str) -> Response:
    """Turnaround per test (all months) or amendment and addendum rates per month."""
    board = _board(ctx, me)
    if name == "turnaround":
        rows = [
            (test_words(r.test_type), r.median_days, r.p90_days, r.target_days)
            for r in board.turnaround
            if r.month == ALL_MONTHS
            and r.stage in (Stage.RECEIVED_TO_VERIFIED, Stage.RECEIVED_TO_SIGNED)
        ]
        png = turnaround_png(rows)
    elif name == "amendments":
        months = [r for r in board.amendments if r.month != ALL_MONTHS]
        png = monthly_rates_png(
            [r.month for r in months],
            {
                "amendments per report": [r.amendment_rate for r in months],
                "addenda per report": [r.addendum_rate for r in months],
            },
        )
    else:
        raise NotFound(f"no quality chart {name!r} (charts: {', '.join(_CHARTS)})")
    return Response(png, media_type="image/png")


@router.get("/api/quality")
def all_tables(ctx: Ctx, me: Reader) -> dict[str, Any]:
    """Every table of the dashboard, with when it was computed and the percentile method."""
    board = _board(ctx, me)
    return {
        "generated_at": board.generated_at.isoformat(),
        "percentile_method": board.percentile_method,
        **tables_of(board),
    }


@router.get("/api/quality/{name}")
def one_table(ctx: Ctx, me: Reader, name: str) -> list[dict[str, Any]]:
    """One table of the dashboard (the same rows as its CSV)."""
    return tables_of(_board(ctx, me))[_table(name)]
