"""pathway: an optional telephone number on the patient

An escalated check-in must reach someone who can ring the patient back; the number
is copied into the alert (alerts_0002). Existing patients get '' (no number known).

Revision ID: pathway_0005
Revises: pathway_0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pathway_0005"
down_revision: str | Sequence[str] | None = "pathway_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("patient", sa.Column("phone", sa.String(32), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("phone")
