"""The model sidecar carries the preprocessing inference must repeat, crop included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marrowscope.ai.sidecar import ModelSpec, load_spec
from marrowscope.domain.errors import InvalidInput


def _spec(crop: float) -> ModelSpec:
    return ModelSpec(
        name="m",
        onnx_file="m.onnx",
        input_size=96,
        crop_fraction=crop,
        mean=(0.5, 0.5, 0.5),
        std=(0.2, 0.2, 0.2),
        codes=("LYT", "MON"),
        temperature=0.8,
        review_threshold=0.9,
        ood_threshold=20.0,
        info={"metrics": {"macro_f1": 0.5}},
    )


def test_crop_fraction_survives_a_round_trip(tmp_path: Path) -> None:
    """What training wrote is what inference reads."""
    path = tmp_path / "m.json"
    _spec(0.75).save(path)

    loaded = load_spec(path)

    assert loaded.crop_fraction == 0.75
    assert loaded.info == {"metrics": {"macro_f1": 0.5}}


def test_a_sidecar_from_before_cropping_means_the_whole_frame(tmp_path: Path) -> None:
    """Models exported before the crop existed were trained on the whole frame."""
    path = tmp_path / "m.json"
    raw = _spec(0.75).to_json()
    del raw["crop_fraction"]
    path.write_text(json.dumps(raw), encoding="utf-8")

    assert load_spec(path).crop_fraction == 1.0


@pytest.mark.parametrize("crop", ["most of it", 0, 1.2])
def test_a_mangled_crop_is_refused(tmp_path: Path, crop: object) -> None:
    """A crop that is not a share of the frame is refused, not silently clamped."""
    path = tmp_path / "m.json"
    raw = _spec(0.75).to_json()
    raw["crop_fraction"] = crop
    path.write_text(json.dumps(raw), encoding="utf-8")

    with pytest.raises(InvalidInput, match="sidecar"):
        load_spec(path)
