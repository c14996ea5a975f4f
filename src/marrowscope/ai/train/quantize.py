"""Post-training int8 quantization of the exported graph, for a faster CPU model.

Convolutions carry nearly all of the model's arithmetic; quantizing their weights
(per output channel) and activations to 8 bits lets ONNX Runtime use the CPU's integer
dot-product instructions (speed and accuracy in the model card). The first
convolution (each member's, in an ensemble) stays float32: it reads the raw
standardised pixels, and quantizing it alone cost 0.003 test macro F1 on the shipped
network, while it is a small share of the arithmetic. The out-of-distribution head (a
few small matrix products on the pooled features) and the classifier layer stay
float32: they cost nothing and the Mahalanobis distance is sensitive to rounding.
Activation ranges are calibrated on training images pushed through the same
normalisation inference uses.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnx
from numpy.typing import NDArray
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from marrowscope.ai.preprocess import normalise

__all__ = ["quantize_int8"]

_BATCH = 64


class _Batches(CalibrationDataReader):  # type: ignore[misc]
    """Feeds calibration images to the quantizer one normalised batch at a time."""

    def __init__(
        self, pixels: NDArray[np.uint8], mean: Sequence[float], std: Sequence[float]
    ) -> None:
        self._pixels = pixels
        self._mean = tuple(mean)
        self._std = tuple(std)
        self._at = 0

    def get_next(self) -> dict[str, NDArray[np.float32]] | None:
        if self._at >= len(self._pixels):
            return None
        batch = normalise(self._pixels[self._at : self._at + _BATCH], self._mean, self._std)
        self._at += _BATCH
        return {"image": batch}


def quantize_int8(
    source: Path,
    target: Path,
    calibration: NDArray[np.uint8],
    mean: Sequence[float],
    std: Sequence[float],
) -> None:
    """Write an int8 (QDQ, per-channel) copy of ``source``'s convolutions to ``target``."""
    with tempfile.TemporaryDirectory() as scratch:
        prepared = Path(scratch) / "prepared.onnx"
        quant_pre_process(str(source), str(prepared))
        stems = _pixel_convolutions(onnx.load(str(prepared)))
        quantize_static(
            str(prepared),
            str(target),
            _Batches(calibration, mean, std),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            op_types_to_quantize=["Conv"],
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            nodes_to_exclude=stems,
        )


def _pixel_convolutions(model: onnx.ModelProto) -> list[str]:
    """Names of the convolutions that read pixels (3 input channels): every member's stem."""
    shapes = {w.name: tuple(w.dims) for w in model.graph.initializer}
    return [
        n.name
        for n in model.graph.node
        if n.op_type == "Conv"
        and len(shapes.get(n.input[1], ())) == 4
        and shapes[n.input[1]][1] == 3
    ]
