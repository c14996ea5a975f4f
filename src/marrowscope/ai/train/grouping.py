"""A second loss on the source's coarse groups, and the group-only cells it can use.

The PBC set names eight groups (neutrophil, immature granulocyte, ...) and, inside two
of them, the maturation stage. Most of the shipped model's grouped errors are stage
errors that cross a group border (metamyelocyte called band), which the fine
cross-entropy charges no more than a slip inside a group (band called segmented). A
grouped term, the negative log of the probability summed over the true group's codes,
charges the border crossing twice. It also lets cells labelled only with their group
(PBC ``IG`` and ``NEUTROPHIL``, dropped as fine targets) teach the model something.

Reference: the same marginalised likelihood is used for partially labelled data in
Jin R, Ghahramani Z. Learning with multiple labels. NIPS 2002.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray

from marrowscope.ai.data import Sample
from marrowscope.domain.errors import InvalidInput

__all__ = ["NO_FINE_LABEL", "GroupTargets", "group_targets", "grouped_nll"]

NO_FINE_LABEL = -100  # torch's cross-entropy ignore_index: the cell names a group only


@dataclass(frozen=True, slots=True)
class GroupTargets:
    """Each training cell's group index, and which codes each group holds."""

    groups: tuple[str, ...]
    targets: NDArray[np.int64]  # (n_samples,)
    members: NDArray[np.bool_]  # (n_groups, n_codes): True where the code is in the group


def group_targets(samples: list[Sample], codes: tuple[str, ...]) -> GroupTargets:
    """Group indices of ``samples`` and the group -> codes table read from the fine ones.

    A group is known by the fine codes seen in it; a group-only cell whose group holds
    no fine code could never be scored and is refused.
    """
    groups = tuple(sorted({s.group for s in samples}))
    group_index = {g: i for i, g in enumerate(groups)}
    code_index = {c: i for i, c in enumerate(codes)}
    members = np.zeros((len(groups), len(codes)), dtype=np.bool_)
    for sample in samples:
        if not sample.ambiguous:
            members[group_index[sample.group], code_index[sample.code]] = True
    empty = [g for g, row in zip(groups, members, strict=True) if not row.any()]
    if empty:
        raise InvalidInput(f"groups {empty} hold only group-level labels: no code to score")
    targets = np.array([group_index[s.group] for s in samples], dtype=np.int64)
    return GroupTargets(groups=groups, targets=targets, members=members)


def grouped_nll(logits: torch.Tensor, targets: torch.Tensor, members: torch.Tensor) -> torch.Tensor:
    """Mean of -log P(true group) with P(group) the softmax summed over its codes."""
    log_p = torch.log_softmax(logits, dim=-1)
    in_group = members[targets]  # (batch, n_codes)
    masked = log_p.masked_fill(~in_group, float("-inf"))
    return -torch.logsumexp(masked, dim=-1).mean()
