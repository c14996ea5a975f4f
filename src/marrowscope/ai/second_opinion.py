"""A second model's word on each cell: where the two disagree, a person decides.

Two networks trained apart make their mistakes apart on images they know, and together
on images they do not: disagreement is a sign of an unfamiliar cell that neither model's
own confidence gives (Lakshminarayanan et al. 2017, deep ensembles). The second model,
``cellnet80v``, was trained on the same PBC cells with another laboratory's variation
(stain density, blur, framing, JPEG; docs/model_card.md); it never decides a class, it
only marks for review the cells whose lineage group it sees otherwise. Measured: on PBC's
held-out test split the cells left unmarked fall from 74.5 % to 73.8 % while their
accuracy rises from 99.74 % to 99.93 %; on the held-out laboratory's Dataset 2, one cell
judged alone is wrong without a flag 5 % of the time instead of 8 %.

The primary sidecar names it (``second_opinion``); it must read the same pixels (input
size and crop), so the images are decoded once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from marrowscope.ai.onnx_session import cpu_session
from marrowscope.ai.preprocess import normalise
from marrowscope.ai.sidecar import ModelSpec, load_spec
from marrowscope.domain.errors import InvalidInput

__all__ = ["SecondOpinion"]


class SecondOpinion:
    """The second model's session and sidecar; it answers with a code per image."""

    def __init__(self, sidecar: Path, threads: int) -> None:
        self.spec = load_spec(sidecar)
        model_file = sidecar.parent / self.spec.onnx_file
        if not model_file.is_file():
            raise InvalidInput(f"second-opinion model {model_file} not found")
        self._session = cpu_session(model_file, threads)

    @classmethod
    def named_by(cls, spec: ModelSpec, sidecar: Path, threads: int) -> SecondOpinion | None:
        """The second model a sidecar names, checked to read the same pixels; else None."""
        named = spec.info.get("second_opinion")
        if not named:
            return None
        try:
            path = sidecar.parent / str(named["sidecar"])
        except (KeyError, TypeError):
            raise InvalidInput(f"{sidecar.name}: second_opinion needs a 'sidecar'") from None
        second = cls(path, threads)
        if (second.spec.input_size, second.spec.crop_fraction) != (
            spec.input_size,
            spec.crop_fraction,
        ):
            raise InvalidInput(f"{path.name} does not read the same pixels as {sidecar.name}")
        return second

    def codes(self, pixels: NDArray[np.uint8]) -> list[str]:
        """The second model's most likely code for each decoded image."""
        x = normalise(pixels, self.spec.mean, self.spec.std)
        logits = np.asarray(self._session.run(None, {"image": x})[0])
        return [self.spec.codes[int(i)] for i in logits.argmax(axis=1)]

    def group(self, code: str) -> str:
        """The lineage group of one of its codes (as the sidecar maps them)."""
        return self.spec.code_groups.get(code, code)
