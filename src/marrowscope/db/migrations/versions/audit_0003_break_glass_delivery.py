"""audit: the outbox of break-glass privacy alerts

Each grant is announced to the privacy officer through the configured channels
(e-mail, webhook); ``break_glass_delivery`` holds one row per grant and channel with
its attempts, last error and next retry, as ``alert_delivery`` does for care alerts,
so a channel that is down delays the alert but cannot lose it.

Revision ID: audit_0003
Revises: audit_0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "audit_0003"
down_revision: str | Sequence[str] | None = "audit_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "break_glass_delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("grant_id", sa.Integer, sa.ForeignKey("break_glass_grant.id"), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=True),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.UniqueConstraint("grant_id", "channel", name="uq_break_glass_delivery_once"),
    )
    op.create_index(
        "ix_break_glass_delivery_due", "break_glass_delivery", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_break_glass_delivery_due", table_name="break_glass_delivery")
    op.drop_table("break_glass_delivery")
