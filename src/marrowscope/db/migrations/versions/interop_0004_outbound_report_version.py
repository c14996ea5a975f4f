"""interop: the signed report version an outbound result carries, once per destination

A signed report is queued for the EHR without anyone running a command for it: the
outbox finds every newest signed version whose message is not yet in the log for the
destination. The log must therefore say which version a message carries, and a unique
index keeps two senders running at once from queueing the same version twice.

Messages queued before this revision are matched to the newest version signed before
they were queued, once per destination and version (the first such message), so the
outbox does not send those reports again.

Revision ID: interop_0004
Revises: interop_0003
Create Date: 2026-12-20
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "interop_0004"
down_revision: str | Sequence[str] | None = "interop_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("reports_0001",)

_exchange = sa.table(
    "interop_exchange",
    sa.column("id", sa.Integer),
    sa.column("direction", sa.String),
    sa.column("peer", sa.String),
    sa.column("case_id", sa.Integer),
    sa.column("received_at", UtcDateTime),
    sa.column("report_version", sa.Integer),
)
_versions = sa.table(
    "report_version",
    sa.column("case_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("status", sa.String),
    sa.column("signed_at", UtcDateTime),
)


def _backfill() -> None:
    bind = op.get_bind()
    signed: dict[int, list[tuple[datetime, int]]] = {}
    for case_id, version, signed_at in bind.execute(
        sa.select(_versions.c.case_id, _versions.c.version, _versions.c.signed_at).where(
            _versions.c.status == "signed", _versions.c.signed_at.is_not(None)
        )
    ):
        signed.setdefault(case_id, []).append((signed_at, version))
    seen: set[tuple[str, int, int]] = set()
    rows = bind.execute(
        sa.select(_exchange.c.id, _exchange.c.peer, _exchange.c.case_id, _exchange.c.received_at)
        .where(_exchange.c.direction == "out", _exchange.c.case_id.is_not(None))
        .order_by(_exchange.c.id)
    )
    for row_id, peer, case_id, queued_at in list(rows):
        before = [v for at, v in signed.get(case_id, []) if at <= queued_at]
        key = (peer, case_id, max(before, default=0))
        if not before or key in seen:
            continue
        seen.add(key)
        bind.execute(
            sa.update(_exchange).where(_exchange.c.id == row_id).values(report_version=key[2])
        )


def upgrade() -> None:
    op.add_column("interop_exchange", sa.Column("report_version", sa.Integer, nullable=True))
    _backfill()
    op.create_index(
        "uq_interop_exchange_report",
        "interop_exchange",
        ["peer", "case_id", "report_version"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_interop_exchange_report", table_name="interop_exchange")
    with op.batch_alter_table("interop_exchange") as batch:
        batch.drop_column("report_version")
