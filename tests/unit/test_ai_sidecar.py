"""The model sidecar carries the preprocessing inference must repeat, crop included."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from marrowscope.ai.sidecar import ModelSpec, load_spec
from marrowscope.ai.stain_profile import StainProfile, fit_stain_component
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


def _profile() -> StainProfile:
    rng = np.random.default_rng(1)
    train = rng.normal(size=(400, 9))
    return StainProfile(
        (fit_stain_component(train, rng.normal(size=(200, 9)), "400 + 200 synthetic"),)
    )


def test_a_stain_profile_survives_a_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    replace(_spec(0.75), stain_profile=_profile()).save(path)

    loaded = load_spec(path).stain_profile

    assert loaded is not None and loaded == _profile()
    assert "stain_profile" not in load_spec(path).info


def test_a_sidecar_without_a_stain_profile_still_loads(tmp_path: Path) -> None:
    """Models exported before profiles existed: no colour check, nothing else changes."""
    path = tmp_path / "m.json"
    _spec(0.75).save(path)
    assert load_spec(path).stain_profile is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: p["components"][0].update(precision=[[1.0] * 9] * 8),
        lambda p: p["components"][0].update(threshold=-1),
        lambda p: p["components"][0].pop("mean"),
        lambda p: p["components"][0].update(mean="red"),
        lambda p: p.update(components=[]),
        lambda p: p.pop("components"),
    ],
)
def test_a_mangled_stain_profile_is_one_line_error(tmp_path: Path, mangle: object) -> None:
    path = tmp_path / "m.json"
    raw = replace(_spec(0.75), stain_profile=_profile()).to_json()
    mangle(raw["stain_profile"])  # type: ignore[operator]
    path.write_text(json.dumps(raw), encoding="utf-8")

    with pytest.raises(InvalidInput, match="lacks or mangles") as error:
        load_spec(path)
    assert "\n" not in str(error.value)
