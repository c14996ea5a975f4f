"""Knowledge distillation: a small network learns from a stronger teacher's soft answers.

Averaging a network over four orientations of each cell scored better than the network
alone, but costs four passes per cell at inference (model card). Distillation moves that
gain into training time: the teacher's averaged probabilities for every training image
become a second target for the single-pass student, alongside the hard label. Soft
targets also say which stages the teacher finds alike (band vs segmented), information a
one-hot label throws away.

Reference: Hinton G, Vinyals O, Dean J. Distilling the knowledge in a neural network.
arXiv:1503.02531 (2015).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray

from marrowscope.ai.train.augment import to_float
from marrowscope.ai.train.export import load_checkpoint, views
from marrowscope.domain.errors import InvalidInput

__all__ = ["distillation_loss", "teacher_probabilities"]


def teacher_probabilities(
    run_dir: Path,
    pixels: NDArray[np.uint8],
    codes: tuple[str, ...],
    n_views: int,
    temperature: float,
) -> torch.Tensor:
    """The teacher's softened probabilities for ``pixels``, averaged over orientations.

    ``pixels`` must be at the teacher's input size; the teacher must know the same codes
    in the same order, or its answers would be assigned to the wrong classes.
    """
    net, state = load_checkpoint(run_dir / "best.pt")
    if tuple(state["codes"]) != codes:
        raise InvalidInput(
            f"teacher {run_dir} knows {list(state['codes'])}, the student {list(codes)}"
        )
    mean, std = torch.tensor(state["mean"]), torch.tensor(state["std"])
    out: list[torch.Tensor] = []
    with torch.no_grad():
        for start in range(0, len(pixels), 256):
            x = to_float(torch.from_numpy(np.asarray(pixels[start : start + 256])), mean, std)
            logits = net(views(x, n_views)).reshape(n_views, x.shape[0], -1)
            out.append(torch.softmax(logits / temperature, dim=-1).mean(dim=0))
    return torch.cat(out)


def distillation_loss(
    student_logits: torch.Tensor, teacher: torch.Tensor, temperature: float
) -> torch.Tensor:
    """KL(teacher || student) at ``temperature``, scaled by T^2 as in Hinton et al.

    The T^2 keeps the gradient's size comparable to the cross-entropy term whatever the
    temperature, so the mixing weight means the same thing at every T.
    """
    log_student = torch.log_softmax(student_logits / temperature, dim=-1)
    kl = torch.nn.functional.kl_div(log_student, teacher, reduction="batchmean")
    return kl * temperature**2
