"""The JSON file shipped beside each ONNX model: everything needed to use it honestly.

As timm's ``PretrainedCfg``: preprocessing (input size, mean, std), the label codes
in output order, calibration (temperature, thresholds), where the data came from and
under which licence, the split, and the measured metrics. Inference reads its
preprocessing from here and nowhere else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marrowscope.ai.input_files import read_sidecar
from marrowscope.ai.stain_profile import StainProfile
from marrowscope.domain.errors import InvalidInput

__all__ = ["ModelSpec", "load_spec"]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """The parts of the sidecar that inference relies on, plus the rest as ``info``."""

    name: str
    onnx_file: str
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    codes: tuple[str, ...]
    temperature: float
    review_threshold: float
    ood_threshold: float
    crop_fraction: float = 1.0  # central share of each side kept before resizing
    code_groups: dict[str, str] = field(default_factory=dict)
    cannot_recognise: tuple[str, ...] = ()
    limits: str = ""
    # the training images' colours: another laboratory's stain or scanner is flagged
    stain_profile: StainProfile | None = None
    info: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The sidecar as a JSON object (``info`` keys merged at the top level)."""
        core: dict[str, Any] = {
            "name": self.name,
            "onnx_file": self.onnx_file,
            "input_size": self.input_size,
            "crop_fraction": self.crop_fraction,
            "mean": list(self.mean),
            "std": list(self.std),
            "codes": list(self.codes),
            "temperature": self.temperature,
            "review_threshold": self.review_threshold,
            "ood_threshold": self.ood_threshold,
            "code_groups": self.code_groups,
            "cannot_recognise": list(self.cannot_recognise),
            "limits": self.limits,
        }
        if self.stain_profile is not None:
            core["stain_profile"] = self.stain_profile.to_json()
        return {**core, **self.info}

    def save(self, path: Path) -> None:
        """Write the sidecar (UTF-8, indented, stable key order)."""
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


_CORE = (
    "name",
    "onnx_file",
    "input_size",
    "crop_fraction",
    "mean",
    "std",
    "codes",
    "temperature",
    "review_threshold",
    "ood_threshold",
    "code_groups",
    "cannot_recognise",
    "limits",
    "stain_profile",
)


def load_spec(path: Path) -> ModelSpec:
    """Read a sidecar; a missing or malformed field names itself in the error."""
    try:
        if not path.exists():
            raise FileNotFoundError(path)
        raw = json.loads(read_sidecar(path))
    except FileNotFoundError:
        raise InvalidInput(f"model sidecar {path} not found") from None
    except json.JSONDecodeError as error:
        raise InvalidInput(f"model sidecar {path} is not JSON: {error}") from None
    try:
        spec = ModelSpec(
            name=str(raw["name"]),
            onnx_file=str(raw["onnx_file"]),
            input_size=int(raw["input_size"]),
            crop_fraction=float(raw.get("crop_fraction", 1.0)),
            mean=(float(raw["mean"][0]), float(raw["mean"][1]), float(raw["mean"][2])),
            std=(float(raw["std"][0]), float(raw["std"][1]), float(raw["std"][2])),
            codes=tuple(str(c) for c in raw["codes"]),
            temperature=float(raw["temperature"]),
            review_threshold=float(raw["review_threshold"]),
            ood_threshold=float(raw["ood_threshold"]),
            code_groups={str(k): str(v) for k, v in raw.get("code_groups", {}).items()},
            cannot_recognise=tuple(str(c) for c in raw.get("cannot_recognise", ())),
            limits=str(raw.get("limits", "")),
            stain_profile=(
                StainProfile.from_json(raw["stain_profile"]) if "stain_profile" in raw else None
            ),
            info={k: v for k, v in raw.items() if k not in _CORE},
        )
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise InvalidInput(f"model sidecar {path} lacks or mangles {error}") from None
    if not 0.0 < spec.crop_fraction <= 1.0:
        raise InvalidInput(f"model sidecar {path}: crop_fraction must be in (0, 1]")
    return spec
