"""Cells found in field images: where each came from, and its neighbourhood (branch "ai_review").

Revision ID: ai_review_0002
Revises: ai_review_0001
Create Date: 2026-11-29

All columns are nullable: cells uploaded as single-cell crops have no field, and calls
made before the model said whether a cell looked unfamiliar have no such flag.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ai_review_0002"
down_revision: str | Sequence[str] | None = "ai_review_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("field_name", sa.String(200)),
    ("field_sha256", sa.String(64)),
    ("box_json", sa.Text),
    ("detector_name", sa.String(64)),
    ("detector_version", sa.String(80)),
    ("detector_score", sa.Float),
    ("context_jpeg", sa.LargeBinary),
    ("model_unfamiliar", sa.Boolean),
)


def upgrade() -> None:
    with op.batch_alter_table("ai_cell_calls") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_index("ix_ai_cell_calls_field_sha256", "ai_cell_calls", ["field_sha256"])


def downgrade() -> None:
    op.drop_index("ix_ai_cell_calls_field_sha256", table_name="ai_cell_calls")
    with op.batch_alter_table("ai_cell_calls") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
