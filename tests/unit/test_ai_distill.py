"""The distillation term: zero when the student already answers like the teacher."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

import torch  # noqa: E402

from marrowscope.ai.train.distill import distillation_loss  # noqa: E402


def test_a_student_that_matches_the_teacher_pays_nothing() -> None:
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 3.0, 1.0]])
    teacher = torch.softmax(logits / 2.0, dim=-1)

    assert distillation_loss(logits, teacher, 2.0).item() == pytest.approx(0.0, abs=1e-6)


def test_disagreeing_costs_more_the_more_it_disagrees() -> None:
    teacher = torch.tensor([[0.7, 0.2, 0.1]])
    near = distillation_loss(torch.tensor([[1.0, 0.0, -0.5]]), teacher, 2.0)
    far = distillation_loss(torch.tensor([[-2.0, 0.0, 3.0]]), teacher, 2.0)

    assert 0 < near.item() < far.item()


def test_the_term_is_scaled_by_the_squared_temperature() -> None:
    logits = torch.tensor([[1.0, -1.0, 0.0]])
    teacher = torch.tensor([[0.1, 0.8, 0.1]])
    plain = torch.nn.functional.kl_div(
        torch.log_softmax(logits / 3.0, dim=-1), teacher, reduction="batchmean"
    )

    assert distillation_loss(logits, teacher, 3.0).item() == pytest.approx(9 * plain.item())
