"""The shipped ONNX model through ``CellClassifier``, on real cells and broken files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from marrowscope.ai.infer import CellClassifier, default_model_path
from marrowscope.ai.sidecar import load_spec
from marrowscope.domain.counting.taxonomy import CellClass


@pytest.fixture(scope="module")
def classifier() -> CellClassifier:
    return CellClassifier.load_default(threads=1)


def test_shipped_sidecar_describes_preprocessing_labels_and_licence() -> None:
    """Inference needs size, mean/std and codes; the card needs sources and metrics."""
    spec = load_spec(default_model_path())

    assert spec.input_size in range(48, 129)
    assert len(spec.codes) == 11 and all(c in CellClass.__members__ for c in spec.codes)
    assert 0 < spec.temperature < 20 and 0 < spec.review_threshold <= 1
    assert "CC BY 4.0" in spec.info["data"]["sources"][0]["licence"]
    assert spec.info["metrics"]["test_macro_f1"] > 0.8
    assert {"BLA", "PLM"} <= set(spec.cannot_recognise)
    assert "blasts" in spec.limits and "plasma cells" in spec.limits


def test_real_peripheral_blood_cells_are_recognised(
    classifier: CellClassifier, shared_data: Path
) -> None:
    """Eosinophils and platelets of the PBC set come back as EOS and PLT, mostly unflagged."""
    eos = sorted((shared_data / "pbc" / "eosinophil").glob("*.jpg"))[:20]
    plt = sorted((shared_data / "pbc" / "platelet").glob("*.jpg"))[:20]

    predictions = classifier.classify_images([*eos, *plt])

    codes = [p.code for p in predictions]
    assert codes[:20].count("EOS") >= 18 and codes[20:].count("PLT") >= 18
    assert all(abs(sum(v for _, v in p.top3) - 1) < 0.05 or len(p.top3) == 3 for p in predictions)
    assert sum(p.review for p in predictions) <= 8


def test_the_matek_artefact_is_marked_for_review(
    classifier: CellClassifier, shared_data: Path
) -> None:
    """An artefact is not a cell: it must reach a person, never be counted unseen."""
    [prediction] = classifier.classify_images([shared_data / "matek_samples" / "ART_00009.jpg"])

    assert prediction.review
    assert prediction.code in classifier.codes  # still the most likely code, flagged
    assert prediction.reason


def test_a_blast_is_never_given_a_code_the_model_does_not_have(
    classifier: CellClassifier, shared_data: Path
) -> None:
    """The model has no BLA output; whatever it answers for a blast is one of its own codes."""
    [prediction] = classifier.classify_images([shared_data / "matek_samples" / "BLA_00009.jpg"])

    assert "BLA" not in classifier.codes and "BLA" in classifier.cannot_recognise
    assert prediction.code in classifier.codes


def test_corrupt_bytes_get_an_error_and_the_rest_of_the_batch_runs(
    classifier: CellClassifier, shared_data: Path, tmp_path: Path
) -> None:
    """A broken file gives a per-file error; the good image beside it is still classified."""
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff not really a jpeg")
    good = shared_data / "matek_samples" / "EOS_00009.jpg"

    bad, ok, raw = classifier.classify_images([broken, good, good.read_bytes()])

    assert bad.code is None and bad.review and "broken.jpg" in (bad.error or "")
    assert ok.code is not None and ok.error is None
    assert raw.code == ok.code and abs(raw.confidence - ok.confidence) < 1e-6


def test_inference_runs_where_torch_cannot_be_imported(shared_data: Path) -> None:
    """Labs install no PyTorch: classification must not import it."""
    image = shared_data / "matek_samples" / "EOS_00009.jpg"
    script = (
        "import sys; sys.modules['torch'] = None\n"
        "from pathlib import Path\n"
        "from marrowscope.ai.infer import CellClassifier\n"
        "c = CellClassifier.load_default(threads=1)\n"
        f"print(c.classify_images([Path({str(image)!r})])[0].code)\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() in load_spec(default_model_path()).codes


def test_a_broken_sidecar_or_missing_model_file_is_a_clear_input_error(tmp_path: Path) -> None:
    """The message names what is wrong instead of failing deep inside ONNX Runtime."""
    from marrowscope.domain.errors import InvalidInput

    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x"}', encoding="utf-8")
    orphan = tmp_path / "orphan.json"
    spec = load_spec(default_model_path())
    orphan.write_text(
        default_model_path().read_text(encoding="utf-8").replace(spec.onnx_file, "gone.onnx"),
        encoding="utf-8",
    )

    with pytest.raises(InvalidInput, match="onnx_file"):
        CellClassifier(bad)
    with pytest.raises(InvalidInput, match="gone.onnx"):
        CellClassifier(orphan)
