"""Incoming HL7 messages that were filed (branch "interop").

Revision ID: interop_0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "interop_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("interop",)
depends_on: str | Sequence[str] | None = "pathway_0001"


def upgrade() -> None:
    op.create_table(
        "interop_message",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("control_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("order_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("exam_case.id"), nullable=False),
        sa.Column("record_id", sa.Integer, nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("sender", "control_id", name="uq_interop_message_sender"),
    )
    op.create_index("ix_interop_message_order", "interop_message", ["sender", "order_id"])


def downgrade() -> None:
    op.drop_index("ix_interop_message_order", table_name="interop_message")
    op.drop_table("interop_message")
