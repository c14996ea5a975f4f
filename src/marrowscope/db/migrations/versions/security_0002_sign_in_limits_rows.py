"""Sign-in limits as one row per key, and notices to account holders (branch "security").

Failures were rows added after the password check, in a transaction apart from the
limit check, so twenty guesses sent at once all passed the check (and a right password
among them got in). One row per key, locked while an attempt is checked and counted,
makes the two one step; the row also holds the exponential backoff's pause. The old
failures are not carried over: at worst a guesser mid-run gets a fresh allowance once.
``account_notices`` tells an account holder at their next sign-in that their account
was paused.

Revision ID: security_0002
Revises: security_0001
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "security_0002"
down_revision: str | Sequence[str] | None = "security_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_sign_in_failures_key_failed_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.create_table(
        "sign_in_limits",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("since", UtcDateTime, nullable=True),
        sa.Column("blocked_until", UtcDateTime, nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_sign_in_limits_updated_at", "sign_in_limits", ["updated_at"])
    op.create_table(
        "account_notices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("seen_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_account_notices_user_id", "account_notices", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_account_notices_user_id", table_name="account_notices")
    op.drop_table("account_notices")
    op.drop_index("ix_sign_in_limits_updated_at", table_name="sign_in_limits")
    op.drop_table("sign_in_limits")
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("failed_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_sign_in_failures_key_failed_at", "sign_in_failures", ["key", "failed_at"])
