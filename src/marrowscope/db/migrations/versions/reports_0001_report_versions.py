"""Report versions and releases (branch "reports").

Revision ID: reports_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "reports_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("reports",)
depends_on: str | Sequence[str] | None = "pathway_0001"


def upgrade() -> None:
    op.create_table(
        "report_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("exam_case.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fields_json", sa.Text, nullable=False),
        sa.Column("counts_json", sa.Text, nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("signed_by", sa.String(64), nullable=True),
        sa.Column("signed_at", UtcDateTime, nullable=True),
        sa.Column("canonical_json", sa.LargeBinary, nullable=True),
        sa.Column("pdf", sa.LargeBinary, nullable=True),
        sa.UniqueConstraint("case_id", "version", name="uq_report_version_case_id"),
    )
    op.create_index("ix_report_version_case_id", "report_version", ["case_id"])
    op.create_table(
        "report_release",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("exam_case.id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("released_at", UtcDateTime, nullable=False),
        sa.Column("released_by", sa.String(64), nullable=False),
    )
    op.create_index("ix_report_release_case_id", "report_release", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_report_release_case_id", table_name="report_release")
    op.drop_table("report_release")
    op.drop_index("ix_report_version_case_id", table_name="report_version")
    op.drop_table("report_version")
