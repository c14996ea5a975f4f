"""The audit chain's check finds each kind of tampering, and only with the key."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime, timedelta

from marrowscope.domain.audit_chain import (
    GENESIS_HASH,
    ChainAnchor,
    ChainLink,
    chain_key,
    entry_hash,
    head_mac,
    pseudonym,
    verify_chain,
)

KEY = chain_key("a secret the attacker does not have")
START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _chain(n: int, key: bytes = KEY) -> tuple[list[ChainLink], ChainAnchor, str]:
    links, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        link = ChainLink(
            seq, START + timedelta(minutes=seq), "nurse", "nurse", "clinical_record",
            str(seq), "create", {"pulse": {"old": None, "new": 60 + seq}}, 1, prev,
        )  # fmt: skip
        link = dataclasses.replace(link, entry_hash=entry_hash(key, link))
        links.append(link)
        prev = link.entry_hash
    anchor = ChainAnchor(last_seq=n, last_hash=prev)
    return links, anchor, head_mac(key, anchor)


def test_an_untouched_chain_verifies_and_names_its_last_hash() -> None:
    links, anchor, mac = _chain(5)

    report = verify_chain(KEY, links, anchor, mac)

    assert report.ok and report.checked == 5
    assert (report.last_seq, report.last_hash) == (5, links[-1].entry_hash)


def test_an_edited_detail_is_found_at_its_entry() -> None:
    links, anchor, mac = _chain(5)
    links[2] = dataclasses.replace(links[2], changes={"pulse": {"old": None, "new": 180}})

    report = verify_chain(KEY, links, anchor, mac)

    assert not report.ok and report.bad_seq == 3 and "content" in report.reason


def test_a_deleted_middle_entry_is_found() -> None:
    links, anchor, mac = _chain(5)
    del links[2]

    report = verify_chain(KEY, links, anchor, mac)

    assert not report.ok and report.bad_seq == 4 and "missing" in report.reason


def test_two_entries_swapped_are_found() -> None:
    links, anchor, mac = _chain(5)
    links[1], links[2] = links[2], links[1]

    report = verify_chain(KEY, links, anchor, mac)

    assert not report.ok and report.bad_seq == 3


def test_swapping_positions_but_keeping_the_hashes_is_found() -> None:
    links, anchor, mac = _chain(5)
    links[1], links[2] = (
        dataclasses.replace(links[2], seq=2, prev_hash=links[1].prev_hash),
        dataclasses.replace(links[1], seq=3, prev_hash=links[2].prev_hash),
    )

    report = verify_chain(KEY, links, anchor, mac)

    assert not report.ok and report.bad_seq == 2


def test_a_cut_tail_is_found_by_the_head() -> None:
    links, anchor, mac = _chain(5)

    report = verify_chain(KEY, links[:3], anchor, mac)

    assert not report.ok and "cut from the end" in report.reason


def test_a_head_rewritten_without_the_key_is_found() -> None:
    links, _, _ = _chain(5)
    forged = ChainAnchor(last_seq=3, last_hash=links[2].entry_hash)
    guessed_mac = hashlib.sha256(b"head:0:" + forged.last_hash.encode()).hexdigest()

    report = verify_chain(KEY, links[:3], forged, guessed_mac)

    assert not report.ok and "head" in report.reason


def test_an_anchor_kept_outside_finds_a_cut_tail_even_with_a_valid_head() -> None:
    """Someone holding the key (or an old head) can make a shorter chain look whole;
    the position and hash printed earlier and kept elsewhere still catch it."""
    links, _, _ = _chain(5)
    shorter = ChainAnchor(last_seq=3, last_hash=links[2].entry_hash)

    report = verify_chain(KEY, links[:3], shorter, head_mac(KEY, shorter), (5, links[4].entry_hash))

    assert not report.ok and report.bad_seq == 5


def test_a_chain_recomputed_without_the_key_does_not_verify() -> None:
    """Plain SHA-256 would let a database writer rebuild the chain; the HMAC does not."""
    links, anchor, mac = _chain(5, key=chain_key("the attacker's own key"))

    report = verify_chain(KEY, links, anchor, mac)

    assert not report.ok


def test_pruned_entries_are_not_missing_but_a_gap_after_them_is() -> None:
    links, anchor, _ = _chain(5)
    pruned = dataclasses.replace(anchor, pruned_seq=2, pruned_hash=links[1].entry_hash)

    kept = verify_chain(KEY, links[2:], pruned, head_mac(KEY, pruned))
    gap = verify_chain(KEY, links[3:], pruned, head_mac(KEY, pruned))

    assert kept.ok and kept.checked == 3
    assert not gap.ok and gap.bad_seq == 4


def test_a_pseudonym_is_stable_keyed_and_not_the_name() -> None:
    name = "hunter2-typed-as-a-name"

    first, again = pseudonym(KEY, name), pseudonym(KEY, name)
    other_key = pseudonym(chain_key("another"), name)

    assert first == again and first != other_key
    assert name not in first and len(first) == 32
