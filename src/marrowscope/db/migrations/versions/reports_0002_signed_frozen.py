"""reports: the database refuses to change a signed report version or delete any version

Triggers (SQLite and PostgreSQL): no DELETE on ``report_version`` or ``report_release``;
no UPDATE of a ``report_version`` row whose status is already 'signed' (a draft row is
updated until it is signed); no UPDATE of ``report_release``. The store never tries; the
triggers stop hand-written SQL or a future bug from rewriting a signed original.

Revision ID: reports_0002
Revises: reports_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "reports_0002"
down_revision: str | Sequence[str] | None = "reports_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MESSAGE = "signed reports are amended by a new version, never changed or deleted"
# (trigger name, table, event, SQL condition on OLD or "")
_TRIGGERS = (
    ("trg_report_version_no_delete", "report_version", "DELETE", ""),
    ("trg_report_version_signed_frozen", "report_version", "UPDATE", "OLD.status = 'signed'"),
    ("trg_report_release_no_delete", "report_release", "DELETE", ""),
    ("trg_report_release_no_update", "report_release", "UPDATE", ""),
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION reports_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION "
            f"'%: % is not allowed ({_MESSAGE})', TG_TABLE_NAME, lower(TG_OP) "
            "USING ERRCODE = 'integrity_constraint_violation'; END $$"
        )
    for name, table, event, condition in _TRIGGERS:
        if dialect == "postgresql":
            when = f" WHEN ({condition})" if condition else ""
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW{when} "
                "EXECUTE FUNCTION reports_refuse_change()"
            )
        else:
            when = f" WHEN {condition}" if condition else ""
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {event} ON {table}{when} "
                f"BEGIN SELECT RAISE(ABORT, '{table}: {event.lower()} is not allowed "
                f"({_MESSAGE})'); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _, _ in _TRIGGERS:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS reports_refuse_change()")
