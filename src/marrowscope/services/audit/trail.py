"""Checking the audit chain and pruning it by the retention period.

Pruning deletes only entries older than the retention (six years by default), only as
one unbroken run from the oldest, and records itself as an audit entry; the chain's head
then starts after the last deleted entry, so ``verify`` still checks every entry kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from marrowscope.domain.audit import AuditAction
from marrowscope.domain.audit_chain import ChainReport
from marrowscope.domain.errors import InvalidInput
from marrowscope.domain.roles import Actor
from marrowscope.services.audit.record import record_audit
from marrowscope.services.unit_of_work import UnitOfWork

__all__ = ["PruneOutcome", "prune_audit_log", "verify_audit_log"]


def verify_audit_log(uow: UnitOfWork, expect: str = "") -> ChainReport:
    """Every entry kept checked against its neighbours and the chain head; ``expect`` is
    "POSITION:HASH" as an earlier check printed it (an anchor kept outside the database)."""
    return uow.audit.verify(_anchor(expect) if expect else None)


def _anchor(text: str) -> tuple[int, str]:
    seq, _, digest = text.strip().partition(":")
    digest = digest.lower()
    if not seq.isdigit() or int(seq) < 1 or len(digest) != 64 or not _is_hex(digest):
        raise InvalidInput("expect: POSITION:HASH as `audit verify` printed it, e.g. 70:8676...")
    return int(seq), digest


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


@dataclass(frozen=True, slots=True)
class PruneOutcome:
    """What a pruning deleted: how many entries, up to which position, older than when."""

    deleted: int
    through_seq: int
    cutoff: datetime


def prune_audit_log(
    uow: UnitOfWork, actor: Actor, retention_days: int, *, now: datetime | None = None
) -> PruneOutcome:
    """Delete the entries older than ``retention_days`` and audit the pruning; commits.

    Refuses a retention under a year: a typo must not empty the log.
    """
    if retention_days < 365:
        raise InvalidInput("retention: at least 365 days")
    cutoff = (now or uow.now()) - timedelta(days=retention_days)
    deleted, through = uow.audit.prune_before(cutoff)
    if deleted:
        record_audit(
            uow, actor, "audit_log", through, AuditAction.PRUNE, None,
            {"deleted": deleted, "through_seq": through, "older_than": cutoff},
        )  # fmt: skip
    uow.commit()
    return PruneOutcome(deleted, through, cutoff)
