"""Care-team alerts for escalated check-ins, with a backfill (branch "alerts").

Before this revision an urgent or same-day check-in was stored but reached no one.
The backfill raises an alert for every current check-in record already stored at
one of those levels, so that nothing reported before the upgrade stays invisible. Each
backfilled alert is audited like one raised live: in the reporter's name (taken from the
check-in's own audit entry), with ``backfilled: true`` among the changes.

``depends_on`` names pathway_0002 beside pathway_0001: the table refers to
``clinical_record`` (created there) and the backfill reads it.

Revision ID: alerts_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import JsonDocument, UtcDateTime
from marrowscope.db.migrations.audit_rows import append_audit_row

revision: str = "alerts_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("alerts",)
depends_on: str | Sequence[str] | None = ("pathway_0001", "pathway_0002")

_ALERTING = ("urgent", "same_day")


def upgrade() -> None:
    op.create_table(
        "care_alert",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("exam_case.id"), nullable=False),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patient.id"), nullable=False),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("clinical_record.id"), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("raised_at", UtcDateTime, nullable=False),
        sa.Column("raised_by", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", UtcDateTime, nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("acknowledgement_note", sa.Text, nullable=False),
        sa.UniqueConstraint("record_id", name="uq_care_alert_record_id"),
    )
    op.create_index("ix_care_alert_case_id", "care_alert", ["case_id"])
    op.create_index("ix_care_alert_open", "care_alert", ["acknowledged_at", "level"])
    _backfill()


def _reason(payload: dict[str, Any]) -> str:
    # Frozen here on purpose (not imported from the domain): a migration must write what
    # it wrote on the day it was released.
    parts = [str(r) for r in payload.get("escalation", {}).get("reasons", [])]
    temperature = payload.get("check_in", {}).get("temperature_c")
    if temperature is not None:
        parts.append(f"measured temperature {float(temperature):g} °C")
    return "; ".join(parts) if parts else "no symptom named"


def _backfill() -> None:
    bind = op.get_bind()
    record = sa.table(
        "clinical_record",
        sa.column("id", sa.Integer),
        sa.column("case_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("payload", JsonDocument),
        sa.column("recorded_at", UtcDateTime),
        sa.column("recorded_by", sa.String),
        sa.column("superseded_at", UtcDateTime),
    )
    case = sa.table("exam_case", sa.column("id", sa.Integer), sa.column("patient_id", sa.Integer))
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", UtcDateTime),
        sa.column("actor_username", sa.String),
        sa.column("actor_role", sa.String),
        sa.column("entity", sa.String),
        sa.column("entity_id", sa.String),
        sa.column("action", sa.String),
        sa.column("changes", JsonDocument),
        sa.column("case_id", sa.Integer),
    )
    alert = sa.table(
        "care_alert",
        sa.column("id", sa.Integer),
        sa.column("case_id", sa.Integer),
        sa.column("patient_id", sa.Integer),
        sa.column("record_id", sa.Integer),
        sa.column("level", sa.String),
        sa.column("reason", sa.Text),
        sa.column("source", sa.String),
        sa.column("raised_at", UtcDateTime),
        sa.column("raised_by", sa.String),
        sa.column("acknowledgement_note", sa.Text),
    )
    rows = bind.execute(
        sa.select(record, case.c.patient_id)
        .join(case, case.c.id == record.c.case_id)
        .where(record.c.kind == "check_in", record.c.superseded_at.is_(None))
        .order_by(record.c.id)
    ).all()
    now = datetime.now(UTC)
    for row in rows:
        payload = row.payload or {}
        level = payload.get("escalation", {}).get("level")
        if level not in _ALERTING:
            continue
        author = bind.execute(
            sa.select(audit.c.actor_username, audit.c.actor_role)
            .where(audit.c.entity == "check_in", audit.c.entity_id == str(row.id))
            .order_by(audit.c.id)
            .limit(1)
        ).one_or_none()
        username = author.actor_username if author else row.recorded_by
        role = author.actor_role if author else "nurse"
        source = "patient_check_in" if role == "patient" else "staff_call"
        values = {
            "case_id": row.case_id,
            "patient_id": row.patient_id,
            "record_id": row.id,
            "level": level,
            "reason": _reason(payload),
            "source": source,
            "raised_at": row.recorded_at,
            "raised_by": username,
        }
        alert_id = bind.execute(
            sa.insert(alert).values(**values, acknowledgement_note="").returning(alert.c.id)
        ).scalar_one()
        changes = {k: {"old": None, "new": v} for k, v in values.items() if k != "raised_at"}
        changes["raised_at"] = {"old": None, "new": row.recorded_at.isoformat()}
        changes["backfilled"] = {"old": None, "new": True}
        append_audit_row(
            bind,
            {
                "at": now,
                "actor_username": username,
                "actor_role": role,
                "entity": "alert",
                "entity_id": str(alert_id),
                "action": "create",
                "changes": changes,
                "case_id": row.case_id,
            },
        )


def downgrade() -> None:
    op.drop_index("ix_care_alert_open", table_name="care_alert")
    op.drop_index("ix_care_alert_case_id", table_name="care_alert")
    op.drop_table("care_alert")
