"""reporting: the signer's full name and role are stored with each signed report version

A report prints who signed it by name and role, as it stood at signing; the username
alone is a login, not a signature. Rows signed before this revision keep NULL and show
the username.

Revision ID: reporting_0001
Revises: reports_0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reporting_0001"
down_revision: str | Sequence[str] | None = "reports_0002"
branch_labels: str | Sequence[str] | None = ("reporting",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("report_version", sa.Column("signer_name", sa.String(128), nullable=True))
    op.add_column("report_version", sa.Column("signer_role", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("report_version") as batch:
        batch.drop_column("signer_role")
        batch.drop_column("signer_name")
