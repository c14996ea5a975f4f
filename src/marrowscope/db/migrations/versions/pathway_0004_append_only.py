"""pathway: the database itself refuses to delete clinical rows or rewrite history

Triggers (SQLite and PostgreSQL) make ``audit_log`` and ``lab_test_event`` append-only,
forbid DELETE on every clinical table, and forbid changing the content of a stored
record version or result version (only ``superseded_at`` / verification may be set).
The services never try; the triggers stop a hand-written SQL statement or a future bug.

Revision ID: pathway_0004
Revises: pathway_0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "pathway_0004"
down_revision: str | Sequence[str] | None = "pathway_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_DELETE = (
    "patient",
    "exam_case",
    "audit_log",
    "clinical_record",
    "specimen",
    "lab_test",
    "lab_test_event",
    "lab_result",
)
NO_UPDATE = ("audit_log", "lab_test_event")
FROZEN_COLUMNS = {
    "clinical_record": ("case_id", "kind", "version", "payload", "recorded_at", "recorded_by"),
    "lab_result": ("lab_test_id", "version", "payload", "resulted_at", "resulted_by"),
}


def _sqlite(table: str, event: str, columns: Sequence[str] = ()) -> None:
    of = f" OF {', '.join(columns)}" if columns else ""
    name = f"trg_{table}_no_{event.lower()}"
    op.execute(
        f"CREATE TRIGGER {name} BEFORE {event}{of} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {event.lower()} is not allowed "
        "(clinical records are superseded, never changed or deleted)'); END"
    )


def _postgres(table: str, event: str, columns: Sequence[str] = ()) -> None:
    of = f" OF {', '.join(columns)}" if columns else ""
    name = f"trg_{table}_no_{event.lower()}"
    op.execute(
        f"CREATE TRIGGER {name} BEFORE {event}{of} ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION marrowscope_refuse_change()"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION marrowscope_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
            "'%: % is not allowed (clinical records are superseded, never changed or deleted)', "
            "TG_TABLE_NAME, lower(TG_OP) USING ERRCODE = 'integrity_constraint_violation'; "
            "END $$"
        )
    make = _postgres if dialect == "postgresql" else _sqlite
    for table in NO_DELETE:
        make(table, "DELETE")
    for table in NO_UPDATE:
        make(table, "UPDATE")
    for table, columns in FROZEN_COLUMNS.items():
        make(table, "UPDATE", columns)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    names = [(t, "delete") for t in NO_DELETE] + [(t, "update") for t in NO_UPDATE]
    names += [(t, "update") for t in FROZEN_COLUMNS]
    for table, event in names:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_{event} ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS trg_{table}_no_{event}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS marrowscope_refuse_change()")
