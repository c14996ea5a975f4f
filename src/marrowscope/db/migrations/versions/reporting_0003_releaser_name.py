"""reporting: the releaser's full name and role are stored with each release

A page says "version 2 released by Dr Clara Chen, clinician", as the releaser stood at
release; the login alone names an account, not a person. Releases recorded before this
revision keep NULL and show the login.

Revision ID: reporting_0003
Revises: reporting_0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reporting_0003"
down_revision: str | Sequence[str] | None = "reporting_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("released_by_name", "released_by_role")


def upgrade() -> None:
    op.add_column("report_release", sa.Column("released_by_name", sa.String(128), nullable=True))
    op.add_column("report_release", sa.Column("released_by_role", sa.String(32), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite >= 3.35, PostgreSQL): batch mode would copy the table
    # and lose the append-only triggers of reports_0002 on report_release.
    for column in reversed(_COLUMNS):
        op.execute(f"ALTER TABLE report_release DROP COLUMN {column}")
