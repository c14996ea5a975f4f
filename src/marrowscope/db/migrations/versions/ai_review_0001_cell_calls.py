"""AI-proposed cell calls and the decisions on them (branch "ai_review").

Revision ID: ai_review_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "ai_review_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("ai_review",)
# exam_case comes from pathway_0001. slide_count_id names a row of slide_counts (branch
# "auth") without a foreign key: depending on auth_0001 would hide that branch's head
# from alembic_version; the service only ever writes the id of a count it just created.
depends_on: str | Sequence[str] | None = "pathway_0001"


def upgrade() -> None:
    op.create_table(
        "ai_cell_calls",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("exam_case.id"), nullable=False),
        sa.Column("slide_label", sa.String(40), nullable=False),
        sa.Column("image_name", sa.String(200), nullable=False),
        sa.Column("image_sha256", sa.String(64), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary, nullable=False),
        sa.Column("model_code", sa.String(8), nullable=False),
        sa.Column("model_confidence", sa.Float, nullable=False),
        sa.Column("model_top3_json", sa.Text, nullable=False),
        sa.Column("model_review", sa.Boolean, nullable=False),
        sa.Column("model_reason", sa.Text, nullable=False),
        sa.Column("model_name", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(80), nullable=False),
        sa.Column("proposed_by", sa.String(64), nullable=False),
        sa.Column("proposed_at", UtcDateTime, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("final_code", sa.String(8), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", UtcDateTime, nullable=True),
        sa.Column("slide_count_id", sa.Integer, nullable=True),
    )
    op.create_index("ix_ai_cell_calls_case_id", "ai_cell_calls", ["case_id"])
    op.create_index("ix_ai_cell_calls_slide_count_id", "ai_cell_calls", ["slide_count_id"])


def downgrade() -> None:
    op.drop_index("ix_ai_cell_calls_slide_count_id", table_name="ai_cell_calls")
    op.drop_index("ix_ai_cell_calls_case_id", table_name="ai_cell_calls")
    op.drop_table("ai_cell_calls")
