"""quality: the critical-value call log on the case

Who telephoned a case's critical blood count values, to whom, when, and whether the
recipient read them back; a report with a critical value is released only after such a
call (``domain.reporting.critical_calls``).

``depends_on`` names the newest revisions of the tables the quality dashboard reads
beside this one (cases and laboratory tests: pathway_0005; reports and releases:
reporting_0003; cell calls: ai_review_0002).

Revision ID: quality_0001
Revises:
Create Date: 2026-12-10
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "quality_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("quality",)
depends_on: str | Sequence[str] | None = ("pathway_0005", "reporting_0003", "ai_review_0002")


def upgrade() -> None:
    op.create_table(
        "critical_call",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("exam_case.id"), nullable=False),
        sa.Column("called_at", UtcDateTime, nullable=False),
        sa.Column("caller", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("read_back", sa.Boolean, nullable=False),
        sa.Column("critical_values", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_critical_call_case_id", "critical_call", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_critical_call_case_id", table_name="critical_call")
    op.drop_table("critical_call")
