"""pathway: clinical records (versioned), specimens, lab tests, test events, results

Revision ID: pathway_0002
Revises: pathway_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import JsonDocument, UtcDateTime

revision: str = "pathway_0002"
down_revision: str | Sequence[str] | None = "pathway_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clinical_record",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("payload", JsonDocument, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("supersedes_id", sa.Integer, nullable=True),
        sa.Column("superseded_at", UtcDateTime, nullable=True),
        sa.Column("correction_reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_clinical_record"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["exam_case.id"], name="fk_clinical_record_case_id_exam_case"
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["clinical_record.id"],
            name="fk_clinical_record_supersedes_id_clinical_record",
        ),
    )
    op.create_index("ix_clinical_record_case_kind", "clinical_record", ["case_id", "kind"])
    op.create_table(
        "specimen",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, nullable=False),
        sa.Column("accession", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("collected_at", UtcDateTime, nullable=False),
        sa.Column("collected_by", sa.String(64), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=True),
        sa.Column("notes", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_specimen"),
        sa.UniqueConstraint("accession", name="uq_specimen_accession"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["exam_case.id"], name="fk_specimen_case_id_exam_case"
        ),
    )
    op.create_index("ix_specimen_case_id", "specimen", ["case_id"])
    op.create_table(
        "lab_test",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("specimen_id", sa.Integer, nullable=False),
        sa.Column("test_type", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("ordered_at", UtcDateTime, nullable=False),
        sa.Column("ordered_by", sa.String(64), nullable=False),
        sa.Column("received_at", UtcDateTime, nullable=True),
        sa.Column("state_reason", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lab_test"),
        sa.ForeignKeyConstraint(
            ["specimen_id"], ["specimen.id"], name="fk_lab_test_specimen_id_specimen"
        ),
    )
    op.create_index("ix_lab_test_specimen_id", "lab_test", ["specimen_id"])
    op.create_index("ix_lab_test_state", "lab_test", ["state"])
    op.create_table(
        "lab_test_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lab_test_id", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lab_test_event"),
        sa.ForeignKeyConstraint(
            ["lab_test_id"], ["lab_test.id"], name="fk_lab_test_event_lab_test_id_lab_test"
        ),
    )
    op.create_index("ix_lab_test_event_lab_test_id", "lab_test_event", ["lab_test_id"])
    op.create_table(
        "lab_result",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lab_test_id", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("payload", JsonDocument, nullable=False),
        sa.Column("resulted_at", UtcDateTime, nullable=False),
        sa.Column("resulted_by", sa.String(64), nullable=False),
        sa.Column("verified_at", UtcDateTime, nullable=True),
        sa.Column("verified_by", sa.String(64), nullable=True),
        sa.Column("superseded_at", UtcDateTime, nullable=True),
        sa.Column("correction_reason", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lab_result"),
        sa.ForeignKeyConstraint(
            ["lab_test_id"], ["lab_test.id"], name="fk_lab_result_lab_test_id_lab_test"
        ),
    )
    op.create_index("ix_lab_result_lab_test_id", "lab_result", ["lab_test_id"])


def downgrade() -> None:
    for table in ("lab_result", "lab_test_event", "lab_test", "specimen", "clinical_record"):
        op.drop_table(table)
