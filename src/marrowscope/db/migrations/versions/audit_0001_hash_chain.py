"""audit: the audit log becomes a keyed hash chain; deletes only by retention pruning

Adds each entry's position (``seq``), the hash of the entry before it and its own HMAC
(``domain.audit_chain``), the one-row chain head, and the pruning permit. Entries already
stored are chained in id order with the key of the settings this migration runs under
(``MARROWSCOPE_AUDIT_CHAIN_SECRET`` or ``MARROWSCOPE_SECRET_KEY``): run it with the
server's settings. The delete trigger of ``pathway_0004`` is replaced by one that lets
a delete through only while ``audit_prune_permit`` holds a row, which only
``marrowscope audit prune`` writes, inside its own transaction.

Revision ID: audit_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from marrowscope.db.base import JsonDocument, UtcDateTime

revision: str = "audit_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("audit",)
depends_on: str | Sequence[str] | None = "pathway_0005"

_REFUSAL = "audit_log: {event} is not allowed (the audit log is append-only)"


def _drop_triggers(dialect: str) -> None:
    for event in ("delete", "update"):
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS trg_audit_log_no_{event} ON audit_log")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS trg_audit_log_no_{event}")


def _backfill() -> None:
    """Chain the entries written before this migration, in id order."""
    from marrowscope.config import get_settings
    from marrowscope.domain.audit_chain import (
        ChainAnchor,
        ChainLink,
        chain_key,
        entry_hash,
        head_mac,
    )

    log = sa.table(
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
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("entry_hash", sa.String),
    )
    bind = op.get_bind()
    rows = list(bind.execute(sa.select(log).order_by(log.c.id)))
    if not rows:
        return
    settings = get_settings()  # the same choice as ``bootstrap.audit_chain_key``
    key = chain_key(settings.audit_chain_secret or settings.secret_key)
    prev = ChainAnchor().last_hash
    for seq, row in enumerate(rows, start=1):
        link = ChainLink(
            seq, row.at, row.actor_username, row.actor_role, row.entity, row.entity_id,
            row.action, row.changes or {}, row.case_id, prev,
        )  # fmt: skip
        digest = entry_hash(key, link)
        bind.execute(
            sa.update(log)
            .where(log.c.id == row.id)
            .values(seq=seq, prev_hash=prev, entry_hash=digest)
        )
        prev = digest
    anchor = ChainAnchor(last_seq=len(rows), last_hash=prev)
    head = sa.table(
        "audit_chain_head",
        *(sa.column(n) for n in ("id", "pruned_seq", "pruned_hash", "last_seq", "last_hash")),
        sa.column("mac"),
    )
    bind.execute(
        sa.insert(head).values(
            id=1,
            pruned_seq=0,
            pruned_hash=anchor.pruned_hash,
            last_seq=anchor.last_seq,
            last_hash=anchor.last_hash,
            mac=head_mac(key, anchor),
        )
    )


def _guard(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION marrowscope_audit_delete_guard() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "IF NOT EXISTS (SELECT 1 FROM audit_prune_permit) THEN RAISE EXCEPTION "
            f"'{_REFUSAL.format(event='delete')} outside retention pruning' "
            "USING ERRCODE = 'integrity_constraint_violation'; END IF; RETURN OLD; END $$"
        )
        op.execute(
            "CREATE TRIGGER trg_audit_log_no_delete BEFORE DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION marrowscope_audit_delete_guard()"
        )
        op.execute(
            "CREATE TRIGGER trg_audit_log_no_update BEFORE UPDATE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION marrowscope_refuse_change()"
        )
        return
    op.execute(
        "CREATE TRIGGER trg_audit_log_no_delete BEFORE DELETE ON audit_log "
        "WHEN NOT EXISTS (SELECT 1 FROM audit_prune_permit) BEGIN SELECT RAISE(ABORT, "
        f"'{_REFUSAL.format(event='delete')} outside retention pruning'); END"
    )
    op.execute(
        "CREATE TRIGGER trg_audit_log_no_update BEFORE UPDATE ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL.format(event='update')}'); END"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("pruned_seq", sa.Integer, nullable=False),
        sa.Column("pruned_hash", sa.String(64), nullable=False),
        sa.Column("last_seq", sa.Integer, nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
    )
    op.create_table("audit_prune_permit", sa.Column("id", sa.Integer, primary_key=True))
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.Integer, nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("entry_hash", sa.String(64), nullable=True))
    _backfill()
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("seq", existing_type=sa.Integer, nullable=False)
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("entry_hash", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_audit_log_seq", ["seq"])
    _guard(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_triggers(dialect)
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS marrowscope_audit_delete_guard()")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_seq", type_="unique")
        batch.drop_column("entry_hash")
        batch.drop_column("prev_hash")
        batch.drop_column("seq")
    op.drop_table("audit_prune_permit")
    op.drop_table("audit_chain_head")
    for event in ("delete", "update"):
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER trg_audit_log_no_{event} BEFORE {event.upper()} ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION marrowscope_refuse_change()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER trg_audit_log_no_{event} BEFORE {event.upper()} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL.format(event=event)}'); END"
            )
