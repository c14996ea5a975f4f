"""Labelled single-cell image sets, read into one list of samples.

Three layouts are understood, because a lab may hold any of them:

* the Acevedo 2020 peripheral blood set (``labels.csv``: ``path,group,label,...``),
* the Matek 2021 bone marrow set (``<CODE>/<CODE>_<n>.jpg``, or flat ``<CODE>_<n>.jpg``),
* any folder-per-class set (``<class>/<image>``).

Labels always come from the data, never from a fixed list, so the same training code
trains the 11 classes found here or the 21 of the full Matek set.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from marrowscope.domain.counting.taxonomy import cell_class, pbc_label
from marrowscope.domain.errors import InvalidInput, UnknownCellCode

__all__ = [
    "IMAGE_SUFFIXES",
    "Sample",
    "fine_samples",
    "iter_image_files",
    "label_codes",
    "load_dataset",
    "load_folder_per_class",
    "load_matek",
    "load_pbc",
]

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"})

_MATEK_NAME = re.compile(r"^([A-Za-z]{3})_\d+$")


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled image.

    ``code`` is the taxonomy code used as the training label. ``group`` is the
    coarser class the source gives (the PBC folder), used for grouped accuracy.
    ``ambiguous`` marks labels that name a group but not a stage (PBC ``IG`` and
    ``NEUTROPHIL``): they cannot be a fine training target, yet their group is known.
    """

    path: Path
    code: str
    group: str
    ambiguous: bool = False


def load_pbc(root: Path) -> list[Sample]:
    """Samples of the Acevedo 2020 set from ``root/labels.csv``.

    Labels go through :func:`marrowscope.domain.counting.taxonomy.pbc_label`, so the codes
    are the taxonomy's (``PMY`` -> ``PMO``, ``PLATELET`` -> ``PLT`` ...).
    """
    table = root / "labels.csv"
    if not table.is_file():
        raise InvalidInput(f"{table} not found: is {root} the PBC folder?")
    samples: list[Sample] = []
    with table.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"path", "group", "label"} - set(reader.fieldnames or ())
        if missing:
            raise InvalidInput(f"{table} lacks the columns {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                mapped = pbc_label(row["label"])
            except UnknownCellCode as error:
                raise InvalidInput(f"{table}:{line}: {error}") from None
            samples.append(
                Sample(
                    path=root / row["path"],
                    code=mapped.code.value,
                    group=row["group"].strip(),
                    ambiguous=mapped.ambiguous,
                )
            )
    return samples


def load_matek(root: Path) -> list[Sample]:
    """Samples of a Matek 2021 style folder.

    The code is the file-name prefix (``NGS_00012.jpg`` -> ``NGS``), which works for
    both the published ``<CODE>/<CODE>_<n>.jpg`` tree and a flat folder of such
    files. Each code is checked against the taxonomy so a typo fails loudly.
    """
    samples: list[Sample] = []
    for path in iter_image_files([root]):
        match = _MATEK_NAME.match(path.stem)
        if match is None:
            raise InvalidInput(f"{path}: name is not <CODE>_<n> as in the Matek layout")
        code = cell_class(match.group(1)).value
        samples.append(Sample(path=path, code=code, group=code))
    if not samples:
        raise InvalidInput(f"no images found under {root}")
    return samples


def load_folder_per_class(root: Path) -> list[Sample]:
    """Samples of any ``<class>/<image>`` tree; the folder name is the label as given."""
    samples: list[Sample] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in iter_image_files([folder]):
            samples.append(Sample(path=path, code=folder.name, group=folder.name))
    if not samples:
        raise InvalidInput(f"no <class>/<image> files found under {root}")
    return samples


def load_dataset(layout: str, root: Path) -> list[Sample]:
    """Samples of ``root`` read with the named layout (``pbc``, ``matek`` or ``folders``)."""
    loaders = {"pbc": load_pbc, "matek": load_matek, "folders": load_folder_per_class}
    try:
        loader = loaders[layout]
    except KeyError:
        raise InvalidInput(
            f"unknown dataset layout {layout!r}; use one of {sorted(loaders)}"
        ) from None
    return loader(root)


def fine_samples(samples: Iterable[Sample]) -> list[Sample]:
    """Samples whose label names one class (drops group-only labels such as PBC ``IG``)."""
    return [s for s in samples if not s.ambiguous]


def label_codes(samples: Iterable[Sample]) -> tuple[str, ...]:
    """Sorted distinct codes: the class order of a model trained on these samples."""
    return tuple(sorted({s.code for s in samples}))


def iter_image_files(paths: Sequence[Path]) -> list[Path]:
    """Image files named directly or found (recursively, sorted) under folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                )
            )
        else:
            found.append(path)
    return found
