"""interop: every message in and out, raw, with its status, answer and times

An interface analyst needs the message exactly as it arrived, refused ones included,
to correct and replay it; and the outbound results with the ACK each one got. Kept
apart from ``interop_message`` (the index of filed messages that finds repeats).

Revision ID: interop_0003
Revises: interop_0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "interop_0003"
down_revision: str | Sequence[str] | None = "interop_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interop_exchange",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("transport", sa.String(16), nullable=False),
        sa.Column("peer", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("control_id", sa.String(200), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("exam_case.id"), nullable=True),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.Column("processed_at", UtcDateTime, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column(
            "corrected_from", sa.Integer, sa.ForeignKey("interop_exchange.id"), nullable=True
        ),
    )
    op.create_index("ix_interop_exchange_status", "interop_exchange", ["status", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_interop_exchange_status", table_name="interop_exchange")
    op.drop_table("interop_exchange")
