"""Two-step sign-in (TOTP secrets, hashed recovery codes) and where a session signed in
from (branch "security").

A person lists and ends their own sessions, so a session row keeps the address and the
browser it began from; the TOTP secret keeps the last time step it accepted, so that a
code is taken once (RFC 6238 section 5.2).

Revision ID: security_0003
Revises: security_0002
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "security_0003"
down_revision: str | Sequence[str] | None = "security_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("client", sa.String(64), nullable=True))
        batch.add_column(sa.Column("agent", sa.String(200), nullable=True))
    op.create_table(
        "mfa_secrets",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("confirmed_at", UtcDateTime, nullable=True),
        sa.Column("last_step", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "mfa_recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("code_hash", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_mfa_recovery_codes_user_id", "mfa_recovery_codes", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_mfa_recovery_codes_user_id", table_name="mfa_recovery_codes")
    op.drop_table("mfa_recovery_codes")
    op.drop_table("mfa_secrets")
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("agent")
        batch.drop_column("client")
