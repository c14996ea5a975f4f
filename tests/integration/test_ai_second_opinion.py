"""The second model marks for review the cells whose lineage group it sees otherwise."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from marrowscope.ai.infer import CellClassifier, default_model_path
from marrowscope.domain.errors import InvalidInput


def _pair(tmp_path: Path, **second: object) -> Path:
    """The shipped model twice: the second reads the same weights with other codes."""
    models = default_model_path().parent
    for name in ("cellnet80d.onnx", "cellnet80d.json"):
        shutil.copy(models / name, tmp_path / name)
    raw = json.loads((tmp_path / "cellnet80d.json").read_text())
    other = dict(raw, name="other", codes=raw["codes"][1:] + raw["codes"][:1], **second)
    other.pop("second_opinion", None)
    (tmp_path / "other.json").write_text(json.dumps(other))
    raw["second_opinion"] = {"sidecar": "other.json"}
    (tmp_path / "cellnet80d.json").write_text(json.dumps(raw))
    return tmp_path / "cellnet80d.json"


def test_the_shipped_model_has_a_second_opinion_that_rarely_disagrees_at_home(
    shared_data: Path,
) -> None:
    classifier = CellClassifier.load_default(threads=1)
    assert classifier.spec.info["second_opinion"]["sidecar"] == "cellnet80v.json"
    cells = sorted((shared_data / "pbc" / "lymphocyte").glob("*.jpg"))[:40]
    predictions = classifier.classify_images(cells)
    assert all(p.second_opinion for p in predictions if not p.review or "disagree" in p.reason)
    assert sum("the two disagree" in p.reason for p in predictions) <= 4


def test_a_second_model_that_sees_other_groups_marks_the_cells(
    tmp_path: Path, shared_data: Path
) -> None:
    classifier = CellClassifier(_pair(tmp_path), threads=1)
    cells = sorted((shared_data / "pbc" / "eosinophil").glob("*.jpg"))[:10]
    predictions = classifier.classify_images(cells)
    disagreeing = [p for p in predictions if "the two disagree" in p.reason]
    assert len(disagreeing) >= 8
    assert all(p.review and p.code == "EOS" for p in disagreeing)  # the call is kept


def test_a_second_model_reading_other_pixels_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not read the same pixels"):
        CellClassifier(_pair(tmp_path, input_size=96), threads=1)
