"""Loaders of the three dataset layouts, on the real images in ../shared/data."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from marrowscope.ai.data import (
    fine_samples,
    label_codes,
    load_dataset,
    load_folder_per_class,
    load_matek,
    load_pbc,
)
from marrowscope.ai.split import load_split, save_split, stratified_split
from marrowscope.domain.errors import InvalidInput, UnknownCellCode

ELEVEN = ("BAS", "EBO", "EOS", "LYT", "MMZ", "MON", "MYB", "NGB", "NGS", "PLT", "PMO")


def test_pbc_labels_map_onto_eleven_taxonomy_codes(shared_data: Path) -> None:
    """13 source labels become 11 fine codes; IG and NEUTROPHIL are kept but ambiguous."""
    samples = load_pbc(shared_data / "pbc")

    assert len(samples) == 13_674
    assert label_codes(fine_samples(samples)) == ELEVEN
    ambiguous = [s for s in samples if s.ambiguous]
    assert Counter(s.group for s in ambiguous) == {"ig": 121, "neutrophil": 40}
    assert all(s.path.is_file() for s in samples[:50])


def test_pbc_platelets_become_plt_and_promyelocytes_pmo(shared_data: Path) -> None:
    """The mapping follows the taxonomy table (PLATELET -> PLT, PMY -> PMO)."""
    counts = Counter(s.code for s in fine_samples(load_pbc(shared_data / "pbc")))

    assert counts["PLT"] == 1878
    assert counts["PMO"] == 474


def test_matek_flat_folder_reads_the_code_from_the_name(shared_data: Path) -> None:
    """``CODE_n.jpg`` files in one folder give one sample per file, labelled CODE."""
    samples = load_matek(shared_data / "matek_samples")

    assert len(samples) == 14
    assert {s.code for s in samples} >= {"ART", "BLA", "PLM", "NGS"}


def test_matek_published_layout_with_a_folder_per_code(shared_data: Path, tmp_path: Path) -> None:
    """The published ``<CODE>/<CODE>_<n>.jpg`` tree reads the same as the flat folder."""
    for image in (shared_data / "matek_samples").glob("*.jpg"):
        folder = tmp_path / image.name.split("_")[0]
        folder.mkdir(exist_ok=True)
        shutil.copy(image, folder / image.name)

    samples = load_dataset("matek", tmp_path)

    assert sorted(s.code for s in samples) == sorted(
        s.code for s in load_matek(shared_data / "matek_samples")
    )


def test_matek_name_with_an_unknown_code_fails_loudly(tmp_path: Path) -> None:
    """A typo in a code is an error naming the code, never a new silent class."""
    (tmp_path / "XYZ_1.jpg").write_bytes(b"not read")

    with pytest.raises(UnknownCellCode, match="XYZ"):
        load_matek(tmp_path)


def test_folder_per_class_takes_labels_from_folder_names(shared_data: Path, tmp_path: Path) -> None:
    """Any ``<class>/<image>`` tree works; labels are whatever the folders are called."""
    for name in ("alpha", "beta"):
        (tmp_path / name).mkdir()
    for i, image in enumerate(sorted((shared_data / "matek_samples").glob("*.jpg"))[:4]):
        shutil.copy(image, tmp_path / ("alpha" if i % 2 else "beta") / image.name)

    samples = load_folder_per_class(tmp_path)

    assert label_codes(samples) == ("alpha", "beta")
    assert len(samples) == 4


def test_unknown_layout_and_missing_labels_file_are_input_errors(tmp_path: Path) -> None:
    """Both errors say what to fix."""
    with pytest.raises(InvalidInput, match="layout"):
        load_dataset("coco", tmp_path)
    with pytest.raises(InvalidInput, match="labels.csv"):
        load_pbc(tmp_path)


def test_saved_split_reads_back_identically(shared_data: Path, tmp_path: Path) -> None:
    """Paths are stored relative to the data folder and re-joined on reading."""
    root = shared_data / "pbc"
    split = stratified_split(load_pbc(root), seed=3)

    save_split(split, tmp_path / "split.csv", root=root)
    again = load_split(tmp_path / "split.csv", root=root)

    assert again.test == split.test
    assert len(again.train) == len(split.train)
