"""The audit log's chain head, its pruning permit, and the chained repository (branch "audit").

``audit_chain_head`` is one row: the position and hash of the last entry (and of the
last pruned one), under an HMAC. Every append locks that row (``SELECT ... FOR UPDATE``
on PostgreSQL; a SQLite writing unit already holds the database's single write lock), so
two writers can never both link to the same previous entry: the chain cannot fork. The
lock is held to the writer's commit, which queues the audited writes one behind another;
that is the price of a single order.

``audit_prune_permit`` is empty except inside ``marrowscope audit prune``'s transaction:
the delete trigger on ``audit_log`` refuses every delete while it is empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Integer, String, Table, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marrowscope.db.base import metadata
from marrowscope.db.core_tables import audit_log
from marrowscope.domain.audit import AuditAction, AuditEntry, FieldChange
from marrowscope.domain.audit_chain import (
    ChainAnchor,
    ChainLink,
    ChainReport,
    entry_hash,
    head_mac,
    pseudonym,
    verify_chain,
)
from marrowscope.domain.roles import Actor, Role

__all__ = ["SqlAuditRepository", "audit_chain_head", "audit_prune_permit"]

audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1
    Column("pruned_seq", Integer, nullable=False),
    Column("pruned_hash", String(64), nullable=False),
    Column("last_seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
    Column("mac", String(64), nullable=False),
)

audit_prune_permit = Table(
    "audit_prune_permit",
    metadata,
    Column("id", Integer, primary_key=True),
)


def _entry(row: Any) -> AuditEntry:
    changes = {
        name: FieldChange(value.get("old"), value.get("new"))
        for name, value in (row.changes or {}).items()
    }
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=Actor(row.actor_username, Role(row.actor_role)),
        entity=row.entity,
        entity_id=row.entity_id,
        action=AuditAction(row.action),
        changes=changes,
        case_id=row.case_id,
    )


def _link(row: Any) -> ChainLink:
    return ChainLink(
        seq=row.seq,
        at=row.at,
        actor_username=row.actor_username,
        actor_role=row.actor_role,
        entity=row.entity,
        entity_id=row.entity_id,
        action=row.action,
        changes=row.changes or {},
        case_id=row.case_id,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )


class SqlAuditRepository:
    """The append-only, hash-chained ``audit_log`` (no update; deletes only by pruning)."""

    def __init__(self, session: Session, key: bytes) -> None:
        self._session = session
        self._key = key

    # --- the head ---

    def _lock_head(self) -> ChainAnchor:
        # Create the head if missing (a no-op on a conflict), then read it under a row
        # lock: the first two writers ever still queue on the same row.
        genesis = {"id": 1, **_head_values(self._key, ChainAnchor())}
        dialect = self._session.get_bind().dialect.name
        if dialect in ("postgresql", "sqlite"):
            make = postgresql.insert if dialect == "postgresql" else sqlite.insert
            self._session.execute(make(audit_chain_head).on_conflict_do_nothing(), [genesis])
        query = select(audit_chain_head).where(audit_chain_head.c.id == 1).with_for_update()
        row = self._session.execute(query).one_or_none()
        if row is None:  # another database: a plain insert, the transaction keeps it
            self._session.execute(insert(audit_chain_head).values(**genesis))
            return ChainAnchor()
        return ChainAnchor(row.pruned_seq, row.pruned_hash, row.last_seq, row.last_hash)

    def _save_head(self, anchor: ChainAnchor) -> None:
        values = _head_values(self._key, anchor)
        self._session.execute(
            update(audit_chain_head).where(audit_chain_head.c.id == 1).values(**values)
        )

    def head(self) -> tuple[ChainAnchor, str]:
        """The recorded head and its MAC (an empty chain's own when none is stored)."""
        row = self._session.execute(select(audit_chain_head)).one_or_none()
        if row is None:
            return ChainAnchor(), head_mac(self._key, ChainAnchor())
        anchor = ChainAnchor(row.pruned_seq, row.pruned_hash, row.last_seq, row.last_hash)
        return anchor, row.mac

    # --- writing ---

    def add(self, entry: AuditEntry) -> AuditEntry:
        head = self._lock_head()
        changes = {k: {"old": c.old, "new": c.new} for k, c in entry.changes.items()}
        # hash exactly what the JSON column will give back when the chain is verified
        stored_changes = json.loads(json.dumps(changes))
        link = ChainLink(
            seq=head.last_seq + 1,
            at=entry.at,
            actor_username=entry.actor.username,
            actor_role=entry.actor.role.value,
            entity=entry.entity,
            entity_id=entry.entity_id,
            action=entry.action.value,
            changes=stored_changes,
            case_id=entry.case_id,
            prev_hash=head.last_hash,
        )
        digest = entry_hash(self._key, link)
        new_id = self._session.execute(
            insert(audit_log)
            .values(
                at=entry.at,
                actor_username=link.actor_username,
                actor_role=link.actor_role,
                entity=entry.entity,
                entity_id=entry.entity_id,
                action=link.action,
                changes=stored_changes,
                case_id=entry.case_id,
                seq=link.seq,
                prev_hash=link.prev_hash,
                entry_hash=digest,
            )
            .returning(audit_log.c.id)
        ).scalar_one()
        self._save_head(ChainAnchor(head.pruned_seq, head.pruned_hash, link.seq, digest))
        return AuditEntry(
            id=new_id,
            at=entry.at,
            actor=entry.actor,
            entity=entry.entity,
            entity_id=entry.entity_id,
            action=entry.action,
            changes=entry.changes,
            case_id=entry.case_id,
        )

    def prune_before(self, moment: datetime) -> tuple[int, int]:
        """Delete the unbroken run of oldest entries written before ``moment`` and move the
        head's start past them: (entries deleted, position of the last one deleted).

        Only for the retention's pruning, inside its unit: the permit row that lets the
        delete trigger through is written and removed in this same transaction.
        """
        head = self._lock_head()
        first_kept = self._session.execute(
            select(func.min(audit_log.c.seq)).where(audit_log.c.at >= moment)
        ).scalar_one()
        through = head.last_seq if first_kept is None else int(first_kept) - 1
        if through <= head.pruned_seq:
            return 0, head.pruned_seq
        through_hash = self._session.execute(
            select(audit_log.c.entry_hash).where(audit_log.c.seq == through)
        ).scalar_one()
        self._session.execute(insert(audit_prune_permit).values(id=1))
        gone = self._session.execute(delete(audit_log).where(audit_log.c.seq <= through))
        self._session.execute(delete(audit_prune_permit))
        self._save_head(ChainAnchor(through, through_hash, head.last_seq, head.last_hash))
        return int(getattr(gone, "rowcount", 0) or 0), through

    # --- reading ---

    def pseudonym(self, text: str) -> str:
        """The chain key's pseudonym of ``text`` (``domain.audit_chain.pseudonym``)."""
        return pseudonym(self._key, text)

    def links(self, *, batch: int = 1000) -> Iterator[ChainLink]:
        """Every entry in position order, read in batches (the log can be millions)."""
        after = -1
        while True:
            query = (
                select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq)
            ).limit(batch)
            rows = list(self._session.execute(query))
            yield from (_link(r) for r in rows)
            if len(rows) < batch:
                return
            after = rows[-1].seq

    def verify(self, expect: tuple[int, str] | None = None) -> ChainReport:
        """Every stored entry checked against its neighbours and the head, with this
        unit's key (``domain.audit_chain.verify_chain``)."""
        anchor, mac = self.head()
        return verify_chain(self._key, self.links(), anchor, mac, expect)

    def for_entity(self, entity: str, entity_id: str) -> Sequence[AuditEntry]:
        query = (
            select(audit_log)
            .where(audit_log.c.entity == entity, audit_log.c.entity_id == entity_id)
            .order_by(audit_log.c.seq)
        )
        return [_entry(r) for r in self._session.execute(query)]

    def for_case(self, case_id: int) -> Sequence[AuditEntry]:
        query = select(audit_log).where(audit_log.c.case_id == case_id).order_by(audit_log.c.seq)
        return [_entry(r) for r in self._session.execute(query)]

    def recent(self, *, limit: int = 100) -> Sequence[AuditEntry]:
        query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
        return [_entry(r) for r in self._session.execute(query)]


def _head_values(key: bytes, anchor: ChainAnchor) -> dict[str, Any]:
    return {
        "pruned_seq": anchor.pruned_seq,
        "pruned_hash": anchor.pruned_hash,
        "last_seq": anchor.last_seq,
        "last_hash": anchor.last_hash,
        "mac": head_mac(key, anchor),
    }
