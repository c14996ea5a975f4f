"""The grouped loss and its targets: border crossings cost more, group-only cells count."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

pytest.importorskip("torch")

import torch  # noqa: E402

from marrowscope.ai.data import Sample  # noqa: E402
from marrowscope.ai.train.grouping import group_targets, grouped_nll  # noqa: E402
from marrowscope.domain.errors import InvalidInput  # noqa: E402

CODES = ("MMZ", "NGB", "NGS")


def _sample(code: str, group: str, ambiguous: bool = False) -> Sample:
    return Sample(path=Path(f"{code}.jpg"), code=code, group=group, ambiguous=ambiguous)


def _samples() -> list[Sample]:
    return [
        _sample("MMZ", "ig"),
        _sample("NGB", "neutrophil"),
        _sample("NGS", "neutrophil"),
        _sample("NGS", "neutrophil", ambiguous=True),  # PBC "NEUTROPHIL": group only
    ]


def test_groups_hold_the_codes_seen_in_them_and_group_only_cells_get_a_target() -> None:
    grouping = group_targets(_samples(), CODES)

    assert grouping.groups == ("ig", "neutrophil")
    assert grouping.members.tolist() == [[True, False, False], [False, True, True]]
    assert grouping.targets.tolist() == [0, 1, 1, 1]


def test_a_group_known_only_from_group_only_cells_is_refused() -> None:
    samples = [*_samples(), _sample("PMO", "promyelocytes", ambiguous=True)]

    with pytest.raises(InvalidInput, match="promyelocytes"):
        group_targets(samples, CODES)


def test_the_loss_is_minus_log_of_the_probability_summed_over_the_group() -> None:
    members = torch.tensor([[True, False, False], [False, True, True]])
    logits = torch.tensor([[0.0, math.log(2.0), math.log(3.0)]])  # p = 1/6, 2/6, 3/6

    neutrophil = grouped_nll(logits, torch.tensor([1]), members)
    ig = grouped_nll(logits, torch.tensor([0]), members)

    assert neutrophil.item() == pytest.approx(-math.log(5 / 6))
    assert ig.item() == pytest.approx(-math.log(1 / 6))


def test_a_slip_inside_the_group_costs_nothing_a_border_crossing_does() -> None:
    members = torch.tensor([[True, False, False], [False, True, True]])
    target = torch.tensor([1])  # a band neutrophil
    called_segmented = torch.tensor([[-5.0, -5.0, 5.0]])
    called_metamyelocyte = torch.tensor([[5.0, -5.0, -5.0]])

    inside = grouped_nll(called_segmented, target, members).item()
    across = grouped_nll(called_metamyelocyte, target, members).item()

    assert inside < 1e-3 < 5 < across
