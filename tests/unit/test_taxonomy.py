"""The taxonomy table and its enum describe the same classes, with sources."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from marrowscope.domain.counting.taxonomy import (
    CellClass,
    MERole,
    all_classes,
    cell_class,
    info,
    pbc_label,
)
from marrowscope.domain.errors import UnknownCellCode

MATEK_2021_CODES = (
    "ABE ART BAS BLA EBO EOS FGC HAC KSC LYI LYT MMZ MON MYB NGB NGS NIF OTH PEB PLM PMO".split()
)


def test_every_matek_code_is_a_class_with_a_source() -> None:
    for code in MATEK_2021_CODES:
        assert info(CellClass(code)).source


def test_every_enum_member_has_a_table_row() -> None:
    assert {i.code for i in all_classes()} == set(CellClass)


def test_non_cells_and_platelets_stay_out_of_the_differential() -> None:
    for code in ("ART", "NIF", "KSC", "PLT", "MGK"):
        assert not info(CellClass(code)).in_differential


def test_me_roles_of_the_main_series() -> None:
    assert info(CellClass.NGS).me_role is MERole.MYELOID
    assert info(CellClass.EBO).me_role is MERole.ERYTHROID
    assert info(CellClass.BLA).me_role is MERole.BLAST
    assert info(CellClass.LYT).me_role is MERole.NONE


def test_cell_class_forgives_case_and_spaces_but_not_unknown_codes() -> None:
    assert cell_class(" bla ") is CellClass.BLA
    with pytest.raises(UnknownCellCode, match="XYZ"):
        cell_class("XYZ")


def test_every_pbc_label_maps_onto_the_taxonomy(shared_data: Path) -> None:
    with (shared_data / "pbc" / "labels.csv").open(newline="") as handle:
        labels = {row["label"] for row in csv.DictReader(handle)}

    mapped = {label: pbc_label(label).code for label in labels}

    assert mapped["PMY"] is CellClass.PMO
    assert mapped["PLATELET"] is CellClass.PLT
    assert pbc_label("IG").ambiguous
