"""The fixed, stratified train / validation / test split."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from marrowscope.ai.data import Sample, fine_samples, label_codes
from marrowscope.ai.split import stratified_split
from marrowscope.domain.errors import InvalidInput


def _samples() -> list[Sample]:
    counts = {"EOS": 200, "PMO": 40, "PLT": 100, "LYT": 3}
    out = [
        Sample(Path(f"{code}/{code}_{i}.jpg"), code, code.lower())
        for code, n in counts.items()
        for i in range(n)
    ]
    out += [Sample(Path(f"ig/IG_{i}.jpg"), "MYB", "ig", ambiguous=True) for i in range(10)]
    return out


def test_split_parts_are_disjoint_and_cover_every_sample() -> None:
    """No image is in two parts, and none is lost."""
    samples = _samples()

    split = stratified_split(samples, seed=1)

    paths = [s.path for part in (split.train, split.val, split.test) for s in part]
    assert len(paths) == len(set(paths)) == len(samples)


def test_every_class_is_in_every_part_in_proportion() -> None:
    """Stratification keeps rare classes (3 images) in train, val and test."""
    split = stratified_split(_samples(), seed=1, val_fraction=0.15, test_fraction=0.15)

    for part in (split.train, split.val, split.test):
        assert {"EOS", "PMO", "PLT", "LYT"} <= {s.code for s in part}
    assert Counter(s.code for s in split.test)["EOS"] == 30


def test_same_seed_same_split_other_seed_other_split() -> None:
    """The split is a pure function of the samples and the seed."""
    samples = _samples()

    first, again, other = (stratified_split(samples, s) for s in (5, 5, 6))

    assert [s.path for s in first.test] == [s.path for s in again.test]
    assert [s.path for s in first.test] != [s.path for s in other.test]


def test_ambiguous_labels_stay_out_of_the_fine_classes() -> None:
    """Group-only labels are kept in the split but are not fine training targets."""
    split = stratified_split(_samples(), seed=1)

    assert any(s.ambiguous for s in split.test)
    assert all(not s.ambiguous for s in fine_samples(split.train))
    assert label_codes(fine_samples(split.train)) == ("EOS", "LYT", "PLT", "PMO")


def test_impossible_fractions_are_refused() -> None:
    """Fractions that leave nothing to train on are an input error, not a silent split."""
    with pytest.raises(InvalidInput):
        stratified_split(_samples(), seed=1, val_fraction=0.5, test_fraction=0.5)
