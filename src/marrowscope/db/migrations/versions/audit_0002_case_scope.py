"""audit: who sees which case; the ward of each case, the units of each account, and
break-glass grants

Existing cases get the ward ``MARROWSCOPE_DEFAULT_WARD`` of the settings this migration
runs under (default "HAEM"): nothing recorded says which ward ordered them. Existing
accounts get no unit: until an admin gives them theirs (``marrowscope users units``),
staff open cases only by break-glass. docs/access.md says how to roll this out.

Revision ID: audit_0002
Revises: audit_0001
Create Date: 2026-12-12
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "audit_0002"
down_revision: str | Sequence[str] | None = "audit_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "auth_0001"


def upgrade() -> None:
    from marrowscope.config import get_settings
    from marrowscope.domain.cases.access import clean_unit

    op.add_column("exam_case", sa.Column("ward", sa.String(40), nullable=False, server_default=""))
    op.create_index("ix_exam_case_ward", "exam_case", ["ward"])
    ward = clean_unit(get_settings().default_ward)
    op.execute(sa.text("UPDATE exam_case SET ward = :ward").bindparams(ward=ward))
    op.create_table(
        "user_unit",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("unit", sa.String(40), primary_key=True),
    )
    op.create_table(
        "break_glass_grant",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("exam_case.id"), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("granted_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_break_glass_grant_user_expiry", "break_glass_grant", ["username", "expires_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_break_glass_grant_user_expiry", table_name="break_glass_grant")
    op.drop_table("break_glass_grant")
    op.drop_table("user_unit")
    op.drop_index("ix_exam_case_ward", table_name="exam_case")
    with op.batch_alter_table("exam_case") as batch:
        batch.drop_column("ward")
