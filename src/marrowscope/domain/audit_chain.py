"""The audit log as a keyed hash chain: what each entry's hash covers, and the check.

Each entry stores the hash of the entry before it (``prev_hash``) and its own
``entry_hash = HMAC-SHA256(key, canonical JSON of its position, time, actor, action,
target, changes and prev_hash)``. Changing one entry's content changes its hash; removing
or reordering entries breaks the link of the next one; both are found by recomputing.

Why keyed (HMAC) rather than a plain SHA-256: with a plain hash anyone who can write to
the database can edit a row and recompute every hash after it, and the chain proves
nothing. With the key (kept outside the database, in the settings) they cannot.

What a chain cannot prove on its own: that nothing was cut from the END (the last
entries deleted leave a shorter, valid chain). The chain head (position and hash of the
last entry, under its own HMAC) is kept in a second table, and ``verify`` prints the last
hash so an operator can record it elsewhere; a hash recorded outside the database is the
only defence against someone who holds the key or a copy of an older head.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "GENESIS_HASH",
    "ChainAnchor",
    "ChainLink",
    "ChainReport",
    "chain_key",
    "entry_hash",
    "head_mac",
    "pseudonym",
    "verify_chain",
]

GENESIS_HASH = "0" * 64  # the "previous hash" of the first entry ever written
_KEY_CONTEXT = b"marrowscope audit chain v1"


def chain_key(secret: str) -> bytes:
    """The chain's HMAC key, derived from a configured secret.

    Derived (not the secret itself) so that the same secret signing session cookies and
    keying the chain never yield the same MAC for the same bytes.
    """
    return hmac.new(secret.encode(), _KEY_CONTEXT, hashlib.sha256).digest()


def _utc_text(moment: datetime) -> str:
    # microseconds are cut to what every database keeps, so a stored time reads back equal
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class ChainLink:
    """One stored entry as the chain sees it."""

    seq: int
    at: datetime
    actor_username: str
    actor_role: str
    entity: str
    entity_id: str
    action: str
    changes: Mapping[str, Any]
    case_id: int | None
    prev_hash: str
    entry_hash: str = ""

    def canonical(self) -> bytes:
        """The bytes the entry's HMAC covers: sorted-key JSON, no whitespace, UTF-8."""
        body = {
            "seq": self.seq,
            "at": _utc_text(self.at),
            "actor": [self.actor_username, self.actor_role],
            "entity": self.entity,
            "entity_id": self.entity_id,
            "action": self.action,
            "changes": self.changes,
            "case_id": self.case_id,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(key: bytes, link: ChainLink) -> str:
    """The HMAC-SHA256 of ``link``'s canonical form, in hex."""
    return hmac.new(key, link.canonical(), hashlib.sha256).hexdigest()


def pseudonym(key: bytes, text: str) -> str:
    """A keyed hash standing for ``text`` (e.g. a username typed at a failed sign-in).

    Equal texts give equal pseudonyms, so repeated guesses at one name can be counted; a
    typed password (people type one into the username box) is not stored in clear, and
    without the key a list of candidate names cannot be hashed and compared.
    """
    return hmac.new(key, b"pseudonym:" + text.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ChainAnchor:
    """Where a chain starts and ends as recorded in the head: after ``pruned_seq`` (the
    entries before it were pruned, the last of them with hash ``pruned_hash``) up to
    ``last_seq`` with hash ``last_hash``."""

    pruned_seq: int = 0
    pruned_hash: str = GENESIS_HASH
    last_seq: int = 0
    last_hash: str = GENESIS_HASH


def head_mac(key: bytes, anchor: ChainAnchor) -> str:
    """The HMAC of the head's four values: a head rewritten to hide a cut tail is found
    unless its writer had the key or kept an older head with its MAC."""
    text = f"head:{anchor.pruned_seq}:{anchor.pruned_hash}:{anchor.last_seq}:{anchor.last_hash}"
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainReport:
    """What ``verify_chain`` found: ``ok`` and the entries checked, or the first bad one
    (``bad_seq`` is its position, 0 when the fault is the head) and why."""

    ok: bool
    checked: int
    last_seq: int
    last_hash: str
    bad_seq: int = 0
    reason: str = ""


def verify_chain(
    key: bytes,
    links: Iterable[ChainLink],
    anchor: ChainAnchor,
    anchor_mac: str,
    expect: tuple[int, str] | None = None,
) -> ChainReport:
    """Check ``links`` (in stored order) against each other and against the head.

    Finds: an edited entry (its hash no longer matches), a deleted one (a gap in the
    positions, and the next entry's ``prev_hash`` does not match), entries swapped or
    out of order, entries missing at the start (past the recorded pruning) or at the end
    (short of the recorded head), and a head whose MAC does not match. ``expect`` is a
    (position, hash) recorded outside the database by an earlier check: the chain must
    still hold that entry with that hash, which no rewrite of the head can fake.
    """
    if expect is not None and expect[0] <= anchor.pruned_seq:
        reason = f"the expected entry {expect[0]} was pruned; anchor a later entry"
        return ChainReport(False, 0, 0, "", expect[0], reason)
    if not hmac.compare_digest(head_mac(key, anchor), anchor_mac):
        return ChainReport(False, 0, 0, "", 0, "the chain head was changed (its MAC differs)")
    expected_seq, prev = anchor.pruned_seq + 1, anchor.pruned_hash
    checked = 0
    for link in links:
        if link.seq != expected_seq:
            missing = "missing" if link.seq > expected_seq else "out of order"
            reason = f"expected entry {expected_seq} here, found {link.seq} ({missing})"
            return ChainReport(False, checked, expected_seq - 1, prev, link.seq, reason)
        if not hmac.compare_digest(link.prev_hash, prev):
            reason = "does not link to the entry before it (one removed or reordered)"
            return ChainReport(False, checked, expected_seq - 1, prev, link.seq, reason)
        if not hmac.compare_digest(entry_hash(key, link), link.entry_hash):
            reason = "its content does not match its hash (changed after writing)"
            return ChainReport(False, checked, expected_seq - 1, prev, link.seq, reason)
        if expect is not None and link.seq == expect[0] and link.entry_hash != expect[1]:
            reason = "its hash differs from the one recorded outside the database"
            return ChainReport(False, checked, expected_seq - 1, prev, link.seq, reason)
        checked += 1
        expected_seq, prev = link.seq + 1, link.entry_hash
    last_seq = expected_seq - 1
    if expect is not None and expect[0] > last_seq:
        reason = f"the chain ends at entry {last_seq}, before the expected entry {expect[0]}"
        return ChainReport(False, checked, last_seq, prev, expect[0], reason)
    if last_seq != anchor.last_seq or prev != anchor.last_hash:
        reason = (
            f"the chain ends at entry {last_seq} but its head records entry {anchor.last_seq}"
            " (entries cut from the end)"
        )
        return ChainReport(False, checked, last_seq, prev, last_seq + 1, reason)
    return ChainReport(True, checked, last_seq, prev)
