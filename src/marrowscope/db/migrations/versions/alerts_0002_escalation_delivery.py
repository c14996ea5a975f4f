"""alerts: escalation of unacknowledged urgent alerts, and the notification delivery log

``care_alert`` gains the patient's telephone number and own notes (copied when the
alert is raised, so the person ringing back has both on one screen), and when and to
whom an alert was escalated. ``alert_delivery`` is the outbox of notifications: one
row per alert, event and channel, with its attempts, last error and next retry, so a
channel that is down leaves the delivery pending instead of losing it.

``depends_on`` pathway_0005: the patient's number is read from ``patient.phone``.

Revision ID: alerts_0002
Revises: alerts_0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import UtcDateTime

revision: str = "alerts_0002"
down_revision: str | Sequence[str] | None = "alerts_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("pathway_0005",)


def upgrade() -> None:
    op.add_column(
        "care_alert",
        sa.Column("patient_phone", sa.String(32), nullable=False, server_default=""),
    )
    op.add_column(
        "care_alert", sa.Column("patient_notes", sa.Text, nullable=False, server_default="")
    )
    op.add_column("care_alert", sa.Column("escalated_at", UtcDateTime, nullable=True))
    op.add_column(
        "care_alert", sa.Column("escalated_to", sa.String(64), nullable=False, server_default="")
    )
    op.create_table(
        "alert_delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("care_alert.id"), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("next_attempt_at", UtcDateTime, nullable=True),
        sa.Column("sent_at", UtcDateTime, nullable=True),
        sa.UniqueConstraint("alert_id", "event", "channel", name="uq_alert_delivery_once"),
    )
    op.create_index("ix_alert_delivery_due", "alert_delivery", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_delivery_due", table_name="alert_delivery")
    op.drop_table("alert_delivery")
    with op.batch_alter_table("care_alert") as batch:
        for column in ("escalated_to", "escalated_at", "patient_notes", "patient_phone"):
            batch.drop_column(column)
