"""A fixed, stratified train / validation / test split, saved beside the model.

The split is drawn once from a seed and written to CSV, so the reported test metrics
can be reproduced and no test image ever leaks into training when a run resumes.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from marrowscope.ai.data import Sample
from marrowscope.domain.errors import InvalidInput

__all__ = ["SPLITS", "Split", "load_split", "save_split", "stratified_split"]

SPLITS = ("train", "val", "test")


@dataclass(frozen=True, slots=True)
class Split:
    """Three disjoint lists of samples."""

    train: list[Sample]
    val: list[Sample]
    test: list[Sample]

    def part(self, name: str) -> list[Sample]:
        """The named part (``train``, ``val`` or ``test``)."""
        if name not in SPLITS:
            raise InvalidInput(f"unknown split {name!r}; use one of {SPLITS}")
        parts: list[Sample] = getattr(self, name)
        return parts


def stratified_split(
    samples: Sequence[Sample], seed: int, val_fraction: float = 0.15, test_fraction: float = 0.15
) -> Split:
    """Split each class (and each ambiguous group label) by the same fractions.

    Stratifying per label keeps rare classes (e.g. 474 promyelocytes) present in
    every part. Every class with at least 3 images gets one in each part.
    """
    if not 0 < val_fraction < 1 or not 0 < test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise InvalidInput("val and test fractions must be in (0, 1) and sum below 1")
    strata: dict[tuple[str, bool], list[Sample]] = defaultdict(list)
    for sample in samples:
        strata[(sample.code, sample.ambiguous)].append(sample)
    rng = random.Random(seed)
    train: list[Sample] = []
    val: list[Sample] = []
    test: list[Sample] = []
    for key in sorted(strata):
        members = sorted(strata[key], key=lambda s: str(s.path))
        rng.shuffle(members)
        n = len(members)
        n_test = max(1, round(n * test_fraction)) if n >= 3 else 0
        n_val = max(1, round(n * val_fraction)) if n >= 3 else 0
        test.extend(members[:n_test])
        val.extend(members[n_test : n_test + n_val])
        train.extend(members[n_test + n_val :])
    return Split(train=train, val=val, test=test)


def save_split(split: Split, path: Path, root: Path | None = None) -> None:
    """Write ``split,path,code,group,ambiguous`` rows; paths relative to ``root`` if given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["split", "path", "code", "group", "ambiguous"])
        for name in SPLITS:
            for s in split.part(name):
                # cells from elsewhere (reviewed cells added to training) keep absolute paths
                inside = root is not None and s.path.is_relative_to(root)
                shown = (
                    s.path.relative_to(root).as_posix() if inside and root else s.path.as_posix()
                )
                writer.writerow([name, shown, s.code, s.group, int(s.ambiguous)])


def load_split(path: Path, root: Path | None = None) -> Split:
    """Read a split written by :func:`save_split`; relative paths are joined to ``root``."""
    parts: dict[str, list[Sample]] = {name: [] for name in SPLITS}
    if not path.is_file():
        raise InvalidInput(f"split file {path} not found")
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            name = row.get("split", "")
            if name not in parts:
                raise InvalidInput(f"{path}:{line}: unknown split {name!r}")
            image = Path(row["path"])
            if root is not None and not image.is_absolute():
                image = root / image
            parts[name].append(
                Sample(image, row["code"], row["group"], ambiguous=row["ambiguous"] == "1")
            )
    return Split(train=parts["train"], val=parts["val"], test=parts["test"])
