"""A few detector training batches on real TXL-PBC fields, then ONNX export and inference.

The shipped detector is the real run (see docs/detector_card.md); this checks that the
pipeline from YOLO folder to an ONNX model that ``marrowscope detect`` loads still works.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")

from PIL import Image  # noqa: E402

from marrowscope.ai.detection.detector import CellDetector  # noqa: E402
from marrowscope.ai.train.detection.export import export_detector  # noqa: E402
from marrowscope.ai.train.detection.loop import (  # noqa: E402
    load_detector_config,
    train_detector,
)
from marrowscope.domain.errors import InvalidInput  # noqa: E402


def test_a_few_batches_train_export_and_detect(shared_data: Path, tmp_path: Path) -> None:
    config_file = tmp_path / "tiny.toml"
    config_file.write_text(
        f'name = "tinyfinder"\ndata_root = "{shared_data / "txl_pbc"}"\n'
        f'run_dir = "{tmp_path / "run"}"\ninput_px = 128\nwidths = [8, 8, 16, 16, 24]\n'
        "neck = 16\nepochs = 1\nbatch = 4\nmax_batches = 2\nlimit_images = 8\n"
    )
    config = load_detector_config(config_file)
    logged: list[str] = []
    result = train_detector(config, log=logged.append)
    assert len(logged) == 1 and "AP50 WBC" in logged[0]
    assert (tmp_path / "run" / "last.pt").is_file()
    best = result["best"]
    assert isinstance(best, dict)
    sidecar = export_detector(
        config, Path(str(result["weights"])), tmp_path / "ship", {"val_ap50": best["ap50"]}
    )
    spec = json.loads(sidecar.read_text())
    assert spec["labels"] == ["WBC", "RBC", "PLT"] and spec["input_px"] == 128
    detector = CellDetector(sidecar, threads=1)
    field = next(iter(sorted((shared_data / "txl_pbc" / "images" / "val").glob("*.jpg"))))
    with Image.open(field) as image:
        cells = detector.detect(image.convert("RGB"))
    width, height = Image.open(field).size
    for cell in cells:  # an untrained model may find nothing; what it finds must be sane
        x1, y1, x2, y2 = cell.box
        assert 0 <= x1 <= x2 <= width and 0 <= y1 <= y2 <= height
        assert cell.label in {"WBC", "RBC", "PLT"} and 0 <= cell.score <= 1


def test_a_config_typo_is_refused(tmp_path: Path) -> None:
    config_file = tmp_path / "typo.toml"
    config_file.write_text("epoch = 3\n")
    with pytest.raises(InvalidInput, match="unknown detector config keys: epoch"):
        load_detector_config(config_file)


def test_a_held_out_source_never_reaches_training_or_the_choice_of_epoch(
    shared_data: Path,
) -> None:
    from marrowscope.ai.detection.sources import source_of
    from marrowscope.ai.train.detection.data import load_fields
    from marrowscope.ai.train.detection.loop import DetectorConfig, _without_source

    config = DetectorConfig(hold_out_source="Raabin")
    fields = load_fields(shared_data / "txl_pbc", "val", limit=60)
    kept = _without_source(fields, config)

    assert any(source_of(f.image.size) == "Raabin" for f in fields)
    assert kept and all(source_of(f.image.size) != "Raabin" for f in kept)
    assert _without_source(fields, DetectorConfig()) == fields
    with pytest.raises(InvalidInput, match="unknown hold_out_source 'Leeds'; known: BCCD"):
        _without_source(fields, DetectorConfig(hold_out_source="Leeds"))
