"""Another laboratory's stain: cells whose colours lie outside the training lab's are flagged.

The shipped classifier calls a yellow-backed, rapid-stained neutrophil an eosinophil at
high confidence; its own confidence and feature distance do not notice. The stain
profile does: measured on real PBC cells, and on the same cells re-tinted as another
laboratory's slide looks (rapid stain on a yellow background, a bluer and darker scan).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from marrowscope.ai.cell_review import ModelCellReviewer
from marrowscope.ai.infer import CellClassifier, default_model_path
from marrowscope.ai.split import load_split
from marrowscope.ai.stain_profile import stain_descriptors
from marrowscope.domain.ai_review import CellCall, ModelCall, slide_shift


@pytest.fixture(scope="module")
def classifier() -> CellClassifier:
    return CellClassifier.load_default(threads=1)


def _test_cells(classifier: CellClassifier, shared: Path, step: int) -> list[Path]:
    """Held-out PBC cells across every class (never used to fit or bound the profile)."""
    split_file = classifier.spec.info["split"]["file"]
    split = load_split(default_model_path().parent / split_file, root=shared / "pbc")
    return [s.path for s in split.part("test")[::step]]


def _tinted(path: Path, gains: tuple[float, float, float], gamma: float = 1.0) -> bytes:
    """The cell as another lab's camera and stain would show it: channel gains, gamma."""
    with Image.open(path) as opened:
        rgb = np.asarray(opened.convert("RGB"), dtype=np.float64) / 255.0
    out = np.clip((rgb**gamma) * np.asarray(gains), 0, 1)
    buffer = io.BytesIO()
    Image.fromarray((out * 255).round().astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_shipped_model_carries_a_stain_profile(classifier: CellClassifier) -> None:
    profile = classifier.spec.stain_profile
    assert profile is not None and len(profile.components) == 1
    [own] = profile.components
    assert own.threshold > 0 and len(own.mean) == 9
    assert "validation" in own.fitted_on


def test_the_training_laboratorys_own_held_out_cells_pass(
    classifier: CellClassifier, shared_data: Path
) -> None:
    """At most about 1 in 200 of the lab's own unseen cells is flagged for its colours."""
    cells = _test_cells(classifier, shared_data, step=5)  # ~410 cells
    predictions = classifier.classify_images(cells)
    profile = classifier.spec.stain_profile
    assert profile is not None
    odd = [p for p in predictions if p.stain_distance > profile.BOUND]
    assert len(odd) <= max(2, len(cells) // 100)
    assert all("colours unlike" not in p.reason for p in predictions if p not in odd)


@pytest.mark.parametrize(
    ("look", "gains", "gamma"),
    [
        ("rapid stain on a yellow background", (1.0, 0.98, 0.70), 1.0),
        ("a bluer, darker scan", (0.80, 0.85, 1.0), 1.3),
    ],
)
def test_another_laboratorys_colours_are_flagged_with_the_reason(
    classifier: CellClassifier,
    shared_data: Path,
    look: str,
    gains: tuple[float, float, float],
    gamma: float,
) -> None:
    cells = _test_cells(classifier, shared_data, step=40)
    predictions = classifier.classify_images([_tinted(p, gains, gamma) for p in cells])
    flagged = [p for p in predictions if p.unfamiliar and p.review]
    assert len(flagged) >= 0.95 * len(cells), look
    assert all("another stain or scanner" in p.reason for p in flagged)


def test_a_slide_of_another_laboratorys_colours_abstains_even_when_small(
    shared_data: Path,
) -> None:
    """Ten uploaded cells from a yellow-backed slide: no AI differential is proposed."""
    reviewer = ModelCellReviewer.load(threads=1)
    cells = _test_cells(reviewer._classifier, shared_data, step=200)[:10]
    calls = []
    for i, call in enumerate(reviewer.classify([_tinted(p, (1.0, 0.98, 0.7)) for p in cells])):
        assert isinstance(call, ModelCall)
        calls.append(CellCall(i, 1, "S1", f"c{i}", "0" * 64, call, "test", datetime.now(UTC)))
    shift = slide_shift("S1", calls)
    assert shift is not None and shift.total == 10
    assert "another stain" in shift.message


def _field_of(colour: tuple[int, int, int], n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.broadcast_to(np.asarray(colour, dtype=np.float64), (n, 24, 24, 3))
    cells = base.copy()
    cells[:, 8:16, 8:16] *= 0.45  # a dark 'nucleus'
    return np.clip(cells + rng.normal(0, 6, cells.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("reviewed", "components"), [(80, 2), (40, 1)])
def test_a_run_on_a_laboratorys_reviewed_cells_learns_their_colours(
    tmp_path: Path, reviewed: int, components: int
) -> None:
    """``train --from-reviews``: the lab's own colours join the profile (60 cells or more)."""
    from marrowscope.ai.data import Sample
    from marrowscope.ai.train.stain_calibration import profile_for_run

    root = tmp_path / "pbc"
    own = [Sample(root / f"c{i}.jpg", "LYT", "lymphocyte") for i in range(200)]
    theirs = [
        Sample(tmp_path / "reviews" / f"r{i}.jpg", "LYT", "lymphocyte") for i in range(reviewed)
    ]
    pixels = np.concatenate(
        [_field_of((235, 215, 225), 200, 1), _field_of((245, 235, 150), reviewed, 2)]
    )
    profile = profile_for_run([*own, *theirs], pixels, _field_of((235, 215, 225), 100, 3), root)

    assert len(profile.components) == components
    later = stain_descriptors(_field_of((245, 235, 150), 50, 4))
    familiar = (profile.distances(later) <= profile.BOUND).mean()
    assert familiar > 0.8 if components == 2 else familiar == 0.0
