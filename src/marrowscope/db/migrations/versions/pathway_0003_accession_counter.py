"""pathway: accession number counter (one row per prefix, incremented under a row lock)

Revision ID: pathway_0003
Revises: pathway_0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pathway_0003"
down_revision: str | Sequence[str] | None = "pathway_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "accession_counter",
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("last_serial", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("prefix", name="pk_accession_counter"),
    )


def downgrade() -> None:
    op.drop_table("accession_counter")
