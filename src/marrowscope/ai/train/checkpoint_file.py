"""Reading a training checkpoint without running code from it.

``torch.load`` unpickles: a checkpoint that someone swapped into a run folder could run
any code on the machine that resumes or exports it. With ``weights_only=True`` only
tensors, numbers, strings and plain containers come back, which is all our checkpoints
hold (random states are saved as tuples, not as ``random.Random`` objects).
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import torch

from marrowscope.domain.errors import InvalidInput

__all__ = ["read_checkpoint"]


def read_checkpoint(path: Path) -> Any:
    """The contents of the checkpoint ``path``; ``InvalidInput`` if it holds more than data."""
    try:
        return torch.load(path, weights_only=True)
    except pickle.UnpicklingError as error:
        first = str(error).splitlines()[0][:200] if str(error) else "unpickling refused"
        raise InvalidInput(
            f"{path}: holds more than tensors and plain values, so it is not loaded "
            f"({first}); start the run again with --fresh"
        ) from None
