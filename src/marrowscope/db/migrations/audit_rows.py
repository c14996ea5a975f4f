"""Audit entries written by a migration, chained when the audit chain exists.

A migration that records what it did (e.g. the alerts backfill) may run before or after
``audit_0001`` made the audit log a keyed hash chain: a branch downgraded and upgraded
again runs its data step on a chained log. Its entry must then join the chain like one
written by the application (position, previous hash, HMAC, head moved on), or the log
would refuse it (``seq`` is required) and ``marrowscope audit verify`` would fail. The
key is the one ``audit_0001`` uses: the settings the migration runs under.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from marrowscope.db.base import JsonDocument, UtcDateTime

__all__ = ["append_audit_row"]

_FIELDS = ("at", "actor_username", "actor_role", "entity", "entity_id", "action", "case_id")


def _log(chained: bool) -> sa.TableClause:
    columns: list[sa.ColumnClause[Any]] = [
        sa.column("at", UtcDateTime),
        *(sa.column(n, sa.String) for n in _FIELDS[1:6]),
        sa.column("changes", JsonDocument),
        sa.column("case_id", sa.Integer),
    ]
    if chained:
        columns += [sa.column("seq", sa.Integer), sa.column("prev_hash", sa.String)]
        columns.append(sa.column("entry_hash", sa.String))
    return sa.table("audit_log", *columns)


def append_audit_row(bind: sa.Connection, values: Mapping[str, Any]) -> None:
    """Insert one audit entry; chained when the log has the chain's columns."""
    chained = "seq" in {c["name"] for c in sa.inspect(bind).get_columns("audit_log")}
    if not chained:
        bind.execute(sa.insert(_log(False)).values(**values))
        return
    from marrowscope.config import get_settings
    from marrowscope.domain.audit_chain import (
        ChainAnchor,
        ChainLink,
        chain_key,
        entry_hash,
        head_mac,
    )

    names = ("id", "pruned_seq", "pruned_hash", "last_seq", "last_hash", "mac")
    head = sa.table("audit_chain_head", *(sa.column(n) for n in names))
    found = bind.execute(sa.select(head).where(head.c.id == 1)).one_or_none()
    anchor = (
        ChainAnchor(found.pruned_seq, found.pruned_hash, found.last_seq, found.last_hash)
        if found is not None
        else ChainAnchor()
    )
    settings = get_settings()  # the same choice as ``bootstrap.audit_chain_key``
    key = chain_key(settings.audit_chain_secret or settings.secret_key)
    seq = anchor.last_seq + 1
    link = ChainLink(
        seq, values["at"], values["actor_username"], values["actor_role"], values["entity"],
        values["entity_id"], values["action"], values.get("changes") or {},
        values.get("case_id"), anchor.last_hash,
    )  # fmt: skip
    digest = entry_hash(key, link)
    bind.execute(
        sa.insert(_log(True)).values(
            **values, seq=seq, prev_hash=anchor.last_hash, entry_hash=digest
        )
    )
    moved = ChainAnchor(anchor.pruned_seq, anchor.pruned_hash, seq, digest)
    row = {
        "pruned_seq": moved.pruned_seq, "pruned_hash": moved.pruned_hash,
        "last_seq": seq, "last_hash": digest, "mac": head_mac(key, moved),
    }  # fmt: skip
    if found is None:
        bind.execute(sa.insert(head).values(id=1, **row))
    else:
        bind.execute(sa.update(head).where(head.c.id == 1).values(**row))
